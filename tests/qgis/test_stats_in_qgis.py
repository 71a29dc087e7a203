"""Public-health statistics in Processing: "Crude rate" gives the rates and limits Fingertips publishes (checked
with scipy's chi-squared quantiles and Byar's formula written out here), grouped as `lis stats rate` groups."""

from __future__ import annotations

import numpy as np
import pytest
from qgis.core import QgsFeature, QgsField, QgsVectorLayer
from qgis.PyQt.QtCore import QVariant
from scipy import stats as sp


def _reference(x: float, n: float) -> tuple[float, float]:
    if x < 10:
        low = 0.0 if x == 0 else sp.chi2.ppf(0.025, 2 * x) / 2
        return low / n * 1e5, sp.chi2.ppf(0.975, 2 * x + 2) / 2 / n * 1e5
    z = sp.norm.ppf(0.975)
    return (x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3 / n * 1e5,
            (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3 / n * 1e5)


def test_crude_rate_algorithm_groups_and_gives_fingertips_limits(provider, tmp_path):
    import processing

    table = QgsVectorLayer("None", "deaths", "memory")
    table.dataProvider().addAttributes([QgsField("ward", QVariant.Type.String), QgsField("deaths", QVariant.Type.Int),
                                        QgsField("pop", QVariant.Type.Int)])
    table.updateFields()
    rows = [("w1", 1, 300), ("w1", 2, 200), ("w2", 40, 9000), ("w2", 5, 1000), ("w3", 0, 800)]
    features = []
    for values in rows:
        feature = QgsFeature(table.fields())
        feature.setAttributes(list(values))
        features.append(feature)
    table.dataProvider().addFeatures(features)
    out = tmp_path / "rates.gpkg"
    processing.run("lisworkbench:cruderate", {"INPUT": table, "COUNT": "deaths", "POPULATION": "pop",
                                              "BY": ["ward"], "OUTPUT": str(out)})
    result = {f["ward"]: f for f in QgsVectorLayer(str(out), "rates", "ogr").getFeatures()}
    assert sorted(result) == ["w1", "w2", "w3"]
    for ward, x, n in (("w1", 3, 500), ("w2", 45, 10000), ("w3", 0, 800)):
        low, high = _reference(x, n)
        assert result[ward]["value"] == pytest.approx(x / n * 1e5)
        assert result[ward]["lower_ci"] == pytest.approx(low, abs=1e-9)
        assert result[ward]["upper_ci"] == pytest.approx(high)
        assert result[ward]["method"] == ("exact Poisson" if x < 10 else "Byar")

"""Processing "Events to rates" (lisworkbench:eventrates) in real QGIS: the counts it saves equal QGIS's own
"Count points in polygon" (native:countpointsinpolygon) on the store's LSOA layer for a seeded random point set, the
rates are the counts over the store population, and a fault reaches the user as a Processing error naming the
parameter to fix."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from qgis.core import QgsProcessingException, QgsVectorLayer

from lis_workbench.core.store import Store


@pytest.fixture
def store_file(sample_store_path, tmp_path):
    target = tmp_path / "store.gpkg"
    shutil.copyfile(sample_store_path, target)
    return target


def _events_csv(store_file, path) -> None:
    """1,500 seeded random points over the LSOAs' extent (some outside), dated in 2023."""
    lsoas = QgsVectorLayer(f"{store_file}|layername=geo_lsoa11", "lsoa", "ogr")
    extent = lsoas.extent()
    rng = np.random.default_rng(7)
    x = rng.uniform(extent.xMinimum() - 500, extent.xMaximum() + 500, 1500)
    y = rng.uniform(extent.yMinimum() - 500, extent.yMaximum() + 500, 1500)
    day = rng.integers(1, 29, 1500)
    month = rng.integers(1, 13, 1500)
    lines = ["id,x,y,reported"] + [f"{i},{a:.2f},{b:.2f},{d:02d}/{m:02d}/2023"
                                   for i, (a, b, d, m) in enumerate(zip(x, y, day, month))]
    path.write_text("\n".join(lines) + "\n")


def test_event_rates_counts_as_count_points_in_polygon_does(provider, store_file, tmp_path):
    import processing

    events = tmp_path / "incidents.csv"
    _events_csv(store_file, events)
    result = processing.run("lisworkbench:eventrates", {
        "STORE": str(store_file), "INPUT": str(events), "X": "x", "Y": "y", "DATE": "reported",
        "GEOGRAPHY": "lsoa11", "PERIOD": 2, "ID": "incident_rate", "DENOMINATOR": "pop2016_total",
        "MULTIPLIER": 1000})
    points = QgsVectorLayer(f"file://{events}?type=csv&xField=x&yField=y&crs=EPSG:27700&detectTypes=yes",
                            "events", "delimitedtext")
    assert points.isValid() and points.featureCount() == 1500
    counted = processing.run("native:countpointsinpolygon", {
        "POLYGONS": f"{store_file}|layername=geo_lsoa11", "POINTS": points, "FIELD": "n",
        "OUTPUT": "memory:"})["OUTPUT"]
    reference = {f["area_code"]: int(f["n"]) for f in counted.getFeatures()}
    with Store.open(store_file) as store:
        saved = store.get_values("incident_rate", "2023").set_index("area_code")
    assert len(saved) == len(reference) == 200
    assert saved["numerator"].astype(int).to_dict() == reference
    assert result["LOCATED"] == sum(reference.values()) > 300
    assert result["NOT_COUNTED"] == 1500 - result["LOCATED"] > 100
    assert result["INDICATOR"] == "incident_rate" and result["VALUES"] == 200
    assert np.allclose(saved["value"], saved["numerator"] / saved["denominator"] * 1000)
    assert "Outside the geography" in result["REPORT"]


def test_event_rates_names_the_parameter_to_fix(provider, store_file, tmp_path):
    import processing

    events = tmp_path / "incidents.csv"
    _events_csv(store_file, events)
    with pytest.raises(QgsProcessingException, match="postcode lookup.*POSTCODE_LOOKUP"):
        processing.run("lisworkbench:eventrates", {
            "STORE": str(store_file), "INPUT": str(events), "POSTCODE": "id", "DATE": "reported",
            "GEOGRAPHY": "lsoa11", "PERIOD": 0, "ID": "x"})

"""Maps that cannot be misread, in real QGIS (issue 17): the rendered hotspot layers of `lis hotspot` and Processing
Gi* give the warm colours to the clusters of need whatever the indicator's sign, and the no-data symbol is the
hatched mid grey core.palette decides."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from qgis.core import QgsRenderContext, QgsVectorLayer

from lis_workbench.core import palette
from tests.qgis.qgis_helpers import load_indicator

WARM = {"#d7191c", "#fc8d59", "#fed090"}
COOL = {"#4575b4", "#91bfdb", "#d1e5f0"}


def drawn(layer: QgsVectorLayer, value_field: str = "value") -> tuple[list[float], list[float]]:
    """The values of the areas the layer's renderer paints warm and cool (each feature's own symbol)."""
    renderer = layer.renderer().clone()
    context = QgsRenderContext()
    renderer.startRender(context, layer.fields())
    warm, cool = [], []
    for feature in layer.getFeatures():
        colour = renderer.symbolForFeature(feature, context).color().name()
        if colour in WARM:
            warm.append(float(feature[value_field]))
        elif colour in COOL:
            cool.append(float(feature[value_field]))
    renderer.stopRender(context)
    return warm, cool


def categories(layer: QgsVectorLayer) -> dict:
    return {c.value(): (c.symbol().color().name(), c.label()) for c in layer.renderer().categories()}


@pytest.mark.parametrize(("indicator", "polarity"), [("imd2019_imd_rank", "high_is_good"),
                                                      ("imd2015_index_of_multiple_deprivation_score", "high_is_bad")])
def test_lis_hotspot_paints_the_clusters_of_need_warm(sample_store_path, tmp_path, indicator, polarity):
    png, gpkg = tmp_path / "hot.png", tmp_path / "hot.gpkg"
    run = subprocess.run([sys.executable, "-m", "lis_workbench.cli", "hotspot", str(sample_store_path), indicator,
                          "--out", str(png), "--gpkg", str(gpkg), "--permutations", "99"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    layer = QgsVectorLayer(f"{gpkg}|layername={indicator}_gistar", "hot", "ogr")
    assert layer.isValid() and layer.renderer().type() == "categorizedSymbol"
    found = categories(layer)
    need, less = ("Cold", "Hot") if polarity == "high_is_good" else ("Hot", "Cold")
    assert found[f"{need} spot, 99% confidence"][0] == "#d7191c"
    assert "greater need" in found[f"{need} spot, 95% confidence"][1]
    assert found[f"{less} spot, 99% confidence"][0] == "#4575b4"
    assert found[f"{less} spot, 95% confidence"][1].endswith("(less need)")
    warm, cool = drawn(layer)
    assert len(warm) >= 5 and len(cool) >= 5
    # the deprived areas: low ranks (high is good) or high scores (high is bad) are the ones painted warm
    if polarity == "high_is_good":
        assert np.mean(warm) < np.mean(cool) and max(warm) < np.median(cool)
    else:
        assert np.mean(warm) > np.mean(cool) and min(warm) > np.median(cool)
    blank = layer.renderer().categories()[-1]
    assert blank.value() in (None, "") and blank.symbol().symbolLayer(0).color().name() == palette.NO_DATA_FILL


def test_processing_gistar_output_opens_with_need_in_warm_colours(provider, sample_store_path, tmp_path):
    import processing

    rank = load_indicator(sample_store_path, "imd2019_imd_rank", tmp_path)  # metadata: polarity high_is_good
    out = tmp_path / "gi.gpkg"
    processing.run("lisworkbench:gistar", {"INPUT": str(rank), "FIELD": "value", "PERMUTATIONS": 99,
                                           "OUTPUT": str(out)})
    layer = QgsVectorLayer(str(out), "gi", "ogr")  # the style saved in the GeoPackage as its default
    assert layer.renderer().type() == "categorizedSymbol"
    assert categories(layer)["Cold spot, 95% confidence"][0] == "#fc8d59"
    warm, cool = drawn(layer)
    assert warm and cool and np.mean(warm) < np.mean(cool)


def test_thematic_no_data_is_the_hatched_mid_grey(sample_store_path, tmp_path):
    from lis_workbench.core.map_study import MapSpec
    from lis_workbench.core.store import Store
    from lis_workbench.qgis_bridge.maps import indicator_map_layer

    with Store.open(sample_store_path) as store:
        layer, classification, spec = indicator_map_layer(store, "iod2019_idaci_numerator", None, MapSpec())
    assert classification.no_data > 0
    rule = layer.renderer().rootRule().children()[-1]
    assert rule.filterExpression() == '"value" IS NULL' and rule.label() == palette.NO_DATA_LABEL
    fill, hatch = rule.symbol().symbolLayer(0), rule.symbol().symbolLayer(1)
    assert fill.color().name() == palette.NO_DATA_FILL and hatch.color().name() == palette.NO_DATA_HATCH
    classes = [r.symbol().color().name() for r in layer.renderer().rootRule().children()[:-1]]
    assert classes and all(palette.colour_difference(palette.NO_DATA_FILL, c) >= 15 for c in classes)
    assert spec.heading == "Children in income-deprived families (IDACI numerator), IoD 2019, Wigan 2011 LSOAs"

"""The plugin in real QGIS (pytest-qgis, offscreen): provider, Load indicator, dock, unload."""

from __future__ import annotations

import csv

import pytest
from qgis.core import QgsApplication, QgsProject, QgsVectorLayer

from tests.conftest import SAMPLE


def _csv_column(name: str, code_column: str, value_column: str) -> dict[str, float]:
    with open(SAMPLE / name, newline="", encoding="utf-8") as handle:
        return {row[code_column]: float(row[value_column].replace(",", "")) for row in csv.DictReader(handle)}


IMD_FILE = "wigan_imd2019_file2_domains_ranks_deciles.csv"
IMD_DECILE = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"


@pytest.fixture()
def plugin(qgis_iface, qgis_processing):
    import lis_workbench

    instance = lis_workbench.classFactory(qgis_iface)
    instance.initGui()
    yield instance
    instance.unload()


def _providers() -> list[str]:
    return [p.id() for p in QgsApplication.processingRegistry().providers()]


def test_provider_registers_and_unload_removes_it(qgis_iface, qgis_processing):
    import lis_workbench

    for _ in range(2):  # a reload must not leave a second provider behind
        instance = lis_workbench.classFactory(qgis_iface)
        instance.initGui()
        assert _providers().count("lisworkbench") == 1
        assert QgsApplication.processingRegistry().algorithmById("lisworkbench:loadindicator") is not None
        instance.unload()
        assert "lisworkbench" not in _providers()
        assert instance.dock is None and instance.action is None


def test_load_indicator_algorithm_matches_csv(plugin, sample_store_path):
    import processing

    result = processing.run("lisworkbench:loadindicator", {
        "STORE": str(sample_store_path), "INDICATOR": "imd2019_imd_decile", "PERIOD": "2019",
        "OUTPUT": "TEMPORARY_OUTPUT"})
    layer = result["OUTPUT"]
    assert isinstance(layer, QgsVectorLayer) and layer.isValid()
    expected = _csv_column(IMD_FILE, "LSOA code (2011)", IMD_DECILE)
    got = {f["area_code"]: f["value"] for f in layer.getFeatures()}
    assert got == expected
    assert layer.crs().authid() == "EPSG:27700"
    names = [f.name() for f in layer.fields()]
    assert names[:4] == ["area_code", "area_name", "period", "value"]
    assert all(f.geometry().isGeosValid() for f in layer.getFeatures())


def test_load_indicator_unknown_id_is_a_clear_processing_error(plugin, sample_store_path):
    import processing
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="no indicator 'imd2019_nonsense'"):
        processing.run("lisworkbench:loadindicator", {
            "STORE": str(sample_store_path), "INDICATOR": "imd2019_nonsense", "OUTPUT": "TEMPORARY_OUTPUT"})


def test_dock_lists_catalogue_and_adds_layer(plugin, sample_store_path):
    from lis_workbench.core.store import Store

    dock = plugin.dock
    dock.open_store(str(sample_store_path))
    with Store.open(sample_store_path) as store:
        catalogue = store.catalogue()
    assert sorted(dock.indicator_ids()) == sorted(catalogue["id"])
    dock.searchEdit.setText("claimant")
    assert sorted(dock.indicator_ids()) == ["claimant_count", "claimant_rate"]
    dock.searchEdit.setText("")
    dock.geographyCombo.setCurrentText("lsoa21")
    assert set(dock.indicator_ids()) == set(catalogue.loc[catalogue["geography"] == "lsoa21", "id"])
    dock.geographyCombo.setCurrentIndex(0)

    dock.select_indicator("imd2019_imd_decile", "2019")
    assert dock.addButton.isEnabled()
    before = len(QgsProject.instance().mapLayers())
    layer = dock.add_to_map()
    assert layer is not None
    assert len(QgsProject.instance().mapLayers()) == before + 1
    assert layer.featureCount() == 200
    expected = _csv_column(IMD_FILE, "LSOA code (2011)", IMD_DECILE)
    assert {f["area_code"]: f["value"] for f in layer.getFeatures()} == expected
    assert "MHCLG" in layer.metadata().abstract()

    dock.select_indicator("claimant_count", "2016-03")
    layer = dock.add_to_map()
    expected = {}
    with open(SAMPLE / "wigan_claimant_count_wards_2015_2017_monthly.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["date"] == "2016-03-01":
                expected[row["wd15cd"]] = float(row["count"])
    assert {f["area_code"]: f["value"] for f in layer.getFeatures()} == expected
    QgsProject.instance().removeAllMapLayers()


def test_dock_shows_error_for_a_file_that_is_not_a_store(plugin, tmp_path):
    bad = tmp_path / "notes.gpkg"
    bad.write_text("not a database")
    plugin.dock.open_store(str(bad))
    assert "not an LIS Workbench store" in plugin.dock.summaryLabel.text()
    assert plugin.dock.indicator_ids() == []


def test_dock_thematic_map_styles_by_polarity(plugin, sample_store_path):
    dock = plugin.dock
    dock.open_store(str(sample_store_path))
    dock.select_indicator("imd2019_imd_decile", "2019")
    assert dock.methodCombo.currentText() == "Deciles"  # a decile indicator maps as deciles by default
    layer = dock.map_indicator()
    assert layer is not None and layer.isValid() and layer.featureCount() == 200
    ranges = layer.renderer().ranges()
    assert len(ranges) == 10
    assert ranges[0].symbol().color().name() == "#67001f"  # decile 1, most deprived: ColorBrewer RdBu dark red
    assert [r.upperValue() for r in ranges] == list(range(1, 11))
    assert layer in QgsProject.instance().mapLayers().values()
    QgsProject.instance().removeAllMapLayers()


def test_dock_site_services_fills_a_runnable_mclp_dialog(plugin, sample_store_path, monkeypatch, tmp_path):
    """The button opens the MCLP dialog with the demand and the store's schools; those parameters run as they are
    (the modal dialog itself is swapped for processing.run, since nobody can click it headless)."""
    import processing

    seen = {}
    monkeypatch.setattr(processing, "execAlgorithmDialog", lambda alg, params: seen.update(alg=alg, params=params))
    dock = plugin.dock
    dock.open_store(str(sample_store_path))
    dock.select_indicator("pop2016_age_0_4", "2016")
    assert dock.siteButton.isEnabled()
    dock.open_siting_dialog()
    assert seen["alg"] == "lisworkbench:mclp"
    params = dict(seen["params"], P=2, RADIUS=1500.0, OUTPUT_SITES=str(tmp_path / "sites.gpkg"))
    assert params["CANDIDATES"].featureCount() == 143  # every school and nursery in the sample
    result = processing.run("lisworkbench:mclp", params)
    chosen = [f for f in QgsVectorLayer(result["OUTPUT_SITES"], "s", "ogr").getFeatures() if f["selected"] == 1]
    assert len(chosen) == 2 and result["OBJECTIVE"] > 0
    QgsProject.instance().removeAllMapLayers()

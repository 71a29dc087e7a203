"""The plugin in real QGIS (pytest-qgis, offscreen): provider, Load indicator, dock, unload."""

from __future__ import annotations

import csv

import pytest
from qgis.core import QgsApplication, QgsProject, QgsVectorLayer

from tests.conftest import SAMPLE
from tests.qgis.qgis_helpers import wait_for


def _csv_column(name: str, code_column: str, value_column: str) -> dict[str, float]:
    with open(SAMPLE / name, newline="", encoding="utf-8") as handle:
        return {row[code_column]: float(row[value_column].replace(",", "")) for row in csv.DictReader(handle)}


IMD_FILE = "wigan_imd2019_file2_domains_ranks_deciles.csv"
IMD_DECILE = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"


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
    tree = QgsProject.instance().layerTreeRoot()
    before = len(tree.findLayers())
    layer = dock.add_to_map()
    assert layer is not None
    assert len(tree.findLayers()) == before + 1  # one layer for the user; its values table stays out of sight
    assert layer.providerType() == "ogr" and str(sample_store_path) in layer.source()  # reads the store itself
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


def test_dock_siting_wizard_solves_like_spopt_and_adds_styled_layers(plugin, sample_store_path):
    """"Site services..." opens the wizard with the chosen count as demand and IMD deciles 1-3 as the need. Its
    answer equals spopt's MCLP (PuLP + CBC) on demand and primary schools read with geopandas; Finish adds the
    three styled layers."""
    import geopandas as gpd
    import numpy as np
    import pulp
    from spopt.locate import MCLP

    dock = plugin.dock
    dock.open_store(str(sample_store_path))
    dock.select_indicator("pop2016_age_0_4", "2016")
    assert dock.siteButton.isEnabled()
    wizard = dock.open_siting_dialog()
    assert wizard.demandCombo.currentData() == "pop2016_age_0_4"
    assert wizard.needCheck.isChecked() and wizard.needCombo.currentData() == "imd2019_imd_decile"
    assert wizard.candidatesCombo.currentData() == "schools"
    wizard.filterEdit.setText("education_phase = 'Primary'")
    wizard.pSpin.setValue(3)
    for _ in range(3):
        wizard.next()
    page = wizard.result_page
    wait_for(lambda: page.task is None, what="the siting solve")  # solved in a task, the window live meanwhile
    assert page.isComplete(), page.summary.text()
    # the reference: demand in deciles 1-3 at the store's population-weighted centroids (as `lis site` puts it),
    # primary schools, Euclidean costs
    areas = gpd.read_file(sample_store_path, layer="pts_lsoa11_pwc")
    pop = gpd.read_file(sample_store_path, layer="lis_value", ignore_geometry=True)
    values = pop[pop["indicator"] == "pop2016_age_0_4"].set_index("area_code")["value"]
    decile = pop[pop["indicator"] == "imd2019_imd_decile"].set_index("area_code")["value"]
    points = areas.geometry
    weights = np.where(decile.reindex(areas["area_code"]).to_numpy() <= 3,
                       values.reindex(areas["area_code"]).to_numpy(float), 0.0)
    schools = gpd.read_file(sample_store_path, layer="pts_schools")
    schools = schools[schools["education_phase"] == "Primary"]
    cost = np.hypot(points.x.to_numpy()[:, None] - schools.geometry.x.to_numpy()[None, :],
                    points.y.to_numpy()[:, None] - schools.geometry.y.to_numpy()[None, :])
    model = MCLP.from_cost_matrix(cost, weights, service_radius=1500.0, p_facilities=3)
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    chosen = [j for j, var in enumerate(model.fac_vars) if var.value() > 0.5]
    reference = weights[(cost[:, chosen] <= 1500.0).any(axis=1)].sum()
    assert reference > 0 and wizard.result.outcome.result.objective == reference
    assert page.table.rowCount() == 3 and not page.curve.pixmap().isNull()
    assert "proven optimal" in page.summary.text()
    wizard.accept()
    names = {layer.name(): layer for layer in QgsProject.instance().mapLayers().values()}
    assert names["Sites"].renderer().classAttribute() == "status"
    demand = next(layer for name, layer in names.items() if name.startswith("Children aged 0-4"))
    assert demand.renderer().classAttribute() == "service" and demand.featureCount() == 200
    QgsProject.instance().removeAllMapLayers()


def test_siting_wizard_says_what_is_wrong_and_will_not_finish(plugin, sample_store_path):
    """Covering all children in Wigan within 1,500 m of a school is impossible: the last page names the areas
    out of reach (LSOA codes), Finish stays disabled, and cancelling adds nothing to the map."""
    import re

    dock = plugin.dock
    dock.open_store(str(sample_store_path))
    dock.select_indicator("pop2016_age_0_4", "2016")
    wizard = dock.open_siting_dialog()
    wizard.needCheck.setChecked(False)
    wizard.modelGroup.button(1).setChecked(True)  # set covering
    assert not wizard.pSpin.isEnabled()
    for _ in range(3):
        wizard.next()
    wait_for(lambda: wizard.result_page.task is None, what="the siting solve")
    page = wizard.result_page
    assert not page.isComplete()
    message = page.summary.text()
    assert "farther than 1,500 from every site" in message and re.search(r"\(E01\d{6}", message)
    wizard.reject()
    assert not QgsProject.instance().mapLayers()

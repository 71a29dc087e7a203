"""The dock's doors onto the local questions (issue 18) against the `lis` command on the Wigan sample store: a custom
area from LSOAs selected on the map gives the lookup `lis areas add --codes` gives (and the boundary GeoPandas
dissolves), one from plain polygons the lookup of `--from-layer --method centroid`; the emerging hot spots the
categories and CSV of `lis emerging --csv`; events the counts `lis events import` saves, both equal to the points
placed by construction in known LSOAs."""

from __future__ import annotations

import contextlib
import html
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from qgis.core import QgsApplication, QgsFeature, QgsGeometry, QgsProject, QgsVectorLayer

from tests.qgis.qgis_helpers import wait_for_task

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
NEIGHBOURHOOD = "Hindley, Ince and Abram"  # one of the sample's neighbourhoods, 32 LSOAs
HOT = "imd2015_index_of_multiple_deprivation_score"  # on lsoa11


def _copy(sample_store_path, folder: Path, name: str) -> Path:
    target = folder / name
    shutil.copyfile(sample_store_path, target)
    return target


@pytest.fixture()
def stores(sample_store_path, tmp_path) -> tuple[Path, Path]:
    """One copy of the sample store for the dock, one for the command."""
    return _copy(sample_store_path, tmp_path, "dock.gpkg"), _copy(sample_store_path, tmp_path, "cli.gpkg")


def _lis(*args) -> str:
    done = subprocess.run([sys.executable, "-m", "lis_workbench.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _lookup(store: Path, name: str) -> pd.DataFrame:
    with contextlib.closing(sqlite3.connect(store)) as conn:
        return pd.read_sql_query("SELECT from_code, to_code, weight FROM lis_lookup_row WHERE lookup = ? ORDER BY "
                                 "from_code", conn, params=(name,))


def _status(dock) -> str:
    return html.unescape(dock.statusLabel.text())


def _layer(title: str) -> QgsVectorLayer:
    return next(layer for layer in QgsProject.instance().mapLayers().values() if layer.name().startswith(title))


# ------------------------------------------------------------------ custom areas
def test_custom_area_from_selected_lsoas_is_the_lookup_lis_areas_add_codes_makes(plugin, stores, tmp_path):
    import geopandas as gpd

    dock_store, cli_store = stores
    listed = pd.read_csv(SAMPLE / "wigan_neighbourhoods_lsoa11.csv")
    codes = sorted(listed.loc[listed["name"] == NEIGHBOURHOOD, "code"])
    dock = plugin.dock
    dock.open_store(str(dock_store))
    dock.select_indicator(HOT)
    layer = dock.add_to_map()  # the store's LSOAs as the dock adds them
    assert dock.custom_area_from_selection("anything", layer) is None and "Select the areas" in _status(dock)
    layer.selectByExpression(f"area_code IN ({', '.join(repr(c) for c in codes)})")
    assert layer.selectedFeatureCount() == len(codes) == 32
    wait_for_task(dock.custom_area_from_selection(NEIGHBOURHOOD, layer))
    assert "Added custom area Hindley, Ince and Abram: 32 areas of lsoa11" in _status(dock), _status(dock)
    assert "hindley_ince_and_abram" in dock.summaryLabel.text()  # the geographies listed again
    assert dock.current()[0] == HOT  # the chosen indicator kept

    table = tmp_path / "codes.csv"
    listed[listed["name"] == NEIGHBOURHOOD].to_csv(table, index=False)
    _lis("areas", "add", cli_store, "hindley_ince_and_abram", "--codes", table)
    docked = _lookup(dock_store, "lsoa11_hindley_ince_and_abram")
    pd.testing.assert_frame_equal(docked, _lookup(cli_store, "lsoa11_hindley_ince_and_abram"))
    assert docked["from_code"].tolist() == codes and set(docked["to_code"]) == {NEIGHBOURHOOD}

    shape = _layer("Custom areas hindley_ince_and_abram")  # added to the map, read from the store
    assert shape.featureCount() == 1
    lsoa = gpd.read_file(SAMPLE / "wigan_lsoa11_bgc.geojson").to_crs(27700)
    dissolved = lsoa[lsoa["area_code"].isin(codes)].dissolve().geometry.area.iloc[0]
    assert next(shape.getFeatures()).geometry().area() == pytest.approx(dissolved, rel=1e-6)
    assert dock.custom_area_from_selection(NEIGHBOURHOOD, layer) is None
    assert "already has a geography 'hindley_ince_and_abram'" in _status(dock)


def test_custom_area_from_selected_polygons_places_lsoas_as_lis_areas_add_from_layer(plugin, stores, tmp_path):
    """Polygons that are not store areas (no area_code): the LSOAs by population-weighted centroid, as the command
    does with a file holding the same polygons as one area."""
    import geopandas as gpd

    dock_store, cli_store = stores
    wards = gpd.read_file(SAMPLE / "wigan_wards_2023_bgc.geojson").sort_values("area_code").head(2)
    drawn = QgsVectorLayer("MultiPolygon?crs=EPSG:4326&field=label:string", "drawn", "memory")
    for row in wards.to_crs(4326).itertuples():
        feature = QgsFeature(drawn.fields())
        feature.setGeometry(QgsGeometry.fromWkt(row.geometry.wkt))
        feature.setAttributes([row.area_name])
        drawn.dataProvider().addFeature(feature)
    QgsProject.instance().addMapLayer(drawn)
    drawn.selectAll()
    plugin.iface.setActiveLayer(drawn)
    dock = plugin.dock
    dock.open_store(str(dock_store))
    wait_for_task(dock.custom_area_from_selection("two_wards"))  # the active layer
    assert "Added custom area two_wards" in _status(dock), _status(dock)

    as_file = tmp_path / "two_wards.geojson"
    wards.assign(name="two_wards")[["name", "geometry"]].to_file(as_file)
    _lis("areas", "add", cli_store, "two_wards", "--from-layer", as_file, "--method", "centroid")
    docked = _lookup(dock_store, "lsoa11_two_wards")
    assert len(docked) > 5 and set(docked["to_code"]) == {"two_wards"}
    pd.testing.assert_frame_equal(docked, _lookup(cli_store, "lsoa11_two_wards"))


# ------------------------------------------------------------------ emerging hot spots
def test_emerging_hot_spots_in_the_dock_are_the_categories_of_lis_emerging(plugin, stores, tmp_path):
    from lis_workbench.qgis_bridge.store_layers import results_path

    dock_store, cli_store = stores
    dock = plugin.dock
    dock.open_store(str(dock_store))
    dock.select_indicator("claimant_rate")
    assert dock.emergingButton.isEnabled()
    wait_for_task(dock.emerging_hotspots(), timeout=300)
    layer = _layer("Claimant")
    assert layer.name().endswith("(emerging hot spots)") and layer.providerType() == "ogr"  # kept in a GeoPackage
    assert layer.renderer().type() == "categorizedSymbol"
    docked = pd.DataFrame([(f["area_code"], f["category"], f["mk_z"]) for f in layer.getFeatures()],
                          columns=["area_code", "category", "mk_z"]).set_index("area_code").sort_index()

    out = tmp_path / "cli.csv"
    stdout = _lis("emerging", cli_store, "claimant_rate", "--out", tmp_path / "cli.png", "--csv", out)
    cli = pd.read_csv(out, dtype={"area_code": str}).set_index("area_code").sort_index()
    # Esri's FDR leaves every ward of 25 "no pattern"; the trends differ and each period's z is compared below
    assert len(docked) == len(cli) == 25 and cli["mk_z"].abs().max() > 2 and cli["mk_z"].nunique() > 10
    assert docked["category"].tolist() == cli["category"].tolist()
    pd.testing.assert_series_equal(docked["mk_z"].astype(float), cli["mk_z"], check_names=False, rtol=0,
                                   atol=1e-9)
    written = pd.read_csv(results_path().with_name("claimant_rate_emerging.csv"), dtype={"area_code": str})
    pd.testing.assert_frame_equal(written.set_index("area_code").sort_index(), cli)
    summary = next(line for line in stdout.splitlines() if "34 periods" in line).strip()
    assert _status(dock).startswith(summary)


# ------------------------------------------------------------------ events
def _events(store: Path, path: Path) -> dict[tuple[str, str], int]:
    """Events placed on points inside known LSOAs (QGIS's point on surface of the store's boundaries): 3, 2 and 1 in
    three LSOAs in 2023, 2 in one of them in 2024; two far outside the borough and one with a bad date. Returns
    the counts by construction."""
    lsoas = QgsVectorLayer(f"{store}|layername=geo_lsoa11", "lsoa", "ogr")
    features = sorted(lsoas.getFeatures(), key=lambda f: f["area_code"])[:3]
    placed = [(features[0], "2023", 3), (features[1], "2023", 2), (features[2], "2023", 1), (features[0], "2024", 2)]
    rows, expected = ["x,y,reported"], {}
    for feature, year, n in placed:
        point = feature.geometry().pointOnSurface().asPoint()
        rows += [f"{point.x():.3f},{point.y():.3f},15/03/{year}"] * n
        expected[(feature["area_code"], year)] = n
    rows += ["100000,100000,01/02/2023", "700000,900000,01/02/2023",
             f"{point.x():.3f},{point.y():.3f},not a date"]
    path.write_text("\n".join(rows) + "\n")
    return expected


def test_import_events_in_the_dock_counts_as_lis_events_import(plugin, stores, tmp_path):
    dock_store, cli_store = stores
    events = tmp_path / "incidents.csv"
    expected = _events(dock_store, events)
    dock = plugin.dock
    dock.open_store(str(dock_store))
    wait_for_task(dock.import_events({"file": events, "geography": "lsoa11", "period": "year", "new_id": "incidents",
                                      "date_column": "reported", "x_column": "x", "y_column": "y"}))
    assert dock.current()[0] == "incidents"  # listed and chosen
    stdout = _lis("events", "import", cli_store, events, "--x", "x", "--y", "y", "--date", "reported",
                  "--geography", "lsoa11", "--period", "year", "--id", "incidents")

    def counts(store: Path) -> pd.DataFrame:
        with contextlib.closing(sqlite3.connect(store)) as conn:
            return pd.read_sql_query("SELECT area_code, period, numerator FROM lis_value WHERE indicator = "
                                     "'incidents' ORDER BY area_code, period", conn)

    docked, cli = counts(dock_store), counts(cli_store)
    pd.testing.assert_frame_equal(docked, cli)
    found = {(r.area_code, r.period): int(r.numerator) for r in docked.itertuples() if r.numerator}
    assert found == expected
    for line in ("Rows read: 11", "Located in lsoa11: 8", "Outside the geography: 2", "Bad dates: 1"):
        assert line in stdout and line in _status(dock), (line, _status(dock))


def test_the_events_dialog_opens_with_the_store_its_small_areas_and_population(plugin, stores):
    """What "Import events…" fills in are parameters of "Events to rates" (a renamed one would be dropped)."""
    from lis_workbench.ui.local_actions import event_inputs

    dock = plugin.dock
    dock.open_store(str(stores[0]))
    inputs = event_inputs(dock)
    algorithm = QgsApplication.processingRegistry().algorithmById("lisworkbench:eventrates")
    names = {p.name() for p in algorithm.parameterDefinitions()}
    assert set(inputs) <= names
    assert inputs["STORE"] == str(stores[0]) and inputs["GEOGRAPHY"] == "lsoa11"
    assert inputs["DENOMINATOR"] == "pop2016_total"  # the newest popYYYY_total on the LSOAs

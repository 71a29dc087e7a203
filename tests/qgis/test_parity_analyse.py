"""Parity of the analyses: one input through every door - the `lis` command, the Processing algorithms and the dock -
gives one answer in the same words (issue 13). For hot spots, siting and the composite index each test runs the
three doors on the Wigan sample store with what a user would type or click (the doors' defaults, not parameters
copied from one door to the next) and compares what the user sees: every area's numbers (within 1e-9), the chosen
sites, the objective and the summary line. A door that drifts (another default, another demand point, another
rounding) fails here."""

from __future__ import annotations

import contextlib
import html
import re
import shutil
import sqlite3
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from qgis.core import NULL, QgsFeature, QgsField, QgsProcessingException, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import QVariant

from tests.conftest import SAMPLE
from tests.qgis.qgis_helpers import load_indicator, wait_for, wait_for_task

HOT = "imd2015_index_of_multiple_deprivation_score"  # a score (not a rank) of every LSOA, 2015
PRIMARY = "education_phase = 'Primary'"
NEED = "imd2019_imd_decile<=3"
RECIPE = SAMPLE / "wigan_vulnerability_index.toml"


@pytest.fixture()
def store(sample_store_path, tmp_path):
    path = tmp_path / "wigan.gpkg"
    shutil.copyfile(sample_store_path, path)
    return path


def _lis(*args) -> str:
    """Run `lis` as a user would; its standard output."""
    done = subprocess.run([sys.executable, "-m", "lis_workbench.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _line(stdout: str, start: str) -> str:
    return next(line.strip() for line in stdout.splitlines() if line.strip().startswith(start))


def _features(layer, fields: list[str], key: str = "area_code") -> pd.DataFrame:
    """A layer's (or a layer file's) fields by key, as a frame sorted by key."""
    if not isinstance(layer, QgsVectorLayer):
        layer = QgsVectorLayer(str(layer), "out", "ogr")
    assert layer.isValid()
    rows = [[f[key]] + [None if f[name] == NULL else f[name] for name in fields] for f in layer.getFeatures()]
    return pd.DataFrame(rows, columns=[key, *fields]).set_index(key).sort_index()


def _project_layer(title: str) -> QgsVectorLayer:
    return next(layer for layer in QgsProject.instance().mapLayers().values() if layer.name().startswith(title))


def _status(dock) -> str:
    """The dock's status line as the user reads it (the label shows HTML)."""
    return html.unescape(dock.statusLabel.text())


def _same(frames: dict[str, pd.DataFrame], numbers: list[str], words: list[str]) -> None:
    """Every door's frame has the same areas, the same numbers (within 1e-9) and the same words."""
    first, reference = next(iter(frames.items()))
    for door, frame in frames.items():
        assert list(frame.index) == list(reference.index), f"{door} and {first} list other areas"
        for column in numbers:  # an area empty at one door and not at another differs too
            np.testing.assert_allclose(frame[column].astype(float), reference[column].astype(float), rtol=0,
                                       atol=1e-9, equal_nan=True, err_msg=f"{door} and {first} differ in {column}")
        for column in words:
            assert frame[column].tolist() == reference[column].tolist(), f"{door} and {first} differ in {column}"


# ------------------------------------------------------------------ hot spots
def test_hot_spots_are_the_same_from_the_cli_processing_and_the_dock(plugin, store, tmp_path):
    """Gi* with every door's defaults (queen weights, 999 permutations, seed 12345, FDR): the same z, p and label
    for each area and the same summary line."""
    import processing

    columns = ["gi_z", "gi_p", "gi_cluster"]
    stdout = _lis("hotspot", store, HOT, "--out", tmp_path / "hot.png", "--gpkg", tmp_path / "hot.gpkg")
    cli = _features(f"{tmp_path / 'hot.gpkg'}|layername={HOT}_gistar", columns)
    cli_summary = _line(stdout, "Moran's I")

    areas = load_indicator(store, HOT, tmp_path)
    result = processing.run("lisworkbench:gistar", {"INPUT": str(areas), "FIELD": "value",
                                                    "OUTPUT": str(tmp_path / "gi.gpkg")})
    toolbox = _features(result["OUTPUT"], columns)

    dock = plugin.dock
    dock.open_store(str(store))
    dock.select_indicator(HOT, "2015")
    wait_for_task(dock.find_hotspots())
    docked = _features(_project_layer("Hot and cold spots"), columns)

    assert len(cli) == 200 and cli["gi_cluster"].str.startswith("Hot spot").sum() > 10  # a real answer
    _same({"lis hotspot": cli, "Processing Gi*": toolbox, "the dock": docked}, ["gi_z", "gi_p"], ["gi_cluster"])
    assert cli_summary.startswith("Moran's I 0.") and "8 Hot spot, 95% confidence" in cli_summary
    assert result["SUMMARY"] == cli_summary
    assert _status(dock) == cli_summary


def test_local_moran_is_the_same_from_the_cli_and_processing(plugin, store, tmp_path):
    """Local Moran (LISA), which the dock does not offer: the same I, z, p, quadrant and cluster per area and the
    same summary from `lis hotspot --statistic localmoran` and Processing Local Moran."""
    import processing

    columns = ["lisa_i", "lisa_z", "lisa_p", "lisa_quadrant", "lisa_cluster"]
    stdout = _lis("hotspot", store, HOT, "--statistic", "localmoran", "--out", tmp_path / "lisa.png",
                  "--gpkg", tmp_path / "lisa.gpkg")
    cli = _features(f"{tmp_path / 'lisa.gpkg'}|layername={HOT}_localmoran", columns)
    areas = load_indicator(store, HOT, tmp_path)
    result = processing.run("lisworkbench:localmoran", {"INPUT": str(areas), "FIELD": "value",
                                                        "OUTPUT": str(tmp_path / "lisa_qgis.gpkg")})
    toolbox = _features(result["OUTPUT"], columns)
    assert (cli["lisa_cluster"] == "High-High").sum() > 5
    _same({"lis hotspot": cli, "Processing Local Moran": toolbox}, ["lisa_i", "lisa_z", "lisa_p"],
          ["lisa_quadrant", "lisa_cluster"])
    assert result["SUMMARY"] == _line(stdout, "Moran's I")


# ------------------------------------------------------------------ siting
def _raw(store_path, indicator: str) -> dict[str, float]:
    """An indicator's stored values by area code (it has one period), read straight from the file."""
    with contextlib.closing(sqlite3.connect(store_path)) as conn:
        rows = conn.execute("SELECT area_code, value FROM lis_value WHERE indicator = ?", (indicator,)).fetchall()
    assert len(rows) == len(dict(rows)) > 0, f"{indicator} has more than one period"
    return dict(rows)


def _demand_points(store_path, table: str = "pts_lsoa11_pwc", kind: str = "Point") -> QgsVectorLayer:
    """What a QGIS user hands Processing: the store's population-weighted centroids (pts_lsoa11_pwc), or its LSOA
    polygons (geo_lsoa11, kind MultiPolygon), with the children aged 0-4 and the IMD decile of each LSOA joined on."""
    centroids = QgsVectorLayer(f"{store_path}|layername={table}", "centroids", "ogr")
    children, decile = _raw(store_path, "pop2016_age_0_4"), _raw(store_path, "imd2019_imd_decile")
    layer = QgsVectorLayer(f"{kind}?crs=EPSG:27700", "demand", "memory")
    layer.dataProvider().addAttributes([QgsField("area_code", QVariant.Type.String), QgsField("children",
                                                                                              QVariant.Type.Double),
                                        QgsField("imd_decile", QVariant.Type.Double)])
    layer.updateFields()
    features = []
    for centroid in centroids.getFeatures():
        feature = QgsFeature(layer.fields())
        code = centroid["area_code"]
        feature.setAttributes([code, children[code], decile[code]])
        feature.setGeometry(centroid.geometry())
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    assert layer.featureCount() == 200 == len(children)
    return QgsProject.instance().addMapLayer(layer, False)


def _timeless(summary: str) -> str:
    """A siting summary without its solve time (", 0.01 s)"), the one part that may differ between runs."""
    return re.sub(r", [0-9.]+ s\)\.$", ", ... s).", summary)


def _chosen(sites: pd.DataFrame) -> list[tuple]:
    """The new sites in opening order as the user reads them: id, name, place, children in reach, what each adds."""
    new = sites[sites["selected"].astype(int) == 1].sort_values("rank")
    return [(str(row.site_id), str(row.name), float(row.x), float(row.y), round(float(row.demand_in_reach), 9),
             round(float(row.marginal_gain), 9)) for row in new.itertuples()]


def test_siting_is_the_same_from_the_cli_processing_and_the_wizard(plugin, store, tmp_path):
    """Three new primary-school sites reaching the most children aged 0-4 in the 30% most deprived LSOAs within
    1,500 m, demand at the store's population-weighted centroids (the default: no --centroids). Issue 13: the
    wizard said 4,224 children and `lis site` 4,041; every door must now give the same children, sites and words."""
    import processing

    stdout = _lis("site", store, "--demand", "pop2016_age_0_4", "--need", NEED, "--candidates", "schools",
                  "--candidates-filter", PRIMARY, "--p", 3, "--radius", 1500, "--csv", tmp_path / "sites.csv",
                  "--gpkg", tmp_path / "s.gpkg", "--out", tmp_path / "site.png")
    cli_summary = _line(stdout, "Maximal coverage")
    cli_sites = pd.read_csv(tmp_path / "sites.csv", dtype={"site_id": str})
    cli_demand = QgsVectorLayer(f"{tmp_path / 's.gpkg'}|layername=demand", "demand", "ogr")
    cli_objective = sum(f["weight"] for f in cli_demand.getFeatures() if f["covered"] == 1)

    schools = QgsVectorLayer(f"{store}|layername=pts_schools|subset={PRIMARY}", "schools", "ogr")
    QgsProject.instance().addMapLayer(schools, False)
    result = processing.run("lisworkbench:mclp", {
        "DEMAND": _demand_points(store), "DEMAND_WEIGHT": "children", "DEMAND_ID": "area_code",
        "NEED_FIELD": "imd_decile", "NEED_TEST": "<=3", "CANDIDATES": schools, "P": 3, "RADIUS": 1500.0,
        "OUTPUT_SITES": str(tmp_path / "mclp_sites.gpkg")})
    # the LSOA polygons with the centroids given apart (CENTROIDS): the same children reached
    polygons = processing.run("lisworkbench:mclp", {
        "DEMAND": _demand_points(store, "geo_lsoa11", "MultiPolygon"), "DEMAND_WEIGHT": "children",
        "DEMAND_ID": "area_code", "NEED_FIELD": "imd_decile", "NEED_TEST": "<=3", "CANDIDATES": schools, "P": 3,
        "RADIUS": 1500.0, "CENTROIDS": QgsVectorLayer(f"{store}|layername=pts_lsoa11_pwc", "pwc", "ogr"),
        "OUTPUT_SITES": str(tmp_path / "mclp_polygon_sites.gpkg")})
    inside = processing.run("lisworkbench:mclp", {
        "DEMAND": _demand_points(store, "geo_lsoa11", "MultiPolygon"), "DEMAND_WEIGHT": "children",
        "DEMAND_ID": "area_code", "NEED_FIELD": "imd_decile", "NEED_TEST": "<=3", "CANDIDATES": schools, "P": 3,
        "RADIUS": 1500.0, "OUTPUT_SITES": "memory:"})
    # Processing calls a site C<feature id> of its candidates layer; that feature's code is the store's site id
    toolbox = pd.DataFrame([{name: f[name] for name in ("name", "selected", "rank", "demand_in_reach",
                                                        "marginal_gain")}
                            | {"site_id": schools.getFeature(int(f["site_id"][1:]))["area_code"],
                               "x": f.geometry().asPoint().x(), "y": f.geometry().asPoint().y()}
                            for f in QgsVectorLayer(result["OUTPUT_SITES"], "sites", "ogr").getFeatures()])

    dock = plugin.dock
    dock.open_store(str(store))
    dock.select_indicator("pop2016_age_0_4", "2016")
    wizard = dock.open_siting_dialog()
    assert wizard.needCheck.isChecked() and wizard.study().need == NEED  # the wizard's own need rule
    wizard.filterEdit.setText(PRIMARY)
    for _ in range(3):
        wizard.next()
    page = wizard.result_page
    wait_for(lambda: page.task is None, what="the siting solve")
    assert page.isComplete(), page.summary.text()
    wizard_summary = html.unescape(re.search(r"<b>(.*?)</b>", page.summary.text()).group(1))
    outcome = wizard.result.outcome

    assert 4000 < cli_objective < 4224  # the sample's answer at the population-weighted centroids: 4,041
    assert result["OBJECTIVE"] == pytest.approx(cli_objective, abs=1e-9)
    assert polygons["OBJECTIVE"] == pytest.approx(cli_objective, abs=1e-9)
    assert inside["OBJECTIVE"] == pytest.approx(4224, abs=1e-9)  # without centroids: a point inside each area
    assert outcome.result.objective == pytest.approx(cli_objective, abs=1e-9)
    chosen = _chosen(cli_sites)
    assert len(chosen) == 3 and chosen[0][1] == "Westfield Community School"
    assert _chosen(toolbox) == chosen
    assert _chosen(outcome.sites) == chosen
    assert "reach 4,041 of" in cli_summary and "proven optimal" in cli_summary
    assert _timeless(result["SUMMARY"]) == _timeless(cli_summary)
    assert _timeless(wizard_summary) == _timeless(cli_summary)
    wizard.reject()


# ------------------------------------------------------------------ composite index
def _index_layer(store_path, tmp_path) -> QgsVectorLayer:
    """The LSOAs with one field per component of the sample recipe, named by its indicator: the IMD domain ranks
    as stored, the census counts as the recipe's rates per 1,000 (count / denominator x 1,000)."""
    import tomllib

    recipe = tomllib.loads(RECIPE.read_text(encoding="utf-8"))
    values = {}
    for part in recipe["component"]:
        count = pd.Series(_raw(store_path, part["indicator"]))
        if "per" in part:
            per = pd.Series(_raw(store_path, part["per"])).reindex(count.index)
            count = count / per.where(per > 0) * part["per_scale"]
        values[part["indicator"]] = count
    boundaries = QgsVectorLayer(str(load_indicator(store_path, "imd2019_income_rank", tmp_path)), "lsoa", "ogr")
    layer = QgsVectorLayer("MultiPolygon?crs=EPSG:27700", "components", "memory")
    layer.dataProvider().addAttributes([QgsField("area_code", QVariant.Type.String)]
                                       + [QgsField(name, QVariant.Type.Double) for name in values])
    layer.updateFields()
    features = []
    for boundary in boundaries.getFeatures():
        feature = QgsFeature(layer.fields())
        feature.setAttributes([boundary["area_code"]] + [float(v[boundary["area_code"]]) for v in values.values()])
        feature.setGeometry(boundary.geometry())
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return QgsProject.instance().addMapLayer(layer, False)


def test_index_is_the_same_from_the_cli_processing_and_the_dock(plugin, store, tmp_path):
    """The sample vulnerability index (rank normalisation, weighted sum): the same score, rank and decile for each
    LSOA and the same method words from `lis index`, Processing Composite index (the recipe without its store
    denominators, on a layer holding the rates) and the dock's "Make index"."""
    import processing

    columns = ["index_score", "index_rank", "index_decile"]
    stdout = _lis("index", RECIPE, "--store", store, "--csv", tmp_path / "idx.csv")
    cli = pd.read_csv(tmp_path / "idx.csv").set_index("area_code").sort_index()[columns]
    cli_method = _line(stdout, "rank normalisation")

    # rates are fields of the layer: no `per` (a store indicator) left, and the polarity the catalogue gives the
    # census counts (high_is_bad: "high") written out, as Processing asks (a layer has no catalogue)
    text = re.sub(r"(?m)^per(_period|_scale)? = .*\n", "", RECIPE.read_text(encoding="utf-8"))
    on_layer = tmp_path / "on_layer.toml"
    on_layer.write_text(text, encoding="utf-8")
    with pytest.raises(QgsProcessingException, match="census2011_no_qualifications, census2011_lone_parents_"
                                                     "not_employed give no polarity"):
        processing.run("lisworkbench:compositeindex", {"INPUT": _index_layer(store, tmp_path),
                                                       "RECIPE": str(on_layer), "OUTPUT": "memory:"})
    on_layer.write_text(re.sub(r'(?m)^(indicator = "census2011_[a-z_]+")$', r'\1\npolarity = "high"', text),
                        encoding="utf-8")
    result = processing.run("lisworkbench:compositeindex", {"INPUT": _index_layer(store, tmp_path),
                                                            "RECIPE": str(on_layer),
                                                            "OUTPUT": str(tmp_path / "index.gpkg")})
    toolbox = _features(result["OUTPUT"], columns)

    dock = plugin.dock
    dock.open_store(str(store))
    wait_for_task(dock.make_index(recipe=str(RECIPE)))
    docked = _features(_project_layer("Wigan vulnerability index"), columns)

    assert len(cli) == 200 and cli["index_decile"].value_counts().tolist() == [20] * 10
    _same({"lis index": cli, "Processing Composite index": toolbox, "the dock": docked}, columns, [])
    assert cli_method.startswith("rank normalisation, weighted sum, missing values: fail; components: "
                                 "imd2019_income_rank 25.0% (low = need)")
    assert result["METHOD"] == cli_method
    assert _status(dock) == f"Wigan vulnerability index: {cli_method}"

"""Siting algorithms in real QGIS and `lis site`, checked against spopt (PuLP + CBC) on the same points."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pulp
import pytest
from qgis.core import QgsProject, QgsVectorLayer

from tests.qgis.qgis_helpers import load_indicator

PRIMARY = "education_phase = 'Primary'"


@pytest.fixture()
def demand_layer(provider, sample_store_path, tmp_path):
    return load_indicator(sample_store_path, "pop2016_age_0_4", tmp_path)


@pytest.fixture()
def schools(sample_store_path):
    layer = QgsVectorLayer(f"{sample_store_path}|layername=pts_schools|subset={PRIMARY}", "schools", "ogr")
    assert layer.isValid() and layer.featureCount() > 50
    # Owned by the project (emptied after each test), as in QGIS: QGIS 3.22 keeps an exception raised by a Python
    # algorithm, and with it the caller's frame, alive until exit; a layer Python owned would then outlive exitQgis().
    return QgsProject.instance().addMapLayer(layer, False)


def _reference(demand_path, store_path):
    """Demand points (centroid, or a point on the surface when outside) and primary schools read with geopandas,
    and the Euclidean cost matrix built here."""
    import geopandas as gpd

    areas = gpd.read_file(demand_path)
    points = areas.geometry.centroid
    outside = ~areas.geometry.contains(points)
    points[outside] = areas.geometry[outside].representative_point()
    sites = gpd.read_file(store_path, layer="pts_schools")
    sites = sites[sites["education_phase"] == "Primary"]
    d = np.hypot(points.x.to_numpy()[:, None] - sites.geometry.x.to_numpy()[None, :],
                 points.y.to_numpy()[:, None] - sites.geometry.y.to_numpy()[None, :])
    return d, areas["value"].fillna(0).to_numpy(float)


def _run(name, demand, schools, tmp_path, **extra):
    import processing

    params = {"DEMAND": str(demand), "DEMAND_WEIGHT": "value", "DEMAND_ID": "area_code", "CANDIDATES": schools,
              "RADIUS": 1500.0, "OUTPUT_SITES": str(tmp_path / f"{name}_sites.gpkg"),
              "OUTPUT_ALLOCATION": str(tmp_path / f"{name}_lines.gpkg"),
              "OUTPUT_DEMAND": str(tmp_path / f"{name}_demand.gpkg")}
    params.update(extra)
    return processing.run(f"lisworkbench:{name}", params)


def _selected(path) -> list:
    layer = QgsVectorLayer(str(path), "sites", "ogr")
    return [f for f in layer.getFeatures() if f["selected"] == 1]


def test_mclp_matches_spopt(demand_layer, schools, sample_store_path, tmp_path):
    from spopt.locate import MCLP

    result = _run("mclp", demand_layer, schools, tmp_path, P=3, OUTPUT_CURVE=str(tmp_path / "curve.png"))
    cost, weights = _reference(demand_layer, sample_store_path)
    model = MCLP.from_cost_matrix(cost, weights, service_radius=1500.0, p_facilities=3)
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    chosen = [j for j, var in enumerate(model.fac_vars) if var.value() > 0.5]
    reference = weights[(cost[:, chosen] <= 1500.0).any(axis=1)].sum()
    assert result["OBJECTIVE"] == pytest.approx(reference)
    assert len(_selected(result["OUTPUT_SITES"])) == 3
    assert result["SOLVE_SECONDS"] >= 0
    demand = QgsVectorLayer(result["OUTPUT_DEMAND"], "d", "ogr")
    covered = sum(f["weight"] for f in demand.getFeatures() if f["covered"] == 1)
    assert covered == pytest.approx(reference)
    lines = QgsVectorLayer(result["OUTPUT_ALLOCATION"], "l", "ogr")
    assert lines.featureCount() > 0 and all(f["distance"] <= 1500.0 for f in lines.getFeatures())
    from qgis.PyQt.QtGui import QImage

    chart = QImage(result["OUTPUT_CURVE"])
    assert (chart.width(), chart.height()) == (1400, 800)
    colours = {chart.pixel(x, y) for x in range(0, 1400, 7) for y in range(0, 800, 7)}
    assert len(colours) > 20  # a drawn chart, not a blank page


def test_pmedian_matches_spopt(demand_layer, schools, sample_store_path, tmp_path):
    from spopt.locate import PMedian

    result = _run("pmedian", demand_layer, schools, tmp_path, P=4)
    cost, weights = _reference(demand_layer, sample_store_path)
    model = PMedian.from_cost_matrix(cost, weights, p_facilities=4)
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    assert result["OBJECTIVE"] == pytest.approx(model.problem.objective.value(), rel=1e-6)
    assert len(_selected(result["OUTPUT_SITES"])) == 4


def test_lscp_with_existing_sites_matches_spopt(demand_layer, schools, sample_store_path, tmp_path):
    from spopt.locate import LSCP

    existing = QgsVectorLayer(f"{sample_store_path}|layername=pts_libraries", "libraries", "ogr")
    assert existing.isValid()
    result = _run("lscp", demand_layer, schools, tmp_path, EXISTING=existing, RADIUS=2500.0, SHARE=1.0)
    cost, weights = _reference(demand_layer, sample_store_path)
    import geopandas as gpd

    import lis_workbench  # noqa: F401  (the reference below reads the same libraries layer)

    libs = gpd.read_file(sample_store_path, layer="pts_libraries")
    areas = gpd.read_file(demand_layer)
    points = areas.geometry.centroid
    outside = ~areas.geometry.contains(points)
    points[outside] = areas.geometry[outside].representative_point()
    lib_cost = np.hypot(points.x.to_numpy()[:, None] - libs.geometry.x.to_numpy()[None, :],
                        points.y.to_numpy()[:, None] - libs.geometry.y.to_numpy()[None, :])
    full = np.hstack([lib_cost, cost])
    fixed = np.zeros(full.shape[1], int)
    fixed[: lib_cost.shape[1]] = 1
    model = LSCP.from_cost_matrix(full, service_radius=2500.0, predefined_facilities_arr=fixed)
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    spopt_new = sum(var.value() > 0.5 for var in model.fac_vars) - lib_cost.shape[1]
    assert result["OBJECTIVE"] == spopt_new
    sites = QgsVectorLayer(result["OUTPUT_SITES"], "s", "ogr")
    assert sum(1 for f in sites.getFeatures() if f["status"] == "existing") == lib_cost.shape[1]


def test_p_larger_than_candidates_is_a_clear_error(demand_layer, schools, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="only .* candidate sites"):
        _run("mclp", demand_layer, schools, tmp_path, P=5000)


def test_lis_site_writes_map_curve_and_table(sample_store_path, tmp_path, repo_root=None):
    out = tmp_path / "site.png"
    curve = tmp_path / "curve.png"
    table = tmp_path / "sites.csv"
    done = subprocess.run([sys.executable, "-m", "lis_workbench.cli", "site", str(sample_store_path), "--demand",
                           "pop2016_age_0_4", "--need", "imd2019_imd_decile<=3", "--candidates", "schools",
                           "--candidates-filter", PRIMARY, "--p", "3", "--radius", "1500", "--out", str(out),
                           "--curve", str(curve), "--csv", str(table), "--gpkg", str(tmp_path / "site.gpkg")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 50_000 and curve.stat().st_size > 10_000
    import pandas as pd

    sites = pd.read_csv(table)
    assert (sites["selected"] == 1).sum() == 3
    assert "proven optimal" in done.stdout
    import geopandas as gpd

    demand = gpd.read_file(tmp_path / "site.gpkg", layer="demand")
    gap = gpd.read_file(tmp_path / "site.gpkg", layer="gap")
    beyond = (demand["weight"] > 0) & ~(demand["distance"] <= 1500)
    assert len(gap) == beyond.sum() > 0 and set(gap["area_code"]) == set(demand.loc[beyond, "area_code"])


@pytest.mark.parametrize("args, words", [
    (["--need", "imd2019_imd_decile<<3"], "not understood"),
    (["--p", "9999"], "only"),
    (["--candidates-filter", "nope = 1"], "cannot be applied"),
])
def test_lis_site_errors_are_one_line(sample_store_path, tmp_path, args, words):
    base = [sys.executable, "-m", "lis_workbench.cli", "site", str(sample_store_path), "--demand", "pop2016_age_0_4",
            "--candidates", "schools", "--out", str(tmp_path / "x.png")]
    done = subprocess.run(base + args, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert words in done.stderr and "Traceback" not in done.stderr


def test_results_open_styled_in_qgis(demand_layer, schools, tmp_path, monkeypatch):
    """Run from the toolbox (outputs loaded into the project), the three layers open as `lis site` draws them:
    stars for new sites, grey allocation lines, demand coloured by within reach / a gap."""
    import processing
    from processing.gui import Postprocessing
    from qgis.core import QgsProject

    # pytest-qgis's stand-in iface has a mock layer tree view, which QGIS 3.44's C++ result loader refuses;
    # with no view, Processing adds the layers to the project as it does headless
    monkeypatch.setattr(Postprocessing, "iface", None, raising=False)

    params = {"DEMAND": str(demand_layer), "DEMAND_WEIGHT": "value", "DEMAND_ID": "area_code", "CANDIDATES": schools,
              "RADIUS": 1500.0, "P": 2, "OUTPUT_SITES": str(tmp_path / "s.gpkg"),
              "OUTPUT_ALLOCATION": str(tmp_path / "l.gpkg"), "OUTPUT_DEMAND": str(tmp_path / "d.gpkg")}
    result = processing.runAndLoadResults("lisworkbench:mclp", params)
    loaded = {layer.source().split("|")[0]: layer for layer in QgsProject.instance().mapLayers().values()}
    sites, lines, demand = (loaded[result[key]] for key in ("OUTPUT_SITES", "OUTPUT_ALLOCATION", "OUTPUT_DEMAND"))
    assert sites.renderer().classAttribute() == "status"
    assert {c.value(): c.symbol().symbolLayer(0).shape() for c in sites.renderer().categories()}["new"] == \
        sites.renderer().categories()[0].symbol().symbolLayer(0).Star
    assert sites.labelsEnabled()
    assert lines.renderer().type() == "singleSymbol" and lines.renderer().symbol().color().name() == "#737373"
    assert demand.renderer().classAttribute() == "service"
    labels = {c.value() for c in demand.renderer().categories()}
    assert labels == {"Within reach", "Beyond reach: a gap", "No demand counted"}
    services = {f["service"] for f in demand.getFeatures()}
    assert services <= labels and "Within reach" in services


def _points(name: str, xy, fields: dict[str, list]) -> QgsVectorLayer:
    """A point layer in British National Grid with numeric fields, owned by the project (as `schools` above)."""
    from qgis.core import QgsFeature, QgsField, QgsGeometry, QgsPointXY
    from qgis.PyQt.QtCore import QVariant

    layer = QgsVectorLayer("Point?crs=EPSG:27700", name, "memory")
    layer.dataProvider().addAttributes([QgsField("area_code", QVariant.Type.String)]
                                       + [QgsField(key, QVariant.Type.Double) for key in fields])
    layer.updateFields()
    features = []
    for i, (x, y) in enumerate(xy):
        feature = QgsFeature(layer.fields())
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(float(x), float(y))))
        feature.setAttributes([f"{name}{i}"] + [float(values[i]) for values in fields.values()])
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return QgsProject.instance().addMapLayer(layer, False)


def test_single_source_capacitated_pmedian_matches_spopt(provider, tmp_path):
    """SINGLE_SOURCE with a CAPACITY field: each area served whole by one site, the optimum spopt's capacitated
    p-median (binary assignment) finds on the same points; without it an area's demand may be split, which here
    costs less. Twelve demand points, five candidates holding 110% of half the demand each, p = 2."""
    from spopt.locate import PMedian

    rng = np.random.default_rng(1)
    dxy = np.round(rng.uniform(0, 1000, (12, 2))) + [360_000, 405_000]
    sxy = np.round(rng.uniform(0, 1000, (5, 2))) + [360_000, 405_000]
    weights = rng.integers(1, 20, 12).astype(float)
    capacity = np.full(5, np.ceil(weights.sum() / 2 * 1.1))
    demand = _points("d", dxy, {"value": weights})
    sites = _points("s", sxy, {"places": capacity})
    cost = np.hypot(dxy[:, None, 0] - sxy[None, :, 0], dxy[:, None, 1] - sxy[None, :, 1])
    model = PMedian.from_cost_matrix(cost, weights, p_facilities=2, facility_capacities=capacity)
    model.solve(pulp.PULP_CBC_CMD(msg=False))
    reference = model.problem.objective.value()

    single = _run("pmedian", demand, sites, tmp_path, DEMAND=demand, P=2, CAPACITY="places", SINGLE_SOURCE=True)
    assert single["OBJECTIVE"] == pytest.approx(reference, rel=1e-6)
    rows = [(f["area_code"], f["assigned_site"], f["distance"]) for f in
            QgsVectorLayer(single["OUTPUT_DEMAND"], "d", "ogr").getFeatures()]
    assert len(rows) == 12 and all(site for _, site, _ in rows)
    load = {}
    for code, site, distance in rows:
        i, j = int(code[1:]), sites.getFeature(int(site[1:]))["area_code"]
        assert distance == pytest.approx(cost[i, int(j[1:])])
        load[j] = load.get(j, 0.0) + weights[i]
    assert len(load) == 2 and max(load.values()) <= capacity[0]
    assert sum(weights[int(c[1:])] * d for c, _, d in rows) == pytest.approx(reference, rel=1e-6)

    split = _run("pmedian", demand, sites, tmp_path, DEMAND=demand, P=2, CAPACITY="places",
                 OUTPUT_DEMAND="memory:", OUTPUT_SITES="memory:", OUTPUT_ALLOCATION="memory:")
    assert split["OBJECTIVE"] < reference * (1 - 1e-6)


def test_single_source_needs_a_capacity_field(demand_layer, schools, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match=r"whole by one site.*capacities.*SINGLE_SOURCE"):
        _run("pmedian", demand_layer, schools, tmp_path, P=2, SINGLE_SOURCE=True)

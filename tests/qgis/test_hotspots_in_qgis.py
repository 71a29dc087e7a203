"""Hotspot algorithms in real QGIS and through `lis hotspot`, checked against PySAL (libpysal + esda)."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest
from qgis.core import QgsVectorLayer

from tests.qgis.qgis_helpers import load_indicator


@pytest.fixture()
def rank_layer(provider, sample_store_path, tmp_path):
    return load_indicator(sample_store_path, "imd2019_imd_rank", tmp_path)


def _pysal_reference(path):
    """Queen weights and values built independently with geopandas + libpysal (the layer is a clean partition)."""
    import geopandas as gpd
    import libpysal

    frame = gpd.read_file(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        w = libpysal.weights.Queen.from_dataframe(frame, use_index=False)
    return frame, w


def test_gistar_algorithm_matches_esda(rank_layer, tmp_path):
    import esda
    import processing

    out = tmp_path / "gi.gpkg"
    processing.run("lisworkbench:gistar", {"INPUT": str(rank_layer), "FIELD": "value", "PERMUTATIONS": 0,
                                           "CORRECTION": 0, "OUTPUT": str(out)})
    frame, w = _pysal_reference(rank_layer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # binary weights, as ArcGIS: esda's z with row-standardised weights shrinks by about sqrt(k + 1)
        reference = esda.G_Local(frame["value"].to_numpy(float), w, transform="B", star=True, permutations=0)
    layer = QgsVectorLayer(str(out), "gi", "ogr")
    ours = np.array([f["gi_z"] for f in layer.getFeatures()])
    np.testing.assert_allclose(ours, reference.Zs, rtol=0, atol=1e-9)
    labels = [f["gi_cluster"] for f in layer.getFeatures()]
    p = 2 * __import__("scipy").stats.norm.sf(np.abs(reference.Zs))
    for label, z, pv in zip(labels, reference.Zs, p):  # no correction, p from z: the 90/95/99% bands
        expected = "Not significant" if pv > 0.10 else (
            f"{'Hot' if z > 0 else 'Cold'} spot, {'99' if pv <= 0.01 else '95' if pv <= 0.05 else '90'}% confidence")
        assert label == expected


def test_local_and_global_moran_algorithms_match_esda(rank_layer, tmp_path):
    import esda
    import processing

    out = tmp_path / "lisa.gpkg"
    processing.run("lisworkbench:localmoran", {"INPUT": str(rank_layer), "FIELD": "value", "PERMUTATIONS": 99,
                                               "OUTPUT": str(out)})
    frame, w = _pysal_reference(rank_layer)
    y = frame["value"].to_numpy(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lisa = esda.Moran_Local(y, w, permutations=0)
        moran = esda.Moran(y, w, permutations=0)
    layer = QgsVectorLayer(str(out), "lisa", "ogr")
    np.testing.assert_allclose([f["lisa_i"] for f in layer.getFeatures()], lisa.Is, atol=1e-9)
    quadrant = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
    assert [f["lisa_quadrant"] for f in layer.getFeatures()] == [quadrant[q] for q in lisa.q]
    result = processing.run("lisworkbench:globalmoran", {"INPUT": str(rank_layer), "FIELD": "value",
                                                         "PERMUTATIONS": 99, "SEED": 3})
    assert result["I"] == pytest.approx(moran.I, abs=1e-12)
    assert result["Z"] == pytest.approx(moran.z_norm, abs=1e-9)
    assert result["P"] == pytest.approx(moran.p_norm, rel=1e-9)
    assert 0 < result["P_SIM"] <= 0.02  # I = 0.42 on 200 areas: no permutation of 99 reaches it


def test_cli_hotspot_writes_map_layer_and_table(sample_store_path, tmp_path):
    import pandas as pd
    from qgis.PyQt.QtGui import QImage

    png, gpkg, csv = tmp_path / "hot.png", tmp_path / "hot.gpkg", tmp_path / "hot.csv"
    run = subprocess.run([sys.executable, "-m", "lis_workbench.cli", "hotspot", str(sample_store_path),
                          "imd2019_imd_rank", "--out", str(png), "--gpkg", str(gpkg), "--csv", str(csv),
                          "--permutations", "99"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert "Moran's I 0.420" in run.stdout
    table = pd.read_csv(csv)
    assert len(table) == 200 and {"gi_z", "gi_p", "gi_cluster"} <= set(table.columns)
    image = QImage(str(png))
    assert len({image.pixel(x, y) for x in range(0, image.width(), 13) for y in range(0, image.height(), 13)}) > 8
    layer = QgsVectorLayer(f"{gpkg}|layername=imd2019_imd_rank_gistar", "hot", "ogr")
    assert layer.renderer().type() == "categorizedSymbol"
    again = subprocess.run([sys.executable, "-m", "lis_workbench.cli", "hotspot", str(sample_store_path),
                            "imd2019_imd_rank", "--out", str(png), "--csv", str(tmp_path / "again.csv"),
                            "--permutations", "99"], capture_output=True, text=True, timeout=600)
    assert again.returncode == 0
    pd.testing.assert_frame_equal(table, pd.read_csv(tmp_path / "again.csv"))  # same seed, same answer


def test_spatial_weights_algorithm_lists_libpysal_queen_pairs(rank_layer):
    import processing

    result = processing.run("lisworkbench:spatialweights", {"INPUT": str(rank_layer), "ID_FIELD": "area_code",
                                                            "TOLERANCE": 0.0, "OUTPUT": "TEMPORARY_OUTPUT"})
    table = result["OUTPUT"]
    pairs = {(f["from_id"], f["to_id"]) for f in table.getFeatures()}
    frame, w = _pysal_reference(rank_layer)
    codes = list(frame["area_code"])
    expected = {(codes[i], codes[j]) for i, neighbours in w.neighbors.items() for j in neighbours}
    assert pairs == expected and result["PAIRS"] == len(expected) and result["ISLANDS"] == 0

"""Emerging hot spots through `lis emerging` and Processing "Emerging hot spots" in real QGIS, on the Wigan sample
store's monthly claimant rate (25 wards, 34 months): the map page, the CSV's columns, the styled GeoPackage, and
the algorithm's layer the same as the command's table; the trend checked against pymannkendall."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from qgis.core import QgsVectorLayer

pmk = pytest.importorskip("pymannkendall")

PERIODS = [f"{y}-{m:02d}" for y in (2015, 2016, 2017) for m in range(1, 13)][:34]


def run_cli(store, tmp_path, *extra):
    png, csv, gpkg = tmp_path / "emerging.png", tmp_path / "emerging.csv", tmp_path / "emerging.gpkg"
    run = subprocess.run([sys.executable, "-m", "lis_workbench.cli", "emerging", str(store), "claimant_rate",
                          "--out", str(png), "--csv", str(csv), "--gpkg", str(gpkg), *extra],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    return run, png, csv, gpkg


def test_cli_emerging_writes_map_csv_and_styled_layer(sample_store_path, tmp_path):
    import pandas as pd
    from qgis.PyQt.QtGui import QColor, QImage

    from lis_workbench.core.emerging import CATEGORIES

    run, png, csv, gpkg = run_cli(sample_store_path, tmp_path, "--correction", "none")
    assert "34 periods, 2015-01 to 2017-10" in run.stdout
    table = pd.read_csv(csv, dtype={"area_code": str})
    assert list(table.columns) == ["area_code", "area_name", "category", "mk_z", "mk_p",
                                   *[f"z_{p}" for p in PERIODS]]
    assert len(table) == 25 and set(table["category"]) <= set(CATEGORIES)
    for row in table.itertuples(index=False):
        ref = pmk.original_test(np.array(row[5:], dtype=float))
        assert row.mk_z == pytest.approx(ref.z, rel=1e-6, abs=1e-9)
        assert row.mk_p == pytest.approx(ref.p, rel=1e-6, abs=1e-9)
    layer = QgsVectorLayer(f"{gpkg}|layername=claimant_rate_emerging", "emerging", "ogr")
    assert layer.isValid() and layer.featureCount() == 25
    renderer = layer.renderer()
    assert renderer.type() == "categorizedSymbol" and renderer.classAttribute() == "category"
    labels = {c.value(): c.label() for c in renderer.categories()}
    present = set(table["category"])
    assert present <= set(labels)
    assert "none of the patterns above" in labels["no pattern"]
    image = QImage(str(png))
    assert image.width() > 1000
    pixels = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(pixels) > 8
    hot = [c for c in renderer.categories() if c.value() in present and c.value() != "no pattern"]
    if hot:  # the warm fill of a category on the map is drawn on the page
        fill = QColor(hot[0].symbol().color()).rgb()
        assert fill in pixels


def test_processing_algorithm_equals_the_command(provider, sample_store_path, tmp_path):
    import pandas as pd
    import processing

    _, _, csv, _ = run_cli(sample_store_path, tmp_path)
    out = tmp_path / "algorithm.gpkg"
    result = processing.run("lisworkbench:emerginghotspots", {"STORE": str(sample_store_path),
                                                             "INDICATOR": "claimant_rate", "START": "",
                                                             "END": "", "OUTPUT": str(out)})
    assert "34 periods" in result["SUMMARY"]
    layer = QgsVectorLayer(str(out), "emerging", "ogr")
    assert layer.isValid() and layer.featureCount() == 25
    names = layer.fields().names()
    assert {"category", "mk_z", "mk_p", "z_2015-01", "z_2017-10"} <= set(names)
    ours = {f["area_code"]: (f["category"], f["mk_z"], f["z_2016-06"]) for f in layer.getFeatures()}
    table = pd.read_csv(csv, dtype={"area_code": str})
    for _, row in table.iterrows():
        category, mk_z, z = ours[row["area_code"]]
        assert category == row["category"]
        assert mk_z == pytest.approx(row["mk_z"], rel=1e-9) and z == pytest.approx(row["z_2016-06"], rel=1e-9)
    window = processing.run("lisworkbench:emerginghotspots", {"STORE": str(sample_store_path),
                                                             "INDICATOR": "claimant_rate", "START": "2016-01",
                                                             "END": "2016-12", "OUTPUT": "TEMPORARY_OUTPUT"})
    assert "12 periods, 2016-01 to 2016-12" in window["SUMMARY"]

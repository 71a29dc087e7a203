"""The packaged zip, installed into a fresh QGIS profile: qgis_process.bin and the real desktop use it."""

from __future__ import annotations

import csv
import zipfile

import pytest
from osgeo import ogr

from tests.conftest import SAMPLE
from tests.e2e.harness import build_zip, install_zip, qgis_process, run_desktop


@pytest.fixture(scope="module")
def plugin_zip():
    return build_zip()


@pytest.fixture(scope="module")
def profile(plugin_zip, tmp_path_factory):
    config = tmp_path_factory.mktemp("qgis_config")
    install_zip(plugin_zip, config)
    return config


@pytest.fixture(scope="module")
def batch_profile(plugin_zip, tmp_path_factory):
    """A profile where the plugin is installed but not yet enabled (as after unzipping by hand)."""
    config = tmp_path_factory.mktemp("qgis_process_config")
    install_zip(plugin_zip, config, enable=False)
    return config


def test_zip_holds_one_plugin_folder_and_no_development_files(plugin_zip):
    names = zipfile.ZipFile(plugin_zip).namelist()
    assert {n.split("/")[0] for n in names} == {"lis_workbench"}
    for needed in ("metadata.txt", "__init__.py", "plugin.py", "ui/dock.ui", "resources/icons/lis.svg",
                   "processing/provider.py", "core/store/store.py"):
        assert f"lis_workbench/{needed}" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or "/tests/" in n]
    metadata = zipfile.ZipFile(plugin_zip).read("lis_workbench/metadata.txt").decode()
    assert "hasProcessingProvider=yes" in metadata and "qgisMinimumVersion=3.22" in metadata


def test_qgis_process_lists_and_runs_load_indicator(batch_profile, sample_store_path, tmp_path):
    profile = batch_profile
    assert "lisworkbench:loadindicator" not in qgis_process(["list"], profile).stdout
    enabled = qgis_process(["plugins", "enable", "lis_workbench"], profile)
    assert enabled.returncode == 0, enabled.stderr
    listed = qgis_process(["list"], profile)
    for algorithm in ("loadindicator", "thematicmap", "exportatlas", "gistar", "localmoran", "globalmoran"):
        assert f"lisworkbench:{algorithm}" in listed.stdout
    out = tmp_path / "claimants.gpkg"
    run = qgis_process(["run", "lisworkbench:loadindicator", "--", f"STORE={sample_store_path}",
                        "INDICATOR=claimant_rate", "PERIOD=2017-10", f"OUTPUT={out}"], profile)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Provenance:" in run.stdout
    expected = {}
    with open(SAMPLE / "wigan_claimant_count_wards_2015_2017_monthly.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["date"] == "2017-10-01":
                expected[row["wd15cd"]] = float(row["rate"])
    dataset = ogr.Open(str(out))  # keep the dataset alive while its layer is read
    layer = dataset.GetLayer(0)
    assert {f.GetField("area_code"): f.GetField("value") for f in layer} == expected
    assert layer.GetSpatialRef().GetAuthorityCode(None) == "27700"


def test_qgis_process_reports_a_bad_indicator_plainly(profile, sample_store_path, tmp_path):
    run = qgis_process(["run", "lisworkbench:loadindicator", "--", f"STORE={sample_store_path}",
                        "INDICATOR=no_such_thing", f"OUTPUT={tmp_path / 'x.gpkg'}"], profile)
    assert run.returncode != 0
    assert "no indicator 'no_such_thing'" in run.stdout + run.stderr


def test_desktop_loads_reloads_and_uses_the_installed_plugin(profile, sample_store_path, tmp_path):
    from lis_workbench.core.store import Store

    report = run_desktop(profile, sample_store_path, tmp_path / "dock.png")
    assert "error" not in report, report.get("error")
    assert report["loaded"]
    assert str(profile) in report["plugin_file"]  # the zip's copy, not the source tree
    # one dock, one toggle action, one provider and one entry in Help > Plugins, also after a reload
    assert report["after_start"] == {"docks": 1, "actions": 1, "providers": 1, "help": 1}
    assert report["after_reload"] == {"docks": 1, "actions": 1, "providers": 1, "help": 1}
    with Store.open(sample_store_path) as store:
        assert report["listed"] == len(store.catalogue())
    assert report["layer_features"] == 200
    from qgis.PyQt.QtGui import QImage

    image = QImage(report["png"])
    assert image.width() >= 1000 and image.height() >= 700
    colours = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 37)}
    assert len(colours) > 20  # a real window, not a blank frame


def test_qgis_process_runs_gistar_from_the_installed_zip(profile, sample_store_path, tmp_path):
    source, out = tmp_path / "rank.gpkg", tmp_path / "gi.gpkg"
    assert qgis_process(["run", "lisworkbench:loadindicator", "--", f"STORE={sample_store_path}",
                         "INDICATOR=imd2019_imd_rank", f"OUTPUT={source}"], profile).returncode == 0
    run = qgis_process(["run", "lisworkbench:gistar", "--", f"INPUT={source}", "FIELD=value", "PERMUTATIONS=99",
                        "SEED=1", f"OUTPUT={out}"], profile)  # QGIS's own Python: Debian's numpy, pandas, scipy
    assert run.returncode == 0, run.stdout + run.stderr
    dataset = ogr.Open(str(out))
    layer = dataset.GetLayer(0)
    clusters = [f.GetField("gi_cluster") for f in layer]
    assert len(clusters) == 200 and "Not significant" in clusters
    assert any(c.startswith("Hot spot") for c in clusters) and any(c.startswith("Cold spot") for c in clusters)

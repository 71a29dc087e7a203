"""The `lis` command through a real subprocess: exit codes 0 / 1 / 2 and what it prints."""

from __future__ import annotations

import pytest
from unit_helpers import SAMPLE, rows, run_lis, sha256_file

from lis_workbench.core.store import Store


def test_list_prints_one_indicator_per_line(sample_path):
    result = run_lis("list", sample_path)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    ids = sorted(r[0] for r in rows(sample_path, "SELECT id FROM lis_catalogue"))
    assert len(lines) == len(ids) == 74
    assert sorted(line.split()[0] for line in lines) == ids
    claimants = next(line for line in lines if line.split()[0] == "claimant_count")
    assert "ward22" in claimants and "2015-01..2017-10 (34)" in claimants
    assert "74 indicator(s)" in result.stderr


def test_bad_import_exits_1_with_one_line_error(store_path, lsoa_codes, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("lsoa11cd,period,value\n" + "".join(f"{c},2020,{'n/a' if i == 2 else i}\n"
                                                       for i, c in enumerate(lsoa_codes[:5])))
    before = sha256_file(store_path)
    result = run_lis("import", store_path, bad)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error:")
    assert "bad.csv" in lines[0] and "row 4" in lines[0] and "column 'value'" in lines[0]
    assert sha256_file(store_path) == before


def test_open_missing_store_exits_1(tmp_path):
    result = run_lis("list", tmp_path / "absent.gpkg")
    assert result.returncode == 1
    assert result.stderr.strip().startswith("Error:") and "absent.gpkg" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_error_exits_2(sample_path):
    result = run_lis("import", sample_path)
    assert result.returncode == 2
    assert "Missing argument" in result.stderr
    assert "Traceback" not in result.stderr
    result = run_lis("list", sample_path, "--no-such-option")
    assert result.returncode == 2


def test_import_tidy_long_csv_infers_layout_and_geography(store_path, tmp_path):
    import pyogrio

    wards = pyogrio.read_dataframe(SAMPLE / "wigan_wards_2023_bgc.geojson", read_geometry=False)
    path = tmp_path / "ward_footfall.csv"
    path.write_text("ward,year,value\n" + "".join(f"{c},{y},{i * y}\n" for i, c in enumerate(wards["area_code"])
                                                 for y in (2022, 2023)))
    result = run_lis("import", store_path, path, "--title", "Footfall", "--polarity", "high_is_good")
    assert result.returncode == 0, result.stderr
    assert "long layout" in result.stdout and "ward23" in result.stdout
    assert "50 values" in result.stdout
    with Store.open(store_path) as store:
        entry = store.indicator("ward_footfall")
        assert entry["geography"] == "ward23"
        assert entry["title"] == "Footfall" and entry["polarity"] == "high_is_good"
        assert entry["periods"] == ["2022", "2023"]
        got = store.get_values("ward_footfall", "2023").set_index("area_code")["value"]
    expected = {c: float(i * 2023) for i, c in enumerate(wards["area_code"])}
    assert got.to_dict() == expected


def test_import_allow_unmatched(store_path, lsoa_codes, tmp_path):
    path = tmp_path / "partner.csv"
    path.write_text("lsoa11cd,period,value\n" + "".join(f"{c},2020,{i}\n" for i, c in enumerate(lsoa_codes[:6]))
                    + "E01999999,2020,1\nE01999998,2020,2\n")
    refused = run_lis("import", store_path, path)
    assert refused.returncode == 1 and "--allow-unmatched" in refused.stderr
    result = run_lis("import", store_path, path, "--allow-unmatched")
    assert result.returncode == 0, result.stderr
    assert "2 unknown area code(s) skipped" in result.stdout
    with Store.open(store_path) as store:
        assert len(store.get_values("partner")) == 6
        audit = store.audit().iloc[-1]
    assert audit["file"] == "partner.csv" and "E01999999" in audit["skipped_codes"]


@pytest.mark.parametrize("kind", ["sqlite"])
def test_store_create_then_geography_add(tmp_path, kind):
    import pyogrio

    path = tmp_path / f"x.{kind}"
    result = run_lis("store", "create", path)
    assert result.returncode == 0, result.stderr
    again = run_lis("store", "create", path)
    assert again.returncode == 1 and "already exists" in again.stderr
    result = run_lis("geography", "add", path, "ward23", SAMPLE / "wigan_wards_2023_bgc.geojson")
    assert result.returncode == 0, result.stderr
    assert "25 areas" in result.stdout
    src = pyogrio.read_dataframe(SAMPLE / "wigan_wards_2023_bgc.geojson", read_geometry=False)
    with Store.open(path) as store:
        assert store.kind == "sqlite"
        assert store.area_codes("ward23") == dict(zip(src["area_code"], src["area_name"]))
        assert store.audit()["action"].tolist() == ["add_geography"]
    layer = pyogrio.read_dataframe(path, layer="geo_ward23")
    assert layer.crs.to_epsg() == 27700 and len(layer) == 25
    missing = run_lis("geography", "add", path, "lsoa11", tmp_path / "nothing.geojson")
    assert missing.returncode == 1 and "nothing.geojson" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_version_and_package_shape():
    """`lis --version` prints the one version; no command module imports the main module (it imports them)."""
    import lis_workbench
    from lis_workbench.__about__ import __version__

    result = run_lis("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"LIS Workbench {__version__}"
    folder = lis_workbench.__path__[0] + "/cli"
    import pathlib
    import re

    for module in pathlib.Path(folder).glob("*.py"):
        if module.name in ("main.py", "__main__.py"):
            continue
        assert not re.search(r"^\s*(from \.main|from \. import main|import lis_workbench\.cli\.main|"
                             r"from lis_workbench\.cli\.main)", module.read_text(), re.M), module.name

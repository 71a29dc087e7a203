"""CSV exports cannot run as spreadsheet formulas (issue 12, case 7): text cells starting with =, +, -, @, tab or
CR get a leading apostrophe; numbers stay numbers; the file reads back as the same table otherwise."""

from __future__ import annotations

import csv

import geopandas as gpd
import pandas as pd
import pytest
from unit_helpers import SAMPLE, run_lis

from lis_workbench.core.safe_csv import FORMULA_STARTS, restore, write_csv

HOSTILE = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\tTab", "\rReturn"]


@pytest.fixture
def hostile_store(store_path, tmp_path):
    """The sample store with six LSOAs renamed to formulas, and an LSOA indicator with negative values."""
    wards = gpd.read_file(SAMPLE / "wigan_lsoa11_bgc.geojson").sort_values("area_code").reset_index(drop=True)
    wards.loc[: len(HOSTILE) - 1, "area_name"] = HOSTILE
    boundaries = tmp_path / "lsoas.geojson"
    wards.to_file(boundaries, driver="GeoJSON")
    done = run_lis("geography", "add", store_path, "lsoa11", boundaries, "--replace")
    assert done.returncode == 0, done.stderr
    partner = tmp_path / "change.csv"
    partner.write_text("lsoa11cd,period,net_change\n" + "".join(f"{c},2024,{i - 10.5}\n"
                                                                for i, c in enumerate(wards["area_code"])))
    done = run_lis("import", store_path, partner, "--layout", "wide")
    assert done.returncode == 0, done.stderr
    return store_path, wards


def test_lis_export_csv_neutralises_formulas(kind, hostile_store, tmp_path):
    store_path, wards = hostile_store
    out = tmp_path / "export.csv"
    result = run_lis("export", store_path, "net_change", out)
    assert result.returncode == 0, result.stderr
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    names = {row["area_code"]: row["area_name"] for row in rows}
    for code, name in zip(wards["area_code"], wards["area_name"]):
        written = names[code]
        if name.startswith(FORMULA_STARTS):
            assert written == "'" + name, (code, written)
        else:
            assert written == name
        assert not written.startswith(FORMULA_STARTS)
    values = {row["area_code"]: row["value"] for row in rows}
    assert values[wards["area_code"][0]] == "-10.5"  # a negative number is a number, written as such


@pytest.mark.parametrize("kind", ["gpkg"])
def test_lis_compare_csv_neutralises_formulas(hostile_store, tmp_path):
    store_path, wards = hostile_store
    out = tmp_path / "compare.csv"
    result = run_lis("compare", store_path, "iod2019_income_numerator", "--denominator", "pop2015_total", "--csv", out)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("area_code")
    assert "area_name" in table.columns
    for code, name in zip(wards["area_code"], wards["area_name"]):
        assert table.loc[code, "area_name"] == ("'" + name if name.startswith(FORMULA_STARTS) else name)


def test_write_csv_round_trips_apart_from_the_apostrophes(tmp_path):
    frame = pd.DataFrame({"name": [*HOSTILE, "Plain", None], "value": [-1.5, 2, 3, 4, 5, 6, 7, 8.25]})
    out = tmp_path / "t.csv"
    write_csv(frame, out)
    back = pd.read_csv(out, keep_default_na=False, dtype={"name": str})
    assert back["value"].tolist() == frame["value"].tolist()
    assert [restore(v) if v else None for v in back["name"]] == frame["name"].tolist()
    assert not list(tmp_path.glob("*.partial"))

"""What a good import does: suppressed cells, empty cells, unmatched codes, replace, layout, geography, periods."""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np
import pytest
from unit_helpers import SAMPLE as SAMPLE_DIR
from unit_helpers import geojson_codes, sha256_file

from lis_workbench.core.errors import ImportValidationError, LisError, StoreError
from lis_workbench.core.ingest import ImportSpec, import_file

MARKERS = ["*", "c", "..", "-", "x", ":", "C", "X"]


def values_of(store, indicator, period=None):
    return store.get_values(indicator, period).set_index("area_code")


def test_suppressed_markers_and_empty_cells(store, lsoa_codes, tmp_path):
    cells = {}
    for i, code in enumerate(lsoa_codes[:20]):
        cells[code] = MARKERS[i] if i < len(MARKERS) else ("" if i in (10, 11) else str(i * 1.5))
    cells[lsoa_codes[12]] = '"1,438"'
    cells[lsoa_codes[13]] = " 7 "
    path = tmp_path / "suppressed_counts.csv"
    path.write_text("lsoa11cd,period,value\n" + "".join(f"{c},2020,{v}\n" for c, v in cells.items()))
    report = import_file(store, str(path))
    assert report.suppressed == len(MARKERS)
    assert report.empty_cells == 2
    assert report.rows == 18
    got = values_of(store, "suppressed_counts")
    assert len(got) == 18
    for code, cell in cells.items():
        if cell == "":
            assert code not in got.index
        elif cell in MARKERS:
            assert bool(got.loc[code, "suppressed"]) is True
            assert math.isnan(got.loc[code, "value"])
        else:
            assert bool(got.loc[code, "suppressed"]) is False
            assert got.loc[code, "value"] == float(cell.strip().strip('"').replace(",", ""))
    assert got.loc[lsoa_codes[12], "value"] == 1438


def test_suppressed_cells_in_a_wide_file_do_not_make_it_text(store, lsoa_codes, tmp_path):
    marks = ["c"] * 8 + ["12"] * 2  # mostly suppressed: still a numeric column
    path = tmp_path / "wide.csv"
    path.write_text("lsoa11cd,name,small_counts\n"
                    + "".join(f"{c},Area {i},{m}\n" for i, (c, m) in enumerate(zip(lsoa_codes, marks))))
    report = import_file(store, str(path), ImportSpec(period="2020"))
    assert report.indicators == ["small_counts"]
    assert report.ignored_columns == ["name"]
    got = values_of(store, "small_counts")
    assert int(got["suppressed"].sum()) == 8 and got["value"].notna().sum() == 2


def test_allow_unmatched_imports_matched_rows_and_audits_skipped(store, lsoa_codes, tmp_path):
    unknown = ["E01999999", "E01999998", "W01000001"]
    rows = [(c, i) for i, c in enumerate(lsoa_codes[:10])] + [(c, 99) for c in unknown]
    path = tmp_path / "partial.csv"
    path.write_text("lsoa11cd,period,value\n" + "".join(f"{c},2020,{v}\n" for c, v in rows))
    with pytest.raises(ImportValidationError):
        import_file(store, str(path))
    report = import_file(store, str(path), ImportSpec(allow_unmatched=True))
    assert sorted(report.skipped_codes) == sorted(unknown)
    got = values_of(store, "partial")
    assert sorted(got.index) == sorted(lsoa_codes[:10])
    assert got["value"].tolist() == [float(i) for i in range(10)]
    last = store.audit().iloc[-1]
    assert last["action"] == "import"
    assert last["file"] == "partial.csv"
    assert sorted(json.loads(last["skipped_codes"])) == sorted(unknown)
    assert last["rows"] == 10
    assert last["checksum"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert store.indicator("partial")["import_checksum"] == last["checksum"]


def test_reimport_needs_replace(store, store_path, lsoa_codes, tmp_path):
    def write(period, offset):
        path = tmp_path / "rates.csv"
        path.write_text("lsoa11cd,period,value\n" + "".join(f"{c},{period},{i + offset}\n"
                                                             for i, c in enumerate(lsoa_codes[:5])))
        return path

    import_file(store, str(write("2020", 0)))
    import_file(store, str(write("2021", 100)))  # a new period needs no replace
    assert store.periods("rates") == ["2020", "2021"]
    before = sha256_file(store_path)
    with pytest.raises(StoreError) as info:
        import_file(store, str(write("2021", 500)))
    assert isinstance(info.value, LisError) and "2021" in str(info.value)
    assert sha256_file(store_path) == before
    assert values_of(store, "rates", "2021")["value"].tolist() == [100.0, 101.0, 102.0, 103.0, 104.0]
    import_file(store, str(write("2021", 500)), ImportSpec(replace=True))
    assert values_of(store, "rates", "2021")["value"].tolist() == [500.0, 501.0, 502.0, 503.0, 504.0]
    assert values_of(store, "rates", "2020")["value"].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert store.indicator("rates")["row_count"] == 10
    assert (store.audit()["action"] == "import").sum() == 10 + 3


def test_long_and_wide_layout_inference(store, lsoa_codes, tmp_path):
    long = tmp_path / "tidy_long.csv"
    long.write_text("lsoa11cd,year,value\n" + "".join(f"{c},2019,{i}\n" for i, c in enumerate(lsoa_codes)))
    report = import_file(store, str(long))
    assert (report.layout, report.indicators, report.periods, report.rows) == ("long", ["tidy_long"], ["2019"], 200)
    wide = tmp_path / "tidy_wide.csv"
    wide.write_text("lsoa11cd,lsoa11nm,year,births,deaths\n"
                    + "".join(f"{c},Wigan {i},2019,{i},{2 * i}\n" for i, c in enumerate(lsoa_codes)))
    report = import_file(store, str(wide))
    assert report.layout == "wide"
    assert sorted(report.indicators) == ["births", "deaths"]
    assert report.ignored_columns == ["lsoa11nm"]
    assert report.periods == ["2019"]
    deaths = values_of(store, "deaths", "2019")["value"]
    assert deaths[lsoa_codes[7]] == 14


def test_long_file_with_indicator_column(store, lsoa_codes, tmp_path):
    path = tmp_path / "two_measures.csv"
    measures = (("Falls", 1), ("Hip fractures", 3))
    path.write_text("lsoa11cd,period,measure,value\n" + "".join(
        f"{c},2020,{m},{i * k}\n" for i, c in enumerate(lsoa_codes[:6]) for m, k in measures))
    report = import_file(store, str(path), ImportSpec(indicator_column="measure", id_prefix="phe_"))
    assert sorted(report.indicators) == ["phe_falls", "phe_hip_fractures"]
    assert values_of(store, "phe_hip_fractures")["value"].tolist() == [0.0, 3.0, 6.0, 9.0, 12.0, 15.0]


@pytest.mark.parametrize("file, geography", [("wigan_wards_2023_bgc.geojson", "ward23"),
                                             ("wigan_wards_2022_bgc.geojson", "ward22"),
                                             ("wigan_local_authority_2023_bgc.geojson", "lad23")])
def test_geography_inferred_from_codes(store, tmp_path, file, geography):
    codes = geojson_codes(file)
    path = tmp_path / f"by_{geography}.csv"
    path.write_text("name,area,period,value\n" + "".join(f"Area {i},{c},2020,{i}\n" for i, c in enumerate(codes)))
    report = import_file(store, str(path))
    assert report.geography == geography
    assert store.indicator(f"by_{geography}")["geography"] == geography
    assert sorted(values_of(store, f"by_{geography}").index) == codes


@pytest.mark.parametrize("column, geography", [("lsoa11cd", "lsoa11"), ("LSOA code (2011)", "lsoa11"),
                                               ("lsoa21_code", "lsoa21"), ("LSOA 2021 code", "lsoa21"),
                                               ("code", None), ("area_code", None)])
def test_lsoa11_lsoa21_tie(store, lsoa_codes, tmp_path, column, geography):
    assert set(lsoa_codes) == set(geojson_codes("wigan_lsoa21_bgc.geojson"))  # the tie is real in Wigan
    path = tmp_path / "lsoa_values.csv"
    path.write_text(f'"{column}",period,value\n' + "".join(f"{c},2020,{i}\n" for i, c in enumerate(lsoa_codes)))
    if geography is None:
        with pytest.raises(ImportValidationError) as info:
            import_file(store, str(path))
        message = str(info.value)
        assert info.value.option == "geography" and "lsoa11" in message and "lsoa21" in message
        assert info.value.column == column
        report = import_file(store, str(path), ImportSpec(geography="lsoa21"))
        assert report.geography == "lsoa21"
    else:
        report = import_file(store, str(path))
        assert report.geography == geography
        assert store.indicator("lsoa_values")["geography"] == geography


@pytest.mark.parametrize("fmt, expected", [("month", ["2015-01", "2015-02", "2016-12"]), ("year", ["2015", "2016"])])
def test_period_format_from_dates(store, lsoa_codes, tmp_path, fmt, expected):
    path = tmp_path / "dated.csv"
    dates = ["2015-01-01", "2015-02-01", "2016-12-01"]
    if fmt == "year":
        dates = ["2015-01-01", "2016-01-01"]
    path.write_text("lsoa11cd,date,value\n" + "".join(f"{c},{d},{i}\n" for d in dates
                                                        for i, c in enumerate(lsoa_codes[:4])))
    report = import_file(store, str(path), ImportSpec(period_format=fmt))
    assert report.periods == expected
    assert store.periods("dated") == expected
    assert len(store.get_series("dated")) == 4 * len(dates)


def test_dry_run_writes_nothing(store, store_path, lsoa_codes, tmp_path):
    path = tmp_path / "dry.csv"
    path.write_text("lsoa11cd,period,value\n" + "".join(f"{c},2020,1\n" for c in lsoa_codes))
    before = sha256_file(store_path)
    report = import_file(store, str(path), dry_run=True)
    assert report.rows == 200
    assert sha256_file(store_path) == before
    assert "dry" not in set(store.catalogue()["id"])


def test_numerator_denominator_columns(store, lsoa_codes, tmp_path):
    path = tmp_path / "with_parts.csv"
    rows = [(c, 10 + i, 100 + i) for i, c in enumerate(lsoa_codes[:5])]
    path.write_text("lsoa11cd,period,value,numerator,denominator\n"
                    + "".join(f"{c},2020,{n / d},{n},{d}\n" for c, n, d in rows))
    import_file(store, str(path))
    got = values_of(store, "with_parts")
    np.testing.assert_allclose(got["numerator"], [r[1] for r in rows])
    np.testing.assert_allclose(got["denominator"], [r[2] for r in rows])
    np.testing.assert_allclose(got["value"], [r[1] / r[2] for r in rows])
    assert got["lower_ci"].isna().all()


def test_catalogue_denominator_from_the_cli_and_checked_in_recipes(store_path, kind, lsoa_codes, tmp_path):
    """`lis import --denominator` records the population a count is among; an unknown one is refused before any
    write, and a recipe naming one it never imports fails with the recipe's name."""
    from unit_helpers import run_lis, write_text

    from lis_workbench.core.recipe import build_store
    from lis_workbench.core.store import Store

    path = write_text(tmp_path / "carers.csv", "lsoa11cd,value\n" + "".join(f"{c},{i}\n" for i, c in
                                                                            enumerate(lsoa_codes)))
    done = run_lis("import", str(store_path), str(path), "--period", "2021", "--denominator", "pop2015_total")
    assert done.returncode == 0, done.stderr
    with Store.open(store_path) as opened:
        assert opened.indicator("carers")["denominator"] == "pop2015_total"
    before = sha256_file(store_path)
    refused = run_lis("import", str(store_path), str(path), "--period", "2022", "--denominator", "pop_all")
    assert refused.returncode == 1 and "no indicator 'pop_all'" in refused.stderr
    assert sha256_file(store_path) == before
    recipe = write_text(tmp_path / "bad.toml", f"""
[[geography]]
name = "lsoa11"
file = "{(SAMPLE_DIR / 'wigan_lsoa11_bgc.geojson').as_posix()}"

[[import]]
file = "{path.as_posix()}"
period = "2021"
[import.columns]
value = {{ id = "carers", denominator = "pop_all" }}
""")
    with pytest.raises(LisError, match="bad.toml: indicator 'carers' names denominator 'pop_all'"):
        build_store(recipe, tmp_path / f"bad.{kind}" if kind != "postgis" else store_path.replace("schema=t",
                                                                                                   "schema=bad"))

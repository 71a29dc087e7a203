"""A bad partner file is refused with a message naming file, row and column, and the store is untouched:
the same Store.checksum() and the same bytes on disk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from unit_helpers import sha256_file

from lis_workbench.core.errors import ImportValidationError, LisError
from lis_workbench.core.ingest import ImportSpec, import_file


@dataclass
class BadFile:
    """One bad input: the file's bytes (made from the real LSOA codes), the spec, what the message must say."""

    make: Callable[[list[str]], bytes]
    spec: dict = field(default_factory=dict)
    row: int | None = None
    column: str | None = None
    says: tuple[str, ...] = ()
    not_says: tuple[str, ...] = ()
    option: str | None = None  # the setting that would fix it, which each door names in its own words


def _long(codes: list[str], values: list[str], code_col: str = "lsoa11cd", period: str = "2020") -> str:
    return f"{code_col},period,value\n" + "".join(f"{c},{period},{v}\n" for c, v in zip(codes, values))


UNKNOWN = [f"E0199999{i}" for i in range(7)]

CASES = {
    "non_numeric_value": BadFile(
        lambda c: _long(c[:6], ["1", "2", "abc", "4", "5", "6"]).encode(),
        row=4, column="value", says=("'abc' is not a number",)),
    "non_numeric_numerator": BadFile(
        lambda c: ("lsoa11cd,period,value,numerator\n"
                   + "".join(f"{x},2020,{i},{'n/a' if i == 4 else i}\n" for i, x in enumerate(c[:6]))).encode(),
        row=6, column="numerator", says=("'n/a'",)),
    "duplicate_area_and_period": BadFile(
        lambda c: _long([c[0], c[1], c[2], c[3], c[1], c[4]], list("123456")).encode(),
        row=6, column="lsoa11cd", says=("rows 3, 6", "more than once", "period 2020")),
    "missing_code_column_given_by_user": BadFile(
        lambda c: _long(c[:3], list("123")).encode(), spec={"code_column": "lsoa_code"},
        row=1, column="lsoa_code", says=("has no column 'lsoa_code'", "lsoa11cd, period, value")),
    "missing_value_column_given_by_user": BadFile(
        lambda c: _long(c[:3], list("123")).encode(), spec={"value_columns": {"rate": "my_rate"}},
        row=1, column="rate", says=("has no column 'rate'",)),
    "unknown_area_codes": BadFile(
        lambda c: _long(c[:4] + UNKNOWN, ["1"] * 11).encode(),
        row=6, column="lsoa11cd", says=("7 area code(s) are not in geography lsoa11", *UNKNOWN[:5],
                                        "skip these"), not_says=(UNKNOWN[6],), option="allow_unmatched"),
    "wrong_geography": BadFile(
        lambda c: _long(c[:8], list("12345678")).encode(), spec={"geography": "ward23"},
        column="lsoa11cd", says=("ward23", "lsoa11")),
    "unknown_geography": BadFile(
        lambda c: _long(c[:3], list("123")).encode(), spec={"geography": "msoa11"}, says=("msoa11",)),
    "empty_file": BadFile(lambda c: b"", says=("empty",)),
    "blank_lines_only": BadFile(lambda c: b"\n \n\r\n", says=("empty",)),
    "header_only": BadFile(lambda c: b"lsoa11cd,period,value\n", says=("no data rows",)),
    "cp1252_pound_sign": BadFile(
        lambda c: (_long(c[:2], ["1", "2"]).encode() + f"{c[2]},2020,\xa33\n".encode("cp1252")
                   + _long(c[3:5], ["4", "5"]).split("\n", 1)[1].encode()),
        row=4, says=("0xa3", "UTF-8"), not_says=("--",), option="encoding"),
    "empty_area_code": BadFile(
        lambda c: ("lsoa11cd,period,value\n" + f"{c[0]},2020,1\n{c[1]},2020,2\n,2020,3\n").encode(),
        row=4, column="lsoa11cd", says=("area code is empty",)),
    "empty_period": BadFile(
        lambda c: ("lsoa11cd,period,value\n" + f"{c[0]},2020,1\n{c[1]},,2\n").encode(),
        row=3, column="period", says=("period is empty",)),
    "bad_date_for_monthly_periods": BadFile(
        lambda c: ("lsoa11cd,date,value\n" + f"{c[0]},2015-01-01,1\n{c[1]},2015-02-01,2\n{c[2]},soon,3\n").encode(),
        spec={"period_format": "month"}, row=4, column="date", says=("'soon' is not a date",)),
    "no_period": BadFile(
        lambda c: ("lsoa11cd,value\n" + f"{c[0]},1\n{c[1]},2\n").encode(), says=("say which period",),
        option="period"),
    "wide_last_column_bad": BadFile(
        lambda c: ("lsoa11cd,first_rate,second_rate,third_rate\n"
                   + "".join(f"{x},{i},{i + 1},{'oops' if i == 5 else i + 2}\n" for i, x in enumerate(c[:9]))
                   ).encode(),
        spec={"period": "2020"}, row=7, column="third_rate", says=("'oops' is not a number",)),
    "wide_explicit_columns_last_bad": BadFile(
        lambda c: ("lsoa11cd,a,b\n" + "".join(f"{x},{i},{'x1' if i == 2 else i}\n" for i, x in enumerate(c[:4]))
                   ).encode(),
        spec={"period": "2020", "value_columns": {"a": "ind_a", "b": "ind_b"}}, row=4, column="b"),
    "two_columns_same_indicator_id": BadFile(
        lambda c: ("lsoa11cd,Rate %,rate\n" + "".join(f"{x},{i},{i * 10}\n" for i, x in enumerate(c[:4]))).encode(),
        spec={"period": "2020"}, says=("rate",)),
    "two_indicator_names_same_id": BadFile(
        lambda c: ("lsoa11cd,period,measure,value\n"
                   + "".join(f"{x},2020,{m},{i}\n" for i, x in enumerate(c[:3])
                             for m in ("Lone parents", "lone-parents"))).encode(),
        spec={"indicator_column": "measure"}, says=("lone_parents",)),
    # issue 12, case 5: read wrong without a word before
    "repeated_header_name": BadFile(
        lambda c: ("lsoa11cd,period,value,value\n" + "".join(f"{x},2020,{i},{i * 2}\n" for i, x in enumerate(c[:3]))
                   ).encode(),
        row=1, column="value", says=("repeats column name", "'value'")),
    "nul_byte_in_a_number": BadFile(
        lambda c: ("lsoa11cd,period,value\n" + f"{c[0]},2011,5\n{c[1]},2011,1\x0010\n").encode(),
        row=3, column="value", says=("NUL",)),
    "control_character_in_a_name": BadFile(
        lambda c: ("lsoa11cd,period,value\n" + f"{c[0]},2011,5\n{c[1]}\x07,2011,10\n").encode(),
        row=3, column="lsoa11cd", says=("control character (0x07)",)),
    "one_period_spelt_two_ways": BadFile(
        lambda c: ("lsoa11cd,period,value\n" + f"{c[0]},2011,5\n{c[1]},2011.0,10\n{c[2]},2011,3\n").encode(),
        row=3, column="period", says=("'2011.0'", "'2011'", "row 2")),
    "negative_count": BadFile(
        lambda c: _long(c[:4], ["5", "3", "-2", "7"]).encode(), spec={"defaults": {"value_type": "count"}},
        row=4, column="value", says=("-2 is negative", "is a count")),
    "negative_denominator": BadFile(
        lambda c: ("lsoa11cd,period,value,numerator,denominator\n"
                   + "".join(f"{x},2020,0.5,{i},{-4 if i == 1 else 10}\n" for i, x in enumerate(c[:3]))).encode(),
        row=3, column="denominator", says=("-4 is negative", "denominator")),
    "id_from_the_indicator_column_not_an_id": BadFile(
        lambda c: ("lsoa11cd,period,measure,value\n" + f"{c[0]},2020,Lone parents,5\n").encode(),
        spec={"indicator_column": "measure", "value_columns": {"value": "census_{name}"}},
        column="value", says=("'census_Lone parents' cannot be an indicator id",), option="value_column"),
    "id_given_too_long": BadFile(
        lambda c: ("lsoa11cd,rate\n" + f"{c[0]},5\n").encode(),
        spec={"period": "2020", "value_columns": {"rate": "r" * 70}},
        column="rate", says=("70 characters",)),
    "bad_polarity": BadFile(
        lambda c: _long(c[:3], list("123")).encode(), spec={"defaults": {"polarity": "up"}},
        says=("polarity", "high_is_bad")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_file_is_refused_and_store_unchanged(store, store_path, lsoa_codes, tmp_path, case):
    bad = CASES[case]
    path = tmp_path / f"partner_{case}.csv"
    path.write_bytes(bad.make(lsoa_codes))
    catalogue_before = sorted(store.catalogue()["id"])
    checksum_before = store.checksum()
    bytes_before = sha256_file(store_path)

    with pytest.raises(ImportValidationError) as info:
        import_file(store, str(path), ImportSpec(**bad.spec))

    error = info.value
    message = str(error)
    assert isinstance(error, LisError)
    assert path.name in message
    assert error.file == path.name
    if bad.row is not None:
        assert error.row == bad.row
        assert f"row {bad.row}" in message
    if bad.column is not None:
        assert error.column == bad.column
        assert f"column '{bad.column}'" in message
    for text in bad.says:
        assert text in message, (text, message)
    for text in bad.not_says:
        assert text not in message
    if bad.option is not None:
        assert error.option == bad.option
    assert "\n" not in message.strip()

    assert store.checksum() == checksum_before
    assert sha256_file(store_path) == bytes_before
    assert sorted(store.catalogue()["id"]) == catalogue_before
    assert store.audit()["file"].ne(path.name).all()


def test_wide_file_with_bad_last_column_writes_none_of_the_earlier_columns(store, store_path, lsoa_codes, tmp_path):
    rows = [f"{code},{i},{i * 2},{i * 3}" for i, code in enumerate(lsoa_codes)]
    rows[150] = rows[150].rsplit(",", 1)[0] + ",12..5"
    path = tmp_path / "three_rates.csv"
    path.write_text("lsoa11cd,alpha_rate,beta_rate,gamma_rate\n" + "\n".join(rows) + "\n")
    values_before = store.summary()["values"]
    before = sha256_file(store_path)
    with pytest.raises(ImportValidationError) as info:
        import_file(store, str(path), ImportSpec(period="2020"))
    assert info.value.row == 152 and info.value.column == "gamma_rate"
    ids = set(store.catalogue()["id"])
    assert not ids & {"alpha_rate", "beta_rate", "gamma_rate"}
    assert store.summary()["values"] == values_before
    assert sha256_file(store_path) == before
    # with the bad cell fixed, all three columns land together
    path.write_text(path.read_text().replace(",12..5", ",12.5"))
    report = import_file(store, str(path), ImportSpec(period="2020"))
    assert sorted(report.indicators) == ["alpha_rate", "beta_rate", "gamma_rate"]
    assert store.summary()["values"] == values_before + 600
    assert store.get_values("gamma_rate").set_index("area_code")["value"][lsoa_codes[150]] == 12.5


def test_reimport_without_replace_is_refused_and_store_unchanged(store, store_path, lsoa_codes, tmp_path):
    path = tmp_path / "census.csv"
    path.write_text("lsoa11cd,census2011_no_qualifications\n" + "".join(f"{c},1\n" for c in lsoa_codes))
    before, checksum = sha256_file(store_path), store.checksum()
    with pytest.raises(LisError) as info:
        import_file(store, str(path), ImportSpec(period="2011"))
    assert "census2011_no_qualifications" in str(info.value)
    assert "2011" in str(info.value)
    assert "replace" in str(info.value)
    assert sha256_file(store_path) == before and store.checksum() == checksum


def test_long_column_names_get_short_distinct_ids(store, lsoa_codes, tmp_path):
    """The IoD's own headers make 77-character slugs: the derived ids are cut to 63 with a suffix, and differ."""
    first = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"
    second = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs) revised"
    path = tmp_path / "iod.csv"
    path.write_text(f'lsoa11cd,"{first}","{second}"\n' + "".join(f"{c},{i % 10 + 1},{i % 10 + 1}\n"
                                                                for i, c in enumerate(lsoa_codes)))
    report = import_file(store, str(path), ImportSpec(period="2019"))
    assert len(report.indicators) == 2 and len(set(report.indicators)) == 2
    assert all(len(i) == 63 and i.startswith("index_of_multiple_deprivation_imd_decile_where")
               for i in report.indicators)


def test_period_spelt_as_the_store_does_not_is_refused(store, store_path, lsoa_codes, tmp_path):
    """pop2016_total is stored for period 2016: a file giving 2016.0 would make a second period."""
    path = tmp_path / "pop.csv"
    path.write_text("lsoa11cd,period,pop2016_total\n" + "".join(f"{c},2016.0,1\n" for c in lsoa_codes))
    before = sha256_file(store_path)
    with pytest.raises(ImportValidationError) as info:
        import_file(store, str(path), ImportSpec(layout="wide", replace=True))
    assert info.value.row == 2 and info.value.column == "period"
    assert "already in the store" in str(info.value) and "'2016'" in str(info.value)
    assert sha256_file(store_path) == before


def test_negative_value_of_a_count_in_the_catalogue_is_refused(store, store_path, lsoa_codes, tmp_path):
    """The catalogue says pop2016_total is a count: a re-import without metadata may not make it negative."""
    assert store.indicator("pop2016_total")["value_type"] == "count"
    path = tmp_path / "pop.csv"
    path.write_text("lsoa11cd,period,pop2016_total\n" + "".join(f"{c},2016,{-1 if i == 7 else 1}\n"
                                                                 for i, c in enumerate(lsoa_codes)))
    with pytest.raises(ImportValidationError) as info:
        import_file(store, str(path), ImportSpec(layout="wide", replace=True))
    assert info.value.row == 9 and info.value.column == "pop2016_total"


@pytest.mark.parametrize(("spec", "option", "says"), [
    ({"period_format": "fortnight"}, "period_format", "month"),
    ({"encoding": "bogus-enc"}, "encoding", "bogus-enc"),
    ({"value_columns": {"value": "value={"}}, "value_column", "{slug}"),
    ({"value_columns": {"value": "value={0}"}}, "value_column", "{slug}"),
    ({"value_columns": {"value": "value={name.__class__.__mro__}"}}, "value_column", "{slug}"),
    ({"layout": "diagonal"}, "layout", "long or wide"),
    ({"indicator": "../../etc/evil"}, "indicator", "cannot be an indicator id"),
], ids=["period_format", "encoding", "open_brace", "positional", "attribute_lookup", "layout", "path_as_id"])
def test_settings_that_would_be_ignored_or_misread_are_refused(store, store_path, lsoa_codes, tmp_path, spec,
                                                               option, says):
    """Issue 12, cases 5 and 6: --period-format fortnight was ignored; a value-column template was a Python format
    string ('value={name.__class__.__mro__}' became an id); a bogus encoding gave a traceback."""
    from lis_workbench.core.errors import ParameterError

    path = tmp_path / "fine.csv"
    path.write_text("lsoa11cd,period,value\n" + "".join(f"{c},2015-01-01,{i}\n" for i, c in enumerate(lsoa_codes)))
    before = sha256_file(store_path)
    with pytest.raises(ParameterError) as info:
        import_file(store, str(path), ImportSpec(**spec))
    assert info.value.option == option and says in str(info.value)
    assert "\n" not in str(info.value) and "--" not in str(info.value)
    assert sha256_file(store_path) == before


def test_same_id_on_another_geography_is_refused(store, store_path, tmp_path):
    import pyogrio

    wards = pyogrio.read_dataframe(Path(__file__).resolve().parents[2] / "sample_data" /
                                   "wigan_wards_2023_bgc.geojson", read_geometry=False)["area_code"]
    path = tmp_path / "wards.csv"
    path.write_text("ward_code,pop2016_total\n" + "".join(f"{c},5\n" for c in wards))
    before = sha256_file(store_path)
    with pytest.raises(LisError) as info:
        import_file(store, str(path), ImportSpec(period="2030"))
    assert "pop2016_total" in str(info.value) and "lsoa11" in str(info.value)
    assert sha256_file(store_path) == before

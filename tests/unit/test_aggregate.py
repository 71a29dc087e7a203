"""geography.aggregate(): LSOA values to wards, checked against independent pandas groupby computations on the
sample data (read from the CSVs with pandas, not through the engine), plus the rules' edge cases on small frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from unit_helpers import sample_csv

from lis_workbench.core.errors import GeographyError, LisError
from lis_workbench.core.geography import aggregate, aggregation_kind, infer_rate_scale

INDICATORS = "wigan_imd2019_indicators.csv"
FILE6 = "wigan_imd2019_file6_population_denominators.csv"
POP = "Total population: mid 2015 (excluding prisoners)"


@pytest.fixture(scope="module")
def ward_of(wigan) -> pd.Series:
    """LSOA -> 2023 ward, the store's best-fit lookup (the input both sides use)."""
    return wigan.lookup("lsoa11_ward23").set_index("from_code")["to_code"]


@pytest.fixture(scope="module")
def source() -> pd.DataFrame:
    """The IoD 2019 indicators and the mid-2015 population of each Wigan LSOA, read with pandas."""
    indicators = sample_csv(INDICATORS, dtype={"lsoa11_code": str}).set_index("lsoa11_code")
    population = sample_csv(FILE6, thousands=",").set_index("LSOA code (2011)")[POP].astype(float)
    return indicators.join(population.rename("population"))


# ------------------------------------------------------------------ counts
@pytest.mark.parametrize("indicator, column", [("iod2019_income_numerator", "income_domain_numerator"),
                                               ("iod2019_employment_numerator", "employment_domain_numerator")])
def test_counts_are_summed_exactly(wigan, ward_of, source, indicator, column):
    result = aggregate(wigan.get_values(indicator), wigan.lookup("lsoa11_ward23"), "count", area_label="LSOA")
    expected = source[column].groupby(ward_of.reindex(source.index)).sum()
    sizes = ward_of.groupby(ward_of).size()
    got = result.set_index("area_code")
    assert list(result.columns) == ["area_code", "value", "numerator", "denominator", "n_areas", "incomplete",
                                    "method"]
    assert sorted(got.index) == sorted(expected.index) and len(got) == 25
    np.testing.assert_array_equal(got["value"].to_numpy(), expected.reindex(got.index).to_numpy())
    np.testing.assert_array_equal(got["n_areas"].to_numpy(), sizes.reindex(got.index).to_numpy())
    assert (got["incomplete"] == 0).all()
    assert all(m == f"sum of {n} LSOAs" for m, n in zip(got["method"], got["n_areas"]))
    assert got["value"].sum() == source[column].sum()  # nothing lost or counted twice
    assert result.attrs["unmatched"] == [] and result.attrs["kind"] == "count"


def test_missing_inputs_are_flagged_not_silently_summed(wigan, ward_of, source):
    """33 Wigan LSOAs have no published IDACI numerator (suppressed below 10): their wards say so."""
    column = source["income_deprivation_affecting_children_index_idaci_numerator"]
    result = aggregate(wigan.get_values("iod2019_idaci_numerator"), wigan.lookup("lsoa11_ward23"), "count",
                       area_label="LSOA").set_index("area_code")
    wards = ward_of.reindex(source.index)
    missing = column.isna().groupby(wards).sum()
    assert missing.sum() == 33
    np.testing.assert_array_equal(result["incomplete"].to_numpy(), missing.reindex(result.index).to_numpy())
    np.testing.assert_array_equal(result["value"].to_numpy(),
                                  column.groupby(wards).sum().reindex(result.index).to_numpy())
    flagged = result[result["incomplete"] > 0]
    assert len(flagged) and all("missing or suppressed" in m for m in flagged["method"])
    ward = flagged.index[0]
    n, k = flagged.loc[ward, "n_areas"], flagged.loc[ward, "incomplete"]
    assert flagged.loc[ward, "method"] == f"sum of {n - k} of {n} LSOAs ({k} missing or suppressed)"


def test_suppressed_input_is_flagged():
    values = pd.DataFrame({"area_code": ["a", "b", "c"], "value": [10.0, 20.0, 5.0],
                           "suppressed": [False, True, False]})
    lookup = pd.DataFrame({"from_code": ["a", "b", "c"], "to_code": ["W", "W", "V"], "weight": 1.0})
    result = aggregate(values, lookup, "count").set_index("area_code")
    assert result.loc["W", "value"] == 10.0 and result.loc["W", "incomplete"] == 1
    assert result.loc["W", "method"] == "sum of 1 of 2 areas (1 missing or suppressed)"
    assert result.loc["V", "value"] == 5.0 and result.loc["V", "incomplete"] == 0
    everything_missing = aggregate(values.assign(suppressed=True), lookup, "count").set_index("area_code")
    assert everything_missing["value"].isna().all() and (everything_missing["incomplete"] == [1, 2]).all()
    assert everything_missing.loc["W", "method"] == "no value: all 2 areas missing or suppressed"


def test_lookup_weights_share_counts():
    values = pd.DataFrame({"area_code": ["a", "b"], "value": [100.0, 40.0]})
    lookup = pd.DataFrame({"from_code": ["a", "a", "b"], "to_code": ["W", "V", "V"], "weight": [0.25, 0.75, 1.0]})
    result = aggregate(values, lookup, "count").set_index("area_code")
    assert result.loc["W", "value"] == 25.0 and result.loc["V", "value"] == 75.0 + 40.0
    assert result.loc["V", "method"].startswith("sum (weighted by lookup shares) of 2 areas")


# ------------------------------------------------------------------ rates
def _income_rate(source: pd.DataFrame, scale: float, decimals: int) -> pd.DataFrame:
    """A rate published with its numerator and denominator (income-deprived people per `scale` residents)."""
    frame = pd.DataFrame({"area_code": source.index, "numerator": source["income_domain_numerator"].to_numpy(),
                          "denominator": source["population"].to_numpy()})
    frame["value"] = (frame["numerator"] / frame["denominator"] * scale).round(decimals)
    return frame


@pytest.mark.parametrize("scale, decimals", [(1.0, 3), (100.0, 1), (1000.0, 0)])
def test_rates_are_recomputed_from_numerators_and_denominators(wigan, ward_of, source, scale, decimals):
    frame = _income_rate(source, scale, decimals)
    result = aggregate(frame, wigan.lookup("lsoa11_ward23"), "rate", area_label="LSOA").set_index("area_code")
    assert result.attrs["scale"] == scale
    wards = ward_of.reindex(frame["area_code"]).to_numpy()
    num = frame["numerator"].groupby(wards).sum()
    den = frame["denominator"].groupby(wards).sum()
    hand = (num / den * scale).reindex(result.index)
    np.testing.assert_allclose(result["value"].to_numpy(), hand.to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(result["numerator"].to_numpy(), num.reindex(result.index).to_numpy())
    np.testing.assert_array_equal(result["denominator"].to_numpy(), den.reindex(result.index).to_numpy())
    averaged = frame["value"].groupby(wards).mean().reindex(result.index)
    assert not np.allclose(result["value"].to_numpy(), averaged.to_numpy(), rtol=1e-4)  # never the mean of rates
    per = "" if scale == 1 else f" × {scale:,.0f}"
    assert all(m == f"rate recomputed from numerator/denominator of {n} LSOAs{per}"
               for m, n in zip(result["method"], result["n_areas"]))


def test_scale_inference_refuses_values_that_are_not_plain_rates():
    frame = pd.DataFrame({"area_code": list("abcd"), "numerator": [10, 20, 30, 40.0],
                          "denominator": [1000, 1000, 2000, 1000.0]})
    frame["value"] = frame["numerator"] / frame["denominator"] * 100 * np.array([0.7, 1.4, 0.8, 1.3])
    assert infer_rate_scale(frame) is None  # e.g. age-standardised: value is not num/den x 1, 100 or 1000
    lookup = pd.DataFrame({"from_code": list("abcd"), "to_code": ["W", "W", "V", "V"]})
    result = aggregate(frame, lookup, "rate").set_index("area_code")
    w = frame.iloc[:2]
    expected = (w["value"] * w["denominator"]).sum() / w["denominator"].sum()
    assert result.loc["W", "value"] == pytest.approx(expected)
    assert result.loc["W", "method"].startswith("mean of 2 areas weighted by their denominators")
    forced = aggregate(frame, lookup, "rate", scale=100).set_index("area_code")
    assert forced.loc["W", "value"] == pytest.approx(30 / 2000 * 100)


def test_rates_without_numerators_are_population_weighted(wigan, ward_of, source):
    population = wigan.get_values("pop2015_total").set_index("area_code")["value"]
    result = aggregate(wigan.get_values("iod2019_overcrowding"), wigan.lookup("lsoa11_ward23"), "indicator",
                       population, area_label="LSOA").set_index("area_code")
    wards = ward_of.reindex(source.index)
    for ward, group in source.groupby(wards):
        expected = np.average(group["household_overcrowding_indicator"], weights=group["population"])
        assert result.loc[ward, "value"] == pytest.approx(expected, rel=1e-12)
        assert result.loc[ward, "method"] == f"population-weighted mean of {len(group)} LSOAs"
    assert result["numerator"].isna().all() and result["denominator"].isna().all()


def test_rate_without_numerators_or_population():
    values = pd.DataFrame({"area_code": ["a", "b", "c"], "value": [0.2, 0.4, 0.9]})
    lookup = pd.DataFrame({"from_code": ["a", "b", "c"], "to_code": ["W", "W", "V"]})
    result = aggregate(values, lookup, "rate", area_label="ward22 area").set_index("area_code")
    assert np.isnan(result.loc["W", "value"]) and result.loc["W", "incomplete"] == 2
    assert "no population to weight them by" in result.loc["W", "method"]
    assert result.loc["V", "value"] == 0.9 and result.loc["V", "method"] == "value of its one ward22 area"
    population = pd.Series({"a": 100.0, "b": 300.0})  # c has no population: its ward is incomplete
    weighted = aggregate(values, lookup, "rate", population).set_index("area_code")
    assert weighted.loc["W", "value"] == pytest.approx((0.2 * 100 + 0.4 * 300) / 400)
    assert weighted.loc["V", "incomplete"] == 1 and np.isnan(weighted.loc["V", "value"])


# ------------------------------------------------------------------ refused
@pytest.mark.parametrize("indicator, value_type", [("imd2019_imd_rank", "rank"), ("imd2019_imd_decile", "decile"),
                                                   ("imd2015_index_of_multiple_deprivation_score", "score")])
def test_ranks_deciles_and_scores_are_refused(wigan, indicator, value_type):
    entry = wigan.indicator(indicator)
    assert entry["value_type"] == value_type
    result = aggregate(wigan.get_values(indicator), wigan.lookup("lsoa11_ward23"), entry["value_type"])
    assert result["value"].isna().all() and len(result) == 25
    assert (result["method"] == f"not aggregable ({value_type}s cannot be combined)").all()


def test_aggregation_kind_reads_value_type_and_unit(wigan):
    kinds = {row.id: aggregation_kind(row.value_type, row.unit) for row in wigan.catalogue().itertuples()}
    assert kinds["imd2019_imd_rank"] == kinds["imd2019_income_decile"] == "not aggregable"
    assert kinds["iod2019_mood_anxiety"] == "not aggregable"  # value_type "indicator", unit "score"
    assert kinds["imd2025_imd_score"] == "not aggregable"
    assert kinds["iod2019_income_numerator"] == kinds["pop2015_total"] == kinds["claimant_count"] == "count"
    assert kinds["iod2019_overcrowding"] == kinds["claimant_rate"] == "rate"
    assert aggregation_kind(None) == aggregation_kind("something else") == "unknown"


# ------------------------------------------------------------------ errors and unmatched codes
def test_unknown_value_type_is_an_error():
    values = pd.DataFrame({"area_code": ["a"], "value": [1.0]})
    lookup = pd.DataFrame({"from_code": ["a"], "to_code": ["W"]})
    with pytest.raises(GeographyError, match="Cannot aggregate values of type 'widgets'") as info:
        aggregate(values, lookup, "widgets")
    assert isinstance(info.value, LisError)


def test_unmatched_codes_are_reported_and_left_out():
    values = pd.DataFrame({"area_code": ["a", "b", "zz1", "zz2"], "value": [1.0, 2.0, 50.0, 60.0]})
    lookup = pd.DataFrame({"from_code": ["a", "b"], "to_code": ["W", "W"], "weight": [1.0, 1.0]})
    result = aggregate(values, lookup, "count")
    assert result.attrs["unmatched"] == ["zz1", "zz2"]
    assert result["value"].tolist() == [3.0]


@pytest.mark.parametrize("values, lookup, message", [
    (pd.DataFrame({"area_code": ["a", "a"], "value": [1.0, 2.0]}),
     pd.DataFrame({"from_code": ["a"], "to_code": ["W"]}), "appear more than once"),
    (pd.DataFrame({"code": ["a"], "value": [1.0]}),
     pd.DataFrame({"from_code": ["a"], "to_code": ["W"]}), "no column(s) area_code"),
    (pd.DataFrame({"area_code": ["a"], "value": [1.0]}),
     pd.DataFrame({"from_code": ["a"], "to_code": ["W"], "weight": [-1.0]}), "missing or negative"),
    (pd.DataFrame({"area_code": ["a"], "value": [1.0]}),
     pd.DataFrame({"from": ["a"], "to_code": ["W"]}), "lookup has no column(s) from_code"),
])
def test_bad_inputs_are_named(values, lookup, message):
    with pytest.raises(GeographyError) as info:
        aggregate(values, lookup, "count")
    assert message in str(info.value)

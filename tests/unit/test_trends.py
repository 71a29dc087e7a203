"""trends: change between periods checked against hand-worked small tables (ties, zeros, gaps), and trends checked
against scipy.stats.linregress and numpy.polyfit on real monthly claimant counts and on quarterly and yearly series,
with periods turned into years through pandas' Period arithmetic (not the engine's parser)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from unit_helpers import sample_csv

from lis_workbench.core.errors import AnalysisError, LisError
from lis_workbench.core.trends import change, period_to_year, trend


def decimal_year(period: str, freq: str) -> float:
    """The start of a pandas Period in years since year 0: an independent reading of '2015-04' or '2015Q2'."""
    per_year = {"M": 12, "Q": 4, "Y": 1}[freq]
    return 1970 + pd.Period(period, freq=freq).ordinal / per_year


def long_frame(series: dict[str, dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame([(code, period, value) for code, values in series.items() for period, value in values.items()],
                        columns=["area_code", "period", "value"])


# ------------------------------------------------------------------ periods
@pytest.mark.parametrize("period, freq", [("2015", "Y"), ("2015-01", "M"), ("2015-07", "M"), ("2016-12", "M"),
                                          ("2015-Q1", "Q"), ("2015Q3", "Q"), ("2019-q4", "Q")])
def test_periods_become_decimal_years(period, freq):
    assert period_to_year(period) == pytest.approx(decimal_year(period.replace("-Q", "Q").upper(), freq), abs=1e-9)


def test_numeric_periods_read_as_years():
    assert period_to_year(2015) == 2015.0 and period_to_year(2015.0) == 2015.0


@pytest.mark.parametrize("period", ["2015/16", "2015-13", "2015-00", "Jan 2015", "", "2015-Q5", "15", "2015-01-01"])
def test_unparseable_periods_are_named(period):
    with pytest.raises(AnalysisError, match=f"The period '{period}' is not a year") as caught:
        period_to_year(period)
    assert isinstance(caught.value, LisError)


# ------------------------------------------------------------------ change
def test_change_hand_worked_with_ties_zero_and_gaps():
    frame = long_frame({"a": {"2015": 10, "2016": 15}, "b": {"2015": 20, "2016": 10}, "c": {"2015": 20, "2016": 30},
                        "d": {"2015": 0, "2016": 5}, "e": {"2015": np.nan, "2016": 7}, "f": {"2014": 3.0},
                        "g": {"2015": -4, "2016": -2}})
    result = change(frame, "2015", "2016").set_index("area_code")
    assert list(result.reset_index().columns) == ["area_code", "value_start", "value_end", "change", "percent_change",
                                                  "rank_start", "rank_end", "rank_change", "note"]
    assert list(result.index) == list("abcdefg")  # every area kept, even f with neither period
    np.testing.assert_array_equal(result["change"], [5, -10, 10, 5, np.nan, np.nan, 2])
    np.testing.assert_array_equal(result["percent_change"], [50, -50, 50, np.nan, np.nan, np.nan, 50])
    # 2015: b and c tie on 20 (both rank 1), a 3rd, d 4th, g 5th; 2016: c, a, b, e, d, g
    np.testing.assert_array_equal(result["rank_start"], [3, 1, 1, 4, np.nan, np.nan, 5])
    np.testing.assert_array_equal(result["rank_end"], [2, 3, 1, 5, 4, np.nan, 6])
    np.testing.assert_array_equal(result["rank_change"], [1, -2, 0, -1, np.nan, np.nan, -1])
    assert list(result["note"]) == ["", "", "", "value 0 in 2015: no percent change", "no value for 2015",
                                    "no value for 2015 or 2016", ""]
    assert result.attrs == {"start": "2015", "end": "2016"}


def test_change_treats_suppressed_values_as_missing():
    frame = long_frame({"a": {"2015-01": 10, "2015-02": 12}, "b": {"2015-01": 8, "2015-02": 9}})
    frame["suppressed"] = [False, True, False, False]
    result = change(frame, "2015-01", "2015-02").set_index("area_code")
    assert np.isnan(result.loc["a", "value_end"]) and result.loc["a", "note"] == "no value for 2015-02"
    assert result.loc["b", "rank_end"] == 1 and result.loc["b", "change"] == 1


@pytest.mark.parametrize("start, end, message", [("2013", "2016", "The start period '2013' is not in the values; "
                                                                  "their periods are 2015, 2016"),
                                                 ("2015", "2017", "The end period '2017'"),
                                                 ("2015", "2015", "both '2015'")])
def test_change_refuses_periods_it_cannot_use(start, end, message):
    frame = long_frame({"a": {"2015": 1, "2016": 2}})
    with pytest.raises(AnalysisError, match=message):
        change(frame, start, end)


def test_repeated_area_and_period_and_missing_columns_are_refused():
    frame = pd.DataFrame({"area_code": ["a", "a", "b"], "period": ["2015", "2015", "2015"], "value": [1, 2, 3]})
    with pytest.raises(AnalysisError, match="the first: area a, period 2015"):
        change(frame, "2015", "2016")
    with pytest.raises(AnalysisError, match="no column\\(s\\) period"):
        trend(frame.drop(columns="period"))


# ------------------------------------------------------------------ trend
def test_trend_of_monthly_claimant_counts_matches_linregress():
    """Real data: 34 months of claimant counts for each Wigan ward (2015 wards), one regression per ward."""
    source = sample_csv("wigan_claimant_count_wards_2015_2017_monthly.csv")
    frame = pd.DataFrame({"area_code": source["wd15cd"], "period": source["date"].str[:7], "value": source["count"]})
    result = trend(frame, polarity="high_is_bad").set_index("area_code")
    assert sorted(result.index) == sorted(source["wd15cd"].unique()) and len(result) == 25
    falling = rising = 0
    for ward, rows in frame.groupby("area_code"):
        rows = rows.dropna(subset=["value"])
        x = np.array([decimal_year(p, "M") for p in rows["period"]])
        fit = stats.linregress(x, rows["value"].to_numpy(float))
        got = result.loc[ward]
        assert got["n_periods"] == len(rows)
        assert got["slope"] == pytest.approx(fit.slope, rel=1e-9)
        assert got["slope"] == pytest.approx(np.polyfit(x - 2015, rows["value"], 1)[0], rel=1e-9)
        assert got["intercept"] == pytest.approx(fit.intercept, rel=1e-7)
        assert got["r_squared"] == pytest.approx(fit.rvalue ** 2, rel=1e-9)
        assert got["p_value"] == pytest.approx(fit.pvalue, rel=1e-6, abs=1e-300)
        expected = "flat" if fit.pvalue >= 0.05 else "rising" if fit.slope > 0 else "falling"
        assert got["direction"] == expected
        assert got["assessment"] == {"rising": "worsening", "falling": "improving",
                                     "flat": "no significant change"}[expected]
        falling += expected == "falling"
        rising += expected == "rising"
    assert falling > 0  # claimant counts fell in 2015-17 in most wards
    assert (result["first_period"] == "2015-01").all() and (result["last_period"] == frame["period"].max()).all()


def test_quarterly_slope_is_per_year_with_gaps():
    quarters = [f"{y}-Q{q}" for y in (2018, 2019, 2020) for q in (1, 2, 3, 4)]
    rng = np.random.default_rng(3)
    values = 50 + 2.0 * np.arange(12) / 4 + rng.normal(0, 0.2, 12)  # +2 a year
    values[[2, 7]] = np.nan
    frame = pd.DataFrame({"area_code": "a", "period": quarters, "value": values})
    result = trend(frame, polarity="high_is_good").iloc[0]
    keep = ~np.isnan(values)
    x = np.array([decimal_year(q.replace("-", ""), "Q") for q in quarters])[keep]
    fit = stats.linregress(x, values[keep])
    assert result["n_periods"] == 10
    assert result["slope"] == pytest.approx(fit.slope, rel=1e-9) and result["slope"] == pytest.approx(2, abs=0.3)
    assert result["p_value"] == pytest.approx(fit.pvalue, rel=1e-6)
    assert (result["direction"], result["assessment"]) == ("rising", "improving")


def test_noisy_series_is_flat_and_a_perfect_line_is_not():
    noisy = {"2010": 5.0, "2011": 9.0, "2012": 4.0, "2013": 8.0, "2014": 6.0}
    line = {"2010": 9.0, "2011": 7.0, "2012": 5.0, "2013": 3.0}
    result = trend(long_frame({"noisy": noisy, "line": line}), polarity="high_is_good").set_index("area_code")
    fit = stats.linregress([2010, 2011, 2012, 2013, 2014], list(noisy.values()))
    assert fit.pvalue > 0.05 and fit.slope > 0  # a positive slope, but not a significant one
    assert result.loc["noisy", "slope"] == pytest.approx(fit.slope)
    assert (result.loc["noisy", "direction"], result.loc["noisy", "assessment"]) == ("flat", "no significant change")
    assert result.loc["line", "slope"] == pytest.approx(-2.0) and result.loc["line", "r_squared"] == pytest.approx(1)
    assert result.loc["line", "p_value"] < 1e-6
    assert (result.loc["line", "direction"], result.loc["line", "assessment"]) == ("falling", "worsening")


def test_short_constant_and_empty_series():
    frame = long_frame({"two": {"2015": 1.0, "2016": 3.0}, "one": {"2015": 4.0, "2016": np.nan},
                        "none": {"2015": np.nan}, "same": {"2015": 2.0, "2016": 2.0, "2017": 2.0}})
    result = trend(frame, polarity="high_is_bad").set_index("area_code")
    two = result.loc["two"]
    assert two["n_periods"] == 2 and two["slope"] == pytest.approx(2.0) and np.isnan(two["p_value"])
    assert (two["direction"], two["assessment"]) == ("flat", "not assessed")
    assert two["note"] == "fewer than 3 periods: not tested"
    one = result.loc["one"]
    assert one["n_periods"] == 1 and np.isnan(one["slope"]) and one["note"] == "one period: no trend"
    assert one["first_period"] == one["last_period"] == "2015"
    none = result.loc["none"]
    assert none["n_periods"] == 0 and np.isnan(none["slope"]) and none["note"] == "no values"
    same = result.loc["same"]
    assert same["slope"] == 0 and np.isnan(same["r_squared"]) and np.isnan(same["p_value"])
    assert same["direction"] == "flat" and same["note"] == "the same value in every period"


def test_single_period_frame():
    frame = long_frame({"a": {"2020": 1.0}, "b": {"2020": 2.0}})
    result = trend(frame)
    assert (result["n_periods"] == 1).all() and result["slope"].isna().all() and (result["direction"] == "flat").all()
    with pytest.raises(AnalysisError, match="both '2020'"):
        change(frame, "2020", "2020")


def test_min_periods_holds_back_a_significant_short_series():
    frame = long_frame({"a": {"2010": 1.0, "2011": 2.0, "2012": 3.1, "2013": 3.9}})
    fit = stats.linregress([2010, 2011, 2012, 2013], [1.0, 2.0, 3.1, 3.9])
    assert fit.pvalue < 0.01
    assert trend(frame).iloc[0]["direction"] == "rising"
    held = trend(frame, polarity="high_is_good", min_periods=5).iloc[0]
    assert held["p_value"] == pytest.approx(fit.pvalue, rel=1e-6)  # still reported, but not acted on
    assert (held["direction"], held["assessment"], held["note"]) == ("flat", "not assessed",
                                                                     "fewer than 5 periods: not tested")


@pytest.mark.parametrize("polarity", [None, "neutral"])
def test_without_polarity_trends_are_not_assessed(polarity):
    frame = long_frame({"a": {"2010": 1.0, "2011": 2.0, "2012": 3.1, "2013": 3.9}})
    result = trend(frame, polarity=polarity).iloc[0]
    assert result["direction"] == "rising" and result["assessment"] == "not assessed"


def test_trend_refusals():
    with pytest.raises(AnalysisError, match="The period '2014/15' is not a year"):
        trend(long_frame({"a": {"2014/15": 1.0, "2015/16": 2.0}}))
    with pytest.raises(AnalysisError, match="mix forms \\(monthly '2015-06', yearly '2015'\\)"):
        trend(long_frame({"a": {"2015": 1.0}, "b": {"2015-06": 2.0}}))
    with pytest.raises(AnalysisError, match="Unknown polarity"):
        trend(long_frame({"a": {"2015": 1.0}}), polarity="higher")
    with pytest.raises(AnalysisError, match="at least 3 periods"):
        trend(long_frame({"a": {"2015": 1.0}}), min_periods=2)

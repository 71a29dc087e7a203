"""The Fingertips recent trend marker (core.stats.trend_marker) against references written here, never against its
own numbers:

- proportions: the chi-squared test for trend as the OHID page and PHEindicatormethods write it (loops below),
  which is the Cochran-Armitage statistic N x r^2 (r: scipy.stats.pearsonr of the 0/1 outcomes of every person on
  their period, the table expanded person by person), and R's prop.trend.test worked example (its help page:
  X-squared = 8.2249, p-value = 0.004132); the gradient is scipy.stats.linregress of the log odds on the year;
- other types: weighted least squares by numpy.polyfit (w = 1 / se, cov="unscaled") and by scipy's curve_fit with
  absolute sigma, the standard errors read from the 95% limits as (U - L) / (2 x 1.96);
- significance at 99.8%: scipy.stats.chi2.ppf(0.998, 1), the 9.5495 of Fingertips' code and PHEindicatormethods;
  p-values from scipy.stats.chi2.sf and the normal tail of sqrt(chi2);
- the criteria and markers in the words of the page (five points, yearly data, independent periods, no breaks,
  confidence intervals or numerator and denominator; Increasing / Decreasing, and getting better / worse)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import optimize
from scipy import stats as sp

from lis_workbench.core.errors import AnalysisError, LisError
from lis_workbench.core.stats.trend_marker import (
    NOT_CALCULATED,
    marker_symbol,
    marker_text,
    recent_trend,
)

CRITICAL = 9.5495  # chi-squared(1) at 99.8%, as PHEindicatormethods' assign_trend_markers compares it
YEARS = [2016, 2017, 2018, 2019, 2020]


# ------------------------------------------------------------------ references
def chi2_for_trend(r, n, t) -> float:
    """The page's statistic, summed term by term: N (N Σrt − R Σnt)² / (R (N − R) (N Σnt² − (Σnt)²))."""
    big_n = big_r = s_rt = s_nt = s_nt2 = 0.0
    for ri, ni, ti in zip(r, n, t):
        big_n += ni
        big_r += ri
        s_rt += ri * ti
        s_nt += ni * ti
        s_nt2 += ni * ti * ti
    return big_n * (big_n * s_rt - big_r * s_nt) ** 2 / (big_r * (big_n - big_r) * (big_n * s_nt2 - s_nt ** 2))


def cochran_armitage_scipy(r, n, t) -> float:
    """N r², r the Pearson correlation (scipy) between each person's outcome (1: in the numerator) and period."""
    outcome = np.concatenate([np.r_[np.ones(int(ri)), np.zeros(int(ni - ri))] for ri, ni in zip(r, n)])
    period = np.concatenate([np.full(int(ni), ti, dtype=float) for ni, ti in zip(n, t)])
    return len(outcome) * sp.pearsonr(period, outcome).statistic ** 2


def weighted_fit(t, x, lower, upper) -> tuple[float, float]:
    """Gradient and chi-squared (gradient² / its variance) of the weighted least-squares line, by numpy.polyfit."""
    se = (np.asarray(upper) - np.asarray(lower)) / (2 * sp.norm.ppf(0.975))
    t = np.asarray(t, float)
    coef, cov = np.polyfit(t - t.mean(), np.asarray(x, float), 1, w=1 / se, cov="unscaled")
    return coef[0], coef[0] ** 2 / cov[0, 0]


def frame(values, lower, upper, years=YEARS, **extra) -> pd.DataFrame:
    return pd.DataFrame({"year": years, "value": values, "lower": lower, "upper": upper, **extra})


def other(table: pd.DataFrame, **options) -> pd.DataFrame:
    return recent_trend(table, period="year", value="value", lower="lower", upper="upper", **options)


# ------------------------------------------------------------------ proportions
def test_r_prop_trend_test_worked_example():
    """R's help page for prop.trend.test: smokers 83/86, 90/93, 129/136, 70/82 give X-squared = 8.2249,
    p-value = 0.004132: below 99.8% significance, so no significant change (four points, as R's example has)."""
    table = pd.DataFrame({"year": [2001, 2002, 2003, 2004], "r": [83, 90, 129, 70], "n": [86, 93, 136, 82]})
    got = recent_trend(table, period="year", numerator="r", denominator="n", points=4).iloc[0]
    assert round(got["chi_squared"], 4) == 8.2249 and round(got["p_value"], 6) == 0.004132
    assert got["marker"] == "No significant change" and got["direction"] == "no significant change"
    assert CRITICAL == pytest.approx(sp.chi2.ppf(0.998, 1), abs=1e-4)  # the level the marker used


@pytest.mark.parametrize("polarity, marker", [("high_is_bad", "Increasing and getting worse"),
                                              ("high_is_good", "Increasing and getting better"),
                                              (None, "Increasing"), ("neutral", "Increasing")])
def test_a_clear_increase_in_a_proportion(polarity, marker):
    r, n = [400, 430, 470, 505, 540], [10_000, 10_100, 10_150, 10_200, 10_300]
    table = pd.DataFrame({"year": YEARS, "r": r, "n": n})
    got = recent_trend(table, period="year", numerator="r", denominator="n", polarity=polarity).iloc[0]
    expected = chi2_for_trend(r, n, YEARS)
    assert got["chi_squared"] == pytest.approx(expected, rel=1e-9)
    assert got["chi_squared"] == pytest.approx(cochran_armitage_scipy(r, n, YEARS), rel=1e-9)
    assert got["p_value"] == pytest.approx(sp.chi2.sf(expected, 1), rel=1e-9)
    assert got["p_value"] == pytest.approx(2 * sp.norm.sf(np.sqrt(expected)), rel=1e-9)
    logit = np.log(np.array(r) / (np.array(n) - np.array(r)))
    assert got["gradient"] == pytest.approx(sp.linregress(YEARS, logit).slope, rel=1e-9)
    assert expected > CRITICAL and got["marker"] == marker and got["direction"] == "increasing"
    assert got["n_points"] == 5 and got["periods"] == "2016, 2017, 2018, 2019, 2020" and got["note"] == ""
    assert "chi-squared test for trend" in got["method"]


def test_fingertips_diabetes_prevalence_rises():
    """Real Fingertips data (indicator 241, QOF diabetes prevalence, England 2020-2024, as DHSC's FingertipsNext
    tests transcribe it), given newest first: tested in time order."""
    r = [3938080, 3774801, 3625401, 3491868, 3455176]
    n = [51441896, 50649129, 49956777, 49122259, 48783947]
    years = [2024, 2023, 2022, 2021, 2020]
    got = recent_trend(pd.DataFrame({"year": years, "r": r, "n": n}), period="year", numerator="r",
                       denominator="n").iloc[0]
    assert got["chi_squared"] == pytest.approx(chi2_for_trend(r, n, years), rel=1e-9)
    assert got["gradient"] == pytest.approx(sp.linregress(years, np.log(np.array(r) / (np.array(n) - r))).slope,
                                            rel=1e-9)
    assert got["marker"] == "Increasing" and got["periods"] == "2020, 2021, 2022, 2023, 2024"


def test_a_clear_decrease_and_no_change_in_proportions():
    table = pd.DataFrame({"year": YEARS * 2, "ward": ["fall"] * 5 + ["flat"] * 5,
                          "r": [300, 270, 250, 220, 190, 100, 106, 97, 103, 101], "n": [2000] * 10})
    got = recent_trend(table, period="year", numerator="r", denominator="n", by=["ward"],
                       polarity="high_is_bad").set_index("ward")
    for ward, marker in (("fall", "Decreasing and getting better"), ("flat", "No significant change")):
        rows = table[table["ward"] == ward]
        expected = chi2_for_trend(rows["r"], rows["n"], rows["year"])
        assert got.loc[ward, "chi_squared"] == pytest.approx(expected, rel=1e-9)
        assert got.loc[ward, "chi_squared"] == pytest.approx(cochran_armitage_scipy(rows["r"], rows["n"],
                                                                                    rows["year"]), rel=1e-9)
        assert got.loc[ward, "marker"] == marker
    assert got.loc["flat", "chi_squared"] < CRITICAL < got.loc["fall", "chi_squared"]


def test_a_proportion_needs_its_numerator_and_denominator():
    table = pd.DataFrame({"year": YEARS, "r": [1, 2, np.nan, 4, 5], "n": [10] * 5, "value": [0.1] * 5})
    got = recent_trend(table, period="year", value="value", numerator="r", denominator="n",
                       value_type="proportion").iloc[0]
    assert got["marker"] == NOT_CALCULATED and np.isnan(got["chi_squared"])
    assert got["note"] == "fewer than 5 points (4); a break in the series (no value for 2018)"
    zero = pd.DataFrame({"year": YEARS, "r": [0, 2, 3, 4, 5], "n": [10] * 5})
    got = recent_trend(zero, period="year", numerator="r", denominator="n").iloc[0]
    assert got["marker"] == NOT_CALCULATED and "a proportion of 0 or 1 (2016)" in got["note"]


# ------------------------------------------------------------------ other types (limits)
@pytest.mark.parametrize("polarity, marker", [("high_is_bad", "Decreasing and getting better"),
                                              ("high_is_good", "Decreasing and getting worse"),
                                              (None, "Decreasing")])
def test_a_clear_decrease_in_a_rate_with_limits(polarity, marker):
    """PHEindicatormethods' example for assign_trend_markers (value type "other")."""
    values, lower, upper = ([30.6, 30.2, 28, 24.6, 24.67], [28.98, 28.63, 26.44, 23.15, 23.16],
                            [32.25, 31.9, 29.64, 26.19, 26.25])
    got = other(frame(values, lower, upper), polarity=polarity).iloc[0]
    gradient, chi2 = weighted_fit(YEARS, values, lower, upper)
    assert got["gradient"] == pytest.approx(gradient, rel=1e-9)
    assert got["chi_squared"] == pytest.approx(chi2, rel=1e-9)
    se = (np.array(upper) - np.array(lower)) / (2 * 1.959963984540054)
    fit, cov = optimize.curve_fit(lambda t, a, b: a + b * t, np.array(YEARS, float) - 2018, values, sigma=se,
                                  absolute_sigma=True)
    assert got["gradient"] == pytest.approx(fit[1], rel=1e-7)
    assert got["chi_squared"] == pytest.approx(fit[1] ** 2 / cov[1, 1], rel=1e-6)
    assert got["p_value"] == pytest.approx(sp.chi2.sf(chi2, 1), rel=1e-9)
    assert chi2 > CRITICAL and got["marker"] == marker and got["direction"] == "decreasing"
    assert got["method"].startswith("weighted regression")


def test_a_clear_increase_and_no_change_by_group():
    table = pd.concat([frame([50, 53, 55, 58, 61], [48, 51, 53, 56, 59], [52, 55, 57, 60, 63], area="up"),
                       frame([50, 52, 49, 51, 50], [46, 48, 45, 47, 46], [54, 56, 53, 55, 54], area="flat"),
                       frame([70.1, 70.3, 70.2, 70.6, 70.8], [69.0, 69.1, 69.0, 69.5, 69.6],
                             [71.2, 71.5, 71.4, 71.7, 72.0], area="le")])
    got = other(table, by=["area"], polarity="high_is_good").set_index("area")
    assert list(got.index) == ["flat", "le", "up"]
    for area in got.index:
        rows = table[table["area"] == area]
        gradient, chi2 = weighted_fit(rows["year"], rows["value"], rows["lower"], rows["upper"])
        assert got.loc[area, "gradient"] == pytest.approx(gradient, rel=1e-9)
        assert got.loc[area, "chi_squared"] == pytest.approx(chi2, rel=1e-9)
        expected = "No significant change" if chi2 <= CRITICAL else \
            "Increasing and getting better" if gradient > 0 else "Decreasing and getting worse"
        assert got.loc[area, "marker"] == expected
    assert got.loc["up", "marker"] == "Increasing and getting better"
    assert got.loc["flat", "marker"] == "No significant change" and got.loc["le", "marker"] == "No significant change"


def test_only_the_five_most_recent_points_count():
    years = [2014, 2015, *YEARS]
    values, lower, upper = [90, 5, 10, 12, 14, 16, 18], [88, 4, 9, 11, 13, 15, 17], [92, 6, 11, 13, 15, 17, 19]
    got = other(frame(values, lower, upper, years=years)).iloc[0]
    gradient, chi2 = weighted_fit(YEARS, values[2:], lower[2:], upper[2:])
    assert got["periods"] == "2016, 2017, 2018, 2019, 2020" and got["n_points"] == 5
    assert got["chi_squared"] == pytest.approx(chi2, rel=1e-9) and got["marker"] == "Increasing"


@pytest.mark.parametrize("values", [[10.4, 10.2, 10.0, 9.8, 20.0], [10.0, 10.0, 10.0, 10.0, 20.0]])
def test_one_point_making_the_trend_is_no_significant_change(values):
    """Significant over five points, but the gradient falls (or is flat) without the last one: each point left out
    in turn, as Fingertips' calculator and PHEindicatormethods check."""
    lower, upper = [v - 1 for v in values], [v + 1 for v in values]
    got = other(frame(values, lower, upper), polarity="high_is_bad").iloc[0]
    gradient, chi2 = weighted_fit(YEARS, values, lower, upper)
    without_last = weighted_fit(YEARS[:4], values[:4], lower[:4], upper[:4])[0]
    assert chi2 > CRITICAL and gradient > 0 and without_last <= 1e-12
    assert got["chi_squared"] == pytest.approx(chi2, rel=1e-9)
    assert got["marker"] == "No significant change" and got["direction"] == "no significant change"
    assert got["note"] == "one point makes the trend: without 2020 the gradient is flat or reversed"
    assert marker_text(got["marker"], got["note"]) == f"No significant change ({got['note']})"


# ------------------------------------------------------------------ the criteria
def test_fewer_than_five_points():
    got = other(frame([1.0, 2.0, 3.0], [0.5, 1.5, 2.5], [1.5, 2.5, 3.5], years=[2018, 2019, 2020])).iloc[0]
    assert (got["marker"], got["note"], got["n_points"]) == (NOT_CALCULATED, "fewer than 5 points (3)", 3)
    assert np.isnan(got["gradient"]) and np.isnan(got["p_value"]) and got["direction"] == "not calculated"
    assert marker_text(got["marker"], got["note"]) == "Could not be calculated: fewer than 5 points (3)"


def test_missing_intervals():
    some = other(frame([1, 2, 3, 4, 5], [0.5, np.nan, 2.5, 3.5, 4.5], [1.5, 2.5, 3.5, 4.5, 5.5])).iloc[0]
    assert some["marker"] == NOT_CALCULATED and some["note"] == "no confidence interval for 2017"
    table = pd.DataFrame({"year": YEARS, "value": [1, 2, 3, 4, 5]})
    none = recent_trend(table, period="year", value="value").iloc[0]
    assert none["marker"] == NOT_CALCULATED and none["note"] == "no confidence intervals"


def test_monthly_quarterly_rolling_and_broken_series_are_not_tested():
    limits = dict(values=[1, 2, 3, 4, 5], lower=[0.9, 1.9, 2.9, 3.9, 4.9], upper=[1.1, 2.1, 3.1, 4.1, 5.1])
    cases = {("2020-01", "2020-02", "2020-03", "2020-04", "2020-05"): "monthly data (the method tests yearly data "
                                                                    "only)",
             ("2019-Q1", "2019-Q2", "2019-Q3", "2019-Q4", "2020-Q1"): "quarterly data (the method tests yearly "
                                                                    "data only)",
             ("2014 - 16", "2015 - 17", "2016 - 18", "2017 - 19", "2018 - 20"): "rolling (overlapping) periods (the "
                                                                                "method needs independent periods)",
             ("2005 - 07", "2008 - 10", "2011 - 13", "2014 - 16", "2017 - 19"): "periods of 3 years (the method "
                                                                                "tests single years)",
             ("2014", "2015", "2017", "2018", "2020"): "a break in the series (no value for 2016, 2019)"}
    for periods, note in cases.items():
        got = other(frame(**limits, years=list(periods))).iloc[0]
        assert (got["marker"], got["note"]) == (NOT_CALCULATED, note), periods
    financial = other(frame(**limits, years=["2015/16", "2016/17", "2017/18", "2018/19", "2019/20"])).iloc[0]
    assert financial["marker"] == "Increasing" and financial["periods"].startswith("2015/16")


def test_types_the_method_does_not_test():
    table = frame([1, 2, 3, 4, 5], [0.9, 1.9, 2.9, 3.9, 4.9], [1.1, 2.1, 3.1, 4.1, 5.1])
    for kind in ("count", "score", ""):
        got = other(table, value_type=kind).iloc[0]
        assert got["marker"] == NOT_CALCULATED and "only rates, proportions, ratios and the like" in got["note"]
        assert got["method"] == ""
    for kind in ("rate", "Directly standardised rate", "life expectancy", "ratio", "mean"):
        assert other(table, value_type=kind).iloc[0]["marker"] == "Increasing", kind


def test_reasons_are_all_given():
    table = pd.DataFrame({"year": ["2020-01", "2020-02"], "value": [1.0, 2.0]})
    got = recent_trend(table, period="year", value="value", value_type="count").iloc[0]
    assert got["note"] == ("fewer than 5 points (2); monthly data (the method tests yearly data only); 'count' values "
                           "are not tested (only rates, proportions, ratios and the like); no confidence intervals")


@pytest.mark.parametrize("marker, short", [("Increasing and getting worse", "↑ worse"),
                                           ("Decreasing and getting better", "↓ better"),
                                           ("Increasing", "↑ increasing"), ("No significant change", "no sig. change"),
                                           (NOT_CALCULATED, "–")])
def test_marker_symbols(marker, short):
    assert marker_symbol(marker) == short


# ------------------------------------------------------------------ refusals
def test_refusals_are_analysis_errors_in_plain_words():
    table = frame([1, 2, 3, 4, 5], [0.9, 1.9, 2.9, 3.9, 4.9], [1.1, 2.1, 3.1, 4.1, 5.1])
    cases = [(lambda: other(table.drop(columns="lower")), "no column\\(s\\) lower"),
             (lambda: other(pd.concat([table, table.tail(1)])), "period 2020 appears more than once"),
             (lambda: other(table.assign(year=["2016", "2017", "2018", "2019", "2020-01"])), "mix forms"),
             (lambda: other(table.assign(year=["2016", "2017", "x", "2019", "2020"])), "The period 'x' is not a year"),
             (lambda: other(table.assign(upper=[1.1, 2.1, 3.1, 4.1, 4.0])), "upper confidence limit is below"),
             (lambda: other(table, points=2), "at least 3 points"),
             (lambda: other(table, level=5), "significance level"),
             (lambda: other(table, polarity="higher"), "Unknown polarity"),
             (lambda: recent_trend(table.assign(r=[1, 2, 3, 4, 9], n=[5] * 5), period="year", numerator="r",
                                   denominator="n"), "2020: the numerator is larger than the denominator")]
    for call, message in cases:
        with pytest.raises(AnalysisError, match=message) as caught:
            call()
        assert isinstance(caught.value, LisError) and "--" not in str(caught.value)

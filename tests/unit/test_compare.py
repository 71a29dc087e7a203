"""compare: Wilson and Byar intervals and the verdict against a benchmark, checked against published worked examples
(Newcombe 1998 Table I), formulas written out again here, scipy's own Wilson interval (binomtest) and exact Poisson
limits from the chi-squared distribution; statsmodels is not installed, so it is not used."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from unit_helpers import sample_csv

from lis_workbench.core.compare import (
    area_benchmark,
    byar_interval,
    compare,
    poisson_interval,
    poisson_method,
    rate_interval,
    total_benchmark,
    wilson_interval,
)
from lis_workbench.core.errors import AnalysisError, LisError


def z_of(confidence: float) -> float:
    return stats.norm.ppf(1 - (1 - confidence) / 2)


def newcombe_wilson(r: float, n: float, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson's interval as Newcombe (1998) writes it: (2np + z² ± z√(z² + 4npq)) / (2(n + z²))."""
    z = z_of(confidence)
    p, q = r / n, 1 - r / n
    root = z * np.sqrt(z * z + 4 * n * p * q)
    return (2 * n * p + z * z - root) / (2 * (n + z * z)), (2 * n * p + z * z + root) / (2 * (n + z * z))


def scipy_wilson(r: int, n: int, confidence: float) -> tuple[float, float]:
    interval = stats.binomtest(int(r), int(n)).proportion_ci(confidence_level=confidence, method="wilson")
    return interval.low, interval.high


def exact_poisson(o: float, confidence: float) -> tuple[float, float]:
    """Garwood's exact Poisson limits from chi-squared quantiles."""
    a = 1 - confidence
    lower = 0.0 if o == 0 else stats.chi2.ppf(a / 2, 2 * o) / 2
    return lower, stats.chi2.ppf(1 - a / 2, 2 * o + 2) / 2


# ------------------------------------------------------------------ Wilson
@pytest.mark.parametrize("r, n, low, high", [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605),
                                             (0, 20, 0.0, 0.1611), (1, 29, 0.0061, 0.1718)])
def test_wilson_matches_newcombe_1998_table_1(r, n, low, high):
    lower, upper = wilson_interval(r, n)
    assert isinstance(lower, float) and isinstance(upper, float)
    assert (round(lower, 4), round(upper, 4)) == (low, high)
    expected = newcombe_wilson(r, n)
    assert lower == pytest.approx(max(expected[0], 0.0), abs=1e-12)
    assert upper == pytest.approx(expected[1], rel=1e-12)


@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.998])
def test_wilson_vectorised_matches_scipy_binomtest(confidence):
    rng = np.random.default_rng(7)
    n = rng.integers(1, 3000, 200)
    r = rng.binomial(n, rng.uniform(0, 1, 200))
    r[:3], n[:3] = [0, 5, 12], [7, 5, 12]  # 0 and n among them
    lower, upper = wilson_interval(r, n, confidence)
    assert lower.shape == upper.shape == (200,)
    expected = np.array([scipy_wilson(a, b, confidence) for a, b in zip(r, n)])
    np.testing.assert_allclose(lower, expected[:, 0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(upper, expected[:, 1], rtol=1e-9, atol=1e-12)
    assert lower[0] == 0.0 and upper[1] == 1.0 and upper[2] == 1.0


def test_wilson_is_symmetric_between_successes_and_failures():
    r, n = np.array([0, 3, 40, 99]), np.array([50, 50, 120, 100])
    lower, upper = wilson_interval(r, n)
    flip_lower, flip_upper = wilson_interval(n - r, n)
    np.testing.assert_allclose(lower, 1 - flip_upper, atol=1e-12)
    np.testing.assert_allclose(upper, 1 - flip_lower, atol=1e-12)


def test_wilson_without_trials_is_nan_and_impossible_inputs_are_refused():
    lower, upper = wilson_interval([0, 3, np.nan, 2], [0, np.nan, 10, 4])
    assert np.isnan(lower[:3]).all() and np.isnan(upper[:3]).all()
    assert np.isfinite([lower[3], upper[3]]).all()
    with pytest.raises(AnalysisError, match="more successes than trials .*12 of 10"):
        wilson_interval([1, 12], [5, 10])
    with pytest.raises(AnalysisError, match="negative"):
        wilson_interval(-1, 10)
    with pytest.raises(AnalysisError, match="between 0 and 1"):
        wilson_interval(5, 10, confidence=95)


# ------------------------------------------------------------------ Byar
def test_byar_hand_computed_for_65_events():
    """O = 65 at 95 %: 65 (1 - 1/585 - 1.959964/(3√65))³ and 66 (1 - 1/594 + 1.959964/(3√66))³, by hand."""
    lower, upper = byar_interval(65)
    assert lower == pytest.approx(50.1632, abs=1e-4)
    assert upper == pytest.approx(82.8491, abs=1e-4)


@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_byar_is_close_to_exact_poisson_limits(confidence):
    counts = np.array([10, 11, 17, 25, 40, 65, 100, 333, 1045, 5000, 123456])
    lower, upper = byar_interval(counts, confidence)
    exact = np.array([exact_poisson(o, confidence) for o in counts])
    np.testing.assert_allclose(lower, exact[:, 0], rtol=0.02)
    np.testing.assert_allclose(upper, exact[:, 1], rtol=0.02)
    np.testing.assert_allclose(lower[-3:], exact[-3:, 0], rtol=1e-3)  # closer and closer with more events
    assert (lower < counts).all() and (upper > counts).all()


def test_byar_zero_and_tiny_counts():
    lower, upper = byar_interval(np.array([0.0, 1.0, np.nan]))
    assert lower[0] == 0.0
    z = z_of(0.95)
    assert upper[0] == pytest.approx((1 - 1 / 9 + z / 3) ** 3, rel=1e-12)
    assert upper[0] == pytest.approx(exact_poisson(0, 0.95)[1], rel=0.01)  # 3.668 vs exact 3.689
    assert np.isnan(lower[2]) and np.isnan(upper[2])
    low_998, up_998 = byar_interval(1, 0.998)  # the approximation falls below 0 here: given as 0
    assert low_998 == 0.0 and 0 < exact_poisson(1, 0.998)[0] < 0.01 and up_998 > 1
    with pytest.raises(AnalysisError, match="negative"):
        byar_interval([3, -2])


def test_rate_interval_scales_the_count_interval():
    count, den = np.array([25, 0, 40, 8]), np.array([5000, 1000, 0, np.nan])
    lower, upper = rate_interval(count, den, multiplier=1000)
    z = z_of(0.95)
    assert lower[0] == pytest.approx(25 * (1 - 1 / 225 - z / 15) ** 3 / 5000 * 1000, rel=1e-12)
    assert upper[0] == pytest.approx(26 * (1 - 1 / 234 + z / (3 * np.sqrt(26))) ** 3 / 5, rel=1e-12)
    assert lower[1] == 0.0 and upper[1] == pytest.approx(exact_poisson(0, 0.95)[1], rel=1e-12)  # below 10: exact
    assert np.isnan(lower[2:]).all() and np.isnan(upper[2:]).all()
    with pytest.raises(AnalysisError, match="multiplier"):
        rate_interval(5, 100, multiplier=0)


# ------------------------------------------------------------------ comparison
def _proportions() -> pd.DataFrame:
    return pd.DataFrame({"area_code": ["E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8"],
                         "area_name": ["High", "Borderline", "Similar", "Low", "Zero", "Suppressed", "Missing",
                                       "Empty"],
                         "numerator": [81, 30, 21, 15, 0, 4, np.nan, 0],
                         "denominator": [263, 100, 100, 148, 20, 10, 50, 0],
                         "suppressed": [False, False, False, False, False, True, False, False]})


def test_proportions_against_a_benchmark_match_scipy_intervals():
    frame = _proportions()
    result = compare(frame, 20.0, kind="proportion", polarity="high_is_bad", multiplier=100)
    assert list(result.columns) == ["area_code", "area_name", "numerator", "denominator", "value", "lower_95",
                                    "upper_95", "lower_99_8", "upper_99_8", "benchmark", "vs_benchmark_95",
                                    "assessment_95", "vs_benchmark_99_8", "assessment_99_8", "reason", "method"]
    assert list(result["area_code"]) == list(frame["area_code"])  # nothing dropped, order kept
    for i in range(5):
        r, n = frame.loc[i, ["numerator", "denominator"]]
        assert result.loc[i, "value"] == pytest.approx(r / n * 100)
        for level, label in ((0.95, "95"), (0.998, "99_8")):
            low, high = scipy_wilson(r, n, level)
            assert result.loc[i, f"lower_{label}"] == pytest.approx(low * 100, rel=1e-9, abs=1e-12)
            assert result.loc[i, f"upper_{label}"] == pytest.approx(high * 100, rel=1e-9)
            side = "higher" if low * 100 > 20 else "lower" if high * 100 < 20 else "similar"
            assert result.loc[i, f"vs_benchmark_{label}"] == side
    # the cases chosen to differ: 30/100 is above 20 % and 0/20 below it at 95 % but not at 99.8 %
    assert list(result["vs_benchmark_95"][:5]) == ["higher", "higher", "similar", "lower", "lower"]
    assert list(result["vs_benchmark_99_8"][:5]) == ["higher", "similar", "similar", "similar", "similar"]
    assert list(result["assessment_95"][:5]) == ["worse", "worse", "similar", "better", "better"]
    assert (result["benchmark"] == 20.0).all()
    assert result.attrs["method"] == "Wilson score" and result.attrs["polarity"] == "high_is_bad"


def test_areas_without_a_value_are_kept_with_a_reason():
    result = compare(_proportions(), 20.0, kind="proportion", polarity="high_is_good", multiplier=100)
    gone = result.iloc[5:]
    assert list(gone["reason"]) == ["suppressed", "no numerator", "denominator is 0"]
    assert gone[["value", "lower_95", "upper_95", "lower_99_8", "upper_99_8"]].isna().all().all()
    assert (gone[["vs_benchmark_95", "assessment_95", "vs_benchmark_99_8", "assessment_99_8"]]
            == "not compared").all().all()
    assert np.isnan(gone.iloc[0]["numerator"])  # a suppressed number is not shown again
    assert (result["reason"].iloc[:5] == "").all()
    assert list(result["assessment_95"][:5]) == ["better", "better", "similar", "worse", "worse"]


def test_text_in_a_numeric_column_is_not_a_number_not_an_error():
    frame = pd.DataFrame({"area_code": ["a", "b"], "numerator": ["*", "12"], "denominator": ["100", "100"]})
    result = compare(frame, 0.5, kind="proportion")
    assert list(result["reason"]) == ["numerator is not a number", ""]
    assert result.loc[1, "vs_benchmark_95"] == "lower"


@pytest.mark.parametrize("polarity", [None, "neutral", ""])
def test_without_polarity_nothing_is_better_or_worse(polarity):
    result = compare(_proportions(), 20.0, kind="proportion", polarity=polarity, multiplier=100)
    assert (result["assessment_95"] == "not compared").all()
    assert result.loc[0, "vs_benchmark_95"] == "higher"  # the significance is still there
    assert result.attrs["polarity"] is None


def test_benchmark_from_totals_and_from_a_named_area():
    frame = _proportions()
    # the suppressed (4/10), missing (?/50) and empty (0/0) areas are out of both sums
    assert total_benchmark(frame, kind="proportion", multiplier=100) == pytest.approx(
        (81 + 30 + 21 + 15 + 0) / (263 + 100 + 100 + 148 + 20) * 100)
    assert area_benchmark(frame, "E3", kind="proportion") == pytest.approx(0.21)
    by_name = compare(frame, "E3", kind="proportion", polarity="high_is_bad")
    by_value = compare(frame, 0.21, kind="proportion", polarity="high_is_bad")
    pd.testing.assert_frame_equal(by_name, by_value)
    assert by_name.attrs["benchmark_area"] == "E3" and by_value.attrs["benchmark_area"] is None
    assert by_name.loc[2, "vs_benchmark_95"] == "similar"  # an area is always similar to itself
    with pytest.raises(AnalysisError, match="'E99' is not in the values"):
        compare(frame, "E99", kind="proportion")
    with pytest.raises(AnalysisError, match="'E6' has no value .*suppressed"):
        area_benchmark(frame, "E6", kind="proportion")
    with pytest.raises(AnalysisError, match="total"):
        total_benchmark(frame, kind="count")


def test_rates_per_1000_exact_below_10_events_byar_from_10():
    frame = pd.DataFrame({"area_code": ["w1", "w2", "w3", "w4"], "numerator": [120, 45, 9, 0],
                          "denominator": [8000, 4000, 2500, 600]})
    benchmark = total_benchmark(frame, kind="rate", multiplier=1000)
    assert benchmark == pytest.approx(174 / 15100 * 1000)
    result = compare(frame, benchmark, kind="rate", polarity="high_is_bad", multiplier=1000)
    z95, z998 = z_of(0.95), z_of(0.998)
    for i, (o, n) in enumerate(zip(frame["numerator"], frame["denominator"])):
        for z, label in ((z95, "95"), (z998, "99_8")):
            if o < 10:  # Garwood's exact limits from scipy's chi-squared quantiles
                lower, upper = (limit / n * 1000 for limit in exact_poisson(o, 0.95 if label == "95" else 0.998))
            else:
                upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3 / n * 1000
                lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3 / n * 1000
            assert result.loc[i, f"lower_{label}"] == pytest.approx(lower, rel=1e-12, abs=1e-15)
            assert result.loc[i, f"upper_{label}"] == pytest.approx(upper, rel=1e-12)
            side = "higher" if lower > benchmark else "lower" if upper < benchmark else "similar"
            assert result.loc[i, f"vs_benchmark_{label}"] == side
    assert list(result["vs_benchmark_95"]) == ["higher", "similar", "lower", "lower"]
    assert list(result["assessment_95"]) == ["worse", "similar", "better", "better"]
    assert list(result["method"]) == ["Byar", "Byar", "exact Poisson", "exact Poisson"]


def test_counts_against_an_expected_count():
    frame = pd.DataFrame({"area_code": ["a", "b", "c"], "count": [35, 20, 7]})
    result = compare(frame, 20, kind="count", polarity="high_is_good")
    exact = [exact_poisson(o, 0.95) for o in (35, 20, 7)]
    assert exact[0][0] > 20 and exact[2][1] < 20  # the exact test agrees on the verdicts below
    assert list(result["vs_benchmark_95"]) == ["higher", "similar", "lower"]
    assert list(result["assessment_95"]) == ["better", "similar", "worse"]
    assert list(result["value"]) == [35, 20, 7] and result["denominator"].isna().all()


def test_idaci_children_in_wigan_lsoas_against_the_borough():
    """Real data: the IDACI numerator (33 LSOAs suppressed) out of children aged 0-15, LSOA by LSOA, against the
    Wigan total, each interval checked against scipy's Wilson interval."""
    numerators = sample_csv("wigan_imd2019_indicators.csv").set_index("lsoa11_code")[
        "income_deprivation_affecting_children_index_idaci_numerator"]
    children = sample_csv("wigan_imd2019_file6_population_denominators.csv", thousands=",").set_index(
        "LSOA code (2011)")["Dependent Children aged 0-15: mid 2015 (excluding prisoners)"]
    frame = pd.DataFrame({"area_code": numerators.index, "numerator": numerators.to_numpy(),
                          "denominator": children.reindex(numerators.index).to_numpy()})
    result = compare(frame, total_benchmark(frame, kind="proportion"), kind="proportion", polarity="high_is_bad")
    ok = frame["numerator"].notna().to_numpy()
    borough = frame.loc[ok, "numerator"].sum() / frame.loc[ok, "denominator"].sum()
    assert result["benchmark"].iloc[0] == pytest.approx(borough)
    assert len(result) == len(frame) == 200 and (~ok).sum() == 33
    assert (result.loc[~ok, "reason"] == "no numerator").all()
    expected = np.array([scipy_wilson(r, n, 0.998) for r, n in frame.loc[ok, ["numerator", "denominator"]]
                         .to_numpy()])
    np.testing.assert_allclose(result.loc[ok, "lower_99_8"], expected[:, 0], rtol=1e-9)
    np.testing.assert_allclose(result.loc[ok, "upper_99_8"], expected[:, 1], rtol=1e-9)
    higher = expected[:, 0] > borough
    lower = expected[:, 1] < borough
    assert (result.loc[ok, "vs_benchmark_99_8"] == np.where(higher, "higher", np.where(lower, "lower", "similar"))
            ).all()
    assert higher.any() and lower.any()  # a deprived borough has both


# ------------------------------------------------------------------ refusals
@pytest.mark.parametrize("frame, kwargs, message", [
    (pd.DataFrame({"area_code": ["a", "b"], "numerator": [5, 12], "denominator": [10, 10]}), {},
     "numerator is larger than the denominator for area\\(s\\) b"),
    (pd.DataFrame({"area_code": ["a", "b"], "numerator": [5, -1], "denominator": [10, 10]}), {},
     "Column 'numerator' has negative values for area\\(s\\) b"),
    (pd.DataFrame({"area_code": ["a", "b"], "numerator": [5, 1], "denominator": [10, -10]}), {"kind": "rate"},
     "Column 'denominator' has negative values for area\\(s\\) b"),
    (pd.DataFrame({"area_code": ["a", "a"], "numerator": [5, 1], "denominator": [10, 10]}), {},
     "Area\\(s\\) a appear more than once"),
    (pd.DataFrame({"code": ["a"], "numerator": [5], "denominator": [10]}), {}, "no area_code column"),
    (pd.DataFrame({"area_code": ["a"], "value": [0.5], "denominator": [10]}), {}, "no numerator \\(or count\\)"),
    (pd.DataFrame({"area_code": ["a"], "numerator": [5]}), {"kind": "rate"}, "A rate needs a denominator"),
    (pd.DataFrame({"area_code": ["a"], "numerator": [5], "denominator": [10]}), {"kind": "ratio"}, "Unknown kind"),
    (pd.DataFrame({"area_code": ["a"], "numerator": [5], "denominator": [10]}), {"polarity": "up"},
     "Unknown polarity 'up'"),
    (pd.DataFrame({"area_code": ["a"], "numerator": [5], "denominator": [10]}), {"levels": (0.95, 99.8)},
     "between 0 and 1"),
    (pd.DataFrame({"area_code": ["a"], "numerator": [5], "denominator": [10]}), {"benchmark": np.nan},
     "benchmark value is missing"),
])
def test_impossible_inputs_are_refused_in_plain_words(frame, kwargs, message):
    arguments = {"benchmark": 0.5, "kind": "proportion"} | kwargs
    with pytest.raises(AnalysisError, match=message) as caught:
        compare(frame, **arguments)
    assert isinstance(caught.value, LisError)


def test_many_areas_at_fault_are_counted_not_all_listed():
    frame = pd.DataFrame({"area_code": [f"E{i}" for i in range(8)], "numerator": [20] * 8, "denominator": [10] * 8})
    with pytest.raises(AnalysisError, match="E0, E1, E2, E3, E4 and 3 more"):
        compare(frame, 0.5, kind="proportion")
    frame["suppressed"] = True  # suppressed rows are not used, so not checked
    assert (compare(frame, 0.5, kind="proportion")["reason"] == "suppressed").all()


# ------------------------------------------------------------------ small counts, as Fingertips
@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_counts_below_10_get_exact_poisson_limits_as_scipy(confidence):
    counts = np.arange(0, 10)
    lower, upper = poisson_interval(counts, confidence)
    expected = np.array([exact_poisson(o, confidence) for o in counts])
    np.testing.assert_allclose(lower, expected[:, 0], rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(upper, expected[:, 1], rtol=1e-12)
    big = np.array([10, 11, 65, 1000])
    np.testing.assert_array_equal(poisson_interval(big, confidence)[0], byar_interval(big, confidence)[0])
    assert list(poisson_method([0, 9, 10, np.nan])) == ["exact Poisson", "exact Poisson", "Byar", ""]


def test_the_small_count_rates_fingertips_publishes():
    """PHEindicatormethods' phe_rate: 1 event in 100 people per 100,000 has a 95 % lower limit of 25.32 (Byar's
    gave 13.07); 5 in 100 at 99.8 % is [739.4, 16454.7] (Byar's gave [691, 16535])."""
    assert rate_interval(1, 100, 100_000)[0] == pytest.approx(25.3178, abs=1e-4)
    assert byar_interval(1)[0] * 1000 == pytest.approx(13.07, abs=0.01)
    low, high = rate_interval(5, 100, 100_000, 0.998)
    assert (low, high) == (pytest.approx(739.3717, abs=1e-4), pytest.approx(16454.7452, abs=1e-4))


def test_an_area_with_few_events_changes_judgement():
    """One death among 100 people against an England rate of 20 per 100,000: Byar's lower limit (13.1) is below
    England, so the area looked similar; the exact limit (25.3) is above it, so it is significantly higher."""
    frame = pd.DataFrame({"area_code": ["small", "large"], "numerator": [1, 40], "denominator": [100, 100_000]})
    result = compare(frame, 20.0, kind="rate", polarity="high_is_bad", multiplier=100_000, levels=(0.95,))
    assert result.loc[0, "lower_95"] > 20 > byar_interval(1)[0] * 1000
    assert list(result["vs_benchmark_95"]) == ["higher", "higher"]
    assert list(result["assessment_95"]) == ["worse", "worse"]
    assert list(result["method"]) == ["exact Poisson", "Byar"]


def test_quintiles_of_the_areas_values_with_fingertips_words():
    """Each area's fifth of the values, as R's dplyr::ntile (five groups of the sorted values, the first ones a
    value larger when they cannot be equal: numpy's array_split as the reference), worded Lowest..Highest, or
    Best..Worst by polarity; an area without a value has none."""
    from lis_workbench.core.compare_study import quintiles

    rng = np.random.default_rng(5)
    values = pd.Series(rng.normal(10, 3, 53))
    values[7] = np.nan
    got, words = quintiles(values, None)
    expected = pd.Series(np.nan, index=values.index)
    for group, members in enumerate(np.array_split(values.dropna().sort_values(kind="stable").index, 5), start=1):
        expected[members] = group
    assert got.dropna().astype(int).tolist() == expected.dropna().astype(int).tolist()
    assert np.isnan(got[7]) and words[7] == ""
    assert words[values.idxmax()] == "Highest" and words[values.idxmin()] == "Lowest"
    _, bad = quintiles(values, "high_is_bad")
    _, good = quintiles(values, "high_is_good")
    assert bad[values.idxmax()] == "Worst" and good[values.idxmax()] == "Best" and good[values.idxmin()] == "Worst"

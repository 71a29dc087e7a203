"""Class breaks against independent references: mapclassify 2.10 (bins and .yb), exact rational arithmetic,
a brute-force Fisher-Jenks, pandas.qcut and the national IMD deciles in the sample files.

Where we deliberately differ from mapclassify the test says so and checks the reason (see DEVIATIONS).
"""

from __future__ import annotations

import time
import warnings
from fractions import Fraction
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from unit_helpers import SAMPLE

from lis_workbench.core.classify import METHODS, Classification, ClassificationError, classify
from lis_workbench.core.errors import LisError

mc = pytest.importorskip("mapclassify")

RANKS_CSV = SAMPLE / "wigan_imd2019_file2_domains_ranks_deciles.csv"
INDICATORS_CSV = SAMPLE / "wigan_imd2019_indicators.csv"
IMD_RANK = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"
N_LSOA_ENGLAND = 32_844
RANKS = pd.read_csv(RANKS_CSV)
INDICATORS = pd.read_csv(INDICATORS_CSV)
RANK_COLUMNS = [c for c in RANKS.columns if " Rank " in c]
INDICATOR_COLUMNS = [c for c in INDICATORS.columns if c != "lsoa11_code"]
CONSTANT = "homelessness_indicator_rate_per_1000_households"  # one value (1.394) for every LSOA: a district rate

# (column, method, k) where mapclassify's answer is not ours, each with its own test below:
DEVIATIONS = {
    # mapclassify's FisherJenks does its dynamic programming in float32 and misses the optimum here
    ("entry_to_higher_education_indicator", "jenks", 3),
    # mapclassify's Quantiles interpolates two breaks 1e-17 apart, leaving an empty class; we drop it
    ("sulphur_dioxide_component_of_air_quality_indicator", "quantile", 5),
}
REFERENCE = {"quantile": mc.Quantiles, "equal": mc.EqualInterval, "jenks": mc.FisherJenks}


# ------------------------------------------------------------------ references and helpers
def column(name: str) -> pd.Series:
    return (RANKS if name in RANKS.columns else INDICATORS)[name]


def reference(method: str, y: np.ndarray, **kwargs):
    """mapclassify's classifier on the non-missing values, or None where it refuses; also its warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if method == "stddev":
                ref = mc.StdMean(y, multiples=[-2, -1, 1, 2])
            elif method == "manual":
                ref = mc.UserDefined(y, bins=kwargs["breaks"])
            else:
                ref = REFERENCE[method](y, k=kwargs["k"])
        except ValueError:
            ref = None
    messages = [str(w.message) for w in caught if "Numba" not in str(w.message)]
    return ref, messages


def assert_matches(ours: Classification, ref, series: pd.Series) -> None:
    """Same bins (rtol 1e-12), same class per value as mapclassify's .yb, -1 and no_data for blanks."""
    valid = series.notna().to_numpy()
    np.testing.assert_allclose(ours.bins, ref.bins, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(ours.classes[valid], ref.yb)
    assert (ours.classes[~valid] == -1).all()
    assert ours.no_data == int((~valid).sum())
    assert ours.k == len(ref.bins)
    assert ours.counts == np.asarray(ref.counts).tolist()
    assert ours.lower == series.min()


def groups(classes: np.ndarray) -> np.ndarray:
    """Class ids renumbered 0, 1, ... over the classes actually used: compares groupings, ignoring empty
    classes."""
    return np.unique(classes, return_inverse=True)[1].reshape(-1)


def exact_sse(values: np.ndarray, bins: np.ndarray) -> Fraction:
    """Total within-class sum of squares in exact rational arithmetic (values read as the decimals printed)."""
    total = Fraction(0)
    lower = -np.inf
    for upper in bins:
        members = [Fraction(repr(float(v))) for v in values if lower < v <= upper]
        lower = upper
        if members:
            mean = sum(members) / len(members)
            total += sum((v - mean) ** 2 for v in members)
    return total


def exhaustive_jenks3(values: np.ndarray) -> tuple[Fraction, set[tuple[float, float, float]]]:
    """The exact minimum SSE over every split into 3 classes of distinct values, and all bins reaching it."""
    u, c = np.unique(values, return_counts=True)
    fu = [Fraction(repr(float(v))) for v in u]
    w, s1, s2 = [0], [Fraction(0)], [Fraction(0)]
    for v, n in zip(fu, c):
        w.append(w[-1] + int(n))
        s1.append(s1[-1] + n * v)
        s2.append(s2[-1] + n * v * v)

    def sse(a: int, b: int) -> Fraction:
        t = s1[b] - s1[a]
        return (s2[b] - s2[a]) - t * t / (w[b] - w[a])

    best, argbest = None, set()
    for i, j in combinations(range(1, len(u)), 2):
        total = sse(0, i) + sse(i, j) + sse(j, len(u))
        if best is None or total < best:
            best, argbest = total, set()
        if total == best:
            argbest.add((float(u[i - 1]), float(u[j - 1]), float(u[-1])))
    return best, argbest


def brute_force_jenks(values: np.ndarray, k: int) -> np.ndarray:
    """Textbook O(k n^2) Fisher dynamic programme over sorted distinct values (float64), for comparison."""
    u, c = np.unique(values, return_counts=True)
    x = u - u.mean()
    w = np.concatenate(([0], np.cumsum(c)))
    s1 = np.concatenate(([0], np.cumsum(c * x)))
    s2 = np.concatenate(([0], np.cumsum(c * x * x)))
    n = len(u)
    best = np.full((k + 1, n + 1), np.inf)
    best[0, 0] = 0
    start = np.zeros((k + 1, n + 1), dtype=int)
    for j in range(1, k + 1):
        for e in range(j, n + 1):
            s = np.arange(j - 1, e)
            t = s1[e] - s1[s]
            cand = best[j - 1, s] + (s2[e] - s2[s]) - t * t / (w[e] - w[s])
            i = int(np.argmin(cand))
            best[j, e], start[j, e] = cand[i], s[i]
    bins, e = [], n
    for j in range(k, 0, -1):
        bins.append(u[e - 1])
        e = start[j, e]
    return np.array(bins[::-1])


# ------------------------------------------------------------------ real data: quantile, equal, jenks
@pytest.mark.parametrize("method", ["quantile", "equal", "jenks"])
@pytest.mark.parametrize("name", [c for c in RANK_COLUMNS + INDICATOR_COLUMNS if c != CONSTANT])
def test_real_data_matches_mapclassify(name, method):
    series = column(name)
    y = series.dropna().to_numpy(float)
    distinct = np.unique(y)
    for k in range(3, 8):
        if (name, method, k) in DEVIATIONS:
            continue  # checked with the reason in its own test
        ours = classify(series, method, k)
        ref, _ = reference(method, y, k=k)
        if len(distinct) < k:
            # fewer distinct values than classes: one class per distinct value. mapclassify refuses (jenks),
            # leaves empty classes (equal) or interpolated breaks that merge values or leave empty classes
            # (quantile)
            np.testing.assert_array_equal(ours.bins, distinct)
            np.testing.assert_array_equal(ours.classes[series.notna()], np.searchsorted(distinct, y))
            assert min(ours.counts) > 0
            assert (ref is None) == (method == "jenks")
            assert ref is None or 0 in ref.counts or len(ref.bins) < len(distinct) or np.array_equal(
                groups(ref.yb), ours.classes[series.notna()])
            continue
        assert ref is not None
        assert_matches(ours, ref, series)


def test_real_data_has_blanks_and_ties():
    """Guards the premise of the real-data tests: blanks and repeated values are present."""
    assert INDICATORS["income_deprivation_affecting_children_index_idaci_numerator"].isna().sum() == 33
    assert INDICATORS["income_domain_numerator"].nunique() < 150
    assert INDICATORS[CONSTANT].nunique() == 1 and INDICATORS[CONSTANT].notna().all()
    assert RANKS[IMD_RANK].is_unique


@pytest.mark.parametrize("name", [c for c in RANK_COLUMNS + INDICATOR_COLUMNS if c != CONSTANT])
def test_real_data_stddev_matches_mapclassify(name):
    series = column(name)
    ref, _ = reference("stddev", series.dropna().to_numpy(float))
    assert_matches(classify(series, "stddev", k=99), ref, series)  # k is ignored


@pytest.mark.parametrize("name, breaks", [
    (IMD_RANK, [3284.4 * d for d in range(1, 10)]),  # national decile boundaries; the max is appended
    (IMD_RANK, [5000, 10000, 40000]),  # last break above the max: nothing appended
    ("income_domain_numerator", [100, 200, 400]),
    ("income_deprivation_affecting_children_index_idaci_numerator", [20, 50, 80]),  # has blanks
    ("housing_affordability_indicator", [-1.5, 0, 1.5]),  # negative values
    ("years_of_potential_life_lost_indicator", [0, 10, 50, 100]),  # first break below the minimum: empty class
])
def test_real_data_manual_matches_mapclassify(name, breaks):
    series = column(name)
    ref, _ = reference("manual", series.dropna().to_numpy(float), breaks=breaks)
    assert_matches(classify(series, "manual", breaks=breaks), ref, series)


# ------------------------------------------------------------------ real data: where we differ, and why
def test_jenks_deviation_is_mapclassify_float32_missing_the_optimum():
    """mapclassify accumulates sums of squares in float32; on this column (k=3) that picks a split whose exact
    SSE is larger. Ours equals the exhaustive exact optimum."""
    name = "entry_to_higher_education_indicator"
    y = INDICATORS[name].to_numpy(float)
    ours = classify(y, "jenks", 3)
    ref, _ = reference("jenks", y, k=3)
    assert not np.array_equal(ours.bins, ref.bins)
    assert exact_sse(y, ours.bins) < exact_sse(y, ref.bins)
    best, argbest = exhaustive_jenks3(y)
    assert exact_sse(y, ours.bins) == best
    assert tuple(ours.bins) in argbest


@pytest.mark.parametrize("name", ["entry_to_higher_education_indicator", "income_domain_numerator",
                                  "nitrogen_dioxide_component_of_air_quality_indicator",
                                  "housing_affordability_indicator",
                                  "income_deprivation_affecting_children_index_idaci_numerator"])
def test_jenks_is_the_exact_optimum_on_real_data(name):
    """Independent of mapclassify: every 3-class split of the distinct values, scored in exact fractions."""
    y = INDICATORS[name].dropna().to_numpy(float)
    best, argbest = exhaustive_jenks3(y)
    ours = classify(y, "jenks", 3)
    assert exact_sse(y, ours.bins) == best
    assert tuple(ours.bins) in argbest


def test_quantile_drops_the_empty_class_mapclassify_interpolates():
    """With 5 classes the 20% and 40% quantiles of this column are both 0.04, computed 1 ulp apart, so
    mapclassify keeps a class (0.04, 0.04000000000000001] that no area can fall in. We drop it: same groups."""
    name = "sulphur_dioxide_component_of_air_quality_indicator"
    y = INDICATORS[name].to_numpy(float)
    ref, _ = reference("quantile", y, k=5)
    assert 0 in np.asarray(ref.counts)
    ours = classify(y, "quantile", 5)
    assert min(ours.counts) > 0
    np.testing.assert_array_equal(ours.bins, np.asarray(ref.bins)[np.asarray(ref.counts) > 0])
    np.testing.assert_array_equal(ours.classes, groups(ref.yb))


def test_constant_real_column_is_one_class():
    """Homelessness is a district-wide rate: one value. mapclassify refuses (equal, jenks), warns and keeps an
    empty class between 1.394 and the next float (quantile) or makes 4 classes from a rounding-error SD
    (stddev). We give one class holding every area."""
    series = INDICATORS[CONSTANT]
    y = series.to_numpy(float)
    assert reference("equal", y, k=5)[0] is None and reference("jenks", y, k=5)[0] is None
    quantile, messages = reference("quantile", y, k=5)
    assert any("Not enough unique values" in m for m in messages)
    assert quantile.counts.tolist() == [200, 0]
    stddev, _ = reference("stddev", y)
    assert len(stddev.bins) == 4
    for method in ("quantile", "equal", "jenks", "stddev"):
        ours = classify(series, method, 5)
        assert (ours.k, ours.counts, ours.no_data) == (1, [200], 0)
        np.testing.assert_array_equal(ours.bins, [1.394])
        assert (ours.classes == 0).all()
        assert ours.labels == ["1.394"]
    np.testing.assert_array_equal(classify(series, "quantile", 5).bins, quantile.bins[:1])


# ------------------------------------------------------------------ adversarial arrays
RNG = np.random.default_rng(20191)
TIES = RNG.permutation(np.repeat([1.0, 2, 3, 5, 8, 13, 21], [50, 3, 40, 1, 7, 30, 2]))
NEGATIVE = np.round(RNG.normal(-50, 20, 300), 1)
OUTLIER = RNG.permutation(np.append(np.arange(1.0, 100.0), 1e9))
WITH_NAN = np.where(RNG.random(150) < 0.2, np.nan, np.round(RNG.lognormal(2, 1, 150), 2))


@pytest.mark.parametrize("data", [TIES, NEGATIVE, OUTLIER, WITH_NAN], ids=["ties", "negative", "outlier", "nan"])
@pytest.mark.parametrize("method", ["quantile", "equal", "jenks", "stddev"])
def test_adversarial_matches_mapclassify(data, method):
    series = pd.Series(data)
    y = series.dropna().to_numpy(float)
    for k in (3, 4, 5, 6) if method != "stddev" else (5,):
        ref, _ = reference(method, y, k=k)
        assert_matches(classify(data, method, k), ref, series)


def test_outlier_gets_its_own_jenks_class():
    """Hand check: a single huge value is a class of its own; the rest split as 1..99 would alone."""
    ours = classify(OUTLIER, "jenks", 3)
    np.testing.assert_array_equal(ours.bins, [49, 99, 1e9])  # 1..99 in two: sizes 49/50, larger last
    assert ours.counts == [49, 50, 1]
    eq = classify(OUTLIER, "equal", 5)
    assert eq.counts == [99, 0, 0, 0, 1]  # equal widths keep their empty classes, as mapclassify
    assert eq.labels[-1] == "over 800,000,000"


def test_suppressed_values_are_no_data():
    y = np.round(RNG.lognormal(2, 1, 120), 1)
    mask = RNG.random(120) < 0.15
    y[:5] = np.nan
    ours = classify(y, "quantile", 4, suppressed=mask)
    keep = ~np.isnan(y) & ~mask
    ref, _ = reference("quantile", y[keep], k=4)
    np.testing.assert_allclose(ours.bins, ref.bins, rtol=1e-12)
    np.testing.assert_array_equal(ours.classes[keep], ref.yb)
    assert (ours.classes[~keep] == -1).all()
    assert ours.no_data == int((~keep).sum()) and sum(ours.counts) == int(keep.sum())
    # pandas nullable input: pd.NA is missing too
    nullable = pd.Series([1.5, None, 2.5, 7.0, 3.0], dtype="Float64")
    assert classify(nullable, "quantile", 2).classes.tolist() == [0, -1, 0, 1, 1]


@pytest.mark.parametrize("method", ["quantile", "equal", "jenks", "stddev"])
def test_constant_array(method):
    ours = classify([4.2] * 12 + [np.nan], method, 5)
    assert (ours.k, ours.counts, ours.no_data, ours.lower) == (1, [12], 1, 4.2)
    np.testing.assert_array_equal(ours.bins, [4.2])
    assert ours.intervals() == [(4.2, 4.2)]
    assert ours.classes.tolist() == [0] * 12 + [-1]


def test_two_distinct_values():
    """0 x8, 1 x2 with 5 classes: mapclassify's Quantiles warns and leaves an empty class (0, 0.2];
    EqualInterval leaves three empty classes; FisherJenks refuses. We make two classes, 0 and 1."""
    y = np.array([0.0] * 8 + [1.0] * 2)
    q, messages = reference("quantile", y, k=5)
    np.testing.assert_allclose(q.bins, [0, 0.2, 1])
    assert q.counts.tolist() == [8, 0, 2] and messages
    assert reference("equal", y, k=5)[0].counts.tolist() == [8, 0, 0, 0, 2]
    assert reference("jenks", y, k=5)[0] is None
    for method in ("quantile", "equal", "jenks"):
        ours = classify(y, method, 5)
        np.testing.assert_array_equal(ours.bins, [0, 1])
        assert ours.counts == [8, 2] and ours.classes.tolist() == [0] * 8 + [1] * 2
        assert ours.labels == ["0", "1"]
    # stddev: mean 0.2, sample SD 0.4216...; the +2 SD bound (1.043) is above the max, so nothing appended
    sd = classify(y, "stddev")
    np.testing.assert_allclose(sd.bins, 0.2 + np.std(y, ddof=1) * np.array([-2, -1, 1, 2]), rtol=1e-12)
    assert sd.counts == [0, 0, 8, 2]


def test_more_classes_than_distinct_values():
    y = [1, 2, 2, 3, 3, 3, 3, 7]
    for method in ("quantile", "equal", "jenks"):
        ours = classify(y, method, 6)
        np.testing.assert_array_equal(ours.bins, [1, 2, 3, 7])
        assert ours.counts == [1, 2, 4, 1] and ours.k == 4
    # with exactly k distinct values we follow mapclassify again (quantile bins need not be the values)
    ref, _ = reference("quantile", np.array([1.0, 2, 3, 4, 5]), k=5)
    assert_matches(classify([1, 2, 3, 4, 5], "quantile", 5), ref, pd.Series([1.0, 2, 3, 4, 5]))
    np.testing.assert_array_equal(classify([1, 2, 3, 4, 5], "jenks", 5).bins, [1, 2, 3, 4, 5])


def test_jenks_exact_ties_go_to_the_larger_last_class():
    """1..5 in two classes: {1,2}{3,4,5} and {1,2,3}{4,5} both have SSE 2.5 (hand computed). mapclassify's
    `>=` keeps the larger last class; so do we. Same for 1..32,844 in k classes: every split into sizes
    differing by at most one is optimal (SSE of m evenly spaced values is (m^3 - m)/12)."""
    assert reference("jenks", np.arange(1.0, 6.0), k=2)[0].bins.tolist() == [2, 5]
    assert classify(np.arange(1, 6), "jenks", 2).bins.tolist() == [2, 5]
    # 1..7 in three: sizes (2,2,3), (2,3,2), (3,2,2) all have SSE 0.5 + 0.5 + 2 = 3
    assert reference("jenks", np.arange(1.0, 8.0), k=3)[0].counts.tolist() == [2, 2, 3]
    assert classify(np.arange(1, 8), "jenks", 3).counts == [2, 2, 3]
    n = N_LSOA_ENGLAND
    for k in (5, 7, 10):
        counts = classify(np.arange(1, n + 1), "jenks", k).counts
        assert set(counts) <= {n // k, -(-n // k)} and sum(counts) == n
        assert counts == sorted(counts)  # ties resolved towards larger later classes


def test_jenks_decimal_ties_are_not_decided_by_rounding_noise():
    """Tenths are inexact in binary, so the two tied splits of 0.1..0.5 (both SSE 0.025) come out of float
    arithmetic a few ulps apart; they still count as tied and the larger last class wins, as in mapclassify."""
    tenths = np.arange(1, 6) / 10
    assert reference("jenks", tenths, k=2)[0].bins.tolist() == [0.2, 0.5]
    assert classify(tenths, "jenks", 2).bins.tolist() == [0.2, 0.5]
    shifted = np.arange(1, 8) / 10 + 3
    assert reference("jenks", shifted, k=2)[0].bins.tolist() == [3.3, 3.7]
    assert classify(shifted, "jenks", 2).bins.tolist() == [3.3, 3.7]
    counts = classify(np.arange(1, N_LSOA_ENGLAND + 1) / 100, "jenks", 5).counts
    assert counts == sorted(counts)


# ------------------------------------------------------------------ jenks at size
def test_jenks_2000_random_values_matches_mapclassify():
    """~3 s in mapclassify's pure-Python (no numba) FisherJenks."""
    y = np.random.default_rng(42).lognormal(3, 0.7, 2000)
    ref, _ = reference("jenks", y, k=5)
    assert_matches(classify(y, "jenks", 5), ref, pd.Series(y))


@pytest.mark.parametrize("k", [5, 7, 10])
def test_jenks_matches_brute_force_dynamic_programme(k):
    y = np.round(np.random.default_rng(k).gamma(2.0, 30.0, 3000), 2)  # ~2,700 distinct values with ties
    np.testing.assert_array_equal(classify(y, "jenks", k).bins, brute_force_jenks(y, k))


def test_jenks_timing_32844_unique_values(capsys):
    """A timing note, not an assertion on time: 32,844 distinct values (the number of LSOAs in England).
    The breaks are checked for local optimality: moving any boundary value across never lowers the SSE."""
    y = np.random.default_rng(32844).permutation(np.random.default_rng(1).lognormal(3, 1, N_LSOA_ENGLAND))
    assert len(np.unique(y)) == N_LSOA_ENGLAND
    times = {}
    for k in range(5, 11):
        start = time.perf_counter()
        ours = classify(y, "jenks", k)
        times[k] = time.perf_counter() - start
        s = np.sort(y)
        ends = np.searchsorted(s, ours.bins, side="right")
        bounds = np.concatenate(([0], ends))

        def total(b, s=s):
            return sum(((s[a:z] - s[a:z].mean()) ** 2).sum() for a, z in zip(b[:-1], b[1:]))

        base = total(bounds)
        for i in range(1, k):
            for shift in (-1, 1):
                moved = bounds.copy()
                moved[i] += shift
                if (np.diff(moved) == 0).any():
                    continue  # would empty a class
                assert total(moved) >= base * (1 - 1e-12)
    with capsys.disabled():
        print("\njenks on 32,844 distinct values: "
              + ", ".join(f"k={k} {t:.3f}s" for k, t in times.items()))


# ------------------------------------------------------------------ deciles
def test_decile_1_to_1000_both_directions():
    y = np.arange(1, 1001)
    bad_high = classify(y, "decile")
    assert bad_high.k == 10 and bad_high.counts == [100] * 10
    np.testing.assert_array_equal(bad_high.bins, np.arange(100, 1001, 100))  # ascending, upper values
    assert (y[bad_high.classes == 0] == np.arange(901, 1001)).all()  # decile 1: the highest 10%
    assert (y[bad_high.classes == 9] == np.arange(1, 101)).all()
    assert bad_high.descending and bad_high.intervals()[0] == (900, 1000)
    assert bad_high.labels[0] == "Decile 1 (most in need): over 900"
    assert bad_high.labels[9] == "Decile 10 (least in need): up to 100"
    bad_low = classify(y, "decile", high_is_bad=False)
    assert bad_low.counts == [100] * 10 and not bad_low.descending
    assert (y[bad_low.classes == 0] == np.arange(1, 101)).all()
    assert bad_low.intervals()[0] == (1, 100) and bad_low.labels[0] == "Decile 1 (most in need): up to 100"
    np.testing.assert_array_equal(bad_low.classes, (y - 1) // 100)


def test_decile_wigan_imd_ranks():
    """200 LSOAs: 20 per decile; rank 1 = most deprived so high_is_bad=False puts the 20 lowest ranks first."""
    ranks = RANKS[IMD_RANK].to_numpy()
    low = classify(ranks, "decile", high_is_bad=False)
    assert low.counts == [20] * 10
    order = np.argsort(ranks)
    for d in range(10):
        assert set(np.flatnonzero(low.classes == d)) == set(order[20 * d:20 * d + 20])
    high = classify(ranks, "decile", high_is_bad=True)
    assert high.counts == [20] * 10
    assert set(np.flatnonzero(high.classes == 0)) == set(order[-20:])


@pytest.mark.parametrize("name", RANK_COLUMNS)
def test_decile_rule_reproduces_national_imd_deciles(name):
    """Deciles of all 32,844 national ranks, read at Wigan's ranks, give the published deciles in the file."""
    national = classify(np.arange(1, N_LSOA_ENGLAND + 1), "decile", high_is_bad=False)
    ranks = RANKS[name].to_numpy()
    published = RANKS[name.replace("Rank (where 1 is most deprived)",
                                   "Decile (where 1 is most deprived 10% of LSOAs)")].to_numpy()
    np.testing.assert_array_equal(national.classes[ranks - 1] + 1, published)


def test_decile_england_like_against_qcut():
    """32,844 IMD-like scores. Without ties the counts are those of pandas.qcut(x, 10) within one area
    (qcut cuts at position (n-1)d/10, we at nd/10). With ties (scores to 2 dp), areas placed differently from
    qcut are only those tied with a value at a boundary position."""
    rng = np.random.default_rng(2019)
    n = N_LSOA_ENGLAND
    x = rng.lognormal(2.8, 0.6, n)
    ours = classify(x, "decile", high_is_bad=True)  # high score = more deprived
    qcut = np.bincount(pd.qcut(-x, 10, labels=False), minlength=10)
    assert np.abs(np.array(ours.counts) - qcut).max() <= 1
    ideal = np.diff([n * d // 10 for d in range(11)])
    assert ours.counts == ideal.tolist()

    tied = np.round(x, 2)
    ours = classify(tied, "decile", high_is_bad=False)
    theirs = pd.qcut(tied, 10, labels=False)
    s = np.sort(tied)
    near_boundary = {s[p] for d in range(1, 10) for p in range(n * d // 10 - 2, n * d // 10 + 2)}
    differ = tied[ours.classes != theirs]
    assert len(differ) < 100 and set(differ) <= near_boundary
    assert max(ours.counts) - min(ours.counts) < 40  # near equal; ties keep equal values together


def test_decile_ties_share_the_more_in_need_decile():
    """Hand computed: 10 areas, three 1s and seven 0s, high is bad. The 1s rank 1 (decile 1); the 0s all share
    rank 4 ("1224" ranking) -> decile ceil(10*4/10) = 4. Deciles 2, 3, 5-10 are empty and dropped."""
    y = [0, 1, 0, 0, 1, 0, 0, 1, 0, 0]
    ours = classify(y, "decile")
    assert ours.k == 2 and ours.counts == [3, 7]
    assert ours.classes.tolist() == [1, 0, 1, 1, 0, 1, 1, 0, 1, 1]
    assert ours.labels == ["Decile 1 (most in need): over 0", "Decile 4: up to 0"]
    np.testing.assert_array_equal(ours.bins, [0, 1])
    low = classify(y, "decile", high_is_bad=False)  # the 0s are most in need: rank 1; the 1s rank 8 -> decile 8
    assert low.counts == [7, 3] and low.labels[1].startswith("Decile 8")
    const = classify([3.0] * 15, "decile")
    assert (const.k, const.counts) == (1, [15])


def test_decile_missing_and_too_few():
    y = np.append(np.arange(1.0, 21.0), [np.nan, np.nan])
    ours = classify(y, "decile", high_is_bad=False)
    assert ours.counts == [2] * 10 and ours.no_data == 2 and ours.classes[-2:].tolist() == [-1, -1]
    with pytest.raises(ClassificationError, match="at least 10 areas"):
        classify([1, 2, 3, np.nan], "decile")


# ------------------------------------------------------------------ labels and intervals
def test_labels_and_intervals():
    ours = classify(np.arange(1, 11), "equal", 2)  # mapclassify: bins [5.5, 10]
    assert ours.labels == ["up to 5.5", "over 5.5"]
    assert ours.intervals() == [(1.0, 5.5), (5.5, 10.0)]
    assert classify(np.arange(1, 11), "equal", 2, fmt="{:.2f}").labels == ["up to 5.50", "over 5.50"]
    assert classify(np.arange(1, 11), "equal", 2, fmt=lambda v: f"{v:g}%").labels == ["up to 5.5%", "over 5.5%"]
    three = classify([1000, 2000, 3000, 4000, 5000, 6000], "manual", breaks=[2500, 4500])
    assert three.labels == ["up to 2,500", "2,500 to 4,500", "over 4,500"]
    sd = classify([-5.5, -3, -1, 0, 2, 8], "stddev")  # first class is empty, below the minimum
    lo, hi = sd.intervals()[0]
    assert lo == hi == sd.bins[0] < sd.lower
    assert [b for _, b in sd.intervals()] == sd.bins.tolist()


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("kwargs, says", [
    ({"method": "natural"}, "Choose one of: 'quantile'"),
    ({"method": "quantile", "k": 1}, "at least 2 classes"),
    ({"method": "jenks", "k": 2.5}, "whole number"),
    ({"method": "manual"}, "needs the class breaks"),
    ({"method": "manual", "breaks": [30, 20]}, "go up from lowest to highest; 20 comes after 30"),
    ({"method": "manual", "breaks": [10, 20, 20]}, "repeat a value (20)"),
    ({"method": "manual", "breaks": []}, "empty"),
    ({"method": "quantile", "breaks": [10]}, "only be given with the 'manual' method"),
    ({"method": "equal", "fmt": "{:q}"}, "label format"),
    ({"method": "equal", "suppressed": [True, False]}, "do not line up"),
])
def test_errors_are_plain_words(kwargs, says):
    with pytest.raises(ClassificationError) as err:
        classify(np.arange(1.0, 13.0), **kwargs)
    assert says in str(err.value)
    assert isinstance(err.value, LisError)


def test_errors_on_values():
    with pytest.raises(ClassificationError, match="all 3 values are missing or suppressed"):
        classify([np.nan, np.nan, np.nan], "jenks")
    with pytest.raises(ClassificationError, match="all 2 values are missing or suppressed"):
        classify([1.0, 2.0], "quantile", suppressed=[True, True])
    with pytest.raises(ClassificationError, match="must all be numbers"):
        classify(["12", "n/a"], "equal")
    with pytest.raises(ClassificationError, match="infinite"):
        classify([1.0, np.inf, 3.0], "equal")
    for method in METHODS:  # k is ignored where it has no meaning
        if method != "manual":
            classify(np.arange(1.0, 13.0), method, k=5 if method in ("quantile", "equal", "jenks") else 1)
    classify(np.arange(1.0, 13.0), "manual", k=0, breaks=[5])

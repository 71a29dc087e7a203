"""Emerging hot spots: the Mann-Kendall test against pymannkendall.original_test (an independent implementation) on
random and tied series; Esri's categories on hand-made series (each of the eight hot patterns, their cold mirror,
no pattern, the 90% boundary and the precedence where two patterns fit), with the trend from pymannkendall; Gi*
per period against esda.G_Local (star, binary weights) on the Wigan sample store's monthly claimant rate."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from lis_workbench.core.clusters import Analysis
from lis_workbench.core.emerging import CATEGORIES, NO_PATTERN, PATTERNS, classify, run_emerging
from lis_workbench.core.emerging_study import EmergingStudy, emerging_style, run_emerging_study
from lis_workbench.core.errors import LisError
from lis_workbench.core.mann_kendall import mann_kendall

pmk = pytest.importorskip("pymannkendall")
esda = pytest.importorskip("esda")
libpysal = pytest.importorskip("libpysal")

N = 20  # periods in the hand-made series
HOT, COLD = 3.0, -3.0


# ------------------------------------------------------------------ Mann-Kendall
@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("length", [5, 12, 34, 60])
def test_mann_kendall_equals_pymannkendall_on_random_series(seed, length):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=length) + rng.choice([-0.1, 0.0, 0.1]) * np.arange(length)
    ours, ref = mann_kendall(x), pmk.original_test(x)
    assert ours.s == ref.s
    assert ours.var_s == pytest.approx(ref.var_s, rel=1e-12)
    assert ours.z == pytest.approx(ref.z, rel=1e-12, abs=1e-15)
    assert ours.p == pytest.approx(ref.p, rel=1e-9, abs=1e-15)
    assert ours.tau == pytest.approx(ref.Tau, rel=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_mann_kendall_ties_correction_equals_pymannkendall(seed):
    """Rounded values: many groups of ties, so Var(S) differs from the untied n(n-1)(2n+5)/18."""
    rng = np.random.default_rng(100 + seed)
    x = np.round(rng.normal(size=34) + 0.05 * np.arange(34), 0)
    ours, ref = mann_kendall(x), pmk.original_test(x)
    n = len(x)
    assert ours.var_s < n * (n - 1) * (2 * n + 5) / 18  # the correction did something
    assert (ours.s, ours.var_s) == (ref.s, pytest.approx(ref.var_s, rel=1e-12))
    assert (ours.z, ours.p) == (pytest.approx(ref.z, rel=1e-12), pytest.approx(ref.p, rel=1e-9))


def test_mann_kendall_leaves_out_missing_values_and_handles_constant_series():
    x = np.array([1.0, np.nan, 2.0, 4.0, np.nan, 3.0, 5.0])
    ref = pmk.original_test(x[np.isfinite(x)])
    assert mann_kendall(x).z == pytest.approx(ref.z) and mann_kendall(x).n == 5
    flat = mann_kendall([2.0] * 10)
    assert (flat.z, flat.p) == (0.0, 1.0)
    assert np.isnan(mann_kendall([1.0, 2.0]).z)


# ------------------------------------------------------------------ categories
def category(z, significant=None) -> str:
    """The category of a hand-made series, its trend from pymannkendall; significant: |z| >= 1.645 unless given."""
    z = np.asarray(z, dtype=float)
    sig = np.abs(z) >= 1.645 if significant is None else np.asarray(significant)
    ref = pmk.original_test(z)
    return classify(z, sig, ref.z, ref.p)


def wobble(level: float) -> list[float]:
    """A level with no trend: alternately a little above and below."""
    return [level + (0.1 if t % 2 else -0.1) for t in range(N)]


HOT_SERIES = {
    "new": [0.0] * (N - 1) + [HOT],
    "consecutive": [0.5] * (N - 4) + [HOT] * 4,
    "intensifying": list(np.linspace(2.0, 6.0, N)),
    "persistent": wobble(HOT),
    "diminishing": list(np.linspace(6.0, 2.0, N)),
    "sporadic": [HOT if t % 3 == 0 else 0.2 for t in range(N - 1)] + [HOT],
    "oscillating": [COLD, COLD] + [0.0] * (N - 4) + [HOT, HOT],
    "historical": [HOT] * (N - 1) + [0.3],
}


@pytest.mark.parametrize("pattern", PATTERNS)
def test_each_hot_pattern_on_a_hand_made_series(pattern):
    assert category(HOT_SERIES[pattern]) == f"{pattern} hot spot"


@pytest.mark.parametrize("pattern", PATTERNS)
def test_each_cold_pattern_is_the_mirror(pattern):
    """Negated z-scores: cold spots, the trend's sign reversed (intensifying cold = z falling further)."""
    assert category(-np.asarray(HOT_SERIES[pattern])) == f"{pattern} cold spot"


def test_trend_words_follow_pymannkendall():
    assert pmk.original_test(HOT_SERIES["intensifying"]).trend == "increasing"
    assert pmk.original_test(HOT_SERIES["diminishing"]).trend == "decreasing"
    assert pmk.original_test(HOT_SERIES["persistent"]).trend == "no trend"


@pytest.mark.parametrize("z", [[0.0] * N, [HOT] * 5 + [0.0] * (N - 5), [HOT] * 17 + [0.0] * 3,
                               [0.5 * t / N for t in range(N)], [COLD] * 3 + [0.0] * (N - 3)])
def test_no_pattern(z):
    """Nothing significant; or spots in the past that are neither recent nor 90% of the periods."""
    assert category(z) == NO_PATTERN


def test_ninety_percent_boundary():
    """18 of 20 periods hot (90%) with the last: persistent; 17 of 20 (85%) with an earlier gap: sporadic."""
    at = [HOT] * 2 + [0.0] * 2 + wobble(HOT)[4:]
    assert category(at) == "persistent hot spot"
    below = [0.0] * 3 + wobble(HOT)[3:]  # one unbroken run of 17 to the end: consecutive, under 90%
    assert category(below) == "consecutive hot spot"
    gap = [HOT] * 9 + [0.0] * 3 + [HOT] * 8
    assert category(gap) == "sporadic hot spot"


def test_significance_not_sign_decides():
    """A large z that the correction left insignificant is not a spot."""
    z = [HOT] * N
    assert category(z, [False] * N) == NO_PATTERN
    assert category(z, [False] * (N - 1) + [True]) == "new hot spot"


def test_precedence_where_two_patterns_fit():
    """An earlier cold spot makes a final hot spot oscillating, not new; a final spot decides before history."""
    assert category([COLD] + [0.0] * (N - 2) + [HOT]) == "oscillating hot spot"
    assert category([HOT] * (N - 1) + [COLD]) == "oscillating cold spot"


def test_categories_and_legend():
    assert len(CATEGORIES) == 17 and CATEGORIES[-1] == NO_PATTERN
    legend = emerging_style("high_is_bad")
    assert [c.value for c in legend[:8]] == [f"{p} hot spot" for p in PATTERNS]  # need side first, warm
    assert all("(greater need)" in " ".join(c.label.split()) for c in legend[:8])
    flipped = emerging_style("high_is_good")
    assert [c.value for c in flipped[:8]] == [f"{p} cold spot" for p in PATTERNS]
    assert flipped[0].colour == legend[0].colour  # the need side keeps the warm colours
    only = emerging_style(None, {"new hot spot"})
    assert [c.value for c in only] == ["new hot spot", NO_PATTERN, None]


# ------------------------------------------------------------------ Gi* per period, on the store
def pysal_w(w):
    """Our neighbours as a binary libpysal W."""
    m = w.matrix.tocsr()
    neighbours = {w.ids[i]: sorted(w.ids[j] for j in m.indices[m.indptr[i]:m.indptr[i + 1]] if j != i)
                  for i in range(w.n)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return libpysal.weights.W(neighbours, id_order=list(w.ids), silence_warnings=True)


def test_gi_star_per_period_equals_esda(sample_store_path):
    from lis_workbench.core.clusters import build_weights
    from lis_workbench.core.store import Store

    with Store.open(sample_store_path) as store:
        entry = store.indicator("claimant_rate")
        assert entry["geography"] == "ward22" and len(entry["periods"]) == 34
        done = run_emerging_study(store, EmergingStudy("claimant_rate"))
        shapes = store.get_values("claimant_rate", "2015-01", with_geometry=True, all_areas=True)
        w, _ = build_weights(list(shapes["area_code"]), list(shapes["geometry"]), done_spec())
        table = done.table.set_index("area_code").loc[shapes["area_code"]]
        for period in ("2015-01", "2017-10"):
            y = store.get_values("claimant_rate", period, all_areas=True).set_index("area_code")
            y = y.loc[shapes["area_code"], "value"].to_numpy(float)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ref = esda.G_Local(y, pysal_w(w), transform="B", star=True, permutations=0)
            np.testing.assert_allclose(table[f"z_{period}"].to_numpy(float), ref.Zs, rtol=1e-9, atol=1e-12)
    assert len(done.result.periods) == 34
    assert list(done.csv_table().columns[:5]) == ["area_code", "area_name", "category", "mk_z", "mk_p"]
    z = done.table.filter(like="z_").to_numpy(float)
    for i in range(len(done.table)):
        ref = pmk.original_test(z[i])
        assert done.table["mk_z"].iloc[i] == pytest.approx(ref.z, rel=1e-9, abs=1e-12)


def done_spec() -> Analysis:
    return EmergingStudy("x").analysis


def test_window_and_errors(sample_store_path):
    from lis_workbench.core.store import Store

    with Store.open(sample_store_path) as store:
        part = run_emerging_study(store, EmergingStudy("claimant_rate", "2016-01", "2016-12"))
        assert part.result.periods[0] == "2016-01" and len(part.result.periods) == 12
        with pytest.raises(LisError, match="no such period"):
            run_emerging_study(store, EmergingStudy("claimant_rate", "2014-01"))
        with pytest.raises(LisError, match="must come before"):
            run_emerging_study(store, EmergingStudy("claimant_rate", "2016-05", "2016-01"))
        with pytest.raises(LisError, match="has 1 period"):
            run_emerging_study(store, EmergingStudy("imd2019_imd_rank"))


def test_cancel_in_the_period_loop(sample_store_path):
    from lis_workbench.core.store import Store

    calls = []

    def progress(fraction, message):
        calls.append(message)

    with Store.open(sample_store_path) as store, pytest.raises(LisError):
        run_emerging_study(store, EmergingStudy("claimant_rate"), progress,
                           cancelled=lambda: any(m.startswith("Gi* for 2015-03") for m in calls))
    assert not any(m.startswith("Gi* for 2015-04") for m in calls)


def test_too_few_periods():
    with pytest.raises(LisError, match="at least 3 periods"):
        run_emerging(["a", "b", "c"], np.ones((3, 2)), ["1", "2"], [b""] * 3)

"""hotspot.py against esda 2.9 / libpysal 4.14 (independent implementations) on the Wigan LSOA 2011 sample and
on synthetic lattices: global Moran's I, local Moran (LISA), Getis-Ord Gi*, permutation p-values, Bonferroni and
Benjamini-Hochberg control (esda.fdr and a step-up written out here), labels, and the awkward inputs (islands,
constant values, missing or suppressed values, too few areas).

Permutation p-values: esda draws its conditional permutations with esda.crand.vec_permutations(max_card, n,
permutations, seed); ours take the same draws through `permuted=`, so p_sim must agree exactly, except where a
simulated statistic ties the observed one in exact arithmetic (integer ranks make this happen) and the two
codes round differently: there the count moves by the number of tied draws, which the test checks from esda's
own simulated values. esda stores local p_sim as float32, hence the 1e-6 when comparing.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import stats

from lis_workbench.core import hotspot as hs
from lis_workbench.core.contiguity import contiguity
from lis_workbench.core.errors import LisError
from lis_workbench.core.ingest import parse_numbers
from lis_workbench.core.weights import Weights, distance_band, handle_islands, knn, representative_points

libpysal = pytest.importorskip("libpysal")
esda = pytest.importorskip("esda")
gpd = pytest.importorskip("geopandas")
from esda.crand import vec_permutations  # noqa: E402

pytestmark = [pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning"),  # libpysal's DistanceBand
              pytest.mark.filterwarnings("ignore:The weights matrix is not fully connected:UserWarning")]

IMD_RANK = "imd2019_imd_rank"
WITH_GAPS = "iod2019_idaci_numerator"  # 33 of the 200 Wigan LSOAs have no value in the sample
EXACT = dict(rtol=1e-9, atol=1e-12)  # numpy.testing
APPROX = dict(rel=1e-9, abs=1e-12)  # the same for pytest.approx


# ------------------------------------------------------------------ helpers
def pysal_w(neighbours: dict[str, set[str]], ids: list[str]):
    """A binary libpysal W from neighbour sets (sorted, as libpysal's own builders give them)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return libpysal.weights.W({i: sorted(neighbours[i]) for i in ids}, id_order=ids, silence_warnings=True)


def max_card(w: Weights) -> int:
    return int(w.cardinalities.max())


def esda_g_local(y, w, transform: str, **kwargs):
    with warnings.catch_warnings():  # "Gi* requested ... assuming the self-weight is the row maximum": it is 1
        warnings.simplefilter("ignore", UserWarning)
        return esda.G_Local(y, w, transform=transform, star=True, n_jobs=1, **kwargs)


def assert_same_p_sim(ours, ref, sims, observed, permutations: int, rare: bool = True) -> int:
    """Equal pseudo p-values from the same draws, but for exact-arithmetic ties (see the module docstring).
    `sims` are esda's simulated statistics (n, permutations); `rare`: the values are nearly all distinct, so
    ties must be rare. Returns the number of tie-affected areas."""
    ours, ref, sims, observed = (np.asarray(a, dtype=float) for a in (ours, ref, sims, observed))
    differ = np.abs(ours - ref) > 1e-6
    scale = np.maximum(np.abs(observed), 1e-12 * np.abs(observed).max())
    ties = (np.abs(sims - observed[:, None]) <= 1e-9 * scale[:, None]).sum(axis=1)
    assert (ties[differ] > 0).all(), f"p_sim differs without a tie at {np.flatnonzero(differ & (ties == 0))}"
    assert (np.abs(ours - ref)[differ] <= ties[differ] / (permutations + 1) + 1e-6).all()
    if rare:
        assert differ.sum() <= max(3, len(ours) // 25)
    return int(differ.sum())


def mc_tolerance(p_a, p_b, permutations: int, sds: float = 4.0):
    """Two independent pseudo p-values from R permutations each estimate the same p with variance about
    p(1-p)/R, so their difference has sd sqrt(2 p (1-p) / R), p estimated by their mean (either one alone can
    sit far in a tail). `sds` of those (4: a false alarm about once in 16,000 comparisons; 4.5 for 200 areas
    at once: about 1 in 700 for the lot) plus one step of the 1/(R+1) grid, for the discreteness of
    (count + 1) / (R + 1). Folded p-values are at most 0.5, where p(1-p) is largest anyway."""
    p = np.clip((np.asarray(p_a) + np.asarray(p_b)) / 2, 1 / (permutations + 1), 0.5)
    return sds * np.sqrt(2 * p * (1 - p) / permutations) + 1 / (permutations + 1)


def bh_reject(p, alpha: float) -> np.ndarray:
    """Benjamini-Hochberg step-up written out (as statsmodels' multipletests 'fdr_bh'): find the largest k with
    p_(k) <= k alpha / m and reject the k smallest p-values. NaN p-values are not tests."""
    p = np.asarray(p, dtype=float)
    out = np.zeros(p.size, dtype=bool)
    valid = np.flatnonzero(np.isfinite(p))
    m = valid.size
    order = valid[np.argsort(p[valid], kind="stable")]
    passing = [k for k in range(1, m + 1) if p[order[k - 1]] <= k * alpha / m]
    if passing:
        out[order[:max(passing)]] = True
    return out


def lattice(nrows: int, ncols: int, rook: bool) -> tuple[list[str], Weights]:
    ids = [str(k) for k in range(nrows * ncols)]
    boxes = [shapely.box(c, r, c + 1, r + 1).wkb for r in range(nrows) for c in range(ncols)]
    return ids, contiguity(ids, boxes, rook=rook)


def lat2w(nrows: int, ncols: int, rook: bool):
    lw = libpysal.weights.lat2W(nrows, ncols, rook=rook)
    return pysal_w({str(i): {str(j) for j in lw.neighbors[i]} for i in lw.id_order}, [str(i) for i in lw.id_order])


def smooth_field(nrows: int, ncols: int, seed: int, strength: float) -> np.ndarray:
    """Noise plus `strength` x a smooth surface: spatial pattern from none (0) to strong."""
    rng = np.random.default_rng(seed)
    r, c = np.divmod(np.arange(nrows * ncols), ncols)
    return 50 + rng.normal(size=r.size) + strength * np.sin(r / 3.0) * np.cos(c / 4.0)


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def wigan_case(wigan):
    """Wigan LSOA 2011: ids, WKB, IMD 2019 rank, our queen weights, and a GeoDataFrame for libpysal."""
    areas = wigan.areas("lsoa11")
    ids = list(areas["area_code"])
    wkbs = [bytes(g) for g in areas["geometry"]]
    values = wigan.get_values(IMD_RANK).set_index("area_code")["value"]
    y = values.loc[ids].to_numpy(float)
    frame = gpd.GeoDataFrame({"area_code": ids}, geometry=shapely.from_wkb(wkbs))
    return dict(ids=ids, wkbs=wkbs, y=y, w=contiguity(ids, wkbs), frame=frame)


def pysal_queen(case):
    """A fresh libpysal Queen (esda sets the transform in place, so never share one)."""
    return libpysal.weights.Queen.from_dataframe(case["frame"], ids=case["ids"], use_index=False)


# ------------------------------------------------------------------ global Moran's I
def assert_global_equal(ours, ref):
    for ours_name, ref_name in [("I", "I"), ("EI", "EI"), ("VI_norm", "VI_norm"), ("z_norm", "z_norm"),
                                ("p_norm", "p_norm"), ("VI_rand", "VI_rand"), ("z_rand", "z_rand"),
                                ("p_rand", "p_rand")]:
        assert getattr(ours, ours_name) == pytest.approx(getattr(ref, ref_name), **APPROX), ours_name


@pytest.mark.parametrize("transform", ["r", "b"])
def test_global_moran_equals_esda_on_wigan(wigan_case, transform):
    ours = hs.global_moran(wigan_case["y"], wigan_case["w"], transform=transform, permutations=0)
    ref = esda.Moran(wigan_case["y"], pysal_queen(wigan_case), transformation=transform, permutations=0)
    assert_global_equal(ours, ref)
    assert ours.I > 0.3 and ours.p_norm < 1e-10  # deprivation clusters: a real signal, not a null check
    assert ours.n == 200 and ours.p_sim is None


def test_global_moran_equals_esda_on_other_weights(wigan_case):
    ids, wkbs, y = wigan_case["ids"], wigan_case["wkbs"], wigan_case["y"]
    rook = contiguity(ids, wkbs, rook=True)
    ref = esda.Moran(y, pysal_w(rook.neighbours(), ids), transformation="r", permutations=0)
    assert_global_equal(hs.global_moran(y, rook, permutations=0), ref)
    pts = representative_points(wkbs)
    near = knn(ids, pts, 6)  # asymmetric weights: S1 and S2 are not the symmetric shortcuts
    ref = esda.Moran(y, libpysal.weights.KNN(pts, k=6, ids=ids), transformation="r", permutations=0)
    assert_global_equal(hs.global_moran(y, near, permutations=0), ref)
    inv = distance_band(ids, pts, 2000.0, inverse=True)  # 'b' keeps the inverse distances: esda's 'o'
    ref_w = libpysal.weights.DistanceBand(pts, 2000.0, binary=False, alpha=-1.0, ids=ids, silence_warnings=True)
    assert_global_equal(hs.global_moran(y, inv, transform="b", permutations=0),
                        esda.Moran(y, ref_w, transformation="o", permutations=0))


@pytest.mark.parametrize("rook", [True, False])
@pytest.mark.parametrize("strength", [0.0, 2.0])
def test_global_moran_equals_esda_on_lattices(rook, strength):
    ids, w = lattice(11, 13, rook)
    y = smooth_field(11, 13, seed=7, strength=strength)
    for transform in ("r", "b"):
        ref = esda.Moran(y, lat2w(11, 13, rook), transformation=transform, permutations=0)
        assert_global_equal(hs.global_moran(y, w, transform=transform, permutations=0), ref)


def test_global_moran_permutations_within_monte_carlo_error():
    """Our permutations (numpy Generator) and esda's (legacy np.random) are different draws, so the pseudo
    p-values agree only within Monte Carlo error: see mc_tolerance. The data sets span weak to strong pattern
    so that p is not always at the floor 1/1000, where any two runs agree trivially."""
    permutations = 999
    ids, w = lattice(15, 15, rook=True)
    ref_w = lat2w(15, 15, rook=True)
    state = np.random.get_state()
    p_seen = []
    try:
        for k, strength in enumerate([0.0, 0.0, 0.3, 0.6, 3.0]):
            y = smooth_field(15, 15, seed=20 + k, strength=strength)
            ours = hs.global_moran(y, w, permutations=permutations, seed=100 + k)
            np.random.seed(200 + k)
            ref = esda.Moran(y, ref_w, permutations=permutations)
            assert ours.permutations == permutations and ours.seed == 100 + k
            assert abs(ours.p_sim - ref.p_sim) <= mc_tolerance(ours.p_sim, ref.p_sim, permutations), k
            # the mean of R simulated I's estimates E[I] with sd sqrt(Var(I) / R)
            se = np.sqrt(ref.VI_rand / permutations)
            assert abs(ours.EI_sim - ref.EI) <= 4 * se and abs(ref.EI_sim - ref.EI) <= 4 * se
            # z_sim = (I - mean) / sd of the draws: by the delta method Var(z_sim) ~ (1 + z^2 / 2) / R for
            # near-normal draws, so two independent runs differ by sd sqrt(2 (1 + z^2 / 2) / R); 4 of those
            z = (ours.z_sim + ref.z_sim) / 2
            assert abs(ours.z_sim - ref.z_sim) <= 4 * np.sqrt(2 * (1 + z * z / 2) / permutations)
            p_seen.append(ref.p_sim)
    finally:
        np.random.set_state(state)
    assert min(p_seen) <= 0.002 and sum(0.05 < p < 0.95 for p in p_seen) >= 2


def test_global_moran_permutations_match_full_enumeration():
    """Seven areas in a row: all 5,040 permutations enumerated give the exact permutation distribution of I.
    Its mean is E[I] = -1/(n-1) and its variance the randomisation variance; our 999 seeded draws must estimate
    the exact folded p within 4 sd (sqrt(p(1-p)/R), one estimate against an exact value) + 1/(R+1), and the
    exact mean within 4 standard errors."""
    from itertools import permutations as all_orders

    ids = [str(k) for k in range(7)]
    w = contiguity(ids, [shapely.box(c, 0, c + 1, 1).wkb for c in range(7)])
    y = np.array([3.0, 1.0, 4.0, 1.5, 9.0, 2.6, 20.0])
    m = w.transformed("r").toarray()

    def moran(v):
        v = v - v.mean()
        return len(v) / m.sum() * (v @ m @ v) / (v @ v)

    exact = np.array([moran(y[list(order)]) for order in all_orders(range(7))])
    observed = moran(y)
    p_exact = min((exact >= observed).mean(), (exact < observed).mean())
    ours = hs.global_moran(y, w, permutations=999, seed=1)
    assert ours.I == pytest.approx(observed, **APPROX)
    assert exact.mean() == pytest.approx(ours.EI, **APPROX) == -1 / 6
    assert exact.var() == pytest.approx(ours.VI_rand, **APPROX)
    assert abs(ours.p_sim - p_exact) <= 4 * np.sqrt(p_exact * (1 - p_exact) / 999) + 1 / 1000
    assert abs(ours.EI_sim - exact.mean()) <= 4 * exact.std() / np.sqrt(999)


def test_global_moran_seed_reproducible(wigan_case):
    y, w = wigan_case["y"], wigan_case["w"]
    y = y + 40 * np.sin(np.arange(200))  # weaken the pattern so the draws matter to p
    a = hs.global_moran(y, w, permutations=199, seed=11)
    b = hs.global_moran(y, w, permutations=199, seed=11)
    c = hs.global_moran(y, w, permutations=199, seed=12)
    assert (a.p_sim, a.EI_sim, a.z_sim) == (b.p_sim, b.EI_sim, b.z_sim)
    assert a.EI_sim != c.EI_sim and a.z_sim != c.z_sim
    assert a.I == c.I


# ------------------------------------------------------------------ local Moran (LISA)
def assert_local_equal(ours, ref):
    np.testing.assert_allclose(ours.Is, ref.Is, **EXACT)
    np.testing.assert_allclose(ours.EI, ref.EIc, **EXACT)
    np.testing.assert_allclose(ours.VI, ref.VIc, **EXACT)
    np.testing.assert_allclose(ours.z, (ref.Is - ref.EIc) / np.sqrt(ref.VIc), **EXACT)
    np.testing.assert_array_equal(ours.quadrant, ref.q)


def test_local_moran_equals_esda_on_wigan(wigan_case):
    y, w = wigan_case["y"], wigan_case["w"]
    permutations, seed = 999, 12345
    draws = vec_permutations(max_card(w), w.n, permutations, seed)
    ours = hs.local_moran(y, w, permuted=draws)
    ref = esda.Moran_Local(y, pysal_queen(wigan_case), permutations=permutations, seed=seed, n_jobs=1)
    assert_local_equal(ours, ref)
    assert ours.permutations == permutations
    # with these draws an area or two have a simulated I that ties the observed I exactly (integer ranks), and
    # which side of it the rounding falls can change from run to run (SIMD summation): see the docstring
    assert_same_p_sim(ours.p_sim, ref.p_sim, ref.sim.T, ref.Is, permutations)
    assert set(np.unique(ref.q)) == {1, 2, 3, 4}


@pytest.mark.parametrize("seed", [1, 2024])
def test_local_moran_equals_esda_on_lattice(seed):
    ids, w = lattice(12, 10, rook=True)
    y = smooth_field(12, 10, seed=seed, strength=1.5)
    draws = vec_permutations(max_card(w), w.n, 499, seed)
    for transform in ("r", "b"):
        ours = hs.local_moran(y, w, transform=transform, permuted=draws)
        ref = esda.Moran_Local(y, lat2w(12, 10, True), transformation=transform, permutations=499, seed=seed,
                               n_jobs=1)
        assert_local_equal(ours, ref)
        assert_same_p_sim(ours.p_sim, ref.p_sim, ref.sim.T, ref.Is, 499)


def test_local_moran_equals_esda_with_unequal_weights(wigan_case):
    """Inverse distances, row-standardised: each draw meets a different weight, so the weights' order must
    follow esda's (CSR, sorted columns) for the same draws to give the same p."""
    ids, y = wigan_case["ids"], wigan_case["y"]
    pts = representative_points(wigan_case["wkbs"])
    w = distance_band(ids, pts, 1800.0, inverse=True)
    ref_w = libpysal.weights.DistanceBand(pts, 1800.0, binary=False, alpha=-1.0, ids=ids, silence_warnings=True)
    assert w.islands == [] == ref_w.islands
    draws = vec_permutations(max_card(w), w.n, 299, 9)
    ours = hs.local_moran(y, w, permuted=draws)
    ref = esda.Moran_Local(y, ref_w, permutations=299, seed=9, n_jobs=1)
    assert_local_equal(ours, ref)
    assert_same_p_sim(ours.p_sim, ref.p_sim, ref.sim.T, ref.Is, 299)


def test_local_moran_own_draws_within_monte_carlo_error(wigan_case):
    """With its own seeded draws (numpy Generator, not esda's) each area's p_sim is an independent estimate of
    the same conditional-permutation p: within mc_tolerance of esda's (4.5 sd: 200 comparisons at once)."""
    y, w = wigan_case["y"], wigan_case["w"]
    y = y + 2000 * np.cos(np.arange(200) * 1.7)  # a weaker pattern: p spread over (0, 0.5]
    ours = hs.local_moran(y, w, permutations=999, seed=5)
    ref = esda.Moran_Local(y, pysal_queen(wigan_case), permutations=999, seed=77, n_jobs=1)
    assert (np.abs(ours.p_sim - ref.p_sim) <= mc_tolerance(ours.p_sim, ref.p_sim, 999, sds=4.5)).all()
    assert (ref.p_sim > 0.1).sum() > 50 and (ours.p_sim != ref.p_sim).sum() > 50


def test_local_moran_seed_reproducible(wigan_case):
    y, w = wigan_case["y"], wigan_case["w"]
    a = hs.local_moran(y, w, permutations=99, seed=3)
    b = hs.local_moran(y, w, permutations=99, seed=3)
    c = hs.local_moran(y, w, permutations=99, seed=4)
    np.testing.assert_array_equal(a.p_sim, b.p_sim)
    assert (a.p_sim != c.p_sim).any()
    np.testing.assert_array_equal(a.Is, c.Is)
    assert a.seed == 3 and a.permutations == 99


def test_local_moran_analytical_p_without_permutations(wigan_case):
    y, w = wigan_case["y"], wigan_case["w"]
    ours = hs.local_moran(y, w, permutations=0, alpha=0.05)
    assert np.isnan(ours.p_sim).all()
    ref = esda.Moran_Local(y, pysal_queen(wigan_case), permutations=0)
    z = (ref.Is - ref.EIc) / np.sqrt(ref.VIc)
    np.testing.assert_array_equal(ours.significant, 2 * stats.norm.sf(np.abs(z)) <= 0.05)


# ------------------------------------------------------------------ permutation draws
def test_permutation_ids():
    a = hs.permutation_ids(7, 40, 300, seed=8)
    assert a.shape == (300, 7) and a.dtype == np.int64
    assert a.min() >= 0 and a.max() <= 38  # ids among the n - 1 other areas
    assert all(len(set(row)) == 7 for row in a)  # without replacement
    np.testing.assert_array_equal(a, hs.permutation_ids(7, 40, 300, seed=8))
    assert (a != hs.permutation_ids(7, 40, 300, seed=9)).any()
    # uniform over the 39 ids: a chi-square test on 2,100 draws (fails by chance once in 10^4)
    counts = np.bincount(a.ravel(), minlength=39)
    assert stats.chisquare(counts).pvalue > 1e-4
    with pytest.raises(hs.HotspotError, match="more neighbours"):
        hs.permutation_ids(40, 40, 10, seed=1)


# ------------------------------------------------------------------ Getis-Ord Gi*
def assert_gi_equal(ours, ref):
    np.testing.assert_allclose(ours.Gs, ref.Gs, **EXACT)
    np.testing.assert_allclose(ours.EGs, ref.EGs, **EXACT)
    np.testing.assert_allclose(ours.VGs, ref.VGs, **EXACT)
    np.testing.assert_allclose(ours.z, ref.Zs, **EXACT)
    np.testing.assert_allclose(ours.p_norm, 2 * ref.p_norm, **EXACT)  # ours two-sided, esda's one-sided


@pytest.mark.parametrize("transform", ["r", "b"])
def test_gi_star_equals_esda_on_wigan(wigan_case, transform):
    y, w = wigan_case["y"], wigan_case["w"]
    permutations, seed = 999, 4321
    draws = vec_permutations(max_card(w), w.n, permutations, seed)
    ours = hs.gi_star(y, w, transform=transform, permuted=draws)
    ref = esda_g_local(y, pysal_queen(wigan_case), transform.upper(), permutations=permutations, seed=seed)
    assert_gi_equal(ours, ref)
    assert_same_p_sim(ours.p_sim, ref.p_sim, ref.rGs, ref.Gs, permutations)
    assert ours.permutations == permutations
    assert (ours.p_sim <= 0.01).sum() > 20 and (ours.z > 1).any() and (ours.z < -1).any()


@pytest.mark.parametrize("transform", ["r", "b"])
@pytest.mark.parametrize("rook", [True, False])
def test_gi_star_equals_esda_on_lattice(transform, rook):
    ids, w = lattice(9, 14, rook)
    y = smooth_field(9, 14, seed=3, strength=2.0)
    draws = vec_permutations(max_card(w), w.n, 299, 17)
    ours = hs.gi_star(y, w, transform=transform, permuted=draws)
    ref = esda_g_local(y, lat2w(9, 14, rook), transform.upper(), permutations=299, seed=17)
    assert_gi_equal(ours, ref)
    assert_same_p_sim(ours.p_sim, ref.p_sim, ref.rGs, ref.Gs, 299)


def test_gi_star_seed_reproducible(wigan_case):
    y, w = wigan_case["y"], wigan_case["w"]
    a = hs.gi_star(y, w, permutations=99, seed=1)
    b = hs.gi_star(y, w, permutations=99, seed=1)
    c = hs.gi_star(y, w, permutations=99, seed=2)
    np.testing.assert_array_equal(a.p_sim, b.p_sim)
    assert a.cluster == b.cluster
    assert (a.p_sim != c.p_sim).any()


# ------------------------------------------------------------------ multiple testing
P_SETS = {
    "uniform": np.random.default_rng(1).uniform(size=300),
    "mixture": np.r_[np.random.default_rng(2).uniform(0, 0.004, 40), np.random.default_rng(3).uniform(size=160)],
    "ties": np.repeat([0.0001, 0.0004, 0.002, 0.03, 0.2, 0.7], [3, 5, 10, 7, 20, 15]),
    "all_small": np.linspace(0.0001, 0.009, 50),
    "none": np.linspace(0.3, 1, 80),
    # pseudo p from 999 permutations: 40 areas with a strong signal, 160 with weak or none
    "quantised": (np.r_[np.random.default_rng(4).binomial(999, 0.0008, size=40),
                        np.random.default_rng(5).binomial(999, np.random.default_rng(6).uniform(0, 0.5, 160))]
                  + 1) / 1000,
}


@pytest.mark.parametrize("name", list(P_SETS))
@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.1])
def test_fdr_threshold_equals_esda(name, alpha):
    assert hs.fdr_threshold(P_SETS[name], alpha) == pytest.approx(esda.fdr(P_SETS[name], alpha), rel=1e-12)


@pytest.mark.parametrize("name", [n for n in P_SETS if n != "quantised"])
@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.1])
def test_fdr_classification_equals_bh(name, alpha):
    p = P_SETS[name]
    expected = bh_reject(p, alpha)
    np.testing.assert_array_equal(hs.significant(p, alpha, "fdr"), expected)
    if name == "all_small" and alpha >= 0.05:
        assert expected.all()
    if name == "none":
        assert not expected.any()


def test_fdr_at_an_exact_boundary_follows_esda():
    """The one place esda.fdr and the textbook step-up part: p_(k) exactly equal to k alpha / m. esda (and so
    ours) needs p_(k) < k alpha / m, statsmodels p_(k) <= k alpha / m. It happens with pseudo p-values: four
    areas at 1/1000 among 200 at alpha 0.05 (4 x 0.05 / 200 = 0.001 exactly in floating point)."""
    p = np.r_[np.full(4, 1 / 1000), np.full(196, 0.5)]
    assert 4 * 0.05 / 200 == 1 / 1000
    assert hs.fdr_threshold(p, 0.05) == esda.fdr(p, 0.05) == 0.05 / 200
    assert not hs.significant(p, 0.05, "fdr").any()
    assert bh_reject(p, 0.05).sum() == 4  # statsmodels-style would keep them
    q = np.r_[np.full(5, 1 / 1000), np.full(195, 0.5)]  # one more tie and both agree again
    np.testing.assert_array_equal(hs.significant(q, 0.05, "fdr"), bh_reject(q, 0.05))


@pytest.mark.parametrize("alpha", [0.02, 0.05, 0.1, 0.2])
def test_fdr_on_quantised_p_equals_bh_but_at_the_boundary(alpha):
    """Pseudo p-values (multiples of 1/1000): ours never rejects more than the step-up, and rejects less only
    where p_(k) sits exactly on k alpha / m (see the test above)."""
    p = P_SETS["quantised"]
    ours, textbook = hs.significant(p, alpha, "fdr"), bh_reject(p, alpha)
    assert textbook.any() and (ours <= textbook).all()
    extra = textbook & ~ours
    if extra.any():
        k = textbook.sum()
        assert np.isclose(p[extra], k * alpha / p.size, rtol=0, atol=1e-15).all()


def test_bonferroni_and_none():
    p = np.r_[P_SETS["mixture"], np.nan, np.nan]
    m = 200  # the NaNs are not tests
    for alpha in (0.01, 0.05):
        np.testing.assert_array_equal(hs.significant(p, alpha, "bonferroni"), np.nan_to_num(p, nan=2) * m <= alpha)
        np.testing.assert_array_equal(hs.significant(p, alpha, "none"), np.nan_to_num(p, nan=2) <= alpha)
        np.testing.assert_array_equal(hs.significant(p, alpha, "fdr"), bh_reject(p, alpha))
    assert hs.significant(p, 0.05, "bonferroni").sum() < hs.significant(p, 0.05, "fdr").sum() \
        < hs.significant(p, 0.05, "none").sum()
    assert not hs.significant(p, 0.05, "fdr")[-2:].any()
    with pytest.raises(hs.HotspotError, match="bonferroni"):
        hs.significant(p, 0.05, "holm")


def esda_fdr_reject(p, alpha: float) -> np.ndarray:
    """esda's convention: significant when p <= esda.fdr(p, alpha) (p-values without NaN)."""
    return np.asarray(p) <= esda.fdr(np.asarray(p), alpha)


def test_fdr_on_wigan_pseudo_p_differs_from_bh_only_at_the_boundary(wigan_case):
    """On the sample at the defaults (999 permutations, alpha 0.05, 200 areas) the boundary case above is real:
    kα/m steps by 0.00025 and pseudo p by 0.001, so p_(k) = kα/m happens. Ours follows esda.fdr; the areas
    where the textbook step-up would also reject are exactly those at that boundary p."""
    p = hs.local_moran(wigan_case["y"], wigan_case["w"], permutations=999, seed=2).p_sim
    ours = hs.significant(p, 0.05, "fdr")
    np.testing.assert_array_equal(ours, esda_fdr_reject(p, 0.05))
    textbook = bh_reject(p, 0.05)
    assert (ours <= textbook).all()  # never more than BH
    extra = np.flatnonzero(textbook & ~ours)
    k = textbook.sum()
    assert len(extra) == 2 and np.sort(p)[k - 1] == pytest.approx(k * 0.05 / 200, abs=1e-15)
    assert (p[extra] == np.sort(p)[k - 1]).all()


def test_bonferroni_counts_only_real_tests():
    p = np.array([0.05 / 3, 0.5, 0.9, np.nan])  # three tests: 0.05 / 3 passes; over four it would not
    np.testing.assert_array_equal(hs.significant(p, 0.05, "bonferroni"), [True, False, False, False])
    np.testing.assert_array_equal(hs.significant(p, 0.05, "fdr"), [True, False, False, False])
    assert not hs.significant(np.array([np.nan, np.nan]), 0.05, "fdr").any()


@pytest.mark.parametrize("permutations", [10, 99, 100])
def test_folded_pseudo_p_equals_esda(permutations):
    """The pseudo p from simulated statistics, against esda.significance (alternative='directed', the rule
    esda's Moran_Local and G_Local use), with ties and with exactly half the draws above (even counts)."""
    from esda.significance import calculate_significance

    rng = np.random.default_rng(permutations)
    sims = rng.integers(0, 6, size=(300, permutations)).astype(float)
    observed = rng.integers(0, 6, size=300).astype(float)
    half = np.sort(sims, axis=1)[:, permutations // 2]  # as many draws above as below, or nearly
    observed[::3] = half[::3]
    ref = calculate_significance(observed, sims, alternative="directed")
    np.testing.assert_array_equal(hs._folded_p(sims, observed), ref)


def test_local_moran_with_self_weights_equals_esda(wigan_case):
    """Weights with a diagonal (each area its own neighbour, as kernels give): the self term is held fixed in the
    conditional permutations, as esda does."""
    from scipy import sparse

    y, w = wigan_case["y"], wigan_case["w"]
    ids = wigan_case["ids"]
    with_self = Weights(ids, (w.matrix + sparse.identity(w.n, format="csr")).tocsr(), "queen")
    nb = {i: nb | {i} for i, nb in w.neighbours().items()}
    draws = vec_permutations(max_card(w), w.n, 199, 8)  # draws for the others only
    ours = hs.local_moran(y, with_self, permuted=draws)
    ref = esda.Moran_Local(y, pysal_w(nb, ids), permutations=199, seed=8, n_jobs=1)
    assert_local_equal(ours, ref)
    assert_same_p_sim(ours.p_sim, ref.p_sim, ref.sim.T, ref.Is, 199)


def test_lisa_labels(wigan_case):
    y, w = wigan_case["y"], wigan_case["w"]
    ref = esda.Moran_Local(y, pysal_queen(wigan_case), permutations=0)  # quadrants, independently
    names = {1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"}
    for correction in ("none", "fdr", "bonferroni"):
        ours = hs.local_moran(y, w, permutations=999, seed=2, alpha=0.05, correction=correction)
        if correction == "none":
            expected_sig = ours.p_sim <= 0.05
        elif correction == "fdr":
            expected_sig = esda_fdr_reject(ours.p_sim, 0.05)
        else:
            expected_sig = ours.p_sim * 200 <= 0.05
        np.testing.assert_array_equal(ours.significant, expected_sig)
        expected = [names[q] if s else "Not significant" for q, s in zip(ref.q, expected_sig)]
        assert ours.cluster == expected
        assert ours.correction == correction and ours.alpha == 0.05
        if correction == "bonferroni":
            # the smallest pseudo p from 999 permutations, 1/1000, is above 0.05 / 200: nothing can pass
            assert set(ours.cluster) == {"Not significant"} and ours.p_sim.min() == 0.001
        else:
            assert {"High-High", "Low-Low", "Not significant"} <= set(ours.cluster)  # both kinds of cluster


def gi_expected_labels(z, p, correction: str) -> list[str]:
    """Hot (z > 0) or cold spot at the first of 99/95/90% whose alpha the p passes after the correction."""
    def passes(a):
        if correction == "none":
            return p <= a
        if correction == "bonferroni":
            return p * len(p) <= a
        return esda_fdr_reject(p, a)

    levels = [(0.01, "99%"), (0.05, "95%"), (0.10, "90%")]
    table = {a: passes(a) for a, _ in levels}
    out = []
    for i in range(len(z)):
        hit = next((c for a, c in levels if table[a][i]), None)
        out.append(f"{'Hot' if z[i] > 0 else 'Cold'} spot, {hit} confidence" if hit else "Not significant")
    return out


@pytest.mark.parametrize("correction", ["none", "bonferroni", "fdr"])
@pytest.mark.parametrize("transform", ["b", "r"])
def test_gi_star_labels_from_z(wigan_case, correction, transform):
    """Without permutations: two-sided normal p from esda's z, then the 99/95/90% confidence bins."""
    y = wigan_case["y"] + 3000 * np.sin(np.arange(200))  # a blurred pattern, so the bins fill
    ours = hs.gi_star(y, wigan_case["w"], transform=transform, permutations=0, correction=correction)
    ref = esda_g_local(y, pysal_queen(wigan_case), transform.upper(), permutations=0)
    assert np.isnan(ours.p_sim).all() and ours.correction == correction
    assert ours.cluster == gi_expected_labels(ref.Zs, 2 * stats.norm.sf(np.abs(ref.Zs)), correction)
    if (correction, transform) == ("none", "b"):
        assert {"Hot spot, 99% confidence", "Hot spot, 95% confidence", "Hot spot, 90% confidence",
                "Cold spot, 99% confidence", "Cold spot, 95% confidence", "Not significant"} <= set(ours.cluster)


@pytest.mark.parametrize("correction", ["none", "fdr"])
def test_gi_star_labels_from_permutations(wigan_case, correction):
    y, w = wigan_case["y"], wigan_case["w"]
    ours = hs.gi_star(y, w, permutations=999, seed=6, correction=correction)
    ref = esda_g_local(y, pysal_queen(wigan_case), "R", permutations=0)
    assert ours.cluster == gi_expected_labels(ref.Zs, ours.p_sim, correction)
    assert any(c.startswith("Hot") for c in ours.cluster) and any(c.startswith("Cold") for c in ours.cluster)


def test_gi_star_binary_z_is_ord_getis_general_formula(wigan_case):
    """Independent of esda: Ord & Getis (1995) for any weights, z = (sum_j w_ij y_j - W_i ybar) /
    (s sqrt((n S1_i - W_i^2) / (n - 1))), W_i = sum_j w_ij, S1_i = sum_j w_ij^2, self included, s the
    population sd. With binary weights ours (and esda) is exactly this. Row-standardised, esda's variance keeps
    the binary W_i (n - W_i) in place of n S1_i - W_i^2, so ours follows and 'r' z-scores are those of 'b'
    shrunk by sqrt((n / (k_i + 1) - 1) / (n - 1)): recorded here, see the report."""
    y, w = wigan_case["y"], wigan_case["w"]
    n = len(y)
    a = w.matrix.toarray() + np.eye(n)
    wi, s1 = a.sum(axis=1), (a * a).sum(axis=1)
    z = (a @ y - wi * y.mean()) / (y.std() * np.sqrt((n * s1 - wi ** 2) / (n - 1)))
    binary = hs.gi_star(y, w, transform="b", permutations=0)
    np.testing.assert_allclose(binary.z, z, **EXACT)
    row = hs.gi_star(y, w, transform="r", permutations=0)
    np.testing.assert_allclose(row.z, z * np.sqrt((n / wi - 1) / (n - 1)), **EXACT)


# ------------------------------------------------------------------ awkward inputs
def test_constant_values_are_refused():
    ids, w = lattice(4, 4, rook=True)
    y = np.full(16, 7.5)
    for fn in (hs.global_moran, hs.local_moran, hs.gi_star):
        with pytest.raises(hs.HotspotError) as caught:
            fn(y, w)
        assert str(caught.value) == "Every area has the same value, so there is no pattern to test."
    assert issubclass(hs.HotspotError, LisError)


def test_too_few_areas_are_refused():
    ids, w = lattice(1, 2, rook=True)
    for fn in (hs.global_moran, hs.local_moran, hs.gi_star):
        with pytest.raises(hs.HotspotError, match="At least 3 areas"):
            fn([1.0, 2.0], w)
    ids, w = lattice(1, 5, rook=True)  # five areas, three without a value: two left
    y, sub, keep = hs.prepare([1.0, np.nan, 3.0, np.nan, np.nan], w)
    assert sub.n == 2 and keep.sum() == 2
    with pytest.raises(hs.HotspotError, match="At least 3 areas"):
        hs.local_moran(y, sub)


def test_values_must_match_areas_and_be_finite():
    ids, w = lattice(3, 3, rook=True)
    with pytest.raises(hs.HotspotError, match="8 values for 9 areas"):
        hs.global_moran(np.arange(8.0), w)
    for bad in (np.nan, np.inf):
        y = np.arange(9.0)
        y[4] = bad
        with pytest.raises(hs.HotspotError, match="prepare"):
            hs.gi_star(y, w)


def test_no_neighbours_at_all_is_refused():
    ids = [str(k) for k in range(5)]
    w = contiguity(ids, [shapely.box(3 * k, 0, 3 * k + 1, 1).wkb for k in range(5)])
    assert len(w.islands) == 5
    with pytest.raises(hs.HotspotError, match="No area has a neighbour"):
        hs.global_moran(np.arange(5.0), w)


def test_missing_values_left_out_equal_esda_on_the_rest(wigan, wigan_case):
    """The sample's IDACI numerator has no value for 33 LSOAs: prepare() leaves them out with a note, which
    leaves one LSOA with no neighbour; dropping it, every statistic equals esda's on libpysal's queen among the
    remaining 166."""
    ids = wigan_case["ids"]
    values = wigan.get_values(WITH_GAPS, all_areas=True).set_index("area_code")["value"]
    y_all = values.loc[ids].to_numpy(float)
    assert np.isnan(y_all).sum() == 33
    y, w, keep = hs.prepare(y_all, wigan_case["w"])
    assert keep.tolist() == np.isfinite(y_all).tolist() and w.n == 167 and len(y) == 167
    assert w.notes == ["33 area(s) without a value (missing or suppressed) left out of the test."]
    assert wigan_case["w"].notes == []
    kept = [i for i, k in zip(ids, keep) if k]
    ref_w = libpysal.weights.w_subset(pysal_queen(wigan_case), kept, silence_warnings=True)
    assert w.ids == kept and w.islands == [str(i) for i in ref_w.islands] == ["E01006345"]
    # global Moran with the island in place
    assert_global_equal(hs.global_moran(y, w, permutations=0),
                        esda.Moran(y, libpysal.weights.w_subset(pysal_queen(wigan_case), kept), permutations=0))
    # then without it
    w2, keep2 = handle_islands(w, "drop")
    y2 = y[keep2]
    kept2 = [i for i, k in zip(kept, keep2) if k]
    assert w2.notes[-1].startswith("1 area(s) with no neighbour left out: E01006345")
    assert any("33 area(s) without a value" in note for note in w2.notes)
    draws = vec_permutations(max_card(w2), w2.n, 199, 31)
    lm = hs.local_moran(y2, w2, permuted=draws)
    ref = esda.Moran_Local(y2, libpysal.weights.w_subset(pysal_queen(wigan_case), kept2), permutations=199,
                           seed=31, n_jobs=1)
    assert_local_equal(lm, ref)
    assert_same_p_sim(lm.p_sim, ref.p_sim, ref.sim.T, ref.Is, 199, rare=False)  # counts in fives: many ties
    gi = hs.gi_star(y2, w2, permutations=0)
    assert_gi_equal(gi, esda_g_local(y2, libpysal.weights.w_subset(pysal_queen(wigan_case), kept2), "R",
                                     permutations=0))
    assert lm.notes == w2.notes == gi.notes


def test_suppressed_cells_are_left_out():
    """Suppressed cells ('*', 'c', '..') are read as no value, so prepare() leaves them out like missing ones."""
    ids, w = lattice(6, 6, rook=False)
    y_true = smooth_field(6, 6, seed=2, strength=2.0)
    cells = [f"{v:.6f}" for v in y_true]
    for k, marker in zip([0, 7, 20, 35], ["*", "c", "..", ""]):
        cells[k] = marker
    values, suppressed, empty, bad = parse_numbers(pd.Series(cells))
    assert suppressed.sum() == 3 and empty.sum() == 1 and not bad.any()
    y, sub, keep = hs.prepare(values, w)
    assert sub.n == 32 and keep.tolist() == [k not in (0, 7, 20, 35) for k in range(36)]
    assert "4 area(s) without a value" in sub.notes[0]
    ref_w = libpysal.weights.w_subset(lat2w(6, 6, False), [i for i, k in zip(ids, keep) if k])
    assert_global_equal(hs.global_moran(y, sub, permutations=0), esda.Moran(y, ref_w, permutations=0))


def test_prepare_leaves_out_infinite_values_too():
    ids, w = lattice(3, 3, rook=True)
    y, sub, keep = hs.prepare([1.0, np.inf, 3.0, 4.0, -np.inf, 6.0, 7.0, 8.0, 9.0], w)
    assert keep.tolist() == [True, False, True, True, False, True, True, True, True]
    assert sub.ids == ["0", "2", "3", "5", "6", "7", "8"] and np.isfinite(y).all()
    assert "2 area(s) without a value" in sub.notes[0]


def test_prepare_without_gaps_changes_nothing(wigan_case):
    y, w, keep = hs.prepare(wigan_case["y"], wigan_case["w"])
    assert w is wigan_case["w"] and keep.all() and w.notes == []
    np.testing.assert_array_equal(y, wigan_case["y"])


@pytest.fixture(scope="module")
def island_case(wigan_case):
    """Wigan plus three offshore squares with values: two near each other, one alone."""
    geoms = wigan_case["frame"].geometry.values
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    extra = [shapely.box(maxx + 5000, miny + 9000, maxx + 5200, miny + 9200),
             shapely.box(maxx + 5300, miny + 9000, maxx + 5500, miny + 9200),
             shapely.box(minx + 9000, miny - 4000, minx + 9300, miny - 3700)]
    ids = wigan_case["ids"] + ["ISL_A", "ISL_B", "ISL_C"]
    wkbs = wigan_case["wkbs"] + [g.wkb for g in extra]
    y = np.r_[wigan_case["y"], 30000.0, 100.0, 15000.0]
    return ids, wkbs, y, contiguity(ids, wkbs)


def test_islands_before_handling_are_not_significant(island_case):
    ids, wkbs, y, w = island_case
    lm = hs.local_moran(y, w, permutations=99, seed=1)
    assert [c for i, c in zip(ids, lm.cluster) if i.startswith("ISL")] == ["Not significant"] * 3
    assert not lm.significant[-3:].any()


@pytest.mark.parametrize("policy", ["drop", "nearest"])
def test_islands_never_nan_after_handling(island_case, policy):
    ids, wkbs, y, w = island_case
    handled, keep = handle_islands(w, policy, representative_points(wkbs))
    y = y[keep]
    assert handled.islands == []
    g = hs.global_moran(y, handled, permutations=99, seed=1)
    assert all(np.isfinite([g.I, g.z_norm, g.z_rand, g.p_norm, g.p_rand, g.p_sim, g.z_sim]))
    lm = hs.local_moran(y, handled, permutations=99, seed=1)
    gi = hs.gi_star(y, handled, permutations=99, seed=1)
    for arr in (lm.Is, lm.z, lm.EI, lm.VI, lm.p_sim, gi.Gs, gi.z, gi.p_norm, gi.p_sim):
        assert np.isfinite(arr).all()
    assert len(lm.cluster) == len(gi.cluster) == handled.n == keep.sum()
    # and the statistics are esda's on libpysal weights built from the same neighbour sets
    ref_w = pysal_w(handled.neighbours(), handled.ids)
    assert_local_equal(lm, esda.Moran_Local(y, ref_w, permutations=0))
    assert_gi_equal(gi, esda_g_local(y, pysal_w(handled.neighbours(), handled.ids), "R", permutations=0))

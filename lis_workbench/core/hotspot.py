"""Hotspots and clusters: global Moran's I, local Moran (LISA) and Getis-Ord Gi*, with conditional permutation
inference (seeded, reproducible) and multiple-testing control. Same statistics as PySAL's esda; numpy only."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.special import ndtr

from .choices import CORRECTIONS
from .errors import HotspotError, stop_if_cancelled
from .weights import Weights

QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
LISA_LABELS = {1: "High-High", 2: "Low-High", 3: "Low-Low", 4: "High-Low"}
NOT_SIGNIFICANT = "Not significant"
Cancel = Callable[[], bool] | None
_CHUNK_CELLS = 4_000_000  # values gathered at once in the conditional permutations (~32 MB)
_SUM_CELLS = 1_000_000  # simulated statistics at once when neighbours weigh the same (~8 MB)
_TIE = 1e-10  # relative: simulated values this near the observed one are recomputed value by value




# ------------------------------------------------------------------ helpers
def _normal_sf(x):
    """Upper tail of the standard normal: scipy.stats.norm.sf(x), which is ndtr(-x), without importing
    scipy.stats (0.3 s)."""
    return ndtr(-x)


def __getattr__(name: str):
    """`hotspot.stats` (scipy.stats) is imported when first used, not with this module."""
    if name == "stats":
        from scipy import stats

        return stats
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _values(y, w: Weights) -> np.ndarray:
    y = np.asarray(y, dtype=float).ravel()
    if y.size != w.n:
        raise HotspotError(f"There are {y.size} values for {w.n} areas.")
    if not np.isfinite(y).all():
        raise HotspotError("Some areas have no value; leave them out of the weights first (see prepare()).")
    if w.n < 3:
        raise HotspotError("At least 3 areas are needed to look for spatial patterns.")
    if np.ptp(y) == 0:
        raise HotspotError("Every area has the same value, so there is no pattern to test.")
    return y


def prepare(y, w: Weights) -> tuple[np.ndarray, Weights, np.ndarray]:
    """Leave out areas without a value (missing or suppressed): returns (values, weights, kept mask)."""
    y = np.asarray(y, dtype=float).ravel()
    keep = np.isfinite(y)
    if keep.all():
        return y, w, keep
    out = w.subset(keep)
    out.notes.append(f"{int((~keep).sum())} area(s) without a value (missing or suppressed) left out of the test.")
    return y[keep], out, keep


def permutation_ids(max_card: int, n: int, permutations: int, seed: int | None,
                    cancelled: Cancel = None) -> np.ndarray:
    """(permutations, max_card) draws without replacement from the n - 1 other areas (esda's layout: id p
    stands for area p, or p + 1 when p >= i, for the area i being tested)."""
    rng = np.random.default_rng(seed)
    max_card = max(int(max_card), 1)
    if max_card > n - 1:
        raise HotspotError("An area has more neighbours than there are other areas.")
    out = np.empty((permutations, max_card), dtype=np.int64)
    for k in range(permutations):
        if k % 500 == 0:
            stop_if_cancelled(cancelled)
        out[k] = rng.choice(n - 1, size=max_card, replace=False)
    return out


def _folded_p(sims: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Pseudo p-values: (extreme + 1) / (permutations + 1), counting the tail the observed value lies in."""
    permutations = sims.shape[1]
    larger = (sims >= observed[:, None]).sum(axis=1)
    low = (permutations - larger) < larger
    larger = np.where(low, permutations - larger, larger)
    return (larger + 1.0) / (permutations + 1.0)


def conditional_randomisation(values: np.ndarray, matrix: sparse.csr_matrix, observed: np.ndarray,
                              permuted: np.ndarray, kind: str, scaling: float, moments: bool = True,
                              cancelled: Cancel = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each area i, hold i's value and redraw its neighbours' values from the other areas (the same
    draws for every i, as esda does); returns (p_sim, mean, sd) of the simulated statistic per area (mean and
    sd NaN when `moments` is False: the statistics only need p_sim).

    kind 'moran': I_i = scaling * z_i * (sum_j w_ij z_j); kind 'g': G_i = (sum_j w_ij y_j + w_ii y_i) / scaling.
    """
    n = len(values)
    m = matrix.tocsr()
    self_w = m.diagonal().astype(float)
    other = m - sparse.diags(self_w)
    other.eliminate_zeros()
    other.sort_indices()
    card = np.diff(other.indptr)
    order = np.argsort(card, kind="stable")
    if _equal_in_rows(other) and np.isfinite(scaling) and scaling != 0:
        return _randomise_sums(values, other, self_w, card, order, observed, permuted, kind, scaling, moments,
                               cancelled)
    p_sim, mean, sd = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    perms = permuted.shape[0]
    pos = 0
    while pos < n:
        stop_if_cancelled(cancelled)
        k = int(card[order[pos]])
        chunk_len = max(1, _CHUNK_CELLS // max(perms * max(k, 1), 1))
        rows = order[pos:pos + chunk_len]
        rows = rows[card[rows] == k]
        pos += len(rows)
        if k == 0:  # islands: nothing to redraw (use handle_islands to avoid them)
            continue
        ids = permuted[None, :, :k]
        idx = ids + (ids >= rows[:, None, None])
        wts = np.stack([other.data[other.indptr[i]:other.indptr[i + 1]] for i in rows])
        lag = np.einsum("cpk,ck->cp", values[idx], wts)
        if kind == "moran":
            sims = scaling * values[rows][:, None] * (lag + self_w[rows][:, None] * values[rows][:, None])
        else:
            sims = (lag + self_w[rows][:, None] * values[rows][:, None]) / scaling
        p_sim[rows] = _folded_p(sims, observed[rows])
        if moments:
            mean[rows] = sims.mean(axis=1)
            sd[rows] = sims.std(axis=1)
    return p_sim, mean, sd


def _equal_in_rows(other: sparse.csr_matrix) -> bool:
    """Whether each area's neighbours all carry the same weight (binary or row-standardised contiguity, knn)."""
    filled = np.flatnonzero(np.diff(other.indptr) > 0)
    if not len(filled):
        return True
    starts = other.indptr[filled]
    return bool((np.minimum.reduceat(other.data, starts) == np.maximum.reduceat(other.data, starts)).all())


def _randomise_sums(values: np.ndarray, other: sparse.csr_matrix, self_w: np.ndarray, card: np.ndarray,
                    order: np.ndarray, observed: np.ndarray, permuted: np.ndarray, kind: str, scaling: float,
                    moments: bool, cancelled: Cancel = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """conditional_randomisation when each area's neighbours weigh the same, w_i: a draw's statistic is
    a_i * sum + b_i, the sum being that of the values drawn, and no value need be gathered per area.

    Draw p takes ids q_1..q_k, and for area i id q stands for area q + (q >= i). So the sum is
    sum_j values[q_j], the same for every area with k neighbours, plus the step values[q_j + 1] - values[q_j]
    for each q_j >= i: taking the areas with k neighbours in increasing order, the sum is constant between the
    q_j, and each draw's sums over the areas are k + 1 runs of one value. Each simulated statistic is then
    compared with the observed one through the sum. Sums round differently from the gather, so a draw within
    1e-10 (relative) of the observed value, a tie in exact arithmetic (integer data), is computed again by
    the gather: the p-values are exactly those of the general path."""
    n = len(values)
    perms = permuted.shape[0]
    p_sim, mean, sd = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    weight = np.zeros(n)
    filled = card > 0
    weight[filled] = other.data[other.indptr[:-1][filled]]
    # statistic = slope * sum + offset
    if kind == "moran":
        slope, offset = scaling * values * weight, scaling * values * (self_w * values)
    else:
        slope, offset = weight / scaling, self_w * values / scaling
    steps = np.diff(values)
    top = float(np.abs(values).max())
    sorted_card = card[order]
    groups = np.flatnonzero(np.r_[True, sorted_card[1:] != sorted_card[:-1], True])
    chunk = max(1, _SUM_CELLS // perms)
    for g0, g1 in zip(groups[:-1], groups[1:]):
        k = int(sorted_card[g0])
        if k == 0:  # islands: nothing to redraw (use handle_islands to avoid them)
            continue
        ids = permuted[:, :k]
        base = values[ids].sum(axis=1)
        for c0 in range(g0, g1, chunk):
            stop_if_cancelled(cancelled)
            rows = order[c0:min(c0 + chunk, g1)]  # increasing: the sort by cardinality is stable
            m = len(rows)
            upto = np.searchsorted(rows, ids, side="right")  # the step of q_j applies to rows[:upto]
            by = np.argsort(upto, axis=1, kind="stable")
            upto = np.take_along_axis(upto, by, axis=1)
            runs = np.zeros((perms, k + 1))
            runs[:, :k] = np.take_along_axis(steps[ids], by, axis=1)[:, ::-1].cumsum(axis=1)[:, ::-1]
            runs += base[:, None]
            lengths = np.diff(np.c_[np.zeros(perms, dtype=upto.dtype), upto, np.full(perms, m)], axis=1)
            sums = np.repeat(runs.ravel(), lengths.ravel()).reshape(perms, m)
            # the sum at which each area's statistic equals the observed one, and the margin of rounding
            a, b, obs = slope[rows], offset[rows], observed[rows]
            flat = a == 0  # z_i = 0 in local Moran: every draw gives the same statistic
            a_safe = np.where(flat, 1.0, a)
            level = (obs - b) / a_safe
            margin = _TIE * ((np.abs(a) * k * top + np.abs(b) + np.abs(obs)) / np.abs(a_safe) + k * top)
            over = (sums > level + margin).sum(axis=0)
            at_least = (sums >= level - margin).sum(axis=0)
            rising = a > 0
            larger = np.where(rising, over, perms - at_least)
            unsure = np.where(rising, at_least, perms - over) != larger
            unsure |= flat
            for r in np.flatnonzero(unsure):  # near ties: those draws as the gather computes them
                i = rows[r]
                near = (sums[:, r] >= level[r] - margin[r]) & (sums[:, r] <= level[r] + margin[r])
                draws = np.arange(perms) if flat[r] else np.flatnonzero(near)
                q = permuted[draws, :k]
                wts = np.repeat(other.data[None, other.indptr[i]:other.indptr[i + 1]], len(draws), axis=0)
                lag = np.einsum("ik,ik->i", values[q + (q >= i)], wts)
                if kind == "moran":
                    again = scaling * values[i] * (lag + self_w[i] * values[i])
                else:
                    again = (lag + self_w[i] * values[i]) / scaling
                certain = 0 if flat[r] else (over[r] if rising[r] else perms - at_least[r])
                larger[r] = certain + int((again >= obs[r]).sum())
            low = (perms - larger) < larger
            larger = np.where(low, perms - larger, larger)
            p_sim[rows] = (larger + 1.0) / (perms + 1.0)
            if moments:
                sims = sums * a + b
                mean[rows] = sims.mean(axis=0)
                sd[rows] = sims.std(axis=0)
    return p_sim, mean, sd


def significant(p: np.ndarray, alpha: float, correction: str = "none") -> np.ndarray:
    """Which p-values stay significant at alpha after Bonferroni or Benjamini-Hochberg FDR control."""
    p = np.asarray(p, dtype=float)
    if correction not in CORRECTIONS:
        raise HotspotError(f"The correction is one of {', '.join(CORRECTIONS)}, not '{correction}'.")
    valid = np.isfinite(p)
    if correction == "none":
        return valid & (p <= alpha)
    if correction == "bonferroni":
        return valid & (p <= alpha / max(valid.sum(), 1))
    return valid & (p <= fdr_threshold(p[valid], alpha))


def fdr_threshold(p: np.ndarray, alpha: float) -> float:
    """Benjamini-Hochberg cut-off as esda.fdr: k alpha / m for the largest k with p_(k) < k alpha / m; when no
    test passes, the Bonferroni bound alpha / m. A p-value at or below the cut-off is significant."""
    ordered = np.sort(np.asarray(p, dtype=float))
    m = len(ordered)
    if m == 0:
        return 0.0
    passing = np.flatnonzero(ordered < alpha * np.arange(1, m + 1) / m)
    return float((passing[-1] + 1) * alpha / m) if len(passing) else alpha / m


def empirical_bayes(numerator, denominator) -> np.ndarray:
    """Global empirical Bayes smoothed rates (Marshall 1991, as esda.smoothing.Empirical_Bayes): each area's
    rate shrunk towards the overall rate, the more so the smaller its denominator, so small areas with a few
    events do not dominate a hotspot test."""
    e = np.asarray(numerator, dtype=float).ravel()
    b = np.asarray(denominator, dtype=float).ravel()
    if e.shape != b.shape or not len(b):
        raise HotspotError("Smoothing needs one numerator and one denominator per area.")
    if not (np.isfinite(e).all() and np.isfinite(b).all()) or (b <= 0).any():
        raise HotspotError("Smoothing needs a numerator and a positive denominator for every area tested.")
    r_mean = e.sum() / b.sum()
    rate = e / b
    r_var = (b * (rate - r_mean) ** 2).sum() / b.sum() - r_mean / b.mean()
    weight = r_var / (r_var + r_mean / b)
    return weight * rate + (1.0 - weight) * r_mean


# ------------------------------------------------------------------ global Moran
@dataclass
class GlobalMoran:
    """Global Moran's I with inference under normality, randomisation and permutation."""

    I: float  # noqa: E741 - the statistic's name
    EI: float
    VI_norm: float
    z_norm: float
    p_norm: float
    VI_rand: float
    z_rand: float
    p_rand: float
    permutations: int
    seed: int | None
    p_sim: float | None = None
    EI_sim: float | None = None
    z_sim: float | None = None
    n: int = 0


def global_moran(y, w: Weights, transform: str = "r", permutations: int = 999,
                 seed: int | None = None, cancelled: Cancel = None) -> GlobalMoran:
    """Moran's I of y on weights w (row-standardised by default); two-tailed p-values as esda.Moran."""
    y = _values(y, w)
    m = w.transformed(transform)
    n = len(y)
    z = y - y.mean()
    s0 = m.sum()
    if s0 == 0:
        raise HotspotError("No area has a neighbour, so Moran's I is undefined.")
    t = m + m.T
    s1 = 0.5 * t.multiply(t).sum()
    s2 = float(((np.asarray(m.sum(axis=1)).ravel() + np.asarray(m.sum(axis=0)).ravel()) ** 2).sum())
    z2ss = (z * z).sum()
    value = float(n / s0 * (z @ (m @ z)) / z2ss)
    ei = -1.0 / (n - 1)
    s02 = s0 * s0
    vi_norm = (n * n * s1 - n * s2 + 3 * s02) / ((n - 1) * (n + 1) * s02) - ei * ei
    k = ((z ** 4).sum() / n) / ((z2ss / n) ** 2)
    a = n * ((n * n - 3 * n + 3) * s1 - n * s2 + 3 * s02)
    b = k * ((n * n - n) * s1 - 2 * n * s2 + 6 * s02)
    vi_rand = (a - b) / ((n - 1) * (n - 2) * (n - 3) * s02) - ei * ei
    z_norm = (value - ei) / np.sqrt(vi_norm)
    z_rand = (value - ei) / np.sqrt(vi_rand)
    result = GlobalMoran(value, ei, vi_norm, z_norm, 2 * _normal_sf(abs(z_norm)), vi_rand, z_rand,
                         2 * _normal_sf(abs(z_rand)), permutations, seed, n=n)
    if permutations:
        rng = np.random.default_rng(seed)
        sims = np.empty(permutations)
        block = max(1, min(permutations, (1 << 22) // max(n, 1)))  # permuted vectors lagged in one product
        for lo in range(0, permutations, block):
            stop_if_cancelled(cancelled)
            zp = np.stack([rng.permutation(z) for _ in range(min(block, permutations - lo))], axis=1)
            sims[lo:lo + zp.shape[1]] = n / s0 * np.einsum("ij,ij->j", zp, m @ zp) / z2ss
        result.p_sim = float(_folded_p(sims[None, :], np.array([value]))[0])
        result.EI_sim = float(sims.mean())
        result.z_sim = float((value - sims.mean()) / sims.std())
    return result


# ------------------------------------------------------------------ local Moran
@dataclass
class LocalMoran:
    """Local Moran's I per area: statistic, analytical z (conditional randomisation), pseudo p, quadrant."""

    Is: np.ndarray
    z: np.ndarray
    EI: np.ndarray
    VI: np.ndarray
    p_sim: np.ndarray
    quadrant: np.ndarray  # 1 HH, 2 LH, 3 LL, 4 HL
    significant: np.ndarray
    cluster: list[str]
    permutations: int
    seed: int | None
    alpha: float
    correction: str
    notes: list[str] = field(default_factory=list)


def local_moran(y, w: Weights, transform: str = "r", permutations: int = 999, seed: int | None = None,
                alpha: float = 0.05, correction: str = "none", permuted: np.ndarray | None = None,
                cancelled: Cancel = None) -> LocalMoran:
    """LISA as esda.Moran_Local: I_i = (n-1) z_i lag(z)_i / sum(z^2) with z standardised; z from Sokal's
    conditional-randomisation moments; p from seeded conditional permutations (or the given draws)."""
    y = _values(y, w)
    m = w.transformed(transform)
    n = len(y)
    z = (y - y.mean()) / y.std()
    den = (z * z).sum()
    lag = m @ z
    local_i = (n - 1) * z * lag / den
    quadrant = np.where(z > 0, np.where(lag > 0, 1, 4), np.where(lag > 0, 2, 3))
    m2 = den / n
    wi = np.asarray(m.sum(axis=1)).ravel()
    wi2 = np.asarray(m.multiply(m).sum(axis=1)).ravel()
    ei = -(z ** 2 * wi) / ((n - 1) * m2)
    vi = (z / m2) ** 2 * (n / (n - 2)) * (wi2 - wi ** 2 / (n - 1)) * (m2 - z ** 2 / (n - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        zscore = (local_i - ei) / np.sqrt(vi)
    p_sim = np.full(n, np.nan)
    if permutations or permuted is not None:
        if permuted is None:
            permuted = permutation_ids(np.diff(m.indptr).max(), n, permutations, seed, cancelled)
        p_sim, _, _ = conditional_randomisation(z, m, local_i, permuted, "moran", (n - 1) / den,
                                                moments=False, cancelled=cancelled)
        permutations = permuted.shape[0]
        p_test = p_sim
    else:
        p_test = 2 * _normal_sf(np.abs(zscore))
    keep = significant(p_test, alpha, correction)
    cluster = [LISA_LABELS[q] if s else NOT_SIGNIFICANT for q, s in zip(quadrant, keep)]
    return LocalMoran(local_i, zscore, ei, vi, p_sim, quadrant, keep, cluster, permutations, seed, alpha, correction,
                      list(w.notes))


# ------------------------------------------------------------------ Getis-Ord Gi*
@dataclass
class GiStar:
    """Getis-Ord Gi* per area: statistic, expectation, variance, z, p and hot/cold category."""

    Gs: np.ndarray
    EGs: np.ndarray
    VGs: np.ndarray
    z: np.ndarray
    p_norm: np.ndarray  # two-sided, from z
    p_sim: np.ndarray
    cluster: list[str]
    permutations: int
    seed: int | None
    correction: str
    notes: list[str] = field(default_factory=list)


def gi_star(y, w: Weights, transform: str = "r", permutations: int = 999, seed: int | None = None,
            correction: str = "none", permuted: np.ndarray | None = None, cancelled: Cancel = None) -> GiStar:
    """Gi* as esda.G_Local(star=True): each area counts itself as a neighbour (weight 1, then the transform).
    Categories: hot / cold spot with 99%, 95% or 90% confidence (from the permutation p when permutations
    were run, else from z), after Bonferroni or FDR control when asked."""
    y = _values(y, w)
    n = len(y)
    off = w.matrix.astype(float).tocsr()
    off = off - sparse.diags(off.diagonal())  # each area's own weight set to 1 below
    off.eliminate_zeros()
    base = (off + sparse.identity(n, format="csr")).tocsr()
    base.sort_indices()
    star = Weights(w.ids, base, w.kind).transformed(transform)
    statistic = (star @ y) / y.sum()
    mean = y.sum() / n
    variance = (y ** 2).sum() / n - mean ** 2
    card = np.asarray(star.sum(axis=1)).ravel()
    egs = card / n
    vgs = card * (n - card) / (n - 1) / n ** 2 * variance / mean ** 2
    zscore = (statistic - egs) / np.sqrt(vgs)
    p_norm = 2 * _normal_sf(np.abs(zscore))
    p_sim = np.full(n, np.nan)
    if permutations or permuted is not None:
        if permuted is None:
            permuted = permutation_ids(np.diff(off.indptr).max(), n, permutations, seed, cancelled)
        p_sim, _, _ = conditional_randomisation(y, star, statistic, permuted, "g", y.sum(), moments=False,
                                                cancelled=cancelled)
        permutations = permuted.shape[0]
    p_test = p_sim if np.isfinite(p_sim).any() else p_norm
    cluster = []
    levels = [(0.01, "99%"), (0.05, "95%"), (0.10, "90%")]
    flags = {a: significant(p_test, a, correction) for a, _ in levels}
    for i in range(n):
        label = NOT_SIGNIFICANT
        for a, confidence in levels:
            if flags[a][i]:
                label = f"{'Hot' if zscore[i] > 0 else 'Cold'} spot, {confidence} confidence"
                break
        cluster.append(label)
    return GiStar(statistic, egs, vgs, zscore, p_norm, p_sim, cluster, permutations, seed, correction,
                  list(w.notes))

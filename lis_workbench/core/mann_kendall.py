"""The Mann-Kendall trend test (Mann 1945, Kendall 1975) as Esri's Emerging Hot Spot Analysis applies it to each
area's series of Gi* z-scores: S, its variance with the correction for tied values, the continuity-corrected z and
the two-sided p. The same numbers as pymannkendall.original_test; numpy and scipy only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr


@dataclass(frozen=True)
class MannKendall:
    """One series' test: S, Var(S), z, two-sided p, Kendall's tau (S over the n(n-1)/2 pairs) and n used."""

    s: float
    var_s: float
    z: float
    p: float
    tau: float
    n: int


def mann_kendall(series) -> MannKendall:
    """Test a series (in time order; missing values left out) for a monotonic trend.

    S = sum over i < j of sign(x_j - x_i); Var(S) = [n(n-1)(2n+5) - sum_t t(t-1)(2t+5)] / 18, t the size of each
    group of equal values; z = (S - 1) / sd for S > 0, (S + 1) / sd for S < 0, else 0; p = 2 (1 - Phi(|z|)).
    Fewer than 3 values, or all equal: no trend can be shown (z 0, p 1; NaN when fewer than 3)."""
    x = np.asarray(series, dtype=float).ravel()
    x = x[np.isfinite(x)]
    n = len(x)
    if n < 3:
        return MannKendall(np.nan, np.nan, np.nan, np.nan, np.nan, n)
    s = float(np.triu(np.sign(x[None, :] - x[:, None]), 1).sum())  # entry [i, j] is sign(x_j - x_i)
    _, ties = np.unique(x, return_counts=True)
    var_s = (n * (n - 1) * (2 * n + 5) - float((ties * (ties - 1) * (2 * ties + 5)).sum())) / 18.0
    if var_s <= 0:
        return MannKendall(s, var_s, 0.0, 1.0, 0.0, n)
    z = (s - np.sign(s)) / np.sqrt(var_s)
    p = float(2 * ndtr(-abs(z)))
    return MannKendall(s, float(var_s), float(z), p, s / (0.5 * n * (n - 1)), n)

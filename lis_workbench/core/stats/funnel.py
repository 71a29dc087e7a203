"""Funnel plots as Fingertips draws them (PHE Fingertips technical guidance; PHEindicatormethods phe_funnels,
phe_funnel_significance and the ratio funnels): control limits at 95% (2 sigma, p = 0.025 each side) and 99.8%
(3 sigma, p = 0.001) around the average of all areas, for proportions (limits from the Wilson score interval, in
closed form) and for ratios of observed to expected events (exact Poisson limits)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.special import gammaincinv, ndtri

from ..errors import AnalysisError

#: The two funnels: (name, one-sided probability of the limit).
LIMITS = (("2s", 0.975), ("3s", 0.999))


def proportion_limit(average: float, population, probability: float, side: str, multiplier: float = 100.0):
    """The value (× multiplier) at which a proportion from `population` people leaves the funnel around
    `average` on one side ("low" or "high"): the root of the Wilson score equation, in closed form."""
    n = np.asarray(population, dtype=float)
    z2 = float(ndtri(probability)) ** 2
    first = average * (n / z2 + 1)
    root = np.sqrt((8 * average * (n / z2 + 1)) ** 2
                   - 64 * (1 / z2 + 1 / n) * average * (n * (average * (n / z2 + 2) - 1) + z2 * (average - 1)))
    last = 1 / z2 + 1 / n
    count = (first - root / 8) / last if side == "low" else (first + root / 8) / last
    return count / n * multiplier


def proportion_funnel(average: float, populations, multiplier: float = 100.0) -> pd.DataFrame:
    """The funnel's lines at the given populations: population, lower_2s, upper_2s, lower_3s, upper_3s (kept
    within 0 and the multiplier) and baseline."""
    if not 0 <= average <= 1:
        raise AnalysisError(f"The average proportion must be between 0 and 1; got {average!r}.")
    n = np.asarray(populations, dtype=float)
    out = pd.DataFrame({"population": n})
    for name, probability in LIMITS:
        out[f"lower_{name}"] = np.maximum(0.0, proportion_limit(average, n, probability, "low", multiplier))
        out[f"upper_{name}"] = np.minimum(multiplier, proportion_limit(average, n, probability, "high", multiplier))
    out["baseline"] = average * multiplier
    return out


def proportion_significance(numerators, denominators, multiplier: float = 100.0) -> np.ndarray:
    """Each area against the funnel of all the areas: "High (0.001)", "High (0.025)", "Low (0.001)",
    "Low (0.025)" or "Not significant", in Fingertips' words."""
    x, n = np.asarray(numerators, dtype=float), np.asarray(denominators, dtype=float)
    if (x < 0).any() or not (n > 0).all() or (x > n).any():
        raise AnalysisError("Funnel plots of proportions need counts between 0 and their denominators (above 0).")
    average = x.sum() / n.sum()
    value = x / n * multiplier
    low3, low2 = (proportion_limit(average, n, p, "low", multiplier) for _, p in reversed(LIMITS))
    high3, high2 = (proportion_limit(average, n, p, "high", multiplier) for _, p in reversed(LIMITS))
    return np.select([value < low3, value < low2, value > high3, value > high2],
                     ["Low (0.001)", "Low (0.025)", "High (0.001)", "High (0.025)"], "Not significant").astype(object)


def funnel_axis(min_denominator: float, max_denominator: float, points: int = 100) -> np.ndarray:
    """The populations along the funnel's axis: from 1 (or just under the smallest denominator, when the largest
    is less than twice it) to just over the largest, spaced evenly on a log scale and rounded, as Fingertips."""
    def floor_neat(v: float) -> float:
        digits = len(str(math.floor(v * 0.95))) - 1
        return 0.0 if v == 0 else math.floor(v * 0.95 / 10 ** digits) * 10 ** digits

    def ceiling_neat(v: float) -> float:
        digits = len(str(math.ceil(v * 1.05))) - 2
        return 0.0 if v == 0 else math.ceil(v * 1.05 / 10 ** digits) * 10 ** digits

    lowest = 0.0 if max_denominator > 2 * min_denominator else floor_neat(min_denominator)
    highest = ceiling_neat(max_denominator)
    axis = [max(1.0, lowest)]
    for j in range(2, points + 1):
        previous = axis[-1]
        axis.append(max(float(round((highest / previous) ** (1 / (points + 1 - j)) * previous)), previous + 1))
    return np.array(axis)


def ratio_funnel(observed) -> pd.DataFrame:
    """For each observed count, the expected counts at which its ratio to them sits on the funnel's limits
    (exact Poisson limits of the observed count): expected_lower_2s / _3s (the ratio is then at the lower limit)
    and expected_upper_2s / _3s, with those ratios."""
    o = np.asarray(observed, dtype=float)
    if (o <= 0).any():
        raise AnalysisError("Funnel limits of ratios need observed counts above 0.")
    out = pd.DataFrame({"observed": o})
    for name, probability in LIMITS:
        at_lower = gammaincinv(o + 1, probability)          # exact upper limit of the count
        at_upper = gammaincinv(o, 1 - probability)          # exact lower limit of the count
        out[f"expected_lower_{name}"], out[f"ratio_lower_{name}"] = at_lower, o / at_lower
        out[f"expected_upper_{name}"], out[f"ratio_upper_{name}"] = at_upper, o / at_upper
    return out

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


def comparison_funnel(kind: str, benchmark: float, multiplier: float, denominators, *,
                      levels: tuple[float, ...] = (0.95, 0.998), points: int = 100, at=None) -> pd.DataFrame:
    """The funnel around a benchmark that matches a comparison's verdicts, along Fingertips' axis of
    denominators: for each denominator n the values at which an area of that size stops being "similar" at each
    level. Proportions: the Wilson score limits (closed form; an area is outside exactly when the benchmark is
    outside its Wilson interval). Rates: the counts whose interval (exact Poisson below 10 events, Byar's from 10,
    as compare() gives it) just reaches the benchmark's expected count, found by bisection. `at`: these
    denominators instead of the axis. Columns: denominator, lower_<L>, upper_<L> per level (L = 95, 99_8),
    benchmark."""
    from ..compare import _level_labels, poisson_interval

    if kind not in ("proportion", "rate"):
        raise AnalysisError("A funnel plot needs a proportion or a rate (values with a denominator); a plain count "
                            "has no funnel.", option="kind")
    n = np.asarray(denominators, dtype=float)
    n = n[np.isfinite(n) & (n > 0)]
    if not len(n):
        raise AnalysisError("A funnel plot needs areas with a denominator above 0.")
    if not (np.isfinite(benchmark) and benchmark >= 0 and multiplier > 0):
        raise AnalysisError(f"The funnel's benchmark must be a value of 0 or more; got {benchmark!r}.")
    axis = funnel_axis(float(n.min()), float(n.max()), points) if at is None else n
    out = pd.DataFrame({"denominator": axis})
    average = benchmark / multiplier
    for level, label in zip(levels, _level_labels(levels)):
        probability = 0.5 + level / 2
        if kind == "proportion":
            if average > 1:
                raise AnalysisError(f"A proportion's benchmark cannot be above {multiplier:g}; got {benchmark:g}.")
            out[f"lower_{label}"] = np.maximum(0.0, proportion_limit(average, axis, probability, "low", multiplier))
            out[f"upper_{label}"] = np.minimum(multiplier, proportion_limit(average, axis, probability, "high",
                                                                            multiplier))
        else:
            expected = average * axis
            low = _count_where(lambda o, c=level: poisson_interval(o, c)[1], expected)  # its upper limit reaches it
            high = _count_where(lambda o, c=level: poisson_interval(o, c)[0], expected)  # its lower limit reaches it
            out[f"lower_{label}"] = low / axis * multiplier
            out[f"upper_{label}"] = high / axis * multiplier
    out["benchmark"] = benchmark
    return out


def _count_where(limit, target: np.ndarray) -> np.ndarray:
    """The (continuous) count at which an increasing limit function of the count reaches `target`, by bisection;
    0 where the limit at count 0 is already past it."""
    lo = np.zeros_like(target)
    hi = target + 10 * np.sqrt(target) + 30
    past = limit(lo) >= target
    for _ in range(80):
        mid = (lo + hi) / 2
        above = limit(mid) >= target
        hi, lo = np.where(above, mid, hi), np.where(above, lo, mid)
    return np.where(past, 0.0, (lo + hi) / 2)

"""Significance against a benchmark, as Fingertips shows it: each area's value with confidence intervals (Wilson for
proportions; for counts and rates exact Poisson limits below 10 events and Byar's from 10, as PHEindicatormethods'
phe_rate) and whether it is higher, similar or lower than - better or worse than - the borough, the region or
England."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import gammaincinv, ndtri

from .choices import COMPARISON_KINDS, POLARITIES
from .errors import AnalysisError

KINDS = COMPARISON_KINDS
#: Fingertips' two levels: 95 % (about 2 standard errors) and 99.8 % (about 3).
LEVELS = (0.95, 0.998)
NOT_COMPARED = "not compared"
METHODS = {"proportion": "Wilson score", "rate": "exact Poisson below 10 events, Byar from 10",
           "count": "exact Poisson below 10 events, Byar from 10"}
#: Below this many events a count's interval is the exact Poisson one (Byar's is within 0.2 % of it only from 10).
EXACT_BELOW = 10


# ------------------------------------------------------------------ intervals
def wilson_interval(successes, trials, confidence: float = 0.95) -> tuple:
    """Wilson score interval of the proportion successes / trials (Newcombe 1998, method 3; PHE's method for
    proportions): it stays inside [0, 1] and is honest at 0 and at n. NaN where trials is 0 or missing.

    Works on numbers or numpy arrays (broadcast together); numbers in give floats out.

    >>> [round(v, 4) for v in wilson_interval(81, 263)]
    [0.2553, 0.3662]
    """
    x, n, scalar = _pair(successes, "successes", trials, "trials")
    _no_negatives(x, "successes")
    _no_negatives(n, "trials")
    over = x > n
    if over.any():
        i = int(np.flatnonzero(over.ravel())[0])
        raise AnalysisError(f"{int(over.sum())} proportion(s) have more successes than trials (the first: "
                            f"{x.ravel()[i]:g} of {n.ravel()[i]:g}); a proportion cannot exceed 1.")
    z = _z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        shrink = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / shrink
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / shrink
        lower = np.where(x == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        upper = np.where(x == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    unusable = ~(n > 0) | np.isnan(x)
    return _out(np.where(unusable, np.nan, lower), np.where(unusable, np.nan, upper), scalar)


def byar_interval(count, confidence: float = 0.95) -> tuple:
    """Byar's approximation to the exact Poisson interval of an observed count (the APHO / PHE Technical Guide's
    method for counts and crude rates). Count 0 gives lower 0; a lower limit the approximation puts below 0 (counts
    of 1 or 2 at 99.8 %) is given as 0. NaN where the count is missing.

    >>> [round(v, 2) for v in byar_interval(65)]
    [50.16, 82.85]
    """
    o = np.asarray(_numbers(count, "count"), dtype=float)
    scalar = o.ndim == 0
    _no_negatives(o, "count")
    z = _z(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
        upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    lower = np.where(o == 0, 0.0, np.maximum(lower, 0.0))
    return _out(np.where(np.isnan(o), np.nan, lower), upper, scalar)


def exact_poisson_interval(count, confidence: float = 0.95) -> tuple:
    """The exact Poisson interval of an observed count (Armitage & Berry 2002; Garwood 1936): the
    (1 - confidence) / 2 quantile of Gamma(count) and the upper one of Gamma(count + 1), i.e. chi-squared with 2x
    and 2x + 2 degrees of freedom, halved. Count 0 gives lower 0. NaN where the count is missing.

    >>> [round(v, 4) for v in exact_poisson_interval(1)]
    [0.0253, 5.5716]
    """
    o = np.asarray(_numbers(count, "count"), dtype=float)
    scalar = o.ndim == 0
    _no_negatives(o, "count")
    _z(confidence)  # a level between 0 and 1, or a clear error
    tail = (1 - confidence) / 2
    with np.errstate(invalid="ignore"):
        lower = np.where(o > 0, gammaincinv(np.where(o > 0, o, 1.0), tail), 0.0)
        upper = gammaincinv(o + 1, 1 - tail)
    missing = np.isnan(o)
    return _out(np.where(missing, np.nan, lower), np.where(missing, np.nan, upper), scalar)


def poisson_interval(count, confidence: float = 0.95) -> tuple:
    """A count's interval as Fingertips gives it (PHEindicatormethods' phe_rate): exact Poisson limits below 10
    events, Byar's approximation from 10. See poisson_method() for which one each count got."""
    exact_lower, exact_upper = exact_poisson_interval(count, confidence)
    byar_lower, byar_upper = byar_interval(count, confidence)
    small = np.asarray(_numbers(count, "count"), dtype=float) < EXACT_BELOW
    scalar = np.ndim(exact_lower) == 0
    return _out(np.where(small, exact_lower, byar_lower), np.where(small, exact_upper, byar_upper), scalar)


def poisson_method(count) -> np.ndarray:
    """Which interval poisson_interval() gives each count: "exact Poisson" (below 10), "Byar" or "" (missing)."""
    o = np.atleast_1d(np.asarray(_numbers(count, "count"), dtype=float))
    return np.where(np.isnan(o), "", np.where(o < EXACT_BELOW, "exact Poisson", "Byar")).astype(object)


def rate_interval(count, denominator, multiplier: float = 1.0, confidence: float = 0.95) -> tuple:
    """Interval of the crude rate count / denominator × multiplier (e.g. per 100,000 residents): the count's
    interval (exact Poisson below 10 events, Byar from 10) scaled, as PHEindicatormethods' phe_rate. NaN where
    the denominator is 0 or missing."""
    o, d, scalar = _pair(count, "count", denominator, "denominator")
    _no_negatives(d, "denominator")
    if not multiplier > 0:
        raise AnalysisError(f"The rate multiplier must be a positive number (1, 100, 1000, ...); got {multiplier!r}.")
    lower, upper = poisson_interval(o, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(d > 0, multiplier / d, np.nan)
    return _out(lower * scale, upper * scale, scalar)


# ------------------------------------------------------------------ benchmarks
def total_benchmark(frame: pd.DataFrame, *, kind: str, multiplier: float = 1.0) -> float:
    """The benchmark of all the frame's areas together (e.g. the borough from its wards): summed numerators over
    summed denominators × multiplier. Areas whose numerator or denominator is missing or suppressed are left out of
    both sums, so the benchmark is that of the areas shown with values."""
    prepared = _prepare(frame, _kind(kind))
    if kind == "count":
        raise AnalysisError("Counts of different areas cannot be compared with their total: give the benchmark as a "
                            "number (e.g. an expected count) or name a benchmark area.")
    usable = prepared[prepared["reason"] == ""]
    if usable.empty:
        raise AnalysisError("No area has both a numerator and a denominator, so there is no total to compare with.")
    return float(usable["numerator"].sum() / usable["denominator"].sum() * multiplier)


def area_benchmark(frame: pd.DataFrame, area_code: str, *, kind: str, multiplier: float = 1.0) -> float:
    """The value of one named area of the frame (e.g. the England or North West row), to compare the others with."""
    prepared = _prepare(frame, _kind(kind)).set_index("area_code")
    if area_code not in prepared.index:
        some = ", ".join(map(str, prepared.index[:5]))
        raise AnalysisError(f"The benchmark area '{area_code}' is not in the values (which hold {len(prepared)} areas, "
                            f"e.g. {some}).")
    row = prepared.loc[area_code]
    if row["reason"]:
        raise AnalysisError(f"The benchmark area '{area_code}' has no value to compare with ({row['reason']}).")
    return float(_value(row["numerator"], row["denominator"], kind, multiplier))


# ------------------------------------------------------------------ comparison
def compare(frame: pd.DataFrame, benchmark: float | str, *, kind: str, polarity: str | None = None,
            levels: tuple[float, ...] = LEVELS, multiplier: float = 1.0) -> pd.DataFrame:
    """Each area's value, its confidence intervals and its verdict against a benchmark, Fingertips-style.

    frame: one row per area: area_code, numerator (or count), denominator (not for kind "count") and optionally
        area_name and suppressed.
    benchmark: a value in the same units as the areas' values (see total_benchmark()), or the area_code of a row
        of the frame whose value is the benchmark (area_benchmark()).
    kind: "proportion" (numerator out of denominator, Wilson interval), "rate" (events per denominator, Byar
        interval) or "count" (the count itself, Byar interval).
    polarity: "high_is_bad", "high_is_good", or None / "neutral" (no better / worse judgement).
    levels: the confidence levels, e.g. (0.95, 0.998) for Fingertips' 95 % and 99.8 %.
    multiplier: values are numerator / denominator × multiplier (100 for a percentage, 1000 per 1,000); not used
        for counts.

    An area is "higher" (or "lower") when its whole interval lies above (below) the benchmark, otherwise "similar";
    with a polarity, higher becomes "worse" (high_is_bad) or "better" (high_is_good). The benchmark is taken as
    exact. Areas without a usable value (suppressed, no numerator or denominator, denominator 0) are kept, with NaN
    values, "not compared" and the reason (a suppressed area's numerator and denominator are not shown).

    Returns one row per area, in the frame's order: area_code, [area_name,] numerator, denominator, value, then per
    level lower_<L>, upper_<L> (L = 95, 99_8, ...), benchmark, then per level vs_benchmark_<L> (higher / similar /
    lower / not compared) and assessment_<L> (better / similar / worse / not compared), and reason ("" when
    compared). attrs: kind, method, benchmark, benchmark_area, levels, multiplier, polarity.
    """
    kind = _kind(kind)
    polarity = normalise_polarity(polarity)
    labels = _level_labels(levels)
    if not multiplier > 0:
        raise AnalysisError(f"The multiplier must be a positive number (1, 100, 1000, ...); got {multiplier!r}.")
    if kind == "count":
        multiplier = 1.0
    prepared = _prepare(frame, kind)
    benchmark_area = None
    if isinstance(benchmark, str):
        benchmark_area = benchmark
        benchmark = area_benchmark(frame, benchmark, kind=kind, multiplier=multiplier)
    try:
        benchmark = float(benchmark)
    except (TypeError, ValueError):
        raise AnalysisError(f"The benchmark must be a number or an area code; got {benchmark!r}.") from None
    if not np.isfinite(benchmark):
        raise AnalysisError("The benchmark value is missing (NaN): there is nothing to compare the areas with.")

    num = prepared["numerator"].to_numpy(float)
    den = prepared["denominator"].to_numpy(float)
    usable = (prepared["reason"] == "").to_numpy()
    result = prepared[["area_code"] + (["area_name"] if "area_name" in prepared else [])].copy()
    result["numerator"] = num
    result["denominator"] = den
    result["value"] = np.where(usable, _value(num, den, kind, multiplier), np.nan)
    verdicts = {}
    for level, label in zip(levels, labels):
        if kind == "proportion":
            lower, upper = wilson_interval(np.where(usable, num, np.nan), np.where(usable, den, np.nan), level)
            lower, upper = lower * multiplier, upper * multiplier
        elif kind == "rate":
            lower, upper = rate_interval(np.where(usable, num, np.nan), np.where(usable, den, np.nan), multiplier,
                                         level)
        else:
            lower, upper = poisson_interval(np.where(usable, num, np.nan), level)
        result[f"lower_{label}"] = lower
        result[f"upper_{label}"] = upper
        side = np.where(lower > benchmark, "higher", np.where(upper < benchmark, "lower", "similar"))
        verdicts[label] = np.where(usable, side, NOT_COMPARED)
    result["benchmark"] = benchmark
    for label in labels:
        result[f"vs_benchmark_{label}"] = verdicts[label]
        result[f"assessment_{label}"] = _assess(verdicts[label], polarity)
    result["reason"] = prepared["reason"].to_numpy()
    result["method"] = (np.where(usable, "Wilson score", "") if kind == "proportion"
                        else np.where(usable, poisson_method(np.where(usable, num, np.nan)), "")).astype(object)
    result.attrs.update(kind=kind, method=METHODS[kind], benchmark=benchmark, benchmark_area=benchmark_area,
                        levels=tuple(levels), multiplier=multiplier, polarity=polarity)
    return result.reset_index(drop=True)


def normalise_polarity(polarity: str | None) -> str | None:
    """The polarity as "high_is_bad" or "high_is_good", or None when it is neutral or not known; refuses others."""
    if polarity is None or (isinstance(polarity, float) and np.isnan(polarity)):
        return None
    text = str(polarity).strip().lower().replace(" ", "_")
    if text in ("", "neutral"):
        return None
    if text not in POLARITIES:
        raise AnalysisError(f"Unknown polarity '{polarity}': use high_is_bad, high_is_good or neutral.")
    return text


# ------------------------------------------------------------------ inside
def _assess(verdict: np.ndarray, polarity: str | None) -> np.ndarray:
    """higher / lower as better / worse for the polarity; "not compared" without one."""
    if polarity is None:
        return np.full(len(verdict), NOT_COMPARED, dtype=object)
    high = "worse" if polarity == "high_is_bad" else "better"
    low = "better" if polarity == "high_is_bad" else "worse"
    return np.select([verdict == "higher", verdict == "lower", verdict == "similar"], [high, low, "similar"],
                     NOT_COMPARED).astype(object)


def _value(num, den, kind: str, multiplier: float):
    """An area's value: the count itself, or numerator / denominator × multiplier."""
    if kind == "count":
        return num
    with np.errstate(divide="ignore", invalid="ignore"):
        return num / den * multiplier


def _prepare(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """area_code, [area_name,] numerator, denominator (floats) and the reason an area cannot be compared ("" if it
    can); refuses missing columns, repeated areas, negative numbers and proportions above 1 (suppressed rows
    aside, as their numbers are not used), naming the areas."""
    if "area_code" not in frame.columns:
        raise AnalysisError(f"The values have no area_code column; their columns are {', '.join(map(str, frame))}.")
    count_column = "numerator" if "numerator" in frame.columns else "count" if "count" in frame.columns else None
    if count_column is None:
        raise AnalysisError(f"The values have no numerator (or count) column, so no confidence interval can be "
                            f"computed; their columns are {', '.join(map(str, frame.columns))}.")
    if kind != "count" and "denominator" not in frame.columns:
        raise AnalysisError(f"A {kind} needs a denominator column; the values' columns are "
                            f"{', '.join(map(str, frame.columns))}.")
    codes = frame["area_code"]
    repeated = codes[codes.duplicated()].unique()
    if len(repeated):
        raise AnalysisError(f"Area(s) {_few(repeated)} appear more than once; give one row per area "
                            "(one period of one indicator).")
    out = pd.DataFrame({"area_code": codes.to_numpy()})
    if "area_name" in frame.columns:
        out["area_name"] = frame["area_name"].to_numpy()
    raw_num = frame[count_column]
    num = pd.to_numeric(raw_num, errors="coerce").to_numpy(float)
    if kind == "count":
        raw_den = pd.Series(np.nan, index=frame.index)
    else:
        raw_den = frame["denominator"]
    den = pd.to_numeric(raw_den, errors="coerce").to_numpy(float)
    suppressed = frame["suppressed"].eq(True).to_numpy() if "suppressed" in frame.columns else np.zeros(len(out), bool)
    for values, name in ((num, count_column), (den, "denominator")):
        negative = (values < 0) & ~suppressed
        if negative.any():
            raise AnalysisError(f"Column '{name}' has negative values for area(s) {_few(codes[negative])}; counts "
                                "and denominators cannot be below 0.")
    if kind == "proportion":
        over = (num > den) & ~suppressed
        if over.any():
            raise AnalysisError(f"The numerator is larger than the denominator for area(s) {_few(codes[over])}: a "
                                "proportion cannot exceed 1 (is this a rate rather than a proportion?).")
    reason = np.select(
        [suppressed,
         raw_num.notna().to_numpy() & np.isnan(num), np.isnan(num),
         np.full(num.shape, kind != "count") & raw_den.notna().to_numpy() & np.isnan(den),
         np.full(num.shape, kind != "count") & np.isnan(den),
         np.full(num.shape, kind != "count") & (den == 0)],
        ["suppressed", f"{count_column} is not a number", f"no {count_column}", "denominator is not a number",
         "no denominator", "denominator is 0"], "")
    out["numerator"] = np.where(suppressed, np.nan, num)  # a suppressed number is not shown again
    out["denominator"] = np.where(suppressed, np.nan, den)
    out["reason"] = reason.astype(object)
    return out


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise AnalysisError(f"Unknown kind '{kind}': use proportion (Wilson interval), rate or count (Byar).")
    return kind


def _level_labels(levels) -> list[str]:
    """Column suffixes of the confidence levels: 0.95 -> "95", 0.998 -> "99_8"."""
    if not len(levels):
        raise AnalysisError("Give at least one confidence level, e.g. (0.95, 0.998).")
    for level in levels:
        _z(level)
    labels = [f"{level * 100:g}".replace(".", "_") for level in levels]
    if len(set(labels)) != len(labels):
        raise AnalysisError(f"The confidence levels {tuple(levels)} repeat a level.")
    return labels


def _z(confidence: float) -> float:
    """The two-sided normal quantile of a confidence level."""
    if not isinstance(confidence, (int, float, np.floating)) or not 0 < confidence < 1:
        raise AnalysisError(f"A confidence level is a fraction between 0 and 1 (e.g. 0.95 or 0.998); "
                            f"got {confidence!r}.")
    return float(ndtri(0.5 + confidence / 2))  # scipy.stats.norm.ppf, bit for bit, without importing scipy.stats


def _numbers(values, name: str) -> np.ndarray:
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise AnalysisError(f"The {name} must be numbers; got {values!r}.") from None


def _pair(a, a_name: str, b, b_name: str) -> tuple[np.ndarray, np.ndarray, bool]:
    """Two inputs as float arrays of one shape, and whether both were single numbers."""
    x, y = _numbers(a, a_name), _numbers(b, b_name)
    scalar = x.ndim == 0 and y.ndim == 0
    try:
        x, y = np.broadcast_arrays(x, y)
    except ValueError:
        raise AnalysisError(f"The {a_name} ({x.size} values) and {b_name} ({y.size} values) do not match "
                            "in length.") from None
    return x, y, scalar


def _no_negatives(values: np.ndarray, name: str) -> None:
    negative = values < 0
    if negative.any():
        raise AnalysisError(f"{int(negative.sum())} {name} value(s) are negative (the first: "
                            f"{values[negative].ravel()[0]:g}); they cannot be below 0.")


def _out(lower: np.ndarray, upper: np.ndarray, scalar: bool) -> tuple:
    if scalar:
        return float(lower), float(upper)
    return np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)


def _few(codes) -> str:
    """Up to five area codes for a message, and how many more."""
    codes = [str(c) for c in codes]
    text = ", ".join(codes[:5])
    return text + (f" and {len(codes) - 5} more" if len(codes) > 5 else "")

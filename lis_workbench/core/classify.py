"""Class breaks for choropleth maps: quantile, equal interval, Fisher-Jenks, standard deviation, decile, manual.

Breaks follow mapclassify's conventions (upper bound per class, a value goes to the first class whose upper
bound is >= the value) so maps agree with other tools, but need only numpy: the plugin runs in QGIS's Python.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .choices import CLASSIFICATION_METHODS
from .errors import ClassificationError

METHODS = CLASSIFICATION_METHODS

_METHOD_NAMES = {
    "quantile": "equal numbers of areas",
    "equal": "equal interval",
    "jenks": "natural breaks (Jenks)",
    "stddev": "standard deviation",
    "decile": "deciles",
    "manual": "your own breaks",
}
_STDDEV_MULTIPLES = (-2.0, -1.0, 1.0, 2.0)
# Two Jenks candidates whose within-class sums of squares differ by less than this fraction of the prefix's
# sum of squares are treated as tied (float64 rounding noise); the tie goes to the larger last class, as in
# mapclassify's FisherJenks.
_JENKS_RTOL = 1e-12

Formatter = str | Callable[[float], str]




@dataclass(eq=False)
class Classification:
    """The result of classify(): breaks, class per area, counts and legend labels.

    For every method except "decile" class 0 holds the lowest values. For "decile" the classes follow the
    decile meaning (class 0 is decile 1, the most in need); `descending` is then True when class 0 holds the
    highest values. `bins` is always ascending; `counts`, `labels` and `intervals()` are per class index.
    """

    method: str
    k: int
    bins: np.ndarray
    lower: float
    classes: np.ndarray
    counts: list[int]
    no_data: int
    labels: list[str]
    descending: bool = False

    def _position(self, cls: int) -> int:
        """Position in the ascending `bins` of class index `cls`."""
        return self.k - 1 - cls if self.descending else cls

    def intervals(self) -> list[tuple[float, float]]:
        """(lower, upper) of each class, in class-index order, for a graduated renderer.

        Class i covers lower < value <= upper; the first class (in value order) starts at the data minimum,
        or at its own upper bound when that is below the minimum (an empty stddev or manual class).
        """
        ascending = []
        for j, upper in enumerate(self.bins):
            lo = min(self.lower, float(upper)) if j == 0 else float(self.bins[j - 1])
            ascending.append((lo, float(upper)))
        return [ascending[self._position(c)] for c in range(self.k)]


# ------------------------------------------------------------------ public entry point
def classify(values: Any, method: str = "quantile", k: int = 5, breaks: Sequence[float] | None = None,
             suppressed: Any = None, high_is_bad: bool = True, fmt: Formatter | None = None) -> Classification:
    """Split `values` into map classes with `method` (one of METHODS); NaN and suppressed values are "no data"
    (class -1, counted in no_data) and take no part in the breaks.

    - quantile, equal, jenks: `k` classes with mapclassify's Quantiles / EqualInterval / FisherJenks breaks
      and classes. Where we differ, on purpose: fewer distinct values than `k` gives one class per distinct
      value (mapclassify warns, leaves empty classes or refuses); a quantile class left empty by ties is
      dropped; Jenks is the exact optimum, which mapclassify's float32 arithmetic occasionally misses.
      Equal-interval classes may be empty (equal widths are the point).
    - stddev: mapclassify's StdMean, bounds at mean -2, -1, +1, +2 sample SDs (plus the maximum when above
      +2 SD); `k` is ignored. Outer classes may be empty: "no area is 2 SD below the mean" is a finding.
    - decile: `k` is ignored; class 0 is decile 1, the most in need (see _decile).
    - manual: `breaks` are upper bounds (ascending, no repeats), as mapclassify's UserDefined: the maximum is
      added as a last class when they stop below it; empty classes are kept.
    `high_is_bad` only matters for deciles. `fmt` formats label numbers: a format string such as "{:,.1f}" or
    a function; by default just enough decimals to tell the breaks apart.
    """
    name = _check_method(method)
    y, valid = _prepare(values, suppressed)
    data = y[valid]
    if data.size == 0:
        raise ClassificationError(
            f"There is nothing to classify: all {y.size} values are missing or suppressed."
            if y.size else "There is nothing to classify: no values were given.")
    if breaks is not None and name != "manual":
        raise ClassificationError(f"Breaks can only be given with the 'manual' method, not '{name}'.")
    if name in ("quantile", "equal", "jenks"):
        k = _check_k(k, name)
    formatter = _formatter(fmt)

    if name == "decile":
        return _decile(y, valid, high_is_bad, formatter)

    distinct = np.unique(data)
    per_value = False
    if name == "manual":
        bins = _manual_bins(data, breaks)
    elif distinct.size == 1 or (name in ("quantile", "equal", "jenks") and distinct.size < k):
        bins, per_value = distinct, True  # one class per distinct value (mapclassify warns, leaves empty
        # classes or refuses)
    elif name == "quantile":
        bins = _drop_empty(_quantile_bins(data, k), distinct)
    elif name == "equal":
        bins = _equal_bins(data, k)
    elif name == "jenks":
        u, counts = np.unique(data, return_counts=True)
        bins = _jenks_bins(u, counts.astype(np.float64), k)
    else:  # stddev
        bins = _stddev_bins(data)

    classes = np.full(y.shape, -1, dtype=np.int64)
    classes[valid] = np.searchsorted(bins, data, side="left")
    kk = int(bins.size)
    lower = float(data.min())
    return Classification(
        method=name, k=kk, bins=bins, lower=lower, classes=classes,
        counts=np.bincount(classes[valid], minlength=kk).tolist(), no_data=int(y.size - data.size),
        labels=_range_labels(bins, lower, formatter, per_value))


# ------------------------------------------------------------------ input checks
def _check_method(method: str) -> str:
    """The method name, lower-cased, or an error listing the valid ones."""
    name = method.strip().lower() if isinstance(method, str) else method
    if name not in METHODS:
        valid = ", ".join(f"'{m}' ({_METHOD_NAMES[m]})" for m in METHODS)
        raise ClassificationError(f"Unknown classification method '{method}'. Choose one of: {valid}.")
    return name


def _check_k(k: Any, name: str) -> int:
    """The number of classes as an int >= 2."""
    if isinstance(k, float | np.floating) and float(k).is_integer():
        k = int(k)
    if isinstance(k, bool) or not isinstance(k, int | np.integer):
        raise ClassificationError(f"The number of classes must be a whole number, not {k!r}.")
    if k < 2:
        raise ClassificationError(f"A '{name}' map needs at least 2 classes; {k} was asked for.")
    return int(k)


def _prepare(values: Any, suppressed: Any) -> tuple[np.ndarray, np.ndarray]:
    """Values as a flat float array and the mask of those usable (not missing, not suppressed)."""
    try:
        if hasattr(values, "to_numpy"):  # pandas Series / nullable arrays: pd.NA -> NaN
            y = values.to_numpy(dtype=np.float64, na_value=np.nan)
        else:
            y = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ClassificationError(
            "The values to classify must all be numbers (blank for missing); some are not.") from exc
    y = y.reshape(-1)
    if np.isinf(y).any():
        raise ClassificationError(
            f"{int(np.isinf(y).sum())} value(s) are infinite (for example a rate divided by zero); "
            "set them to missing or fix the calculation before mapping.")
    valid = ~np.isnan(y)
    if suppressed is not None:
        if hasattr(suppressed, "to_numpy"):
            mask = suppressed.to_numpy(dtype=bool, na_value=False)
        else:
            mask = np.asarray(suppressed, dtype=bool)
        mask = mask.reshape(-1)
        if mask.size != y.size:
            raise ClassificationError(
                f"The suppression flags ({mask.size}) do not line up with the values ({y.size}).")
        valid &= ~mask
    return y, valid


def _manual_bins(data: np.ndarray, breaks: Sequence[float] | None) -> np.ndarray:
    """The user's upper bounds, checked, with the data maximum appended when they stop short (as UserDefined)."""
    if breaks is None:
        raise ClassificationError("The 'manual' method needs the class breaks (upper bounds) to be given.")
    try:
        bins = np.asarray(breaks, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise ClassificationError(f"The manual breaks must be numbers; got {list(breaks)!r}.") from exc
    if bins.size == 0:
        raise ClassificationError("The manual breaks are empty; give at least one upper bound.")
    if not np.isfinite(bins).all():
        raise ClassificationError("The manual breaks must be ordinary numbers (no blanks or infinities).")
    steps = np.diff(bins)
    if (steps == 0).any():
        raise ClassificationError(
            f"The manual breaks repeat a value ({_plain(bins[1:][steps == 0][0])}); each break must be different.")
    if (steps < 0).any():
        i = int(np.flatnonzero(steps < 0)[0])
        raise ClassificationError(
            f"The manual breaks must go up from lowest to highest; {_plain(bins[i + 1])} comes after "
            f"{_plain(bins[i])}.")
    top = data.max()
    if bins[-1] < top:
        bins = np.append(bins, top)
    return bins


# ------------------------------------------------------------------ the methods
def _quantile_bins(data: np.ndarray, k: int) -> np.ndarray:
    """mapclassify.classifiers.quantile: scipy's scoreatpercentile ("fraction") at 100/k steps, de-duplicated.

    Reproduced operation for operation (same percentile grid, same interpolation arithmetic) so the breaks
    are bit-identical without importing scipy.stats in QGIS.
    """
    w = 100.0 / k
    p = np.arange(w, 100 + w, w)
    if p[-1] > 100.0:
        p[-1] = 100.0
    ordered = np.sort(data)
    last = ordered.size - 1
    q = []
    for per in p:
        idx = per / 100.0 * last
        i = int(idx)
        if i == idx:
            q.append(float(ordered[i]))
        else:
            w0, w1 = (i + 1) - idx, idx - i
            q.append(float((ordered[i] * w0 + ordered[i + 1] * w1) / (w0 + w1)))
    return np.unique(np.array(q))


def _drop_empty(bins: np.ndarray, distinct: np.ndarray) -> np.ndarray:
    """Remove bins whose class would hold no value (quantile breaks interpolated inside one gap between
    tied values); no value changes group, only empty classes go."""
    below = np.concatenate(([-np.inf], bins[:-1]))
    # a class (below, bin] is occupied when some distinct value lies in it
    first = np.searchsorted(distinct, below, side="right")
    occupied = (first < distinct.size) & (distinct[np.minimum(first, distinct.size - 1)] <= bins)
    return bins[occupied]


def _equal_bins(data: np.ndarray, k: int) -> np.ndarray:
    """mapclassify.EqualInterval: k classes of equal width from min to max (last bound = max)."""
    max_y, min_y = data.max(), data.min()
    width = (max_y - min_y) * 1.0 / k
    cuts = np.arange(min_y + width, max_y + width, width)
    if len(cuts) > k:  # float overshoot of arange, as mapclassify
        cuts = cuts[0:k]
    cuts[-1] = max_y
    return np.unique(cuts)  # only ever removes repeats when width is below float resolution


def _stddev_bins(data: np.ndarray) -> np.ndarray:
    """mapclassify.StdMean(multiples=[-2, -1, 1, 2]): mean + m * sample SD, plus the maximum if above +2 SD."""
    s = data.std(ddof=1)
    m = data.mean()
    cuts = [m + s * w for w in _STDDEV_MULTIPLES]
    top = data.max()
    if cuts[-1] < top:
        cuts.append(top)
    return np.array(cuts)


def _jenks_bins(u: np.ndarray, c: np.ndarray, k: int) -> np.ndarray:
    """Exact Fisher-Jenks breaks: the k classes of the sorted distinct values `u` (counts `c`) with the least
    total within-class sum of squares; returns each class's largest value.

    Dynamic programming over distinct values (an optimal split never parts tied values), one layer per class.
    The best start of the last class never moves left as its end moves right (the cost is a Monge array), so
    each layer is solved by divide and conquer, each recursion level one vectorised numpy pass: O(k n log n)
    rather than O(k n^2). Ties (within float64 noise, _JENKS_RTOL) go to the larger last class, as
    mapclassify's `>=` does; mapclassify itself works in float32, so on near-ties it can miss the optimum.
    """
    n = u.size
    if k >= n:
        return u.copy()
    x = u - u[n // 2]  # shift by a data value: smaller sums, exact for integer data
    x = np.ldexp(x, -int(np.frexp(np.abs(x).max())[1]))  # exact power-of-two scaling: no overflow of x * x
    cw = np.concatenate(([0.0], np.cumsum(c)))
    s1 = np.concatenate(([0.0], np.cumsum(c * x)))
    s2 = np.concatenate(([0.0], np.cumsum(c * x * x)))

    def cost(start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Sum of squared deviations of distinct values start..end-1 (with their counts)."""
        t = s1[end] - s1[start]
        return (s2[end] - s2[start]) - t * t / (cw[end] - cw[start])

    ends = np.arange(n + 1)
    prev = np.full(n + 1, np.inf)
    prev[1:] = cost(np.zeros(n, dtype=np.int64), ends[1:])
    back = np.zeros((k + 1, n + 1), dtype=np.int32)
    for j in range(2, k + 1):
        # rows e (classes 1..j cover values 0..e-1); earlier classes need j-1 values, later ones k-j
        lo_e = np.array([n if j == k else j])
        hi_e = np.array([n - (k - j)])
        lo_s, hi_s = np.array([j - 1]), np.array([n - (k - j) - 1])
        cur = np.full(n + 1, np.inf)
        while lo_e.size:
            mid = (lo_e + hi_e) // 2
            start = lo_s
            stop = np.minimum(hi_s, mid - 1)
            lengths = stop - start + 1
            offsets = np.concatenate(([0], np.cumsum(lengths)[:-1]))
            task = np.repeat(np.arange(mid.size), lengths)
            flat = np.arange(int(lengths.sum()))
            s = start[task] + (flat - offsets[task])
            val = prev[s] + cost(s, mid[task])
            best_val = np.minimum.reduceat(val, offsets)
            near = val <= (best_val + _JENKS_RTOL * s2[mid])[task]
            first = np.minimum.reduceat(np.where(near, flat, flat.size), offsets)
            best = s[first]
            cur[mid] = val[first]
            back[j, mid] = best
            left = lo_e <= mid - 1
            right = mid + 1 <= hi_e
            lo_e, hi_e, lo_s, hi_s = (
                np.concatenate((lo_e[left], mid[right] + 1)), np.concatenate((mid[left] - 1, hi_e[right])),
                np.concatenate((lo_s[left], best[right])), np.concatenate((best[left], hi_s[right])))
        prev = cur
    bins = np.empty(k)
    e = n
    for j in range(k, 1, -1):
        bins[j - 1] = u[e - 1]
        e = int(back[j, e])
    bins[0] = u[e - 1]
    return bins


def _decile(y: np.ndarray, valid: np.ndarray, high_is_bad: bool, formatter: Callable[[float], str] | None
            ) -> Classification:
    """National-IMD-style deciles of the given areas: rank from most in need (rank 1) to least, decile
    d = ceil(10 * rank / n), so decile 1 is the 10% most in need; class 0 is decile 1.

    Most in need = highest values when `high_is_bad`, else lowest (e.g. IMD ranks, where 1 is most deprived).
    Ties share the rank of their most-in-need member ("1224" ranking), so tied areas always share a decile and
    a tie group straddling a boundary goes to the more-in-need decile; deciles left empty by ties are dropped
    (class indices stay in need order, the labels keep the decile numbers). Deciles are relative to the areas
    given (e.g. Wigan's LSOAs), not the national ones. Needs at least 10 areas with values.
    """
    data = y[valid]
    n = data.size
    if n < 10:
        raise ClassificationError(
            f"Deciles need at least 10 areas with values; only {n} have one. Use 'quantile' with fewer classes.")
    need = -data if high_is_bad else data  # ascending need order: most in need first
    rank = np.searchsorted(np.sort(need), need, side="left") + 1
    decile = (10 * rank + n - 1) // n  # ceil(10 * rank / n) in exact integer arithmetic
    present, cls = np.unique(decile, return_inverse=True)
    kk = int(present.size)
    uppers = np.array([data[cls == c].max() for c in range(kk)])
    bins = np.sort(uppers)
    classes = np.full(y.shape, -1, dtype=np.int64)
    classes[valid] = cls.reshape(-1)
    lower = float(data.min())
    ranges = _range_labels(bins, lower, formatter)  # ascending value order
    labels = []
    for c, d in enumerate(present):
        tag = " (most in need)" if d == 1 else " (least in need)" if d == 10 else ""
        labels.append(f"Decile {d}{tag}: {ranges[kk - 1 - c if high_is_bad else c]}")
    return Classification(
        method="decile", k=kk, bins=bins, lower=lower, classes=classes,
        counts=np.bincount(cls.reshape(-1), minlength=kk).tolist(), no_data=int(y.size - n), labels=labels,
        descending=bool(high_is_bad and kk > 1))


# ------------------------------------------------------------------ labels
def _formatter(fmt: Formatter | None) -> Callable[[float], str] | None:
    """A number formatter from a format string or function (None: decided from the breaks later)."""
    if fmt is None:
        return None
    if callable(fmt):
        return fmt
    try:
        fmt.format(1.5)
    except (ValueError, IndexError, KeyError, AttributeError) as exc:
        raise ClassificationError(
            f"The label format {fmt!r} is not valid; use something like '{{:,.1f}}' (one decimal).") from exc
    return lambda v: _no_minus_zero(fmt.format(v))


def _auto_formatter(numbers: np.ndarray, exact: bool = False) -> Callable[[float], str]:
    """Fewest decimals (0-6) that keep different numbers different and move none by more than 1% of the
    smallest gap between them (`exact`: not at all), so 6,568.8 shows as 6,569 but 5.5 stays 5.5."""
    vals = sorted({float(v) for v in numbers})
    gaps = np.diff(vals)
    slack = 0.0 if exact or not gaps.size else 0.01 * float(gaps.min())
    for d in range(7):
        spec = f"{{:,.{d}f}}"
        if (len({spec.format(v) for v in vals}) == len(vals)
                and all(abs(round(v, d) - v) <= slack + 1e-12 * abs(v) for v in vals)):
            def fixed(v: float, spec: str = spec) -> str:
                return _no_minus_zero(spec.format(v))
            return fixed
    return lambda v: _no_minus_zero(plain_number(v))


def plain_number(v: float, significant: int = 6) -> str:
    """A number as people read it in print: thousands separators and about `significant` figures, never
    scientific notation (1263500 -> 1,263,500, 0.000123456 -> 0.000123456)."""
    v = float(v)
    if not math.isfinite(v) or v == 0:
        return "0" if v == 0 else str(v)
    decimals = min(max(significant - 1 - math.floor(math.log10(abs(v))), 0), 12)
    text = f"{v:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _no_minus_zero(text: str) -> str:
    """'-0.0' -> '0.0': a rounded tiny negative should not read as negative."""
    if text.startswith("-") and not any(ch in "123456789" for ch in text):
        return text[1:]
    return text


def _plain(v: float) -> str:
    """A number for an error message: no trailing .0 on whole numbers."""
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,g}"


def _range_labels(bins: np.ndarray, lower: float, formatter: Callable[[float], str] | None,
                  per_value: bool = False) -> list[str]:
    """Legend text per class in ascending order: "up to a", "a to b", ..., "over z"; just the value when each
    class is one distinct value (`per_value`)."""
    k = bins.size
    if per_value:
        f = formatter or _auto_formatter(bins, exact=True)
        return [f(float(b)) for b in bins]
    f = formatter or _auto_formatter(bins if k > 1 else np.append(bins, lower), exact=k == 1)
    if k == 1:
        lo, hi = f(min(lower, float(bins[0]))), f(float(bins[0]))
        return [hi if lo == hi else f"{lo} to {hi}"]
    labels = [f"up to {f(float(bins[0]))}"]
    labels += [f"{f(float(bins[j - 1]))} to {f(float(bins[j]))}" for j in range(1, k - 1)]
    labels.append(f"over {f(float(bins[k - 2]))}")
    return labels


def symmetric_breaks(values, classes: int = 5) -> list[float]:
    """Upper bounds of `classes` (odd) equal-width classes centred on 0 that cover the values, so a diverging ramp
    puts "little change" in its pale middle class whatever the spread. [-0.6m, -0.2m, 0.2m, 0.6m, m] for 5."""
    data = np.asarray(values, dtype=float)
    data = data[np.isfinite(data)]
    if not data.size:
        raise ClassificationError("There is no change to map: every area lacks a value for one of the two periods.")
    reach = float(np.abs(data).max()) or 1.0
    reach = nice_ceiling(reach)
    width = 2 * reach / classes
    return [-reach + width * (i + 1) for i in range(classes)]


def nice_ceiling(x: float) -> float:
    """x rounded up to 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 or 10 times a power of ten (tidy legend numbers)."""
    power = 10 ** math.floor(math.log10(x))
    for step in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if x <= step * power * (1 + 1e-9):
            return step * power
    return 10 * power

"""Slope and relative indices of inequality (SII, RII) across deprivation quantiles, as Fingertips computes them
(PHEindicatormethods phe_sii; Low & Low, J Public Health 2004;26:388-95).

Each quantile is placed at the midpoint of its share of the group's population (its relative rank, 0 to 1, most
deprived first) and the values are fitted by least squares weighted by those shares. The SII is the fitted
difference between rank 1 and rank 0, the RII their ratio. The confidence interval is simulated: every quantile's
value is drawn from a normal distribution with its standard error (of the log of a rate, the logit of a
proportion), the line refitted, and the percentiles of the simulated slopes read off."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.special import expit, logit, ndtri

from ..errors import AnalysisError
from .crude import OUTPUT, _check_columns, _finish, _groups, _level, _numbers

#: PHEindicatormethods' bounds: at least 5 quantiles (quintiles), at most 100 (centiles).
MIN_QUANTILES, MAX_QUANTILES = 5, 100
#: Fewer simulated draws give confidence limits that change visibly from run to run.
MIN_REPS = 1000
#: value_type as PHEindicatormethods numbers it, or in words.
VALUE_TYPES = {"0": 0, "other": 0, "normal": 0, "1": 1, "rate": 1, "2": 2, "proportion": 2}
#: The limits given with the values are 95% limits, whatever confidence the SII is asked at (as phe_sii).
_Z95 = float(ndtri(0.975))
#: Draws simulated at a time (memory stays small with 100 quantiles); the draws do not depend on it.
_BLOCK = 20_000


def sii(table: pd.DataFrame, value: str, population: str, quantile: str, *, by: Sequence[str] = (),
        lower: str | None = None, upper: str | None = None, se: str | None = None, value_type: int | str = 0,
        transform: bool = False, rii: bool = False, intercept: bool = False, multiplier: float = 1.0,
        reps: int = 100_000, seed: int = 1, confidence: float = 0.95) -> pd.DataFrame:
    """The SII (and with `rii` the RII) of each group: one row per quantile (5 to 100 of them, labelled 1 = most
    deprived ... in order) with its population, value and either its standard error (`se`) or its 95% limits
    (`lower`, `upper`), from which the standard error is (upper - lower) / (2 × 1.96).

    value_type 0 (other) uses the values as they are; 1 (rate) and 2 (proportion, between 0 and 1) take the standard
    error of the log (logit) of the value, so a given `se` is on that scale. `transform` fits the line to the logs
    (logits) of rates (proportions) and turns the SII back into the value's units (limits needed, no `se`).
    `multiplier` scales the SII (e.g. 100 for percentages; negative to flip the polarity, which inverts the RII).
    The interval is the percentiles of `reps` simulated SIIs drawn with numpy's generator seeded with `seed`, afresh
    for every group, so a group's interval does not depend on the other groups in the table.

    Output: the by columns, sii, sii_lower, sii_upper, [rii, rii_lower, rii_upper], [intercept: the fitted value
    at rank 0], value (= sii), lower_ci, upper_ci, method and note (why a group was not computed)."""
    level = _level(confidence)
    kind = _value_type(value_type)
    _check_settings(reps, seed, multiplier)
    if transform and kind == 0:
        raise AnalysisError("The transform (log for rates, logit for proportions) needs the value type rate (1) or "
                            "proportion (2).", option="transform")
    if transform and se is not None:
        raise AnalysisError("With the transform the standard errors are worked out from the 95% lower and upper "
                            "limits: give those instead of the standard error.", option="se")
    if se is None and (lower is None or upper is None):
        raise AnalysisError("The SII's confidence interval needs each quantile's standard error, or both its 95% "
                            "lower and upper confidence limits.", option="se")
    spreads = [se] if se is not None else [lower, upper]
    _check_columns(table, [quantile, population, value, *spreads, *by])

    frame = table[list(by)].copy().reset_index(drop=True)
    frame["_n"] = _numbers(table, population)
    frame["_v"] = _numbers(table, value)
    if se is not None:
        frame["_se"] = _numbers(table, se)
    elif lower is not None and upper is not None:
        frame["_lo"], frame["_hi"] = _numbers(table, lower), _numbers(table, upper)
    labels = _order_quantiles(table[quantile], quantile)
    frame["_qi"] = _quantile_positions(table[quantile], labels)
    _check_rows(frame, by, labels, kind, value, population, se, lower, upper)

    method = f"simulation {reps:,} reps" + {0: "", 1: " (log)", 2: " (logit)"}[kind if transform else 0]
    rows = []
    for key, group in _groups(frame, by):
        group = group.sort_values("_qi")
        missing = sorted(set(range(len(labels))) - set(group["_qi"]))
        no_value = group.loc[group["_v"].isna(), "_qi"].tolist()
        row: dict[str, object] = dict(zip(by, key))
        if missing or no_value:
            words = "no row" if missing else "no value"
            row.update(_empty(rii, intercept), note=f"{words} for quantile(s) "
                       f"{_list_labels([labels[i] for i in (missing or no_value)])}: not computed")
        else:
            spread = group["_se"].to_numpy(float) if se is not None else \
                (_forward(kind, group["_hi"].to_numpy(float)) - _forward(kind, group["_lo"].to_numpy(float))) / \
                (2 * _Z95)
            row.update(_group_sii(group["_n"].to_numpy(float), group["_v"].to_numpy(float), spread, kind,
                                  transform, multiplier, reps, seed, level, rii, intercept), method=method, note="")
        rows.append(row)
    extra = ["sii", "sii_lower", "sii_upper", *(["rii", "rii_lower", "rii_upper"] if rii else []),
             *(["intercept"] if intercept else [])]
    out = pd.DataFrame(rows, columns=[*by, *extra, "method", "note"])
    out["value"], out["lower_ci"], out["upper_ci"] = out["sii"], out["sii_lower"], out["sii_upper"]
    out = out[[*by, *extra, *OUTPUT]]
    statistic = "slope index of inequality" + ("" if multiplier == 1 else f" × {multiplier:g}")
    return _finish(out, by, statistic, level)


# ------------------------------------------------------------------ the method
def _group_sii(people: np.ndarray, values: np.ndarray, spread: np.ndarray, kind: int, transform: bool,
               multiplier: float, reps: int, seed: int, level: float, rii: bool, intercept: bool) -> dict:
    """One group's SII (RII, intercept) and their simulated limits; the arrays are in quantile order."""
    share = people / people.sum()
    rank = np.cumsum(share) - share / 2  # the midpoint of each quantile's slice of the population
    root = np.sqrt(share)
    design = np.column_stack([root, rank * root])  # fitting y√a on √a and b√a: least squares weighted by a
    solver = np.linalg.solve(design.T @ design, design.T)  # (intercept, slope) = solver @ (y√a)
    centre = _forward(kind, values)
    fitted = solver @ (root * (centre if transform else values))

    generator = np.random.default_rng(seed)
    slopes, starts = np.empty(reps), np.empty(reps)
    for first in range(0, reps, _BLOCK):
        size = min(_BLOCK, reps - first)
        draws = centre + spread * generator.standard_normal((size, len(values)))
        if not transform:
            draws = _back(kind, draws)
        coefficients = (draws * root) @ solver.T
        starts[first:first + size], slopes[first:first + size] = coefficients[:, 0], coefficients[:, 1]
    positions = _positions(reps, level)

    out: dict[str, float] = {}
    if not transform:
        at0, slope = float(fitted[0]), float(fitted[1])
        out["sii"] = slope * multiplier
        out["sii_lower"], out["sii_upper"] = _order_statistics(slopes * multiplier, positions)
        if rii:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratios = (starts + slopes) / starts
            ratio = (at0 + slope) / at0
            out["rii"] = 1 / ratio if multiplier < 0 else ratio
            out["rii_lower"], out["rii_upper"] = _order_statistics(1 / ratios if multiplier < 0 else ratios,
                                                                   positions)
        if intercept:
            out["intercept"] = at0  # as phe_sii: not multiplied
        return out
    # Transformed: the line is on the log (logit) scale; its ends are turned back into the value's units, and the
    # simulated slopes are pivoted about the fitted midpoint (rank 0.5) to give the limits.
    at0, slope = float(fitted[0]), float(fitted[1])
    middle = at0 + slope / 2
    low_slope, high_slope = _order_statistics(slopes, positions)

    def natural(gradient: float) -> tuple[float, float]:
        start, end = float(_back(kind, middle - gradient / 2)), float(_back(kind, middle + gradient / 2))
        return (end - start) * multiplier, end / start

    (sii_at, ratio), (sii_low, ratio_low), (sii_high, ratio_high) = natural(slope), natural(low_slope), \
        natural(high_slope)
    # A negative multiplier swaps the limits (and inverts the RII). phe_sii's rate branch tests multiplier < 1,
    # which differs only for multipliers between 0 and 1, where it would put the lower limit above the upper.
    flip = multiplier < 0
    out["sii"] = sii_at
    out["sii_lower"], out["sii_upper"] = (sii_high, sii_low) if flip else (sii_low, sii_high)
    if rii:
        out["rii"] = 1 / ratio if flip else ratio
        out["rii_lower"], out["rii_upper"] = (1 / ratio_high, 1 / ratio_low) if flip else (ratio_low, ratio_high)
    if intercept:
        out["intercept"] = float(_back(kind, at0)) * abs(multiplier)
    return out


def _forward(kind: int, x):
    """The scale the standard errors are on: the value itself, its log (rates) or logit (proportions)."""
    if kind == 1:
        return np.log(x)
    return logit(x) if kind == 2 else x


def _back(kind: int, x):
    if kind == 1:
        return np.exp(x)
    return expit(x) if kind == 2 else x


def _positions(reps: int, level: float) -> tuple[int, int]:
    """phe_sii's 1-based places of the limits among the sorted draws: round(reps × (1 - c)) and round(reps × c),
    c = level + (1 - level) / 2, rounded half to even as R does (kept within 1..reps)."""
    upper_tail = level + (1 - level) / 2
    return (min(max(int(np.rint(reps * (1 - upper_tail))), 1), reps),
            min(max(int(np.rint(reps * upper_tail)), 1), reps))


def _order_statistics(draws: np.ndarray, positions: tuple[int, int]) -> tuple[float, float]:
    places = [p - 1 for p in positions]
    picked = np.partition(draws, places)[places]
    return float(picked[0]), float(picked[1])


def _empty(rii: bool, intercept: bool) -> dict:
    names = ["sii", "sii_lower", "sii_upper", *(["rii", "rii_lower", "rii_upper"] if rii else []),
             *(["intercept"] if intercept else [])]
    return {**dict.fromkeys(names, np.nan), "method": ""}


# ------------------------------------------------------------------ checks
def _value_type(value_type: int | str) -> int:
    if not isinstance(value_type, bool):
        kind = VALUE_TYPES.get(str(value_type).strip().lower())
        if kind is not None:
            return kind
    raise AnalysisError(f"The value type must be 0 (other), 1 (rate) or 2 (proportion); got {value_type!r}.",
                        option="value_type")


def _check_settings(reps: int, seed: int, multiplier: float) -> None:
    if isinstance(reps, bool) or not isinstance(reps, (int, np.integer)) or reps < MIN_REPS:
        raise AnalysisError(f"The number of simulated draws must be a whole number of at least {MIN_REPS:,} "
                            f"(100,000 is usual); got {reps!r}.", option="reps")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise AnalysisError(f"The seed of the simulation must be a whole number, 0 or more; got {seed!r}.",
                            option="seed")
    if isinstance(multiplier, bool) or not isinstance(multiplier, (int, float)) or not np.isfinite(multiplier) \
            or multiplier == 0:
        raise AnalysisError(f"The multiplier must be a number other than 0 (1, 100, or -1 to flip the polarity); "
                            f"got {multiplier!r}.", option="multiplier")


def _order_quantiles(labels: pd.Series, column: str) -> list:
    """The distinct quantile labels in order: by number when they are all numbers, else as text."""
    if labels.isna().any():
        row = int(np.flatnonzero(labels.isna().to_numpy())[0])
        raise AnalysisError(f"Column '{column}', row {row + 2}: no quantile; every row needs one.", option="quantile")
    distinct = list(pd.unique(labels))
    numbers = pd.to_numeric(pd.Series(distinct), errors="coerce")
    ordered = [distinct[i] for i in sorted(range(len(distinct)), key=lambda i: numbers[i])] \
        if numbers.notna().all() else sorted(distinct, key=str)
    if not MIN_QUANTILES <= len(ordered) <= MAX_QUANTILES:
        raise AnalysisError(f"Column '{column}' has {len(ordered)} different quantile(s); the SII needs between "
                            f"{MIN_QUANTILES} and {MAX_QUANTILES} (e.g. quintiles or deciles).", option="quantile")
    return ordered


def _quantile_positions(labels: pd.Series, ordered: list) -> np.ndarray:
    place = {label: i for i, label in enumerate(ordered)}
    return np.array([place[label] for label in labels], dtype=int)


def _check_rows(frame: pd.DataFrame, by: Sequence[str], labels: list, kind: int, value: str, population: str,
                se: str | None, lower: str | None, upper: str | None) -> None:
    """phe_sii's refusals, each naming the first row at fault and its group and quantile."""

    def fail(flags: np.ndarray, message: str, option: str | None = None) -> None:
        if flags.any():
            first = int(np.flatnonzero(flags)[0])
            where = ", ".join([*(f"{c} = {frame[c].iloc[first]}" for c in by),
                               f"quantile {labels[frame['_qi'].iloc[first]]}"])
            more = f" (and {int(flags.sum()) - 1} more row(s))" if flags.sum() > 1 else ""
            raise AnalysisError(f"Row {first + 2} ({where}){more}: {message}", option=option)

    people, values = frame["_n"].to_numpy(float), frame["_v"].to_numpy(float)
    fail(~(people > 0), f"the population ({population}) is missing, 0 or negative; every quantile needs a "
                        "population above 0.", "population")
    if se is not None:
        errors = frame["_se"].to_numpy(float)
        fail(~(errors >= 0), f"the standard error ({se}) is missing or negative.", "se")
        limits: list[tuple[str, np.ndarray]] = []
    else:
        low, high = frame["_lo"].to_numpy(float), frame["_hi"].to_numpy(float)
        fail(np.isnan(low) | np.isnan(high), f"the 95% lower ({lower}) or upper ({upper}) limit is missing.",
             "lower")
        fail(low > high, f"the lower limit ({lower}) is above the upper limit ({upper}).", "lower")
        limits = [(str(lower), low), (str(upper), high)]
    given = ~np.isnan(values)
    if kind == 2:
        for name, numbers in [(value, values), *limits]:
            fail(given & ~((numbers > 0) & (numbers < 1)), f"the proportion ({name}) is not between 0 and 1 "
                 "(exclusive: its logit is taken); write percentages as proportions (divide by 100), or use value "
                 "type 0.", "value_type")
    elif kind == 1:
        for name, numbers in [(value, values), *limits]:
            fail(given & ~(numbers > 0), f"the rate ({name}) is not above 0, so it has no logarithm; use value "
                 "type 0 for values that can be 0 or negative.", "value_type")
    duplicated = frame.duplicated([*by, "_qi"]).to_numpy()
    fail(duplicated, "a second row for the same group and quantile; give one row per quantile.")


def _list_labels(labels: list) -> str:
    shown = ", ".join(map(str, labels[:5]))
    return shown + (f" and {len(labels) - 5} more" if len(labels) > 5 else "")

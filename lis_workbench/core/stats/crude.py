"""Crude rates, proportions and means with their confidence intervals, per group of a table.

rate: events per population × multiplier; exact Poisson limits below 10 events, Byar's from 10 (phe_rate).
proportion: Wilson score limits (Newcombe 1998; phe_proportion). mean: Student's t limits (phe_mean)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..compare import poisson_interval, poisson_method, wilson_interval
from ..errors import AnalysisError

OUTPUT = ("value", "lower_ci", "upper_ci", "method", "note")


def rate(table: pd.DataFrame, count: str, population: str, *, by: Sequence[str] = (), multiplier: float = 100_000,
         confidence: float = 0.95) -> pd.DataFrame:
    """Crude rate count / population × multiplier per group (counts and populations summed within it)."""
    level = _level(confidence)
    _positive(multiplier, "multiplier")
    grouped = _sums(table, [count, population], by)
    events, people = grouped[count].to_numpy(float), grouped[population].to_numpy(float)
    _no_negatives(grouped, count, by)
    note = np.select([np.isnan(events), np.isnan(people), people <= 0], ["no count", "no population",
                                                                           "population is 0"], "")
    usable = note == ""
    lower, upper = poisson_interval(np.where(usable, events, np.nan), level)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(usable, multiplier / people, np.nan)
    out = grouped.copy()
    out["value"] = events * scale
    out["lower_ci"], out["upper_ci"] = lower * scale, upper * scale
    out["method"] = np.where(usable, poisson_method(np.where(usable, events, np.nan)), "")
    out["note"] = note
    return _finish(out, by, f"rate per {multiplier:,g}", level)


def proportion(table: pd.DataFrame, count: str, denominator: str, *, by: Sequence[str] = (),
               multiplier: float = 1.0, confidence: float = 0.95) -> pd.DataFrame:
    """Proportion count / denominator (× multiplier: 100 for a percentage) per group, Wilson score limits."""
    level = _level(confidence)
    _positive(multiplier, "multiplier")
    grouped = _sums(table, [count, denominator], by)
    x, n = grouped[count].to_numpy(float), grouped[denominator].to_numpy(float)
    _no_negatives(grouped, count, by)
    over = x > n
    if over.any():
        raise AnalysisError(f"{_group_words(grouped, by, over)}: the count ({count}) is larger than the denominator "
                            f"({denominator}); a proportion cannot exceed 1.")
    note = np.select([np.isnan(x), np.isnan(n), n <= 0], ["no count", "no denominator", "denominator is 0"], "")
    usable = note == ""
    lower, upper = wilson_interval(np.where(usable, x, np.nan), np.where(usable, n, np.nan), level)
    out = grouped.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = np.where(usable, x / n * multiplier, np.nan)
    out["lower_ci"], out["upper_ci"] = lower * multiplier, upper * multiplier
    out["method"] = np.where(usable, "Wilson score", "")
    out["note"] = note
    return _finish(out, by, "proportion" if multiplier == 1 else f"proportion × {multiplier:,g}", level)


def mean(table: pd.DataFrame, value: str, *, by: Sequence[str] = (), confidence: float = 0.95) -> pd.DataFrame:
    """Mean of the values per group with Student's t limits (mean ± t(n-1) × sd / √n); a group of one value
    has no interval."""
    from scipy.special import stdtrit

    level = _level(confidence)
    _check_columns(table, [value, *by])
    values = table.assign(_v=pd.to_numeric(table[value], errors="coerce"))
    groups = values.groupby(list(by), sort=True, dropna=False)["_v"] if by else None
    if groups is None:
        stats = pd.DataFrame({"n": [values["_v"].count()], "m": [values["_v"].mean()], "sd": [values["_v"].std()]})
    else:
        stats = groups.agg(n="count", m="mean", sd="std").reset_index()
    n = stats["n"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        half = np.where(n > 1, stdtrit(np.maximum(n - 1, 1), 0.5 + level / 2) * stats["sd"].to_numpy(float)
                        / np.sqrt(n), np.nan)
    out = stats.drop(columns=["n", "m", "sd"]).copy()
    out["value"] = stats["m"].to_numpy(float)
    out["lower_ci"], out["upper_ci"] = out["value"] - half, out["value"] + half
    out["method"] = np.where(n > 1, "Student's t", "")
    out["note"] = np.select([n == 0, n == 1], ["no values", "one value: no interval"], "")
    return _finish(out, by, "mean", level)


# ------------------------------------------------------------------ inside
def _level(confidence: float) -> float:
    """0.95 or 95 (as PHEindicatormethods accepts both) as a fraction; refuses others."""
    try:
        level = float(confidence)
    except (TypeError, ValueError):
        raise AnalysisError(f"The confidence level must be a number such as 0.95 or 0.998; got {confidence!r}.",
                            option="confidence") from None
    if level > 1:
        level /= 100
    if not 0.5 <= level < 1:
        raise AnalysisError(f"The confidence level must be between 0.5 and 1 (e.g. 0.95 or 0.998; 95 or 99.8 are "
                            f"read as percentages); got {confidence!r}.", option="confidence")
    return level


def _positive(value: float, name: str) -> None:
    if not (isinstance(value, (int, float)) and value > 0):
        raise AnalysisError(f"The {name} must be a positive number (1, 100, 1000, 100000, ...); got {value!r}.",
                            option=name)


def _check_columns(table: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise AnalysisError(f"The table has no column(s) {', '.join(missing)}; its columns are "
                            f"{', '.join(map(str, table.columns))}.")


def _sums(table: pd.DataFrame, columns: list[str], by: Sequence[str]) -> pd.DataFrame:
    """The columns as numbers (a cell that is not one is named), summed within each group (NaN when a group has
    none)."""
    _check_columns(table, [*columns, *by])
    numbers = table[list(by)].copy()
    for column in columns:
        parsed = pd.to_numeric(table[column], errors="coerce")
        bad = table[column].notna() & parsed.isna() & (table[column].astype(str).str.strip() != "")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise AnalysisError(f"Column '{column}', row {row + 2}: '{table[column].iloc[row]}' is not a number.")
        numbers[column] = parsed
    if not by:
        return pd.DataFrame({c: [numbers[c].sum(min_count=1)] for c in columns})
    return numbers.groupby(list(by), sort=True, dropna=False)[columns].sum(min_count=1).reset_index()


def _no_negatives(grouped: pd.DataFrame, column: str, by: Sequence[str]) -> None:
    negative = grouped[column].to_numpy(float) < 0
    if negative.any():
        raise AnalysisError(f"{_group_words(grouped, by, negative)}: the count ({column}) is negative; counts cannot "
                            "be below 0.")


def _group_words(grouped: pd.DataFrame, by: Sequence[str], flags: np.ndarray) -> str:
    first = int(np.flatnonzero(flags)[0])
    if not by:
        return "The table's total"
    return "Group " + ", ".join(f"{c} = {grouped[c].iloc[first]}" for c in by) + \
        (f" (and {int(flags.sum()) - 1} more)" if flags.sum() > 1 else "")


def _finish(out: pd.DataFrame, by: Sequence[str], statistic: str, level: float) -> pd.DataFrame:
    out = out[[*by, *[c for c in out.columns if c not in by and c not in OUTPUT], *OUTPUT]].reset_index(drop=True)
    out["note"] = out["note"].astype(object)
    out["method"] = out["method"].astype(object)
    out.attrs.update(statistic=statistic, confidence=level)
    return out


def _numbers(table: pd.DataFrame, column: str) -> np.ndarray:
    """A column as numbers; a cell that is text is named (column and row)."""
    parsed = pd.to_numeric(table[column], errors="coerce")
    bad = table[column].notna() & parsed.isna() & (table[column].astype(str).str.strip() != "")
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise AnalysisError(f"Column '{column}', row {row + 2}: '{table[column].iloc[row]}' is not a number.")
    return parsed.to_numpy(float)


def _groups(frame: pd.DataFrame, by: Sequence[str]):
    """(key as a tuple, rows) per group of `by` in sorted order, missing keys kept; the whole frame with key ()
    when there is no `by`. One column is grouped on by name: pandas 1.5 warns on a list of one."""
    if not by:
        return [((), frame)]
    grouped = frame.groupby(by[0] if len(by) == 1 else list(by), sort=True, dropna=False)
    return [((key,) if len(by) == 1 else key, group) for key, group in grouped]

"""Indirectly standardised ratios (SMR-style) and rates, as Fingertips computes them (PHEindicatormethods
calculate_ISRatio / calculate_ISRate): the events a group would have had at the reference population's age-specific
rates (expected), the observed over the expected, with exact Poisson limits below 10 observed events and Byar's
from 10, divided by the expected."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..compare import poisson_interval, poisson_method
from ..errors import AnalysisError
from .crude import OUTPUT, _check_columns, _finish, _level, _positive


def isr(table: pd.DataFrame, count: str, population: str, ref_count: str, ref_population: str, *,
        by: Sequence[str] = (), ratio: bool = False, ref_value: float = 1.0, multiplier: float = 100_000,
        confidence: float = 0.95) -> pd.DataFrame:
    """Per group: observed = sum of count, expected = sum(ref_count / ref_population × population) over its rows
    (one per age band). With `ratio`, value = observed / expected × ref_value; else the indirectly standardised
    rate, that ratio × the reference's crude rate (sum ref_count / sum ref_population × multiplier, over the
    group's bands). Output: the by columns, observed, expected, value, lower_ci, upper_ci, method, note."""
    level = _level(confidence)
    _positive(multiplier, "multiplier")
    _positive(ref_value, "ref_value")
    _check_columns(table, [count, population, ref_count, ref_population, *by])
    frame = table[[*by]].copy()
    for name, column in (("_x", count), ("_n", population), ("_rx", ref_count), ("_rn", ref_population)):
        frame[name] = pd.to_numeric(table[column], errors="coerce")
        if (frame[name] < 0).any():
            raise AnalysisError(f"Column '{column}' has negative values; counts and populations cannot be below 0.")
    if not (frame["_rn"] > 0).all():
        raise AnalysisError(f"Column '{ref_population}' must hold the reference population of every row (above 0).")
    frame["_e"] = frame["_rx"].fillna(0.0) / frame["_rn"] * frame["_n"].fillna(0.0)
    sums = {"_x": ("_x", lambda s: s.sum(min_count=1)), "_e": ("_e", "sum"), "_rx": ("_rx", "sum"),
            "_rn": ("_rn", "sum")}
    grouped = frame.groupby(list(by), sort=True, dropna=False).agg(**sums).reset_index() if by else \
        pd.DataFrame({k: [frame[v[0]].sum(min_count=1) if k == "_x" else frame[v[0]].sum()]
                      for k, v in sums.items()})
    observed, expected = grouped["_x"].to_numpy(float), grouped["_e"].to_numpy(float)
    note = np.select([np.isnan(observed), ~(expected > 0)], ["no observed count", "expected count is 0"], "")
    usable = note == ""
    lower, upper = poisson_interval(np.where(usable, observed, np.nan), level)
    scale = ref_value if ratio else grouped["_rx"].to_numpy(float) / grouped["_rn"].to_numpy(float) * multiplier
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(usable, scale / expected, np.nan)
    out = grouped[list(by)].copy()
    out["observed"], out["expected"] = observed, expected
    out["value"] = observed * factor
    out["lower_ci"], out["upper_ci"] = lower * factor, upper * factor
    out["method"] = np.where(usable, poisson_method(np.where(usable, observed, np.nan)), "")
    out["note"] = note
    out = out[[*by, "observed", "expected", *OUTPUT]]
    statistic = f"indirectly standardised ratio × {ref_value:g}" if ratio else \
        f"indirectly standardised rate per {multiplier:,g}"
    return _finish(out, by, statistic, level)

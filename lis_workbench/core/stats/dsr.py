"""Directly standardised rates (DSR) as Fingertips computes them (PHEindicatormethods phe_dsr): each group's
age-specific rates weighted by a standard population (the 2013 European Standard Population by default), with
Dobson's interval built on Byar's limits for the total count (Dobson et al., Stat Med 1991;10:457-62), and not
computed - flagged, not zero - where the group's total count is below 10.

When one person can have several events (admissions, say), `events_per_person` names a column of how many events
each person had; `count` then holds the number of persons with that many events in the band, and the variance is
sum over f of f^2 * Var(DSR of the persons with f events) (phe_dsr's `independent_events = FALSE`)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..compare import byar_interval
from ..errors import AnalysisError
from .crude import OUTPUT, _check_columns, _finish, _groups, _level, _positive

#: The 2013 European Standard Population (Eurostat 2013): 19 five-year bands, 0-4 ... 85-89 and 90+, by the
#: first age of each band.
ESP2013 = {0: 5000, 5: 5500, 10: 5500, 15: 5500, 20: 6000, 25: 6000, 30: 6500, 35: 7000, 40: 7000, 45: 7000,
           50: 7000, 55: 6500, 60: 6000, 65: 5500, 70: 5000, 75: 4000, 80: 2500, 85: 1500, 90: 1000}
#: Fingertips does not publish a DSR from fewer events than this.
MINIMUM_COUNT = 10


def band_start(label) -> int:
    """The first age of an age band written as 0, "0-4", "00-04", "90+", "85 and over" or "Aged 5 to 9"."""
    match = re.search(r"\d+", str(label))
    if match is None:
        raise AnalysisError(f"'{label}' is not an age band: write its first age, e.g. 0, 5, ..., 90, or 0-4, 90+.",
                            option="age")
    return int(match.group())


def dsr(table: pd.DataFrame, count: str, population: str, age: str, *, by: Sequence[str] = (),
        standard: dict[int, float] | None = None, multiplier: float = 100_000,
        confidence: float = 0.95, events_per_person: str | None = None) -> pd.DataFrame:
    """The DSR of each group: sum(w * x / n) / sum(w) × multiplier over the standard's age bands (w its
    population); Dobson's limits from Byar's for the total count. Every group needs every band of the standard;
    a band with no events may hold count 0 (or be empty). With events_per_person, x = sum of f × persons and every
    row of a band repeats that band's population. Output: the by columns, total_count, total_pop, value, lower_ci,
    upper_ci, method and note."""
    level = _level(confidence)
    _positive(multiplier, "multiplier")
    standard = dict(standard or ESP2013)
    _check_columns(table, [count, population, age, *by, *([events_per_person] if events_per_person else [])])
    frame = table[[*by]].copy()
    frame["_band"] = [band_start(v) for v in table[age]]
    frame["_x"] = pd.to_numeric(table[count], errors="coerce").fillna(0.0)
    frame["_n"] = pd.to_numeric(table[population], errors="coerce")
    if (frame["_x"] < 0).any():
        raise AnalysisError(f"Column '{count}' has negative counts; counts cannot be below 0.")
    frame["_f"] = 1.0 if events_per_person is None else _frequencies(table, events_per_person)
    unknown = sorted(set(frame["_band"]) - set(standard))
    if unknown:
        raise AnalysisError(f"Age band(s) starting at {', '.join(map(str, unknown))} are not bands of the standard "
                            f"population (which starts its bands at {', '.join(map(str, sorted(standard)))}).",
                            option="age")
    rows = []
    for key, group in _groups(frame, by):
        label = ", ".join(f"{c} = {v}" for c, v in zip(by, key)) or "The table"
        if events_per_person is None:
            bands = group.groupby("_band")[["_x", "_n"]].sum(min_count=1)
        else:
            bands = _person_bands(group, label, population)
        missing = sorted(set(standard) - set(bands.index))
        if missing:
            raise AnalysisError(f"{label}: no rows for age band(s) starting at {', '.join(map(str, missing))}; "
                                "every group needs every band of the standard population (a band with no events "
                                "has count 0).", option="age")
        bands = bands.loc[sorted(standard)]
        x, n = bands["_x"].to_numpy(float), bands["_n"].to_numpy(float)
        if not (n > 0).all():
            bad = [str(b) for b, v in zip(bands.index, n) if not v > 0]
            raise AnalysisError(f"{label}: the population of age band(s) starting at {', '.join(bad)} is missing or "
                                "0; a standardised rate needs every band's population.")
        w = np.array([standard[b] for b in bands.index], dtype=float)
        total = float(x.sum())
        value = float((w * x / n).sum() / w.sum() * multiplier)
        if events_per_person is None:
            variance = float((w ** 2 * x / n ** 2).sum() / w.sum() ** 2)
        else:  # sum over f of f^2 x Var(the DSR of the persons with f events), all over the same standard
            weight = group["_band"].map(dict(zip(bands.index, w / n))).to_numpy(float)
            variance = float((group["_f"] ** 2 * group["_x"] * weight ** 2).sum() / w.sum() ** 2)
        if total >= MINIMUM_COUNT:
            low, high = byar_interval(total, level)
            spread = np.sqrt(variance / total) * multiplier
            lower, upper, note = value + spread * (low - total), value + spread * (high - total), ""
        else:
            value = lower = upper = np.nan
            note = f"total count {total:g} is below {MINIMUM_COUNT}: not computed"
        method = "Dobson" if events_per_person is None else "Dobson, events not independent"
        rows.append({**dict(zip(by, key)), "total_count": total, "total_pop": float(n.sum()), "value": value,
                     "lower_ci": lower, "upper_ci": upper, "method": "" if note else method, "note": note})
    out = pd.DataFrame(rows, columns=[*by, "total_count", "total_pop", *OUTPUT])
    return _finish(out, by, f"dsr per {multiplier:,g}", level)


def _frequencies(table: pd.DataFrame, column: str) -> pd.Series:
    """How many events each person in the row had: a number of at least 1 on every row."""
    parsed = pd.to_numeric(table[column], errors="coerce")
    bad = ~(parsed >= 1)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise AnalysisError(f"Column '{column}', row {row + 2}: '{table[column].iloc[row]}' is not a number of events "
                            "per person (1, 2, 3, ...).", option="events_per_person")
    return parsed


def _person_bands(group: pd.DataFrame, label: str, population: str) -> pd.DataFrame:
    """Events (frequency × persons) summed per band, with the band's population, which every row of it repeats."""
    spread = group.groupby("_band")["_n"].agg(lambda v: v.nunique(dropna=False))
    if (spread > 1).any():
        bad = ", ".join(str(b) for b in spread.index[spread > 1])
        raise AnalysisError(f"{label}: the rows of age band(s) starting at {bad} give different populations "
                            f"({population}); with events per person, each row of a band repeats the band's "
                            "population.", option="events_per_person")
    events = (group["_f"] * group["_x"]).groupby(group["_band"]).sum()
    return pd.DataFrame({"_x": events, "_n": group.groupby("_band")["_n"].first()})


def read_standard(table: pd.DataFrame, age: str = "age", population: str = "population") -> dict[int, float]:
    """A user's standard population (columns age and population) as {first age of band: population}."""
    _check_columns(table, [age, population])
    out = {band_start(a): float(p) for a, p in zip(table[age], pd.to_numeric(table[population], errors="coerce"))}
    if not all(v > 0 for v in out.values()):
        raise AnalysisError("Every band of the standard population needs a population above 0.")
    return out

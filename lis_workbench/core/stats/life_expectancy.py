"""Life expectancy as Fingertips computes it (PHEindicatormethods phe_life_expectancy): an abridged Chiang II life
table over the age bands 0, 1-4, 5-9, ..., 85-89 and 90+ (Chiang CL, The Life Table and its Construction, 1968/1984),
with Chiang's variance and Silcocks' term for the open last band (Silcocks PBS, Jenner DA, Reza R, J Epidemiol
Community Health 2001;55:38-43).

The Fingertips rules: no value for a group whose total population is 5,000 or fewer, or that has a band with negative
deaths, a population of 0 or less, more deaths than population, or no row; and no value (the limits are still given)
where the 95% confidence interval is wider than 20 years."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import AnalysisError
from .crude import OUTPUT, _check_columns, _finish, _groups, _level
from .dsr import band_start

#: Fingertips gives no life expectancy for a group of this many people or fewer (Toson & Baker, ONS 2003).
MINIMUM_POPULATION = 5000
#: A value whose 95% confidence interval is wider than this many years is not shown (its limits are).
WIDEST_INTERVAL = 20.0
#: The radix of the life table: survivors at age 0.
RADIX = 100_000.0
METHOD = "Chiang II; Silcocks et al. limits"


def life_table_bands(open_age: int = 90) -> list[int]:
    """The first ages of the life table's bands: 0, 1, 5, 10, ..., open_age (the open band, e.g. 90+)."""
    return [0, 1, *range(5, open_age + 1, 5)]


def life_expectancy(table: pd.DataFrame, deaths: str, population: str, age: str, *, by: Sequence[str] = (),
                    at: int | Sequence[int] | str | None = 0, open_age: int = 90,
                    confidence: float = 0.95) -> pd.DataFrame:
    """Life expectancy at each age in `at` (0 = at birth; "all" or None = every band) for each group, from deaths and
    populations by age band (0, 1-4, 5-9, ..., open_age+; rows of the same band are summed). Output: the by columns,
    age, deaths_used and population_used (from that age up), value, lower_ci, upper_ci, method and note."""
    level = _level(confidence)
    bands = _open_bands(open_age)
    ages = _ages(at, bands)
    _check_columns(table, [deaths, population, age, *by])
    frame = table[list(by)].copy()
    frame["_band"] = [_life_band(v, bands) for v in table[age]]
    frame["_d"] = _numbers(table, deaths)
    frame["_p"] = _numbers(table, population)
    from scipy.special import ndtri

    z = float(ndtri(0.5 + level / 2))
    rows = []
    for key, group in _groups(frame, list(by)):
        summed = group.groupby("_band")[["_d", "_p"]].sum(min_count=1).reindex(bands)
        d, p = summed["_d"].to_numpy(float), summed["_p"].to_numpy(float)
        note = _rule(d, p, bands, open_age)
        table_ = _life_table(d, p, bands, z) if not note else None
        for start in ages:
            i = bands.index(start)
            row = {**dict(zip(by, key)), "age": start, "deaths_used": np.nansum(d[i:]) if np.isfinite(d[i:]).any()
                   else np.nan, "population_used": np.nansum(p[i:]) if np.isfinite(p[i:]).any() else np.nan,
                   "value": np.nan, "lower_ci": np.nan, "upper_ci": np.nan, "method": "", "note": note}
            if table_ is not None:
                value, lower, upper, why = (float(table_[0][i]), float(table_[1][i]), float(table_[2][i]),
                                            table_[3][i])
                row.update(value=value, lower_ci=lower, upper_ci=upper, method=METHOD if why != "none" else "",
                           note="" if why in ("", "none") else why)
                if why == "none":
                    row.update(value=np.nan, lower_ci=np.nan, upper_ci=np.nan,
                               note=f"no one in the life table survives to age {start}: not computed")
            rows.append(row)
    out = pd.DataFrame(rows, columns=[*by, "age", "deaths_used", "population_used", *OUTPUT])
    return _finish(out, by, "life expectancy (years)", level)


# ------------------------------------------------------------------ inside
def _life_table(d: np.ndarray, p: np.ndarray, bands: list[int], z: float) -> tuple:
    """Chiang II: each band's probability of dying q from its death rate M, width n and a_i (0.1 under 1, else 0.5);
    survivors l, years lived L (l/M in the open band), expectancy e = T/l; Chiang's variance of q summed over the
    bands from each age, with Silcocks' 4/(D*M^2) for the open band. Returns value, lower, upper and a note per
    band ("" or why the value is not shown; "none" where no one survives to that age)."""
    start = np.array(bands, dtype=float)
    k = len(bands)
    a = np.where(start == 0, 0.1, 0.5)
    m = d / p
    width = np.append(np.diff(start), 2 / m[-1])
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(d <= p / width / a, m * width / (1 + m * width * (1 - a)), 1.0)
    survive = np.concatenate([[1.0], np.cumprod(1 - q[:-1])]) * RADIX
    died = survive - np.append(survive[1:], 0.0)
    lived = np.empty(k)
    lived[:-1] = width[:-1] * (survive[1:] + a[:-1] * died[:-1])
    lived[-1] = survive[-1] / m[-1]
    total = np.cumsum(lived[::-1])[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        expect = np.where(survive > 0, total / survive, 0.0)
        var_q = np.where(died > 0, q ** 2 * (1 - q) / d, 0.0)
        var_q[-1] = 4 / (d[-1] * m[-1] ** 2)
        weighted = np.empty(k)
        weighted[:-1] = var_q[:-1] * survive[:-1] ** 2 * ((1 - a[:-1]) * width[:-1] + expect[1:]) ** 2
        weighted[-1] = (survive[-1] / 2) ** 2 * var_q[-1]
        se = np.sqrt(np.cumsum(weighted[::-1])[::-1] / survive ** 2)
    lower, upper = expect - z * se, expect + z * se
    wide = 1.959963984540054 * se > WIDEST_INTERVAL / 2
    why = np.where(survive <= 0, "none", np.where(wide, "95% confidence interval wider than 20 years: value not "
                                                         "shown", ""))
    value = np.where(wide | (survive <= 0), np.nan, expect)
    return value, lower, upper, why


def _rule(d: np.ndarray, p: np.ndarray, bands: list[int], open_age: int) -> str:
    """Why the group gets no value under the Fingertips rules ("" when it gets one), in the package's order."""
    def named(flags: np.ndarray) -> str:
        return ", ".join(_label(b, open_age) for b, f in zip(bands, flags) if f)

    with np.errstate(invalid="ignore"):
        checks = [
            (d < 0, "negative deaths in age band(s) {}"),
            (p <= 0, "population 0 or less in age band(s) {}"),
            (np.isnan(d) | np.isnan(p), "no rows (or no deaths or population) for age band(s) {}"),
            (d > p, "more deaths than population in age band(s) {}"),
        ]
    for flags, words in checks:
        if flags.any():
            return words.format(named(flags)) + ": not computed"
    total = float(p.sum())
    if total <= MINIMUM_POPULATION:
        return f"total population {total:,.0f} is {MINIMUM_POPULATION:,} or fewer: not computed"
    if d[-1] <= 0:
        return f"no deaths in the {open_age}+ band (a life table needs at least one): not computed"
    return ""


def _label(start: int, open_age: int) -> str:
    if start == open_age:
        return f"{start}+"
    if start == 0:
        return "0 (under 1)"
    return f"{start}-{4 if start == 1 else start + 4}"


def _open_bands(open_age: int) -> list[int]:
    if not (isinstance(open_age, (int, np.integer)) and open_age >= 10 and open_age % 5 == 0):
        raise AnalysisError(f"The open last age band must start at a multiple of 5 from 10 (90 for 90+, as ONS and "
                            f"Fingertips use, or 85 for 85+); got {open_age!r}.", option="open_age")
    return life_table_bands(int(open_age))


def _ages(at: int | Sequence[int] | str | None, bands: list[int]) -> list[int]:
    """The starting ages asked for, each the first age of a band."""
    if at is None or (isinstance(at, str) and at.strip().lower() == "all"):
        return list(bands)
    asked = [at] if isinstance(at, (int, float, str, np.integer)) else list(at)
    ages = []
    for value in asked:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = np.nan
        if not (np.isfinite(number) and number == int(number) and int(number) in bands):
            raise AnalysisError(f"Life expectancy can be given at the first age of a band of the life table "
                                f"({', '.join(map(str, bands))}) or at all of them; got {value!r}.", option="at")
        ages.append(int(number))
    return sorted(set(ages))


def _life_band(label, bands: list[int]) -> int:
    """The band of a label: 0 (or "<1", "under 1") for under one, 1 or "1-4", 5 or "5-9", ..., 90 or "90+"."""
    text = str(label).strip()
    if re.match(r"^(<|under|less than)\s*1\b", text, flags=re.IGNORECASE):
        return 0
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    start = band_start(label)
    if start == 0 and len(numbers) > 1 and numbers[1] > 0:
        raise AnalysisError(f"Age band '{label}': a life table splits the first years into 0 (under 1) and 1-4; "
                            "give deaths and populations for those two bands.", option="age")
    if start not in bands:
        raise AnalysisError(f"Age band '{label}' is not a band of the life table, whose bands start at "
                            f"{', '.join(map(str, bands))} (the last one open, e.g. 90+).", option="age")
    return start


def _numbers(table: pd.DataFrame, column: str) -> pd.Series:
    parsed = pd.to_numeric(table[column], errors="coerce")
    bad = table[column].notna() & parsed.isna() & (table[column].astype(str).str.strip() != "")
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise AnalysisError(f"Column '{column}', row {row + 2}: '{table[column].iloc[row]}' is not a number.")
    return parsed

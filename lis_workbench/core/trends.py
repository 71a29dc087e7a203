"""Indicators over time: each area's change between two periods (with its league-table rank), and its linear trend
across all periods, tested, so a map can say which areas are rising, falling, improving or worsening."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from scipy.special import stdtr

from .compare import normalise_polarity
from .errors import AnalysisError

_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
CHANGE_COLUMNS = ("area_code", "value_start", "value_end", "change", "percent_change", "rank_start", "rank_end",
                  "rank_change", "note")
TREND_COLUMNS = ("area_code", "n_periods", "first_period", "last_period", "slope", "intercept", "r_squared",
                 "p_value", "direction", "assessment", "note")


def period_to_year(period) -> float:
    """A period as the decimal year it starts, so periods can be a regression's x: '2015' -> 2015.0,
    '2015-04' -> 2015.25 (months), '2015-Q2' or '2015Q2' -> 2015.25 (quarters).

    >>> period_to_year("2015-07"), period_to_year("2016-Q3"), period_to_year("2017")
    (2015.5, 2016.5, 2017.0)
    """
    return _parse(period)[0]


def change(frame: pd.DataFrame, start: str, end: str) -> pd.DataFrame:
    """Each area's change from period `start` to period `end`: absolute, percent and in rank.

    frame: long form, area_code, period, value (and optionally suppressed, whose values count as missing).
    Ranks are among the areas with a value in that period, rank 1 = the highest value; tied areas share the best
    rank (1, 2, 2, 4). rank_change = rank_start - rank_end: positive means the area moved up the table (towards
    rank 1, relatively higher values), negative that it moved down. percent_change = change / |value_start| × 100,
    NaN when the start value is 0 or missing. Every area of the frame is kept: one missing value gives NaN and a
    note.

    Returns one row per area (sorted by area_code) with columns area_code, value_start, value_end, change,
    percent_change, rank_start, rank_end, rank_change, note; attrs start and end.
    """
    long = _long(frame)
    start, end = str(start), str(end)
    periods = sorted(long["period"].unique())
    for name, period in (("start", start), ("end", end)):
        if period not in periods:
            raise AnalysisError(f"The {name} period '{period}' is not in the values; their periods are "
                                f"{_listing(periods)}.")
    if start == end:
        raise AnalysisError(f"The start and end periods are both '{start}': choose two different periods.")
    wide = long.pivot(index="area_code", columns="period", values="value")
    result = pd.DataFrame({"area_code": wide.index.to_numpy()})
    first = wide[start].to_numpy(float)
    last = wide[end].to_numpy(float)
    result["value_start"] = first
    result["value_end"] = last
    result["change"] = last - first
    with np.errstate(divide="ignore", invalid="ignore"):
        result["percent_change"] = np.where(first != 0, (last - first) / np.abs(first) * 100, np.nan)
    result["rank_start"] = wide[start].rank(ascending=False, method="min").to_numpy(float)
    result["rank_end"] = wide[end].rank(ascending=False, method="min").to_numpy(float)
    result["rank_change"] = result["rank_start"] - result["rank_end"]
    notes = np.select([np.isnan(first) & np.isnan(last), np.isnan(first), np.isnan(last), first == 0],
                      [f"no value for {start} or {end}", f"no value for {start}", f"no value for {end}",
                       f"value 0 in {start}: no percent change"], "")
    result["note"] = notes.astype(object)
    result.attrs.update(start=start, end=end)
    return result


def trend(frame: pd.DataFrame, *, polarity: str | None = None, alpha: float = 0.05,
          min_periods: int = 3) -> pd.DataFrame:
    """Each area's straight-line (least squares) trend over its periods, with a test of the slope.

    frame: long form, area_code, period, value (and optionally suppressed); periods as 'YYYY', 'YYYY-MM' or
    'YYYY-QN', one form throughout, turned into decimal years by period_to_year(). Missing and suppressed values are
    left out, so an area's fit uses the periods it has (n_periods).
    slope is the change in value per year; intercept the fitted value at year 0 (fitted = intercept + slope × year),
    r_squared and p_value (two-sided t test of slope = 0, as scipy.stats.linregress) describe the fit.
    direction is "rising" or "falling" when p_value < alpha, "flat" otherwise and whenever the area has fewer than
    `min_periods` values (a line through two points cannot be tested; p_value NaN). With polarity "high_is_good" or
    "high_is_bad", assessment says "improving", "worsening" or "no significant change"; without one, or with fewer
    than `min_periods` values, "not assessed".
    A constant series has slope 0 and undefined r_squared and p_value (NaN).

    Returns one row per area (sorted by area_code) with columns area_code, n_periods, first_period, last_period,
    slope, intercept, r_squared, p_value, direction, assessment, note.
    """
    polarity = normalise_polarity(polarity)
    if not 0 < alpha < 1:
        raise AnalysisError(f"The significance level alpha must lie between 0 and 1 (e.g. 0.05); got {alpha!r}.")
    if min_periods < 3:
        raise AnalysisError(f"A trend needs at least 3 periods to be tested; min_periods={min_periods} is too few.")
    long = _long(frame)
    years, forms = zip(*(_parse(p) for p in long["period"])) if len(long) else ((), ())
    if len(set(forms)) > 1:
        examples = {form: period for period, form in zip(long["period"], forms)}
        raise AnalysisError("The periods mix forms (" + ", ".join(f"{f} '{p}'" for f, p in sorted(examples.items()))
                            + "); give one form, all years, all months or all quarters.")
    long["year"] = np.asarray(years, dtype=float)
    areas = pd.Index(sorted(long["area_code"].unique()), name="area_code")
    used = long[long["value"].notna()]
    group = used.groupby("area_code")
    n = group.size().reindex(areas, fill_value=0).to_numpy()
    dx = used["year"] - group["year"].transform("mean")
    dy = used["value"] - group["value"].transform("mean")
    sxx = (dx * dx).groupby(used["area_code"]).sum().reindex(areas).to_numpy(float)
    sxy = (dx * dy).groupby(used["area_code"]).sum().reindex(areas).to_numpy(float)
    syy = (dy * dy).groupby(used["area_code"]).sum().reindex(areas).to_numpy(float)
    x_mean = group["year"].mean().reindex(areas).to_numpy(float)
    y_mean = group["value"].mean().reindex(areas).to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(n >= 2, sxy / sxx, np.nan)
        intercept = y_mean - slope * x_mean
        r_squared = np.where(syy > 0, sxy * sxy / (sxx * syy), np.nan)
        df = n - 2
        residual = np.maximum(syy - slope * sxy, 0.0)
        se = np.sqrt(residual / df / sxx)
        t = np.where((df > 0) & (syy > 0), np.abs(slope) / se, np.nan)
    p_value = np.where(np.isnan(t), np.nan, 2 * stdtr(np.maximum(df, 1), -t))  # scipy.stats.t.sf, bit for bit
    tested = (n >= min_periods) & (p_value < alpha)
    direction = np.where(tested & (slope > 0), "rising", np.where(tested & (slope < 0), "falling", "flat"))
    result = pd.DataFrame({"area_code": areas.to_numpy(), "n_periods": n})
    ordered = used.sort_values("year").groupby("area_code")["period"]
    result["first_period"] = ordered.first().reindex(areas).to_numpy(object)
    result["last_period"] = ordered.last().reindex(areas).to_numpy(object)
    result["slope"] = slope
    result["intercept"] = intercept
    result["r_squared"] = r_squared
    result["p_value"] = p_value
    result["direction"] = direction.astype(object)
    result["assessment"] = np.where(n >= min_periods, _assess(direction, polarity), "not assessed").astype(object)
    result["note"] = np.select(
        [n == 0, n == 1, n < min_periods, ~(syy > 0)],
        ["no values", "one period: no trend", f"fewer than {min_periods} periods: not tested",
         "the same value in every period"], "").astype(object)
    result.attrs.update(alpha=alpha, min_periods=min_periods, polarity=polarity, slope_unit="per year")
    return result


def _assess(direction: np.ndarray, polarity: str | None) -> np.ndarray:
    """rising / falling as improving / worsening for the polarity; "not assessed" without one."""
    if polarity is None:
        return np.full(len(direction), "not assessed", dtype=object)
    up, down = ("improving", "worsening") if polarity == "high_is_good" else ("worsening", "improving")
    return np.select([direction == "rising", direction == "falling"], [up, down], "no significant change").astype(
        object)


def _parse(period) -> tuple[float, str]:
    """(decimal year, form) of one period, refusing what is not a year, month or quarter."""
    text = str(_period_text(period))
    if match := _YEAR.match(text):
        return float(match[1]), "yearly"
    if match := _MONTH.match(text):
        month = int(match[2])
        if 1 <= month <= 12:
            return int(match[1]) + (month - 1) / 12, "monthly"
    if match := _QUARTER.match(text):
        return int(match[1]) + (int(match[2]) - 1) / 4, "quarterly"
    raise AnalysisError(f"The period '{period}' is not a year ('2015'), a month ('2015-04') or a quarter "
                        "('2015-Q2').")


def _long(frame: pd.DataFrame) -> pd.DataFrame:
    """area_code, period (text), value (float, NaN when missing or suppressed), refusing a repeated area and period."""
    missing = [c for c in ("area_code", "period", "value") if c not in frame.columns]
    if missing:
        raise AnalysisError(f"The values have no column(s) {', '.join(missing)}; their columns are "
                            f"{', '.join(map(str, frame.columns))}.")
    long = pd.DataFrame({"area_code": frame["area_code"].to_numpy(),
                         "period": [_period_text(p) for p in frame["period"]],
                         "value": pd.to_numeric(frame["value"], errors="coerce").to_numpy(float)})
    if "suppressed" in frame.columns:
        long.loc[frame["suppressed"].eq(True).to_numpy(), "value"] = np.nan
    if long["period"].isna().any():
        codes = long.loc[long["period"].isna(), "area_code"]
        raise AnalysisError(f"{len(codes)} row(s) have no period (the first: area {codes.iloc[0]}).")
    repeated = long[long.duplicated(["area_code", "period"])]
    if len(repeated):
        first = repeated.iloc[0]
        raise AnalysisError(f"{len(repeated)} area and period pair(s) appear more than once (the first: area "
                            f"{first['area_code']}, period {first['period']}); give one value per area and period.")
    return long


def _period_text(period):
    """Periods read as numbers (2015 or 2015.0) back to their text, '2015'."""
    if period is None or (isinstance(period, (float, np.floating)) and np.isnan(period)):
        return None
    if isinstance(period, (int, np.integer)) or (isinstance(period, (float, np.floating)) and period.is_integer()):
        return str(int(period))
    return str(period).strip()


def _listing(periods: list[str]) -> str:
    return ", ".join(periods) if len(periods) <= 12 else f"{', '.join(periods[:6])}, ... {', '.join(periods[-3:])}"

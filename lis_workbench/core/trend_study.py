"""The trend study: an indicator's change between two periods and its straight-line trend over them, per area,
read from the store, with the words its chart and change map carry, and each area's Fingertips recent trend marker
(core.stats.trend_marker: the last five points to the end period). `lis trend`, Processing "Trend" and the dock
run it."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .errors import AnalysisError, ParameterError
from .stats.trend_marker import NOT_CALCULATED, marker_text, recent_trend
from .suppression import apply_by_period, store_rule
from .trends import change, period_to_year, trend

#: The recent-trend columns the study adds to its table (names unique in 10 characters, for shapefiles).
RECENT_COLUMNS = ("recent_trend", "recent_gradient", "recent_chi2", "recent_p", "recent_periods")


@dataclass
class TrendStudy:
    """One indicator from `start` to `end` (default: its first and last periods), all areas or the codes or names
    in `areas`, trends tested at `alpha`."""

    indicator: str
    start: str | None = None
    end: str | None = None
    areas: list[str] | None = None
    alpha: float = 0.05


@dataclass
class TrendResult:
    """Per area: the change (absolute, percent, rank) and the trend; the series behind them, and the words."""

    table: pd.DataFrame  # area_code, area_name, value_start, value_end, change, ..., assessment, recent_trend, ...
    window: pd.DataFrame  # the series in the window (area_code, area_name, period, value, ...)
    fitted: pd.DataFrame
    entry: dict
    start: str
    end: str
    summary: str
    chart_title: str
    chart_subtitle: str
    footer: str
    map_title: str
    provenance: str
    recent_summary: str = ""  # the recent trend markers counted, in one line


def run_trend_study(store, study: TrendStudy) -> TrendResult:
    """Read the indicator's series and measure each area's change and trend."""
    if not 0 < study.alpha < 1:
        raise ParameterError(f"The significance level must be between 0 and 1, not {study.alpha:g}.", option="alpha")
    entry = store.indicator(study.indicator)
    periods = entry["periods"]
    if not periods:
        raise AnalysisError(f"Indicator '{study.indicator}' has no values.")
    start, end = study.start or periods[0], study.end or periods[-1]
    for option, period in (("start", start), ("end", end)):
        if period not in periods:
            raise AnalysisError(f"{period}: '{study.indicator}' has no such period; it has {periods[0]} to "
                                f"{periods[-1]} ({len(periods)} periods).", option=option)
    if period_to_year(start) >= period_to_year(end):
        raise ParameterError(f"The first period ({start}) must come before the last ({end}).", option="start")
    names = store.area_codes(entry["geography"])
    series, withheld = apply_by_period(entry, store.get_series(study.indicator), store_rule(store))
    series = series.assign(area_name=series["area_code"].map(names))
    if study.areas:
        series = series[series["area_code"].isin(chosen_areas(study.areas, names))]
    years = series["period"].map(period_to_year)
    window = series[(years >= period_to_year(start)) & (years <= period_to_year(end))].copy()
    moved = change(window, start, end)
    fitted = trend(window, polarity=entry.get("polarity"), alpha=study.alpha)
    table = moved.merge(fitted, on="area_code")
    upto = series[years <= period_to_year(end)]
    recent = recent_markers(upto, entry)
    table = table.merge(recent, on="area_code", how="left")
    table["recent_trend"] = table["recent_trend"].fillna(f"{NOT_CALCULATED}: no values")
    table.insert(1, "area_name", table["area_code"].map(names))
    table = table.sort_values(["change", "area_code"], ascending=[False, True], na_position="last")
    table = table.reset_index(drop=True)
    counts = table["assessment"].value_counts()
    summary = (", ".join(f"{n} {label}" for label, n in counts.items())
               + f" (alpha {study.alpha:g}, {window['period'].nunique()} periods)")
    unit = entry.get("unit") or ""
    provenance = (f"Indicator {study.indicator} from {store.label} (imported from "
                  f"{entry.get('import_file')}), store checksum {store.checksum()[:16]}.")
    source = f"Source: {entry.get('source')}." if entry.get("source") else ""
    licence = f" Licence: {entry.get('licence')}." if entry.get("licence") else ""
    name = entry["title"]
    return TrendResult(
        table=table, window=window, fitted=fitted, entry=entry, start=start, end=end, summary=summary,
        chart_title=f"{name}: trend by area",
        chart_subtitle=(f"{unit + ', ' if unit else ''}{start} to {end}; one panel per area, same scale; "
                        f"trend = least-squares line, tested at {study.alpha:g}"),
        footer=" ".join([f"{source}{licence} {provenance}".strip(), *withheld]),
        map_title=f"Change in {name[0].lower() + name[1:] if name[1:2].islower() else name}",
        provenance=provenance, recent_summary=recent_summary(recent, end, len(table)))


def recent_markers(series: pd.DataFrame, entry: dict) -> pd.DataFrame:
    """Each area's Fingertips recent trend (its last five points; suppressed values count as missing), by the
    catalogue's value type and polarity: area_code and RECENT_COLUMNS, the marker in words with its reason."""
    values = series.copy()
    hidden = values["suppressed"].eq(True) if "suppressed" in values else pd.Series(False, index=values.index)
    for column in ("value", "numerator", "denominator", "lower_ci", "upper_ci"):
        values[column] = pd.to_numeric(values[column], errors="coerce").where(~hidden)
    marks = recent_trend(values, period="period", value="value", numerator="numerator", denominator="denominator",
                         lower="lower_ci", upper="upper_ci", value_type=entry.get("value_type") or "",
                         polarity=entry.get("polarity"), by=["area_code"])
    return pd.DataFrame({"area_code": marks["area_code"],
                         "recent_trend": [marker_text(m, n) for m, n in zip(marks["marker"], marks["note"])],
                         "recent_gradient": marks["gradient"], "recent_chi2": marks["chi_squared"],
                         "recent_p": marks["p_value"], "recent_periods": marks["periods"]})


def recent_summary(recent: pd.DataFrame, end: str, areas: int) -> str:
    """'Recent trend (Fingertips method, last 5 points to 2020): 3 increasing and getting worse, 22 could not be
    calculated: monthly data (...)': the markers counted, with the reasons a marker could not be calculated."""
    words = recent["recent_trend"].tolist() + [f"{NOT_CALCULATED}: no values"] * (areas - len(recent))
    marks = pd.Series([w.split(":", 1)[0].split(" (", 1)[0] for w in words], dtype=object)
    parts = [f"{n} {label.lower()}" for label, n in marks[marks != NOT_CALCULATED].value_counts().items()]
    reasons = pd.Series([w.split(": ", 1)[1] for w in words if w.startswith(f"{NOT_CALCULATED}:")],
                        dtype=object).value_counts()
    if len(reasons) == 1:
        parts.append(f"{reasons.iloc[0]} could not be calculated: {reasons.index[0]}")
    elif len(reasons):
        parts.append(f"{int(reasons.sum())} could not be calculated ("
                     + "; ".join(f"{n}: {why}" for why, n in reasons.items()) + ")")
    return f"Recent trend (Fingertips method, last 5 points to {end}): " + ", ".join(parts)


def chosen_areas(items: list[str], names: dict) -> set[str]:
    """Area codes from codes or names (names matched without regard to case)."""
    by_name = {str(n).strip().lower(): c for c, n in names.items() if n}
    chosen, unknown = set(), []
    for item in (str(p).strip() for p in items if str(p).strip()):
        code = item if item in names else by_name.get(item.lower())
        if code is None:
            unknown.append(item)
        else:
            chosen.add(code)
    if unknown:
        raise AnalysisError(f"{', '.join(unknown)} is not a code or name of this indicator's geography.",
                            option="areas")
    return chosen


def change_map_words(entry: dict, start: str, end: str) -> tuple[str, str]:
    """The change map's legend unit and period line (which colour is worse)."""
    unit = entry.get("unit") or ""
    polarity = entry.get("polarity")
    worse = {"high_is_bad": "red = rise (worse)", "high_is_good": "red = fall (worse)"}.get(polarity or "", "")
    legend = f"Change{' in ' + unit if unit and unit != '%' else ' (percentage points)' if unit else ''}"
    return legend, f"{start} to {end}" + (f"; {worse}" if worse else "")

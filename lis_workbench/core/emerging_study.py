"""The emerging hot spot study: an indicator of the store over a window of periods (core.emerging: Gi* per period,
Mann-Kendall trend, Esri's categories), with the words its map, CSV and summary carry and the map's style
description: a colour and a sentence for each category, warm for the side of greater need by the indicator's
polarity (as the hotspot study: on an indicator where high is good, the cold spots are the warm ones). `lis
emerging` and Processing share it; QGIS only draws it (qgis_bridge.emerging_style)."""

from __future__ import annotations

import calendar
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .clusters import Analysis
from .emerging import (
    ALPHA,
    CATEGORIES,
    MIN_PERIODS,
    NO_PATTERN,
    PATTERNS,
    EmergingResult,
    category_name,
    run_emerging,
)
from .errors import AnalysisError, ParameterError
from .hotspot_study import CORRECTION_WORDS, ClusterClass, need_side
from .map_study import MapSpec, fill_place, heading_for
from .palette import no_data_symbol
from .weights_cache import WeightsCache

FIELD = "category"
SHORT_CORRECTION = {"none": "no correction", "bonferroni": "Bonferroni", "fdr": "FDR"}
NO_PATTERN_FILL = "#e0e0e0"
EMERGING_NO_DATA = "No data (no value in any period)"
#: Colours by pattern, the warm set for the side of greater need (red = hot spots on a neutral indicator).
WARM = {"new": "#fe9929", "consecutive": "#cc4c02", "intensifying": "#67000d", "persistent": "#d7301f",
        "diminishing": "#fc9272", "sporadic": "#fbb4b9", "oscillating": "#c51b8a", "historical": "#bf9b6f"}
COOL = {"new": "#41b6c4", "consecutive": "#0c6e8a", "intensifying": "#08306b", "persistent": "#2171b5",
        "diminishing": "#9ecae1", "sporadic": "#cbc9e2", "oscillating": "#6a51a3", "historical": "#7fbc9f"}
#: What each pattern means, in a legend's words ({s}: hot or cold, {o}: the other side).
MEANING = {
    "new": "a {s} spot in the last period only, never before",
    "consecutive": "a {s} spot in an unbroken run of recent periods, never before",
    "intensifying": "a {s} spot in 90%+ of periods incl. the last; getting stronger",
    "persistent": "a {s} spot in 90%+ of periods; no significant trend",
    "diminishing": "a {s} spot in 90%+ of periods incl. the last; getting weaker",
    "sporadic": "a {s} spot in the last period, on and off before; never {o}",
    "oscillating": "a {s} spot in the last period, a {o} spot before",
    "historical": "a {s} spot in 90%+ of periods, but not the last",
}
SIDE_VALUES = {"hot": "high", "cold": "low"}
LINE = 42  # characters per line of a legend's words (the page's legend column)


@dataclass
class EmergingStudy:
    """One indicator of the store from `start` to `end` (default: its first and last periods) and the weights,
    correction and significance level (Esri's: FDR, 0.10) of each period's Gi*."""

    indicator: str
    start: str | None = None
    end: str | None = None
    analysis: Analysis = field(default_factory=lambda: Analysis(statistic="gistar", correction="fdr", alpha=ALPHA,
                                                                permutations=0))


@dataclass
class EmergingStudyResult:
    """Every area's category, trend and z per period with its name and WKB geometry; the engine's result; the
    catalogue entry, a one-line summary and the map page's words."""

    table: pd.DataFrame
    result: EmergingResult
    entry: dict
    summary: str
    page: MapSpec

    def csv_table(self) -> pd.DataFrame:
        """The CSV's columns: area_code, area_name, category, mk_z, mk_p and z_<period> for each period."""
        return self.table[["area_code", "area_name", "category", "mk_z", "mk_p",
                           *[f"z_{p}" for p in self.result.periods]]]


def emerging_style(polarity: str | None, present: set[str] | None = None) -> list[ClusterClass]:
    """The legend of an emerging hot spot map in order (the side of greater need first, then the other side,
    no pattern, no data), each category's colour and words by the indicator's polarity. `present`: only the
    categories in it (no pattern and no data always kept), so a legend lists what the map shows."""
    warm_side = "cold" if need_side(polarity) == "low" else "hot"
    classes: list[ClusterClass] = []
    for side in (warm_side, "cold" if warm_side == "hot" else "hot"):
        colours = WARM if side == warm_side else COOL
        other = "cold" if side == "hot" else "hot"
        for pattern in PATTERNS:
            value = category_name(pattern, side)
            if present is not None and value not in present:
                continue
            meaning = f"{MEANING[pattern].format(s=side, o=other)}{_need(side, polarity)}"
            words = "\n".join([value.capitalize(), *textwrap.wrap(meaning, LINE)])
            classes.append(ClusterClass(value, words, colours[pattern]))
    classes.append(ClusterClass(NO_PATTERN, "No pattern\nnone of the patterns above", NO_PATTERN_FILL))
    blank = no_data_symbol([c.colour for c in classes])
    classes.append(ClusterClass(None, EMERGING_NO_DATA, blank.fill, blank.hatch))
    return classes


def _need(side: str, polarity: str | None) -> str:
    need = need_side(polarity)
    if need is None:
        return ""
    return " (greater need)" if SIDE_VALUES[side] == need else " (less need)"


def legend_title(polarity: str | None) -> str:
    """The legend's title, saying which colour means need when the polarity does."""
    return "Emerging hot spot pattern" + ("" if need_side(polarity) is None else " (red = greater need)")


def summary_line(result: EmergingResult) -> str:
    """'3 intensifying hot spot, 2 persistent cold spot, 20 no pattern (34 periods, 2015-01 to 2017-10)'."""
    counts = ", ".join(f"{n} {label}" for label, n in result.summary["counts"].items())
    s = result.summary
    return f"{counts} ({s['periods']} periods, {s['first']} to {s['last']})"


def window(periods: list[str], start: str | None, end: str | None, indicator: str) -> list[str]:
    """The indicator's periods from start to end (both included)."""
    if not periods:
        raise AnalysisError(f"Indicator '{indicator}' has no values.")
    if len(periods) < MIN_PERIODS:
        raise AnalysisError(f"Indicator '{indicator}' has {len(periods)} period(s) ({', '.join(periods)}); emerging "
                            f"hot spots need a series of at least {MIN_PERIODS}.")
    start, end = start or periods[0], end or periods[-1]
    for option, period in (("start", start), ("end", end)):
        if period not in periods:
            raise AnalysisError(f"{period}: '{indicator}' has no such period; it has {periods[0]} to "
                                f"{periods[-1]} ({len(periods)} periods).", option=option)
    first, last = periods.index(start), periods.index(end)
    if first >= last:
        raise ParameterError(f"The first period ({start}) must come before the last ({end}).", option="start")
    return periods[first:last + 1]


def run_emerging_study(store, study: EmergingStudy, progress: Callable[[float, str], None] | None = None,
                       cancelled: Callable[[], bool] | None = None,
                       cache: WeightsCache | None = None) -> EmergingStudyResult:
    """Read the indicator's series in the window and every area of its geography (with geometry), and find the
    emerging hot spots."""
    spec = study.analysis
    entry = store.indicator(study.indicator)
    periods = window(entry["periods"], study.start, study.end, study.indicator)
    shapes = store.get_values(study.indicator, periods[-1], with_geometry=True, all_areas=True)
    series = store.get_series(study.indicator)
    series = series[series["period"].isin(periods)]
    wide = series.pivot_table(index="area_code", columns="period", values="value", aggfunc="first")
    wide = wide.reindex(index=shapes["area_code"], columns=periods).astype(float)
    result = run_emerging(shapes["area_code"], wide.to_numpy(), periods, list(shapes["geometry"]), spec,
                          progress=progress, cancelled=cancelled, cache=cache)
    table = shapes[["area_code", "area_name", "geometry"]].merge(result.table, on="area_code")
    empty = ~np.isfinite(wide.to_numpy()).any(axis=1)
    if empty.any():  # never had a value: no data, not "no pattern"
        table.loc[empty, "category"] = None
        counts = table["category"].value_counts()
        result.summary["counts"] = {c: int(counts[c]) for c in CATEGORIES if c in counts}
    polarity = entry.get("polarity")
    first, last = periods[0], periods[-1]
    correction = CORRECTION_WORDS.get(spec.correction, spec.correction)
    confidence = f"{100 * (1 - spec.alpha):g}%"
    page = MapSpec(field=FIELD, method="categories", title=f"Emerging hot spots: {entry['title']}",
                   unit=entry.get("unit") or "", legend_title=legend_title(polarity), polarity=polarity,
                   period=f"{short_period(first)} to {short_period(last)}", source=entry.get("source") or "",
                   licence=entry.get("licence") or "",
                   subtitle=(f"{_polarity_words(polarity)} · Gi* in {len(periods)} periods ({confidence}, "
                             f"{SHORT_CORRECTION.get(spec.correction, spec.correction)}), Mann-Kendall trend; "
                             "ArcGIS Pro's categories"),
                   provenance=(f"Emerging hot spots of {study.indicator}, {first} to {last}: {spec.weights} weights"
                               f"{f' (tolerance {spec.tolerance:g} m)' if spec.weights in ('queen', 'rook') else ''}"
                               f", islands {spec.islands}, analytical Gi* z, {correction} at {spec.alpha:g}, trend "
                               f"at {spec.alpha:g}. Store checksum {store.checksum()[:16]}."))
    fill_place(store, entry, page)
    page.heading = heading_for(page)
    return EmergingStudyResult(table, result, entry, summary_line(result), page)


def short_period(period: str) -> str:
    """2017-10 -> Oct 2017 (a page title's room is short); other periods as they are."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", str(period))
    if match and 1 <= int(match.group(2)) <= 12:
        return f"{calendar.month_abbr[int(match.group(2))]} {match.group(1)}"
    return str(period)


def _polarity_words(polarity: str | None) -> str:
    side = need_side(polarity)
    if side is None:
        return "Neutral indicator: red = hot spots (high values), blue = cold spots"
    spot = "hot" if side == "high" else "cold"
    return f"Higher is {'worse' if side == 'high' else 'better'}: red = {spot} spots (greater need)"


__all__ = ["CATEGORIES", "EmergingStudy", "EmergingStudyResult", "emerging_style", "run_emerging_study"]

"""The hotspot study: an indicator of the store tested for hot and cold spots (Gi*) or clusters and outliers
(local Moran), with the words its map and summary carry and the map's style description: which colour and legend
words each category gets, by the indicator's polarity, so that a cluster of high need is the warm colour whatever the
sign (on IMD ranks, where high = less deprived, the cold spots are the deprived areas). `lis hotspot`, Processing (on
a layer) and the dock share these words; QGIS only draws them (qgis_bridge.hotspot_style); the statistics themselves
are clusters.run_analysis."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from .clusters import Analysis, AnalysisResult, run_analysis
from .hotspot import LISA_LABELS, NOT_SIGNIFICANT
from .map_study import MapSpec, fill_place, heading_for
from .palette import NOT_SIGNIFICANT_FILL, no_data_symbol
from .weights_cache import WeightsCache

WHAT = {"gistar": "Hot and cold spots (Getis-Ord Gi*)", "localmoran": "Clusters and outliers (local Moran)"}
SHORT = {"gistar": "Hot and cold spots", "localmoran": "Clusters and outliers"}
STATISTIC_NAME = {"gistar": "Getis-Ord Gi*", "localmoran": "Local Moran's I (LISA)"}
MEANING = {"gistar": "Gi* category", "localmoran": "Local Moran category"}
FIELD = {"gistar": "gi_cluster", "localmoran": "lisa_cluster"}
CONFIDENCES = ("99%", "95%", "90%")
CORRECTION_WORDS = {"none": "no multiple-testing correction", "bonferroni": "Bonferroni correction",
                    "fdr": "false discovery rate control"}
#: Strongest first. Warm = the side of greater need, cool = less need; neutral indicators keep the convention
#: (warm = high values).
WARM = ("#d7191c", "#fc8d59", "#fed090")
COOL = ("#4575b4", "#91bfdb", "#d1e5f0")
LISA_WARM = ("#e31a1c", "#f4a6a6")  # cluster, outlier
LISA_COOL = ("#1f4fe0", "#a6b4f4")
HOTSPOT_NO_DATA = "No data (left out of the test)"


@dataclass(frozen=True)
class ClusterClass:
    """One legend entry of a hotspot map: the category the statistic wrote in the cluster field (None: the area
    had no value), the legend's words, its fill colour and, for no data, the hatching across it."""

    value: str | None
    label: str
    colour: str
    hatch: str | None = None


def need_side(polarity: str | None) -> str | None:
    """Which values mean greater need: "high" (high is bad), "low" (high is good), None (neutral or unknown)."""
    return {"high_is_bad": "high", "high_is_good": "low"}.get(polarity or "")


def _need_words(side: str, polarity: str | None) -> str:
    """' (greater need)' / ' (less need)' for values on `side`, nothing for a neutral indicator."""
    need = need_side(polarity)
    if need is None:
        return ""
    return " (greater need)" if side == need else " (less need)"


def cluster_style(statistic: str, polarity: str | None) -> list[ClusterClass]:
    """The legend of a Gi* or local Moran map in order (greatest need first, then not significant, then no
    data): the statistical label kept, colour and words by the indicator's polarity. `statistic` is "gistar" or
    "localmoran" (or their fields gi_cluster, lisa_cluster)."""
    statistic = {v: k for k, v in FIELD.items()}.get(statistic, statistic)
    warm_side = "low" if need_side(polarity) == "low" else "high"
    cool_side = "high" if warm_side == "low" else "low"
    classes: list[ClusterClass] = []
    if statistic == "gistar":
        spot = {"high": "Hot spot", "low": "Cold spot"}
        for side, colours, order in ((warm_side, WARM, CONFIDENCES), (cool_side, COOL, CONFIDENCES[::-1])):
            for confidence in order:
                value = f"{spot[side]}, {confidence} confidence"
                colour = colours[CONFIDENCES.index(confidence)]
                words = f"{value}\ncluster of {side} values{_need_words(side, polarity)}"
                classes.append(ClusterClass(value, words, colour))
            if side == warm_side:
                classes.append(ClusterClass(NOT_SIGNIFICANT, NOT_SIGNIFICANT, NOT_SIGNIFICANT_FILL))
    elif statistic == "localmoran":
        label = {("high", "cluster"): LISA_LABELS[1], ("low", "cluster"): LISA_LABELS[3],
                 ("high", "outlier"): LISA_LABELS[4], ("low", "outlier"): LISA_LABELS[2]}
        meaning = {"cluster": "{side} values together", "outlier": "a {side} value among {other} ones"}
        entries = ((warm_side, "cluster", LISA_WARM[0]), (warm_side, "outlier", LISA_WARM[1]),
                   (cool_side, "outlier", LISA_COOL[1]), (cool_side, "cluster", LISA_COOL[0]))
        for side, kind, colour in entries:
            other = "low" if side == "high" else "high"
            words = (f"{label[(side, kind)]}\n{meaning[kind].format(side=side, other=other)}"
                     f"{_need_words(side, polarity)}")
            classes.append(ClusterClass(label[(side, kind)], words, colour))
        classes.append(ClusterClass(NOT_SIGNIFICANT, NOT_SIGNIFICANT, NOT_SIGNIFICANT_FILL))
    else:
        raise ValueError(f"Unknown hotspot statistic {statistic!r}")
    blank = no_data_symbol([c.colour for c in classes])
    classes.append(ClusterClass(None, HOTSPOT_NO_DATA, blank.fill, blank.hatch))
    return classes


def legend_title(statistic: str, polarity: str | None) -> str:
    """The legend's title: the statistic's category, and which colour means need when the polarity says."""
    statistic = {v: k for k, v in FIELD.items()}.get(statistic, statistic)
    if need_side(polarity) is None:
        return MEANING[statistic]
    return f"{MEANING[statistic]} (red = greater need)"


def polarity_words(polarity: str | None) -> str:
    """How the map reads, for the page's subtitle."""
    side = need_side(polarity)
    if side is None:
        return "Neutral indicator: red = high values, blue = low values"
    return f"Higher is {'worse' if side == 'high' else 'better'}: red = clusters of {side} values (greater need)"


@dataclass
class HotspotStudy:
    """One indicator (and period) of the store and how to test it."""

    indicator: str
    period: str | None = None
    analysis: Analysis = field(default_factory=Analysis)


@dataclass
class HotspotResult:
    """Every area's values and result columns (with WKB geometry), the analysis, and the page's words."""

    table: pd.DataFrame
    result: AnalysisResult
    entry: dict
    field: str
    summary: str
    page: MapSpec


def summary_line(result: AnalysisResult) -> str:
    """"Moran's I 0.412 (z 9.8); 12 Hot spot 99%, ..." - what every door reports."""
    summary = result.summary
    counts = ", ".join(f"{n} {label}" for label, n in summary.get("counts", {}).items())
    return f"Moran's I {summary['global_I']:.3f} (z {summary['global_z']:.1f}); {counts}"


def analysis_words(spec: Analysis) -> str:
    """The parameters of an analysis in words, for provenance lines."""
    return (f"{spec.weights} weights{f' (tolerance {spec.tolerance:g} m)' if spec.weights in ('queen', 'rook') else ''}"
            f", {spec.permutations} permutations, seed {spec.seed}, {spec.correction} correction, islands "
            f"{spec.islands}")


def run_hotspot_study(store, study: HotspotStudy, progress: Callable[[float, str], None] | None = None,
                      cancelled: Callable[[], bool] | None = None, cache: WeightsCache | None = None) -> HotspotResult:
    """Read the indicator (every area, with geometry) and test it (the geography's weights read from `cache` when
    built before)."""
    spec = study.analysis
    entry = store.indicator(study.indicator)
    frame = store.get_values(study.indicator, study.period, with_geometry=True, all_areas=True)
    checksum = store.checksum()
    result = run_analysis(frame["area_code"], frame["value"].to_numpy(float), list(frame["geometry"]), spec,
                          progress=progress, numerators=frame["numerator"].to_numpy(float),
                          denominators=frame["denominator"].to_numpy(float), cancelled=cancelled, cache=cache)
    table = frame[["area_code", "area_name", "period", "value", "geometry"]].merge(result.table, on="area_code")
    period = str(table["period"].iloc[0]) if len(table) else str(study.period or "")
    what = WHAT[spec.statistic]
    polarity = entry.get("polarity")
    correction = CORRECTION_WORDS.get(spec.correction, spec.correction)
    page = MapSpec(field=FIELD[spec.statistic], method="categories", title=f"{SHORT[spec.statistic]}: {entry['title']}",
                   unit=entry.get("unit") or "", legend_title=legend_title(spec.statistic, polarity),
                   polarity=polarity, period=period, source=entry.get("source") or "",
                   licence=entry.get("licence") or "",
                   subtitle=f"{polarity_words(polarity)} · {STATISTIC_NAME[spec.statistic]}, "
                            f"{spec.permutations} permutations, {correction}",
                   provenance=f"{what} of {study.indicator}, period {period}: {analysis_words(spec)}. Store checksum "
                              f"{checksum[:16]}.")
    fill_place(store, entry, page)
    page.heading = heading_for(page)
    return HotspotResult(table, result, entry, FIELD[spec.statistic], summary_line(result), page)

"""The hotspot study: an indicator of the store tested for hot and cold spots (Gi*) or clusters and outliers
(local Moran), with the words its map and summary carry. `lis hotspot`, Processing (on a layer) and the dock share
these words; the statistics themselves are clusters.run_analysis."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from .clusters import Analysis, AnalysisResult, run_analysis
from .map_study import MapSpec
from .weights_cache import WeightsCache

WHAT = {"gistar": "Hot and cold spots (Getis-Ord Gi*)", "localmoran": "Clusters and outliers (local Moran)"}
MEANING = {"gistar": "Hot spot = cluster of high values", "localmoran": "High-High = high values together"}
FIELD = {"gistar": "gi_cluster", "localmoran": "lisa_cluster"}


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
    page = MapSpec(field=FIELD[spec.statistic], title=f"{what}: {entry['title']}", unit=MEANING[spec.statistic],
                   polarity=entry.get("polarity"), period=period, source=entry.get("source") or "",
                   licence=entry.get("licence") or "",
                   provenance=f"{what} of {study.indicator}, period {period}: {analysis_words(spec)}. Store checksum "
                              f"{checksum[:16]}.")
    return HotspotResult(table, result, entry, FIELD[spec.statistic], summary_line(result), page)

"""The thematic-map study: what a map page of an indicator says and how its classes are made, whichever door asks
(`lis map`, `lis atlas`, Processing "Thematic map" and "Export atlas", the dock).

MapSpec holds the page's words and the classification asked for; map_for_indicator fills it from the catalogue;
classify_map makes the classes (published deciles keep their ten classes); subtitle_text and footer_text are the
page's wording. QGIS only draws what this decides (qgis_bridge.maps).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .classify import Classification, classify
from .suppression import apply, store_rule

POLARITY_WORDS = {"high_is_bad": "higher is worse", "high_is_good": "higher is better", "neutral": ""}
METHOD_WORDS = {"quantile": "quantiles", "equal": "equal intervals", "jenks": "natural breaks (Fisher-Jenks)",
                "stddev": "standard deviations from the mean", "decile": "deciles", "manual": "chosen breaks"}
BOUNDARY_CREDIT = "Contains OS data © Crown copyright and database right. Boundaries: ONS, OGL v3.0."


@dataclass
class MapSpec:
    """What to map and how: field, method, classes, breaks, ramp, polarity, and the page's words."""

    field: str = "value"
    method: str = "quantile"
    classes: int = 5
    breaks: list[float] | None = None
    ramp: str | None = None
    polarity: str | None = None
    title: str = ""
    unit: str = ""
    period: str = ""
    source: str = ""
    licence: str = ""
    provenance: str = ""
    labels_field: str | None = None
    value_type: str = ""
    legend_title: str = ""

    def __post_init__(self) -> None:
        if self.method == "decile":
            self.classes = 10  # deciles are ten classes, whatever number was asked for


def map_for_indicator(store, indicator: str, period: str | None, spec: MapSpec) -> tuple[pd.DataFrame, dict, MapSpec]:
    """An indicator's values (every area of its geography, with geometry) and the page's words from the catalogue
    (those not already given in `spec`). Returns (frame, catalogue entry with period and store, spec)."""
    entry = store.indicator(indicator)
    frame = store.get_values(indicator, period, with_geometry=True, all_areas=True)
    frame, withheld = apply(entry, frame, store_rule(store))
    period = str(frame["period"].iloc[0]) if len(frame) else (period or "")
    entry.update(period=period, store=store.label, store_checksum=store.checksum())
    spec.title = spec.title or entry["title"]
    spec.unit = spec.unit or (entry.get("unit") or "")
    spec.period = spec.period or period
    spec.polarity = spec.polarity or entry.get("polarity")
    spec.value_type = spec.value_type or (entry.get("value_type") or "")
    spec.source = spec.source or (entry.get("source") or "")
    spec.licence = spec.licence or (entry.get("licence") or "")
    spec.provenance = spec.provenance or " ".join([provenance_line(entry), *withheld])
    return frame, entry, spec


def provenance_line(entry: dict) -> str:
    """The provenance a map page carries in its footer: indicator, period, store file and the imported file with
    its checksum. Layer metadata records the same line, so a page made in QGIS from a layer says what the CLI's
    says."""
    line = (f"Indicator {entry.get('id')}, period {entry.get('period')}, from {Path(str(entry.get('store'))).name} "
            f"(imported from {entry.get('import_file')}, sha256 {str(entry.get('import_checksum'))[:12]}).")
    if entry.get("store_checksum"):
        line += f" Store checksum {str(entry['store_checksum'])[:16]}."
    return line


def published_deciles(values: np.ndarray, spec: MapSpec) -> bool:
    """Whether the values are deciles already (1 = most deprived 10% of England), to be mapped one class per
    decile: the catalogue says so, or a field named as deciles holds only the whole numbers 1 to 10."""
    if spec.method != "decile":
        return False
    if spec.value_type == "decile":
        return True
    data = values[np.isfinite(values)]
    return bool("decile" in spec.field.lower() and data.size and np.all(data == np.round(data))
                and data.min() >= 1 and data.max() <= 10)


def classify_map(values: np.ndarray, spec: MapSpec) -> Classification:
    """The map's classes for these values (NaN = no data)."""
    values = np.asarray(values, dtype=float)
    if published_deciles(values, spec):
        classification = classify(values, "manual", breaks=list(range(1, 11)))
        classification.labels = [f"{d}{' most deprived 10%' if d == 1 else ' least deprived 10%' if d == 10 else ''}"
                                 for d in range(1, 11)][: classification.k]
        return classification
    return classify(values, spec.method, spec.classes, breaks=spec.breaks, high_is_bad=spec.polarity != "high_is_good")


def classes_summary(spec: MapSpec, classification: Classification) -> str:
    """The classes a map got, in the words every door reports: how many, by which method, their upper bounds and
    the areas with no data."""
    return (f"{classification.k} classes by {METHOD_WORDS.get(spec.method, spec.method)}; upper bounds "
            + ", ".join(f"{b:g}" for b in classification.bins)
            + (f"; {classification.no_data} area(s) with no data" if classification.no_data else ""))


def subtitle_text(spec: MapSpec, classification: Classification | None) -> str:
    """Unit · period · classes by method · which way is worse."""
    classes = (f"{classification.k} classes by {METHOD_WORDS.get(spec.method, spec.method)}"
               if classification else "")
    bits = [spec.unit, spec.period, classes, POLARITY_WORDS.get(spec.polarity or "neutral", "")]
    return " · ".join(b for b in bits if b)


def footer_text(spec: MapSpec, version: str, today: _dt.date | None = None) -> str:
    """Source and licence, the boundary credit; then the provenance and what made the page, when."""
    parts = [f"Source: {spec.source}." if spec.source else "",
             f"Licence: {spec.licence}." if spec.licence else "", BOUNDARY_CREDIT]
    line1 = " ".join(p for p in parts if p)
    line2 = (spec.provenance + " " if spec.provenance else "") + \
        f"Made with LIS Workbench {version} on {(today or _dt.date.today()).isoformat()}."
    return f"{line1}\n{line2}"

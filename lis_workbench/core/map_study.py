"""The thematic-map study: what a map page of an indicator says and how its classes are made, whichever door asks
(`lis map`, `lis atlas`, Processing "Thematic map" and "Export atlas", the dock).

MapSpec holds the page's words and the classification asked for; map_for_indicator fills it from the catalogue
and the store (place, geography, credits); classify_map makes the classes (published deciles keep their ten
classes); heading_for, subtitle_text, legend_title_for and footer_text are the page's wording. QGIS only draws
what this decides (qgis_bridge.maps).
"""

from __future__ import annotations

import calendar
import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .classify import Classification, classify, plain_number
from .credits import credit_line, store_credits
from .errors import LisError
from .palette import check_classes, choose_ramp
from .suppression import apply, store_rule

POLARITY_WORDS = {"high_is_bad": "higher is worse", "high_is_good": "higher is better", "neutral": ""}
METHOD_WORDS = {"quantile": "quantiles", "equal": "equal intervals", "jenks": "natural breaks (Fisher-Jenks)",
                "stddev": "standard deviations from the mean", "decile": "deciles", "manual": "chosen breaks"}
#: Short words for a geography's areas, by the start of its store name (lsoa11 -> LSOAs).
AREA_WORDS = (("lsoa", "LSOAs"), ("msoa", "MSOAs"), ("oa", "output areas"), ("ward", "wards"),
              ("lad", "local authority"), ("ltla", "local authority"), ("utla", "county or unitary authority"),
              ("icb", "ICB"), ("pcn", "primary care networks"))


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
    place: str = ""  # the borough mapped ("Wigan")
    areas: str = ""  # the areas' words ("2011 LSOAs")
    heading: str = ""  # the page title made from title, place, areas and period (empty: the title as given)
    subtitle: str = ""  # a page's own subtitle (hotspot maps), instead of the classes' words
    credits: str = ""  # the credit line (core.credits) when the page knows its store

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
    made_title = not spec.title
    spec.title = spec.title or entry["title"]
    spec.unit = spec.unit or (entry.get("unit") or "")
    spec.period = spec.period or period
    spec.polarity = spec.polarity or entry.get("polarity")
    spec.value_type = spec.value_type or (entry.get("value_type") or "")
    spec.source = spec.source or (entry.get("source") or "")
    spec.licence = spec.licence or (entry.get("licence") or "")
    spec.provenance = spec.provenance or " ".join([provenance_line(entry), *withheld])
    fill_place(store, entry, spec)
    if made_title:
        spec.heading = heading_for(spec)
    return frame, entry, spec


def fill_place(store, entry: dict, spec: MapSpec) -> MapSpec:
    """The place (the store's one borough; none for a store of several), the areas' words and the credit line
    of an indicator's page, from the store."""
    from .borough import choose_borough

    geography = str(entry.get("geography") or "")
    if not spec.place:
        try:
            spec.place = choose_borough(store).name
        except LisError:
            spec.place = ""
    if not spec.areas and geography:
        try:
            record = store.geography(geography)
        except LisError:
            record = {"name": geography, "title": geography}
        spec.areas = area_words(record)
    if not spec.credits:
        spec.credits = store_credits(store, [entry])
    return spec


def area_words(geography: dict) -> str:
    """"2011 LSOAs", "2023 wards": a geography's areas in short words, with their boundaries' year."""
    from .credits import vintage_year

    name = str(geography.get("name") or "").lower()
    words = next((w for prefix, w in AREA_WORDS if re.fullmatch(rf"{prefix}\d*", name)), None)
    if words is None:
        return str(geography.get("title") or name)
    year = vintage_year(geography)
    return f"{year} {words}" if year else words


def period_words(period: str) -> str:
    """A period for people: 2017-10 -> October 2017, 2017-10-05 -> 5 October 2017; others as they are."""
    text = str(period or "").strip()
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", text)
    if match and 1 <= int(match.group(2)) <= 12:
        month = f"{calendar.month_name[int(match.group(2))]} {match.group(1)}"
        return f"{int(match.group(3))} {month}" if match.group(3) else month
    return text


def heading_for(spec: MapSpec) -> str:
    """The page title: "Income score, IoD 2019, Wigan 2011 LSOAs"; the period added when the title does not
    already say it ("Claimant rate, Wigan 2022 wards, October 2017")."""
    where = " ".join(w for w in (spec.place, spec.areas) if w)
    when = period_words(spec.period)
    bits = [where] if where else []
    if when and when not in spec.title:
        bits.append(when)
    return ", ".join([spec.title, *bits])


def legend_title_for(spec: MapSpec) -> str:
    """The legend's title: as given; else the unit when it says what the numbers are ("rank of 32,844 (1 = most
    deprived)", "per 1,000 households"); "Number of children" for counts; else the title, with a bare unit it does
    not already show ("Road distance to a GP surgery (km)"), never just "£" or "value"."""
    if spec.legend_title:
        return spec.legend_title
    unit = (spec.unit or "").strip()
    if " " in unit and len(unit) > 4:
        return unit[:1].upper() + unit[1:]  # a legend's title starts with a capital: "Rank of 32,844 (...)"
    if spec.value_type == "count" and unit.isalpha():
        return f"Number of {unit}"
    short = re.sub(r",[^,]*\b(19|20)\d\d\b[^,]*$", "", spec.title or "").strip() or spec.title or spec.field
    if not unit or unit.lower() in ("value", "values") or unit.lower() in short.lower():
        return short
    return f"{short} ({unit})"


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
    """The map's classes for these values (NaN = no data); refused when the colour scheme has fewer colours than
    the map has classes (sequential schemes stop at 9)."""
    values = np.asarray(values, dtype=float)
    choice = choose_ramp(spec.polarity, spec.method, spec.ramp)
    if spec.method not in ("decile", "manual"):
        check_classes(choice, spec.classes)
    if published_deciles(values, spec):
        classification = classify(values, "manual", breaks=list(range(1, 11)))
        classification.labels = [f"{d}{' most deprived 10%' if d == 1 else ' least deprived 10%' if d == 10 else ''}"
                                 for d in range(1, 11)][: classification.k]
    else:
        classification = classify(values, spec.method, spec.classes, breaks=spec.breaks,
                                  high_is_bad=spec.polarity != "high_is_good")
    check_classes(choice, classification.k)
    return classification


def classes_summary(spec: MapSpec, classification: Classification) -> str:
    """The classes a map got, in the words every door reports: how many, by which method, their upper bounds and
    the areas with no data."""
    return (f"{classification.k} classes by {METHOD_WORDS.get(spec.method, spec.method)}; upper bounds "
            + ", ".join(plain_number(b) for b in classification.bins)
            + (f"; {classification.no_data} area(s) with no data" if classification.no_data else ""))


def subtitle_text(spec: MapSpec, classification: Classification | None, with_period: bool = True) -> str:
    """Period (unless the title says it) · classes by method · which way is worse; or the page's own subtitle.
    The unit is the legend's title (legend_title_for), so it is not repeated here."""
    when = period_words(spec.period) if with_period else ""
    if spec.subtitle:
        return " · ".join(b for b in (when, spec.subtitle) if b)
    classes = (f"{classification.k} classes by {METHOD_WORDS.get(spec.method, spec.method)}"
               if classification else "")
    bits = [when, classes, POLARITY_WORDS.get(spec.polarity or "neutral", "")]
    return " · ".join(b for b in bits if b)


def page_words(spec: MapSpec, classification: Classification | None) -> tuple[str, str, str]:
    """(title, subtitle, legend title) of a one-map page: the subtitle leaves out a period the title gives."""
    title = spec.heading or spec.title
    when = period_words(spec.period)
    return title, subtitle_text(spec, classification, with_period=not (when and when in title)), \
        legend_title_for(spec)


def footer_text(spec: MapSpec, version: str, today: _dt.date | None = None) -> str:
    """The credit line (sources, licences, boundaries, OS copyright with its year); then the provenance and what
    made the page, when."""
    line1 = spec.credits or credit_line([{"source": spec.source, "licence": spec.licence}], [],
                                        today=today)
    line2 = (spec.provenance + " " if spec.provenance else "") + \
        f"Made with LIS Workbench {version} on {(today or _dt.date.today()).isoformat()}."
    return f"{line1}\n{line2}"

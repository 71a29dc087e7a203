"""The credit line of a map or page, built from the sources actually drawn: each indicator's source and licence (from
the catalogue), each boundary or point layer's origin (from what the store recorded when it was added), and the
Ordnance Survey copyright with its year. Every door and page (map, atlas, siting, publish) calls credit_line or
store_credits, so the words are the same everywhere.

What the store keeps for a geography: name, kind, title and the file it was loaded from. The publisher is read from
that file's name where the naming is a publisher's own (ONS Open Geography Portal extracts end in _bgc, _bfc, _bfe,
_bsc or _buc; Get Information about Schools exports start with gias / edubase); otherwise the credit names the
layer's title and file, claiming no publisher it cannot know. A geography record may also carry its own
"publisher", "licence" and "year", which win.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

ONS = "Office for National Statistics"
DFE = "Department for Education, Get Information about Schools"
OGL = "OGL v3.0"
OS_LINE = "Contains OS data © Crown copyright and database right {year}."
_PUBLISHERS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"(^|[_\W])(bgc|bfc|bfe|bsc|buc|bgg)([_\W]|$)|population_weighted_centroids|(^|[_\W])ons[_\W]",
                re.IGNORECASE), ONS, OGL),
    (re.compile(r"^(gias|edubase)", re.IGNORECASE), DFE, OGL),
)


def boundary_publisher(geography: Mapping[str, Any]) -> tuple[str, str]:
    """(publisher, licence) of a boundary or point layer: as recorded, else read from its file's name, else
    ("", "")."""
    if geography.get("publisher"):
        return str(geography["publisher"]), str(geography.get("licence") or "")
    name = Path(str(geography.get("source") or "")).name
    for pattern, publisher, licence in _PUBLISHERS:
        if name and pattern.search(name):
            return publisher, str(geography.get("licence") or licence)
    return "", str(geography.get("licence") or "")


def vintage_year(geography: Mapping[str, Any]) -> int | None:
    """The boundaries' year: as recorded, else the two digits ending the name (ward23 -> 2023, lsoa11 -> 2011),
    else the first year in the title ("Electoral wards 2023"); None for a layer without one."""
    if geography.get("year"):
        return int(geography["year"])
    tail = re.search(r"[a-z_](\d\d)$", str(geography.get("name") or ""), re.IGNORECASE)
    if tail:
        return 2000 + int(tail.group(1))
    found = re.findall(r"\b(19\d\d|20\d\d)\b", str(geography.get("title") or ""))
    return int(found[0]) if found else None


def _unique(items: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for item in items:
        if item and item not in seen:
            seen.append(item)
    return seen


def credit_line(indicators: Sequence[Mapping[str, Any]], geographies: Sequence[Mapping[str, Any]] = (), *,
                extra: Sequence[str] = (), year: int | None = None, today: _dt.date | None = None) -> str:
    """One paragraph crediting what a map or page draws.

    indicators: catalogue entries (source, licence); geographies: store geography records (name, kind, title,
    source; optionally publisher, licence, year); extra: further credits, each a sentence (e.g. a partner's data);
    year: the OS copyright year, by default the latest boundary year drawn, else today's year."""
    parts = []
    by_licence: dict[str, list[str]] = {}
    for entry in indicators:
        source = str(entry.get("source") or "").strip().rstrip(".")
        if source:
            by_licence.setdefault(str(entry.get("licence") or "").strip(), []).append(source)
    for licence, sources in by_licence.items():
        parts.append(f"Source: {'; '.join(_unique(sources))}." + (f" Licence: {licence}." if licence else ""))
    boundaries = []
    for geography in geographies:
        publisher, licence = boundary_publisher(geography)
        what = str(geography.get("title") or geography.get("name") or "").strip()
        label = "Boundaries" if geography.get("kind", "areas") == "areas" else "Places"
        if publisher:
            boundaries.append(f"{label}: {what}, {publisher}" + (f", {licence}" if licence else "") + ".")
        elif geography.get("source"):
            boundaries.append(f"{label}: {what} ({Path(str(geography['source'])).name}).")
    parts.extend(_unique(boundaries))
    parts.extend(s.strip() if s.strip().endswith(".") else s.strip() + "." for s in extra if s and s.strip())
    years = [y for y in (vintage_year(g) for g in geographies if g.get("kind", "areas") == "areas") if y]
    parts.append(OS_LINE.format(year=year or (max(years) if years else (today or _dt.date.today()).year)))
    return " ".join(parts)


def store_credits(store, indicators: Iterable[str | Mapping[str, Any]] = (), geographies: Iterable[str] = (), *,
                  extra: Sequence[str] = (), year: int | None = None) -> str:
    """credit_line for what a page draws from a store: indicator ids (or catalogue entries), whose geographies are
    credited too, and further geographies or point layers by name (e.g. "schools" for a siting map)."""
    entries = [store.indicator(i) if isinstance(i, str) else i for i in indicators]
    names = _unique([*(str(e.get("geography") or "") for e in entries), *geographies])
    records = store.geographies()
    by_name = {str(r["name"]): dict(r) for r in records.to_dict("records")} if len(records) else {}
    return credit_line(entries, [by_name.get(n, {"name": n}) for n in names], extra=extra, year=year)

"""The atlas study: which areas get a page (the store's area geography, e.g. its wards, or any other; one
borough's or all of them) and what the map on every page shows (core.map_study). `lis atlas`, Processing and the
dock run it."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .borough import Borough, areas_within, choose_borough
from .errors import GeographyError
from .map_study import MapSpec, map_for_indicator


@dataclass
class AtlasStudy:
    """An indicator's map, one page per area of `coverage` (default: the store's area geography), limited to one
    borough when `borough` names one (a code or name)."""

    indicator: str
    period: str | None = None
    spec: MapSpec = field(default_factory=MapSpec)
    coverage: str | None = None
    borough: str | None = None


@dataclass
class AtlasPlan:
    """What the pages need: the indicator's values, the page areas, the map's words."""

    values: pd.DataFrame
    entry: dict
    spec: MapSpec
    coverage: str
    pages: pd.DataFrame  # area_code, area_name, geometry (WKB) of each page's area
    borough: Borough | None


def plan_atlas(store, study: AtlasStudy) -> AtlasPlan:
    """Read the indicator and the page areas from the store."""
    coverage = study.coverage or store.setting("area_geography")
    if coverage is None:
        raise GeographyError("The store has no ward (or other) geography to make atlas pages for; name one.",
                             option="coverage")
    values, entry, spec = map_for_indicator(store, study.indicator, study.period, study.spec)
    pages = store.areas(coverage)
    borough = choose_borough(store, study.borough) if study.borough else None
    if borough is not None:
        inside = set(areas_within(store, coverage, borough))
        pages = pages[pages["area_code"].isin(inside)].reset_index(drop=True)
        spec.provenance += f" Pages: the {len(pages)} areas of {coverage} in {borough.name} ({borough.code})."
    return AtlasPlan(values, entry, spec, coverage, pages, borough)

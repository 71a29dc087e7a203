"""The atlas study: which areas get a page (the store's area geography, e.g. its wards, or any other; one
borough's or all of them), which are left out because their page would show only "No data", whether pages are
named, and what the map on every page shows (core.map_study). `lis atlas`, Processing and the dock run it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from osgeo import ogr

from .borough import Borough, areas_within, choose_borough
from .errors import GeographyError
from .geography import surface_area
from .labels import LabelChoice, labels_wanted
from .map_study import MapSpec, map_for_indicator

ogr.UseExceptions()

#: A page has data when areas with values cover at least this share of its area, or when one of them lies mostly
#: (more than half) inside it. Sets that do not nest overlap at their edges (in Wigan, the LSOAs of five 2011-era
#: wards cover up to 8% of a neighbouring 2023 ward): such edges do not make a page "have data", while one small
#: LSOA with a value in a large rural ward does.
PAGE_SHARE = 0.1
NAMES_IN_NOTE = 12


@dataclass
class AtlasStudy:
    """An indicator's map, one page per area of `coverage` (default: the store's area geography), limited to one
    borough when `borough` names one (a code or name). Areas whose page would show no data are left out unless
    `skip_empty` is False; `labels` None takes the atlas default (pages are named)."""

    indicator: str
    period: str | None = None
    spec: MapSpec = field(default_factory=MapSpec)
    coverage: str | None = None
    borough: str | None = None
    skip_empty: bool = True
    labels: bool | None = None


@dataclass
class AtlasPlan:
    """What the pages need: the indicator's values, the page areas, the map's words, the pages left out."""

    values: pd.DataFrame
    entry: dict
    spec: MapSpec
    coverage: str
    pages: pd.DataFrame  # area_code, area_name, geometry (WKB) of each page's area
    borough: Borough | None
    skipped: list[str] = field(default_factory=list)  # names of the areas left out (no data on their page)
    labels: LabelChoice = field(default_factory=lambda: LabelChoice(None))

    @property
    def note(self) -> str:
        return skipped_note(self.skipped, len(self.pages) + len(self.skipped))


def plan_atlas(store, study: AtlasStudy) -> AtlasPlan:
    """Read the indicator and the page areas from the store; leave out the pages that would show no data."""
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
    skipped: list[str] = []
    if study.skip_empty and len(pages):
        keep = pages_with_data(pages, values, spec.field if spec.field in values.columns else "value")
        if not keep.any():
            raise GeographyError(f"No area of {coverage} has a value of {study.indicator} on its page: there is "
                                 "nothing to put in an atlas.", option="coverage")
        skipped = sorted(pages.loc[~keep, "area_name"].fillna(pages.loc[~keep, "area_code"]).astype(str))
        pages = pages[keep].reset_index(drop=True)
        if skipped:
            spec.provenance += f" {len(skipped)} area(s) with no data left out."
    labels = LabelChoice(coverage if labels_wanted(study.labels, "atlas") else None)
    return AtlasPlan(values, entry, spec, coverage, pages, borough, skipped, labels)


def _envelopes(geometries: list) -> np.ndarray:
    """(minx, maxx, miny, maxy) of each geometry; NaN for none."""
    out = np.full((len(geometries), 4), np.nan)
    for i, geometry in enumerate(geometries):
        if geometry is not None:
            out[i] = geometry.GetEnvelope()
    return out


def _shape(wkb):
    if wkb is None or (isinstance(wkb, float) and np.isnan(wkb)):
        return None
    shape = ogr.CreateGeometryFromWkb(bytes(wkb))
    return shape if shape.IsValid() else shape.Buffer(0)


def pages_with_data(pages: pd.DataFrame, values: pd.DataFrame, value_field: str = "value",
                    share: float = PAGE_SHARE) -> np.ndarray:
    """For each page area (area_code, geometry WKB), whether the map of `values` has data there: areas with a
    value (`value_field` not missing) cover at least `share` of the page, or one of them lies mostly inside it.
    False means the page would show only "No data". Pages and values on one geography match by code alone."""
    numbers = pd.to_numeric(values[value_field], errors="coerce") if value_field in values.columns else \
        pd.Series(np.nan, index=values.index)
    valued = values[numbers.notna().to_numpy()]
    codes = set(valued["area_code"].astype(str))
    keep = pages["area_code"].astype(str).isin(codes).to_numpy()
    if keep.all() or "geometry" not in valued.columns or "geometry" not in pages.columns:
        return keep
    shapes = [_shape(w) for w in valued["geometry"]]
    boxes = _envelopes(shapes)
    for i in np.flatnonzero(~keep):
        page = _shape(pages["geometry"].iloc[i])
        if page is None:
            continue
        minx, maxx, miny, maxy = page.GetEnvelope()
        near = np.flatnonzero((boxes[:, 0] < maxx) & (boxes[:, 1] > minx) & (boxes[:, 2] < maxy)
                              & (boxes[:, 3] > miny))
        covered, page_area = 0.0, page.GetArea()
        for j in near:
            overlap = surface_area(page.Intersection(shapes[j]))  # a neighbour that only touches: 0
            covered += overlap
            if overlap > 0.5 * shapes[j].GetArea() or covered >= share * page_area:
                keep[i] = True
                break
    return keep


def skipped_note(skipped: list[str], total: int) -> str:
    """'Left out 3 of 25 areas with no data for at least 90% of their area: A, B, C.' ('' when none)."""
    if not skipped:
        return ""
    names = ", ".join(skipped[:NAMES_IN_NOTE]) + (f" and {len(skipped) - NAMES_IN_NOTE} more"
                                                   if len(skipped) > NAMES_IN_NOTE else "")
    return (f"Left out {len(skipped)} of {total} areas with no data for at least {1 - PAGE_SHARE:.0%} of their "
            f"area: {names}.")

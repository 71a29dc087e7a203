"""A siting study read from the store: demand from an indicator (and a need rule), sites from store point layers,
solved by run_plan, with the words that title and stamp the result. `lis site` and the dock's siting wizard both
run it, so a study gives the same answer from either."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .capacitated import assignment_words
from .common import check_single_source
from .demand import NeedRule, demand_table, sites_table, study_margin, within_study_area
from .plan import SitingOutcome, SitingPlan, run_plan

MODEL_WORDS = {"mclp": "most demand within reach", "lscp": "fewest sites to reach the demand",
               "pmedian": "shortest average distance"}


@dataclass
class SitingStudy:
    """What to site, from which store layers: the store-level twin of SitingPlan."""

    demand: str                             # a count indicator, e.g. pop2016_age_0_4
    candidates: str                         # a store point layer, e.g. schools
    model: str = "mclp"
    p: int = 3
    radius: float | None = 1500.0
    share: float = 1.0
    period: str | None = None
    need: str | None = None                 # 'imd2019_imd_decile<=3', or a bare indicator id to weight by
    centroids: Path | None = None           # centroids CSV; default: the store's (settings), else inner points
    centroids_epsg: int = 4326
    candidates_filter: str | None = None
    existing: str | None = None
    existing_filter: str | None = None
    capacity: str | None = None             # a numeric field of the sites: each serves at most that much
    single_source: bool = False             # with a capacity: each area served whole by one site (else may split)
    distance: str = "euclidean"
    network: Sequence[bytes] | None = None
    speed: float | None = None
    cost_matrix: str | None = None
    save_costs: str | None = None
    quick: bool = False
    time_limit: float | None = None
    curve: bool = True


@dataclass
class StudyResult:
    """The outcome with what a page needs: the demand areas, their title, the map title and the provenance."""

    outcome: SitingOutcome
    demand: pd.DataFrame                    # the demand table the plan ran on
    polygons: dict[str, bytes]
    entry: dict                             # the demand indicator's catalogue entry
    demand_title: str
    map_title: str
    unit: str                               # "m" or "minutes"
    provenance: str


def store_centroids(store, geography: str) -> pd.DataFrame | None:
    """The store's population-weighted centroids of a geography's areas (settings: centroids), as area_code, x, y;
    None when the store has none for it, and the areas' own inner points are used instead."""
    layer = store.setting("centroids")
    if not layer or layer not in store.geography_names():
        return None
    points = store.points(layer)[["area_code", "x", "y"]]
    codes = set(store.area_codes(geography))
    return points[points["area_code"].astype(str).isin(codes)] if codes & set(points["area_code"].astype(str)) \
        else None


def run_study(store, study: SitingStudy, progress: Callable[[float, str], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> StudyResult:
    """Read the study's demand and sites from the store and solve it."""
    from ..recipe import centroid_points

    rule = NeedRule.parse(study.need) if study.need else None
    plan = SitingPlan(model=study.model, p=study.p if study.model != "lscp" else None, radius=study.radius,
                      share=study.share, distance=study.distance, network=study.network, speed_kmh=study.speed,
                      cost_matrix=study.cost_matrix, save_costs=study.save_costs, quick=study.quick,
                      curve=study.curve, time_limit=study.time_limit, need_label=str(rule) if rule else "",
                      single_source=study.single_source)
    plan.check()  # before reading anything from the store
    check_single_source(study.single_source, bool(study.capacity))
    entry = store.indicator(study.demand)
    values = store.get_values(study.demand, study.period, with_geometry=True, all_areas=True)
    need_values = store.get_values(rule.indicator) if rule else None
    need_title = store.indicator(rule.indicator)["title"] if rule else ""
    polygons = dict(zip(values["area_code"], values["geometry"]))
    points = centroid_points(Path(study.centroids), study.centroids_epsg) if study.centroids else \
        store_centroids(store, entry["geography"])
    table = demand_table(values, need_values, rule, points, polygons)
    sites = sites_table(store.points(study.candidates, study.candidates_filter),
                        store.points(study.existing, study.existing_filter) if study.existing else None,
                        capacity_field=study.capacity)
    checksum = store.checksum()
    sites = within_study_area(sites, table, study_margin(study.radius))
    outcome = run_plan(plan, table, sites, progress, cancelled)
    unit = "minutes" if study.speed else "m"
    need_words = (f" in areas where {need_title} {rule.op} {rule.threshold:g}" if rule and rule.op else
                  f" weighted by {need_title}" if rule else "")
    reach = f"reach {study.radius:,.0f} {unit}" if study.radius is not None else "no reach set"
    capacity = f"; capacities from {study.capacity}, {assignment_words(study.single_source)}" if study.capacity \
        else ""
    provenance = (f"Siting ({study.model}: {MODEL_WORDS[study.model]}); demand {study.demand} "
                  f"({table.attrs['located_by']}){need_words}; candidates {study.candidates}"
                  f"{f' where {study.candidates_filter}' if study.candidates_filter else ''}"
                  f"{f'; existing {study.existing}' if study.existing else ''}"
                  f"{capacity}; {study.distance} distance, {reach}; "
                  f"{'proven optimal' if outcome.result.optimal else 'not proven optimal'}. Store checksum "
                  f"{checksum[:16]}.")
    map_title = {"mclp": f"Where {study.p} new site(s) reach most need",
                 "pmedian": f"Where {study.p} new site(s) are nearest to need",
                 "lscp": "The fewest sites that reach the need"}[study.model]
    return StudyResult(outcome=outcome, demand=table, polygons=polygons, entry=entry,
                       demand_title=f"{entry['title']}{need_words}", map_title=map_title, unit=unit,
                       provenance=provenance)

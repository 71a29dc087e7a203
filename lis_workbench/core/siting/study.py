"""A siting study read from the store: demand from an indicator (and a need rule), sites from store point layers,
solved by run_plan, with the words that title and stamp the result. `lis site` and the dock's siting wizard both
run it, so a study gives the same answer from either."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..credits import store_credits
from ..map_study import MapSpec, fill_place
from .capacitated import assignment_words
from .common import check_single_source
from .demand import NeedRule, demand_table, sites_table, study_margin, within_study_area
from .plan import SitingOutcome, SitingPlan, run_plan

MODEL_WORDS = {"mclp": "most demand within reach", "lscp": "fewest sites to reach the demand",
               "pmedian": "shortest average distance"}
#: The open data behind a schools layer (Get Information About Schools), credited on any page siting among them.
DFE_SCHOOLS_CREDIT = ("Schools: Department for Education, Get Information About Schools (open establishments), "
                      "Open Government Licence v3.0")
_OPERATOR_WORDS = {"=": "is", "==": "is", "<>": "is not", "!=": "is not", "<": "is below", "<=": "is at most",
                   ">": "is above", ">=": "is at least", "like": "matches", "ilike": "matches", "in": "is",
                   "not in": "is not"}
_CLAUSE = re.compile(r"""^\s*"?([A-Za-z_][\w ]*?)"?\s*(not\s+in|ilike|like|in|<>|!=|<=|>=|==|=|<|>)\s*(.+?)\s*$""",
                     re.IGNORECASE)


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


def filter_words(expression: str | None) -> str:
    """An attribute filter as a reader says it: "education_phase = 'Primary'" -> "education phase is Primary";
    clauses joined by AND or OR keep their joining word. A filter beyond that (functions, brackets) is
    "a filter on their attributes", never the expression itself."""
    if not expression or not expression.strip():
        return ""
    parts = re.split(r"\s+(and|or)\s+(?=(?:[^']*'[^']*')*[^']*$)", expression.strip(), flags=re.IGNORECASE)
    words = []
    for i, part in enumerate(parts):
        if i % 2:
            words.append(part.lower())
            continue
        match = _CLAUSE.match(part)
        if not match or "(" in match.group(1):
            return "a filter on their attributes"
        name, operator, value = match.groups()
        operator = " ".join(operator.lower().split())
        if operator in ("in", "not in"):
            items = [v.strip().strip("'\"") for v in value.strip().lstrip("(").rstrip(")").split(",")]
            value = " or ".join(i for i in items if i)
        elif "(" in value:
            return "a filter on their attributes"
        else:
            value = value.strip("'\"")
        words.append(f"{name.replace('_', ' ').strip()} {_OPERATOR_WORDS[operator]} {value}")
    return " ".join(words)


def layer_words(layer: str, title: str | None, expression: str | None) -> str:
    """A store point layer and its filter in words: "Schools and nurseries (GIAS) where education phase is
    Primary"."""
    filtered = filter_words(expression)
    return f"{title or layer}{f' where {filtered}' if filtered else ''}"


def sites_credit(title: str | None, columns: Sequence[str]) -> str:
    """The credit a siting page owes its sites' data: DfE's for a Get Information About Schools layer (its title
    says GIAS or schools, or it has GIAS's urn and phase columns), else none."""
    text = (title or "").lower()
    if "gias" in text or "school" in text or {"urn", "education_phase"} <= set(columns):
        return DFE_SCHOOLS_CREDIT
    return ""


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
    source: str = ""                        # the page's source line: the demand's source, then the sites' credit
    credits: str = ""                       # the page's credit line (core.credits): indicators, boundaries, sites
    place: str = ""                         # the borough ("Wigan"), for the page title
    areas: str = ""                         # the demand areas in words ("2011 LSOAs")
    period: str = ""                        # the demand's period


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
    candidates = store.points(study.candidates, study.candidates_filter)
    existing = store.points(study.existing, study.existing_filter) if study.existing else None
    sites = sites_table(candidates, existing, capacity_field=study.capacity)
    checksum = store.checksum()
    sites = within_study_area(sites, table, study_margin(study.radius))
    outcome = run_plan(plan, table, sites, progress, cancelled)
    unit = "minutes" if study.speed else "m"
    need_words = (f" in areas where {need_title} {rule.op} {rule.threshold:g}" if rule and rule.op else
                  f" weighted by {need_title}" if rule else "")
    reach = f"reach {study.radius:,.0f} {unit}" if study.radius is not None else "no reach set"
    capacity = f"; capacities from {study.capacity}, {assignment_words(study.single_source)}" if study.capacity \
        else ""
    titles = {name: store.geography(name)["title"] for name in (study.candidates, study.existing) if name}
    open_sites = (f"; existing: {layer_words(study.existing, titles[study.existing], study.existing_filter)}"
                  if study.existing else "")
    provenance = (f"Siting ({study.model}: {MODEL_WORDS[study.model]}); demand {study.demand} "
                  f"({table.attrs['located_by']}){need_words}; candidates: "
                  f"{layer_words(study.candidates, titles[study.candidates], study.candidates_filter)}"
                  f"{open_sites}"
                  f"{capacity}; {study.distance} distance, {reach}; "
                  f"{'proven optimal' if outcome.result.optimal else 'not proven optimal'}. Store checksum "
                  f"{checksum[:16]}.")
    map_title = {"mclp": f"Where {study.p} new site(s) reach most need",
                 "pmedian": f"Where {study.p} new site(s) are nearest to need",
                 "lscp": "The fewest sites that reach the need"}[study.model]
    credits = dict.fromkeys(c for c in [sites_credit(titles[study.candidates], candidates.columns),
                                        sites_credit(titles[study.existing], existing.columns)
                                        if study.existing and existing is not None else ""] if c)
    source = "; ".join([entry.get("source") or "", *credits])
    used = [entry, *([store.indicator(rule.indicator)] if rule else [])]
    page = fill_place(store, entry, MapSpec(credits=store_credits(store, used, extra=list(credits))))
    return StudyResult(outcome=outcome, demand=table, polygons=polygons, entry=entry,
                       demand_title=f"{entry['title']}{need_words}", map_title=map_title, unit=unit,
                       provenance=provenance, source=source.strip("; "), credits=page.credits, place=page.place,
                       areas=page.areas, period=str(values["period"].iloc[0]) if len(values) else "")

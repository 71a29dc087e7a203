"""A siting analysis end to end on plain tables: costs, the chosen model, per-site and per-area results, the
coverage curve and the gap areas. The CLI, Processing and the dock all call ``run_plan``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ParameterError
from .common import MODELS, SitingError, SitingResult, check_single_source
from .costs import euclidean_costs, read_cost_matrix, write_cost_matrix
from .network import network_costs
from .solve import coverage_curve, curve_sites, gap_areas, solve

Progress = Callable[[float, str], None]


@dataclass
class SitingPlan:
    """What to solve: the model, p new sites, the radius (metres, or minutes with a speed), how costs are made."""

    model: str = "mclp"
    p: int | None = 3
    radius: float | None = 1500.0
    share: float = 1.0
    distance: str = "euclidean"           # euclidean | network | matrix
    network: Sequence[bytes] | None = None
    speed_kmh: float | None = None
    cost_matrix: str | None = None        # a CSV to read costs from (distance = matrix)
    save_costs: str | None = None         # write the cost matrix used to this CSV
    quick: bool = False
    curve: bool = True
    time_limit: float | None = None
    need_label: str = ""
    single_source: bool = False           # capacitated: each area served whole by one site (else may be split)

    def check(self) -> None:
        """Refuse settings that have no meaning (they used to "succeed" with an empty answer)."""
        if self.model not in MODELS:
            raise ParameterError(f"Unknown siting model '{self.model}': use {', '.join(MODELS)}.", option="model")
        if self.model != "lscp" and (self.p is None or int(self.p) != self.p or self.p < 1):
            raise ParameterError(f"The number of new sites must be a whole number of at least 1, not {self.p}.",
                                 option="p")
        if self.radius is None:
            if self.model != "pmedian":
                raise ParameterError("Coverage models need a reach (how far people will travel).", option="radius")
        elif not self.radius > 0 or not np.isfinite(self.radius):
            raise ParameterError(f"The reach must be a distance above 0, not {self.radius:g}.", option="radius")
        if not 0 < self.share <= 1:
            raise ParameterError(f"The share of demand to reach must be above 0 and at most 1, not {self.share:g}.",
                                 option="share")
        if self.speed_kmh is not None and not self.speed_kmh > 0:
            raise ParameterError(f"The travel speed must be above 0 km/h, not {self.speed_kmh:g}.", option="speed")
        if self.time_limit is not None and not self.time_limit > 0:
            raise ParameterError(f"The time limit must be above 0 seconds, not {self.time_limit:g}.",
                                 option="time_limit")


@dataclass
class SitingOutcome:
    """The chosen sites, each demand area's service, the allocation lines, the curve and the words to stamp."""

    result: SitingResult
    sites: pd.DataFrame
    demand: pd.DataFrame
    allocation: pd.DataFrame
    curve: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)
    summary: str = ""


def _costs(plan: SitingPlan, demand: pd.DataFrame, sites: pd.DataFrame) -> np.ndarray:
    dxy, sxy = demand[["x", "y"]].to_numpy(float), sites[["x", "y"]].to_numpy(float)
    if plan.distance == "matrix":
        if not plan.cost_matrix:
            raise SitingError("Distance 'matrix' needs a cost-matrix CSV.")
        return read_cost_matrix(plan.cost_matrix, demand["area_code"].astype(str), sites["site_id"])
    if plan.distance == "network":
        if not plan.network:
            raise SitingError("Network distances need a line layer of roads or paths.")
        return network_costs(plan.network, dxy, sxy, speed_kmh=plan.speed_kmh)
    if plan.distance != "euclidean":
        raise SitingError(f"Unknown distance '{plan.distance}': use euclidean, network or matrix.")
    return euclidean_costs(dxy, sxy)


def run_plan(plan: SitingPlan, demand: pd.DataFrame, sites: pd.DataFrame,
             progress: Progress | None = None, cancelled: Callable[[], bool] | None = None) -> SitingOutcome:
    """Solve the plan for demand (area_code, weight, x, y, ...) and sites (site_id, x, y, existing[, capacity])."""
    plan.check()
    check_single_source(plan.single_source, "capacity" in sites.columns)
    say = progress or (lambda fraction, message: None)
    say(0.05, "Travel costs")
    cost = _costs(plan, demand, sites)
    if plan.save_costs:
        write_cost_matrix(plan.save_costs, cost, demand["area_code"].astype(str), sites["site_id"])
    weights = demand["weight"].to_numpy(float)
    fixed = sites["existing"].to_numpy(bool)
    capacity = sites["capacity"].to_numpy(float) if "capacity" in sites.columns else None
    say(0.2, f"Solving {plan.model}")
    result = solve(plan.model, cost, weights, p=plan.p, radius=plan.radius, fixed=fixed, capacity=capacity,
                          share=plan.share, quick=plan.quick, time_limit=plan.time_limit,
                          labels=demand["area_code"].astype(str).to_numpy(), cancelled=cancelled,
                          single_source=plan.single_source)
    curve = None
    if plan.curve and plan.model in ("mclp", "pmedian") and capacity is None and plan.p:
        say(0.6, "Coverage curve")
        curve = coverage_curve(cost, weights, curve_sites(plan.p), plan.model, radius=plan.radius, fixed=fixed,
                               exact=not plan.quick, time_limit=plan.time_limit, solved={plan.p: result},
                               cancelled=cancelled, flat_after=plan.p)
        curve.attrs["chosen"] = int(plan.p)
        curve.attrs["total_demand"] = float(weights.sum())  # average distance = objective / total demand
    say(0.9, "Results")
    out = _tables(plan, demand, sites, cost, result)
    out.curve = curve
    out.notes = list(result.notes) + _input_notes(demand, sites)
    out.summary = summary_text(plan, result, demand, sites)
    say(1.0, "Done")
    return out


def _tables(plan, demand, sites, cost, result) -> SitingOutcome:
    n_sites = len(sites)
    weights = demand["weight"].to_numpy(float)
    site_frame = sites.copy()
    site_frame["status"] = np.where(site_frame["existing"], "existing", "candidate")
    site_frame["selected"] = 0
    site_frame["rank"] = np.nan
    site_frame["marginal_gain"] = np.nan
    for rank, (col, gain) in enumerate(zip(result.selected, result.gains), start=1):
        site_frame.loc[col, ["status", "selected", "rank", "marginal_gain"]] = ["new", 1, rank, gain]
    assigned = result.assigned
    served = np.where(assigned >= 0, assigned, n_sites)
    site_frame["demand_assigned"] = np.bincount(served, weights=weights, minlength=n_sites + 1)[:n_sites]
    if plan.radius is not None:
        within = cost <= plan.radius
        open_cols = np.flatnonzero(site_frame["existing"].to_numpy() | (site_frame["selected"].to_numpy() == 1))
        site_frame["demand_in_reach"] = 0.0
        site_frame.loc[open_cols, "demand_in_reach"] = (weights[:, None] * within[:, open_cols]).sum(axis=0)
    frame = demand.copy()
    ids = site_frame["site_id"].to_numpy()
    # None (no site) makes an object array; numpy's stubs do not list None as an array-like
    frame["assigned_site"] = np.where(assigned >= 0, ids[np.maximum(assigned, 0)], None)  # type: ignore[call-overload]
    frame["distance"] = np.where(np.isfinite(result.distance), result.distance, np.nan)
    frame["covered"] = result.covered.astype(int)
    frame["gap"] = (gap_areas(result.distance, weights, plan.radius).astype(int)
                    if plan.radius is not None else 0)
    has = assigned >= 0
    allocation = pd.DataFrame({
        "area_code": demand["area_code"].to_numpy()[has], "site_id": ids[assigned[has]],
        "weight": weights[has], "distance": result.distance[has],
        "x1": demand["x"].to_numpy(float)[has], "y1": demand["y"].to_numpy(float)[has],
        "x2": site_frame["x"].to_numpy(float)[assigned[has]], "y2": site_frame["y"].to_numpy(float)[assigned[has]],
    })
    keep = allocation["weight"] > 0
    if result.model != "pmedian" and plan.radius is not None:  # coverage models: lines only where served
        keep &= allocation["distance"] <= plan.radius
    allocation = allocation[keep].reset_index(drop=True)
    return SitingOutcome(result=result, sites=site_frame, demand=frame, allocation=allocation, curve=None)


def _input_notes(demand: pd.DataFrame, sites: pd.DataFrame) -> list[str]:
    notes = []
    if demand.attrs.get("missing_counts"):
        notes.append(f"{demand.attrs['missing_counts']} area(s) had no demand count (missing or suppressed) "
                     "and count as 0.")
    if demand.attrs.get("need_unmatched"):
        notes.append(f"{demand.attrs['need_unmatched']} area(s) had no need value and count as not in need.")
    if sites.attrs.get("duplicates_dropped"):
        notes.append(f"{sites.attrs['duplicates_dropped']} duplicate site(s) (listed twice, or a candidate where a "
                     "site already is) were kept once.")
    if sites.attrs.get("ids_kept_apart"):
        notes.append(f"{sites.attrs['ids_kept_apart']} id(s) are used by both an existing site and a candidate; "
                     "they are told apart as 'existing ...' and 'candidate ...'.")
    if sites.attrs.get("outside_dropped"):
        notes.append(f"{sites.attrs['outside_dropped']} site(s) outside the study area were left out.")
    return notes


def summary_text(plan: SitingPlan, result: SitingResult, demand: pd.DataFrame, sites: pd.DataFrame) -> str:
    """One paragraph a cabinet member can read: what was chosen and what it achieves."""
    total = float(demand["weight"].sum())
    covered = float(demand["weight"].to_numpy(float)[result.covered].sum())
    unit = "minutes" if plan.speed_kmh else "m"
    reach = f" within {plan.radius:,.0f} {unit}" if plan.radius is not None else ""
    proof = "proven optimal" if result.optimal else (
        f"not proven optimal (gap {result.gap:.2%})" if np.isfinite(result.gap) else "quick look, not proven")
    n_existing = int(sites["existing"].sum())
    new = len(result.selected)
    words = {"mclp": "maximal coverage", "lscp": "set covering", "pmedian": "p-median"}[result.model]
    text = (f"{words.capitalize()}: {new} new site(s)" + (f" with {n_existing} existing" if n_existing else "") +
            f" reach {covered:,.0f} of {total:,.0f} ({covered / total:.1%}) of the demand{reach}" if total else "")
    if result.model == "pmedian":
        mean = result.objective / total if total else np.nan
        text += f"; average distance {mean:,.0f} {unit}"
    return f"{text} ({proof}, {result.seconds:.2f} s)."

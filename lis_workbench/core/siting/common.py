"""What the siting models share: the result, input checks, the HiGHS call, nearest open sites and the order a
planner would open the chosen sites in.

Every model works on one cost matrix (demand areas x sites, metres or minutes) in which the first columns may be
existing sites, always open (``fixed``), and the rest candidates. ``p`` is always the number of NEW sites.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import milp

from ..errors import ParameterError, SitingError

MODELS = ("mclp", "lscp", "pmedian")

# HiGHS status codes from scipy.optimize.milp
OPTIMAL, LIMIT, INFEASIBLE = 0, 1, 2
Progress = Callable[[str], None]




@dataclass
class SitingResult:
    """What a siting model chose and how well it serves the demand.

    ``selected`` holds column indices (into the cost matrix) of the chosen NEW sites in the order a
    planner would open them (largest marginal gain first); ``gains`` the gain each brings in that order.
    Per demand area: ``assigned`` (column of the nearest open site, -1 if none can serve it),
    ``distance`` to it and ``covered`` (within the radius, when one is given).
    """

    model: str
    selected: np.ndarray
    gains: np.ndarray
    objective: float
    bound: float
    seconds: float
    optimal: bool
    assigned: np.ndarray
    distance: np.ndarray
    covered: np.ndarray
    method: str = "exact"
    notes: list[str] = field(default_factory=list)

    @property
    def gap(self) -> float:
        """Relative optimality gap between the solution and the proven bound (0 = proven optimal)."""
        if not np.isfinite(self.bound) or self.objective == self.bound:
            return 0.0 if self.optimal else float("nan")
        return abs(self.objective - self.bound) / max(abs(self.objective), 1e-12)


def check_single_source(single_source: bool, has_capacity: bool) -> None:
    """Serving each area whole by one site is a way of sharing out capacities: without them it has no meaning."""
    if single_source and not has_capacity:
        raise ParameterError("Serving each area whole by one site (single source) only applies when the sites have "
                             "capacities: give the field holding each site's capacity, or leave single source off.",
                             option="single_source")


def check_inputs(cost: np.ndarray, weights: np.ndarray, fixed: np.ndarray | None, p: int | None,
           capacity: np.ndarray | None, single_source: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    check_single_source(single_source, capacity is not None)
    cost = np.asarray(cost, dtype=float)
    if cost.ndim != 2 or cost.shape[0] == 0:
        raise SitingError("There are no demand areas to serve.")
    if cost.shape[1] == 0:
        raise SitingError("There are no sites: give candidate sites (and existing sites, if any).")
    weights = np.asarray(weights, dtype=float).reshape(-1)
    if weights.shape[0] != cost.shape[0]:
        raise SitingError(f"{weights.shape[0]} demand weights were given for {cost.shape[0]} demand areas.")
    if np.isnan(weights).any() or (weights < 0).any():
        raise SitingError("Demand weights must be zero or more; some are missing or negative.")
    if np.isnan(cost).any() or (cost < 0).any():
        raise SitingError("Costs must be zero or more (use infinity for unreachable pairs); "
                          "some are missing or negative.")
    fixed = np.zeros(cost.shape[1], bool) if fixed is None else np.asarray(fixed, bool).reshape(-1)
    if fixed.shape[0] != cost.shape[1]:
        raise SitingError("The existing-site flags do not match the number of sites.")
    candidates = int((~fixed).sum())
    if p is not None:
        if p < 0:
            raise SitingError("The number of new sites must be zero or more.")
        if p > candidates:
            raise SitingError(f"{p} new sites were asked for but there are only {candidates} candidate sites.")
    if capacity is not None:
        capacity = np.asarray(capacity, dtype=float).reshape(-1)
        if capacity.shape[0] != cost.shape[1] or np.isnan(capacity).any() or (capacity < 0).any():
            raise SitingError("Each site needs a capacity of zero or more.")
    return cost, weights, fixed


def solve_milp(c, integrality, bounds, constraints, time_limit: float | None):
    options = {"mip_rel_gap": 0.0, "presolve": True}
    if time_limit:
        options["time_limit"] = float(time_limit)
    return milp(c=c, integrality=integrality, bounds=bounds, constraints=constraints, options=options)


def nearest_open(cost: np.ndarray, open_cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column of the nearest open site for each demand area and the cost to it (-1 / inf if none)."""
    open_cols = np.flatnonzero(open_cols) if open_cols.dtype == bool else np.asarray(open_cols, int)
    n = cost.shape[0]
    if open_cols.size == 0:
        return np.full(n, -1), np.full(n, np.inf)
    sub = cost[:, open_cols]
    k = np.argmin(sub, axis=1)
    d = sub[np.arange(n), k]
    assigned = np.where(np.isfinite(d), open_cols[k], -1)
    return assigned, d


def order_by_gain(cost: np.ndarray, weights: np.ndarray, base: np.ndarray, chosen: np.ndarray,
                   radius: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Order chosen sites greedily (largest improvement first), so a planner can open them in turn: with a radius,
    the demand each newly brings within reach; without, the fall in total weighted distance."""
    chosen = np.asarray(chosen, int)
    order, gains = [], []
    taken = np.zeros(chosen.size, bool)
    if radius is not None:
        reach = cost[:, chosen] <= radius
        reached = (cost[:, base] <= radius).any(axis=1) if base.any() else np.zeros(cost.shape[0], bool)
        for _ in range(chosen.size):
            gain = weights[~reached] @ reach[~reached]
            gain[taken] = -np.inf
            best = int(np.argmax(gain))
            taken[best] = True
            order.append(chosen[best])
            gains.append(gain[best])
            reached |= reach[:, best]
        return np.array(order, dtype=int), np.array(gains, dtype=float)
    used = weights > 0
    w, sub = weights[used], cost[used][:, chosen]
    nearest = cost[used][:, base].min(axis=1) if base.any() else np.full(w.size, np.inf)
    now = float((w * nearest).sum()) if base.any() else np.inf
    for _ in range(chosen.size):
        with np.errstate(invalid="ignore"):
            totals = (w[:, None] * np.minimum(nearest[:, None], sub)).sum(axis=0)
        left = np.flatnonzero(~taken)
        best = int(left[np.argmin(totals[left])])
        taken[best] = True
        order.append(chosen[best])
        with np.errstate(invalid="ignore"):
            gains.append(abs(totals[best] - now))
        now = totals[best]
        nearest = np.minimum(nearest, sub[:, best])
    return np.array(order, dtype=int), np.array(gains, dtype=float)


def make_result(model, cost, weights, radius, open_sites, order, gains, objective, bound, seconds, optimal, notes):
    assigned, distance = nearest_open(cost, open_sites)
    covered = distance <= radius if radius is not None else np.isfinite(distance)
    return SitingResult(model=model, selected=np.asarray(order, int), gains=np.asarray(gains, float),
                        objective=float(objective), bound=float(bound), seconds=seconds, optimal=bool(optimal),
                        assigned=assigned, distance=distance, covered=covered, notes=list(notes))

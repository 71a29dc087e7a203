"""Location-allocation for siting services: maximal coverage (MCLP), set covering (LSCP) and p-median,
solved exactly with HiGHS (scipy.optimize.milp), existing sites fixed, with a gap analysis.

Every model works on one cost matrix (demand areas x sites, metres or minutes) in which the first
columns may be existing sites, always open (``fixed``), and the rest candidates. ``p`` is always the
number of NEW sites. The formulations are kept small so that exact answers come quickly:

* coverage models use coverage sets, merge demand areas reached by the same sites and drop
  candidates that reach nothing more than another candidate does;
* p-median uses the radius formulation (Elloumi 2010; García, Labbé and Marín 2011) truncated per
  demand area at the distance it gets in a good interchange solution, and widened only where the
  optimum needs it, so a bound is proven without building the dense assignment.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from .errors import LisError
from .safe_csv import restore, write_csv

MODELS = ("mclp", "lscp", "pmedian")

# HiGHS status codes from scipy.optimize.milp
_OPTIMAL, _LIMIT, _INFEASIBLE = 0, 1, 2
Progress = Callable[[str], None]


class SitingError(LisError):
    """A siting problem cannot be set up or solved (empty or inconsistent inputs, infeasible targets)."""


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


# ---------------------------------------------------------------------------------------------- costs

def euclidean_costs(demand_xy: np.ndarray, site_xy: np.ndarray) -> np.ndarray:
    """Straight-line distances (in the CRS units, metres in EPSG:27700) from each demand point to each site."""
    demand_xy = np.asarray(demand_xy, dtype=float).reshape(-1, 2)
    site_xy = np.asarray(site_xy, dtype=float).reshape(-1, 2)
    dx = demand_xy[:, 0:1] - site_xy[None, :, 0]
    dy = demand_xy[:, 1:2] - site_xy[None, :, 1]
    return np.hypot(dx, dy)


def write_cost_matrix(path, cost: np.ndarray, demand_codes: Sequence[str], site_ids: Sequence[str]) -> None:
    """Save a cost matrix as a long CSV (demand_code, site_id, cost), unreachable pairs left out."""
    rows, cols = np.nonzero(np.isfinite(cost))
    write_csv(pd.DataFrame({"demand_code": np.asarray(demand_codes, dtype=object)[rows],
                            "site_id": np.asarray(site_ids, dtype=object)[cols],
                            "cost": cost[rows, cols]}), path)


def read_cost_matrix(path, demand_codes: Sequence[str], site_ids: Sequence[str]) -> np.ndarray:
    """Read a cost-matrix CSV, long (demand_code, site_id, cost) or wide (first column demand codes,
    one column per site id), in the order of the given codes; missing pairs are unreachable."""
    frame = pd.read_csv(path, dtype=str)
    if frame.empty:
        raise SitingError(f"The cost matrix {path} has no rows.")
    demand_index = {str(c): i for i, c in enumerate(demand_codes)}
    site_index = {str(s): j for j, s in enumerate(site_ids)}
    cost = np.full((len(demand_codes), len(site_ids)), np.inf)
    if {"demand_code", "site_id", "cost"} <= set(frame.columns):
        long = frame
    else:
        first = frame.columns[0]
        long = frame.melt(id_vars=first, var_name="site_id", value_name="cost").rename(columns={first: "demand_code"})
    values = pd.to_numeric(long["cost"], errors="coerce")
    bad = long["cost"].notna() & values.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise SitingError(f"The cost matrix {path} has a cost that is not a number ('{long['cost'].iloc[row]}') "
                          f"for demand {long['demand_code'].iloc[row]} and site {long['site_id'].iloc[row]}.")
    if (values < 0).any():
        raise SitingError(f"The cost matrix {path} has negative costs; costs must be distances or times.")
    rows = long["demand_code"].astype(str).map(restore).map(demand_index)
    cols = long["site_id"].astype(str).map(restore).map(site_index)
    keep = rows.notna() & cols.notna() & values.notna()
    if not keep.any():
        raise SitingError(f"The cost matrix {path} names none of the demand areas and sites of this problem.")
    cost[rows[keep].astype(int).to_numpy(), cols[keep].astype(int).to_numpy()] = values[keep].to_numpy()
    return cost


# ------------------------------------------------------------------------------------------- checking

def _check(cost: np.ndarray, weights: np.ndarray, fixed: np.ndarray | None, p: int | None,
           capacity: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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


def _solve(c, integrality, bounds, constraints, time_limit: float | None):
    options = {"mip_rel_gap": 0.0, "presolve": True}
    if time_limit:
        options["time_limit"] = float(time_limit)
    return milp(c=c, integrality=integrality, bounds=bounds, constraints=constraints, options=options)


def _nearest_open(cost: np.ndarray, open_cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
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


def _order_by_gain(cost: np.ndarray, weights: np.ndarray, base: np.ndarray, chosen: np.ndarray,
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


# ------------------------------------------------------------------------------------------- coverage

def _coverage(cost: np.ndarray, radius: float) -> sparse.csr_matrix:
    if radius is None or not np.isfinite(radius) or radius < 0:
        raise SitingError("Coverage models need a radius of zero or more (metres, or minutes for travel time).")
    return sparse.csr_matrix((cost <= radius).astype(np.float64))


def covered_weight(cost: np.ndarray, weights: np.ndarray, radius: float, open_sites: np.ndarray) -> float:
    """Demand within the radius of at least one open site."""
    if not open_sites.any():
        return 0.0
    return float(weights[(cost[:, open_sites] <= radius).any(axis=1)].sum())


def _reduce_coverage(cover: sparse.csr_matrix, weights: np.ndarray, fixed: np.ndarray):
    """Rows still to cover merged by identical coverage sets; candidates that add nothing dropped.
    Returns (group_matrix rows x kept candidates, group weights, kept candidate columns)."""
    cand = np.flatnonzero(~fixed)
    already = np.asarray(cover[:, fixed].sum(axis=1)).ravel() > 0 if fixed.any() else np.zeros(cover.shape[0], bool)
    rows = np.flatnonzero(~already & (weights > 0))
    sub = cover[rows][:, cand].tocsc()
    reach = np.diff(sub.indptr) > 0
    cand, sub = cand[reach], sub[:, reach].tocsr()
    reachable = np.diff(sub.indptr) > 0
    rows, sub = rows[reachable], sub[reachable]
    if rows.size == 0:
        return sparse.csr_matrix((0, 0)), np.zeros(0), np.zeros(0, int)
    # merge demand rows with the same set of covering candidates
    keys = {}
    group_of = np.empty(rows.size, int)
    for r in range(rows.size):
        key = sub.indices[sub.indptr[r]:sub.indptr[r + 1]].tobytes()
        group_of[r] = keys.setdefault(key, len(keys))
    first = np.zeros(len(keys), int)
    first[group_of[::-1]] = np.arange(rows.size)[::-1]
    groups = sub[first]
    gweights = np.bincount(group_of, weights=weights[rows], minlength=len(keys))
    # drop candidates whose covered groups are within another candidate's (ties: keep the first)
    col = groups.tocsc().astype(np.int32)
    size = np.diff(col.indptr)
    overlap = (col.T @ col).tocsr()
    dominated = np.zeros(col.shape[1], bool)
    for j in range(col.shape[1]):
        start, end = overlap.indptr[j], overlap.indptr[j + 1]
        others = overlap.indices[start:end]
        shared = overlap.data[start:end]
        full = others[(shared == size[j]) & (others != j)]
        if full.size and ((size[full] > size[j]) | (full < j)).any():
            dominated[j] = True
    # a dominated candidate's dominator may itself be dominated by a third; that third then covers both
    keep = ~dominated
    return groups[:, keep].tocsr(), gweights, cand[keep]


def solve_mclp(cost: np.ndarray, weights: np.ndarray, radius: float, p: int, *,
               fixed: np.ndarray | None = None, capacity: np.ndarray | None = None,
               time_limit: float | None = None) -> SitingResult:
    """Choose p new sites that bring the most demand within ``radius`` of an open site (existing sites fixed).
    Objective = total demand covered (by existing and new sites)."""
    cost, weights, fixed = _check(cost, weights, fixed, p, capacity)
    started = time.perf_counter()
    if capacity is not None:
        return _capacitated(cost, weights, fixed, capacity, "mclp", p=p, radius=radius, time_limit=time_limit,
                            started=started)
    cover = _coverage(cost, radius)
    base = covered_weight(cost, weights, radius, fixed)
    groups, gweights, cand = _reduce_coverage(cover, weights, fixed)
    notes: list[str] = []
    chosen = np.zeros(0, int)
    optimal, bound = True, np.nan
    if p > 0 and cand.size:
        if cand.size <= p:
            chosen = cand
            notes.append(f"{cand.size} candidate site(s) reach all the demand any candidate can reach; "
                         f"the other {p - cand.size} new site(s) would add no coverage and are not chosen.")
        else:
            g, m = groups.shape
            # variables: x (m candidates, binary) then y (g demand groups, 0..1, covered)
            c = np.concatenate([np.zeros(m), -gweights])
            link = sparse.hstack([-groups, sparse.identity(g, format="csr")]).tocsr()  # y_g - sum x <= 0
            count = sparse.csr_matrix(np.concatenate([np.ones(m), np.zeros(g)])[None, :])
            res = _solve(c, np.concatenate([np.ones(m), np.zeros(g)]), Bounds(0, 1),
                         [LinearConstraint(link, -np.inf, 0), LinearConstraint(count, 0, p)], time_limit)
            if res.x is None:
                raise SitingError(f"The solver stopped without a solution: {res.message}")
            chosen = cand[res.x[:m] > 0.5]
            optimal = res.status == _OPTIMAL
            bound = base - float(res.mip_dual_bound) if getattr(res, "mip_dual_bound", None) is not None else np.nan
    open_sites = fixed.copy()
    open_sites[chosen] = True
    objective = covered_weight(cost, weights, radius, open_sites)
    if optimal:
        bound = objective
    order, gains = _order_by_gain(cost, weights, fixed, chosen, radius)
    return _result("mclp", cost, weights, radius, open_sites, order, gains, objective, bound,
                   time.perf_counter() - started, optimal, notes)


def solve_lscp(cost: np.ndarray, radius: float, *, weights: np.ndarray | None = None, share: float = 1.0,
               fixed: np.ndarray | None = None, capacity: np.ndarray | None = None,
               time_limit: float | None = None, labels: Sequence[str] | None = None) -> SitingResult:
    """Fewest new sites so that every demand area (or ``share`` of the demand) is within ``radius`` of an
    open site. Objective = number of new sites. ``labels`` (area codes, one per row) name the areas out of reach
    when all of the demand cannot be covered; without them the first row is given."""
    cost = np.asarray(cost, dtype=float)
    weights = np.ones(cost.shape[0]) if weights is None else weights
    cost, weights, fixed = _check(cost, weights, fixed, None, capacity)
    if not 0 < share <= 1:
        raise SitingError("The share of demand to cover must be above 0 and at most 1 (1 = all of it).")
    started = time.perf_counter()
    cover = _coverage(cost, radius)
    reachable = np.asarray(cover.sum(axis=1)).ravel() > 0
    total = float(weights.sum())
    if share >= 1:
        unreachable = np.flatnonzero(~reachable & (weights > 0))
        if unreachable.size and labels is not None:
            listed = ", ".join(str(labels[i]) for i in unreachable[:5]) + (" ..." if unreachable.size > 5 else "")
            raise SitingError(f"{unreachable.size} area(s) with demand are farther than {radius:,.0f} from every "
                              f"site ({listed}), so no set of sites reaches all the demand. Lower the share to "
                              "reach, raise the reach or add candidate sites.")
        if unreachable.size:
            raise SitingError(f"{unreachable.size} demand area(s) are farther than {radius:g} from every site, so "
                              f"no set of sites covers all the demand (first: row {unreachable[0] + 1}). Lower the "
                              f"share to cover, raise the radius or add candidate sites.")
    elif weights[reachable].sum() < share * total - 1e-9:
        reach = weights[reachable].sum() / total
        raise SitingError(f"Only {reach:.1%} of the demand is within {radius:g} of any site; "
                          f"{share:.0%} cannot be covered.")
    if capacity is not None:
        return _capacitated(cost, weights, fixed, capacity, "lscp", radius=radius, share=share,
                            time_limit=time_limit, started=started)
    groups, gweights, cand = _reduce_coverage(cover, weights, fixed)
    need = share * total - covered_weight(cost, weights, radius, fixed)
    chosen = np.zeros(0, int)
    optimal = True
    bound = 0.0
    if need > 1e-9 and cand.size:
        g, m = groups.shape
        if share >= 1:
            res = _solve(np.ones(m), np.ones(m), Bounds(0, 1), [LinearConstraint(groups, 1, np.inf)], time_limit)
        else:
            c = np.concatenate([np.ones(m), np.zeros(g)])
            link = sparse.hstack([-groups, sparse.identity(g, format="csr")]).tocsr()
            demand_row = sparse.csr_matrix(np.concatenate([np.zeros(m), gweights])[None, :])
            res = _solve(c, np.concatenate([np.ones(m), np.zeros(g)]), Bounds(0, 1),
                         [LinearConstraint(link, -np.inf, 0), LinearConstraint(demand_row, need - 1e-9, np.inf)],
                         time_limit)
        if res.x is None:
            raise SitingError(f"The solver found no set of sites covering the demand: {res.message}")
        chosen = cand[res.x[:m] > 0.5]
        optimal = res.status == _OPTIMAL
        bound = float(getattr(res, "mip_dual_bound", np.nan) or np.nan)
    open_sites = fixed.copy()
    open_sites[chosen] = True
    objective = float(chosen.size)
    if optimal:
        bound = objective
    order, gains = _order_by_gain(cost, weights, fixed, chosen, radius)
    return _result("lscp", cost, weights, radius, open_sites, order, gains, objective, bound,
                   time.perf_counter() - started, optimal, [])


# ------------------------------------------------------------------------------------------- p-median

def total_cost(cost: np.ndarray, weights: np.ndarray, open_sites: np.ndarray) -> float:
    """Demand-weighted cost from each demand area to its nearest open site (inf if one cannot be served)."""
    _, d = _nearest_open(cost, open_sites)
    used = weights > 0
    return float((weights[used] * d[used]).sum())


def interchange(cost: np.ndarray, weights: np.ndarray, p: int, fixed: np.ndarray,
                start: np.ndarray | None = None, max_rounds: int = 1000) -> np.ndarray:
    """A good p-median solution fast: greedy adds, then the best single swap (Teitz-Bart) until none helps.
    Returns the open-site mask (fixed + p new)."""
    n, m = cost.shape
    big = np.where(np.isfinite(cost), cost, np.nanmax(np.where(np.isfinite(cost), cost, 0)) * 10 + 1e6)
    w = weights
    open_sites = fixed.copy()
    if start is not None:
        open_sites |= start
    d1 = big[:, open_sites].min(axis=1) if open_sites.any() else np.full(n, big.max() * 10)
    while open_sites.sum() - fixed.sum() < p:  # greedy add
        gain = (w[:, None] * np.maximum(d1[:, None] - big, 0)).sum(axis=0)
        gain[open_sites] = -1
        j = int(np.argmax(gain))
        open_sites[j] = True
        d1 = np.minimum(d1, big[:, j])
    if p == 0:
        return open_sites
    for _ in range(max_rounds):
        cols = np.flatnonzero(open_sites)
        sub = big[:, cols]
        order = np.argsort(sub, axis=1)
        a = cols[order[:, 0]]
        d1 = sub[np.arange(n), order[:, 0]]
        d2 = sub[np.arange(n), order[:, 1]] if cols.size > 1 else np.full(n, big.max() * 10)
        add = (w[:, None] * (np.minimum(big, d1[:, None]) - d1[:, None])).sum(axis=0)  # <= 0, gain of adding j
        movable = np.flatnonzero(open_sites & ~fixed)
        best, best_delta = None, -1e-9 * max(1.0, float((w * d1).sum()))
        for r in movable:
            mine = a == r
            if not mine.any():
                extra = np.zeros(m)
            else:
                cm = big[mine]
                extra = (w[mine, None] * (np.minimum(cm, d2[mine, None]) - np.minimum(cm, d1[mine, None]))).sum(axis=0)
            delta = add + extra
            delta[open_sites] = np.inf
            j = int(np.argmin(delta))
            if delta[j] < best_delta:
                best, best_delta = (r, j), delta[j]
        if best is None:
            break
        open_sites[best[0]] = False
        open_sites[best[1]] = True
    return open_sites


def solve_pmedian(cost: np.ndarray, weights: np.ndarray, p: int, *, fixed: np.ndarray | None = None,
                  capacity: np.ndarray | None = None, radius: float | None = None,
                  time_limit: float | None = None, progress: Progress | None = None) -> SitingResult:
    """Choose p new sites that minimise the demand-weighted distance to the nearest open site (existing
    sites fixed). Objective = total weighted distance; ``radius`` only marks areas as covered."""
    cost, weights, fixed = _check(cost, weights, fixed, p, capacity)
    started = time.perf_counter()
    if capacity is not None:
        return _capacitated(cost, weights, fixed, capacity, "pmedian", p=p, radius=radius, time_limit=time_limit,
                            started=started)
    used = weights > 0
    if not used.any():
        raise SitingError("All demand weights are zero: there is nothing to serve.")
    if fixed.sum() + p == 0:
        raise SitingError("With no existing sites, p-median needs at least one new site.")
    # an area that can reach no site at all would be left unserved: say so rather than price it at infinity
    unserved = np.flatnonzero(used)[~np.isfinite(cost[used]).any(axis=1)]
    if unserved.size:
        raise SitingError(f"{unserved.size} demand area(s) cannot reach any site (first: row {unserved[0] + 1}); "
                          "remove them or give a network that reaches them.")
    heuristic = interchange(cost, weights, p, fixed)
    if progress:
        progress(f"interchange start: {total_cost(cost, weights, heuristic):,.0f}")
    chosen_mask, bound, optimal = _pmedian_reduced(cost[used], weights[used], p, fixed, heuristic,
                                                   time_limit, progress)
    objective = total_cost(cost, weights, chosen_mask)
    chosen = np.flatnonzero(chosen_mask & ~fixed)
    order, gains = _order_by_gain(cost, weights, fixed, chosen, None)
    if not fixed.any() and len(gains):
        gains = np.asarray(gains, float)
        gains[0] = np.nan  # the first site's "gain" from no service at all is not a number a planner can use
    return _result("pmedian", cost, weights, radius, chosen_mask, order, np.asarray(gains, float), objective,
                   bound if not optimal else objective, time.perf_counter() - started, optimal, [])


def _lagrangian_bound(cost, weights, p, fixed, start, max_iter=3000):
    """Lagrangian relaxation of the assignment rows (Beasley 1993) by subgradient steps: a lower bound on the
    total weighted distance, per site the Lagrangian cost rho of opening it, and the best set of sites met on
    the way (each relaxed solution is a feasible choice of sites, often an optimal one)."""
    incumbent, upper = start.copy(), total_cost(cost, weights, start)
    finite_max = np.nanmax(np.where(np.isfinite(cost), cost, 0))
    a = weights[:, None] * np.where(np.isfinite(cost), cost, finite_max * 10 + 1e6)
    total = int(fixed.sum()) + p
    lam = np.sort(a, axis=1)[:, min(1, a.shape[1] - 1)]
    best_lb, best = -np.inf, None
    theta, stall = 2.0, 0
    for _ in range(max_iter):
        reduced = a - lam[:, None]
        rho = np.minimum(reduced, 0).sum(axis=0)
        pick = np.where(fixed, -np.inf, rho)
        open_sites = np.zeros(a.shape[1], bool)
        open_sites[np.argsort(pick, kind="stable")[:total]] = True
        lb = lam.sum() + rho[open_sites].sum()
        value = total_cost(cost, weights, open_sites)
        if value < upper - 1e-9 * upper:
            incumbent, upper = open_sites.copy(), value
        if lb > best_lb + 1e-9 * abs(best_lb if np.isfinite(best_lb) else 1):
            best_lb, best, stall = lb, (rho.copy(), open_sites.copy()), 0
        else:
            stall += 1
            if stall >= 30:
                theta, stall = theta / 2, 0
        g = 1 - (reduced[:, open_sites] < 0).sum(axis=1)
        norm = float((g * g).sum())
        if norm == 0 or theta < 1e-5 or best_lb >= upper * (1 - 1e-12):
            break
        lam = np.maximum(lam + theta * (upper - lb) / norm * g, 0)
    return best_lb, best[0], best[1], incumbent, upper


def _pmedian_reduced(cost, weights, p, fixed, start, time_limit, progress):
    """Lagrangian bound and reduced-cost fixing close most candidates (and open some) for good; the exact
    model then runs on what is left. Returns (open mask, lower bound, proven optimal)."""
    lower, rho, lr_open, start, upper = _lagrangian_bound(cost, weights, p, fixed, start)
    for seed in (start, lr_open):  # polish the best relaxed choice and the one at the bound
        polished = interchange(cost, weights, p, fixed, start=seed & ~fixed if seed.sum() > fixed.sum() + p else seed)
        if total_cost(cost, weights, polished) < upper:
            start, upper = polished, total_cost(cost, weights, polished)
    if progress:
        progress(f"Lagrangian bound {lower:,.0f} against {upper:,.0f}")
    if lower >= upper * (1 - 1e-12):
        return start, upper, True
    cand = ~fixed
    chosen_rho = rho[lr_open & cand]
    worst_in = chosen_rho.max() if chosen_rho.size else -np.inf
    outside = rho[~lr_open & cand]
    best_out = outside.min() if outside.size else np.inf
    closed = cand & ~lr_open & (lower + rho - worst_in >= upper)  # opening it cannot beat the incumbent
    forced = cand & lr_open & (lower + best_out - rho >= upper)   # closing it cannot beat the incumbent
    keep = ~closed
    if progress:
        progress(f"reduced-cost fixing: {int(closed.sum())} candidate(s) closed, {int(forced.sum())} opened, "
                 f"{int((keep & cand & ~forced).sum())} left to decide")
    cols = np.flatnonzero(keep)
    sub_fixed = (fixed | forced)[cols]
    total = int(fixed.sum()) + p
    sub_p = total - int(sub_fixed.sum())
    sub_start = start[cols] | sub_fixed
    if sub_start.sum() != total:  # the incumbent used a closed candidate: a fresh interchange on what is left
        sub_start = interchange(cost[:, cols], weights, sub_p, sub_fixed)
    mask_sub, bound, optimal = _pmedian_exact(cost[:, cols], weights, sub_p, sub_fixed, sub_start,
                                              time_limit, progress)
    mask = np.zeros(cost.shape[1], bool)
    mask[cols[mask_sub]] = True
    if total_cost(cost, weights, mask) > upper:
        mask = start
    return mask, max(bound, lower), optimal


def _pmedian_exact(cost, weights, p, fixed, start, time_limit, progress):
    """Radius formulation truncated per demand area, widened where the optimum reaches past the truncation."""
    n, m = cost.shape
    order = np.argsort(cost, axis=1, kind="stable")
    sorted_cost = np.take_along_axis(cost, order, axis=1)
    # no demand area ever travels past its nearest existing site: cut its levels there
    limit = np.full(n, m)
    if fixed.any():
        fixed_rank = np.argmax(fixed[order], axis=1)
        limit = fixed_rank + 1
    reach = np.isfinite(sorted_cost).sum(axis=1)
    limit = np.minimum(limit, reach)
    # start each area's levels a little past the distance it gets in the heuristic solution
    _, start_d = _nearest_open(cost, start)
    depth = (sorted_cost <= start_d[:, None]).sum(axis=1)
    depth = np.minimum(np.maximum(depth + 2, np.ceil(depth * 1.5)).astype(int), limit)
    best_mask, best_value = start.copy(), total_cost(cost, weights, start)
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    # phase 1: widen on the linear relaxation (cheap) until no area leans on its cut-off level
    while True:
        _, lower, status, beyond = _radius_model(cost, weights, p, fixed, order, sorted_cost, depth, deadline,
                                                 relax=True)
        short = beyond & (depth < limit)
        if progress:
            progress(f"LP with {int(depth.sum()):,} levels: bound {lower:,.0f}, {int(short.sum())} area(s) to widen")
        if status != _OPTIMAL or not short.any():
            break
        depth[short] = np.minimum(limit[short], np.maximum(depth[short] * 2, depth[short] + 8))
    # phase 2: the integer model on those levels, widened again only where its solution reaches past them
    while True:
        mask, lower, status, beyond = _radius_model(cost, weights, p, fixed, order, sorted_cost, depth, deadline)
        if mask is not None:
            value = total_cost(cost, weights, mask)
            if value < best_value - 1e-9:
                best_mask, best_value = mask, value
        if progress:
            progress(f"MILP with {int(depth.sum()):,} levels: bound {lower:,.0f}, best {best_value:,.0f}")
        if status != _OPTIMAL:
            return best_mask, lower, False
        if best_value <= lower * (1 + 1e-9) + 1e-9:
            return best_mask, lower, True
        short = beyond & (depth < limit)
        if not short.any():
            return best_mask, lower, best_value <= lower * (1 + 1e-9) + 1e-9
        depth[short] = np.minimum(limit[short], np.maximum(depth[short] * 2, depth[short] + 8))
        if deadline and time.perf_counter() > deadline:
            return best_mask, lower, False


def _radius_model(cost, weights, p, fixed, order, sorted_cost, depth, deadline, relax=False):
    """One truncated radius-formulation MILP. Variables: x (m sites) then, per demand area i and level
    k < depth_i, z_ik >= 0 meaning "none of i's k nearest sites is open". Rows:
    z_i1 + x_(i,1) >= 1 and z_ik - z_i(k-1) + x_(i,k) >= 0; the cost of the last level prices everything
    beyond it at the last level's distance, so the model is a lower bound until no area needs more."""
    n, m = cost.shape
    counts = np.maximum(depth, 1)
    nz = int(counts.sum())
    base = sorted_cost[:, 0]
    # z index offsets
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    row_area = np.repeat(np.arange(n), counts)
    level = np.arange(nz) - np.repeat(offsets, counts)  # 0-based level k (the k+1 nearest sites)
    site = order[row_area, level]
    step_next = np.minimum(level + 1, sorted_cost.shape[1] - 1)
    nxt = sorted_cost[row_area, step_next]
    reach = np.isfinite(sorted_cost).sum(axis=1)  # sites each area can reach at all
    last_possible = level + 1 >= reach[row_area]
    gap = np.where(last_possible, 0.0, nxt - sorted_cost[row_area, level])
    gap = np.where(np.isfinite(gap), gap, 0.0)
    c = np.concatenate([np.zeros(m), weights[row_area] * gap])
    # constraint rows (one per z): z_ik - z_i(k-1) + x_site >= [k == 0]
    r = np.arange(nz)
    rows = [r, r]
    cols = [m + r, site]
    vals = [np.ones(nz), np.ones(nz)]
    prev = level > 0
    rows.append(r[prev])
    cols.append(m + r[prev] - 1)
    vals.append(-np.ones(int(prev.sum())))
    a = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(nz, m + nz))
    lb = (level == 0).astype(float)
    count = sparse.csr_matrix(np.concatenate([np.ones(m), np.zeros(nz)])[None, :])
    lower_x = fixed.astype(float)
    # an area must be served by one of the sites it can reach: "none of them open" is not allowed at its last one
    upper_z = np.where(level == reach[row_area] - 1, 0.0, 1.0)
    bounds = Bounds(np.concatenate([lower_x, np.zeros(nz)]), np.concatenate([np.ones(m), upper_z]))
    total = int(fixed.sum()) + p
    remaining = None if deadline is None else max(deadline - time.perf_counter(), 1.0)
    integrality = np.zeros(m + nz) if relax else np.concatenate([np.ones(m), np.zeros(nz)])
    res = _solve(c, integrality, bounds, [LinearConstraint(a, lb, np.inf), LinearConstraint(count, total, total)],
                 remaining)
    constant = float((weights * base).sum())
    dual = getattr(res, "mip_dual_bound", None)
    lower = constant + (float(dual) if dual is not None and np.isfinite(dual) else
                        (float(res.fun) if res.fun is not None else -np.inf))
    if res.x is None:
        return None, lower, res.status, np.zeros(n, bool)
    # an area "leans on" its cut-off when its last level's z is positive and a farther site exists
    last_z = res.x[m + offsets + counts - 1]
    beyond = last_z > 1e-7
    mask = None if relax else res.x[:m] > 0.5
    return mask, lower, res.status, beyond


# ---------------------------------------------------------------------------------------- capacitated

def _capacitated(cost, weights, fixed, capacity, model, *, p=None, radius=None, share=1.0, time_limit=None,
                 started=0.0) -> SitingResult:
    """Capacitated variants with an assignment (demand may be split between sites): pairs allowed are
    those within the radius for coverage models, all finite pairs for p-median."""
    n, m = cost.shape
    allowed = np.isfinite(cost) & (weights[:, None] > 0)
    if model in ("mclp", "lscp"):
        allowed &= cost <= radius
    pi, pj = np.nonzero(allowed)
    k = pi.size
    if k > 3_000_000:
        raise SitingError(f"The capacitated model would have {k:,} demand-site pairs; filter the candidates or "
                          "give a radius so it stays under 3 million.")
    w = weights
    # variables: x (m) then z (k pairs, share of demand i served by site j)
    zi = m + np.arange(k)
    cap_rows = sparse.csr_matrix((np.concatenate([w[pi], -capacity]), (np.concatenate([pj, np.arange(m)]),
                                 np.concatenate([zi, np.arange(m)]))), shape=(m, m + k))  # sum w z - C x <= 0
    assign = sparse.csr_matrix((np.ones(k), (pi, zi)), shape=(n, m + k))
    link = sparse.csr_matrix((np.concatenate([np.ones(k), -np.ones(k)]),
                              (np.concatenate([np.arange(k), np.arange(k)]), np.concatenate([zi, pj]))),
                             shape=(k, m + k))  # z_ij - x_j <= 0
    count = sparse.csr_matrix(np.concatenate([np.ones(m), np.zeros(k)])[None, :])
    constraints = [LinearConstraint(cap_rows, -np.inf, 0), LinearConstraint(link, -np.inf, 0)]
    served = np.flatnonzero(w > 0)
    if model == "pmedian":
        total = fixed.sum() + p
        constraints += [LinearConstraint(assign[served], 1, 1), LinearConstraint(count, total, total)]
        c = np.concatenate([np.zeros(m), w[pi] * cost[pi, pj]])
    elif model == "mclp":
        constraints += [LinearConstraint(assign, 0, 1), LinearConstraint(count, 0, fixed.sum() + p)]
        c = np.concatenate([np.zeros(m), -w[pi]])
    else:
        c = np.concatenate([np.ones(m), np.zeros(k)])
        if share >= 1:
            constraints.append(LinearConstraint(assign[served], 1, 1))
        else:
            constraints += [LinearConstraint(assign, 0, 1),
                            LinearConstraint(sparse.csr_matrix((w[pi], (np.zeros(k), zi)), shape=(1, m + k)),
                                             share * w.sum() - 1e-9, np.inf)]
    bounds = Bounds(np.concatenate([fixed.astype(float), np.zeros(k)]), np.ones(m + k))
    res = _solve(c, np.concatenate([np.ones(m), np.zeros(k)]), bounds, constraints, time_limit)
    if res.status == _INFEASIBLE or res.x is None:
        raise SitingError(f"No choice of sites can serve the demand within the capacities given ({res.message}). "
                          "Check the capacities against the total demand, or allow more sites.")
    open_sites = res.x[:m] > 0.5
    z = res.x[m:]
    share_ij = sparse.csr_matrix((z, (pi, pj)), shape=(n, m))
    assigned = np.where(share_ij.getnnz(axis=1) > 0, np.asarray(share_ij.argmax(axis=1)).ravel(), -1)
    served_share = np.asarray(share_ij.sum(axis=1)).ravel()
    distance = np.where(assigned >= 0, cost[np.arange(n), np.maximum(assigned, 0)], np.inf)
    optimal = res.status == _OPTIMAL
    if model == "mclp":
        objective = float((w * np.minimum(served_share, 1)).sum())
    elif model == "lscp":
        objective = float((open_sites & ~fixed).sum())
    else:
        objective = float(res.fun)
    dual = getattr(res, "mip_dual_bound", None)
    bound = objective if optimal else (abs(float(dual)) if dual is not None else np.nan)
    chosen = np.flatnonzero(open_sites & ~fixed)
    covered = (served_share > 1 - 1e-6) if model != "pmedian" else (
        distance <= radius if radius is not None else np.isfinite(distance))
    return SitingResult(model=model, selected=chosen, gains=np.full(chosen.size, np.nan), objective=objective,
                        bound=bound, seconds=time.perf_counter() - started, optimal=optimal, assigned=assigned,
                        distance=distance, covered=covered, method="exact (capacitated, demand may be split)",
                        notes=["Capacitated: each site serves at most its capacity; an area's demand may be split "
                               "between sites, and it is shown with the site serving most of it."])


def _result(model, cost, weights, radius, open_sites, order, gains, objective, bound, seconds, optimal, notes):
    assigned, distance = _nearest_open(cost, open_sites)
    covered = distance <= radius if radius is not None else np.isfinite(distance)
    return SitingResult(model=model, selected=np.asarray(order, int), gains=np.asarray(gains, float),
                        objective=float(objective), bound=float(bound), seconds=seconds, optimal=bool(optimal),
                        assigned=assigned, distance=distance, covered=covered, notes=list(notes))


# ---------------------------------------------------------------------------------- curve, heuristics

def greedy(cost: np.ndarray, weights: np.ndarray, p: int, model: str, *, radius: float | None = None,
           fixed: np.ndarray | None = None) -> SitingResult:
    """A quick look: coverage by greedy adds, p-median by greedy adds and interchange. Not proven optimal."""
    cost, weights, fixed = _check(cost, weights, fixed, p, None)
    started = time.perf_counter()
    if model == "pmedian":
        mask = interchange(cost, weights, p, fixed)
        objective = total_cost(cost, weights, mask)
    else:
        cover = (cost <= radius)
        mask = fixed.copy()
        reached = cover[:, fixed].any(axis=1) if fixed.any() else np.zeros(cost.shape[0], bool)
        for _ in range(p):
            gain = (weights[~reached, None] * cover[~reached]).sum(axis=0)
            gain[mask] = -1
            j = int(np.argmax(gain))
            if gain[j] <= 0:
                break
            mask[j] = True
            reached |= cover[:, j]
        objective = covered_weight(cost, weights, radius, mask)
    chosen = np.flatnonzero(mask & ~fixed)
    order, gains = _order_by_gain(cost, weights, fixed, chosen, None if model == "pmedian" else radius)
    result = _result(model, cost, weights, radius, mask, order, gains, objective, np.nan,
                     time.perf_counter() - started, False, ["Quick look (greedy / interchange): not proven optimal."])
    result.method = "heuristic"
    return result


def coverage_curve(cost: np.ndarray, weights: np.ndarray, p_max: int, model: str, *,
                   radius: float | None = None, fixed: np.ndarray | None = None,
                   exact: bool = True, time_limit: float | None = None,
                   solved: dict[int, SitingResult] | None = None) -> pd.DataFrame:
    """Demand covered (MCLP) or total weighted distance (p-median) for 0..p_max new sites, each solved on its own
    (exact by default), so a planner sees where extra sites stop paying off. ``solved`` gives answers already
    found (new sites -> result), which are used as they are."""
    fixed = np.zeros(cost.shape[1], bool) if fixed is None else np.asarray(fixed, bool)
    total = float(np.asarray(weights, float).sum())
    rows = []
    for k in range(0, p_max + 1):
        if model == "pmedian" and k == 0 and not fixed.any():
            continue
        if solved and k in solved:  # already solved by the caller (the main answer): not again
            res = solved[k]
        elif model == "pmedian":
            res = solve_pmedian(cost, weights, k, fixed=fixed, radius=radius, time_limit=time_limit) if exact else \
                greedy(cost, weights, k, "pmedian", fixed=fixed, radius=radius)
        else:
            res = solve_mclp(cost, weights, radius, k, fixed=fixed, time_limit=time_limit) if exact else \
                greedy(cost, weights, k, "mclp", fixed=fixed, radius=radius)
        covered = float(np.asarray(weights, float)[res.covered].sum()) if radius is not None else np.nan
        rows.append({"new_sites": k, "objective": res.objective, "covered_demand": covered,
                     "covered_share": covered / total if total else np.nan, "optimal": res.optimal})
    return pd.DataFrame(rows)


def solve(model: str, cost: np.ndarray, weights: np.ndarray, *, p: int | None = None, radius: float | None = None,
          fixed: np.ndarray | None = None, capacity: np.ndarray | None = None, share: float = 1.0,
          quick: bool = False, time_limit: float | None = None, progress: Progress | None = None,
          labels: Sequence[str] | None = None) -> SitingResult:
    """Run one model by name ('mclp', 'lscp', 'pmedian'); ``quick`` gives the greedy/interchange answer;
    ``labels`` name the demand rows in errors."""
    model = model.lower().replace("-", "")
    if model not in MODELS:
        raise SitingError(f"Unknown siting model '{model}'; choose one of {', '.join(MODELS)}.")
    if model in ("mclp", "pmedian") and p is None:
        raise SitingError(f"The {model} model needs the number of new sites (p).")
    if model in ("mclp", "lscp") and radius is None:
        raise SitingError(f"The {model} model needs a radius.")
    if quick and model != "lscp" and capacity is None:
        return greedy(cost, weights, p, model, radius=radius, fixed=fixed)
    if model == "mclp":
        return solve_mclp(cost, weights, radius, p, fixed=fixed, capacity=capacity, time_limit=time_limit)
    if model == "lscp":
        return solve_lscp(cost, radius, weights=weights, share=share, fixed=fixed, capacity=capacity,
                          time_limit=time_limit, labels=labels)
    return solve_pmedian(cost, weights, p, fixed=fixed, capacity=capacity, radius=radius, time_limit=time_limit,
                         progress=progress)


def gap_areas(distance: np.ndarray, need: np.ndarray, radius: float, threshold: float = 0.0) -> np.ndarray:
    """Areas with need above ``threshold`` beyond ``radius`` of every open site: where a service is still missing."""
    return (np.asarray(need, float) > threshold) & ~(np.asarray(distance, float) <= radius)

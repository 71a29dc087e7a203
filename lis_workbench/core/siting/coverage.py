"""Coverage models solved exactly: maximal coverage (MCLP: p new sites reaching the most demand) and set covering
(LSCP: the fewest sites reaching all the demand, or a share of it).

The formulations are kept small: coverage sets, demand areas reached by the same sites merged, and candidates that
reach nothing more than another candidate dropped.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint

from .capacitated import solve_capacitated
from .common import OPTIMAL, SitingError, SitingResult, check_inputs, make_result, order_by_gain, solve_milp


def coverage_matrix(cost: np.ndarray, radius: float) -> sparse.csr_matrix:
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
    keys: dict[bytes, int] = {}
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
               time_limit: float | None = None, single_source: bool = False) -> SitingResult:
    """Choose p new sites that bring the most demand within ``radius`` of an open site (existing sites fixed).
    Objective = total demand covered (by existing and new sites). With capacities, ``single_source`` covers each
    area whole by one site or not at all (otherwise an area's demand may be split between sites)."""
    cost, weights, fixed = check_inputs(cost, weights, fixed, p, capacity, single_source)
    started = time.perf_counter()
    if capacity is not None:
        return solve_capacitated(cost, weights, fixed, capacity, "mclp", p=p, radius=radius, time_limit=time_limit,
                                 started=started, single_source=single_source)
    cover = coverage_matrix(cost, radius)
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
            res = solve_milp(c, np.concatenate([np.ones(m), np.zeros(g)]), Bounds(0, 1),
                         [LinearConstraint(link, -np.inf, 0), LinearConstraint(count, 0, p)], time_limit)
            if res.x is None:
                raise SitingError(f"The solver stopped without a solution: {res.message}")
            chosen = cand[res.x[:m] > 0.5]
            optimal = res.status == OPTIMAL
            bound = base - float(res.mip_dual_bound) if getattr(res, "mip_dual_bound", None) is not None else np.nan
    open_sites = fixed.copy()
    open_sites[chosen] = True
    objective = covered_weight(cost, weights, radius, open_sites)
    if optimal:
        bound = objective
    order, gains = order_by_gain(cost, weights, fixed, chosen, radius)
    return make_result("mclp", cost, weights, radius, open_sites, order, gains, objective, bound,
                   time.perf_counter() - started, optimal, notes)


def solve_lscp(cost: np.ndarray, radius: float, *, weights: np.ndarray | None = None, share: float = 1.0,
               fixed: np.ndarray | None = None, capacity: np.ndarray | None = None,
               time_limit: float | None = None, labels: Sequence[str] | None = None,
               single_source: bool = False) -> SitingResult:
    """Fewest new sites so that every demand area (or ``share`` of the demand) is within ``radius`` of an
    open site. Objective = number of new sites. ``labels`` (area codes, one per row) name the areas out of reach
    when all of the demand cannot be covered; without them the first row is given. With capacities,
    ``single_source`` serves each area whole by one site (otherwise an area's demand may be split)."""
    cost = np.asarray(cost, dtype=float)
    weights = np.ones(cost.shape[0]) if weights is None else weights
    cost, weights, fixed = check_inputs(cost, weights, fixed, None, capacity, single_source)
    if not 0 < share <= 1:
        raise SitingError("The share of demand to cover must be above 0 and at most 1 (1 = all of it).")
    started = time.perf_counter()
    cover = coverage_matrix(cost, radius)
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
        return solve_capacitated(cost, weights, fixed, capacity, "lscp", radius=radius, share=share,
                                 time_limit=time_limit, started=started, single_source=single_source)
    groups, gweights, cand = _reduce_coverage(cover, weights, fixed)
    need = share * total - covered_weight(cost, weights, radius, fixed)
    chosen = np.zeros(0, int)
    optimal = True
    bound = 0.0
    if need > 1e-9 and cand.size:
        g, m = groups.shape
        if share >= 1:
            res = solve_milp(np.ones(m), np.ones(m), Bounds(0, 1), [LinearConstraint(groups, 1, np.inf)], time_limit)
        else:
            c = np.concatenate([np.ones(m), np.zeros(g)])
            link = sparse.hstack([-groups, sparse.identity(g, format="csr")]).tocsr()
            demand_row = sparse.csr_matrix(np.concatenate([np.zeros(m), gweights])[None, :])
            res = solve_milp(c, np.concatenate([np.ones(m), np.zeros(g)]), Bounds(0, 1),
                         [LinearConstraint(link, -np.inf, 0), LinearConstraint(demand_row, need - 1e-9, np.inf)],
                         time_limit)
        if res.x is None:
            raise SitingError(f"The solver found no set of sites covering the demand: {res.message}")
        chosen = cand[res.x[:m] > 0.5]
        optimal = res.status == OPTIMAL
        bound = float(getattr(res, "mip_dual_bound", np.nan) or np.nan)
    open_sites = fixed.copy()
    open_sites[chosen] = True
    objective = float(chosen.size)
    if optimal:
        bound = objective
    order, gains = order_by_gain(cost, weights, fixed, chosen, radius)
    return make_result("lscp", cost, weights, radius, open_sites, order, gains, objective, bound,
                   time.perf_counter() - started, optimal, [])

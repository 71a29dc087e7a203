"""p-median solved exactly: p new sites that minimise the demand-weighted distance to the nearest open site.

A greedy + Teitz-Bart interchange start, a Lagrangian bound (Beasley 1993) whose relaxed choices are often optimal
themselves, reduced-cost fixing, then the radius formulation (Elloumi 2010; García, Labbé and Marín 2011) truncated
per demand area at the distance it gets in a good solution and widened only where the optimum needs it, so a bound
is proven without building the dense assignment.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint

from ..errors import stop_if_cancelled
from .capacitated import solve_capacitated
from .common import (
    OPTIMAL,
    Progress,
    SitingError,
    SitingResult,
    check_inputs,
    make_result,
    nearest_open,
    order_by_gain,
    solve_milp,
)


def total_cost(cost: np.ndarray, weights: np.ndarray, open_sites: np.ndarray) -> float:
    """Demand-weighted cost from each demand area to its nearest open site (inf if one cannot be served)."""
    _, d = nearest_open(cost, open_sites)
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
                  time_limit: float | None = None, progress: Progress | None = None,
                  cancelled: Callable[[], bool] | None = None, single_source: bool = False) -> SitingResult:
    """Choose p new sites that minimise the demand-weighted distance to the nearest open site (existing
    sites fixed). Objective = total weighted distance; ``radius`` only marks areas as covered. `cancelled` is
    asked between the steps of the proof (a model being solved runs to its end). With capacities,
    ``single_source`` assigns each area whole to one site (otherwise an area's demand may be split)."""
    cost, weights, fixed = check_inputs(cost, weights, fixed, p, capacity, single_source)
    started = time.perf_counter()
    if capacity is not None:
        return solve_capacitated(cost, weights, fixed, capacity, "pmedian", p=p, radius=radius, time_limit=time_limit,
                                 started=started, single_source=single_source)
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
                                                   time_limit, progress, cancelled)
    objective = total_cost(cost, weights, chosen_mask)
    chosen = np.flatnonzero(chosen_mask & ~fixed)
    order, gains = order_by_gain(cost, weights, fixed, chosen, None)
    if not fixed.any() and len(gains):
        gains = np.asarray(gains, float)
        gains[0] = np.nan  # the first site's "gain" from no service at all is not a number a planner can use
    return make_result("pmedian", cost, weights, radius, chosen_mask, order, np.asarray(gains, float), objective,
                   bound if not optimal else objective, time.perf_counter() - started, optimal, [])


def _lagrangian_bound(cost, weights, p, fixed, start, max_iter=3000, cancelled=None):
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
    for iteration in range(max_iter):
        if iteration % 100 == 0:
            stop_if_cancelled(cancelled)
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
    if best is None:  # set by the first step, whose bound always beats -inf
        raise SitingError("The p-median bound found no assignment; please report this.")
    return best_lb, best[0], best[1], incumbent, upper


def _pmedian_reduced(cost, weights, p, fixed, start, time_limit, progress, cancelled=None):
    """Lagrangian bound and reduced-cost fixing close most candidates (and open some) for good; the exact
    model then runs on what is left. Returns (open mask, lower bound, proven optimal)."""
    lower, rho, lr_open, start, upper = _lagrangian_bound(cost, weights, p, fixed, start, cancelled=cancelled)
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
                                              time_limit, progress, cancelled)
    mask = np.zeros(cost.shape[1], bool)
    mask[cols[mask_sub]] = True
    if total_cost(cost, weights, mask) > upper:
        mask = start
    return mask, max(bound, lower), optimal


def _pmedian_exact(cost, weights, p, fixed, start, time_limit, progress, cancelled=None):
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
    _, start_d = nearest_open(cost, start)
    depth = (sorted_cost <= start_d[:, None]).sum(axis=1)
    depth = np.minimum(np.maximum(depth + 2, np.ceil(depth * 1.5)).astype(int), limit)
    best_mask, best_value = start.copy(), total_cost(cost, weights, start)
    deadline = None if time_limit is None else time.perf_counter() + time_limit
    # phase 1: widen on the linear relaxation (cheap) until no area leans on its cut-off level
    while True:
        stop_if_cancelled(cancelled)
        _, lower, status, beyond = _radius_model(cost, weights, p, fixed, order, sorted_cost, depth, deadline,
                                                 relax=True)
        short = beyond & (depth < limit)
        if progress:
            progress(f"LP with {int(depth.sum()):,} levels: bound {lower:,.0f}, {int(short.sum())} area(s) to widen")
        if status != OPTIMAL or not short.any():
            break
        depth[short] = np.minimum(limit[short], np.maximum(depth[short] * 2, depth[short] + 8))
    # phase 2: the integer model on those levels, widened again only where its solution reaches past them
    while True:
        stop_if_cancelled(cancelled)
        mask, lower, status, beyond = _radius_model(cost, weights, p, fixed, order, sorted_cost, depth, deadline)
        if mask is not None:
            value = total_cost(cost, weights, mask)
            if value < best_value - 1e-9:
                best_mask, best_value = mask, value
        if progress:
            progress(f"MILP with {int(depth.sum()):,} levels: bound {lower:,.0f}, best {best_value:,.0f}")
        if status != OPTIMAL:
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
    res = solve_milp(c, integrality, bounds, [LinearConstraint(a, lb, np.inf), LinearConstraint(count, total, total)],
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

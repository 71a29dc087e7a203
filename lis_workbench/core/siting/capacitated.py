"""Capacitated variants of the three models: each site serves at most its capacity; an area's demand may be split
between sites."""

from __future__ import annotations

import time

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint

from .common import INFEASIBLE, OPTIMAL, SitingError, SitingResult, solve_milp


def solve_capacitated(cost, weights, fixed, capacity, model, *, p=None, radius=None, share=1.0, time_limit=None,
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
    res = solve_milp(c, np.concatenate([np.ones(m), np.zeros(k)]), bounds, constraints, time_limit)
    if res.status == INFEASIBLE or res.x is None:
        raise SitingError(f"No choice of sites can serve the demand within the capacities given ({res.message}). "
                          "Check the capacities against the total demand, or allow more sites.")
    open_sites = res.x[:m] > 0.5
    z = res.x[m:]
    share_ij = sparse.csr_matrix((z, (pi, pj)), shape=(n, m))
    assigned = np.where(share_ij.getnnz(axis=1) > 0, np.asarray(share_ij.argmax(axis=1)).ravel(), -1)
    served_share = np.asarray(share_ij.sum(axis=1)).ravel()
    distance = np.where(assigned >= 0, cost[np.arange(n), np.maximum(assigned, 0)], np.inf)
    optimal = res.status == OPTIMAL
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

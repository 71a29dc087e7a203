"""Capacitated variants of the three models: each site serves at most its capacity. By default an area's demand
may be split between sites (the share of area i served by site j is a number from 0 to 1); with ``single_source``
each area is served whole by one site (that share is 0 or 1), as spopt's capacitated p-median assigns areas."""

from __future__ import annotations

import time

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint

from .common import INFEASIBLE, LIMIT, OPTIMAL, SitingError, SitingResult, solve_milp

MAX_PAIRS = 3_000_000            # demand-site pairs when an area's demand may be split
MAX_PAIRS_SINGLE = 250_000       # when each area is served whole: every pair is a yes/no choice, far harder


def assignment_words(single_source: bool) -> str:
    """How a capacitated model shares an area's demand between sites, in plain words."""
    return "each area served whole by one site" if single_source else "an area's demand may be split between sites"


def solve_capacitated(cost, weights, fixed, capacity, model, *, p=None, radius=None, share=1.0, time_limit=None,
                      started=0.0, single_source: bool = False) -> SitingResult:
    """Capacitated variants with an assignment: pairs allowed are those within the radius for coverage models, all
    finite pairs for p-median. ``single_source``: each area is served whole by one site (p-median, LSCP) or, for
    MCLP, covered whole by one site or not at all; otherwise its demand may be split between sites."""
    n, m = cost.shape
    allowed = np.isfinite(cost) & (weights[:, None] > 0)
    if model in ("mclp", "lscp"):
        allowed &= cost <= radius
    pi, pj = np.nonzero(allowed)
    k = pi.size
    limit = MAX_PAIRS_SINGLE if single_source else MAX_PAIRS
    if k > limit:
        choice = " (each a yes/no choice when every area is served whole by one site)" if single_source else ""
        raise SitingError(f"The capacitated model would weigh {k:,} area-site pairs{choice}; it can take at most "
                          f"{limit:,}. Filter the candidates" + (", give a smaller reach" if model != "pmedian" else "")
                          + (", or let an area's demand be split between sites." if single_source else "."),
                          option="single_source" if single_source else None)
    w = weights
    # variables: x (m) then z (k pairs, share of demand i served by site j; 0 or 1 when single source)
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
    integrality = np.concatenate([np.ones(m), np.full(k, 1.0 if single_source else 0.0)])
    res = solve_milp(c, integrality, bounds, constraints, time_limit)
    if res.x is None and res.status == LIMIT:
        raise SitingError(f"The solver stopped at the time limit before finding any choice of sites that serves "
                          f"the demand within the capacities ({res.message}). Allow it more time"
                          + (", or let an area's demand be split between sites." if single_source else "."),
                          option="time_limit")
    if res.status == INFEASIBLE or res.x is None:
        whole = " with each area served whole by one site" if single_source else ""
        raise SitingError(f"No choice of sites can serve the demand within the capacities given{whole} "
                          f"({res.message}). Check the capacities against the total demand, or allow more sites"
                          + (", or let an area's demand be split between sites." if single_source else "."))
    open_sites = res.x[:m] > 0.5
    z = res.x[m:]
    if single_source:
        z = np.round(z)  # 0 or 1 up to the solver's tolerance
    share_ij = sparse.csr_matrix((z, (pi, pj)), shape=(n, m))
    share_ij.data[share_ij.data < 1e-9] = 0
    share_ij.eliminate_zeros()  # an area no site serves has no site, not the first pair it could have had
    assigned = np.where(share_ij.getnnz(axis=1) > 0, np.asarray(share_ij.argmax(axis=1)).ravel(), -1)
    served_share = np.asarray(share_ij.sum(axis=1)).ravel()
    distance = np.where(assigned >= 0, cost[np.arange(n), np.maximum(assigned, 0)], np.inf)
    optimal = res.status == OPTIMAL
    if model == "mclp":
        objective = float((w * np.minimum(served_share, 1)).sum())
    elif model == "lscp":
        objective = float((open_sites & ~fixed).sum())
    else:
        objective = float((w[pi] * cost[pi, pj] * z).sum()) if single_source else float(res.fun)
    dual = getattr(res, "mip_dual_bound", None)
    if optimal:
        bound = objective
    elif dual is None or not np.isfinite(dual):
        bound = np.nan
    elif model == "lscp":
        bound = float(dual) - float(fixed.sum())  # the solver counts the existing sites too
    else:
        bound = abs(float(dual))
    chosen = np.flatnonzero(open_sites & ~fixed)
    covered = (served_share > 1 - 1e-6) if model != "pmedian" else (
        distance <= radius if radius is not None else np.isfinite(distance))
    if single_source:
        how = ("each area is either covered whole by one site within reach or not covered" if model == "mclp" else
               "each area is served whole by one site (single source)")
        note = f"Capacitated: each site serves at most its capacity, and {how}."
    else:
        note = ("Capacitated: each site serves at most its capacity; an area's demand may be split between sites, "
                "and it is shown with the site serving most of it.")
    return SitingResult(model=model, selected=chosen, gains=np.full(chosen.size, np.nan), objective=objective,
                        bound=bound, seconds=time.perf_counter() - started, optimal=optimal, assigned=assigned,
                        distance=distance, covered=covered,
                        method=f"exact (capacitated, {assignment_words(single_source)})", notes=[note])

"""One model by name, the quick greedy look, the coverage curve over 0..2p new sites, and the gap areas."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from ..errors import stop_if_cancelled
from .common import (
    MODELS,
    Progress,
    SitingError,
    SitingResult,
    check_inputs,
    check_single_source,
    make_result,
    order_by_gain,
)
from .coverage import covered_weight, solve_lscp, solve_mclp
from .pmedian import interchange, solve_pmedian, total_cost


def _given(value, name: str):
    """A setting solve() has already required of this model (None here would be a bug, said in words)."""
    if value is None:
        raise SitingError(f"The model needs its {name}; please report this.")
    return value

def greedy(cost: np.ndarray, weights: np.ndarray, p: int, model: str, *, radius: float | None = None,
           fixed: np.ndarray | None = None) -> SitingResult:
    """A quick look: coverage by greedy adds, p-median by greedy adds and interchange. Not proven optimal."""
    cost, weights, fixed = check_inputs(cost, weights, fixed, p, None)
    started = time.perf_counter()
    if model == "pmedian":
        mask = interchange(cost, weights, p, fixed)
        objective = total_cost(cost, weights, mask)
    else:
        radius = _given(radius, "radius")  # solve() checks that a coverage model has one
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
    order, gains = order_by_gain(cost, weights, fixed, chosen, None if model == "pmedian" else radius)
    result = make_result(model, cost, weights, radius, mask, order, gains, objective, np.nan,
                     time.perf_counter() - started, False, ["Quick look (greedy / interchange): not proven optimal."])
    result.method = "heuristic"
    return result


def coverage_curve(cost: np.ndarray, weights: np.ndarray, p_max: int, model: str, *,
                   radius: float | None = None, fixed: np.ndarray | None = None,
                   exact: bool = True, time_limit: float | None = None,
                   solved: dict[int, SitingResult] | None = None,
                   cancelled: Callable[[], bool] | None = None, flat_after: int | None = None) -> pd.DataFrame:
    """Demand covered (MCLP) or total weighted distance (p-median) for 0..p_max new sites, each solved on its own
    (exact by default), so a planner sees where extra sites stop paying off. ``solved`` gives answers already
    found (new sites -> result), which are used as they are. Past ``flat_after`` new sites the curve stops at
    the first site that gains nothing (every reachable need is reached: more sites only repeat the line)."""
    fixed = np.zeros(cost.shape[1], bool) if fixed is None else np.asarray(fixed, bool)
    total = float(np.asarray(weights, float).sum())
    p_max = min(p_max, int((~fixed).sum()))  # no more new sites than there are candidates
    rows: list[dict] = []
    for k in range(0, p_max + 1):
        stop_if_cancelled(cancelled)
        if model == "pmedian" and k == 0 and not fixed.any():
            continue
        if solved and k in solved:  # already solved by the caller (the main answer): not again
            res = solved[k]
        elif model == "pmedian":
            res = solve_pmedian(cost, weights, k, fixed=fixed, radius=radius, time_limit=time_limit,
                                cancelled=cancelled) if exact else \
                greedy(cost, weights, k, "pmedian", fixed=fixed, radius=radius)
        else:
            radius = _given(radius, "radius")  # solve() checks that a coverage model has one
            res = solve_mclp(cost, weights, radius, k, fixed=fixed, time_limit=time_limit) if exact else \
                greedy(cost, weights, k, "mclp", fixed=fixed, radius=radius)
        covered = float(np.asarray(weights, float)[res.covered].sum()) if radius is not None else np.nan
        gain = abs(float(res.objective) - float(rows[-1]["objective"])) if rows else np.inf
        rows.append({"new_sites": k, "objective": res.objective, "covered_demand": covered,
                     "covered_share": covered / total if total else np.nan, "optimal": res.optimal})
        if flat_after is not None and k > flat_after and not gain > 1e-9 * max(abs(float(res.objective)), 1.0):
            break
    return pd.DataFrame(rows)


def curve_sites(p: int) -> int:
    """How far the coverage curve runs for p new sites: to 2p, so what sites beyond the chosen p would add (and
    where that stops) shows beside the choice."""
    return 2 * int(p)


def solve(model: str, cost: np.ndarray, weights: np.ndarray, *, p: int | None = None, radius: float | None = None,
          fixed: np.ndarray | None = None, capacity: np.ndarray | None = None, share: float = 1.0,
          quick: bool = False, time_limit: float | None = None, progress: Progress | None = None,
          labels: Sequence[str] | None = None, cancelled: Callable[[], bool] | None = None,
          single_source: bool = False) -> SitingResult:
    """Run one model by name ('mclp', 'lscp', 'pmedian'); ``quick`` gives the greedy/interchange answer;
    ``labels`` name the demand rows in errors; ``single_source`` (capacitated only) serves each area whole by one
    site instead of letting its demand be split between sites."""
    model = model.lower().replace("-", "")
    if model not in MODELS:
        raise SitingError(f"Unknown siting model '{model}'; choose one of {', '.join(MODELS)}.")
    if model in ("mclp", "pmedian") and p is None:
        raise SitingError(f"The {model} model needs the number of new sites (p).")
    if model in ("mclp", "lscp") and radius is None:
        raise SitingError(f"The {model} model needs a radius.")
    check_single_source(single_source, capacity is not None)
    # the asserts below restate the checks above for mypy
    if quick and model != "lscp" and capacity is None:
        p = _given(p, "p")
        return greedy(cost, weights, p, model, radius=radius, fixed=fixed)
    if model == "mclp":
        p, radius = _given(p, "p"), _given(radius, "radius")
        return solve_mclp(cost, weights, radius, p, fixed=fixed, capacity=capacity, time_limit=time_limit,
                          single_source=single_source)
    if model == "lscp":
        radius = _given(radius, "radius")
        return solve_lscp(cost, radius, weights=weights, share=share, fixed=fixed, capacity=capacity,
                          time_limit=time_limit, labels=labels, single_source=single_source)
    p = _given(p, "p")
    return solve_pmedian(cost, weights, p, fixed=fixed, capacity=capacity, radius=radius, time_limit=time_limit,
                         progress=progress, cancelled=cancelled, single_source=single_source)


def gap_areas(distance: np.ndarray, need: np.ndarray, radius: float, threshold: float = 0.0) -> np.ndarray:
    """Areas with need above ``threshold`` beyond ``radius`` of every open site: where a service is still missing."""
    return (np.asarray(need, float) > threshold) & ~(np.asarray(distance, float) <= radius)

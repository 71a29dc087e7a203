"""A whole hotspot analysis on plain data, as the dock, Processing and `lis hotspot` run it: build the weights,
leave out areas without a value, deal with islands, run Gi* or local Moran (and global Moran), and return one
row per area plus a summary that records every parameter (provenance)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import hotspot, weights
from .contiguity import contiguity
from .errors import LisError, stop_if_cancelled
from .rings import read_rings
from .weights_cache import WeightsCache

STATISTICS = ("gistar", "localmoran", "globalmoran")


@dataclass
class Analysis:
    """Parameters of a hotspot analysis (the defaults are what the dock uses)."""

    statistic: str = "gistar"
    weights: str = "queen"
    k: int = 8
    distance: float = 1000.0
    tolerance: float = 1.0
    permutations: int = 999
    seed: int = 12345
    correction: str = "fdr"
    alpha: float = 0.05
    islands: str = "nearest"
    transform: str | None = None  # None: binary for Gi* (its z is then the Ord-Getis z), row-standardised else
    smooth: bool = False  # empirical Bayes rates from numerators and denominators


@dataclass
class AnalysisResult:
    """One row per input area (NaN where an area was left out) and a summary for provenance and reports."""

    table: pd.DataFrame
    summary: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def build_weights(ids: Sequence[str], geometries: Sequence[bytes], spec: Analysis,
                  progress: Callable[[float, str], None] | None = None,
                  cache: WeightsCache | None = None) -> tuple[weights.Weights, np.ndarray]:
    """The weights the analysis asks for, and the areas' representative points (the polygons read once; read back
    from `cache` when this layer's were built before with the same settings)."""
    key = None
    if cache is not None:
        key = cache.key(geometries, (spec.weights, spec.tolerance, spec.k, spec.distance))
        found = cache.load(key, ids)
        if found is not None:
            return found
    rings = read_rings(geometries)
    points = weights.representative_points(geometries, rings)
    if spec.weights in ("queen", "rook"):
        w = contiguity(ids, geometries, rook=spec.weights == "rook", tolerance=spec.tolerance,
                       progress=progress, rings=rings)
    elif spec.weights == "knn":
        w = weights.knn(ids, points, spec.k)
    elif spec.weights in ("distance", "inverse_distance"):
        w = weights.distance_band(ids, points, spec.distance, inverse=spec.weights == "inverse_distance")
    else:
        raise weights.WeightsError(f"Weights are one of {', '.join(weights.KINDS)}, not '{spec.weights}'.")
    if cache is not None and key is not None:
        cache.save(key, w, points)
    return w, points


def run_analysis(ids: Sequence[str], values: Sequence[float] | np.ndarray, geometries: Sequence[bytes], spec: Analysis,
                 progress: Callable[[float, str], None] | None = None, numerators: Sequence[float] | None = None,
                 denominators: Sequence[float] | None = None,
                 cancelled: Callable[[], bool] | None = None, cache: WeightsCache | None = None) -> AnalysisResult:
    """Run one statistic end to end on areas (ids, values with NaN for missing, WKB geometries). With
    spec.smooth, the values tested are empirical Bayes rates from the numerators and denominators. `cache`: where
    a layer's weights are kept between runs (none: built every time)."""
    if spec.statistic not in STATISTICS:
        raise LisError(f"The statistic is one of {', '.join(STATISTICS)}, not '{spec.statistic}'.")
    progress = progress or (lambda fraction, message: None)
    ids = [str(i) for i in ids]
    progress(0.05, f"Building {spec.weights} weights")

    def building(fraction: float, message: str) -> None:  # the weights' progress, where a cancel is heard too
        stop_if_cancelled(cancelled)
        progress(0.05 + 0.35 * fraction, message)

    w, points = build_weights(ids, geometries, spec, building, cache)
    if spec.smooth:
        if numerators is None or denominators is None:
            raise LisError("Smoothing needs the numerators and denominators of the rate.")
        num, den = np.asarray(numerators, dtype=float), np.asarray(denominators, dtype=float)
        usable = np.isfinite(num) & np.isfinite(den) & (den > 0)
        values = np.full(len(ids), np.nan)
        values[usable] = hotspot.empirical_bayes(num[usable], den[usable])
    y, w_valued, kept = hotspot.prepare(values, w)
    w_final, kept_islands = weights.handle_islands(w_valued, spec.islands, points[kept])
    y = y[kept_islands]
    used = np.flatnonzero(kept)[kept_islands]
    progress(0.4, f"Testing {len(y)} areas ({spec.permutations} permutations)")
    transform = spec.transform or ("b" if spec.statistic == "gistar" else "r")
    table = pd.DataFrame({"area_code": ids})
    summary = {"statistic": spec.statistic, "weights": spec.weights, "k": spec.k, "distance": spec.distance,
               "tolerance": spec.tolerance, "permutations": spec.permutations, "seed": spec.seed,
               "correction": spec.correction, "alpha": spec.alpha, "islands": spec.islands,
               "transform": transform, "smoothing": "empirical Bayes" if spec.smooth else "none",
               "areas": len(ids), "areas_tested": int(len(y)),
               "mean_neighbours": float(w_final.cardinalities.mean()) if w_final.n else 0.0}
    # a local statistic reports global Moran's I with its analytical z; its permutations are run only when
    # global Moran is the statistic asked for (work done once, where it is read)
    gm = hotspot.global_moran(y, w_final, "r", spec.permutations if spec.statistic == "globalmoran" else 0,
                              spec.seed, cancelled=cancelled)
    summary.update(global_I=gm.I, global_EI=gm.EI, global_z=gm.z_norm, global_p=gm.p_norm, global_p_sim=gm.p_sim)
    if spec.statistic == "gistar":
        g = hotspot.gi_star(y, w_final, transform, spec.permutations, spec.seed, spec.correction,
                            cancelled=cancelled)
        p = g.p_sim if spec.permutations else g.p_norm
        _put(table, used, {"gi_z": g.z, "gi_p": p, "gi_cluster": g.cluster})
        summary["counts"] = pd.Series(g.cluster).value_counts().to_dict()
    elif spec.statistic == "localmoran":
        lm = hotspot.local_moran(y, w_final, transform, spec.permutations, spec.seed, spec.alpha,
                                 spec.correction, cancelled=cancelled)
        p = lm.p_sim if spec.permutations else 2 * hotspot.stats.norm.sf(np.abs(lm.z))
        _put(table, used, {"lisa_i": lm.Is, "lisa_z": lm.z, "lisa_p": p,
                           "lisa_quadrant": [hotspot.QUADRANTS[q] for q in lm.quadrant], "lisa_cluster": lm.cluster})
        summary["counts"] = pd.Series(lm.cluster).value_counts().to_dict()
    notes = list(w_final.notes)
    if not w_final.n:
        raise LisError("No area is left to test after leaving out those without a value or neighbour.")
    progress(1.0, "Done")
    return AnalysisResult(table, summary, notes)


def _put(table: pd.DataFrame, rows: np.ndarray, columns: dict) -> None:
    for name, values in columns.items():
        if isinstance(values, list) or (isinstance(values, np.ndarray) and values.dtype.kind in "OU"):
            column = pd.Series([None] * len(table), dtype=object)
            column.iloc[rows] = list(values)
        else:
            column = pd.Series(np.full(len(table), np.nan))
            column.iloc[rows] = np.asarray(values, dtype=float)
        table[name] = column

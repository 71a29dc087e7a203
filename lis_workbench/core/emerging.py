"""Emerging hot spots on plain data, as ArcGIS Pro's Emerging Hot Spot Analysis defines them: Getis-Ord Gi* in every
period on one fixed weights matrix, the Mann-Kendall trend of each area's Gi* z-scores, and the pattern each area
falls in. The spatial statistics are hotspot.gi_star (binary weights, each area its own neighbour: the Ord-Getis z
of ArcGIS and esda.G_Local(star=True, transform="B")), the trend mann_kendall.

The categories follow Esri, "How Emerging Hot Spot Analysis works" (ArcGIS Pro tool reference, Space Time Pattern
Mining, https://pro.arcgis.com/en/pro-app/latest/tool-reference/space-time-pattern-mining/learnmoreemerging.htm),
in our words; "hot" below means a statistically significant hot spot in a period (cold spots mirror it, with the
trend's sign reversed):

- new: hot in the final period and never hot before it;
- consecutive: hot in one unbroken run of at least two periods that ends with the final one, never hot before the
  run, and hot in less than 90% of all periods;
- intensifying: hot in at least 90% of the periods, the final one included, and the clustering grows stronger over
  time with a statistically significant trend;
- persistent: hot in at least 90% of the periods with no significant trend in the intensity of clustering;
- diminishing: as intensifying, but the clustering weakens with a statistically significant trend;
- sporadic: hot in the final period, on and off hot before, hot in less than 90% of the periods and never a cold
  spot;
- oscillating: hot in the final period, a cold spot in some earlier period, hot in less than 90% of the periods;
- historical: not hot in the most recent period but hot in at least 90% of the periods;
- no pattern: none of these.

Esri tests each period's Gi* with the False Discovery Rate correction and calls a bin a hot or cold spot at 90%
confidence or more; so does `correction="fdr"`, `alpha=0.10` here, and the trend is significant at the same 0.10.
Where Esri's wording lets two patterns fit, the more specific one wins: a location that was a cold spot before its
final hot spot is oscillating (not new or consecutive), as sfdep's reading of the same page has it; a persistent
location whose final period is not hot is historical; a final period that is a spot decides before a history of
the other side (historical)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import hotspot, weights
from .clusters import Analysis, build_weights
from .errors import AnalysisError, ParameterError, stop_if_cancelled
from .mann_kendall import mann_kendall
from .weights_cache import WeightsCache

PATTERNS = ("new", "consecutive", "intensifying", "persistent", "diminishing", "sporadic", "oscillating",
            "historical")
NO_PATTERN = "no pattern"
ALPHA = 0.10  # Esri: a hot or cold spot bin at 90% confidence or more; the trend tested at the same level
SHARE = 0.90  # "90 percent of the time-step intervals"
MIN_PERIODS = 3  # the fewest periods a trend test can use


def category_name(pattern: str, side: str) -> str:
    """'intensifying hot spot', 'new cold spot'; 'no pattern' as it is."""
    return NO_PATTERN if pattern == NO_PATTERN else f"{pattern} {side} spot"


CATEGORIES = tuple(category_name(p, s) for s in ("hot", "cold") for p in PATTERNS) + (NO_PATTERN,)


def classify(z: Sequence[float], significant: Sequence[bool], mk_z: float, mk_p: float,
             alpha: float = ALPHA) -> str:
    """The emerging hot spot category of one area from its Gi* z-scores in time order, which of them are
    significant (after any multiple-testing correction), and the Mann-Kendall z and p of the z-scores."""
    zs = np.asarray(z, dtype=float)
    sig = np.asarray(significant, dtype=bool) & np.isfinite(zs)
    n = len(zs)
    if n == 0:
        return NO_PATTERN
    hot, cold = sig & (zs > 0), sig & (zs < 0)
    trend = 0 if not (np.isfinite(mk_p) and mk_p < alpha) else (1 if mk_z > 0 else -1)
    for side, spot, other, growing in (("hot", hot, cold, 1), ("cold", cold, hot, -1)):
        if not spot[-1]:
            continue
        if spot.sum() >= SHARE * n:
            pattern = "intensifying" if trend == growing else "diminishing" if trend == -growing else "persistent"
        elif other[:-1].any():
            pattern = "oscillating"
        elif not spot[:-1].any():
            pattern = "new"
        else:
            run = n - int(np.flatnonzero(~spot)[-1]) - 1  # the final unbroken run of spots
            pattern = "consecutive" if run >= 2 and not spot[:n - run].any() else "sporadic"
        return category_name(pattern, side)
    for side, spot in (("hot", hot), ("cold", cold)):
        if spot.sum() >= SHARE * n:
            return category_name("historical", side)
    return NO_PATTERN


@dataclass
class EmergingResult:
    """One row per area: category, mk_s, mk_z, mk_p, mk_tau and z_<period> (NaN where an area was left out of a
    period); the periods in order; the analysis' parameters and notes for provenance."""

    table: pd.DataFrame
    periods: list[str]
    summary: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def run_emerging(ids: Sequence[str], values: np.ndarray, periods: Sequence[str], geometries: Sequence[bytes],
                 spec: Analysis | None = None, progress: Callable[[float, str], None] | None = None,
                 cancelled: Callable[[], bool] | None = None, cache: WeightsCache | None = None) -> EmergingResult:
    """Emerging hot spots of `values` (areas x periods, NaN for missing, periods in time order) on the areas'
    polygons (WKB). The weights are built once (or read from `cache`); in each period areas without a value are
    left out (and islands handled) as in a single Gi*. spec: weights settings, correction and alpha (Gi* is
    analytical, as Esri's: spec.permutations is not used)."""
    spec = spec or Analysis(statistic="gistar", correction="fdr", alpha=ALPHA, permutations=0)
    progress = progress or (lambda fraction, message: None)
    ids = [str(i) for i in ids]
    periods = [str(p) for p in periods]
    values = np.asarray(values, dtype=float)
    if values.shape != (len(ids), len(periods)):
        raise AnalysisError(f"There are {values.shape} values for {len(ids)} areas and {len(periods)} periods.")
    if len(periods) < MIN_PERIODS:
        raise ParameterError(f"Emerging hot spots need at least {MIN_PERIODS} periods to test a trend; the window "
                             f"has {len(periods)}.", option="start")
    if not 0 < spec.alpha < 1:
        raise ParameterError(f"The significance level must be between 0 and 1, not {spec.alpha:g}.", option="alpha")
    progress(0.02, f"Building {spec.weights} weights")

    def building(fraction: float, message: str) -> None:
        stop_if_cancelled(cancelled)
        progress(0.02 + 0.28 * fraction, message)

    w, points = build_weights(ids, geometries, spec, building, cache)
    z = np.full(values.shape, np.nan)
    significant = np.zeros(values.shape, dtype=bool)
    notes: list[str] = []
    for t, period in enumerate(periods):
        stop_if_cancelled(cancelled)
        progress(0.3 + 0.6 * t / len(periods), f"Gi* for {period} ({t + 1} of {len(periods)})")
        y, w_valued, kept = hotspot.prepare(values[:, t], w)
        if len(y) < 3 or np.ptp(y) == 0:
            notes.append(f"{period}: too few areas with different values to test; no hot or cold spot.")
            continue
        w_final, kept_islands = weights.handle_islands(w_valued, spec.islands, points[kept])
        used = np.flatnonzero(kept)[kept_islands]
        g = hotspot.gi_star(y[kept_islands], w_final, spec.transform or "b", 0, correction=spec.correction)
        z[used, t] = g.z
        significant[used, t] = hotspot.significant(g.p_norm, spec.alpha, spec.correction)
        notes.extend(f"{period}: {note}" for note in w_final.notes if note not in w.notes)
    stop_if_cancelled(cancelled)
    progress(0.92, "Mann-Kendall trends and categories")
    rows = []
    for i in range(len(ids)):
        mk = mann_kendall(z[i])
        rows.append((classify(z[i], significant[i], mk.z, mk.p, spec.alpha), mk.s, mk.z, mk.p, mk.tau))
    table = pd.DataFrame(rows, columns=["category", "mk_s", "mk_z", "mk_p", "mk_tau"])
    table.insert(0, "area_code", ids)
    zs = pd.DataFrame(z, columns=[f"z_{p}" for p in periods])
    table = pd.concat([table, zs], axis=1)
    table["significant_periods"] = significant.sum(axis=1)
    counts = table["category"].value_counts()
    summary = {"weights": spec.weights, "k": spec.k, "distance": spec.distance, "tolerance": spec.tolerance,
               "islands": spec.islands, "correction": spec.correction, "alpha": spec.alpha,
               "periods": len(periods), "first": periods[0], "last": periods[-1], "areas": len(ids),
               "mean_neighbours": float(w.cardinalities.mean()) if w.n else 0.0,
               "counts": {c: int(counts[c]) for c in CATEGORIES if c in counts}}
    progress(1.0, "Done")
    return EmergingResult(table, periods, summary, list(w.notes) + notes)

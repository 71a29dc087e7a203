"""Scale bars a reader can use at a glance: two equal segments of a "nice" length (1, 2 or 5 x 10^n metres, e.g.
0-1-2 km or 0-200-400 m), as long as fits a share of the map's width. QGIS's own fit-to-width mode gives
0-0.9-1.8 km; the layout asks this rule instead, page by page (an atlas page's scale changes with its area)."""

from __future__ import annotations

import math
from dataclasses import dataclass

NICE = (1.0, 2.0, 5.0)


@dataclass(frozen=True)
class ScaleBarStep:
    """A scale bar: `segments` segments of `segment_m` metres, labelled in `unit` ('m' or 'km')."""

    segment_m: float
    segments: int
    unit: str
    bar_mm: float  # the bar's length on paper

    @property
    def units_per_segment(self) -> float:
        """One segment in the bar's unit (what QGIS's scale bar is given)."""
        return self.segment_m / 1000.0 if self.unit == "km" else self.segment_m

    def labels(self) -> list[str]:
        """The tick labels as printed, e.g. ['0', '1', '2 km'] or ['0', '0.5', '1 km']."""
        ticks = [f"{i * self.units_per_segment:g}" for i in range(self.segments + 1)]
        ticks[-1] += f" {self.unit}"
        return ticks


def nice_step(limit: float) -> float:
    """The largest 1, 2 or 5 x 10^n not above `limit` (> 0)."""
    if not limit > 0 or not math.isfinite(limit):
        raise ValueError(f"A scale bar needs a positive length, not {limit!r}.")
    power = 10.0 ** math.floor(math.log10(limit))
    for factor in reversed(NICE):
        if factor * power <= limit * (1 + 1e-9):
            return factor * power
    return power  # unreachable: 1 x 10^floor(log10) <= limit


def scale_bar_step(metres_per_mm: float, map_width_mm: float, max_share: float = 0.3, max_mm: float = 50.0,
                   segments: int = 2) -> ScaleBarStep:
    """The scale bar for a map drawn at `metres_per_mm` (scale denominator / 1000) in an item `map_width_mm`
    wide: the longest bar of `segments` nice segments no longer than `max_share` of the width nor `max_mm`.
    Labelled in km once the whole bar reaches 1 km, else in metres."""
    if not metres_per_mm > 0 or not math.isfinite(metres_per_mm):
        raise ValueError(f"The map scale must be positive, not {metres_per_mm!r} metres per mm.")
    longest_mm = min(max_mm, map_width_mm * max_share)
    segment = nice_step(longest_mm * metres_per_mm / segments)
    total = segment * segments
    return ScaleBarStep(segment, segments, "km" if total >= 1000 else "m", total / metres_per_mm)

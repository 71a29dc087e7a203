"""Helpers shared by the tests in real QGIS."""

from __future__ import annotations

from pathlib import Path


def load_indicator(store, indicator: str, folder: Path) -> Path:
    """Run Load indicator for one store indicator (its latest period) into folder/<indicator>.gpkg."""
    import processing

    out = Path(folder) / f"{indicator}.gpkg"
    processing.run("lisworkbench:loadindicator", {"STORE": str(store), "INDICATOR": indicator, "OUTPUT": str(out)})
    return out

"""Helpers shared by the tests in real QGIS."""

from __future__ import annotations

from pathlib import Path


def load_indicator(store, indicator: str, folder: Path) -> Path:
    """Run Load indicator for one store indicator (its latest period) into folder/<indicator>.gpkg."""
    import processing

    out = Path(folder) / f"{indicator}.gpkg"
    processing.run("lisworkbench:loadindicator", {"STORE": str(store), "INDICATOR": indicator, "OUTPUT": str(out)})
    return out


def wait_for(done, timeout: float = 120.0, what: str = "the task") -> None:
    """Let QGIS run its event loop (tasks end through it) until done() is true; fail after `timeout` seconds."""
    import time

    from qgis.core import QgsApplication

    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise AssertionError(f"{what} did not finish within {timeout:g} s")
        QgsApplication.processEvents()
        time.sleep(0.01)


def wait_for_task(task, timeout: float = 120.0) -> None:
    """Wait until a StudyTask has ended (finished, failed or stopped) and its ending has run."""
    from lis_workbench.qgis_bridge import tasks

    wait_for(lambda: task not in tasks._RUNNING, timeout, task.description())

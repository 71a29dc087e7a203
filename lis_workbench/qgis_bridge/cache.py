"""Where QGIS (the dock and Processing) keeps what is worth keeping between runs: layers' spatial weights, in the
profile's cache folder (or LIS_CACHE_DIR)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsApplication


def weights_cache():
    """The weights cache of this QGIS profile (None when LIS_CACHE_DIR=none)."""
    from ..core.weights_cache import cache_in

    return cache_in(Path(QgsApplication.qgisSettingsDirPath()) / "cache" / "lis_workbench")

"""Start QGIS without a display for the `lis` commands that render (maps, atlases, profiles)."""

from __future__ import annotations

import os
import tempfile

_APP = None


def start_qgis():
    """A QgsApplication for headless work (offscreen), started once. No Processing provider is registered: the
    commands call the engine and the bridge directly."""
    global _APP
    from qgis.core import QgsApplication

    if QgsApplication.instance() is not None:
        return QgsApplication.instance()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("XDG_RUNTIME_DIR", os.path.join(tempfile.gettempdir(), f"runtime-{os.getuid()}"))
    QgsApplication.setPrefixPath("/usr", True)
    _APP = QgsApplication([], True)  # GUI classes are needed by the layout renderer
    _APP.initQgis()
    return _APP

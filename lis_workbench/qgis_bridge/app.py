"""Start QGIS without a display for the `lis` commands that render (maps, atlases, profiles)."""

from __future__ import annotations

import os
import sys

_APP = None
_PROVIDER = None  # the registry does not keep our Python object alive


def start_qgis():
    """A QgsApplication for headless work (offscreen), with Processing and our provider; started once."""
    global _APP, _PROVIDER
    from qgis.core import QgsApplication

    if QgsApplication.instance() is not None:
        return QgsApplication.instance()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.getuid()}")
    QgsApplication.setPrefixPath("/usr", True)
    _APP = QgsApplication([], True)  # GUI classes are needed by the layout renderer
    _APP.initQgis()
    plugins = os.path.join(QgsApplication.pkgDataPath(), "python", "plugins")
    if plugins not in sys.path:
        sys.path.append(plugins)
    from processing.core.Processing import Processing

    Processing.initialize()
    from ..processing.provider import LisWorkbenchProvider

    registry = QgsApplication.processingRegistry()
    if registry.providerById("lisworkbench") is None:
        _PROVIDER = LisWorkbenchProvider()
        registry.addProvider(_PROVIDER)
    return _APP

"""Names that moved between QGIS 3.22 and QGIS 3.44 / 4: each picked once here, the newest where it exists, so
the rest of the bridge reads the same on every version we support."""

from __future__ import annotations

from qgis.core import Qgis, QgsPalLayerSettings

# Label placement: QgsPalLayerSettings.Placement until 3.26, Qgis.LabelPlacement after (3.44 refuses the old value).
LABEL_OVER_POINT = getattr(Qgis, "LabelPlacement", QgsPalLayerSettings.Placement).OverPoint  # qt6: ok

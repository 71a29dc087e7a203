"""Hotspot maps in QGIS: draws the hotspot study's style description (core.hotspot_study.cluster_style), in which
colour and words follow the indicator's polarity (a cluster of high need is red whatever the sign)."""

from __future__ import annotations

from qgis.core import QgsCategorizedSymbolRenderer, QgsFillSymbol, QgsRendererCategory, QgsVectorLayer
from qgis.PyQt.QtGui import QColor

from ..core.hotspot_study import cluster_style
from ..core.palette import NoDataSymbol
from .thematic import OUTLINE, no_data_fill


def layer_polarity(layer: QgsVectorLayer) -> str | None:
    """The polarity the store recorded in the layer's metadata (Load indicator, the dock), else None."""
    found = layer.metadata().keywords().get("polarity") or []
    return found[0] if found else None


def style_clusters(layer: QgsVectorLayer, field: str, polarity: str | None = None) -> None:
    """A categorised renderer on the cluster field (gi_cluster or lisa_cluster): one category per class of the
    style description, in its order, and a hatched "no data" class. Without a polarity, the one recorded in the
    layer's metadata; neutral when none is."""
    categorised(layer, field, cluster_style(field, polarity or layer_polarity(layer)))


def categorised(layer: QgsVectorLayer, field: str, entries) -> None:
    """A categorised renderer on `field` from a style description (core: value, label, colour and, for no data,
    hatch), in its order: hotspot and emerging hot spot maps draw their categories alike."""
    categories = []
    for entry in entries:
        if entry.value is None:
            symbol = no_data_fill(NoDataSymbol(entry.colour, entry.hatch or "#ffffff", entry.label))
        else:
            symbol = QgsFillSymbol.createSimple({"color": QColor(entry.colour).name(), "outline_color": OUTLINE,
                                                 "outline_width": "0.15"})
        categories.append(QgsRendererCategory(entry.value, symbol, entry.label))
    layer.setRenderer(QgsCategorizedSymbolRenderer(field, categories))
    layer.triggerRepaint()

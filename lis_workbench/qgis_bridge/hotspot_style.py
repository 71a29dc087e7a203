"""Conventional hotspot colours: Gi* hot (reds) and cold (blues) spots by confidence; LISA quadrants as GeoDa."""

from __future__ import annotations

from qgis.core import QgsCategorizedSymbolRenderer, QgsFillSymbol, QgsRendererCategory, QgsVectorLayer

from ..core.hotspot import LISA_LABELS, NOT_SIGNIFICANT

GI_COLOURS = [
    ("Hot spot, 99% confidence", "#d7191c"), ("Hot spot, 95% confidence", "#fc8d59"),
    ("Hot spot, 90% confidence", "#fed090"), (NOT_SIGNIFICANT, "#f0f0f0"),
    ("Cold spot, 90% confidence", "#d1e5f0"), ("Cold spot, 95% confidence", "#91bfdb"),
    ("Cold spot, 99% confidence", "#4575b4"),
]
LISA_COLOURS = [(LISA_LABELS[1], "#e31a1c"), (LISA_LABELS[4], "#f4a6a6"), (LISA_LABELS[2], "#a6b4f4"),
                (LISA_LABELS[3], "#1f4fe0"), (NOT_SIGNIFICANT, "#f0f0f0")]
NO_DATA = "#ffffff"


def style_clusters(layer: QgsVectorLayer, field: str) -> None:
    """A categorised renderer on the cluster field with the conventional colours and a "no data" class."""
    palette = GI_COLOURS if field == "gi_cluster" else LISA_COLOURS
    categories = []
    for label, colour in palette:
        symbol = QgsFillSymbol.createSimple({"color": colour, "outline_color": "#636363", "outline_width": "0.15"})
        categories.append(QgsRendererCategory(label, symbol, label))
    blank = QgsFillSymbol.createSimple({"color": NO_DATA, "outline_color": "#969696", "outline_width": "0.15",
                                        "style": "b_diagonal"})
    categories.append(QgsRendererCategory(None, blank, "No data or left out"))
    layer.setRenderer(QgsCategorizedSymbolRenderer(field, categories))
    layer.triggerRepaint()

"""Emerging hot spot maps in QGIS: draws the study's style description (core.emerging_study.emerging_style), in
which each category has a colour and a sentence saying what it means, warm for the side of greater need."""

from __future__ import annotations

from qgis.core import QgsVectorLayer

from ..core.emerging_study import FIELD, emerging_style
from .hotspot_style import categorised, layer_polarity


def style_emerging(layer: QgsVectorLayer, polarity: str | None = None, field: str = FIELD,
                   all_categories: bool = False) -> None:
    """A categorised renderer on the category field: the categories the layer holds (every one with
    all_categories), the side of greater need first, then no pattern and a hatched "no data" class. Without a
    polarity, the one recorded in the layer's metadata; neutral when none is."""
    polarity = polarity or layer_polarity(layer)
    present = None
    index = layer.fields().indexOf(field)
    if not all_categories and index >= 0:
        present = {str(v) for v in layer.uniqueValues(index) if v is not None and str(v) != "NULL"}
    categorised(layer, field, emerging_style(polarity, present))

"""Place names drawn on maps: each area's name in dark grey with a white halo, so it reads over any class colour;
on an atlas page the page's own area in bold. Which areas are named is core.labels' rule."""

from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsPalLayerSettings,
    QgsProperty,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor, QFont

from ..core.labels import NAME_FIELD

# Horizontal labels inside each polygon: QgsPalLayerSettings.Placement until 3.26, Qgis.LabelPlacement after.
_HORIZONTAL = getattr(Qgis, "LabelPlacement", QgsPalLayerSettings.Placement).Horizontal  # qt6: ok
CURRENT_AREA = "@atlas_featureid = $id"


def name_labels(field: str = NAME_FIELD, size: float = 7.5, bold_current: bool = False,
                wrap: int = 16) -> QgsVectorLayerSimpleLabeling:
    """Area names with a white halo, wrapped at `wrap` characters; `bold_current` sets the atlas page's own area in
    bold."""
    settings = QgsPalLayerSettings()
    settings.fieldName = field
    settings.placement = _HORIZONTAL
    settings.autoWrapLength = wrap
    settings.centroidWhole = False  # the middle of the part that is on the page
    text = QgsTextFormat()
    text.setFont(QFont("DejaVu Sans"))
    text.setSize(size)
    text.setColor(QColor("#1a1a1a"))
    buffer = text.buffer()
    buffer.setEnabled(True)
    buffer.setSize(0.8)
    buffer.setColor(QColor("white"))
    buffer.setOpacity(0.9)
    text.setBuffer(buffer)
    settings.setFormat(text)
    if bold_current:
        settings.dataDefinedProperties().setProperty(QgsPalLayerSettings.Property.Bold,
                                                     QgsProperty.fromExpression(CURRENT_AREA))
    return QgsVectorLayerSimpleLabeling(settings)


def label_areas(layer: QgsVectorLayer, field: str = NAME_FIELD, bold_current: bool = False) -> None:
    """Name the layer's areas on the map (when it has the field)."""
    if layer.fields().indexFromName(field) < 0:
        return
    layer.setLabeling(name_labels(field, bold_current=bold_current))
    layer.setLabelsEnabled(True)


def names_layer(areas: QgsVectorLayer, field: str = NAME_FIELD) -> QgsVectorLayer:
    """A copy of `areas` that draws nothing but their names: the place names over a map of finer areas."""
    from qgis.core import QgsNullSymbolRenderer

    names = areas.clone()
    names.setName("Place names")
    names.setRenderer(QgsNullSymbolRenderer())
    label_areas(names, field)
    return names

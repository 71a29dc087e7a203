"""Names that moved between QGIS 3.22 and QGIS 3.44 / 4: each picked once here, the newest where it exists, so
the rest of the bridge reads the same on every version we support."""

from __future__ import annotations

from qgis.core import (
    Qgis,
    QgsField,
    QgsLayoutItemLabel,
    QgsLegendStyle,
    QgsMapLayer,
    QgsPalLayerSettings,
    QgsTextFormat,
    QgsUnitTypes,
)
from qgis.PyQt.QtGui import QColor, QFont

# Label placement: QgsPalLayerSettings.Placement until 3.26, Qgis.LabelPlacement after (3.44 refuses the old value).
LABEL_OVER_POINT = getattr(Qgis, "LabelPlacement", QgsPalLayerSettings.Placement).OverPoint  # qt6: ok


def make_field(name: str, kind) -> QgsField:
    """A field of a QVariant type (as our code names types): QGIS 3.38+ takes QMetaType types and warns on the
    QVariant constructor; the numbers are the same (Double 6, String 10, Int 2 ...)."""
    if Qgis.versionInt() >= 33800:
        from qgis.PyQt.QtCore import QMetaType

        return QgsField(name, QMetaType.Type(int(kind)))
    return QgsField(name, kind)


def save_default_style(layer: QgsMapLayer, name: str, description: str) -> str:
    """Save the layer's style into its database as the default; '' when saved, else QGIS's message. QGIS 3.40
    replaced saveStyleToDatabase (still there, but warns) by saveStyleToDatabaseV2."""
    if hasattr(layer, "saveStyleToDatabaseV2"):
        result = layer.saveStyleToDatabaseV2(name, description, True, "")
        flags, message = result if isinstance(result, tuple) else (result, "")
        failed = int(flags) & 0b101  # QML generation or database write failed (an SLD failure alone is not fatal)
        return (message or f"QGIS could not save the style (code {int(flags)})") if failed else ""
    return layer.saveStyleToDatabase(name, description, True, "") or ""


def _text_format(font: QFont, colour: QColor | None = None) -> QgsTextFormat:
    text = QgsTextFormat()
    text.setFont(font)
    text.setSize(font.pointSizeF())
    text.setSizeUnit(Qgis.RenderUnit.Points if hasattr(Qgis, "RenderUnit") else QgsUnitTypes.RenderUnit.RenderPoints)
    if colour is not None:
        text.setColor(colour)
    return text


def set_legend_font(style: QgsLegendStyle, font: QFont) -> None:
    """A legend style's font: through a text format where QGIS has it (3.30+; setFont warns on 3.44)."""
    if hasattr(style, "setTextFormat"):
        style.setTextFormat(_text_format(font))
    else:
        style.setFont(font)


def set_label_font(label: QgsLayoutItemLabel, font: QFont, colour: QColor) -> None:
    """A layout label's font and colour: through a text format where QGIS has it (setFont and setFontColor
    warn on 3.44)."""
    if hasattr(label, "setTextFormat"):
        label.setTextFormat(_text_format(font, colour))
    else:
        label.setFont(font)
        label.setFontColor(colour)

"""Choropleth styling in QGIS from engine class breaks and colours (core.palette): graduated renderer, "no data"
class, labels."""

from __future__ import annotations

from qgis.core import (
    QgsClassificationCustom,
    QgsFillSymbol,
    QgsGraduatedSymbolRenderer,
    QgsPalLayerSettings,
    QgsRendererRange,
    QgsRuleBasedRenderer,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor, QFont

from ..core import palette
from ..core.palette import NO_DATA_LABEL, NoDataSymbol, RampChoice

OUTLINE = "#636363"


def ramp_colours(choice: RampChoice, k: int) -> list[QColor]:
    """k colours of a ColorBrewer scheme as core.palette decides them."""
    return [QColor(c) for c in palette.ramp_colours(choice, k)]


def _fill(colour: QColor) -> QgsFillSymbol:
    return QgsFillSymbol.createSimple({"color": colour.name(), "outline_color": OUTLINE, "outline_width": "0.15"})


def no_data_fill(symbol: NoDataSymbol) -> QgsFillSymbol:
    """The no-data symbol: its fill with the hatching drawn across it (two layers, so the fill shows between the
    lines)."""
    fill = QgsFillSymbol.createSimple({"color": symbol.fill, "outline_color": OUTLINE, "outline_width": "0.15"})
    hatch = QgsFillSymbol.createSimple({"color": symbol.hatch, "outline_style": "no", "style": "b_diagonal"})
    fill.appendSymbolLayer(hatch.symbolLayer(0).clone())
    return fill


def graduated_renderer(field: str, intervals: list[tuple[float, float]], labels: list[str],
                       colours: list[QColor], no_data: bool):
    """A graduated renderer with one range per class; with a hatched grey "no data" rule when needed."""
    ranges = [QgsRendererRange(lower, upper, _fill(colour), label)
              for (lower, upper), label, colour in zip(intervals, labels, colours)]
    ranges.sort(key=lambda r: r.lowerValue())
    renderer = QgsGraduatedSymbolRenderer(field, ranges)
    renderer.setClassificationMethod(QgsClassificationCustom())  # our classes (setMode is deprecated)
    if not no_data:
        return renderer
    rules = QgsRuleBasedRenderer.convertFromRenderer(renderer)
    root = rules.rootRule()
    symbol = no_data_fill(palette.no_data_symbol([c.name() for c in colours]))
    root.appendChild(QgsRuleBasedRenderer.Rule(symbol, 0, 0, f'"{field}" IS NULL', NO_DATA_LABEL))
    return rules


def style_layer(layer: QgsVectorLayer, field: str, classification, choice: RampChoice,
                labels_field: str | None = None) -> None:
    """Apply the classification as a choropleth to layer (and optional area labels)."""
    colours = ramp_colours(choice, classification.k)
    layer.setRenderer(graduated_renderer(field, classification.intervals(), classification.labels, colours,
                                         classification.no_data > 0))
    if labels_field:
        settings = QgsPalLayerSettings()
        settings.fieldName = labels_field
        text = QgsTextFormat()
        text.setFont(QFont("DejaVu Sans", 7))
        text.setSize(7)
        buffer = text.buffer()
        buffer.setEnabled(True)
        buffer.setSize(0.6)
        text.setBuffer(buffer)
        settings.setFormat(text)
        layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
        layer.setLabelsEnabled(True)
    layer.triggerRepaint()

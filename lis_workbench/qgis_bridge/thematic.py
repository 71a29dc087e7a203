"""Choropleth styling in QGIS from engine class breaks: graduated renderer, "no data" class, labels."""

from __future__ import annotations

from qgis.core import (
    QgsClassificationCustom,
    QgsColorBrewerColorRamp,
    QgsFillSymbol,
    QgsGradientColorRamp,
    QgsGradientStop,
    QgsGraduatedSymbolRenderer,
    QgsPalLayerSettings,
    QgsRendererRange,
    QgsRuleBasedRenderer,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtGui import QColor, QFont

from ..core.palette import MAX_CLASSES, RampChoice

NO_DATA_LABEL = "No data (missing or suppressed)"
OUTLINE = "#636363"


def ramp_colours(choice: RampChoice, k: int) -> list[QColor]:
    """k colours of a ColorBrewer scheme; its published colours where it has k classes, else interpolated
    along its largest published set."""
    if k <= 0:
        return []
    limit = MAX_CLASSES[choice.kind]
    if 3 <= k <= limit:
        ramp = QgsColorBrewerColorRamp(choice.name, k)
    else:
        base = QgsColorBrewerColorRamp(choice.name, 3 if k < 3 else limit)
        n = base.count()
        stops = [QgsGradientStop(i / (n - 1), base.color(i / (n - 1))) for i in range(1, n - 1)]
        ramp = QgsGradientColorRamp(base.color(0), base.color(1), False, stops)
    colours = [ramp.color(i / (k - 1)) if k > 1 else ramp.color(1.0) for i in range(k)]
    return list(reversed(colours)) if choice.reverse else colours


def _fill(colour: QColor) -> QgsFillSymbol:
    return QgsFillSymbol.createSimple({"color": colour.name(), "outline_color": OUTLINE, "outline_width": "0.15"})


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
    symbol = QgsFillSymbol.createSimple({"color": "#f0f0f0", "outline_color": OUTLINE, "outline_width": "0.15",
                                         "style": "b_diagonal"})
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

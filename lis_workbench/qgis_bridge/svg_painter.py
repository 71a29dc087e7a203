"""Paint the engine's plain SVG pictures (core/spine.py's profile table) onto a QPainter as vector shapes and real
text. Qt's own SVG renderer outlines every glyph in a PDF (no selectable text, a heavy file); drawn here with
painter.drawText, Qt's PDF engine embeds a font subset, so the words can be selected, searched and read aloud.

Understands what core/spine.py writes: svg (width, height, viewBox, font-family), g, title (skipped), rect, line,
circle, polyline, polygon and text (x, y, font-size, font-weight, font-style, text-anchor, fill), with fill,
stroke, stroke-width and stroke-linejoin. Anything else is an error, so a new element cannot silently vanish."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # only the SVG core.spine writes  # nosec B405

from qgis.PyQt.QtCore import QPointF, QRectF, Qt
from qgis.PyQt.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen, QPolygonF

from ..core.errors import LisError

NS = "{http://www.w3.org/2000/svg}"
SHAPES = ("rect", "line", "circle", "polyline", "polygon", "text")
_NUM = re.compile(r"-?\d+(?:\.\d+)?")


def svg_size(svg: str) -> tuple[float, float]:
    """The picture's width and height in its own units (px)."""
    root = ET.fromstring(svg)  # our own SVG  # nosec B314
    return float(root.get("width", "0").removesuffix("px")), float(root.get("height", "0").removesuffix("px"))


#: Text is drawn this many times larger under a transform this much smaller: Qt rounds a font's pixel size to a
#: whole number, which at an em of a few units would make text up to 20 % too wide; at 100x it is within 0.5 %.
ZOOM = 100.0


def font_for(family: str, size: float, dpi: float, bold: bool = False, italic: bool = False) -> QFont:
    """A font whose em is `size` units of the painter's coordinates on a device of `dpi` dots per inch (Qt turns
    point sizes into pixels at the device's dpi before the world transform scales them). Use with draw_text,
    which draws at ZOOM times the size under a transform ZOOM times smaller."""
    font = QFont(family)
    font.setPointSizeF(size * ZOOM * 72.0 / dpi)
    font.setBold(bold)
    font.setItalic(italic)
    font.setKerning(False)  # the engine's width estimates assume plain advances
    # any letter spacing makes Qt set text without ligatures, so "fi" is extracted, searched and read as "f", "i"
    # rather than as the single character U+FB01; 0.02 px (Qt keeps 1/64 px) of the zoomed font changes nothing else
    font.setLetterSpacing(QFont.SpacingType.AbsoluteSpacing, 0.02)
    return font


def draw_text(painter: QPainter, x: float, y: float, text: str, font: QFont, colour: QColor,
              anchor: str = "start") -> None:
    """Text with its baseline at (x, y), anchored at its start, middle or end, as real (extractable) text."""
    painter.save()
    painter.translate(x, y)
    painter.scale(1 / ZOOM, 1 / ZOOM)
    painter.setFont(font)
    painter.setPen(QPen(colour))
    dx = 0.0
    if anchor in ("middle", "end"):
        width = text_advance(font, text, painter) * ZOOM
        dx = -width / 2 if anchor == "middle" else -width
    painter.drawText(QPointF(dx, 0.0), text)
    painter.restore()


class SvgPainter:
    """Paints one SVG document with its top-left at (x, y) in the painter's units, `scale` units per SVG px."""

    def __init__(self, painter: QPainter, dpi: float) -> None:
        self.painter = painter
        self.dpi = dpi
        self._fonts: dict[tuple, QFont] = {}
        self._family = "DejaVu Sans"

    def paint(self, svg: str, x: float, y: float, scale: float) -> None:
        root = ET.fromstring(svg)  # our own SVG  # nosec B314
        if root.tag != f"{NS}svg":
            raise LisError("The picture to draw is not an SVG document.")
        self._family = _family(root.get("font-family", "DejaVu Sans"))
        p = self.painter
        p.save()
        p.translate(x, y)
        p.scale(scale, scale)
        view = root.get("viewBox")
        if view:
            vx, vy, _, _ = (float(v) for v in view.split())
            p.translate(-vx, -vy)
        try:
            self._children(root)
        finally:
            p.restore()

    # ------------------------------------------------------------------ elements
    def _children(self, element: ET.Element) -> None:
        for child in element:
            tag = child.tag.removeprefix(NS)
            if tag in ("title", "desc"):
                continue
            if tag == "g":
                self._children(child)
            elif tag in SHAPES:
                getattr(self, f"_{tag}")(child)
            else:
                raise LisError(f"The picture holds an SVG element this drawing does not know: <{tag}>.")

    def _rect(self, e: ET.Element) -> None:
        self._style(e)
        self.painter.drawRect(QRectF(_f(e, "x"), _f(e, "y"), _f(e, "width"), _f(e, "height")))

    def _line(self, e: ET.Element) -> None:
        self._style(e, fill_default="none")
        self.painter.drawLine(QPointF(_f(e, "x1"), _f(e, "y1")), QPointF(_f(e, "x2"), _f(e, "y2")))

    def _circle(self, e: ET.Element) -> None:
        self._style(e)
        r = _f(e, "r")
        self.painter.drawEllipse(QPointF(_f(e, "cx"), _f(e, "cy")), r, r)

    def _polyline(self, e: ET.Element) -> None:
        self._style(e)
        self.painter.drawPolyline(_points(e.get("points", "")))

    def _polygon(self, e: ET.Element) -> None:
        self._style(e)
        self.painter.drawPolygon(_points(e.get("points", "")))

    def _text(self, e: ET.Element) -> None:
        text = "".join(e.itertext())
        if not text:
            return
        size = float(str(e.get("font-size", "16")).removesuffix("px"))
        bold = e.get("font-weight") in ("bold", "700", "800", "900")
        italic = e.get("font-style") in ("italic", "oblique")
        key = (size, bold, italic)
        font = self._fonts.get(key)
        if font is None:
            font = self._fonts[key] = font_for(self._family, size, self.dpi, bold, italic)
        draw_text(self.painter, _f(e, "x"), _f(e, "y"), text, font, _colour(e.get("fill", "#000000")),
                  e.get("text-anchor", "start"))

    def _style(self, e: ET.Element, fill_default: str = "#000000") -> None:
        p = self.painter
        fill = e.get("fill", fill_default)
        p.setBrush(Qt.BrushStyle.NoBrush if fill == "none" else QBrush(_colour(fill)))
        stroke = e.get("stroke", "none")
        if stroke == "none":
            p.setPen(Qt.PenStyle.NoPen)
        else:
            pen = QPen(_colour(stroke))
            pen.setWidthF(float(e.get("stroke-width", "1")))
            join = e.get("stroke-linejoin")
            if join == "round":
                pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            p.setPen(pen)


def text_advance(font: QFont, text: str, painter: QPainter) -> float:
    """The advance width of text in a font_for font, in the painter's units (before draw_text's zoom)."""
    metrics = QFontMetricsF(font, painter.device())
    width = metrics.horizontalAdvance(text) if hasattr(metrics, "horizontalAdvance") else metrics.width(text)
    return width / ZOOM


def _f(e: ET.Element, name: str) -> float:
    return float(str(e.get(name, "0")).removesuffix("px"))


def _points(text: str) -> QPolygonF:
    numbers = [float(v) for v in _NUM.findall(text)]
    return QPolygonF([QPointF(numbers[i], numbers[i + 1]) for i in range(0, len(numbers) - 1, 2)])


def _colour(text: str) -> QColor:
    colour = QColor(text.strip())
    return colour if colour.isValid() else QColor("#000000")


def _family(text: str) -> str:
    """The first family of a CSS font-family list, unquoted."""
    return text.split(",")[0].strip().strip("'\"") or "DejaVu Sans"

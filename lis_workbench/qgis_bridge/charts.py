"""Pictures of composite indices and trends: the decile style of an index layer (darker = more need), the
diverging style of a change map, and small-multiple trend charts drawn with QPainter (no matplotlib in QGIS)."""

from __future__ import annotations

import datetime as _dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
from qgis.core import QgsVectorLayer
from qgis.PyQt.QtCore import QPointF, QRectF, Qt
from qgis.PyQt.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPainterPath, QPen

from ..__about__ import __version__
from ..core.classify import classify, nice_ceiling
from ..core.errors import LisError
from ..core.palette import choose_ramp
from ..core.trends import period_to_year
from .maps import field_values
from .thematic import style_layer

#: Decile 1 (most need) darkest: YlOrRd run backwards over the ten deciles.
INDEX_RAMP = choose_ramp("high_is_good", "decile")  # decile 1 (most in need) red: ColorBrewer's 10-class RdBu
FONT = "DejaVu Sans"
TREND_COLOURS = {"worsening": "#d7301f", "improving": "#2166ac"}
NEUTRAL = "#8c8c8c"


# ------------------------------------------------------------------ map styles
def style_index_deciles(layer: QgsVectorLayer, field: str = "index_decile"):
    """Ten graduated classes on a 1-10 decile field, decile 1 (the most in need) darkest; returns the
    Classification (for the map page's subtitle)."""
    classification = classify(field_values(layer, field), "manual", breaks=list(range(1, 11)))
    classification.labels = [f"Decile {d}" + (" (most in need)" if d == 1 else " (least in need)" if d == 10 else "")
                             for d in range(1, classification.k + 1)]
    classification.method = "decile"
    style_layer(layer, field, classification, INDEX_RAMP)
    return classification


# ------------------------------------------------------------------ trend small multiples
def trend_chart(series: pd.DataFrame, trends: pd.DataFrame, out: str | Path, *, title: str, subtitle: str = "",
                footer: str = "", unit: str = "", start: str | None = None, end: str | None = None,
                width: int = 2400) -> Path:
    """Small multiples, one panel per area (sorted by name): its values over time on a shared scale, its fitted
    straight-line trend (dashed, red when worsening, blue when improving, grey otherwise) and the change from
    `start` to `end` (marked with dots). series: area_code, area_name (optional), period, value; trends: the
    output of core.trends.trend(). Writes a PNG and returns its path."""
    long = series.copy()
    long["value"] = pd.to_numeric(long["value"], errors="coerce").astype(float)
    if "suppressed" in long:
        long.loc[long["suppressed"].astype(bool), "value"] = np.nan
    long["year"] = [period_to_year(p) for p in long["period"]]
    names = (long.drop_duplicates("area_code").set_index("area_code")["area_name"].fillna("").to_dict()
             if "area_name" in long else {})
    areas = sorted(long["area_code"].unique(), key=lambda c: (str(names.get(c) or c).lower(), c))
    if not areas:
        raise LisError("There are no areas to chart.")
    fits = trends.set_index("area_code")
    finite = long["value"].dropna()
    if finite.empty:
        raise LisError("There are no values to chart.")
    y_ticks = _ticks(float(finite.min()), float(finite.max()))
    x_lo, x_hi = float(long["year"].min()), float(long["year"].max())
    if x_hi == x_lo:
        x_hi = x_lo + 1

    cols = max(1, min(6, math.ceil(math.sqrt(len(areas)))))
    rows = math.ceil(len(areas) / cols)
    margin, gap = width * 0.03, width * 0.018
    panel_w = (width - 2 * margin - (cols - 1) * gap) / cols
    panel_h = panel_w * 0.55
    header, key_h = width * 0.075, width * 0.03
    footer_h = width * 0.045
    height = int(header + key_h + rows * panel_h + (rows - 1) * gap + footer_h + margin)
    image, painter = canvas(width, height)
    px = width / 2400  # sizes below are for a 2,400 px wide picture

    _text(painter, QRectF(margin, margin * 0.6, width - 2 * margin, 50 * px), title, 40 * px, bold=True)
    _text(painter, QRectF(margin, margin * 0.6 + 58 * px, width - 2 * margin, 36 * px), subtitle, 25 * px,
          colour="#525252")
    _key(painter, margin, header + 4 * px, px, start, end)

    top0 = header + key_h + 8 * px
    for i, code in enumerate(areas):
        r, c = divmod(i, cols)
        box = QRectF(margin + c * (panel_w + gap), top0 + r * (panel_h + gap), panel_w, panel_h)
        area = long[long["area_code"] == code].sort_values("year")
        fit = fits.loc[code] if code in fits.index else None
        _panel(painter, box, str(names.get(code) or code), area, fit, y_ticks, (x_lo, x_hi), px, start, end,
               left_axis=c == 0, bottom_axis=r == rows - 1 or i + cols >= len(areas))

    _text(painter, QRectF(margin, height - footer_h - margin * 0.3, width - 2 * margin, footer_h),
          (footer + "\n" if footer else "") + made_line(), 18 * px, colour="#525252", wrap=True)
    return save_png(image, painter, out)


def canvas(width: int, height: int) -> tuple[QImage, QPainter]:
    """A white picture and an antialiased painter on it, for a chart."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    return image, painter


def made_line() -> str:
    return f"Made with LIS Workbench {__version__} on {_dt.date.today().isoformat()}."


def save_png(image: QImage, painter: QPainter, out: str | Path) -> Path:
    """End the painting and write the chart (its folder made if need be); a clear error if it cannot be."""
    painter.end()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out), "PNG"):
        raise LisError(f"Could not write {out}.")
    return out


def _panel(painter, box: QRectF, name: str, area: pd.DataFrame, fit, y_ticks, x_range, px, start, end, *,
           left_axis: bool, bottom_axis: bool) -> None:
    """One area's panel: name and change above a framed plot with grid lines, values, trend and end points."""
    colour = QColor(TREND_COLOURS.get(str(fit["assessment"]) if fit is not None else "", NEUTRAL))
    title_h = 34 * px
    values = area.set_index(area["period"].astype(str))["value"]
    room = box.width()
    if start in values.index and end in values.index and np.isfinite(values[start]) and np.isfinite(values[end]):
        shown = f"{values[end] - values[start]:+.{_decimals(y_ticks)}f}"
        shown = shown[1:] if float(shown) == 0 else shown
        _text(painter, QRectF(box.left(), box.top(), box.width(), title_h), shown, 21 * px, colour=colour.name(),
              align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, bold=True)
        room -= QFontMetrics(_font(21 * px, True)).horizontalAdvance(shown) + 12 * px
    size = 22 * px
    while size > 15 * px and QFontMetrics(_font(size, True)).horizontalAdvance(name) > room:
        size -= px  # a long name gets a smaller font before it is cut short
    _text(painter, QRectF(box.left(), box.top(), room, title_h), _elided(name, room, size, bold=True), size,
          bold=True)
    axis_w = 58 * px if left_axis else 0.0
    plot = QRectF(box.left() + axis_w, box.top() + title_h + 4 * px, box.width() - axis_w,
                  box.height() - title_h - 4 * px - (26 * px if bottom_axis else 6 * px))
    lo, hi = y_ticks[0], y_ticks[-1]
    x_lo, x_hi = x_range

    def point(year: float, value: float) -> QPointF:
        return QPointF(plot.left() + (year - x_lo) / (x_hi - x_lo) * plot.width(),
                       plot.bottom() - (value - lo) / (hi - lo) * plot.height())

    painter.fillRect(plot, QColor("#f7f7f7"))
    grid = QPen(QColor("#dddddd"), max(1.0, 1.5 * px))
    for tick in y_ticks:
        y = point(x_lo, tick).y()
        painter.setPen(grid)
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        if left_axis:
            _text(painter, QRectF(box.left(), y - 12 * px, axis_w - 6 * px, 24 * px), _tick_text(tick, y_ticks),
                  16 * px, colour="#525252", align=Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    if bottom_axis:
        for year in range(math.ceil(x_lo), math.floor(x_hi) + 1):
            x = point(year, lo).x()
            first = year == math.ceil(x_lo) and x - plot.left() < 20 * px
            align = Qt.AlignmentFlag.AlignLeft if first else Qt.AlignmentFlag.AlignHCenter
            _text(painter, QRectF(x - (0 if first else 40 * px), plot.bottom() + 2 * px, 80 * px, 24 * px), str(year),
                  16 * px, colour="#525252", align=align | Qt.AlignmentFlag.AlignTop)
    used = area[np.isfinite(area["value"])]
    if len(used):
        path = QPainterPath()
        path.moveTo(point(float(used["year"].iloc[0]), float(used["value"].iloc[0])))
        for year, value in zip(used["year"].iloc[1:], used["value"].iloc[1:]):
            path.lineTo(point(year, value))
        painter.setPen(QPen(QColor("#404040"), 2.2 * px))
        painter.drawPath(path)
    if fit is not None and np.isfinite(fit["slope"]) and np.isfinite(fit["intercept"]) and len(used) > 1:
        first, last = float(used["year"].min()), float(used["year"].max())
        pen = QPen(colour, 3.2 * px, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(point(first, fit["intercept"] + fit["slope"] * first),
                         point(last, fit["intercept"] + fit["slope"] * last))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(colour)
    for period in (start, end):
        row = used[used["period"].astype(str) == str(period)] if period else used.iloc[0:0]
        if len(row):
            painter.drawEllipse(point(float(row["year"].iloc[0]), float(row["value"].iloc[0])), 5 * px, 5 * px)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor("#bdbdbd"), max(1.0, px)))
    painter.drawRect(plot)


def _key(painter, x: float, y: float, px: float, start, end) -> None:
    """The chart's key: what the line, the dashes and their colours, and the dots mean."""
    h = 30 * px
    painter.setPen(QPen(QColor("#404040"), 2.2 * px))
    painter.drawLine(QPointF(x, y + h / 2), QPointF(x + 40 * px, y + h / 2))
    x = _text_run(painter, x + 48 * px, y, h, "values", px)
    for word, colour in (("trend worsening", TREND_COLOURS["worsening"]),
                         ("improving", TREND_COLOURS["improving"]), ("no significant change", NEUTRAL)):
        painter.setPen(QPen(QColor(colour), 3.2 * px, Qt.PenStyle.DashLine))
        painter.drawLine(QPointF(x + 24 * px, y + h / 2), QPointF(x + 70 * px, y + h / 2))
        x = _text_run(painter, x + 78 * px, y, h, word, px)
    if start and end:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(NEUTRAL))
        painter.drawEllipse(QPointF(x + 34 * px, y + h / 2), 5 * px, 5 * px)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        _text_run(painter, x + 46 * px, y, h, f"{start} and {end}; the number above each panel is the change "
                                              "between them", px)


def _text_run(painter, x: float, y: float, h: float, text: str, px: float) -> float:
    font = _font(19 * px)
    width = QFontMetrics(font).horizontalAdvance(text)
    _text(painter, QRectF(x, y, width + 4 * px, h), text, 19 * px, colour="#404040",
          align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return x + width + 4 * px


def _font(size_px: float, bold: bool = False) -> QFont:
    font = QFont(FONT)
    font.setPixelSize(max(1, round(size_px)))
    font.setBold(bold)
    return font


def _text(painter, rect: QRectF, text: str, size_px: float, *, bold: bool = False, colour: str = "#252525",
          align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, wrap: bool = False) -> None:
    painter.setFont(_font(size_px, bold))
    painter.setPen(QColor(colour))
    painter.drawText(rect, int(align) | (int(Qt.TextFlag.TextWordWrap) if wrap else 0), text)


def _elided(text: str, width: float, size_px: float, bold: bool = False) -> str:
    return QFontMetrics(_font(size_px, bold)).elidedText(text, Qt.TextElideMode.ElideRight, int(width))


def _ticks(lo: float, hi: float, target: int = 4) -> list[float]:
    """Round tick values covering lo..hi (about `target` intervals), the first <= lo and the last >= hi."""
    if hi == lo:
        hi = lo + (abs(lo) or 1.0)
    step = nice_ceiling((hi - lo) / target)
    first = math.floor(lo / step) * step
    ticks = [first]
    while ticks[-1] < hi - 1e-12 * step:
        ticks.append(ticks[-1] + step)
    return [round(t, 10) for t in ticks]


def _decimals(ticks: list[float]) -> int:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    return max(0, min(4, -math.floor(math.log10(step)) + 1)) if step < 1 else 1


def _tick_text(value: float, ticks: list[float]) -> str:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    decimals = max(0, -math.floor(math.log10(step))) if step < 1 else 0
    return f"{value:,.{decimals}f}"


# ------------------------------------------------------------------ change maps
def style_change(layer: QgsVectorLayer, result):
    """A trend study's change on a layer (field `change`): classes symmetric around 0, red = the worse direction.
    Returns the Classification."""
    from ..core.classify import symmetric_breaks
    from ..core.palette import choose_ramp

    values = field_values(layer, "change")
    classification = classify(values, "manual", breaks=symmetric_breaks(values))
    style_layer(layer, "change", classification, choose_ramp(result.entry.get("polarity"), change=True))
    return classification


def change_map(areas: pd.DataFrame, result, out: str | Path) -> None:
    """A diverging map page of a trend study's change (areas: area_code, area_name, geometry)."""
    from ..core.map_study import MapSpec
    from ..core.trend_study import change_map_words
    from .layers import layer_from_frame
    from .maps import render_map

    frame = areas.merge(result.table[["area_code", "change"]], on="area_code", how="left")
    layer = layer_from_frame(frame, result.map_title)
    classification = style_change(layer, result)
    entry = result.entry
    legend, period = change_map_words(entry, result.start, result.end)
    spec = MapSpec(field="change", method="equal steps either side of no change", title=result.map_title,
                   unit=legend, period=period, polarity=None, source=entry.get("source") or "",
                   licence=entry.get("licence") or "", provenance=result.provenance)
    render_map([layer], spec, classification, out)


#: Fingertips' comparison colours (better, similar, worse; higher, lower without a polarity; not compared)
ASSESSMENT_COLOURS = {"better": "#92D050", "similar": "#FFC000", "worse": "#C00000", "higher": "#BED2FF",
                      "lower": "#5555E6", "not compared": "#FFFFFF"}


def style_assessment(layer: QgsVectorLayer, field: str = "assessment_95") -> None:
    """Areas coloured by how they compare with the benchmark, in Fingertips' colours: better / similar / worse
    (higher / similar / lower for an indicator without a polarity)."""
    from qgis.core import QgsCategorizedSymbolRenderer, QgsFillSymbol, QgsRendererCategory

    from .frames import read_frame

    if field == "assessment_95" and set(read_frame(layer, text=[field])[field]) <= {"not compared"}:
        field = "vs_benchmark_95"  # no polarity: higher / similar / lower
    categories = []
    for label, colour in ASSESSMENT_COLOURS.items():
        symbol = QgsFillSymbol.createSimple({"color": colour, "outline_color": "#636363", "outline_width": "0.15"})
        categories.append(QgsRendererCategory(label, symbol, label.capitalize()))
    layer.setRenderer(QgsCategorizedSymbolRenderer(field, categories))
    layer.triggerRepaint()

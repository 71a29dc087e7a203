"""An inequality across deprivation quantiles drawn like our other charts (QPainter): one bar per quantile, as wide
as its share of the population and placed at its relative rank (most deprived on the left), its 95% interval as
a whisker, and the slope index of inequality as the fitted line from one end to the other; the facts in words
below it."""

from __future__ import annotations

from pathlib import Path

from qgis.PyQt.QtCore import QPointF, QRectF, Qt
from qgis.PyQt.QtGui import QColor, QPainterPath, QPen

from ..core.errors import LisError
from .charts import _text, _tick_text, _ticks, canvas, made_line, save_png

BAR = "#9ecae1"
BAR_EDGE = "#4292c6"
LINE = "#404040"
FIT = "#cb181d"


def inequality_chart(result, out: str | Path, *, width: int = 2400) -> Path:
    """Draw an InequalityResult (core.inequality_study) to a PNG; returns its path."""
    table = result.table
    if table.empty:
        raise LisError("There are no quantiles to draw.")
    px = width / 2400
    height = int(1330 * px)
    image, painter = canvas(width, height)
    margin = 70 * px
    _text(painter, QRectF(margin, 40 * px, width - 2 * margin, 56 * px), result.title, 40 * px, bold=True)
    _text(painter, QRectF(margin, 100 * px, width - 2 * margin, 40 * px), result.subtitle, 25 * px,
          colour="#525252")
    plot = QRectF(margin + 120 * px, 180 * px, width - 2 * margin - 140 * px, 850 * px)
    ends = [result.intercept, result.intercept + result.sii]
    top = max(float(table["upper_95"].max()), *ends)
    y_ticks = _ticks(0.0, top, 6)
    y1 = y_ticks[-1]

    def at(rank: float, v: float) -> QPointF:
        return QPointF(plot.left() + rank * plot.width(), plot.bottom() - v / y1 * plot.height())

    for y in y_ticks:
        painter.setPen(QPen(QColor("#e0e0e0"), 1.5 * px))
        painter.drawLine(at(0, y), at(1, y))
        _text(painter, QRectF(plot.left() - 115 * px, at(0, y).y() - 15 * px, 105 * px, 30 * px),
              _tick_text(y, y_ticks), 21 * px, colour=LINE, align=Qt.AlignmentFlag.AlignRight
              | Qt.AlignmentFlag.AlignVCenter)
    shares = table["denominator"] / table["denominator"].sum()
    start = 0.0
    for row, share in zip(table.itertuples(index=False), shares):
        left, right = at(start, 0), at(start + share, row.value)
        painter.setPen(QPen(QColor(BAR_EDGE), 1.5 * px))
        painter.setBrush(QColor(BAR))
        painter.drawRect(QRectF(left.x() + 2 * px, right.y(), right.x() - left.x() - 4 * px, left.y() - right.y()))
        middle = start + share / 2
        painter.setPen(QPen(QColor(LINE), 2.5 * px))
        painter.drawLine(at(middle, row.lower_95), at(middle, row.upper_95))
        for v in (row.lower_95, row.upper_95):
            p = at(middle, v)
            painter.drawLine(QPointF(p.x() - 8 * px, p.y()), QPointF(p.x() + 8 * px, p.y()))
        _text(painter, QRectF(at(middle, 0).x() - 60 * px, plot.bottom() + 8 * px, 120 * px, 30 * px),
              str(row.quantile), 21 * px, colour=LINE, align=Qt.AlignmentFlag.AlignHCenter
              | Qt.AlignmentFlag.AlignTop)
        start += share
    painter.setBrush(Qt.BrushStyle.NoBrush)
    pen = QPen(QColor(FIT), 4 * px)
    pen.setStyle(Qt.PenStyle.DashLine)
    painter.setPen(pen)
    ranks, fitted = result.curve()
    path = QPainterPath(at(float(ranks[0]), float(fitted[0])))
    for rank, value in zip(ranks[1:], fitted[1:]):
        path.lineTo(at(float(rank), float(value)))
    painter.drawPath(path)
    painter.setPen(QPen(QColor(FIT), 2 * px))
    painter.setBrush(QColor(FIT))
    for rank, value in ((0.0, ends[0]), (1.0, ends[1])):  # the two ends the SII joins
        painter.drawEllipse(at(rank, value), 8 * px, 8 * px)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    painter.setPen(QPen(QColor(LINE), 2 * px))
    painter.drawRect(plot)
    _text(painter, QRectF(plot.left(), plot.bottom() + 44 * px, plot.width(), 34 * px),
          f"{result.quantile_word.capitalize()}, 1 = most deprived (bar width: its share of the population)",
          23 * px, colour=LINE,
          align=Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
    painter.save()
    painter.translate(margin + 10 * px, plot.center().y())
    painter.rotate(-90)
    _text(painter, QRectF(-plot.height() / 2, -10 * px, plot.height(), 34 * px), f"Value ({result.unit})", 23 * px,
          colour=LINE, align=Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
    painter.restore()
    key_y = plot.bottom() + 95 * px
    painter.setPen(pen)
    painter.drawLine(QPointF(margin, key_y + 15 * px), QPointF(margin + 60 * px, key_y + 15 * px))
    _text(painter, QRectF(margin + 72 * px, key_y, 900 * px, 30 * px),
          "Fitted line; its two ends (dots) give the slope index of inequality", 20 * px)
    painter.setPen(QPen(QColor(LINE), 2.5 * px))
    painter.drawLine(QPointF(margin + 1150 * px, key_y + 2 * px), QPointF(margin + 1150 * px, key_y + 28 * px))
    _text(painter, QRectF(margin + 1170 * px, key_y, 700 * px, 30 * px), "95% confidence interval", 20 * px)
    made = made_line()
    words = "\n".join([result.summary, *result.notes, made])
    _text(painter, QRectF(margin, key_y + 50 * px, width - 2 * margin, height - key_y - 60 * px), words, 20 * px,
          colour="#404040", wrap=True, align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return save_png(image, painter, out)

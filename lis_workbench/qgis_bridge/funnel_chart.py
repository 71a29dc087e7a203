"""A comparison drawn as a funnel plot (QPainter, like the trend charts): each area's value against its
denominator, the benchmark line and the 95% (dashed) and 99.8% (solid) limits, areas coloured by Fingertips'
comparison colours, the furthest areas beyond the 99.8% limits named, and the chart's facts in words below it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from qgis.PyQt.QtCore import QPointF, QRectF, Qt
from qgis.PyQt.QtGui import QColor, QFontMetrics, QPainterPath, QPen

from ..core.errors import LisError
from .charts import ASSESSMENT_COLOURS, _font, _text, _tick_text, _ticks, canvas, made_line, save_png

LINE = "#404040"
BENCHMARK = "#000000"
ORDER = ("better", "similar", "worse", "higher", "lower")


def funnel_chart(view, out: str | Path, *, footer: str = "", width: int = 2400, named: int = 8) -> Path:
    """Draw a FunnelView (core.compare_study.funnel) to a PNG; returns its path."""
    points, lines = view.points, view.lines
    if points.empty:
        raise LisError("There are no areas with values to draw in the funnel plot.")
    px = width / 2400
    height = int(1500 * px)
    image, painter = canvas(width, height)
    margin = 70 * px
    _text(painter, QRectF(margin, 40 * px, width - 2 * margin, 56 * px), view.title, 40 * px, bold=True)
    _text(painter, QRectF(margin, 100 * px, width - 2 * margin, 40 * px), view.subtitle, 25 * px, colour="#525252")

    legend_w = 470 * px
    plot = QRectF(margin + 120 * px, 180 * px, width - 2 * margin - 120 * px - legend_w, 1000 * px)
    n_lo, n_hi = float(points["denominator"].min()), float(points["denominator"].max())
    inside = lines[(lines["denominator"] >= n_lo * 0.9) & (lines["denominator"] <= n_hi * 1.05)]
    y_values = np.concatenate([points["value"].to_numpy(float), inside["lower_99_8"].to_numpy(float),
                               inside["upper_99_8"].to_numpy(float), [float(lines["benchmark"].iloc[0])]])
    y_ticks = _ticks(float(np.nanmin(y_values)), float(np.nanmax(y_values)), 6)
    x_ticks = _ticks(0.0, n_hi * 1.05, 6)
    y0, y1, x1 = y_ticks[0], y_ticks[-1], x_ticks[-1]

    def at(n: float, v: float) -> QPointF:
        return QPointF(plot.left() + n / x1 * plot.width(), plot.bottom() - (v - y0) / (y1 - y0) * plot.height())

    grid = QPen(QColor("#e0e0e0"), 1.5 * px)
    for y in y_ticks:
        painter.setPen(grid)
        painter.drawLine(at(0, y), at(x1, y))
        _text(painter, QRectF(plot.left() - 115 * px, at(0, y).y() - 15 * px, 105 * px, 30 * px),
              _tick_text(y, y_ticks), 21 * px, colour=LINE, align=Qt.AlignmentFlag.AlignRight
              | Qt.AlignmentFlag.AlignVCenter)
    for x in x_ticks:
        _text(painter, QRectF(at(x, y0).x() - 80 * px, plot.bottom() + 8 * px, 160 * px, 30 * px),
              _tick_text(x, x_ticks), 21 * px, colour=LINE, align=Qt.AlignmentFlag.AlignHCenter
              | Qt.AlignmentFlag.AlignTop)
    painter.setPen(QPen(QColor(LINE), 2 * px))
    painter.drawRect(plot)
    _text(painter, QRectF(plot.left(), plot.bottom() + 44 * px, plot.width(), 34 * px), view.x_label, 23 * px,
          colour=LINE, align=Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
    painter.save()
    painter.translate(margin + 10 * px, plot.center().y())
    painter.rotate(-90)
    _text(painter, QRectF(-plot.height() / 2, -10 * px, plot.height(), 34 * px), view.y_label, 23 * px,
          colour=LINE, align=Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
    painter.restore()

    painter.setClipRect(plot)
    painter.setPen(QPen(QColor(BENCHMARK), 2.5 * px))
    benchmark = float(lines["benchmark"].iloc[0])
    painter.drawLine(at(0, benchmark), at(x1, benchmark))
    for column, style, weight in (("lower_95", Qt.PenStyle.DashLine, 2.5), ("upper_95", Qt.PenStyle.DashLine, 2.5),
                                  ("lower_99_8", Qt.PenStyle.SolidLine, 3.0),
                                  ("upper_99_8", Qt.PenStyle.SolidLine, 3.0)):
        pen = QPen(QColor(LINE), weight * px)
        pen.setStyle(style)
        painter.setPen(pen)
        path = QPainterPath()
        for k, (n, v) in enumerate(zip(lines["denominator"], lines[column])):
            point = at(float(n), float(v))
            path.moveTo(point) if k == 0 else path.lineTo(point)
        painter.drawPath(path)
    radius = 9 * px
    for row in points.sort_values("verdict", key=lambda s: s == "similar", ascending=False).itertuples():
        painter.setPen(QPen(QColor(LINE), 1.5 * px))
        painter.setBrush(QColor(ASSESSMENT_COLOURS.get(row.verdict, "#ffffff")))
        painter.drawEllipse(at(row.denominator, row.value), radius, radius)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    placed: list[QRectF] = []
    labels = points.set_index("area_code")
    for code in view.outliers[:named]:
        row = labels.loc[code]
        name = str(row["label"])
        point = at(float(row["denominator"]), float(row["value"]))
        right = point.x() < plot.right() - 300 * px
        width_text = QFontMetrics(_font(19 * px)).horizontalAdvance(name) + 6 * px
        for shift in (0, 1, -1, 2, -2, 3, -3):  # the nearest free line beside the point
            box = QRectF(point.x() + 14 * px if right else point.x() - 14 * px - width_text,
                         point.y() - 14 * px + shift * 28 * px, width_text, 28 * px)
            if not any(box.intersects(other) for other in placed):
                break
        placed.append(box)
        if shift:  # moved off its point: a thin line leads back to it
            painter.setPen(QPen(QColor("#737373"), 1.2 * px))
            painter.drawLine(point, QPointF(box.left() - 2 * px if right else box.right() + 2 * px, box.center().y()))
        _text(painter, box, name, 19 * px, colour="#252525", align=Qt.AlignmentFlag.AlignLeft
              | Qt.AlignmentFlag.AlignVCenter)
    painter.setClipping(False)

    _legend(painter, QRectF(plot.right() + 40 * px, plot.top(), legend_w - 50 * px, plot.height()), points, px)
    made = made_line()
    words = view.summary + ("\n" + footer if footer else "") + "\n" + made
    _text(painter, QRectF(margin, plot.bottom() + 95 * px, width - 2 * margin, height - plot.bottom() - 110 * px),
          words, 20 * px, colour="#404040", wrap=True, align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    return save_png(image, painter, out)


def _legend(painter, box: QRectF, points, px: float) -> None:
    """The key: each colour with its words and how many areas have it, then the three lines."""
    y = box.top()
    _text(painter, QRectF(box.left(), y, box.width(), 64 * px), "Compared with the benchmark at 95%", 21 * px,
          bold=True, wrap=True, align=Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    y += 76 * px
    counts = points["verdict"].value_counts()
    for verdict in ORDER:
        if not counts.get(verdict):
            continue
        painter.setPen(QPen(QColor(LINE), 1.5 * px))
        painter.setBrush(QColor(ASSESSMENT_COLOURS[verdict]))
        painter.drawEllipse(QPointF(box.left() + 12 * px, y + 15 * px), 10 * px, 10 * px)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        _text(painter, QRectF(box.left() + 34 * px, y, box.width() - 34 * px, 30 * px),
              f"{verdict.capitalize()} ({counts[verdict]})", 20 * px)
        y += 38 * px
    y += 20 * px
    for words, style, weight, colour in (("Benchmark", Qt.PenStyle.SolidLine, 2.5, BENCHMARK),
                                         ("95% limits", Qt.PenStyle.DashLine, 2.5, LINE),
                                         ("99.8% limits", Qt.PenStyle.SolidLine, 3.0, LINE)):
        pen = QPen(QColor(colour), weight * px)
        pen.setStyle(style)
        painter.setPen(pen)
        painter.drawLine(QPointF(box.left(), y + 15 * px), QPointF(box.left() + 50 * px, y + 15 * px))
        _text(painter, QRectF(box.left() + 62 * px, y, box.width() - 62 * px, 30 * px), words, 20 * px)
        y += 38 * px

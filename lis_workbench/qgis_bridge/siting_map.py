"""Siting results as QGIS layers a cabinet member can read: chosen sites ranked and starred, existing sites,
allocation lines, demand areas within reach or in the gap; the map page and the coverage-curve chart."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from qgis.core import (
    Qgis,
    QgsCategorizedSymbolRenderer,
    QgsFillSymbol,
    QgsGeometry,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsPointXY,
    QgsRendererCategory,
    QgsSingleSymbolRenderer,
    QgsTextFormat,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtCore import QPointF, QRectF, Qt
from qgis.PyQt.QtGui import QColor, QFont, QImage, QPainter, QPen

from ..core.siting.plan import SitingOutcome
from .layers import layer_from_frame

# Placement around a point: QgsPalLayerSettings.Placement until 3.26, Qgis.LabelPlacement after.
LABEL_AROUND_POINT = getattr(Qgis, "LabelPlacement", QgsPalLayerSettings.Placement).AroundPoint  # qt6: ok
#: A chosen site's label: its rank, then its name from the candidates layer when it has one.
SITE_LABEL = ("CASE WHEN \"status\" = 'new' THEN to_string(to_int(\"rank\")) || "
              "if(coalesce(attribute('name'), '') <> '', '. ' || attribute('name'), '') "
              "ELSE '' END")
SERVICE = {"reach": "Within reach", "gap": "Beyond reach: a gap", "none": "No demand counted"}
SITE_STATUS = {"new": "New site (chosen)", "existing": "Existing site", "candidate": "Candidate, not chosen"}


def _points(x, y) -> list[bytes]:
    return [bytes(QgsGeometry.fromPointXY(QgsPointXY(float(a), float(b))).asWkb()) for a, b in zip(x, y)]


def outcome_layers(outcome: SitingOutcome, polygons: dict[str, bytes] | None,
                   demand_title: str) -> tuple[QgsVectorLayer, QgsVectorLayer, QgsVectorLayer]:
    """(sites, allocation lines, demand areas) as styled memory layers."""
    sites = outcome.sites.drop(columns=[c for c in ("capacity",) if c in outcome.sites.columns and
                                        outcome.sites[c].isna().all()])
    sites = sites.assign(existing=sites["existing"].astype(int), geometry=_points(sites["x"], sites["y"]))
    site_layer = layer_from_frame(sites, "Sites", "Point")
    style_sites(site_layer)
    lines = outcome.allocation.copy()
    lines["geometry"] = [bytes(QgsGeometry.fromPolylineXY([QgsPointXY(a, b), QgsPointXY(c, d)]).asWkb())
                         for a, b, c, d in lines[["x1", "y1", "x2", "y2"]].itertuples(index=False)]
    line_layer = layer_from_frame(lines.drop(columns=["x1", "y1", "x2", "y2"]), "Allocation", "LineString")
    style_allocation(line_layer)
    demand = with_service(outcome.demand)
    if polygons:
        demand["geometry"] = demand["area_code"].map(polygons)
        demand_layer = layer_from_frame(demand, _wrap(demand_title))
    else:
        demand["geometry"] = _points(demand["x"], demand["y"])
        demand_layer = layer_from_frame(demand, _wrap(demand_title), "Point")
    style_demand(demand_layer, polygons is not None)
    return site_layer, line_layer, demand_layer


def with_service(demand: pd.DataFrame) -> pd.DataFrame:
    """The demand table with its `service` words (within reach, a gap, no demand), which the map is coloured by."""
    demand = demand.copy()
    demand["service"] = np.where(demand["weight"] <= 0, SERVICE["none"],
                                 np.where(demand["covered"] == 1, SERVICE["reach"], SERVICE["gap"]))
    demand["covered"] = demand["covered"].astype(int)
    return demand


def style_allocation(layer: QgsVectorLayer) -> None:
    """Thin grey lines from each demand area to its site."""
    layer.setRenderer(QgsSingleSymbolRenderer(QgsLineSymbol.createSimple({"color": "#737373", "width": "0.2"})))


def _wrap(text: str, width: int = 34) -> str:
    """Legend names wrap on "~" (the layout's wrap string)."""
    import textwrap

    return "~".join(textwrap.wrap(text, width)) or text


def style_sites(layer: QgsVectorLayer) -> None:
    """New sites: large magenta stars named with their rank and name ("1. Westfield Community School"); existing:
    black squares; others: small dots."""
    looks = [("new", {"name": "star", "color": "#c51b7d", "outline_color": "#ffffff", "size": "5.5"}),
             ("existing", {"name": "square", "color": "#252525", "outline_color": "#ffffff", "size": "3.2"}),
             ("candidate", {"name": "circle", "color": "#bdbdbd", "outline_color": "#737373", "size": "1.4"})]
    categories = [QgsRendererCategory(key, QgsMarkerSymbol.createSimple(props), SITE_STATUS[key])
                  for key, props in looks]
    layer.setRenderer(QgsCategorizedSymbolRenderer("status", categories))
    settings = QgsPalLayerSettings()
    settings.fieldName = SITE_LABEL
    settings.isExpression = True
    text = QgsTextFormat()
    font = QFont("DejaVu Sans")
    font.setBold(True)
    text.setFont(font)
    text.setSize(8)
    text.setColor(QColor("#8e0152"))
    buffer = text.buffer()
    buffer.setEnabled(True)
    buffer.setSize(1.0)
    buffer.setColor(QColor("white"))
    text.setBuffer(buffer)
    settings.setFormat(text)
    settings.placement = LABEL_AROUND_POINT
    settings.dist = 1.5
    settings.autoWrapLength = 24
    settings.displayAll = True  # a chosen site is always named, even where names crowd
    settings.priority = 10
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


def style_demand(layer: QgsVectorLayer, polygons: bool) -> None:
    """Areas within reach in green, the gap in orange-red, areas with no demand counted in pale grey."""
    colours = [(SERVICE["reach"], "#a6dba0"), (SERVICE["gap"], "#f46d43"), (SERVICE["none"], "#f0f0f0")]
    categories = []
    for label, colour in colours:
        if polygons:
            symbol = QgsFillSymbol.createSimple({"color": colour, "outline_color": "#969696", "outline_width": "0.1"})
        else:
            symbol = QgsMarkerSymbol.createSimple({"name": "circle", "color": colour, "size": "2"})
        categories.append(QgsRendererCategory(label, symbol, label))
    layer.setRenderer(QgsCategorizedSymbolRenderer("service", categories))


CURVE_TITLES = {"mclp": "Demand within reach by number of new sites",
                "pmedian": "Average distance by number of new sites"}


def curve_png(curve: pd.DataFrame, out: str | Path, model: str, unit_label: str,
              chosen: int | None = None, subtitle: str = "") -> None:
    """A line chart of demand covered (or average distance) against the number of new sites, with the values
    printed at each point and the chosen number marked; the curve runs on past it (dashed, to 2p or until sites
    stop adding), so a planner sees where extra sites stop paying off."""
    title = CURVE_TITLES[model]
    width, height = 1400, 800
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont("DejaVu Sans")
    left, right, top, bottom = 150, 90, 120, 120
    plot = QRectF(left, top, width - left - right, height - top - bottom)
    if model == "pmedian":
        values = curve["objective"].to_numpy(float) / max(float(curve.attrs.get("total_demand", 1.0)), 1e-12)
        axis_label = f"Average distance to nearest site ({unit_label})"
    else:
        values = curve["covered_share"].to_numpy(float) * 100
        axis_label = "Demand within reach (%)"
    ks = curve["new_sites"].to_numpy(int)
    y_max = max(float(np.nanmax(values)) * 1.15, 1e-9) if model == "pmedian" else 100.0
    x_max = max(int(ks.max()), 1)

    def at(k, v):
        return QPointF(plot.left() + plot.width() * (k - ks.min()) / max(x_max - ks.min(), 1),
                       plot.bottom() - plot.height() * v / y_max)

    font.setPointSize(22)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor("#252525"))
    painter.drawText(QRectF(40, 15, width - 80, 50), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
    font.setBold(False)
    font.setPointSize(14)
    painter.setFont(font)
    painter.setPen(QColor("#525252"))
    painter.drawText(QRectF(40, 65, width - 80, 35), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                     subtitle)
    painter.setPen(QPen(QColor("#d9d9d9"), 1))
    for i in range(6):
        y = plot.bottom() - plot.height() * i / 5
        painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
    painter.setPen(QColor("#525252"))
    for i in range(6):
        v = y_max * i / 5
        y = plot.bottom() - plot.height() * i / 5
        painter.drawText(QRectF(10, y - 15, left - 20, 30),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, f"{v:,.0f}")
    for k in ks:
        p = at(k, 0)
        painter.drawText(QRectF(p.x() - 40, plot.bottom() + 10, 80, 30), Qt.AlignmentFlag.AlignCenter, str(k))
    painter.drawText(QRectF(plot.left(), height - 70, plot.width(), 40), Qt.AlignmentFlag.AlignCenter,
                     "Number of new sites")
    painter.save()
    painter.translate(35, plot.center().y())
    painter.rotate(-90)
    painter.drawText(QRectF(-plot.height() / 2, -25, plot.height(), 50), Qt.AlignmentFlag.AlignCenter, axis_label)
    painter.restore()
    painter.setPen(QPen(QColor("#525252"), 2))
    painter.drawLine(plot.bottomLeft(), plot.bottomRight())
    painter.drawLine(plot.bottomLeft(), plot.topLeft())
    if chosen is not None and ks.min() <= chosen <= ks.max():
        top, foot = at(chosen, y_max), at(chosen, 0)
        painter.setPen(QPen(QColor("#8c8c8c"), 2, Qt.PenStyle.DashLine))
        painter.drawLine(top, foot)
        painter.setPen(QColor("#252525"))
        painter.drawText(QRectF(top.x() + 10, plot.top() + 5, 400, 30),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"Chosen: {chosen} new site(s)")
    points = [at(k, v) for k, v in zip(ks, values)]
    for k, a, b in zip(ks[1:], points, points[1:]):
        beyond = chosen is not None and k > chosen  # what more sites would add: the same line, dashed
        painter.setPen(QPen(QColor("#c51b7d"), 4, Qt.PenStyle.DashLine if beyond else Qt.PenStyle.SolidLine))
        painter.drawLine(a, b)
    for k, p, v in zip(ks, points, values):
        big = chosen is not None and k == chosen
        painter.setBrush(QColor("#c51b7d") if big else QColor("white"))
        painter.setPen(QPen(QColor("#c51b7d"), 3))
        r = 10 if big else 7
        painter.drawEllipse(p, r, r)
        painter.setPen(QColor("#252525"))
        text = f"{v:,.0f}" if model == "pmedian" else f"{v:.0f}%"
        painter.drawText(QRectF(p.x() - 60, p.y() - 45, 120, 30), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    if not image.save(str(out)):
        raise OSError(f"Could not write the chart {out}.")

"""Print layouts for maps, atlases and profiles: one A4 page with title, map, legend, scale bar, north
arrow and a source / provenance footer. Items are found by id, so a user's .qpt template can move them."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsFillSymbol,
    QgsLayoutExporter,
    QgsLayoutItem,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemMap,
    QgsLayoutItemPicture,
    QgsLayoutItemScaleBar,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsLegendStyle,
    QgsPrintLayout,
    QgsProject,
    QgsReadWriteContext,
    QgsRectangle,
    QgsScaleBarSettings,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QColor, QFont
from qgis.PyQt.QtXml import QDomDocument

from ..core.errors import LisError
from ..core.scale_bar import scale_bar_step
from ..core.text_fit import wrap
from .compat import set_label_font, set_legend_font

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
NORTH_ARROW = RESOURCES / "icons" / "north.svg"
MAP_TEMPLATE = RESOURCES / "layouts" / "map_a4_landscape.qpt"
FONT = "DejaVu Sans"
REQUIRED_ITEMS = ("title", "subtitle", "map", "legend", "footer")
LOCATOR_AT, LOCATOR_SIZE = (215.0, 137.0), (72.0, 48.0)  # the right column's foot, level with the map's bottom


def fit_text(text: str, width_mm: float, size_pt: float, bold: bool = False, lines: int = 1) -> str:
    """Text cut to `lines` lines of a label `width_mm` wide at `size_pt` (the last ending in an ellipsis)."""
    return "\n".join(wrap(text, width_mm, size_pt * 25.4 / 72, max_lines=lines, bold=bold))


def fit_to_label(label: QgsLayoutItemLabel, text: str, lines: int = 1) -> str:
    """Text cut to fit a layout label's width at its font (so a 300-character name cannot run over the page)."""
    font = label.textFormat().font() if hasattr(label, "textFormat") else label.font()
    size = label.textFormat().size() if hasattr(label, "textFormat") else font.pointSizeF()
    return fit_text(text, label.rect().width(), size, font.bold(), lines)


def _label(layout, item_id: str, x: float, y: float, w: float, h: float, size: float, bold: bool = False,
           colour: str = "#252525") -> QgsLayoutItemLabel:
    label = QgsLayoutItemLabel(layout)
    label.setId(item_id)
    font = QFont(FONT)
    font.setPointSizeF(size)
    font.setBold(bold)
    set_label_font(label, font, QColor(colour))
    label.setText(item_id)
    label.setMode(QgsLayoutItemLabel.Mode.ModeFont)
    label.setHAlign(Qt.AlignmentFlag.AlignLeft)  # not QGIS's default, justified, which spreads a line word by word
    label.setVAlign(Qt.AlignmentFlag.AlignTop)
    layout.addLayoutItem(label)
    label.attemptMove(QgsLayoutPoint(x, y, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    label.attemptResize(QgsLayoutSize(w, h, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    return label


def build_default_layout(project: QgsProject, name: str = "LIS map") -> QgsPrintLayout:
    """The built-in A4 landscape page (what resources/layouts/map_a4_landscape.qpt holds)."""
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()  # one A4 landscape page
    layout.setName(name)
    # made first, so the .qpt lists it after the main map: in the other order QGIS 3.22 printed
    # "proj_create: unrecognized format" on every load of the template
    locator = QgsLayoutItemMap(layout)
    locator.setId("locator")
    locator.setFrameEnabled(True)
    locator.setFrameStrokeColor(QColor("#969696"))
    locator.setCrs(QgsCoordinateReferenceSystem("EPSG:27700"))
    layout.addLayoutItem(locator)
    locator.attemptMove(QgsLayoutPoint(*LOCATOR_AT, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    locator.attemptResize(QgsLayoutSize(*LOCATOR_SIZE, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    locator.setVisibility(False)  # shown by the pages that need it (atlas pages: add_locator)
    _label(layout, "title", 10, 8, 277, 10, 17, bold=True)
    _label(layout, "subtitle", 10, 18, 277, 7, 10, colour="#525252")
    map_item = QgsLayoutItemMap(layout)
    map_item.setId("map")
    map_item.setFrameEnabled(True)
    map_item.setFrameStrokeColor(QColor("#bdbdbd"))
    map_item.setCrs(QgsCoordinateReferenceSystem("EPSG:27700"))
    layout.addLayoutItem(map_item)
    map_item.attemptMove(QgsLayoutPoint(10, 27, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    map_item.attemptResize(QgsLayoutSize(200, 158, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    legend = QgsLayoutItemLegend(layout)
    legend.setId("legend")
    legend.setLinkedMap(map_item)
    legend.setAutoUpdateModel(False)
    layout.addLayoutItem(legend)
    legend.attemptMove(QgsLayoutPoint(215, 27, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    north = QgsLayoutItemPicture(layout)
    north.setId("north")
    north.setPicturePath(str(NORTH_ARROW))
    layout.addLayoutItem(north)
    north.attemptMove(QgsLayoutPoint(198, 29, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    north.attemptResize(QgsLayoutSize(9, 13, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    scalebar = QgsLayoutItemScaleBar(layout)
    scalebar.setId("scalebar")
    scalebar.setLinkedMap(map_item)
    style_scale_bar(scalebar)
    layout.addLayoutItem(scalebar)
    # anchored by its lower-left corner inside the map frame, so a longer or shorter bar never crosses the frame
    scalebar.setReferencePoint(QgsLayoutItem.ReferencePoint.LowerLeft)
    scalebar.attemptMove(QgsLayoutPoint(14, 181, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    for item in (scalebar, north):  # place names keep clear of them
        map_item.addLabelBlockingItem(item)
    _label(layout, "footer", 10, 188, 277, 18, 7, colour="#525252")
    return layout


def style_scale_bar(scalebar: QgsLayoutItemScaleBar) -> None:
    """Two black-and-white segments with haloed labels and no box (a box overlapping the map frame broke its
    line); the segment length is set per page by fit_scale_bar."""
    scalebar.setStyle("Single Box")
    scalebar.setUnits(QgsUnitTypes.DistanceUnit.DistanceKilometers)
    scalebar.setUnitLabel("km")
    scalebar.setNumberOfSegments(2)
    scalebar.setNumberOfSegmentsLeft(0)
    scalebar.setUnitsPerSegment(1)
    scalebar.setSegmentSizeMode(QgsScaleBarSettings.SegmentSizeMode.SegmentSizeFixed)
    scalebar.setHeight(1.8)
    scalebar.setLabelBarSpace(1.2)
    scalebar.setBoxContentSpace(0.5)
    scalebar.setBackgroundEnabled(False)
    scalebar.setFrameEnabled(False)
    text = QgsTextFormat()
    text.setFont(QFont(FONT))
    text.setSize(8)
    text.setColor(QColor("#252525"))
    buffer = text.buffer()
    buffer.setEnabled(True)
    buffer.setSize(0.8)
    buffer.setColor(QColor("white"))
    text.setBuffer(buffer)
    scalebar.setTextFormat(text)


def fit_scale_bar(layout: QgsPrintLayout) -> None:
    """Give the layout's scale bar nice steps (core.scale_bar: 0-1-2 km, 0-200-400 m) for its map's scale now;
    an atlas calls it again on every page."""
    scalebar = layout.itemById("scalebar")
    if not isinstance(scalebar, QgsLayoutItemScaleBar) or scalebar.linkedMap() is None:
        return
    map_item = scalebar.linkedMap()
    width_mm = map_item.sizeWithUnits().width()
    if not map_item.scale() > 0 or not width_mm > 0:
        return
    # the map's scale is paper to ground in its CRS's units; British National Grid is in metres
    step = scale_bar_step(map_item.scale() / 1000.0, width_mm)
    km = step.unit == "km"
    scalebar.setUnits(QgsUnitTypes.DistanceUnit.DistanceKilometers if km else QgsUnitTypes.DistanceUnit.DistanceMeters)
    scalebar.setUnitLabel(step.unit)
    scalebar.setNumberOfSegments(step.segments)
    scalebar.setNumberOfSegmentsLeft(0)
    scalebar.setSegmentSizeMode(QgsScaleBarSettings.SegmentSizeMode.SegmentSizeFixed)
    scalebar.setUnitsPerSegment(step.units_per_segment)
    scalebar.update()


def add_locator(layout: QgsPrintLayout, areas: QgsVectorLayer, whole: QgsRectangle | None = None) -> bool:
    """Show the layout's locator: `areas` (a layer styled to pick out the page's area) over their whole extent,
    with the main map's extent outlined. False (and hidden) when the layout has no locator item or the legend
    reaches down to it."""
    locator, map_item, legend = (layout.itemById(i) for i in ("locator", "map", "legend"))
    if not isinstance(locator, QgsLayoutItemMap) or map_item is None:
        return False
    if legend is not None:
        legend_foot = legend.positionWithUnits().y() + legend.sizeWithUnits().height()
        if legend_foot > locator.positionWithUnits().y() - 2:
            locator.setVisibility(False)
            return False
    locator.setLayers([areas])
    locator.setCrs(areas.crs())
    locator.setKeepLayerSet(True)
    locator.setAtlasDriven(False)
    extent = QgsRectangle(whole or areas.extent())
    extent.scale(1.04)
    fit_map(locator, extent)
    overview = locator.overview()
    overview.setLinkedMap(map_item)
    overview.setFrameSymbol(QgsFillSymbol.createSimple({"style": "no", "outline_color": "#c51b7d",
                                                        "outline_width": "0.5"}))
    overview.setEnabled(True)
    locator.setVisibility(True)
    return True


def load_layout(project: QgsProject, template: str | Path | None = None, name: str = "LIS map") -> QgsPrintLayout:
    """A layout from a .qpt template (the built-in one when None), checked for the items we fill."""
    path = Path(template) if template else MAP_TEMPLATE
    if not path.exists():
        if template:
            raise LisError(f"The layout template {path} does not exist.")
        return build_default_layout(project, name)
    document = QDomDocument()
    if not document.setContent(path.read_text(encoding="utf-8")):
        raise LisError(f"The layout template {path} is not a QGIS print layout (.qpt) file.")
    layout = QgsPrintLayout(project)
    layout.loadFromTemplate(document, QgsReadWriteContext())
    layout.setName(name)
    north = layout.itemById("north")
    if north is not None and not Path(north.picturePath()).is_absolute():
        north.setPicturePath(str(RESOURCES / "icons" / Path(north.picturePath()).name))  # relative to our icons
    missing = [i for i in REQUIRED_ITEMS if layout.itemById(i) is None]
    if missing:
        raise LisError(f"The layout template {path} lacks items with id(s) {', '.join(missing)}; "
                       "give its map, legend and labels those ids (Item Properties > Item ID).")
    return layout


def fit_map(map_item: QgsLayoutItemMap, extent) -> None:
    """Show extent in the map item without changing the item's size (setExtent alone resizes the item,
    zoomToExtent alone divides by an empty extent's height)."""
    size = map_item.sizeWithUnits()
    map_item.setExtent(extent)
    map_item.attemptResize(size)
    map_item.zoomToExtent(extent)
    if map_item.layout() is not None:
        fit_scale_bar(map_item.layout())  # the bar's steps follow the scale just set


def set_legend(legend: QgsLayoutItemLegend, map_item: QgsLayoutItemMap, layer, title: str, group: str,
               more: Sequence = ()) -> None:
    """Show one layer's classes under a wrapped title (the unit) and a group line (the period), then any
    further layers (e.g. the sites of a siting map) under their own names."""
    legend.setLinkedMap(map_item)
    legend.setWrapString("~")
    legend.setTitle("~".join(textwrap.wrap(title, 26)) or " ")
    for style, size, bold in ((QgsLegendStyle.Style.Title, 11, True), (QgsLegendStyle.Style.Group, 9, False),
                              (QgsLegendStyle.Style.Subgroup, 9, False), (QgsLegendStyle.Style.SymbolLabel, 8.5,
                                                                          False)):
        font = QFont(FONT)
        font.setPointSizeF(size)
        font.setBold(bold)
        set_legend_font(legend.rstyle(style), font)
    root = legend.model().rootGroup()
    root.clear()
    node = root.addLayer(layer)
    node.setName(group or layer.name())
    for other in more:
        root.addLayer(other)
    legend.adjustBoxSize()


@contextmanager
def layers_in_project(layers) -> Iterator[None]:
    """Put layers in the project while a layout renders them (legends and maps resolve layers there), then take
    them out again, leaving the user's project as it was and the layers still the caller's."""
    project = QgsProject.instance()
    added = [layer for layer in layers if project.mapLayer(layer.id()) is None]
    project.addMapLayers(added, False)
    try:
        yield
    finally:
        for layer in added:
            project.takeMapLayer(layer)


def save_template(layout: QgsPrintLayout, path: str | Path) -> None:
    """Save the page as a .qpt template that travels: our own north arrow is written by its file name (a template
    read back finds it among our icons), never by this machine's path."""
    north = layout.itemById("north")
    kept = north.picturePath() if north is not None else ""
    if north is not None and Path(kept).parent == NORTH_ARROW.parent:
        north.setPicturePath(Path(kept).name)
    try:
        layout.saveAsTemplate(str(path), QgsReadWriteContext())
    finally:
        if north is not None:
            north.setPicturePath(kept)


def set_text(layout: QgsPrintLayout, item_id: str, text: str) -> None:
    item = layout.itemById(item_id)
    if item is not None:
        item.setText(text)


@contextmanager
def quiet_georeferencing():
    """QGIS georeferences an exported image by opening it in GDAL for update, which PNG cannot do; QGIS 3.44's
    GDAL prints `ERROR 6: The PNG driver does not support update access` for every page. The export's own
    result still says whether the image was written."""
    from osgeo import gdal

    gdal.PushErrorHandler("CPLQuietErrorHandler")
    try:
        yield
    finally:
        gdal.PopErrorHandler()


def pdf_settings(dpi: int = 150) -> QgsLayoutExporter.PdfExportSettings:
    """PDF settings for our pages: vector, with real (selectable, searchable) text rather than glyph outlines,
    which keeps a 25-page profile book a few MB instead of tens."""
    settings = QgsLayoutExporter.PdfExportSettings()
    settings.dpi = dpi
    settings.rasterizeWholeImage = False
    settings.textRenderFormat = Qgis.TextRenderFormat.AlwaysText
    return settings


def export(layout: QgsPrintLayout, path: str | Path, dpi: int = 150) -> None:
    """Write the layout to .pdf or .png (by extension), with a clear error on failure."""
    fit_scale_bar(layout)
    exporter = QgsLayoutExporter(layout)
    path = str(path)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    if path.lower().endswith(".pdf"):
        result = exporter.exportToPdf(path, pdf_settings(dpi))
    else:
        settings = QgsLayoutExporter.ImageExportSettings()
        settings.dpi = dpi
        with quiet_georeferencing():
            result = exporter.exportToImage(path, settings)
    if result != QgsLayoutExporter.ExportResult.Success:
        raise LisError(f"Could not write {path} (QGIS layout export error {int(result)}).")

"""Thematic maps: classify a layer's field (engine), style it (ColorBrewer by polarity), save the styled
layer to a GeoPackage with its style as default, and render a captioned map page to PNG or PDF."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

import numpy as np
from qgis.core import (
    QgsCoordinateTransformContext,
    QgsProject,
    QgsRectangle,
    QgsVectorFileWriter,
    QgsVectorLayer,
)

from ..__about__ import __version__
from ..core import map_study
from ..core.errors import LisError
from ..core.map_study import MapSpec, classify_map, map_for_indicator, page_words, subtitle_text
from ..core.palette import choose_ramp
from . import layout as layouts
from .compat import save_default_style
from .frames import read_frame
from .thematic import style_layer


def field_values(layer: QgsVectorLayer, field: str) -> np.ndarray:
    """The field's values as floats (NULL and non-numbers become NaN), in feature order."""
    if layer.fields().indexFromName(field) < 0:
        names = ", ".join(f.name() for f in layer.fields())
        raise LisError(f"Layer '{layer.name()}' has no field '{field}' (its fields: {names}).")
    return read_frame(layer, numeric=[field])[field].to_numpy(float)


def style_thematic(layer: QgsVectorLayer, spec: MapSpec):
    """Classify (core.map_study) and style a layer in place; returns the Classification."""
    classification = classify_map(field_values(layer, spec.field), spec)
    choice = choose_ramp(spec.polarity, spec.method, spec.ramp)
    style_layer(layer, spec.field, classification, choice, spec.labels_field)
    return classification


def save_styled_gpkg(layer: QgsVectorLayer, path: str | Path, layer_name: str | None = None) -> QgsVectorLayer:
    """Write the layer to a GeoPackage and store its style in it as the default, so it opens styled anywhere."""
    path = str(path)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    options.layerName = layer_name or "thematic_map"
    options.actionOnExistingFile = (
        QgsVectorFileWriter.ActionOnExistingFile.CreateOrOverwriteLayer if Path(path).exists()
        else QgsVectorFileWriter.ActionOnExistingFile.CreateOrOverwriteFile)
    if Path(path).exists():
        _forget_styles(path, options.layerName)
    error, message, _new_file, _new_layer = QgsVectorFileWriter.writeAsVectorFormatV3(
        layer, path, QgsCoordinateTransformContext(), options)
    if error != QgsVectorFileWriter.WriterError.NoError:
        raise LisError(f"Could not write {path}: {message}")
    written = QgsVectorLayer(f"{path}|layername={options.layerName}", layer.name(), "ogr")
    written.setRenderer(layer.renderer().clone())
    if layer.labelsEnabled():
        written.setLabeling(layer.labeling().clone())
        written.setLabelsEnabled(True)
    written.setMetadata(layer.metadata())
    message = save_default_style(written, options.layerName, "LIS Workbench thematic map")
    if message:
        raise LisError(f"Could not save the map style into {path}: {message}")
    return written


def _forget_styles(path: str, layer_name: str) -> None:
    """Drop the styles saved for a layer we are about to replace: with an old style row present, QGIS 3.22's
    saveStyleToDatabase hung (seen when re-running `lis map --gpkg` onto the same file)."""
    with contextlib.closing(sqlite3.connect(path, timeout=15)) as conn:
        exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'layer_styles'").fetchone()
        if exists:
            with conn:
                conn.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (layer_name,))


__all__ = ["footer_text", "subtitle_text", "render_map", "style_thematic", "save_styled_gpkg",
           "indicator_map_layer", "field_values"]


def footer_text(spec: MapSpec) -> str:
    return map_study.footer_text(spec, __version__)


def render_map(layers: list[QgsVectorLayer], spec: MapSpec, classification, out: str | Path,
               extent: QgsRectangle | None = None, template: str | None = None,
               legend_more: list[QgsVectorLayer] | None = None) -> None:
    """Render a one-page map (title, subtitle, legend, scale bar, north arrow, footer) to PNG or PDF.
    The first layer is drawn on top and leads the legend; ``legend_more`` are listed after it."""
    with layouts.layers_in_project(layers):
        _render_page(QgsProject.instance(), layers, spec, classification, out, extent, template, legend_more or [])


def _render_page(project, layers, spec, classification, out, extent, template, legend_more=()) -> None:
    page = layouts.load_layout(project, template)
    map_item = page.itemById("map")
    map_item.setLayers(layers)
    map_item.setCrs(layers[0].crs())
    target = QgsRectangle(extent or layers[0].extent())
    target.scale(1.05)
    layouts.fit_map(map_item, target)
    title, subtitle, legend_title = page_words(spec, classification)
    layouts.set_legend(page.itemById("legend"), map_item, layers[0], legend_title,
                       map_study.period_words(spec.period), legend_more)
    _set_title(page, title or layers[0].name())
    layouts.set_text(page, "subtitle", subtitle)
    layouts.set_text(page, "footer", footer_text(spec))
    layouts.export(page, out)


def _set_title(page, title: str) -> None:
    """The page title, its font made up to 25% smaller when the whole title would not fit on its line, and only
    then cut (a title should say its place, areas and period, not lose them to an ellipsis)."""
    box = page.itemById("title")
    if box is None:
        return
    for _ in range(5):
        if layouts.fit_to_label(box, title) == title:
            break
        if hasattr(box, "textFormat"):
            text_format = box.textFormat()
            text_format.setSize(text_format.size() * 0.94)
            box.setTextFormat(text_format)
        else:  # QGIS before 3.24: the label's own font
            font = box.font()
            font.setPointSizeF(font.pointSizeF() * 0.94)
            box.setFont(font)
    box.setText(layouts.fit_to_label(box, title))


def indicator_map_layer(store, indicator: str, period: str | None, spec: MapSpec):
    """Load an indicator from an open store as a layer and style it; fills the spec's words from the
    catalogue (core.map_study). Returns (layer, classification, spec)."""
    from .layers import indicator_layer

    frame, entry, spec = map_for_indicator(store, indicator, period, spec)
    layer = indicator_layer(frame, f"{entry['title']} ({entry['period']})", entry)
    classification = style_thematic(layer, spec)
    return layer, classification, spec

"""Thematic maps: classify a layer's field (engine), style it (ColorBrewer by polarity), save the styled
layer to a GeoPackage with its style as default, and render a captioned map page to PNG or PDF."""

from __future__ import annotations

import contextlib
import datetime as _dt
import sqlite3
from dataclasses import dataclass
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
from ..core.classify import classify
from ..core.errors import LisError
from ..core.palette import choose_ramp
from . import layout as layouts
from .frames import read_frame
from .thematic import style_layer

POLARITY_WORDS = {"high_is_bad": "higher is worse", "high_is_good": "higher is better", "neutral": ""}


@dataclass
class MapSpec:
    """What to map and how: field, method, classes, breaks, ramp, polarity, and the page's words."""

    field: str = "value"
    method: str = "quantile"
    classes: int = 5
    breaks: list[float] | None = None
    ramp: str | None = None
    polarity: str | None = None
    title: str = ""
    unit: str = ""
    period: str = ""
    source: str = ""
    licence: str = ""
    provenance: str = ""
    labels_field: str | None = None
    value_type: str = ""
    legend_title: str = ""


def field_values(layer: QgsVectorLayer, field: str) -> np.ndarray:
    """The field's values as floats (NULL and non-numbers become NaN), in feature order."""
    if layer.fields().indexFromName(field) < 0:
        names = ", ".join(f.name() for f in layer.fields())
        raise LisError(f"Layer '{layer.name()}' has no field '{field}' (its fields: {names}).")
    return read_frame(layer, numeric=[field])[field].to_numpy(float)


def style_thematic(layer: QgsVectorLayer, spec: MapSpec):
    """Classify and style a layer in place; returns the Classification."""
    values = field_values(layer, spec.field)
    if spec.method == "decile" and spec.value_type == "decile":
        # Already national deciles (1 = most deprived 10% of England): one class per decile, as published.
        classification = classify(values, "manual", breaks=list(range(1, 11)))
        classification.labels = [f"{d}{' most deprived 10%' if d == 1 else ' least deprived 10%' if d == 10 else ''}"
                                 for d in range(1, 11)][: classification.k]
    else:
        classification = classify(values, spec.method, spec.classes, breaks=spec.breaks,
                                  high_is_bad=spec.polarity != "high_is_good")
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
    options.actionOnExistingFile = (QgsVectorFileWriter.CreateOrOverwriteLayer if Path(path).exists()
                                    else QgsVectorFileWriter.CreateOrOverwriteFile)
    if Path(path).exists():
        _forget_styles(path, options.layerName)
    error, message, _new_file, _new_layer = QgsVectorFileWriter.writeAsVectorFormatV3(
        layer, path, QgsCoordinateTransformContext(), options)
    if error != QgsVectorFileWriter.NoError:
        raise LisError(f"Could not write {path}: {message}")
    written = QgsVectorLayer(f"{path}|layername={options.layerName}", layer.name(), "ogr")
    written.setRenderer(layer.renderer().clone())
    if layer.labelsEnabled():
        written.setLabeling(layer.labeling().clone())
        written.setLabelsEnabled(True)
    written.setMetadata(layer.metadata())
    message = written.saveStyleToDatabase(options.layerName, "LIS Workbench thematic map", True, "")
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


def footer_text(spec: MapSpec) -> str:
    parts = [f"Source: {spec.source}." if spec.source else "",
             f"Licence: {spec.licence}." if spec.licence else "",
             "Contains OS data © Crown copyright and database right. Boundaries: ONS, OGL v3.0."]
    line1 = " ".join(p for p in parts if p)
    line2 = (spec.provenance + " " if spec.provenance else "") + \
        f"Made with LIS Workbench {__version__} on {_dt.date.today().isoformat()}."
    return f"{line1}\n{line2}"


def subtitle_text(spec: MapSpec, classification) -> str:
    method = {"quantile": "quantiles", "equal": "equal intervals", "jenks": "natural breaks (Fisher-Jenks)",
              "stddev": "standard deviations from the mean", "decile": "deciles", "manual": "chosen breaks"}
    classes = f"{classification.k} classes by {method.get(spec.method, spec.method)}" if classification else ""
    bits = [spec.unit, spec.period, classes,
            POLARITY_WORDS.get(spec.polarity or "neutral", "")]
    return " · ".join(b for b in bits if b)


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
    layouts.set_legend(page.itemById("legend"), map_item, layers[0], spec.legend_title or spec.unit or spec.field,
                       spec.period,
                       legend_more)
    layouts.set_text(page, "title", spec.title or layers[0].name())
    layouts.set_text(page, "subtitle", subtitle_text(spec, classification))
    layouts.set_text(page, "footer", footer_text(spec))
    layouts.export(page, out)


def indicator_map_layer(store, indicator: str, period: str | None, spec: MapSpec):
    """Load an indicator from an open store as a layer and style it; fills the spec's words from the
    catalogue. Returns (layer, classification, spec)."""
    from .layers import indicator_layer

    entry = store.indicator(indicator)
    frame = store.get_values(indicator, period, with_geometry=True, all_areas=True)
    period = str(frame["period"].iloc[0]) if len(frame) else (period or "")
    entry.update(period=period, store=Path(store.path).name)
    layer = indicator_layer(frame, f"{entry['title']} ({period})", entry)
    spec.title = spec.title or entry["title"]
    spec.unit = spec.unit or (entry.get("unit") or "")
    spec.period = spec.period or period
    spec.polarity = spec.polarity or entry.get("polarity")
    spec.value_type = spec.value_type or (entry.get("value_type") or "")
    spec.source = spec.source or (entry.get("source") or "")
    spec.licence = spec.licence or (entry.get("licence") or "")
    spec.provenance = spec.provenance or (
        f"Indicator {indicator}, period {period}, from {Path(store.path).name} "
        f"(imported from {entry.get('import_file')}, sha256 {str(entry.get('import_checksum'))[:12]}).")
    classification = style_thematic(layer, spec)
    return layer, classification, spec

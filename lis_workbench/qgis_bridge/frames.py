"""The one way between QGIS layers and engine frames, each direction.

Layers to frames: read_frame() reads a layer's features once into a pandas frame (fields as columns, NULL as
missing, numbers as floats where asked, geometry as WKB in `geometry`, the feature id in `fid`).
Frames to layers: fields_for(), features() and write_features() turn a frame back into features, for a memory
layer (memory_layer) or a Processing sink; cell() is the one rule for a value written to a field.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd
from qgis.core import (
    QgsFeature,
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant

BNG = "EPSG:27700"


def number(value) -> float:
    """A field value as a float; NULL (a QVariant), text and missing values become NaN."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def cell(value, kind=None):
    """A value as written to a field: None for missing (None, NaN, pandas' NA, a NULL QVariant); booleans as 0/1;
    numpy scalars as Python ones; cast to the field's type when `kind` (a QVariant type) is given."""
    if value is None or (isinstance(value, QVariant) and value.isNull()):
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT or (isinstance(value, np.floating) and np.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if hasattr(value, "item"):
        value = value.item()
    if kind == QVariant.Double:
        return float(value)
    if kind == QVariant.Int:
        return int(value)
    if kind == QVariant.String:
        return str(value)
    return value


def read_frame(layer, numeric: Sequence[str] = (), text: Sequence[str] = (), *, geometry: bool = False,
               all_fields: bool = False) -> pd.DataFrame:
    """The features of a layer or Processing source as a frame, in feature order: `numeric` fields as floats
    (NULL and non-numbers NaN), `text` fields as str (NULL as None), every field as it is with all_fields, WKB
    geometry in `geometry` when asked, and the feature id in `fid`. Only the fields asked for are read."""
    names = list(layer.fields().names())
    wanted = names if all_fields else list(dict.fromkeys([*numeric, *text]))
    request = QgsFeatureRequest()
    if not geometry:
        request.setFlags(QgsFeatureRequest.NoGeometry)
    request.setSubsetOfAttributes([names.index(n) for n in wanted if n in names])
    fids, rows, wkbs = [], [], []
    index = [names.index(n) if n in names else -1 for n in wanted]
    for feature in layer.getFeatures(request):
        fids.append(feature.id())
        attributes = feature.attributes()
        rows.append([attributes[i] if i >= 0 else None for i in index])
        if geometry:
            shape = feature.geometry()
            wkbs.append(bytes(shape.asWkb()) if shape is not None and not shape.isNull() else None)
    columns = {"fid": fids}
    for k, name in enumerate(wanted):
        values = [row[k] for row in rows]
        if name in numeric:
            columns[name] = np.array([number(v) for v in values], dtype=float)
        elif name in text:
            columns[name] = [None if cell(v) is None else str(v) for v in values]
        else:
            columns[name] = [cell(v) for v in values]
    frame = pd.DataFrame(columns)
    if geometry:
        frame["geometry"] = wkbs
    return frame


def field_kind(series: pd.Series):
    """The QVariant type a column is written as: numbers (not booleans) as doubles, everything else as text."""
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    return QVariant.Double if numeric else QVariant.String


def fields_for(frame: pd.DataFrame, kinds: Mapping[str, object] | None = None,
               skip: Iterable[str] = ("geometry", "fid")) -> QgsFields:
    """Fields for a frame's columns (geometry and fid left out): `kinds` names a column's QVariant type, else
    field_kind decides."""
    kinds, skipped, fields = kinds or {}, set(skip), QgsFields()
    for column in frame.columns:
        if column in skipped:
            continue
        fields.append(QgsField(str(column), kinds.get(column, field_kind(frame[column]))))
    return fields


def features(frame: pd.DataFrame, fields: QgsFields,
             geometries: Sequence[QgsGeometry | bytes | None] | None = None) -> Iterator[QgsFeature]:
    """One feature per row: attributes from the columns named like the fields (cast to their types), geometry
    from `geometries` (QgsGeometry or WKB) or the frame's WKB `geometry` column."""
    names = [fields.at(i).name() for i in range(fields.count())]
    kinds = [fields.at(i).type() for i in range(fields.count())]
    columns = [frame[name].tolist() if name in frame.columns else [None] * len(frame) for name in names]
    if geometries is None and "geometry" in frame.columns:
        geometries = frame["geometry"].tolist()
    for row in range(len(frame)):
        feature = QgsFeature(fields)
        feature.setAttributes([cell(column[row], kind) for column, kind in zip(columns, kinds)])
        shape = geometries[row] if geometries is not None else None
        if isinstance(shape, (bytes, bytearray, memoryview)):
            wkb, shape = bytes(shape), QgsGeometry()
            shape.fromWkb(wkb)
        if shape is not None:
            feature.setGeometry(shape)
        yield feature


def write_features(sink, frame: pd.DataFrame, fields: QgsFields,
                   geometries: Sequence[QgsGeometry | bytes | None] | None = None,
                   cancelled: Callable[[], bool] | None = None) -> int:
    """Add the frame's rows to a sink or data provider as features; returns how many were written."""
    written = 0
    batch: list[QgsFeature] = []
    for feature in features(frame, fields, geometries):
        batch.append(feature)
        if len(batch) == 5000:
            if cancelled is not None and cancelled():
                return written
            sink.addFeatures(batch, QgsFeatureSink.FastInsert)
            written += len(batch)
            batch = []
    if batch:
        sink.addFeatures(batch, QgsFeatureSink.FastInsert)
        written += len(batch)
    return written


def memory_layer(frame: pd.DataFrame, name: str, geometry_type: str = "MultiPolygon", crs: str = BNG,
                 kinds: Mapping[str, object] | None = None) -> QgsVectorLayer:
    """A memory layer (polygons unless told: Point, LineString, None) from a frame, WKB in `geometry`."""
    layer = QgsVectorLayer(f"{geometry_type}?crs={crs}" if geometry_type != "None" else "None", name, "memory")
    fields = fields_for(frame, kinds)
    layer.dataProvider().addAttributes(list(fields))
    layer.updateFields()
    write_features(layer.dataProvider(), frame, layer.fields())
    layer.updateExtents()
    return layer

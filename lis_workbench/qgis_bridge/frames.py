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
    QgsFields,
    QgsGeometry,
    QgsProviderRegistry,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant

from .compat import make_field

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
    if kind == QVariant.Type.Double:
        return float(value)
    if kind == QVariant.Type.Int:
        return int(value)
    if kind == QVariant.Type.String:
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
        request.setFlags(QgsFeatureRequest.Flag.NoGeometry)
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
    columns: dict[str, object] = {"fid": fids}
    for k, name in enumerate(wanted):
        columns[name] = _column([row[k] for row in rows], name, numeric, text)
    frame = pd.DataFrame(columns)
    if geometry:
        frame["geometry"] = wkbs
    return frame


def _column(values: list, name: str, numeric: Sequence[str], text: Sequence[str]):
    """One field's values as read_frame gives them: floats (NaN for NULL and text), str (None for NULL), or
    as they are (NULL as None)."""
    if name in numeric:
        out = np.full(len(values), np.nan)
        for i, value in enumerate(values):
            try:
                out[i] = value
            except (TypeError, ValueError):  # NULL, text
                pass
        return out
    if name in text:
        return [None if cell(v) is None else str(v) for v in values]
    return [cell(v) for v in values]


def read_ogr_frame(uri: str, numeric: Sequence[str] = (), text: Sequence[str] = (), *, geometry: bool = False,
                   all_fields: bool = False) -> pd.DataFrame | None:
    """read_frame() of a GeoPackage layer read by GDAL in columns (its Arrow stream), ten times faster than
    feature by feature and the same frame; None when the source is not a plain GeoPackage layer or GDAL cannot
    stream it (the caller then reads through QGIS). `uri` is a QGIS OGR source ("path|layername=name").
    Shapefiles are left to QGIS, which reads their polygons as multipolygons."""
    from osgeo import ogr

    parts = QgsProviderRegistry.instance().decodeUri("ogr", uri)
    path, layer_name = parts.get("path") or "", parts.get("layerName")
    if parts.get("subset") or parts.get("layerId") is not None or not path.lower().endswith(".gpkg"):
        return None
    dataset = ogr.Open(path)
    if dataset is None:
        return None
    layer = dataset.GetLayerByName(layer_name) if layer_name else dataset.GetLayer(0)
    if layer is None or not hasattr(layer, "GetArrowStreamAsNumPy"):
        return None
    definition = layer.GetLayerDefn()
    names = [definition.GetFieldDefn(i).GetName() for i in range(definition.GetFieldCount())]
    wanted = names if all_fields else [n for n in dict.fromkeys([*numeric, *text]) if n in names]
    ignored = [n for n in names if n not in wanted] + ([] if geometry else ["OGR_GEOMETRY"])
    layer.SetIgnoredFields(ignored)
    chunks: dict[str, list] = {}
    geometry_name = layer.GetGeometryColumn() or "wkb_geometry"
    try:
        for batch in layer.GetArrowStreamAsNumPy(options=["USE_MASKED_ARRAYS=YES", "INCLUDE_FID=YES"]):
            for key, values in batch.items():
                chunks.setdefault(key, []).append(values)
    except Exception:  # noqa: BLE001 - a driver or type GDAL cannot stream: read through QGIS instead
        return None
    finally:
        layer.SetIgnoredFields([])
    fid_name = layer.GetFIDColumn() or "OGC_FID"
    if not chunks or fid_name not in chunks:
        return None if chunks else _empty_frame(wanted, numeric, geometry)
    columns: dict[str, object] = {"fid": np.concatenate(chunks[fid_name]).astype(np.int64)}
    for name in wanted:
        columns[name] = _arrow_column(np.ma.concatenate(chunks[name]), name, numeric, text)
    frame = pd.DataFrame(columns)
    if geometry:
        shapes = np.concatenate(chunks[geometry_name]) if geometry_name in chunks else [None] * len(frame)
        frame["geometry"] = [None if s is None or s is np.ma.masked else bytes(s) for s in shapes]
    return frame


def _arrow_column(values, name: str, numeric: Sequence[str], text: Sequence[str]):
    """A column from GDAL's Arrow stream (a masked array) as read_frame gives it."""
    missing = np.ma.getmaskarray(values)
    data = np.ma.getdata(values)
    if name in numeric:
        if data.dtype.kind in "biuf":
            out = data.astype(float)
        else:  # a text field holding numbers, as QGIS reads it: non-numbers NaN
            out = pd.to_numeric(pd.Series([None if m else _text(v) for v, m in zip(data, missing)], dtype=object),
                                errors="coerce").to_numpy(float)
        out[missing] = np.nan
        return out
    if data.dtype.kind in "SOU":
        items = [None if m else _text(v) for v, m in zip(data, missing)]
    else:
        items = [None if m else v for v, m in zip(data.tolist(), missing)]
    if name in text:
        return [None if v is None else str(v) for v in items]
    return items


def _text(value) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _empty_frame(wanted: Sequence[str], numeric: Sequence[str], geometry: bool) -> pd.DataFrame:
    frame = pd.DataFrame({"fid": np.empty(0, np.int64), **{n: (np.empty(0) if n in numeric else []) for n in wanted}})
    if geometry:
        frame["geometry"] = []
    return frame


def field_kind(series: pd.Series):
    """The QVariant type a column is written as: numbers (not booleans) as doubles, everything else as text."""
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    return QVariant.Type.Double if numeric else QVariant.Type.String


def fields_for(frame: pd.DataFrame, kinds: Mapping[str, object] | None = None,
               skip: Iterable[str] = ("geometry", "fid")) -> QgsFields:
    """Fields for a frame's columns (geometry and fid left out): `kinds` names a column's QVariant type, else
    field_kind decides."""
    kinds, skipped, fields = kinds or {}, set(skip), QgsFields()
    for column in frame.columns:
        if column in skipped:
            continue
        fields.append(make_field(str(column), kinds.get(column, field_kind(frame[column]))))
    return fields


def features(frame: pd.DataFrame, fields: QgsFields,
             geometries: Sequence[QgsGeometry | bytes | None] | None = None) -> Iterator[QgsFeature]:
    """One feature per row: attributes from the columns named like the fields (cast to their types), geometry
    from `geometries` (QgsGeometry or WKB) or the frame's WKB `geometry` column."""
    names = [fields.at(i).name() for i in range(fields.count())]
    kinds = [fields.at(i).type() for i in range(fields.count())]
    columns = [column_cells(frame[name], kind) if name in frame.columns else [None] * len(frame)
               for name, kind in zip(names, kinds)]
    rows = list(zip(*columns)) if columns else [()] * len(frame)
    if geometries is None and "geometry" in frame.columns:
        geometries = frame["geometry"].tolist()
    for row in range(len(frame)):
        feature = QgsFeature(fields)
        feature.setAttributes(list(rows[row]))
        shape = geometries[row] if geometries is not None else None
        if isinstance(shape, (bytes, bytearray, memoryview)):
            wkb, shape = bytes(shape), QgsGeometry()
            shape.fromWkb(wkb)
        if shape is not None:
            feature.setGeometry(shape)
        yield feature


def column_cells(column: pd.Series, kind) -> list:
    """A whole column as cell() writes each value (to a field of QVariant type `kind`), converted at once where
    the column is plain numbers or text."""
    values = column.to_numpy()
    if values.dtype.kind == "f" and kind in (QVariant.Type.Double, None):
        return [None if v != v else v for v in values.tolist()]  # NaN -> None
    if values.dtype.kind == "f" and kind in (QVariant.Type.Int, QVariant.Type.LongLong):
        return [None if v != v else int(v) for v in values.tolist()]  # whole numbers read as floats (NaN: NULL)
    if values.dtype.kind in "iu" and kind in (QVariant.Type.Double, QVariant.Type.Int, QVariant.Type.LongLong, None):
        return [float(v) for v in values.tolist()] if kind == QVariant.Type.Double else values.tolist()
    if kind == QVariant.Type.String:  # text stays text; anything else as cell() writes it
        return [v if type(v) is str else cell(v, kind) for v in values.tolist()]
    return [cell(v, kind) for v in values.tolist()]


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
            sink.addFeatures(batch, QgsFeatureSink.Flag.FastInsert)
            written += len(batch)
            batch = []
    if batch:
        sink.addFeatures(batch, QgsFeatureSink.Flag.FastInsert)
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

"""A frame written straight into a new GeoPackage layer: GDAL lays out the table, SQLite takes every row in one
statement, GDAL builds the spatial index. England's 32,844 LSOAs with their results go in a fraction of the time
QGIS takes feature by feature; what comes out is the same layer (fields, types, feature ids, geometry, CRS,
extent, spatial index). Only the plain case is taken (2D geometry, numbers and text); anything else returns False
and the caller writes through QGIS."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import struct
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from qgis.core import QgsCoordinateReferenceSystem, QgsFields, QgsGeometry, QgsWkbTypes
from qgis.PyQt.QtCore import QVariant

from .frames import column_cells

_FIELD_TYPES = {QVariant.Type.Double: "OFTReal", QVariant.Type.Int: "OFTInteger",
                QVariant.Type.LongLong: "OFTInteger64",
                QVariant.Type.String: "OFTString"}
_GEOMETRY_TYPES = {QgsWkbTypes.Type.Point, QgsWkbTypes.Type.LineString, QgsWkbTypes.Type.Polygon,
                   QgsWkbTypes.Type.MultiPoint,
                   QgsWkbTypes.Type.MultiLineString, QgsWkbTypes.Type.MultiPolygon, QgsWkbTypes.Type.NoGeometry}


def write_gpkg(path: str, frame: pd.DataFrame, fields: QgsFields, wkb_type, crs: QgsCoordinateReferenceSystem,
               geometries: Sequence[QgsGeometry | bytes | None] | None = None) -> bool:
    """Write the frame's rows as a new GeoPackage at `path` (replacing the file, as QGIS does; the layer is named
    after the file), attributes from the columns named like the fields, geometry from `geometries` or the frame's
    WKB `geometry` column. False (and nothing left behind) when the case is not a plain one."""
    from osgeo import ogr, osr

    if wkb_type not in _GEOMETRY_TYPES or any(f.type() not in _FIELD_TYPES for f in fields):
        return False
    names = [f.name() for f in fields]
    fid_name = next((n for n in names if n.lower() == "fid"), None)
    fids = None
    if fid_name is not None:  # QGIS makes a GeoPackage's "fid" field the feature id: so do we, when it can be
        if fid_name not in frame.columns:
            return False
        fids = pd.to_numeric(frame[fid_name], errors="coerce")
        if fids.isna().any() or (fids % 1 != 0).any() or fids.duplicated().any():
            return False
        fids = fids.astype("int64").tolist()
    attributes = [f for f in fields if f.name() != fid_name]
    if geometries is None:
        geometries = frame["geometry"].tolist() if "geometry" in frame.columns else [None] * len(frame)
    wkbs = [_wkb(g) for g in geometries]
    if any(w is False for w in wkbs):
        return False
    srs = None
    if crs.isValid():
        srs = osr.SpatialReference()
        if srs.ImportFromWkt(crs.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED)) != 0:
            return False
    target = Path(path)
    table = target.stem
    if target.exists():
        target.unlink()
    try:
        dataset = ogr.GetDriverByName("GPKG").CreateDataSource(str(target))
        layer = dataset.CreateLayer(table, srs,
                                    int(wkb_type) if wkb_type != QgsWkbTypes.Type.NoGeometry else ogr.wkbNone,
                                    options=["SPATIAL_INDEX=NO", "FID=fid", "GEOMETRY_NAME=geom"])
        for field in attributes:
            layer.CreateField(ogr.FieldDefn(field.name(), getattr(ogr, _FIELD_TYPES[field.type()])))
        dataset = layer = None
        has_geometry = wkb_type != QgsWkbTypes.Type.NoGeometry
        with contextlib.closing(sqlite3.connect(str(target))) as conn, conn:
            triggers = " ".join(r[0] or "" for r in conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger'"))
            if "ST_" in triggers:  # a GDAL that indexes on insert needs its own SQL functions: leave it to QGIS
                raise _NotPlainError()
            header = b""
            if has_geometry:
                srs_id = conn.execute("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = ?",
                                      (table,)).fetchone()[0]
                header = b"GP\x00\x01" + struct.pack("<i", srs_id)  # version 0, little-endian, no envelope
            columns = [column_cells(frame[f.name()], f.type()) if f.name() in frame.columns else [None] * len(frame)
                       for f in attributes]
            blobs = [None if w is None else header + w for w in wkbs]
            quoted = ", ".join('"' + f.name().replace('"', '""') + '"' for f in attributes)
            named = ["fid"] + (["geom"] if has_geometry else []) + ([quoted] if quoted else [])
            rows = zip(fids if fids is not None else range(1, len(frame) + 1),
                       *([blobs] if has_geometry else []), *columns)
            marks = ", ".join("?" * (1 + has_geometry + len(attributes)))
            conn.executemany(f'INSERT INTO "{table}" ({", ".join(named)}) VALUES ({marks})', rows)  # nosec B608
        if has_geometry:  # the spatial index and the extent, as GDAL makes them
            dataset = ogr.Open(str(target), update=1)
            quoted_table = table.replace("'", "''")
            min_x, max_x, min_y, max_y = dataset.GetLayerByName(table).GetExtent(force=True)  # exact: no index yet
            dataset.ExecuteSQL(f"SELECT CreateSpatialIndex('{quoted_table}', 'geom')")
            dataset = None
            with contextlib.closing(sqlite3.connect(str(target))) as conn, conn:
                conn.execute("UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?",
                             (min_x, min_y, max_x, max_y, table))
    except (_NotPlainError, sqlite3.Error, RuntimeError, TypeError, OverflowError):
        target.unlink(missing_ok=True)
        return False
    return True


class _NotPlainError(Exception):
    pass


def _wkb(shape) -> bytes | None | bool:
    """2D WKB of a geometry (QgsGeometry or WKB); None for none; False for one this writer does not take."""
    if shape is None:
        return None
    if isinstance(shape, QgsGeometry):
        if shape.isNull():
            return None
        shape = bytes(shape.asWkb())
    data = bytes(shape)
    if len(data) < 5:
        return False
    kind = struct.unpack("<I" if data[0] == 1 else ">I", data[1:5])[0]
    return data if 1 <= kind <= 7 else False  # 2D ISO types only (no Z, M or curves)


def removable(path: str) -> bool:
    """Whether `path` is a plain GeoPackage file destination this writer may replace."""
    return path.lower().endswith(".gpkg") and "|" not in path and not path.startswith(("ogr:", "memory:")) \
        and os.path.isdir(os.path.dirname(os.path.abspath(path)))

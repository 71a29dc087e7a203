"""Geometry layers in the store file, read and written through OGR (GeoPackage or SpatiaLite).

Only OGR writes geometry tables: GeoPackage triggers call functions that exist inside GDAL's own
SQLite connections, so plain sqlite3 must never touch them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from osgeo import gdal, ogr, osr

from ..errors import GeographyError, StoreError

gdal.UseExceptions()
ogr.UseExceptions()

BNG_EPSG = 27700


def _bng() -> osr.SpatialReference:
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(BNG_EPSG)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def create_container(path: str, kind: str) -> None:
    """Create an empty GeoPackage (`gpkg`) or SpatiaLite (`sqlite`) file."""
    if kind == "gpkg":
        ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)
    else:
        ds = ogr.GetDriverByName("SQLite").CreateDataSource(path, options=["SPATIALITE=YES"])
    if ds is None:
        raise StoreError(f"Could not create the store file {path}.")
    ds = None


@dataclass
class SourceFeature:
    """One feature read from a user's boundary or point file, already in EPSG:27700."""

    row: int
    attributes: dict
    geometry: ogr.Geometry | None


def read_source(path: str, layer: str | None = None) -> tuple[list[SourceFeature], list[str]]:
    """Read every feature of any OGR vector file, reprojected to British National Grid."""
    try:
        ds = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY)
    except RuntimeError as exc:
        raise GeographyError(f"Could not open {path} as a vector file: {exc}") from exc
    if ds is None:
        raise GeographyError(f"Could not open {path} as a vector file.")
    if layer:
        lyr = ds.GetLayerByName(layer)
        if lyr is None:
            names = [ds.GetLayer(i).GetName() for i in range(ds.GetLayerCount())]
            raise GeographyError(f"{path} has no layer '{layer}'; its layers are: {', '.join(names)}.")
    else:
        lyr = ds.GetLayer(0)
    defn = lyr.GetLayerDefn()
    fields = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    src_srs = lyr.GetSpatialRef()
    transform = None
    if src_srs is not None:
        src_srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        if not src_srs.IsSame(_bng()):
            transform = osr.CoordinateTransformation(src_srs, _bng())
    features = []
    for row, feat in enumerate(lyr, start=1):
        geom = feat.GetGeometryRef()
        if geom is not None:
            geom = geom.Clone()
            if transform is not None:
                geom.Transform(transform)
        features.append(SourceFeature(row, {f: feat.GetField(f) for f in fields}, geom))
    return features, fields


def as_multipolygon(geom: ogr.Geometry) -> tuple[ogr.Geometry | None, bool]:
    """Return a valid MultiPolygon and whether it had to be repaired (None if nothing areal is left)."""
    repaired = False
    gdal.PushErrorHandler("CPLQuietErrorHandler")  # GEOS explains invalidity on stderr; we report it
    try:
        valid = geom.IsValid()
    finally:
        gdal.PopErrorHandler()
    if not valid:
        geom = geom.MakeValid()
        repaired = True
    gtype = ogr.GT_Flatten(geom.GetGeometryType())
    if gtype == ogr.wkbGeometryCollection:
        multi = ogr.Geometry(ogr.wkbMultiPolygon)
        for i in range(geom.GetGeometryCount()):
            part = geom.GetGeometryRef(i)
            if ogr.GT_Flatten(part.GetGeometryType()) in (ogr.wkbPolygon, ogr.wkbMultiPolygon):
                multi = multi.Union(part) if not multi.IsEmpty() else ogr.ForceToMultiPolygon(part.Clone())
        geom = multi
    elif gtype not in (ogr.wkbPolygon, ogr.wkbMultiPolygon):
        return None, repaired
    geom = ogr.ForceToMultiPolygon(geom)
    if geom.IsEmpty():
        return None, repaired
    return geom, repaired


def write_layer(path: str, layer_name: str, geom_type: int, fields: Sequence[tuple[str, int]],
                rows: Iterable[tuple[Sequence, ogr.Geometry]]) -> int:
    """Write a new geometry layer in one transaction; an existing layer of that name is replaced."""
    ds = ogr.Open(path, update=1)
    try:
        for i in range(ds.GetLayerCount()):
            if ds.GetLayer(i).GetName() == layer_name:
                ds.DeleteLayer(i)
                break
        lyr = ds.CreateLayer(layer_name, _bng(), geom_type, options=["GEOMETRY_NAME=geom", "FID=fid"]
                             if path.lower().endswith(".gpkg") else ["GEOMETRY_NAME=geom"])
        for name, ftype in fields:
            lyr.CreateField(ogr.FieldDefn(name, ftype))
        defn = lyr.GetLayerDefn()
        count = 0
        lyr.StartTransaction()
        for values, geom in rows:
            feat = ogr.Feature(defn)
            for (name, _), value in zip(fields, values):
                if value is not None:
                    feat.SetField(name, value)
            feat.SetGeometry(geom)
            lyr.CreateFeature(feat)
            count += 1
        lyr.CommitTransaction()
        return count
    finally:
        ds = None


def delete_layer(path: str, layer_name: str) -> None:
    """Remove a geometry layer if present."""
    ds = ogr.Open(path, update=1)
    for i in range(ds.GetLayerCount()):
        if ds.GetLayer(i).GetName() == layer_name:
            ds.DeleteLayer(i)
            break
    ds = None


def read_geometries(path: str, layer_name: str, key: str = "area_code",
                    codes: Iterable[str] | None = None) -> dict[str, bytes]:
    """Return {key value: ISO WKB} for a store layer, optionally only for some codes."""
    ds = ogr.Open(path)
    lyr = ds.GetLayerByName(layer_name)
    if lyr is None:
        raise StoreError(f"The store {path} has no layer '{layer_name}'.")
    wanted = set(codes) if codes is not None else None
    lyr.SetIgnoredFields([f for f in _field_names(lyr) if f != key])
    if wanted is not None and len(wanted) <= 2000:  # a borough's worth: let SQLite's index pick them
        quoted = ",".join("'" + str(c).replace("'", "''") + "'" for c in wanted)
        lyr.SetAttributeFilter(f"{key} IN ({quoted})" if quoted else "0 = 1")
    out = {}
    for feat in lyr:
        code = feat.GetField(key)
        if wanted is not None and code not in wanted:
            continue
        geom = feat.GetGeometryRef()
        out[code] = bytes(geom.ExportToIsoWkb()) if geom is not None else None
    ds = None
    return out


def read_points(path: str, layer_name: str, where: str | None = None) -> list[dict]:
    """Every feature of a store point layer as a dict of its attributes plus x and y, optionally filtered by an
    attribute expression (OGR SQL, e.g. "education_phase = 'Primary'")."""
    ds = ogr.Open(path)
    lyr = ds.GetLayerByName(layer_name)
    if lyr is None:
        raise StoreError(f"The store {path} has no layer '{layer_name}'.")
    rows = []
    try:
        if where:
            lyr.SetAttributeFilter(where)
        for feat in lyr:
            geom = feat.GetGeometryRef()
            if geom is None or geom.IsEmpty():
                continue
            point = geom.Centroid() if ogr.GT_Flatten(geom.GetGeometryType()) != ogr.wkbPoint else geom
            row = feat.items()
            row.update(x=point.GetX(), y=point.GetY())
            rows.append(row)
    except RuntimeError as exc:
        reason = str(exc).split(":")[0]
        raise GeographyError(f"The filter \"{where}\" cannot be applied to layer {layer_name} ({reason}). "
                             f"Its fields are: {', '.join(_field_names(lyr))}.") from None
    ds = None
    return rows


def _field_names(lyr: ogr.Layer) -> list[str]:
    defn = lyr.GetLayerDefn()
    return [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]

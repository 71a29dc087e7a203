"""Geometry read through OGR: users' boundary and point files (checked to lie in Great Britain), and the store's
own layers. Store layers are written by feature_tables.py, inside the store's transaction.
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


def source_crs(declared: osr.SpatialReference | None, crs: str | None, source: str) -> osr.SpatialReference:
    """The CRS a source's coordinates are in: the one given (which wins), else the file's own; a file that
    does not say is refused rather than guessed (degrees read as metres put Wigan beside the Scilly Isles)."""
    if crs:
        srs = osr.SpatialReference()
        try:
            srs.SetFromUserInput(str(crs) if not str(crs).isdigit() else f"EPSG:{crs}")
        except RuntimeError:
            raise GeographyError(f"'{crs}' is not a coordinate reference system GDAL knows (give an EPSG code, "
                                 "e.g. 27700 for British National Grid or 4326 for longitude/latitude).",
                                 option="crs") from None
    elif declared is None:
        raise GeographyError(f"{source} does not say which coordinate reference system its coordinates are in (a "
                             "shapefile without its .prj file?). Say which: e.g. EPSG:27700 for British National "
                             "Grid, EPSG:4326 for longitude/latitude.", option="crs")
    else:
        srs = declared.Clone()
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def read_source(path: str, layer: str | None = None,
                crs: str | None = None) -> tuple[list[SourceFeature], list[str]]:
    """Read every feature of any OGR vector file, reprojected to British National Grid and checked to lie in
    Great Britain. `crs` (e.g. "EPSG:27700") says what the coordinates are in when the file does not."""
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
    src_srs = source_crs(lyr.GetSpatialRef(), crs, path)
    transform = None if src_srs.IsSame(_bng()) else osr.CoordinateTransformation(src_srs, _bng())
    features = []
    source_boxes = []
    for row, feat in enumerate(lyr, start=1):
        geom = feat.GetGeometryRef()
        attributes = {f: feat.GetField(f) for f in fields}
        if geom is not None:
            geom = geom.Clone()
            source_boxes.append(geom.GetEnvelope())
            if transform is not None:
                try:
                    geom.Transform(transform)
                except RuntimeError:
                    raise GeographyError(f"{path}, feature {row}: its coordinates cannot be converted from "
                                         f"{_crs_name(src_srs)} to British National Grid.", option="crs") from None
        features.append(SourceFeature(row, attributes, geom))
    check_coordinates(source_boxes, src_srs, path)
    check_in_great_britain([(f"feature {f.row}", f.geometry.GetEnvelope()) for f in features
                            if f.geometry is not None], path)
    return features, fields


#: The National Grid's extent in metres (0-700 km east, 0-1,300 km north): every area of Great Britain is in it.
GB_EXTENT = (0.0, 0.0, 700_000.0, 1_300_000.0)


def check_coordinates(boxes: Sequence[tuple[float, float, float, float]], srs: osr.SpatialReference,
                      source: str) -> None:
    """Refuse coordinates in degrees declared as metres (all within +-180 / +-90 in a projected CRS)."""
    if not boxes or not srs.IsProjected():
        return
    minx, maxx = min(b[0] for b in boxes), max(b[1] for b in boxes)
    miny, maxy = min(b[2] for b in boxes), max(b[3] for b in boxes)
    if -180 <= minx and maxx <= 180 and -90 <= miny and maxy <= 90:
        raise GeographyError(f"{source}: the coordinates run from {minx:g}, {miny:g} to {maxx:g}, {maxy:g}, which "
                             f"look like longitude/latitude in degrees, but they are said to be in {_crs_name(srs)} "
                             "(metres). Say they are EPSG:4326.", option="crs")


def check_in_great_britain(boxes: Sequence[tuple[str, tuple[float, float, float, float]]], source: str) -> None:
    """Refuse features that fall outside Great Britain after reprojection (labels name them), with the bounds."""
    if not boxes:
        return
    x0, y0, x1, y1 = GB_EXTENT
    outside = [label for label, (minx, maxx, miny, maxy) in boxes
               if not (x0 <= minx and maxx <= x1 and y0 <= miny and maxy <= y1)]
    if outside:
        minx, maxx = min(b[0] for _, b in boxes), max(b[1] for _, b in boxes)
        miny, maxy = min(b[2] for _, b in boxes), max(b[3] for _, b in boxes)
        raise GeographyError(
            f"{source}: {len(outside)} of {len(boxes)} feature(s) lie outside Great Britain once in British National "
            f"Grid ({', '.join(outside[:5])}{', ...' if len(outside) > 5 else ''}): the data run from "
            f"{minx:,.0f}, {miny:,.0f} to {maxx:,.0f}, {maxy:,.0f} metres, and Great Britain lies within "
            f"{x0:,.0f}-{x1:,.0f} east, {y0:,.0f}-{y1:,.0f} north. Check the file's coordinate reference system.",
            option="crs")


def _crs_name(srs: osr.SpatialReference) -> str:
    code = srs.GetAuthorityCode(None)
    name = srs.GetName() or "its coordinate reference system"
    return f"{name} (EPSG:{code})" if code else name


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
    """Write a new geometry layer into an output GeoPackage (not a store: see feature_tables.py) in one
    transaction; an existing layer of that name is replaced."""
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


def read_geometries(path: str, layer_name: str, key: str = "area_code",
                    codes: Iterable[str] | None = None) -> dict[str, bytes | None]:
    """Return {key value: ISO WKB, None for a feature without geometry} for a store layer, optionally only for
    some codes."""
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

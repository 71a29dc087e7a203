"""Geometry layers (geographies, facility points) written by SQL inside the store's own transaction.

A layer and the catalogue rows that describe it must land together or not at all, so they are written on the
store's SQLite connection, never through a second OGR connection that commits on its own. The tables are laid
out as GDAL lays them out, so GDAL and QGIS read them as ordinary layers:

- GeoPackage: a feature table with its gpkg_contents, gpkg_geometry_columns and gpkg_ogr_contents rows, an R-tree
  spatial index (gpkg_rtree_index extension) and GDAL's triggers; geometries as GeoPackage binary (spec 2.1.3).
- SpatiaLite: a table whose geometry column and spatial index are made by SpatiaLite's own functions
  (mod_spatialite is loaded into the connection the first time a layer is written).

Every text attribute is stored as TEXT; the CRS is always British National Grid.
"""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterable, Sequence

from osgeo import ogr, osr

from ..errors import StoreError

BNG_EPSG = 27700
GEOMETRY_COLUMN = "geom"
RTREE_EXTENSION = ("gpkg_rtree_index", "http://www.geopackage.org/spec120/#extension_rtree", "write-only")


def quote(name: str) -> str:
    """An SQL identifier in double quotes (names are checked before they get here; quotes are doubled anyway)."""
    return '"' + name.replace('"', '""') + '"'


def replace_table(conn: sqlite3.Connection, kind: str, table: str, geometry_type: str, fields: Sequence[str],
                  rows: Iterable[tuple[Sequence, ogr.Geometry]]) -> int:
    """(Re)write geometry table `table` (MULTIPOLYGON or POINT) with text `fields`, inside the caller's
    transaction; returns the number of features written."""
    drop_table(conn, kind, table)
    if kind == "gpkg":
        return _GeoPackage(conn).create(table, geometry_type, fields, rows)
    return _SpatiaLite(conn).create(table, geometry_type, fields, rows)


def drop_table(conn: sqlite3.Connection, kind: str, table: str) -> None:
    """Remove a geometry table and everything registering it, inside the caller's transaction (no-op if absent)."""
    if kind == "gpkg":
        _GeoPackage(conn).drop(table)
    else:
        _SpatiaLite(conn).drop(table)


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _bng_wkt() -> str:
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(BNG_EPSG)
    return srs.ExportToWkt()


class _GeoPackage:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def drop(self, table: str) -> None:
        conn = self.conn
        if _has_table(conn, table):
            conn.execute(f"DROP TABLE {quote(table)}")  # its triggers go with it
        conn.execute(f"DROP TABLE IF EXISTS {quote(f'rtree_{table}_{GEOMETRY_COLUMN}')}")
        for meta in ("gpkg_contents", "gpkg_geometry_columns", "gpkg_ogr_contents", "gpkg_extensions",
                     "gpkg_data_columns", "gpkg_metadata_reference"):
            if _has_table(conn, meta):
                conn.execute(f"DELETE FROM {meta} WHERE lower(table_name) = lower(?)", (table,))

    def create(self, table: str, geometry_type: str, fields: Sequence[str],
               rows: Iterable[tuple[Sequence, ogr.Geometry]]) -> int:
        conn = self.conn
        self._ensure_srs()
        t, g = quote(table), quote(GEOMETRY_COLUMN)
        conn.execute(f"CREATE TABLE {t} (\"fid\" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, {g} {geometry_type}"
                     + "".join(f", {quote(f)} TEXT" for f in fields) + ")")
        insert = (f"INSERT INTO {t} ({g}{''.join(', ' + quote(f) for f in fields)}) "
                  f"VALUES (?{', ?' * len(fields)})")
        boxes: list[tuple[int, float, float, float, float]] = []
        for values, geometry in rows:
            minx, maxx, miny, maxy = geometry.GetEnvelope()
            cursor = conn.execute(insert, (_gpkg_blob(geometry, (minx, maxx, miny, maxy)), *values))
            boxes.append((int(cursor.lastrowid or 0), minx, maxx, miny, maxy))
        rtree = quote(f"rtree_{table}_{GEOMETRY_COLUMN}")
        conn.execute(f"CREATE VIRTUAL TABLE {rtree} USING rtree(id, minx, maxx, miny, maxy)")
        conn.executemany(f"INSERT INTO {rtree} VALUES (?, ?, ?, ?, ?)", boxes)
        extent = ((min(b[1] for b in boxes), min(b[3] for b in boxes), max(b[2] for b in boxes),
                   max(b[4] for b in boxes)) if boxes else (None, None, None, None))
        conn.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, "
                     "min_x, min_y, max_x, max_y, srs_id) VALUES (?, 'features', ?, '', "
                     "strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), ?, ?, ?, ?, ?)", (table, table, *extent, BNG_EPSG))
        conn.execute("INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) "
                     "VALUES (?, ?, ?, ?, 0, 0)", (table, GEOMETRY_COLUMN, geometry_type, BNG_EPSG))
        if _has_table(conn, "gpkg_ogr_contents"):
            conn.execute("INSERT INTO gpkg_ogr_contents (table_name, feature_count) VALUES (?, ?)",
                         (table, len(boxes)))
            self._count_triggers(table)
        self._ensure_extensions()
        conn.execute("INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) "
                     "VALUES (?, ?, ?, ?, ?)", (table, GEOMETRY_COLUMN, *RTREE_EXTENSION))
        self._rtree_triggers(table)
        return len(boxes)

    def _ensure_srs(self) -> None:
        if self.conn.execute("SELECT 1 FROM gpkg_spatial_ref_sys WHERE srs_id = ?", (BNG_EPSG,)).fetchone():
            return
        self.conn.execute("INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id,"
                          " definition) VALUES ('OSGB36 / British National Grid', ?, 'EPSG', ?, ?)",
                          (BNG_EPSG, BNG_EPSG, _bng_wkt()))

    def _ensure_extensions(self) -> None:
        self.conn.execute("CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, "
                          "extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, "
                          "CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))")

    def _count_triggers(self, table: str) -> None:
        """GDAL's triggers keeping gpkg_ogr_contents.feature_count right when others edit the layer."""
        t, lit = quote(table), "'" + table.replace("'", "''") + "'"
        for action, sign in (("insert", "+"), ("delete", "-")):
            self.conn.execute(
                f"CREATE TRIGGER {quote(f'trigger_{action}_feature_count_{table}')} AFTER {action.upper()} ON {t} "
                f"BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count {sign} 1 "
                f"WHERE lower(table_name) = lower({lit}); END")

    def _rtree_triggers(self, table: str) -> None:
        """The spatial index triggers of the GeoPackage rtree extension (as GDAL writes them), so an edit made in
        QGIS keeps the index right. They call ST_* functions that GDAL and QGIS provide; this code never edits
        geometries in place, so it never fires the ones that need them."""
        t, g = quote(table), quote(GEOMETRY_COLUMN)
        r = quote(f"rtree_{table}_{GEOMETRY_COLUMN}")
        box = f'NEW."fid",ST_MinX(NEW.{g}), ST_MaxX(NEW.{g}),ST_MinY(NEW.{g}), ST_MaxY(NEW.{g})'
        name = f"rtree_{table}_{GEOMETRY_COLUMN}"
        for suffix, body in (
            ("insert", f"AFTER INSERT ON {t} WHEN (new.{g} NOT NULL AND NOT ST_IsEmpty(NEW.{g})) "
                       f"BEGIN INSERT OR REPLACE INTO {r} VALUES ({box}); END"),
            ("update1", f"AFTER UPDATE OF {g} ON {t} WHEN OLD.\"fid\" = NEW.\"fid\" AND (NEW.{g} NOTNULL AND NOT "
                        f"ST_IsEmpty(NEW.{g})) BEGIN INSERT OR REPLACE INTO {r} VALUES ({box}); END"),
            ("update2", f"AFTER UPDATE OF {g} ON {t} WHEN OLD.\"fid\" = NEW.\"fid\" AND (NEW.{g} ISNULL OR "
                        f"ST_IsEmpty(NEW.{g})) BEGIN DELETE FROM {r} WHERE id = OLD.\"fid\"; END"),
            ("update3", f"AFTER UPDATE ON {t} WHEN OLD.\"fid\" != NEW.\"fid\" AND (NEW.{g} NOTNULL AND NOT "
                        f"ST_IsEmpty(NEW.{g})) BEGIN DELETE FROM {r} WHERE id = OLD.\"fid\"; "
                        f"INSERT OR REPLACE INTO {r} VALUES ({box}); END"),
            ("update4", f"AFTER UPDATE ON {t} WHEN OLD.\"fid\" != NEW.\"fid\" AND (NEW.{g} ISNULL OR "
                        f"ST_IsEmpty(NEW.{g})) BEGIN DELETE FROM {r} WHERE id IN (OLD.\"fid\", NEW.\"fid\"); END"),
            ("delete", f"AFTER DELETE ON {t} WHEN old.{g} NOT NULL BEGIN DELETE FROM {r} WHERE id = OLD.\"fid\"; END"),
        ):
            self.conn.execute(f"CREATE TRIGGER {quote(f'{name}_{suffix}')} {body}")


def _gpkg_blob(geometry: ogr.Geometry, envelope: tuple[float, float, float, float]) -> bytes:
    """GeoPackage binary: magic, version 0, flags (little-endian, xy envelope), srs id, envelope, ISO WKB."""
    header = b"GP" + bytes([0, 0b0000_0011]) + struct.pack("<i4d", BNG_EPSG, *envelope)
    return header + bytes(geometry.ExportToIsoWkb(ogr.wkbNDR))


class _SpatiaLite:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        load_spatialite(conn)

    def drop(self, table: str) -> None:
        conn = self.conn
        if not _has_table(conn, table):
            return
        registered = conn.execute("SELECT spatial_index_enabled FROM geometry_columns WHERE "
                                  "lower(f_table_name) = lower(?) AND lower(f_geometry_column) = lower(?)",
                                  (table, GEOMETRY_COLUMN)).fetchone()
        if registered:
            if registered[0]:
                conn.execute("SELECT DisableSpatialIndex(?, ?)", (table, GEOMETRY_COLUMN))
            conn.execute(f"DROP TABLE IF EXISTS {quote(f'idx_{table}_{GEOMETRY_COLUMN}')}")
            conn.execute("SELECT DiscardGeometryColumn(?, ?)", (table, GEOMETRY_COLUMN))
        conn.execute(f"DROP TABLE {quote(table)}")
        for meta in ("geometry_columns_statistics", "geometry_columns_field_infos", "geometry_columns_time",
                     "geometry_columns_auth"):
            if _has_table(conn, meta):
                conn.execute(f"DELETE FROM {meta} WHERE lower(f_table_name) = lower(?)", (table,))

    def create(self, table: str, geometry_type: str, fields: Sequence[str],
               rows: Iterable[tuple[Sequence, ogr.Geometry]]) -> int:
        conn = self.conn
        if not conn.execute("SELECT 1 FROM spatial_ref_sys WHERE srid = ?", (BNG_EPSG,)).fetchone():
            conn.execute("SELECT InsertEpsgSrid(?)", (BNG_EPSG,))
        t, g = quote(table), quote(GEOMETRY_COLUMN)
        conn.execute(f"CREATE TABLE {t} (\"ogc_fid\" INTEGER PRIMARY KEY AUTOINCREMENT"
                     + "".join(f", {quote(f)} VARCHAR" for f in fields) + ")")
        made = conn.execute("SELECT AddGeometryColumn(?, ?, ?, ?, 'XY')",
                            (table, GEOMETRY_COLUMN, BNG_EPSG, geometry_type)).fetchone()[0]
        if made != 1:
            raise StoreError(f"SpatiaLite could not add the geometry column of layer {table}.")
        insert = (f"INSERT INTO {t} ({g}{''.join(', ' + quote(f) for f in fields)}) "
                  f"VALUES (GeomFromWKB(?, {BNG_EPSG}){', ?' * len(fields)})")
        count = 0
        for values, geometry in rows:
            conn.execute(insert, (bytes(geometry.ExportToIsoWkb()), *values))
            count += 1
        conn.execute("SELECT CreateSpatialIndex(?, ?)", (table, GEOMETRY_COLUMN))
        return count


def load_spatialite(conn: sqlite3.Connection) -> None:
    """Give the connection SpatiaLite's SQL functions (once), which SpatiaLite layers' triggers call."""
    try:
        conn.execute("SELECT spatialite_version()")
        return
    except sqlite3.OperationalError:
        pass
    try:
        conn.enable_load_extension(True)
        try:
            conn.load_extension("mod_spatialite")
        finally:
            conn.enable_load_extension(False)
    except (AttributeError, sqlite3.Error) as exc:
        raise StoreError("Writing layers into a SpatiaLite store needs the mod_spatialite library (on Debian the "
                         f"package libsqlite3-mod-spatialite), which this Python cannot load ({exc}).") from exc

"""Geometry layers (geographies, facility points) written by SQL inside the store's own transaction.

A layer and the catalogue rows that describe it must land together or not at all, so they are written on the
store's SQLite connection, never through a second OGR connection that commits on its own. The tables are laid
out as GDAL lays them out, so GDAL and QGIS read them as ordinary layers:

- GeoPackage: a feature table with its gpkg_contents, gpkg_geometry_columns and gpkg_ogr_contents rows, an R-tree
  spatial index (gpkg_rtree_index extension) and GDAL's triggers; geometries as GeoPackage binary (spec 2.1.3).
- SpatiaLite: a table with its geometry_columns rows, an R*Tree spatial index and SpatiaLite's triggers; geometries
  as SpatiaLite BLOBs. No SpatiaLite library is needed to write them.

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
    layout = _FORMATS[kind](conn)
    layout.drop(table)
    return layout.create(table, geometry_type, fields, rows)


def drop_table(conn: sqlite3.Connection, kind: str, table: str) -> None:
    """Remove a geometry table and everything registering it, inside the caller's transaction (no-op if absent)."""
    _FORMATS[kind](conn).drop(table)


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


def _bng_wkt() -> str:
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(BNG_EPSG)
    return srs.ExportToWkt()


class _Layout:
    """What GeoPackage and SpatiaLite share: a feature table (fid, geometry, text fields), an R-tree index filled
    from the features' envelopes, metadata rows keyed by the table's name, and triggers for later edits."""

    fid = "fid"
    text_type = "TEXT"
    index_columns = "id, minx, maxx, miny, maxy"
    meta_tables: tuple[str, ...] = ()
    meta_key = "table_name"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def index_name(self, table: str) -> str:
        raise NotImplementedError

    def blob(self, geometry: ogr.Geometry, envelope: tuple[float, float, float, float]) -> bytes:
        raise NotImplementedError

    def ensure_srs(self) -> None:
        raise NotImplementedError

    def register(self, table: str, geometry_type: str, boxes: list[tuple[int, float, float, float, float]]) -> None:
        """The metadata rows and triggers that make the table a layer."""
        raise NotImplementedError

    def drop(self, table: str) -> None:
        conn = self.conn
        if _has_table(conn, table):
            conn.execute(f"DROP TABLE {quote(table)}")  # its triggers go with it
        conn.execute(f"DROP TABLE IF EXISTS {quote(self.index_name(table))}")
        for meta in self.meta_tables:
            if _has_table(conn, meta):
                conn.execute(f"DELETE FROM {meta} WHERE lower({self.meta_key}) = lower(?)", (table,))  # nosec B608

    def create(self, table: str, geometry_type: str, fields: Sequence[str],
               rows: Iterable[tuple[Sequence, ogr.Geometry]]) -> int:
        conn = self.conn
        self.ensure_srs()
        t, g = quote(table), quote(GEOMETRY_COLUMN)
        conn.execute(f"CREATE TABLE {t} ({quote(self.fid)} INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, "
                     f"{g} {geometry_type}" + "".join(f", {quote(f)} {self.text_type}" for f in fields) + ")")
        insert = (f"INSERT INTO {t} ({g}{''.join(', ' + quote(f) for f in fields)}) "  # nosec B608
                  f"VALUES (?{', ?' * len(fields)})")
        boxes: list[tuple[int, float, float, float, float]] = []
        for values, geometry in rows:
            minx, maxx, miny, maxy = geometry.GetEnvelope()
            cursor = conn.execute(insert, (self.blob(geometry, (minx, maxx, miny, maxy)), *values))
            boxes.append((int(cursor.lastrowid or 0), minx, maxx, miny, maxy))
        index = quote(self.index_name(table))
        conn.execute(f"CREATE VIRTUAL TABLE {index} USING rtree({self.index_columns})")
        conn.executemany(f"INSERT INTO {index} VALUES (?, ?, ?, ?, ?)", boxes)  # nosec B608
        self.register(table, geometry_type, boxes)
        return len(boxes)


class _GeoPackage(_Layout):
    meta_tables = ("gpkg_contents", "gpkg_geometry_columns", "gpkg_ogr_contents", "gpkg_extensions",
                   "gpkg_data_columns", "gpkg_metadata_reference")

    def index_name(self, table: str) -> str:
        return f"rtree_{table}_{GEOMETRY_COLUMN}"

    def blob(self, geometry: ogr.Geometry, envelope: tuple[float, float, float, float]) -> bytes:
        return gpkg_blob(geometry, envelope)

    def register(self, table: str, geometry_type: str, boxes: list[tuple[int, float, float, float, float]]) -> None:
        conn = self.conn
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

    def ensure_srs(self) -> None:
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
                f"CREATE TRIGGER {quote(f'trigger_{action}_feature_count_{table}')} AFTER {action.upper()} ON {t} "  # nosec B608
                f"BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count {sign} 1 "
                f"WHERE lower(table_name) = lower({lit}); END")

    def _rtree_triggers(self, table: str) -> None:
        """The spatial index triggers of the GeoPackage rtree extension, as GDAL writes them for the file's
        version (GeoPackage 1.4, which GDAL 3.7+ creates, replaced update1/update3 by update5-7), so an edit made
        in QGIS keeps the index right. They call ST_* functions that GDAL and QGIS provide; this code never edits
        geometries in place, so it never fires the ones that need them."""
        t, g = quote(table), quote(GEOMETRY_COLUMN)
        r = quote(f"rtree_{table}_{GEOMETRY_COLUMN}")
        box = f'NEW."fid",ST_MinX(NEW.{g}), ST_MaxX(NEW.{g}),ST_MinY(NEW.{g}), ST_MaxY(NEW.{g})'
        name = f"rtree_{table}_{GEOMETRY_COLUMN}"
        same, moved = 'OLD."fid" = NEW."fid"', 'OLD."fid" != NEW."fid"'
        new_ok, new_none = f"(NEW.{g} NOTNULL AND NOT ST_IsEmpty(NEW.{g}))", f"(NEW.{g} ISNULL OR ST_IsEmpty(NEW.{g}))"
        old_ok, old_none = f"(OLD.{g} NOTNULL AND NOT ST_IsEmpty(OLD.{g}))", f"(OLD.{g} ISNULL OR ST_IsEmpty(OLD.{g}))"
        insert = ("insert", f"AFTER INSERT ON {t} WHEN (new.{g} NOT NULL AND NOT ST_IsEmpty(NEW.{g})) "
                            f"BEGIN INSERT OR REPLACE INTO {r} VALUES ({box}); END")
        update2 = ("update2", f"AFTER UPDATE OF {g} ON {t} WHEN {same} AND {new_none} "  # nosec B608
                              f'BEGIN DELETE FROM {r} WHERE id = OLD."fid"; END')
        update4 = ("update4", f"AFTER UPDATE ON {t} WHEN {moved} AND {new_none} "  # nosec B608
                              f'BEGIN DELETE FROM {r} WHERE id IN (OLD."fid", NEW."fid"); END')
        delete = ("delete", f"AFTER DELETE ON {t} WHEN old.{g} NOT NULL "  # nosec B608
                            f'BEGIN DELETE FROM {r} WHERE id = OLD."fid"; END')
        moved_body = f'BEGIN DELETE FROM {r} WHERE id = OLD."fid"; INSERT OR REPLACE INTO {r} VALUES ({box}); END'  # nosec B608
        triggers: tuple[tuple[str, str], ...]
        if self.conn.execute("PRAGMA user_version").fetchone()[0] >= 10400:
            triggers = (
                insert,
                ("update6", f"AFTER UPDATE OF {g} ON {t} WHEN {same} AND {new_ok} AND {old_ok} BEGIN UPDATE {r} SET "  # nosec B608
                            f"minx = ST_MinX(NEW.{g}), maxx = ST_MaxX(NEW.{g}),miny = ST_MinY(NEW.{g}), "
                            f'maxy = ST_MaxY(NEW.{g}) WHERE id = NEW."fid";END'),
                ("update7", f"AFTER UPDATE OF {g} ON {t} WHEN {same} AND {new_ok} AND {old_none} "  # nosec B608
                            f"BEGIN INSERT INTO {r} VALUES ({box}); END"),
                update2,
                ("update5", f"AFTER UPDATE ON {t} WHEN {moved} AND {new_ok} {moved_body}"),
                update4, delete)
        else:
            triggers = (
                insert,
                ("update1", f"AFTER UPDATE OF {g} ON {t} WHEN {same} AND {new_ok} "
                            f"BEGIN INSERT OR REPLACE INTO {r} VALUES ({box}); END"),
                update2,
                ("update3", f"AFTER UPDATE ON {t} WHEN {moved} AND {new_ok} {moved_body}"),
                update4, delete)
        for suffix, body in triggers:
            self.conn.execute(f"CREATE TRIGGER {quote(f'{name}_{suffix}')} {body}")


def gpkg_blob(geometry: ogr.Geometry, envelope: tuple[float, float, float, float]) -> bytes:
    """GeoPackage binary: magic, version 0, flags (little-endian, xy envelope), srs id, envelope, ISO WKB."""
    header = b"GP" + bytes([0, 0b0000_0011]) + struct.pack("<i4d", BNG_EPSG, *envelope)
    return header + bytes(geometry.ExportToIsoWkb(ogr.wkbNDR))


class _SpatiaLite(_Layout):
    """SpatiaLite 4+/5 metadata, written with plain SQL (no mod_spatialite needed here). SpatiaLite's own
    management functions are not used: they report failures on stderr and carry on, which a transaction that
    must land whole cannot allow."""

    fid = "ogc_fid"
    text_type = "VARCHAR"
    index_columns = "pkid, xmin, xmax, ymin, ymax"
    meta_tables = ("geometry_columns_statistics", "geometry_columns_field_infos", "geometry_columns_time",
                   "geometry_columns_auth", "geometry_columns")
    meta_key = "f_table_name"

    def index_name(self, table: str) -> str:
        return f"idx_{table}_{GEOMETRY_COLUMN}"

    def blob(self, geometry: ogr.Geometry, envelope: tuple[float, float, float, float]) -> bytes:
        return spatialite_blob(geometry, envelope)

    def register(self, table: str, geometry_type: str, boxes: list[tuple[int, float, float, float, float]]) -> None:
        conn = self.conn
        key = (table.lower(), GEOMETRY_COLUMN)
        conn.execute("INSERT INTO geometry_columns (f_table_name, f_geometry_column, geometry_type, coord_dimension, "
                     "srid, spatial_index_enabled) VALUES (?, ?, ?, 2, ?, 1)",
                     (*key, SPATIALITE_TYPES[geometry_type], BNG_EPSG))
        for meta, sql in (
            ("geometry_columns_auth", "INSERT INTO geometry_columns_auth (f_table_name, f_geometry_column, read_only, "
                                      "hidden) VALUES (?, ?, 0, 0)"),
            ("geometry_columns_statistics", "INSERT INTO geometry_columns_statistics (f_table_name, "
                                            "f_geometry_column) VALUES (?, ?)"),
            ("geometry_columns_time", "INSERT INTO geometry_columns_time (f_table_name, f_geometry_column) "
                                      "VALUES (?, ?)"),
        ):
            if _has_table(conn, meta):
                conn.execute(sql, key)
        self._triggers(table)

    def ensure_srs(self) -> None:
        if self.conn.execute("SELECT 1 FROM spatial_ref_sys WHERE srid = ?", (BNG_EPSG,)).fetchone():
            return
        srs = osr.SpatialReference()
        srs.ImportFromEPSG(BNG_EPSG)
        self.conn.execute("INSERT INTO spatial_ref_sys (srid, auth_name, auth_srid, ref_sys_name, proj4text, srtext) "
                          "VALUES (?, 'epsg', ?, 'OSGB 1936 / British National Grid', ?, ?)",
                          (BNG_EPSG, BNG_EPSG, srs.ExportToProj4(), srs.ExportToWkt()))

    def _triggers(self, table: str) -> None:
        """SpatiaLite 5's triggers for a geometry column (type/SRID check, edit times, R*Tree index), as
        AddGeometryColumn and CreateSpatialIndex write them, so that an edit made in QGIS keeps the layer right.
        They call SpatiaLite functions, which QGIS and GDAL load; this code never edits in place."""
        t, g = quote(table), quote(GEOMETRY_COLUMN)
        lit = "'" + table.replace("'", "''") + "'"
        index = quote(f"idx_{table}_{GEOMETRY_COLUMN}")
        index_lit = "'" + f"idx_{table}_{GEOMETRY_COLUMN}".replace("'", "''") + "'"
        where = f"WHERE Lower(f_table_name) = Lower({lit}) AND Lower(f_geometry_column) = Lower('{GEOMETRY_COLUMN}')"
        check = (f"FOR EACH ROW BEGIN\nSELECT RAISE(ROLLBACK, '{table}.{GEOMETRY_COLUMN} violates Geometry "  # nosec B608
                 "constraint [geom-type or SRID not allowed]')\nWHERE (SELECT geometry_type FROM geometry_columns\n"
                 f"{where}\nAND GeometryConstraints(NEW.{g}, geometry_type, srid) = 1) IS NULL;\nEND")
        for name, body in (
            ("ggi", f"BEFORE INSERT ON {t}\n{check}"),
            ("ggu", f"BEFORE UPDATE OF {g} ON {t}\n{check}"),
            ("tmu", f"AFTER UPDATE ON {t}\nFOR EACH ROW BEGIN\nUPDATE geometry_columns_time SET last_update = "  # nosec B608
                    f"strftime('%Y-%m-%dT%H:%M:%fZ', 'now')\n{where};\nEND"),
            ("tmi", f"AFTER INSERT ON {t}\nFOR EACH ROW BEGIN\nUPDATE geometry_columns_time SET last_insert = "  # nosec B608
                    f"strftime('%Y-%m-%dT%H:%M:%fZ', 'now')\n{where};\nEND"),
            ("tmd", f"AFTER DELETE ON {t}\nFOR EACH ROW BEGIN\nUPDATE geometry_columns_time SET last_delete = "  # nosec B608
                    f"strftime('%Y-%m-%dT%H:%M:%fZ', 'now')\n{where};\nEND"),
            ("gii", f"AFTER INSERT ON {t}\nFOR EACH ROW BEGIN\nDELETE FROM {index} WHERE pkid=NEW.ROWID;\n"  # nosec B608
                    f"SELECT RTreeAlign({index_lit}, NEW.ROWID, NEW.{g});\nEND"),
            ("giu", f"AFTER UPDATE OF {g} ON {t}\nFOR EACH ROW BEGIN\nDELETE FROM {index} WHERE pkid=NEW.ROWID;\n"  # nosec B608
                    f"SELECT RTreeAlign({index_lit}, NEW.ROWID, NEW.{g});\nEND"),
            ("gid", f"AFTER DELETE ON {t}\nFOR EACH ROW BEGIN\nDELETE FROM {index} WHERE pkid=OLD.ROWID;\nEND"),  # nosec B608
        ):
            self.conn.execute(f"CREATE TRIGGER {quote(f'{name}_{table}_{GEOMETRY_COLUMN}')} {body}")


#: SpatiaLite's geometry_type codes (OGC: 1 point ... 6 multipolygon, 2D)
SPATIALITE_TYPES = {"POINT": 1, "MULTIPOLYGON": 6}


def spatialite_blob(geometry: ogr.Geometry, envelope: tuple[float, float, float, float]) -> bytes:
    """SpatiaLite's internal BLOB for a 2D point or multipolygon: start 0x00, little-endian 0x01, SRID, MBR,
    0x7C, class type, the body (a point's x y; a multipolygon's polygons, each after an 0x69 entity mark, as
    rings of points), end 0xFE."""
    minx, maxx, miny, maxy = envelope
    kind = ogr.GT_Flatten(geometry.GetGeometryType())
    out = [struct.pack("<BBi4dB", 0x00, 0x01, BNG_EPSG, minx, miny, maxx, maxy, 0x7C)]
    if kind == ogr.wkbPoint:
        out.append(struct.pack("<i2d", 1, geometry.GetX(), geometry.GetY()))
    elif kind == ogr.wkbMultiPolygon:
        out.append(struct.pack("<ii", 6, geometry.GetGeometryCount()))
        for i in range(geometry.GetGeometryCount()):
            polygon = geometry.GetGeometryRef(i)
            out.append(struct.pack("<Bii", 0x69, 3, polygon.GetGeometryCount()))
            for j in range(polygon.GetGeometryCount()):
                ring = polygon.GetGeometryRef(j)
                points = ring.GetPoints() or []
                out.append(struct.pack("<i", len(points)))
                out.append(struct.pack(f"<{2 * len(points)}d", *(c for p in points for c in p[:2])))
    else:
        raise StoreError(f"A store layer holds points or multipolygons, not {geometry.GetGeometryName()}.")
    out.append(b"\xfe")
    return b"".join(out)


_FORMATS: dict[str, type[_Layout]] = {"gpkg": _GeoPackage, "sqlite": _SpatiaLite}

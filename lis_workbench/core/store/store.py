"""The indicator store: one GeoPackage or SpatiaLite file holding geographies, lookups, the
catalogue, indicator values in long form and an audit log of every change."""

from __future__ import annotations

import datetime as _dt
import getpass
import hashlib
import json
import os
import socket
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from osgeo import ogr

from ..errors import GeographyError, IndicatorNotFound, StoreError
from ..whole_files import written_whole
from . import feature_tables, layers, schema
from .connection import busy_message, connect, is_busy, write_transaction
from .names import check_indicator_id, check_layer_name

CATALOGUE_FIELDS = ("id", "title", "theme", "unit", "value_type", "polarity", "geography",
                    "source", "partner", "licence", "notes", "denominator", "import_file", "import_checksum",
                    "row_count", "imported_at")
VALUE_FIELDS = ("value", "numerator", "denominator", "lower_ci", "upper_ci")
POLARITIES = ("high_is_bad", "high_is_good", "neutral")


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


def _kind_of(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix == ".gpkg":
        return "gpkg"
    if suffix in (".sqlite", ".db", ".spatialite"):
        return "sqlite"
    raise StoreError(f"{path}: a store is a GeoPackage (.gpkg) or SpatiaLite (.sqlite) file.")


@dataclass
class GeographyReport:
    """What add_geography did: features written, geometries repaired, features dropped."""

    name: str
    feature_count: int
    repaired: list[str] = field(default_factory=list)
    pruned: dict = field(default_factory=dict)  # codes, values {indicator: n}, lookups {name: n}, emptied_*


@dataclass
class ValueRows:
    """Validated rows ready to write: one indicator's catalogue entry and its values."""

    entry: dict
    frame: pd.DataFrame  # area_code, period, value, numerator, denominator, lower_ci, upper_ci, suppressed


class Store:
    """An open indicator store. Create with Store.create(path) or open with Store.open(path)."""

    def __init__(self, path: str, conn: sqlite3.Connection, kind: str) -> None:
        self.path = str(path)
        self.kind = kind
        self._conn = conn

    # ----------------------------------------------------------------- open / create
    @classmethod
    def create(cls, path: str | os.PathLike, overwrite: bool = False) -> Store:
        """Create a new, empty store file (GeoPackage or SpatiaLite by extension).

        The file is made beside its final name and moved into place when complete, so a crash never leaves a
        half-made store (nor, with overwrite, loses the old one before the new one is whole)."""
        path = str(path)
        kind = _kind_of(path)
        if os.path.exists(path) and not overwrite:
            raise StoreError(f"{path} already exists; choose another name or remove it first.")
        folder = Path(path).resolve().parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot create the store {path}: {exc.strerror} ({folder}).") from exc
        with written_whole(path) as partial:
            layers.create_container(str(partial), kind)
            conn = connect(str(partial))
            try:
                with write_transaction(conn, "creating the store", path):
                    for name, ddl in schema.TABLES.items():
                        conn.execute(ddl)
                        if kind == "gpkg":
                            conn.execute(
                                "INSERT INTO gpkg_contents (table_name, data_type, identifier, last_change) "
                                "VALUES (?, 'attributes', ?, strftime('%Y-%m-%dT%H:%M:%fZ','now'))", (name, name))
                    for ddl in schema.INDEXES:
                        conn.execute(ddl)
                    conn.executemany("INSERT INTO lis_meta (key, value) VALUES (?, ?)", [
                        ("schema_version", str(schema.SCHEMA_VERSION)),
                        ("created_at", _now()),
                        ("created_by", _tool_version()),
                    ])
            finally:
                conn.close()
        return cls(path, connect(path), kind)

    @classmethod
    def open(cls, path: str | os.PathLike) -> Store:
        """Open an existing store, migrating an older schema or refusing a newer one."""
        path = str(path)
        kind = _kind_of(path)
        if not os.path.exists(path):
            raise StoreError(f"There is no store at {path}. Create one with `lis store create {path}`.")
        conn = None
        try:
            conn = connect(path)
            row = conn.execute("SELECT value FROM lis_meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            if conn is not None:
                conn.close()
            if is_busy(exc):
                raise StoreError(busy_message(path, "opening it")) from exc
            name = getattr(exc, "sqlite_errorname", "")
            if name in ("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_AUTH") or name.startswith("SQLITE_IOERR"):
                raise StoreError(f"Cannot open the store {path} ({exc}): check that you may read it and its "
                                 "folder.") from exc
            raise StoreError(f"{path} is not an LIS Workbench store ({exc}).") from exc
        if row is None:
            conn.close()
            raise StoreError(f"{path} is not an LIS Workbench store (it has no schema version).")
        try:
            version = int(str(row[0]).strip())
        except ValueError:
            conn.close()
            raise StoreError(f"The store {path} is damaged: its version record (lis_meta schema_version) reads "
                             f"'{row[0]}', not a number. Restore it from a backup.") from None
        if version > schema.SCHEMA_VERSION:
            conn.close()
            raise StoreError(
                f"{path} was made by a newer LIS Workbench (store version {version}; this one reads up to "
                f"{schema.SCHEMA_VERSION}). Update the plugin to open it.")
        if version < 1:
            conn.close()
            raise StoreError(f"The store {path} is damaged: its version record reads {version}.")
        try:
            while version < schema.SCHEMA_VERSION:
                migrate = schema.MIGRATIONS.get(version)
                if migrate is None:
                    raise StoreError(f"{path} has store version {version}, which cannot be upgraded.")
                with write_transaction(conn, f"upgrading the store from version {version}", path):
                    migrate(conn)
                    version += 1
                    conn.execute("UPDATE lis_meta SET value = ? WHERE key = 'schema_version'", (str(version),))
        except BaseException:
            conn.close()
            raise
        return cls(path, conn, kind)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self._scalar("SELECT value FROM lis_meta WHERE key = 'schema_version'"))

    # ----------------------------------------------------------------- geographies
    def _write(self, what: str):
        """One all-or-nothing write on the store's connection (see connection.write_transaction)."""
        return write_transaction(self._conn, what, self.path)

    def add_geography(self, name: str, source: str, *, layer: str | None = None,
                      code_field: str | None = None, name_field: str | None = None,
                      title: str | None = None, replace: bool = False, crs: str | None = None,
                      prune: bool = False) -> GeographyReport:
        """Add a polygon layer (any OGR file, any CRS) as geography `name`, in EPSG:27700.

        Invalid geometries are repaired (and reported); missing or duplicate codes are errors; a file that does
        not say its CRS needs `crs`; areas outside Great Britain are refused. Replacing a geography may not drop
        codes that values or lookups still use unless `prune` deletes those values and lookup rows too."""
        check_layer_name(name)
        self._check_new_geography(name, replace)
        features, fields = layers.read_source(source, layer, crs)
        if not features:
            raise GeographyError(f"{source} has no features.")
        code_field = code_field or _guess_field(fields, ("area_code", "code", "cd"), source, "area code")
        name_field = name_field or _name_field_for(code_field, fields)
        seen: dict[str, int] = {}
        rows, repaired = [], []
        for feat in features:
            code = feat.attributes.get(code_field)
            code = str(code).strip() if code is not None else ""
            if not code:
                raise GeographyError(f"{source}, feature {feat.row}: the area code ('{code_field}') is empty.")
            if code in seen:
                raise GeographyError(f"{source}, feature {feat.row}: area code {code} is repeated "
                                     f"(first at feature {seen[code]}). Area codes must be unique.")
            seen[code] = feat.row
            if feat.geometry is None:
                raise GeographyError(f"{source}, feature {feat.row} ({code}): it has no geometry.")
            geom, was_repaired = layers.as_multipolygon(feat.geometry)
            if geom is None:
                raise GeographyError(f"{source}, feature {feat.row} ({code}): it is not a polygon "
                                     "(or nothing is left of it after repair).")
            if was_repaired:
                repaired.append(code)
            area_name = feat.attributes.get(name_field) if name_field else None
            rows.append(((code, None if area_name is None else str(area_name)), geom))
        pruned = self._write_layer_and_register(name, "areas", f"geo_{name}", "MULTIPOLYGON",
                                                ["area_code", "area_name"], rows, title or name, source,
                                                len(repaired), prune)
        return GeographyReport(name, len(rows), repaired, pruned)

    def add_points(self, name: str, frame: pd.DataFrame, x: str, y: str, *, crs_epsg: int = 27700,
                   code_field: str | None = None, name_field: str | None = None,
                   title: str | None = None, source: str | None = None,
                   replace: bool = False) -> int:
        """Add a facilities point layer from a table with coordinates (any CRS EPSG code), checked to lie in
        Great Britain."""
        from osgeo import osr

        check_layer_name(name)
        self._check_new_geography(name, replace)
        where = source or name
        src = layers.source_crs(None, str(crs_epsg), where)
        transform = None if crs_epsg == layers.BNG_EPSG else osr.CoordinateTransformation(src, layers._bng())
        keep = [c for c in frame.columns if c not in (x, y)]
        rows, source_points = [], []
        for i, rec in enumerate(frame.itertuples(index=False), start=2):
            values = dict(zip(frame.columns, rec))
            try:
                px, py = float(values[x]), float(values[y])
            except (TypeError, ValueError):
                raise GeographyError(f"{where}, row {i}: coordinates '{values[x]}', '{values[y]}' "
                                     "are not numbers.") from None
            if pd.isna(px) or pd.isna(py):
                raise GeographyError(f"{where}, row {i}: the coordinates are missing.")
            source_points.append((px, px, py, py))
            pt = ogr.Geometry(ogr.wkbPoint)
            pt.AddPoint_2D(px, py)
            if transform is not None:
                pt.Transform(transform)
            code = values.get(code_field) if code_field else i - 1
            label = values.get(name_field) if name_field else None
            attrs = [str(code), None if label is None else str(label)]
            attrs += [None if pd.isna(values[c]) else str(values[c]) for c in keep]
            rows.append((attrs, pt))
        layers.check_coordinates(source_points, src, where)
        layers.check_in_great_britain([(f"row {i}", pt.GetEnvelope()) for i, (_, pt) in enumerate(rows, start=2)],
                                      where)
        fields = ["area_code", "area_name"]
        for column in keep:
            safe = _safe_field(column)
            while safe in fields:
                safe = f"src_{safe}"
            fields.append(safe)
        self._write_layer_and_register(name, "points", f"pts_{name}", "POINT", fields, rows, title or name,
                                       source, 0, prune=False)
        return len(rows)

    def _check_new_geography(self, name: str, replace: bool) -> None:
        if name in self.geography_names() and not replace:
            raise GeographyError(f"The store already has a geography or layer called '{name}'.", option="replace")

    def _write_layer_and_register(self, name: str, kind: str, layer_name: str, geometry_type: str,
                                  fields: list[str], rows: list, title: str, source: str | None, repaired: int,
                                  prune: bool) -> dict:
        """Write the layer and its catalogue rows in one transaction (codes dropped by a replacement checked, or
        pruned, inside it); returns what was pruned."""
        conn = self._conn
        codes = [(name, values[0], values[1]) for values, _ in rows]
        with self._write(f"adding geography {name}"):
            old = conn.execute("SELECT layer_name FROM lis_geography WHERE name = ?", (name,)).fetchone()
            pruned = self._release_codes(name, {c for _, c, _ in codes}, prune) if old else {}
            if old and old[0] != layer_name:
                feature_tables.drop_table(conn, self.kind, old[0])
            feature_tables.replace_table(conn, self.kind, layer_name, geometry_type, fields, rows)
            conn.execute("DELETE FROM lis_geography WHERE name = ?", (name,))
            conn.execute("DELETE FROM lis_area WHERE geography = ?", (name,))
            conn.execute(
                "INSERT INTO lis_geography (name, kind, title, layer_name, source, feature_count, "
                "repaired, added_at) VALUES (?,?,?,?,?,?,?,?)",
                (name, kind, title, layer_name, _basename(source), len(rows), repaired, _now()))
            conn.executemany("INSERT INTO lis_area (geography, area_code, area_name) VALUES (?,?,?)", codes)
            self._audit("add_geography", name, source, None, len(rows), None,
                        f"{kind} layer {layer_name}" + (f", {repaired} geometries repaired" if repaired else "")
                        + (f"; pruned {_pruned_words(pruned)}" if pruned else ""))
        return pruned

    def _release_codes(self, geography: str, kept: set[str], prune: bool) -> dict:
        """Codes of `geography` not in `kept` that values or lookups still use: refused, or (prune) deleted with
        those values and lookup rows. Runs inside the replacing transaction. Returns what was pruned."""
        conn = self._conn
        dropped = sorted(set(self.area_codes(geography)) - kept)
        if not dropped:
            return {}
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS lis_dropped (area_code TEXT PRIMARY KEY)")
        conn.execute("DELETE FROM temp.lis_dropped")
        conn.executemany("INSERT INTO temp.lis_dropped VALUES (?)", [(c,) for c in dropped])
        value_where = ("indicator IN (SELECT id FROM lis_catalogue WHERE geography = ?) "
                       "AND area_code IN (SELECT area_code FROM temp.lis_dropped)")
        lookup_where = ("(lookup IN (SELECT name FROM lis_lookup WHERE from_geography = ?) AND from_code IN "
                        "(SELECT area_code FROM temp.lis_dropped)) OR (lookup IN (SELECT name FROM lis_lookup "
                        "WHERE to_geography = ?) AND to_code IN (SELECT area_code FROM temp.lis_dropped))")
        values = dict(conn.execute(f"SELECT indicator, COUNT(*) FROM lis_value WHERE {value_where} "
                                   "GROUP BY indicator ORDER BY indicator", (geography,)).fetchall())
        lookups = dict(conn.execute(f"SELECT lookup, COUNT(*) FROM lis_lookup_row WHERE {lookup_where} "
                                    "GROUP BY lookup ORDER BY lookup", (geography, geography)).fetchall())
        used = [r[0] for r in conn.execute(
            f"SELECT DISTINCT area_code FROM lis_value WHERE {value_where} UNION SELECT from_code FROM "
            f"lis_lookup_row WHERE {lookup_where} UNION SELECT to_code FROM lis_lookup_row WHERE {lookup_where} "
            "ORDER BY 1", (geography, geography, geography, geography, geography))]
        used = [c for c in used if c in set(dropped)]
        if not used:
            return {}
        what = {"codes": used, "values": values, "lookups": lookups}
        if not prune:
            raise GeographyError(
                f"The new boundaries of {geography} leave out {len(used)} area code(s) that the store still uses: "
                f"{', '.join(used[:10])}{', ...' if len(used) > 10 else ''} ({_pruned_words(what)}). Nothing was "
                "changed. Give boundaries that keep those codes, or prune: delete those values and lookup rows "
                "with the old areas.", option="prune")
        conn.execute(f"DELETE FROM lis_value WHERE {value_where}", (geography,))
        conn.execute(f"DELETE FROM lis_lookup_row WHERE {lookup_where}", (geography, geography))
        for ind in values:
            conn.execute("UPDATE lis_catalogue SET row_count = (SELECT COUNT(*) FROM lis_value WHERE indicator = ?) "
                         "WHERE id = ?", (ind, ind))
        what["emptied_indicators"] = [r[0] for r in conn.execute(
            "SELECT id FROM lis_catalogue c WHERE geography = ? AND NOT EXISTS (SELECT 1 FROM lis_value v WHERE "
            "v.indicator = c.id) ORDER BY id", (geography,))]
        conn.executemany("DELETE FROM lis_catalogue WHERE id = ?", [(i,) for i in what["emptied_indicators"]])
        what["emptied_lookups"] = [r[0] for r in conn.execute(
            "SELECT name FROM lis_lookup l WHERE NOT EXISTS (SELECT 1 FROM lis_lookup_row r WHERE r.lookup = l.name)"
            " ORDER BY name")]
        conn.executemany("DELETE FROM lis_lookup WHERE name = ?", [(n,) for n in what["emptied_lookups"]])
        return what

    def geography_names(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT name FROM lis_geography ORDER BY name")]

    def geographies(self) -> pd.DataFrame:
        """One row per geography or point layer: name, kind, title, layer, source, features."""
        return pd.read_sql_query(
            "SELECT name, kind, title, layer_name, source, feature_count, repaired, added_at "
            "FROM lis_geography ORDER BY kind, name", self._conn)

    def geography(self, name: str) -> dict:
        row = self._conn.execute("SELECT name, kind, title, layer_name, feature_count FROM lis_geography "
                                 "WHERE name = ?", (name,)).fetchone()
        if row is None:
            known = ", ".join(self.geography_names()) or "none yet"
            raise GeographyError(f"The store has no geography '{name}' (it has: {known}).")
        return dict(zip(("name", "kind", "title", "layer_name", "feature_count"), row))

    def area_codes(self, geography: str) -> dict[str, str | None]:
        """{area_code: area_name} of one geography."""
        self.geography(geography)
        return dict(self._conn.execute(
            "SELECT area_code, area_name FROM lis_area WHERE geography = ?", (geography,)).fetchall())

    def areas(self, geography: str, with_geometry: bool = True) -> pd.DataFrame:
        """The areas of a geography: area_code, area_name (and geometry as WKB)."""
        info = self.geography(geography)
        frame = pd.DataFrame(sorted(self.area_codes(geography).items()), columns=["area_code", "area_name"])
        if with_geometry:
            wkb = layers.read_geometries(self.path, info["layer_name"])
            frame["geometry"] = frame["area_code"].map(wkb)
        return frame

    def points(self, name: str, where: str | None = None) -> pd.DataFrame:
        """A facilities point layer (or any geography, at its features' centroids) as a table with every
        attribute plus x, y in EPSG:27700, optionally filtered by an attribute expression."""
        info = self.geography(name)
        rows = layers.read_points(self.path, info["layer_name"], where)
        frame = pd.DataFrame(rows)
        if frame.empty:
            frame = pd.DataFrame(columns=["area_code", "area_name", "x", "y"])
        return frame

    # ----------------------------------------------------------------- lookups
    def add_lookup(self, name: str, from_geography: str, to_geography: str, pairs: pd.DataFrame,
                   *, method: str = "given", source: str | None = None, replace: bool = False) -> int:
        """Store a lookup (from_code, to_code[, weight]) between two geographies of the store."""
        check_layer_name(name)
        from_codes = self.area_codes(from_geography)
        to_codes = self.area_codes(to_geography)
        missing = [c for c in ("from_code", "to_code") if c not in pairs.columns]
        if missing:
            raise GeographyError(f"Lookup {name}: missing column(s) {', '.join(missing)}.")
        pairs = pairs.copy()
        if "weight" not in pairs.columns:
            pairs["weight"] = 1.0
        for col, known, geog in (("from_code", from_codes, from_geography),
                                 ("to_code", to_codes, to_geography)):
            bad = sorted(set(pairs[col]) - set(known))
            if bad:
                raise GeographyError(f"Lookup {name}: {len(bad)} code(s) in {col} are not in geography "
                                     f"{geog}, e.g. {', '.join(map(str, bad[:5]))}.")
        if self._scalar("SELECT COUNT(*) FROM lis_lookup WHERE name = ?", (name,)) and not replace:
            raise GeographyError(f"The store already has a lookup called '{name}'.")
        with self._write(f"adding lookup {name}"):
            self._conn.execute("DELETE FROM lis_lookup WHERE name = ?", (name,))
            self._conn.execute("DELETE FROM lis_lookup_row WHERE lookup = ?", (name,))
            self._conn.execute(
                "INSERT INTO lis_lookup (name, from_geography, to_geography, method, source, added_at) "
                "VALUES (?,?,?,?,?,?)", (name, from_geography, to_geography, method, _basename(source), _now()))
            self._conn.executemany(
                "INSERT INTO lis_lookup_row (lookup, from_code, to_code, weight) VALUES (?,?,?,?)",
                [(name, str(a), str(b), float(w)) for a, b, w in
                 pairs[["from_code", "to_code", "weight"]].itertuples(index=False)])
            self._audit("add_lookup", name, source, None, len(pairs), None,
                        f"{from_geography} -> {to_geography} ({method})")
        return len(pairs)

    def lookups(self) -> pd.DataFrame:
        return pd.read_sql_query(
            "SELECT l.name, l.from_geography, l.to_geography, l.method, l.source, "
            "(SELECT COUNT(*) FROM lis_lookup_row r WHERE r.lookup = l.name) AS rows "
            "FROM lis_lookup l ORDER BY l.name", self._conn)

    def lookup(self, name: str) -> pd.DataFrame:
        """The rows of one lookup: from_code, to_code, weight."""
        if not self._scalar("SELECT COUNT(*) FROM lis_lookup WHERE name = ?", (name,)):
            raise GeographyError(f"The store has no lookup '{name}'.")
        return pd.read_sql_query("SELECT from_code, to_code, weight FROM lis_lookup_row WHERE lookup = ? "
                                 "ORDER BY from_code, to_code", self._conn, params=(name,))

    # ----------------------------------------------------------------- catalogue
    def catalogue(self, search: str | None = None, theme: str | None = None,
                  geography: str | None = None) -> pd.DataFrame:
        """The catalogue, one row per indicator, with its periods; filtered by text, theme, geography."""
        sql = ("SELECT c.id, c.title, c.theme, c.unit, c.value_type, c.polarity, c.geography, c.source, "
               "c.partner, c.licence, c.notes, c.denominator, c.import_file, c.import_checksum, c.row_count, "
               "c.imported_at, "
               "(SELECT group_concat(period, ',') FROM (SELECT DISTINCT period FROM lis_value v "
               " WHERE v.indicator = c.id ORDER BY period)) AS periods FROM lis_catalogue c WHERE 1=1")
        params: list = []
        if search:
            for word in search.split():
                sql += (" AND (c.id LIKE ? OR c.title LIKE ? OR c.theme LIKE ? OR c.source LIKE ? "
                        "OR c.notes LIKE ?)")
                params += [f"%{word}%"] * 5
        if theme:
            sql += " AND c.theme LIKE ?"
            params.append(f"%{theme}%")
        if geography:
            sql += " AND c.geography = ?"
            params.append(geography)
        sql += " ORDER BY c.theme, c.id"
        frame = pd.read_sql_query(sql, self._conn, params=params)
        frame["periods"] = frame["periods"].fillna("").map(lambda s: [p for p in s.split(",") if p])
        return frame

    def indicator(self, indicator_id: str) -> dict:
        """The catalogue entry of one indicator, with its periods."""
        row = self._conn.execute(f"SELECT {', '.join(CATALOGUE_FIELDS)} FROM lis_catalogue WHERE id = ?",
                                 (indicator_id,)).fetchone()
        if row is None:
            close = [r[0] for r in self._conn.execute(
                "SELECT id FROM lis_catalogue WHERE id LIKE ? LIMIT 5", (f"%{indicator_id}%",))]
            hint = f" Did you mean: {', '.join(close)}?" if close else " `lis list STORE` shows them all."
            raise IndicatorNotFound(f"The store has no indicator '{indicator_id}'.{hint}")
        entry = dict(zip(CATALOGUE_FIELDS, row))
        entry["periods"] = self.periods(indicator_id)
        return entry

    def periods(self, indicator_id: str) -> list[str]:
        return [r[0] for r in self._conn.execute(
            "SELECT DISTINCT period FROM lis_value WHERE indicator = ? ORDER BY period", (indicator_id,))]

    def get_values(self, indicator_id: str, period: str | None = None, with_geometry: bool = False,
                   areas: Iterable[str] | None = None, all_areas: bool = False) -> pd.DataFrame:
        """One indicator's values (latest period unless one is given), with area names and,
        if asked, geometry as WKB: area_code, area_name, period, value, numerator, denominator,
        lower_ci, upper_ci, suppressed[, geometry]. `areas` limits the rows to those codes
        (e.g. one borough's LSOAs); `all_areas` adds the geography's areas that have no value (value
        NaN), so a map shows them as "no data" instead of leaving holes."""
        entry = self.indicator(indicator_id)
        if period is None:
            if not entry["periods"]:
                raise IndicatorNotFound(f"Indicator '{indicator_id}' has no values.")
            period = entry["periods"][-1]
        elif str(period) not in entry["periods"]:
            raise IndicatorNotFound(f"Indicator '{indicator_id}' has no period '{period}'; "
                                    f"it has: {', '.join(entry['periods'])}.")
        if all_areas:
            sql = ("SELECT a.area_code, a.area_name, ? AS period, v.value, v.numerator, v.denominator, v.lower_ci, "
                   "v.upper_ci, coalesce(v.suppressed, 0) AS suppressed FROM lis_area a LEFT JOIN lis_value v "
                   "ON v.indicator = ? AND v.period = ? AND v.area_code = a.area_code WHERE a.geography = ?")
            params: list = [str(period), indicator_id, str(period), entry["geography"]]
        else:
            sql = ("SELECT v.area_code, a.area_name, v.period, v.value, v.numerator, v.denominator, v.lower_ci, "
                   "v.upper_ci, v.suppressed FROM lis_value v LEFT JOIN lis_area a "
                   "ON a.geography = ? AND a.area_code = v.area_code WHERE v.indicator = ? AND v.period = ?")
            params = [entry["geography"], indicator_id, str(period)]
        code = "a.area_code" if all_areas else "v.area_code"
        if areas is not None:
            wanted = sorted(set(map(str, areas)))
            self._conn.execute("CREATE TEMP TABLE IF NOT EXISTS lis_wanted (area_code TEXT PRIMARY KEY)")
            self._conn.execute("DELETE FROM temp.lis_wanted")
            self._conn.executemany("INSERT INTO temp.lis_wanted VALUES (?)", [(c,) for c in wanted])
            sql += f" AND {code} IN (SELECT area_code FROM temp.lis_wanted)"
        frame = pd.read_sql_query(sql + f" ORDER BY {code}", self._conn, params=params)
        for col in VALUE_FIELDS:
            frame[col] = frame[col].astype(float)
        frame["suppressed"] = frame["suppressed"].astype(bool)
        if with_geometry:
            info = self.geography(entry["geography"])
            wkb = layers.read_geometries(self.path, info["layer_name"], codes=frame["area_code"])
            frame["geometry"] = frame["area_code"].map(wkb)
        return frame

    def get_series(self, indicator_id: str) -> pd.DataFrame:
        """All periods of one indicator in long form (area_code, period, value, ...)."""
        self.indicator(indicator_id)
        return pd.read_sql_query(
            "SELECT area_code, period, value, numerator, denominator, lower_ci, upper_ci, suppressed "
            "FROM lis_value WHERE indicator = ? ORDER BY period, area_code", self._conn,
            params=(indicator_id,))

    # ----------------------------------------------------------------- writes of values
    def write_indicators(self, batches: Sequence[ValueRows], *, file: str | None, checksum: str | None,
                         replace: bool = False, skipped_codes: Iterable[str] = ()) -> None:
        """Write validated indicators in one transaction: all land or none (see ingest.py)."""
        conn = self._conn
        skipped = sorted(set(skipped_codes))
        ids = [b.entry["id"] for b in batches]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise StoreError(f"Indicator id(s) {', '.join(repeated)} appear more than once in one import.")
        for batch in batches:
            check_indicator_id(batch.entry["id"])
        existing = {r[0]: r[1] for r in conn.execute("SELECT id, geography FROM lis_catalogue")}
        for batch in batches:
            ind = batch.entry["id"]
            if ind in existing and existing[ind] != batch.entry["geography"]:
                raise StoreError(f"Indicator '{ind}' is already in the store on geography "
                                 f"{existing[ind]}, not {batch.entry['geography']}; choose another id.")
            if ind in existing and not replace:
                periods = sorted(set(batch.frame["period"]))
                clash = conn.execute(
                    f"SELECT DISTINCT period FROM lis_value WHERE indicator = ? AND period IN "
                    f"({','.join('?' * len(periods))})", [ind, *periods]).fetchall()
                if clash:
                    raise StoreError(
                        f"Indicator '{ind}' already has values for period(s) "
                        f"{', '.join(sorted(r[0] for r in clash))}. Use --replace to overwrite them.")
        now = _now()
        with self._write(f"importing {_basename(file) or 'indicators'}"):
            for batch in batches:
                entry = dict(batch.entry)
                ind = entry["id"]
                frame = batch.frame
                periods = sorted(set(frame["period"]))
                conn.execute(f"DELETE FROM lis_value WHERE indicator = ? AND period IN "
                             f"({','.join('?' * len(periods))})", [ind, *periods])
                present = [c for c in VALUE_FIELDS if c == "value" or frame[c].notna().any()]
                conn.executemany(
                    f"INSERT INTO lis_value (indicator, area_code, period, {', '.join(present)}, suppressed) "
                    f"VALUES ({','.join('?' * (len(present) + 4))})", _value_tuples(ind, frame, present))
                entry.update(import_file=_basename(file), import_checksum=checksum, imported_at=now)
                entry["row_count"] = None
                cols = [c for c in CATALOGUE_FIELDS if c in entry]
                conn.execute(
                    f"INSERT INTO lis_catalogue ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
                    f"ON CONFLICT(id) DO UPDATE SET "
                    + ", ".join(f"{c} = excluded.{c}" for c in cols if c != "id"),
                    [entry[c] for c in cols])
                conn.execute("UPDATE lis_catalogue SET row_count = (SELECT COUNT(*) FROM lis_value "
                             "WHERE indicator = ?) WHERE id = ?", (ind, ind))
            total = sum(len(b.frame) for b in batches)
            self._audit("import", ",".join(b.entry["id"] for b in batches), file, checksum, total,
                        json.dumps(skipped) if skipped else None,
                        f"{len(batches)} indicator(s)" + (f"; {len(skipped)} unmatched code(s) skipped"
                                                           if skipped else ""))

    def delete_indicator(self, indicator_id: str) -> int:
        """Remove an indicator and all its values; returns the number of values removed."""
        self.indicator(indicator_id)
        with self._write(f"deleting {indicator_id}"):
            n = self._conn.execute("DELETE FROM lis_value WHERE indicator = ?", (indicator_id,)).rowcount
            self._conn.execute("DELETE FROM lis_catalogue WHERE id = ?", (indicator_id,))
            self._audit("delete", indicator_id, None, None, n, None, None)
        return n

    # ----------------------------------------------------------------- benchmarks
    def add_benchmarks(self, frame: pd.DataFrame, source: str | None, *, file: str | None = None,
                       checksum: str | None = None, replace: bool = False) -> int:
        """Store comparator values (England, a region, the borough as published) for catalogue indicators.

        frame: long, one row per indicator, period and area: indicator, period, area_code, value, and optionally
        area_name, numerator, denominator, and method (how the value was made; stored after the source text).
        Every row is checked first (known indicator and period, a numeric value, no repeats); then all rows land in
        one transaction or none do, recorded in the audit log. Rows already in the store for the same indicator,
        period and area are an error unless replace=True. Returns the number of rows written."""
        rows = _benchmark_rows(frame, source, file)
        known = {r[0] for r in self._conn.execute("SELECT id FROM lis_catalogue")}
        unknown = sorted(set(rows["indicator"]) - known)
        where = f"{_basename(file)}: " if file else ""
        if unknown:
            raise IndicatorNotFound(f"{where}benchmark values name {len(unknown)} indicator(s) the store's catalogue "
                                    f"does not have: {', '.join(unknown[:10])}. Import the indicators first, or "
                                    "check the ids (`lis list STORE`).")
        for ind, periods in rows.groupby("indicator")["period"]:
            have = set(self.periods(ind))
            odd = sorted(set(periods) - have)
            if odd:
                raise IndicatorNotFound(f"{where}benchmark values for {ind} are for period(s) {', '.join(odd)}, "
                                        f"but the store has {ind} only for {', '.join(sorted(have)) or 'no period'}.")
        conn = self._conn
        with self._write(f"adding benchmarks from {_basename(file) or source or 'a table'}"):
            self._ensure_benchmark_table()
            keys = list(rows[["indicator", "period", "area_code"]].itertuples(index=False, name=None))
            clash = [k for k in keys if conn.execute(
                "SELECT 1 FROM lis_benchmark WHERE indicator = ? AND period = ? AND area_code = ?", k).fetchone()]
            if clash and not replace:
                shown = "; ".join(f"{i} {p} {a}" for i, p, a in clash[:5])
                raise StoreError(f"{where}the store already has {len(clash)} of these benchmark values (e.g. {shown}). "
                                 "Use replace to overwrite them.")
            conn.executemany("DELETE FROM lis_benchmark WHERE indicator = ? AND period = ? AND area_code = ?", clash)
            conn.executemany(
                "INSERT INTO lis_benchmark (indicator, period, area_code, area_name, value, numerator, denominator, "
                "source) VALUES (?,?,?,?,?,?,?,?)",
                [tuple(None if pd.isna(v) else v for v in rec) for rec in rows[
                    ["indicator", "period", "area_code", "area_name", "value", "numerator", "denominator",
                     "source"]].astype(object).itertuples(index=False, name=None)])
            areas = ", ".join(sorted(set(rows["area_code"])))
            self._audit("add_benchmarks", ",".join(sorted(set(rows["indicator"]))), file, checksum, len(rows), None,
                        f"{len(rows)} benchmark value(s) for {rows['indicator'].nunique()} indicator(s); areas {areas}"
                        + (f"; {len(clash)} replaced" if clash else ""))
        return len(rows)

    def benchmarks(self, indicator: str, period: str | None = None) -> pd.DataFrame:
        """The benchmark values of one indicator (all periods, or one): indicator, period, area_code, area_name,
        value, numerator, denominator, source. Empty when none are stored."""
        self.indicator(indicator)
        columns = ["indicator", "period", "area_code", "area_name", "value", "numerator", "denominator", "source"]
        if not self._has_table("lis_benchmark"):
            return pd.DataFrame({c: pd.Series(dtype=float if c in VALUE_FIELDS else object) for c in columns})
        sql = f"SELECT {', '.join(columns)} FROM lis_benchmark WHERE indicator = ?"
        params: list = [indicator]
        if period is not None:
            sql += " AND period = ?"
            params.append(str(period))
        frame = pd.read_sql_query(sql + " ORDER BY period, area_code", self._conn, params=params)
        for col in ("value", "numerator", "denominator"):
            frame[col] = frame[col].astype(float)
        return frame

    def _has_table(self, name: str) -> bool:
        return bool(self._scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))

    def _ensure_benchmark_table(self) -> None:
        """Stores made before lis_benchmark existed (same schema version, nothing released) get it on first use."""
        if self._has_table("lis_benchmark"):
            return
        self._conn.execute(schema.TABLES["lis_benchmark"])
        if self.kind == "gpkg":
            self._conn.execute(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, last_change) "
                "VALUES ('lis_benchmark', 'attributes', 'lis_benchmark', strftime('%Y-%m-%dT%H:%M:%fZ','now'))")

    # ----------------------------------------------------------------- audit, checksum
    def audit(self) -> pd.DataFrame:
        return pd.read_sql_query("SELECT at, action, target, file, checksum, rows, skipped_codes, user, host, "
                                 "message FROM lis_audit ORDER BY fid", self._conn)

    def _audit(self, action, target, file, checksum, rows, skipped, message) -> None:
        try:
            user = getpass.getuser()
        except Exception:  # no login name (e.g. in a container)
            user = None
        self._conn.execute(
            "INSERT INTO lis_audit (at, action, target, file, checksum, rows, skipped_codes, user, host, "
            "message) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (_now(), action, target, _basename(file), checksum, rows, skipped, user, socket.gethostname(),
             message))

    def checksum(self) -> str:
        """A SHA-256 of the store's content (catalogue, values, areas, lookups): equal content, equal sum."""
        digest = hashlib.sha256()
        for sql in (
            f"SELECT {', '.join(f for f in CATALOGUE_FIELDS if f != 'denominator')} FROM lis_catalogue ORDER BY id",
            # denominators count only where named, so a store upgraded to version 2 sums as it did before
            "SELECT id, denominator FROM lis_catalogue WHERE denominator IS NOT NULL ORDER BY id",
            "SELECT indicator, area_code, period, value, numerator, denominator, lower_ci, upper_ci, "
            "suppressed FROM lis_value ORDER BY indicator, period, area_code",
            "SELECT geography, area_code, area_name FROM lis_area ORDER BY geography, area_code",
            "SELECT name, kind, layer_name, feature_count FROM lis_geography ORDER BY name",
            "SELECT lookup, from_code, to_code, weight FROM lis_lookup_row ORDER BY lookup, from_code, to_code",
        ):
            for row in self._conn.execute(sql):
                digest.update(repr(row).encode())
        if self._has_table("lis_benchmark"):  # benchmarks count too (a store without the table sums as before)
            for row in self._conn.execute(
                    "SELECT indicator, period, area_code, area_name, value, numerator, denominator, source "
                    "FROM lis_benchmark ORDER BY indicator, period, area_code"):
                digest.update(repr(row).encode())
        return digest.hexdigest()

    def summary(self) -> dict:
        """Counts for a quick look: geographies, lookups, indicators, values, imports."""
        return {
            "path": self.path,
            "schema_version": self.schema_version,
            "geographies": self._scalar("SELECT COUNT(*) FROM lis_geography WHERE kind = 'areas'"),
            "point_layers": self._scalar("SELECT COUNT(*) FROM lis_geography WHERE kind = 'points'"),
            "lookups": self._scalar("SELECT COUNT(*) FROM lis_lookup"),
            "indicators": self._scalar("SELECT COUNT(*) FROM lis_catalogue"),
            "values": self._scalar("SELECT COUNT(*) FROM lis_value"),
            "imports": self._scalar("SELECT COUNT(*) FROM lis_audit WHERE action = 'import'"),
        }

    def _scalar(self, sql: str, params: tuple = ()) -> object:
        row = self._conn.execute(sql, params).fetchone()
        return row[0] if row else None


def _value_tuples(indicator: str, frame: pd.DataFrame, columns: Sequence[str]):
    cols = [frame[c].astype(object).where(frame[c].notna(), None) for c in columns]
    return zip([indicator] * len(frame), frame["area_code"].astype(str), frame["period"].astype(str),
               *cols, frame["suppressed"].astype(int).tolist())


BENCHMARK_COLUMNS = ("indicator", "period", "area_code", "value")


def _benchmark_rows(frame: pd.DataFrame, source: str | None, file: str | None) -> pd.DataFrame:
    """Check and tidy a benchmark table (text or numbers): rows named by their spreadsheet line (header = 1)."""
    where = f"{_basename(file)}: " if file else "benchmarks: "
    columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in BENCHMARK_COLUMNS if c not in columns]
    if missing:
        raise StoreError(f"{where}missing column(s) {', '.join(missing)} (it has: {', '.join(columns)}).")
    frame = frame.copy()
    frame.columns = columns
    if frame.empty:
        raise StoreError(f"{where}there are no benchmark rows.")
    line = pd.Series(range(2, len(frame) + 2), index=frame.index)
    out = pd.DataFrame(index=frame.index)
    for col in ("indicator", "period", "area_code", "area_name"):
        text = frame[col].astype(object).where(frame[col].notna(), "").astype(str).str.strip() \
            if col in frame.columns else pd.Series("", index=frame.index)
        if col != "area_name" and (text == "").any():
            raise StoreError(f"{where}row {int(line[text == ''].iloc[0])}: the {col} is empty.")
        out[col] = text.where(text != "", None) if col == "area_name" else text
    for col in ("value", "numerator", "denominator"):
        if col not in frame.columns:
            out[col] = float("nan")
            continue
        raw = frame[col].astype(object).where(frame[col].notna(), "").astype(str).str.strip().str.replace(",", "")
        numbers = pd.to_numeric(raw.where(raw != "", None), errors="coerce").astype(float)
        bad = numbers.isna() & (raw != "") | numbers.isin([float("inf"), float("-inf")])
        if bad.any():
            row = bad.idxmax()
            raise StoreError(f"{where}row {int(line[row])}, column '{col}': '{frame[col][row]}' is not a number.")
        if col == "value" and numbers.isna().any():
            raise StoreError(f"{where}row {int(line[numbers.isna()].iloc[0])}: the value is empty; "
                             "a benchmark needs a value.")
        out[col] = numbers
    method = frame["method"].astype(object).where(frame["method"].notna(), "").astype(str).str.strip() \
        if "method" in frame.columns else pd.Series("", index=frame.index)
    base = (source or _basename(file) or "").strip()
    out["source"] = [("; ".join(p for p in (base, m) if p)) or None for m in method]
    repeated = out.duplicated(["indicator", "period", "area_code"], keep=False)
    if repeated.any():
        first = out[repeated].iloc[0]
        lines = line[repeated & (out["indicator"] == first["indicator"]) & (out["period"] == first["period"])
                     & (out["area_code"] == first["area_code"])]
        raise StoreError(f"{where}{first['indicator']} for period {first['period']} and area {first['area_code']} "
                         f"appears more than once (rows {', '.join(map(str, lines.tolist()))}).")
    return out.reset_index(drop=True)


def _tool_version() -> str:
    from ... import __version__

    return f"LIS Workbench {__version__}"


def _basename(path: str | None) -> str | None:
    return os.path.basename(str(path)) if path else None


def _pruned_words(what: dict) -> str:
    """'75 values of 3 indicators (a, b, c) and 12 rows of lookup x' for a refusal or the audit log."""
    values, lookups = what.get("values", {}), what.get("lookups", {})
    parts = []
    if values:
        parts.append(f"{sum(values.values())} value(s) of {len(values)} indicator(s): {', '.join(list(values)[:6])}"
                     + (", ..." if len(values) > 6 else ""))
    if lookups:
        parts.append(f"{sum(lookups.values())} row(s) of lookup(s) {', '.join(lookups)}")
    return " and ".join(parts)


def _safe_field(column: str) -> str:
    out = "".join(ch if ch.isalnum() else "_" for ch in str(column).lower()).strip("_")
    return out if out and out[0].isalpha() else f"f_{out}"


def _name_field_for(code_field: str, fields: list[str]) -> str | None:
    """The name field that goes with a code field: area_name / name, or LSOA11CD -> LSOA11NM. Never a guess
    such as LAD17NM beside an LSOA code, which would label every area with its district."""
    lowered = {f.lower(): f for f in fields}
    for exact in ("area_name", "name"):
        if exact in lowered:
            return lowered[exact]
    code = code_field.lower()
    for suffix in ("cd", "code"):
        if code.endswith(suffix):
            partner = code[: -len(suffix)] + ("nm" if suffix == "cd" else "name")
            if partner in lowered:
                return lowered[partner]
    return None


def _guess_field(fields: list[str], hints: Sequence[str], source: str, what: str | None) -> str | None:
    lowered = {f.lower(): f for f in fields}
    for hint in hints:
        if hint in lowered:
            return lowered[hint]
    for hint in hints:
        for low, orig in lowered.items():
            if low.endswith(hint):
                return orig
    if what is None:
        return None
    raise GeographyError(f"{source}: could not tell which field holds the {what}; its fields are "
                         f"{', '.join(fields)}. Name it with --code-field.")

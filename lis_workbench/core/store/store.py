"""The indicator store: one GeoPackage or SpatiaLite file holding geographies, lookups, the
catalogue, indicator values in long form and an audit log of every change."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..choices import POLARITIES
from ..errors import GeographyError, IndicatorNotFound, StoreError
from ..whole_files import written_whole
from . import address, layers, postgres, schema
from .base import basename, now, tool_version
from .benchmarks import BenchmarkStore
from .connection import busy_message, connect, is_busy, write_transaction
from .geographies import GeographyReport, GeographyStore
from .names import check_indicator_id, check_layer_name
from .schema import VALUE_FIELDS
from .settings import SettingsStore

#: lis_meta key prefix of a custom area set's definition (add_area_set).
AREA_SET_KEY = "custom_areas."
CATALOGUE_FIELDS = ("id", "title", "theme", "unit", "value_type", "polarity", "geography",
                    "source", "partner", "licence", "notes", "denominator", "import_file", "import_checksum",
                    "row_count", "imported_at")


def _upgrade(conn, version: int, shown: str, transaction) -> None:
    """Bring a store from `version` up to schema.SCHEMA_VERSION, one migration per transaction (transaction(what):
    the backend's all-or-nothing write on conn)."""
    while version < schema.SCHEMA_VERSION:
        migrate = schema.MIGRATIONS.get(version)
        if migrate is None:
            raise StoreError(f"{shown} has store version {version}, which cannot be upgraded.")
        with transaction(f"upgrading the store from version {version}"):
            migrate(conn)
            version += 1
            conn.execute("UPDATE lis_meta SET value = ? WHERE key = 'schema_version'", (str(version),))


@dataclass
class ValueRows:
    """Validated rows ready to write: one indicator's catalogue entry and its values."""

    entry: dict
    frame: pd.DataFrame  # area_code, period, value, numerator, denominator, lower_ci, upper_ci, suppressed


class Store(GeographyStore, BenchmarkStore, SettingsStore):
    """An open indicator store. Create with Store.create(path) or open with Store.open(path)."""

    @classmethod
    def create(cls, path: str | os.PathLike, overwrite: bool = False, *, readers: str | None = None,
               stewards: str | None = None) -> Store:
        """Create a new, empty store: a file (GeoPackage or SpatiaLite by extension) or a schema in a PostGIS
        database (with its readers' and stewards' roles, made when they do not exist).

        A file is made beside its final name and moved into place when complete, so a crash never leaves a
        half-made store (nor, with overwrite, loses the old one before the new one is whole); a database store is
        made in one transaction."""
        where = address.parse(path)
        if where.is_database:
            return cls._create_in_database(where, readers, stewards)
        path = str(path)
        kind = where.kind
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
                        ("created_at", now()),
                        ("created_by", tool_version()),
                    ])
            finally:
                conn.close()
        return cls(path, connect(path), kind)

    @classmethod
    def _create_in_database(cls, where: address.StoreAddress, readers: str | None, stewards: str | None) -> Store:
        readers = readers or f"{where.schema}_readers"
        stewards = stewards or f"{where.schema}_stewards"
        conn = postgres.connect(where)
        try:
            if postgres.has_table(conn, "lis_meta"):
                raise StoreError(f"There is already a store at {where.shown}; choose another schema "
                                 "(?schema=NAME) or remove it first.")
            with postgres.write_transaction(conn, "creating the store", where):
                postgres.create_schema(conn, schema.TABLES, schema.INDEXES, readers, stewards)
                conn.executemany("INSERT INTO lis_meta (key, value) VALUES (?, ?)", [
                    ("schema_version", str(schema.SCHEMA_VERSION)),
                    ("created_at", now()),
                    ("created_by", tool_version()),
                    ("readers_role", readers),
                    ("stewards_role", stewards),
                ])
        except BaseException:
            conn.close()
            raise
        conn.close()
        return cls.open(where.text)

    @classmethod
    def _open_database(cls, where: address.StoreAddress) -> Store:
        import psycopg2

        conn = postgres.connect(where)
        try:
            if not postgres.has_table(conn, "lis_meta"):
                raise StoreError(f"There is no store at {where.shown} (no LIS Workbench tables in schema "
                                 f"{where.schema}): check the address and schema, or create the store first.")
            readable = conn.execute("SELECT has_schema_privilege(?, 'USAGE')", (where.schema,)).fetchone()[0]
            if not readable:
                raise StoreError(f"You may not read the store {where.shown}: your database user is not one of its "
                                 "readers. Ask its stewards to add you to its readers' role.")
            try:
                meta = dict(conn.execute("SELECT key, value FROM lis_meta WHERE key IN "
                                         "('schema_version', 'stewards_role', 'readers_role')").fetchall())
            except psycopg2.Error as exc:
                if getattr(exc, "pgcode", "") == "42501":
                    raise StoreError(f"You may not read the store {where.shown}: your database user is not one "
                                     f"of its readers. Ask its stewards to add you to its readers' role.") from None
                raise postgres.explain(exc, where, "opening it") from None
            conn.stewards = meta.get("stewards_role")
            version = int(meta.get("schema_version") or 0)
            if version > schema.SCHEMA_VERSION:
                raise StoreError(
                    f"{where.shown} was made by a newer LIS Workbench (store version {version}; this one reads up "
                    f"to {schema.SCHEMA_VERSION}). Update the plugin to open it.")
            _upgrade(conn, version, where.shown, lambda what: postgres.write_transaction(conn, what, where))
        except BaseException:
            conn.close()
            raise
        return cls(where.text, conn, "postgis", where)

    @classmethod
    def open(cls, path: str | os.PathLike) -> Store:
        """Open an existing store, migrating an older schema or refusing a newer one."""
        where = address.parse(path)
        if where.is_database:
            return cls._open_database(where)
        path = str(path)
        kind = where.kind
        if not os.path.exists(path):
            raise StoreError(f"There is no store at {path}: check the path, or create the store first.")
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
            _upgrade(conn, version, path, lambda what: write_transaction(conn, what, path))
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

    def lock_holder(self) -> dict | None:
        """Who holds the store's write lock now (user, host, since, what), or None when it is free."""
        if self.is_database:
            return postgres.holder(self._conn)
        from .connection import lock_holder

        return lock_holder(self.path)

    def roles(self) -> dict[str, str | None]:
        """A database store's readers' and stewards' roles (None for a file store: its folder's rights rule)."""
        meta = dict(self._conn.execute("SELECT key, value FROM lis_meta WHERE key IN ('readers_role', "
                                       "'stewards_role')").fetchall())
        return {"readers": meta.get("readers_role"), "stewards": meta.get("stewards_role")}

    @property
    def schema_version(self) -> int:
        return int(self._scalar("SELECT value FROM lis_meta WHERE key = 'schema_version'"))

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
            self._put_lookup(name, from_geography, to_geography, pairs, method, source)
        return len(pairs)

    def _put_lookup(self, name: str, from_geography: str, to_geography: str, pairs: pd.DataFrame, method: str,
                    source: str | None) -> None:
        """Write a checked lookup (from_code, to_code, weight) inside the caller's write, replacing one of its name."""
        self._conn.execute("DELETE FROM lis_lookup WHERE name = ?", (name,))
        self._conn.execute("DELETE FROM lis_lookup_row WHERE lookup = ?", (name,))
        self._conn.execute(
            "INSERT INTO lis_lookup (name, from_geography, to_geography, method, source, added_at) "
            "VALUES (?,?,?,?,?,?)", (name, from_geography, to_geography, method, basename(source), now()))
        self._insert_rows(
            "lis_lookup_row", ("lookup", "from_code", "to_code", "weight"),
            [(name, str(a), str(b), float(w)) for a, b, w in
             pairs[["from_code", "to_code", "weight"]].itertuples(index=False)])
        self._audit("add_lookup", name, source, None, len(pairs), None,
                    f"{from_geography} -> {to_geography} ({method})")

    def add_area_set(self, name: str, of: str, rows: list, pairs: pd.DataFrame, definition: dict, *,
                     title: str, source: str | None, replace: bool = False) -> str:
        """Store custom areas (core/custom_areas.py builds them) in one transaction: geography `name` (rows:
        ((code, name), multipolygon)), lookup `<of>_<name>` from its small areas (pairs: from_code, to_code, weight)
        and its definition (a `custom_areas.<name>` row of lis_meta, JSON). Returns the lookup's name."""
        lookup = f"{of}_{name}"
        check_layer_name(name)
        check_layer_name(lookup)
        self._check_new_geography(name, replace)
        if self._scalar("SELECT COUNT(*) FROM lis_lookup WHERE name = ?", (lookup,)) and not replace:
            raise GeographyError(f"The store already has a lookup called '{lookup}'.", option="replace")
        bad = sorted(set(pairs["from_code"]) - set(self.area_codes(of)))
        if bad:
            raise GeographyError(f"Custom areas {name}: {len(bad)} code(s) are not areas of {of}, e.g. "
                                 f"{', '.join(map(str, bad[:5]))}.")
        key = f"{AREA_SET_KEY}{name}"
        with self._write(f"adding custom areas {name}"):
            self._conn.execute("DELETE FROM lis_lookup_row WHERE lookup = ?", (lookup,))  # not a replacement's user
            self._register_layer(name, "areas", f"geo_{name}", "MULTIPOLYGON", ["area_code", "area_name"], rows,
                                 title, source, 0, prune=False)
            self._put_lookup(lookup, of, name, pairs, "custom", source)
            self._conn.execute("DELETE FROM lis_meta WHERE key = ?", (key,))
            self._conn.execute("INSERT INTO lis_meta (key, value) VALUES (?, ?)",
                               (key, json.dumps(definition, sort_keys=True)))
            self._audit("add_custom_areas", name, source, None, len(rows), None,
                        f"{len(rows)} custom areas of {of} ({definition.get('method')}); lookup {lookup}")
        return lookup

    def area_sets(self) -> dict[str, dict]:
        """The definitions of the store's custom areas (see add_area_set): name -> definition."""
        rows = self._conn.execute("SELECT key, value FROM lis_meta WHERE key LIKE ? ORDER BY key",
                                  (f"{AREA_SET_KEY}%",)).fetchall()
        return {key[len(AREA_SET_KEY):]: json.loads(value) for key, value in rows}

    def lookups(self) -> pd.DataFrame:
        return self._frame("SELECT l.name, l.from_geography, l.to_geography, l.method, l.source, "
            "(SELECT COUNT(*) FROM lis_lookup_row r WHERE r.lookup = l.name) AS rows "
            "FROM lis_lookup l ORDER BY l.name")

    def lookup_info(self, name: str) -> dict:
        """One lookup's name, from_geography, to_geography, method and source; a clear error listing the store's
        lookups when there is none of that name."""
        row = self._conn.execute("SELECT name, from_geography, to_geography, method, source FROM lis_lookup "
                                 "WHERE name = ?", (name,)).fetchone()
        if row is None:
            known = ", ".join(r[0] for r in self._conn.execute("SELECT name FROM lis_lookup ORDER BY name"))
            raise GeographyError(f"The store has no lookup '{name}' (it has: {known or 'none'}).", option="lookup")
        return dict(zip(("name", "from_geography", "to_geography", "method", "source"), row))

    def lookup(self, name: str) -> pd.DataFrame:
        """The rows of one lookup: from_code, to_code, weight."""
        self.lookup_info(name)
        return self._frame("SELECT from_code, to_code, weight FROM lis_lookup_row WHERE lookup = ? "
                                 "ORDER BY from_code, to_code", (name,))

    def catalogue(self, search: str | None = None, theme: str | None = None,
                  geography: str | None = None) -> pd.DataFrame:
        """The catalogue, one row per indicator, with its periods; filtered by text, theme, geography."""
        # a file lists each indicator's periods from its covering index; a database seeks them one by one in the
        # unique index (a scan of each indicator's values costs seconds on England's)
        periods = ("(WITH RECURSIVE p(period) AS (SELECT min(period) FROM lis_value WHERE indicator = c.id UNION ALL "
                   "SELECT (SELECT min(v.period) FROM lis_value v WHERE v.indicator = c.id AND v.period > p.period) "
                   "FROM p WHERE p.period IS NOT NULL) SELECT string_agg(period, ',' ORDER BY period) FROM p)"
                   if self.is_database else
                   "(SELECT group_concat(period, ',') FROM (SELECT DISTINCT period FROM lis_value v "
                   " WHERE v.indicator = c.id ORDER BY period) AS p)")
        sql = ("SELECT c.id, c.title, c.theme, c.unit, c.value_type, c.polarity, c.geography, c.source, "  # nosec B608
               "c.partner, c.licence, c.notes, c.denominator, c.import_file, c.import_checksum, c.row_count, "
               f"c.imported_at, {periods} AS periods FROM lis_catalogue c WHERE 1=1")
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
        frame = self._frame(sql, params)
        frame["periods"] = frame["periods"].fillna("").map(lambda s: [p for p in s.split(",") if p])
        return frame

    def indicator(self, indicator_id: str) -> dict:
        """The catalogue entry of one indicator, with its periods."""
        row = self._conn.execute(f"SELECT {', '.join(CATALOGUE_FIELDS)} FROM lis_catalogue WHERE id = ?",  # nosec B608
                                 (indicator_id,)).fetchone()
        if row is None:
            close = [r[0] for r in self._conn.execute(
                "SELECT id FROM lis_catalogue WHERE id LIKE ? LIMIT 5", (f"%{indicator_id}%",))]
            hint = f" Did you mean: {', '.join(close)}?" if close else " The store's catalogue lists them all."
            raise IndicatorNotFound(f"The store has no indicator '{indicator_id}'.{hint}")
        entry = dict(zip(CATALOGUE_FIELDS, row))
        entry["periods"] = self.periods(indicator_id)
        return entry

    def periods(self, indicator_id: str) -> list[str]:
        """An indicator's periods in order: one index seek per period (not a scan of its values)."""
        return [r[0] for r in self._conn.execute(
            "WITH RECURSIVE p(period) AS (SELECT min(period) FROM lis_value WHERE indicator = ? UNION ALL "
            "SELECT (SELECT min(v.period) FROM lis_value v WHERE v.indicator = ? AND v.period > p.period) FROM p "
            "WHERE p.period IS NOT NULL) SELECT period FROM p WHERE period IS NOT NULL",
            (indicator_id, indicator_id))]

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
        if areas is not None and self.is_database:
            sql += f" AND {code} = ANY(?)"  # one round trip  # nosec B608
            params.append(sorted(set(map(str, areas))))
        elif areas is not None:
            wanted = sorted(set(map(str, areas)))
            self._conn.execute("CREATE TEMP TABLE IF NOT EXISTS lis_wanted (area_code TEXT PRIMARY KEY)")
            self._conn.execute("DELETE FROM temp.lis_wanted")
            self._conn.executemany("INSERT INTO temp.lis_wanted VALUES (?)", [(c,) for c in wanted])
            sql += f" AND {code} IN (SELECT area_code FROM temp.lis_wanted)"  # nosec B608
        frame = self._frame(sql + f" ORDER BY {code}", params)
        for col in VALUE_FIELDS:
            frame[col] = frame[col].astype(float)
        frame["suppressed"] = frame["suppressed"].astype(bool)
        if with_geometry:
            info = self.geography(entry["geography"])
            wkb = self._geometries(info["layer_name"], codes=frame["area_code"])
            frame["geometry"] = frame["area_code"].map(wkb)
        return frame

    def get_series(self, indicator_id: str) -> pd.DataFrame:
        """All periods of one indicator in long form (area_code, period, value, ...)."""
        self.indicator(indicator_id)
        return self._frame("SELECT area_code, period, value, numerator, denominator, lower_ci, upper_ci, suppressed "
            "FROM lis_value WHERE indicator = ? ORDER BY period, area_code", (indicator_id,))

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
                    f"SELECT DISTINCT period FROM lis_value WHERE indicator = ? AND period IN "  # nosec B608
                    f"({','.join('?' * len(periods))})", [ind, *periods]).fetchall()
                if clash:
                    raise StoreError(
                        f"Indicator '{ind}' already has values for period(s) "
                        f"{', '.join(sorted(r[0] for r in clash))}; replace them to overwrite, or import "
                        "other periods.", option="replace")
        imported_at = now()
        with self._write(f"importing {basename(file) or 'indicators'}"):
            catalogued = {r[0] for r in conn.execute("SELECT id FROM lis_catalogue")}  # read under the write lock
            for batch in batches:
                ind, frame = batch.entry["id"], batch.frame
                periods = sorted(set(frame["period"]))
                conn.execute(f"DELETE FROM lis_value WHERE indicator = ? AND period IN "  # nosec B608
                             f"({','.join('?' * len(periods))})", [ind, *periods])
                if not self.is_database:
                    present = [c for c in VALUE_FIELDS if c == "value" or frame[c].notna().any()]
                    self._insert_rows("lis_value", ("indicator", "area_code", "period", *present, "suppressed"),
                                      _value_tuples(ind, frame, present))
            if self.is_database:  # one COPY for every indicator, each encoded as the last goes in (postgres.py)
                self._conn.copy_values((_value_frame(b.entry["id"], b.frame) for b in batches),
                                       [len(b.frame) for b in batches], VALUE_COLUMNS)
            for batch in batches:
                entry = dict(batch.entry)
                ind = entry["id"]
                entry.update(import_file=basename(file), import_checksum=checksum, imported_at=imported_at)
                entry["row_count"] = None
                cols = [c for c in CATALOGUE_FIELDS if c in entry]
                conn.execute(
                    f"INSERT INTO lis_catalogue ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "  # nosec B608
                    f"ON CONFLICT(id) DO UPDATE SET "
                    + ", ".join(f"{c} = excluded.{c}" for c in cols if c != "id"),
                    [entry[c] for c in cols])
                if ind in catalogued:  # its other periods count too
                    conn.execute("UPDATE lis_catalogue SET row_count = (SELECT COUNT(*) FROM lis_value "
                                 "WHERE indicator = ?) WHERE id = ?", (ind, ind))
                else:  # a new indicator holds just the rows written (validated: one per area and period)
                    conn.execute("UPDATE lis_catalogue SET row_count = ? WHERE id = ?", (len(batch.frame), ind))
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

    def audit(self) -> pd.DataFrame:
        return self._frame('SELECT at, action, target, file, checksum, rows, skipped_codes, "user", host, '
                           "message FROM lis_audit ORDER BY fid")

    def checksum(self) -> str:
        """A SHA-256 of the store's content (catalogue, values, areas, lookups): equal content, equal sum."""
        digest = hashlib.sha256()
        for sql in (
            f"SELECT {', '.join(f for f in CATALOGUE_FIELDS if f != 'denominator')} FROM lis_catalogue ORDER BY id",  # nosec B608
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
        from .filesystem import network_filesystem

        return {
            "path": self.path,
            "backend": {"gpkg": "GeoPackage", "sqlite": "SpatiaLite", "postgis": "PostGIS"}[self.kind],
            "network_drive": None if self.is_database else network_filesystem(self.path),
            "schema_version": self.schema_version,
            "geographies": self._scalar("SELECT COUNT(*) FROM lis_geography WHERE kind = 'areas'"),
            "point_layers": self._scalar("SELECT COUNT(*) FROM lis_geography WHERE kind = 'points'"),
            "lookups": self._scalar("SELECT COUNT(*) FROM lis_lookup"),
            "indicators": self._scalar("SELECT COUNT(*) FROM lis_catalogue"),
            "values": self._scalar("SELECT COUNT(*) FROM lis_value"),
            "imports": self._scalar("SELECT COUNT(*) FROM lis_audit WHERE action = 'import'"),
        }


#: A value row's columns as a database store takes them (every number column, missing ones NULL).
VALUE_COLUMNS = ("indicator", "area_code", "period", *VALUE_FIELDS, "suppressed")


def _value_frame(indicator: str, frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({"indicator": indicator, "area_code": frame["area_code"].astype(str).to_numpy(),
                        "period": frame["period"].astype(str).to_numpy()})
    for column in VALUE_FIELDS:
        out[column] = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    out["suppressed"] = frame["suppressed"].astype(int).to_numpy()
    return out


def _value_tuples(indicator: str, frame: pd.DataFrame, columns: Sequence[str]):
    cols = [frame[c].astype(object).where(frame[c].notna(), None) for c in columns]
    return zip([indicator] * len(frame), frame["area_code"].astype(str), frame["period"].astype(str),
               *cols, frame["suppressed"].astype(int).tolist())


__all__ = ["CATALOGUE_FIELDS", "POLARITIES", "VALUE_FIELDS", "GeographyReport", "Store", "ValueRows"]

"""Moving a store between backends (GeoPackage, SpatiaLite, PostGIS, any to any) with the same content after
(the same checksum), and publishing a steward's working copy of a file store onto the shared one in one atomic
swap, refused when the shared store changed since the copy was taken."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from osgeo import ogr

from ..errors import StoreError
from ..whole_files import written_whole
from . import address
from .base import now

#: Attribute tables copied row by row, in this order (the meta rows that describe the new store itself are not).
TABLES = ("lis_geography", "lis_area", "lis_lookup", "lis_lookup_row", "lis_catalogue", "lis_value",
          "lis_benchmark", "lis_audit")
OWN_META = {"schema_version", "created_at", "created_by", "readers_role", "stewards_role"}
GEOMETRY_TYPES = {"areas": "MULTIPOLYGON", "points": "POINT"}

Progress = Callable[[float, str], None]


def copy_store(source: str, target: str, *, readers: str | None = None, stewards: str | None = None,
               progress: Progress | None = None) -> str:
    """Copy the store at `source` to a new store at `target` (a file that must not exist yet, or an empty PostGIS
    schema); returns the content checksum, the same on both. A file target appears whole or not at all; a
    database target is removed again if the copy fails."""
    from .store import Store

    progress = progress or (lambda fraction, message: None)
    where = address.parse(target)
    if not where.is_database and os.path.exists(where.path):
        raise StoreError(f"{where.path} already exists; copy into a new file.")
    with Store.open(source) as src:
        src_sum = src.checksum()
        if where.is_database:
            dst = Store.create(target, readers=readers, stewards=stewards)
            try:
                _fill(src, dst, src_sum, progress)
            except BaseException:
                _drop_schema(dst)
                dst.close()
                raise
            dst.close()
        else:
            with written_whole(where.path) as partial:
                with Store.create(str(partial)) as dst:
                    _fill(src, dst, src_sum, progress)
    with Store.open(target) as made:
        copied = made.checksum()
    if copied != src_sum:
        raise StoreError(f"The copy of {source} at {target} does not hold the same content (checksums differ).")
    return copied


def _fill(src, dst, checksum: str, progress: Progress) -> None:
    """Everything of `src` into the new, empty store `dst`, in one write."""
    with dst._write(f"copying {src.path}"):
        geographies = src._conn.execute("SELECT name, kind, layer_name FROM lis_geography ORDER BY name").fetchall()
        for number, (name, kind, layer) in enumerate(geographies):
            progress(0.6 * number / max(len(geographies), 1), f"Copying layer {name}")
            fields, rows = _layer_rows(src, layer)
            _write_layer(dst, layer, GEOMETRY_TYPES[kind], fields, rows)
        for number, table in enumerate(TABLES):
            progress(0.6 + 0.35 * number / len(TABLES), f"Copying {table}")
            if not src._has_table(table):
                continue
            columns = [c for c in _columns(src, table) if c != "fid"]
            quoted = ", ".join(f'"{c}"' for c in columns)
            rows = src._conn.execute(f"SELECT {quoted} FROM {table} ORDER BY fid").fetchall()  # nosec B608
            dst._insert_rows(table, columns, rows)
        meta = [(k, v) for k, v in src._conn.execute("SELECT key, value FROM lis_meta ORDER BY key")
                if k not in OWN_META and not k.startswith("copied_")]
        meta += [("copied_from", src.path), ("copied_from_checksum", checksum), ("copied_at", now())]
        dst._conn.execute("DELETE FROM lis_meta WHERE key LIKE 'copied_%' OR key LIKE 'setting.%'")
        dst._insert_rows("lis_meta", ("key", "value"), meta)
        dst._audit("copy", src.path, None, checksum, None, None, f"copied from {src.path}")
    progress(1.0, "Copied")


def _columns(store, table: str) -> list[str]:
    cursor = store._conn.execute(f"SELECT * FROM {table} WHERE 1 = 0")  # nosec B608
    return [d[0] for d in cursor.description]


def _layer_rows(store, layer_name: str) -> tuple[list[str], list]:
    """A store layer's text fields and its features as (values, OGR geometry), in feature id order."""
    if store.is_database:
        from .postgres import quote

        cursor = store._conn.execute(f"SELECT * FROM {quote(layer_name)} WHERE 1 = 0")  # nosec B608
        fields = [d[0] for d in cursor.description if d[0] not in ("fid", "geom")]
        rows = store._conn.execute(
            f"SELECT ST_AsBinary(geom), {', '.join(quote(f) for f in fields)} FROM {quote(layer_name)} "  # nosec B608
            "ORDER BY fid").fetchall()
        return fields, [(list(r[1:]), ogr.CreateGeometryFromWkb(bytes(r[0]))) for r in rows]
    dataset = ogr.Open(store.path)
    layer = dataset.GetLayerByName(layer_name)
    if layer is None:
        raise StoreError(f"The store {store.path} has no layer '{layer_name}'.")
    definition = layer.GetLayerDefn()
    fields = [definition.GetFieldDefn(i).GetName() for i in range(definition.GetFieldCount())]
    rows = []
    for feature in sorted(layer, key=lambda f: f.GetFID()):
        geometry = feature.GetGeometryRef()
        rows.append(([feature.GetField(f) for f in fields], geometry.Clone() if geometry is not None else None))
    dataset = None
    return fields, rows


def _write_layer(dst, layer_name: str, geometry_type: str, fields: list[str], rows: list) -> None:
    from . import feature_tables, postgres

    values = [([None if v is None else str(v) for v in vals], geom) for vals, geom in rows]
    if dst.is_database:
        postgres.replace_feature_table(dst._conn, layer_name, geometry_type, fields, values)
    else:
        feature_tables.replace_table(dst._conn, dst.kind, layer_name, geometry_type, fields, values)


def _drop_schema(store) -> None:
    import psycopg2

    from .postgres import quote, rollback

    rollback(store._conn)
    try:
        store._conn.execute(f"DROP SCHEMA {quote(store.address.schema)} CASCADE")
    except psycopg2.Error:  # the failure that brought us here is the one to report
        pass


# ------------------------------------------------------------------ publishing a working copy
def publish(working: str, shared: str, progress: Progress | None = None) -> str:
    """Put the working copy (a file store taken from `shared` with copy_store) in place of the shared file store:
    refused when the shared store changed since the copy was taken; the new file is written beside the shared
    one and swapped in atomically while the shared store's write lock is held, so readers see the old store or
    the new one, never half of one. Returns the published checksum."""
    from .connection import connect, write_transaction
    from .store import Store

    progress = progress or (lambda fraction, message: None)
    for text in (working, shared):
        if address.parse(text).is_database:
            raise StoreError(f"{address.parse(text).shown}: publishing swaps one store file for another; a PostGIS "
                             "store is changed in place (stewards write to it directly).")
    if not os.path.exists(shared):
        raise StoreError(f"There is no shared store at {shared}.")
    with Store.open(working) as own:
        taken = dict(own._conn.execute("SELECT key, value FROM lis_meta WHERE key LIKE 'copied_from%'").fetchall())
        content = own.checksum()
    if "copied_from_checksum" not in taken:
        raise StoreError(f"{working} was not taken from a shared store (make a working copy with copy first), so "
                         "it cannot be published.")
    lock = connect(shared)
    try:
        with write_transaction(lock, f"publishing {os.path.basename(working)}", shared):
            now_shared = _checksum_of(shared)
            if now_shared != taken["copied_from_checksum"]:
                raise StoreError(f"The shared store {shared} has changed since this working copy was taken from it "
                                 "(someone else published or imported since), so publishing would lose their "
                                 "changes. Nothing was changed. Take a new working copy and make your changes "
                                 "again, or ask who changed it.")
            progress(0.2, "Writing the new shared store")
            target = Path(shared)
            partial = target.with_name(f".{target.stem}.{os.getpid()}.publishing{target.suffix}")
            try:
                with contextlib.closing(sqlite3.connect(working)) as source, \
                        contextlib.closing(sqlite3.connect(partial)) as copy:
                    source.backup(copy)
                with Store.open(str(partial)) as fresh, fresh._write("recording the publication"):
                    fresh._conn.execute("DELETE FROM lis_meta WHERE key LIKE 'copied_%'")
                    fresh._audit("publish", os.path.basename(working), working, content, None, None,
                                 f"published over {now_shared[:12]}")
                progress(0.8, "Swapping it in")
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)
    finally:
        lock.close()
    with Store.open(working) as own, own._write("recording the publication"):
        own._conn.execute("DELETE FROM lis_meta WHERE key = 'copied_from_checksum'")
        own._conn.execute("INSERT INTO lis_meta (key, value) VALUES ('copied_from_checksum', ?)", (content,))
    progress(1.0, "Published")
    return content


def _checksum_of(path: str) -> str:
    from .store import Store

    with Store.open(path) as opened:
        return opened.checksum()

"""What every part of the store shares: its connection, path and kind, one all-or-nothing write, the audit log
and small queries. Store (store.py) is this plus its geographies, benchmarks, lookups, catalogue and values."""

from __future__ import annotations

import datetime as _dt
import getpass
import os
import socket
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from . import postgres
from .address import StoreAddress, parse
from .connection import write_transaction


def now() -> str:
    """The time now in UTC, to the second, as ISO 8601 (how the store records when things happened)."""
    return _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()


def basename(path: str | None) -> str | None:
    return os.path.basename(str(path)) if path else None


def tool_version() -> str:
    from ... import __version__

    return f"LIS Workbench {__version__}"


class StoreBase:
    """An open store's connection (self._conn), where it is (path: the file, or the database address without its
    password), its kind ("gpkg", "sqlite" or "postgis") and its parsed address."""

    def __init__(self, path: str, conn: Any, kind: str, address: StoreAddress | None = None) -> None:
        self.address = address or parse(path)
        self.path = self.address.shown
        self.kind = kind
        self._conn = conn

    @property
    def is_database(self) -> bool:
        return self.kind == "postgis"

    @property
    def label(self) -> str:
        """A short name for titles and provenance: the file's name, or schema@database."""
        if self.is_database:
            params = self.address.params()
            database = params.get("dbname") or params.get("service") or "database"
            return f"{self.address.schema}@{database}"
        return os.path.basename(self.path)

    def _write(self, what: str):
        """One all-or-nothing write on the store's connection (connection.write_transaction for a file,
        postgres.write_transaction for a database)."""
        if self.is_database:
            return postgres.write_transaction(self._conn, what, self.address)
        return write_transaction(self._conn, what, self.path)

    def _audit(self, action, target, file, checksum, rows, skipped, message) -> None:
        if self.is_database:
            user = self._scalar("SELECT session_user")
        else:
            try:
                user = getpass.getuser()
            except Exception:  # no login name (e.g. in a container)
                user = None
        self._conn.execute(
            'INSERT INTO lis_audit (at, action, target, file, checksum, rows, skipped_codes, "user", host, '
            "message) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (now(), action, target, basename(file), checksum, rows, skipped, user, socket.gethostname(),
             message))

    def _has_table(self, name: str) -> bool:
        if self.is_database:
            return postgres.has_table(self._conn, name)
        return bool(self._scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))

    def _frame(self, sql: str, params: Sequence = ()) -> pd.DataFrame:
        """The rows of a query as a frame (columns named as the query names them)."""
        if not self.is_database:
            return pd.read_sql_query(sql, self._conn, params=list(params))
        cursor = self._conn.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        return pd.DataFrame.from_records(cursor.fetchall(), columns=columns, coerce_float=True)

    def _insert_rows(self, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
        """Append many rows inside the caller's write (COPY on a database)."""
        if self.is_database:
            self._conn.copy_rows(table, columns, rows)
            return
        names = ", ".join(f'"{c}"' for c in columns)
        self._conn.executemany(f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})",  # nosec B608
                               rows)

    def _geometries(self, layer_name: str, codes: Iterable[str] | None = None) -> dict[str, bytes | None]:
        """{area_code: ISO WKB} of one of the store's layers (optionally some codes)."""
        from . import layers

        if self.is_database:
            return postgres.read_geometries(self._conn, layer_name, codes=codes)
        return layers.read_geometries(self.path, layer_name, codes=codes)

    def _scalar(self, sql: str, params: tuple = ()) -> Any:  # an SQLite value: int, float, str, bytes or None
        row = self._conn.execute(sql, params).fetchone()
        return row[0] if row else None

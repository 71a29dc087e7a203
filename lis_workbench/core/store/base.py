"""What every part of the store shares: its connection, path and kind, one all-or-nothing write, the audit log
and small queries. Store (store.py) is this plus its geographies, benchmarks, lookups, catalogue and values."""

from __future__ import annotations

import datetime as _dt
import getpass
import os
import socket
import sqlite3
from typing import Any

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
    """An open store's connection (self._conn), path and kind ("gpkg" or "sqlite")."""

    def __init__(self, path: str, conn: sqlite3.Connection, kind: str) -> None:
        self.path = str(path)
        self.kind = kind
        self._conn = conn

    def _write(self, what: str):
        """One all-or-nothing write on the store's connection (see connection.write_transaction)."""
        return write_transaction(self._conn, what, self.path)

    def _audit(self, action, target, file, checksum, rows, skipped, message) -> None:
        try:
            user = getpass.getuser()
        except Exception:  # no login name (e.g. in a container)
            user = None
        self._conn.execute(
            "INSERT INTO lis_audit (at, action, target, file, checksum, rows, skipped_codes, user, host, "
            "message) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (now(), action, target, basename(file), checksum, rows, skipped, user, socket.gethostname(),
             message))

    def _has_table(self, name: str) -> bool:
        return bool(self._scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))

    def _scalar(self, sql: str, params: tuple = ()) -> Any:  # an SQLite value: int, float, str, bytes or None
        row = self._conn.execute(sql, params).fetchone()
        return row[0] if row else None

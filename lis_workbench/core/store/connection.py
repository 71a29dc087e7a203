"""SQLite connections made safe for a store shared on a network drive.

Rollback journal (never WAL, which fails over SMB/NFS), a busy timeout, and short write
transactions retried while another analyst holds the lock.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import StoreError

BUSY_TIMEOUT_MS = 15_000
WRITE_RETRIES = 4


def connect(path: str) -> sqlite3.Connection:
    """Open the store file for reading and short writes (autocommit; transactions are explicit)."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if mode.lower() == "wal":
        conn.execute("PRAGMA journal_mode = DELETE")
    return conn


@contextmanager
def write_transaction(conn: sqlite3.Connection, what: str) -> Iterator[sqlite3.Connection]:
    """Run one all-or-nothing write; retry taking the lock, roll back on any error."""
    for attempt in range(WRITE_RETRIES + 1):
        try:
            conn.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if attempt == WRITE_RETRIES:
                raise StoreError(
                    f"The store is busy: another user has been writing to it for too long, so "
                    f"{what} could not start. Try again in a minute.") from exc
            time.sleep(0.5 * (attempt + 1))
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")

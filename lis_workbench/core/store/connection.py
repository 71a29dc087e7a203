"""SQLite connections made safe for a store shared on a network drive.

Rollback journal (never WAL, which fails over SMB/NFS), a busy timeout, and short write transactions whose
BEGIN and COMMIT are both retried while another analyst holds the lock. Whatever goes wrong inside a write, the
connection leaves it rolled back with its lock released, so a long-running process (QGIS itself) never keeps a
colleague out; SQLite's own errors are turned into one plain sentence naming the store.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import StoreError

BUSY_TIMEOUT_MS = 15_000
WRITE_RETRIES = 4
RETRY_PAUSE_SECONDS = 0.5


def connect(path: str) -> sqlite3.Connection:
    """Open the store file for reading and short writes (autocommit; transactions are explicit)."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if mode.lower() == "wal":
        conn.execute("PRAGMA journal_mode = DELETE")
    return conn


def is_busy(exc: BaseException) -> bool:
    """Whether an SQLite error means another connection holds the lock (worth waiting for)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or (
        isinstance(exc, sqlite3.OperationalError) and ("locked" in str(exc) or "busy" in str(exc)))


def busy_message(path: str, what: str) -> str:
    return (f"The store {path} is busy{holder_words(read_note(path))}: another user has been reading or writing "
            f"it for too long, so {what} could not be done. Nothing was changed; try again in a minute.")


# ------------------------------------------------------------------ who holds the write lock
# SQLite does not say who holds its lock, so a writer leaves a note beside the store while it holds it:
# <store>.lock-info (user, host, program id, since, what). A note whose writer died is recognised as stale
# because the lock itself is free; nobody needs to delete it.
def note_path(path: str) -> str:
    return f"{path}.lock-info"


def _leave_note(path: str, what: str) -> None:
    try:
        user = getpass.getuser()
    except Exception:  # no login name (e.g. in a container)
        user = "unknown user"
    note = {"user": user, "host": socket.gethostname(), "pid": os.getpid(), "what": what,
            "since": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    partial = f"{note_path(path)}.{os.getpid()}"
    try:
        with open(partial, "w", encoding="utf-8") as out:
            json.dump(note, out)
        os.replace(partial, note_path(path))
    except OSError:  # a read-only folder: the write itself will say so
        pass


def _take_note_away(path: str) -> None:
    try:
        with open(note_path(path), encoding="utf-8") as note:
            mine = json.load(note).get("pid") == os.getpid()
        if mine:
            os.unlink(note_path(path))
    except (OSError, ValueError):
        pass


def read_note(path: str) -> dict | None:
    """The note the last writer left (None when there is none or it cannot be read)."""
    try:
        with open(note_path(path), encoding="utf-8") as note:
            found = json.load(note)
        return found if isinstance(found, dict) else None
    except (OSError, ValueError):
        return None


def holder_words(info: dict | None) -> str:
    if not info:
        return ""
    return (f" ({info.get('user')} on {info.get('host')} has held its write lock since {info.get('since')}"
            + (f", {info['what']}" if info.get("what") else "") + ")")


def lock_holder(path: str) -> dict | None:
    """Who holds the store file's write lock now: the writer's note, {"user": None, ...} when a program that
    leaves none (QGIS editing the file) holds it, or None when the lock is free."""
    probe = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return None
    except sqlite3.Error as exc:
        if not is_busy(exc):
            raise
        return read_note(path) or {"user": None, "host": None, "since": None, "what": None}
    finally:
        probe.close()


def explain(exc: sqlite3.Error, path: str, what: str) -> StoreError:
    """One plain sentence for an SQLite failure while doing `what` to the store at `path`."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    folder = os.path.dirname(os.path.abspath(path))
    if is_busy(exc):
        return StoreError(busy_message(path, what))
    if name == "SQLITE_READONLY_DIRECTORY" or (name == "SQLITE_CANTOPEN" and not os.access(folder, os.W_OK)):
        return StoreError(f"Cannot change the store {path}: its folder {folder} is read-only for you (SQLite "
                          f"writes a journal file beside the store while it changes it), so {what} was not done. "
                          "Ask for write access to the folder, or work on a copy of the store.")
    if name.startswith("SQLITE_READONLY"):
        return StoreError(f"Cannot change the store {path}: the file is read-only for you, so {what} was not done. "
                          "You can still read it; ask for write access, or work on a copy of the store.")
    if name == "SQLITE_FULL":
        return StoreError(f"The disk holding the store {path} is full, so {what} was not done; nothing was "
                          "changed. Free some space and try again.")
    if name.startswith("SQLITE_IOERR") or name == "SQLITE_CANTOPEN":
        return StoreError(f"The store {path} could not be read or written ({exc}); {what} was not done. If it is "
                          "on a network drive, check the connection: an unfinished change is undone the next time "
                          "the store is opened.")
    if name in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
        return StoreError(f"The store {path} is damaged ({exc}); {what} was not done. Restore it from a backup.")
    return StoreError(f"The store {path} could not be changed ({exc}); {what} was not done.")


def rollback(conn: sqlite3.Connection) -> None:
    """End any open transaction and release its lock; never raises (SQLite may already have rolled back)."""
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass


def _retrying(conn: sqlite3.Connection, statement: str, path: str, what: str) -> None:
    """Run BEGIN IMMEDIATE or COMMIT, retrying while the store is busy (each try waits the busy timeout)."""
    for attempt in range(WRITE_RETRIES + 1):
        try:
            conn.execute(statement)
            return
        except sqlite3.Error as exc:
            if not is_busy(exc) or attempt == WRITE_RETRIES:
                raise
            time.sleep(RETRY_PAUSE_SECONDS * (attempt + 1))


@contextmanager
def write_transaction(conn: sqlite3.Connection, what: str, path: str = "") -> Iterator[sqlite3.Connection]:
    """Run one all-or-nothing write: retry taking the lock and committing; on any error, roll back (releasing
    the lock) and raise it, SQLite's own errors as a StoreError naming the store."""
    where = path or _main_file(conn)
    rollback(conn)  # never nest inside a transaction somebody left open
    try:
        _retrying(conn, "BEGIN IMMEDIATE", where, what)
    except sqlite3.Error as exc:
        rollback(conn)
        raise explain(exc, where, what) from exc
    noted = os.path.isfile(where)
    if noted:
        _leave_note(where, what)
    try:
        yield conn
        _retrying(conn, "COMMIT", where, what)
    except BaseException as exc:
        rollback(conn)
        if isinstance(exc, sqlite3.Error):
            raise explain(exc, where, what) from exc
        raise
    finally:
        if noted:
            _take_note_away(where)


def _main_file(conn: sqlite3.Connection) -> str:
    try:
        return next((row[2] for row in conn.execute("PRAGMA database_list") if row[1] == "main"), "") or "(store)"
    except sqlite3.Error:
        return "(store)"

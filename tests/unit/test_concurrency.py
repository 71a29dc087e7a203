"""Two analysts on one store file: a writer waits for another's lock (busy timeout) and readers never see
half an import."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from unit_helpers import FILE_KINDS

from lis_workbench.core.ingest import ImportSpec, import_file
from lis_workbench.core.store import Store

HOLD_SECONDS = 1.0


@pytest.fixture(params=FILE_KINDS)
def kind(request) -> str:
    """What this module tests only a store file has (its journal, file locks, its bytes); PostGIS has its own
    tests of the same promises (test_store_postgis.py)."""
    return request.param


def _write_partner(path, codes, periods, offset=0):
    path.write_text("lsoa11cd,period,value\n" + "".join(
        f"{c},{p},{i + offset}\n" for p in periods for i, c in enumerate(codes)))
    return path


def _count(path, indicator):
    conn = sqlite3.connect(path, timeout=5, isolation_level=None)
    try:
        conn.execute("BEGIN")  # one read transaction: both counts from the same snapshot
        values = conn.execute("SELECT COUNT(*) FROM lis_value WHERE indicator = ?", (indicator,)).fetchone()[0]
        listed = conn.execute("SELECT COUNT(*) FROM lis_catalogue WHERE id = ?", (indicator,)).fetchone()[0]
        conn.execute("COMMIT")
        return values, listed
    finally:
        conn.close()


def test_import_waits_for_another_writers_lock(store, store_path, lsoa_codes, tmp_path):
    partner = _write_partner(tmp_path / "queued.csv", lsoa_codes, ["2020"])
    locked, errors = threading.Event(), []

    def hold_lock():
        try:
            conn = sqlite3.connect(store_path, isolation_level=None, timeout=5)
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO lis_meta (key, value) VALUES ('other_analyst', 'was here')")
            locked.set()
            time.sleep(HOLD_SECONDS)
            conn.execute("COMMIT")
            conn.close()
        except Exception as exc:  # reported to the main thread
            errors.append(exc)
            locked.set()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    assert locked.wait(10)
    # the lock is really held: a writer without a busy timeout is refused at once
    probe = sqlite3.connect(store_path, isolation_level=None, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        raise AssertionError("the store should be locked by the other writer")
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
    finally:
        probe.close()
    start = time.monotonic()
    report = import_file(store, str(partner))
    waited = time.monotonic() - start
    holder.join(10)
    assert not errors
    assert waited >= HOLD_SECONDS * 0.7  # it waited for the lock rather than failing or skipping
    assert report.rows == 200
    assert _count(store_path, "queued") == (200, 1)
    conn = sqlite3.connect(store_path)
    try:  # the other analyst's write landed too
        assert conn.execute("SELECT value FROM lis_meta WHERE key = 'other_analyst'").fetchone() == ("was here",)
    finally:
        conn.close()


def test_reader_mid_import_sees_nothing_then_everything(store_path, lsoa_codes, tmp_path):
    """A reader that opens while the import's transaction holds its values (inserted, not committed)."""
    partner = _write_partner(tmp_path / "atomic.csv", lsoa_codes, ["2018", "2019", "2020"])
    mid, checked, errors, seen = threading.Event(), threading.Event(), [], []

    def trace(statement: str) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO LIS_CATALOGUE") and not mid.is_set():
            mid.set()  # every value row is written, the transaction is still open
            checked.wait(20)

    def writer():
        try:
            with Store.open(store_path) as own:
                own._conn.set_trace_callback(trace)
                import_file(own, str(partner))
        except Exception as exc:
            errors.append(exc)
        finally:
            mid.set()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        assert mid.wait(20)
        seen.append(_count(store_path, "atomic"))
        with Store.open(store_path) as reader:
            seen.append((int(reader.summary()["values"]), "atomic" in set(reader.catalogue()["id"])))
    finally:
        checked.set()
        thread.join(20)
    assert not errors
    assert seen[0] == (0, 0)
    assert seen[1][1] is False
    assert _count(store_path, "atomic") == (600, 1)


def test_polling_reader_never_sees_a_partial_import(store_path, lsoa_codes, tmp_path):
    periods = [str(y) for y in range(1960, 2020)]
    partner = _write_partner(tmp_path / "long_series.csv", lsoa_codes, periods)
    expected = len(lsoa_codes) * len(periods)
    done, errors, observed = threading.Event(), [], []

    def writer():
        try:
            with Store.open(store_path) as own:
                import_file(own, str(partner), ImportSpec())
        except Exception as exc:
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    while not done.is_set():
        observed.append(_count(store_path, "long_series"))
    thread.join(20)
    observed.append(_count(store_path, "long_series"))
    assert not errors
    assert set(observed) <= {(0, 0), (expected, 1)}
    assert observed[-1] == (expected, 1)

"""A write that fails at any moment leaves the store exactly as it was, and releases its lock.

Faults are real SQLite failures on the store's own connection: the statement interrupted at many points of
the write (as a dropped share or a killed query would), the disk full (SQLite's page limit), and a colleague's
long read holding off the COMMIT. The state is read back through sqlite3 and OGR (unit_helpers.store_state).
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from unit_helpers import FILE_KINDS, SAMPLE, store_state

from lis_workbench.core.errors import StoreError
from lis_workbench.core.geography import read_lookup
from lis_workbench.core.ingest import import_file
from lis_workbench.core.store import Store, connection


@pytest.fixture(params=FILE_KINDS)
def kind(request) -> str:
    """What this module tests only a store file has (its journal, file locks, its bytes); PostGIS has its own
    tests of the same promises (test_store_postgis.py)."""
    return request.param


def _renamed_wards(tmp_path):
    """The sample's 2023 wards with every name changed, so a replacement is visible in the layer."""
    import geopandas as gpd

    wards = gpd.read_file(SAMPLE / "wigan_wards_2023_bgc.geojson")
    wards["area_name"] = "Renamed " + wards["area_name"]
    path = tmp_path / "wards_renamed.geojson"
    wards.to_file(path, driver="GeoJSON")
    return path


def _partner(tmp_path, codes):
    path = tmp_path / "many_periods.csv"
    path.write_text("lsoa11cd,period,value\n" + "".join(f"{c},{p},{i}\n" for p in range(1990, 2020)
                                                        for i, c in enumerate(codes)))
    return path


def _lookup(tmp_path, lsoa11, lsoa21):
    path = tmp_path / "all_pairs.csv"
    rows = [f"{a},{b},{1 / len(lsoa21)}" for a in lsoa11[:40] for b in lsoa21]
    path.write_text("lsoa11cd,lsoa21cd,weight\n" + "\n".join(rows) + "\n")
    return path


OPERATIONS = {
    "geography add --replace": lambda s, tmp, codes: s.add_geography(
        "ward23", str(_renamed_wards(tmp)), replace=True),
    "import": lambda s, tmp, codes: import_file(s, str(_partner(tmp, codes))),
    "lookup add": lambda s, tmp, codes: s.add_lookup(
        "lsoa11_lsoa21_all", "lsoa11", "lsoa21",
        read_lookup(_lookup(tmp, codes, sorted(s.area_codes("lsoa21"))), "lsoa11cd", "lsoa21cd", "weight")),
    "delete": lambda s, tmp, codes: s.delete_indicator("claimant_count"),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_write_interrupted_at_any_point_leaves_the_store_as_it_was(kind, built_stores, tmp_path, lsoa_codes,
                                                                   operation):
    """The write's SQL interrupted after k steps, for k spread over the whole write: each time the store is
    exactly as before (checksum, every layer's features read by OGR, the audit log); uninterrupted, it changes."""
    template = tmp_path / f"template.{kind}"
    shutil.copyfile(built_stores(kind), template)
    before = store_state(template)
    run = OPERATIONS[operation]

    def count_inside_the_write(store, stop_at=None):
        """Count SQLite's progress steps from BEGIN IMMEDIATE on; interrupt the write at step stop_at."""
        calls, armed = [0], [False]

        def trace(sql):
            if sql.startswith("BEGIN IMMEDIATE"):
                armed[0] = True

        def handler():
            if armed[0]:
                calls[0] += 1
                return 1 if stop_at is not None and calls[0] >= stop_at else 0
            return 0

        store._conn.set_trace_callback(trace)
        store._conn.set_progress_handler(handler, 100)
        return calls

    path = tmp_path / f"count.{kind}"
    shutil.copyfile(template, path)
    with Store.open(path) as counting:
        steps = count_inside_the_write(counting)
        run(counting, tmp_path, lsoa_codes)
    after = store_state(path)
    assert after != before and after["audit"] == before["audit"] + 1
    assert steps[0] > 20, "the write is too short to interrupt at many points"

    interrupted = 0
    for stop_at in np.unique(np.linspace(1, steps[0] - 1, 12).astype(int)):
        path = tmp_path / f"cut_{stop_at}.{kind}"
        shutil.copyfile(template, path)
        with Store.open(path) as store:
            count_inside_the_write(store, stop_at)
            with pytest.raises(StoreError) as info:
                run(store, tmp_path, lsoa_codes)
            assert "was not done" in str(info.value)
            assert not store._conn.in_transaction
            store._conn.set_progress_handler(None, 100)
        assert store_state(path) == before, f"interrupted at step {stop_at} of {steps[0]}"
        interrupted += 1
    assert interrupted >= 8
    print(f"\n{operation} on {kind}: interrupted at {interrupted} points of {steps[0]} steps: store as before "
          "every time")


def test_disk_full_while_adding_a_geography_changes_nothing(kind, store_path, tmp_path):
    before = store_state(store_path)
    with Store.open(store_path) as store:
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        store._conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full: the file cannot grow
        with pytest.raises(StoreError) as info:
            store.add_geography("ward23_again", str(SAMPLE / "wigan_wards_2023_bgc.geojson"))
        assert "full" in str(info.value) and str(store_path) in str(info.value)
        assert "ward23_again" not in store.geography_names()
    assert store_state(store_path) == before


def _hold_read(path, seconds: float) -> subprocess.Popen:
    """A colleague's process reading the store for `seconds` (one read transaction, so a SHARED lock)."""
    code = (f"import sqlite3, sys, time\nc = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
            "c.execute('BEGIN'); c.execute('SELECT COUNT(*) FROM lis_value').fetchone()\n"
            f"print('reading', flush=True); time.sleep({seconds}); c.execute('COMMIT')\n")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "reading"
    return holder


@pytest.fixture
def short_waits(monkeypatch):
    """Busy waits of a fraction of a second, so that minutes of waiting take a test a few seconds."""
    monkeypatch.setattr(connection, "BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(connection, "WRITE_RETRIES", 2)
    monkeypatch.setattr(connection, "RETRY_PAUSE_SECONDS", 0.05)


def test_commit_held_off_by_a_long_read_fails_cleanly_and_releases_the_lock(kind, store_path, lsoa_codes,
                                                                             tmp_path, short_waits):
    """Issue 12, case 2: the COMMIT is refused while a colleague reads; the write rolls back, the lock is released
    at once (a third process can write while the colleague still reads), and the same long-lived connection writes
    again afterwards - no 'cannot start a transaction within a transaction'."""
    before = store_state(store_path)
    partner = _partner(tmp_path, lsoa_codes)
    with Store.open(store_path) as store:  # one long process, as QGIS is
        holder = _hold_read(store_path, 4.0)
        try:
            with pytest.raises(StoreError) as info:
                import_file(store, str(partner))
            assert "busy" in str(info.value) and "Nothing was changed" in str(info.value)
            assert not store._conn.in_transaction
            probe = sqlite3.connect(store_path, isolation_level=None, timeout=0)
            try:
                probe.execute("BEGIN IMMEDIATE")  # would fail if the failed writer still held its lock
                probe.execute("ROLLBACK")
            finally:
                probe.close()
            with Store.open(store_path) as colleague:  # another user's `lis list` opens and reads
                assert len(colleague.catalogue()) == 74
        finally:
            holder.wait(30)
        assert store_state(store_path) == before
        report = import_file(store, str(partner))
        assert report.rows == 30 * len(lsoa_codes)
    assert store_state(store_path)["audit"] == before["audit"] + 1


def test_commit_is_retried_until_a_short_read_ends(kind, store_path, lsoa_codes, tmp_path, short_waits,
                                                   monkeypatch):
    monkeypatch.setattr(connection, "WRITE_RETRIES", 20)
    partner = _partner(tmp_path, lsoa_codes)
    commits = []
    with Store.open(store_path) as store:
        store._conn.set_trace_callback(lambda sql: commits.append(time.monotonic()) if sql == "COMMIT" else None)
        holder = _hold_read(store_path, 1.0)
        try:
            report = import_file(store, str(partner))
        finally:
            holder.wait(30)
        assert not store._conn.in_transaction
    assert report.rows == 30 * len(lsoa_codes)
    assert len(commits) >= 2, "the COMMIT should have waited for the reader and been tried again"
    with Store.open(store_path) as reopened:
        values = reopened.get_series("many_periods")
    assert len(values) == 30 * len(lsoa_codes)
    expected = pd.Series(range(len(lsoa_codes)), index=lsoa_codes, dtype=float)
    latest = values[values["period"] == "2019"].set_index("area_code")["value"]
    assert latest.sort_index().equals(expected.sort_index())


def test_opening_a_store_another_process_is_committing_says_busy(kind, store_path, short_waits):
    """It used to say '... is not an LIS Workbench store (database is locked)'."""
    code = (f"import sqlite3, time\nc = sqlite3.connect({str(store_path)!r}, isolation_level=None)\n"
            "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(3); c.execute('COMMIT')\n")
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(StoreError) as info:
            Store.open(store_path)
        assert "busy" in str(info.value) and "not an LIS Workbench store" not in str(info.value)
    finally:
        holder.wait(30)
    with Store.open(store_path) as store:  # and once the colleague is done, it opens
        assert len(store.catalogue()) == 74

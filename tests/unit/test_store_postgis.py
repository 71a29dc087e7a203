"""A store in PostGIS, on a throwaway cluster (tests/postgis_cluster.py): what a file store promises, kept the
PostgreSQL way (who may change what, who holds the lock, nothing half-written), and moving a store between
backends with its content unchanged. The other store tests run on PostGIS too (the `postgis` kind)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from unit_helpers import RECIPE, REPO, is_database, rows, run_lis, store_state, write_text

from lis_workbench.core.errors import StoreError
from lis_workbench.core.ingest import ImportSpec, import_file
from lis_workbench.core.store import Store, postgres
from lis_workbench.core.store.copy import copy_store
from lis_workbench.core.store.filesystem import network_filesystem

CONTENT_TABLES = ("lis_area", "lis_benchmark", "lis_catalogue", "lis_geography", "lis_lookup", "lis_lookup_row",
                  "lis_value")


@pytest.fixture
def pg_store(pg_cluster, pg_schemas, built_stores):
    """A fresh PostGIS copy of the sample store (its address)."""
    target = pg_cluster.uri(schema=pg_schemas("p"))
    copy_store(str(built_stores("postgis")), target)
    return target


def _partner(tmp_path, codes, period="2030", name="partner.csv", offset=0):
    return write_text(tmp_path / name, "lsoa11cd,value\n" + "".join(f"{c},{i + offset}\n"
                                                                   for i, c in enumerate(codes)))


def test_create_open_and_refusals(pg_cluster, pg_schemas):
    uri = pg_cluster.uri(schema=pg_schemas("c"))
    done = run_lis("store", "create", uri)
    assert done.returncode == 0, done.stderr
    assert rows(uri, "SELECT value FROM lis_meta WHERE key = 'schema_version'") == [("2",)]
    again = run_lis("store", "create", uri)
    assert again.returncode == 1 and "already a store" in again.stderr
    empty = pg_cluster.uri(schema=pg_schemas("none"))
    opened = run_lis("store", "info", empty)
    assert opened.returncode == 1 and "There is no store" in opened.stderr and "schema" in opened.stderr
    rows(uri, "SELECT 1")  # the independent reader reaches it
    pg_cluster.sql(f"UPDATE {uri.rsplit('=', 1)[1]}.lis_meta SET value = '99' WHERE key = 'schema_version'")
    newer = run_lis("store", "info", uri)
    assert newer.returncode == 1 and "newer LIS Workbench" in newer.stderr
    wrong = run_lis("store", "info", uri.replace("/lis?", "/nosuchdb?"))
    assert wrong.returncode == 1 and "Cannot connect to the store" in wrong.stderr


def test_sample_build_holds_what_the_file_store_holds(built_stores):
    """The recipe built into PostGIS and into a GeoPackage: the same rows in every content table and the same
    features in every layer (read without the engine), and the same content checksum."""
    pg, gpkg = store_state(built_stores("postgis")), store_state(built_stores("gpkg"))
    for table in CONTENT_TABLES:
        if table != "lis_catalogue":  # its import times differ between two builds
            assert pg["tables"][table] == gpkg["tables"][table], table
    assert pg["layers"] == gpkg["layers"]
    assert rows(built_stores("postgis"), "SELECT COUNT(*) FROM lis_value") == \
        rows(built_stores("gpkg"), "SELECT COUNT(*) FROM lis_value")


def test_copy_between_backends_keeps_content_and_checksum(built_stores, pg_cluster, pg_schemas, tmp_path):
    source = built_stores("gpkg")
    uri = pg_cluster.uri(schema=pg_schemas("cp"))
    done = run_lis("store", "copy", source, uri)
    assert done.returncode == 0, done.stderr
    back = tmp_path / "back.sqlite"
    done = run_lis("store", "copy", uri, back)
    assert done.returncode == 0, done.stderr
    states = [store_state(p) for p in (source, uri, back)]
    for table in CONTENT_TABLES:
        assert states[0]["tables"][table] == states[1]["tables"][table] == states[2]["tables"][table], table
    assert states[0]["layers"] == states[1]["layers"] == states[2]["layers"]
    sums = []
    for path in (source, uri, back):
        with Store.open(path) as opened:
            sums.append(opened.checksum())
    assert len(set(sums)) == 1
    assert "content checksum " + sums[0][:16] in done.stdout
    refused = run_lis("store", "copy", source, back)
    assert refused.returncode == 1 and "already exists" in refused.stderr


def test_reader_may_read_but_not_change_and_steward_is_audited(pg_store, pg_cluster, lsoa_codes, tmp_path):
    schema = pg_store.rsplit("=", 1)[1]
    pg_cluster.login_role("reader_rita")
    pg_cluster.login_role("steward_sam")
    pg_cluster.sql(f"GRANT {schema}_readers TO reader_rita")
    pg_cluster.sql(f"GRANT {schema}_stewards TO steward_sam")
    as_reader = pg_store.replace("postgres@", "reader_rita@")
    as_steward = pg_store.replace("postgres@", "steward_sam@")
    partner = _partner(tmp_path, lsoa_codes)
    listed = run_lis("list", as_reader)
    assert listed.returncode == 0 and "imd2019_imd_rank" in listed.stdout
    before = store_state(pg_store)
    refused = run_lis("import", as_reader, partner, "--period", "2030", "--value-column", "value=partner_value")
    assert refused.returncode == 1
    assert "may read the store" in refused.stderr and "not one of its stewards" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert store_state(pg_store) == before
    for command in (["delete", as_reader, "imd2019_imd_rank", "--yes"],
                    ["store", "settings", as_reader, "home_areas=E08000010"]):
        result = run_lis(*command)
        assert result.returncode == 1 and "not one of its stewards" in result.stderr, command
    assert store_state(pg_store) == before
    done = run_lis("import", as_steward, partner, "--period", "2030", "--value-column", "value=partner_value")
    assert done.returncode == 0, done.stderr
    last = rows(pg_store, 'SELECT action, target, "user" FROM lis_audit ORDER BY fid DESC LIMIT 1')[0]
    assert last == ("import", "partner_value", "steward_sam")
    assert rows(pg_store, "SELECT COUNT(*) FROM lis_value WHERE indicator = 'partner_value'") == [(len(lsoa_codes),)]
    pg_cluster.login_role("outsider_olga")
    outsider = run_lis("list", pg_store.replace("postgres@", "outsider_olga@"))
    assert outsider.returncode == 1 and "not one of its readers" in outsider.stderr


def test_a_busy_store_names_who_holds_it(pg_store, lsoa_codes, tmp_path, monkeypatch):
    monkeypatch.setattr(postgres, "LOCK_TIMEOUT_MS", 600)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with Store.open(pg_store) as other, other._write("importing a big file"):
            holding.set()
            release.wait(20)

    worker = threading.Thread(target=hold)
    worker.start()
    try:
        assert holding.wait(20)
        info = run_lis("store", "lock-info", pg_store)
        assert info.returncode == 0 and "locked by postgres" in info.stdout, info.stdout
        before = store_state(pg_store)
        with Store.open(pg_store) as store, pytest.raises(StoreError) as caught:
            import_file(store, str(_partner(tmp_path, lsoa_codes)), ImportSpec(period="2030", indicator="p"))
        message = str(caught.value)
        assert "is busy (postgres from" in message and "has held its write lock since" in message
        assert "Nothing was changed" in message
        assert store_state(pg_store) == before
    finally:
        release.set()
        worker.join()
    free = run_lis("store", "lock-info", pg_store)
    assert "is free" in free.stdout


def test_a_failure_inside_a_write_leaves_nothing(pg_store, lsoa_codes, tmp_path, monkeypatch):
    """The audit row is the last statement of an import: failing there must undo the values and catalogue row
    written before it (one transaction), and release the lock."""
    before = store_state(pg_store)

    def broken(*args, **kwargs):
        raise OSError("disk gone")

    with Store.open(pg_store) as store:
        monkeypatch.setattr(store, "_audit", broken)
        with pytest.raises(OSError):
            import_file(store, str(_partner(tmp_path, lsoa_codes)), ImportSpec(period="2030", indicator="p"))
        assert store_state(pg_store) == before
        assert store.lock_holder() is None
        monkeypatch.undo()
        import_file(store, str(_partner(tmp_path, lsoa_codes)), ImportSpec(period="2030", indicator="p"))
    assert rows(pg_store, "SELECT COUNT(*) FROM lis_value WHERE indicator = 'p'") == [(len(lsoa_codes),)]


def test_kill_9_during_a_big_import_leaves_the_store_before_or_after(pg_store, lsoa_codes, tmp_path):
    """A writer killed at random moments of a 120,000-value import: every time the store is exactly as before
    or exactly as after (PostgreSQL rolls back the dead session's transaction)."""
    periods = [f"{y}-{m:02d}" for y in range(1975, 2025) for m in range(1, 13)][:600]
    big = tmp_path / "big.csv"
    big.write_text("lsoa11cd,period,value\n" + "".join(f"{c},{p},{i}\n" for p in periods
                                                          for i, c in enumerate(lsoa_codes)))
    before = store_state(pg_store)
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(REPO)!r})
        from lis_workbench.core.ingest import ImportSpec, import_file
        from lis_workbench.core.store import Store
        with Store.open({pg_store!r}) as store:
            print("open", flush=True)
            import_file(store, {str(big)!r}, ImportSpec(indicator="big", period_format="month"))
        print("done", flush=True)
    """)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=300)
    whole = time.perf_counter() - t0
    after = store_state(pg_store)
    assert after != before
    run_lis("delete", pg_store, "big", "--yes")
    rng = __import__("random").Random(7)
    outcomes = []
    for _ in range(10):
        proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline().strip() == "open"
        time.sleep(rng.uniform(0, whole * 0.8))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        state = store_state(pg_store)
        tables = {k: v for k, v in state["tables"].items() if k not in ("lis_audit", "lis_meta")}
        if tables == {k: v for k, v in before["tables"].items() if k not in ("lis_audit", "lis_meta")}:
            outcomes.append("before")
        else:
            assert rows(pg_store, "SELECT COUNT(*) FROM lis_value WHERE indicator = 'big'") == \
                [(len(periods) * len(lsoa_codes),)]
            outcomes.append("after")
            run_lis("delete", pg_store, "big", "--yes")
    assert "before" in outcomes


def test_publish_a_working_copy_and_refuse_a_stale_one(built_stores, tmp_path, lsoa_codes):
    shared = tmp_path / "shared.gpkg"
    copy_store(str(built_stores("gpkg")), str(shared))
    working = tmp_path / "mine.gpkg"
    assert run_lis("store", "copy", shared, working).returncode == 0
    assert run_lis("import", working, _partner(tmp_path, lsoa_codes), "--period", "2030",
                   "--value-column", "value=mine").returncode == 0
    done = run_lis("store", "publish", working, shared)
    assert done.returncode == 0, done.stderr
    assert rows(shared, "SELECT COUNT(*) FROM lis_value WHERE indicator = 'mine'") == [(len(lsoa_codes),)]
    assert rows(shared, "PRAGMA integrity_check") == [("ok",)]
    # a colleague takes a copy, then somebody changes the shared store: the colleague's copy is stale
    colleague = tmp_path / "theirs.gpkg"
    assert run_lis("store", "copy", shared, colleague).returncode == 0
    assert run_lis("delete", shared, "mine", "--yes").returncode == 0
    before = store_state(shared)
    stale = run_lis("store", "publish", colleague, shared)
    assert stale.returncode == 1 and "has changed since this working copy was taken" in stale.stderr
    assert store_state(shared) == before
    # my own copy may publish again after the change it made itself was published
    assert run_lis("store", "publish", working, shared).returncode == 1


def test_lock_info_of_a_file_store_names_the_writer(built_stores, tmp_path):
    path = tmp_path / "held.gpkg"
    copy_store(str(built_stores("gpkg")), str(path))
    code = textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(REPO)!r})
        from lis_workbench.core.store import Store
        with Store.open({str(path)!r}) as store, store._write("importing claimants.csv"):
            print("holding", flush=True)
            time.sleep(30)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "holding"
        info = run_lis("store", "lock-info", path)
        assert info.returncode == 0
        import getpass
        import socket

        assert f"locked by {getpass.getuser()} on {socket.gethostname()} since" in info.stdout
        assert "importing claimants.csv" in info.stdout
    finally:
        proc.kill()
        proc.wait()
    # the killed writer's note is left behind; the lock is free, so it is not believed
    assert os.path.exists(f"{path}.lock-info")
    assert "is free" in run_lis("store", "lock-info", path).stdout
    with Store.open(path) as store:
        assert store.lock_holder() is None


def test_network_filesystems_are_recognised(tmp_path):
    mounts = ("/dev/sda1 / ext4 rw 0 0\n//fileserver/lis /mnt/lis cifs rw 0 0\n"
              "nas:/export /srv/nfs nfs4 rw 0 0\n/dev/sdb1 /mnt/lis/local ext4 rw 0 0\n")
    assert network_filesystem("/mnt/lis/team/store.gpkg", mounts) == "SMB/CIFS"
    assert network_filesystem("/srv/nfs/store.gpkg", mounts) == "NFS"
    assert network_filesystem("/mnt/lis/local/store.gpkg", mounts) is None
    assert network_filesystem("/data/team/store.gpkg", mounts) is None
    assert network_filesystem(str(tmp_path / "s.gpkg")) is None  # this machine's temporary folder is local


def test_addresses_hide_passwords_and_reject_bad_schemas():
    from lis_workbench.core.store.address import parse

    where = parse("postgresql://ann:secret@db.council.gov.uk:5433/lis?schema=health&sslmode=require")
    assert where.schema == "health" and "secret" not in where.shown
    assert where.params() == {"user": "ann", "password": "secret", "host": "db.council.gov.uk", "port": "5433",
                              "dbname": "lis", "sslmode": "require"}
    assert parse("service=lis_team").params() == {"service": "lis_team"} and parse("service=lis_team").schema == "lis"
    with pytest.raises(StoreError, match="cannot be a store's schema"):
        parse("postgresql://ann@db/lis?schema=Drop Table")
    assert not is_database("store.gpkg") and RECIPE.exists()


def test_values_travel_exactly_into_postgis(pg_store, tmp_path):
    """Imports go in with one binary COPY built by numpy: the values read back (through psycopg2, not the engine)
    are the very doubles of the file, missing ones NULL, text with accents, quotes and tabs intact; a frame out of
    key order is sorted, and the fids are new, distinct and after the ones already used."""
    import pandas as pd

    from lis_workbench.core.store.address import parse
    from lis_workbench.core.store.postgres import PgConnection, connect

    columns = ("indicator", "area_code", "period", "value", "suppressed")
    first = pd.DataFrame({"indicator": ["t_x", "t_x", "t_x"], "area_code": ["É1", "a\tb", 'q"'],
                          "period": ["2020", "2020", "2021"], "value": [0.1 + 0.2, float("nan"), -1e300],
                          "suppressed": [0, 1, 0]})
    second = pd.DataFrame({"indicator": ["t_y"], "area_code": [""], "period": ["2020"], "value": [5.0],
                           "suppressed": [1]})
    used = rows(pg_store, "SELECT MAX(fid) FROM lis_value")[0][0] or 0
    conn: PgConnection = connect(parse(pg_store))
    try:
        conn.execute("BEGIN")
        assert conn.copy_values(iter([first, second]), [3, 1], columns) == 4
        conn.execute("COMMIT")
    finally:
        conn.close()
    got = rows(pg_store, "SELECT indicator, area_code, period, value, suppressed FROM lis_value WHERE indicator "
                         "LIKE 't\\_%' ORDER BY fid")
    assert got == [("t_x", "a\tb", "2020", None, 1), ("t_x", "É1", "2020", 0.30000000000000004, 0),
                   ("t_x", 'q"', "2021", -1e300, 0), ("t_y", "", "2020", 5.0, 1)]
    fids = [r[0] for r in rows(pg_store, "SELECT fid FROM lis_value WHERE indicator LIKE 't\\_%'")]
    assert len(set(fids)) == 4 and min(fids) > used


def _unique_keys(uri: str) -> list[tuple]:
    schema = uri.rsplit("=", 1)[1]
    return rows(uri, "SELECT pg_get_constraintdef(c.oid), c.oid FROM pg_constraint c JOIN pg_class t "
                     "ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace "
                     "WHERE n.nspname = ? AND t.relname = 'lis_value' "
                     "AND c.contype = 'u'", (schema,))


def test_a_bulk_import_builds_the_unique_key_afresh(pg_store, lsoa_codes, tmp_path, monkeypatch):
    """An import as big as the stored values drops lis_value's unique key and builds it again after the COPY (as
    at 200,000 values and more; the bound is lowered here): the key is there after, the values are in, and a
    duplicate would still be refused; while a reader holds the table, the key stays and the import goes the
    usual way, without waiting for the reader."""
    monkeypatch.setattr(postgres, "BULK_ROWS", 10)
    monkeypatch.setattr(postgres, "VALUE_ROW_BYTES", 10 ** 9)  # "as big as the table": always, here
    [(definition, before)] = _unique_keys(pg_store)
    assert definition == "UNIQUE (indicator, period, area_code)"
    with Store.open(pg_store) as store:
        import_file(store, str(_partner(tmp_path, lsoa_codes, name="bulk.csv")), ImportSpec(period="2030"))
    [(definition, built)] = _unique_keys(pg_store)
    assert definition == "UNIQUE (indicator, period, area_code)" and built != before  # a new key
    assert rows(pg_store, "SELECT COUNT(*) FROM lis_value WHERE indicator = 'bulk'")[0][0] == len(lsoa_codes)
    import psycopg2

    from lis_workbench.core.store.address import parse

    schema = pg_store.rsplit("=", 1)[1]
    reader = psycopg2.connect(parse(pg_store).conninfo)
    try:
        cursor = reader.cursor()
        cursor.execute(f"SELECT COUNT(*) FROM {schema}.lis_value")  # holds ACCESS SHARE until it ends
        started = time.perf_counter()
        with Store.open(pg_store) as store:
            import_file(store, str(_partner(tmp_path, lsoa_codes, name="while_read.csv")), ImportSpec(period="2030"))
        assert time.perf_counter() - started < 10
        with pytest.raises(psycopg2.errors.UniqueViolation):
            cursor.execute(f"INSERT INTO {schema}.lis_value (indicator, area_code, period) "
                           f"SELECT indicator, area_code, period FROM {schema}.lis_value LIMIT 1")
    finally:
        reader.close()
    assert _unique_keys(pg_store) == [("UNIQUE (indicator, period, area_code)", built)]  # kept: not set aside
    assert rows(pg_store, "SELECT COUNT(*) FROM lis_value WHERE indicator = 'while_read'")[0][0] == len(lsoa_codes)


def test_a_pg_service_entry_names_the_store(built_stores, pg_cluster, tmp_path, monkeypatch):
    """`service=NAME` as QGIS users set it up: the connection in pg_service.conf, the schema beside it."""
    sample = built_stores("postgis")  # schema "sample" on the cluster
    services = tmp_path / "pg_service.conf"
    services.write_text(f"[lis_team]\nhost={pg_cluster.host}\nport={pg_cluster.port}\ndbname=lis\n"
                        f"user={pg_cluster.superuser}\n")
    monkeypatch.setenv("PGSERVICEFILE", str(services))
    listed = run_lis("list", "service=lis_team schema=sample")
    assert listed.returncode == 0, listed.stderr
    assert len([line for line in listed.stdout.splitlines() if line.strip()]) == \
        rows(sample, "SELECT COUNT(*) FROM lis_catalogue")[0][0]
    missing = run_lis("list", "service=no_such_service schema=sample")
    assert missing.returncode == 1 and "Cannot connect to the store" in missing.stderr

"""kill -9 of `lis import` at 10 random moments of an England import (the IoD 2019 domains file: 525,504
values), on a GeoPackage and on PostGIS: every time the store holds exactly what it held before, or exactly the
whole import. Needs ../shared/data/england (skipped without it)."""

from __future__ import annotations

import gzip
import os
import random
import shutil
import signal
import subprocess
import time

import pytest
from unit_helpers import REPO, lis_command, rows

ENGLAND = REPO.parent / "shared" / "data" / "england"
BOUNDARIES = ENGLAND / "england_lsoa11_bgc_imd2015_2019.gpkg"
DOMAINS = ENGLAND / "File_2_-_IoD2019_Domains_of_Deprivation.csv.gz"

pytestmark = pytest.mark.skipif(not (BOUNDARIES.exists() and DOMAINS.exists()),
                                reason="the England data (../shared/data/england) is not here")


@pytest.fixture(scope="module")
def england_csv(tmp_path_factory):
    out = tmp_path_factory.mktemp("england") / "domains.csv"
    with gzip.open(DOMAINS, "rb") as packed, open(out, "wb") as plain:
        shutil.copyfileobj(packed, plain)
    return out


@pytest.fixture(scope="module")
def england_template(tmp_path_factory):
    """A GeoPackage store holding only the England LSOA 2011 boundaries (copied for each backend)."""
    from lis_workbench.core.store import Store

    path = tmp_path_factory.mktemp("england_store") / "england.gpkg"
    with Store.create(path) as store:
        store.add_geography("lsoa11", str(BOUNDARIES), layer="lsoa11_imd", code_field="code",
                            name_field="LAD17NM", title="LSOA 2011")
    return path


def _state(where) -> tuple:
    """What a user can see of the import: the catalogue's ids and row counts, the number of values and of
    distinct indicators among them (read without the engine; a file's hot journal is rolled back on open)."""
    catalogue = tuple(rows(where, "SELECT id, row_count FROM lis_catalogue ORDER BY id"))
    values = rows(where, "SELECT COUNT(*), COUNT(DISTINCT indicator) FROM lis_value")[0]
    return catalogue, tuple(values)


@pytest.mark.parametrize("backend", ["gpkg", "postgis"])
def test_kill_9_during_an_england_import(backend, england_template, england_csv, tmp_path, request):
    if backend == "postgis":
        from lis_workbench.core.store.copy import copy_store

        where = request.getfixturevalue("pg_cluster").uri(schema="england_crash")
        copy_store(str(england_template), where)
    else:
        where = str(tmp_path / "england.gpkg")
        shutil.copyfile(england_template, where)
    command = [*lis_command(), "import", where, str(england_csv), "--period", "2019", "--geography", "lsoa11"]
    env = dict(os.environ, NO_COLOR="1")
    before = _state(where)
    t0 = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    whole = time.perf_counter() - t0
    assert done.returncode == 0, done.stderr
    after = _state(where)
    assert after[1][0] > 500_000 and after != before
    ids = [i for i, _ in after[0] if i not in dict(before[0])]
    for indicator in ids:  # back to before: the next imports start from the same store
        assert subprocess.run([*lis_command(), "delete", where, indicator, "--yes"], capture_output=True,
                              env=env, timeout=300).returncode == 0
    emptied = _state(where)
    assert emptied[1] == before[1]
    rng = random.Random(2019)
    outcomes = []
    for _ in range(10):
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        time.sleep(rng.uniform(0.45 * whole, whole))  # mostly inside the write (validation comes first)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        state = _state(where)
        if state == emptied:
            outcomes.append("before")
            continue
        assert state[1] == after[1] and [r for r in state[0] if r[0] in ids] == [r for r in after[0] if r[0] in ids]
        outcomes.append("after")
        for indicator in ids:
            subprocess.run([*lis_command(), "delete", where, indicator, "--yes"], capture_output=True, env=env,
                           timeout=300)
    print(f"\n  kill -9 x10 during an England import ({after[1][0]:,} values, {whole:.1f} s) on {backend}: "
          f"{outcomes.count('before')} before, {outcomes.count('after')} after; never anything else")
    assert "before" in outcomes
    if backend == "gpkg":
        assert rows(where, "PRAGMA integrity_check") == [("ok",)]

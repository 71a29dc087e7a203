"""kill -9 of a `lis` writer at 20 moments of each write, on GeoPackage and SpatiaLite: the store is exactly as it
was before or as it is after, every time (issue 12).

Each command first runs to completion once, while the test times the rollback journal SQLite keeps during a
write. Of the 20 kills (more, up to 60, until 10 have landed mid-write), a fifth fall at any moment of the
command and the rest inside the write: once its journal appears, after a random part of the write's usual length.
After each kill the store is opened as the next user would open it (SQLite rolls the hot journal back) and read
whole: every table's rows, the audit log, and every layer's features through OGR (unit_helpers.store_state).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from unit_helpers import FILE_KINDS, SAMPLE, store_state

KILLS = 20
CHILD = ("import sys\nimport osgeo.ogr, pandas\nfrom lis_workbench.cli.main import main\n"
         "import lis_workbench.core.geography, lis_workbench.core.ingest, lis_workbench.core.recipe\n"
         "print('READY', flush=True)\nmain(sys.argv[1:])\n")


@pytest.fixture(params=FILE_KINDS)
def kind(request) -> str:
    """What this module tests only a store file has (its journal, file locks, its bytes); PostGIS has its own
    tests of the same promises (test_store_postgis.py)."""
    return request.param


@dataclass
class Outcome:
    before: int = 0
    after: int = 0
    mid_write: int = 0  # killed with the journal present: an unfinished write that had to be undone


def _inputs(work: Path, codes: list[str]) -> dict[str, list]:
    """The four commands, with inputs large enough that the write takes a while."""
    import geopandas as gpd

    lsoas = gpd.read_file(SAMPLE / "wigan_lsoa11_bgc.geojson")
    lsoas["area_name"] = "Renamed " + lsoas["area_name"]
    boundaries = work / "lsoa11_renamed.geojson"
    lsoas.to_file(boundaries, driver="GeoJSON")
    partner = work / "series.csv"
    partner.write_text("lsoa11cd,period,measure,value\n" + "".join(
        f"{c},{p},measure {m},{i + p}\n" for m in range(4) for p in range(1960, 2020) for i, c in enumerate(codes)))
    lookup = work / "pairs.csv"
    lookup.write_text("from,to,weight\n" + "".join(f"{a},{b},0.005\n" for a in codes[:60] for b in codes))
    return {
        "import": ["import", partner, "--indicator-column", "measure", "--value-column", "value=crash_{slug}"],
        "geography add --replace": ["geography", "add", "{store}", "lsoa11", boundaries, "--replace"],
        "lookup add": ["lookup", "add", "{store}", "lsoa11_pairs", lookup, "--from", "lsoa11", "--to", "lsoa11",
                       "--from-column", "from", "--to-column", "to", "--weight-column", "weight"],
        "delete": ["delete", "{store}", "big_series", "--yes"],
    }


def _command(args: list, store: Path) -> list[str]:
    if args[0] == "import":
        return ["import", str(store), *map(str, args[1:])]
    return [str(store) if a == "{store}" else str(a) for a in args]


def _start(args: list[str]) -> tuple[subprocess.Popen, float]:
    child = subprocess.Popen([sys.executable, "-c", CHILD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    assert child.stdout.readline().strip() == "READY"
    return child, time.monotonic()


def _watch(args: list[str], store: Path) -> tuple[float, float, float]:
    """Run to the end; return when the journal was first and last seen and when the command ended (seconds)."""
    journal = Path(f"{store}-journal")
    child, started = _start(args)
    first = last = None
    while child.poll() is None:
        if journal.exists():
            now = time.monotonic() - started
            first = now if first is None else first
            last = now
        time.sleep(0.0003)
    ended = time.monotonic() - started
    out, err = child.communicate()
    assert child.returncode == 0, err
    return (first if first is not None else 0.0), (last if last is not None else ended), ended


@pytest.fixture(scope="module")
def templates(built_stores, tmp_path_factory, lsoa_codes):
    """Per store kind: the sample store plus a 12,000-value indicator for `delete` to remove."""
    made = {}
    for kind in ("gpkg", "sqlite"):
        path = tmp_path_factory.mktemp(f"crash_{kind}") / f"template.{kind}"
        shutil.copyfile(built_stores(kind), path)
        big = path.parent / "big_series.csv"
        big.write_text("lsoa11cd,period,value\n" + "".join(f"{c},{p},{i}\n" for p in range(1960, 2020)
                                                            for i, c in enumerate(lsoa_codes)))
        done = subprocess.run([sys.executable, "-m", "lis_workbench.cli", "import", str(path), str(big)],
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        made[kind] = path
    return made


@pytest.mark.parametrize("operation", ["import", "geography add --replace", "lookup add", "delete"])
def test_kill_9_leaves_the_store_before_or_after(kind, templates, lsoa_codes, tmp_path, operation, capsys):
    rng = random.Random(f"{kind} {operation}")
    template = templates[kind]
    args = _inputs(tmp_path, lsoa_codes)[operation]
    before = store_state(template)

    reference = tmp_path / f"reference.{kind}"
    shutil.copyfile(template, reference)
    first, last, ended = _watch(_command(args, reference), reference)
    after = store_state(reference)
    assert after != before

    span = max(last - first, 0.002)
    outcome = Outcome()
    number = 0
    # At least KILLS kills, and on until half of them landed inside the write (a busy machine can stretch the
    # command so that a kill aimed inside the write falls after it); never more than 3 * KILLS.
    while number < KILLS or (outcome.mid_write < KILLS // 2 and number < 3 * KILLS):
        path = tmp_path / f"killed_{number}.{kind}"
        shutil.copyfile(template, path)
        journal = Path(f"{path}-journal")
        child, started = _start(_command(args, path))
        if number % 5 == 0:  # a fifth of the kills at any moment of the whole command
            moment = rng.uniform(0.0, ended)
            while time.monotonic() - started < moment:
                time.sleep(0.0002)
        else:  # the rest inside the write: once its journal appears, at a random point of its usual length
            while not journal.exists() and child.poll() is None:
                time.sleep(0.0002)
            time.sleep(rng.uniform(0.0, span * 0.7))
        os.kill(child.pid, signal.SIGKILL)
        child.communicate()
        if journal.exists() and journal.stat().st_size > 0:
            outcome.mid_write += 1
        state = store_state(path)
        assert state in (before, after), f"kill {number} left the store neither before nor after"
        if state == before:
            outcome.before += 1
        else:
            outcome.after += 1
        assert store_state(path) == state  # and a second reader sees the same (nothing left half undone)
        path.unlink()
        number += 1
    with capsys.disabled():
        print(f"\n  kill -9 x{number} during `lis {operation}` on {kind} (write lasts {span * 1000:.0f} ms of "
              f"{ended * 1000:.0f} ms): {outcome.before} before, {outcome.after} after, "
              f"{outcome.mid_write} of them mid-write (journal rolled back); never anything else")
    assert outcome.before + outcome.after == number
    assert outcome.mid_write >= KILLS // 2, "too few kills landed inside the write to show anything"

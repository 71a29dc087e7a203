"""A team on one store: 8 writers importing and 32 readers reading at once, against one GeoPackage and against
PostGIS, for a fixed time each (default 2 minutes).

    .venv/bin/python bench/store_load.py [--seconds 120] [--writers 8] [--readers 32]

Each writer is its own process, as each analyst's QGIS or `lis` is: it opens the store, imports a small partner
file (the Wigan LSOAs, a new indicator id each time), closes it, again and again. Each reader keeps the store open
(as QGIS does) and reads a random indicator with its geometry and the catalogue, again and again. Afterwards:
every write either landed (in the catalogue with all its values, and in the audit log) or was refused with the
busy message; no read failed; the file passes PRAGMA integrity_check, and every catalogue row count matches the
values stored. PostGIS runs on a throwaway local cluster (tests/postgis_cluster.py).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def writer(number: int, where: str, partner: str, seconds: float, out: str) -> None:
    from lis_workbench.core.errors import StoreError
    from lis_workbench.core.ingest import ImportSpec, import_file
    from lis_workbench.core.store import Store

    done, busy, failed, waits = [], [], [], []
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
        indicator = f"load_w{number}_{n}"
        t0 = time.monotonic()
        try:
            with Store.open(where) as store:
                import_file(store, partner, ImportSpec(period="2030", indicator=indicator))
            done.append(indicator)
        except StoreError as exc:
            (busy if "is busy" in str(exc) else failed).append([indicator, str(exc)])
        except Exception:  # noqa: BLE001 - every failure is counted and shown
            failed.append([indicator, traceback.format_exc(limit=3)])
        waits.append(time.monotonic() - t0)
    Path(out).write_text(json.dumps({"done": done, "busy": busy, "failed": failed, "waits": waits}))


def reader(number: int, where: str, indicators: list[str], seconds: float, out: str) -> None:
    from lis_workbench.core.store import Store

    rng = random.Random(number)
    ok, failed, times = 0, [], []
    end = time.monotonic() + seconds
    store = Store.open(where)
    try:
        while time.monotonic() < end:
            indicator = rng.choice(indicators)
            t0 = time.monotonic()
            try:
                frame = store.get_values(indicator, with_geometry=True)
                if frame.empty or frame["geometry"].isna().any():
                    raise AssertionError(f"{indicator}: {len(frame)} rows, some without geometry")
                store.catalogue()
                ok += 1
            except Exception:  # noqa: BLE001 - every failure is counted and shown
                failed.append(traceback.format_exc(limit=3))
            times.append(time.monotonic() - t0)
    finally:
        store.close()
    Path(out).write_text(json.dumps({"ok": ok, "failed": failed, "times": times}))


def run_load(where: str, partner: str, args, folder: Path) -> dict:
    from lis_workbench.core.store import Store

    with Store.open(where) as store:
        indicators = [i for i in store.catalogue()["id"] if not i.startswith("load_")]
        audit_before = len(store.audit())
    context = multiprocessing.get_context("spawn")
    jobs = []
    for i in range(args.writers):
        jobs.append(context.Process(target=writer, args=(i, where, partner, args.seconds, str(folder / f"w{i}.json"))))
    for i in range(args.readers):
        jobs.append(context.Process(target=reader, args=(i, where, indicators, args.seconds,
                                                           str(folder / f"r{i}.json"))))
    t0 = time.monotonic()
    for job in jobs:
        job.start()
    for job in jobs:
        job.join(args.seconds + 300)
    elapsed = time.monotonic() - t0
    writes = [json.loads((folder / f"w{i}.json").read_text()) for i in range(args.writers)]
    reads = [json.loads((folder / f"r{i}.json").read_text()) for i in range(args.readers)]
    done = [i for w in writes for i in w["done"]]
    busy = [i for w in writes for i, _ in w["busy"]]
    failed_writes = [m for w in writes for _, m in w["failed"]]
    failed_reads = [m for r in reads for m in r["failed"]]
    with Store.open(where) as store:
        catalogue = store.catalogue()
        audit = store.audit()
        landed = set(catalogue["id"][catalogue["id"].str.startswith("load_")])
        imported = set(",".join(audit["target"][audit["action"] == "import"].fillna("")).split(","))
        counts = dict(store._conn.execute("SELECT indicator, COUNT(*) FROM lis_value GROUP BY indicator").fetchall())
        integrity = database_check(store) if store.is_database else \
            store._conn.execute("PRAGMA integrity_check").fetchone()[0]
    mismatched = [row.id for row in catalogue.itertuples(index=False) if counts.get(row.id, 0) != row.row_count]
    all_times = sorted(t for r in reads for t in r["times"])
    return {"elapsed": elapsed, "reads": sum(r["ok"] for r in reads), "failed_reads": failed_reads,
            "read_median_ms": 1000 * all_times[len(all_times) // 2] if all_times else float("nan"),
            "read_p95_ms": 1000 * all_times[int(len(all_times) * 0.95)] if all_times else float("nan"),
            "done": done, "busy": busy, "failed_writes": failed_writes,
            "write_max_s": max((t for w in writes for t in w["waits"]), default=0.0),
            "landed_ok": set(done) == landed and set(done) <= imported and not (set(busy) & landed),
            "counts_ok": not mismatched, "mismatched": mismatched, "integrity": integrity,
            "audit_rows": len(audit) - audit_before}


def database_check(store) -> str:
    """PostgreSQL's own check of every B-tree index of the store against its table (amcheck, with
    heapallindexed): "ok", or the first complaint."""
    conn = store._conn
    conn.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
    indexes = [r[0] for r in conn.execute(
        "SELECT c.oid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON "
        "n.oid = c.relnamespace JOIN pg_am a ON a.oid = c.relam WHERE n.nspname = ? AND a.amname = 'btree' "
        "AND c.relkind = 'i'",
        (store.address.schema,))]
    try:
        for index in indexes:
            conn.execute("SELECT bt_index_check(?::regclass, true)", (index,))
    except Exception as exc:  # noqa: BLE001 - the complaint is the result
        return str(exc).splitlines()[0]
    return f"ok ({len(indexes)} indexes)"


def main() -> int:
    from store import SAMPLE  # noqa: F401 - bench/ on the path
    from timing import Checks

    from lis_workbench.core.recipe import build_store
    from lis_workbench.core.store.copy import copy_store
    from tests import postgis_cluster

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--readers", type=int, default=32)
    args = parser.parse_args()
    checks = Checks()
    folder = Path(tempfile.mkdtemp(prefix="lis_bench_load_"))
    sample = folder / "sample.gpkg"
    build_store(REPO / "sample_data" / "wigan_store.toml", sample)
    import pandas as pd

    codes = pd.read_csv(REPO / "sample_data" / "wigan_imd2019_indicators.csv", dtype=str).iloc[:, 0]
    partner = folder / "partner.csv"
    partner.write_text("lsoa11cd,value\n" + "".join(f"{c},{i}\n" for i, c in enumerate(codes)))
    targets = {"GeoPackage": str(folder / "team.gpkg")}
    copy_store(str(sample), targets["GeoPackage"])
    cluster = None
    reason = postgis_cluster.missing_reason()
    if reason:
        print(f"[skip] PostGIS: {reason}")
    else:
        cluster = postgis_cluster.start()
        targets["PostGIS"] = cluster.uri(schema="team")
        copy_store(str(sample), targets["PostGIS"])
    results = {}
    try:
        for backend, where in targets.items():
            print(f"{backend}: {args.writers} writers and {args.readers} readers for {args.seconds:.0f} s ...",
                  flush=True)
            work = folder / backend
            work.mkdir()
            results[backend] = run_load(where, str(partner), args, work)
    finally:
        if cluster is not None:
            postgis_cluster.stop(cluster)
    print(f"\n{'':34}" + "".join(f"{b:>18}" for b in results))
    lines = [("reads done", "reads", "{:,}"), ("reads failed", lambda r: len(r["failed_reads"]), "{}"),
             ("read median (ms)", "read_median_ms", "{:.1f}"), ("read 95th percentile (ms)", "read_p95_ms", "{:.1f}"),
             ("imports done", lambda r: len(r["done"]), "{}"),
             ("imports refused: busy", lambda r: len(r["busy"]), "{}"),
             ("imports failed otherwise", lambda r: len(r["failed_writes"]), "{}"),
             ("longest import, incl. wait (s)", "write_max_s", "{:.1f}"), ("integrity check", "integrity", "{}")]
    for label, key, form in lines:
        print(f"{label:34}" + "".join(f"{form.format(key(r) if callable(key) else r[key]):>18}"
                                      for r in results.values()))
    for backend, r in results.items():
        checks.check(not r["failed_reads"], f"{backend}: no read failed" + (f" (first: {r['failed_reads'][0]})"
                                                                          if r["failed_reads"] else ""))
        checks.check(not r["failed_writes"], f"{backend}: every import landed or was refused as busy"
                     + (f" (first failure: {r['failed_writes'][0]})" if r["failed_writes"] else ""))
        checks.check(r["landed_ok"], f"{backend}: every import that said done is in the catalogue and the audit "
                     "log, and none refused is")
        checks.check(r["counts_ok"], f"{backend}: every catalogue row count matches its stored values")
        checks.check(r["integrity"].startswith("ok"), f"{backend}: integrity check {r['integrity']}")
        checks.check(len(r["done"]) > 0 and r["reads"] > 0, f"{backend}: the load ran ({len(r['done'])} imports, "
                     f"{r['reads']:,} reads)")
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())

"""The same England store in a GeoPackage and in PostGIS: the IoD 2019 import (every file, one transaction each)
and one borough read with geometry, side by side in one run.

    .venv/bin/python bench/store_backends.py [--repeats N] [--read-repeats N]

PostGIS runs on a throwaway local cluster (tests/postgis_cluster.py: Debian's PostgreSQL 15 + PostGIS 3, fsync
off as for any scratch database, Unix socket). The geography is added to both first (outside the import timing).
Both stores must end with the same indicators and the same number of values of each; any mismatch exits 1.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from store import BOROUGH_CODE, ENGLAND, GEOGRAPHY, decompress, find_dataset, lis_import, lis_read
from timing import Checks

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from lis_workbench.core.store import Store  # noqa: E402
from tests import postgis_cluster  # noqa: E402


def add_geography(ds, where: str) -> float:
    t0 = time.perf_counter()
    with Store.create(where) as store:
        store.add_geography(GEOGRAPHY, str(ds.boundaries), layer=ds.layer, code_field=ds.code_field,
                            name_field=ds.name_field, title="LSOA 2011")
    return time.perf_counter() - t0


def counts(where: str) -> dict[str, int]:
    with Store.open(where) as store:
        return {row.id: row.row_count for row in store.catalogue().itertuples(index=False)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="imports per backend (best kept)")
    parser.add_argument("--read-repeats", type=int, default=20, help="borough reads per backend (median kept)")
    args = parser.parse_args()
    reason = postgis_cluster.missing_reason()
    if reason:
        print(f"[skip] {reason}")
        return 0
    ds = find_dataset(ENGLAND)
    checks = Checks()
    cluster = postgis_cluster.start()
    results = {}
    try:
        with tempfile.TemporaryDirectory(prefix="lis_bench_backends_") as tmp_name:
            tmp = Path(tmp_name)
            csvs = decompress(ds.csvs, tmp)
            runs: dict[str, list] = {"GeoPackage": [], "PostGIS": []}
            for run in range(args.repeats):  # the backends take turns, so a slower minute hits both alike
                for backend in runs:
                    where = (str(tmp / f"england_{run}.gpkg") if backend == "GeoPackage"
                             else cluster.uri(schema=f"england_{run}"))
                    geo = add_geography(ds, where)
                    t0 = time.perf_counter()
                    reports = lis_import(where, csvs)
                    runs[backend].append((geo, time.perf_counter() - t0, where, reports))
            borough = _borough_codes(ds, tmp)
            for backend, done in runs.items():
                where, reports = done[-1][2], done[-1][3]
                with Store.open(where) as store:
                    catalogue = store.catalogue()
                rank_id = next(i for i in catalogue["id"] if "rank" in i and "imd" in i.lower())
                reads = []
                for _ in range(args.read_repeats):
                    t0 = time.perf_counter()
                    got = lis_read(where, rank_id, borough)
                    reads.append(time.perf_counter() - t0)
                checks.check(len(got) == len(borough), f"{backend}: the borough read gives {len(got)} areas")
                results[backend] = dict(geo=min(g for g, _, _, _ in done), imports=[t for _, t, _, _ in done],
                                        values=sum(r.rows for _, r, _ in reports),
                                        indicators=sum(len(r.indicators) for _, r, _ in reports),
                                        read=statistics.median(reads), counts=counts(where))
    finally:
        postgis_cluster.stop(cluster)
    gp, pg = results["GeoPackage"], results["PostGIS"]
    checks.check(gp["counts"] == pg["counts"], f"both stores hold the same {len(gp['counts'])} indicators with "
                 "the same number of values each")
    print(f"\nEngland IoD 2019: {gp['indicators']} indicators, {gp['values']:,} values\n")
    print(f"{'':40} {'GeoPackage':>12} {'PostGIS':>12} {'PostGIS / GPKG':>15}")
    print(f"{'add LSOA geography (s)':40} {gp['geo']:12.2f} {pg['geo']:12.2f} {pg['geo'] / gp['geo']:15.2f}")
    gi, pi = min(gp["imports"]), min(pg["imports"])
    print(f"{'import every IoD file (s, best)':40} {gi:12.2f} {pi:12.2f} {pi / gi:15.2f}")
    print(f"{'  every run (s)':40} {', '.join(f'{t:.2f}' for t in gp['imports']):>12} "
          f"{', '.join(f'{t:.2f}' for t in pg['imports']):>12}")
    gr, pr = gp["read"] * 1000, pg["read"] * 1000
    print(f"{'Wigan IMD rank with geometry (ms, median)':40} {gr:12.1f} {pr:12.1f} {pr / gr:15.2f}")
    checks.check(pi <= gi * 1.05, "the PostGIS import is no slower than the GeoPackage's (5% timing noise allowed)")
    checks.check(pr < 50, f"one borough read with geometry from PostGIS in under 50 ms ({pr:.1f} ms)")
    return checks.exit_code()


def _borough_codes(ds, folder: Path) -> set[str]:
    import pandas as pd

    rank_csv = folder / (ds.rank_file.with_suffix("").name if ds.rank_file.suffix == ".gz" else ds.rank_file.name)
    table = pd.read_csv(rank_csv, thousands=",", encoding="utf-8-sig")
    return set(table.loc[table[ds.lad_column] == BOROUGH_CODE, ds.code_column].astype(str))


if __name__ == "__main__":
    sys.exit(main())

"""Store benchmark: LIS Workbench indicator store beside plain GeoPandas / pandas on the same data.

    .venv/bin/python bench/store.py [--repeats N] [--read-repeats N] [--data DIR] [--profile]

Uses the England IoD 2019 files in <repo>/../shared/data/england/ when they are there, otherwise the
Wigan sample in sample_data/ (so it always runs; those numbers are not comparable). Steps:

1. Store.create + add_geography of the LSOA 2011 boundaries, beside GeoPandas read_file + to_crs(27700)
   + make_valid + to_file(.gpkg).
2. import_file of every IoD 2019 file (wide layout, every numeric column an indicator), beside pandas
   read_csv + melt to long + to_sql into a plain SQLite file (+ a unique index, as the store has).
3. One indicator (IMD rank) with geometry for one borough (Wigan, E08000010) as a GeoDataFrame in
   EPSG:27700: Store.open + get_values(with_geometry=True, areas=borough), beside GeoPandas read_file of the
   whole boundary file + read_csv + merge + filter + to_crs(27700).

Each time is the best of a few runs (time.perf_counter). The results of both sides are compared
(indicators, values per indicator, the borough's rows, values and geometries); any mismatch exits 1.
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from timing import Checks, best_of, fmt_times, profile

from lis_workbench.core.ingest import ImportSpec, derived_id, import_file
from lis_workbench.core.store import Store

REPO = Path(__file__).resolve().parents[1]
ENGLAND = REPO.parent / "shared" / "data" / "england"
SAMPLE = REPO / "sample_data"
BOROUGH_CODE, BOROUGH_NAME = "E08000010", "Wigan"
GEOGRAPHY, PERIOD = "lsoa11", "2019"


@dataclass
class Dataset:
    label: str
    boundaries: Path
    layer: str | None
    code_field: str
    name_field: str
    csvs: list[Path]  # as shipped (.csv or .csv.gz)
    rank_file: Path  # the file holding the IMD rank and the LAD code of each LSOA
    rank_column: str
    code_column: str
    lad_column: str
    lad_filter_field: str | None  # a boundary field GeoPandas can filter the borough on (where=)


def find_dataset(data_dir: Path) -> Dataset:
    files = {
        "boundaries": data_dir / "england_lsoa11_bgc_imd2015_2019.gpkg",
        "file1": data_dir / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv.gz",
        "file2": data_dir / "File_2_-_IoD2019_Domains_of_Deprivation.csv.gz",
        "file6": data_dir / "File_6_-_IoD2019_Population_Denominators.csv.gz",
        "indicators": data_dir / "imd2019_england_lsoa11_indicators.csv.gz",
    }
    if all(p.exists() for p in files.values()):
        return Dataset(
            label=f"England ({data_dir})", boundaries=files["boundaries"], layer="lsoa11_imd",
            # the England layer has no LSOA name; LAD17NM (the district) is the only name field
            code_field="code", name_field="LAD17NM",
            csvs=[files["file1"], files["file2"], files["file6"], files["indicators"]],
            rank_file=files["file1"], rank_column="Index of Multiple Deprivation (IMD) Rank",
            code_column="LSOA code (2011)", lad_column="Local Authority District code (2019)",
            lad_filter_field="LAD17NM")
    missing = ", ".join(p.name for p in files.values() if not p.exists())
    print(f"NOTE: England data not found in {data_dir} (missing: {missing}).\n"
          f"      Falling back to the Wigan sample in {SAMPLE}; these times are NOT comparable to England runs.\n")
    file2 = SAMPLE / "wigan_imd2019_file2_domains_ranks_deciles.csv"
    return Dataset(
        label=f"Wigan sample ({SAMPLE})", boundaries=SAMPLE / "wigan_lsoa11_bgc.geojson", layer=None,
        code_field="area_code", name_field="area_name",
        csvs=[file2, SAMPLE / "wigan_imd2019_file6_population_denominators.csv",
              SAMPLE / "wigan_imd2019_indicators.csv"],
        rank_file=file2, rank_column="Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",
        code_column="LSOA code (2011)", lad_column="Local Authority District code (2019)", lad_filter_field=None)


# ----------------------------------------------------------------------------------------- helpers
def size_mb(path: str | Path) -> float:
    return os.path.getsize(path) / 1e6


def decompress(csvs: list[Path], out_dir: Path) -> list[Path]:
    out = []
    for src in csvs:
        if src.suffix == ".gz":
            dst = out_dir / src.with_suffix("").name
            with gzip.open(src, "rb") as fin, open(dst, "wb") as fout:
                shutil.copyfileobj(fin, fout, 1 << 20)
        else:
            dst = out_dir / src.name
            shutil.copyfile(src, dst)
        out.append(dst)
    return out


# ----------------------------------------------------------------------------------------- step 1
def lis_create(ds: Dataset, path: Path):
    with Store.create(path, overwrite=True) as store:
        report = store.add_geography(GEOGRAPHY, str(ds.boundaries), layer=ds.layer, code_field=ds.code_field,
                                     name_field=ds.name_field, title="LSOA 2011")
    return report


def ref_create(ds: Dataset, path: Path) -> int:
    frame = gpd.read_file(ds.boundaries, layer=ds.layer, engine="pyogrio")
    frame = frame.to_crs(27700)
    invalid = ~frame.is_valid
    frame.loc[invalid, "geometry"] = frame.loc[invalid, "geometry"].make_valid()
    frame.to_file(path, layer="geo_lsoa11", driver="GPKG", engine="pyogrio")
    return int(invalid.sum())


# ----------------------------------------------------------------------------------------- step 2
def lis_import(store_path: Path, csvs: list[Path]):
    reports = []
    with Store.open(store_path) as store:
        for csv in csvs:
            t0 = time.perf_counter()
            report = import_file(store, str(csv), ImportSpec(period=PERIOD, geography=GEOGRAPHY))
            reports.append((csv.name, report, time.perf_counter() - t0))
    return reports


def ref_import(db_path: Path, csvs: list[Path]) -> int:
    """Plain pandas: read each CSV, melt its numeric columns to long form, append to one SQLite table."""
    if db_path.exists():
        db_path.unlink()
    con = sqlite3.connect(db_path)
    total = 0
    for csv in csvs:
        table = pd.read_csv(csv, thousands=",", encoding="utf-8-sig")
        code = table.columns[0]
        numeric = [c for c in table.select_dtypes("number").columns if c != code]
        long = table.melt(id_vars=[code], value_vars=numeric, var_name="indicator", value_name="value")
        long = long.dropna(subset=["value"]).rename(columns={code: "area_code"})
        long["period"] = PERIOD
        long.to_sql("value", con, if_exists="append", index=False, chunksize=100_000)
        total += len(long)
    con.execute("CREATE UNIQUE INDEX value_key ON value (indicator, period, area_code)")
    con.commit()
    con.close()
    return total


# ----------------------------------------------------------------------------------------- step 3
def lis_read(store_path: Path, indicator: str, borough_codes: set[str]) -> gpd.GeoDataFrame:
    with Store.open(store_path) as store:
        values = store.get_values(indicator, with_geometry=True, areas=borough_codes)  # the borough only
    return gpd.GeoDataFrame(values[["area_code", "area_name", "value"]].reset_index(drop=True),
                            geometry=shapely.from_wkb(values["geometry"].to_numpy()), crs=27700)


def ref_read(ds: Dataset, rank_csv: Path, where: str | None = None) -> gpd.GeoDataFrame:
    shapes = gpd.read_file(ds.boundaries, layer=ds.layer, engine="pyogrio", where=where)
    table = pd.read_csv(rank_csv, thousands=",", encoding="utf-8-sig")
    merged = shapes.merge(table, left_on=ds.code_field, right_on=ds.code_column)
    merged = merged[merged[ds.lad_column] == BOROUGH_CODE]
    return merged[[ds.code_field, ds.rank_column, "geometry"]].to_crs(27700).reset_index(drop=True)


# ----------------------------------------------------------------------------------------- checks
def compare_imports(checks: Checks, store_path: Path, db_path: Path) -> None:
    with Store.open(store_path) as store:
        conn = store._conn  # read-only aggregate; the store has no public per-indicator sum
        ours = pd.read_sql_query("SELECT indicator, COUNT(*) AS n, SUM(value) AS s FROM lis_value "
                                 "GROUP BY indicator", conn).set_index("indicator")
    con = sqlite3.connect(db_path)
    ref = pd.read_sql_query("SELECT indicator, COUNT(*) AS n, SUM(value) AS s FROM value GROUP BY indicator", con)
    con.close()
    ref["indicator"] = ref["indicator"].map(derived_id)
    ref = ref.set_index("indicator")
    checks.check(sorted(ours.index) == sorted(ref.index),
                 f"same indicators on both sides ({len(ours)} LIS, {len(ref)} reference)")
    both = ours.join(ref, lsuffix="_lis", rsuffix="_ref", how="inner")
    checks.check(bool((both["n_lis"] == both["n_ref"]).all()),
                 f"same number of values per indicator ({int(ours['n'].sum()):,} LIS, {int(ref['n'].sum()):,} ref)")
    checks.check(bool(np.allclose(both["s_lis"], both["s_ref"], rtol=1e-9, atol=1e-6)),
                 "same sum of values per indicator")


def compare_reads(checks: Checks, ds: Dataset, ours: gpd.GeoDataFrame, ref: gpd.GeoDataFrame,
                  expected: int) -> None:
    checks.check(expected > 0 and len(ours) == expected and len(ref) == expected,
                 f"{BOROUGH_NAME}: {len(ours)} LIS rows, {len(ref)} GeoPandas rows (expected {expected})")
    a = ours.set_index("area_code").sort_index()
    b = ref.set_index(ds.code_field).sort_index()
    checks.check(list(a.index) == list(b.index), "same LSOA codes on both sides")
    if list(a.index) != list(b.index) or a.empty:
        return
    checks.check(bool(np.array_equal(a["value"].to_numpy(float), b[ds.rank_column].to_numpy(float))),
                 f"same {ds.rank_column} values")
    # the store repairs invalid polygons (MakeValid) and projects with OGR; GeoPandas with pyproj
    area_a, area_b = a.geometry.area.to_numpy(), b.geometry.area.to_numpy()
    rel = np.abs(area_a - area_b) / area_b
    moved = a.geometry.hausdorff_distance(b.geometry).to_numpy()
    checks.check(bool(rel.max() < 1e-6 and moved.max() < 0.01),
                 f"same geometries (max area difference {rel.max():.1e} relative, max Hausdorff distance "
                 f"{moved.max():.4f} m)")


# ----------------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="runs of the slow steps 1 and 2 (best kept)")
    parser.add_argument("--read-repeats", type=int, default=5, help="runs of step 3 (best kept)")
    parser.add_argument("--data", type=Path, default=ENGLAND, help="folder of the England files")
    parser.add_argument("--profile", action="store_true", help="also cProfile each LIS Workbench step once")
    args = parser.parse_args(argv)

    ds = find_dataset(args.data)
    checks = Checks()
    rows: list[tuple[str, float | None, float | None, str]] = []
    print(f"LIS Workbench store benchmark — data: {ds.label}")
    print(f"python {sys.version.split()[0]}, pandas {pd.__version__}, geopandas {gpd.__version__}, "
          f"{os.cpu_count()} CPU(s); best of {args.repeats} (steps 1, 2) / {args.read_repeats} (step 3)\n")

    with tempfile.TemporaryDirectory(prefix="lis_bench_") as tmp_name:
        tmp = Path(tmp_name)
        csv_dir = tmp / "csv"
        csv_dir.mkdir()
        t0 = time.perf_counter()
        csvs = decompress(ds.csvs, csv_dir)
        unzip_s = time.perf_counter() - t0
        rank_csv = csv_dir / (ds.rank_file.with_suffix("").name if ds.rank_file.suffix == ".gz"
                              else ds.rank_file.name)
        print(f"setup: decompressed {len(csvs)} CSV(s), {sum(size_mb(p) for p in csvs):.1f} MB, in {unzip_s:.2f} s "
              "(outside both sides' timings)")

        # ---- 1. create + add geography
        print("\n1. Store.create + add_geography (boundaries -> EPSG:27700, validity repaired)")
        template = tmp / "template.gpkg"
        lis_s, lis_t, report = best_of(args.repeats, lambda _: lis_create(ds, template))
        print(f"   LIS Workbench: {lis_s:.2f} s ({fmt_times(lis_t)}); {report.feature_count:,} areas, "
              f"{len(report.repaired)} repaired; store {size_mb(template):.1f} MB")
        ref_path = tmp / "ref_geo.gpkg"
        ref_s, ref_t, ref_invalid = best_of(args.repeats, lambda _: ref_create(ds, ref_path))
        print(f"   GeoPandas read_file + to_crs + make_valid + to_file: {ref_s:.2f} s ({fmt_times(ref_t)}); "
              f"{ref_invalid} invalid made valid; file {size_mb(ref_path):.1f} MB")
        source_count = pyogrio.read_info(ds.boundaries, layer=ds.layer)["features"]
        checks.check(report.feature_count == source_count, f"all {source_count:,} boundary features in the store")
        rows.append(("1 create store + add LSOA geography", lis_s, ref_s, "read_file+to_crs+make_valid+to_file"))
        if args.profile:
            profile("step 1 LIS Workbench", lambda: lis_create(ds, tmp / "profile.gpkg"), top=18)

        # ---- 2. import every IoD 2019 file
        print(f"\n2. import_file of {len(csvs)} IoD 2019 file(s) (wide, period {PERIOD}, geography {GEOGRAPHY})")
        store_path = tmp / "store.gpkg"

        def fresh_store(_run=None):  # before= hook of best_of (gets the run number), or called alone
            if store_path.exists():
                store_path.unlink()
            shutil.copyfile(template, store_path)

        lis_s, lis_t, reports = best_of(args.repeats, lambda _: lis_import(store_path, csvs), before=fresh_store)
        n_ind = sum(len(r.indicators) for _, r, _ in reports)
        n_val = sum(r.rows for _, r, _ in reports)
        for name, r, secs in reports:
            print(f"   {name}: {len(r.indicators)} indicators, {r.rows:,} values, {secs:.2f} s "
                  f"(ignored text columns: {', '.join(r.ignored_columns) or 'none'})")
        print(f"   LIS Workbench: {lis_s:.2f} s ({fmt_times(lis_t)}); {n_ind} indicators, {n_val:,} values, "
              f"{n_val / lis_s:,.0f} values/s; store {size_mb(store_path):.1f} MB")
        db_path = tmp / "reference.sqlite"
        ref_s, ref_t, ref_rows = best_of(args.repeats, lambda _: ref_import(db_path, csvs))
        print(f"   pandas read_csv + melt + to_sql + unique index: {ref_s:.2f} s ({fmt_times(ref_t)}); "
              f"{ref_rows:,} values, {ref_rows / ref_s:,.0f} values/s; SQLite {size_mb(db_path):.1f} MB")
        compare_imports(checks, store_path, db_path)
        rows.append((f"2 import {n_ind} indicators, {n_val:,} values", lis_s, ref_s, "read_csv+melt+to_sql"))
        if args.profile:
            fresh_store()
            profile("step 2 LIS Workbench", lambda: lis_import(store_path, csvs), top=18)

        # ---- 3. one indicator with geometry for one borough
        indicator = derived_id(ds.rank_column)
        rank_table = pd.read_csv(rank_csv, dtype=str, encoding="utf-8-sig")
        borough = set(rank_table.loc[rank_table[ds.lad_column] == BOROUGH_CODE, ds.code_column])
        print(f"\n3. '{indicator}' with geometry for {BOROUGH_NAME} ({BOROUGH_CODE}, {len(borough)} LSOAs), "
              "as a GeoDataFrame in EPSG:27700")
        lis_s, lis_t, ours = best_of(args.read_repeats, lambda _: lis_read(store_path, indicator, borough))
        print(f"   LIS Workbench Store.open + get_values(with_geometry=True, areas=borough) + from_wkb: {lis_s:.3f} s "
              f"({fmt_times(lis_t)})")
        ref_s, ref_t, ref = best_of(args.read_repeats, lambda _: ref_read(ds, rank_csv))
        print(f"   GeoPandas read_file (all areas) + read_csv + merge + filter + to_crs: {ref_s:.3f} s "
              f"({fmt_times(ref_t)})")
        compare_reads(checks, ds, ours, ref, len(borough))
        rows.append((f"3 one indicator + geometry, {BOROUGH_NAME}", lis_s, ref_s, "read_file+read_csv+merge+to_crs"))
        if ds.lad_filter_field:
            where = f"{ds.lad_filter_field} = '{BOROUGH_NAME}'"
            w_s, w_t, w_ref = best_of(args.read_repeats, lambda _: ref_read(ds, rank_csv, where=where))
            print(f"   (for information) GeoPandas with read_file(where=\"{where}\"): {w_s:.3f} s ({fmt_times(w_t)})")
            checks.check(sorted(w_ref[ds.code_field]) == sorted(ours["area_code"]),
                         "where= variant returns the same LSOAs")
            rows.append(("3b same, GeoPandas filtering in read_file(where=)", lis_s, w_s, "read_file(where=)+..."))
        if args.profile:
            profile("step 3 LIS Workbench", lambda: lis_read(store_path, indicator, borough), top=18)

    print("\nSummary (seconds, best run; ratio = LIS Workbench / reference, < 1 means LIS Workbench is faster)")
    header = f"{'step':<50} {'LIS Workbench':>14} {'GeoPandas':>10} {'ratio':>7}  reference"
    print(header)
    print("-" * (len(header) + 30))
    for step, ours_s, ref_s, what in rows:
        print(f"{step:<50} {ours_s:>14.3f} {ref_s:>10.3f} {ours_s / ref_s:>7.2f}  {what}")
    print(f"{'(setup) gunzip CSVs':<50} {'':>14} {'':>10} {'':>7}  {unzip_s:.3f} s, not in either column")

    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())

"""Emerging hot spots benchmark: LIS Workbench's core.emerging (Gi* per month on one weights matrix, Mann-Kendall,
Esri's categories) beside esda.G_Local run once per month, in the same process.

    .venv/bin/python bench/emerging.py                 # Greater Manchester wards, 34 months
    .venv/bin/python bench/emerging.py --repeats 1     # quicker
    .venv/bin/python bench/emerging.py --esda-permutations 999   # esda with its default permutations too

Data: <repo>/../shared/data/greater_manchester/: indicators/gm_claimant_count_wards_2015_2017_monthly.csv (claimant
rate by 2015 ward, all 215 GM wards, January 2015 to October 2017) and boundaries/gm_wards_2022_bgc.geojson. No
2015 ward boundaries are in the data: 126 of the 215 2015 ward codes are still 2022 wards (boroughs that re-warded
since, Manchester among them, are left out), so the run uses those 126 wards, their 2022 polygons, 34 months. When
the GM files are missing it falls back to the Wigan sample (25 wards, 34 months). Then, for time only, all 215 GM
2023 wards (boundaries/gm_wards_2023_bgc.geojson) with a seeded made-up series of 34 months: the size of the
question, as no real monthly data exist on those wards.

| step       | LIS Workbench (timed)                                   | reference (timed)                       |
|------------|---------------------------------------------------------|-----------------------------------------|
| end to end | emerging.run_emerging(ids, rates, months, wkb): queen   | -                                       |
|            | contiguity (1 m tolerance), 34 Gi*, FDR, MK, categories |                                         |
| per month  | the same with the weights read from the cache           | 34 x esda.G_Local(y, w, "B", star=True, |
|            |                                                         | permutations=0), our neighbours as a W  |

Times: best of --repeats (time.perf_counter); esda runs once first so numba has compiled. The ratio is ours /
esda's (below 1: ours faster); ours does more (FDR, Mann-Kendall and the categories). Checks (exit 1 on failure):
every month's Gi* z equals esda's Zs to 1e-9, every area's Mann-Kendall z equals pymannkendall's.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
from timing import Checks, best_of, fmt_times

REPO = Path(__file__).resolve().parents[1]
GM = REPO.parent / "shared" / "data" / "greater_manchester"
CLAIMANTS = GM / "indicators" / "gm_claimant_count_wards_2015_2017_monthly.csv"
WARDS = GM / "boundaries" / "gm_wards_2022_bgc.geojson"
WARDS_2023 = GM / "boundaries" / "gm_wards_2023_bgc.geojson"


def load_gm():
    """(label, ids, wkbs, rates areas x months, months) for the GM wards whose 2015 code is a 2022 ward."""
    import geopandas as gpd
    import pandas as pd

    claims = pd.read_csv(CLAIMANTS, dtype={"wd15cd": str})
    claims["month"] = claims["date"].str[:7]
    wide = claims.pivot_table(index="wd15cd", columns="month", values="rate", aggfunc="first")
    wards = gpd.read_file(WARDS).to_crs(27700)
    wards = wards[wards["area_code"].isin(wide.index)].sort_values("area_code")
    ids = list(wards["area_code"])
    label = (f"Greater Manchester: {len(ids)} of {len(wide)} 2015 wards (those still 2022 wards), "
             f"{wide.shape[1]} months")
    return label, ids, [g.wkb for g in wards.geometry], wide.loc[ids].to_numpy(float), list(wide.columns)


def load_wigan(tmp: Path):
    from lis_workbench.core.recipe import build_store
    from lis_workbench.core.store import Store

    path = tmp / "wigan_store.gpkg"
    build_store(REPO / "sample_data" / "wigan_store.toml", path)
    with Store.open(path) as store:
        months = store.indicator("claimant_rate")["periods"]
        shapes = store.get_values("claimant_rate", months[-1], with_geometry=True, all_areas=True)
        series = store.get_series("claimant_rate")
    wide = series.pivot_table(index="area_code", columns="period", values="value").loc[shapes["area_code"], months]
    return (f"Wigan sample: {len(shapes)} wards, {len(months)} months", list(shapes["area_code"]),
            list(shapes["geometry"]), wide.to_numpy(float), months)


def pysal_w(w):
    import libpysal

    m = w.matrix.tocsr()
    neighbours = {w.ids[i]: sorted(w.ids[j] for j in m.indices[m.indptr[i]:m.indptr[i + 1]] if j != i)
                  for i in range(w.n)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return libpysal.weights.W(neighbours, id_order=list(w.ids), silence_warnings=True)


def esda_months(values: np.ndarray, w, permutations: int) -> np.ndarray:
    import esda

    out = np.empty(values.shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for t in range(values.shape[1]):
            out[:, t] = esda.G_Local(values[:, t], w, transform="B", star=True, permutations=permutations,
                                     n_jobs=1, seed=12345).Zs
    return out


def load_gm_2023(months: list[str]):
    """(label, ids, wkbs, values, months) for all 215 GM 2023 wards with a seeded made-up series of the same
    length: the size the issue asks for, for timing only (no real monthly data exist on these wards)."""
    import geopandas as gpd

    wards = gpd.read_file(WARDS_2023).to_crs(27700).sort_values("area_code")
    rng = np.random.default_rng(20151)
    level = rng.gamma(4.0, 0.5, size=(len(wards), 1))
    values = np.abs(level + np.cumsum(rng.normal(0, 0.08, size=(len(wards), len(months))), axis=1))
    label = f"Greater Manchester: all {len(wards)} 2023 wards, {len(months)} months of a seeded series (time only)"
    return label, list(wards["area_code"]), [g.wkb for g in wards.geometry], values, months


def time_one(label, ids, wkbs, values, months, args, tmp: Path, checks: Checks) -> None:
    """Time our study and esda on one set of areas and months, and check ours against esda and pymannkendall."""
    import esda  # noqa: F401
    import pymannkendall

    from lis_workbench.core.clusters import Analysis, build_weights
    from lis_workbench.core.emerging import run_emerging
    from lis_workbench.core.weights_cache import WeightsCache

    print(f"\n{label}")
    spec = Analysis(statistic="gistar", correction="fdr", alpha=0.10, permutations=0)
    cache = WeightsCache(tmp / f"weights_{len(ids)}")
    fresh, fresh_times, result = best_of(args.repeats, lambda _: run_emerging(ids, values, months, wkbs, spec))
    run_emerging(ids, values, months, wkbs, spec, cache=cache)  # fills the cache
    cached, cached_times, _ = best_of(args.repeats, lambda _: run_emerging(ids, values, months, wkbs, spec,
                                                                           cache=cache))
    w, _ = build_weights(ids, wkbs, spec)
    pw = pysal_w(w)
    esda_months(values[:, :1], pw, args.esda_permutations)  # numba compiles outside the clock
    reference, ref_times, ref_z = best_of(args.repeats, lambda _: esda_months(values, pw, args.esda_permutations))
    ours_z = result.table[[f"z_{m}" for m in months]].to_numpy(float)
    print(f"  ours, end to end (weights built):  {fresh:7.3f} s  ({fmt_times(fresh_times)})")
    print(f"  ours, weights from the cache:      {cached:7.3f} s  ({fmt_times(cached_times)})")
    print(f"  esda.G_Local x {len(months)} months "
          f"(permutations={args.esda_permutations}): {reference:7.3f} s  ({fmt_times(ref_times)})")
    print(f"  ratio ours (cached weights) / esda: {cached / reference:.2f}; end to end / esda: "
          f"{fresh / reference:.2f}")
    print(f"  mean neighbours {result.summary['mean_neighbours']:.2f}; categories: "
          + ", ".join(f"{n} {c}" for c, n in result.summary["counts"].items()))
    checks.check(bool(np.allclose(ours_z, ref_z, rtol=1e-9, atol=1e-9)),
                 f"{len(ids)} areas: Gi* z of every area and month equals esda's Zs (max diff "
                 f"{np.nanmax(np.abs(ours_z - ref_z)):.1e})")
    worst = max(abs(row.mk_z - pymannkendall.original_test(ours_z[i]).z)
                for i, row in enumerate(result.table.itertuples(index=False)))
    checks.check(worst < 1e-9, f"{len(ids)} areas: Mann-Kendall z of every area equals pymannkendall's (max diff "
                               f"{worst:.1e})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--esda-permutations", type=int, default=0, help="esda's permutations per month (0: "
                                                                          "analytical z only, as ours and Esri's)")
    args = parser.parse_args(argv)
    import esda

    print("LIS Workbench emerging hot spots benchmark, beside esda.G_Local per month")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, esda {esda.__version__}")
    checks = Checks()
    with tempfile.TemporaryDirectory(prefix="lis_bench_emerging_") as tmp_name:
        tmp = Path(tmp_name)
        if CLAIMANTS.exists() and WARDS.exists():
            data = load_gm()
            time_one(*data, args, tmp, checks)
            if WARDS_2023.exists():
                time_one(*load_gm_2023(data[4]), args, tmp, checks)
        else:
            print(f"NOTE: {GM} not found: the Wigan sample instead (times not comparable).")
            time_one(*load_wigan(tmp), args, tmp, checks)
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())

"""Siting benchmark: LIS Workbench's location-allocation (core.siting, HiGHS) beside spopt 0.7 + CBC (pulp).

    .venv/bin/python bench/siting.py                         # Wigan, then Greater Manchester (about 20 min)
    .venv/bin/python bench/siting.py --skip-slow-reference   # no spopt p-median on GM (CBC: about 13 min)
    .venv/bin/python bench/siting.py --quick                 # Wigan only (seconds)
    .venv/bin/python bench/siting.py --repeats 1 --data /path/to/shared/data

Cases (one straight-line cost matrix in metres, EPSG:27700, given to both solvers):

| case  | demand                                                       | candidates                         | p      |
|-------|--------------------------------------------------------------|------------------------------------|--------|
| Wigan | 200 LSOA 2011 population-weighted centroids (sample_data),   | 99 primary schools (GIAS sample,   | 3, 10  |
|       | weight = ages 0-4 (mid-2016)                                 | easting/northing)                  |        |
| GM    | 1,673 LSOA 2011 (shared/data/greater_manchester), centroids  | 865 primary + nursery schools      | 20     |
|       | from shared/data/england, weight = ages 0-4 (mid-2016)       | (gm_gias_open_establishments.csv)  |        |

Radius 1,500 m. Models: MCLP (demand covered), LSCP (fewest sites covering every area: neither case can
cover every area within 1,500 m of a school, so the LSCP runs on the areas within reach of some school and
says how many it left out) and p-median (total demand-weighted distance). No existing sites.

Ours: `siting.solve_*`, best of --repeats in this process, plus one cold run in a fresh Python process
(import of lis_workbench.core.siting + solve; the cost matrix is loaded before the clock starts).
spopt: `MCLP/LSCP/PMedian.from_cost_matrix(...)` + `.solve(pulp.PULP_CBC_CMD(msg=False))`, once, the model
build timed with the solve (pulp builds the model in Python; that is part of what a user waits for).

Checks (exit 1 on failure): the same optimum on both sides within 1e-6 relative (spopt's MCLP covered demand
is recomputed from the schools it opened, its p-median objective is `problem.objective.value()`), and ours
proven optimal.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from timing import Checks, best_of, fmt_times

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
SAMPLE = REPO / "sample_data"
RADIUS = 1500.0
AGES = [str(a) for a in range(5)]
RTOL = 1e-6
STARTED = time.perf_counter()


def log(message: str) -> None:
    """Progress on stderr, so the table on stdout stays clean."""
    print(f"[{time.perf_counter() - STARTED:7.1f} s] {message}", file=sys.stderr, flush=True)


@dataclass
class Case:
    name: str
    demand_codes: list[str]
    weights: np.ndarray
    cost: np.ndarray  # demand x candidate sites, metres
    ps: tuple[int, ...]


# ----------------------------------------------------------------------------------------- data
def to_bng(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """WGS84 longitude/latitude to British National Grid easting/northing (GDAL/PROJ)."""
    from osgeo import osr

    src, dst = osr.SpatialReference(), osr.SpatialReference()
    src.ImportFromEPSG(4326)
    dst.ImportFromEPSG(27700)
    for srs in (src, dst):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    points = osr.CoordinateTransformation(src, dst).TransformPoints(np.column_stack([lon, lat]).tolist())
    return np.asarray(points, dtype=float)[:, :2]


def straight_line(demand_xy: np.ndarray, site_xy: np.ndarray) -> np.ndarray:
    return np.hypot(demand_xy[:, None, 0] - site_xy[None, :, 0], demand_xy[:, None, 1] - site_xy[None, :, 1])


def build_case(name: str, population_csv, centroids_csv, schools_csv, phases: set[str], ps) -> Case:
    import pandas as pd

    population = pd.read_csv(population_csv, dtype={"lsoa11cd": str}).set_index("lsoa11cd")
    centroids = pd.read_csv(centroids_csv, dtype={"lsoa11_code": str}).set_index("lsoa11_code")
    missing = population.index.difference(centroids.index)
    if len(missing):
        raise SystemExit(f"{name}: {len(missing)} LSOA(s) have no centroid (first {missing[0]})")
    centroids = centroids.loc[population.index]
    demand_xy = to_bng(centroids["longitude"].to_numpy(float), centroids["latitude"].to_numpy(float))
    schools = pd.read_csv(schools_csv)
    schools = schools[schools["education_phase"].isin(phases)]
    site_xy = schools[["easting", "northing"]].to_numpy(float)
    weights = population[AGES].sum(axis=1).to_numpy(float)
    return Case(name, [str(c) for c in population.index], weights, straight_line(demand_xy, site_xy), tuple(ps))


def load_cases(args) -> list[Case]:
    cases = [build_case("Wigan", SAMPLE / "wigan_mid2016_population_lsoa11_single_year_age.csv",
                        SAMPLE / "wigan_lsoa11_population_weighted_centroids.csv",
                        SAMPLE / "gias_open_establishments_wigan.csv", {"Primary"}, (3, 10))]
    if args.quick:
        return cases
    gm = args.data / "greater_manchester"
    files = (gm / "indicators" / "gm_mid2016_population_lsoa11_single_year_age.csv",
             args.data / "england" / "lsoa2011_centroids_england_wales.csv.gz",
             gm / "facilities" / "gm_gias_open_establishments.csv")
    absent = [str(f) for f in files if not f.exists()]
    if absent:
        print(f"NOTE: {', '.join(absent)} not found: Greater Manchester skipped (Wigan only).\n")
        return cases
    cases.append(build_case("GM", *files, {"Primary", "Nursery"}, (20,)))
    return cases


# ----------------------------------------------------------------------------------------- solvers
def ours(model: str, cost: np.ndarray, weights: np.ndarray, p: int | None):
    from lis_workbench.core import siting

    if model == "mclp":
        return siting.solve_mclp(cost, weights, RADIUS, p)
    if model == "lscp":
        return siting.solve_lscp(cost, RADIUS, weights=weights)
    return siting.solve_pmedian(cost, weights, p)


def spopt_solve(model: str, cost: np.ndarray, weights: np.ndarray, p: int | None) -> tuple[float, float, int]:
    """(objective on our terms, seconds for build + solve, facilities opened) with spopt + CBC."""
    import pulp
    from spopt.locate import LSCP, MCLP, PMedian

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        if model == "mclp":
            problem = MCLP.from_cost_matrix(cost, weights, service_radius=RADIUS, p_facilities=p)
        elif model == "lscp":
            problem = LSCP.from_cost_matrix(cost, service_radius=RADIUS)
        else:
            problem = PMedian.from_cost_matrix(cost, weights, p_facilities=p)
        built = time.perf_counter()
        problem = problem.solve(pulp.PULP_CBC_CMD(msg=False))
        seconds = time.perf_counter() - t0
    status = pulp.LpStatus[problem.problem.status]
    if status != "Optimal":
        raise RuntimeError(f"spopt {model}: CBC status {status}")
    opened = np.array([v.value() > 0.5 for v in problem.fac_vars])
    if model == "mclp":
        objective = float(weights[(cost[:, opened] <= RADIUS).any(axis=1)].sum())
    elif model == "lscp":
        objective = float(opened.sum())
    else:
        objective = float(problem.problem.objective.value())
    log(f"spopt {model}: model built in {built - t0:.1f} s, solved in {seconds - (built - t0):.1f} s")
    return objective, seconds, int(opened.sum())


# ----------------------------------------------------------------------------------------- fresh process
def child(model: str, input_path: Path) -> None:
    """One cold solve in this (new) process; prints a RESULT line of JSON for the parent."""
    data = np.load(input_path)
    cost, weights, p = data["cost"], data["weights"], int(data["p"])
    t0 = time.perf_counter()
    from lis_workbench.core import siting  # noqa: F401 (timed: a user's first solve pays for it)
    t1 = time.perf_counter()
    result = ours(model, cost, weights, p if p >= 0 else None)
    t2 = time.perf_counter()
    print("RESULT " + json.dumps({"import": t1 - t0, "solve": t2 - t1, "total": t2 - t0,
                                  "objective": result.objective, "optimal": bool(result.optimal)}))


def run_fresh(model: str, cost: np.ndarray, weights: np.ndarray, p: int | None, tmp: Path) -> dict:
    input_path = tmp / f"{model}.npz"
    np.savez(input_path, cost=cost, weights=weights, p=-1 if p is None else p)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", model, "--input", str(input_path)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=REPO)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    if done.returncode or not lines:
        raise RuntimeError(f"fresh {model} run failed ({done.returncode}):\n{done.stdout[-2000:]}\n"
                           f"{done.stderr[-4000:]}")
    return json.loads(lines[-1][len("RESULT "):])


# ----------------------------------------------------------------------------------------- one case
def bench_case(case: Case, args, checks: Checks, tmp: Path) -> list[dict]:
    n, m = case.cost.shape
    reach = case.cost.min(axis=1) <= RADIUS
    print(f"\n=== {case.name}: {n:,} demand areas (ages 0-4: {case.weights.sum():,.0f}), {m:,} candidate schools, "
          f"radius {RADIUS:,.0f} m; {int((~reach).sum())} area(s) beyond {RADIUS:,.0f} m of every school")
    runs = [("mclp", p) for p in case.ps] + [("lscp", None)] + [("pmedian", p) for p in case.ps]
    rows = []
    for model, p in runs:
        cost, weights, note = case.cost, case.weights, ""
        if model == "lscp":
            if not reach.all():
                note = f"full cover infeasible ({int((~reach).sum())} areas out of reach): the {int(reach.sum())} " \
                       f"reachable areas"
                cost, weights = cost[reach], weights[reach]
            else:
                note = "full cover"
        label = f"{model}" + (f" p={p}" if p is not None else "")
        log(f"{case.name} {label}: ours ({args.repeats} run(s))")
        ours_s, ours_t, result = best_of(args.repeats, lambda _, c=cost, w=weights, mo=model, pp=p: ours(mo, c, w, pp))
        log(f"{case.name} {label}: ours in a fresh process")
        fresh = run_fresh(model, cost, weights, p, tmp)
        slow = case.name != "Wigan" and model == "pmedian"
        if slow and args.skip_slow_reference:
            ref_obj, ref_s, ref_open = float("nan"), float("nan"), 0
            log(f"{case.name} {label}: spopt skipped (--skip-slow-reference)")
        else:
            log(f"{case.name} {label}: spopt + CBC" + (" (about 13 minutes)" if slow else ""))
            ref_obj, ref_s, ref_open = spopt_solve(model, cost, weights, p)
        print(f"{label}{' (' + note + ')' if note else ''}: ours {result.objective:,.6g} in {ours_s:.3f} s "
              f"({fmt_times(ours_t)}), cold {fresh['total']:.2f} s (import {fresh['import']:.2f} s), optimal "
              f"{result.optimal}, gap {result.gap:.1e}; spopt {ref_obj:,.6g} in {ref_s:.2f} s ({ref_open} sites)")
        if np.isfinite(ref_obj):
            same = abs(result.objective - ref_obj) <= RTOL * max(abs(ref_obj), 1.0)
            checks.check(same, f"{case.name} {label}: same optimum as spopt + CBC ({result.objective:,.6f} vs "
                               f"{ref_obj:,.6f})")
        checks.check(bool(result.optimal) and fresh["optimal"] and
                     abs(fresh["objective"] - result.objective) <= RTOL * max(abs(result.objective), 1.0),
                     f"{case.name} {label}: ours proven optimal (gap {result.gap:.1e}), the same in a fresh process")
        rows.append({"case": case.name, "model": label, "ours": result.objective, "spopt": ref_obj,
                     "ours_s": ours_s, "fresh_s": fresh["total"], "spopt_s": ref_s, "optimal": result.optimal,
                     "gap": result.gap, "note": note})
    return rows


def print_table(rows: list[dict]) -> None:
    print("\nSummary: objective (MCLP: ages 0-4 within 1,500 m; LSCP: schools; p-median: child-metres) and seconds "
          "(ours warm: best run; cold: fresh process incl. import; spopt: model build + CBC); speed-up = spopt / "
          "ours warm")
    header = (f"{'case':<6} {'model':<11} {'ours':>16} {'spopt+CBC':>16} {'ours s':>8} {'cold s':>8} "
              f"{'spopt s':>9} {'speed-up':>9} {'optimal':>8} {'gap':>8}")
    print(header)
    print("-" * len(header))
    for r in rows:
        ratio = f"{r['spopt_s'] / r['ours_s']:>8.0f}x" if np.isfinite(r["spopt_s"]) else f"{'-':>9}"
        spopt_obj = f"{r['spopt']:>16,.1f}" if np.isfinite(r["spopt"]) else f"{'skipped':>16}"
        spopt_s = f"{r['spopt_s']:>9.2f}" if np.isfinite(r["spopt_s"]) else f"{'-':>9}"
        print(f"{r['case']:<6} {r['model']:<11} {r['ours']:>16,.1f} {spopt_obj} {r['ours_s']:>8.3f} "
              f"{r['fresh_s']:>8.2f} {spopt_s} {ratio} {str(r['optimal']):>8} {r['gap']:>8.1e}")
    for r in rows:
        if r["note"] and r["model"].startswith("lscp"):
            print(f"{r['case']} LSCP: {r['note']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="warm runs of our solver (best kept)")
    parser.add_argument("--data", type=Path, default=SHARED, help="folder holding greater_manchester/ and england/")
    parser.add_argument("--quick", action="store_true", help="Wigan only")
    parser.add_argument("--skip-slow-reference", action="store_true",
                        help="do not run spopt's p-median on Greater Manchester (about 13 minutes with CBC)")
    parser.add_argument("--child", choices=("mclp", "lscp", "pmedian"), help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO))
    if args.child:
        child(args.child, args.input)
        return 0

    import pulp
    import scipy
    import spopt

    print("LIS Workbench siting benchmark: MCLP, LSCP and p-median (HiGHS via scipy) beside spopt + CBC (pulp)")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, scipy {scipy.__version__}, spopt "
          f"{spopt.__version__}, pulp {pulp.__version__}, {os.cpu_count()} CPU(s)")
    checks = Checks()
    log("loading the cases")
    cases = load_cases(args)
    rows = []
    with tempfile.TemporaryDirectory(prefix="lis_bench_siting_") as tmp_name:
        for case in cases:
            rows += bench_case(case, args, checks, Path(tmp_name))
    print_table(rows)
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())

"""Hotspot benchmark: LIS Workbench's contiguity weights, Gi* and local Moran beside libpysal + esda (numba).

    .venv/bin/python bench/hotspot.py                     # Wigan, then England when the data is there
    .venv/bin/python bench/hotspot.py --profile           # also cProfile our three steps on the largest layer
    .venv/bin/python bench/hotspot.py --repeats 1         # quicker
    .venv/bin/python bench/hotspot.py --no-england        # Wigan only (a few seconds)
    .venv/bin/python bench/hotspot.py --data /path/to/england --permutations 999 --esda-jobs 1

Layers: the Wigan LSOA 2011 sample (200 areas: the sample store built from sample_data/wigan_store.toml,
store.areas('lsoa11') and imd2019_imd_rank) and, when <repo>/../shared/data/england/ holds
england_lsoa11_bgc_imd2015_2019.gpkg, all 32,844 England LSOAs (layer lsoa11_imd read with pyogrio,
to_crs(27700), Rank2019). Generalised boundaries overlap by metres and share no vertex, so vertex-matching
Queen finds islands only; both sides use "within a tolerance" contiguity:

| step        | LIS Workbench                               | reference                                          |
|-------------|---------------------------------------------|----------------------------------------------------|
| weights     | contiguity(ids, wkb, tolerance=1.0) | libpysal fuzzy_contiguity(gdf, buffering=True,     |
|             |                                             |                           buffer=1.0)              |
| Gi*         | hotspot.gi_star(y, w, permutations=999)     | esda.G_Local(y, w, "R", star=True, 999, n_jobs=1)  |
| local Moran | hotspot.local_moran(y, w, permutations=999) | esda.Moran_Local(y, w, "r", 999, n_jobs=1)         |

Warm: in this process, best of --repeats runs (time.perf_counter); esda runs once first so numba has
compiled; the statistics run on the same neighbours on both sides (ours, as a libpysal W for esda).
Fresh: each pipeline (import, weights, Gi*, local Moran) in a new Python process, so our imports and esda's
imports and numba compilation count; peak RSS (VmHWM) of that process. The input (ids, WKB, values,
and for esda a GeoDataFrame) is loaded before its clock starts.

Checks (exit 1 on failure): libpysal's buffer of 1 m on each side joins areas up to 2 m apart, so its
neighbours are ours at tolerance 2 m: those sets must be equal, and every pair libpysal adds to ours at 1 m
must lie 1-2 m apart (shapely). Gi* (G, E, V, z) and local Moran (I, E, V, z, quadrant) must equal esda's to
1e-9; with esda's own draws (esda.crand.vec_permutations passed as permuted=) p_sim must be equal except
where a draw ties the observed statistic in exact arithmetic (integer ranks), by at most the tied draws;
with our own seeded draws, within Monte Carlo error (4.5 sd), and so must the two fresh pipelines' p_sim.
Islands are left out of the statistic comparisons (esda gives an island no self-weight in Gi*, ours 1).
esda needs numba for the reference times: without it the script says so and runs Wigan only.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from timing import Checks, best_of, fmt_times, profile

REPO = Path(__file__).resolve().parents[1]
ENGLAND = REPO.parent / "shared" / "data" / "england"
ENGLAND_FILE, ENGLAND_LAYER = "england_lsoa11_bgc_imd2015_2019.gpkg", "lsoa11_imd"
TOLERANCE, BUFFER = 1.0, 1.0
SEED = 12345
TARGETS = {"fresh": 10.0, "statistic": 2.0, "rss_mb": 1024.0}


@dataclass
class Layer:
    name: str
    ids: list[str]
    wkbs: list[bytes]
    y: np.ndarray


# ----------------------------------------------------------------------------------------- data
def load_wigan(tmp: Path) -> Layer:
    from lis_workbench.core.recipe import build_store
    from lis_workbench.core.store import Store

    path = tmp / "wigan_store.gpkg"
    build_store(REPO / "sample_data" / "wigan_store.toml", path)
    with Store.open(path) as store:
        areas = store.areas("lsoa11")
        values = store.get_values("imd2019_imd_rank").set_index("area_code")["value"]
    ids = [str(c) for c in areas["area_code"]]
    return Layer("Wigan", ids, [bytes(g) for g in areas["geometry"]], values.loc[ids].to_numpy(float))


def load_england(folder: Path) -> Layer | None:
    path = folder / ENGLAND_FILE
    if not path.exists():
        print(f"NOTE: {path} not found: England skipped (Wigan only).\n")
        return None
    import geopandas as gpd
    import shapely

    frame = gpd.read_file(path, layer=ENGLAND_LAYER, engine="pyogrio").to_crs(27700)
    return Layer("England", [str(c) for c in frame["code"]], [bytes(b) for b in shapely.to_wkb(frame.geometry.values)],
                 frame["Rank2019"].to_numpy(float))


def geoframe(layer: Layer):
    import geopandas as gpd
    import shapely

    return gpd.GeoDataFrame({"code": layer.ids}, geometry=shapely.from_wkb(layer.wkbs), crs=27700, index=layer.ids)


def pysal_w(neighbours: dict[str, set[str]], ids: list[str]):
    """A libpysal W from neighbour sets (a fresh one per esda call: esda changes its transform in place)."""
    import libpysal

    return libpysal.weights.W({i: sorted(neighbours[i]) for i in ids}, id_order=ids, silence_warnings=True)


def pairs_of(neighbours: dict, ids: list[str]) -> set[tuple[int, int]]:
    index = {c: k for k, c in enumerate(ids)}
    return {(min(index[a], index[b]), max(index[a], index[b])) for a, nb in neighbours.items() for b in nb}


@contextlib.contextmanager
def quiet():
    """libpysal prints "('WARNING: ', id, ' is an island (no neighbors)')" on stdout and esda warns about the
    island's 0 / 0; neither matters here."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def peak_rss_mb() -> float:
    """This process's peak resident memory: VmHWM (getrusage's ru_maxrss would include the RSS of the parent
    that forked it, which Linux carries over an exec)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


# ----------------------------------------------------------------------------------------- fresh process
def child(side: str, input_path: Path, permutations: int, esda_jobs: int) -> None:
    """One whole pipeline in this (new) process; prints a RESULT line of JSON for the parent."""
    with open(input_path, "rb") as f:
        layer = pickle.load(f)
    if side == "esda":
        frame = geoframe(layer)  # the reference's input, as ours is WKB: loaded before the clock starts
    rss_before = peak_rss_mb()
    t0 = time.perf_counter()
    if side == "ours":
        from lis_workbench.core import hotspot
        from lis_workbench.core.contiguity import contiguity
        t1 = time.perf_counter()
        w = contiguity(layer.ids, layer.wkbs, tolerance=TOLERANCE)
        t2 = time.perf_counter()
        pairs = w.matrix.nnz // 2
        g = hotspot.gi_star(layer.y, w, permutations=permutations, seed=SEED)
        t3 = time.perf_counter()
        lm = hotspot.local_moran(layer.y, w, permutations=permutations, seed=SEED)
        t4 = time.perf_counter()
        sig = (int((g.p_sim <= 0.05).sum()), int((lm.p_sim <= 0.05).sum()))
    else:
        warnings.simplefilter("ignore")
        np.seterr(all="ignore")
        import esda
        import libpysal
        t1 = time.perf_counter()
        w = libpysal.weights.fuzzy_contiguity(frame, buffering=True, buffer=BUFFER, id_order=layer.ids,
                                              silence_warnings=True)
        t2 = time.perf_counter()
        pairs = int(w.sparse.nnz) // 2
        assert w.id_order == layer.ids  # esda's results follow the W's order
        g = esda.G_Local(layer.y, w, transform="R", star=True, permutations=permutations, seed=SEED, n_jobs=esda_jobs)
        t3 = time.perf_counter()
        lm = esda.Moran_Local(layer.y, w, transformation="r", permutations=permutations, seed=SEED,
                              n_jobs=esda_jobs)
        t4 = time.perf_counter()
        sig = (int((g.p_sim <= 0.05).sum()), int((lm.p_sim <= 0.05).sum()))
    np.savez(input_path.with_suffix(f".{side}.npz"), gistar=np.asarray(g.p_sim, dtype=float),
             lisa=np.asarray(lm.p_sim, dtype=float))
    print("RESULT " + json.dumps({"import": t1 - t0, "weights": t2 - t1, "gistar": t3 - t2, "lisa": t4 - t3,
                                  "total": t4 - t0, "rss_mb": peak_rss_mb(), "rss_before_mb": rss_before,
                                  "pairs": pairs, "significant": sig}))


def run_fresh(side: str, input_path: Path, permutations: int, esda_jobs: int) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", side, "--input", str(input_path),
           "--permutations", str(permutations), "--esda-jobs", str(esda_jobs)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("RESULT ")]
    if done.returncode or not lines:
        raise RuntimeError(f"fresh {side} run failed ({done.returncode}):\n{done.stdout[-2000:]}\n"
                           f"{done.stderr[-4000:]}")
    return json.loads(lines[-1][len("RESULT "):])


# ----------------------------------------------------------------------------------------- comparisons
def close(a, b, keep) -> float:
    """Largest difference relative to max(|b|, 1e-12 max|b|) over the kept areas (NaN equal NaN)."""
    a, b = np.asarray(a, dtype=float)[keep], np.asarray(b, dtype=float)[keep]
    both_nan = np.isnan(a) & np.isnan(b)
    a, b = a[~both_nan], b[~both_nan]
    if not len(a):
        return 0.0
    scale = np.maximum(np.abs(b), 1e-12 * max(np.abs(b).max(), 1e-300))
    return float(np.max(np.abs(a - b) / scale)) if np.isfinite(a - b).all() else float("inf")


def tie_aware_p(ours, ref, sims, observed, permutations: int, keep) -> tuple[int, int, int]:
    """(areas whose p_sim differs, of which explained by exact ties, areas with a tie) from the same draws:
    a differing p must come with draws that tie the observed statistic (within 1e-9) and move by at most
    their number / (R + 1). esda keeps p_sim as float32, hence 1e-6."""
    ours, ref = np.asarray(ours, dtype=float)[keep], np.asarray(ref, dtype=float)[keep]
    sims, observed = np.asarray(sims, dtype=float)[keep], np.asarray(observed, dtype=float)[keep]
    differ = np.abs(ours - ref) > 1e-6
    scale = np.maximum(np.abs(observed), 1e-12 * np.abs(observed).max())
    ties = (np.abs(sims - observed[:, None]) <= 1e-9 * scale[:, None]).sum(axis=1)
    explained = differ & (ties > 0) & (np.abs(ours - ref) <= ties / (permutations + 1) + 1e-6)
    return int(differ.sum()), int(explained.sum()), int((ties > 0).sum())


def beyond_mc_error(p_a, p_b, permutations: int, sds: float = 4.5) -> int:
    """Areas whose p_sim from independent draws differ by more than `sds` standard deviations of the
    difference (sqrt(2 p (1 - p) / R)) plus one step of the 1 / (R + 1) grid."""
    p = np.clip((p_a + p_b) / 2, 1 / (permutations + 1), 0.5)
    return int((np.abs(p_a - p_b) > sds * np.sqrt(2 * p * (1 - p) / permutations) + 1 / (permutations + 1)).sum())


# ----------------------------------------------------------------------------------------- one layer
def bench_layer(layer: Layer, args, checks: Checks, tmp: Path) -> dict:
    import esda
    import libpysal
    import shapely
    from esda.crand import vec_permutations

    from lis_workbench.core import hotspot
    from lis_workbench.core.contiguity import contiguity

    warnings.filterwarnings("ignore", category=UserWarning)  # esda: "Gi* requested ... assuming the row maximum"
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    n, perms, reps = len(layer.ids), args.permutations, args.repeats
    ref_reps = max(1, min(reps, 2))
    print(f"\n=== {layer.name}: {n:,} areas, {sum(map(len, layer.wkbs)) / 1e6:.1f} MB of WKB; "
          f"{perms} permutations; best of {reps} (ours, esda statistics) / {ref_reps} (libpysal weights)")
    out: dict = {"n": n}

    # ---- weights
    ours_s, ours_t, w = best_of(reps, lambda _: contiguity(layer.ids, layer.wkbs, tolerance=TOLERANCE))
    frame = geoframe(layer)
    ref_s, ref_t, ref_w = best_of(ref_reps, lambda _: libpysal.weights.fuzzy_contiguity(
        frame, buffering=True, buffer=BUFFER, id_order=layer.ids, silence_warnings=True))
    out["weights"] = (ours_s, ref_s)
    ours_pairs = pairs_of(w.neighbours(), layer.ids)
    ref_pairs = pairs_of(ref_w.neighbors, layer.ids)
    print(f"weights: ours contiguity(tolerance={TOLERANCE:g}) {ours_s:.3f} s ({fmt_times(ours_t)}), "
          f"{len(ours_pairs):,} pairs, {len(w.islands)} island(s)")
    print(f"         libpysal fuzzy_contiguity(buffer={BUFFER:g}) {ref_s:.3f} s ({fmt_times(ref_t)}), "
          f"{len(ref_pairs):,} pairs, {len(ref_w.islands)} island(s)")
    only_ref, only_ours = ref_pairs - ours_pairs, ours_pairs - ref_pairs
    geoms = np.asarray(frame.geometry.values)
    gap = np.array([shapely.distance(geoms[i], geoms[j]) for i, j in sorted(only_ref)])
    print(f"         neighbour sets: {len(only_ref)} pair(s) only in libpysal's, {len(only_ours)} only in ours"
          + (f"; libpysal's extra pairs lie {gap.min():.2f}-{gap.max():.2f} m apart" if len(gap) else ""))
    checks.check(not only_ours and bool(((gap > TOLERANCE) & (gap <= 2 * BUFFER)).all()),
                 f"{layer.name}: every pair of ours at {TOLERANCE:g} m is in libpysal's; its {len(only_ref)} other "
                 f"pair(s) lie {TOLERANCE:g}-{2 * BUFFER:g} m apart (a {BUFFER:g} m buffer on both areas reaches "
                 f"{2 * BUFFER:g} m)")
    w2 = contiguity(layer.ids, layer.wkbs, tolerance=2 * BUFFER)
    checks.check(pairs_of(w2.neighbours(), layer.ids) == ref_pairs,
                 f"{layer.name}: ours at tolerance {2 * BUFFER:g} m has exactly libpysal's neighbour pairs")
    del w2, ref_w

    # ---- statistics, warm, on our neighbours on both sides
    neighbours = w.neighbours()
    keep = w.cardinalities > 0
    islands = f" ({n - int(keep.sum())} island(s) left out)" if not keep.all() else ""
    spent: dict[str, list[float]] = {"ours": [], "esda": []}

    def timed_wrapper(fn, bucket):
        def wrapper(*a, **k):
            t = time.perf_counter()
            result = fn(*a, **k)
            spent[bucket].append(time.perf_counter() - t)
            return result
        return wrapper

    cr_ours = hotspot.conditional_randomisation
    cr_esda = (esda.getisord._crand_plus, esda.moran._crand_plus)
    hotspot.conditional_randomisation = timed_wrapper(cr_ours, "ours")
    esda.getisord._crand_plus = timed_wrapper(cr_esda[0], "esda")
    esda.moran._crand_plus = timed_wrapper(cr_esda[1], "esda")
    try:
        t0 = time.perf_counter()
        with quiet():
            esda.G_Local(layer.y, pysal_w(neighbours, layer.ids), transform="R", star=True, permutations=9,
                         seed=SEED, n_jobs=args.esda_jobs)
            esda.Moran_Local(layer.y, pysal_w(neighbours, layer.ids), transformation="r", permutations=9,
                             seed=SEED, n_jobs=args.esda_jobs)
        print(f"esda warm-up (numba compiles G_Local and Moran_Local, 9 permutations): "
              f"{time.perf_counter() - t0:.2f} s")
        rows = {}
        for label, ours_fn, ref_fn in (
                ("gistar", lambda _: hotspot.gi_star(layer.y, w, permutations=perms, seed=SEED),
                 lambda ref: esda.G_Local(layer.y, ref, transform="R", star=True, permutations=perms, seed=SEED,
                                          n_jobs=args.esda_jobs)),
                ("lisa", lambda _: hotspot.local_moran(layer.y, w, permutations=perms, seed=SEED),
                 lambda ref: esda.Moran_Local(layer.y, ref, transformation="r", permutations=perms, seed=SEED,
                                              n_jobs=args.esda_jobs))):
            spent["ours"].clear()
            spent["esda"].clear()
            o_s, o_t, o_res = best_of(reps, ours_fn)
            with quiet():
                r_s, r_t, r_res = best_of(reps, ref_fn, before=lambda _: pysal_w(neighbours, layer.ids))
            rows[label] = (o_s, o_t, o_res, r_s, r_t, r_res, min(spent["ours"]), min(spent["esda"]))
    finally:
        hotspot.conditional_randomisation = cr_ours
        esda.getisord._crand_plus, esda.moran._crand_plus = cr_esda

    names = {"gistar": "Gi*", "lisa": "local Moran"}
    for label in ("gistar", "lisa"):
        o_s, o_t, _, r_s, r_t, _, o_cr, r_cr = rows[label]
        out[label] = (o_s, r_s)
        out[label + "_cr"] = (o_cr, r_cr)
        print(f"{names[label]} {perms}: ours {o_s:.3f} s ({fmt_times(o_t)}), of which conditional permutation "
              f"{o_cr:.3f} s; esda {r_s:.3f} s ({fmt_times(r_t)}), of which crand {r_cr:.3f} s")

    # ---- agreement: analytic parts, then p_sim from the same draws and from our own
    g, g_ref = rows["gistar"][2], rows["gistar"][5]
    lm, lm_ref = rows["lisa"][2], rows["lisa"][5]
    worst_g = max(close(g.Gs, g_ref.Gs, keep), close(g.EGs, g_ref.EGs, keep), close(g.VGs, g_ref.VGs, keep),
                  close(g.z, g_ref.Zs, keep))
    checks.check(worst_g <= 1e-9, f"{layer.name}: Gi* G, E[G], V[G], z equal esda's (largest relative "
                                  f"difference {worst_g:.1e}){islands}")
    with np.errstate(all="ignore"):
        z_ref = (lm_ref.Is - lm_ref.EIc) / np.sqrt(lm_ref.VIc)
    worst_l = max(close(lm.Is, lm_ref.Is, keep), close(lm.EI, lm_ref.EIc, keep), close(lm.VI, lm_ref.VIc, keep),
                  close(lm.z, z_ref, keep))
    same_q = bool(np.array_equal(lm.quadrant[keep], lm_ref.q[keep]))
    checks.check(worst_l <= 1e-9 and same_q, f"{layer.name}: local Moran I, E[I], V[I], z equal esda's (largest "
                                             f"relative difference {worst_l:.1e}), quadrants equal{islands}")
    max_card = int(w.cardinalities.max())
    draws = vec_permutations(max_card, n, perms, SEED)  # what esda drew inside G_Local / Moran_Local
    for label, ours_res, ref_res, sims, observed in (
            ("Gi*", hotspot.gi_star(layer.y, w, permuted=draws), g_ref, g_ref.rGs, g_ref.Gs),
            ("local Moran", hotspot.local_moran(layer.y, w, permuted=draws), lm_ref, lm_ref.sim.T, lm_ref.Is)):
        differ, explained, tied = tie_aware_p(ours_res.p_sim, ref_res.p_sim, sims, observed, perms, keep)
        checks.check(differ == explained, f"{layer.name}: {label} p_sim with esda's draws equals esda's but at "
                                          f"exact ties: {differ} area(s) differ, all by tied draws "
                                          f"({tied} area(s) have a tie)")
    for label, ours_res, ref_res in (("Gi*", g, g_ref), ("local Moran", lm, lm_ref)):
        beyond = beyond_mc_error(ours_res.p_sim[keep], np.asarray(ref_res.p_sim, dtype=float)[keep], perms)
        checks.check(beyond <= max(2, n // 2000), f"{layer.name}: {label} p_sim from our own draws (seed {SEED}) "
                                                  f"within Monte Carlo error of esda's: {beyond} area(s) beyond "
                                                  f"4.5 sd")

    # ---- fresh processes
    input_path = tmp / f"{layer.name}.pickle"
    with open(input_path, "wb") as f:
        pickle.dump(layer, f)
    for side in ("ours", "esda"):
        result = run_fresh(side, input_path, perms, args.esda_jobs)
        out[f"fresh_{side}"] = result
        print(f"fresh {side}: import {result['import']:.2f} s, weights {result['weights']:.2f} s, Gi* "
              f"{result['gistar']:.2f} s, local Moran {result['lisa']:.2f} s, total {result['total']:.2f} s; "
              f"peak RSS {result['rss_mb']:.0f} MB ({result['rss_before_mb']:.0f} MB with the input loaded); "
              f"{result['pairs']:,} pairs, p_sim <= 0.05: {result['significant'][0]:,} (Gi*), "
              f"{result['significant'][1]:,} (local Moran)")
    fresh_p = {side: np.load(input_path.with_suffix(f".{side}.npz")) for side in ("ours", "esda")}
    for label, key in (("Gi*", "gistar"), ("local Moran", "lisa")):
        beyond = beyond_mc_error(fresh_p["ours"][key][keep], fresh_p["esda"][key][keep], perms)
        checks.check(beyond <= max(2, n // 2000), f"{layer.name}: fresh pipelines agree: {label} p_sim within Monte "
                                                  f"Carlo error in all but {beyond} area(s) (each on its own "
                                                  f"weights)")
    if args.profile and layer.name == args.profile_layer:
        profile(f"{layer.name}: weights.contiguity",
                lambda: contiguity(layer.ids, layer.wkbs, tolerance=TOLERANCE), top=15)
        profile(f"{layer.name}: hotspot.gi_star", lambda: hotspot.gi_star(layer.y, w, permutations=perms, seed=SEED),
                top=12)
        profile(f"{layer.name}: hotspot.local_moran",
                lambda: hotspot.local_moran(layer.y, w, permutations=perms, seed=SEED), top=12)
    return out


# ----------------------------------------------------------------------------------------- report
def print_table(results: list[tuple[str, dict]], perms: int) -> None:
    print("\nSummary: seconds (warm: best run in one process; fresh: one new process per pipeline); "
          "speed-up = reference / LIS Workbench (> 1: LIS Workbench faster)")
    header = f"{'layer':<8} {'step':<40} {'LIS Workbench':>14} {'libpysal+esda':>14} {'speed-up':>9}"
    print(header)
    print("-" * len(header))
    for name, r in results:
        lines = [("weights (warm)", *r["weights"]),
                 (f"Gi* {perms} (warm)", *r["gistar"]),
                 ("  of which conditional permutation", *r["gistar_cr"]),
                 (f"local Moran {perms} (warm)", *r["lisa"]),
                 ("  of which conditional permutation", *r["lisa_cr"])]
        o, e = r["fresh_ours"], r["fresh_esda"]
        for key, label in (("import", "imports"), ("weights", "weights"), ("gistar", f"Gi* {perms}"),
                           ("lisa", f"local Moran {perms}"), ("total", "total")):
            lines.append((f"fresh process: {label}", o[key], e[key]))
        for label, a, b in lines:
            print(f"{name:<8} {label:<40} {a:>14.3f} {b:>14.3f} {b / a:>8.1f}x")
        print(f"{name:<8} {'fresh process: peak RSS (MB)':<40} {o['rss_mb']:>14.0f} {e['rss_mb']:>14.0f} "
              f"{e['rss_mb'] / o['rss_mb']:>8.1f}x")


def print_targets(name: str, r: dict) -> None:
    fresh = r["fresh_esda"]["total"] / r["fresh_ours"]["total"]
    gi = r["gistar"][1] / r["gistar"][0]
    lisa = r["lisa"][1] / r["lisa"][0]
    rss = r["fresh_ours"]["rss_mb"]
    print(f"\nTargets on {name}:")
    for ok, text in ((fresh >= TARGETS["fresh"], f"fresh pipeline (weights + Gi* + local Moran) >= "
                                                 f"{TARGETS['fresh']:g}x faster: {fresh:.1f}x"),
                     (gi >= TARGETS["statistic"], f"Gi* >= {TARGETS['statistic']:g}x faster than esda warm: {gi:.1f}x"),
                     (lisa >= TARGETS["statistic"], f"local Moran >= {TARGETS['statistic']:g}x faster than esda "
                                                    f"warm: {lisa:.1f}x"),
                     (rss < TARGETS["rss_mb"], f"peak memory under {TARGETS['rss_mb']:.0f} MB: {rss:.0f} MB")):
        print(f"  [{'met' if ok else 'MISSED'}] {text}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="warm runs of each step (best kept; libpysal "
                                                               "weights at most 2)")
    parser.add_argument("--permutations", type=int, default=999)
    parser.add_argument("--esda-jobs", type=int, default=1, help="esda n_jobs (-1: all cores; slower on 2 CPUs)")
    parser.add_argument("--data", type=Path, default=ENGLAND, help="folder holding " + ENGLAND_FILE)
    parser.add_argument("--no-england", action="store_true", help="Wigan only")
    parser.add_argument("--profile", action="store_true", help="cProfile our three steps on the largest layer")
    parser.add_argument("--child", choices=("ours", "esda"), help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.input, args.permutations, args.esda_jobs)
        return 0

    import esda
    import libpysal

    try:
        import numba
        numba_version = numba.__version__
    except ImportError:  # esda falls back to plain Python loops: England would take a very long time
        numba_version = None
        args.no_england = True
    print("LIS Workbench hotspot benchmark: contiguity weights, Gi* and local Moran beside libpysal + esda")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, libpysal {libpysal.__version__}, "
          f"esda {esda.__version__} (n_jobs={args.esda_jobs}), numba {numba_version or 'MISSING'}, "
          f"{os.cpu_count()} CPU(s)")
    if numba_version is None:
        print("NOTE: numba is not installed (.venv/bin/pip install numba), so esda runs without it: Wigan only, "
              "and esda's times are not the reference's.\n")
    checks = Checks()
    results = []
    with tempfile.TemporaryDirectory(prefix="lis_bench_hotspot_") as tmp_name:
        tmp = Path(tmp_name)
        t0 = time.perf_counter()
        layers = [load_wigan(tmp)]
        england = None if args.no_england else load_england(args.data)
        if england:
            layers.append(england)
        print(f"setup: loaded {', '.join(f'{x.name} ({len(x.ids):,})' for x in layers)} in "
              f"{time.perf_counter() - t0:.1f} s (outside all timings)")
        args.profile_layer = layers[-1].name
        for layer in layers:
            results.append((layer.name, bench_layer(layer, args, checks, tmp)))
    print_table(results, args.permutations)
    print_targets(*results[-1])
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())

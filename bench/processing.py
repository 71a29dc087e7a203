"""Whole `qgis_process` runs of LIS Workbench algorithms beside QGIS's own `native:centroids` on the same layer.

A batch user pays for the whole run: QGIS start-up, the provider's import, reading the layer, the analysis and
writing the output. The reference is a native algorithm that reads the same layer and writes one feature per
input, run the same way in the same profile, so the ratio is what our Processing path costs beyond QGIS itself.

    .venv/bin/python bench/processing.py               # England Gi* and GM maximal coverage, best of 3
    .venv/bin/python bench/processing.py --repeats 1   # quicker

The plugin is installed from the packaged zip (`make package`) into a throwaway QGIS profile, as users install it.
Data: ../shared/data (England LSOA 2011 boundaries with IMD 2019 ranks; Greater Manchester LSOAs, mid-2016
population and GIAS schools); a part whose data is missing is skipped with a note.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import Checks

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.harness import build_zip, install_zip, qgis_env  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
ENGLAND = DATA / "england" / "england_lsoa11_bgc_imd2015_2019.gpkg"
GM = DATA / "greater_manchester"
QGIS_PROCESS = "/usr/bin/qgis_process.bin"


def run(args: list[str], config: Path, extra_env: dict | None = None) -> tuple[float, dict]:
    """Seconds of one whole `qgis_process.bin run ...` and its JSON answer (fails loudly)."""
    env = qgis_env(config)
    env.update(QT_QPA_PLATFORM="offscreen", **(extra_env or {}))
    t0 = time.perf_counter()
    proc = subprocess.run([QGIS_PROCESS, "--json", "run", *args], env=env, capture_output=True, text=True,
                          timeout=600)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"qgis_process failed ({' '.join(args[:1])}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return seconds, json.loads(proc.stdout[proc.stdout.index("{"):])


def best(repeats: int, args_for, config: Path, env_for=None) -> tuple[float, list[float], dict]:
    """Best wall time of `repeats` runs; each run writes a fresh output (args_for(i)), with env_for(i) added to
    its environment."""
    times, answer = [], {}
    for i in range(repeats):
        seconds, answer = run(args_for(i), config, env_for(i) if env_for else None)
        times.append(seconds)
    return min(times), times, answer


def gi_values(path: Path) -> list[tuple]:
    """(fid, gi_z, gi_cluster) of every feature of a Gi* output, to compare two runs."""
    from osgeo import ogr

    dataset = ogr.Open(str(path))
    rows = sorted((f.GetFID(), f.GetField("gi_z"), f.GetField("gi_cluster")) for f in dataset.GetLayer(0))
    dataset = None
    return rows


def gm_inputs(folder: Path) -> tuple[Path, Path]:
    """GM demand (LSOA 2011 polygons in EPSG:27700 with children aged 0-4 and an area code) and candidate sites
    (open primary schools), written once, outside the timing."""
    import geopandas as gpd
    import pandas as pd

    areas = gpd.read_file(GM / "boundaries" / "gm_lsoa11_bgc.geojson").to_crs(27700)
    population = pd.read_csv(GM / "indicators" / "gm_mid2016_population_lsoa11_single_year_age.csv")
    population["value"] = population[["0", "1", "2", "3", "4"]].sum(axis=1)
    demand = areas[["area_code", "geometry"]].merge(
        population[["lsoa11cd", "value"]].rename(columns={"lsoa11cd": "area_code"}), on="area_code")
    schools = pd.read_csv(GM / "facilities" / "gm_gias_open_establishments.csv")
    schools = schools[schools["education_phase"] == "Primary"].dropna(subset=["easting", "northing"])
    sites = gpd.GeoDataFrame({"site_id": schools["urn"].astype(str), "name": schools["establishment_name"]},
                             geometry=gpd.points_from_xy(schools["easting"], schools["northing"]), crs=27700)
    demand_path, sites_path = folder / "gm_demand.gpkg", folder / "gm_primary_schools.gpkg"
    demand.to_file(demand_path, layer="demand", driver="GPKG")
    sites.to_file(sites_path, layer="sites", driver="GPKG")
    return demand_path, sites_path


def england_input(folder: Path) -> Path:
    """The England LSOA 2011 layer with its IMD 2019 ranks in British National Grid (the algorithms want metres),
    written once, outside the timing."""
    out = folder / "england_lsoa11.gpkg"
    subprocess.run(["ogr2ogr", "-t_srs", "EPSG:27700", "-nln", "lsoa11", str(out), str(ENGLAND), "lsoa11_imd"],
                   check=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    checks = Checks()
    work = Path(tempfile.mkdtemp(prefix="lis_bench_processing_"))
    config = work / "profile"
    install_zip(build_zip(), config)
    print(f"QGIS profile with the packaged plugin: {config}")
    seconds = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        subprocess.run([QGIS_PROCESS, "list"], env=dict(qgis_env(config), QT_QPA_PLATFORM="offscreen"),
                       capture_output=True, text=True, check=True)
        seconds.append(time.perf_counter() - t0)
    print(f"`qgis_process list` (start-up, every provider listed): best {min(seconds):.2f} s")
    rows = []
    if ENGLAND.exists():
        layer = str(england_input(work))
        ref, ref_times, _ = best(args.repeats, lambda i: [
            "native:centroids", f"--INPUT={layer}", f"--OUTPUT={work / f'eng_centroids_{i}.gpkg'}"], config)

        def gistar(name: str):
            return lambda i: ["lisworkbench:gistar", f"--INPUT={layer}", "--FIELD=Rank2019",
                              f"--OUTPUT={work / f'eng_gistar_{name}_{i}.gpkg'}"]

        # first run on a layer: the weights are built (a fresh, empty cache folder each run)
        ours, our_times, _ = best(args.repeats, gistar("first"), config,
                                  lambda i: {"LIS_CACHE_DIR": str(work / f"cache_first_{i}")})
        rows.append(("England Gi* (32,844 LSOAs, 999 perms), first run", ours, our_times, ref, ref_times))
        # the same layer again (another indicator, the next run of a batch): its weights are read back
        run(gistar("prime")(0), config, {"LIS_CACHE_DIR": str(work / "cache_again")})
        ours, our_times, _ = best(args.repeats, gistar("again"), config,
                                  lambda i: {"LIS_CACHE_DIR": str(work / "cache_again")})
        rows.append(("England Gi*, the same layer again (weights kept)", ours, our_times, ref, ref_times))
        checks.check(gi_values(work / "eng_gistar_first_0.gpkg") == gi_values(work / "eng_gistar_again_0.gpkg"),
                     "Gi* gives the same z and clusters with the weights built or read back")
    else:
        print(f"[skip] England: {ENGLAND} is missing")
    if (GM / "boundaries" / "gm_lsoa11_bgc.geojson").exists():
        demand, sites = gm_inputs(work)
        ref, ref_times, _ = best(args.repeats, lambda i: [
            "native:centroids", f"--INPUT={demand}", f"--OUTPUT={work / f'gm_centroids_{i}.gpkg'}"], config)
        ours, our_times, answer = best(args.repeats, lambda i: [
            "lisworkbench:mclp", f"--DEMAND={demand}", "--DEMAND_WEIGHT=value", "--DEMAND_ID=area_code",
            f"--CANDIDATES={sites}", "--P=3", "--RADIUS=1500",
            f"--OUTPUT_SITES={work / f'gm_sites_{i}.gpkg'}"], config)
        rows.append(("GM maximal coverage (1,673 LSOAs, 3 of the primary schools)", ours, our_times, ref,
                     ref_times))
        checks.check(answer["results"]["OBJECTIVE"] > 0, f"MCLP reached {answer['results']['OBJECTIVE']:,.0f} "
                     "children aged 0-4")
    else:
        print(f"[skip] Greater Manchester: {GM} is missing")
    print(f"\n{'whole qgis_process run':<62} {'LIS (s)':>8} {'native:centroids (s)':>21} {'ratio':>6}")
    for what, ours, our_times, ref, ref_times in rows:
        print(f"{what:<62} {ours:>8.2f} {ref:>21.2f} {ours / ref:>6.2f}")
        print(f"{'':<62} runs {', '.join(f'{t:.2f}' for t in our_times)} / "
              f"{', '.join(f'{t:.2f}' for t in ref_times)}")
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())

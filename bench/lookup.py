"""Overlap-lookup benchmark: LIS Workbench's overlap_lookup (LSOA 2011 -> 2021) beside a geopandas overlay.

    .venv/bin/python bench/lookup.py                 # Wigan, then Greater Manchester when the data is there
    .venv/bin/python bench/lookup.py --repeats 1

Frames: the Wigan sample boundaries (sample_data/wigan_lsoa11_bgc.geojson, wigan_lsoa21_bgc.geojson, 200 + 200
areas) and, when <repo>/../shared/data/greater_manchester/boundaries/ is there, Greater Manchester's
(gm_lsoa11_bgc.geojson 1,673 and gm_lsoa21_bgc.geojson 1,702 areas). Both are read and projected to EPSG:27700
with geopandas before any clock starts; ours gets the same polygons as WKB.

| side          | what is timed                                                                                 |
|---------------|-----------------------------------------------------------------------------------------------|
| LIS Workbench | geography.overlap_lookup(old, new): parse WKB, repair, intersect, shares, slivers, weights,   |
|               | unchanged/split/merged/redrawn classes                                                        |
| reference     | geopandas.overlay(old, new, how="intersection") and the land shares of each piece (the        |
|               | overlay alone: no sliver rule, weights or classes)                                            |

Best of --repeats runs, warm, in this process. Checks (exit 1 on failure): every overlap we keep has the overlay's
land share to 1e-6; every overlap we drop is under 5% of its old area; unchanged areas are exactly the codes
present in both editions (ONS keeps an LSOA's code only if its boundary is unchanged). The ratio is LIS Workbench /
reference: above 1, ours is slower.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
from timing import Checks, best_of, fmt_times

from lis_workbench.core.geography import overlap_lookup

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data"
GM = REPO.parent / "shared" / "data" / "greater_manchester" / "boundaries"


def frames() -> list[tuple[str, Path, Path]]:
    found = [("Wigan", SAMPLE / "wigan_lsoa11_bgc.geojson", SAMPLE / "wigan_lsoa21_bgc.geojson")]
    if GM.is_dir():
        found.append(("Greater Manchester", GM / "gm_lsoa11_bgc.geojson", GM / "gm_lsoa21_bgc.geojson"))
    else:
        print(f"NOTE: {GM} is not there: Wigan only.")
    return found


def reference(old: gpd.GeoDataFrame, new: gpd.GeoDataFrame):
    pieces = gpd.overlay(old, new, how="intersection", keep_geom_type=True)
    pieces["share"] = pieces.area / pieces["f"].map(old.set_index("f").area)
    return pieces


def bench(name: str, old_path: Path, new_path: Path, repeats: int, checks: Checks) -> dict:
    old = gpd.read_file(old_path).to_crs(27700)[["area_code", "geometry"]].rename(columns={"area_code": "f"})
    new = gpd.read_file(new_path).to_crs(27700)[["area_code", "geometry"]].rename(columns={"area_code": "t"})
    old_wkb, new_wkb = dict(zip(old["f"], old.geometry.to_wkb())), dict(zip(new["t"], new.geometry.to_wkb()))
    print(f"\n{name}: {len(old):,} old areas -> {len(new):,} new areas")
    t_ours, times_ours, got = best_of(repeats, lambda _: overlap_lookup(old_wkb, new_wkb))
    t_ref, times_ref, pieces = best_of(repeats, lambda _: reference(old, new))
    print(f"  LIS Workbench overlap_lookup  {t_ours:7.2f} s  ({fmt_times(times_ours)})")
    print(f"  geopandas overlay             {t_ref:7.2f} s  ({fmt_times(times_ref)})")
    print(f"  ratio ours / reference        {t_ours / t_ref:7.2f}")
    print(f"  classes: {got.counts_text()}; {got.slivers:,} slivers dropped")
    share = pieces.set_index(["f", "t"])["share"]
    ours = got.pairs.set_index(["from_code", "to_code"])["from_share"]
    checks.check(bool(np.allclose(ours.to_numpy(), share.reindex(ours.index).to_numpy(), atol=1e-6)),
                 f"{name}: every kept overlap has the overlay's land share (to 1e-6)")
    checks.check(bool(share.drop(ours.index).max() < 0.05), f"{name}: every dropped overlap is under 5%")
    unchanged = set(got.change.index[got.change == "U"])
    checks.check(unchanged == set(old["f"]) & set(new["t"]),
                 f"{name}: unchanged areas are exactly the codes in both editions")
    return {"name": name, "old": len(old), "new": len(new), "ours": t_ours, "ref": t_ref, "counts": got.counts()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print("LIS Workbench overlap-lookup benchmark: LSOA 2011 -> 2021, beside a geopandas overlay")
    print(f"python {sys.version.split()[0]}, geopandas {gpd.__version__}")
    checks = Checks()
    rows = [bench(name, a, b, args.repeats, checks) for name, a, b in frames()]
    print("\n| frame | old -> new areas | overlap_lookup | geopandas overlay | ratio | U / S / M / X |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        c = r["counts"]
        print(f"| {r['name']} | {r['old']:,} -> {r['new']:,} | {r['ours']:.2f} s | {r['ref']:.2f} s | "
              f"{r['ours'] / r['ref']:.2f} | {c['unchanged']} / {c['split']} / {c['merged']} / {c['redrawn']} |")
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())

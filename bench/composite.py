"""Composite-index benchmark: LIS Workbench's build_index beside a plain numpy/pandas implementation of the same
index, on the IMD 2019 rebuilt from its seven domain ranks.

    .venv/bin/python bench/composite.py                   # Wigan, then England when the data is there
    .venv/bin/python bench/composite.py --repeats 3       # quicker
    .venv/bin/python bench/composite.py --profile         # also cProfile build_index on the largest frame
    .venv/bin/python bench/composite.py --data /path/to/england

Frames: the Wigan sample (sample_data/wigan_imd2019_file2_domains_ranks_deciles.csv, 200 LSOAs) and, when
<repo>/../shared/data/england/ holds File_2_-_IoD2019_Domains_of_Deprivation.csv.gz, all 32,844 England LSOAs
(read with pandas before any clock starts). The index is the IMD's: each domain's national rank (1 = most
deprived) scaled to R = (N + 1 - rank) / N with N = 32,844, exponentially transformed to
X = -23 ln(1 - R (1 - exp(-100/23))) and combined by the weighted sum 22.5/22.5/13.5/13.5/9.3/9.3/9.3 %.

| side          | what is timed                                                                               |
|---------------|---------------------------------------------------------------------------------------------|
| LIS Workbench | composite.build_index(frame, 7 components, normalisation="exponential", rank_population=N):  |
|               | checks, normalisation, combination, ranks, deciles, quintiles, contributions and shares      |
| reference     | numpy: the transformation, a matrix product, scipy rankdata, ceil deciles and quintiles, and  |
|               | the contributions and shares, gathered into a pandas DataFrame like ours                     |
| sensitivity   | IndexResult.sensitivity() (14 re-weighted indices); for information, no reference            |

Best of --repeats runs (time.perf_counter), warm, in this process. Checks (exit 1 on failure): our scores equal
the reference's to 1e-9 and the ranks and deciles are identical; Spearman of our order against the official
IMD rank >= 0.9999, and every disagreement is at most 2 places. The ratio is LIS Workbench / reference: above 1,
ours is slower (it checks its inputs and handles missing values, polarities and populations the reference
does not).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from timing import Checks, best_of, fmt_times, profile

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from lis_workbench.core.composite import Component, build_index  # noqa: E402

ENGLAND = REPO.parent / "shared" / "data" / "england"
ENGLAND_FILE = "File_2_-_IoD2019_Domains_of_Deprivation.csv.gz"
WIGAN_FILE = REPO / "sample_data" / "wigan_imd2019_file2_domains_ranks_deciles.csv"
N_ENGLAND = 32_844
IMD = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"
DOMAINS = {"Income Rank (where 1 is most deprived)": 22.5,
           "Employment Rank (where 1 is most deprived)": 22.5,
           "Education, Skills and Training Rank (where 1 is most deprived)": 13.5,
           "Health Deprivation and Disability Rank (where 1 is most deprived)": 13.5,
           "Crime Rank (where 1 is most deprived)": 9.3,
           "Barriers to Housing and Services Rank (where 1 is most deprived)": 9.3,
           "Living Environment Rank (where 1 is most deprived)": 9.3}


def ours(frame: pd.DataFrame) -> pd.DataFrame:
    components = [Component(col, weight, "low", rank_population=N_ENGLAND) for col, weight in DOMAINS.items()]
    return build_index(frame, components, normalisation="exponential").frame


def reference(frame: pd.DataFrame) -> pd.DataFrame:
    """The same index in plain numpy / scipy / pandas, written for this benchmark."""
    ranks = frame[list(DOMAINS)].to_numpy(float)
    weights = np.array(list(DOMAINS.values())) / sum(DOMAINS.values())
    scaled = (N_ENGLAND + 1 - ranks) / N_ENGLAND
    transformed = -23 * np.log(1 - scaled * (1 - math.exp(-100 / 23)))
    contributions = transformed * weights
    score = contributions.sum(axis=1)
    rank = stats.rankdata(-np.round(score, 9), method="min")
    out = pd.DataFrame({"index_score": score, "index_rank": rank.astype(int),
                        "index_decile": np.ceil(rank * 10 / len(rank)).astype(int),
                        "index_quintile": np.ceil(rank * 5 / len(rank)).astype(int)}, index=frame.index)
    for i, col in enumerate(DOMAINS):
        out[f"{col}_normalised"] = transformed[:, i]
        out[f"{col}_contribution"] = contributions[:, i]
        out[f"{col}_share"] = contributions[:, i] / score
    return out


def bench_frame(name: str, frame: pd.DataFrame, args, checks: Checks) -> dict:
    print(f"\n{name}: {len(frame):,} LSOAs x {len(DOMAINS)} domains")
    t_ours, times_ours, got = best_of(args.repeats, lambda _: ours(frame))
    t_ref, times_ref, want = best_of(args.repeats, lambda _: reference(frame))
    result = build_index(frame, [Component(c, w, "low", rank_population=N_ENGLAND) for c, w in DOMAINS.items()],
                         normalisation="exponential")
    t_sens, times_sens, _ = best_of(max(1, args.repeats // 2), lambda _: result.sensitivity())
    print(f"  LIS Workbench build_index  {t_ours * 1000:8.1f} ms  ({fmt_times(times_ours)})")
    print(f"  numpy/pandas reference     {t_ref * 1000:8.1f} ms  ({fmt_times(times_ref)})")
    print(f"  ratio ours / reference     {t_ours / t_ref:8.2f}")
    print(f"  sensitivity (14 indices)   {t_sens * 1000:8.1f} ms  ({fmt_times(times_sens)})")
    checks.check(np.allclose(got["index_score"], want["index_score"], rtol=0, atol=1e-9),
                 "scores equal the reference's to 1e-9")
    checks.check(bool((got["index_rank"].to_numpy(int) == want["index_rank"].to_numpy()).all()
                      and (got["index_decile"].to_numpy(int) == want["index_decile"].to_numpy()).all()),
                 "ranks and deciles identical to the reference's")
    official = stats.rankdata(frame[IMD], method="min")
    rank = got["index_rank"].to_numpy(int)
    rho = stats.spearmanr(rank, official).correlation
    differ = rank != official
    gap = int(np.abs(rank - official).max())
    print(f"  vs official IMD rank: Spearman {rho:.12f}; {int(differ.sum())} of {len(rank):,} areas differ, "
          f"by at most {gap} place(s)")
    checks.check(rho >= 0.9999 and gap <= 2, "Spearman >= 0.9999 against the official IMD, disagreements <= 2")
    return {"name": name, "n": len(frame), "ours": t_ours, "ref": t_ref, "sens": t_sens, "rho": rho,
            "differ": int(differ.sum()), "gap": gap}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7, help="warm runs of each side (best kept)")
    parser.add_argument("--data", type=Path, default=ENGLAND, help="folder holding " + ENGLAND_FILE)
    parser.add_argument("--no-england", action="store_true", help="Wigan only")
    parser.add_argument("--profile", action="store_true", help="cProfile build_index on the largest frame")
    args = parser.parse_args(argv)
    print("LIS Workbench composite-index benchmark: the IMD 2019 from its domain ranks, beside numpy/pandas")
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}")
    frames = [("Wigan", pd.read_csv(WIGAN_FILE).set_index("LSOA code (2011)"))]
    england = args.data / ENGLAND_FILE
    if not args.no_england:
        if england.exists():
            frames.append(("England", pd.read_csv(england, encoding="utf-8-sig").set_index("LSOA code (2011)")))
        else:
            print(f"NOTE: {england} is not there: Wigan only.")
    checks = Checks()
    rows = [bench_frame(name, frame, args, checks) for name, frame in frames]
    print("\n| frame | LSOAs | build_index | reference | ratio | sensitivity | Spearman vs IMD | areas differing |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['name']} | {r['n']:,} | {r['ours'] * 1000:.1f} ms | {r['ref'] * 1000:.1f} ms | "
              f"{r['ours'] / r['ref']:.2f} | {r['sens'] * 1000:.0f} ms | {r['rho']:.10f} | "
              f"{r['differ']} (max {r['gap']} place(s)) |")
    if args.profile:
        name, frame = frames[-1]
        profile(f"build_index on {name}", lambda: ours(frame))
    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())

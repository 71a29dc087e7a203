"""Make england_benchmarks.csv: England values for the sample store's indicators, from the national IoD 2019 files.

Provenance. The inputs are MHCLG's English Indices of Deprivation 2019 for all 32,844 LSOAs (2011) in England
(Open Government Licence v3.0), as kept in ../shared/data/england (give another folder with --data):
- imd2019_england_lsoa11_indicators.csv.gz: the underlying indicators (the national version of
  wigan_imd2019_indicators.csv, same column names);
- File_6_-_IoD2019_Population_Denominators.csv.gz: mid-2015 population denominators (national version of
  wigan_imd2019_file6_population_denominators.csv, same column names);
- File_2_-_IoD2019_Domains_of_Deprivation.csv.gz: ranks and deciles (read only to record that they are left out).

The indicator ids, periods, value types and units come from wigan_store.toml, so the benchmarks name exactly the
indicators the recipe imports. Each England value is made by the engine's own rule (lis_workbench.core.geography
.aggregate, every LSOA looked up to E92000001), so England, the borough and its wards are computed the same way:
- counts (IoD 2019 numerators: income, IDACI, IDAOPI, employment; File 6 populations): the England total, the sum
  over all LSOAs. The published numerators are rounded to 5 and suppressed below 10, so where LSOAs are suppressed
  the total is the sum of the published ones (a lower bound, short by at most 9 per suppressed LSOA); the method
  column says how many.
- rates, proportions, distances, standardised ratios and concentrations published without numerators (staying on
  post-16, adult skills, years of life lost, CIDR, acute morbidity, road distances, overcrowding, homelessness,
  housing in poor condition, no central heating, road traffic accidents, NO2, benzene, SO2, particulates): the mean
  of the LSOA values weighted by the mid-2015 total population (File 6, the same population the profile uses for
  wards and the borough). Road distances and air-quality concentrations are themselves population-weighted in the
  IoD, so this is the England figure per resident; for rates whose published denominator is a sub-population
  (households, dwellings, young people, expected counts for the standardised ratios) it is an approximation of the
  rate England would have, stated in the method column.
- left out: everything whose unit or type is a rank, decile or score (IMD and domain ranks and deciles, entry to
  higher education, mood and anxiety, the housing-affordability components, the air-quality indicator, the IMD 2015
  and 2025 scores): England has no meaningful average rank, and scores cannot be combined. Also left out: indicators
  with no national source here (Census 2011 and 2021, mid-2016 population, claimant count).

Run from the repository root: `.venv/bin/python sample_data/make_england_benchmarks.py`. The CSV is committed; the
product never reads ../shared at run time.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from lis_workbench.core.geography import aggregate, aggregation_kind  # noqa: E402

ENGLAND = ("E92000001", "England")
CODE = "LSOA code (2011)"
#: sample file of the recipe -> (national file, its LSOA code column)
NATIONAL = {
    "wigan_imd2019_indicators.csv": ("imd2019_england_lsoa11_indicators.csv.gz", "lsoa11_code"),
    "wigan_imd2019_file6_population_denominators.csv": ("File_6_-_IoD2019_Population_Denominators.csv.gz", CODE),
    "wigan_imd2019_file2_domains_ranks_deciles.csv": ("File_2_-_IoD2019_Domains_of_Deprivation.csv.gz", CODE),
}
POPULATION = "Total population: mid 2015 (excluding prisoners)"
SOURCE = "MHCLG English Indices of Deprivation 2019, all LSOAs in England"
#: rates whose LSOA values are themselves means per resident (population weighting gives the England figure)
PER_RESIDENT = ("road distance", "nitrogen dioxide", "benzene", "sulphur dioxide", "particulates")


def recipe_columns(recipe: Path) -> list[dict]:
    """One dict per indicator column of the recipe steps that have a national file: file, column, id, period,
    value_type, unit, title."""
    with open(recipe, "rb") as handle:
        steps = tomllib.load(handle)["import"]
    out = []
    for step in steps:
        if step["file"] not in NATIONAL:
            continue
        defaults = step.get("defaults", {})
        for column, meta in step.get("columns", {}).items():
            meta = {"id": meta} if isinstance(meta, str) else meta
            out.append({"file": step["file"], "column": column, "id": meta["id"], "period": str(step["period"]),
                        "value_type": meta.get("value_type", defaults.get("value_type")),
                        "unit": meta.get("unit", defaults.get("unit")), "title": meta.get("title", column)})
    return out


def read_national(folder: Path, name: str, code: str) -> pd.DataFrame:
    frame = pd.read_csv(folder / name, encoding="utf-8-sig", thousands=",", dtype={code: str})
    return frame.set_index(code)


def england_benchmarks(data: Path, recipe: Path) -> tuple[pd.DataFrame, list[str]]:
    """The benchmark rows and a list of what was left out and why."""
    tables = {file: read_national(data, name, code) for file, (name, code) in NATIONAL.items()}
    population = tables["wigan_imd2019_file6_population_denominators.csv"][POPULATION].astype(float)
    rows, skipped = [], []
    for spec in recipe_columns(recipe):
        kind = aggregation_kind(spec["value_type"], spec["unit"])
        if kind not in ("count", "rate"):
            skipped.append(f"{spec['id']}: {spec['value_type']} / {spec['unit']} cannot be combined")
            continue
        table = tables[spec["file"]]
        values = pd.DataFrame({"area_code": table.index, "value": table[spec["column"]].astype(float).to_numpy()})
        lookup = pd.DataFrame({"from_code": table.index, "to_code": ENGLAND[0], "weight": 1.0})
        result = aggregate(values, lookup, kind, population if kind == "rate" else None, area_label="LSOA")
        row = result.iloc[0]
        method = str(row["method"])
        if kind == "count" and row["incomplete"]:
            method += "; each suppressed LSOA has fewer than 10, so the total is a lower bound"
        if kind == "rate":
            method += " (mid-2015 total population, IoD 2019 File 6)"
            if not any(word in spec["title"].lower() for word in PER_RESIDENT):
                method += "; an approximation, as the published rate's denominator is not the total population"
        value = float(row["value"])
        rows.append({"area_code": ENGLAND[0], "area_name": ENGLAND[1], "indicator": spec["id"],
                     "period": spec["period"], "value": str(int(value)) if kind == "count" else str(round(value, 6)),
                     "numerator": row["numerator"], "denominator": row["denominator"], "method": method})
    return pd.DataFrame(rows), skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parent.parent / "shared" / "data" / "england",
                        help="folder with the national IoD 2019 files")
    parser.add_argument("--recipe", type=Path, default=HERE / "wigan_store.toml")
    parser.add_argument("--out", type=Path, default=HERE / "england_benchmarks.csv")
    args = parser.parse_args(argv)
    frame, skipped = england_benchmarks(args.data, args.recipe)
    frame.to_csv(args.out, index=False, lineterminator="\n")
    print(f"{len(frame)} England values written to {args.out}")
    print(f"{len(skipped)} indicators left out (ranks, deciles, scores):")
    for line in skipped:
        print(f"  {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

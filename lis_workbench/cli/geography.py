"""`lis geography ...` and `lis lookup ...`: boundary and facility layers, and lookups between geographies."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ..core.errors import LisError
from .console import STORE_ARG, console, open_store

app = typer.Typer(help="Boundary layers (geographies) and facility point layers.", no_args_is_help=True)
lookup_app = typer.Typer(help="Lookups between geographies (e.g. LSOA -> ward).", no_args_is_help=True)


@app.command("add")
def geography_add(store: str = STORE_ARG,
                  name: str = typer.Argument(..., help="Short name, e.g. lsoa11, ward23."),
                  source: Path = typer.Argument(..., help="Any vector file OGR reads (GeoJSON, shapefile, "
                                                          "GeoPackage...), any CRS."),
                  layer: str | None = typer.Option(None, help="Layer of a multi-layer source."),
                  code_field: str | None = typer.Option(None, help="Field holding the area code."),
                  name_field: str | None = typer.Option(None, help="Field holding the area name."),
                  title: str | None = typer.Option(None, help="A readable title."),
                  replace: bool = typer.Option(False, help="Replace a geography of the same name."),
                  crs: str | None = typer.Option(None, help="The source's coordinate reference system (e.g. "
                                                            "EPSG:27700), needed when the file does not say (a "
                                                            "shapefile without .prj); overrides the file's."),
                  prune: bool = typer.Option(False, help="With --replace: delete the values and lookup rows of "
                                                         "area codes the new boundaries leave out.")) -> None:
    """Add a boundary layer as a geography (reprojected to British National Grid)."""
    with open_store(store) as opened:
        report = opened.add_geography(name, str(source), layer=layer, code_field=code_field,
                                      name_field=name_field, title=title, replace=replace, crs=crs, prune=prune)
    console.print(f"Added geography {name}: {report.feature_count} areas"
                  + (f"; repaired {len(report.repaired)} invalid geometries ({', '.join(report.repaired[:5])})"
                     if report.repaired else ""))
    pruned = report.pruned
    if pruned:
        values, lookups = pruned.get("values", {}), pruned.get("lookups", {})
        console.print(f"  pruned {len(pruned['codes'])} area code(s) the new boundaries leave out: "
                      f"{sum(values.values())} value(s), {sum(lookups.values())} lookup row(s)", markup=False)
        for label, names in (("indicators left with no values, removed", pruned.get("emptied_indicators")),
                             ("lookups left with no rows, removed", pruned.get("emptied_lookups"))):
            if names:
                console.print(f"  {label}: {', '.join(names)}", markup=False)


@app.command("list")
def geography_list(store: str = STORE_ARG) -> None:
    """List geographies and point layers."""
    with open_store(store) as opened:
        frame = opened.geographies()
    table = Table("name", "kind", "features", "title", "source")
    for row in frame.itertuples(index=False):
        table.add_row(row.name, row.kind, str(row.feature_count), row.title or "", row.source or "")
    console.print(table)


@lookup_app.command("add")
def lookup_add(store: str = STORE_ARG, name: str = typer.Argument(..., help="Lookup name, e.g. lsoa11_ward23."),
               file: Path = typer.Argument(..., help="CSV with one row per pair of codes."),
               from_geography: str = typer.Option(..., "--from", help="Geography of the first codes."),
               to_geography: str = typer.Option(..., "--to", help="Geography of the second codes."),
               from_column: str = typer.Option(..., help="Column of the first codes."),
               to_column: str = typer.Option(..., help="Column of the second codes."),
               weight_column: str | None = typer.Option(None, help="Column of weights (default 1)."),
               encoding: str = typer.Option("utf-8-sig", help="Text encoding of the file."),
               replace: bool = typer.Option(False, help="Replace a lookup of the same name.")) -> None:
    """Add a lookup between two geographies from a CSV."""
    from ..core.geography import read_lookup

    frame = read_lookup(file, from_column, to_column, weight_column, encoding)
    with open_store(store) as opened:
        rows = opened.add_lookup(name, from_geography, to_geography, frame, source=str(file), replace=replace)
    console.print(f"Added lookup {name}: {rows} rows")


@lookup_app.command("best-fit")
def lookup_best_fit(store: str = STORE_ARG, name: str = typer.Argument(...),
                    from_geography: str = typer.Option(..., "--from"),
                    to_geography: str = typer.Option(..., "--to"),
                    centroids: Path | None = typer.Option(
                        None, help="CSV of (population-weighted) centroids: code, x/lon, y/lat. "
                                   "Default: the centroids of the --from polygons."),
                    centroids_epsg: int = typer.Option(4326, help="CRS of the centroid coordinates."),
                    replace: bool = typer.Option(False)) -> None:
    """Build a best-fit lookup: each --from area goes to the --to area holding its centroid."""
    from ..core.recipe import add_best_fit_lookup

    with open_store(store) as opened:
        unmatched = add_best_fit_lookup(opened, name, from_geography, to_geography, centroids, centroids_epsg,
                                        replace=replace)
        rows = len(opened.lookup(name))
    console.print(f"Added best-fit lookup {name}: {rows} areas matched"
                  + (f", {len(unmatched)} unmatched: {', '.join(unmatched[:10])}" if unmatched else ""))


@lookup_app.command("overlap")
def lookup_overlap(store: str = STORE_ARG, name: str = typer.Argument(..., help="Lookup name, e.g. lsoa11_lsoa21."),
                   from_geography: str = typer.Option(..., "--from", help="The old edition, e.g. lsoa11."),
                   to_geography: str = typer.Option(..., "--to", help="The new edition, e.g. lsoa21."),
                   weights: str | None = typer.Option(
                       None, help="Indicator of the new areas' population (e.g. census 2021 residents): a split "
                                  "area is shared by people, not land. Default: by land area."),
                   period: str | None = typer.Option(None, help="Period of --weights (default: the latest)."),
                   min_share: float = typer.Option(0.05, help="Overlaps under this share of an old area (and "
                                                              "under half of the new one) are boundary slivers."),
                   replace: bool = typer.Option(False)) -> None:
    """Build a lookup between two editions of a geography (LSOA 2011 -> 2021) from how their areas overlap,
    and say which areas were unchanged, split, merged or redrawn."""
    import pandas as pd

    from ..core.geography import CHANGE_NAMES
    from ..core.recipe import add_overlap_lookup

    with open_store(store) as opened:
        population = None
        if weights:
            on = opened.indicator(weights)["geography"]
            if on != to_geography:
                raise LisError(f"--weights {weights} is on {on}: give the population of the new areas "
                               f"({to_geography}), e.g. their census residents.")
            values = opened.get_values(weights, period)
            population = pd.Series(values["value"].to_numpy(float), index=values["area_code"].astype(str))
        done = add_overlap_lookup(opened, name, from_geography, to_geography, population, min_share,
                                  source=weights, replace=replace)
    console.print(f"Added overlap lookup {name} ({from_geography} -> {to_geography}, by {done.weighting}): "
                  f"{done.counts_text()}.")
    changed = done.change[done.change != "U"]
    for code, kind in changed.items():
        rows = done.pairs[done.pairs["from_code"] == code]
        parts = ", ".join(f"{t} {w:.0%}" for t, w in zip(rows["to_code"], rows["weight"]))
        console.print(f"  {code} {CHANGE_NAMES[kind]}: {parts}")
    for label, codes in (("old areas overlapping no new area", done.unmatched),
                         ("new areas no old area reaches", done.unreached),
                         ("old areas split by land (their new areas have no population)", done.fallback)):
        if codes:
            console.print(f"  [yellow]{len(codes)} {label}: {', '.join(codes[:10])}"
                          f"{' ...' if len(codes) > 10 else ''}[/yellow]")

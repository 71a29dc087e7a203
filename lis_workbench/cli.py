"""The `lis` command line: one sub-command per capability, thin over the engine (core/).

Exit codes: 0 done, 1 a data or store problem (explained), 2 a usage mistake.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from .core.errors import LisError, ParameterError

app = typer.Typer(help="LIS Workbench: the shared indicator store and its analyses, from the terminal.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
store_app = typer.Typer(help="Create, build and inspect stores.", no_args_is_help=True)
geography_app = typer.Typer(help="Boundary layers (geographies) and facility point layers.", no_args_is_help=True)
lookup_app = typer.Typer(help="Lookups between geographies (e.g. LSOA -> ward).", no_args_is_help=True)
sample_app = typer.Typer(help="The Wigan sample store.", no_args_is_help=True)
app.add_typer(store_app, name="store")
app.add_typer(geography_app, name="geography")
app.add_typer(lookup_app, name="lookup")
app.add_typer(sample_app, name="sample")

console = Console(soft_wrap=True)
err = Console(stderr=True)

STORE_ARG = typer.Argument(..., help="The store file (.gpkg or .sqlite).")


def _open(path: Path):
    from .core.store import Store

    return Store.open(path)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description:<48}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                    TimeElapsedColumn(), console=err, transient=False, disable=not err.is_terminal)


def _run_with_progress(label: str, work):
    with _progress() as bar:
        task = bar.add_task(label, total=1.0)

        def report(fraction: float, message: str) -> None:
            bar.update(task, completed=fraction, description=message[:48])

        return work(report)


# ------------------------------------------------------------------ store
@store_app.command("create")
def store_create(path: Path = typer.Argument(..., help="New store file: name.gpkg (GeoPackage) or name.sqlite "
                                                   "(SpatiaLite)."),
                 overwrite: bool = typer.Option(False, help="Replace an existing file.")) -> None:
    """Create an empty store."""
    from .core.store import Store

    Store.create(path, overwrite=overwrite).close()
    console.print(f"Created store {path}")


@store_app.command("build")
def store_build(recipe: Path = typer.Argument(..., help="A store recipe (TOML), see sample_data/wigan_store.toml."),
                out: Path = typer.Option(..., "--out", help="The store file to write (replaced if present).")) -> None:
    """Build a store from a recipe: geographies, point layers, lookups and partner files."""
    from .core.recipe import build_store

    report = _run_with_progress("Building", lambda p: build_store(recipe, out, progress=p))
    _print_build(report)


@store_app.command("info")
def store_info(store: Path = STORE_ARG) -> None:
    """Summarise a store: geographies, lookups, indicators, values."""
    with _open(store) as opened:
        _print_summary(opened)


@store_app.command("audit")
def store_audit(store: Path = STORE_ARG) -> None:
    """The audit log: every import, lookup and deletion, with file checksums and skipped codes."""
    with _open(store) as opened:
        frame = opened.audit()
    table = Table("at", "action", "target", "file", "rows", "skipped", "message")
    for row in frame.itertuples(index=False):
        skipped = len(json.loads(row.skipped_codes)) if row.skipped_codes else 0
        table.add_row(row.at, row.action, (row.target or "")[:40], row.file or "", str(row.rows or ""),
                      str(skipped or ""), row.message or "")
    console.print(table)


# ------------------------------------------------------------------ geographies and lookups
@geography_app.command("add")
def geography_add(store: Path = STORE_ARG,
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
    with _open(store) as opened:
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


@geography_app.command("list")
def geography_list(store: Path = STORE_ARG) -> None:
    """List geographies and point layers."""
    with _open(store) as opened:
        frame = opened.geographies()
    table = Table("name", "kind", "features", "title", "source")
    for row in frame.itertuples(index=False):
        table.add_row(row.name, row.kind, str(row.feature_count), row.title or "", row.source or "")
    console.print(table)


@lookup_app.command("add")
def lookup_add(store: Path = STORE_ARG, name: str = typer.Argument(..., help="Lookup name, e.g. lsoa11_ward23."),
               file: Path = typer.Argument(..., help="CSV with one row per pair of codes."),
               from_geography: str = typer.Option(..., "--from", help="Geography of the first codes."),
               to_geography: str = typer.Option(..., "--to", help="Geography of the second codes."),
               from_column: str = typer.Option(..., help="Column of the first codes."),
               to_column: str = typer.Option(..., help="Column of the second codes."),
               weight_column: str | None = typer.Option(None, help="Column of weights (default 1)."),
               encoding: str = typer.Option("utf-8-sig", help="Text encoding of the file."),
               replace: bool = typer.Option(False, help="Replace a lookup of the same name.")) -> None:
    """Add a lookup between two geographies from a CSV."""
    from .core.geography import read_lookup

    frame = read_lookup(file, from_column, to_column, weight_column, encoding)
    with _open(store) as opened:
        rows = opened.add_lookup(name, from_geography, to_geography, frame, source=str(file), replace=replace)
    console.print(f"Added lookup {name}: {rows} rows")


@lookup_app.command("best-fit")
def lookup_best_fit(store: Path = STORE_ARG, name: str = typer.Argument(...),
                    from_geography: str = typer.Option(..., "--from"),
                    to_geography: str = typer.Option(..., "--to"),
                    centroids: Path | None = typer.Option(
                        None, help="CSV of (population-weighted) centroids: code, x/lon, y/lat. "
                                   "Default: the centroids of the --from polygons."),
                    centroids_epsg: int = typer.Option(4326, help="CRS of the centroid coordinates."),
                    replace: bool = typer.Option(False)) -> None:
    """Build a best-fit lookup: each --from area goes to the --to area holding its centroid."""
    from .core.recipe import add_best_fit_lookup

    with _open(store) as opened:
        unmatched = add_best_fit_lookup(opened, name, from_geography, to_geography, centroids, centroids_epsg,
                                        replace=replace)
        rows = len(opened.lookup(name))
    console.print(f"Added best-fit lookup {name}: {rows} areas matched"
                  + (f", {len(unmatched)} unmatched: {', '.join(unmatched[:10])}" if unmatched else ""))



@lookup_app.command("overlap")
def lookup_overlap(store: Path = STORE_ARG, name: str = typer.Argument(..., help="Lookup name, e.g. lsoa11_lsoa21."),
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

    from .core.geography import CHANGE_NAMES
    from .core.recipe import add_overlap_lookup

    with _open(store) as opened:
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

# ------------------------------------------------------------------ indicators
@app.command("import")
def import_cmd(store: Path = STORE_ARG,
               file: Path = typer.Argument(..., help="Partner CSV, long (code, period, value) or wide (code + one "
                                                     "column per indicator)."),
               geography: str | None = typer.Option(None, help="Geography of the codes (inferred if omitted)."),
               layout: str | None = typer.Option(None, help="long or wide (inferred if omitted)."),
               code_column: str | None = typer.Option(None, help="Column of area codes (inferred)."),
               period_column: str | None = typer.Option(None, help="Column of periods (inferred from its name)."),
               period: str | None = typer.Option(None, help="The period of a file without a period column."),
               period_format: str | None = typer.Option(None, help="month or year: turn dates into periods."),
               indicator_column: str | None = typer.Option(None, help="Long layout: column naming the "
                                                                         "indicator of each row."),
               indicator: str | None = typer.Option(None, help="Long layout, one indicator: its id."),
               value_column: list[str] = typer.Option([], help="Column(s) to import: 'column' or 'column=id'. "
                                                               "Repeat for several."),
               prefix: str = typer.Option("", help="Prefix for the ids made from column names."),
               title: str | None = typer.Option(None, help="Title (one-indicator files)."),
               theme: str | None = typer.Option(None), unit: str | None = typer.Option(None),
               polarity: str | None = typer.Option(None, help="high_is_bad, high_is_good or neutral."),
               value_type: str | None = typer.Option(None, help="What the values are: count, rate, proportion, "
                                                                  "percentage, mean, rank, decile, score... (counts "
                                                                  "are summed when aggregated, and cannot be "
                                                                  "negative)."),
               source: str | None = typer.Option(None), partner: str | None = typer.Option(None),
               licence: str | None = typer.Option(None), notes: str | None = typer.Option(None),
               denominator: str | None = typer.Option(None, help="For counts of people: the indicator of the "
                                                                 "population counted among (e.g. children 0-15), "
                                                                 "so comparisons judge the right share."),
               metadata: Path | None = typer.Option(None, help="TOML with per-indicator titles, units..."),
               encoding: str = typer.Option("utf-8-sig", help="Text encoding of the file."),
               allow_unmatched: bool = typer.Option(False, help="Import rows whose codes are known and record the "
                                                                "others in the audit log."),
               replace: bool = typer.Option(False, help="Overwrite values already stored for these periods."),
               dry_run: bool = typer.Option(False, help="Validate only; write nothing.")) -> None:
    """Import a partner file: validated in full, then written all at once (or not at all)."""
    from .core.ingest import ImportSpec, import_file
    from .core.recipe import load_recipe

    spec = ImportSpec(geography=geography, layout=layout, code_column=code_column, period_column=period_column,
                      period=period, period_format=period_format, indicator_column=indicator_column,
                      indicator=indicator, id_prefix=prefix, allow_unmatched=allow_unmatched, replace=replace,
                      encoding=encoding)
    for item in value_column:
        column, _, ind_id = item.partition("=")
        spec.value_columns[column] = ind_id or None
    spec.defaults = {k: v for k, v in dict(title=title, theme=theme, unit=unit, polarity=polarity,
                                            value_type=value_type, source=source,
                                            partner=partner, licence=licence, notes=notes,
                                            denominator=denominator).items() if v}
    if metadata:
        spec.metadata = {k: dict(v, id=k) for k, v in load_recipe(metadata).items()}
    with _open(store) as opened:
        if denominator:
            opened.indicator(denominator)  # named clearly now, not found missing at the first comparison
        report = _run_with_progress("Importing", lambda p: import_file(opened, str(file), spec, dry_run=dry_run,
                                                                       progress=p))
    verb = "Would import" if dry_run else "Imported"
    console.print(f"{verb} {len(report.indicators)} indicator(s), {report.rows} values on {report.geography} "
                  f"({report.layout} layout), periods {', '.join(report.periods[:6])}"
                  + ("..." if len(report.periods) > 6 else ""))
    if report.suppressed:
        console.print(f"  {report.suppressed} suppressed value(s) kept as suppressed")
    if report.empty_cells:
        console.print(f"  {report.empty_cells} empty cell(s) skipped")
    if report.ignored_columns:
        console.print(f"  text columns not imported: {', '.join(report.ignored_columns)}")
    if report.skipped_codes:
        console.print(f"  [yellow]{len(report.skipped_codes)} unknown area code(s) skipped (recorded in the audit "
                      f"log): {', '.join(report.skipped_codes[:10])}[/yellow]")
    for ind in report.indicators:
        console.print(f"  {ind}")


@app.command("list")
def list_cmd(store: Path = STORE_ARG, search: str | None = typer.Option(None, "--search", "-s",
                                                                          help="Words to look for."),
             theme: str | None = typer.Option(None), geography: str | None = typer.Option(None),
             as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """The catalogue: one indicator a line (id, geography, periods, title)."""
    with _open(store) as opened:
        frame = opened.catalogue(search, theme, geography)
    if as_json:
        print(frame.to_json(orient="records"))
        return
    for row in frame.itertuples(index=False):
        periods = row.periods[0] if len(row.periods) == 1 else (
            f"{row.periods[0]}..{row.periods[-1]} ({len(row.periods)})" if row.periods else "-")
        print(f"{row.id:<48} {row.geography:<8} {periods:<22} {row.title}")
    err.print(f"{len(frame)} indicator(s)")


@app.command("show")
def show_cmd(store: Path = STORE_ARG, indicator: str = typer.Argument(..., help="Indicator id.")) -> None:
    """Everything the catalogue knows about one indicator, and a summary of its latest values."""
    with _open(store) as opened:
        entry = opened.indicator(indicator)
        values = opened.get_values(indicator)
    table = Table(show_header=False)
    for key, value in entry.items():
        if key == "periods":
            value = ", ".join(value)
        table.add_row(key, "" if value is None else str(value))
    v = values["value"]
    table.add_row("latest period", str(values["period"].iloc[0]) if len(values) else "-")
    table.add_row("areas / suppressed", f"{len(values)} / {int(values['suppressed'].sum())}")
    if v.notna().any():
        table.add_row("min / median / max", f"{v.min():g} / {v.median():g} / {v.max():g}")
    console.print(table)


@app.command("export")
def export_cmd(store: Path = STORE_ARG, indicator: str = typer.Argument(...),
               out: Path = typer.Argument(..., help="A .csv (values) or .gpkg (values with boundaries)."),
               period: str | None = typer.Option(None, help="Period (default: the latest); 'all' for every "
                                                               "period (CSV only).")) -> None:
    """Export one indicator to CSV or to a GeoPackage layer."""
    from .core.export import export_indicator

    with _open(store) as opened:
        rows = export_indicator(opened, indicator, str(out), period)
    console.print(f"Wrote {rows} rows to {out}")


@app.command("delete")
def delete_cmd(store: Path = STORE_ARG, indicator: str = typer.Argument(...),
               yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation.")) -> None:
    """Delete an indicator and its values (recorded in the audit log)."""
    if not yes and not typer.confirm(f"Delete {indicator} and all its values?"):
        raise typer.Exit(2)
    with _open(store) as opened:
        rows = opened.delete_indicator(indicator)
    console.print(f"Deleted {indicator} ({rows} values)")


# ------------------------------------------------------------------ maps
@app.command("map")
def map_cmd(store: Path = STORE_ARG, indicator: str = typer.Argument(..., help="Indicator id (see `lis list`)."),
            out: Path = typer.Option(..., "--out", help="The map page: .png or .pdf."),
            period: str | None = typer.Option(None, help="Period (default: the latest)."),
            method: str = typer.Option("quantile", help="quantile, equal, jenks, stddev, decile or manual."),
            classes: int = typer.Option(5, help="Number of classes (deciles: 10)."),
            breaks: str | None = typer.Option(None, help="Manual breaks: upper bounds, comma-separated."),
            ramp: str | None = typer.Option(None, help="ColorBrewer scheme (default: by polarity)."),
            labels: bool = typer.Option(False, help="Label areas with their names."),
            gpkg: Path | None = typer.Option(None, help="Also write the styled layer to this GeoPackage."),
            title: str | None = typer.Option(None, help="Map title (default: the indicator's title).")) -> None:
    """A thematic map of one indicator: classified, coloured by polarity, with legend and source line."""
    from .qgis_bridge.app import start_qgis

    start_qgis()
    from .qgis_bridge.maps import MapSpec, indicator_map_layer, render_map, save_styled_gpkg

    spec = MapSpec(method=method, classes=10 if method == "decile" else classes, ramp=ramp, title=title or "",
                   breaks=[float(b) for b in breaks.split(",")] if breaks else None,
                   labels_field="area_name" if labels else None)
    with _open(store) as opened:
        layer, classification, spec = indicator_map_layer(opened, indicator, period, spec)
    if gpkg:
        save_styled_gpkg(layer, gpkg, indicator)
    render_map([layer], spec, classification, out)
    console.print(f"Wrote {out}: {classification.k} classes, breaks "
                  + ", ".join(f"{b:g}" for b in classification.bins)
                  + (f"; {classification.no_data} area(s) with no data" if classification.no_data else ""))


@app.command("atlas")
def atlas_cmd(store: Path = STORE_ARG, indicator: str = typer.Argument(..., help="Indicator id to map."),
              out: Path = typer.Option(..., "--out", help="atlas.pdf (one file), or a folder / name.png with "
                                                         "--per-area."),
              coverage: str = typer.Option("ward23", help="Geography with one page per area."),
              period: str | None = typer.Option(None, help="Period (default: the latest)."),
              method: str = typer.Option("quantile", help="quantile, equal, jenks, stddev, decile or manual."),
              classes: int = typer.Option(5, help="Number of classes."),
              per_area: bool = typer.Option(False, "--per-area", help="One PDF (or PNG) per area."),
              template: Path | None = typer.Option(None, help="A .qpt layout with items map, legend, title, "
                                                                 "subtitle, footer.")) -> None:
    """An atlas: one page per area (wards by default) of an indicator's map, neighbours greyed out."""
    from .qgis_bridge.app import start_qgis

    start_qgis()
    from .qgis_bridge.atlas import export_atlas
    from .qgis_bridge.layers import areas_layer
    from .qgis_bridge.maps import MapSpec, indicator_map_layer

    spec = MapSpec(method=method, classes=10 if method == "decile" else classes)
    with _open(store) as opened:
        layer, classification, spec = indicator_map_layer(opened, indicator, period, spec)
        cover = areas_layer(opened, coverage)
        spec.provenance += f" Store checksum {opened.checksum()[:16]}."
    files = _run_with_progress("Atlas", lambda p: export_atlas(cover, "area_name", layer, spec, classification, out,
                                                               single_file=not per_area, template=template,
                                                               progress=p))
    console.print(f"Wrote {len(files)} file(s), {cover.featureCount()} pages: {files[0]}"
                  + (" ..." if len(files) > 1 else ""))


@app.command("hotspot")
def hotspot_cmd(store: Path = STORE_ARG, indicator: str = typer.Argument(..., help="Indicator id to test."),
                out: Path = typer.Option(..., "--out", help="Map page of the clusters: .png or .pdf."),
                statistic: str = typer.Option("gistar", help="gistar (hot/cold spots) or localmoran (LISA)."),
                period: str | None = typer.Option(None, help="Period (default: the latest)."),
                weights: str = typer.Option("queen", help="queen, rook, knn, distance or inverse_distance."),
                k: int = typer.Option(8, help="Neighbours for knn."),
                distance: float = typer.Option(1000.0, help="Distance band in metres."),
                tolerance: float = typer.Option(1.0, help="Snap tolerance (metres) for contiguity."),
                permutations: int = typer.Option(999, help="Conditional permutations (0: analytical p)."),
                seed: int = typer.Option(12345, help="Random seed (same seed, same result)."),
                correction: str = typer.Option("fdr", help="none, bonferroni or fdr."),
                alpha: float = typer.Option(0.05, help="Significance level for LISA clusters."),
                islands: str = typer.Option("nearest", help="Areas with no neighbour: drop or nearest."),
                smooth: bool = typer.Option(False, help="Test empirical Bayes rates from the indicator's "
                                                        "numerators and denominators (small areas shrunk)."),
                gpkg: Path | None = typer.Option(None, help="Also write the result layer (styled) here."),
                csv: Path | None = typer.Option(None, help="Also write the result table here.")) -> None:
    """Find hotspots (Getis-Ord Gi*) or clusters and outliers (local Moran) of an indicator."""
    from .core.clusters import Analysis, run_analysis

    spec = Analysis(statistic=statistic, weights=weights, k=k, distance=distance, tolerance=tolerance,
                    permutations=permutations, seed=seed, correction=correction, alpha=alpha, islands=islands,
                    smooth=smooth)
    with _open(store) as opened:
        entry = opened.indicator(indicator)
        frame = opened.get_values(indicator, period, with_geometry=True, all_areas=True)
        checksum = opened.checksum()
    result = _run_with_progress("Hotspots", lambda p: run_analysis(
        frame["area_code"], frame["value"].to_numpy(float), list(frame["geometry"]), spec, progress=p,
        numerators=frame["numerator"].to_numpy(float), denominators=frame["denominator"].to_numpy(float)))
    for note in result.notes:
        err.print(f"[yellow]{note}[/yellow]")
    table = frame[["area_code", "area_name", "period", "value", "geometry"]].merge(result.table, on="area_code")
    if csv:
        from .core.safe_csv import write_csv

        write_csv(table.drop(columns="geometry"), csv)
    summary = result.summary
    counts = ", ".join(f"{n} {label}" for label, n in summary.get("counts", {}).items())
    console.print(f"Moran's I {summary['global_I']:.3f} (z {summary['global_z']:.1f}); {counts}")

    from .qgis_bridge.app import start_qgis

    start_qgis()
    from .qgis_bridge.hotspot_style import style_clusters
    from .qgis_bridge.layers import layer_from_frame
    from .qgis_bridge.maps import MapSpec, render_map, save_styled_gpkg

    field = "gi_cluster" if statistic == "gistar" else "lisa_cluster"
    layer = layer_from_frame(table, f"{entry['title']} ({table['period'].iloc[0]})")
    style_clusters(layer, field)
    what = "Hot and cold spots (Getis-Ord Gi*)" if statistic == "gistar" else "Clusters and outliers (local Moran)"
    provenance = (f"{what} of {indicator}, period {table['period'].iloc[0]}: {weights} weights"
                  f"{f' (tolerance {tolerance:g} m)' if weights in ('queen', 'rook') else ''}, {permutations} "
                  f"permutations, seed {seed}, {correction} correction, islands {islands}. Store checksum "
                  f"{checksum[:16]}.")
    meaning = "Hot spot = cluster of high values" if statistic == "gistar" else "High-High = high values together"
    page = MapSpec(field=field, title=f"{what}: {entry['title']}", unit=meaning, polarity=entry.get("polarity"),
                   period=str(table["period"].iloc[0]),
                   source=entry.get("source") or "", licence=entry.get("licence") or "", provenance=provenance)
    if gpkg:
        save_styled_gpkg(layer, gpkg, f"{indicator}_{statistic}")
    render_map([layer], page, None, out)
    console.print(f"Wrote {out}")


@app.command("site")
def site_cmd(store: Path = STORE_ARG,
             demand: str = typer.Option(..., help="Demand count indicator, e.g. pop2016_age_0_4."),
             candidates: str = typer.Option(..., help="Store point layer of candidate sites, e.g. schools."),
             out: Path = typer.Option(..., "--out", help="Map page of the result: .png or .pdf."),
             model: str = typer.Option("mclp", help="mclp (most demand within reach of p new sites), lscp (fewest "
                                                    "sites to reach all/--share of demand) or pmedian (shortest "
                                                    "average distance)."),
             p: int = typer.Option(3, "--p", help="Number of new sites (mclp, pmedian)."),
             radius: float = typer.Option(1500.0, help="Reach: metres (or minutes with --speed)."),
             share: float = typer.Option(1.0, help="lscp: share of demand to reach (1 = all)."),
             period: str | None = typer.Option(None, help="Period of the demand indicator (default: latest)."),
             need: str | None = typer.Option(None, help="Need rule: 'imd2019_imd_decile<=3' keeps areas in need; a "
                                                        "bare indicator id multiplies the demand by it."),
             centroids: Path | None = typer.Option(None, help="CSV of population-weighted centroids (code, x/lon, "
                                                             "y/lat). Default: points inside the areas."),
             centroids_epsg: int = typer.Option(4326, help="EPSG code of the centroid coordinates."),
             candidates_filter: str | None = typer.Option(None, help="Attribute filter on the candidates, e.g. "
                                                                     "\"education_phase = 'Primary'\"."),
             existing: str | None = typer.Option(None, help="Store point layer of existing sites (always open)."),
             existing_filter: str | None = typer.Option(None, help="Attribute filter on the existing sites."),
             capacity: str | None = typer.Option(None, help="Field holding each site's capacity (capacitated)."),
             distance: str = typer.Option("euclidean", help="euclidean, network (--network) or matrix "
                                                            "(--cost-matrix)."),
             network: Path | None = typer.Option(None, help="Line layer (roads/paths, split at junctions)."),
             speed: float | None = typer.Option(None, help="Travel speed in km/h: costs become minutes."),
             cost_matrix: Path | None = typer.Option(None, help="Cost-matrix CSV (demand_code, site_id, cost)."),
             save_costs: Path | None = typer.Option(None, help="Write the cost matrix used to this CSV."),
             quick: bool = typer.Option(False, help="Greedy/interchange quick look (not proven optimal)."),
             time_limit: float | None = typer.Option(None, help="Stop the exact solver after this many seconds."),
             curve: Path | None = typer.Option(None, help="Coverage curve chart (PNG), 0..p new sites."),
             gpkg: Path | None = typer.Option(None, help="Also write sites, allocation and demand layers here."),
             csv: Path | None = typer.Option(None, help="Also write the sites table here.")) -> None:
    """Site new services where they reach most need: maximal coverage, set covering or p-median."""
    from .core.siting_study import SitingStudy, run_study

    lines = None
    if network:
        from .core.store.layers import read_source

        lines = [bytes(f.geometry.ExportToIsoWkb()) for f in read_source(str(network))[0] if f.geometry is not None]
    study = SitingStudy(demand=demand, candidates=candidates, model=model, p=p, radius=radius, share=share,
                        period=period, need=need, centroids=centroids, centroids_epsg=centroids_epsg,
                        candidates_filter=candidates_filter, existing=existing, existing_filter=existing_filter,
                        capacity=capacity, distance=distance, network=lines, speed=speed,
                        cost_matrix=str(cost_matrix) if cost_matrix else None,
                        save_costs=str(save_costs) if save_costs else None, quick=quick, time_limit=time_limit,
                        curve=curve is not None)
    with _open(store) as opened:
        done = _run_with_progress("Siting", lambda report: run_study(opened, study, report))
    outcome = done.outcome
    for note in outcome.notes:
        err.print(f"[yellow]{note}[/yellow]")
    console.print(outcome.summary)
    chosen = outcome.sites[outcome.sites["selected"] == 1].sort_values("rank")
    show = Table("rank", "site", "name", "demand in reach" if radius else "demand assigned", "gain")
    for row in chosen.itertuples():
        reach = getattr(row, "demand_in_reach", row.demand_assigned)
        show.add_row(f"{row.rank:.0f}", str(row.site_id), str(row.name), f"{reach:,.0f}",
                     "" if row.marginal_gain != row.marginal_gain else f"{row.marginal_gain:,.0f}")
    console.print(show)
    if csv:
        from .core.safe_csv import write_csv

        write_csv(outcome.sites, csv)

    from .qgis_bridge.app import start_qgis

    start_qgis()
    from .qgis_bridge.maps import MapSpec, render_map, save_styled_gpkg
    from .qgis_bridge.siting_map import curve_png, outcome_layers

    site_layer, line_layer, demand_layer = outcome_layers(outcome, done.polygons, done.demand_title)
    page = MapSpec(field="service", title=done.map_title, unit=outcome.summary, period="",
                   legend_title="Siting result", source=done.entry.get("source") or "",
                   licence=done.entry.get("licence") or "", provenance=done.provenance)
    if gpkg:
        gap_layer = demand_layer.clone()
        gap_layer.setSubsetString('"gap" = 1')  # areas with need beyond reach of every open site
        for layer, name in ((site_layer, "sites"), (line_layer, "allocation"), (demand_layer, "demand"),
                            (gap_layer, "gap")):
            save_styled_gpkg(layer, gpkg, name)
    render_map([site_layer, line_layer, demand_layer], page, None, out, extent=demand_layer.extent(),
               legend_more=[demand_layer])
    console.print(f"Wrote {out}")
    if curve is not None and outcome.curve is not None:
        curve_png(outcome.curve, curve, model, done.unit, chosen=p, subtitle=done.demand_title)
        console.print(f"Wrote {curve}")


DEFAULT_PROFILE = ("pop2016_total", "pop2016_age_0_4", "iod2019_income_numerator", "iod2019_idaci_numerator",
                   "iod2019_employment_numerator", "census2011_no_qualifications",
                   "census2011_lone_parents_not_employed", "iod2019_overcrowding", "iod2019_staying_on_post16",
                   "iod2019_years_life_lost", "iod2019_no2", "claimant_count", "imd2019_imd_rank")


@app.command("profile")
def profile_cmd(store: Path = STORE_ARG,
                out: Path = typer.Option(..., "--out", help="The combined PDF (one page per area)."),
                indicators: str | None = typer.Option(None, help="Comma-separated indicator ids, in page order "
                                                                 "(default: a deprivation and population set)."),
                geography: str = typer.Option("ward23", help="One profile per area of this geography."),
                lookup: str = typer.Option("lsoa11_ward23", help="Lookup from the indicators' areas to the "
                                                                 "profile's."),
                per_area: Path | None = typer.Option(None, "--per-area", help="Also one PDF per area, in this "
                                                                              "folder.")) -> None:
    """Area profiles: per area, each indicator's value, borough and England benchmark, rank, spine chart
    and trend, with how each value was derived."""
    from .qgis_bridge.app import start_qgis

    start_qgis()
    from .core.profile import build_profiles
    from .qgis_bridge.profile import export_profiles

    chosen = [i.strip() for i in indicators.split(",") if i.strip()] if indicators else list(DEFAULT_PROFILE)
    with _open(store) as opened:
        if not indicators:
            known = set(opened.catalogue()["id"])
            chosen = [i for i in chosen if i in known]
        profiles = build_profiles(opened, chosen, geography=geography, lookup=lookup)
    first = profiles[0].provenance if profiles else {}
    provenance = (f"Store {Path(first.get('store', str(store))).name}, checksum "
                  f"{str(first.get('store_checksum', ''))[:16]}; lookup {first.get('lookup')}.")
    files = _run_with_progress("Profiles", lambda p: export_profiles(
        profiles, out, per_area, subtitle=f"Area profile: {len(chosen)} indicators compared with "
        f"{(first.get('borough') or {}).get('name') or 'the borough'} and England", provenance=provenance,
        progress=p))
    console.print(f"Wrote {out}: {len(profiles)} pages" + (f", and {len(files) - 1} per-area PDFs in {per_area}"
                                                         if per_area else ""))


# ------------------------------------------------------------------ sample
@sample_app.command("build")
def sample_build(out: Path = typer.Option(Path("out"), "--out", help="Folder for wigan_store.gpkg.")) -> None:
    """Build the Wigan sample store (real open data, OGL v3) into OUT/wigan_store.gpkg."""
    from .core.recipe import build_store

    recipe = sample_recipe()
    target = out / "wigan_store.gpkg"
    report = _run_with_progress("Building", lambda p: build_store(recipe, target, progress=p))
    _print_build(report)


def sample_recipe() -> Path:
    """The Wigan sample recipe: sample_data/ beside the package (a source checkout or editable install)."""
    recipe = Path(__file__).resolve().parent.parent / "sample_data" / "wigan_store.toml"
    if not recipe.exists():
        raise LisError(f"The sample data is not here ({recipe}); run from a source checkout of LIS Workbench.")
    return recipe


def _print_build(report) -> None:
    from .core.store import Store

    for imp in report.imports:
        console.print(f"  {imp.file}: {len(imp.indicators)} indicator(s), {imp.rows} values on {imp.geography}")
    for name, unmatched in report.unmatched.items():
        if unmatched:
            console.print(f"  [yellow]lookup {name}: {len(unmatched)} area(s) unmatched[/yellow]")
    with Store.open(report.path) as opened:
        _print_summary(opened)


def _print_summary(store) -> None:
    summary = store.summary()
    console.print(f"[bold]{summary['path']}[/bold] (store version {summary['schema_version']})")
    geos = store.geographies()
    for row in geos.itertuples(index=False):
        console.print(f"  {row.kind:<6} {row.name:<14} {row.feature_count:>6} features  {row.title or ''}")
    for row in store.lookups().itertuples(index=False):
        console.print(f"  lookup {row.name:<14} {row.rows:>6} rows      {row.from_geography} -> {row.to_geography} "
                      f"({row.method})")
    cat = store.catalogue()
    console.print(f"  {summary['indicators']} indicators, {summary['values']:,} values, {summary['imports']} imports")
    for theme, group in cat.groupby(cat["theme"].fillna("(no theme)")):
        console.print(f"    {theme}: {len(group)}")


def _register_analyses() -> None:
    from .cli_indices import register

    register(app)


_register_analyses()


def main(argv: list[str] | None = None) -> None:
    """Entry point: one line on stderr for every failure, never a traceback. Exit 1 for a data or store problem
    (explained), 2 for a usage mistake (a wrong option or value), 3 for a fault in LIS Workbench itself."""
    sys.exit(run(argv))


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code (see main)."""
    import sqlite3

    try:  # typer vendors click from 0.2x; earlier typers use click itself
        from typer._click import exceptions as click
    except ImportError:  # pragma: no cover
        from click import exceptions as click  # type: ignore[no-redef]

    try:
        code = app(args=argv, prog_name="lis", standalone_mode=False)
    except click.NoArgsIsHelpError as exc:
        exc.show()
        return 2
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "lis"
        return _fail(f"{exc.format_message()} (see `{command} --help`)", 2)
    except typer.Abort:
        return _fail("Stopped; nothing was changed.", 1)
    except LisError as exc:
        return _fail(str(exc) + _option_hint(exc), 2 if isinstance(exc, ParameterError) else 1)
    except sqlite3.Error as exc:
        return _fail(f"The store could not be read or written ({exc}).", 1)
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        return _fail(f"Cannot use{where}: {exc.strerror or exc}.", 1)
    except KeyboardInterrupt:
        return _fail("Interrupted; an unfinished change to the store is undone.", 130)
    except Exception as exc:  # a bug: say so in one line; LIS_DEBUG=1 shows where
        if os.environ.get("LIS_DEBUG"):
            raise
        return _fail(f"Internal error in LIS Workbench ({type(exc).__name__}: {exc}). Please report it; run again "
                     "with LIS_DEBUG=1 to see where it happened.", 3)
    return code if isinstance(code, int) else 0


def _option_hint(exc: LisError) -> str:
    """The CLI's own words for the engine setting that would fix the problem: its --flag."""
    return f" (option --{exc.option.replace('_', '-')})" if exc.option else ""


def _fail(message: str, code: int) -> int:
    err.print(f"Error: {' '.join(str(message).split())}", markup=False, highlight=False, soft_wrap=True)
    return code


if __name__ == "__main__":
    main()

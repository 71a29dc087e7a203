"""`lis map` and `lis atlas`: thematic map pages and ward atlases."""

from __future__ import annotations

from pathlib import Path

import typer

from .console import STORE_ARG, console, open_store, run_with_progress


def register(app: typer.Typer) -> None:
    app.command("map")(map_cmd)
    app.command("atlas")(atlas_cmd)


def map_cmd(store: str = STORE_ARG, indicator: str = typer.Argument(..., help="Indicator id (see `lis list`)."),
            out: Path = typer.Option(..., "--out", help="The map page: .png or .pdf."),
            period: str | None = typer.Option(None, help="Period (default: the latest)."),
            method: str = typer.Option("quantile", help="quantile, equal, jenks, stddev, decile or manual."),
            classes: int = typer.Option(5, help="Number of classes (deciles: 10)."),
            breaks: str | None = typer.Option(None, help="Manual breaks: upper bounds, comma-separated."),
            ramp: str | None = typer.Option(None, help="ColorBrewer scheme (default: by polarity)."),
            labels: bool | None = typer.Option(None, "--labels/--no-labels",
                                               help="Name the areas on the map (default: no names; too many "
                                                    "areas to name are named by their wards or borough)."),
            gpkg: Path | None = typer.Option(None, help="Also write the styled layer to this GeoPackage."),
            title: str | None = typer.Option(None, help="Map title (default: the indicator's title).")) -> None:
    """A thematic map of one indicator: classified, coloured by polarity, with legend and source line."""
    from ..qgis_bridge.app import start_qgis

    start_qgis()
    from ..core.labels import label_plan
    from ..core.map_study import MapSpec, classes_summary
    from ..qgis_bridge.layers import areas_layer
    from ..qgis_bridge.maps import indicator_map_layer, render_map, save_styled_gpkg
    from ..qgis_bridge.place_labels import label_areas, names_layer

    spec = MapSpec(method=method, classes=classes, ramp=ramp, title=title or "",
                   breaks=[float(b) for b in breaks.split(",")] if breaks else None)
    layers = []
    with open_store(store) as opened:
        layer, classification, spec = indicator_map_layer(opened, indicator, period, spec)
        geography = opened.indicator(indicator)["geography"]
        names = label_plan(opened, geography, layer.featureCount(), labels, "map")
        if names.geography == geography:
            label_areas(layer)
        elif names.geography:
            layers.append(names_layer(areas_layer(opened, names.geography)))
    if gpkg:
        save_styled_gpkg(layer, gpkg, indicator)
    render_map([layer, *layers], spec, classification, out)
    if names.note:
        console.print(names.note)
    console.print(f"Wrote {out}: {classes_summary(spec, classification)}")


def atlas_cmd(store: str = STORE_ARG, indicator: str = typer.Argument(..., help="Indicator id to map."),
              out: Path = typer.Option(..., "--out", help="atlas.pdf (one file), or a folder / name.png with "
                                                         "--per-area."),
              coverage: str | None = typer.Option(None, help="Geography with one page per area (default: the "
                                                             "store's area geography, e.g. ward23)."),
              borough: str | None = typer.Option(None, help="Only the areas in this borough (a code or name of "
                                                            "the store's home geography)."),
              period: str | None = typer.Option(None, help="Period (default: the latest)."),
              method: str = typer.Option("quantile", help="quantile, equal, jenks, stddev, decile or manual."),
              classes: int = typer.Option(5, help="Number of classes."),
              per_area: bool = typer.Option(False, "--per-area", help="One PDF (or PNG) per area."),
              labels: bool | None = typer.Option(None, "--labels/--no-labels",
                                                 help="Name the page's area and its neighbours (default: named)."),
              keep_empty: bool = typer.Option(False, "--keep-empty",
                                              help="Also make pages for areas with no data (default: left out)."),
              template: Path | None = typer.Option(None, help="A .qpt layout with items map, legend, title, "
                                                                 "subtitle, footer.")) -> None:
    """An atlas: one page per area (wards by default) of an indicator's map, neighbours greyed out."""
    from ..core.atlas_study import AtlasStudy, plan_atlas
    from ..core.map_study import MapSpec

    study = AtlasStudy(indicator, period, MapSpec(method=method, classes=classes), coverage, borough,
                       skip_empty=not keep_empty, labels=labels)
    with open_store(store) as opened:
        plan = plan_atlas(opened, study)
        title = opened.geography(plan.coverage)["title"] or plan.coverage

    from ..qgis_bridge.app import start_qgis

    start_qgis()
    from ..qgis_bridge.atlas import export_atlas
    from ..qgis_bridge.layers import indicator_layer, layer_from_frame
    from ..qgis_bridge.maps import style_thematic

    layer = indicator_layer(plan.values, f"{plan.entry['title']} ({plan.entry['period']})", plan.entry)
    classification = style_thematic(layer, plan.spec)
    cover = layer_from_frame(plan.pages, title)
    files = run_with_progress("Atlas", lambda p: export_atlas(cover, "area_name", layer, plan.spec, classification,
                                                               out, single_file=not per_area, template=template,
                                                               progress=p, labels=plan.labels.geography is not None))
    console.print(f"Wrote {len(files)} file(s), {cover.featureCount()} pages: {files[0]}"
                  + (" ..." if len(files) > 1 else ""))
    if plan.note:
        console.print(plan.note)

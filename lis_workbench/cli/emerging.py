"""`lis emerging`: emerging hot spots of an indicator over time (Gi* per period, Mann-Kendall trend, ArcGIS Pro's
categories), as a styled map page, a CSV of each area's category and z per period, and a styled layer."""

from __future__ import annotations

from pathlib import Path

import typer

from .console import STORE_ARG, console, err, open_store, run_with_progress, weights_cache


def register(app: typer.Typer) -> None:
    app.command("emerging")(emerging_cmd)


def emerging_cmd(store: str = STORE_ARG, indicator: str = typer.Argument(..., help="Indicator id (see `lis list`)."),
                 out: Path = typer.Option(..., "--out", help="Map page of the categories: .png or .pdf."),
                 start: str | None = typer.Option(None, help="First period (default: the earliest)."),
                 end: str | None = typer.Option(None, help="Last period (default: the latest)."),
                 weights: str = typer.Option("queen", help="queen, rook, knn, distance or inverse_distance."),
                 k: int = typer.Option(8, help="Neighbours for knn."),
                 distance: float = typer.Option(1000.0, help="Distance band in metres."),
                 tolerance: float = typer.Option(1.0, help="Snap tolerance (metres) for contiguity."),
                 islands: str = typer.Option("nearest", help="Areas with no neighbour: drop or nearest."),
                 correction: str = typer.Option("fdr", help="Each period's Gi*: none, bonferroni or fdr (Esri's)."),
                 alpha: float = typer.Option(0.10, help="Significance of a hot or cold spot and of the trend "
                                                        "(Esri: 0.10, 90% confidence)."),
                 csv: Path | None = typer.Option(None, "--csv", help="Also write each area's category, trend and "
                                                                     "z per period here."),
                 gpkg: Path | None = typer.Option(None, "--gpkg", help="Also write the result layer (styled) "
                                                                       "here.")) -> None:
    """Emerging hot spots: where hot and cold spots of an indicator are new, intensifying, persistent, fading...
    over its periods (ArcGIS Pro's Emerging Hot Spot Analysis categories)."""
    from ..core.clusters import Analysis
    from ..core.emerging_study import EmergingStudy, run_emerging_study

    spec = Analysis(statistic="gistar", weights=weights, k=k, distance=distance, tolerance=tolerance,
                    islands=islands, correction=correction, alpha=alpha, permutations=0)
    cache = weights_cache()
    with open_store(store) as opened:
        done = run_with_progress("Emerging hot spots", lambda p: run_emerging_study(
            opened, EmergingStudy(indicator, start, end, spec), p, cache=cache))
    for note in done.result.notes:
        err.print(f"[yellow]{note}[/yellow]")
    console.print(done.summary)
    if csv:
        from ..core.safe_csv import write_csv

        write_csv(done.csv_table(), csv)
        console.print(f"Wrote {csv}")

    from ..qgis_bridge.app import start_qgis

    start_qgis()
    from ..qgis_bridge.emerging_style import style_emerging
    from ..qgis_bridge.layers import layer_from_frame
    from ..qgis_bridge.maps import render_map, save_styled_gpkg

    layer = layer_from_frame(done.table.drop(columns=["mk_tau"]), f"{done.entry['title']} (emerging hot spots)")
    style_emerging(layer, done.entry.get("polarity"))
    if gpkg:
        save_styled_gpkg(layer, gpkg, f"{indicator}_emerging")
        console.print(f"Wrote {gpkg}")
    render_map([layer], done.page, None, out)
    console.print(f"Wrote {out}")

"""`lis hotspot`: hot and cold spots (Gi*) or clusters and outliers (local Moran) of an indicator."""

from __future__ import annotations

from pathlib import Path

import typer

from .console import STORE_ARG, console, err, open_store, run_with_progress, weights_cache


def register(app: typer.Typer) -> None:
    app.command("hotspot")(hotspot_cmd)


def hotspot_cmd(store: str = STORE_ARG, indicator: str = typer.Argument(..., help="Indicator id to test."),
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
    from ..core.clusters import Analysis
    from ..core.hotspot_study import HotspotStudy, run_hotspot_study

    spec = Analysis(statistic=statistic, weights=weights, k=k, distance=distance, tolerance=tolerance,
                    permutations=permutations, seed=seed, correction=correction, alpha=alpha, islands=islands,
                    smooth=smooth)
    cache = weights_cache()
    with open_store(store) as opened:
        done = run_with_progress("Hotspots", lambda p: run_hotspot_study(
            opened, HotspotStudy(indicator, period, spec), p, cache=cache))
    for note in done.result.notes:
        err.print(f"[yellow]{note}[/yellow]")
    if csv:
        from ..core.safe_csv import write_csv

        write_csv(done.table.drop(columns="geometry"), csv)
    console.print(done.summary)

    from ..qgis_bridge.app import start_qgis

    start_qgis()
    from ..qgis_bridge.hotspot_style import style_clusters
    from ..qgis_bridge.layers import layer_from_frame
    from ..qgis_bridge.maps import render_map, save_styled_gpkg

    layer = layer_from_frame(done.table, f"{done.entry['title']} ({done.page.period})")
    style_clusters(layer, done.field, done.entry.get("polarity"))
    if gpkg:
        save_styled_gpkg(layer, gpkg, f"{indicator}_{statistic}")
    render_map([layer], done.page, None, out)
    console.print(f"Wrote {out}")

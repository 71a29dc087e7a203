"""`lis hotspot`: hot and cold spots (Gi*) or clusters and outliers (local Moran) of an indicator."""

from __future__ import annotations

from pathlib import Path

import typer

from .console import STORE_ARG, console, err, open_store, run_with_progress


def register(app: typer.Typer) -> None:
    app.command("hotspot")(hotspot_cmd)


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
    from ..core.clusters import Analysis, run_analysis

    spec = Analysis(statistic=statistic, weights=weights, k=k, distance=distance, tolerance=tolerance,
                    permutations=permutations, seed=seed, correction=correction, alpha=alpha, islands=islands,
                    smooth=smooth)
    with open_store(store) as opened:
        entry = opened.indicator(indicator)
        frame = opened.get_values(indicator, period, with_geometry=True, all_areas=True)
        checksum = opened.checksum()
    result = run_with_progress("Hotspots", lambda p: run_analysis(
        frame["area_code"], frame["value"].to_numpy(float), list(frame["geometry"]), spec, progress=p,
        numerators=frame["numerator"].to_numpy(float), denominators=frame["denominator"].to_numpy(float)))
    for note in result.notes:
        err.print(f"[yellow]{note}[/yellow]")
    table = frame[["area_code", "area_name", "period", "value", "geometry"]].merge(result.table, on="area_code")
    if csv:
        from ..core.safe_csv import write_csv

        write_csv(table.drop(columns="geometry"), csv)
    summary = result.summary
    counts = ", ".join(f"{n} {label}" for label, n in summary.get("counts", {}).items())
    console.print(f"Moran's I {summary['global_I']:.3f} (z {summary['global_z']:.1f}); {counts}")

    from ..qgis_bridge.app import start_qgis

    start_qgis()
    from ..core.map_study import MapSpec
    from ..qgis_bridge.hotspot_style import style_clusters
    from ..qgis_bridge.layers import layer_from_frame
    from ..qgis_bridge.maps import render_map, save_styled_gpkg

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

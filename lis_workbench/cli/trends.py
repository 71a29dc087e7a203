"""`lis trend`: each area's change between two periods, its straight-line trend and its Fingertips recent trend
marker, charts and change maps."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ..core.errors import LisError
from .console import STORE_ARG, console, fmt, open_store


def register(app: typer.Typer) -> None:
    app.command("trend")(trend_cmd)


def trend_cmd(store: str = STORE_ARG, indicator: str = typer.Argument(..., help="Indicator id (see `lis list`)."),
              start: str | None = typer.Option(None, help="First period (default: the earliest)."),
              end: str | None = typer.Option(None, help="Last period (default: the latest)."),
              areas: str | None = typer.Option(None, help="Only these areas: codes or names, comma-separated."),
              alpha: float = typer.Option(0.05, help="Significance level of the trend test."),
              csv: Path | None = typer.Option(None, "--csv", help="Write the change and trend table here."),
              chart: Path | None = typer.Option(None, "--chart", help="Small multiples, one panel per area (.png)."),
              map_out: Path | None = typer.Option(None, "--map", help="A map page of the change (.png or .pdf); "
                                                                      "needs a polygon geography.")) -> None:
    """Each area's change between two periods (absolute, percent, rank), its straight-line trend over them and its
    recent trend marker (Fingertips method, last five points)."""
    from ..core.trend_study import TrendStudy, run_trend_study

    study = TrendStudy(indicator, start, end, areas.split(",") if areas else None, alpha)
    with open_store(store) as opened:
        result = run_trend_study(opened, study)
        shapes = None
        if map_out:
            geography = result.entry["geography"]
            if opened.geography(geography)["kind"] != "areas":
                raise LisError(f"'{indicator}' is on {geography}, which has no polygons to map.")
            shapes = opened.areas(geography)
    table = result.table
    listing = Table("area", f"{result.start}", f"{result.end}", "change", "% change", "rank change", "slope / year",
                    "p", "trend", "recent trend",
                    title=f"{result.entry['title']}: {result.start} to {result.end} ({len(table)} areas)")
    for row in table.itertuples(index=False):
        listing.add_row(str(row.area_name or row.area_code), fmt(row.value_start, 2), fmt(row.value_end, 2),
                        fmt(row.change, 2), fmt(row.percent_change, 1), fmt(row.rank_change, 0),
                        fmt(row.slope, 3), fmt(row.p_value, 3),
                        row.assessment if row.assessment != "not assessed" else row.direction,
                        row.recent_trend.split(":", 1)[0])
    console.print(listing)
    console.print(result.summary)
    console.print(result.recent_summary)
    if csv:
        from ..core.safe_csv import write_csv

        write_csv(table, csv)
        console.print(f"Wrote {csv}")
    if chart or map_out:
        from ..qgis_bridge.app import start_qgis

        start_qgis()
    if chart:
        from ..qgis_bridge.charts import trend_chart

        trend_chart(result.window, result.fitted, chart, title=result.chart_title, subtitle=result.chart_subtitle,
                    footer=result.footer, start=result.start, end=result.end)
        console.print(f"Wrote {chart}")
    if map_out:
        from ..qgis_bridge.charts import change_map

        change_map(shapes, result, map_out)
        console.print(f"Wrote {map_out}")

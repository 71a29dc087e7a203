"""`lis events import`: points or postcodes with dates counted per area and period (and as rates of a store
population, with Fingertips' intervals), saved as a new indicator with a match report (core.events)."""

from __future__ import annotations

from pathlib import Path

import typer

from .console import STORE_ARG, console, err, open_store, run_with_progress

app = typer.Typer(help="Your own events (incidents, referrals, addresses) as counts and rates per area.",
                  no_args_is_help=True)


def register(app_: typer.Typer) -> None:
    app_.add_typer(app, name="events")


@app.command("import")
def import_cmd(store: str = STORE_ARG,
               file: Path = typer.Argument(..., help="The events: a CSV, or any point layer OGR reads (GeoPackage, "
                                                     "shapefile, GeoJSON...)."),
               x: str | None = typer.Option(None, "--x", help="Column of eastings (or longitudes with --crs 4326)."),
               y: str | None = typer.Option(None, "--y", help="Column of northings (or latitudes with --crs 4326)."),
               crs: str | None = typer.Option(None, "--crs", help="EPSG code of the coordinates (default 27700, "
                                                                  "British National Grid; a layer's own CRS)."),
               postcode: str | None = typer.Option(None, "--postcode", help="Column of postcodes (instead of "
                                                                            "--x/--y)."),
               postcode_lookup: Path | None = typer.Option(None, "--postcode-lookup",
                                                           help="Postcode lookup CSV, e.g. an ONS Postcode Directory "
                                                                "extract (pcds, oseast1m, osnrth1m, doterm)."),
               date: str = typer.Option(..., "--date", help="Column of dates (2023-01-15 or 15/01/2023)."),
               geography: str = typer.Option(..., "--geography", help="Geography to count in, e.g. lsoa11."),
               period: str = typer.Option(..., "--period", help="month (2023-01), quarter (2023-Q1) or year."),
               new_id: str = typer.Option(..., "--id", help="Id of the new indicator, e.g. asb_rate."),
               denominator: str | None = typer.Option(None, "--denominator",
                                                      help="A population indicator of the geography: rates per "
                                                           "--multiplier people, with 95% intervals."),
               multiplier: float = typer.Option(1000, "--multiplier", help="Rates per this many people."),
               layer: str | None = typer.Option(None, "--layer", help="Layer of a multi-layer file."),
               title: str | None = typer.Option(None, "--title", help="Title of the new indicator."),
               replace: bool = typer.Option(False, "--replace", help="Overwrite the indicator's values for these "
                                                                     "periods."),
               dry_run: bool = typer.Option(False, "--dry-run", help="Count and report; write nothing."),
               encoding: str = typer.Option("utf-8-sig", help="Text encoding of a CSV.")) -> None:
    """Count events (points or postcodes with dates) per area and period, as a new indicator; prints the match
    report (rows located, outside, bad coordinates or dates, unknown and terminated postcodes)."""
    from ..core.events import EventSpec, import_events, report_lines

    spec = EventSpec(geography=geography, period=period, new_id=new_id, date_column=date, x_column=x, y_column=y,
                     crs=crs, postcode_column=postcode,
                     postcode_lookup=str(postcode_lookup) if postcode_lookup else None, layer=layer,
                     denominator=denominator, multiplier=multiplier, title=title, replace=replace, encoding=encoding)
    with open_store(store) as opened:
        result = run_with_progress("Counting events", lambda p: import_events(opened, str(file), spec,
                                                                              dry_run=dry_run, progress=p))
    lines = report_lines(result, dry_run)
    for line in lines:
        console.print(line, markup=False, highlight=False)
    if result.report.outside or result.report.bad_coordinates or result.report.bad_dates or \
            result.report.unknown_postcodes:
        err.print(f"[yellow]{result.report.rows_read - result.report.located} row(s) were not counted (see the "
                  "match report above).[/yellow]")

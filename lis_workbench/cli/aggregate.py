"""`lis aggregate`: an indicator on larger areas through a lookup (counts summed, rates recomputed)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from .console import STORE_ARG, console, err, fmt, open_store


def register(app: typer.Typer) -> None:
    app.command("aggregate")(aggregate_cmd)


def aggregate_cmd(store: str = STORE_ARG, indicator: str = typer.Argument(..., help="Indicator id to aggregate."),
                  lookup: str = typer.Option(..., "--lookup", help="A lookup of the store, e.g. lsoa11_ward23."),
                  period: str | None = typer.Option(None, help="Period (default: the latest)."),
                  population: str | None = typer.Option(None, help="For rates without numerators: a population "
                                                                   "indicator to weight the mean by."),
                  save_as: str | None = typer.Option(None, "--save-as", help="Save the result in the store as this "
                                                                             "new indicator id."),
                  replace: bool = typer.Option(False, "--replace", help="With --save-as: overwrite its values."),
                  csv: Path | None = typer.Option(None, "--csv", help="Write the aggregated table here.")) -> None:
    """Aggregate an indicator to larger areas through a lookup: counts summed, rates recomputed, ranks refused."""
    from ..core.aggregate_study import aggregate_indicator, save_aggregate

    with open_store(store) as opened:
        result = aggregate_indicator(opened, indicator, lookup, period, population)
        saved = save_aggregate(opened, result, save_as, replace) if save_as else None
    listing = Table("area_code", "area_name", "value", "numerator", "denominator", "areas", "missing", "method",
                    title=result.title)
    for r in result.table.itertuples(index=False):
        listing.add_row(r.area_code, str(r.area_name or ""), fmt(r.value), fmt(r.numerator), fmt(r.denominator),
                        str(r.n_areas), str(r.incomplete or ""), r.method)
    console.print(listing)
    unmatched = result.table.attrs.get("unmatched") or []
    if unmatched:
        err.print(f"[yellow]{len(unmatched)} area(s) of {indicator} are not in lookup {lookup} and were left "
                  f"out: {', '.join(unmatched[:10])}{' ...' if len(unmatched) > 10 else ''}[/yellow]")
    if csv:
        from ..core.safe_csv import write_csv

        write_csv(result.table, csv)
        console.print(f"Wrote {csv}")
    if save_as:
        console.print(f"Saved {save_as}: {saved} values on {result.lookup['to_geography']} for {result.period}")

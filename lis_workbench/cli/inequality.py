"""`lis inequality`: an indicator across deprivation quantiles, with the slope and relative indices of inequality."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from .console import STORE_ARG, console, fmt, open_store


def register(app: typer.Typer) -> None:
    app.command("inequality")(inequality_cmd)


def inequality_cmd(store: str = STORE_ARG,
                   indicator: str = typer.Argument(..., help="The count of people (the numerator)."),
                   denominator: str | None = typer.Option(None, help="The population it is out of (default: the "
                                                                     "one its catalogue entry names)."),
                   deprivation: str | None = typer.Option(None, help="Deprivation quantiles on the same small areas "
                                                                     "(1 = most deprived; default: the newest IMD "
                                                                     "decile, e.g. imd2019_imd_decile)."),
                   kind: str | None = typer.Option(None, help="proportion (default) or rate."),
                   multiplier: float | None = typer.Option(None, help="Values are count / population x this "
                                                                      "(default 100 for proportions, 1000 for "
                                                                      "rates)."),
                   period: str | None = typer.Option(None, help="Period of the indicator (default: the latest)."),
                   reps: int = typer.Option(100_000, help="Simulated refits for the confidence interval."),
                   seed: int = typer.Option(1, help="Seed of the simulation (the same seed, the same interval)."),
                   confidence: float = typer.Option(0.95, help="Confidence level of the SII and RII."),
                   chart: Path | None = typer.Option(None, "--chart", help="Draw the quantiles and the fitted line "
                                                                           "(.png)."),
                   csv: Path | None = typer.Option(None, "--csv", help="Write the quantiles' table here.")) -> None:
    """How an indicator varies with deprivation, as Fingertips measures it: each quantile's value with its interval,
    the slope index of inequality (the gap from the most to the least deprived end of the fitted line) and the
    relative index (their ratio)."""
    from ..core.inequality_study import inequality_indicator

    with open_store(store) as opened:
        result = inequality_indicator(opened, indicator, denominator=denominator, deprivation=deprivation,
                                      period=period, kind=kind, multiplier=multiplier, reps=reps, seed=seed,
                                      confidence=confidence)
    console.print(f"[bold]{escape(result.title)}[/bold] {escape(result.subtitle)}", highlight=False)
    listing = Table("quantile", "areas", "numerator", "denominator", f"value ({result.unit})", "95% CI")
    for r in result.table.itertuples(index=False):
        listing.add_row(str(r.quantile), str(r.areas), fmt(r.numerator), fmt(r.denominator), fmt(r.value, 2),
                        f"{fmt(r.lower_95, 2)} - {fmt(r.upper_95, 2)}")
    console.print(listing)
    console.print(result.summary, markup=False, highlight=False)
    for note in result.notes:
        console.print(note, markup=False, highlight=False, style="dim")
    if csv:
        from ..core.safe_csv import write_csv

        table = result.table.assign(sii=result.sii, sii_lower=result.sii_lower, sii_upper=result.sii_upper,
                                    rii=result.rii, rii_lower=result.rii_lower, rii_upper=result.rii_upper)
        write_csv(table, csv)
        console.print(f"Wrote {csv}")
    if chart:
        from ..qgis_bridge.app import start_qgis

        start_qgis()
        from ..qgis_bridge.inequality_chart import inequality_chart

        inequality_chart(result, chart)
        console.print(f"Wrote {chart}")

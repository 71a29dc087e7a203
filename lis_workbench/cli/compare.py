"""`lis compare`: each area against a benchmark, Fingertips-style (confidence intervals, better / worse)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from .console import STORE_ARG, console, fmt, open_store

#: Areas listed on the terminal (England's 32,844 LSOAs would take half a minute to print); the CSV has them all.
SHOWN = 250


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_cmd)


def compare_cmd(store: str = STORE_ARG,
                indicator: str = typer.Argument(..., help="The numerator (or count) indicator."),
                denominator: str | None = typer.Option(None, help="The denominator indicator (e.g. a population); "
                                                                  "default: the indicator's own denominators, "
                                                                  "else the one its catalogue entry names."),
                kind: str | None = typer.Option(None, help="proportion (Wilson), rate or count (exact Poisson below "
                                                           "10 events, Byar from 10); default proportion with a "
                                                           "denominator, else count."),
                multiplier: float | None = typer.Option(None, help="Values are numerator / denominator x this "
                                                                   "(default 100 for proportions, 1000 for rates)."),
                benchmark: str = typer.Option("borough", help="borough (all the areas together), england (the "
                                                              "store's England values), an area code, or a number."),
                period: str | None = typer.Option(None, help="Period of the indicator (default: the latest)."),
                denominator_period: str | None = typer.Option(None, help="Period of the denominator (default: "
                                                                         "the latest)."),
                csv: Path | None = typer.Option(None, "--csv", help="Write the comparison table here."),
                funnel: Path | None = typer.Option(None, "--funnel", help="Draw the comparison as a funnel plot "
                                                                          "(.png): values against denominators with "
                                                                          "the 95% and 99.8% limits.")) -> None:
    """Compare each area with a benchmark, Fingertips-style: confidence intervals, higher / similar / lower and
    better / worse."""
    from ..core.compare_study import compare_indicator

    with open_store(store) as opened:
        result = compare_indicator(opened, indicator, denominator=denominator, kind=kind, multiplier=multiplier,
                                   benchmark=benchmark, period=period, denominator_period=denominator_period)
        view = None
        if funnel:
            from ..core.compare_study import funnel as funnel_view

            per = result.per or ""
            view = funnel_view(result, denominator_words=opened.indicator(per)["title"] if per else "Denominator")
    for note in result.notes:
        console.print(note)
    console.print(f"[bold]{escape(result.title)}[/bold] {escape(result.headline)}", highlight=False)
    listing = Table("area", "numerator", "denominator", "value", "95% CI", "vs benchmark (95%)", "99.8%",
                    "assessment", "quintile")
    ordered = result.table.sort_values("value", ascending=False, na_position="last")
    for r in ordered.head(SHOWN).itertuples(index=False):
        interval = f"{fmt(r.lower_95, 2)} - {fmt(r.upper_95, 2)}" if r.lower_95 == r.lower_95 else ""
        listing.add_row(str(r.area_name or r.area_code), fmt(r.numerator), fmt(getattr(r, "denominator", None)),
                        fmt(r.value, 2), interval, r.vs_benchmark_95, r.vs_benchmark_99_8,
                        r.assessment_95 if r.reason == "" else r.reason, r.quintile_words)
    console.print(listing)
    if len(ordered) > SHOWN:
        console.print(f"(the {SHOWN} highest of {len(ordered):,} areas shown; --csv writes them all)")
    console.print(result.counts)
    if csv:
        from ..core.safe_csv import write_csv

        write_csv(result.table, csv)
        console.print(f"Wrote {csv}")
    if view is not None:
        from ..qgis_bridge.app import start_qgis

        start_qgis()
        from ..qgis_bridge.funnel_chart import funnel_chart

        funnel_chart(view, funnel, footer=view.method)
        console.print(view.summary, markup=False, highlight=False)
        console.print(f"Wrote {funnel}")

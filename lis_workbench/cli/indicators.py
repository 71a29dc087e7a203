"""`lis import`, `list`, `show`, `export` and `delete`: partner files into the store, and the catalogue."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from .console import STORE_ARG, console, err, open_store, run_with_progress


def register(app: typer.Typer) -> None:
    """Add the catalogue commands to the `lis` app."""
    for name, command in (("import", import_cmd), ("list", list_cmd), ("show", show_cmd), ("export", export_cmd),
                          ("delete", delete_cmd)):
        app.command(name)(command)


def import_cmd(store: str = STORE_ARG,
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
    from ..core.ingest import import_file, report_lines, spec_from_options
    from ..core.recipe import load_recipe

    spec = spec_from_options(
        geography=geography, layout=layout, code_column=code_column, period_column=period_column, period=period,
        period_format=period_format, indicator_column=indicator_column, indicator=indicator, id_prefix=prefix,
        allow_unmatched=allow_unmatched, replace=replace, encoding=encoding, value_columns=value_column,
        defaults=dict(title=title, theme=theme, unit=unit, polarity=polarity, value_type=value_type, source=source,
                      partner=partner, licence=licence, notes=notes, denominator=denominator),
        metadata=load_recipe(metadata) if metadata else None)
    with open_store(store) as opened:
        report = run_with_progress("Importing", lambda p: import_file(opened, str(file), spec, dry_run=dry_run,
                                                                       progress=p))
    headline, *details = report_lines(report, dry_run)
    console.print(headline, markup=False)
    for line in details:
        console.print(f"  {line}", markup=False, style="yellow" if "skipped" in line else None)
    for ind in report.indicators:
        console.print(f"  {ind}")


def list_cmd(store: str = STORE_ARG, search: str | None = typer.Option(None, "--search", "-s",
                                                                          help="Words to look for."),
             theme: str | None = typer.Option(None), geography: str | None = typer.Option(None),
             as_json: bool = typer.Option(False, "--json", help="Machine-readable output.")) -> None:
    """The catalogue: one indicator a line (id, geography, periods, title)."""
    with open_store(store) as opened:
        frame = opened.catalogue(search, theme, geography)
    if as_json:
        print(frame.to_json(orient="records"))
        return
    for row in frame.itertuples(index=False):
        periods = row.periods[0] if len(row.periods) == 1 else (
            f"{row.periods[0]}..{row.periods[-1]} ({len(row.periods)})" if row.periods else "-")
        print(f"{row.id:<48} {row.geography:<8} {periods:<22} {row.title}")
    err.print(f"{len(frame)} indicator(s)")


def show_cmd(store: str = STORE_ARG, indicator: str = typer.Argument(..., help="Indicator id.")) -> None:
    """Everything the catalogue knows about one indicator, and a summary of its latest values."""
    with open_store(store) as opened:
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


def export_cmd(store: str = STORE_ARG, indicator: str = typer.Argument(...),
               out: Path = typer.Argument(..., help="A .csv (values) or .gpkg (values with boundaries)."),
               period: str | None = typer.Option(None, help="Period (default: the latest); 'all' for every "
                                                               "period (CSV only).")) -> None:
    """Export one indicator to CSV or to a GeoPackage layer."""
    from ..core.export import export_indicator

    with open_store(store) as opened:
        rows = export_indicator(opened, indicator, str(out), period)
    console.print(f"Wrote {rows} rows to {out}")


def delete_cmd(store: str = STORE_ARG, indicator: str = typer.Argument(...),
               yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation.")) -> None:
    """Delete an indicator and its values (recorded in the audit log)."""
    if not yes and not typer.confirm(f"Delete {indicator} and all its values?"):
        raise typer.Exit(2)
    with open_store(store) as opened:
        rows = opened.delete_indicator(indicator)
    console.print(f"Deleted {indicator} ({rows} values)")

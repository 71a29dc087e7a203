"""`lis stats ...`: public-health statistics on any CSV, as Fingertips computes them (core.stats): CSV in, CSV out,
one row per group with value, lower_ci, upper_ci, method and note."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from .console import console, fmt

app = typer.Typer(help="Public-health statistics on a CSV (rates, proportions, means), as Fingertips computes them.",
                  no_args_is_help=True)

IN = typer.Argument(..., help="The input CSV (UTF-8; a header row).")
OUT = typer.Option(..., "--out", help="The output CSV.")
BY = typer.Option(None, "--by", help="Group by this column (repeat for several); counts are summed within groups.")
CONFIDENCE = typer.Option(0.95, "--confidence", help="Confidence level: 0.95 or 0.998 (95 and 99.8 also read).")


def register(app_: typer.Typer) -> None:
    app_.add_typer(app, name="stats")


@app.command("rate")
def rate_cmd(table: Path = IN, count: str = typer.Option(..., "--count", help="Column of event counts."),
             population: str = typer.Option(..., "--population", help="Column of populations."),
             by: list[str] = BY, multiplier: float = typer.Option(100_000, "--multiplier", help="Per how many."),
             confidence: float = CONFIDENCE, out: Path = OUT) -> None:
    """Crude rates: exact Poisson limits below 10 events, Byar's from 10 (PHEindicatormethods phe_rate)."""
    from ..core.stats import rate

    _finish(rate(_read(table), count, population, by=by or (), multiplier=multiplier, confidence=confidence),
            by or [], out)


@app.command("proportion")
def proportion_cmd(table: Path = IN, count: str = typer.Option(..., "--count", help="Column of counts."),
                   denominator: str = typer.Option(..., "--denominator", help="Column of denominators."),
                   by: list[str] = BY, multiplier: float = typer.Option(1, "--multiplier",
                                                                        help="1 for a proportion, 100 for a %."),
                   confidence: float = CONFIDENCE, out: Path = OUT) -> None:
    """Proportions with Wilson score limits (PHEindicatormethods phe_proportion)."""
    from ..core.stats import proportion

    _finish(proportion(_read(table), count, denominator, by=by or (), multiplier=multiplier,
                       confidence=confidence), by or [], out)


@app.command("mean")
def mean_cmd(table: Path = IN, value: str = typer.Option(..., "--value", help="Column of values."),
             by: list[str] = BY, confidence: float = CONFIDENCE, out: Path = OUT) -> None:
    """Means with Student's t limits (PHEindicatormethods phe_mean)."""
    from ..core.stats import mean

    _finish(mean(_read(table), value, by=by or (), confidence=confidence), by or [], out)


@app.command("dsr")
def dsr_cmd(table: Path = IN, count: str = typer.Option(..., "--count", help="Column of event counts."),
            population: str = typer.Option(..., "--population", help="Column of populations."),
            age: str = typer.Option(..., "--age", help="Column of age bands (0-4 ... 90+, or their first ages)."),
            by: list[str] = BY,
            standard: str = typer.Option("esp2013", "--standard", help="esp2013 (the 2013 European Standard "
                                                                       "Population) or a CSV of age,population."),
            multiplier: float = typer.Option(100_000, "--multiplier", help="Per how many."),
            confidence: float = CONFIDENCE, out: Path = OUT) -> None:
    """Directly standardised rates with Dobson limits; not computed below 10 events (PHEindicatormethods
    phe_dsr)."""
    from ..core.stats.dsr import ESP2013, dsr, read_standard

    weights = ESP2013 if standard.lower() == "esp2013" else read_standard(_read(Path(standard)))
    _finish(dsr(_read(table), count, population, age, by=by or (), standard=weights, multiplier=multiplier,
                confidence=confidence), by or [], out)


@app.command("isr")
def isr_cmd(table: Path = IN, count: str = typer.Option(..., "--count", help="Column of observed events."),
            population: str = typer.Option(..., "--population", help="Column of populations."),
            ref_count: str = typer.Option(..., "--ref-count", help="Column of the reference's events (same band)."),
            ref_population: str = typer.Option(..., "--ref-population", help="Column of the reference's "
                                                                              "population (same band)."),
            age: str | None = typer.Option(None, "--age", help="Column of age bands (checked to be there; rows "
                                                               "are matched with their reference in the row)."),
            by: list[str] = BY, ratio: bool = typer.Option(False, "--ratio", help="The ratio (SMR-style, x "
                                                                                     "--ref-value) instead of a rate."),
            ref_value: float = typer.Option(1.0, "--ref-value", help="Ratio: 1, or 100 for an SMR x 100."),
            multiplier: float = typer.Option(100_000, "--multiplier", help="Rate: per how many."),
            confidence: float = CONFIDENCE, out: Path = OUT) -> None:
    """Indirectly standardised ratios or rates: expected events from the reference's age-specific rates;
    exact Poisson limits below 10 observed events, Byar's from 10 (PHEindicatormethods calculate_ISRatio)."""
    from ..core.stats import isr

    data = _read(table)
    if age is not None and age not in data.columns:
        from ..core.errors import LisError

        raise LisError(f"{table.name} has no column '{age}' (--age).")
    _finish(isr(data, count, population, ref_count, ref_population, by=by or (), ratio=ratio, ref_value=ref_value,
                multiplier=multiplier, confidence=confidence), by or [], out)


def _read(path: Path):
    from ..core.errors import LisError
    from ..core.partner_csv import read_table

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise LisError(f"Cannot read {path}: {exc.strerror}.") from None
    return read_table(str(path), raw)


def _finish(result, by: list[str], out: Path) -> None:
    from ..core.safe_csv import write_csv

    write_csv(result, out)
    shown = Table(*by, "value", "lower_ci", "upper_ci", "method", "note")
    for row in result.head(20).itertuples(index=False):
        cells = [str(getattr(row, c)) for c in by] if by else []
        shown.add_row(*cells, fmt(row.value, 3), fmt(row.lower_ci, 3), fmt(row.upper_ci, 3), row.method or "",
                      row.note or "")
    console.print(shown)
    more = f" (the first 20 of {len(result)} shown)" if len(result) > 20 else ""
    console.print(f"{result.attrs.get('statistic', 'value')} at {result.attrs.get('confidence', 0.95):.1%} "
                  f"confidence; {len(result)} row(s) written to {out}{more}", markup=False)

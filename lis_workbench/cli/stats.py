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
            confidence: float = CONFIDENCE,
            events_per_person: str | None = typer.Option(None, "--events-per-person", help="Column of how many "
                                                         "events each person had, when --count counts persons "
                                                         "(events not independent)."),
            out: Path = OUT) -> None:
    """Directly standardised rates with Dobson limits; not computed below 10 events (PHEindicatormethods
    phe_dsr)."""
    from ..core.stats.dsr import ESP2013, dsr, read_standard

    weights = ESP2013 if standard.lower() == "esp2013" else read_standard(_read(Path(standard)))
    _finish(dsr(_read(table), count, population, age, by=by or (), standard=weights, multiplier=multiplier,
                confidence=confidence, events_per_person=events_per_person), by or [], out)


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


@app.command("life-expectancy")
def life_expectancy_cmd(table: Path = IN, deaths: str = typer.Option(..., "--deaths", help="Column of deaths."),
                        population: str = typer.Option(..., "--population", help="Column of populations."),
                        age: str = typer.Option(..., "--age", help="Column of age bands: 0 (under 1), 1-4, 5-9, "
                                                                   "..., 85-89, 90+ (or their first ages)."),
                        by: list[str] = BY,
                        at: list[str] = typer.Option(None, "--at", help="Life expectancy at this age (repeat for "
                                                                        "several, or 'all'); default 0, at birth."),
                        open_age: int = typer.Option(90, "--open-age", help="First age of the open last band: 90 "
                                                                            "(90+) or 85 (85+)."),
                        confidence: float = CONFIDENCE, out: Path = OUT) -> None:
    """Life expectancy from a Chiang II abridged life table with Silcocks' confidence limits; none for a total
    population of 5,000 or fewer (PHEindicatormethods phe_life_expectancy)."""
    from ..core.stats import life_expectancy

    ages = None if at and any(a.strip().lower() == "all" for a in at) else (at or [0])
    _finish(life_expectancy(_read(table), deaths, population, age, by=by or (), at=ages, open_age=open_age,
                            confidence=confidence), [*(by or []), "age"], out)


@app.command("sii")
def sii_cmd(table: Path = IN, value: str = typer.Option(..., "--value", help="Column of each quantile's value."),
            population: str = typer.Option(..., "--population", help="Column of each quantile's population."),
            quantile: str = typer.Option(..., "--quantile", help="Column of quantiles: 1 (most deprived), 2, ... "
                                                                 "(5 to 100 of them)."),
            lower: str | None = typer.Option(None, "--lower", help="Column of the values' 95% lower limits."),
            upper: str | None = typer.Option(None, "--upper", help="Column of the values' 95% upper limits."),
            se: str | None = typer.Option(None, "--se", help="Column of standard errors, instead of --lower and "
                                                             "--upper (of the log of a rate, logit of a proportion)."),
            by: list[str] = BY,
            value_type: str = typer.Option("0", "--value-type", help="0 (other), 1 (rate) or 2 (proportion, 0-1); "
                                                                     "or other, rate, proportion."),
            transform: bool = typer.Option(False, "--transform", help="Fit the logs of rates (logits of "
                                                                      "proportions); the SII stays in their units."),
            rii: bool = typer.Option(False, "--rii", help="Also the relative index of inequality."),
            intercept: bool = typer.Option(False, "--intercept", help="Also the fitted value at rank 0."),
            multiplier: float = typer.Option(1, "--multiplier", help="Scale the SII: 100 for %; negative flips it."),
            reps: int = typer.Option(100_000, "--reps", help="Simulated draws for the limits (at least 1000)."),
            seed: int = typer.Option(1, "--seed", help="Seed of the simulation: the same seed gives the same limits."),
            confidence: float = CONFIDENCE, out: Path = OUT) -> None:
    """Slope (and relative) index of inequality across deprivation quantiles, with simulated confidence limits
    (PHEindicatormethods phe_sii)."""
    from ..core.stats import sii

    _finish(sii(_read(table), value, population, quantile, by=by or (), lower=lower, upper=upper, se=se,
                value_type=value_type, transform=transform, rii=rii, intercept=intercept, multiplier=multiplier,
                reps=reps, seed=seed, confidence=confidence), by or [], out)


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

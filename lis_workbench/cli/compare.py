"""`lis compare`: each area against a benchmark, Fingertips-style (confidence intervals, better / worse)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ..core.errors import LisError
from .console import STORE_ARG, console, fmt, open_store


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_cmd)


ENGLAND = "E92000001"


KIND_MULTIPLIERS = {"proportion": 100.0, "rate": 1000.0, "count": 1.0}


def compare_cmd(store: Path = STORE_ARG,
                indicator: str = typer.Argument(..., help="The numerator (or count) indicator."),
                denominator: str | None = typer.Option(None, help="The denominator indicator (e.g. a population); "
                                                                  "default: the indicator's own denominators, "
                                                                  "else the one its catalogue entry names."),
                kind: str | None = typer.Option(None, help="proportion (Wilson), rate or count (Byar); default "
                                                           "proportion with a denominator, else count."),
                multiplier: float | None = typer.Option(None, help="Values are numerator / denominator x this "
                                                                   "(default 100 for proportions, 1000 for rates)."),
                benchmark: str = typer.Option("borough", help="borough (all the areas together), england (the "
                                                              "store's England values), an area code, or a number."),
                period: str | None = typer.Option(None, help="Period of the indicator (default: the latest)."),
                denominator_period: str | None = typer.Option(None, help="Period of the denominator (default: "
                                                                         "the latest)."),
                csv: Path | None = typer.Option(None, "--csv", help="Write the comparison table here.")) -> None:
    """Compare each area with a benchmark, Fingertips-style: confidence intervals, higher / similar / lower and
    better / worse."""
    import pandas as pd

    from ..core.compare import KINDS, compare, total_benchmark

    if kind is not None and kind not in KINDS:
        raise typer.BadParameter(f"'{kind}' is not one of {', '.join(KINDS)}.", param_hint="--kind")
    with open_store(store) as opened:
        entry = opened.indicator(indicator)
        values = opened.get_values(indicator, period)
        used_period = str(values["period"].iloc[0]) if len(values) else str(period)
        frame = pd.DataFrame({"area_code": values["area_code"], "area_name": values["area_name"],
                              "suppressed": values["suppressed"]})
        bench_num = bench_den = None
        if not denominator and not values["denominator"].notna().any() and entry.get("denominator"):
            denominator = entry["denominator"]  # the population the catalogue says this counts among
            console.print(f"Denominator: {denominator} (from the catalogue)")
        if denominator:
            den_entry = opened.indicator(denominator)
            if den_entry["geography"] != entry["geography"]:
                raise LisError(f"'{indicator}' is on {entry['geography']} but '{denominator}' is on "
                               f"{den_entry['geography']}.")
            den_values = opened.get_values(denominator, denominator_period)
            den_period = str(den_values["period"].iloc[0]) if len(den_values) else str(denominator_period)
            frame["numerator"] = values["value"].to_numpy(float)
            frame["denominator"] = frame["area_code"].map(den_values.set_index("area_code")["value"]).astype(float)
            bench_num, bench_den = opened.benchmarks(indicator, used_period), opened.benchmarks(denominator, den_period)
        elif values["denominator"].notna().any():
            frame["numerator"] = values["numerator"].to_numpy(float)
            frame["denominator"] = values["denominator"].to_numpy(float)
            bench_num = opened.benchmarks(indicator, used_period)
        else:
            frame["numerator"] = values["value"].to_numpy(float)
            bench_num = opened.benchmarks(indicator, used_period)
    has_denominator = "denominator" in frame
    kind = kind or ("proportion" if has_denominator else "count")
    if kind != "count" and not has_denominator:
        raise LisError(f"A {kind} needs a denominator: '{indicator}' has none stored, so give --denominator.")
    scale = multiplier if multiplier is not None else KIND_MULTIPLIERS[kind]
    target, described = _benchmark(benchmark, frame, kind, scale, bench_num, bench_den, denominator, total_benchmark)
    result = compare(frame, target, kind=kind, polarity=entry.get("polarity"), multiplier=scale)
    unit = {"proportion": "%" if scale == 100 else f"per {scale:,.0f}", "rate": f"per {scale:,.0f}",
            "count": "count"}[kind]
    console.print(f"[bold]{entry['title']}[/bold] ({used_period}) "
                      + (f"per {denominator} " if denominator else "")
                      + f"as a {kind} ({unit}), {result.attrs['method']} intervals; benchmark {described}: "
                      f"{result.attrs['benchmark']:,.4g}", highlight=False)
    listing = Table("area", "numerator", "denominator", "value", "95% CI", "vs benchmark (95%)", "99.8%",
                    "assessment")
    for r in result.sort_values("value", ascending=False, na_position="last").itertuples(index=False):
        interval = f"{fmt(r.lower_95, 2)} - {fmt(r.upper_95, 2)}" if r.lower_95 == r.lower_95 else ""
        listing.add_row(str(r.area_name or r.area_code), fmt(r.numerator), fmt(r.denominator), fmt(r.value, 2),
                        interval, r.vs_benchmark_95, r.vs_benchmark_99_8, r.assessment_95 if r.reason == "" else
                        r.reason)
    console.print(listing)
    counts = result["vs_benchmark_95"].value_counts()
    console.print("At 95%: " + ", ".join(f"{counts.get(v, 0)} {v}" for v in ("higher", "similar", "lower"))
                      + (f", {counts.get('not compared')} not compared" if counts.get("not compared") else ""))
    if csv:
        from ..core.safe_csv import write_csv

        write_csv(result, csv)
        console.print(f"Wrote {csv}")


def _benchmark(text: str, frame, kind: str, scale: float, bench_num, bench_den, denominator, total_benchmark):
    """The benchmark to pass to compare(): a number or an area code of the frame; and its description."""
    word = text.strip()
    if word.lower() == "borough":
        return total_benchmark(frame, kind=kind, multiplier=scale), f"all {len(frame)} areas together"
    try:
        return float(word), "as given"
    except ValueError:
        pass
    code = ENGLAND if word.lower() == "england" else word
    if code in set(frame["area_code"]):
        return code, f"area {code}"
    published = _published(bench_num, code)
    if published is None:
        raise LisError(f"The benchmark '{word}' is neither an area of the values nor a benchmark area stored for "
                       "this indicator (add benchmark values to the store, or use --benchmark borough or a "
                       "number).")
    name = published["area_name"] or code
    if kind == "count":
        return published["value"], name
    if bench_den is not None:
        den = _published(bench_den, code)
        if den is None or not den["value"] > 0:
            raise LisError(f"The store has no {name} value of the denominator '{denominator}' to compare with.")
        return published["value"] / den["value"] * scale, f"{name} ({published['value']:,.0f} / {den['value']:,.0f})"
    if published["denominator"] > 0 and published["numerator"] >= 0:
        return (published["numerator"] / published["denominator"] * scale,
                f"{name} ({published['numerator']:,.0f} / {published['denominator']:,.0f})")
    raise LisError(f"The stored {name} value of this indicator has no numerator and denominator to compare a {kind} "
                   "with; give --denominator, a number, or use --benchmark borough.")


def _published(frame, code: str) -> dict | None:
    """One stored benchmark area's row (value, numerator, denominator, area_name), or None."""
    if frame is None or frame.empty:
        return None
    rows = frame[frame["area_code"] == code]
    if rows.empty or rows["value"].isna().all():
        return None
    return rows.iloc[0].to_dict()

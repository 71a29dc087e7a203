"""`lis index`, `lis trend`, `lis aggregate` and `lis compare`: composite indices, trends, geography conversion and
benchmark comparison from the terminal (registered on the main `lis` app by cli.py)."""

from __future__ import annotations

import math
from pathlib import Path

import typer
from rich.table import Table

from .core.errors import LisError

ENGLAND = "E92000001"
STORE_OPTION = typer.Option(..., "--store", help="The store file (.gpkg or .sqlite).")
STORE_ARG = typer.Argument(..., help="The store file (.gpkg or .sqlite).")


def register(app: typer.Typer) -> None:
    """Add the index/trend/aggregate/compare commands to the `lis` app."""
    app.command("index")(index_cmd)
    app.command("trend")(trend_cmd)
    app.command("aggregate")(aggregate_cmd)
    app.command("compare")(compare_cmd)


def _main():
    """The main CLI module (consoles, store opening), imported late: it imports this module while loading."""
    from . import cli

    return cli


def _fmt(value, decimals: int | None = None) -> str:
    """A number for a table cell: blank when missing, thousands separated, with `decimals` places (default: none
    for whole numbers, else 3)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "" if value is None else str(value)
    if math.isnan(number):
        return ""
    if decimals is None:
        decimals = 0 if number.is_integer() else 3
    return f"{number:,.{decimals}f}"


# ------------------------------------------------------------------ index
def index_cmd(recipe: Path = typer.Argument(..., help="An index recipe (TOML or JSON), e.g. "
                                                      "sample_data/wigan_vulnerability_index.toml."),
              store: Path = STORE_OPTION,
              save: bool = typer.Option(False, "--save", help="Write <id>_score, _rank and _decile into the store, "
                                                              "with the recipe as provenance."),
              replace: bool = typer.Option(False, "--replace", help="With --save: overwrite an index already "
                                                                    "saved for this period."),
              out: Path | None = typer.Option(None, "--out", help="A map page of the index deciles: .png or .pdf."),
              csv: Path | None = typer.Option(None, "--csv", help="Write every area's score, rank, decile and "
                                                                  "component contributions here."),
              sensitivity: bool = typer.Option(False, "--sensitivity", help="Print how many areas change decile "
                                                                            "when each weight moves by --step."),
              step: float = typer.Option(0.2, help="Sensitivity: move each weight up and down by this share."),
              top: int = typer.Option(10, help="How many of the most-in-need areas to list.")) -> None:
    """Build a composite (need / vulnerability) index from a recipe: normalise, weight, combine, rank, decile."""
    from .core.composite import load_recipe, run_recipe, save_index

    cli = _main()
    parsed = load_recipe(recipe)
    with cli._open(store) as opened:
        result = run_recipe(opened, parsed)
        geography = result.provenance["geography"]
        areas = opened.areas(geography, with_geometry=out is not None)
        checksum = opened.checksum()
        saved = save_index(opened, parsed, result, replace=replace) if save else []
    table = result.frame.reset_index().merge(areas, on="area_code", how="left")
    table = table.sort_values(["index_rank", "area_code"], na_position="last")
    shares = [f"{c.id}_share" for c in result.components]
    cli.console.print(f"[bold]{parsed.title}[/bold]: {result.frame['index_score'].notna().sum()} areas of "
                      f"{geography}, period {result.provenance['period']}")
    cli.console.print(f"  {result.method()}", highlight=False)
    listing = Table("rank", "area_code", title=f"The {top} areas most in need")
    listing.add_column("area_name", no_wrap=True)
    listing.add_column("score")
    listing.add_column("decile")
    listing.add_column("largest part", overflow="fold")
    for row in table.head(top).itertuples(index=False):
        parts = {c.id: getattr(row, s) for c, s in zip(result.components, shares)}
        largest = max(parts, key=lambda k: -1 if parts[k] != parts[k] else parts[k])
        listing.add_row(_fmt(row.index_rank), row.area_code, str(row.area_name or ""), _fmt(row.index_score),
                        _fmt(row.index_decile), f"{largest} ({parts[largest]:.0%})")
    cli.console.print(listing)
    moved = result.sensitivity(step)
    worst = moved.loc[moved["share_changing_decile"].idxmax()] if len(moved) else None
    if worst is not None:
        cli.console.print(f"Weight sensitivity: moving a weight by {step:.0%} changes the decile of at most "
                          f"{worst['areas_changing_decile']} area(s) ({worst['share_changing_decile']:.1%}; "
                          f"{worst['component']} {worst['change']})")
    if sensitivity:
        grid = Table(title=f"Weight sensitivity: each weight moved by {step:.0%}, the others renormalised")
        grid.add_column("component", overflow="fold")
        for header in ("change", "weight", "new", "areas to another decile", "share", "max rank move"):
            grid.add_column(header, justify="right", no_wrap=len(header) < 8, max_width=None if len(header) < 8
                            else 9)
        for row in moved.itertuples(index=False):
            grid.add_row(row.component, row.change, f"{row.weight:.1%}", f"{row.new_weight:.1%}",
                         str(row.areas_changing_decile), f"{row.share_changing_decile:.1%}", str(row.max_rank_change))
        cli.console.print(grid)
    if csv:
        columns = [c for c in table.columns if c not in ("geometry", "in_population")]
        from .core.safe_csv import write_csv

        write_csv(table[columns], csv)
        cli.console.print(f"Wrote {csv}")
    if saved:
        cli.console.print(f"Saved {', '.join(saved)} into {store}")
    if out:
        _index_map(table, parsed, result, out, checksum)
        cli.console.print(f"Wrote {out}")


def _index_map(table, recipe, result, out: Path, checksum: str) -> None:
    """A decile map page of the index (decile 1, the most in need, darkest)."""
    import numpy as np

    from .qgis_bridge.app import start_qgis

    start_qgis()
    from .qgis_bridge.charts import style_index_deciles
    from .qgis_bridge.layers import layer_from_frame
    from .qgis_bridge.maps import MapSpec, render_map

    frame = table[["area_code", "area_name", "geometry"]].copy()
    for column in ("index_score", "index_rank", "index_decile"):
        frame[column] = table[column].to_numpy(float, na_value=np.nan)
    layer = layer_from_frame(frame, recipe.title)
    classification = style_index_deciles(layer)
    periods = ", ".join(f"{k} {p}" for k, p in result.provenance.get("periods", {}).items())
    spec = MapSpec(field="index_decile", method="decile", title=recipe.title,
                   unit="Decile (1 = most in need)", period=str(result.provenance.get("period") or ""),
                   source=f"LIS Workbench composite index, recipe {Path(recipe.path or 'recipe').name}",
                   provenance=f"{result.method()}. Inputs: {periods}. Store checksum {checksum[:16]}.")
    render_map([layer], spec, classification, out)


# ------------------------------------------------------------------ trend
def trend_cmd(store: Path = STORE_ARG, indicator: str = typer.Argument(..., help="Indicator id (see `lis list`)."),
              start: str | None = typer.Option(None, help="First period (default: the earliest)."),
              end: str | None = typer.Option(None, help="Last period (default: the latest)."),
              areas: str | None = typer.Option(None, help="Only these areas: codes or names, comma-separated."),
              alpha: float = typer.Option(0.05, help="Significance level of the trend test."),
              csv: Path | None = typer.Option(None, "--csv", help="Write the change and trend table here."),
              chart: Path | None = typer.Option(None, "--chart", help="Small multiples, one panel per area (.png)."),
              map_out: Path | None = typer.Option(None, "--map", help="A map page of the change (.png or .pdf); "
                                                                      "needs a polygon geography.")) -> None:
    """Each area's change between two periods (absolute, percent, rank) and its straight-line trend over them."""
    import pandas as pd

    from .core.trends import change, period_to_year, trend

    cli = _main()
    with cli._open(store) as opened:
        entry = opened.indicator(indicator)
        series = opened.get_series(indicator)
        names = opened.area_codes(entry["geography"])
        if map_out and opened.geography(entry["geography"])["kind"] != "areas":
            raise LisError(f"'{indicator}' is on {entry['geography']}, which has no polygons to map.")
        shapes = opened.areas(entry["geography"]) if map_out else None
        checksum = opened.checksum()
    periods = entry["periods"]
    if not periods:
        raise LisError(f"Indicator '{indicator}' has no values.")
    start, end = start or periods[0], end or periods[-1]
    for name, period in (("--start", start), ("--end", end)):
        if period not in periods:
            raise LisError(f"{name} {period}: '{indicator}' has no such period; it has {periods[0]} to "
                           f"{periods[-1]} ({len(periods)} periods).")
    if period_to_year(start) >= period_to_year(end):
        raise LisError(f"--start {start} must come before --end {end}.")
    series = series.assign(area_name=series["area_code"].map(names))
    if areas:
        series = series[series["area_code"].isin(_chosen_areas(areas, names))]
    years = series["period"].map(period_to_year)
    window = series[(years >= period_to_year(start)) & (years <= period_to_year(end))].copy()
    moved = change(window, start, end)
    fitted = trend(window, polarity=entry.get("polarity"), alpha=alpha)
    table = moved.merge(fitted, on="area_code")
    table.insert(1, "area_name", table["area_code"].map(names))
    table = table.sort_values(["change", "area_code"], ascending=[False, True], na_position="last")
    unit = entry.get("unit") or ""
    listing = Table("area", f"{start}", f"{end}", "change", "% change", "rank change", "slope / year", "p",
                    "trend", title=f"{entry['title']}: {start} to {end} ({len(table)} areas)")
    for row in table.itertuples(index=False):
        listing.add_row(str(row.area_name or row.area_code), _fmt(row.value_start, 2), _fmt(row.value_end, 2),
                        _fmt(row.change, 2), _fmt(row.percent_change, 1), _fmt(row.rank_change, 0),
                        _fmt(row.slope, 3), _fmt(row.p_value, 3),
                        row.assessment if row.assessment != "not assessed" else row.direction)
    cli.console.print(listing)
    counts = table["assessment"].value_counts()
    cli.console.print(", ".join(f"{n} {label}" for label, n in counts.items()) + f" (alpha {alpha:g}, "
                      f"{window['period'].nunique()} periods)")
    if csv:
        from .core.safe_csv import write_csv

        write_csv(table, csv)
        cli.console.print(f"Wrote {csv}")
    if chart or map_out:
        from .qgis_bridge.app import start_qgis

        start_qgis()
        provenance = (f"Indicator {indicator} from {Path(store).name} (imported from {entry.get('import_file')}), "
                      f"store checksum {checksum[:16]}.")
    if chart:
        from .qgis_bridge.charts import trend_chart

        source = f"Source: {entry.get('source')}." if entry.get("source") else ""
        licence = f" Licence: {entry.get('licence')}." if entry.get("licence") else ""
        trend_chart(window, fitted, chart, title=f"{entry['title']}: trend by area",
                    subtitle=f"{unit + ', ' if unit else ''}{start} to {end}; one panel per area, same scale; "
                             f"trend = least-squares line, tested at {alpha:g}",
                    footer=f"{source}{licence} {provenance}".strip(), start=start, end=end)
        cli.console.print(f"Wrote {chart}")
    if map_out:
        _change_map(pd.merge(shapes, table[["area_code", "change"]], on="area_code", how="left"), entry, start,
                    end, map_out, provenance)
        cli.console.print(f"Wrote {map_out}")


def _chosen_areas(text: str, names: dict) -> set[str]:
    """Area codes from a comma-separated list of codes or names (names matched without regard to case)."""
    by_name = {str(n).strip().lower(): c for c, n in names.items() if n}
    chosen, unknown = set(), []
    for item in (p.strip() for p in text.split(",") if p.strip()):
        code = item if item in names else by_name.get(item.lower())
        if code is None:
            unknown.append(item)
        else:
            chosen.add(code)
    if unknown:
        raise LisError(f"--areas: {', '.join(unknown)} is not a code or name of this indicator's geography.")
    return chosen


def _change_map(frame, entry: dict, start: str, end: str, out: Path, provenance: str) -> None:
    """A diverging map of the change, classes symmetric around 0, red = the worse direction."""
    from .core.classify import classify
    from .core.palette import choose_ramp
    from .qgis_bridge.charts import symmetric_breaks
    from .qgis_bridge.layers import layer_from_frame
    from .qgis_bridge.maps import MapSpec, render_map
    from .qgis_bridge.thematic import style_layer

    name = entry["title"]
    title = f"Change in {name[0].lower() + name[1:] if name[1:2].islower() else name}"
    layer = layer_from_frame(frame, title)
    breaks = symmetric_breaks(frame["change"])
    classification = classify(frame["change"].to_numpy(float), "manual", breaks=breaks)
    polarity = entry.get("polarity")
    style_layer(layer, "change", classification, choose_ramp(polarity, change=True))
    unit = entry.get("unit") or ""
    worse = {"high_is_bad": "red = rise (worse)", "high_is_good": "red = fall (worse)"}.get(polarity or "", "")
    spec = MapSpec(field="change", method="equal steps either side of no change", title=title,
                   unit=f"Change{' in ' + unit if unit and unit != '%' else ' (percentage points)' if unit else ''}",
                   period=f"{start} to {end}" + (f"; {worse}" if worse else ""), polarity=None,
                   source=entry.get("source") or "", licence=entry.get("licence") or "", provenance=provenance)
    render_map([layer], spec, classification, out)


# ------------------------------------------------------------------ aggregate
def aggregate_cmd(store: Path = STORE_ARG, indicator: str = typer.Argument(..., help="Indicator id to aggregate."),
                  lookup: str = typer.Option(..., "--lookup", help="A lookup of the store, e.g. lsoa11_ward23."),
                  period: str | None = typer.Option(None, help="Period (default: the latest)."),
                  population: str | None = typer.Option(None, help="For rates without numerators: a population "
                                                                   "indicator to weight the mean by."),
                  save_as: str | None = typer.Option(None, "--save-as", help="Save the result in the store as this "
                                                                             "new indicator id."),
                  replace: bool = typer.Option(False, "--replace", help="With --save-as: overwrite its values."),
                  csv: Path | None = typer.Option(None, "--csv", help="Write the aggregated table here.")) -> None:
    """Aggregate an indicator to larger areas through a lookup: counts summed, rates recomputed, ranks refused."""
    import pandas as pd

    from .core.geography import aggregate, aggregation_kind
    from .core.store import ValueRows

    cli = _main()
    with cli._open(store) as opened:
        entry = opened.indicator(indicator)
        known = opened.lookups()
        row = known[known["name"] == lookup]
        if row.empty:
            raise LisError(f"The store has no lookup '{lookup}' (it has: {', '.join(known['name']) or 'none'}).")
        source_geo, target_geo = row["from_geography"].iloc[0], row["to_geography"].iloc[0]
        if entry["geography"] != source_geo:
            raise LisError(f"Lookup '{lookup}' goes from {source_geo} to {target_geo}, but '{indicator}' is on "
                           f"{entry['geography']}.")
        values = opened.get_values(indicator, period)
        weights = None
        if population:
            people = opened.get_values(population)
            weights = pd.Series(people["value"].to_numpy(float), index=people["area_code"])
        kind = aggregation_kind(entry.get("value_type"), entry.get("unit"))
        result = aggregate(values, opened.lookup(lookup), kind, weights, area_label=_area_label(source_geo))
        if kind == "not aggregable" and result["value"].isna().all():
            raise LisError(f"'{indicator}' holds {entry.get('value_type')} values ({entry.get('unit')}), which "
                           "cannot be aggregated: an average rank or score is not the rank or score of anything. "
                           "(They are carried over only to areas made of exactly one source area, as through a "
                           "lookup between two editions of a geography.)")
        names = opened.area_codes(target_geo)
        used_period = str(values["period"].iloc[0]) if len(values) else str(period)
        saved = None
        if save_as:
            rows = pd.DataFrame({"area_code": result["area_code"], "period": used_period, "value": result["value"],
                                 "numerator": result["numerator"], "denominator": result["denominator"],
                                 "lower_ci": float("nan"), "upper_ci": float("nan"), "suppressed": False})
            rows = rows[rows["value"].notna()]
            new = {"id": save_as, "title": f"{entry['title']} ({target_geo})", "theme": entry.get("theme"),
                   "unit": entry.get("unit"), "value_type": entry.get("value_type"),
                   "polarity": entry.get("polarity"), "geography": target_geo,
                   "source": f"Aggregated by LIS Workbench from {indicator} ({used_period}) through lookup {lookup} "
                             f"({kind}). Original source: {entry.get('source') or 'not recorded'}.",
                   "partner": entry.get("partner"), "licence": entry.get("licence"), "notes": entry.get("notes")}
            opened.write_indicators([ValueRows(new, rows)], file=None, checksum=None, replace=replace)
            saved = len(rows)
    result.insert(1, "area_name", result["area_code"].map(names))
    listing = Table("area_code", "area_name", "value", "numerator", "denominator", "areas", "missing", "method",
                    title=f"{entry['title']} ({used_period}) by {target_geo}")
    for r in result.itertuples(index=False):
        listing.add_row(r.area_code, str(r.area_name or ""), _fmt(r.value), _fmt(r.numerator), _fmt(r.denominator),
                        str(r.n_areas), str(r.incomplete or ""), r.method)
    cli.console.print(listing)
    unmatched = result.attrs.get("unmatched") or []
    if unmatched:
        cli.err.print(f"[yellow]{len(unmatched)} area(s) of {indicator} are not in lookup {lookup} and were left "
                      f"out: {', '.join(unmatched[:10])}{' ...' if len(unmatched) > 10 else ''}[/yellow]")
    if csv:
        from .core.safe_csv import write_csv

        write_csv(result, csv)
        cli.console.print(f"Wrote {csv}")
    if save_as:
        cli.console.print(f"Saved {save_as}: {saved} values on {target_geo} for {used_period}")


def _area_label(geography: str) -> str:
    """What to call one area of a geography in method text: lsoa11 -> LSOA, ward22 -> ward."""
    base = geography.rstrip("0123456789") or geography
    return base.upper() if base in ("lsoa", "msoa", "oa", "lad") else base


# ------------------------------------------------------------------ compare
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

    from .core.compare import KINDS, compare, total_benchmark

    cli = _main()
    if kind is not None and kind not in KINDS:
        raise typer.BadParameter(f"'{kind}' is not one of {', '.join(KINDS)}.", param_hint="--kind")
    with cli._open(store) as opened:
        entry = opened.indicator(indicator)
        values = opened.get_values(indicator, period)
        used_period = str(values["period"].iloc[0]) if len(values) else str(period)
        frame = pd.DataFrame({"area_code": values["area_code"], "area_name": values["area_name"],
                              "suppressed": values["suppressed"]})
        bench_num = bench_den = None
        if not denominator and not values["denominator"].notna().any() and entry.get("denominator"):
            denominator = entry["denominator"]  # the population the catalogue says this counts among
            cli.console.print(f"Denominator: {denominator} (from the catalogue)")
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
    cli.console.print(f"[bold]{entry['title']}[/bold] ({used_period}) "
                      + (f"per {denominator} " if denominator else "")
                      + f"as a {kind} ({unit}), {result.attrs['method']} intervals; benchmark {described}: "
                      f"{result.attrs['benchmark']:,.4g}", highlight=False)
    listing = Table("area", "numerator", "denominator", "value", "95% CI", "vs benchmark (95%)", "99.8%",
                    "assessment")
    for r in result.sort_values("value", ascending=False, na_position="last").itertuples(index=False):
        interval = f"{_fmt(r.lower_95, 2)} - {_fmt(r.upper_95, 2)}" if r.lower_95 == r.lower_95 else ""
        listing.add_row(str(r.area_name or r.area_code), _fmt(r.numerator), _fmt(r.denominator), _fmt(r.value, 2),
                        interval, r.vs_benchmark_95, r.vs_benchmark_99_8, r.assessment_95 if r.reason == "" else
                        r.reason)
    cli.console.print(listing)
    counts = result["vs_benchmark_95"].value_counts()
    cli.console.print("At 95%: " + ", ".join(f"{counts.get(v, 0)} {v}" for v in ("higher", "similar", "lower"))
                      + (f", {counts.get('not compared')} not compared" if counts.get("not compared") else ""))
    if csv:
        from .core.safe_csv import write_csv

        write_csv(result, csv)
        cli.console.print(f"Wrote {csv}")


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

"""`lis trend`: each area's change between two periods and its straight-line trend, charts and change maps."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ..core.errors import LisError
from .console import STORE_ARG, console, fmt, open_store


def register(app: typer.Typer) -> None:
    app.command("trend")(trend_cmd)


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

    from ..core.trends import change, period_to_year, trend

    with open_store(store) as opened:
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
        listing.add_row(str(row.area_name or row.area_code), fmt(row.value_start, 2), fmt(row.value_end, 2),
                        fmt(row.change, 2), fmt(row.percent_change, 1), fmt(row.rank_change, 0),
                        fmt(row.slope, 3), fmt(row.p_value, 3),
                        row.assessment if row.assessment != "not assessed" else row.direction)
    console.print(listing)
    counts = table["assessment"].value_counts()
    console.print(", ".join(f"{n} {label}" for label, n in counts.items()) + f" (alpha {alpha:g}, "
                      f"{window['period'].nunique()} periods)")
    if csv:
        from ..core.safe_csv import write_csv

        write_csv(table, csv)
        console.print(f"Wrote {csv}")
    if chart or map_out:
        from ..qgis_bridge.app import start_qgis

        start_qgis()
        provenance = (f"Indicator {indicator} from {Path(store).name} (imported from {entry.get('import_file')}), "
                      f"store checksum {checksum[:16]}.")
    if chart:
        from ..qgis_bridge.charts import trend_chart

        source = f"Source: {entry.get('source')}." if entry.get("source") else ""
        licence = f" Licence: {entry.get('licence')}." if entry.get("licence") else ""
        trend_chart(window, fitted, chart, title=f"{entry['title']}: trend by area",
                    subtitle=f"{unit + ', ' if unit else ''}{start} to {end}; one panel per area, same scale; "
                             f"trend = least-squares line, tested at {alpha:g}",
                    footer=f"{source}{licence} {provenance}".strip(), start=start, end=end)
        console.print(f"Wrote {chart}")
    if map_out:
        _change_map(pd.merge(shapes, table[["area_code", "change"]], on="area_code", how="left"), entry, start,
                    end, map_out, provenance)
        console.print(f"Wrote {map_out}")


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
    from ..core.classify import classify
    from ..core.map_study import MapSpec
    from ..core.palette import choose_ramp
    from ..qgis_bridge.charts import symmetric_breaks
    from ..qgis_bridge.layers import layer_from_frame
    from ..qgis_bridge.maps import render_map
    from ..qgis_bridge.thematic import style_layer

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

"""`lis aggregate`: an indicator on larger areas through a lookup (counts summed, rates recomputed)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ..core.errors import LisError
from .console import STORE_ARG, console, err, fmt, open_store


def register(app: typer.Typer) -> None:
    app.command("aggregate")(aggregate_cmd)


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

    from ..core.geography import aggregate, aggregation_kind
    from ..core.store import ValueRows

    with open_store(store) as opened:
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
        listing.add_row(r.area_code, str(r.area_name or ""), fmt(r.value), fmt(r.numerator), fmt(r.denominator),
                        str(r.n_areas), str(r.incomplete or ""), r.method)
    console.print(listing)
    unmatched = result.attrs.get("unmatched") or []
    if unmatched:
        err.print(f"[yellow]{len(unmatched)} area(s) of {indicator} are not in lookup {lookup} and were left "
                      f"out: {', '.join(unmatched[:10])}{' ...' if len(unmatched) > 10 else ''}[/yellow]")
    if csv:
        from ..core.safe_csv import write_csv

        write_csv(result, csv)
        console.print(f"Wrote {csv}")
    if save_as:
        console.print(f"Saved {save_as}: {saved} values on {target_geo} for {used_period}")


def _area_label(geography: str) -> str:
    """What to call one area of a geography in method text: lsoa11 -> LSOA, ward22 -> ward."""
    base = geography.rstrip("0123456789") or geography
    return base.upper() if base in ("lsoa", "msoa", "oa", "lad") else base

"""The aggregation study: an indicator of the store on larger areas through one of its lookups, by the rule its
type allows (counts summed, rates recomputed, ranks refused; geography.aggregate), optionally saved back into the
store as a new indicator with its provenance. `lis aggregate` and Processing "Aggregate to larger areas" run it."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .errors import AnalysisError, GeographyError
from .geography import aggregate, aggregation_kind, area_label
from .store import ValueRows


@dataclass
class AggregateResult:
    """The larger areas' values (area_code, value, numerator, denominator, n_areas, incomplete, method) and what
    they came from."""

    table: pd.DataFrame
    entry: dict
    lookup: dict  # lookup_info of the lookup used
    period: str
    kind: str
    title: str


def aggregate_indicator(store, indicator: str, lookup: str, period: str | None = None,
                        population: str | None = None) -> AggregateResult:
    """One indicator's values for one period, aggregated through a store lookup. `population` (an indicator)
    weights rates that come without numerators and denominators."""
    entry = store.indicator(indicator)
    info = store.lookup_info(lookup)
    if entry["geography"] != info["from_geography"]:
        raise GeographyError(f"Lookup '{lookup}' goes from {info['from_geography']} to {info['to_geography']}, "
                             f"but '{indicator}' is on {entry['geography']}.", option="lookup")
    values = store.get_values(indicator, period)
    weights = None
    if population:
        people = store.get_values(population)
        weights = pd.Series(people["value"].to_numpy(float), index=people["area_code"])
    kind = aggregation_kind(entry.get("value_type"), entry.get("unit"))
    table = aggregate(values, store.lookup(lookup), kind, weights, area_label=area_label(info["from_geography"]))
    if kind == "not aggregable" and table["value"].isna().all():
        raise AnalysisError(f"'{indicator}' holds {entry.get('value_type')} values ({entry.get('unit')}), which "
                            "cannot be aggregated: an average rank or score is not the rank or score of anything. "
                            "(They are carried over only to areas made of exactly one source area, as through a "
                            "lookup between two editions of a geography.)")
    used = str(values["period"].iloc[0]) if len(values) else str(period)
    names = store.area_codes(info["to_geography"])
    table.insert(1, "area_name", table["area_code"].map(names))
    return AggregateResult(table, entry, info, used, kind, f"{entry['title']} ({used}) by {info['to_geography']}")


def save_aggregate(store, result: AggregateResult, new_id: str, replace: bool = False) -> int:
    """Write the aggregated values into the store as indicator `new_id` on the larger areas; returns the number
    of values written."""
    table = result.table
    rows = pd.DataFrame({"area_code": table["area_code"], "period": result.period, "value": table["value"],
                         "numerator": table["numerator"], "denominator": table["denominator"],
                         "lower_ci": float("nan"), "upper_ci": float("nan"), "suppressed": False})
    rows = rows[rows["value"].notna()]
    entry, info = result.entry, result.lookup
    new = {"id": new_id, "title": f"{entry['title']} ({info['to_geography']})", "theme": entry.get("theme"),
           "unit": entry.get("unit"), "value_type": entry.get("value_type"), "polarity": entry.get("polarity"),
           "geography": info["to_geography"],
           "source": f"Aggregated by LIS Workbench from {entry['id']} ({result.period}) through lookup "
                     f"{info['name']} ({result.kind}). Original source: {entry.get('source') or 'not recorded'}.",
           "partner": entry.get("partner"), "licence": entry.get("licence"), "notes": entry.get("notes")}
    store.write_indicators([ValueRows(new, rows)], file=None, checksum=None, replace=replace)
    return len(rows)

"""`lis areas ...`: custom areas (an analyst's own neighbourhoods) made of whole small areas, stored as a geography
with its lookup `<of>_<NAME>` so every indicator aggregates to them (`lis aggregate STORE IND --lookup of_NAME`)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ..core.errors import ParameterError
from .console import STORE_ARG, console, err, fmt, open_store

app = typer.Typer(help="Custom areas (your own neighbourhoods) made of small areas.", no_args_is_help=True)


@app.command("add")
def areas_add(store: str = STORE_ARG,
              name: str = typer.Argument(..., help="Name of the new geography, e.g. neighbourhoods."),
              codes: Path | None = typer.Option(None, "--codes", help="CSV with columns code (small area) and name "
                                                                      "(custom area)."),
              from_layer: Path | None = typer.Option(None, "--from-layer", help="A polygon layer (any file OGR "
                                                                                "reads) drawing the custom areas."),
              method: str = typer.Option("centroid", "--method", help="With --from-layer: centroid (a small area "
                                         "joins the polygon holding its population-weighted centroid) or overlap "
                                         "(the polygon holding the largest share of its land)."),
              of: str | None = typer.Option(None, "--of", help="The small areas (default: the store's small-area "
                                                               "geography, e.g. lsoa11)."),
              layer: str | None = typer.Option(None, help="Layer of a multi-layer --from-layer file."),
              name_field: str | None = typer.Option(None, help="Field of --from-layer naming the areas."),
              code_field: str | None = typer.Option(None, help="Field of --from-layer holding area codes (default: "
                                                               "area_code if there is one, else the names)."),
              population: str | None = typer.Option(None, help="Population indicator on the small areas weighing "
                                                               "the fit (default: the newest popYYYY_total)."),
              replace: bool = typer.Option(False, help="Replace custom areas (and lookup) of the same name.")) -> None:
    """Define custom areas from a CSV of small-area codes or from a polygon layer; store them as geography NAME
    with lookup <of>_NAME and a record of how they were made and how well each fits."""
    from ..core.custom_areas import METHODS, add_custom_areas

    if method not in METHODS:
        raise ParameterError(f"--method must be one of {', '.join(METHODS)}, not '{method}'.")
    with open_store(store) as opened:
        built = add_custom_areas(opened, name, codes=codes, layer_file=from_layer, method=method, of=of,
                                 layer=layer, code_field=code_field, name_field=name_field, population=population,
                                 replace=replace)
    definition = built.definition
    console.print(f"Added custom areas {name}: {len(built.rows)} areas of {built.of} "
                  f"({definition['method']}{', by ' + definition['placed_by'] if 'placed_by' in definition else ''})"
                  f"; lookup {built.lookup}", markup=False)
    _fit_table(definition)
    for warning in built.warnings:
        err.print(f"[yellow]{warning}[/yellow]")
    if definition.get("unassigned"):
        left = definition["unassigned"]
        console.print(f"  {len(left)} area(s) of {built.of} fall in no custom area.", markup=False)


@app.command("list")
def areas_list(store: str = STORE_ARG) -> None:
    """List the store's custom areas: how each set was made, by whom and when."""
    with open_store(store) as opened:
        sets = opened.area_sets()
    if not sets:
        console.print("The store has no custom areas yet (lis areas add).")
        return
    table = Table("name", "of", "areas", "method", "source", "population", "creator", "created", "lookup")
    for name, d in sets.items():
        table.add_row(name, d["of"], str(len(d["areas"])), d["method"], d.get("source") or "",
                      d.get("population") or "", d.get("creator") or "", d.get("created_at") or "",
                      f"{d['of']}_{name}")
    console.print(table)


def _fit_table(definition: dict) -> None:
    table = Table("code", "name", "small areas", "population", "people in whole small areas", "land inside",
                  "polygon covered", title="Fit of each custom area")
    for a in definition["areas"]:
        table.add_row(str(a["code"]), str(a["name"]), str(len(a["small_areas"])), fmt(a["population"]),
                      _share(a["whole_population_share"]), _share(a["land_inside"]), _share(a["polygon_covered"]))
    console.print(table)


def _share(value) -> str:
    return "" if value is None else f"{value:.1%}"

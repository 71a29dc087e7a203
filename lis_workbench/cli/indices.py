"""`lis index`: composite (need / vulnerability) indices from a recipe, saved back into the store."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from .console import STORE_OPTION, console, fmt, open_store


def register(app: typer.Typer) -> None:
    app.command("index")(index_cmd)


def index_cmd(recipe: Path = typer.Argument(..., help="An index recipe (TOML or JSON), e.g. "
                                                      "sample_data/wigan_vulnerability_index.toml."),
              store: str = STORE_OPTION,
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
    from ..core.index_recipe import index_credits, load_recipe, run_recipe, save_index

    parsed = load_recipe(recipe)
    with open_store(store) as opened:
        result = run_recipe(opened, parsed)
        geography = result.provenance["geography"]
        areas = opened.areas(geography, with_geometry=out is not None)
        checksum = opened.checksum()
        credits = index_credits(opened, parsed, result)
        saved = save_index(opened, parsed, result, replace=replace) if save else []
    table = result.frame.reset_index().merge(areas, on="area_code", how="left")
    table = table.sort_values(["index_rank", "area_code"], na_position="last")
    shares = [f"{c.id}_share" for c in result.components]
    console.print(f"[bold]{parsed.title}[/bold]: {result.frame['index_score'].notna().sum()} areas of "
                      f"{geography}, period {result.provenance['period']}")
    console.print(f"  {result.method()}", highlight=False)
    listing = Table("rank", "area_code", title=f"The {top} areas most in need")
    listing.add_column("area_name", no_wrap=True)
    listing.add_column("score")
    listing.add_column("decile")
    listing.add_column("largest part", overflow="fold")
    for row in table.head(top).itertuples(index=False):
        parts = {c.id: getattr(row, s) for c, s in zip(result.components, shares)}
        largest = max(parts, key=lambda k: -1 if parts[k] != parts[k] else parts[k])
        listing.add_row(fmt(row.index_rank), row.area_code, str(row.area_name or ""), fmt(row.index_score),
                        fmt(row.index_decile), f"{largest} ({parts[largest]:.0%})")
    console.print(listing)
    moved = result.sensitivity(step)
    worst = moved.loc[moved["share_changing_decile"].idxmax()] if len(moved) else None
    if worst is not None:
        console.print(f"Weight sensitivity: moving a weight by {step:.0%} changes the decile of at most "
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
        console.print(grid)
    if csv:
        columns = [c for c in table.columns if c not in ("geometry", "in_population")]
        from ..core.safe_csv import write_csv

        write_csv(table[columns], csv)
        console.print(f"Wrote {csv}")
    if saved:
        console.print(f"Saved {', '.join(saved)} into {store}")
    if out:
        _index_map(table, parsed, result, out, checksum, credits)
        console.print(f"Wrote {out}")


def _index_map(table, recipe, result, out: Path, checksum: str, credits: str) -> None:
    """A decile map page of the index (decile 1, the most in need, darkest)."""
    import numpy as np

    from ..qgis_bridge.app import start_qgis

    start_qgis()
    from ..core.index_recipe import index_credit
    from ..core.map_study import MapSpec
    from ..qgis_bridge.charts import style_index_deciles
    from ..qgis_bridge.layers import layer_from_frame
    from ..qgis_bridge.maps import render_map

    frame = table[["area_code", "area_name", "geometry"]].copy()
    for column in ("index_score", "index_rank", "index_decile"):
        frame[column] = table[column].to_numpy(float, na_value=np.nan)
    layer = layer_from_frame(frame, recipe.title)
    classification = style_index_deciles(layer)
    periods = ", ".join(f"{k} {p}" for k, p in result.provenance.get("periods", {}).items())
    spec = MapSpec(field="index_decile", method="decile", title=recipe.title,
                   unit="Decile (1 = most in need)", period=str(result.provenance.get("period") or ""),
                   source=index_credit(recipe, result),
                   licence="; ".join(sorted({v for v in result.provenance.get("sources", {}).values() if v})),
                   provenance=f"{result.method()}. Inputs: {periods}. Store checksum {checksum[:16]}.",
                   credits=credits)
    render_map([layer], spec, classification, out)

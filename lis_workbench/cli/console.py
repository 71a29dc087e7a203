"""What every `lis` command shares: the consoles, opening a store, a progress bar, and number formatting."""

from __future__ import annotations

import math
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(soft_wrap=True)
err = Console(stderr=True)

STORE_HELP = ("The store: a file (.gpkg or .sqlite) or a PostGIS database (postgresql://user@host/db?schema=lis, "
              "or service=NAME).")
STORE_ARG = typer.Argument(..., help=STORE_HELP)
STORE_OPTION = typer.Option(..., "--store", help=STORE_HELP)


def open_store(path: str | Path):
    """The store at path, opened (a LisError says why not)."""
    from ..core.errors import StoreError
    from ..core.store import Store
    from ..core.store.address import is_database_address

    if not is_database_address(path) and not Path(path).exists():
        raise StoreError(f"There is no store at {path}: check the path, or create one with "
                         f"`lis store create {path}`.")
    return Store.open(path)


def weights_cache():
    """Where `lis` keeps layers' spatial weights between runs: LIS_CACHE_DIR, else the user's cache folder."""
    import os

    from ..core.weights_cache import cache_in

    return cache_in(Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lis_workbench")


def _progress() -> Progress:
    return Progress(TextColumn("{task.description:<48}"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                    TimeElapsedColumn(), console=err, transient=False, disable=not err.is_terminal)


def run_with_progress(label: str, work):
    """Run work(report) with a progress bar on stderr (when it is a terminal); returns what work returns."""
    with _progress() as bar:
        task = bar.add_task(label, total=1.0)

        def report(fraction: float, message: str) -> None:
            bar.update(task, completed=fraction, description=message[:48])

        return work(report)


def fmt(value, decimals: int | None = None) -> str:
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


def print_summary(store) -> None:
    """A store's path, version, geographies, lookups and indicators by theme."""
    summary = store.summary()
    console.print(f"[bold]{summary['path']}[/bold] (store version {summary['schema_version']})")
    if summary["network_drive"]:
        console.print(f"  [yellow]On a network drive ({summary['network_drive']}): safe for one writer at a time "
                      "(each change is short and locked, with a rollback journal), but if colleagues write at "
                      "once, or the connection drops often, move the store to PostGIS.[/yellow]")
    if store.is_database:
        roles = store.roles()
        console.print(f"  PostGIS store; readers: role {roles['readers']}, stewards: role {roles['stewards']}",
                      markup=False)
    geos = store.geographies()
    for row in geos.itertuples(index=False):
        console.print(f"  {row.kind:<6} {row.name:<14} {row.feature_count:>6} features  {row.title or ''}")
    for row in store.lookups().itertuples(index=False):
        console.print(f"  lookup {row.name:<14} {row.rows:>6} rows      {row.from_geography} -> {row.to_geography} "
                      f"({row.method})")
    cat = store.catalogue()
    console.print(f"  {summary['indicators']} indicators, {summary['values']:,} values, {summary['imports']} imports")
    for theme, group in cat.groupby(cat["theme"].fillna("(no theme)")):
        console.print(f"    {theme}: {len(group)}")

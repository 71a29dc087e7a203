"""`lis store ...` and `lis sample build`: create, build, inspect and audit stores; the Wigan sample store."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from ..core.errors import LisError
from .console import STORE_ARG, console, open_store, print_summary, run_with_progress

app = typer.Typer(help="Create, build and inspect stores.", no_args_is_help=True)
sample_app = typer.Typer(help="The Wigan sample store.", no_args_is_help=True)


@app.command("create")
def store_create(path: str = typer.Argument(..., help="New store: name.gpkg (GeoPackage), name.sqlite "
                                                  "(SpatiaLite), or a PostGIS database: "
                                                  "postgresql://user@host/db?schema=lis or service=NAME."),
                 overwrite: bool = typer.Option(False, help="Replace an existing file."),
                 readers: str | None = typer.Option(None, "--readers", help="PostGIS: the role that may read the "
                                                    "store (made if missing; default SCHEMA_readers)."),
                 stewards: str | None = typer.Option(None, "--stewards", help="PostGIS: the role that may change "
                                                     "the store (made if missing; default SCHEMA_stewards).")) -> None:
    """Create an empty store (on PostGIS, with its readers' and stewards' roles)."""
    from ..core.store import Store

    with Store.create(path, overwrite=overwrite, readers=readers, stewards=stewards) as made:
        console.print(f"Created store {made.path}", markup=False)
        if made.is_database:
            roles = made.roles()
            console.print(f"Readers (read and analyse): role {roles['readers']}; stewards (import, delete, lookups, "
                          f"geographies): role {roles['stewards']}. Grant them with GRANT {roles['stewards']} TO "
                          "someone;", markup=False)


@app.command("copy")
def store_copy(source: str = typer.Argument(..., help="The store to copy (file or PostGIS)."),
               target: str = typer.Argument(..., help="The new store: a new .gpkg/.sqlite file or an empty PostGIS "
                                                      "schema."),
               readers: str | None = typer.Option(None, "--readers", help="PostGIS target: readers' role."),
               stewards: str | None = typer.Option(None, "--stewards", help="PostGIS target: stewards' role.")
               ) -> None:
    """Copy a store to another backend or file, content and checksum unchanged (e.g. a GeoPackage into PostGIS,
    or a working copy of the shared store to edit and publish)."""
    from ..core.store.copy import copy_store

    checksum = run_with_progress("Copying", lambda p: copy_store(source, target, readers=readers, stewards=stewards,
                                                                 progress=p))
    console.print(f"Copied {source} to {target}; content checksum {checksum[:16]} on both.", markup=False)


@app.command("publish")
def store_publish(working: str = typer.Argument(..., help="Your working copy (taken with `lis store copy`)."),
                  shared: str = typer.Argument(..., help="The shared store file it was taken from.")) -> None:
    """Put a working copy in place of the shared store file in one atomic swap; refused when the shared store
    changed since the copy was taken."""
    from ..core.store.copy import publish

    checksum = run_with_progress("Publishing", lambda p: publish(working, shared, progress=p))
    console.print(f"Published {working} to {shared} (content checksum {checksum[:16]}).", markup=False)


@app.command("lock-info")
def store_lock_info(store: str = STORE_ARG) -> None:
    """Who holds the store's write lock now: user, host, since when and doing what."""
    with open_store(store) as opened:
        info = opened.lock_holder()
    if info is None:
        console.print(f"The store {opened.path} is free: nobody holds its write lock.", markup=False)
    elif not info.get("user"):
        console.print(f"The store {opened.path} is locked by a program that does not say who it is (e.g. QGIS "
                      "editing a layer of the store).", markup=False)
    else:
        where = info.get("host")
        console.print(f"The store {opened.path} is locked by {info['user']} on {where} since {info.get('since')}"
                      + (f", {info['what']}" if info.get("what") else "") + ".", markup=False)


@app.command("build")
def store_build(recipe: Path = typer.Argument(..., help="A store recipe (TOML), see sample_data/wigan_store.toml."),
                out: Path = typer.Option(..., "--out", help="The store file to write (replaced if present).")) -> None:
    """Build a store from a recipe: geographies, point layers, lookups and partner files."""
    from ..core.recipe import build_store

    report = run_with_progress("Building", lambda p: build_store(recipe, out, progress=p))
    _print_build(report)


@app.command("info")
def store_info(store: str = STORE_ARG) -> None:
    """Summarise a store: geographies, lookups, indicators, values."""
    with open_store(store) as opened:
        print_summary(opened)


@app.command("settings")
def store_settings(store: str = STORE_ARG,
                   values: list[str] = typer.Argument(None, help="KEY=VALUE pairs to set (KEY= clears one); none: "
                                                                 "show them.")) -> None:
    """What the store says about itself: its home geography and borough(s), the geography profiles and atlases
    are made for, its small areas, the lookup between them, and the indicators a profile shows."""
    from ..core.store.settings import SETTINGS

    with open_store(store) as opened:
        if values:
            pairs = {}
            for item in values:
                key, sep, value = item.partition("=")
                if not sep:
                    raise typer.BadParameter(f"'{item}' is not KEY=VALUE.", param_hint="VALUES")
                pairs[key.strip()] = value.strip()
            opened.set_settings(pairs)
        given = opened.settings()
        for key, meaning in SETTINGS.items():
            value = opened.setting(key)
            how = "" if key in given else (" (inferred)" if value else "")
            console.print(f"{key:<22} {value or '-'}{how}", markup=False)
            console.print(f"{'':<22} {meaning}", style="dim", markup=False)


@app.command("audit")
def store_audit(store: str = STORE_ARG) -> None:
    """The audit log: every import, lookup and deletion, with file checksums and skipped codes."""
    with open_store(store) as opened:
        frame = opened.audit()
    table = Table("at", "action", "target", "file", "rows", "skipped", "message")
    for row in frame.itertuples(index=False):
        skipped = len(json.loads(row.skipped_codes)) if row.skipped_codes else 0
        table.add_row(row.at, row.action, (row.target or "")[:40], row.file or "", str(row.rows or ""),
                      str(skipped or ""), row.message or "")
    console.print(table)


@sample_app.command("build")
def sample_build(out: Path = typer.Option(Path("out"), "--out", help="Folder for wigan_store.gpkg."),
                 store: str | None = typer.Option(None, "--store", help="Build into this store instead: a new file "
                                                  "or an empty PostGIS schema (postgresql://... or service=NAME).")
                 ) -> None:
    """Build the Wigan sample store (real open data, OGL v3) into OUT/wigan_store.gpkg (or --store)."""
    from ..core.recipe import build_store

    recipe = sample_recipe()
    target = store or out / "wigan_store.gpkg"
    report = run_with_progress("Building", lambda p: build_store(recipe, target, progress=p))
    _print_build(report)


def sample_recipe() -> Path:
    """The Wigan sample recipe: sample_data/ beside the package (a source checkout or editable install)."""
    recipe = Path(__file__).resolve().parents[2] / "sample_data" / "wigan_store.toml"
    if not recipe.exists():
        raise LisError(f"The sample data is not here ({recipe}); run from a source checkout of LIS Workbench.")
    return recipe


def _print_build(report) -> None:
    from ..core.store import Store

    for imp in report.imports:
        console.print(f"  {imp.file}: {len(imp.indicators)} indicator(s), {imp.rows} values on {imp.geography}")
    for name, unmatched in report.unmatched.items():
        if unmatched:
            console.print(f"  [yellow]lookup {name}: {len(unmatched)} area(s) unmatched[/yellow]")
    with Store.open(report.path) as opened:
        print_summary(opened)

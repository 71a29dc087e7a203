"""`lis publish`: an accessible static website of one borough (ward profiles, indicator maps, methods, an
accessibility statement) that opens from a folder, a network drive or any web server."""

from __future__ import annotations

from pathlib import Path

import typer

from .console import STORE_ARG, console, open_store, run_with_progress, weights_cache


def register(app: typer.Typer) -> None:
    app.command("publish")(publish_cmd)


def publish_cmd(store: str = STORE_ARG,
                out: Path = typer.Option(..., "--out", help="The folder the website is written into (index.html "
                                                            "and the pages beside it)."),
                borough: str | None = typer.Option(None, help="The borough (a code or name of the store's home "
                                                              "geography); needed when the store serves several."),
                indicators: str | None = typer.Option(None, help="Comma-separated indicator ids, in page order "
                                                                 "(default: the store's profile indicators)."),
                geography: str | None = typer.Option(None, help="One profile page per area of this geography "
                                                                "(default: the store's area geography, e.g. "
                                                                "ward23; or a custom set from `lis areas add`)."),
                lookup: str | None = typer.Option(None, help="Lookup from the indicators' areas to the pages' "
                                                             "(default: the store's)."),
                hotspots: str | None = typer.Option(None, "--hotspots", help="Comma-separated indicator ids: a page "
                                                    "of hot and cold spots (Getis-Ord Gi*) for each."),
                siting: Path | None = typer.Option(None, "--siting", help="A siting result GeoPackage (`lis site "
                                                   "--gpkg`): a page of the chosen sites and the areas they reach."),
                permutations: int = typer.Option(999, help="Permutations of the hot and cold spots test."),
                seed: int = typer.Option(12345, help="Random seed of the hot and cold spots test.")) -> None:
    """A website of the borough: a home page, one profile page per ward, one page per indicator (map, text,
    table and CSV), how the figures are made and an accessibility statement (WCAG 2.2 AA); with --hotspots and
    --siting also hot and cold spots pages and a siting page."""
    from ..core.publish import PublishStudy, run_publish_study

    study = PublishStudy(out=out, borough=borough, geography=geography, lookup=lookup,
                         indicators=[i for i in indicators.split(",") if i.strip()] if indicators else None,
                         hotspots=[i.strip() for i in hotspots.split(",") if i.strip()] if hotspots else None,
                         siting=siting, permutations=permutations, seed=seed, cache=weights_cache())
    with open_store(store) as opened:
        result = run_with_progress("Publishing", lambda report: run_publish_study(opened, study, progress=report))
    console.print(f"Wrote {Path(result.folder) / 'index.html'}: {result.summary}", markup=False, highlight=False)

"""`lis profile`: one area-profile page per ward (or any area), with benchmarks, spine charts and trends."""

from __future__ import annotations

from pathlib import Path

import typer

from .console import STORE_ARG, console, open_store, run_with_progress


def register(app: typer.Typer) -> None:
    app.command("profile")(profile_cmd)


def profile_cmd(store: str = STORE_ARG,
                out: Path = typer.Option(..., "--out", help="The combined PDF (one page per area)."),
                indicators: str | None = typer.Option(None, help="Comma-separated indicator ids, in page order "
                                                                 "(default: the store's profile indicators)."),
                borough: str | None = typer.Option(None, help="The borough (a code or name of the store's home "
                                                              "geography) whose areas get pages; needed when the "
                                                              "store serves several."),
                geography: str | None = typer.Option(None, help="One profile per area of this geography (default: "
                                                                "the store's area geography, e.g. ward23)."),
                lookup: str | None = typer.Option(None, help="Lookup from the indicators' areas to the profile's "
                                                             "(default: the store's)."),
                per_area: Path | None = typer.Option(None, "--per-area", help="Also one PDF per area, in this "
                                                                              "folder.")) -> None:
    """Area profiles: per area, each indicator's value, borough and England benchmark, rank, spine chart
    and trend, with how each value was derived."""
    from ..core.profile_study import ProfileStudy, run_profile_study

    study = ProfileStudy(indicators=indicators.split(",") if indicators else None, geography=geography,
                         lookup=lookup, borough=borough)
    with open_store(store) as opened:
        result = run_profile_study(opened, study)

    from ..qgis_bridge.app import start_qgis

    start_qgis()
    from ..qgis_bridge.profile import export_profiles

    files = run_with_progress("Profiles", lambda p: export_profiles(
        result.profiles, out, per_area, subtitle=result.subtitle, provenance=result.provenance, progress=p))
    console.print(f"Wrote {out}: {result.summary}"
                  + (f", and {len(files) - 1} per-area PDFs in {per_area}" if per_area else ""))

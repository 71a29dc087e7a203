"""`lis profile`: one area-profile page per ward (or any area), with benchmarks, spine charts and trends."""

from __future__ import annotations

from pathlib import Path

import typer

from .console import STORE_ARG, console, open_store, run_with_progress


def register(app: typer.Typer) -> None:
    app.command("profile")(profile_cmd)


DEFAULT_PROFILE = ("pop2016_total", "pop2016_age_0_4", "iod2019_income_numerator", "iod2019_idaci_numerator",
                   "iod2019_employment_numerator", "census2011_no_qualifications",
                   "census2011_lone_parents_not_employed", "iod2019_overcrowding", "iod2019_staying_on_post16",
                   "iod2019_years_life_lost", "iod2019_no2", "claimant_count", "imd2019_imd_rank")


def profile_cmd(store: Path = STORE_ARG,
                out: Path = typer.Option(..., "--out", help="The combined PDF (one page per area)."),
                indicators: str | None = typer.Option(None, help="Comma-separated indicator ids, in page order "
                                                                 "(default: a deprivation and population set)."),
                geography: str = typer.Option("ward23", help="One profile per area of this geography."),
                lookup: str = typer.Option("lsoa11_ward23", help="Lookup from the indicators' areas to the "
                                                                 "profile's."),
                per_area: Path | None = typer.Option(None, "--per-area", help="Also one PDF per area, in this "
                                                                              "folder.")) -> None:
    """Area profiles: per area, each indicator's value, borough and England benchmark, rank, spine chart
    and trend, with how each value was derived."""
    from ..qgis_bridge.app import start_qgis

    start_qgis()
    from ..core.profile import build_profiles
    from ..qgis_bridge.profile import export_profiles

    chosen = [i.strip() for i in indicators.split(",") if i.strip()] if indicators else list(DEFAULT_PROFILE)
    with open_store(store) as opened:
        if not indicators:
            known = set(opened.catalogue()["id"])
            chosen = [i for i in chosen if i in known]
        profiles = build_profiles(opened, chosen, geography=geography, lookup=lookup)
    first = profiles[0].provenance if profiles else {}
    provenance = (f"Store {Path(first.get('store', str(store))).name}, checksum "
                  f"{str(first.get('store_checksum', ''))[:16]}; lookup {first.get('lookup')}.")
    files = run_with_progress("Profiles", lambda p: export_profiles(
        profiles, out, per_area, subtitle=f"Area profile: {len(chosen)} indicators compared with "
        f"{(first.get('borough') or {}).get('name') or 'the borough'} and England", provenance=provenance,
        progress=p))
    console.print(f"Wrote {out}: {len(profiles)} pages" + (f", and {len(files) - 1} per-area PDFs in {per_area}"
                                                         if per_area else ""))

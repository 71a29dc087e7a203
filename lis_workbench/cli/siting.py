"""`lis site`: where new services reach most need (maximal coverage, set covering, p-median)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from .console import STORE_ARG, console, err, open_store, run_with_progress


def register(app: typer.Typer) -> None:
    app.command("site")(site_cmd)


def site_cmd(store: str = STORE_ARG,
             demand: str = typer.Option(..., help="Demand count indicator, e.g. pop2016_age_0_4."),
             candidates: str = typer.Option(..., help="Store point layer of candidate sites, e.g. schools."),
             out: Path = typer.Option(..., "--out", help="Map page of the result: .png or .pdf."),
             model: str = typer.Option("mclp", help="mclp (most demand within reach of p new sites), lscp (fewest "
                                                    "sites to reach all/--share of demand) or pmedian (shortest "
                                                    "average distance)."),
             p: int = typer.Option(3, "--p", help="Number of new sites (mclp, pmedian)."),
             radius: float = typer.Option(1500.0, help="Reach: metres (or minutes with --speed)."),
             share: float = typer.Option(1.0, help="lscp: share of demand to reach (1 = all)."),
             period: str | None = typer.Option(None, help="Period of the demand indicator (default: latest)."),
             need: str | None = typer.Option(None, help="Need rule: 'imd2019_imd_decile<=3' keeps areas in need; a "
                                                        "bare indicator id multiplies the demand by it."),
             centroids: Path | None = typer.Option(None, help="CSV of population-weighted centroids (code, x/lon, "
                                                             "y/lat). Default: the store's own (settings: "
                                                             "centroids), else points inside the areas."),
             centroids_epsg: int = typer.Option(4326, help="EPSG code of the centroid coordinates."),
             candidates_filter: str | None = typer.Option(None, help="Attribute filter on the candidates, e.g. "
                                                                     "\"education_phase = 'Primary'\"."),
             existing: str | None = typer.Option(None, help="Store point layer of existing sites (always open)."),
             existing_filter: str | None = typer.Option(None, help="Attribute filter on the existing sites."),
             capacity: str | None = typer.Option(None, help="Field holding each site's capacity (capacitated). "
                                                            "An area's demand may then be split between sites."),
             single_source: bool = typer.Option(False, "--single-source",
                                                help="With --capacity: serve each area whole by one site (each "
                                                     "child attends one centre) instead of splitting its demand "
                                                     "between sites. Slower to solve."),
             distance: str = typer.Option("euclidean", help="euclidean, network (--network) or matrix "
                                                            "(--cost-matrix)."),
             network: Path | None = typer.Option(None, help="Line layer (roads/paths, split at junctions)."),
             speed: float | None = typer.Option(None, help="Travel speed in km/h: costs become minutes."),
             cost_matrix: Path | None = typer.Option(None, help="Cost-matrix CSV (demand_code, site_id, cost)."),
             save_costs: Path | None = typer.Option(None, help="Write the cost matrix used to this CSV."),
             quick: bool = typer.Option(False, help="Greedy/interchange quick look (not proven optimal)."),
             time_limit: float | None = typer.Option(None, help="Stop the exact solver after this many seconds."),
             curve: Path | None = typer.Option(None, help="Coverage curve chart (PNG): 0 to 2p new sites (until "
                                                           "more stop adding), the chosen p marked."),
             gpkg: Path | None = typer.Option(None, help="Also write sites, allocation and demand layers here."),
             csv: Path | None = typer.Option(None, help="Also write the sites table here.")) -> None:
    """Site new services where they reach most need: maximal coverage, set covering or p-median."""
    from ..core.siting.study import SitingStudy, run_study

    lines = None
    if network:
        from ..core.store.layers import read_source

        lines = [bytes(f.geometry.ExportToIsoWkb()) for f in read_source(str(network))[0] if f.geometry is not None]
    study = SitingStudy(demand=demand, candidates=candidates, model=model, p=p, radius=radius, share=share,
                        period=period, need=need, centroids=centroids, centroids_epsg=centroids_epsg,
                        candidates_filter=candidates_filter, existing=existing, existing_filter=existing_filter,
                        capacity=capacity, single_source=single_source, distance=distance, network=lines, speed=speed,
                        cost_matrix=str(cost_matrix) if cost_matrix else None,
                        save_costs=str(save_costs) if save_costs else None, quick=quick, time_limit=time_limit,
                        curve=curve is not None)
    with open_store(store) as opened:
        done = run_with_progress("Siting", lambda report: run_study(opened, study, report))
    outcome = done.outcome
    for note in outcome.notes:
        err.print(f"[yellow]{note}[/yellow]")
    console.print(outcome.summary)
    chosen = outcome.sites[outcome.sites["selected"] == 1].sort_values("rank")
    show = Table("rank", "site", "name", "demand in reach" if radius else "demand assigned", "gain")
    for row in chosen.itertuples():
        reach = getattr(row, "demand_in_reach", row.demand_assigned)
        show.add_row(f"{row.rank:.0f}", str(row.site_id), str(row.name), f"{reach:,.0f}",
                     "" if row.marginal_gain != row.marginal_gain else f"{row.marginal_gain:,.0f}")
    console.print(show)
    if csv:
        from ..core.safe_csv import write_csv

        write_csv(outcome.sites, csv)

    from ..qgis_bridge.app import start_qgis

    start_qgis()
    from ..core.map_study import MapSpec, heading_for
    from ..qgis_bridge.maps import render_map, save_styled_gpkg
    from ..qgis_bridge.siting_map import curve_png, outcome_layers

    site_layer, line_layer, demand_layer = outcome_layers(outcome, done.polygons, done.demand_title)
    page = MapSpec(field="service", title=done.map_title, unit=outcome.summary, period=done.period,
                   legend_title="Siting result", source=done.source, credits=done.credits, place=done.place,
                   areas=done.areas, licence=done.entry.get("licence") or "", provenance=done.provenance)
    page.heading = heading_for(page)
    if gpkg:
        gap_layer = demand_layer.clone()
        gap_layer.setSubsetString('"gap" = 1')  # areas with need beyond reach of every open site
        for layer, name in ((site_layer, "sites"), (line_layer, "allocation"), (demand_layer, "demand"),
                            (gap_layer, "gap")):
            save_styled_gpkg(layer, gpkg, name)
    render_map([site_layer, line_layer, demand_layer], page, None, out, extent=demand_layer.extent(),
               legend_more=[demand_layer])
    console.print(f"Wrote {out}")
    if curve is not None and outcome.curve is not None:
        curve_png(outcome.curve, curve, model, done.unit, chosen=p, subtitle=done.demand_title)
        console.print(f"Wrote {curve}")

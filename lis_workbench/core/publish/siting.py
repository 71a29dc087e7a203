"""The website's siting page: the result GeoPackage a siting study wrote (layers sites, allocation, demand, gap; see
core.siting and qgis_bridge.siting_map) read with osgeo.ogr and shown as the chosen sites named with the demand
each adds, the coverage in words, a map of the areas within reach or in the gap with the sites as numbered
points, tables of the sites and the areas, and their CSVs."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from osgeo import ogr

from ..errors import ParameterError, SitingError
from .layout import Site, esc, page, paragraphs, table
from .svg_map import MapPoint, category_svg, layered_shapes, swatch
from .words import join_names, plural

ogr.UseExceptions()

SITES_COLUMNS = ("site_id", "name", "status", "selected", "rank", "marginal_gain", "demand_in_reach",
                 "demand_assigned")
DEMAND_COLUMNS = ("area_code", "area_name", "weight", "assigned_site", "distance", "covered")
#: The map's categories (as the printed siting map: qgis_bridge.siting_map.style_demand), in key order.
REACH, GAP, NONE = "Within reach", "Beyond reach: a gap", "No demand counted"
SERVICE_COLOURS = {REACH: "#a6dba0", GAP: "#f46d43", NONE: "#f0f0f0"}


@dataclass
class SitingPage:
    """A siting result as the page shows it."""

    file: str
    sites: pd.DataFrame  # the chosen sites, by rank; then existing sites
    areas: pd.DataFrame  # area_code, area_name, <label>, demand, service, site, distance_m
    words: list[str]
    svg: str
    counts: dict[str, int]
    notes: list[str] = field(default_factory=list)


def read_siting(path: str | os.PathLike) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, bytes], str | None]:
    """The sites and demand layers of a siting result GeoPackage: (sites with x, y and WKB, demand areas, each
    area's WKB, the demand layer's EPSG code)."""
    path = Path(path)
    if not path.is_file():
        raise ParameterError(f"There is no siting result at {path}.", option="siting")
    try:
        source = ogr.Open(str(path))
    except RuntimeError as exc:
        raise SitingError(f"{path} could not be read as a GeoPackage: {exc}") from None
    layers = {source.GetLayerByIndex(i).GetName() for i in range(source.GetLayerCount())}
    missing = [n for n in ("sites", "demand") if n not in layers]
    if missing:
        raise SitingError(f"{path} is not a siting result: it has no layer {' or '.join(missing)} (a siting result "
                          "holds the layers sites, allocation, demand and gap).", option="siting")
    sites = _frame(path, source.GetLayerByName("sites"), SITES_COLUMNS)
    demand = _frame(path, source.GetLayerByName("demand"), DEMAND_COLUMNS)
    srs = source.GetLayerByName("demand").GetSpatialRef()
    epsg = srs.GetAuthorityCode(None) if srs is not None else None
    shapes = dict(zip(demand["area_code"].astype(str), demand.pop("geometry")))
    return sites, demand, shapes, epsg


def _frame(path: Path, layer, columns: tuple[str, ...]) -> pd.DataFrame:
    defn = layer.GetLayerDefn()
    have = {defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())}
    lacking = [c for c in columns if c not in have]
    if lacking:
        raise SitingError(f"{path}, layer {layer.GetName()}: missing column(s) {', '.join(lacking)}; it is not a "
                          "siting result.", option="siting")
    rows = []
    for feature in layer:
        row = {c: feature.GetField(c) for c in columns}
        geom = feature.GetGeometryRef()
        row["geometry"] = bytes(geom.ExportToIsoWkb()) if geom is not None else None
        if geom is not None and geom.GetGeometryName().upper() == "POINT":
            row["x"], row["y"] = geom.GetX(), geom.GetY()
        rows.append(row)
    return pd.DataFrame(rows, columns=[*columns, "geometry", *(("x", "y") if layer.GetName() == "sites" else ())])


def siting_page_data(path: str | os.PathLike, *, label: str, site_areas: Mapping[str, tuple[str, bytes]],
                     lookup: Mapping[str, str], site_epsg: str = "27700") -> SitingPage:
    """The page's pieces; site_areas: the site's areas (code -> (name, WKB)) drawn as outlines when the result
    is in the store's coordinates, lookup: demand area code -> the site's area code."""
    sites, demand, shapes, epsg = read_siting(path)
    chosen = sites[sites["selected"].fillna(0).astype(float) == 1].sort_values("rank", kind="stable")
    existing = sites[sites["status"] == "existing"]
    names = {code: name for code, (name, _) in site_areas.items()}
    weight = pd.to_numeric(demand["weight"], errors="coerce").fillna(0.0)
    covered = pd.to_numeric(demand["covered"], errors="coerce").fillna(0.0) == 1
    service = [NONE if w <= 0 else REACH if c else GAP for w, c in zip(weight, covered)]
    site_name = dict(zip(sites["site_id"].astype(str), sites["name"].fillna("").astype(str)))
    areas = pd.DataFrame({"area_code": demand["area_code"].astype(str), "area_name": demand["area_name"],
                          label: [names.get(lookup.get(str(c), ""), "") for c in demand["area_code"]],
                          "demand": weight, "service": service,
                          "site": [site_name.get(str(s), str(s or "")) for s in demand["assigned_site"]],
                          "distance_m": pd.to_numeric(demand["distance"], errors="coerce")})
    order = {REACH: 0, GAP: 1, NONE: 2}
    areas = areas.assign(_o=areas["service"].map(order)).sort_values(["_o", "demand", "area_name"],
                                                                      ascending=[True, False, True]).drop(columns="_o")
    counts = {key: int((areas["service"] == key).sum()) for key in SERVICE_COLOURS}
    words = siting_words(chosen, existing, areas, label)
    layers = {"areas": shapes, "sites": dict(zip(chosen["site_id"].astype(str), chosen["geometry"]))}
    same_crs = epsg == site_epsg
    if same_crs:
        layers["outline"] = {code: wkb for code, (_, wkb) in site_areas.items()}
    drawn = layered_shapes(layers)
    points = [MapPoint(*drawn["sites"].anchors[str(r.site_id)][:2], label=f"{int(r.rank)}",
                       tip=f"{int(r.rank)}. {r.name}") for r in chosen.itertuples() if str(r.site_id) in
              drawn["sites"].anchors]
    small = "area"
    tips = {r.area_code: f"{r.area_name}: {r.service} ({r.demand:,.0f})" for r in areas.itertuples()}
    svg = category_svg(drawn["areas"], {r.area_code: SERVICE_COLOURS[r.service] for r in areas.itertuples()}, tips,
                       title=f"Map of the {len(chosen)} chosen {plural('site', len(chosen))} and the {small}s they "
                             "reach", desc=" ".join(words), outlines=drawn.get("outline") if same_crs else None,
                       names=names if same_crs else None, points=points, ident="siting-map")
    notes = [] if same_crs else [f"The result is not in the store's coordinates (EPSG:{epsg}), so the "
                                 f"{plural(label, 2)} are not outlined on the map."]
    return SitingPage(Path(path).name, pd.concat([chosen, existing]).drop(columns="geometry"), areas, words, svg,
                      counts, notes)


def siting_words(chosen: pd.DataFrame, existing: pd.DataFrame, areas: pd.DataFrame, label: str) -> list[str]:
    """The result in words: the chosen sites by rank with the demand each adds, the demand within reach of all
    sites, and the areas in the gap (where they are)."""
    n = len(chosen)
    listed = [f"{int(r.rank)}. {r.name} (adds {_count(r.marginal_gain)})" if r.marginal_gain == r.marginal_gain
              else f"{int(r.rank)}. {r.name}" for r in chosen.itertuples()]
    out = [f"{n} new {plural('site', n)} {'was' if n == 1 else 'were'} chosen: " + "; ".join(listed) + "."]
    total = float(areas["demand"].sum())
    reached = float(areas.loc[areas["service"] == REACH, "demand"].sum())
    share = f" ({100 * reached / total:.1f}%)" if total > 0 else ""
    sites_words = f"the {n} new {plural('site', n)}" + (f" and {len(existing)} existing" if len(existing) else "")
    counted = int((areas["service"] != NONE).sum())
    out.append(f"Together {sites_words} reach {_count(reached)} of the {_count(total)} demand{share} counted in "
               f"{counted} of the {len(areas)} areas.")
    gap = areas[areas["service"] == GAP]
    if len(gap):
        where = gap[label][gap[label] != ""].value_counts()
        ordered = [f"{name} ({k})" for name, k in sorted(where.items(), key=lambda kv: (-kv[1], kv[0]))]
        text = (f"{len(gap)} {plural('area', len(gap))} with demand {'is' if len(gap) == 1 else 'are'} beyond "
                f"reach of every site (the gap), holding {_count(float(gap['demand'].sum()))}")
        out.append(text + (f", in {join_names(ordered, 6)}" if ordered else "") + ".")
    else:
        out.append("Every area with demand is within reach of a site.")
    return out


def _count(value: float) -> str:
    return f"{value:,.0f}"


def siting_page(site: Site, file: str, data: SitingPage, csv_sites: tuple[str, int], csv_areas: tuple[str, int],
                label: str) -> str:
    """The page: the chosen sites, the coverage in words, the map and its key, the tables and their CSVs."""
    chosen = data.sites[data.sites["status"] != "existing"]
    body = ["<h1>Siting: where new sites reach most need</h1>",
            f'<p class="lead">The sites chosen by the siting study saved in {esc(data.file)}, and the areas '
            f"their demand comes from.</p>", "<h2>In words</h2>", paragraphs(data.words), "<h2>Chosen sites</h2>"]
    rows = [[(esc(f"{int(r.rank)}" if r.rank == r.rank else "existing"), "num"), (esc(r.name), ""),
             (esc(r.site_id), ""), (esc(_count(r.demand_in_reach or 0)), "num"),
             (esc(_count(r.marginal_gain) if r.marginal_gain == r.marginal_gain and r.marginal_gain is not None
                  else ""), "num")] for r in data.sites.itertuples()]
    body.append(table("sites", f"The {len(chosen)} chosen {plural('site', len(chosen))} by rank, with the demand "
                               "each reaches and adds", [("Rank", "num"), ("Site", ""), ("Site id", ""),
                                                         ("Demand in reach", "num"), ("Demand it adds", "num")],
                      rows))
    body.append(_download(*csv_sites, "this table"))
    body += ["<h2>Map</h2>", f'<figure>\n<div class="map-box">{data.svg}</div>\n<figcaption>The areas within reach '
             "of a site or in the gap, the chosen sites numbered by rank. Move the pointer over an area or a site to "
             "see its name. Every area is also in the table below.</figcaption>\n</figure>", _legend(data)]
    rows = [[(esc(r.area_name), ""), (esc(getattr(r, label)), ""), (esc(_count(r.demand)), "num"),
             (esc(r.service), ""), (esc(r.site), ""),
             (esc("" if r.distance_m != r.distance_m else f"{r.distance_m:,.0f}"), "num")]
            for r in data.areas.itertuples()]
    body += ["<h2>Areas</h2>", table("areas", "Every area: its demand, whether a site reaches it and the nearest "
                                               "open site", [("Area", ""), (esc(label.capitalize()), ""),
                                                             ("Demand", "num"), ("Reach", ""), ("Site", ""),
                                                             ("Distance (m)", "num")], rows, wide=True),
             _download(*csv_areas, "the areas' table"), "<h2>About these results</h2>",
             paragraphs(["The siting study chose the sites from the candidates to reach as much demand as it could "
                         "within the reach it was given. Demand is the count the study weighed (for example "
                         f"children in the areas in need); the figures are as saved in {data.file}.", *data.notes]),
             '<p>See <a href="methods.html">how the figures are made</a>.</p>']
    return page(site, file, "Siting: where new sites reach most need", "\n".join(body),
                description=" ".join(data.words[:2]))


def _legend(data: SitingPage) -> str:
    items = [f"<li>{swatch(colour)}<span>{esc(key)} ({data.counts[key]} {plural('area', data.counts[key])})</span>"
             "</li>" for key, colour in SERVICE_COLOURS.items()]
    items.append('<li><svg class="swatch" width="28" height="18" viewBox="0 0 28 18" aria-hidden="true" '
                 'focusable="false"><circle cx="14" cy="9" r="8" fill="#8e0152"/></svg><span>A chosen site, '
                 "numbered by rank</span></li>")
    return "<h3>Key</h3>\n" + '<ul class="legend">\n' + "\n".join(items) + "\n</ul>"


def _download(name: str, size: int, what: str) -> str:
    shown = f"{size / 1024:.0f} KB" if size >= 1024 else f"{size} bytes"
    return (f'<p><a class="download" href="{esc(name)}" download>Download {esc(what)} as a CSV file ({esc(name)}, '
            f"{shown})</a>.</p>")


def siting_csvs(data: SitingPage) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The two tables as data: the sites, and every area."""
    return data.sites.reset_index(drop=True), data.areas.reset_index(drop=True)


__all__ = ["SitingPage", "read_siting", "siting_csvs", "siting_page", "siting_page_data"]

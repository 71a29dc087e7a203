"""Custom areas: an analyst's own neighbourhoods built from whole small areas (LSOAs), from a CSV of codes or from a
polygon layer (small areas by population-weighted centroid, or by the largest share of their land), stored as a
geography with its lookup `<of>_<name>` and a definition that says how well each custom area fits (the share of its
people in small areas lying wholly inside it; the share of land). Every indicator then aggregates to them through
the lookup by the usual rules (counts summed, rates recomputed, ranks refused). `lis areas add` and Processing
"Custom areas" run it."""

from __future__ import annotations

import getpass
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from osgeo import ogr

from .errors import GeographyError, ParameterError
from .errors import ImportValidationError as Invalid
from .geography import overlap_lookup
from .partner_csv import read_bytes, read_table
from .store.base import now
from .store.layers import as_multipolygon, read_source
from .store.names import check_layer_name

ogr.UseExceptions()

METHODS = ("centroid", "overlap")
#: A small area counts as wholly inside a polygon when this share of its land is: generalised boundaries of two
#: geographies never line up exactly, so an LSOA "inside" a ward drawn from the same streets still loses a sliver.
WHOLE_SHARE = 0.95
#: Population indicators looked for on the small areas when none is named: popYYYY_total, the newest first.
POPULATION_ID = re.compile(r"pop(\d{4})_total")


@dataclass
class AreaSet:
    """Custom areas ready to store: their dissolved boundaries, the lookup from the small areas and the definition."""

    name: str
    of: str
    rows: list  # ((area_code, area_name), multipolygon) per custom area
    pairs: pd.DataFrame  # from_code (small area), to_code (custom area), weight 1
    definition: dict
    lookup: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def fit(self) -> pd.DataFrame:
        """One row per custom area: code, name, small_areas (how many), population, whole_population_share,
        land_inside, polygon_covered."""
        rows = [{**{k: v for k, v in a.items() if k != "small_areas"}, "small_areas": len(a["small_areas"])}
                for a in self.definition["areas"]]
        return pd.DataFrame(rows, columns=["code", "name", "small_areas", "population", "whole_population_share",
                                           "land_inside", "polygon_covered"])


def small_area_geography(store, of: str | None) -> str:
    """The small areas custom areas are made of: `of`, else the store's small-area geography (lsoa11)."""
    of = of or store.setting("small_area_geography") or "lsoa11"
    store.geography(of)
    return of


def population_of(store, of: str, indicator: str | None = None) -> tuple[str | None, str | None, pd.Series]:
    """(indicator, period, people by small-area code) weighing the fit: the indicator named, else the store's newest
    popYYYY_total on `of`; (None, None, empty) when the store has none."""
    if indicator is None:
        ids = [i for i in store.catalogue(geography=of)["id"] if POPULATION_ID.fullmatch(str(i))]
        if not ids:
            return None, None, pd.Series(dtype=float)
        indicator = max(ids, key=lambda i: POPULATION_ID.fullmatch(i).group(1))  # type: ignore[union-attr]
    entry = store.indicator(indicator)
    if entry["geography"] != of:
        raise ParameterError(f"The population indicator {indicator} is on {entry['geography']}, not on the small "
                             f"areas ({of}).", option="population")
    values = store.get_values(indicator)
    people = pd.Series(values["value"].to_numpy(float), index=values["area_code"].astype(str))
    return indicator, str(values["period"].iloc[0]) if len(values) else None, people


def read_codes(path: str | Path, known: set[str], of: str, encoding: str = "utf-8-sig") -> pd.DataFrame:
    """A CSV of small areas and their custom area (columns `code` and `name`) as code, name, row; checked as partner
    files are, naming row and column: codes present and in `of`, each small area in one custom area."""
    shown = Path(str(path)).name
    table = read_table(str(path), read_bytes(path), encoding)
    columns = {str(c).strip().lower(): c for c in table.columns}
    for wanted in ("code", "name"):
        if wanted not in columns:
            raise Invalid(f"has no column '{wanted}' (its columns are: {', '.join(table.columns)}); give the small "
                          "area's code in 'code' and its custom area in 'name'.", file=shown, row=1, column=wanted)
    frame = pd.DataFrame({"code": table[columns["code"]].str.strip(), "name": table[columns["name"]].str.strip(),
                          "row": np.arange(2, len(table) + 2)})
    for column in ("code", "name"):
        empty = (frame[column] == "").to_numpy()
        if empty.any():
            raise Invalid(f"the {'small area code' if column == 'code' else 'custom area name'} is empty.",
                          file=shown, row=int(frame["row"][empty].iloc[0]), column=column)
    unknown = ~frame["code"].isin(known).to_numpy()
    if unknown.any():
        bad = frame[unknown]
        raise Invalid(f"{len(bad)} code(s) are not areas of {of}: {', '.join(bad['code'].head(5))}"
                      f"{' ...' if len(bad) > 5 else ''} (rows {', '.join(map(str, bad['row'].head(5)))}).",
                      file=shown, row=int(bad["row"].iloc[0]), column="code")
    frame = frame.drop_duplicates(["code", "name"])
    twice = frame.duplicated("code", keep="first").to_numpy()
    if twice.any():
        second = frame[twice].iloc[0]
        first = frame[(frame["code"] == second["code"]).to_numpy() & ~twice].iloc[0]
        raise Invalid(f"small area {second['code']} is in two custom areas, '{first['name']}' (row {first['row']}) "
                      f"and '{second['name']}'; each small area may belong to one.", file=shown,
                      row=int(second["row"]), column="code")
    return frame.reset_index(drop=True)


def build_from_codes(store, name: str, path: str | Path, of: str | None = None, population: str | None = None,
                     encoding: str = "utf-8-sig") -> AreaSet:
    """Custom areas listed in a CSV (code = small area, name = custom area)."""
    check_layer_name(name)
    of = small_area_geography(store, of)
    frame = read_codes(path, set(store.area_codes(of)), of, encoding)
    pairs = pd.DataFrame({"from_code": frame["code"], "to_code": frame["name"], "weight": 1.0})
    names = dict(zip(frame["name"], frame["name"]))
    return _assemble(store, name, of, pairs, names, "codes", path, population, overlaps=None)


def build_from_layer(store, name: str, path: str | Path, of: str | None = None, method: str = "centroid",
                     layer: str | None = None, code_field: str | None = None, name_field: str | None = None,
                     population: str | None = None) -> AreaSet:
    """Custom areas drawn as polygons: each small area joins the polygon holding its population-weighted centroid
    (`centroid`; the store's `centroids` point layer, else a point on its surface), or the polygon holding the
    largest share of its land (`overlap`) when that share is larger than its share outside every polygon."""
    check_layer_name(name)
    if method not in METHODS:
        raise ParameterError(f"'{method}' is not a way of placing small areas in polygons; use one of: "
                             f"{', '.join(METHODS)}.", option="method")
    of = small_area_geography(store, of)
    polygons, names = read_polygons(path, layer, code_field, name_field)
    small = store.areas(of)
    boundaries = dict(zip(small["area_code"].astype(str), small["geometry"]))
    try:
        overlaps = overlap_lookup(boundaries, polygons, min_share=0.0).pairs
    except GeographyError:
        raise GeographyError(f"{Path(str(path)).name}: none of its polygons overlaps an area of {of}.") from None
    warnings: list[str] = []
    if method == "centroid":
        points, how = _centroids(store, of, boundaries)
        pairs = _place(points, polygons)
    else:
        largest = overlaps.sort_values(["from_code", "from_share"], ascending=[True, False])
        outside = 1 - largest.groupby("from_code")["from_share"].transform("sum")
        largest = largest[largest["from_share"] > outside].drop_duplicates("from_code")
        pairs = largest.assign(weight=1.0)[["from_code", "to_code", "weight"]]
        how = "largest share of land"
    empty = sorted(set(polygons) - set(pairs["to_code"]))
    if empty:
        warnings.append(f"{len(empty)} polygon(s) hold no small area of {of} and were left out: "
                        f"{', '.join(names[c] for c in empty[:10])}")
    if pairs.empty:
        raise GeographyError(f"{Path(str(path)).name}: no area of {of} falls in its polygons ({how}).")
    built = _assemble(store, name, of, pairs.reset_index(drop=True), names, method, path, population, overlaps)
    built.definition.update(placed_by=how, empty=empty,
                            unassigned=sorted(set(boundaries) - set(pairs["from_code"])))
    built.warnings += warnings
    return built


def read_polygons(path: str | Path, layer: str | None = None, code_field: str | None = None,
                  name_field: str | None = None) -> tuple[dict[str, bytes], dict[str, str]]:
    """A polygon layer (any OGR file, any CRS) as {code: WKB in British National Grid} and {code: name}; features
    sharing a code are one area. Codes come from the code field when there is one, else the names are the codes."""
    shown = Path(str(path)).name
    features, fields = read_source(str(path), layer)
    if not features:
        raise GeographyError(f"{shown} has no features.")
    lowered = {f.lower(): f for f in fields}
    for given, option in ((code_field, "code_field"), (name_field, "name_field")):
        if given and given not in fields:
            raise GeographyError(f"{shown} has no field '{given}'; its fields are {', '.join(fields)}.",
                                 option=option)
    code_field = code_field or _field(lowered, ("area_code", "code"), ("cd",))
    name_field = name_field or _field(lowered, ("area_name", "name"), ("nm", "name"))
    if not code_field and not name_field:
        raise GeographyError(f"{shown}: could not tell which field names the areas; its fields are "
                             f"{', '.join(fields)}. Name the field.", option="name_field")
    parts: dict[str, list] = {}
    names: dict[str, str] = {}
    for feat in features:
        code = str(feat.attributes.get(code_field or name_field) or "").strip()
        label = str(feat.attributes.get(name_field) or "").strip() if name_field else ""
        if not code:
            raise GeographyError(f"{shown}, feature {feat.row}: the area {'code' if code_field else 'name'} "
                                 f"('{code_field or name_field}') is empty.")
        geom = as_multipolygon(feat.geometry)[0] if feat.geometry is not None else None
        if geom is None:
            raise GeographyError(f"{shown}, feature {feat.row} ({code}): it is not a polygon.")
        parts.setdefault(code, []).append(geom)
        names.setdefault(code, label or code)
    return {code: bytes(_union(geoms).ExportToIsoWkb()) for code, geoms in parts.items()}, names


def add_custom_areas(store, name: str, *, codes: str | Path | None = None, layer_file: str | Path | None = None,
                     method: str = "centroid", of: str | None = None, layer: str | None = None,
                     code_field: str | None = None, name_field: str | None = None, population: str | None = None,
                     replace: bool = False) -> AreaSet:
    """Build custom areas from a CSV of codes or a polygon layer and store them in one transaction: geography
    `name`, lookup `<of>_<name>` and the definition (Store.add_area_set)."""
    if (codes is None) == (layer_file is None):
        raise ParameterError("Give either a CSV of small-area codes and custom-area names, or a polygon layer "
                             "(not both).", option="codes")
    if codes is not None:
        built = build_from_codes(store, name, codes, of, population)
    else:
        built = build_from_layer(store, name, layer_file, of, method, layer, code_field,  # type: ignore[arg-type]
                                 name_field, population)
    built.lookup = store.add_area_set(built.name, built.of, built.rows, built.pairs, built.definition,
                                      title=f"Custom areas {name}", source=str(codes or layer_file),
                                      replace=replace)
    return built


def _assemble(store, name: str, of: str, pairs: pd.DataFrame, names: dict[str, str], method: str,
              path: str | Path, population: str | None, overlaps: pd.DataFrame | None) -> AreaSet:
    """Dissolve each custom area's small areas into its boundary and work out its fit and definition."""
    small = store.areas(of)
    boundaries = dict(zip(small["area_code"].astype(str), small["geometry"]))
    indicator, period, people = population_of(store, of, population)
    land = {code: ogr.CreateGeometryFromWkb(wkb).GetArea() for code, wkb in boundaries.items() if wkb}
    rows, areas = [], []
    for code, members in pairs.groupby("to_code", sort=True)["from_code"]:
        members = sorted(members)
        geom = _union([ogr.CreateGeometryFromWkb(boundaries[c]) for c in members if boundaries.get(c)])
        geom = as_multipolygon(geom)[0]
        if geom is None:
            raise GeographyError(f"Custom area {names[code]}: its small areas have no boundaries in the store.")
        rows.append(((str(code), names[code]), geom))
        areas.append({"code": str(code), "name": names[code], "small_areas": members,
                      **_fit(code, members, people if indicator else None, land, overlaps)})
    raw = read_bytes(path)
    definition = {"name": name, "of": of, "method": method, "source": Path(str(path)).name,
                  "source_checksum": hashlib.sha256(raw).hexdigest(), "creator": _user(), "created_at": now(),
                  "population": indicator, "population_period": period, "whole_share": WHOLE_SHARE,
                  "areas": areas}
    return AreaSet(name, of, rows, pairs[["from_code", "to_code", "weight"]], definition)


def _fit(code: str, members: list[str], people: pd.Series | None, land: dict[str, float],
         overlaps: pd.DataFrame | None) -> dict:
    """How well one custom area's small areas fit its polygon: its population, the share of it in small areas
    lying (WHOLE_SHARE) wholly inside the polygon, the share of their land inside it and the share of the
    polygon they cover. A custom area listed by codes is its small areas: every share is 1."""
    total = float(np.nansum(people.reindex(members).to_numpy(float))) if people is not None else None
    if overlaps is None:
        return {"population": total, "whole_population_share": 1.0 if total is not None else None,
                "land_inside": 1.0, "polygon_covered": 1.0}
    inside = overlaps[overlaps["to_code"] == code].set_index("from_code")
    share = inside["from_share"].reindex(members).fillna(0.0)
    whole = [c for c in members if share[c] >= WHOLE_SHARE]
    member_land = np.array([land.get(c, 0.0) for c in members])
    whole_share = None
    if people is not None and total:
        whole_share = float(np.nansum(people.reindex(whole).to_numpy(float))) / total
    return {"population": total, "whole_population_share": whole_share,
            "land_inside": float((share.to_numpy() * member_land).sum() / member_land.sum())
            if member_land.sum() > 0 else None,
            "polygon_covered": float(inside["to_share"].reindex(members).fillna(0.0).sum())}


def _centroids(store, of: str, boundaries: dict[str, bytes]) -> tuple[pd.DataFrame, str]:
    """Each small area's point: its population-weighted centroid from the store's `centroids` point layer when it
    has one for that area, else a point on its surface. Returns (area_code, x, y) and how they were found."""
    known = pd.DataFrame(columns=["area_code", "x", "y"])
    layer = store.setting("centroids")
    if layer and layer in store.geography_names():
        known = store.points(layer)[["area_code", "x", "y"]]
        known = known[known["area_code"].astype(str).isin(set(boundaries))]
    rest = [c for c in boundaries if c not in set(known["area_code"].astype(str)) and boundaries[c]]
    surface = []
    for code in rest:
        point = ogr.CreateGeometryFromWkb(boundaries[code]).PointOnSurface()
        surface.append((code, point.GetX(), point.GetY()))
    given = list(zip(known["area_code"].astype(str), known["x"].astype(float), known["y"].astype(float)))
    points = pd.DataFrame(given + surface, columns=["area_code", "x", "y"])
    how = (f"population-weighted centroids ({layer})" if not rest else
           "points on surface" if known.empty else
           f"population-weighted centroids ({layer}); points on surface for {len(rest)}")
    return points, how


def _place(points: pd.DataFrame, polygons: dict[str, bytes]) -> pd.DataFrame:
    """Each point (area_code, x, y) in the polygon holding it (from_code, to_code, weight 1). Strictly: unlike a
    best-fit lookup between two geographies that cover the same ground, the polygons may draw only part of it, so a
    point just outside one may lie in a neighbour nobody drew."""
    codes = list(polygons)
    geoms = [ogr.CreateGeometryFromWkb(polygons[c]) for c in codes]
    env = np.array([g.GetEnvelope() for g in geoms])  # minx, maxx, miny, maxy
    pairs = []
    for code, x, y in points[["area_code", "x", "y"]].itertuples(index=False):
        point = ogr.Geometry(ogr.wkbPoint)
        point.AddPoint_2D(float(x), float(y))
        near = np.flatnonzero((env[:, 0] <= x) & (env[:, 1] >= x) & (env[:, 2] <= y) & (env[:, 3] >= y))
        hit = next((codes[i] for i in near if geoms[i].Intersects(point)), None)
        if hit is not None:
            pairs.append((str(code), hit, 1.0))
    return pd.DataFrame(pairs, columns=["from_code", "to_code", "weight"])


def _union(geoms: list) -> ogr.Geometry:
    """The union of polygons (a dissolve)."""
    collection = ogr.Geometry(ogr.wkbMultiPolygon)
    for geom in geoms:
        multi = ogr.ForceToMultiPolygon(geom.Clone())
        for i in range(multi.GetGeometryCount()):
            collection.AddGeometry(multi.GetGeometryRef(i))
    return collection.UnionCascaded()


def _field(lowered: dict[str, str], exact: tuple[str, ...], suffixes: tuple[str, ...]) -> str | None:
    for name in exact:
        if name in lowered:
            return lowered[name]
    return next((orig for low, orig in lowered.items() if low.endswith(suffixes)), None)


def _user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no login name (e.g. in a container)
        return None

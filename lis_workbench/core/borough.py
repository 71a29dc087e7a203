"""Which borough, and which areas are in it: for stores that serve one borough (Wigan) or several (Greater
Manchester's ten). The borough is an area of the store's home geography, picked by code or name; the areas in it
are found through a stored lookup when there is one, else by where each area's inner point falls."""

from __future__ import annotations

from dataclasses import dataclass

from osgeo import ogr

from .errors import GeographyError

ogr.UseExceptions()


@dataclass(frozen=True)
class Borough:
    """One area of the home geography: the borough a profile or atlas is for."""

    geography: str
    code: str
    name: str


def choose_borough(store, borough: str | None = None) -> Borough:
    """The borough asked for (a code or a name, any case) among the store's home areas; the store's only one when
    none is asked for. A clear error lists the choices otherwise."""
    geography = store.setting("home_geography")
    if geography is None:
        raise GeographyError("The store does not say which geography its borough is on (no district geography such "
                             "as lad23); add the borough's boundaries, or set the store's home geography.",
                             option="borough")
    names = store.area_codes(geography)
    given = store.settings().get("home_areas")
    homes = [c.strip() for c in given.split(",") if c.strip() in names] if given else sorted(names)
    choices = "; ".join(f"{names.get(c) or c} ({c})" for c in sorted(homes, key=lambda c: str(names.get(c) or c)))
    if borough:
        wanted = borough.strip().lower()
        match = [c for c in names if c.lower() == wanted] or \
            [c for c in names if str(names[c] or "").strip().lower() == wanted]
        if len(match) != 1:
            raise GeographyError(f"'{borough}' is not a borough of this store ({geography}); the choices are: "
                                 f"{choices}.", option="borough")
        return Borough(geography, match[0], names[match[0]] or match[0])
    if len(homes) != 1:
        raise GeographyError(f"The store serves {len(homes)} boroughs ({geography}); say which one: {choices}.",
                             option="borough")
    return Borough(geography, homes[0], names[homes[0]] or homes[0])


def areas_within(store, geography: str, borough: Borough) -> list[str]:
    """The codes of `geography` in the borough: through a stored lookup from `geography` to the borough's
    geography when there is one, else those whose inner point (point on surface) lies in the borough."""
    lookups = store.lookups()
    direct = lookups[(lookups["from_geography"] == geography) & (lookups["to_geography"] == borough.geography)]
    if len(direct):
        pairs = store.lookup(str(direct["name"].iloc[0]))
        return sorted(set(pairs.loc[pairs["to_code"] == borough.code, "from_code"].astype(str)))
    outline = store.areas(borough.geography)
    shape = outline.loc[outline["area_code"] == borough.code, "geometry"]
    if shape.empty or shape.iloc[0] is None:
        raise GeographyError(f"The borough {borough.name} ({borough.code}) has no boundary in {borough.geography}.")
    polygon = ogr.CreateGeometryFromWkb(bytes(shape.iloc[0]))
    inside = []
    for code, wkb in store.areas(geography)[["area_code", "geometry"]].itertuples(index=False):
        if wkb is not None and polygon.Contains(ogr.CreateGeometryFromWkb(bytes(wkb)).PointOnSurface()):
            inside.append(str(code))
    if not inside:
        raise GeographyError(f"No area of {geography} lies in {borough.name} ({borough.code}).")
    return sorted(inside)

"""Areas as small, simplified polygons (plain coordinate lists) for locator maps on printed and published pages:
each area a list of polygons, each polygon a list of rings (outer first), each ring a list of (x, y) in the
store's projected coordinates (EPSG:27700)."""

from __future__ import annotations

from collections.abc import Iterable

Ring = list[tuple[float, float]]
Outline = list[list[Ring]]


def area_outlines(store, geography: str, codes: Iterable[str] | None = None,
                  tolerance: float | None = None) -> dict[str, Outline]:
    """The areas of `geography` (only `codes`, if given) simplified for a small map: by default to 1/400 of the
    areas' combined extent, which keeps a borough's wards recognisable at a few centimetres and the PDF small."""
    from osgeo import ogr

    frame = store.areas(geography, with_geometry=True)
    if codes is not None:
        wanted = set(codes)
        frame = frame[frame["area_code"].isin(wanted)]
    geoms = {}
    for code, wkb in zip(frame["area_code"], frame["geometry"]):
        if wkb is None:
            continue
        geom = ogr.CreateGeometryFromWkb(bytes(wkb))
        if geom is not None and not geom.IsEmpty():
            geoms[str(code)] = geom
    if not geoms:
        return {}
    if tolerance is None:
        boxes = [g.GetEnvelope() for g in geoms.values()]  # minx, maxx, miny, maxy
        span = max(max(b[1] for b in boxes) - min(b[0] for b in boxes),
                   max(b[3] for b in boxes) - min(b[2] for b in boxes))
        tolerance = span / 400
    return {code: _polygons(geom.SimplifyPreserveTopology(tolerance) or geom) for code, geom in geoms.items()}


def _polygons(geom) -> Outline:
    """A (multi)polygon's polygons as rings of rounded coordinates."""
    name = geom.GetGeometryName().upper()
    if name == "POLYGON":
        parts = [geom]
    elif name in ("MULTIPOLYGON", "GEOMETRYCOLLECTION"):
        parts = [geom.GetGeometryRef(i) for i in range(geom.GetGeometryCount())]
        parts = [p for p in parts if p.GetGeometryName().upper() == "POLYGON"]
    else:
        return []
    out: Outline = []
    for polygon in parts:
        rings = []
        for i in range(polygon.GetGeometryCount()):
            ring = polygon.GetGeometryRef(i)
            points = [(round(ring.GetX(j), 1), round(ring.GetY(j), 1)) for j in range(ring.GetPointCount())]
            if len(points) >= 4:
                rings.append(points)
        if rings:
            out.append(rings)
    return out

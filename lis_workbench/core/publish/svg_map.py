"""An indicator's map as inline SVG for a web page: the areas' boundaries from the store (WKB read with osgeo.ogr,
simplified by a few metres, y flipped into a viewBox), each area a <path> with a <title> ("Abram: 4.3%"), filled
by its class (core.classify) in the ColorBrewer colours core.palette chooses by polarity, and areas without a value
hatched so "No data" never looks like a class. The legend is HTML (pages.py), from the same MapColours."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from osgeo import ogr

from ..palette import NO_DATA_FILL, NO_DATA_HATCH, choose_ramp, ramp_colours
from ..text_fit import text_width

ogr.UseExceptions()

#: The hatch of areas without a value: core.palette's no-data symbol, as on the printed maps (white lines on mid
#: grey, unlike any class colour).
NO_DATA_INK, NO_DATA_PAPER = NO_DATA_HATCH, NO_DATA_FILL
BOUNDARY = "#333333"
NO_DATA_ID = "no-data-hatch"
#: Simplification of the boundaries, in the store's metres: invisible on a page, a fraction of the file.
TOLERANCE_M = 5.0
WIDTH = 800.0
PAD = 6.0
LABEL_FONT, LABEL_SIZE, LABEL_INK, LABEL_WRAP = "'DejaVu Sans', sans-serif", 12.0, "#1a1a1a", 120.0
#: A chosen site's marker (white number on it: 8.6:1), the printed siting map's magenta.
SITE_FILL = "#8e0152"
MARK = 13.0  # the marker's radius in viewBox units


@dataclass(frozen=True)
class MapColours:
    """The class colours of one map (index = class, 0 = lowest values) and whether darker means worse."""

    colours: tuple[str, ...]
    scheme: str
    reverse: bool


def class_colours(k: int, polarity: str | None) -> MapColours:
    """k colours, light to dark in the direction core.palette chooses for the printed maps: dark is worse (high
    values when high is bad, low values when high is good)."""
    choice = choose_ramp(polarity)
    return MapColours(tuple(ramp_colours(choice, k)), choice.name, choice.reverse)


@dataclass(frozen=True)
class MapShapes:
    """The areas drawn once for every map of a site: SVG path data per area code, the viewBox (width, height)
    and each area's label anchor (a point inside it) with its area in square viewBox units."""

    paths: dict[str, str]
    size: tuple[float, float]
    anchors: dict[str, tuple[float, float, float]]


def area_shapes(wkbs: Mapping[str, bytes], tolerance: float = TOLERANCE_M, width: float = WIDTH) -> MapShapes:
    """The areas' boundaries scaled into a viewBox `width` wide (y flipped: north up), simplified by `tolerance`
    metres. Holes are kept as rings (paths use fill-rule evenodd)."""
    geoms = {}
    for code, wkb in wkbs.items():
        if wkb is None:
            continue
        geom = ogr.CreateGeometryFromWkb(bytes(wkb))
        if geom is None or geom.IsEmpty():
            continue
        simple = geom.SimplifyPreserveTopology(tolerance)
        geoms[code] = simple if simple is not None and not simple.IsEmpty() else geom
    if not geoms:
        return MapShapes({}, (width, width * 0.75), {})
    boxes = [g.GetEnvelope() for g in geoms.values()]  # minx, maxx, miny, maxy
    minx, maxx = min(b[0] for b in boxes), max(b[1] for b in boxes)
    miny, maxy = min(b[2] for b in boxes), max(b[3] for b in boxes)
    span_x, span_y = max(maxx - minx, 1e-9), max(maxy - miny, 1e-9)
    scale = (width - 2 * PAD) / span_x
    height = span_y * scale + 2 * PAD

    def point(x: float, y: float) -> str:
        return f"{(x - minx) * scale + PAD:.1f} {(maxy - y) * scale + PAD:.1f}"

    paths, anchors = {}, {}
    for code, geom in geoms.items():
        inner = geom.PointOnSurface()
        if inner is not None and not inner.IsEmpty():
            anchors[code] = ((inner.GetX() - minx) * scale + PAD, (maxy - inner.GetY()) * scale + PAD,
                             (geom.GetArea() if _polygons(geom) else 0.0) * scale * scale)
        parts = []
        for polygon in _polygons(geom):
            for i in range(polygon.GetGeometryCount()):
                ring = polygon.GetGeometryRef(i)
                n = ring.GetPointCount()
                if n < 3:
                    continue
                coords = [point(ring.GetX(j), ring.GetY(j)) for j in range(n)]
                parts.append("M" + " L".join(coords) + "Z")
        if parts:
            paths[code] = "".join(parts)
    return MapShapes(paths, (width, round(height, 1)), anchors)


def map_svg(shapes: MapShapes, fills: Mapping[str, int], tips: Mapping[str, str], colours: MapColours, *,
            title: str, desc: str, names: Mapping[str, str] | None = None, ident: str = "map") -> str:
    """The map: one <path> per area (class index from `fills`, -1 or absent = no data, hatched) with its tooltip
    `tips[code]`, and the areas' `names` as labels where they fit; role="img" named by its <title> and described
    by `desc` (the text alternative)."""
    width, height = shapes.size
    paths = shapes.paths
    out = [f'<svg class="map" viewBox="0 0 {width:g} {height:g}" role="img" '
           f'aria-labelledby="{ident}-title {ident}-desc" focusable="false">',
           f'<title id="{ident}-title">{escape(title, quote=False)}</title>',
           f'<desc id="{ident}-desc">{escape(desc, quote=False)}</desc>',
           "<defs>" + hatch_pattern(NO_DATA_ID) + "</defs>",
           f'<g stroke="{BOUNDARY}" stroke-width="0.8" stroke-linejoin="round" fill-rule="evenodd">']
    for code in sorted(paths):
        cls = fills.get(code, -1)
        fill = colours.colours[cls] if 0 <= cls < len(colours.colours) else f"url(#{NO_DATA_ID})"
        out.append(f'<path d="{paths[code]}" fill="{fill}"><title>{escape(tips.get(code, code), quote=False)}'
                   "</title></path>")
    out.append("</g>")
    if names:
        out.append(_labels(shapes, names))
    out.append("</svg>")
    return "\n".join(out)


def layered_shapes(layers: Mapping[str, Mapping[str, bytes]], tolerance: float = TOLERANCE_M,
                   width: float = WIDTH) -> dict[str, MapShapes]:
    """Several layers (name -> code -> WKB: polygons, or points whose anchor is the point) drawn into one viewBox,
    so small areas, ward outlines and sites line up; each layer's shapes apart."""
    merged = {f"{name}\x1f{code}": wkb for name, shapes in layers.items() for code, wkb in shapes.items()}
    together = area_shapes(merged, tolerance, width)
    out = {}
    for name in layers:
        prefix = f"{name}\x1f"
        out[name] = MapShapes({k[len(prefix):]: v for k, v in together.paths.items() if k.startswith(prefix)},
                              together.size,
                              {k[len(prefix):]: v for k, v in together.anchors.items() if k.startswith(prefix)})
    return out


@dataclass(frozen=True)
class MapPoint:
    """A labelled point on a map (a site): where it sits in the viewBox, its label and tooltip."""

    x: float
    y: float
    label: str
    tip: str


def category_svg(shapes: MapShapes, fills: Mapping[str, str | None], tips: Mapping[str, str], *, title: str,
                 desc: str, outlines: MapShapes | None = None, names: Mapping[str, str] | None = None,
                 points: Sequence[MapPoint] = (), ident: str = "map") -> str:
    """A map of categories: one <path> per area filled with its category's colour (None: hatched, no data) and
    its tooltip; optional `outlines` (e.g. wards) drawn over them, named by `names` where the names fit; optional
    `points` as numbered markers. role="img", named by its <title> and described by `desc`."""
    width, height = shapes.size
    out = [f'<svg class="map" viewBox="0 0 {width:g} {height:g}" role="img" '
           f'aria-labelledby="{ident}-title {ident}-desc" focusable="false">',
           f'<title id="{ident}-title">{escape(title, quote=False)}</title>',
           f'<desc id="{ident}-desc">{escape(desc, quote=False)}</desc>',
           "<defs>" + hatch_pattern(f"{ident}-{NO_DATA_ID}") + "</defs>",
           f'<g stroke="{BOUNDARY if outlines is None else "#8a8a8a"}" stroke-width="0.5" stroke-linejoin="round" '
           'fill-rule="evenodd">']
    for code in sorted(shapes.paths):
        fill = fills.get(code) or f"url(#{ident}-{NO_DATA_ID})"
        out.append(f'<path d="{shapes.paths[code]}" fill="{fill}"><title>{escape(tips.get(code, code), quote=False)}'
                   "</title></path>")
    out.append("</g>")
    if outlines is not None:
        out.append(f'<g fill="none" stroke="{BOUNDARY}" stroke-width="1.6" stroke-linejoin="round" '
                   'fill-rule="evenodd">' + "".join(f'<path d="{d}"/>' for _, d in sorted(outlines.paths.items()))
                   + "</g>")
        if names:  # a name never hides a point
            out.append(_labels(outlines, names, [(p.x - MARK, p.y - MARK, p.x + MARK, p.y + MARK) for p in points]))
    if points:
        out.append(f'<g font-family="{LABEL_FONT}" font-size="{LABEL_SIZE + 2:g}" font-weight="700" '
                   'text-anchor="middle">')
        for point in points:
            out.append(f'<g><title>{escape(point.tip, quote=False)}</title>'
                       f'<circle cx="{point.x:.1f}" cy="{point.y:.1f}" r="{MARK:g}" fill="{SITE_FILL}" '
                       f'stroke="#ffffff" stroke-width="2.5"/>'
                       f'<text x="{point.x:.1f}" y="{point.y + 5:.1f}" fill="#ffffff">'
                       f"{escape(point.label, quote=False)}</text></g>")
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


def label_lines(name: str, width: float = LABEL_WRAP, size: float = LABEL_SIZE) -> list[str]:
    """A name broken into lines no wider than `width` where it can be: at spaces, and after the hyphens of
    place names ("Ashton-in-" / "Makerfield South")."""
    pieces = [p for p in re.split(r"\s+|(?<=-)(?=\w)", name.strip()) if p]
    glue = [bool(re.search(r"-$", p)) for p in pieces]  # a piece ending in "-" joins the next without a space
    lines: list[str] = []
    line = ""
    for i, piece in enumerate(pieces):
        candidate = piece if not line else line + ("" if glue[i - 1] else " ") + piece
        if line and text_width(candidate, size) > width:
            lines.append(line)
            line = piece
        else:
            line = candidate
    if line:
        lines.append(line)
    return lines


def _labels(shapes: MapShapes, names: Mapping[str, str],
            blocked: Sequence[tuple[float, float, float, float]] = ()) -> str:
    """Area names at their inner points, dark on a white halo (readable on every class and the hatch), in up to
    lines; the largest areas first, and a name that would overlap one already placed is left off (every
    area's name and value is in its tooltip and the page's table)."""
    placed: list[tuple[float, float, float, float]] = list(blocked)
    out = [f'<g font-family="{LABEL_FONT}" font-size="{LABEL_SIZE:g}" text-anchor="middle" fill="{LABEL_INK}" '
           f'stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke">']
    width, height = shapes.size
    for code in sorted(shapes.anchors, key=lambda c: -shapes.anchors[c][2]):
        if code not in names:
            continue
        x, y, _ = shapes.anchors[code]
        lines = label_lines(names[code])
        w = max(text_width(line, LABEL_SIZE) for line in lines) + 4
        h = LABEL_SIZE * 1.2 * len(lines) + 2
        box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        if box[0] < 0 or box[2] > width or box[1] < 0 or box[3] > height:
            continue
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
            continue
        placed.append(box)
        top = y - LABEL_SIZE * 1.2 * (len(lines) - 1) / 2 + LABEL_SIZE * 0.35
        spans = "".join(f'<tspan x="{x:.1f}" y="{top + LABEL_SIZE * 1.2 * i:.1f}">{escape(line, quote=False)}'
                        "</tspan>" for i, line in enumerate(lines))
        out.append(f"<text>{spans}</text>")
    out.append("</g>")
    return "\n".join(out)


def hatch_pattern(ident: str) -> str:
    """The "No data" fill: diagonal dark lines on white, 6 px apart."""
    return (f'<pattern id="{ident}" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{NO_DATA_PAPER}"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{NO_DATA_INK}" stroke-width="2.5"/></pattern>')


def swatch(fill: str | None, ident: str = "") -> str:
    """A legend key: a small decorative SVG square of a class colour, or hatched (fill None) for "No data"."""
    if fill is None:
        pid = f"{ident}-swatch-hatch"
        body = f"<defs>{hatch_pattern(pid)}</defs><rect x=\"0.5\" y=\"0.5\" width=\"27\" height=\"17\" " \
               f"fill=\"url(#{pid})\" stroke=\"{BOUNDARY}\"/>"
    else:
        body = f'<rect x="0.5" y="0.5" width="27" height="17" fill="{fill}" stroke="{BOUNDARY}"/>'
    return (f'<svg class="swatch" width="28" height="18" viewBox="0 0 28 18" aria-hidden="true" '
            f'focusable="false">{body}</svg>')


def _polygons(geom) -> Sequence:
    """The polygons of a (multi)polygon or collection."""
    name = geom.GetGeometryName().upper()
    if name == "POLYGON":
        return [geom]
    if name in ("MULTIPOLYGON", "GEOMETRYCOLLECTION"):
        out: list = []
        for i in range(geom.GetGeometryCount()):
            out.extend(_polygons(geom.GetGeometryRef(i)))
        return out
    return []

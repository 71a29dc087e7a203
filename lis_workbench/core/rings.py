"""Polygons as flat numpy arrays (every vertex, ring after ring, area after area), read straight from WKB: the
ground the vectorised geometry works on (contiguity's segment tests, centroids and representative points), so a
layer is parsed once and never goes through OGR feature by feature."""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def spans(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For consecutive groups of the given sizes: the group of each item and its position in the group."""
    counts = np.asarray(counts, dtype=np.int64)
    group = np.repeat(np.arange(len(counts)), counts)
    return group, np.arange(len(group)) - (np.cumsum(counts) - counts)[group]


@dataclass
class Rings:
    """Every vertex of a layer of (multi)polygons, ring after ring, area after area."""

    x: np.ndarray
    y: np.ndarray
    ring_ptr: np.ndarray  # first vertex of each ring (and one past the last)
    part_ptr: np.ndarray  # first vertex of each polygon part
    geom_ptr: np.ndarray  # first vertex of each area
    part_geom: np.ndarray  # area of each part
    part_ring: np.ndarray  # first ring (the exterior) of each part
    ring_part: np.ndarray  # part of each ring


def read_rings(wkbs: Sequence[bytes]) -> Rings | None:
    """Parse 2D Polygon / MultiPolygon WKB (either byte order) into flat arrays; None for any other type
    (Z/M, curves, collections), an empty geometry or a ring that is not closed (those go through OGR)."""
    chunks, ring_sizes, part_rings, geom_parts = [], [], [], []
    unpack = struct.unpack_from
    for wkb in wkbs:
        buf = bytes(wkb)
        try:
            order = "<" if buf[0] == 1 else ">"
            kind = unpack(order + "I", buf, 1)[0]
            if kind == 6:
                nparts, pos = unpack(order + "I", buf, 5)[0], 9
            elif kind == 3:
                nparts, pos = 1, 0
            else:
                return None
            if nparts == 0:
                return None
            geom_parts.append(nparts)
            for _ in range(nparts):
                part_order = "<" if buf[pos] == 1 else ">"
                nrings = unpack(part_order + "I", buf, pos + 5)[0]
                if unpack(part_order + "I", buf, pos + 1)[0] != 3 or nrings == 0:
                    return None
                pos += 9
                part_rings.append(nrings)
                for _ in range(nrings):
                    npts = unpack(part_order + "I", buf, pos)[0]
                    ring = np.frombuffer(buf, part_order + "f8", 2 * npts, pos + 4)
                    if npts < 4 or ring[0] != ring[-2] or ring[1] != ring[-1]:
                        return None
                    chunks.append(ring)
                    ring_sizes.append(npts)
                    pos += 4 + 16 * npts
        except (struct.error, ValueError, IndexError):
            return None
    if not chunks:
        return None
    xy = np.concatenate(chunks).astype(float, copy=False).reshape(-1, 2)
    ring_ptr = np.r_[0, np.cumsum(ring_sizes)]
    part_first_ring = np.r_[0, np.cumsum(part_rings)]
    geom_first_part = np.r_[0, np.cumsum(geom_parts)]
    return Rings(x=np.ascontiguousarray(xy[:, 0]), y=np.ascontiguousarray(xy[:, 1]), ring_ptr=ring_ptr,
                  part_ptr=ring_ptr[part_first_ring], geom_ptr=ring_ptr[part_first_ring[geom_first_part]],
                  part_geom=np.repeat(np.arange(len(geom_parts)), geom_parts), part_ring=part_first_ring[:-1],
                  ring_part=np.repeat(np.arange(len(part_rings)), part_rings))


def envelopes(x: np.ndarray, y: np.ndarray, ptr: np.ndarray) -> np.ndarray:
    """(minx, maxx, miny, maxy) of each run of vertices ptr[k]:ptr[k + 1], as OGR's GetEnvelope."""
    starts = ptr[:-1]
    return np.stack([np.minimum.reduceat(x, starts), np.maximum.reduceat(x, starts),
                     np.minimum.reduceat(y, starts), np.maximum.reduceat(y, starts)], axis=1)


def inside(px: np.ndarray, py: np.ndarray, geom: np.ndarray, rings: Rings) -> np.ndarray:
    """Whether each point (px, py) lies inside area geom (in a part's exterior ring and none of its holes), by
    ray crossing; only asked of points well away from that area's boundary."""
    part_count = np.bincount(rings.part_geom, minlength=len(rings.geom_ptr) - 1)
    first_part = np.cumsum(part_count) - part_count
    # every ring of the area, then every edge of every such ring
    k, pos = spans(part_count[geom])
    part = first_part[geom][k] + pos
    ring_count = np.diff(np.r_[rings.part_ring, len(rings.ring_part)])[part]
    k2, pos2 = spans(ring_count)
    ring = rings.part_ring[part][k2] + pos2
    k3, pos3 = spans(np.diff(rings.ring_ptr)[ring] - 1)
    v = rings.ring_ptr[ring][k3] + pos3
    point = k[k2][k3]
    x0, y0, x1, y1 = rings.x[v], rings.y[v], rings.x[v + 1], rings.y[v + 1]
    qx, qy = px[point], py[point]
    straddles = (y0 > qy) != (y1 > qy)
    with np.errstate(divide="ignore", invalid="ignore"):
        crossing = straddles & (qx < x0 + (qy - y0) * (x1 - x0) / (y1 - y0))
    odd = np.bincount(k3[crossing], minlength=len(ring)) % 2 == 1  # per (point, ring)
    is_exterior = ring == rings.part_ring[rings.ring_part[ring]]
    # per (point, part): inside the exterior and in no hole
    in_part = np.zeros(len(part), dtype=bool)
    in_part[k2[odd & is_exterior]] = True
    in_part[k2[odd & ~is_exterior]] = False
    return np.bincount(k[in_part], minlength=len(px)) > 0


def inside_own(px: np.ndarray, py: np.ndarray, rings: Rings) -> np.ndarray:
    """inside() for one point per area, each tested against its own area: every edge once, no index building."""
    nrings = len(rings.ring_ptr) - 1
    vertex_ring = np.repeat(np.arange(nrings), np.diff(rings.ring_ptr))
    point = np.repeat(rings.part_geom[rings.ring_part], np.diff(rings.ring_ptr))[:-1]
    x0, y0, x1, y1 = rings.x[:-1], rings.y[:-1], rings.x[1:], rings.y[1:]
    qx, qy = px[point], py[point]
    straddles = (y0 > qy) != (y1 > qy)
    straddles[rings.ring_ptr[1:-1] - 1] = False  # the step from one ring's last vertex to the next ring
    with np.errstate(divide="ignore", invalid="ignore"):
        crossing = straddles & (qx < x0 + (qy - y0) * (x1 - x0) / (y1 - y0))
    odd = np.bincount(vertex_ring[:-1][crossing], minlength=nrings) % 2 == 1
    exterior = np.arange(nrings) == rings.part_ring[rings.ring_part]
    nparts = len(rings.part_ring)
    in_hole = np.bincount(rings.ring_part[odd & ~exterior], minlength=nparts) > 0
    in_part = odd[rings.part_ring] & ~in_hole
    return np.bincount(rings.part_geom[in_part], minlength=len(rings.geom_ptr) - 1) > 0


def centroids(rings: Rings) -> tuple[np.ndarray, np.ndarray]:
    """Each area's centroid (n, 2) and area, as GEOS computes them: the area-weighted mean of its rings'
    centroids, holes counting negative, worked relative to the area's first vertex for precision."""
    n = len(rings.geom_ptr) - 1
    ring_geom = rings.part_geom[rings.ring_part]
    first = rings.geom_ptr[:-1]
    per_geom = np.diff(rings.geom_ptr)
    x = rings.x - np.repeat(rings.x[first], per_geom)
    y = rings.y - np.repeat(rings.y[first], per_geom)
    # a segment from every vertex to the next; the one from a ring's last vertex to the next ring's first is
    # given no weight (its ring's moments are sums over its own segments only)
    x0, y0, x1, y1 = x[:-1], y[:-1], x[1:], y[1:]
    cross = x0 * y1 - x1 * y0
    cross[rings.ring_ptr[1:-1] - 1] = 0.0
    nrings = len(rings.ring_ptr) - 1
    seg_ring = np.repeat(np.arange(nrings), np.diff(rings.ring_ptr))[:-1]
    area = np.bincount(seg_ring, cross, minlength=nrings) / 2
    mx = np.bincount(seg_ring, (x0 + x1) * cross, minlength=nrings) / 6
    my = np.bincount(seg_ring, (y0 + y1) * cross, minlength=nrings) / 6
    exterior = np.arange(nrings) == rings.part_ring[rings.ring_part]
    sign = np.where(exterior, 1.0, -1.0) * np.sign(area)  # |area| for a shell, -|area| for a hole
    total = np.bincount(ring_geom, sign * area, minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        cx = np.bincount(ring_geom, sign * mx, minlength=n) / total
        cy = np.bincount(ring_geom, sign * my, minlength=n) / total
    return np.stack([cx + rings.x[first], cy + rings.y[first]], axis=1), total

"""Contiguity from geometry: queen (any contact) or rook (a shared stretch of boundary) neighbours, found through a
grid index and, with a snap tolerance, segment against segment in numpy, because generalised boundaries overlap by
metres and share no vertex."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from osgeo import ogr
from scipy import sparse

from .rings import Rings, envelopes, inside, read_rings, spans
from .weights import Weights, WeightsError, geometries

ogr.UseExceptions()


def _sort_packed(key: np.ndarray, payload: np.ndarray, payload_max: int) -> tuple[np.ndarray, np.ndarray]:
    """(key, payload) sorted by key, then payload (non-negative int64): one sort of key and payload packed
    into one integer when they fit, else a lexsort."""
    bits = max(int(payload_max).bit_length(), 1)
    if key.size and int(key.max()) < (1 << (62 - bits)):
        packed = np.sort((key << bits) | payload)
        return packed >> bits, packed & ((1 << bits) - 1)
    order = np.lexsort((payload, key))
    return key[order], payload[order]


def _pairs_in_groups(sorted_key: np.ndarray, max_group: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Positions (a < b) of every two items with the same key in a sorted key array (groups larger than
    max_group, if given, are skipped)."""
    m = len(sorted_key)
    if m < 2:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    starts = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    sizes = np.diff(np.r_[starts, m])
    ends = starts + sizes if max_group is None else np.where(sizes > max_group, starts + 1, starts + sizes)
    after = np.maximum(np.repeat(ends, sizes) - 1 - np.arange(m), 0)
    a, step = spans(after)
    return a, a + 1 + step


def _candidate_pairs(env: np.ndarray, tolerance: float) -> np.ndarray:
    """Pairs (i < j), sorted, whose envelopes, grown by tolerance, overlap: a uniform grid keeps this near
    linear (every area listed in each cell its envelope covers, then the pairs sharing a cell)."""
    minx, maxx, miny, maxy = (env[:, 0] - tolerance, env[:, 1] + tolerance, env[:, 2] - tolerance,
                              env[:, 3] + tolerance)
    n = len(env)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    cell = float(np.median(np.maximum(maxx - minx, maxy - miny))) or 1.0
    x0, x1 = np.floor(minx / cell).astype(np.int64), np.floor(maxx / cell).astype(np.int64)
    y0, y1 = np.floor(miny / cell).astype(np.int64), np.floor(maxy / cell).astype(np.int64)
    nx = x1 - x0 + 1
    owner, offset = spans(nx * (y1 - y0 + 1))
    gx = x0[owner] + offset % nx[owner]
    gy = y0[owner] + offset // nx[owner]
    gx -= gx.min()
    gy -= gy.min()
    key, owner = _sort_packed(gx * (int(gy.max()) + 1) + gy, owner, n)
    a, b = _pairs_in_groups(key)
    keys = np.unique(owner[a] * n + owner[b])  # owners ascend within a cell: owner[a] < owner[b]
    i, j = keys // n, keys % n
    overlap = (minx[i] <= maxx[j]) & (minx[j] <= maxx[i]) & (miny[i] <= maxy[j]) & (miny[j] <= maxy[i])
    return np.stack([i[overlap], j[overlap]], axis=1)


def contiguity(ids: Sequence[str], wkbs: Sequence[bytes], rook: bool = False, tolerance: float = 0.0,
               progress: Callable[[float, str], None] | None = None, rings: Rings | None = None) -> Weights:
    """Queen (any contact) or rook (a shared stretch of boundary) contiguity from polygon geometry.

    Two areas are queen neighbours when they touch, overlap, or come within `tolerance` metres; rook
    neighbours when their boundaries run together (within `tolerance`) for more than 3 x tolerance (or share a
    line when tolerance is 0). Works on layers that are not clean partitions, unlike vertex matching.

    With a tolerance, (multi)polygons are tested in numpy, segment against segment (_queen_pairs: the same
    answer as OGR's Distance <= tolerance, which decides the few pairs within rounding of the tolerance);
    otherwise, and for other geometry types, each candidate pair goes through OGR. `rings`: the WKB already
    read by rings.read_rings (a layer is parsed once)."""
    if len(ids) != len(wkbs):
        raise WeightsError("Each area needs one geometry.")
    n = len(ids)
    pairs = _queen_pairs(wkbs, tolerance, progress, rings) if tolerance > 0 and n > 1 else None
    geoms: list[ogr.Geometry] = []
    if pairs is None:
        geoms = geometries(wkbs)
        env = np.array([g.GetEnvelope() for g in geoms]) if geoms else np.empty((0, 4))
        pairs = _candidate_pairs(env, tolerance) if n > 1 else np.empty((0, 2), dtype=np.int64)
        keep = np.zeros(len(pairs), dtype=bool)
        step = max(1, len(pairs) // 50)
        for k, (i, j) in enumerate(pairs):
            a, b = geoms[i], geoms[j]
            keep[k] = a.Intersects(b) if tolerance <= 0 else a.Distance(b) <= tolerance
            if progress and k % step == 0:
                progress(k / max(len(pairs), 1), "Finding neighbours")
        pairs = pairs[keep]
    if rook and len(pairs):
        geoms = geoms or geometries(wkbs)
        boundaries: dict[int, ogr.Geometry] = {}
        keep = np.array([_shared_boundary(boundaries, geoms, i, j, tolerance) > max(3 * tolerance, 0.0)
                         for i, j in pairs], dtype=bool)
        pairs = pairs[keep]
    data = np.ones(2 * len(pairs))
    rows = np.r_[pairs[:, 0], pairs[:, 1]]
    cols = np.r_[pairs[:, 1], pairs[:, 0]]
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(n, n))
    matrix.sort_indices()
    w = Weights(list(map(str, ids)), matrix, "rook" if rook else "queen")
    _warn_if_broken(w, tolerance)
    return w


# ------------------------------------------------------------------ queen contact in numpy
_BLOCK = 1 << 14  # items per vectorised block in the segment tests: the temporaries stay in cache


_RUN = 16  # consecutive segments of an area whose envelope is tested first


_MAX_TESTS = 1 << 21  # segment pairs tested at once (and the most for one pair of areas before OGR decides)


def _segment_d2(a: np.ndarray, b: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Squared distance between the segments starting at vertices a and b (each runs to the next vertex): 0
    where they cross, else the least of the four end-to-segment distances (as GEOS computes it)."""
    out = np.empty(len(a))
    for lo in range(0, len(a), _BLOCK):
        s, t = a[lo:lo + _BLOCK], b[lo:lo + _BLOCK]
        ax, ay, cx, cy = x[s], y[s], x[t], y[t]
        ux, uy, vx, vy = x[s + 1] - ax, y[s + 1] - ay, x[t + 1] - cx, y[t + 1] - cy
        uu, vv = ux * ux + uy * uy, vx * vx + vy * vy
        # orientation of c and d about segment a, and of a and b about segment c
        acx, acy = cx - ax, cy - ay
        o_c = ux * acy - uy * acx
        o_d = ux * (acy + vy) - uy * (acx + vx)
        o_a = vy * acx - vx * acy
        o_b = vx * (uy - acy) - vy * (ux - acx)
        cross = (o_c * o_d < 0) & (o_a * o_b < 0)
        d2 = _point_segment_d2(acx, acy, ux, uy, uu)  # c to segment a
        np.minimum(d2, _point_segment_d2(acx + vx, acy + vy, ux, uy, uu), out=d2)  # d to a
        np.minimum(d2, _point_segment_d2(-acx, -acy, vx, vy, vv), out=d2)  # a to c
        np.minimum(d2, _point_segment_d2(ux - acx, uy - acy, vx, vy, vv), out=d2)  # b to c
        d2[cross] = 0.0
        out[lo:lo + _BLOCK] = d2
    return out


def _point_segment_d2(wx: np.ndarray, wy: np.ndarray, ux: np.ndarray, uy: np.ndarray, uu: np.ndarray) -> np.ndarray:
    """Squared distance from points at offset (wx, wy) from a segment's start to the segment (ux, uy), uu its
    squared length (0 for a repeated vertex: the distance to its start)."""
    t = wx * ux + wy * uy
    np.divide(t, uu, out=t, where=uu > 0)
    np.clip(t, 0.0, 1.0, out=t)
    ex, ey = wx - t * ux, wy - t * uy
    return ex * ex + ey * ey


def _queen_pairs(wkbs: Sequence[bytes], tolerance: float,
                 progress: Callable[[float, str], None] | None = None,
                 rings: Rings | None = None) -> np.ndarray | None:
    """Pairs (i < j) of (multi)polygons at most `tolerance` (> 0) apart, as OGR's Distance(a, b) <= tolerance
    would find them, but in numpy; None when the WKB is not all 2D (multi)polygons.

    1. Candidate pairs: envelopes (grown by the tolerance) overlap.
    2. Quick witnesses: segments of two areas whose midpoints share a small grid cell (about a median segment
       long) and are within the tolerance (or cross) prove those two areas are neighbours. Areas that overlap
       or run side by side along a boundary almost always meet this way.
    3. Every other candidate pair: each segment of one area near the other's envelope against each such
       segment of the other. A pair is in if some two are within the tolerance, out if all are beyond it.
    4. Out pairs with no boundary in reach may still have one area inside the other (distance 0): one vertex
       of each part lying within the other's envelope is tested by ray crossing.
    Distances are compared with a margin of 1e-9 x the coordinates' magnitude either side of the tolerance;
    a pair whose least distance falls in that margin is left to OGR."""
    report = progress or (lambda fraction, message: None)
    rings = rings or read_rings(wkbs)
    if rings is None:
        return None
    x, y = rings.x, rings.y
    n = len(rings.geom_ptr) - 1
    env = envelopes(x, y, rings.geom_ptr)
    report(0.1, "Finding neighbours")
    pairs = _candidate_pairs(env, tolerance)
    if not len(pairs):
        return pairs
    margin = 1e-9 * max(float(np.abs(env).max()), tolerance, 1.0)
    inner2, outer2 = max(tolerance - margin, 0.0) ** 2, (tolerance + margin) ** 2
    # segments, by their first vertex: every vertex but the last of a ring
    first = np.ones(len(x), dtype=bool)
    first[rings.ring_ptr[1:] - 1] = False
    seg = np.flatnonzero(first)
    vertex_geom = np.repeat(np.arange(n), np.diff(rings.geom_ptr))
    seg_geom = vertex_geom[seg]
    seg_ptr = np.r_[0, np.cumsum(np.bincount(seg_geom, minlength=n))]

    # 2. quick witnesses, one run of whole grid cells at a time (sorted by cell)
    report(0.2, "Finding neighbours")
    sample = seg[::max(1, len(seg) // 20000)]
    cell = max(float(np.median(np.hypot(x[sample + 1] - x[sample], y[sample + 1] - y[sample]))), 2.0 * tolerance,
               float(np.ptp(x)) / 2 ** 30, float(np.ptp(y)) / 2 ** 30)  # cell keys fit in an int64
    cx = x[seg]
    cx += x[seg + 1]
    cx -= cx.min()
    cx *= 0.5 / cell  # twice the midpoint, less the least of them, in cells
    cy = y[seg]
    cy += y[seg + 1]
    cy -= cy.min()
    cy *= 0.5 / cell
    key = cx.astype(np.int64)
    key *= int(cy.max()) + 1
    key += cy.astype(np.int64)
    del cx, cy
    key, order = _sort_packed(key, np.arange(len(seg), dtype=np.int64), len(seg))
    starts = np.r_[np.flatnonzero(np.r_[True, key[1:] != key[:-1]]), len(key)]
    cuts = np.unique(np.r_[starts[np.searchsorted(starts, np.arange(0, len(key), _BLOCK))], len(key)])
    witnessed = [np.empty(0, dtype=np.int64)]
    for step, (c0, c1) in enumerate(zip(cuts[:-1], cuts[1:])):
        if step % 16 == 0:
            report(0.2 + 0.3 * c0 / max(len(key), 1), "Finding neighbours")
        if c0 >= c1:
            continue
        a, b = _pairs_in_groups(key[c0:c1], max_group=32)
        a, b = seg[order[a + c0]], seg[order[b + c0]]
        gi, gj = vertex_geom[a], vertex_geom[b]
        other = gi != gj
        hit = _segment_d2(a[other], b[other], x, y) <= inner2
        gi, gj = gi[other][hit], gj[other][hit]
        witnessed.append(np.minimum(gi, gj) * n + np.maximum(gi, gj))
    del key, order
    found = np.isin(pairs[:, 0] * n + pairs[:, 1], np.concatenate(witnessed))

    # 3. the other candidates, segment against segment near the other's envelope
    report(0.5, "Finding neighbours")
    todo = pairs[~found]
    accept = np.zeros(len(todo), dtype=bool)
    near = np.zeros(len(todo), dtype=bool)
    reach = tolerance + margin
    grown = env + np.array([-reach, reach, -reach, reach])
    # runs of _RUN consecutive segments of an area, with their envelope: whole runs far from the other area's
    # envelope are dropped before their segments are looked at
    seg_count = np.diff(seg_ptr)
    run_count = (seg_count + _RUN - 1) // _RUN
    run_ptr = np.r_[0, np.cumsum(run_count)]
    run_geom, run_pos = spans(run_count)
    run_first = seg_ptr[run_geom] + _RUN * run_pos  # first segment of each run
    run_len = np.minimum(_RUN, seg_ptr[run_geom + 1] - run_first)
    run_end = seg[run_first + run_len - 1] + 1  # last vertex of each run
    run_box = envelopes(x, y, np.r_[seg[run_first], len(x)])  # from its first vertex to the next run's first
    run_box = np.stack([np.minimum(run_box[:, 0], x[run_end]), np.maximum(run_box[:, 1], x[run_end]),
                        np.minimum(run_box[:, 2], y[run_end]), np.maximum(run_box[:, 3], y[run_end])], axis=1)
    del run_geom, run_pos, run_end
    work = run_count[todo[:, 0]] + run_count[todo[:, 1]]
    bounds = np.searchsorted(np.cumsum(work), np.arange(0, work.sum(), _BLOCK >> 2), side="right")
    for step, (lo, hi) in enumerate(zip(bounds, np.r_[bounds[1:], len(todo)])):
        if step % 16 == 0:
            report(0.5 + 0.3 * lo / max(len(todo), 1), "Finding neighbours")
        if lo >= hi:
            continue
        block = todo[lo:hi]
        sides = []
        for own, far in ((block[:, 0], block[:, 1]), (block[:, 1], block[:, 0])):
            k, pos = spans(run_count[own])
            run = run_ptr[own][k] + pos
            box, rb = grown[far][k], run_box[run]
            near_run = ((rb[:, 1] >= box[:, 0]) & (rb[:, 0] <= box[:, 1])
                        & (rb[:, 3] >= box[:, 2]) & (rb[:, 2] <= box[:, 3]))
            k, run = k[near_run], run[near_run]
            kk, pos = spans(run_len[run])
            k = k[kk]
            v = seg[run_first[run][kk] + pos]
            box = grown[far][k]
            xa, xb, ya, yb = x[v], x[v + 1], y[v], y[v + 1]
            keep = ((np.maximum(xa, xb) >= box[:, 0]) & (np.minimum(xa, xb) <= box[:, 1])
                    & (np.maximum(ya, yb) >= box[:, 2]) & (np.minimum(ya, yb) <= box[:, 3]))
            sides.append((k[keep], v[keep]))
        (ka, sa), (kb, sb) = sides
        count_a = np.bincount(ka, minlength=len(block))
        count_b = np.bincount(kb, minlength=len(block))
        huge = count_a * count_b > _MAX_TESTS  # two big areas deep in each other's envelope: OGR decides
        near[lo + np.flatnonzero(huge)] = True
        keep = ~huge[ka]
        ka, sa = ka[keep], sa[keep]
        first_b = np.cumsum(count_b) - count_b
        tests = np.cumsum(count_b[ka])
        cuts = np.searchsorted(tests, np.arange(0, tests[-1] if len(tests) else 0, _MAX_TESTS), side="right")
        for c0, c1 in zip(cuts, np.r_[cuts[1:], len(ka)]):
            ia, ib = spans(count_b[ka[c0:c1]])  # ib: position among the other side's segments
            ia += c0
            d2 = _segment_d2(sa[ia], sb[first_b[ka[ia]] + ib], x, y)
            k = ka[ia]
            accept[lo + np.unique(k[d2 <= inner2])] = True
            near[lo + np.unique(k[d2 <= outer2])] = True

    # 4. no boundary within reach: is a part of one inside the other?
    report(0.8, "Finding neighbours")
    far_pairs = np.flatnonzero(~near)
    part_env = envelopes(x, y, rings.part_ptr)
    part_count = np.bincount(rings.part_geom, minlength=n)
    first_part = np.cumsum(part_count) - part_count
    for own_side in (0, 1):
        own, other_geom = todo[far_pairs, own_side], todo[far_pairs, 1 - own_side]
        k, pos = spans(part_count[own])
        part = first_part[own][k] + pos
        pe, oe = part_env[part], env[other_geom][k]
        within = (pe[:, 0] >= oe[:, 0]) & (pe[:, 1] <= oe[:, 1]) & (pe[:, 2] >= oe[:, 2]) & (pe[:, 3] <= oe[:, 3])
        k, part = k[within], part[within]
        vertex = rings.part_ptr[part]
        within_other = inside(x[vertex], y[vertex], other_geom[k], rings)
        accept[far_pairs[np.unique(k[within_other])]] = True

    # within rounding of the tolerance: OGR decides
    unsure = np.flatnonzero(near & ~accept)
    if len(unsure):
        cache: dict[int, ogr.Geometry] = {}

        def geometry(i: int) -> ogr.Geometry:
            if i not in cache:
                cache[i] = ogr.CreateGeometryFromWkb(bytes(wkbs[i]))
            return cache[i]

        for idx in unsure:
            i, j = todo[idx]
            accept[idx] = geometry(int(i)).Distance(geometry(int(j))) <= tolerance
    report(1.0, "Finding neighbours")
    found[np.flatnonzero(~found)[accept]] = True
    return pairs[found]


def _shared_boundary(cache: dict, geoms: list, i: int, j: int, tolerance: float) -> float:
    for k in (i, j):
        if k not in cache:
            cache[k] = geoms[k].Boundary()
    line_i, line_j = cache[i], cache[j]
    shared = line_i.Intersection(line_j.Buffer(tolerance) if tolerance > 0 else line_j)
    return _line_length(shared)


def _line_length(geom: ogr.Geometry | None) -> float:
    """Length of the lines in a geometry; a point (corners that touch) or a collection's points count 0. GDAL 3.7+
    prints a warning for Length() on a point, once per touching corner."""
    if geom is None or geom.IsEmpty():
        return 0.0
    kind = ogr.GT_Flatten(geom.GetGeometryType())
    if kind in (ogr.wkbGeometryCollection, ogr.wkbMultiPoint, ogr.wkbMultiLineString):
        return sum(_line_length(geom.GetGeometryRef(k)) for k in range(geom.GetGeometryCount()))
    return geom.Length() if kind in (ogr.wkbLineString, ogr.wkbLinearRing, ogr.wkbCircularString,
                                     ogr.wkbCompoundCurve) else 0.0


def _warn_if_broken(w: Weights, tolerance: float) -> None:
    isolated = len(w.islands)
    if w.n >= 10 and isolated > w.n / 2:
        w.notes.append(f"{isolated} of {w.n} areas have no neighbour: the boundaries may not meet (gaps between "
                       f"areas). Try a snap tolerance (e.g. {max(1.0, tolerance * 10):g} m) or k-nearest neighbours.")

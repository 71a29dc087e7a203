"""Travel costs along a line network (roads, paths): shortest paths with scipy's Dijkstra, distance in
metres or time in minutes from a speed, for siting models that should not use straight lines."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from osgeo import ogr
from scipy import sparse
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from ..errors import NetworkError

ogr.UseExceptions()




def _segments(lines: Iterable[bytes]) -> np.ndarray:
    """All straight segments (x1, y1, x2, y2) of the given line WKB geometries."""
    parts = []
    for wkb in lines:
        if wkb is None:
            continue
        geom = ogr.CreateGeometryFromWkb(bytes(wkb))
        if geom is None or geom.IsEmpty():
            continue
        flat = ogr.GT_Flatten(geom.GetGeometryType())
        pieces = [geom] if flat == ogr.wkbLineString else \
            [geom.GetGeometryRef(i) for i in range(geom.GetGeometryCount())]
        for piece in pieces:
            pts = np.asarray(piece.GetPoints() or [], dtype=float)
            if len(pts) >= 2:
                pts = pts[:, :2]
                parts.append(np.hstack([pts[:-1], pts[1:]]))
    if not parts:
        raise NetworkError("The network layer has no lines to travel along.")
    return np.vstack(parts)


def network_costs(lines: Iterable[bytes], demand_xy: np.ndarray, site_xy: np.ndarray, *,
                  snap: float = 1.0, speed_kmh: float | None = None, max_snap: float = 2000.0,
                  limit: float | None = None) -> np.ndarray:
    """Shortest travel cost from each demand point to each site along the lines (EPSG:27700 metres).

    Line ends within ``snap`` metres are joined; each point joins the network at its nearest vertex, the
    straight walk to it counted. With ``speed_kmh`` the cost is minutes, else metres. Pairs not connected
    (or beyond ``limit``) are infinite.
    """
    seg = _segments(lines)
    ends = np.vstack([seg[:, :2], seg[:, 2:]])
    # ends within `snap` of each other are one node (chains of close ends join too)
    pairs = cKDTree(ends).query_pairs(r=snap, output_type="ndarray")
    touching = sparse.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(len(ends), len(ends)))
    n_nodes, node_of = connected_components(touching, directed=False)
    node_xy = np.zeros((n_nodes, 2))
    node_xy[node_of] = ends
    k = len(seg)
    a, b = node_of[:k], node_of[k:]
    length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
    keep = a != b
    # one edge per node pair, both ways, the shortest of any parallel lines
    coo = sparse.coo_matrix((np.concatenate([length[keep], length[keep]]),
                             (np.concatenate([a[keep], b[keep]]), np.concatenate([b[keep], a[keep]]))),
                            shape=(n_nodes, n_nodes))
    order = np.lexsort((coo.data, coo.col, coo.row))
    rows, cols, data = coo.row[order], coo.col[order], coo.data[order]
    first = np.ones(rows.size, bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    graph = sparse.csr_matrix((data[first], (rows[first], cols[first])), shape=(n_nodes, n_nodes))
    tree = cKDTree(node_xy)
    demand_xy = np.asarray(demand_xy, float).reshape(-1, 2)
    site_xy = np.asarray(site_xy, float).reshape(-1, 2)
    d_snap, d_node = tree.query(demand_xy)
    s_snap, s_node = tree.query(site_xy)
    far = np.flatnonzero(d_snap > max_snap)
    if far.size:
        raise NetworkError(f"{far.size} demand point(s) are more than {max_snap:g} m from the network "
                           f"(first: row {far[0] + 1}, {d_snap[far[0]]:.0f} m); check the network covers the area.")
    far = np.flatnonzero(s_snap > max_snap)
    if far.size:
        raise NetworkError(f"{far.size} site(s) are more than {max_snap:g} m from the network "
                           f"(first: row {far[0] + 1}, {s_snap[far[0]]:.0f} m); check the network covers the area.")
    if speed_kmh is not None and speed_kmh <= 0:
        raise NetworkError("The travel speed must be above 0 km/h.")
    unique_sites, back = np.unique(s_node, return_inverse=True)
    dist = dijkstra(graph, directed=False, indices=unique_sites,
                    limit=np.inf if limit is None else float(limit) * (speed_kmh * 1000 / 60 if speed_kmh else 1))
    cost = dist[back][:, d_node].T + d_snap[:, None] + s_snap[None, :]
    if speed_kmh:
        cost = cost / (speed_kmh * 1000 / 60)
    if limit is not None:
        cost[cost > limit] = np.inf
    return cost

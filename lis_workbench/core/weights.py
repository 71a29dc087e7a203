"""Spatial weights: who neighbours whom. Contiguity is built from geometry (shared boundary or overlap within a
tolerance, through a grid index), because generalised boundaries overlap by metres and share no vertex; plus
k-nearest neighbours, distance bands and inverse distance. Sparse (CSR), ids kept in input order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from osgeo import ogr
from scipy import sparse
from scipy.spatial import cKDTree

from .errors import LisError

ogr.UseExceptions()
KINDS = ("queen", "rook", "knn", "distance", "inverse_distance")


class WeightsError(LisError):
    """Weights cannot be built as asked (too few areas, a bad parameter, every area isolated...)."""


@dataclass
class Weights:
    """Neighbours of n areas: a sparse n x n matrix (row i lists i's neighbours), ids in input order."""

    ids: list[str]
    matrix: sparse.csr_matrix
    kind: str
    notes: list[str] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def cardinalities(self) -> np.ndarray:
        return np.diff(self.matrix.indptr)

    @property
    def islands(self) -> list[str]:
        """Areas with no neighbour, by id."""
        return [self.ids[i] for i in np.flatnonzero(self.cardinalities == 0)]

    def neighbours(self) -> dict[str, set[str]]:
        """{id: set of neighbour ids} (for comparing with other tools)."""
        m = self.matrix
        return {self.ids[i]: {self.ids[j] for j in m.indices[m.indptr[i]:m.indptr[i + 1]]} for i in range(self.n)}

    def transformed(self, transform: str) -> sparse.csr_matrix:
        """The matrix binary ('b': every neighbour 1, or the inverse-distance values) or row-standardised ('r')."""
        m = self.matrix.astype(float).tocsr(copy=True)
        if transform == "b":
            return m
        if transform != "r":
            raise WeightsError(f"Weights are binary ('b') or row-standardised ('r'), not '{transform}'.")
        sums = np.asarray(m.sum(axis=1)).ravel()
        scale = np.divide(1.0, sums, out=np.zeros_like(sums), where=sums > 0)
        return sparse.diags(scale) @ m

    def subset(self, keep: np.ndarray) -> Weights:
        """The weights among the areas flagged in `keep` (a boolean mask)."""
        idx = np.flatnonzero(keep)
        m = self.matrix[idx][:, idx].tocsr()
        return Weights([self.ids[i] for i in idx], m, self.kind, list(self.notes))


# ------------------------------------------------------------------ geometry helpers
def _geometries(wkbs: Sequence[bytes]) -> list[ogr.Geometry]:
    return [ogr.CreateGeometryFromWkb(bytes(w)) for w in wkbs]


def representative_points(wkbs: Sequence[bytes]) -> np.ndarray:
    """One point per area (centroid, or a point on the surface when the centroid falls outside): (n, 2)."""
    out = np.empty((len(wkbs), 2))
    for i, geom in enumerate(_geometries(wkbs)):
        point = geom.Centroid()
        if geom.GetGeometryType() != ogr.wkbPoint and not geom.Contains(point):
            point = geom.PointOnSurface()
        out[i] = point.GetX(), point.GetY()
    return out


def _candidate_pairs(env: np.ndarray, tolerance: float) -> np.ndarray:
    """Pairs (i < j) whose envelopes, grown by tolerance, overlap: a uniform grid keeps this near linear."""
    minx, maxx, miny, maxy = (env[:, 0] - tolerance, env[:, 1] + tolerance, env[:, 2] - tolerance,
                              env[:, 3] + tolerance)
    cell = float(np.median(np.maximum(maxx - minx, maxy - miny))) or 1.0
    x0, x1 = np.floor(minx / cell).astype(np.int64), np.floor(maxx / cell).astype(np.int64)
    y0, y1 = np.floor(miny / cell).astype(np.int64), np.floor(maxy / cell).astype(np.int64)
    owners, keys = [], []
    for i in range(len(env)):
        xs, ys = np.arange(x0[i], x1[i] + 1), np.arange(y0[i], y1[i] + 1)
        gx, gy = np.meshgrid(xs, ys)
        keys.append(gx.ravel() * 1_000_003 + gy.ravel())
        owners.append(np.full(gx.size, i))
    keys_all, owners_all = np.concatenate(keys), np.concatenate(owners)
    order = np.argsort(keys_all, kind="stable")
    keys_all, owners_all = keys_all[order], owners_all[order]
    starts = np.flatnonzero(np.r_[True, keys_all[1:] != keys_all[:-1]])
    ends = np.r_[starts[1:], len(keys_all)]
    pairs = []
    for s, e in zip(starts, ends):
        if e - s > 1:
            members = owners_all[s:e]
            a, b = np.triu_indices(len(members), 1)
            pairs.append(np.stack([members[a], members[b]], axis=1))
    if not pairs:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.unique(np.sort(np.concatenate(pairs), axis=1), axis=0)
    i, j = pairs[:, 0], pairs[:, 1]
    overlap = (minx[i] <= maxx[j]) & (minx[j] <= maxx[i]) & (miny[i] <= maxy[j]) & (miny[j] <= maxy[i])
    return pairs[overlap]


def contiguity(ids: Sequence[str], wkbs: Sequence[bytes], rook: bool = False, tolerance: float = 0.0,
               progress: Callable[[float, str], None] | None = None) -> Weights:
    """Queen (any contact) or rook (a shared stretch of boundary) contiguity from polygon geometry.

    Two areas are queen neighbours when they touch, overlap, or come within `tolerance` metres; rook
    neighbours when their boundaries run together (within `tolerance`) for more than 3 x tolerance (or share a
    line when tolerance is 0). Works on layers that are not clean partitions, unlike vertex matching."""
    if len(ids) != len(wkbs):
        raise WeightsError("Each area needs one geometry.")
    geoms = _geometries(wkbs)
    env = np.array([g.GetEnvelope() for g in geoms]) if geoms else np.empty((0, 4))
    pairs = _candidate_pairs(env, tolerance) if len(geoms) > 1 else np.empty((0, 2), dtype=np.int64)
    keep = np.zeros(len(pairs), dtype=bool)
    boundaries: dict[int, ogr.Geometry] = {}
    step = max(1, len(pairs) // 50)
    for k, (i, j) in enumerate(pairs):
        a, b = geoms[i], geoms[j]
        touching = a.Intersects(b) if tolerance <= 0 else a.Distance(b) <= tolerance
        if touching and rook:
            touching = _shared_boundary(boundaries, geoms, i, j, tolerance) > max(3 * tolerance, 0.0)
        keep[k] = touching
        if progress and k % step == 0:
            progress(k / max(len(pairs), 1), "Finding neighbours")
    pairs = pairs[keep]
    n = len(ids)
    data = np.ones(2 * len(pairs))
    rows = np.r_[pairs[:, 0], pairs[:, 1]]
    cols = np.r_[pairs[:, 1], pairs[:, 0]]
    matrix = sparse.csr_matrix((data, (rows, cols)), shape=(n, n))
    matrix.sort_indices()
    w = Weights(list(map(str, ids)), matrix, "rook" if rook else "queen")
    _warn_if_broken(w, tolerance)
    return w


def _shared_boundary(cache: dict, geoms: list, i: int, j: int, tolerance: float) -> float:
    for k in (i, j):
        if k not in cache:
            cache[k] = geoms[k].Boundary()
    line_i, line_j = cache[i], cache[j]
    if tolerance > 0:
        return line_i.Intersection(line_j.Buffer(tolerance)).Length()
    return line_i.Intersection(line_j).Length()


def _warn_if_broken(w: Weights, tolerance: float) -> None:
    isolated = len(w.islands)
    if w.n >= 10 and isolated > w.n / 2:
        w.notes.append(f"{isolated} of {w.n} areas have no neighbour: the boundaries may not meet (gaps between "
                       f"areas). Try a snap tolerance (e.g. {max(1.0, tolerance * 10):g} m) or k-nearest neighbours.")


def knn(ids: Sequence[str], points: np.ndarray, k: int) -> Weights:
    """Each area's k nearest others by representative point (ties broken by scipy's KD-tree order)."""
    n = len(ids)
    if k < 1 or k >= n:
        raise WeightsError(f"k must be between 1 and {n - 1} (the number of other areas), not {k}.")
    _, idx = cKDTree(points).query(points, k=k + 1)
    rows, cols = [], []
    for i in range(n):
        others = [j for j in idx[i] if j != i][:k]
        rows += [i] * len(others)
        cols += others
    matrix = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    matrix.sort_indices()
    return Weights(list(map(str, ids)), matrix, "knn")


def distance_band(ids: Sequence[str], points: np.ndarray, threshold: float, inverse: bool = False,
                  power: float = 1.0) -> Weights:
    """Neighbours within `threshold` metres; with `inverse`, weighted 1 / distance**power."""
    if threshold <= 0:
        raise WeightsError(f"The distance band must be a positive number of metres, not {threshold}.")
    n = len(ids)
    tree = cKDTree(points)
    dist = tree.sparse_distance_matrix(tree, threshold, output_type="coo_matrix")
    off = dist.row != dist.col
    rows, cols, d = dist.row[off], dist.col[off], dist.data[off]
    if inverse:
        if (d <= 0).any():
            raise WeightsError("Two areas share a location, so their inverse distance is infinite.")
        values = 1.0 / d ** power
    else:
        values = np.ones(len(d))
    matrix = sparse.csr_matrix((values, (rows, cols)), shape=(n, n))
    matrix.sort_indices()
    return Weights(list(map(str, ids)), matrix, "inverse_distance" if inverse else "distance")


def handle_islands(w: Weights, policy: str, points: np.ndarray | None = None) -> tuple[Weights, np.ndarray]:
    """Deal with areas that have no neighbour: 'drop' them (returns the kept mask) or join each to its
    'nearest' area (by representative point). Never a silent NaN."""
    keep = np.ones(w.n, dtype=bool)
    lonely = np.flatnonzero(w.cardinalities == 0)
    if len(lonely) == 0:
        return w, keep
    if policy == "drop":
        keep[lonely] = False
        out = w.subset(keep)
        out.notes.append(f"{len(lonely)} area(s) with no neighbour left out: "
                         f"{', '.join(w.ids[i] for i in lonely[:10])}{' ...' if len(lonely) > 10 else ''}.")
        return out, keep
    if policy != "nearest":
        raise WeightsError(f"Islands are 'drop'ped or joined to their 'nearest' area, not '{policy}'.")
    if points is None:
        raise WeightsError("Joining islands to their nearest area needs the areas' locations.")
    _, idx = cKDTree(points).query(points[lonely], k=2)
    nearest = np.where(idx[:, 0] == lonely, idx[:, 1], idx[:, 0])
    m = w.matrix.tolil()
    value = 1.0
    for i, j in zip(lonely, nearest):
        m[i, j] = value
        m[j, i] = value
    out = Weights(list(w.ids), m.tocsr(), w.kind, list(w.notes))
    out.matrix.sort_indices()
    out.notes.append(f"{len(lonely)} area(s) with no neighbour joined to their nearest area: "
                     f"{', '.join(w.ids[i] for i in lonely[:10])}{' ...' if len(lonely) > 10 else ''}.")
    return out, keep

"""Spatial weights: who neighbours whom, as a sparse (CSR) matrix with ids in input order; k-nearest neighbours,
distance bands, inverse distance, and what to do with areas that have no neighbour. Contiguity (queen, rook) is
built from the geometry in contiguity.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from osgeo import ogr
from scipy import sparse

from .choices import WEIGHT_KINDS
from .errors import WeightsError
from .rings import Rings, centroids, inside_own, read_rings

ogr.UseExceptions()
KINDS = WEIGHT_KINDS




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
def geometries(wkbs: Sequence[bytes]) -> list[ogr.Geometry]:
    return [ogr.CreateGeometryFromWkb(bytes(w)) for w in wkbs]


def representative_points(wkbs: Sequence[bytes], rings: Rings | None = None) -> np.ndarray:
    """One point per area (centroid, or a point on the surface when the centroid falls outside): (n, 2).
    Polygons are worked in numpy (from `rings` when already read); other geometries and the few areas whose
    centroid falls outside go through OGR."""
    rings = rings or read_rings(wkbs)
    if rings is None:
        return _ogr_points(wkbs)
    out, area = centroids(rings)
    usable = np.isfinite(out).all(axis=1) & (area > 0) & inside_own(out[:, 0], out[:, 1], rings)
    if not usable.all():
        rest = np.flatnonzero(~usable)
        out[rest] = _ogr_points([wkbs[i] for i in rest])
    return out


def _ogr_points(wkbs: Sequence[bytes]) -> np.ndarray:
    """OGR's centroid, or its point on the surface when the centroid falls outside, of each geometry."""
    out = np.empty((len(wkbs), 2))
    for i, geom in enumerate(geometries(wkbs)):
        point = geom.Centroid()
        if geom.GetGeometryType() != ogr.wkbPoint and not geom.Contains(point):
            point = geom.PointOnSurface()
        out[i] = point.GetX(), point.GetY()
    return out


def knn(ids: Sequence[str], points: np.ndarray, k: int) -> Weights:
    """Each area's k nearest others by representative point (ties broken by scipy's KD-tree order)."""
    n = len(ids)
    if k < 1 or k >= n:
        raise WeightsError(f"k must be between 1 and {n - 1} (the number of other areas), not {k}.")
    from scipy.spatial import cKDTree  # here, not at the top: contiguity alone never pays its import

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
    from scipy.spatial import cKDTree

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


def _nearest_other(points: np.ndarray, which: np.ndarray) -> np.ndarray:
    """For each index in `which`, the nearest other point (the lowest index among equals): brute force, as
    islands are few (England's LSOAs have a handful), which spares a batch run the KD-tree's import."""
    if len(which) > 1000:  # many islands (points, say): the KD-tree
        from scipy.spatial import cKDTree

        _, idx = cKDTree(points).query(points[which], k=2)
        return np.where(idx[:, 0] == which, idx[:, 1], idx[:, 0])
    nearest = np.empty(len(which), dtype=np.int64)
    for k, i in enumerate(which):
        d2 = (points[:, 0] - points[i, 0]) ** 2 + (points[:, 1] - points[i, 1]) ** 2
        d2[i] = np.inf
        nearest[k] = int(np.argmin(d2))
    return nearest


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
    nearest = _nearest_other(points, lonely)
    # an island's row and column are empty, so each join is a new cell of weight 1 (two islands nearest each
    # other join once); added in one sparse sum, as a cell-by-cell edit of England's matrix takes a tenth of a second
    pairs = sorted({(int(i), int(j)) for i, j in zip(lonely, nearest)} | {(int(j), int(i)) for i, j in
                                                                         zip(lonely, nearest)})
    rows, cols = (np.array(v, dtype=np.int64) for v in zip(*pairs))
    m = w.matrix.tocsr()
    new = np.asarray(m[rows, cols]).ravel() == 0  # a cell already set stays as it is
    joins = sparse.csr_matrix((np.ones(int(new.sum())), (rows[new], cols[new])), shape=m.shape)
    m = m + joins
    out = Weights(list(w.ids), sparse.csr_matrix(m), w.kind, list(w.notes))
    out.matrix.sort_indices()
    out.notes.append(f"{len(lonely)} area(s) with no neighbour joined to their nearest area: "
                     f"{', '.join(w.ids[i] for i in lonely[:10])}{' ...' if len(lonely) > 10 else ''}.")
    return out, keep

"""Area codes and lookups between geographies: best-fit lookups from (population-weighted) centroids."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from osgeo import ogr

from .errors import GeographyError

ogr.UseExceptions()


def centroids_from_polygons(polygons: Mapping[str, bytes]) -> pd.DataFrame:
    """A point inside each polygon (its centroid, or a point on its surface when the centroid falls
    outside it): columns area_code, x, y."""
    rows = []
    for code, wkb in polygons.items():
        geom = ogr.CreateGeometryFromWkb(wkb)
        point = geom.Centroid()
        if not geom.Contains(point):
            point = geom.PointOnSurface()
        rows.append((code, point.GetX(), point.GetY()))
    return pd.DataFrame(rows, columns=["area_code", "x", "y"])


def best_fit_lookup(points: pd.DataFrame, polygons: Mapping[str, bytes]) -> tuple[pd.DataFrame, list[str]]:
    """Assign each point (area_code, x, y) to the polygon containing it, or the nearest one within
    50 m (for points on a generalised boundary). Returns (from_code, to_code, weight=1) and the
    codes left unmatched."""
    if not polygons:
        raise GeographyError("Cannot build a lookup: the target geography has no areas.")
    codes = list(polygons)
    geoms = [ogr.CreateGeometryFromWkb(polygons[c]) for c in codes]
    env = np.array([g.GetEnvelope() for g in geoms])  # minx, maxx, miny, maxy
    pairs, unmatched = [], []
    for code, x, y in points[["area_code", "x", "y"]].itertuples(index=False):
        point = ogr.Geometry(ogr.wkbPoint)
        point.AddPoint_2D(float(x), float(y))
        near = np.flatnonzero((env[:, 0] <= x) & (env[:, 1] >= x) & (env[:, 2] <= y) & (env[:, 3] >= y))
        hit = next((codes[i] for i in near if geoms[i].Contains(point)), None)
        if hit is None:
            distances = [(geoms[i].Distance(point), codes[i]) for i in range(len(codes))]
            distance, nearest = min(distances)
            hit = nearest if distance <= 50 else None
        if hit is None:
            unmatched.append(code)
        else:
            pairs.append((code, hit, 1.0))
    return pd.DataFrame(pairs, columns=["from_code", "to_code", "weight"]), unmatched

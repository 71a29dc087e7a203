"""Travel costs between demand areas and sites: straight lines, or a cost-matrix CSV read and written."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..safe_csv import restore, write_csv
from .common import SitingError


def euclidean_costs(demand_xy: np.ndarray, site_xy: np.ndarray) -> np.ndarray:
    """Straight-line distances (in the CRS units, metres in EPSG:27700) from each demand point to each site."""
    demand_xy = np.asarray(demand_xy, dtype=float).reshape(-1, 2)
    site_xy = np.asarray(site_xy, dtype=float).reshape(-1, 2)
    dx = demand_xy[:, 0:1] - site_xy[None, :, 0]
    dy = demand_xy[:, 1:2] - site_xy[None, :, 1]
    return np.hypot(dx, dy)


def write_cost_matrix(path, cost: np.ndarray, demand_codes: Sequence[str], site_ids: Sequence[str]) -> None:
    """Save a cost matrix as a long CSV (demand_code, site_id, cost), unreachable pairs left out."""
    rows, cols = np.nonzero(np.isfinite(cost))
    write_csv(pd.DataFrame({"demand_code": np.asarray(demand_codes, dtype=object)[rows],
                            "site_id": np.asarray(site_ids, dtype=object)[cols],
                            "cost": cost[rows, cols]}), path)


def read_cost_matrix(path, demand_codes: Sequence[str], site_ids: Sequence[str]) -> np.ndarray:
    """Read a cost-matrix CSV, long (demand_code, site_id, cost) or wide (first column demand codes,
    one column per site id), in the order of the given codes; missing pairs are unreachable."""
    frame = pd.read_csv(path, dtype=str)
    if frame.empty:
        raise SitingError(f"The cost matrix {path} has no rows.")
    demand_index = {str(c): i for i, c in enumerate(demand_codes)}
    site_index = {str(s): j for j, s in enumerate(site_ids)}
    cost = np.full((len(demand_codes), len(site_ids)), np.inf)
    if {"demand_code", "site_id", "cost"} <= set(frame.columns):
        long = frame
    else:
        first = frame.columns[0]
        long = frame.melt(id_vars=first, var_name="site_id", value_name="cost").rename(columns={first: "demand_code"})
    values = pd.to_numeric(long["cost"], errors="coerce")
    bad = long["cost"].notna() & values.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise SitingError(f"The cost matrix {path} has a cost that is not a number ('{long['cost'].iloc[row]}') "
                          f"for demand {long['demand_code'].iloc[row]} and site {long['site_id'].iloc[row]}.")
    if (values < 0).any():
        raise SitingError(f"The cost matrix {path} has negative costs; costs must be distances or times.")
    rows = long["demand_code"].astype(str).map(restore).map(demand_index)
    cols = long["site_id"].astype(str).map(restore).map(site_index)
    keep = rows.notna() & cols.notna() & values.notna()
    if not keep.any():
        raise SitingError(f"The cost matrix {path} names none of the demand areas and sites of this problem.")
    cost[rows[keep].astype(int).to_numpy(), cols[keep].astype(int).to_numpy()] = values[keep].to_numpy()
    return cost

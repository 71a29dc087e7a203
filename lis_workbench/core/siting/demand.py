"""Demand and supply for siting: demand weights from store indicators (a count, optionally limited to or multiplied
by a need indicator) located at (population-weighted) centroids, and sites from point layers."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DemandError
from ..geography import centroids_from_polygons

_RULE = re.compile(r"^\s*([A-Za-z0-9_]+)\s*(<=|>=|<|>|==|=)?\s*(-?[0-9.]+)?\s*$")




@dataclass
class NeedRule:
    """Which areas count as in need: ``indicator <= 3`` keeps areas meeting the test (weight x 1, others x 0);
    a bare ``indicator`` multiplies the demand by the indicator's value (e.g. an index score)."""

    indicator: str
    op: str | None = None
    threshold: float | None = None

    @classmethod
    def parse(cls, text: str) -> NeedRule:
        match = _RULE.match(text or "")
        if not match or (match.group(2) is None) != (match.group(3) is None):
            raise DemandError(f"The need rule '{text}' is not understood: write an indicator id and a test, e.g. "
                              "'imd2019_imd_decile<=3', or just an indicator id to multiply the demand by it.")
        op = match.group(2)
        return cls(match.group(1), "==" if op == "=" else op,
                   None if match.group(3) is None else float(match.group(3)))

    def factor(self, values: np.ndarray) -> np.ndarray:
        """The multiplier per area (0 or 1 for a test, the value itself otherwise); missing need counts as 0."""
        values = np.asarray(values, float)
        if self.op is None:
            return np.where(np.isnan(values), 0.0, values)
        tests: dict[str, np.ufunc] = {"<=": np.less_equal, ">=": np.greater_equal, "<": np.less, ">": np.greater,
                                      "==": np.equal}
        with np.errstate(invalid="ignore"):
            return tests[self.op](values, self.threshold).astype(float)

    def __str__(self) -> str:
        return self.indicator if self.op is None else f"{self.indicator} {self.op} {self.threshold:g}"


def demand_table(values: pd.DataFrame, need: pd.DataFrame | None = None, rule: NeedRule | None = None,
                 centroids: pd.DataFrame | None = None, polygons: Mapping[str, bytes] | None = None) -> pd.DataFrame:
    """One row per demand area: area_code, area_name, base (the count), need (the need value), weight
    (base x need factor), x, y. Located at the given centroids (area_code, x, y in EPSG:27700), falling back
    to points inside the polygons. Suppressed or missing counts become 0 demand, and are counted in attrs."""
    frame = values[["area_code"] + [c for c in ("area_name",) if c in values.columns]].copy()
    base = pd.to_numeric(values["value"], errors="coerce").to_numpy(float)
    missing = int(np.isnan(base).sum())
    frame["base"] = np.where(np.isnan(base), 0.0, base)
    if (frame["base"] < 0).any():
        bad = frame.loc[frame["base"] < 0, "area_code"].iloc[0]
        raise DemandError(f"The demand count is negative for area {bad}; demand must be a count of people or "
                          "households.")
    if rule is not None and need is not None:
        lookup = need.set_index("area_code")["value"]
        frame["need"] = frame["area_code"].map(lookup).astype(float).to_numpy()
        unmatched = int(frame["need"].isna().sum())
        frame["weight"] = frame["base"] * rule.factor(frame["need"].to_numpy())
    else:
        frame["need"] = np.nan
        unmatched = 0
        frame["weight"] = frame["base"]
    located = _locate(frame["area_code"], centroids, polygons)
    frame = frame.merge(located, on="area_code", how="left")
    lost = frame["x"].isna()
    if lost.any():
        first = frame.loc[lost, "area_code"].iloc[0]
        raise DemandError(f"{int(lost.sum())} demand area(s) have no location (first: {first}); give centroids "
                          "for every area or use a geography with boundaries.")
    frame.attrs.update(missing_counts=missing, need_unmatched=unmatched,
                       located_by="population-weighted centroids" if centroids is not None else "polygon centroids")
    return frame


def _locate(codes: pd.Series, centroids: pd.DataFrame | None,
            polygons: Mapping[str, bytes] | None) -> pd.DataFrame:
    parts = [] if centroids is None else [centroids[["area_code", "x", "y"]]]
    known = set() if centroids is None else set(centroids["area_code"])
    missing = sorted(set(codes) - known)
    if missing and polygons:
        parts.append(centroids_from_polygons({c: polygons[c] for c in missing if polygons.get(c) is not None}))
    if not parts:
        return pd.DataFrame({"area_code": pd.Series(dtype=str), "x": pd.Series(dtype=float),
                             "y": pd.Series(dtype=float)})
    return pd.concat(parts, ignore_index=True).drop_duplicates("area_code")


def sites_table(candidates: pd.DataFrame, existing: pd.DataFrame | None = None, *, id_field: str = "area_code",
                name_field: str = "area_name", capacity_field: str | None = None) -> pd.DataFrame:
    """Existing sites first (always open), then candidates: site_id, name, x, y, existing, capacity.
    A site listed twice in its layer (same id or place), or a candidate at the same place as an existing site, is
    kept once. Ids are a layer's own: when an existing site and a candidate elsewhere share one (two layers each
    numbered from 1), both keep it behind a prefix ("existing 1", "candidate 1"), so no site is lost."""
    parts = []
    for frame, is_existing in ((existing, True), (candidates, False)):
        if frame is None or frame.empty:
            continue
        part = pd.DataFrame({
            "site_id": frame[id_field].astype(str) if id_field in frame.columns else
            pd.Series(range(1, len(frame) + 1)).astype(str).to_numpy(),
            "name": frame[name_field].astype(str) if name_field in frame.columns else "",
            "x": pd.to_numeric(frame["x"], errors="coerce"), "y": pd.to_numeric(frame["y"], errors="coerce"),
            "existing": is_existing,
        })
        if capacity_field:
            if capacity_field not in frame.columns:
                raise DemandError(f"The sites have no capacity field '{capacity_field}'; their fields are: "
                                  f"{', '.join(map(str, frame.columns))}.")
            part["capacity"] = pd.to_numeric(frame[capacity_field], errors="coerce").to_numpy()
        parts.append(part)
    if not any(not p.empty for p in parts) or all(p["existing"].all() for p in parts):
        raise DemandError("There are no candidate sites (check the candidates layer and its filter).")
    sites = pd.concat(parts, ignore_index=True)
    if sites[["x", "y"]].isna().any().any():
        raise DemandError("Some sites have no coordinates; every site needs a location.")
    before = len(sites)
    sites["key"] = sites["x"].round(1).astype(str) + ":" + sites["y"].round(1).astype(str)
    sites = (sites.drop_duplicates("key").drop_duplicates(["existing", "site_id"]).drop(columns="key")
             .reset_index(drop=True))
    shared = set(sites.loc[sites["existing"], "site_id"]) & set(sites.loc[~sites["existing"], "site_id"])
    if shared:
        clash = sites["site_id"].isin(shared)
        sites.loc[clash, "site_id"] = (np.where(sites.loc[clash, "existing"], "existing ", "candidate ")
                                       + sites.loc[clash, "site_id"])
    sites.attrs["duplicates_dropped"] = before - len(sites)
    sites.attrs["ids_kept_apart"] = len(shared)
    if capacity_field and sites["capacity"].isna().any():
        bad = sites.loc[sites["capacity"].isna(), "site_id"].iloc[0]
        raise DemandError(f"Site {bad} has no capacity in field '{capacity_field}'.")
    return sites


def study_margin(radius: float | None) -> float:
    """How far from every demand point a site may lie and still count as in the study area: twice the reach,
    at least 2 km (sites just over a border can still serve it)."""
    return max(2 * (radius or 0.0), 2000.0)


def within_study_area(sites: pd.DataFrame, demand: pd.DataFrame, margin: float) -> pd.DataFrame:
    """Drop sites farther than ``margin`` from every demand point (outside the study area), counting them in
    attrs; raise if none is left."""
    from scipy.spatial import cKDTree

    distance, _ = cKDTree(demand[["x", "y"]].to_numpy(float)).query(sites[["x", "y"]].to_numpy(float))
    inside = distance <= margin
    if not inside[~sites["existing"].to_numpy()].any():
        raise DemandError(f"None of the candidate sites lies within {margin:,.0f} m of the demand areas: are the "
                          "candidates in the same place (and coordinate system) as the study area?")
    kept = sites[inside].reset_index(drop=True)
    kept.attrs.update(sites.attrs, outside_dropped=int((~inside).sum()))
    return kept

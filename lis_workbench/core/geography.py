"""Area codes and lookups between geographies: best-fit lookups from (population-weighted) centroids, overlap
lookups between two editions of the same geography (LSOA 2011 -> 2021), and aggregation through a lookup."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from osgeo import gdal, ogr

from .errors import GeographyError
from .errors import ImportValidationError as Invalid
from .partner_csv import parse_numbers, read_bytes, read_table

ogr.UseExceptions()


def read_lookup(path, from_column: str, to_column: str, weight_column: str | None = None,
                encoding: str = "utf-8-sig") -> pd.DataFrame:
    """A lookup CSV as from_code, to_code, weight (1 when no weight column is named), checked as partner files
    are (rows and columns named): codes present, weights non-negative numbers, each pair once. A row repeated
    exactly is kept once (ONS lookups often list a pair per smaller area); a pair with two weights is an error."""
    name = Path(str(path)).name
    table = read_table(str(path), read_bytes(path), encoding)
    columns = {from_column: "from_code", to_column: "to_code"}
    if weight_column:
        columns[weight_column] = "weight"
    for column in columns:
        if column not in table.columns:
            raise Invalid(f"has no column '{column}' (its columns are: {', '.join(table.columns)}).", file=name,
                          row=1, column=column)
    frame = pd.DataFrame({"from_code": table[from_column].str.strip(), "to_code": table[to_column].str.strip()})
    frame["row"] = np.arange(2, len(frame) + 2)
    for column, field_name in ((from_column, "from_code"), (to_column, "to_code")):
        empty = (frame[field_name] == "").to_numpy()
        if empty.any():
            raise Invalid("the code is empty.", file=name, row=int(frame["row"][empty].iloc[0]), column=column)
    if weight_column:
        values, suppressed, empty, bad = parse_numbers(table[weight_column])
        bad = bad | suppressed | empty | (values < 0)
        if bad.any():
            at = int(np.argmax(bad))
            raise Invalid(f"the weight '{table[weight_column].iloc[at]}' is not a number of 0 or more.", file=name,
                          row=at + 2, column=weight_column)
        frame["weight"] = values
    else:
        frame["weight"] = 1.0
    frame = frame.drop_duplicates(["from_code", "to_code", "weight"])
    repeated = frame.duplicated(["from_code", "to_code"], keep=False).to_numpy()
    if repeated.any():
        first = frame[repeated].iloc[0]
        rows = frame[repeated & (frame["from_code"] == first["from_code"]).to_numpy()
                     & (frame["to_code"] == first["to_code"]).to_numpy()]["row"].tolist()
        raise Invalid(f"the pair {first['from_code']} -> {first['to_code']} is given more than once with different "
                      f"weights (rows {', '.join(map(str, rows))}).", file=name, row=int(rows[1]),
                      column=weight_column or to_column)
    return frame.drop(columns="row").reset_index(drop=True)


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



# ----------------------------------------------------------------- overlap lookups (one edition to the next)
#: A piece smaller than this share of its old area is boundary noise (generalised boundaries of two editions never
#: line up exactly) - unless it is most of a new area.
MIN_SHARE = 0.05
CHANGE_NAMES = {"U": "unchanged", "S": "split", "M": "merged", "X": "redrawn"}


@dataclass
class OverlapLookup:
    """An overlap lookup between two editions of a geography and what happened to each old area.

    pairs: from_code, to_code, weight (the share of the old area's people or land given to the new one; a row's
    weights sum to 1 per old area), from_share and to_share (the overlap's share of the old and the new area's land).
    change: per old area, U (unchanged: one new area, which has no other source), S (split into several new areas
    of its own), M (merged with others into one new area) or X (redrawn: parts went to areas fed by others too),
    as ONS classes its LSOA 2011 -> 2021 lookup.
    """

    pairs: pd.DataFrame
    change: pd.Series
    unmatched: list[str] = field(default_factory=list)  # old areas overlapping no new area
    unreached: list[str] = field(default_factory=list)  # new areas no old area reaches
    slivers: int = 0  # overlaps dropped as boundary noise
    weighting: str = "land area"
    fallback: list[str] = field(default_factory=list)  # old areas whose new areas had no weights: by land area

    def counts(self) -> dict[str, int]:
        """How many old areas were unchanged, split, merged or redrawn (by the names in CHANGE_NAMES)."""
        return {CHANGE_NAMES[k]: int((self.change == k).sum()) for k in CHANGE_NAMES}

    def counts_text(self) -> str:
        """The counts in words: "1,636 unchanged, 31 split, 6 merged, 0 redrawn"."""
        return ", ".join(f"{n:,} {what}" for what, n in self.counts().items())


def overlap_lookup(origin: Mapping[str, bytes], target: Mapping[str, bytes],
                   target_weights: Mapping[str, float] | None = None, min_share: float = MIN_SHARE) -> OverlapLookup:
    """Map each area of one edition of a geography onto the areas of the next by how they overlap.

    origin, target: area code -> polygon WKB in the same projected CRS. An overlap is kept when it holds at least
    min_share of the old area, or most (half or more) of the new area; smaller ones are generalisation slivers.
    Weights split an old area between its new areas by the overlaps' land, or - given target_weights (e.g. the new
    areas' census population) - by the new areas' people in each overlap, which suits an LSOA split by population:
    the weight of new area t in old area f is proportional to weight(t) x (share of t's land inside f).
    """
    if not origin or not target:
        raise GeographyError("Cannot build an overlap lookup: " + ("the old" if not origin else "the new")
                             + " geography has no areas.")
    if not 0 <= min_share < 1:
        raise GeographyError(f"The sliver threshold must be a share between 0 and 1, not {min_share}.")
    to_codes = list(target)
    to_geoms = [_polygon(code, target[code]) for code in to_codes]
    to_area = np.array([g.GetArea() for g in to_geoms])
    env = np.array([g.GetEnvelope() for g in to_geoms])  # minx, maxx, miny, maxy
    rows: list[tuple[str, str, float, float]] = []  # from, to, share of from, share of to
    unmatched: list[str] = []
    for code, wkb in origin.items():
        geom = _polygon(code, wkb)
        area = geom.GetArea()
        minx, maxx, miny, maxy = geom.GetEnvelope()
        near = np.flatnonzero((env[:, 0] <= maxx) & (env[:, 1] >= minx) & (env[:, 2] <= maxy) & (env[:, 3] >= miny))
        pieces = []
        for i in near:
            overlap = surface_area(geom.Intersection(to_geoms[i]))
            if overlap > 0:
                pieces.append((to_codes[i], overlap / area if area > 0 else 0.0,
                               overlap / to_area[i] if to_area[i] > 0 else 0.0))
        if not pieces:
            unmatched.append(code)
            continue
        rows.extend((code, to, fs, ts) for to, fs, ts in pieces)
    if not rows:
        raise GeographyError("Cannot build an overlap lookup: no area of the old geography overlaps the new one "
                             "(are both in the same coordinate reference system?).")
    every = pd.DataFrame(rows, columns=["from_code", "to_code", "from_share", "to_share"])
    kept = (every["from_share"] >= min_share) | (every["to_share"] >= 0.5)
    largest = every.groupby("from_code")["from_share"].transform("max") == every["from_share"]
    kept |= largest & ~kept.groupby(every["from_code"]).transform("any")  # never lose an old area
    pairs = every[kept].reset_index(drop=True)
    weighting, fallback = "land area", []
    raw = pairs["from_share"].to_numpy(float)
    if target_weights is not None:
        if not set(map(str, target_weights)) & set(to_codes):
            raise GeographyError("The population weights name none of the new areas (e.g. "
                                 f"{', '.join(to_codes[:3])}): give the population of the new edition's areas.")
        weighting = "population of the new areas"
        people = pd.Series(target_weights, dtype=float).reindex(pairs["to_code"]).to_numpy(float)
        by_people = np.where(np.isfinite(people) & (people >= 0), people, 0.0) * pairs["to_share"].to_numpy(float)
        total = pd.Series(by_people).groupby(pairs["from_code"]).transform("sum").to_numpy(float)
        raw = np.where(total > 0, by_people, raw)
        fallback = sorted(pairs.loc[total <= 0, "from_code"].unique().tolist())
    pairs["weight"] = raw / pd.Series(raw).groupby(pairs["from_code"]).transform("sum").to_numpy(float)
    sources = pairs.groupby("to_code")["from_code"].transform("nunique")
    targets = pairs.groupby("from_code")["to_code"].transform("nunique")
    whole = (targets == 1).groupby(pairs["to_code"]).transform("all")  # the new area is made of whole old areas
    one_source = (sources == 1).groupby(pairs["from_code"]).all()
    merged = whole.groupby(pairs["from_code"]).all()
    n_targets = targets.groupby(pairs["from_code"]).first()
    change = pd.Series(np.where(n_targets == 1, np.where(one_source, "U", np.where(merged, "M", "X")),
                                np.where(one_source, "S", "X")), index=n_targets.index, name="change")
    unreached = sorted(set(to_codes) - set(pairs["to_code"]))
    return OverlapLookup(pairs=pairs[["from_code", "to_code", "weight", "from_share", "to_share"]], change=change,
                         unmatched=unmatched, unreached=unreached, slivers=int((~kept).sum()), weighting=weighting,
                         fallback=fallback)


def _polygon(code: str, wkb: bytes):
    geom = ogr.CreateGeometryFromWkb(wkb)
    if geom is None:
        raise GeographyError(f"Area {code}: its boundary could not be read.")
    gdal.PushErrorHandler("CPLQuietErrorHandler")  # GEOS reports each self-touching ring of generalised boundaries
    try:
        if not geom.IsValid():
            geom = geom.Buffer(0)
    finally:
        gdal.PopErrorHandler()
    return geom


_SURFACES = (ogr.wkbPolygon, ogr.wkbMultiPolygon, ogr.wkbGeometryCollection)


def surface_area(geom) -> float:
    """The area of an intersection; neighbours that only touch give a line or a point, of no area."""
    return geom.GetArea() if geom is not None and ogr.GT_Flatten(geom.GetGeometryType()) in _SURFACES else 0.0

# ----------------------------------------------------------------- aggregation to larger areas
# Values move from small areas (LSOAs) to larger ones (wards, the borough, England) through a lookup. The rule depends
# on what the value is: counts add up; rates are recomputed from summed numerators and denominators (never averaged);
# a rate without them becomes a population-weighted mean; ranks, deciles and scores are refused, because the average
# of ranks (e.g. IMD ranks) is not the rank of anything.

COUNT_TYPES = frozenset({"count", "total", "number"})
RATE_TYPES = frozenset({"rate", "proportion", "percentage", "percent", "ratio", "mean", "average", "indicator"})
NOT_AGGREGABLE_TYPES = frozenset({"rank", "decile", "quintile", "centile", "percentile", "score", "z-score",
                                  "zscore", "index", "category"})
#: Multipliers a published rate may put on numerator / denominator: per 1, per cent, per 1,000, 10,000, 100,000.
RATE_SCALES = (1.0, 100.0, 1_000.0, 10_000.0, 100_000.0)
#: How far (median relative difference) published rates may sit from numerator / denominator x scale (rounding).
SCALE_TOLERANCE = 0.05
AGGREGATE_COLUMNS = ("area_code", "value", "numerator", "denominator", "n_areas", "incomplete", "method")
_NOT_AGGREGABLE_UNIT = re.compile(r"\b(rank|decile|quintile|centile|percentile|score|z-score)s?\b", re.IGNORECASE)


def aggregation_kind(value_type: str | None, unit: str | None = None) -> str:
    """How values of this catalogue type combine: "count", "rate" or "not aggregable"; "unknown" when the catalogue
    does not say. A unit naming a rank, decile or score (e.g. value_type "indicator", unit "score") makes the
    indicator not aggregable, whatever its value_type."""
    vt = (value_type or "").strip().lower()
    if vt in NOT_AGGREGABLE_TYPES or (unit and _NOT_AGGREGABLE_UNIT.search(unit)):
        return "not aggregable"
    if vt in COUNT_TYPES:
        return "count"
    if vt in RATE_TYPES:
        return "rate"
    return "unknown"


def infer_rate_scale(values: pd.DataFrame) -> float | None:
    """The multiplier of a rate published with its numerator and denominator: value ≈ numerator / denominator × scale.

    Each area with a non-zero value, numerator and denominator gives value / (numerator / denominator); the median of
    those ratios is snapped to the nearest of 1, 100, 1,000, 10,000 or 100,000 (in log terms), and accepted only if
    the areas' values sit within 5 % (median relative difference, allowing for rounding) of numerator / denominator
    × that scale. None when no area allows the check, or when the values are not a plain rate of the numerator and
    denominator (e.g. age-standardised rates)."""
    frame = values
    num = pd.to_numeric(frame["numerator"], errors="coerce").to_numpy(float)
    den = pd.to_numeric(frame["denominator"], errors="coerce").to_numpy(float)
    val = pd.to_numeric(frame["value"], errors="coerce").to_numpy(float)
    suppressed = _suppressed(frame)
    ok = np.isfinite(num) & np.isfinite(den) & np.isfinite(val) & (den > 0) & (num != 0) & (val != 0) & ~suppressed
    if not ok.any():
        return None
    crude = num[ok] / den[ok]
    ratio = val[ok] / crude
    if not (ratio > 0).all():
        return None
    scales = np.array(RATE_SCALES)
    scale = float(scales[np.argmin(np.abs(np.log10(scales) - np.log10(np.median(ratio))))])
    error = np.median(np.abs(val[ok] - crude * scale) / np.abs(val[ok]))
    return scale if error <= SCALE_TOLERANCE else None


def aggregate(values: pd.DataFrame, lookup: pd.DataFrame, value_type: str,
              denominator: pd.Series | None = None, *, scale: float | None = None,
              area_label: str = "area") -> pd.DataFrame:
    """Combine small-area values into the larger areas of a lookup, by the rule their type allows.

    values: area_code, value and, if known, numerator, denominator, suppressed (one row per area).
    lookup: from_code, to_code and weight (the share of the small area in the larger one; 1 for best-fit lookups).
    value_type: a catalogue value_type ("count", "rate", "proportion", "rank", ...) or an aggregation_kind() -
        pass aggregation_kind(value_type, unit) when the unit may say "score" or "rank" (the unit is not seen here).
    denominator: population (or another weight) by small-area code, for rates published without numerators.
    area_label: what the small areas are called in the method text ("LSOA" gives "sum of 8 LSOAs").

    Rules, one per value type:
    - counts: the weight-multiplied sum.
    - rates, proportions and other means: when the values carry numerators and denominators, both are summed and the
      rate recomputed as numerator / denominator × scale, the scale (1, 100, 1,000, ...) inferred by
      infer_rate_scale() unless given. If the values are not such a rate (no scale fits), the mean of the values
      weighted by their own denominators. Without numerators: the population-weighted mean using `denominator`; a
      larger area holding exactly one small area takes its value as it is; otherwise no value.
    - ranks, deciles and scores: no value (NaN) and method "not aggregable" - an average IMD rank is meaningless -
      except that a larger area made of exactly one small area carries its value over (an LSOA unchanged or split
      between two editions keeps its IMD rank).

    Missing inputs are never hidden: a small area of the lookup without a usable value (no row, suppressed, empty,
    or no population to weight it) is counted in `incomplete`; the value is computed from the rest and the method
    text says how many were missing. Returns one row per larger area (to_code) with columns area_code, value,
    numerator and denominator (the sums, for recomputed rates; NaN otherwise), n_areas (small areas the lookup puts
    in it), incomplete, method. Small-area codes of `values` absent from the lookup are left out and listed in
    result.attrs["unmatched"]; result.attrs["scale"] holds the rate scale used (or None) and attrs["kind"] the rule.
    """
    kind = value_type if value_type in ("count", "rate", "not aggregable") else aggregation_kind(value_type)
    if kind == "unknown":
        raise GeographyError(
            f"Cannot aggregate values of type '{value_type}': say whether they are counts "
            f"({', '.join(sorted(COUNT_TYPES))}), rates ({', '.join(sorted(RATE_TYPES))}) or not aggregable "
            f"({', '.join(sorted(NOT_AGGREGABLE_TYPES))}).")
    frame = _values_frame(values)
    pairs = _lookup_frame(lookup)
    unmatched = sorted(set(frame["area_code"]) - set(pairs["from_code"]))
    rows = pairs.merge(frame, how="left", left_on="from_code", right_on="area_code")
    weight = rows["weight"].to_numpy(float)
    value = rows["value"].to_numpy(float)
    num = rows["numerator"].to_numpy(float)
    den = rows["denominator"].to_numpy(float)
    present = rows["area_code"].notna().to_numpy() & ~rows["suppressed"].eq(True).to_numpy()
    used_scale = None
    plural = area_label + "s"
    targets = rows["to_code"]
    n_areas = targets.groupby(targets, sort=True).size()
    single = n_areas == 1
    nan = np.full(len(rows), np.nan)
    top = nan.copy()  # per-row contribution to the numerator of the result
    bottom = nan.copy()  # per-row contribution to the denominator of the result (None: plain sum)
    method: str | None = None
    if kind == "not aggregable":
        usable = present & np.isfinite(value)
        method = "carried"
    elif kind == "count":
        usable = present & np.isfinite(value)
        top = np.where(usable, value * weight, np.nan)
        method = "sum"
    else:
        has_fraction = bool((np.isfinite(frame["numerator"]) & np.isfinite(frame["denominator"])).any())
        if has_fraction:
            used_scale = scale if scale is not None else infer_rate_scale(frame)
            if used_scale is None and not frame["value"].notna().any():
                used_scale = 1.0  # only numerators and denominators: the plain proportion
            if used_scale is not None:
                usable = present & np.isfinite(num) & np.isfinite(den)
                top = np.where(usable, num * weight, np.nan)
                bottom = np.where(usable, den * weight, np.nan)
                method = "fraction"
            else:
                usable = present & np.isfinite(value) & np.isfinite(den)
                top = np.where(usable, value * den * weight, np.nan)
                bottom = np.where(usable, den * weight, np.nan)
                method = "denominator-weighted"
        elif denominator is not None:
            weights = _weights(denominator).reindex(rows["from_code"]).to_numpy(float)
            usable = present & np.isfinite(value) & np.isfinite(weights)
            top = np.where(usable, value * weights * weight, np.nan)
            bottom = np.where(usable, weights * weight, np.nan)
            method = "population-weighted"
        else:
            usable = present & np.isfinite(value)
            method = "single"
    used = pd.Series(usable, index=rows.index).groupby(targets, sort=True).sum().astype(int)
    missing = (n_areas - used).astype(int)
    top_sum = pd.Series(top, index=rows.index).groupby(targets, sort=True).sum(min_count=1)
    bottom_sum = pd.Series(bottom, index=rows.index).groupby(targets, sort=True).sum(min_count=1)
    out = pd.DataFrame({"area_code": n_areas.index.astype(str), "n_areas": n_areas.to_numpy(int),
                        "incomplete": missing.to_numpy(int)})
    out["numerator"] = np.nan
    out["denominator"] = np.nan
    if method == "sum":
        out["value"] = top_sum.to_numpy(float)
    elif method == "fraction":
        top_v, bottom_v = top_sum.to_numpy(float), bottom_sum.to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["value"] = np.where(bottom_v > 0, top_v / bottom_v * used_scale, np.nan)
        out["numerator"], out["denominator"] = top_v, bottom_v
    elif method in ("denominator-weighted", "population-weighted"):
        top_v, bottom_v = top_sum.to_numpy(float), bottom_sum.to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["value"] = np.where(bottom_v > 0, top_v / bottom_v, np.nan)
    elif method in ("single", "carried"):
        only = pd.Series(np.where(usable, value, np.nan), index=rows.index).groupby(targets, sort=True).max()
        out["value"] = np.where(single.to_numpy(), only.to_numpy(float), np.nan)
    else:
        out["value"] = np.nan
    out["method"] = [_method_text(method, kind, value_type, int(n), int(m), plural, area_label, used_scale,
                                  bool((weight != 1).any()))
                     for n, m in zip(out["n_areas"], out["incomplete"])]
    if method in ("single", "carried"):
        out.loc[~single.to_numpy(), "incomplete"] = out.loc[~single.to_numpy(), "n_areas"]
    out = out[list(AGGREGATE_COLUMNS)].reset_index(drop=True)
    out.attrs["unmatched"] = unmatched
    out.attrs["scale"] = used_scale
    out.attrs["kind"] = kind
    return out


def _method_text(method: str | None, kind: str, value_type: str, n: int, missing: int, plural: str,
                 label: str, scale: float | None, weighted: bool) -> str:
    """How one aggregate was made, in words for the profile page."""
    of = f"{n - missing:,} of {n:,} {plural} ({missing:,} missing or suppressed)" if missing else \
        f"{n:,} {label if n == 1 else plural}"
    if method is None or (method == "carried" and n > 1):
        what = _PLURAL_TYPES.get(str(value_type).strip().lower(), "these values")
        return f"not aggregable ({what} cannot be combined)"
    if missing == n:
        return f"no value: its one {label} is missing or suppressed" if n == 1 else \
            f"no value: all {n:,} {plural} missing or suppressed"
    if method == "sum":
        return ("sum (weighted by lookup shares) of " if weighted else "sum of ") + of
    if method == "fraction":
        per = "" if scale == 1 else f" × {scale:,.0f}"
        return f"rate recomputed from numerator/denominator of {of}{per}"
    if method == "denominator-weighted":
        return f"mean of {of} weighted by their denominators (values are not numerator/denominator × a scale)"
    if method == "population-weighted":
        return f"population-weighted mean of {of}"
    if method == "carried":
        return f"value of its one {label}, carried over (values of this kind are never combined)"
    if n == 1:
        return f"value of its one {label}"
    return (f"not aggregated: {n} {plural} but no numerator/denominator and no population to weight them by")


_PLURAL_TYPES = {"rank": "ranks", "decile": "deciles", "quintile": "quintiles", "centile": "centiles",
                 "percentile": "percentiles", "score": "scores", "z-score": "z-scores", "zscore": "z-scores",
                 "index": "index values", "category": "categories"}


def _suppressed(frame: pd.DataFrame) -> np.ndarray:
    if "suppressed" not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return frame["suppressed"].eq(True).to_numpy()


def _values_frame(values: pd.DataFrame) -> pd.DataFrame:
    """The value columns aggregate() needs, checked: one row per area, numbers as floats."""
    missing = [c for c in ("area_code", "value") if c not in values.columns]
    if missing:
        raise GeographyError(f"Cannot aggregate: the values have no column(s) {', '.join(missing)} "
                             f"(they have: {', '.join(map(str, values.columns))}).")
    frame = pd.DataFrame({"area_code": values["area_code"].astype(str).str.strip()})
    for col in ("value", "numerator", "denominator"):
        frame[col] = pd.to_numeric(values[col], errors="coerce").astype(float) if col in values.columns else np.nan
    frame["suppressed"] = _suppressed(values)
    frame.loc[frame["suppressed"], "value"] = np.nan
    repeated = frame["area_code"][frame["area_code"].duplicated()].unique().tolist()
    if repeated:
        raise GeographyError(f"Cannot aggregate: area code(s) {', '.join(repeated[:5])} appear more than once in "
                             "the values (give one period at a time).")
    return frame.reset_index(drop=True)


def _lookup_frame(lookup: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in ("from_code", "to_code") if c not in lookup.columns]
    if missing:
        raise GeographyError(f"Cannot aggregate: the lookup has no column(s) {', '.join(missing)}.")
    pairs = pd.DataFrame({"from_code": lookup["from_code"].astype(str).str.strip(),
                          "to_code": lookup["to_code"].astype(str).str.strip()})
    if "weight" in lookup.columns:
        pairs["weight"] = pd.to_numeric(lookup["weight"], errors="coerce").to_numpy(float)
    else:
        pairs["weight"] = 1.0
    bad = pairs[~np.isfinite(pairs["weight"]) | (pairs["weight"] < 0)]
    if len(bad):
        first = bad.iloc[0]
        raise GeographyError(f"Cannot aggregate: lookup weight for {first['from_code']} -> {first['to_code']} "
                             "is missing or negative.")
    if pairs.empty:
        raise GeographyError("Cannot aggregate: the lookup has no rows.")
    return pairs


def _weights(denominator: pd.Series) -> pd.Series:
    weights = pd.to_numeric(pd.Series(denominator), errors="coerce").astype(float)
    weights.index = weights.index.astype(str)
    if weights.index.duplicated().any():
        raise GeographyError("Cannot aggregate: the population (denominator) series repeats area codes.")
    return weights.where(weights >= 0)


def area_label(geography: str) -> str:
    """What one area of a geography is called in method texts: LSOA, MSOA, output area, ward, district..."""
    name = geography.lower()
    for prefix, label in (("lsoa", "LSOA"), ("msoa", "MSOA"), ("oa", "output area"), ("ward", "ward"),
                          ("lad", "district")):
        if name.startswith(prefix):
            return label
    if re.fullmatch(r"[a-z][a-z _-]*[a-z]", name):  # a custom set named in words: "neighbourhoods" -> neighbourhood
        words = re.sub(r"[_-]+", " ", name)
        return words[:-1] if words.endswith("s") and not words.endswith("ss") and len(words) > 3 else words
    return f"{geography} area"

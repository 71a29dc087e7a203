"""Events to rates: points or postcodes with dates, counted per area of a store geography and period, optionally
as rates per 1,000 (any multiplier) of a store population with Fingertips' intervals, saved as a new indicator.

Each usable row is located in one area: the one whose polygon (border included) holds it; a point on a border
shared by several areas, or where boundaries overlap, goes to the area with the lowest code, so nothing is counted
twice. Every area gets a count (0 where none) in every period from the first to the last. A match report accounts
for every row: located, outside the geography, bad coordinates, bad date, unknown postcode (terminated postcodes
are located at their last grid reference and reported). Values are stored whole; the store's small-number rule is
applied when they are published (core.suppression), and the report says how many it would withhold."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from osgeo import ogr

from .errors import AnalysisError, ParameterError
from .errors import ImportValidationError as Invalid
from .event_sources import BAD_COORDINATES, BAD_DATE, PERIOD_KINDS, UNKNOWN_POSTCODE, EventRows, read_events
from .store import Store, ValueRows
from .store.names import check_indicator_id
from .suppression import apply_by_period, store_rule
from .trends import period_to_year

OUTSIDE = "outside the geography"
#: A point this close to an edge (metres) is on the border (coordinates are read to the millimetre at best).
ON_EDGE = 1e-6
Progress = Callable[[float, str], None]


@dataclass
class EventSpec:
    """How to read, locate and count one events file (see read_events for the location options)."""

    geography: str
    period: str  # month, quarter or year
    new_id: str
    date_column: str
    x_column: str | None = None
    y_column: str | None = None
    crs: str | int | None = None  # of the x/y columns (default EPSG:27700) or overriding a layer's own
    postcode_column: str | None = None
    postcode_lookup: str | None = None
    layer: str | None = None
    denominator: str | None = None  # a population indicator of the same geography
    multiplier: float = 1000.0
    confidence: float = 0.95
    title: str | None = None
    replace: bool = False
    encoding: str = "utf-8-sig"


@dataclass
class MatchReport:
    """What became of every row: rows_read = located + outside + bad_coordinates + bad_dates + unknown_postcodes
    (a row with several faults counts under the first of these that it has, in the order unknown postcode, bad
    coordinates, bad date, outside); terminated_postcodes: rows whose postcode the lookup lists as terminated, used
    like any other. examples: the first rows of each problem."""

    rows_read: int
    located: int
    outside: int
    bad_coordinates: int
    bad_dates: int
    unknown_postcodes: int
    terminated_postcodes: int
    examples: dict[str, list[str]] = field(default_factory=dict)

    def words(self) -> str:
        """The counts in one sentence (for the catalogue's notes and the audit)."""
        return (f"{self.rows_read} rows read: {self.located} located, {self.outside} outside the geography, "
                f"{self.bad_coordinates} with bad coordinates, {self.bad_dates} with bad dates, "
                f"{self.unknown_postcodes} unknown postcodes; {self.terminated_postcodes} at terminated postcodes.")


@dataclass
class EventResult:
    """The indicator made from an events file: its values (area_code, period, value, numerator = count of events,
    denominator, lower_ci, upper_ci), its catalogue entry, the match report and publication notes."""

    indicator: str
    geography: str
    values: pd.DataFrame
    entry: dict
    report: MatchReport
    periods: list[str]
    denominator_periods: dict[str, str]  # event period -> denominator period used
    withheld: int  # values the store's small-number rule withholds when published
    notes: list[str]


def import_events(store: Store, path: str, spec: EventSpec, *, dry_run: bool = False,
                  progress: Progress | None = None) -> EventResult:
    """Read, locate and count an events file, and save the counts (or rates) as indicator spec.new_id in one
    transaction (nothing when dry_run)."""
    progress = progress or (lambda fraction, message: None)
    check_indicator_id(spec.new_id, option="id")
    if spec.period not in PERIOD_KINDS:
        raise ParameterError(f"The period must be month, quarter or year, not '{spec.period}'.", option="period")
    if not (isinstance(spec.multiplier, (int, float)) and spec.multiplier > 0):
        raise ParameterError(f"The multiplier must be a positive number (e.g. 1000); got {spec.multiplier!r}.",
                             option="multiplier")
    info = store.geography(spec.geography)
    if info["kind"] != "areas":
        raise ParameterError(f"'{spec.geography}' is a point layer, not a geography of areas.", option="geography")
    denominator = _denominator(store, spec)
    _check_period_kind(store, spec)
    progress(0.05, "Reading events")
    rows = read_events(path, date_column=spec.date_column, period=spec.period, x_column=spec.x_column,
                       y_column=spec.y_column, crs=spec.crs, postcode_column=spec.postcode_column,
                       postcode_lookup=spec.postcode_lookup, layer=spec.layer, encoding=spec.encoding)
    progress(0.3, f"Locating {len(rows.x)} events in {spec.geography}")
    areas = store.areas(spec.geography)
    polygons = {c: bytes(g) for c, g in zip(areas["area_code"], areas["geometry"]) if g is not None}
    codes, where = locate(rows.x, rows.y, polygons)
    problem = rows.problem.copy()
    problem[(problem == "") & (where < 0)] = OUTSIDE
    report = _report(rows, problem)
    if report.located == 0:
        raise Invalid(f"no event could be counted in geography {spec.geography}: {report.words()} Check the "
                      "coordinate system, the columns and the geography.", file=rows.file, option="crs")
    progress(0.7, "Counting")
    counted = problem == ""
    counts = count_by_area_and_period(np.asarray(codes, dtype=object)[where[counted]], rows.period[counted],
                                      list(areas["area_code"]), spec.period)
    values, den_periods = _values(store, counts, spec, denominator)
    entry = _entry(store, spec, rows, report, denominator, den_periods)
    published, notes = apply_by_period(entry, values.assign(suppressed=False), store_rule(store))
    withheld = int(published["suppressed"].astype(bool).sum()) if "suppressed" in published else 0
    if not dry_run:
        progress(0.85, f"Writing {spec.new_id}")
        store.write_indicators([ValueRows(entry, values.assign(suppressed=False))], file=path,
                               checksum=hashlib.sha256(rows.raw).hexdigest(), replace=spec.replace)
    progress(1.0, "Done")
    return EventResult(spec.new_id, spec.geography, values, entry, report, sorted(set(values["period"])),
                       den_periods, withheld, notes)


def report_lines(result: EventResult, dry_run: bool = False) -> list[str]:
    """The match report and what was written, in the words every door prints."""
    r = result.report
    verb = "Would save" if dry_run else "Saved"
    lines = [f"Rows read: {r.rows_read}",
             f"Located in {result.geography}: {r.located}",
             f"Outside the geography: {r.outside}",
             f"Bad coordinates: {r.bad_coordinates}",
             f"Bad dates: {r.bad_dates}"]
    if r.unknown_postcodes or r.terminated_postcodes or "unknown postcode" in r.examples:
        lines += [f"Unknown postcodes: {r.unknown_postcodes}",
                  f"Terminated postcodes (located at their last grid reference): {r.terminated_postcodes}"]
    for what, examples in r.examples.items():
        lines.append(f"  {what}: {', '.join(examples)}")
    lines.append(f"{verb} {result.indicator}: {len(result.values)} values ({result.values['numerator'].sum():.0f} "
                 f"events) on {result.geography}, periods {result.periods[0]} to {result.periods[-1]}")
    if result.entry.get("denominator"):
        used = sorted(set(result.denominator_periods.values()))
        lines.append(f"Rates {result.entry['unit']} of {result.entry['denominator']} ({', '.join(used)})")
    if result.withheld:
        lines.append(f"Small numbers: {result.withheld} value(s) are withheld when published (the store's rule); "
                     "the store keeps them whole.")
    return lines


# ------------------------------------------------------------------ locating
def locate(x: np.ndarray, y: np.ndarray, polygons: Mapping[str, bytes]) -> tuple[list[str], np.ndarray]:
    """(codes in order, index of each point's area or -1): a point belongs to the first area, in code order, whose
    polygon holds it, its border included; NaN points belong to none."""
    codes = sorted(polygons)
    x, y = np.asarray(x, float), np.asarray(y, float)
    where = np.full(len(x), -1, dtype=np.int64)
    usable = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
    order = usable[np.argsort(x[usable], kind="stable")]
    xs = x[order]
    for index, code in enumerate(codes):
        geom = ogr.CreateGeometryFromWkb(polygons[code])
        minx, maxx, miny, maxy = geom.GetEnvelope()
        strip = order[np.searchsorted(xs, minx, "left"):np.searchsorted(xs, maxx, "right")]
        near = strip[(where[strip] < 0) & (y[strip] >= miny) & (y[strip] <= maxy)]
        if near.size:
            where[near[covers(_edges(geom), x[near], y[near])]] = index
    return codes, where


def covers(edges: np.ndarray, px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """Whether each point lies inside the rings (even-odd crossing rule, so holes are holes) or on an edge."""
    x1, y1, x2, y2 = (edges[:, i][None, :] for i in range(4))
    length = np.hypot(x2 - x1, y2 - y1)
    out = np.zeros(len(px), dtype=bool)
    step = max(1, 2_000_000 // max(len(edges), 1))
    for start in range(0, len(px), step):
        ax, ay = px[start:start + step, None], py[start:start + step, None]
        straddle = (y1 > ay) != (y2 > ay)
        with np.errstate(divide="ignore", invalid="ignore"):
            crossing = x1 + (ay - y1) * (x2 - x1) / (y2 - y1)
        inside = (straddle & (ax < crossing)).sum(axis=1) % 2 == 1
        on_line = np.abs((x2 - x1) * (ay - y1) - (y2 - y1) * (ax - x1)) <= ON_EDGE * np.maximum(length, 1e-12)
        within = ((ax >= np.minimum(x1, x2) - ON_EDGE) & (ax <= np.maximum(x1, x2) + ON_EDGE)
                  & (ay >= np.minimum(y1, y2) - ON_EDGE) & (ay <= np.maximum(y1, y2) + ON_EDGE))
        out[start:start + step] = inside | (on_line & within).any(axis=1)
    return out


def _edges(geom: ogr.Geometry) -> np.ndarray:
    """Every edge of every ring of a (multi)polygon: rows x1, y1, x2, y2."""
    parts = [geom] if ogr.GT_Flatten(geom.GetGeometryType()) == ogr.wkbPolygon else \
        [geom.GetGeometryRef(i) for i in range(geom.GetGeometryCount())]
    edges = []
    for part in parts:
        for r in range(part.GetGeometryCount()):
            ring = np.asarray(part.GetGeometryRef(r).GetPoints(), float)[:, :2]
            if len(ring) > 1:
                edges.append(np.hstack([ring[:-1], ring[1:]]))
    return np.vstack(edges) if edges else np.zeros((0, 4))


# ------------------------------------------------------------------ counting and rates
def count_by_area_and_period(area_codes, periods, all_codes: list[str], kind: str) -> pd.DataFrame:
    """Events per area and period: every area in every period from the first to the last (0 where none)."""
    found = pd.DataFrame({"area_code": np.asarray(area_codes, dtype=object), "period": np.asarray(periods, object)})
    span = period_range(str(found["period"].min()), str(found["period"].max()), kind)
    counts = found.groupby(["area_code", "period"]).size()
    full = pd.MultiIndex.from_product([sorted(all_codes), span], names=["area_code", "period"])
    return counts.reindex(full, fill_value=0).rename("count").reset_index()


def period_range(first: str, last: str, kind: str) -> list[str]:
    """Every period from first to last: months 2023-01..., quarters 2023-Q1..., years 2023..."""
    if kind == "year":
        return [str(y) for y in range(int(first), int(last) + 1)]
    if kind == "month":
        return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]
    start = int(first[:4]) * 4 + int(first[-1]) - 1
    end = int(last[:4]) * 4 + int(last[-1]) - 1
    return [f"{q // 4}-Q{q % 4 + 1}" for q in range(start, end + 1)]


def _denominator(store: Store, spec: EventSpec) -> dict | None:
    if not spec.denominator:
        return None
    entry = store.indicator(spec.denominator)
    if entry["geography"] != spec.geography:
        raise ParameterError(f"The denominator {spec.denominator} is on geography {entry['geography']}, not "
                             f"{spec.geography}: choose a population of {spec.geography}'s areas.",
                             option="denominator")
    if not entry["periods"]:
        raise AnalysisError(f"The denominator {spec.denominator} has no values.")
    return entry


def denominator_period(period: str, available: list[str]) -> str:
    """The denominator's period for an event period: the latest that starts no later than it, else the first."""
    when = period_to_year(period)
    before = [p for p in available if period_to_year(p) <= when]
    return max(before, key=period_to_year) if before else min(available, key=period_to_year)


def _values(store: Store, counts: pd.DataFrame, spec: EventSpec,
            denominator: dict | None) -> tuple[pd.DataFrame, dict[str, str]]:
    """The stored values: counts (value = numerator = events), or crude rates with their intervals."""
    from .stats.crude import rate

    if denominator is None:
        return pd.DataFrame({"area_code": counts["area_code"], "period": counts["period"],
                             "value": counts["count"].astype(float), "numerator": counts["count"].astype(float),
                             "denominator": np.nan, "lower_ci": np.nan, "upper_ci": np.nan}), {}
    used = {p: denominator_period(p, denominator["periods"]) for p in sorted(set(counts["period"]))}
    populations = {p: store.get_values(denominator["id"], p).set_index("area_code")["value"]
                   for p in set(used.values())}
    people = [populations[used[p]].get(code, np.nan) for code, p in zip(counts["area_code"], counts["period"])]
    table = counts.assign(population=np.asarray(people, float))
    rates = rate(table, "count", "population", by=["area_code", "period"], multiplier=spec.multiplier,
                 confidence=spec.confidence)
    return pd.DataFrame({"area_code": rates["area_code"], "period": rates["period"], "value": rates["value"],
                         "numerator": rates["count"], "denominator": rates["population"],
                         "lower_ci": rates["lower_ci"], "upper_ci": rates["upper_ci"]}), used


def _check_period_kind(store: Store, spec: EventSpec) -> None:
    """Adding to an indicator: its periods must be of the same kind (months beside months)."""
    if spec.new_id not in set(store.catalogue()["id"]):
        return
    stored = store.periods(spec.new_id)
    pattern = {"month": r"\d{4}-\d{2}", "quarter": r"\d{4}-Q[1-4]", "year": r"\d{4}"}[spec.period]
    other = [p for p in stored if not re.fullmatch(pattern, p)]
    if other:
        raise ParameterError(f"Indicator {spec.new_id} is already in the store with periods such as {other[0]}, "
                             f"not {spec.period}s: count by the same period, or choose another id.", option="id")


def _percent(confidence: float) -> str:
    level = confidence / 100 if confidence > 1 else confidence
    return f"{level * 100:g}%"


def _report(rows: EventRows, problem: np.ndarray) -> MatchReport:
    examples = {}
    for what in (UNKNOWN_POSTCODE, BAD_COORDINATES, BAD_DATE, OUTSIDE):
        at = np.flatnonzero(problem == what)
        if at.size:
            examples[what] = [rows.labels[i] for i in at[:5]] + ([f"... {at.size - 5} more"] if at.size > 5 else [])
    return MatchReport(rows_read=len(problem), located=int((problem == "").sum()),
                       outside=int((problem == OUTSIDE).sum()), bad_coordinates=int((problem == BAD_COORDINATES).sum()),
                       bad_dates=int((problem == BAD_DATE).sum()),
                       unknown_postcodes=int((problem == UNKNOWN_POSTCODE).sum()),
                       terminated_postcodes=int(rows.terminated.sum()), examples=examples)


def _entry(store: Store, spec: EventSpec, rows: EventRows, report: MatchReport, denominator: dict | None,
           den_periods: dict[str, str]) -> dict:
    """The catalogue entry, with the provenance: file, method and the match report."""
    per = f"per {spec.multiplier:,g}"
    method = (f"Events from {rows.file}, located by {rows.method}, counted per {spec.geography} area and "
              f"{spec.period} (a point on a shared border goes to the area with the lowest code).")
    if denominator is not None:
        method += (f" Rate {per} of {denominator['id']} (periods {', '.join(sorted(set(den_periods.values())))}), "
                   f"{_percent(spec.confidence)} limits: exact Poisson below 10 events, Byar's from 10 (Fingertips).")
    entry = {"id": spec.new_id, "geography": spec.geography, "polarity": "neutral",
             "title": spec.title or f"Events from {rows.file}" + (f" {per}" if denominator else ""),
             "unit": per if denominator is not None else "events",
             "value_type": "rate" if denominator is not None else "count",
             "source": f"{rows.file}, counted by LIS Workbench",
             "notes": f"{method} Match report: {report.words()}",
             "denominator": denominator["id"] if denominator is not None else None}
    if spec.new_id in set(store.catalogue()["id"]):  # keep what a steward wrote about an indicator being added to
        old = store.indicator(spec.new_id)
        entry.update({k: old[k] for k in ("theme", "partner", "licence", "polarity") if old.get(k)})
    return entry

"""Area profiles: for each area of a geography (e.g. each 2023 ward) a table of chosen indicators with the area's
value, the borough and England (or another benchmark) values, the area's rank in the borough, the borough's spread
for a spine chart and, where the indicator has several periods, its series for a sparkline.

Values held on smaller areas (LSOAs) reach the ward and the borough through the store's lookups and
geography.aggregate(): counts are summed, rates recomputed from numerators and denominators or, without them,
population-weighted; ranks, deciles and scores are never combined. Every number carries the words saying how it
was made (ProfileRow.method, .borough_method, .benchmark_method and .derivation), for the page and its footnotes.
An indicator with several periods also gets each area's Fingertips recent trend marker (core.stats.trend_marker) over
its last five periods to the one shown, from the area's values with their confidence intervals or numerators and
denominators, where it has them.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .borough import Borough, areas_within, choose_borough
from .compare import compare
from .errors import IndicatorNotFound, ProfileError
from .geography import aggregate, aggregation_kind, area_label, infer_rate_scale
from .number_text import format_number, number_style, period_text, unit_text
from .outlines import area_outlines
from .stats.trend_marker import marker_text, recent_trend
from .store import Store
from .suppression import store_rule, withheld

ENGLAND = "E92000001"
#: What a value may come with, for the recent trend marker (the store's value columns).
PARTS = ("numerator", "denominator", "lower_ci", "upper_ci")
#: value_types whose numerators are a subset of their denominators (Wilson intervals), the rest being rates.
PROPORTION_TYPES = frozenset({"proportion", "percentage", "percent"})
#: A tested comparison in words, by its 95% assessment.
VERDICT_WORDS = {"better": "significantly better than", "worse": "significantly worse than", "similar": "similar to"}
NOT_COMBINABLE = {"rank": "ranks", "decile": "deciles", "quintile": "quintiles", "centile": "centiles",
                  "percentile": "percentiles", "score": "scores", "z-score": "z-scores", "index": "index values"}




@dataclass
class ProfileRow:
    """One indicator on one area's profile page: the numbers, their texts and how each was derived."""

    indicator: str
    title: str
    unit: str | None
    polarity: str  # high_is_bad / high_is_good / neutral
    kind: str  # count / rate / not aggregable / unknown (geography.aggregation_kind)
    period: str | None
    value: float | None  # the area's value (None: not available)
    value_text: str  # formatted, "n/a" when missing, "*" appended when some inputs were missing
    method: str  # how the area's value was made, e.g. "sum of 8 LSOAs"
    incomplete: int  # input areas missing or suppressed in the area's value
    borough_value: float | None
    borough_text: str
    borough_method: str
    benchmark_value: float | None  # England (or the chosen benchmark area)
    benchmark_text: str  # "n/a" when the store has none
    benchmark_method: str
    benchmark_comparable: bool  # drawn on the spine (not for counts: an England total is on another scale)
    rank: int | None  # within the borough: 1 = most in need (polarity honoured), ties share the lowest rank
    rank_of: int  # areas with a value (the rank's denominator)
    comparator: float | None  # what the area is judged against: the borough value (counts: average per area)
    comparator_label: str
    comparison: str  # "better", "worse", "same" or "not compared"
    spine: dict[str, float] | None  # the borough's areas: min, q1, median, q3, max
    series: list[tuple[str, float | None]] = field(default_factory=list)  # (period, value) when several periods
    derivation: str = ""  # one sentence per column: area, borough, benchmark, rank
    significance: str = ""  # counts of people: their share of the people counted among, Wilson 95% interval
    recent_trend: str = ""  # several periods: the Fingertips recent trend marker ("Increasing and getting worse", ...)
    recent_trend_note: str = ""  # why it could not be calculated (or that one point makes the trend)
    number_style: str = ""  # how its numbers are printed (core.number_text.STYLES); "" = from kind and unit
    unit_text: str = ""  # the unit as printed beside the numbers ("% of households" for a proportion shown as %)
    period_text: str = ""  # the period as people read it ("Oct 2017" for 2017-10)
    via: str = ""  # the lookup (and weights) the area's value came through, e.g. "through lookup x (best fit)"


@dataclass
class AreaProfile:
    """One area's profile page: its rows (one per indicator, in the order asked) and the page's provenance."""

    area_code: str
    area_name: str | None
    rows: list[ProfileRow]
    provenance: dict
    #: the borough's areas as simplified polygons for a locator map (core.outlines), shared by every page
    outlines: dict[str, list[list[list[tuple[float, float]]]]] | None = field(default=None, repr=False,
                                                                              compare=False)


@dataclass
class _Level:
    """One indicator's values on the target areas for one period, and how each was made."""

    values: pd.Series  # by target area code (NaN: not available)
    methods: pd.Series
    incomplete: pd.Series
    via: str = ""  # the lookup (and weights) used, for the derivation text
    parts: pd.DataFrame | None = None  # numerator, denominator, lower_ci, upper_ci by target area code, where known


def build_profiles(store: Store, indicators: Sequence[str], geography: str | None = None,
                   lookup: str | None = None, period: str | Mapping[str, str] | None = None, *,
                   population: str | None = "pop2015_total", benchmark_area: str = ENGLAND,
                   borough: str | None = None) -> list[AreaProfile]:
    """One AreaProfile per area of `geography` in the borough, each with one row per indicator.

    indicators: catalogue ids, in page order. geography: the profile areas (default: the store's area geography,
    e.g. ward23). lookup: the lookup preferred from the indicators' small areas to `geography` (default: the
    store's; any other stored lookup between the right geographies is used when it does not fit, e.g.
    ward22_ward23 for the claimant count). borough: a code or name of the store's home geography, which the areas
    are ranked in (the store's only borough when None). period: one period for every indicator, a mapping
    id -> period, or None for each indicator's latest. population: the count indicator weighting rates that come
    without numerators and denominators (None: such rates are not combined). benchmark_area: the code of the
    comparison area in the store's benchmarks (England, E92000001, by default).
    """
    geography = geography or store.setting("area_geography")
    if geography is None:
        raise ProfileError("The store has no ward (or other) geography to make profiles for; name one.",
                           option="geography")
    if lookup is None:
        lookup = store.setting("area_lookup") if geography == store.setting("area_geography") else None
    return _Profiler(store, geography, lookup, choose_borough(store, borough), population, benchmark_area).run(
        list(indicators), period)


def format_value(value: float | None, kind: str = "rate", unit: str | None = None,
                 value_type: str | None = None) -> str:
    """A number as a profile shows it (core.number_text): counts with thousands separators, proportions as
    percentages, other numbers to about three significant figures, never in scientific notation; "n/a" when
    missing."""
    return format_number(value, number_style(kind, unit, value_type))


def _source_label(source: str) -> str:
    """The small areas' name in a method text: LSOA, MSOA or output area; otherwise the geography's name
    ('ward22 area'), which says which wards are meant when wards of two years are in the store."""
    label = area_label(source)
    return label if label in ("LSOA", "MSOA", "output area") else f"{source} area"


def _plural(label: str, n: int) -> str:
    return label if n == 1 else f"{label}s"


class _Profiler:
    """Builds the rows of every area, indicator by indicator, caching lookups and populations."""

    def __init__(self, store: Store, geography: str, lookup: str | None, borough: Borough,
                 population: str | None, benchmark_area: str) -> None:
        self.store = store
        self.geography = geography
        self.areas = store.area_codes(geography)
        if not self.areas:
            raise ProfileError(f"Geography {geography} has no areas to profile.")
        self.label = area_label(geography)
        self.lookups = store.lookups()
        self.preferred = lookup
        if lookup is not None:
            leads_to = store.lookup_info(lookup)["to_geography"]
            if leads_to != geography:
                raise ProfileError(f"Lookup {lookup} leads to {leads_to}, not {geography}; "
                                   f"choose a lookup to {geography}.")
        self.borough_geography = borough.geography
        self.single_borough = len(store.area_codes(borough.geography)) == 1
        self.borough = borough.code
        self.borough_name = borough.name
        # the borough's own areas: all of them in a one-borough store, else those within it
        self.codes = sorted(self.areas) if self.single_borough else areas_within(store, geography, borough)
        self.population = population
        self.population_entry = None
        if population is not None:
            try:
                self.population_entry = store.indicator(population)
            except IndicatorNotFound:
                self.population_entry = None
        self.benchmark_area = benchmark_area
        self._population_cache: dict[tuple[str, str], tuple[pd.Series | None, str]] = {}
        self.used_lookups: dict[str, dict] = {}
        self.rule = store_rule(store)  # small-number suppression of what the pages show

    # ------------------------------------------------------------------ the whole run
    def run(self, indicators: list[str], period: str | Mapping[str, str] | None) -> list[AreaProfile]:
        if not indicators:
            raise ProfileError("Choose at least one indicator for the profiles.")
        repeated = sorted({i for i in indicators if indicators.count(i) > 1})
        if repeated:
            raise ProfileError(f"Indicator(s) {', '.join(repeated)} are asked for more than once.")
        entries = [self.store.indicator(ind) for ind in indicators]
        per_area: dict[str, list[ProfileRow]] = {code: [] for code in self.codes}
        used_periods = {}
        for entry in entries:
            wanted = period.get(entry["id"]) if isinstance(period, Mapping) else period
            rows = self._indicator_rows(entry, wanted)
            used_periods[entry["id"]] = next(iter(rows.values())).period
            for code in self.codes:
                per_area[code].append(rows[code])
        provenance = self._provenance(entries, used_periods)
        try:
            outlines = area_outlines(self.store, self.geography, self.codes)
        except Exception:  # a locator map is a nicety: a geography whose shapes cannot be read still gets pages
            outlines = None
        return [AreaProfile(code, self.areas[code], per_area[code], dict(provenance, area_code=code), outlines)
                for code in self.codes]

    def _provenance(self, entries: list[dict], periods: dict[str, str | None]) -> dict:
        from .. import __version__

        return {
            "tool": f"LIS Workbench {__version__}",
            "created_at": _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat(),
            "store": self.store.path,
            "store_checksum": self.store.checksum(),
            "geography": self.geography,
            "area_label": self.label,
            "lookup": self.preferred,
            "lookups_used": dict(self.used_lookups),
            "borough_geography": self.borough_geography,
            "borough": {"code": self.borough, "name": self.borough_name},
            "benchmark": {"code": self.benchmark_area, "name": self._benchmark_name(None)},
            "population": self.population if self.population_entry else None,
            "indicators": {e["id"]: {"title": e["title"], "source": e["source"], "licence": e["licence"],
                                     "geography": e["geography"], "period": periods[e["id"]],
                                     "value_type": e["value_type"], "unit": e["unit"], "polarity": e["polarity"]}
                           for e in entries},
        }

    # ------------------------------------------------------------------ one indicator
    def _indicator_rows(self, entry: dict, period: str | None) -> dict[str, ProfileRow]:
        ind = entry["id"]
        kind = aggregation_kind(entry["value_type"], entry["unit"])
        style = number_style(kind, entry["unit"], entry["value_type"])
        if not entry["periods"]:
            raise IndicatorNotFound(f"Indicator '{ind}' has no values.")
        period = str(period) if period is not None else entry["periods"][-1]
        frame = self.store.get_values(ind, period)
        level = self._to_target(entry, kind, frame)
        borough_value, borough_method, borough_missing = self._borough(entry, kind, frame, period, level)
        self._withhold(kind, level)  # after the borough's value, which counts every area
        bench_value, bench_method, bench_name = self._benchmark(ind, period)
        values = level.values
        valid = values.dropna()
        ranks = self._ranks(valid, entry["polarity"])
        spine = None
        if len(valid):
            q = np.percentile(valid.to_numpy(float), [0, 25, 50, 75, 100])
            spine = dict(zip(("min", "q1", "median", "q3", "max"), map(float, q)))
        if kind == "count":
            comparator = float(valid.mean()) if len(valid) else None
            comparator_label = f"borough average per {self.label}"
        else:
            comparator, comparator_label = borough_value, "borough value"
        series: dict[str, list[tuple[str, float | None]]] = {}
        recent: dict[str, tuple[str, str]] = {}
        if len(entry["periods"]) > 1:
            history = self._history(entry, kind)
            series = {code: list(zip(rows["period"], map(_number, rows["value"])))
                      for code, rows in history.groupby("area_code", sort=False)}
            recent = self._recent(entry, history, period)
        tested = (self._significance(entry, kind, values, level.incomplete) if kind == "count"
                  else self._rate_significance(entry, level, borough_value))
        rows = {}
        for code in self.codes:
            value = _number(values.get(code))
            incomplete = int(level.incomplete.get(code, 0))
            rank = ranks.get(code)
            rows[code] = ProfileRow(
                indicator=ind, title=entry["title"], unit=entry["unit"], polarity=entry["polarity"], kind=kind,
                period=period, value=value,
                value_text=format_number(value, style) + ("*" if incomplete and value is not None else ""),
                method=str(level.methods.get(code)), incomplete=incomplete,
                borough_value=borough_value,
                borough_text=format_number(borough_value, style) + ("*" if borough_missing
                                                                    and borough_value is not None else ""),
                borough_method=borough_method, benchmark_value=bench_value,
                benchmark_text=format_number(bench_value, style), benchmark_method=bench_method,
                benchmark_comparable=kind != "count" and bench_value is not None,
                rank=rank, rank_of=len(valid), comparator=comparator, comparator_label=comparator_label,
                comparison=_compare(value, comparator, entry["polarity"]), spine=spine,
                series=series.get(code, []), number_style=style, unit_text=unit_text(entry["unit"], style),
                period_text=period_text(period))
            if code in recent:
                rows[code].recent_trend, rows[code].recent_trend_note = recent[code]
            if code in tested:
                rows[code].comparison, rows[code].significance = tested[code]
            rows[code].derivation = self._derivation(rows[code], level.via, bench_name)
            rows[code].via = level.via if rows[code].value is not None else ""
        return rows

    def _significance(self, entry: dict, kind: str, values: pd.Series,
                      incomplete: pd.Series) -> dict[str, tuple[str, str]]:
        """For a count of people with a polarity: each area's share of the people it counts among (the catalogue's
        denominator, e.g. children aged 0-15; else all residents) against the borough's share, with a Wilson 95%
        interval (core.compare), so "worse" means significantly worse and small differences read "similar".
        An area missing some of its small areas' values is not tested (its share would be understated) and is
        left out of the borough's share. Empty when there is no such population or a count exceeds it."""
        if kind != "count" or entry["polarity"] not in ("high_is_bad", "high_is_good"):
            return {}
        among, people = self.population_entry, self.population
        if entry.get("denominator"):
            try:
                among, people = self.store.indicator(entry["denominator"]), entry["denominator"]
            except IndicatorNotFound:
                return {}  # the catalogue names a population the store does not hold: no test, rather than a wrong one
        population, _ = self._population(self.geography, among)
        if population is None:
            return {}
        partial = incomplete.reindex(values.index).fillna(0).to_numpy() > 0
        frame = pd.DataFrame({"area_code": values.index,
                              "numerator": np.where(partial, np.nan, values.to_numpy(float)),
                              "denominator": population.reindex(values.index).to_numpy(float)})
        usable = frame.dropna()
        if usable.empty or (usable["numerator"] > usable["denominator"]).any():
            return {}
        share = float(usable["numerator"].sum() / usable["denominator"].sum())
        result = compare(frame, share, kind="proportion", polarity=entry["polarity"], levels=(0.95,))
        tested = {code: ("same", f"not tested: {_of_its(int(incomplete[code]))} no value, so its share would be "
                                 "understated.")
                  for code in values.index[partial & values.notna().to_numpy()]}
        for row in result.itertuples(index=False):
            verdict = row.assessment_95
            if verdict not in VERDICT_WORDS:
                continue
            tested[row.area_code] = (
                "same" if verdict == "similar" else verdict,
                f"share of {people} {row.value:.1%} ({row.lower_95:.1%} to "
                f"{row.upper_95:.1%}, 95% Wilson) against "
                f"the borough's {share:.1%}: {VERDICT_WORDS[verdict]} it.")
        return tested

    def _withhold(self, kind: str, level: _Level) -> None:
        """The store's small-number rule on the profile areas' own counts (a count's values, a rate's numerators):
        withheld areas show no value, with the reason as their method (core.suppression)."""
        if self.rule is None:
            return
        if kind == "count":
            counts = level.values
        elif level.parts is not None and level.parts["numerator"].notna().any():
            counts = level.parts["numerator"].reindex(level.values.index)
        else:
            return
        primary, secondary = withheld(counts.to_numpy(float), self.rule.threshold)
        hide = pd.Series(primary | secondary, index=level.values.index)
        if not hide.any():
            return
        level.values = level.values.where(~hide)
        if level.parts is not None:
            level.parts = level.parts.astype(float).where(~hide.reindex(level.parts.index, fill_value=False))
        level.methods = level.methods.astype(object).where(~hide, pd.Series(
            np.where(primary, f"withheld: a count below {self.rule.threshold} (the store's small-number rule)",
                     "withheld so that the borough's total cannot reveal a small count (the store's small-number "
                     "rule)"), index=level.values.index))

    def _rate_significance(self, entry: dict, level: _Level, borough: float | None) -> dict[str, tuple[str, str]]:
        """For a rate or proportion with a polarity whose areas have numerators and denominators (a plain rate of
        them): each area's 95% interval - Wilson for proportions, exact Poisson below 10 events and Byar's from 10
        for rates (core.compare, as Fingertips) - against the borough's value, so a difference carried by a few
        events reads "similar". Empty otherwise (the areas are then only compared as higher or lower)."""
        parts = level.parts
        if (entry["polarity"] not in ("high_is_bad", "high_is_good") or borough is None or parts is None
                or not parts["numerator"].notna().any()):
            return {}
        frame = pd.DataFrame({"area_code": level.values.index, "value": level.values.to_numpy(float),
                              "numerator": parts["numerator"].reindex(level.values.index).to_numpy(float),
                              "denominator": parts["denominator"].reindex(level.values.index).to_numpy(float)})
        scale = infer_rate_scale(frame)
        if scale is None:  # not a plain rate of its numerators (e.g. age-standardised): no test, not a wrong one
            return {}
        partial = level.incomplete.reindex(frame["area_code"]).fillna(0).to_numpy() > 0
        frame.loc[partial | frame["value"].isna().to_numpy(), "numerator"] = np.nan
        kind = "proportion" if str(entry.get("value_type") or "").lower() in PROPORTION_TYPES else "rate"
        if kind == "proportion" and (frame["numerator"] > frame["denominator"]).any():
            kind = "rate"
        result = compare(frame.drop(columns="value"), borough, kind=kind, polarity=entry["polarity"],
                         levels=(0.95,), multiplier=scale)
        tested = {}
        style = number_style(aggregation_kind(entry["value_type"], entry["unit"]), entry["unit"],
                             entry["value_type"])
        for row in result.itertuples(index=False):
            if row.assessment_95 not in VERDICT_WORDS:
                continue
            tested[row.area_code] = (
                "same" if row.assessment_95 == "similar" else row.assessment_95,
                f"{row.numerator:,.0f} / {row.denominator:,.0f}: 95% interval {format_number(row.lower_95, style)} "
                f"to {format_number(row.upper_95, style)} ({row.method}) against the borough's "
                f"{format_number(borough, style)}: "
                f"{VERDICT_WORDS[row.assessment_95]} it.")
        return tested

    def _to_target(self, entry: dict, kind: str, frame: pd.DataFrame) -> _Level:
        """The indicator's values on the target areas: as published, or aggregated through a lookup."""
        source = entry["geography"]
        index = pd.Index(self.codes)
        if source == self.geography:
            own = frame.set_index("area_code")
            suppressed = own["suppressed"].eq(True).reindex(index, fill_value=False)
            values = own["value"].where(~own["suppressed"].eq(True)).reindex(index)
            methods = pd.Series(f"as published for the {self.label}", index=index)
            methods[suppressed] = "suppressed in the source"
            methods[~suppressed & values.isna()] = f"no value in the source for this {self.label}"
            parts = own[list(PARTS)].apply(pd.to_numeric, errors="coerce").reindex(index)
            return _Level(values.astype(float), methods, values.isna().astype(int),
                          parts=parts.where(~suppressed, np.nan))
        empty = pd.Series(np.nan, index=index)
        zero = pd.Series(0, index=index)
        if kind not in ("count", "rate"):
            reason = self._not_combinable(entry, kind)
            return _Level(empty, pd.Series(f"not available at {self.label} level ({reason})", index=index), zero)
        found = self._find_lookup(source, self.geography)
        if found is None:
            return _Level(empty, pd.Series(f"not available: no lookup from {source} to {self.geography}",
                                           index=index), zero)
        name, pairs, described = found
        label = _source_label(source)
        weights, weights_text = self._population(source) if kind == "rate" else (None, "")
        result = aggregate(frame, pairs, kind, weights, area_label=label).set_index("area_code")
        methods = result["method"].reindex(index)
        methods = methods.where(methods.notna(), f"no {label}s assigned to this {self.label} by lookup {name}")
        via = f"through {described}"
        if result["method"].str.startswith("population-weighted").any():
            via += f", weighted by {weights_text}"
        parts = result[["numerator", "denominator"]].reindex(index).assign(lower_ci=np.nan, upper_ci=np.nan)
        return _Level(result["value"].reindex(index).astype(float), methods,
                      result["incomplete"].reindex(index).fillna(0).astype(int), via, parts)

    def _borough(self, entry: dict, kind: str, frame: pd.DataFrame, period: str,
                 level: _Level) -> tuple[float | None, str, int]:
        """The borough's value: as published (benchmarks or the indicator on the borough geography), else made
        from the indicator's own areas by the same rule as the wards. Returns value, method, missing inputs."""
        ind, source = entry["id"], entry["geography"]
        bench = self.store.benchmarks(ind, period)
        bench = bench[bench["area_code"] == self.borough]
        if len(bench):
            return _number(bench["value"].iloc[0]), f"as published ({bench['source'].iloc[0] or 'benchmarks'})", 0
        if source == self.borough_geography:
            own = frame[(frame["area_code"] == self.borough) & ~frame["suppressed"].eq(True)]
            value = _number(own["value"].iloc[0]) if len(own) else None
            return value, "as published for the borough" if value is not None else "no value in the source", 0
        if kind not in ("count", "rate"):
            return None, f"not available ({self._not_combinable(entry, kind)})", 0
        found = self._find_lookup(source, self.borough_geography)
        label = _source_label(source)
        if found is not None:
            name, pairs, described = found
            scope = f" through {described}"
        elif self.single_borough:
            codes = sorted(self.store.area_codes(source))
            pairs = pd.DataFrame({"from_code": codes, "to_code": self.borough, "weight": 1.0})
            scope = f", taking every {label} in the store"
        else:
            return None, f"not available: no lookup from {source} to {self.borough_geography}", 0
        weights, weights_text = self._population(source) if kind == "rate" else (None, "")
        result = aggregate(frame, pairs, kind, weights, area_label=label).set_index("area_code")
        if self.borough not in result.index:
            return None, f"not available: no {label}s assigned to {self.borough_name}", 0
        row = result.loc[self.borough]
        method = str(row["method"]) + scope
        if str(row["method"]).startswith("population-weighted"):
            method += f", weighted by {weights_text}"
        return _number(row["value"]), method, int(row["incomplete"])

    def _benchmark(self, ind: str, period: str) -> tuple[float | None, str, str]:
        bench = self.store.benchmarks(ind, period)
        bench = bench[bench["area_code"] == self.benchmark_area]
        name = self._benchmark_name(bench)
        if bench.empty:
            return None, f"no {name} value in the store for this indicator and period", name
        return _number(bench["value"].iloc[0]), str(bench["source"].iloc[0] or "store benchmarks"), name

    def _benchmark_name(self, bench: pd.DataFrame | None) -> str:
        if bench is not None and len(bench) and bench["area_name"].iloc[0]:
            return str(bench["area_name"].iloc[0])
        return "England" if self.benchmark_area == ENGLAND else self.benchmark_area

    def _history(self, entry: dict, kind: str) -> pd.DataFrame:
        """Each target area's value in every period of the indicator (made the same way as the latest), with its
        numerator, denominator and limits where they are known: area_code, period, value and PARTS, by period."""
        full = self.store.get_series(entry["id"])
        frames = []
        for period, frame in full.groupby("period", sort=True):
            level = self._to_target(entry, kind, frame)
            self._withhold(kind, level)  # a sparkline publishes every period's values, as the table the latest
            parts = level.parts if level.parts is not None else pd.DataFrame(np.nan, index=level.values.index,
                                                                             columns=list(PARTS))
            frames.append(parts.assign(value=level.values, period=str(period)).rename_axis("area_code")
                          .reset_index())
        history = pd.concat(frames, ignore_index=True)
        history = history[history["area_code"].isin(self.codes)]
        return history.sort_values(["area_code", "period"], kind="stable").reset_index(drop=True)

    @staticmethod
    def _recent(entry: dict, history: pd.DataFrame, period: str) -> dict[str, tuple[str, str]]:
        """Each area's Fingertips recent trend marker and note, over its periods up to the one shown."""
        shown = list(entry["periods"])
        upto = history[history["period"].map(lambda p: shown.index(p) if p in shown else -1) <= shown.index(period)]
        marks = recent_trend(upto, period="period", value="value", numerator="numerator", denominator="denominator",
                             lower="lower_ci", upper="upper_ci", value_type=entry.get("value_type") or "",
                             polarity=entry.get("polarity"), by=["area_code"])
        return {row.area_code: (row.marker, row.note) for row in marks.itertuples(index=False)}

    # ------------------------------------------------------------------ helpers
    def _find_lookup(self, source: str, target: str) -> tuple[str, pd.DataFrame, str] | None:
        """The preferred lookup when it joins these geographies, else the first stored one that does."""
        fits = self.lookups[(self.lookups["from_geography"] == source) & (self.lookups["to_geography"] == target)]
        if fits.empty:
            return None
        preferred = fits[fits["name"] == self.preferred]
        row = (preferred if len(preferred) else fits).iloc[0]
        method = str(row["method"] or "given").replace("best_fit", "best fit")
        self.used_lookups[str(row["name"])] = {"from": source, "to": target, "method": row["method"],
                                               "source": row["source"]}
        return str(row["name"]), self.store.lookup(row["name"]), f"lookup {row['name']} ({method})"

    def _population(self, geography: str, entry: dict | None = None) -> tuple[pd.Series | None, str]:
        """A count of people by area of a geography, and its description: the profile's population (the weights
        of rates without numerators) unless another catalogue entry is given; summed through a lookup if need be."""
        entry = entry if entry is not None else self.population_entry
        if entry is None:
            return None, ""
        key = (entry["id"], geography)
        if key in self._population_cache:
            return self._population_cache[key]
        result: tuple[pd.Series | None, str] = (None, "")
        frame = self.store.get_values(entry["id"])
        text = f"population {entry['id']}"
        if entry["geography"] == geography:
            result = (frame.set_index("area_code")["value"], text)
        else:
            found = self._find_lookup(entry["geography"], geography)
            if found is not None:
                summed = aggregate(frame, found[1], "count").set_index("area_code")["value"]
                result = (summed, f"{text} (summed to {geography} through {found[0]})")
        self._population_cache[key] = result
        return result

    def _not_combinable(self, entry: dict, kind: str) -> str:
        if kind == "unknown":
            return "the catalogue does not say whether it is a count or a rate"
        words = NOT_COMBINABLE.get(str(entry["value_type"]).lower())
        if words is None:
            unit = str(entry["unit"] or "").lower()
            words = next((w for k, w in NOT_COMBINABLE.items() if k in unit), "these values")
        return f"{words} cannot be combined"

    @staticmethod
    def _ranks(valid: pd.Series, polarity: str) -> dict[str, int]:
        """1 = most in need: the highest value when high is bad (or neutral), the lowest when high is good."""
        if valid.empty:
            return {}
        ranked = valid.rank(method="min", ascending=polarity == "high_is_good")
        return {code: int(r) for code, r in ranked.items()}

    def _derivation(self, row: ProfileRow, via: str, bench_name: str) -> str:
        area = self.label.capitalize() if self.label.islower() else self.label
        parts = [f"{area}: {row.method}" + (f" {via}" if via and row.value is not None else "") + "."]
        parts.append(f"Borough ({self.borough_name}): {row.borough_method}.")
        parts.append(f"{bench_name}: {row.benchmark_method}.")
        if row.recent_trend:
            parts.append(f"Recent trend (Fingertips method, last 5 points): "
                         f"{_sentence(marker_text(row.recent_trend, row.recent_trend_note))}.")
        if row.rank is None:
            parts.append("Not ranked.")
        else:
            order = {"high_is_bad": "1 = highest value (high is bad)", "high_is_good": "1 = lowest value (high is "
                     "good)", "neutral": "1 = highest value (neutral indicator: no better or worse)"}
            parts.append(f"Rank {row.rank} of the {row.rank_of} {_plural(self.label, row.rank_of)} with a value; "
                         f"{order.get(row.polarity, order['neutral'])}; ties share a rank.")
        return " ".join(parts)


def _sentence(text: str) -> str:
    """A marker inside a sentence: its first word in lower case."""
    return text[:1].lower() + text[1:]


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def _compare(value: float | None, comparator: float | None, polarity: str) -> str:
    """Better / worse than the comparator, honouring polarity; "same" within rounding; else "not compared"."""
    if value is None or comparator is None or polarity not in ("high_is_bad", "high_is_good"):
        return "not compared"
    if np.isclose(value, comparator, rtol=1e-9, atol=1e-12):
        return "same"
    higher = value > comparator
    return "worse" if higher == (polarity == "high_is_bad") else "better"


def _of_its(n: int) -> str:
    return "1 of its small areas has" if n == 1 else f"{n} of its small areas have"

"""The benchmark-comparison study: each area's value against a benchmark, Fingertips-style, with the defaults and
words every door shares. The kind (proportion with a denominator, else count) and the multiplier (100 for
proportions, 1,000 for rates) default here, once; `lis compare`, Processing "Compare with a benchmark" and the
dock all run compare_areas (the store-level compare_indicator gathers its inputs first).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .compare import KINDS, compare, total_benchmark
from .errors import AnalysisError, ParameterError
from .suppression import apply, store_rule

ENGLAND = "E92000001"
KIND_MULTIPLIERS = {"proportion": 100.0, "rate": 1000.0, "count": 1.0}


@dataclass
class CompareResult:
    """The comparison table and the words that go with it."""

    table: pd.DataFrame  # area_code, area_name, numerator, denominator, value, lower_95, ..., assessment_95, reason
    kind: str
    multiplier: float
    unit: str
    benchmark: float
    benchmark_words: str
    title: str  # "<indicator title> (<period>)", or "" for a layer
    headline: str  # "per pop2015_total as a proportion (%), Wilson score intervals; benchmark ...: <value>"
    counts: str  # "At 95%: 3 higher, 20 similar, 2 lower"
    notes: list[str]
    per: str = ""  # the denominator indicator, when the values are per one


def default_kind(kind: str | None, has_denominator: bool) -> str:
    """The kind of value: as given, else a proportion when there is a denominator, else a count."""
    if kind is not None and kind not in KINDS:
        raise ParameterError(f"'{kind}' is not a kind of value; use {', '.join(KINDS)}.", option="kind")
    chosen = kind or ("proportion" if has_denominator else "count")
    if chosen != "count" and not has_denominator:
        raise AnalysisError(f"A {chosen} needs a denominator, and there is none.", option="denominator")
    return chosen


def default_multiplier(kind: str, multiplier: float | None) -> float:
    """Values are numerator / denominator x this: as given, else 100 for proportions, 1,000 for rates."""
    if multiplier is not None and not multiplier > 0:
        raise ParameterError(f"The multiplier must be above 0, not {multiplier:g}.", option="multiplier")
    return float(multiplier) if multiplier is not None else KIND_MULTIPLIERS[kind]


def unit_words(kind: str, scale: float) -> str:
    return {"proportion": "%" if scale == 100 else f"per {scale:,.0f}", "rate": f"per {scale:,.0f}",
            "count": "count"}[kind]


def compare_areas(frame: pd.DataFrame, *, kind: str | None = None, multiplier: float | None = None,
                  benchmark: float | str | None = None, benchmark_words: str | None = None,
                  polarity: str | None = None, title: str = "", period: str = "",
                  per: str | None = None) -> CompareResult:
    """Compare every area of `frame` (area_code, numerator, denominator for proportions and rates, optional
    area_name and suppressed) with a benchmark: a number, an area code of the frame, or None for all the areas
    together (a borough from its wards)."""
    has_denominator = "denominator" in frame.columns and frame["denominator"].notna().any()
    kind = default_kind(kind, has_denominator)
    scale = default_multiplier(kind, multiplier)
    if benchmark is None:
        target: float | str = total_benchmark(frame, kind=kind, multiplier=scale)
        described = benchmark_words or f"all {len(frame)} areas together"
    elif isinstance(benchmark, str):
        if benchmark not in set(frame["area_code"].astype(str)):
            raise AnalysisError(f"The benchmark area {benchmark} is not one of the areas compared.",
                                option="benchmark")
        target, described = benchmark, benchmark_words or f"area {benchmark}"
    else:
        target, described = float(benchmark), benchmark_words or "as given"
    table = compare(frame, target, kind=kind, polarity=polarity, multiplier=scale)
    table["quintile"], table["quintile_words"] = quintiles(table["value"], table.attrs.get("polarity"))
    unit = unit_words(kind, scale)
    headline = (f"per {per} " if per else "") + f"as a {kind} ({unit}), {table.attrs['method']} intervals; " \
        f"benchmark {described}: {table.attrs['benchmark']:,.4g}"
    counts = table["vs_benchmark_95"].value_counts()
    words = "At 95%: " + ", ".join(f"{counts.get(v, 0)} {v}" for v in ("higher", "similar", "lower")) + \
        (f", {counts.get('not compared')} not compared" if counts.get("not compared") else "")
    return CompareResult(table, kind, scale, unit, float(table.attrs["benchmark"]), described,
                         f"{title} ({period})" if title else "", headline, words, [], per or "")


#: Fingertips' words for the quintiles of the areas' values, lowest first: without a polarity, and with one
#: (high is bad: the highest values are the worst).
QUINTILE_WORDS = ("Lowest", "Low", "Middle", "High", "Highest")
QUINTILE_JUDGEMENTS = ("Best", "Better", "Middle", "Worse", "Worst")


def quintiles(values: pd.Series, polarity: str | None) -> tuple[pd.Series, pd.Series]:
    """Each area's quintile among the areas with a value (1 = the lowest fifth of values ... 5 = the highest, as R's
    dplyr::ntile: groups differ by at most one, the lower ones larger; ties in order of appearance) and its words,
    as Fingertips' quintile colouring:
    Lowest ... Highest without a polarity, Best ... Worst by polarity. Areas without a value: NaN and ""."""
    ranked = values.rank(method="first")
    n = int(values.notna().sum())
    larger, smaller, n_larger = -(-n // 5), n // 5, n % 5  # the first n % 5 groups hold one more
    threshold = larger * n_larger
    quintile = pd.Series(np.where(ranked <= threshold, np.ceil(ranked / max(larger, 1)),
                                  np.ceil((ranked - threshold) / max(smaller, 1)) + n_larger), index=values.index)
    quintile = quintile.where(values.notna())
    words = QUINTILE_WORDS if polarity not in ("high_is_bad", "high_is_good") else (
        QUINTILE_JUDGEMENTS if polarity == "high_is_bad" else QUINTILE_JUDGEMENTS[::-1])
    named = quintile.map(lambda q: "" if q != q else words[int(q) - 1])
    return quintile, named


def compare_indicator(store, indicator: str, *, denominator: str | None = None, kind: str | None = None,
                      multiplier: float | None = None, benchmark: str = "borough", period: str | None = None,
                      denominator_period: str | None = None) -> CompareResult:
    """An indicator of the store compared area by area. The denominator: as given, else the indicator's own
    stored denominators, else the population its catalogue entry says it counts among. The benchmark: "borough"
    (all the areas together), "england" or an area code with values stored as benchmarks, an area of the values,
    or a number."""
    entry = store.indicator(indicator)
    stored = store.get_values(indicator, period)
    values, notes = apply(entry, stored, store_rule(store))  # the borough's total still counts every area
    used_period = str(values["period"].iloc[0]) if len(values) else str(period)
    frame = pd.DataFrame({"area_code": values["area_code"], "area_name": values["area_name"],
                          "suppressed": values["suppressed"]})
    bench_num = bench_den = None
    denominator = resolve_denominator(store, entry, values, denominator, notes)
    if denominator:
        den_values = store.get_values(denominator, denominator_period)
        den_period = str(den_values["period"].iloc[0]) if len(den_values) else str(denominator_period)
        frame["numerator"] = values["value"].to_numpy(float)
        frame["denominator"] = frame["area_code"].map(den_values.set_index("area_code")["value"]).astype(float)
        bench_num, bench_den = store.benchmarks(indicator, used_period), store.benchmarks(denominator, den_period)
    elif values["denominator"].notna().any():
        frame["numerator"] = values["numerator"].to_numpy(float)
        frame["denominator"] = values["denominator"].to_numpy(float)
        bench_num = store.benchmarks(indicator, used_period)
    else:
        frame["numerator"] = values["value"].to_numpy(float)
        bench_num = store.benchmarks(indicator, used_period)
    has_denominator = "denominator" in frame.columns
    chosen = default_kind(kind, has_denominator)
    scale = default_multiplier(chosen, multiplier)
    target, described = _benchmark(benchmark, frame, chosen, scale, bench_num, bench_den, denominator)
    if target is None and values is not stored and chosen != "count":  # the total of every area, withheld or not
        whole = frame.assign(numerator=stored["value" if denominator else "numerator"].to_numpy(float),
                             suppressed=stored["suppressed"].to_numpy())
        target = total_benchmark(whole, kind=chosen, multiplier=scale)
    result = compare_areas(frame, kind=chosen, multiplier=scale, benchmark=target, benchmark_words=described,
                           polarity=entry.get("polarity"), title=entry["title"], period=used_period, per=denominator)
    result.notes = notes + result.notes
    return result


def resolve_denominator(store, entry: dict, values: pd.DataFrame, denominator: str | None,
                        notes: list[str]) -> str | None:
    """The denominator indicator a count is out of: as given, else (when its values carry no denominators) the
    population its catalogue entry names (said in `notes`); checked to be on the count's geography."""
    if not denominator and not values["denominator"].notna().any() and entry.get("denominator"):
        denominator = entry["denominator"]  # the population the catalogue says this counts among
        notes.append(f"Denominator: {denominator} (from the catalogue)")
    if denominator:
        den_entry = store.indicator(denominator)
        if den_entry["geography"] != entry["geography"]:
            raise AnalysisError(f"'{entry['id']}' is on {entry['geography']} but '{denominator}' is on "
                                f"{den_entry['geography']}.", option="denominator")
    return denominator or None


def _benchmark(text: str, frame, kind: str, scale: float, bench_num, bench_den,
               denominator) -> tuple[float | str | None, str]:
    """The benchmark to compare with (None: all the areas together; a number; an area code of the frame) and
    its description."""
    word = str(text).strip()
    if word.lower() == "borough":
        return None, f"all {len(frame)} areas together"
    try:
        return float(word), "as given"
    except ValueError:
        pass
    code = ENGLAND if word.lower() == "england" else word
    if code in set(frame["area_code"]):
        return code, f"area {code}"
    published = _published(bench_num, code)
    if published is None:
        raise AnalysisError(f"The benchmark '{word}' is neither an area of the values nor a benchmark area stored "
                            "for this indicator; add benchmark values to the store, or compare with the borough or "
                            "a number.", option="benchmark")
    name = published["area_name"] or code
    if kind == "count":
        return float(published["value"]), name
    if bench_den is not None:
        den = _published(bench_den, code)
        if den is None or not den["value"] > 0:
            raise AnalysisError(f"The store has no {name} value of the denominator '{denominator}' to compare with.")
        return (published["value"] / den["value"] * scale,
                f"{name} ({published['value']:,.0f} / {den['value']:,.0f})")
    if published["denominator"] > 0 and published["numerator"] >= 0:
        return (published["numerator"] / published["denominator"] * scale,
                f"{name} ({published['numerator']:,.0f} / {published['denominator']:,.0f})")
    raise AnalysisError(f"The stored {name} value of this indicator has no numerator and denominator to compare a "
                        f"{kind} with; give a denominator or a number, or compare with the borough.",
                        option="benchmark")


def _published(frame, code: str) -> dict | None:
    """One stored benchmark area's row (value, numerator, denominator, area_name), or None."""
    if frame is None or frame.empty:
        return None
    rows = frame[frame["area_code"] == code]
    if rows.empty or rows["value"].isna().all():
        return None
    return rows.iloc[0].to_dict()


@dataclass
class FunnelView:
    """A comparison as a funnel plot: the lines, the areas as points, and the same facts in words (the chart's
    text alternative)."""

    lines: pd.DataFrame  # denominator, lower_95, upper_95, lower_99_8, upper_99_8, benchmark
    points: pd.DataFrame  # area_code, area_name, denominator, value, verdict (95%), side_99_8
    title: str
    subtitle: str
    y_label: str
    x_label: str
    summary: str  # "Of 200 areas, 61 lie above the 99.8% limit (worse): ...; 70 below (better): ..."
    outliers: list[str]  # codes of the areas beyond the 99.8% limits, the furthest first (points' label names them)
    method: str  # how the limits were drawn, in a sentence


def funnel(result: CompareResult, *, denominator_words: str = "denominator", limit_names: int = 8) -> FunnelView:
    """The funnel plot of a comparison: each area's value against its denominator, with the 95% and 99.8% limits
    around the benchmark that give exactly the comparison's verdicts (core.stats.funnel.comparison_funnel)."""
    from .stats.funnel import comparison_funnel

    table = result.table
    if result.kind == "count" or "denominator" not in table:
        raise AnalysisError("A funnel plot needs values with a denominator (a proportion or a rate); give a "
                            "denominator.", option="denominator")
    shown = table[table["reason"] == ""]
    lines = comparison_funnel(result.kind, result.benchmark, result.multiplier, shown["denominator"])
    verdict = table["assessment_95"] if table.attrs.get("polarity") else table["vs_benchmark_95"]
    points = pd.DataFrame({"area_code": table["area_code"],
                           "area_name": table.get("area_name", table["area_code"]).fillna(table["area_code"]),
                           "denominator": table["denominator"], "value": table["value"], "verdict": verdict,
                           "side_99_8": table["vs_benchmark_99_8"]})
    points = points[table["reason"] == ""].reset_index(drop=True)
    shared = points["area_name"].duplicated(keep=False)  # names several areas share are told apart by code
    points["label"] = points["area_name"].astype(str).where(~shared, points["area_name"].astype(str) + " ("
                                                              + points["area_code"].astype(str) + ")")
    # the furthest out first: distance past the nearer 99.8% limit, in units of the 99.8% half-width there
    upper = np.interp(points["denominator"], lines["denominator"], lines["upper_99_8"])
    lower = np.interp(points["denominator"], lines["denominator"], lines["lower_99_8"])
    past = np.where(points["value"] > upper, (points["value"] - upper) / np.maximum(upper - result.benchmark, 1e-12),
                    (lower - points["value"]) / np.maximum(result.benchmark - lower, 1e-12))
    outside = points["side_99_8"].isin(["higher", "lower"]).to_numpy()
    beyond = points[outside].assign(_past=past[outside]).sort_values("_past", ascending=False)
    outliers = [str(n) for n in beyond["area_code"]]
    words = []
    for side in ("higher", "lower"):
        group = beyond[beyond["side_99_8"] == side]
        if len(group):
            judged_as = group["verdict"].iloc[0]
            extra = f" ({judged_as})" if judged_as not in (side, "similar") else ""
            names = ", ".join(str(n) for n in group["label"][:limit_names])
            more = f" and {len(group) - limit_names} more" if len(group) > limit_names else ""
            words.append(f"{len(group)} {'above' if side == 'higher' else 'below'} the 99.8% limits{extra}: "
                         f"{names}{more}")
    summary = (f"Of {len(points)} areas, " + "; ".join(words) if words
               else f"All {len(points)} areas lie within the 99.8% limits") + \
        f" (benchmark {result.benchmark_words}: {result.benchmark:,.4g} {result.unit})."
    subtitle = f"Against {result.benchmark_words}; 95% and 99.8% limits ({table.attrs.get('method', '')} intervals)"
    method = (f"Each area's {result.kind} ({result.unit}) against its denominator. The limits are where an area of "
              f"that size stops being similar to the benchmark ({table.attrs.get('method', '')} intervals, as "
              "Fingertips), so the colours and the limits always agree.")
    return FunnelView(lines, points, result.title or "Funnel plot", subtitle, f"Value ({result.unit})",
                      denominator_words, summary, outliers, method)

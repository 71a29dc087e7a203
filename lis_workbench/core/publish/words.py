"""The website's words made from the data: the text alternative of an indicator's map (highest, lowest, how many
areas are better or worse than the borough), the summary of an area's profile, each comparison in words and a
sparkline's trend, so every fact a map or chart shows is also in text."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..number_text import format_number, period_text
from ..profile import ProfileRow
from ..stats.trend_marker import marker_text


@dataclass(frozen=True)
class AreaValue:
    """One area's row of one indicator, with the area's name: what an indicator page is made of."""

    code: str
    name: str
    row: ProfileRow


def plural(word: str, n: int) -> str:
    """'ward' / 'wards' by count (words that already end in s are left alone)."""
    return word if n == 1 or word.endswith("s") else f"{word}s"


def join_names(names: Sequence[str], limit: int = 4) -> str:
    """'A', 'A and B', 'A, B and C'; past `limit` names: 'A, B, C and 2 more'."""
    names = list(names)
    if len(names) > limit:
        shown, rest = names[:limit - 1], len(names) - (limit - 1)
        return ", ".join(shown) + f" and {rest} more"
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def tested(row: ProfileRow) -> bool:
    """Whether the row's comparison with the borough was a significance test (not just higher or lower)."""
    return bool(row.significance) and not row.significance.startswith("not tested")


def withheld(row: ProfileRow) -> bool:
    """Whether the area's value is withheld by the store's small-number rule."""
    return row.value is None and row.method.startswith("withheld")


def shown_value(row: ProfileRow) -> str:
    """The area's value as a page shows it: the number, "withheld" (small numbers) or "no data"."""
    if row.value is not None:
        return row.value_text
    return "withheld" if withheld(row) else "no data"


def comparison_words(row: ProfileRow, borough: str) -> str:
    """The area against the borough in words, saying whether the difference was tested."""
    if row.value is None:
        return "Withheld (small numbers)" if withheld(row) else "No data"
    if row.polarity not in ("high_is_bad", "high_is_good"):
        return "Not compared (neither higher nor lower is better)"
    against = f"{borough}'s average per area" if row.kind == "count" else borough
    if row.significance.startswith("not tested"):
        return "Not tested (some of its small areas have no value)"
    if tested(row):
        return {"worse": f"Significantly worse than {borough}", "better": f"Significantly better than {borough}",
                "same": f"Similar to {borough}"}.get(row.comparison, "Not compared")
    if row.comparison == "same":
        return f"Same as {against}"
    if row.comparison in ("worse", "better"):
        direction = "Higher" if (row.value or 0) > (row.comparator or 0) else "Lower"
        return f"{direction} than {against}: {row.comparison} (difference not tested)"
    return "Not compared"


def polarity_words(polarity: str | None) -> str:
    """Which way is better, for a reader."""
    return {"high_is_bad": "A higher value is worse.", "high_is_good": "A higher value is better."}.get(
        polarity or "", "Neither higher nor lower is better: areas are described, not judged.")


def indicator_summary(areas: Sequence[AreaValue], borough: str, label: str = "ward") -> list[str]:
    """The text alternative of an indicator's map: sentences naming the highest and lowest areas with their
    values, how many are significantly better or worse than (or similar to) the borough, the borough against
    England, and the areas without a value."""
    if not areas:
        return [f"There are no {plural(label, 2)} to show."]
    first = areas[0].row
    valued = [a for a in areas if a.row.value is not None]
    n = len(areas)
    out = []
    if not valued:
        out.append(f"No {label} has a value for this indicator: {first.method}.")
        return out
    top = max(a.row.value for a in valued)  # type: ignore[type-var]
    bottom = min(a.row.value for a in valued)  # type: ignore[type-var]
    highest = sorted(a.name for a in valued if a.row.value == top)
    lowest = sorted(a.name for a in valued if a.row.value == bottom)
    style = first.number_style
    unit = f" {first.unit_text}" if first.unit_text and first.number_style not in ("proportion", "percent") else ""
    out.append(f"Highest in {join_names(highest)} ({format_number(top, style)}{unit}); "
               f"lowest in {join_names(lowest)} ({format_number(bottom, style)}{unit}).")
    out.append(_against_borough(valued, n, borough, label))
    if first.benchmark_comparable and first.borough_value is not None and first.benchmark_value is not None:
        b, e = first.borough_value, first.benchmark_value
        relation = "the same as" if b == e else "higher than" if b > e else "lower than"
        out.append(f"{borough} as a whole ({first.borough_text}) is {relation} England ({first.benchmark_text}).")
    missing = [a for a in areas if a.row.value is None]
    if missing:
        held = sum(withheld(a.row) for a in missing)
        words = f"{len(missing)} of the {n} {plural(label, n)} {'has' if len(missing) == 1 else 'have'} no value"
        if held:
            words += f" ({held} withheld under the small-number rule)"
        out.append(words + ": " + join_names(sorted(a.name for a in missing)) + ".")
    return out


def _against_borough(valued: Sequence[AreaValue], n: int, borough: str, label: str) -> str:
    first = valued[0].row
    if first.polarity not in ("high_is_bad", "high_is_good"):
        above = sum(a.row.comparator is not None and a.row.value > a.row.comparator for a in valued)  # type: ignore[operator]
        against = f"{borough}'s average per {label}" if first.kind == "count" else f"{borough} as a whole"
        return (f"{above} of the {n} {plural(label, n)} have a higher value than {against}; neither higher nor "
                "lower is better, so no area is called better or worse.")
    tests = [a for a in valued if tested(a.row)]
    if tests:
        worse = sum(a.row.comparison == "worse" for a in tests)
        better = sum(a.row.comparison == "better" for a in tests)
        similar = len(tests) - worse - better
        text = (f"Compared with {borough}: {worse} of the {n} {plural(label, n)} "
                f"{'is' if worse == 1 else 'are'} significantly worse, {better} significantly better and "
                f"{similar} similar (95% confidence).")
        untested = len(valued) - len(tests)
        if untested:
            text += f" {untested} could not be tested."
        return text
    worse = sum(a.row.comparison == "worse" for a in valued)
    better = sum(a.row.comparison == "better" for a in valued)
    against = f"{borough}'s average per {label}" if first.kind == "count" else borough
    return (f"Compared with {against}: {worse} of the {n} {plural(label, n)} "
            f"{'is' if worse == 1 else 'are'} worse and {better} better; the differences were not tested for "
            "significance.")


def profile_summary(rows: Sequence[ProfileRow], area: str, borough: str) -> str:
    """One area's profile in a sentence: on how many indicators it is significantly worse or better than the
    borough (naming them), similar, or not compared."""
    worse = [r.title for r in rows if tested(r) and r.comparison == "worse"]
    better = [r.title for r in rows if tested(r) and r.comparison == "better"]
    similar = [r for r in rows if tested(r) and r.comparison == "same"]
    rest = len(rows) - len(worse) - len(better) - len(similar)
    n = len(rows)
    bits = [f"Of the {n} {plural('indicator', n)} here, {area} is significantly worse than {borough} on "
            f"{len(worse)}" + (f" ({join_names(worse, 6)})" if worse else ""),
            f"significantly better on {len(better)}" + (f" ({join_names(better, 6)})" if better else ""),
            f"similar on {len(similar)}"]
    text = ", ".join(bits[:-1]) + " and " + bits[-1]
    if rest:
        text += f"; {rest} {'is' if rest == 1 else 'are'} not tested (neutral indicators, values without the " \
                "counts a test needs, or no value)"
    return text + "."


def trend_words(row: ProfileRow) -> str:
    """A sparkline in words: first and latest value, highest and lowest, and the recent trend marker."""
    known = [(p, v) for p, v in row.series if v is not None]
    if len(known) < 2:
        return ""
    style = row.number_style

    def at(item: tuple[str, float]) -> str:
        return f"{format_number(item[1], style)} in {period_text(item[0])}"

    high = max(known, key=lambda item: item[1])
    low = min(known, key=lambda item: item[1])
    text = (f"From {at(known[0])} to {at(known[-1])} ({len(row.series)} periods); highest {at(high)}, "
            f"lowest {at(low)}.")
    if row.recent_trend:
        text += f" Recent trend: {marker_text(row.recent_trend, row.recent_trend_note).rstrip('.')}."
    return text

"""The words saying how a set of area profiles was made, once for the whole book rather than in small print on
every page: one short line per row for an area's own page (how its value was made), and a methods section
listing per indicator its source, how the areas', borough's and benchmark's values were derived (the areas'
differences summarised, e.g. "sum of 6-12 LSOAs"), how it is compared, and the general rules (spine, ranks, *)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from .number_text import period_text
from .profile import AreaProfile, ProfileRow
from .stats.trend_marker import marker_text

_NUMBER = re.compile(r"\d[\d,]*")


def area_lines(profile: AreaProfile) -> list[str]:
    """One line per row for the area's own page: "Title: how this area's value was made"."""
    return [f"{row.title}: {row.method}" for row in profile.rows]


def general_methods(profiles: Sequence[AreaProfile]) -> list[tuple[str, str]]:
    """(heading, paragraph) pairs explaining what every page shows."""
    prov = profiles[0].provenance if profiles else {}
    label = str(prov.get("area_label") or "area")
    bench = str((prov.get("benchmark") or {}).get("name") or "England")
    borough = str((prov.get("borough") or {}).get("name") or "the borough")
    n = max((r.rank_of for p in profiles for r in p.rows), default=0)
    return [
        ("Spine chart", f"A light bar from the lowest to the highest value among {borough}'s {label}s, a darker "
                        "band for their middle half (25th to 75th percentile), a black line for the borough's value "
                        f"(for counts, the average per {label}), a hollow diamond for {bench} (not for counts, "
                        f"whose {bench} total is on another scale) and a circle for this {label}: blue when better "
                        "than the borough, orange when worse (colour-blind safe), grey when no judgement is made."),
        ("Better and worse", f"Counts of people are judged by the {label}'s share of the people counted among "
                             "against the borough's share, with a 95% Wilson interval. Rates and proportions with "
                             "numerators and denominators are judged by a 95% interval: Wilson for proportions, "
                             "exact Poisson below 10 events and Byar's method from 10 for rates (as OHID's "
                             "Fingertips). Other values are compared as higher or lower only. Neutral indicators "
                             "are not judged."),
        ("Rank", f"1 = most in need among the {n} {label}s of {borough} with a value: the highest value where high "
                 "is bad, the lowest where high is good, the highest for neutral indicators. Ties share a rank."),
        ("Recent trend", "OHID Fingertips recent trend marker: a chi-squared test for trend over the last five "
                         "yearly values, at 99.8%; ↑ / ↓ a significant increase / decrease, better or worse by the "
                         "indicator's polarity; 'no sig. change' when not significant; '–' when it cannot be "
                         "calculated (e.g. monthly data, or no confidence intervals)."),
        ("* and n/a", "A value marked * is made from only some of its small areas (the others missing or "
                      "suppressed in the source), so a count is a lower bound. n/a: not available; the indicator's "
                      "notes below say why (e.g. ranks and scores cannot be combined into larger areas)."),
        ("Numbers", "Proportions are shown as percentages; counts are whole numbers with thousands separators; "
                    "other values to about three significant figures."),
    ]


def indicator_methods(profiles: Sequence[AreaProfile]) -> list[tuple[str, str]]:
    """(heading, paragraph) per indicator of the profiles, in page order: source, the areas' values (their
    differences summarised), the borough's and the benchmark's, comparison and trend."""
    if not profiles:
        return []
    prov = profiles[0].provenance or {}
    label = str(prov.get("area_label") or "area")
    area_word = label.capitalize() if label.islower() else label
    borough = str((prov.get("borough") or {}).get("name") or "the borough")
    bench = str((prov.get("benchmark") or {}).get("name") or "England")
    catalogue = prov.get("indicators") or {}
    out = []
    for i, first in enumerate(profiles[0].rows):
        rows = [(p.area_name or p.area_code, p.rows[i]) for p in profiles if i < len(p.rows)]
        entry = catalogue.get(first.indicator, {})
        head = f"{i + 1}. {first.title}"
        unit, period = first.unit_text or first.unit, first.period_text or period_text(first.period)
        facts = [f"Unit: {unit}" if unit else "", f"period: {period}" if period else ""]
        source = str(entry.get("source") or "")
        if source:
            facts.append(f"source: {source}" + (f" ({entry['licence']})" if entry.get("licence") else ""))
        facts = [f for f in facts if f]
        parts = [_upper("; ".join(facts)) + "." if facts else ""]
        via = next((r.via for _, r in rows if r.via), "")
        parts.append(f"{area_word} values" + (f" ({via})" if via else "") + f": {summarise(rows, label)}.")
        parts.append(f"Borough ({borough}): {first.borough_method}.")
        parts.append(f"{bench}: {first.benchmark_method}.")
        parts.append(_judged(rows, label))
        trends = Counter(marker_text(r.recent_trend, r.recent_trend_note) for _, r in rows if r.recent_trend)
        if trends:
            parts.append("Recent trend: " + "; ".join(
                f"{_lower(text)}" + (f" ({count} {label}s)" if len(trends) > 1 else "")
                for text, count in trends.most_common()) + ".")
        out.append((head, " ".join(p for p in parts if p)))
    return out


def summarise(rows: Sequence[tuple[str, ProfileRow]], label: str = "area") -> str:
    """The areas' methods in a few words: one method said once; methods differing only in their numbers said
    with their ranges ("sum of 6-12 LSOAs"); less common ones naming their areas (up to eight)."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for name, row in rows:
        groups.setdefault(_NUMBER.sub("#", row.method), []).append((name, row.method))
    ordered = sorted(groups.values(), key=len, reverse=True)
    words = []
    for n, items in enumerate(ordered):
        texts = sorted({text for _, text in items})
        text = texts[0] if len(texts) == 1 else _ranges(texts)
        if len(ordered) > 1:
            names = [name for name, _ in items]
            text += f" ({', '.join(names)})" if n and len(names) <= 8 else f" ({len(names)} {label}s)"
        words.append(text)
    return "; ".join(words)


def _ranges(texts: list[str]) -> str:
    """Texts alike but for their numbers, as one text with each number's range: "sum of 6-12 LSOAs"."""
    numbers = [[int(m.replace(",", "")) for m in _NUMBER.findall(t)] for t in texts]
    slots = iter(zip(*numbers))

    def one(_match: re.Match) -> str:
        values = next(slots)
        lo, hi = min(values), max(values)
        return f"{lo:,}" if lo == hi else f"{lo:,}-{hi:,}"

    return _NUMBER.sub(one, texts[0])


def _judged(rows: Sequence[tuple[str, ProfileRow]], label: str) -> str:
    first = rows[0][1]
    if first.polarity not in ("high_is_bad", "high_is_good"):
        return "Not judged better or worse (a neutral indicator)."
    tested = [r.significance for _, r in rows if r.significance]
    if not tested:
        return "Compared with the borough as higher or lower only (no numerators and denominators to test)."
    share = next((re.match(r"share of (\S+)", t) for t in tested if t.startswith("share of ")), None)
    if share:
        return (f"Judged by the {label}'s share of {share.group(1)} against the borough's share "
                "(95% Wilson interval).")
    method = Counter(m.group(1) for t in tested if (m := re.search(r"\(([^()]*)\) against", t)))
    how = f" ({', '.join(sorted(method))})" if method else ""
    return f"Judged by each {label}'s 95% interval{how} against the borough's value."


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]


def _upper(text: str) -> str:
    return text[:1].upper() + text[1:]

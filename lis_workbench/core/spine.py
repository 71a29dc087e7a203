"""The profile table of one area as an SVG picture (pure Python): Indicator | area value | Borough | England |
Rank | spine chart | trend sparkline with its Fingertips recent trend marker under it ("↑ worse", "no sig. change",
"–"), a key, and numbered notes saying how each value was derived.

Drawn for a ~1000 px wide picture placed on an A4 print layout: font 'DejaVu Sans' (the font QGIS ships on every
platform), sizes in px, no text overlapping (titles wrap to two lines, numbers shrink to fit their column), only
SVG features Qt's SVG renderer draws (no CSS, no dominant-baseline). Text widths are estimated from DejaVu Sans
advance widths, so wrapping does not depend on any font being installed where the SVG is made.

Spine chart: a light bar from the borough's lowest to highest area value, a darker band for the middle half
(25th-75th percentile), a black line for the borough value (for counts, the average per area), a diamond for the
England value (not for counts, whose England total is on another scale) and a circle for this area, blue when
better than the borough, vermilion when worse (colour-blind safe, Okabe-Ito), grey when no judgement is made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape

from .profile import AreaProfile, ProfileRow, format_value
from .stats.trend_marker import marker_symbol
from .text_fit import text_width, wrap

FONT = "'DejaVu Sans', sans-serif"
WIDTH = 1000
BETTER, WORSE, NEUTRAL = "#0072B2", "#D55E00", "#999999"
BAR, BAND, INK, GREY, RULE, SHADE = "#e3e3e3", "#a8a8a8", "#1a1a1a", "#595959", "#c8c8c8", "#f4f4f4"
#: columns: (left, right) in px
COLS = {"indicator": (12, 318), "value": (322, 404), "borough": (408, 494), "benchmark": (498, 588),
        "rank": (592, 662), "spine": (674, 872), "spark": (888, 988)}
ROW_H = 56
#: font sizes in px (at 1000 px across A4 portrait, 1 px is about 0.19 mm: 14 px prints at about 7.5 pt)
TITLE_SIZE, UNIT_SIZE, NUMBER_SIZE, HEAD_SIZE = 14.0, 11.0, 14.0, 12.5
NOTE_SIZE, KEY_SIZE, SMALL_SIZE = 11.0, 11.5, 10.0

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def profile_svg(profile: AreaProfile, *, title: str | None = None, notes: bool = True) -> str:
    """The profile table of one area as an SVG document (a string), about 1000 px wide.

    title: the heading above the table (default: the area's name and code; "" for none). notes: add the numbered
    "How the values were derived" list and the provenance line under the key."""
    prov = profile.provenance or {}
    label = str(prov.get("area_label") or "area")
    area_word = label if not label.islower() else label.capitalize()
    bench_name = str((prov.get("benchmark") or {}).get("name") or "England")
    borough_name = str((prov.get("borough") or {}).get("name") or "the borough")
    out: list[str] = []
    y = 12.0
    heading = f"{profile.area_name or profile.area_code} ({profile.area_code})" if title is None else title
    if heading:
        for line in wrap(heading, WIDTH - 24, 18, max_lines=2, bold=True):
            y += 22
            out.append(_text(12, y, line, 18, weight="bold"))
        y += 8
    y = _header(out, y, area_word, bench_name, borough_name)
    for number, row in enumerate(profile.rows, start=1):
        _row(out, y, number, row, shade=number % 2 == 0)
        y += ROW_H
    out.append(_line(12, y, WIDTH - 12, y, RULE, 1))
    y = _key(out, y + 14, label, bench_name, profile)
    if notes:
        y = _notes(out, y + 6, profile, prov)
    height = int(round(y + 12))
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{WIDTH}" height="{height}" '
            f'viewBox="0 0 {WIDTH} {height}" font-family="{FONT}">')
    background = f'<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>'
    return "\n".join([head, f"<title>{_esc(_page_title(profile))}</title>", background, *out, "</svg>"]) + "\n"


def profile_svgs(profiles: Iterable[AreaProfile], **options) -> dict[str, str]:
    """One SVG per area, keyed by area code (options as for profile_svg)."""
    return {p.area_code: profile_svg(p, **options) for p in profiles}


# ---------------------------------------------------------------------- parts of the page
def _page_title(profile: AreaProfile) -> str:
    return f"Area profile: {profile.area_name or profile.area_code} ({profile.area_code})"


def _header(out: list[str], y: float, area_word: str, bench_name: str, borough_name: str) -> float:
    heads = {"indicator": "Indicator", "value": area_word, "borough": "Borough", "benchmark": bench_name,
             "rank": "Rank in borough", "spine": f"Where the {area_word.lower()} sits among {borough_name}'s "
             f"{area_word.lower()}s", "spark": "Trend"}
    lines = {k: wrap(v, COLS[k][1] - COLS[k][0], HEAD_SIZE, max_lines=2, bold=True) for k, v in heads.items()}
    height = 14 + 14 * max(len(v) for v in lines.values())
    for key, texts in lines.items():
        left, right = COLS[key]
        anchor, x = ("end", right) if key in ("value", "borough", "benchmark") else \
            ("middle", (left + right) / 2) if key in ("rank", "spine", "spark") else ("start", left)
        for i, text in enumerate(texts):
            out.append(_text(x, y + 15 + 14 * i, text, HEAD_SIZE, weight="bold", anchor=anchor))
    y += height
    out.append(_line(12, y, WIDTH - 12, y, INK, 1.2))
    return y


def _row(out: list[str], y: float, number: int, row: ProfileRow, shade: bool) -> None:
    out.append(f'<g id="row-{number}">')
    out.append(f"<title>{_esc(row.title)}</title>")
    if shade:
        out.append(f'<rect x="12" y="{y:.1f}" width="{WIDTH - 24}" height="{ROW_H}" fill="{SHADE}"/>')
    left, right = COLS["indicator"]
    title_lines = wrap(row.title, right - left, TITLE_SIZE, max_lines=2)
    for i, line in enumerate(title_lines):
        out.append(_text(left, y + 19 + 17 * i, line, TITLE_SIZE, fill=INK))
    unit = f"{row.unit or ''}{', ' if row.unit and row.period else ''}{row.period or ''}"
    if unit:
        unit_line = wrap(unit, right - left, UNIT_SIZE, max_lines=1)[0]
        out.append(_text(left, y + (51 if len(title_lines) == 2 else 36), unit_line, UNIT_SIZE, fill=GREY))
    for key, text in (("value", row.value_text), ("borough", row.borough_text), ("benchmark", row.benchmark_text)):
        col_l, col_r = COLS[key]
        out.append(_fitted(col_r, y + 33, text, NUMBER_SIZE, col_r - col_l, anchor="end",
                           weight="bold" if key == "value" else None, fill=INK if text != "n/a" else GREY))
    col_l, col_r = COLS["rank"]
    rank = f"{row.rank} of {row.rank_of}" if row.rank is not None else "–"
    out.append(_fitted((col_l + col_r) / 2, y + 33, rank, NUMBER_SIZE - 1, col_r - col_l, anchor="middle",
                       fill=INK if row.rank is not None else GREY))
    _spine(out, y, row)
    _spark(out, y, row)
    out.append("</g>")


def _spine(out: list[str], y: float, row: ProfileRow) -> None:
    left, right = COLS["spine"]
    mid = y + 24
    if not row.spine:
        out.append(_text((left + right) / 2, y + 33, "not available", KEY_SIZE, anchor="middle", fill=GREY,
                         style="italic"))
        return
    spread = row.spine
    points = [spread["min"], spread["max"]]
    points += [v for v in (row.comparator, row.value) if v is not None]
    england = row.benchmark_value if row.benchmark_comparable else None
    if england is not None:
        points.append(england)
    lo, hi = min(points), max(points)
    if hi == lo:
        lo, hi = (lo - 1, hi + 1) if lo == 0 else (lo - abs(lo) * 0.1, hi + abs(hi) * 0.1)
    margin = (hi - lo) * 0.05
    lo, hi = lo - margin, hi + margin

    def x_of(value: float) -> float:
        return left + (value - lo) / (hi - lo) * (right - left)

    bar_l, bar_r = x_of(spread["min"]), x_of(spread["max"])
    out.append(f'<rect x="{bar_l:.1f}" y="{mid - 6:.1f}" width="{max(bar_r - bar_l, 1):.1f}" height="12" '
               f'fill="{BAR}"/>')
    q1, q3 = x_of(spread["q1"]), x_of(spread["q3"])
    out.append(f'<rect x="{q1:.1f}" y="{mid - 6:.1f}" width="{max(q3 - q1, 1):.1f}" height="12" fill="{BAND}"/>')
    if row.comparator is not None:
        cx = x_of(row.comparator)
        out.append(_line(cx, mid - 10, cx, mid + 10, INK, 2))
    if row.value is not None:
        colour = {"better": BETTER, "worse": WORSE}.get(row.comparison, NEUTRAL)
        out.append(f'<circle cx="{x_of(row.value):.1f}" cy="{mid:.1f}" r="6.5" fill="{colour}" stroke="#ffffff" '
                   'stroke-width="1"/>')
    if england is not None:  # drawn last and hollow, so it shows even where it falls on the area's circle
        _diamond(out, x_of(england), mid)
    # the borough's lowest and highest values under the ends of the bar, when both fit without touching
    low, high = _short(spread["min"], row.kind), _short(spread["max"], row.kind)
    if text_width(low, SMALL_SIZE) + text_width(high, SMALL_SIZE) + 6 <= bar_r - bar_l + 20:
        out.append(_text(max(bar_l, left), y + 49, low, SMALL_SIZE, anchor="start", fill=GREY))
        out.append(_text(min(bar_r, right), y + 49, high, SMALL_SIZE, anchor="end", fill=GREY))


def _spark(out: list[str], y: float, row: ProfileRow) -> None:
    left, right = COLS["spark"]
    marked = bool(row.recent_trend)
    if marked:  # the recent trend marker on the row's last line, under the period labels
        symbol = marker_symbol(row.recent_trend)
        colour = WORSE if symbol.endswith("worse") else BETTER if symbol.endswith("better") else \
            INK if symbol[:1] in "↑↓" else GREY
        out.append(_fitted((left + right) / 2, y + 50, symbol, SMALL_SIZE, right - left, anchor="middle",
                           fill=colour))
    known = [(i, v) for i, (_, v) in enumerate(row.series) if v is not None]
    if len(row.series) < 2 or len(known) < 2:
        return
    top, bottom, labels = (y + 6, y + 24, y + 36) if marked else (y + 9, y + 34, y + 49)
    values = [v for _, v in known]
    lo, hi = min(values), max(values)
    span = hi - lo or 1.0
    n = len(row.series) - 1

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + i / n * (right - left), bottom - (v - lo) / span * (bottom - top)

    coords = " ".join(f"{px:.1f},{py:.1f}" for px, py in (xy(i, v) for i, v in known))
    out.append(f'<polyline points="{coords}" fill="none" stroke="{INK}" stroke-width="1.4" '
               'stroke-linejoin="round"/>')
    lx, ly = xy(*known[-1])
    out.append(f'<circle cx="{lx:.1f}" cy="{ly:.1f}" r="2.5" fill="{INK}"/>')
    first, last = row.series[0][0], row.series[-1][0]
    if text_width(first, SMALL_SIZE) + text_width(last, SMALL_SIZE) + 6 <= right - left:
        out.append(_text(left, labels, first, SMALL_SIZE, anchor="start", fill=GREY))
    out.append(_text(right, labels, last, SMALL_SIZE, anchor="end", fill=GREY))


def _key(out: list[str], y: float, label: str, bench_name: str, profile: AreaProfile) -> float:
    """The key under the table: the spine's marks, then the notes on *, ranks and n/a."""
    out.append(_text(12, y + 14, "Key", 13, weight="bold"))
    y += 22
    plural = f"{label}s"
    items = [
        ("bar", f"Range of the borough's {plural}: lowest to highest value (printed under the bar)"),
        ("band", f"Middle half of the borough's {plural} (25th to 75th percentile)"),
        ("line", f"Borough value (for counts: the borough's average per {label})"),
        ("diamond", f"{bench_name} value (not drawn for counts: a national total is on another scale)"),
        ("better", f"This {label}: better than the borough (counts of people: significantly, as a share of the "
                   "people counted among, 95% Wilson interval; rates with numerators: significantly, exact Poisson "
                   "below 10 events, Byar from 10)"),
        ("worse", f"This {label}: worse than the borough (significantly, likewise)"),
        ("neutral", "No judgement: neutral indicator, equal to the borough, or not significantly different"),
        ("spark", f"Trend: the {label}'s value in each period (first and last period labelled)"),
    ]
    column_w, size = (WIDTH - 24) / 2, KEY_SIZE
    for i in range(0, len(items), 2):
        heights = []
        for j, (mark, text) in enumerate(items[i:i + 2]):
            x = 12 + j * column_w
            _mark(out, x, y + 6, mark)
            lines = wrap(text, column_w - 44, size)
            for k, line in enumerate(lines):
                out.append(_text(x + 36, y + 10 + 14 * k, line, size, fill=INK))
            heights.append(14 * len(lines))
        y += max(heights) + 6
    n = max((r.rank_of for r in profile.rows), default=0)
    remarks = [
        "* Some of the small areas behind this value are missing or suppressed; the value uses the rest "
        "(see the notes).",
        f"Rank: 1 = most in need among the {n} {plural} of the borough with a value - the highest value where high "
        "is bad, the lowest where high is good (for neutral indicators, 1 = highest). Ties share a rank.",
        "n/a: not available - the notes say why (e.g. ranks and scores cannot be combined into ward values).",
    ]
    if any(r.recent_trend for r in profile.rows):
        remarks.append("Under a sparkline, the recent trend (OHID Fingertips trend marker: chi-squared test for trend "
                       "over the last five yearly values, at 99.8%): ↑ / ↓ a significant increase / decrease, better "
                       "or worse by the indicator's polarity; no sig. change: not significant; –: could not be "
                       "calculated (the notes say why, e.g. monthly data or no confidence intervals).")
    for remark in remarks:
        for line in wrap(remark, WIDTH - 24, size):
            y += 14
            out.append(_text(12, y, line, size, fill=INK))
    return y + 6


def _mark(out: list[str], x: float, y: float, mark: str) -> None:
    """One key symbol, about 28 x 12 px, centred on y."""
    if mark == "bar":
        out.append(f'<rect x="{x:.1f}" y="{y - 6:.1f}" width="28" height="12" fill="{BAR}"/>')
    elif mark == "band":
        out.append(f'<rect x="{x:.1f}" y="{y - 6:.1f}" width="28" height="12" fill="{BAND}"/>')
    elif mark == "line":
        out.append(_line(x + 14, y - 9, x + 14, y + 9, INK, 2))
    elif mark == "diamond":
        _diamond(out, x + 14, y)
    elif mark in ("better", "worse", "neutral"):
        colour = {"better": BETTER, "worse": WORSE, "neutral": NEUTRAL}[mark]
        out.append(f'<circle cx="{x + 14:.1f}" cy="{y:.1f}" r="6.5" fill="{colour}"/>')
    elif mark == "spark":
        out.append(f'<polyline points="{x:.1f},{y + 5:.1f} {x + 8:.1f},{y - 2:.1f} {x + 16:.1f},{y + 2:.1f} '
                   f'{x + 26:.1f},{y - 5:.1f}" fill="none" stroke="{INK}" stroke-width="1.4"/>')
        out.append(f'<circle cx="{x + 26:.1f}" cy="{y - 5:.1f}" r="2.5" fill="{INK}"/>')


def _diamond(out: list[str], x: float, y: float) -> None:
    """The benchmark's mark: a hollow diamond with a white halo, readable on the bar and over the area's circle."""
    points = f"{x:.1f},{y - 8:.1f} {x + 7:.1f},{y:.1f} {x:.1f},{y + 8:.1f} {x - 7:.1f},{y:.1f}"
    out.append(f'<polygon points="{points}" fill="none" stroke="#ffffff" stroke-width="3.5"/>')
    out.append(f'<polygon points="{points}" fill="none" stroke="{INK}" stroke-width="1.6"/>')


def derivation_notes(profile: AreaProfile) -> list[str]:
    """One numbered note per row saying how its values were made (for the page's notes). The rank sentence
    is left out: the key under the table explains ranks once for every row."""
    notes = []
    for number, row in enumerate(profile.rows, start=1):
        made = row.derivation.split(" Rank ")[0].removesuffix(" Not ranked.")
        notes.append(f"{number}. {row.title}: {made}")
    return notes


def _notes(out: list[str], y: float, profile: AreaProfile, prov: dict) -> float:
    """Numbered notes: how each row's values were derived; then where the numbers come from."""
    out.append(_text(12, y + 14, "How the values were derived", 13, weight="bold"))
    y += 16
    for note in derivation_notes(profile):
        lines = wrap(note, WIDTH - 24, NOTE_SIZE)
        for line in lines:
            y += 14
            out.append(_text(12, y, line, NOTE_SIZE, fill=INK))
        y += 2
    checksum = str(prov.get("store_checksum") or "")
    footer = (f"Made by {prov.get('tool', 'LIS Workbench')} on {prov.get('created_at', '')} from store "
              f"{_basename(str(prov.get('store', '')))}" + (f" (checksum {checksum[:12]})" if checksum else "")
              + ". Sources: " + "; ".join(sorted({str(v.get('source')) for v in
                                                  (prov.get("indicators") or {}).values() if v.get("source")})))
    for line in wrap(footer, WIDTH - 24, SMALL_SIZE):
        y += 13
        out.append(_text(12, y, line, SMALL_SIZE, fill=GREY))
    return y


# ---------------------------------------------------------------------- SVG helpers
def _esc(text: str) -> str:
    return escape(_CONTROL.sub("", str(text)), quote=False)


def _text(x: float, y: float, text: str, size: float, *, anchor: str = "start", weight: str | None = None,
          fill: str = INK, style: str | None = None) -> str:
    attrs = f'x="{x:.1f}" y="{y:.1f}" font-size="{size:g}px" fill="{fill}"'
    if anchor != "start":
        attrs += f' text-anchor="{anchor}"'
    if weight:
        attrs += f' font-weight="{weight}"'
    if style:
        attrs += f' font-style="{escape(style)}"'
    return f"<text {attrs}>{_esc(text)}</text>"


def _fitted(x: float, y: float, text: str, size: float, width: float, **options) -> str:
    """Text shrunk (down to 8 px) until it fits its column."""
    bold = options.get("weight") == "bold"
    while size > 8 and text_width(text, size, bold) > width - 4:
        size -= 0.5
    return _text(x, y, text, size, **options)


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, width: float) -> str:
    return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
            f'stroke-width="{width:g}"/>')


def _short(value: float, kind: str) -> str:
    return format_value(value, kind)


def _basename(path: str) -> str:
    return re.split(r"[\\/]", path)[-1]

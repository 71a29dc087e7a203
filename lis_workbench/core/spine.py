"""The profile table of one area as an SVG picture (pure Python): Indicator | area value | Borough | England |
Rank | spine chart | trend sparkline with its Fingertips recent trend marker under it ("↑ worse", "no sig. change",
"–"), a key, and numbered notes saying how each value was derived.

Drawn for a ~1000 px wide picture placed across A4 portrait (190 mm, so 1 px is 0.19 mm and 13 px, the smallest
text, prints at 7 pt): font 'DejaVu Sans' (the font QGIS ships on every platform), sizes in px, no text overlapping
(titles wrap to two lines, numbers shrink to fit their column, never below 13 px), only plain SVG elements (g,
title, rect, line, circle, polyline, polygon, text with x, y, font-size, font-weight, font-style, text-anchor and
fill; no CSS, no dominant-baseline), which qgis_bridge/svg_painter.py paints as real PDF text. Text widths are
estimated from DejaVu Sans advance widths, so wrapping does not depend on any font being installed here.

Spine chart: a light bar from the borough's lowest to highest area value, a darker band for the middle half
(25th-75th percentile), a black line for the borough value (for counts, the average per area), a diamond for the
England value (not for counts, whose England total is on another scale) and a circle for this area, blue when
better than the borough, vermilion when worse (colour-blind safe, Okabe-Ito), grey when no judgement is made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import escape

from .number_text import format_number, number_style, period_text, unit_text
from .profile import AreaProfile, ProfileRow
from .stats.trend_marker import marker_symbol
from .text_fit import text_width, wrap

FONT = "'DejaVu Sans', sans-serif"
WIDTH = 1000
BETTER, WORSE, NEUTRAL = "#0072B2", "#D55E00", "#999999"
BAR, BAND, INK, GREY, RULE, SHADE = "#e3e3e3", "#a8a8a8", "#1a1a1a", "#595959", "#c8c8c8", "#f4f4f4"
#: columns: (left, right) in px
COLS = {"indicator": (12, 318), "value": (322, 404), "borough": (408, 494), "benchmark": (498, 588),
        "rank": (592, 662), "spine": (674, 872), "spark": (888, 988)}
ROW_H = 62
#: font sizes in px (at 1000 px across A4 portrait, 1 px is 0.19 mm = 0.539 pt: 13 px prints at 7 pt, the least)
TITLE_SIZE, UNIT_SIZE, NUMBER_SIZE, HEAD_SIZE = 15.0, 13.0, 15.0, 13.5
NOTE_SIZE, KEY_SIZE, SMALL_SIZE = 13.0, 13.0, 13.0
SMALLEST = 13.0  # px: 7 pt in print

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def profile_svg(profile: AreaProfile, *, title: str | None = None, notes: bool = True, key: bool = True,
                first_row: int = 1) -> str:
    """The profile table of one area as an SVG document (a string), about 1000 px wide.

    title: the heading above the table (default: the area's name and code; "" for none). notes: add the numbered
    "How the values were derived" list and the provenance line under the key. key: draw the key under the
    table (a table split over pages draws it once, under its last part). first_row: the number of the first
    row (its group id and shading), for a part of a longer table."""
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
    for number, row in enumerate(profile.rows, start=first_row):
        _row(out, y, number, row, shade=number % 2 == 0)
        y += ROW_H
    out.append(_line(12, y, WIDTH - 12, y, RULE, 1))
    if key:
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
    height = 16 + 16 * max(len(v) for v in lines.values())
    for key, texts in lines.items():
        left, right = COLS[key]
        anchor, x = ("end", right) if key in ("value", "borough", "benchmark") else \
            ("middle", (left + right) / 2) if key in ("rank", "spine", "spark") else ("start", left)
        for i, text in enumerate(texts):
            out.append(_text(x, y + 16 + 16 * i, text, HEAD_SIZE, weight="bold", anchor=anchor))
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
        out.append(_text(left, y + 20 + 18 * i, line, TITLE_SIZE, fill=INK))
    unit_words, period = row_unit(row), row.period_text or period_text(row.period)
    unit = f"{unit_words}{', ' if unit_words and period else ''}{period}"
    if unit:
        unit_line = wrap(unit, right - left, UNIT_SIZE, max_lines=1)[0]
        out.append(_text(left, y + (55 if len(title_lines) == 2 else 38), unit_line, UNIT_SIZE, fill=GREY))
    for key, text in (("value", row.value_text), ("borough", row.borough_text), ("benchmark", row.benchmark_text)):
        col_l, col_r = COLS[key]
        out.append(_fitted(col_r, y + 35, text, NUMBER_SIZE, col_r - col_l, anchor="end",
                           weight="bold" if key == "value" else None, fill=INK if text != "n/a" else GREY))
    col_l, col_r = COLS["rank"]
    rank = f"{row.rank} of {row.rank_of}" if row.rank is not None else "–"
    out.append(_fitted((col_l + col_r) / 2, y + 35, rank, NUMBER_SIZE - 1, col_r - col_l, anchor="middle",
                       fill=INK if row.rank is not None else GREY))
    _spine(out, y, row)
    _spark(out, y, row)
    out.append("</g>")


def _spine(out: list[str], y: float, row: ProfileRow) -> None:
    left, right = COLS["spine"]
    mid = y + 26
    if not row.spine:
        out.append(_text((left + right) / 2, y + 35, "not available", KEY_SIZE, anchor="middle", fill=GREY,
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
    # the borough's lowest and highest values under the ends of the bar; a short bar (few areas, close values)
    # has them side by side under its middle, never touching; neither when the column cannot hold both
    low, high = _short(spread["min"], row), _short(spread["max"], row)
    total = text_width(low, SMALL_SIZE) + text_width(high, SMALL_SIZE) + 6
    if total <= bar_r - bar_l:
        start, end = bar_l, bar_r
    else:
        start = min(max((bar_l + bar_r - total) / 2, left), right - total)
        end = start + total
    if total <= right - left:
        out.append(_text(start, y + 53, low, SMALL_SIZE, anchor="start", fill=GREY))
        out.append(_text(end, y + 53, high, SMALL_SIZE, anchor="end", fill=GREY))


def _spark(out: list[str], y: float, row: ProfileRow) -> None:
    left, right = COLS["spark"]
    marked = bool(row.recent_trend)
    if marked:  # the recent trend marker on the row's last line, under the period labels
        symbol = marker_symbol(row.recent_trend)
        colour = WORSE if symbol.endswith("worse") else BETTER if symbol.endswith("better") else \
            INK if symbol[:1] in "↑↓" else GREY
        out.append(_fitted((left + right) / 2, y + 56, symbol, SMALL_SIZE, right - left, anchor="middle",
                           fill=colour))
    known = [(i, v) for i, (_, v) in enumerate(row.series) if v is not None]
    if len(row.series) < 2 or len(known) < 2:
        return
    top, bottom, labels = (y + 6, y + 24, y + 39) if marked else (y + 9, y + 34, y + 53)
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
    first, last = period_text(row.series[0][0]), period_text(row.series[-1][0])
    if text_width(first, SMALL_SIZE) + text_width(last, SMALL_SIZE) + 6 <= right - left:
        out.append(_text(left, labels, first, SMALL_SIZE, anchor="start", fill=GREY))
    out.append(_text(right, labels, last, SMALL_SIZE, anchor="end", fill=GREY))


def _key(out: list[str], y: float, label: str, bench_name: str, profile: AreaProfile) -> float:
    """The key under the table: the spine's marks, then what *, ranks, n/a and the trend marker mean, in short
    (the methods say how each comparison is tested)."""
    out.append(_text(12, y + 15, "Key", 15, weight="bold"))
    y += 24
    plural = f"{label}s"
    items = [
        ("bar", f"Range of the borough's {plural} (lowest to highest value)"),
        ("band", f"Middle half of the borough's {plural} (25th-75th percentile)"),
        ("line", f"Borough value (for counts: the average per {label})"),
        ("diamond", f"{bench_name} value (not drawn for counts)"),
        ("better", f"This {label}: better than the borough (tested where possible)"),
        ("worse", f"This {label}: worse than the borough (tested where possible)"),
        ("neutral", "No judgement: neutral, or no significant difference"),
        ("spark", f"Trend: the {label}'s value in each period"),
    ]
    column_w, size = (WIDTH - 24) / 2, KEY_SIZE
    for i in range(0, len(items), 2):
        heights = []
        for j, (mark, text) in enumerate(items[i:i + 2]):
            x = 12 + j * column_w
            _mark(out, x, y + 6, mark)
            lines = wrap(text, column_w - 44, size)
            for k, line in enumerate(lines):
                out.append(_text(x + 36, y + 11 + 16 * k, line, size, fill=INK))
            heights.append(16 * len(lines))
        y += max(heights) + 6
    n = max((r.rank_of for r in profile.rows), default=0)
    remarks = [
        "* Made from only some of its small areas (the others missing or suppressed). n/a: not available (the "
        "methods say why).",
        f"Rank: 1 = most in need of the {n} {plural} with a value (neutral indicators: the highest); ties share a "
        "rank.",
    ]
    if any(r.recent_trend for r in profile.rows):
        remarks.append("Under a trend line, the recent trend (Fingertips method): ↑ / ↓ a significant rise / fall, "
                       "coloured better or worse; no sig. change; – not calculated.")
    for remark in remarks:
        for line in wrap(remark, WIDTH - 24, size):
            y += 16
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
    out.append(_text(12, y + 15, "How the values were derived", 15, weight="bold"))
    y += 18
    for note in derivation_notes(profile):
        lines = wrap(note, WIDTH - 24, NOTE_SIZE)
        for line in lines:
            y += 16
            out.append(_text(12, y, line, NOTE_SIZE, fill=INK))
        y += 2
    checksum = str(prov.get("store_checksum") or "")
    footer = (f"Made by {prov.get('tool', 'LIS Workbench')} on {prov.get('created_at', '')} from store "
              f"{_basename(str(prov.get('store', '')))}" + (f" (checksum {checksum[:12]})" if checksum else "")
              + ". Sources: " + "; ".join(sorted({str(v.get('source')) for v in
                                                  (prov.get("indicators") or {}).values() if v.get("source")})))
    for line in wrap(footer, WIDTH - 24, SMALL_SIZE):
        y += 16
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
    """Text shrunk (down to SMALLEST, 7 pt in print) until it fits its column."""
    bold = options.get("weight") == "bold"
    while size > SMALLEST and text_width(text, size, bold) > width - 4:
        size -= 0.5
    return _text(x, y, text, size, **options)


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, width: float) -> str:
    return (f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}" '
            f'stroke-width="{width:g}"/>')


def row_style(row: ProfileRow) -> str:
    """How the row's numbers are printed (core.number_text), also for rows made before the style was kept."""
    return row.number_style or number_style(row.kind, row.unit)


def row_unit(row: ProfileRow) -> str:
    """The row's unit as printed beside its numbers ("% of households" for a proportion shown as %)."""
    return row.unit_text or unit_text(row.unit, row_style(row))


def _short(value: float, row: ProfileRow) -> str:
    return format_number(value, row_style(row))


def _basename(path: str) -> str:
    return re.split(r"[\\/]", path)[-1]

"""The two page types made many times: an area's profile (its table, the spine chart with the table as its text,
trends in words, how each value was made) and an indicator's page (the text alternative, the map with an HTML
key, the table and its CSV). Both take the profile study's rows, so a page, its chart and its CSV agree."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..classify import Classification
from ..number_text import format_number, period_text
from ..profile import AreaProfile, ProfileRow
from ..spine import derivation_notes, profile_svg
from .layout import Site, esc, page, paragraphs, table
from .svg_map import MapColours, swatch
from .words import (
    AreaValue,
    comparison_words,
    indicator_summary,
    plural,
    polarity_words,
    profile_summary,
    shown_value,
    tested,
    trend_words,
    withheld,
)

_ROOT = re.compile(r"<svg\b[^>]*>")
_TITLE = re.compile(r"<title>.*?</title>", re.DOTALL)


@dataclass
class MapPicture:
    """An indicator's map as the page shows it: the SVG, its classes, colours and each area's class."""

    svg: str
    classification: Classification | None
    colours: MapColours
    classes: dict[str, int]  # area code -> class index (-1: no data)
    labels: list[str]  # one per class, in the indicator's number style


# ---------------------------------------------------------------------- the area profile
def ward_page(site: Site, file: str, profile: AreaProfile, indicator_files: Mapping[str, str]) -> str:
    """One area's profile page: summary, table, spine chart (the table is its text), trends, notes."""
    prov = profile.provenance or {}
    label = str(prov.get("area_label") or "area")
    name = profile.area_name or profile.area_code
    borough = site.borough
    bench = str((prov.get("benchmark") or {}).get("name") or "England")
    rows = profile.rows
    body = [f"<h1>{esc(name)} {esc(label)} profile</h1>",
            f'<p class="lead">How {esc(name)} ({esc(label)} {esc(profile.area_code)}) compares with {esc(borough)} '
            f"and {esc(bench)} on {len(rows)} {plural('indicator', len(rows))}.</p>",
            "<h2>Summary</h2>", paragraphs([profile_summary(rows, name, borough)])]
    body.append("<h2>The figures</h2>")
    body.append(paragraphs([f"Rank 1 is the {label} most in need among {borough}'s {plural(label, 2)}: the highest "
                            "value where a higher value is worse, the lowest where a higher value is better (for "
                            "indicators where neither is better, the highest). Values marked * leave out some "
                            "small areas with no value; the notes below say which."]))
    body.append(_profile_table(profile, name, borough, bench, indicator_files))
    body.append("<h2>Chart</h2>")
    body.append(_spine_figure(profile, name, borough))
    trends = [(r, trend_words(r)) for r in rows]
    trends = [(r, t) for r, t in trends if t]
    if trends:
        body.append("<h2>Trends</h2>")
        body.append("<ul>\n" + "\n".join(f"<li><strong>{esc(r.title)}</strong>: {esc(t)}</li>" for r, t in trends)
                    + "\n</ul>")
        for number, (row, _) in enumerate(trends, start=1):
            body.append(_series_details(row, name, number))
    body.append("<h2>How the values were made</h2>")
    notes = [re.sub(r"^\d+\.\s*", "", n) for n in derivation_notes(profile)]
    items = []
    for note, row in zip(notes, rows):
        extra = f" Comparison with {borough}: {row.significance}" if row.significance else ""
        items.append(f"<li>{esc(note + extra)}</li>")
    body.append("<ol>\n" + "\n".join(items) + "\n</ol>")
    body.append('<p>The <a href="methods.html">methods page</a> explains the comparisons, ranks and sources.</p>')
    title = f"{name} {label} profile"
    return page(site, file, title, "\n".join(body),
                description=f"Area profile of {name} ({label}, {borough}): indicators compared with {borough} and "
                            f"{bench}.")


def _profile_table(profile: AreaProfile, name: str, borough: str, bench: str,
                   indicator_files: Mapping[str, str]) -> str:
    rows = profile.rows
    with_trend = any(r.recent_trend for r in rows)
    head = [("Indicator", ""), ("Period", ""), (esc(name), "num"), (esc(borough), "num"), (esc(bench), "num"),
            (f"Rank in {esc(borough)}", "num"), (f"Compared with {esc(borough)}", "")]
    if with_trend:
        head.append(("Recent trend", ""))
    out = []
    for row in rows:
        target = indicator_files.get(row.indicator)
        title = f'<a href="{esc(target)}">{esc(row.title)}</a>' if target else esc(row.title)
        unit = f'<span class="unit">{esc(row.unit_text or row.unit or "")}</span>' if (row.unit_text or row.unit) \
            else ""
        rank = f"{row.rank} of {row.rank_of}" if row.rank is not None else "not ranked"
        verdict = comparison_words(row, borough)
        css = row.comparison if tested(row) and row.comparison in ("worse", "better") else ""
        cells = [(title + unit, ""), (esc(row.period_text or period_text(row.period)), ""),
                 (esc(shown_value(row)), "num"), (esc(row.borough_text), "num"), (esc(row.benchmark_text), "num"),
                 (esc(rank), "num"), (esc(verdict), css)]
        if with_trend:
            trend = row.recent_trend or ("one period only" if len(row.series) < 2 else "not available")
            cells.append((esc(trend), ""))
        out.append(cells)
    return table("profile", f"{name} compared with {borough} and {bench}", head, out, wide=True)


def _spine_figure(profile: AreaProfile, name: str, borough: str) -> str:
    svg = profile_svg(profile, title="", notes=False)
    desc = (f"Spine chart: for each indicator, a bar from the lowest to the highest value among {borough}'s areas, "
            f"a darker band for the middle half, a line for {borough} and a circle for {name}, blue when better "
            "and orange when worse than the borough. Every value in the chart is in the table 'The figures' "
            "above.")
    return ("<figure>\n" + accessible_svg(svg, "spine", f"Spine chart of {name}'s indicators", desc)
            + f"\n<figcaption>{esc(name)} (circles) among {esc(borough)}'s areas (bars) on each indicator. The "
              "same figures are in the table above.</figcaption>\n</figure>")


def accessible_svg(svg: str, ident: str, title: str, desc: str) -> str:
    """An SVG picture made for print, ready to sit in a page: role="img" named by its title and described by
    `desc`, sized by CSS (its width and height attributes dropped, its viewBox kept)."""
    svg = re.sub(r"<\?xml[^>]*\?>\s*", "", svg)
    root = _ROOT.search(svg)
    if root is None:
        return ""
    tag = re.sub(r'\s(width|height|xmlns(:\w+)?|version)="[^"]*"', "", root.group(0))  # inline: HTML's namespace
    tag = tag.replace("<svg", f'<svg class="chart" role="img" aria-labelledby="{ident}-title {ident}-desc" '
                              'focusable="false"', 1)
    rest = svg[root.end():]
    named = f'<title id="{ident}-title">{esc(title)}</title><desc id="{ident}-desc">{esc(desc)}</desc>'
    first = _TITLE.search(rest)
    if first is not None and not rest[:first.start()].strip():
        rest = rest[first.end():]
    return svg[:root.start()] + tag + named + rest


def _series_details(row: ProfileRow, name: str, number: int) -> str:
    """Every period's value behind a sparkline, folded away until asked for."""
    rows = [[(esc(period_text(p)), ""), (esc(format_number(v, row.number_style)), "num")] for p, v in row.series]
    return (f"<details>\n<summary>Every period: {esc(row.title)}</summary>\n"
            + table(f"series-{number}", f"{row.title}: {name} by period",
                    [("Period", ""), (esc(name), "num")], rows) + "\n</details>")


# ---------------------------------------------------------------------- the indicator page
def indicator_page(site: Site, file: str, entry: Mapping, areas: Sequence[AreaValue], picture: MapPicture,
                   csv_file: str, csv_size: int, area_files: Mapping[str, str], label: str) -> str:
    """One indicator's page: what it is, the text alternative, the map and its key, the table and its CSV."""
    borough = site.borough
    first = areas[0].row if areas else None
    title = str(entry.get("title") or entry.get("id"))
    period = first.period_text if first is not None else ""
    unit = (first.unit_text if first is not None else "") or str(entry.get("unit") or "")
    words = indicator_summary(areas, borough, label)
    lead = f"By {label} in {borough}" + (f", {period}" if period else "") + (f". Unit: {unit}" if unit else "") + "."
    body = [f"<h1>{esc(title)}</h1>", f'<p class="lead">{esc(lead)} {esc(polarity_words(entry.get("polarity")))}</p>',
            "<h2>In words</h2>", paragraphs(words)]
    if first is not None:
        body.append(f'<p class="meta">{esc(borough)}: {esc(first.borough_text)}. England: '
                    f"{esc(first.benchmark_text)}.</p>")
    body.append("<h2>Map</h2>")
    body.append(f'<figure>\n<div class="map-box">{picture.svg}</div>\n<figcaption>{esc(title)} by {esc(label)}'
                f"{', ' + esc(period) if period else ''}. Names are shown where they fit; move the pointer over an "
                "area to see its name and value. Every value is also in the table below.</figcaption>\n</figure>")
    body.append(_legend(picture, unit, entry.get("polarity"), label, len(areas)))
    body.append("<h2>Table</h2>")
    body.append(_indicator_table(areas, title, period, borough, label, picture, area_files))
    size = f"{csv_size / 1024:.0f} KB" if csv_size >= 1024 else f"{csv_size} bytes"
    body.append(f'<p><a class="download" href="{esc(csv_file)}" download>Download this table as a CSV file '
                f"({esc(csv_file)}, {size})</a>. It holds the same values, unrounded.</p>")
    body.append("<h2>About these figures</h2>")
    body.append(_about(entry, areas, borough, label))
    return page(site, file, f"{title} by {label}", "\n".join(body),
                description=" ".join(words))


def _legend(picture: MapPicture, unit: str, polarity: object, label: str, n: int) -> str:
    darker = {"high_is_bad": "Darker colours are worse (higher values).",
              "high_is_good": "Darker colours are worse (lower values)."}.get(str(polarity),
                                                                          "Darker colours are higher values.")
    counts: dict[int, int] = {}
    for cls in picture.classes.values():
        counts[cls] = counts.get(cls, 0) + 1
    items = []
    for cls in range(len(picture.labels)):  # lowest values first
        k = counts.get(cls, 0)
        items.append(f"<li>{swatch(picture.colours.colours[cls])}<span>{esc(picture.labels[cls])} "
                     f"({k} {plural(label, k)})</span></li>")
    missing = counts.get(-1, 0)
    items.append(f"<li>{swatch(None, 'legend')}<span>No data or withheld, hatched ({missing} "
                 f"{plural(label, missing)})</span></li>")
    heading = "Key" + (f" ({unit})" if unit else "")
    method = ("Classes hold about equal numbers of areas (quantiles)." if picture.classification is not None
              else "No area has a value, so the map has no classes.")
    return (f"<h3>{esc(heading)}</h3>\n<p>{esc(darker)} {esc(method)}</p>\n"
            f'<ul class="legend">\n' + "\n".join(items) + "\n</ul>")


def _indicator_table(areas: Sequence[AreaValue], title: str, period: str, borough: str, label: str,
                     picture: MapPicture, area_files: Mapping[str, str]) -> str:
    head = [(esc(label.capitalize()), ""), ("Value", "num"), (f"Rank in {esc(borough)}", "num"),
            (f"Compared with {esc(borough)}", ""), ("Map class", "")]
    rows = []
    for area in areas:
        row = area.row
        target = area_files.get(area.code)
        name = f'<a href="{esc(target)}">{esc(area.name)}</a>' if target else esc(area.name)
        cls = picture.classes.get(area.code, -1)
        class_text = picture.labels[cls] if 0 <= cls < len(picture.labels) else "no data"
        css = row.comparison if tested(row) and row.comparison in ("worse", "better") else ""
        rows.append([(name, ""), (esc(shown_value(row)), "num"),
                     (esc(f"{row.rank} of {row.rank_of}" if row.rank is not None else "not ranked"), "num"),
                     (esc(comparison_words(row, borough)), css), (esc(class_text), "")])
    caption = f"{title} by {label}" + (f", {period}" if period else "")
    return table("values", caption, head, rows)


def _about(entry: Mapping, areas: Sequence[AreaValue], borough: str, label: str) -> str:
    first = areas[0].row if areas else None
    texts = [f"Source: {entry.get('source') or 'not recorded'}. Licence: {entry.get('licence') or 'not recorded'}."]
    if first is not None:
        example = next((a for a in areas if a.row.value is not None), areas[0])
        texts.append(f"{label.capitalize()} values: for example {example.name}: {example.row.method}.")
        texts.append(f"{borough}: {first.borough_method}. England: {first.benchmark_method}.")
        if first.kind == "count":
            texts.append(f"This is a count, so each {label} is compared with {borough}'s average per {label}; where "
                         "the count is of people, the test compares their share of the population with "
                         f"{borough}'s share.")
    held = [a for a in areas if withheld(a.row)]
    if held:
        texts.append(f"{len(held)} {plural(label, len(held))} withheld under the store's small-number rule: "
                     f"{held[0].row.method}.")
    if entry.get("notes"):
        texts.append(f"Notes from the catalogue: {entry['notes']}")
    return paragraphs(texts) + '\n<p>See <a href="methods.html">how the figures are made</a>.</p>'


def class_labels(classification: Classification, style: str) -> list[str]:
    """Each class's range in the indicator's number style ("4.1% to 5.0%"), with more decimals when two classes
    would otherwise read the same."""
    intervals = classification.intervals()
    for extra in range(0, 4):
        labels = [f"{_fmt(lo, style, extra)} to {_fmt(hi, style, extra)}" if lo != hi else _fmt(hi, style, extra)
                  for lo, hi in intervals]
        if len(set(labels)) == len(labels):
            return labels
    return labels


def _fmt(value: float, style: str, extra: int) -> str:
    if extra == 0:
        return format_number(value, style)
    if style == "proportion":
        return f"{value * 100:.{1 + extra}f}%"
    if style == "percent":
        return f"{value:.{1 + extra}f}%"
    return f"{value:,.{extra + 1}f}"

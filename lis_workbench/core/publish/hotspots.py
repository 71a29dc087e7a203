"""The website's hot and cold spots page of an indicator: the hotspot study (core.hotspot_study: Getis-Ord Gi*, its
defaults, categories, colours and words by polarity, so a cluster of need is the warm colour) run on the store's
small areas, drawn as an inline SVG map with the site's areas outlined, a key in HTML, a summary in words made from
the counts, a table of every area and its CSV."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..clusters import Analysis
from ..geography import aggregation_kind, area_label
from ..hotspot_study import (
    CONFIDENCES,
    CORRECTION_WORDS,
    STATISTIC_NAME,
    ClusterClass,
    HotspotStudy,
    analysis_words,
    cluster_style,
    need_side,
    run_hotspot_study,
)
from ..number_text import format_number, number_style, period_text
from ..suppression import apply as apply_rule
from ..weights_cache import WeightsCache
from .layout import Site, esc, page, paragraphs, table
from .svg_map import category_svg, layered_shapes, swatch
from .words import join_names, plural, polarity_words

#: As `lis hotspot`'s defaults: 999 conditional permutations, seed 12345 (the same seed, the same page).
PERMUTATIONS = 999
SEED = 12345


@dataclass
class HotspotPage:
    """One indicator's hotspot result as the page and its CSV show it."""

    indicator: str
    entry: dict
    period: str
    table: pd.DataFrame  # area_code, area_name, <label>, period, value, value_as_shown, gi_z, gi_p, gi_cluster, meaning
    classes: list[ClusterClass]
    counts: dict[str | None, int]
    words: list[str]
    svg: str
    method: str
    notes: list[str] = field(default_factory=list)


def hotspot_page_data(store, indicator: str, *, label: str, site_geography: str, lookup: str | None,
                      site_areas: Mapping[str, tuple[str, bytes]], rule=None, permutations: int = PERMUTATIONS,
                      seed: int = SEED, cache: WeightsCache | None = None,
                      progress: Callable[[float, str], None] | None = None,
                      cancelled: Callable[[], bool] | None = None) -> HotspotPage:
    """Test the indicator for hot and cold spots (Gi*, the study's defaults but `permutations` and `seed`) and
    make the page's pieces; site_areas: the site's areas (code -> (name, WKB)), drawn as outlines and named."""
    spec = Analysis(statistic="gistar", permutations=permutations, seed=seed)
    done = run_hotspot_study(store, HotspotStudy(indicator, None, spec), progress=progress, cancelled=cancelled,
                             cache=cache)
    entry = done.entry
    polarity = entry.get("polarity")
    classes = cluster_style("gistar", polarity)
    known = {c.value for c in classes if c.value is not None}
    frame = done.table.copy()
    frame["gi_cluster"] = [c if isinstance(c, str) and c in known else None for c in frame["gi_cluster"]]
    style = number_style(aggregation_kind(entry.get("value_type"), entry.get("unit")), entry.get("unit"),
                         entry.get("value_type"))
    shown, notes = _published_values(store, entry, frame, rule)
    frame["value_as_shown"] = [format_number(v, style) if v == v else ("withheld" if s == 1 else "no data")
                               for v, s in zip(shown["value"], shown["suppressed"])]
    frame["value"] = shown["value"]
    geography = str(entry.get("geography") or "")
    ward_of = best_fit(store, geography, site_geography, lookup) or within(
        dict(zip(done.table["area_code"].astype(str), done.table["geometry"])),
        {code: wkb for code, (_, wkb) in site_areas.items()})
    names = {code: name for code, (name, _) in site_areas.items()}
    frame[label] = [names.get(ward_of.get(code, ""), "") for code in frame["area_code"]]
    meaning = {c.value: c.label.replace("\n", ": ") for c in classes}
    frame["meaning"] = [meaning[c] if c is not None else "No data (left out of the test)" for c in frame["gi_cluster"]]
    order = {c.value: i for i, c in enumerate(classes)}
    need_high = need_side(polarity) != "low"
    frame = frame.assign(_o=[order[c] for c in frame["gi_cluster"]],
                         _v=-frame["value"].fillna(-np.inf) if need_high else frame["value"].fillna(np.inf))
    frame = frame.sort_values(["_o", "_v", "area_name"], kind="stable").drop(columns=["_o", "_v", "geometry"])
    counts = {c.value: int((frame["gi_cluster"] == c.value).sum()) if c.value is not None
              else int(frame["gi_cluster"].isna().sum()) for c in classes}
    small = area_label(geography)
    words = hotspot_words(frame, classes, counts, polarity, small, label, done.result.summary)
    period = str(done.page.period or "")
    colour = {c.value: c.colour for c in classes if c.value is not None}
    layers = layered_shapes({"small": dict(zip(done.table["area_code"].astype(str), done.table["geometry"])),
                             "site": {code: wkb for code, (_, wkb) in site_areas.items()}})
    tips = {r.area_code: f"{r.area_name}" + (f" ({getattr(r, label)} {label})" if getattr(r, label) else "")
            + f": {r.value_as_shown}; {r.gi_cluster or 'no data'}" for r in frame.itertuples()}
    svg = category_svg(layers["small"], {r.area_code: colour.get(r.gi_cluster) for r in frame.itertuples()}, tips,
                       title=f"Map of hot and cold spots of {entry['title']} by {small}", desc=" ".join(words),
                       outlines=layers["site"], names=names, ident="hotspot-map")
    method = (f"{STATISTIC_NAME['gistar']} of each {small} and its neighbours, compared with every {small} of the "
              f"store: {analysis_words(spec)}; {CORRECTION_WORDS.get(spec.correction, spec.correction)}. "
              f"Source: {entry.get('source') or 'not recorded'}. Licence: {entry.get('licence') or 'not recorded'}. "
              + done.page.provenance)
    return HotspotPage(indicator, entry, period, frame, classes, counts, words, svg, method,
                       [*done.result.notes, *notes])


def _published_values(store, entry: dict, frame: pd.DataFrame, rule) -> tuple[pd.DataFrame, list[str]]:
    """The values the page may show under the store's small-number rule (the test itself used every value)."""
    base = frame[["area_code", "value"]].assign(suppressed=0)
    if rule is None:
        return base, []
    period = str(frame["period"].dropna().iloc[0]) if frame["period"].notna().any() else None
    counts = store.get_values(entry["id"], period)[["area_code", "numerator", "denominator", "suppressed"]]
    base = base.drop(columns="suppressed").merge(counts, on="area_code", how="left")
    base.index = frame.index
    out, notes = apply_rule(entry, base, rule)
    if notes and out["suppressed"].astype(bool).any():
        notes = [*notes, "Areas whose values are withheld keep their category: the test used every value, and a "
                         "category does not reveal a count."]
    return out, notes


def best_fit(store, source: str, target: str, preferred: str | None) -> dict[str, str]:
    """small area code -> the site's area it lies in (the lookup's largest weight), from the store's lookup
    between the two geographies (the site's own lookup first); empty when there is none."""
    lookups = store.lookups()
    fits = lookups[(lookups["from_geography"] == source) & (lookups["to_geography"] == target)]
    if fits.empty:
        return {}
    names = list(fits["name"])
    name = preferred if preferred in names else names[0]
    rows = store.lookup(name).sort_values(["from_code", "weight"], ascending=[True, False])
    return dict(rows.drop_duplicates("from_code")[["from_code", "to_code"]].astype(str).itertuples(index=False))


def within(small: Mapping[str, bytes], large: Mapping[str, bytes]) -> dict[str, str]:
    """small area code -> the large area holding a point inside it, for geographies the store has no lookup
    between (e.g. 2021 LSOAs and wards)."""
    from osgeo import ogr

    shapes = {code: ogr.CreateGeometryFromWkb(bytes(wkb)) for code, wkb in large.items() if wkb is not None}
    out = {}
    for code, wkb in small.items():
        if wkb is None:
            continue
        inner = ogr.CreateGeometryFromWkb(bytes(wkb)).PointOnSurface()
        found = next((big for big, geom in shapes.items() if geom.Contains(inner)), None)
        if found is not None:
            out[code] = found
    return out


def _group_words(frame: pd.DataFrame, group: list[ClusterClass], counts: Mapping[str | None, int], n: int,
                 what: str, small: str, label: str) -> str:
    """'7 of the 200 LSOAs are in clusters of greater need (hot spots) at 90% confidence or more (3 at 99%, 4 at
    90%). They lie in 3 wards: Abram (4), Hindley (2) and Ince (1).'"""
    total = sum(counts[c.value] for c in group)
    if total == 0:
        return f"No {small} is in a cluster of {what} at 90% confidence or more."
    by = sorted(((str(c.value).split(", ")[1].split(" ")[0], counts[c.value]) for c in group if counts[c.value]),
                key=lambda b: CONFIDENCES.index(b[0]))
    lowest = max(by, key=lambda b: CONFIDENCES.index(b[0]))[0]
    split = " (" + ", ".join(f"{k} at {conf}" for conf, k in by) + ")" if len(by) > 1 else ""
    text = (f"{total} of the {n} {plural(small, n)} {'is' if total == 1 else 'are'} in clusters of {what} at "
            f"{lowest} confidence or more{split}.")
    inside = frame[frame["gi_cluster"].isin([c.value for c in group])][label]
    places = inside[inside != ""].value_counts()
    if len(places):
        ordered = sorted(places.items(), key=lambda kv: (-kv[1], kv[0]))
        named = [f"{name} ({k})" for name, k in ordered]
        where = (f"{'It lies' if total == 1 else 'They lie'} in {len(ordered)} {plural(label, len(ordered))}, most "
                 f"first: {join_names(named, 6)}." if len(ordered) > 1 else f"{'It lies' if total == 1 else 'All lie'} "
                 f"in {named[0]}.")
        text += " " + where
    return text


def hotspot_words(frame: pd.DataFrame, classes: list[ClusterClass], counts: Mapping[str | None, int],
                  polarity: str | None, small: str, label: str, summary: Mapping) -> list[str]:
    """The map in words, from the counts: how many areas are in clusters of greater and of less need (or of high
    and low values), at what confidence and in which of the site's areas; how many are not significant or left
    out; and Moran's I for the whole."""
    n = len(frame)
    significant = [c for c in classes if c.value is not None and c.value != "Not significant"]
    warm, cool = significant[:3], significant[3:]
    side = need_side(polarity)
    warm_high = side != "low"
    spot = {True: "hot spots", False: "cold spots"}
    if side is None:
        warm_what, cool_what = "high values (hot spots)", "low values (cold spots)"
    else:
        warm_what = f"greater need ({spot[warm_high]}: {'high' if warm_high else 'low'} values together)"
        cool_what = f"less need ({spot[not warm_high]}: {'low' if warm_high else 'high'} values together)"
    out = [_group_words(frame, warm, counts, n, warm_what, small, label),
           _group_words(frame, cool, counts, n, cool_what, small, label)]
    rest = counts.get("Not significant", 0)
    missing = counts.get(None, 0)
    tail = f"{rest} {'is' if rest == 1 else 'are'} not in a significant cluster"
    if missing:
        one = missing == 1
        tail += f"; {missing} {'has' if one else 'have'} no value and {'was' if one else 'were'} left out of the test"
    out.append(tail + ".")
    if "global_I" in summary and "global_z" in summary:
        z = float(summary["global_z"])
        alike = ("neighbouring areas are more alike than chance would make them (95% confidence)" if z >= 1.96 else
                 "neighbouring areas are less alike than chance would make them (95% confidence)" if z <= -1.96 else
                 "neighbouring areas are no more alike than chance would make them")
        out.append(f"Over all {n} {plural(small, n)}, Moran's I is {float(summary['global_I']):.2f} (z {z:.1f}): "
                   f"{alike}.")
    return out


def hotspot_page(site: Site, file: str, data: HotspotPage, csv_file: str, csv_size: int, label: str) -> str:
    """The page: what was tested, the summary in words, the map and its key, every area in a table, the CSV."""
    entry = data.entry
    title = str(entry.get("title") or data.indicator)
    small = area_label(str(entry.get("geography") or ""))
    when = period_text(data.period)
    lead = (f"Where {plural(small, 2)} with high or low values of {title} sit together in {site.borough}"
            + (f", {when}" if when else "") + f". {polarity_words(entry.get('polarity'))}")
    body = [f"<h1>Hot and cold spots: {esc(title)}</h1>", f'<p class="lead">{esc(lead)}</p>',
            "<h2>In words</h2>", paragraphs(data.words), "<h2>Map</h2>",
            f'<figure>\n<div class="map-box">{data.svg}</div>\n<figcaption>Hot and cold spots of {esc(title)} by '
            f"{esc(small)}, with {esc(plural(label, 2))} outlined and named where the names fit. Move the pointer "
            f"over an area to see its name, value and category. Every area is also in the table below."
            "</figcaption>\n</figure>", _legend(data, small)]
    rows = []
    for r in data.table.itertuples():
        rows.append([(esc(r.area_name), ""), (esc(getattr(r, label)), ""), (esc(r.value_as_shown), "num"),
                     (esc(r.meaning), ""), (esc("" if r.gi_z != r.gi_z else f"{r.gi_z:.2f}"), "num"),
                     (esc("" if r.gi_p != r.gi_p else f"{r.gi_p:.3f}"), "num")])
    head = [(esc(small), ""), (esc(label.capitalize()), ""), ("Value", "num"), ("Category", ""), ("Gi* z", "num"),
            ("p", "num")]
    body += ["<h2>Table</h2>", table("hotspots", f"Every {small}: value and hot or cold spot category, greatest need "
                                                 "first", head, rows, wide=True)]
    size = f"{csv_size / 1024:.0f} KB" if csv_size >= 1024 else f"{csv_size} bytes"
    body.append(f'<p><a class="download" href="{esc(csv_file)}" download>Download this table as a CSV file '
                f"({esc(csv_file)}, {size})</a>. It holds the same areas, with unrounded values.</p>")
    body += ["<h2>How the spots were found</h2>",
             paragraphs([f"For each {small}, the Getis-Ord Gi* statistic compares the values of the {small} and its "
                         f"neighbours (the {plural(small, 2)} sharing a boundary or a corner with it) with the values "
                         f"of every {small}. A hot spot is a group of high values, a cold spot a group of low values; "
                         "the confidence says how unlikely such a group would be if the values were spread at "
                         "random, after allowing for the many areas tested.", data.method, *data.notes]),
             '<p>See <a href="methods.html">how the figures are made</a>.</p>']
    return page(site, file, f"Hot and cold spots: {title}", "\n".join(body), description=" ".join(data.words[:2]))


def _legend(data: HotspotPage, small: str) -> str:
    items = []
    for number, c in enumerate(data.classes):
        k = data.counts.get(c.value, 0)
        words = c.label.replace("\n", ": ")
        items.append(f"<li>{swatch(c.colour if c.value is not None else None, f'hotspot-{number}')}"
                     f"<span>{esc(words)} ({k} {esc(plural(small, k))})</span></li>")
    return ("<h3>Key</h3>\n<p>Warm colours are clusters of greater need, cool colours clusters of less need (for an "
            "indicator where neither is better: warm is high values). Darker colours are higher confidence.</p>\n"
            '<ul class="legend">\n' + "\n".join(items) + "\n</ul>")


def hotspot_csv(data: HotspotPage, label: str) -> pd.DataFrame:
    """The table as data: every area, its value (blank where withheld), Gi* z and p, category and meaning."""
    columns = ["area_code", "area_name", label, "period", "value", "value_as_shown", "gi_z", "gi_p", "gi_cluster",
               "meaning"]
    return data.table[columns].assign(indicator=data.indicator)[["indicator", *columns]]

"""The website study: the profile study's rows for one borough (core.profile_study: its indicators, its wards, its
small-number rule) written as a static site - a home page, one profile page per ward, one page per indicator
with its map, table and CSV, a methods page and an accessibility statement - into one folder. `lis publish`,
Processing "Publish website" and the dock's "Publish website" all run it.

The pages are written into a scratch folder inside the output folder and moved into place at the end, so a
failure or Cancel leaves no half-written site over an older one."""

from __future__ import annotations

import datetime as _dt
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..borough import Borough
from ..errors import ClassificationError, ParameterError, stop_if_cancelled
from ..file_names import area_file_stem
from ..map_study import MapSpec, classify_map
from ..profile import AreaProfile
from ..profile_study import ProfileStudy, run_profile_study
from ..safe_csv import write_csv
from ..suppression import store_rule
from ..weights_cache import WeightsCache
from .about import accessibility_page, index_page, methods_page
from .hotspots import PERMUTATIONS, SEED, best_fit, hotspot_csv, hotspot_page, hotspot_page_data
from .layout import STYLESHEET, Site
from .pages import MapPicture, class_labels, indicator_page, ward_page
from .siting import read_siting, siting_csvs, siting_page, siting_page_data
from .svg_map import MapShapes, area_shapes, class_colours, map_svg
from .words import AreaValue, plural, shown_value

#: The stylesheet copied beside the pages.
CSS = Path(__file__).resolve().parents[2] / "resources" / "publish" / STYLESHEET
#: The store setting with the contact the accessibility statement gives for problems.
CONTACT_SETTING = "publish_contact"
MAP_CLASSES = 5


@dataclass
class PublishStudy:
    """Where the site goes (a folder), for which borough (code or name; default the store's only one) and which
    indicators (default: the profile study's); optionally the indicators to publish hot and cold spots of (Gi*,
    `permutations` and `seed` as the hotspot study's) and a siting result GeoPackage to publish."""

    out: str | os.PathLike
    borough: str | None = None
    indicators: Sequence[str] | None = None
    geography: str | None = None
    lookup: str | None = None
    hotspots: Sequence[str] | None = None
    siting: str | os.PathLike | None = None
    permutations: int = PERMUTATIONS
    seed: int = SEED
    cache: WeightsCache | None = None


@dataclass
class PublishResult:
    """What was written: the folder, its pages and other files (names relative to the folder)."""

    folder: str
    pages: list[str]
    files: list[str]
    borough: Borough
    areas: int
    indicators: list[str]
    label: str = "ward"
    notes: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        """The line every door reports."""
        return (f"{len(self.pages)} pages for {self.borough.name} ({self.areas} {plural(self.label, self.areas)}, "
                f"{len(self.indicators)} {plural('indicator', len(self.indicators))}) in {self.folder}")


def run_publish_study(store, study: PublishStudy, progress: Callable[[float, str], None] | None = None,
                      cancelled: Callable[[], bool] | None = None) -> PublishResult:
    """Write the website of the study into study.out (created if need be) and say what was written."""
    report = progress or (lambda _f, _m: None)
    folder = Path(study.out)
    if folder.exists() and not folder.is_dir():
        raise ParameterError(f"{folder} is a file; the website needs a folder.", option="out")
    hotspots = list(dict.fromkeys(i.strip() for i in study.hotspots or () if i.strip()))
    for ind in hotspots:
        store.indicator(ind)  # an unknown indicator stops here, before any work
    if study.siting is not None:
        read_siting(study.siting)  # so does a file that is not a siting result
    report(0.02, "Building the ward profiles")
    result = run_profile_study(store, ProfileStudy(indicators=study.indicators, geography=study.geography,
                                                   lookup=study.lookup, borough=study.borough))
    stop_if_cancelled(cancelled)
    profiles = result.profiles
    prov = dict(profiles[0].provenance) if profiles else {}
    label = str(prov.get("area_label") or "area")
    geography = str(prov.get("geography") or store.setting("area_geography"))
    nav = [("index.html", "Home"), ("index.html#wards", f"{label.capitalize()}s"),
           ("index.html#indicators", "Indicators")]
    if hotspots or study.siting is not None:
        nav.append(("index.html#results", "Hot spots and siting"))
    site = Site(borough=result.borough.name, made=_made(prov.get("created_at")), store=store.label,
                checksum=str(prov.get("store_checksum") or store.checksum()),
                tool=str(prov.get("tool") or "LIS Workbench"),
                nav=[*nav, ("methods.html", "How the figures are made"), ("accessibility.html", "Accessibility")])
    area_files = _area_files(profiles, label)
    entries = {ind: store.indicator(ind) for ind in result.indicators}
    indicator_files = _indicator_files(result.indicators)
    report(0.3, "Reading the boundaries")
    shapes = store.areas(geography, with_geometry=True)
    shapes = shapes[shapes["area_code"].isin(area_files)]
    drawn = area_shapes(dict(zip(shapes["area_code"].astype(str), shapes["geometry"])))
    stop_if_cancelled(cancelled)

    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".lis-publish-", dir=folder))
    written: list[str] = []
    try:
        def write(name: str, text: str) -> None:
            (staging / name).write_text(text, encoding="utf-8", newline="\n")
            written.append(name)

        steps = len(profiles) + len(result.indicators) + len(hotspots) + (study.siting is not None) + 3
        done = 0

        def step(message: str) -> None:
            nonlocal done
            stop_if_cancelled(cancelled)
            done += 1
            report(0.3 + 0.65 * done / steps, message)

        for profile in profiles:
            write(area_files[profile.area_code], ward_page(site, area_files[profile.area_code], profile,
                                                           indicator_files))
            step(f"Page of {profile.area_name or profile.area_code}")
        for number, ind in enumerate(result.indicators):
            areas = [AreaValue(p.area_code, p.area_name or p.area_code, p.rows[number]) for p in profiles]
            areas.sort(key=lambda a: (a.name.lower(), a.code))
            picture = _picture(entries[ind], areas, drawn, label)
            csv_name = indicator_files[ind].removesuffix(".html") + ".csv"
            write_csv(_csv_frame(ind, areas, picture, site.borough), staging / csv_name)
            written.append(csv_name)
            size_bytes = (staging / csv_name).stat().st_size
            write(indicator_files[ind], indicator_page(site, indicator_files[ind], entries[ind], areas, picture,
                                                       csv_name, size_bytes, area_files, label))
            step(f"Page of {entries[ind]['title']}")
        site_areas = {str(r.area_code): (str(r.area_name or r.area_code), r.geometry) for r in shapes.itertuples()}
        lookup = str(prov.get("lookup") or "") or None
        rule = store_rule(store)
        results: list[tuple[str, str]] = []
        for ind in hotspots:
            data = hotspot_page_data(store, ind, label=label, site_geography=geography, lookup=lookup,
                                     site_areas=site_areas, rule=rule, permutations=study.permutations,
                                     seed=study.seed, cache=study.cache, cancelled=cancelled)
            name = "hotspots-" + _indicator_files([ind])[ind].removeprefix("indicator-")
            csv_name = name.removesuffix(".html") + ".csv"
            write_csv(hotspot_csv(data, label), staging / csv_name)
            written.append(csv_name)
            write(name, hotspot_page(site, name, data, csv_name, (staging / csv_name).stat().st_size, label))
            results.append((name, f"Hot and cold spots: {data.entry['title']}"))
            result.notes.extend(n for n in data.notes if n not in result.notes and n.startswith("Small numbers"))
            step(f"Hot and cold spots of {data.entry['title']}")
        if study.siting is not None:
            small = store.lookup_info(lookup)["from_geography"] if lookup else ""
            data_s = siting_page_data(study.siting, label=label, site_areas=site_areas,
                                      lookup=best_fit(store, small, geography, lookup) if small else {})
            csvs = []
            for frame, csv_name in zip(siting_csvs(data_s), ("siting-sites.csv", "siting-areas.csv")):
                write_csv(frame, staging / csv_name)
                written.append(csv_name)
                csvs.append((csv_name, (staging / csv_name).stat().st_size))
            write("siting.html", siting_page(site, "siting.html", data_s, csvs[0], csvs[1], label))
            results.append(("siting.html", "Siting: where new sites reach most need"))
            step("Siting page")
        write("index.html", index_page(
            site, [(area_files[p.area_code], p.area_name or p.area_code) for p in
                   sorted(profiles, key=lambda p: str(p.area_name or p.area_code).lower())],
            [(indicator_files[i], _indicator_link(entries[i], profiles, n)) for n, i in enumerate(result.indicators)],
            label, _sources(entries, store, geography, prov), result.notes, results))
        step("Home page")
        write("methods.html", methods_page(
            site, [dict(entries[i], period=_period(profiles, n)) for n, i in enumerate(result.indicators)],
            _examples(profiles, result.indicators), indicator_files, label, prov, rule.words if rule else None,
            _boundaries(store, geography), result.notes))
        step("Methods page")
        contact = (store.settings().get(CONTACT_SETTING) or "").strip() or None
        write("accessibility.html", accessibility_page(site, contact))
        shutil.copyfile(CSS, staging / STYLESHEET)
        written.append(STYLESHEET)
        step("Accessibility statement")
        for name in written:
            os.replace(staging / name, folder / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report(1.0, "Website written")
    pages = [n for n in written if n.endswith(".html")]
    return PublishResult(str(folder), pages, written, result.borough, len(profiles), list(result.indicators),
                         label, list(result.notes))


# ---------------------------------------------------------------------- pieces
def _picture(entry: dict, areas: list[AreaValue], shapes: MapShapes, label: str) -> MapPicture:
    """The indicator's map: classes of the areas' values (core.classify via map_study), colours by polarity."""
    values = np.array([a.row.value if a.row.value is not None else np.nan for a in areas], dtype=float)
    polarity = entry.get("polarity")
    first = areas[0].row if areas else None
    style = first.number_style if first is not None else "number"
    classification = None
    classes = {a.code: -1 for a in areas}
    labels: list[str] = []
    try:
        classification = classify_map(values, MapSpec(method="quantile", classes=MAP_CLASSES, polarity=polarity))
    except ClassificationError:
        classification = None  # no area has a value: every area is hatched
    if classification is not None:
        classes = {a.code: int(c) for a, c in zip(areas, classification.classes)}
        labels = class_labels(classification, style)
    colours = class_colours(len(labels), polarity)
    tips = {a.code: f"{a.name}: {shown_value(a.row)}" for a in areas}
    title = f"Map of {entry['title']} by {label}"
    described = ("Each area is shaded by its value's class; the key and the table on this page give every value.")
    svg = map_svg(shapes, classes, tips, colours, title=title, desc=described, names={a.code: a.name for a in areas})
    return MapPicture(svg, classification, colours, classes, labels)


def _csv_frame(indicator: str, areas: list[AreaValue], picture: MapPicture, borough: str) -> pd.DataFrame:
    """The indicator page's table as data: the same areas and values, unrounded, with the page's words."""
    from .words import comparison_words

    rows = []
    for a in areas:
        r = a.row
        cls = picture.classes.get(a.code, -1)
        rows.append({"area_code": a.code, "area_name": a.name, "indicator": indicator, "period": r.period,
                     "value": r.value, "value_as_shown": shown_value(r), "unit": r.unit_text or r.unit or "",
                     "rank_in_borough": r.rank, "ranked_of": r.rank_of,
                     "compared_with_borough": comparison_words(r, borough),
                     "borough_value": r.borough_value, "england_value": r.benchmark_value,
                     "map_class": picture.labels[cls] if 0 <= cls < len(picture.labels) else "no data",
                     "how_made": r.method})
    frame = pd.DataFrame(rows)
    frame["rank_in_borough"] = frame["rank_in_borough"].astype("Int64")
    return frame


def _area_files(profiles: Sequence[AreaProfile], label: str) -> dict[str, str]:
    """area code -> page file: '<label>-<name>.html', the code added where two names would clash."""
    stems = {p.area_code: area_file_stem(p.area_name, p.area_code).lower() for p in profiles}
    seen: dict[str, int] = {}
    for stem in stems.values():
        seen[stem] = seen.get(stem, 0) + 1
    prefix = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "area"
    return {code: f"{prefix}-{stem}{'-' + code.lower() if seen[stem] > 1 else ''}.html"
            for code, stem in stems.items()}


def _indicator_files(indicators: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for ind in indicators:
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", ind).strip("-").lower() or "indicator"
        name = f"indicator-{stem}.html"
        while name in out.values():
            name = name.removesuffix(".html") + "-2.html"
        out[ind] = name
    return out


def _period(profiles: Sequence[AreaProfile], number: int) -> str:
    if not profiles:
        return ""
    row = profiles[0].rows[number]
    return row.period_text or str(row.period or "")


def _indicator_link(entry: dict, profiles: Sequence[AreaProfile], number: int) -> str:
    period = _period(profiles, number)
    return f"{entry['title']}" + (f" ({period})" if period and period not in str(entry["title"]) else "")


def _examples(profiles: Sequence[AreaProfile], indicators: Sequence[str]) -> dict[str, dict[str, str]]:
    """Per indicator, how one area's value (the first with one), the borough's and England's were made."""
    out = {}
    for number, ind in enumerate(indicators):
        chosen = next((p for p in profiles if p.rows[number].value is not None), profiles[0] if profiles else None)
        if chosen is None:
            continue
        row = chosen.rows[number]
        out[ind] = {"area": str(chosen.area_name or chosen.area_code), "method": row.method,
                    "borough": row.borough_method, "benchmark": row.benchmark_method}
    return out


def _sources(entries: dict[str, dict], store, geography: str, prov: dict) -> list[tuple[str, str]]:
    """(source, licence) of every indicator shown, then the boundaries and lookups."""
    seen: dict[tuple[str, str], None] = {}
    for entry in entries.values():
        seen[(str(entry.get("source") or "Source not recorded"), str(entry.get("licence") or ""))] = None
    seen[(_boundaries(store, geography), "")] = None
    return list(seen)


def _boundaries(store, geography: str) -> str:
    """The boundary credit: the geography's title and file, with the Ordnance Survey and ONS attribution."""
    year = _dt.date.today().year
    info = store.geographies()
    row = info[info["name"] == geography]
    title = str(row["title"].iloc[0]) if len(row) and row["title"].iloc[0] else geography
    source = str(row["source"].iloc[0]) if len(row) and row["source"].iloc[0] else ""
    return (f"Boundaries: {title}" + (f" ({source})" if source else "") + f". Source: Office for National "
            f"Statistics licensed under the Open Government Licence v3.0. Contains OS data © Crown copyright and "
            f"database right {year}.")


def _made(created_at: object) -> str:
    """A timestamp as a date people read: '3 December 2026'."""
    try:
        moment = _dt.datetime.fromisoformat(str(created_at))
    except ValueError:
        moment = _dt.datetime.now()
    return f"{moment.day} {moment:%B %Y}"

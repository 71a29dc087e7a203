"""The website study (`lis publish`) on the sample store: a page for every ward and indicator, each page well formed
with the structure assistive technology needs (language, title, skip link, landmarks, one h1, headings in order,
captioned tables with scoped headers, named pictures), nothing loaded from the internet, the text alternative of
a map checked against ward values summed here from the store's raw rows with pandas, CSVs equal to their tables,
the stylesheet's colours at WCAG contrast, the small-number rule, Cancel and the contact setting."""

from __future__ import annotations

import math
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from unit_helpers import rows

from lis_workbench.core.errors import Cancelled
from lis_workbench.core.publish import PublishStudy, run_publish_study
from lis_workbench.core.publish.study import CSS
from lis_workbench.core.store import Store

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
#: SVG elements written self-closed (<rect/>): not HTML void elements, but closed by their own tag
SVG_EMPTY = {"rect", "line", "circle", "polygon", "polyline", "path", "ellipse"}
DEFAULT_INDICATORS = 12  # the sample store's profile list, less the IMD rank (a rank cannot be made for wards)


class Page(HTMLParser):
    """What the checks need of one page: tags in order, attributes, text per element, nesting errors."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.texts: dict[int, list[str]] = {}
        self.open_idx: list[int] = []
        self.doctype = ""

    def handle_decl(self, decl: str) -> None:
        self.doctype = decl

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)
            self.open_idx.append(len(self.tags) - 1)
            self.texts[len(self.tags) - 1] = []

    def handle_startendtag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID and tag not in SVG_EMPTY:
            self.errors.append(f"<{tag}/> self-closed")

    def handle_endtag(self, tag) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()
        self.open_idx.pop()

    def handle_data(self, data) -> None:
        for idx in self.open_idx:
            self.texts[idx].append(data)

    def text(self, idx: int) -> str:
        return " ".join("".join(self.texts.get(idx, [])).split())

    def find(self, tag: str, **attrs) -> list[int]:
        return [i for i, (t, a) in enumerate(self.tags) if t == tag and all(a.get(k) == v for k, v in attrs.items())]


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


@pytest.fixture(scope="module")
def site(wigan, tmp_path_factory):
    """The sample store's website, written once for the module (with the progress it reported)."""
    out = tmp_path_factory.mktemp("site") / "site"
    reports = []
    result = run_publish_study(wigan, PublishStudy(out=out), progress=lambda f, m: reports.append((f, m)))
    return out, result, reports


@pytest.fixture(scope="module")
def raw(built_stores):
    """The store's own rows read with sqlite3 (not the engine): ward names, LSOA values, the LSOA-ward lookup."""
    path = built_stores("gpkg")
    names = dict(rows(path, "SELECT area_code, area_name FROM lis_area WHERE geography = 'ward23'"))
    lookup = pd.DataFrame(rows(path, "SELECT from_code, to_code FROM lis_lookup_row WHERE lookup = 'lsoa11_ward23'"),
                          columns=["lsoa", "ward"])

    def values(indicator: str) -> pd.Series:
        period = rows(path, "SELECT max(period) FROM lis_value WHERE indicator = ?", (indicator,))[0][0]
        got = rows(path, "SELECT area_code, value FROM lis_value WHERE indicator = ? AND period = ?",
                   (indicator, period))
        return pd.Series(dict(got), dtype=float)

    return names, lookup, values


def ward_sums(raw, indicator: str) -> pd.Series:
    """Ward totals of an LSOA count through the best-fit lookup, by ward name."""
    names, lookup, values = raw
    frame = lookup.assign(value=lookup["lsoa"].map(values(indicator)))
    return frame.groupby("ward")["value"].sum().rename(index=names)


def table_rows(page: Page, table_id: str) -> list[list[str]]:
    """The texts of the cells of each body row of a table."""
    start = page.find("table", id=table_id)[0]
    out, current = [], None
    for i in range(start + 1, len(page.tags)):
        tag, _ = page.tags[i]
        if tag == "table":
            break
        if tag == "tr":
            current = []
            out.append(current)
        elif tag in ("td", "th") and current is not None:
            current.append(page.text(i))
    return out[1:]  # the head row first


# ---------------------------------------------------------------------- pages
def test_a_page_for_every_ward_and_every_indicator(site, raw):
    out, result, reports = site
    names = raw[0]
    html = sorted(p.name for p in out.glob("*.html"))
    wards = [n for n in html if n.startswith("ward-")]
    indicators = [n for n in html if n.startswith("indicator-")]
    assert len(wards) == len(names) == 25
    assert len(indicators) == len(result.indicators) == DEFAULT_INDICATORS
    assert {"index.html", "methods.html", "accessibility.html"} <= set(html)
    assert sorted(result.pages) == html and len(html) == 25 + DEFAULT_INDICATORS + 3
    assert sorted(p.name for p in out.glob("*.csv")) == sorted(n.replace(".html", ".csv") for n in indicators)
    assert (out / "site.css").read_bytes() == CSS.read_bytes()
    assert not [p for p in out.iterdir() if p.name.startswith(".lis-publish")]  # the scratch folder is gone
    h1s = sorted(parse(out / n).text(parse(out / n).find("h1")[0]) for n in wards)
    assert h1s == sorted(f"{name} ward profile" for name in names.values())
    home = (out / "index.html").read_text(encoding="utf-8")
    assert all(f'href="{n}"' in home for n in wards + indicators)
    assert result.summary == f"{len(html)} pages for Wigan (25 wards, {DEFAULT_INDICATORS} indicators) in {out}"
    fractions = [f for f, _ in reports]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(reports) > 40


def test_every_page_has_the_structure_assistive_technology_needs(site):
    out, _, _ = site
    titles = set()
    for path in sorted(out.glob("*.html")):
        page = parse(path)
        where = path.name
        assert page.doctype.lower() == "doctype html", where
        assert page.errors == [] and page.stack == [], (where, page.errors[:3], page.stack)
        assert page.tags[0] == ("html", {"lang": "en-GB"}), where
        title = page.text(page.find("title")[0])
        assert title and title not in titles, where
        titles.add(title)
        viewport = [a for t, a in page.tags if t == "meta" and a.get("name") == "viewport"]
        assert viewport and "user-scalable" not in viewport[0]["content"], where
        body = page.find("body")[0]
        first_link = next(i for i in range(body, len(page.tags)) if page.tags[i][0] == "a")
        assert page.tags[first_link][1]["href"] == "#content" and "Skip" in page.text(first_link), where
        assert len(page.find("main", id="content")) == 1, where
        for landmark in ("header", "nav", "footer"):
            assert len(page.find(landmark)) == 1, (where, landmark)
        assert len(page.find("h1")) == 1, where
        levels = [int(t[1]) for t, _ in page.tags if re.fullmatch(r"h[1-6]", t)]
        assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:])), (where, levels)
        ids = [a["id"] for _, a in page.tags if "id" in a]
        assert len(ids) == len(set(ids)), where
        for i in page.find("table"):
            assert page.tags[i + 1][0] == "caption" and page.text(i + 1), where
        for tag, attrs in page.tags:
            if tag == "th":
                assert attrs.get("scope") in ("col", "row"), where
            if attrs.get("role") == "region":
                assert attrs.get("tabindex") == "0" and set(attrs["aria-labelledby"].split()) <= set(ids), where
            if tag == "svg" and attrs.get("aria-hidden") != "true":
                assert attrs.get("role") == "img", where
                assert set(attrs["aria-labelledby"].split()) <= set(ids), where
            if tag == "a":
                assert attrs.get("href"), where
            if tag == "img":
                assert attrs.get("alt") is not None, where
        link_texts = [page.text(i) for i in page.find("a")]
        assert not {"click here", "here", "more", "link"} & {t.lower() for t in link_texts}, where


def test_nothing_is_loaded_from_the_internet_and_every_link_is_there(site):
    out, _, _ = site
    for path in sorted(out.iterdir()):
        if path.suffix in (".html", ".css"):
            text = path.read_text(encoding="utf-8")
            assert "http://" not in text and "https://" not in text and "//" not in re.sub(
                r"/\*.*?\*/", "", text, flags=re.S).replace("://", ""), path.name
        if path.suffix != ".html":
            continue
        page = parse(path)
        ids = {a["id"] for _, a in page.tags if "id" in a}
        for tag, attrs in page.tags:
            target = attrs.get("href") or attrs.get("src")
            if tag in ("script", "iframe", "img", "object", "embed"):
                pytest.fail(f"{path.name}: <{tag}> (the pages need no scripts or embedded files)")
            if not target or tag not in ("a", "link"):
                continue
            file, _, anchor = target.partition("#")
            assert ":" not in file and not file.startswith("/"), (path.name, target)  # relative
            if file:
                assert (out / file).is_file(), (path.name, target)
            if anchor:
                assert anchor in (ids if not file or file == path.name else
                                  {a["id"] for _, a in parse(out / file).tags if "id" in a}), (path.name, target)


def test_a_ward_page_has_its_table_chart_and_derivations(site, raw):
    out, _, _ = site
    page = parse(out / "ward-abram.html")
    body = (out / "ward-abram.html").read_text(encoding="utf-8")
    cells = table_rows(page, "profile")
    assert len(cells) == DEFAULT_INDICATORS
    income = next(r for r in cells if r[0].startswith("People in income deprivation"))
    expected = ward_sums(raw, "iod2019_income_numerator")["Abram"]
    assert income[2] == f"{expected:,.0f}"  # the ward's value, summed here from its LSOAs
    assert income[5].endswith(" of 25")
    chart = next(a for t, a in page.tags if t == "svg" and a.get("class") == "chart")
    assert chart["role"] == "img" and "width" not in chart and "viewbox" in chart
    assert 'id="spine-desc"' in body and "table" in body[body.index('id="spine-desc"'):][:600]
    assert "Claimant count" in body and "From " in body  # the claimant count's sparkline in words
    assert "How the values were made" in body and "lookup lsoa11_ward23" in body


# ---------------------------------------------------------------------- the text alternative
def summary_of(out: Path, indicator: str) -> str:
    page = parse(out / f"indicator-{indicator}.html")
    h2 = next(i for i in page.find("h2") if page.text(i) == "In words")
    paragraphs = []
    for i in range(h2 + 1, len(page.tags)):
        if page.tags[i][0] == "h2":
            break
        if page.tags[i][0] == "p":
            paragraphs.append(page.text(i))
    return " ".join(paragraphs)


def test_the_map_text_names_the_highest_and_lowest_wards_of_a_count(site, raw):
    out, _, _ = site
    sums = ward_sums(raw, "iod2019_income_numerator")
    words = summary_of(out, "iod2019_income_numerator")
    top, bottom = sums.idxmax(), sums.idxmin()
    assert f"Highest in {top} ({sums.max():,.0f} people)" in words
    assert f"lowest in {bottom} ({sums.min():,.0f} people)" in words


def test_the_map_text_names_the_highest_and_lowest_wards_of_a_rate(site, raw):
    """Overcrowding is a proportion of households by LSOA: ward values are means weighted by population."""
    out, _, _ = site
    names, lookup, values = raw
    frame = lookup.assign(value=lookup["lsoa"].map(values("iod2019_overcrowding")),
                          pop=lookup["lsoa"].map(values("pop2015_total")))
    frame["weighted"] = frame["value"] * frame["pop"]
    ward = frame.groupby("ward")[["weighted", "pop"]].sum()
    rate = (ward["weighted"] / ward["pop"]).rename(index=names)
    words = summary_of(out, "iod2019_overcrowding")
    assert f"Highest in {rate.idxmax()} ({rate.max() * 100:.1f}%)" in words
    assert f"lowest in {rate.idxmin()} ({rate.min() * 100:.1f}%)" in words


def test_the_map_text_counts_wards_significantly_worse_than_the_borough(site, raw):
    """The income-deprived share of each ward's people against Wigan's, with a Wilson 95% interval computed here."""
    out, _, _ = site
    count = ward_sums(raw, "iod2019_income_numerator")
    people = ward_sums(raw, "pop2015_total")
    share = count.sum() / people.sum()
    z = 1.959963984540054
    p, n = count / people, people
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    worse, better = int((centre - half > share).sum()), int((centre + half < share).sum())
    similar = 25 - worse - better
    assert 0 < worse < 25 and 0 < better < 25  # a test that can tell
    words = summary_of(out, "iod2019_income_numerator")
    assert (f"{worse} of the 25 wards are significantly worse, {better} significantly better and {similar} "
            "similar") in words
    table = table_rows(parse(out / "indicator-iod2019_income_numerator.html"), "values")
    assert sum(r[3] == "Significantly worse than Wigan" for r in table) == worse
    assert sum(r[3] == "Significantly better than Wigan" for r in table) == better


# ---------------------------------------------------------------------- CSV
def test_each_csv_holds_the_numbers_of_its_table(site, raw):
    out, result, _ = site
    for indicator in result.indicators:
        page = parse(out / f"indicator-{indicator}.html")
        table = table_rows(page, "values")
        csv = pd.read_csv(out / f"indicator-{indicator}.csv", dtype={"area_code": str, "value_as_shown": str,
                                                                             "map_class": str})
        assert list(csv["area_name"]) == [r[0] for r in table], indicator
        assert list(csv["value_as_shown"]) == [r[1] for r in table], indicator
        ranks = [f"{int(r)} of {int(n)}" if not pd.isna(r) else "not ranked"
                 for r, n in zip(csv["rank_in_borough"], csv["ranked_of"])]
        assert ranks == [r[2] for r in table], indicator
        assert list(csv["compared_with_borough"]) == [r[3] for r in table], indicator
        assert list(csv["map_class"]) == [r[4] for r in table], indicator
        assert f'href="indicator-{indicator}.csv"' in (out / f"indicator-{indicator}.html").read_text()
    sums = ward_sums(raw, "iod2019_income_numerator")
    csv = pd.read_csv(out / "indicator-iod2019_income_numerator.csv").set_index("area_name")
    assert np.allclose(csv["value"], sums.reindex(csv.index))  # unrounded, as summed here


# ---------------------------------------------------------------------- colours
def _luminance(colour: str) -> float:
    colour = colour.lstrip("#")
    if len(colour) == 3:
        colour = "".join(c * 2 for c in colour)
    channels = [int(colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """The WCAG 2 contrast ratio of two sRGB colours."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula_matches_known_values():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic just-fails grey


def test_every_text_colour_of_the_stylesheet_reaches_4_5_to_1_on_its_backgrounds():
    css = CSS.read_text(encoding="utf-8")
    variables = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})\s*;", css))
    pairs_text = re.search(r"contrast pairs:(.*?)\*/", css, re.S).group(1)
    pairs = [tuple(p.split("/")) for p in pairs_text.split()]
    assert len(pairs) >= 10
    for fg, bg in pairs:
        assert contrast(variables[fg], variables[bg]) >= 4.5, (fg, bg, contrast(variables[fg], variables[bg]))
    rules = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    texts = set(re.findall(r"(?<![-\w])color:\s*var\(--([\w-]+)\)", rules))
    backgrounds = set(re.findall(r"background-color:\s*var\(--([\w-]+)\)", rules))
    assert texts <= {fg for fg, _ in pairs}, texts - {fg for fg, _ in pairs}
    assert backgrounds <= {bg for _, bg in pairs}, backgrounds - {bg for _, bg in pairs}
    assert not re.search(r"(?<![-\w])(color|background(-color)?):\s*#", rules)  # every colour through a variable
    assert re.search(r":focus-visible\s*{[^}]*outline:\s*3px solid", rules)


def test_no_data_is_hatched_unlike_any_class(site):
    out, _, _ = site
    body = (out / "indicator-iod2019_overcrowding.html").read_text(encoding="utf-8")
    fills = set(re.findall(r'<path d="[^"]*" fill="([^"]+)"', body))
    assert fills and all(f.startswith("#") for f in fills)  # every ward has a value here
    assert '<pattern id="no-data-hatch"' in body and "No data or withheld" in body
    assert len(re.findall(r"<path [^>]*><title>[^<]+: [^<]+</title></path>", body)) == 25


# ---------------------------------------------------------------------- small numbers, indicators, contact, cancel
@pytest.fixture
def copy(built_stores, tmp_path):
    path = tmp_path / "store.gpkg"
    shutil.copyfile(built_stores("gpkg"), path)
    opened = Store.open(path)
    yield opened
    opened.close()


def test_small_counts_are_withheld_from_pages_and_csv(copy, raw, tmp_path):
    """With a (deliberately high) threshold of 150, wards with fewer lone parents not in work are withheld, and the
    next smallest too, so Wigan's total cannot give them back."""
    counts = ward_sums(raw, "census2011_lone_parents_not_employed")
    small = set(counts[(counts > 0) & (counts < 150)].index)
    assert 1 <= len(small) < 25
    copy.set_settings({"suppress_below": "150", "publish_contact": "observatory@example.org, 01234 567890"})
    out = tmp_path / "site"
    result = run_publish_study(copy, PublishStudy(out=out, indicators=["census2011_lone_parents_not_employed",
                                                                       "iod2019_overcrowding"]))
    assert result.indicators == ["census2011_lone_parents_not_employed", "iod2019_overcrowding"]
    assert len(list(out.glob("indicator-*.html"))) == 2
    csv = pd.read_csv(out / "indicator-census2011_lone_parents_not_employed.csv").set_index("area_name")
    withheld = set(csv.index[csv["value_as_shown"] == "withheld"])
    expected = set(small)  # the rule: then the next smallest until two or more are withheld, summing to 150
    for ward in counts.drop(sorted(small)).sort_values().index:
        if len(expected) >= 2 and counts[sorted(expected)].sum() >= 150:
            break
        expected.add(ward)
    assert withheld == expected and len(withheld) >= 2
    assert csv.loc[sorted(withheld), "value"].isna().all()
    assert counts.drop(sorted(withheld)).sum() >= 150
    page = (out / "indicator-census2011_lone_parents_not_employed.html").read_text(encoding="utf-8")
    for ward in withheld:
        row = re.search(rf">{re.escape(ward.replace('&', '&amp;'))}</a></th>(.*?)</tr>", page).group(1)
        assert f">{counts[ward]:,.0f}<" not in row and ">withheld<" in row
    assert "withheld under the small-number rule" in page
    assert "observatory@example.org, 01234 567890" in (out / "accessibility.html").read_text(encoding="utf-8")


def test_without_a_contact_the_statement_says_whom_to_ask(site):
    out, _, _ = site
    text = (out / "accessibility.html").read_text(encoding="utf-8")
    assert "contact the council or organisation that published this website" in text
    assert "WCAG" in text and "2.2" in text and "axe-core" in text


def test_cancel_leaves_no_pages(wigan, tmp_path):
    out = tmp_path / "site"
    (out).mkdir()
    (out / "keep.txt").write_text("a file of the user's")
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 10

    with pytest.raises(Cancelled):
        run_publish_study(wigan, PublishStudy(out=out), cancelled=cancelled)
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]


def test_a_file_in_place_of_the_folder_is_refused(wigan, tmp_path):
    from lis_workbench.core.errors import ParameterError

    target = tmp_path / "site"
    target.write_text("not a folder")
    with pytest.raises(ParameterError, match="needs a folder"):
        run_publish_study(wigan, PublishStudy(out=target))


def test_words_join_and_count():
    from lis_workbench.core.publish.words import join_names, plural

    assert join_names(["A"]) == "A" and join_names(["A", "B"]) == "A and B"
    assert join_names(["A", "B", "C"]) == "A, B and C"
    assert join_names(list("ABCDEF")) == "A, B, C and 3 more"
    assert plural("ward", 1) == "ward" and plural("ward", 2) == "wards" and plural("ward", 0) == "wards"
    assert math.isclose(contrast("#1a1a1a", "#ffffff"), 17.4, abs_tol=0.1)

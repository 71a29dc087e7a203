"""The website `lis publish` writes, read by a browser as residents would (issue 17): axe-core's WCAG 2.2 AA rules
at 1280 px and 320 px (1280 px at 400% zoom) with zero violations, no sideways scrolling at 320 px, a skip link as
the first Tab stop, visible focus at every Tab stop, every control reachable by keyboard, no missing file or broken
link and nothing fetched from the network. The browser check is tools/axe/check.mjs (Debian's Chromium through
playwright-core); it is tested first on a small hand-made site with known defects, so a silent checker cannot pass.

No QGIS here: the tests use no pytest-qgis fixture. Without Chromium, Node.js or tools/axe/node_modules they skip,
saying why, unless LIS_REQUIRE_BROWSER=1 (as `make test` sets), when they fail instead."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tools" / "axe"
CHECK = AXE / "check.mjs"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAMPLE = ROOT / "sample_data"
WIDTHS = (1280, 320)


# ------------------------------------------------------------------ the browser check
def browser_missing() -> str | None:
    """Why the browser check cannot run here, or None."""
    chromium = Path(os.environ.get("LIS_CHROMIUM", "/usr/bin/chromium"))
    if shutil.which("node") is None:
        return "Node.js is not installed (Debian package nodejs; `make setup` installs it)"
    if not chromium.exists():
        return f"Chromium is not installed at {chromium} (Debian package chromium; `make setup` installs it)"
    for package in ("axe-core", "playwright-core"):
        if not (AXE / "node_modules" / package / "package.json").exists():
            return f"tools/axe/node_modules/{package} is missing (`make setup` runs npm ci in tools/axe)"
    return None


@pytest.fixture(scope="session")
def browser():
    """The browser check can run; otherwise skip (or fail, under LIS_REQUIRE_BROWSER=1)."""
    reason = browser_missing()
    if reason:
        if os.environ.get("LIS_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}; LIS_REQUIRE_BROWSER=1 says the website's accessibility check must run")
        pytest.skip(reason)


def run_check(site: Path, out: Path, *extra: str) -> tuple[subprocess.CompletedProcess, dict]:
    """check.mjs over every page of `site` at 1280 and 320 px: the finished process and its JSON report."""
    report = out / "axe.json"
    proc = subprocess.run(["node", str(CHECK), str(site), "--widths", ",".join(map(str, WIDTHS)), "--json",
                           str(report), "--jobs", "2", *extra], capture_output=True, text=True, timeout=540)
    assert proc.returncode in (0, 1), f"the check could not run (exit {proc.returncode}):\n{proc.stderr[-3000:]}"
    return proc, json.loads(report.read_text())


def axe_findings(report: dict) -> list[tuple[str, int, str, str]]:
    """(page, width, rule, target) of every axe-core violation."""
    return [(r["page"], r["width"], v["id"], n["target"]) for r in report["records"] for v in r["violations"]
            for n in v["nodes"]]


def problems(report: dict, *rules: str) -> list[tuple[str, int, str, str]]:
    """(page, width, rule, target) of the check's own findings (reflow, keyboard, links), of `rules` or all."""
    return [(r["page"], r["width"], p["rule"], p["target"]) for r in report["records"] for p in r["problems"]
            if not rules or p["rule"] in rules]


def png_width(path: Path) -> int:
    return struct.unpack(">I", path.read_bytes()[16:20])[0]


# ------------------------------------------------------------------ pages read without a browser
class _Page(HTMLParser):
    """The first <h1>'s text and the href of every link of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.h1: str | None = None
        self.links: list[str] = []
        self._in_h1 = False
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "h1" and self.h1 is None:
            self._in_h1 = True
        if tag == "a":
            self.links.extend(v for k, v in attrs if k == "href" and v)

    def handle_endtag(self, tag):
        if tag == "h1" and self._in_h1:
            self._in_h1 = False
            self.h1 = " ".join("".join(self._text).split())

    def handle_data(self, data):
        if self._in_h1:
            self._text.append(data)


def read_page(path: Path) -> _Page:
    parser = _Page()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


# ------------------------------------------------------------------ the checker itself, on hand-made pages
def test_the_check_passes_a_clean_site_and_takes_screenshots(browser, tmp_path):
    shots = tmp_path / "shots"
    proc, report = run_check(FIXTURES / "site", tmp_path, "--screenshots", str(shots))
    assert proc.returncode == 0, proc.stdout
    assert report["axeVersion"].startswith("4.") and report["tags"] == ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa",
                                                                       "wcag22aa"]
    pages = sorted(p.name for p in (FIXTURES / "site").glob("*.html"))
    assert sorted({(r["page"], r["width"]) for r in report["records"]}) == [(p, w) for p in pages for w in
                                                                             sorted(WIDTHS)]
    assert axe_findings(report) == [] and problems(report) == []
    for record in report["records"]:
        keyboard = record["keyboard"]
        assert keyboard["skipLink"]["href"] == "#main" and keyboard["skipLink"]["to"] == "main#main"
        assert keyboard["tabStops"] == keyboard["tabbables"] >= 4  # skip link and the three links of the menu
        assert record["reflow"]["ok"] and record["reflow"]["scrollWidth"] <= record["width"] + 1
    ward = {r["width"]: r for r in report["records"] if r["page"] == "ward.html"}
    assert ward[320]["keyboard"]["skipLink"]["works"]  # after the skip link, Tab goes on inside <main>
    assert ward[1280]["keyboard"]["tabStops"] == 4 + 3  # plus the scrolling table, the button and the back link
    for page in pages:
        for width in WIDTHS:
            png = shots / f"{page[:-5]}-{width}.png"
            assert png.exists() and png_width(png) == width


def test_the_check_reports_each_deliberate_defect(browser, tmp_path):
    proc, report = run_check(FIXTURES / "broken", tmp_path)
    assert proc.returncode == 1
    axe = axe_findings(report)
    for width in WIDTHS:
        assert ("index.html", width, "image-alt", "img") in axe
        assert ("index.html", width, "color-contrast", ".faint") in axe
        assert ("index.html", width, "skip-link-first", "main#main > p:nth-of-type(2) > a") in problems(report)
        assert ("index.html", width, "focus-visible", "main#main > p:nth-of-type(2) > a") in problems(report)
    # the 700 px block scrolls sideways at 320 px only
    assert problems(report, "reflow") == [("index.html", 320, "reflow", "main#main > div.wide")]
    assert [p[2:] for p in problems(report, "broken-link")] == [("broken-link", "main#main > p:nth-of-type(2) > a")]
    # offline.html: a page must be whole and work from a folder, with no network
    assert sorted(p[2:] for p in problems(report) if p[0] == "offline.html" and p[1] == 320) == [
        ("external-request", "https://cdn.example.org/chart-library.js"),
        ("file-fetch", str(FIXTURES / "broken" / "figures.csv")),
        ("missing-file", "figures.csv"), ("missing-file", "gone.css"), ("script-error", "")]
    # the summary a person reads names the page, the rule, the place and the help
    assert "FAIL index.html at 320 px" in proc.stdout
    assert "image-alt (critical): Images must have alternative text" in proc.stdout
    assert "the page scrolls sideways: 700 px of content in a 320 px window" in proc.stdout


# ------------------------------------------------------------------ the published website of the sample store
@pytest.fixture(scope="module")
def site(sample_store_path, tmp_path_factory) -> Path:
    """`lis publish` of the Wigan sample store (a private copy), as a user runs it, with the hot and cold spots of
    the IMD 2025 score and the siting result of `make demo`'s `lis site` (made here)."""
    out = tmp_path_factory.mktemp("published")
    store = out / "wigan_store.gpkg"
    shutil.copyfile(sample_store_path, store)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    sited = subprocess.run([sys.executable, "-m", "lis_workbench.cli", "site", str(store), "--demand",
                            "pop2016_age_0_4", "--need", "imd2019_imd_decile<=3", "--candidates", "schools",
                            "--candidates-filter", "education_phase = 'Primary'", "--p", "3", "--radius", "1500",
                            "--out", str(out / "sites.png"), "--gpkg", str(out / "sites.gpkg")],
                           capture_output=True, text=True, timeout=600, env=env)
    assert sited.returncode == 0, sited.stderr
    proc = subprocess.run([sys.executable, "-m", "lis_workbench.cli", "publish", str(store), "--out",
                           str(out / "site"), "--hotspots", "imd2025_imd_score", "--siting", str(out / "sites.gpkg")],
                          capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr
    return out / "site"


@pytest.fixture(scope="module")
def site_report(browser, site, tmp_path_factory) -> tuple[subprocess.CompletedProcess, dict]:
    return run_check(site, tmp_path_factory.mktemp("site_check"))


def test_every_page_type_is_published_and_checked(site_report, site):
    proc, report = site_report
    pages = {p.name: read_page(p) for p in site.glob("*.html")}
    assert "index.html" in pages
    wards = [f["properties"]["area_name"] for f in
             json.loads((SAMPLE / "wigan_wards_2023_bgc.geojson").read_text())["features"]]
    assert len(wards) == 25
    recipe = tomllib.loads((SAMPLE / "wigan_store.toml").read_text())
    titles = _catalogue_titles(site.parent / "wigan_store.gpkg")
    profile_titles = {titles[i] for i in recipe["settings"]["profile_indicators"] if i in titles}

    def ward_of(h1: str) -> str | None:  # the longest ward name a heading starts with ("Hindley Green" > "Hindley")
        starts = [w for w in wards if re.match(re.escape(w) + r"\b", h1 or "")]
        return max(starts, key=len) if starts else None

    ward_pages = {ward_of(p.h1): name for name, p in pages.items() if name != "index.html" and ward_of(p.h1)}
    assert sorted(ward_pages) == sorted(wards), "a ward without its page"
    indicator_pages = {name for name, p in pages.items() if p.h1 in profile_titles}
    assert indicator_pages, "no indicator page"
    statement = [name for name, p in pages.items() if (p.h1 or "").lower().startswith("accessibility statement")]
    assert statement, "no accessibility statement"
    results = [name for name, p in pages.items() if (p.h1 or "").startswith(("Hot and cold spots: ", "Siting: "))]
    assert sorted(results) == ["hotspots-imd2025_imd_score.html", "siting.html"], "no hotspot or siting page"
    home_links = set(pages["index.html"].links)
    for page in [*ward_pages.values(), *indicator_pages, *statement, *results]:
        assert page in home_links or f"./{page}" in home_links, f"the home page does not link to {page}"
    # check.mjs opened every page at both widths
    assert sorted({(r["page"], r["width"]) for r in report["records"]}) == sorted(
        (p, w) for p in pages for w in WIDTHS)


def _catalogue_titles(store: Path) -> dict[str, str]:
    import sqlite3

    conn = sqlite3.connect(store)
    try:
        return dict(conn.execute("SELECT id, title FROM lis_catalogue").fetchall())
    finally:
        conn.close()


def test_every_page_has_no_axe_violation(site_report):
    proc, report = site_report
    assert axe_findings(report) == [], proc.stdout[-6000:]


def test_every_page_reflows_at_320_px(site_report):
    proc, report = site_report
    assert problems(report, "reflow") == [], proc.stdout[-6000:]
    assert all(r["reflow"]["scrollWidth"] <= 321 for r in report["records"] if r["width"] == 320)


def test_every_page_is_keyboard_reachable_with_visible_focus(site_report):
    proc, report = site_report
    found = problems(report, "skip-link-first", "skip-link-works", "focus-visible", "keyboard-reach",
                     "keyboard-no-focus")
    assert found == [], proc.stdout[-6000:]
    for record in report["records"]:
        keyboard = record["keyboard"]
        assert keyboard["skipLink"] is not None and keyboard["tabStops"] >= keyboard["tabbables"] > 1, record["page"]
        assert keyboard["skipLink"].get("works", True), record["page"]


def test_the_site_is_whole_and_offline(site_report):
    proc, report = site_report
    assert problems(report, "broken-link", "missing-file", "external-request", "file-fetch", "script-error") == []
    assert proc.returncode == 0, proc.stdout[-6000:]

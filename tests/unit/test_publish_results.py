"""`lis publish --hotspots/--siting` through real subprocesses on the sample store (issue 17): the hot and cold spots
page counts the same hot and cold areas as `lis hotspot --csv` on the same store, colours the side of need warm
whatever the polarity (IMD 2025 score: high is bad; IMD 2019 rank: high is good), and the siting page names the
sites `lis site --csv` chose, in rank order, with its coverage; a file that is not a siting result is refused in
one line. `lis hotspot` and `lis site` draw their maps with QGIS (offscreen) in their own process."""

from __future__ import annotations

import csv
import re
from collections import Counter
from html import unescape
from pathlib import Path

import pytest
from unit_helpers import run_lis, sha256_file

HIGH_IS_BAD, HIGH_IS_GOOD = "imd2025_imd_score", "imd2019_imd_rank"
SITING = ["--demand", "pop2016_age_0_4", "--need", "imd2019_imd_decile<=3", "--candidates", "schools",
          "--candidates-filter", "education_phase = 'Primary'", "--p", "3", "--radius", "1500"]  # as `make demo`


@pytest.fixture(scope="module")
def published(built_stores, tmp_path_factory):
    """The references (`lis hotspot --csv` of both indicators, `lis site --gpkg --csv` as the demo runs it) and the
    site published with their pages."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    store = built_stores("gpkg")
    out = tmp_path_factory.mktemp("results")
    before = sha256_file(store)
    for ind in (HIGH_IS_BAD, HIGH_IS_GOOD):
        done = run_lis("hotspot", store, ind, "--out", out / f"{ind}.png", "--csv", out / f"{ind}.csv", timeout=300)
        assert done.returncode == 0, done.stderr
    sited = run_lis("site", store, *SITING, "--out", out / "sites.png", "--gpkg", out / "sites.gpkg", "--csv",
                    out / "sites.csv", timeout=300)
    assert sited.returncode == 0, sited.stderr
    done = run_lis("publish", store, "--out", out / "site", "--indicators", "imd2019_imd_rank",
                   "--hotspots", f"{HIGH_IS_BAD},{HIGH_IS_GOOD}", "--siting", out / "sites.gpkg", timeout=600)
    assert done.returncode == 0, done.stderr
    assert sha256_file(store) == before
    return out, sited.stdout, done.stdout


def _rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _fills(html: str) -> dict[str, str]:
    """area name -> the fill of its path on the page's map (from the path's tooltip)."""
    return {unescape(m.group(2)).split(" (")[0].split(":")[0]: m.group(1) for m in
            re.finditer(r'<path d="[^"]*" fill="([^"]+)"><title>([^<]*)</title>', html)}


def _warm(colour: str) -> bool:
    r, b = int(colour[1:3], 16), int(colour[5:7], 16)
    return r > b


@pytest.mark.parametrize("indicator, need", [(HIGH_IS_BAD, "Hot spot"), (HIGH_IS_GOOD, "Cold spot")])
def test_hotspot_page_counts_the_areas_lis_hotspot_finds(published, indicator, need):
    out, _, stdout = published
    reference = _rows(out / f"{indicator}.csv")
    expected = Counter(r["gi_cluster"] for r in reference)
    page = (out / "site" / f"hotspots-{indicator}.html").read_text(encoding="utf-8")
    text = _text(page)
    assert "<h1>Hot and cold spots: " in page and '<html lang="en-GB">' in page and "<script" not in page
    # the key counts each category as `lis hotspot` wrote it
    for category, n in expected.items():
        assert re.search(re.escape(category) + r"(: [^()]*\([^)]*\))? \(" + str(n) + r" LSOAs?\)", text), category
    hot = sum(n for c, n in expected.items() if c.startswith("Hot spot"))
    cold = sum(n for c, n in expected.items() if c.startswith("Cold spot"))
    assert hot and cold, "the sample store should have both hot and cold spots"
    need_n, other_n = (hot, cold) if need == "Hot spot" else (cold, hot)
    assert f"{need_n} of the {len(reference)} LSOAs are in clusters of greater need" in text
    assert f"{other_n} of the {len(reference)} LSOAs are in clusters of less need" in text
    # the page's CSV holds the same categories, area by area
    mine = {r["area_code"]: r["gi_cluster"] for r in _rows(out / "site" / f"hotspots-{indicator}.csv")}
    assert mine == {r["area_code"]: r["gi_cluster"] for r in reference}
    # the side of need is warm (red over blue), the other side cool, whichever way the indicator points
    fills = _fills(page)
    for row in reference:
        cluster = row["gi_cluster"]
        if cluster.startswith(("Hot spot", "Cold spot")):
            assert _warm(fills[row["area_name"]]) == cluster.startswith(need), (row["area_name"], cluster)


def test_siting_page_names_the_chosen_sites(published):
    out, sited, _ = published
    chosen = sorted((r for r in _rows(out / "sites.csv") if float(r["selected"] or 0) == 1),
                    key=lambda r: float(r["rank"]))
    assert len(chosen) == 3
    page = (out / "site" / "siting.html").read_text(encoding="utf-8")
    table = re.search(r'<table id="sites">.*?</table>', page, re.S).group(0)
    names = [_text(cells[1]) for cells in re.findall(r"<tr><t[hd][^>]*>(.*?)</t[hd]><td[^>]*>(.*?)</td>", table)]
    assert names == [r["name"] for r in chosen]
    assert [r["name"] for r in _rows(out / "site" / "siting-sites.csv")] == [r["name"] for r in chosen]
    text = _text(page)
    for rank, row in enumerate(chosen, start=1):
        assert f"{rank}. {row['name']} (adds {float(row['marginal_gain']):,.0f})" in text
    # the coverage `lis site` printed: "... reach 4,041 of 9,704 (41.6%) ..."
    reached, total, share = re.search(r"reach ([\d,]+) of ([\d,]+) \(([\d.]+%)\)", sited).groups()
    assert f"reach {reached} of the {total} demand ({share})" in text
    gap = sum(1 for r in _rows_gpkg(out / "sites.gpkg", "gap"))
    assert f"{gap} areas with demand are beyond reach" in text


def _rows_gpkg(path: Path, layer: str) -> list[tuple]:
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        return conn.execute(f'SELECT area_code FROM "{layer}"').fetchall()  # noqa: S608 - a fixed layer name
    finally:
        conn.close()


def test_home_page_links_the_result_pages(published):
    out, _, stdout = published
    home = (out / "site" / "index.html").read_text(encoding="utf-8")
    for target in (f"hotspots-{HIGH_IS_BAD}.html", f"hotspots-{HIGH_IS_GOOD}.html", "siting.html"):
        assert f'href="{target}"' in home and (out / "site" / target).is_file()
    assert 'id="results"' in home
    assert "32 pages" in " ".join(stdout.split())  # 25 wards, 1 indicator, 3 result pages, home, methods, a11y


def test_publish_refuses_a_file_that_is_not_a_siting_result(built_stores, tmp_path):
    store = built_stores("gpkg")
    result = run_lis("publish", store, "--out", tmp_path / "site", "--siting", store, timeout=300)
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().startswith(f"Error: {store} is not a siting result: it has no layer sites or demand")
    result = run_lis("publish", store, "--out", tmp_path / "site", "--hotspots", "no_such_thing")
    assert result.returncode == 1 and result.stderr.startswith("Error: The store has no indicator 'no_such_thing'")
    assert not (tmp_path / "site").exists()

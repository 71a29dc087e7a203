"""`lis publish` through a real subprocess on the sample store: the site and its one-line summary; a wrong borough,
an unknown indicator and a file in place of the folder each get one line and their exit code; the store is not
changed."""

from __future__ import annotations

from unit_helpers import run_lis, sha256_file


def test_publish_writes_the_site_and_says_so(built_stores, tmp_path):
    store = built_stores("gpkg")
    before = sha256_file(store)
    out = tmp_path / "site"
    result = run_lis("publish", store, "--out", out, "--borough", "wigan",
                     "--indicators", "iod2019_overcrowding,claimant_count", timeout=300)
    assert result.returncode == 0, result.stderr
    pages = sorted(p.name for p in out.glob("*.html"))
    assert len(pages) == 25 + 2 + 3
    assert {"index.html", "methods.html", "accessibility.html", "indicator-iod2019_overcrowding.html",
            "indicator-claimant_count.html"} <= set(pages)
    assert (out / "indicator-claimant_count.csv").is_file() and (out / "site.css").is_file()
    assert " ".join(result.stdout.split()) == (f"Wrote {out / 'index.html'}: 30 pages for Wigan (25 wards, 2 "
                                               f"indicators) in {out}")
    assert "Traceback" not in result.stderr
    assert sha256_file(store) == before


def test_publish_refuses_in_one_line(built_stores, tmp_path):
    store = built_stores("gpkg")
    result = run_lis("publish", store, "--out", tmp_path / "a", "--borough", "Bolton")
    assert result.returncode == 1
    assert result.stderr.strip() == ("Error: 'Bolton' is not a borough of this store (lad23); the choices are: "
                                     "Wigan (E08000010). (option --borough)")
    result = run_lis("publish", store, "--out", tmp_path / "b", "--indicators", "no_such_thing")
    assert result.returncode == 1 and result.stderr.startswith("Error: The store has no indicator 'no_such_thing'")
    blocker = tmp_path / "c"
    blocker.write_text("a file")
    result = run_lis("publish", store, "--out", blocker)
    assert result.returncode == 2
    assert "needs a folder" in result.stderr and "(option --out)" in result.stderr
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    result = run_lis("publish", store)
    assert result.returncode == 2 and "--out" in result.stderr
    assert "Traceback" not in result.stderr


def test_publish_pages_for_custom_neighbourhoods(built_stores, tmp_path):
    """Custom areas publish like wards (issue 18): a page per neighbourhood, whose count is the sum of its LSOAs'
    values in the partner file (summed here with pandas, not by the engine)."""
    import html
    import shutil

    import pandas as pd
    from unit_helpers import SAMPLE

    store = tmp_path / "store.gpkg"
    shutil.copyfile(built_stores("gpkg"), store)
    codes = SAMPLE / "wigan_neighbourhoods_lsoa11.csv"
    assert run_lis("areas", "add", store, "neighbourhoods", "--codes", codes).returncode == 0
    out = tmp_path / "site"
    result = run_lis("publish", store, "--out", out, "--geography", "neighbourhoods", "--lookup",
                     "lsoa11_neighbourhoods", "--indicators", "iod2019_income_numerator", timeout=300)
    assert result.returncode == 0, result.stderr
    pages = sorted(p.name for p in out.glob("neighbourhood-*.html"))
    assert pages == ["neighbourhood-hindley_ince_and_abram.html", "neighbourhood-leigh.html",
                     "neighbourhood-wigan_town_centre.html"]
    income = pd.read_csv(SAMPLE / "wigan_imd2019_indicators.csv")
    code_col, count_col = "lsoa11_code", "income_domain_numerator"
    hoods = pd.read_csv(codes).merge(income[[code_col, count_col]], left_on="code", right_on=code_col)
    leigh = int(hoods.loc[hoods["name"] == "Leigh", count_col].sum())
    text = html.unescape((out / "neighbourhood-leigh.html").read_text(encoding="utf-8"))
    assert f"{leigh:,}" in text

"""The area-profile book is a document people can read (issue 17): real text that poppler extracts (each ward's
values as printed, worked out here from the LSOAs with pandas), small, titled, in a declared language, with no
picture standing in for the table, nothing under 7 pt, numbers for people, and a methods section at the end."""

from __future__ import annotations

import math
import re
import subprocess
import sys
import unicodedata
from collections import Counter

import numpy as np
import pytest

INDICATORS = ["pop2016_total", "iod2019_income_numerator", "iod2019_overcrowding", "iod2019_staying_on_post16",
              "iod2019_no2", "claimant_count"]


def _poppler(*args: str) -> str:
    return subprocess.run(list(args), capture_output=True, text=True, check=True).stdout


def _pages(pdf) -> list[str]:
    text = _poppler("pdftotext", "-layout", str(pdf), "-")
    return [unicodedata.normalize("NFKC", page) for page in text.split("\f")[:-1]]


@pytest.fixture(scope="module")
def book(sample_store_path, tmp_path_factory):
    """`lis profile` on the sample store's default indicators, with one PDF per ward."""
    folder = tmp_path_factory.mktemp("profile_pdf")
    pdf = folder / "wigan_profiles.pdf"
    done = subprocess.run([sys.executable, "-m", "lis_workbench.cli", "profile", str(sample_store_path), "--out",
                           str(pdf), "--per-area", str(folder / "each")], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return pdf, folder / "each"


@pytest.fixture(scope="module")
def expected(sample_store_path):
    """Each ward's values for INDICATORS, made here from the LSOAs (or 2022 wards) and the lookups, and printed as a
    reader expects: counts with thousands separators, proportions as percentages, ratios to three places."""
    from lis_workbench.core.store import Store

    with Store.open(sample_store_path) as store:
        names = dict(store.area_codes("ward23"))
        lsoa_ward = store.lookup("lsoa11_ward23").set_index("from_code")["to_code"]
        ward22_ward = store.lookup("ward22_ward23").set_index("from_code")["to_code"]
        values = {ind: store.get_values(ind).set_index("area_code")["value"] for ind in INDICATORS + ["pop2015_total"]}
    population = values["pop2015_total"]
    out: dict[str, dict[str, str]] = {code: {} for code in names}
    for ind in ("pop2016_total", "iod2019_income_numerator"):
        for ward, total in values[ind].groupby(lsoa_ward).sum().items():
            out[ward][ind] = f"{total:,.0f}"
    for ward, total in values["claimant_count"].groupby(ward22_ward).sum().items():
        out[ward]["claimant_count"] = f"{total:,.0f}"
    for ind, shown in (("iod2019_overcrowding", lambda v: f"{v * 100:.1f}%"),
                       ("iod2019_staying_on_post16", lambda v: f"{v * 100:.1f}%"),
                       ("iod2019_no2", lambda v: f"{v:.3f}")):
        for ward, codes in lsoa_ward.groupby(lsoa_ward):
            lsoas = codes.index
            out[ward][ind] = shown(np.average(values[ind].reindex(lsoas), weights=population.reindex(lsoas)))
    return names, out


def test_every_ward_page_shows_its_name_and_values_as_text(book, expected):
    pdf, _ = book
    names, values = expected
    pages = _pages(pdf)
    wards = sorted(names.items(), key=lambda kv: kv[1])  # pages run in name order
    area_pages = [p for p in pages if not p.lstrip().startswith("Methods")]
    assert len(area_pages) == 25
    for (code, name), page in zip(wards, area_pages):
        assert page.lstrip().startswith(name), name
        for ind, text in values[code].items():
            assert re.search(rf"(?<![\d.,]){re.escape(text)}(?![\d%])", page), f"{name}: {ind} {text} not on page"
        assert "Oct 2017" in page and "2017-10" not in page  # the claimant count's month, by name
        assert "e+0" not in page
        assert f"How {name}'s values were made" in page
    methods = pages[len(area_pages):]
    assert methods and "Methods: how the values were made" in methods[0]
    words = " ".join(" ".join(methods).split())
    assert "Ward values (through lookup lsoa11_ward23 (best fit)): sum of" in words
    assert "Index of Multiple Deprivation rank" not in " ".join(pages)  # left out: no ward can show a rank


def test_book_is_small_titled_in_english_and_not_a_picture(book):
    from pypdf import PdfReader

    pdf, _ = book
    assert pdf.stat().st_size < 2_000_000, f"{pdf.stat().st_size:,} bytes"
    info = _poppler("pdfinfo", str(pdf))
    assert re.search(r"^Title:\s+Area profiles: Wigan$", info, re.M)
    assert re.search(r"^Creator:\s+LIS Workbench", info, re.M)
    images = _poppler("pdfimages", "-list", str(pdf)).splitlines()[2:]
    assert images == []  # the table, charts and map are vectors and text
    reader = PdfReader(str(pdf))  # a second reader: the incremental update adding /Lang reads back
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert reader.trailer["/Root"]["/ViewerPreferences"]["/DisplayDocTitle"] == True  # noqa: E712 (a pypdf BooleanObject)
    assert len(reader.pages) == int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def test_no_text_is_smaller_than_7_pt(book):
    """Every piece of text's size on the page: its font size times the text and graphics matrices' scale."""
    from pypdf import PdfReader

    pdf, _ = book
    sizes: Counter = Counter()

    def visit(text, cm, tm, _font, size):
        if not text.strip():
            return
        a, b = tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3]
        c, d = tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3]
        sizes[round(size * math.sqrt(abs(a * d - b * c)), 2)] += 1

    reader = PdfReader(str(pdf))
    for page in (reader.pages[0], reader.pages[12], reader.pages[-1]):
        page.extract_text(visitor_text=visit)
    assert sum(sizes.values()) > 300
    assert min(sizes) >= 6.99, sorted(sizes.items())[:5]


def test_one_file_per_ward_each_titled_with_its_ward(book, expected):
    _, folder = book
    names, _ = expected
    files = sorted(folder.glob("profile_*.pdf"))
    assert len(files) == 25
    first = files[0]
    info = _poppler("pdfinfo", str(first))
    ward = sorted(names.values())[0]
    assert re.search(rf"^Title:\s+Area profile: {re.escape(ward)}, Wigan$", info, re.M)
    pages = _pages(first)
    assert pages[0].lstrip().startswith(ward) and "Methods: how the values were made" in pages[1]
    assert b"/Lang (en-GB)" in first.read_bytes()


def test_export_stops_when_cancelled_and_leaves_no_half_file(sample_store_path, tmp_path):
    from lis_workbench.core.errors import Cancelled
    from lis_workbench.core.profile import build_profiles
    from lis_workbench.core.store import Store
    from lis_workbench.qgis_bridge.profile import export_profiles

    with Store.open(sample_store_path) as store:
        profiles = build_profiles(store, ["pop2016_total", "iod2019_overcrowding"])
    seen = []
    pdf = tmp_path / "stopped.pdf"
    with pytest.raises(Cancelled):
        export_profiles(profiles, pdf, progress=lambda f, m: seen.append(f), cancelled=lambda: len(seen) >= 3)
    assert len(seen) == 3 and not pdf.exists()
    files = export_profiles(profiles, pdf, progress=lambda f, m: seen.append(f))
    assert files == [str(pdf)] and seen[-1] == 1.0

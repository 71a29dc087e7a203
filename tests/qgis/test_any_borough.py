"""Any borough: a Greater Manchester store (ten boroughs, 215 wards, from ../shared/data) makes profiles and
atlases for the borough asked for with --borough, and says which boroughs there are when none is named.
The wards each borough should get are counted independently from ONS's ward -> district lookup."""

from __future__ import annotations

import subprocess
import sys
import unicodedata

import pandas as pd
import pytest

from tests.conftest import ROOT

GM = ROOT.parent / "shared" / "data" / "greater_manchester"
RECIPE = """
[settings]
home_geography = "lad23"
area_geography = "ward23"
small_area_geography = "lsoa11"
area_lookup = "lsoa11_ward23"
profile_indicators = ["gm_no_qualifications", "gm_imd2015_score"]

[[geography]]
name = "lsoa11"
file = "{gm}/boundaries/gm_lsoa11_bgc.geojson"
[[geography]]
name = "ward23"
file = "{gm}/boundaries/gm_wards_2023_bgc.geojson"
[[geography]]
name = "lad23"
file = "{gm}/boundaries/gm_local_authorities_2023_bgc.geojson"

[[lookup]]
name = "lsoa11_ward23"
from = "lsoa11"
to = "ward23"
method = "best_fit"

[[import]]
file = "{gm}/indicators/gm_census2011_no_qualifications_lsoa11.csv"
layout = "long"
period = "2011"
values = {{ value = "gm_no_qualifications" }}
[import.defaults]
title = "Working-age adults with no qualifications"
unit = "people"
value_type = "count"
polarity = "high_is_bad"

[[import]]
file = "{gm}/indicators/gm_imd2015_scores_long.csv"
layout = "long"
period = "2015"
indicator_column = "index_domain"
values = {{ score = "gm_imd2015_{{slug}}" }}
"""


@pytest.fixture(scope="module")
def gm_store(tmp_path_factory):
    if not (GM / "boundaries" / "gm_wards_2023_bgc.geojson").exists():
        pytest.skip("the Greater Manchester data (../shared/data/greater_manchester) is not here")
    folder = tmp_path_factory.mktemp("gm")
    recipe = folder / "gm.toml"
    text = RECIPE.format(gm=GM.as_posix()).replace('"gm_imd2015_score"', '"gm_imd2015_index_of_multiple_deprivation"')
    recipe.write_text(text)
    store = folder / "gm.gpkg"
    done = _lis("store", "build", recipe, "--out", store)
    assert done.returncode == 0, done.stderr
    return store


def _lis(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lis_workbench.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=900)


def _wards(borough_name: str) -> pd.DataFrame:
    """The 2023 wards of a borough, from the wards' own file (its local-authority column), not the engine."""
    import pyogrio

    wards = pyogrio.read_dataframe(GM / "boundaries" / "gm_wards_2023_bgc.geojson", read_geometry=False)
    return wards[wards["local_authority_area_name"] == borough_name]


def _wards_of(borough_name: str) -> set[str]:
    return set(_wards(borough_name)["area_code"])


def _ward_names(borough_name: str) -> list[str]:
    return list(_wards(borough_name)["area_name"])


def test_profile_without_a_borough_lists_the_choices(gm_store, tmp_path):
    done = _lis("profile", gm_store, "--out", tmp_path / "p.pdf")
    assert done.returncode == 1
    message = done.stderr.strip()
    assert "serves 10 boroughs" in message and "Bolton (E08000001)" in message and "Wigan (E08000010)" in message
    assert "--borough" in message and "Traceback" not in done.stderr


@pytest.mark.parametrize("borough", ["Bolton", "E08000009"])  # by name; Trafford by code
def test_profiles_for_one_borough(gm_store, tmp_path, borough):
    from pypdf import PdfReader

    names = {"E08000009": "Trafford"}
    name = names.get(borough, borough)
    pdf = tmp_path / "profiles.pdf"
    done = _lis("profile", gm_store, "--borough", borough, "--out", pdf)
    assert done.returncode == 0, done.stderr
    expected = _wards_of(name)
    reader = PdfReader(str(pdf))
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    area_pages = [t for t in texts if not t.startswith("Methods")]
    assert len(area_pages) == len(expected) > 15 and texts[len(expected)].startswith("Methods")  # then the methods
    text = unicodedata.normalize("NFKC", texts[0])
    assert f"compared with {name} and England" in text
    assert f"pages for {name}" in done.stdout


@pytest.mark.parametrize("borough", ["Rochdale", "Stockport"])
def test_atlas_for_one_borough(gm_store, tmp_path, borough):
    from pypdf import PdfReader

    pdf = tmp_path / "atlas.pdf"
    done = _lis("atlas", gm_store, "gm_no_qualifications", "--borough", borough, "--out", pdf)
    assert done.returncode == 0, done.stderr
    expected = _ward_names(borough)
    reader = PdfReader(str(pdf))
    assert len(reader.pages) == len(expected)
    titles = [" ".join(unicodedata.normalize("NFKC", page.extract_text()).split(":")[0].split())
              for page in reader.pages]
    assert sorted(titles) == sorted(expected)  # one page per ward of the borough, titled with its name


def test_unknown_borough_is_refused_with_the_choices(gm_store, tmp_path):
    done = _lis("atlas", gm_store, "gm_no_qualifications", "--borough", "Atlantis", "--out", tmp_path / "a.pdf")
    assert done.returncode == 1
    assert "'Atlantis' is not a borough of this store" in done.stderr and "Salford (E08000006)" in done.stderr

"""Per-area outputs give every area its own file, whatever its name (issue 12, case 8): a 300-character ward name
used to abort `--per-area` part-way (after 3 profiles or 9 atlas pages) on the 255-byte file-name limit."""

from __future__ import annotations

import shutil
import subprocess
import sys
import unicodedata

import geopandas as gpd
import pytest

from lis_workbench.core.file_names import MAX_STEM
from tests.conftest import SAMPLE

LONG_NAME = ("Ashton-in-Makerfield, Bryn, Garswood and the Lower Hindley Green Community Council Neighbourhood "
             "Improvement Area including the former Stubshaw Cross colliery lands ") * 2
LONG_NAME = LONG_NAME[:300]


@pytest.fixture
def long_named_store(sample_store_path, tmp_path):
    """The sample store with one 2023 ward renamed to a 300-character name (and another sharing its first 60)."""
    store = tmp_path / "long_names.gpkg"
    shutil.copyfile(sample_store_path, store)
    wards = gpd.read_file(SAMPLE / "wigan_wards_2023_bgc.geojson").sort_values("area_code").reset_index(drop=True)
    wards.loc[4, "area_name"] = LONG_NAME
    wards.loc[5, "area_name"] = LONG_NAME[:MAX_STEM + 40] + " (east)"
    boundaries = tmp_path / "wards.geojson"
    wards.to_file(boundaries, driver="GeoJSON")
    done = _lis("geography", "add", store, "ward23", boundaries, "--replace")
    assert done.returncode == 0, done.stderr
    return store


def _lis(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lis_workbench.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=600)


def test_every_ward_gets_its_atlas_page_file(long_named_store, tmp_path):
    folder = tmp_path / "atlas"
    done = _lis("atlas", long_named_store, "imd2019_imd_decile", "--method", "decile", "--per-area",
                "--out", folder / "ward.pdf")
    assert done.returncode == 0, done.stderr
    files = sorted(folder.glob("ward_*.pdf"))
    assert len(files) == 25
    assert all(len(f.name.encode()) < 100 for f in files)
    assert len({f.name for f in files}) == 25


def test_every_ward_gets_its_profile_file(long_named_store, tmp_path):
    from pypdf import PdfReader

    folder = tmp_path / "profiles"
    done = _lis("profile", long_named_store, "--indicators", "pop2016_total,imd2019_imd_rank",
                "--out", tmp_path / "all.pdf", "--per-area", folder)
    assert done.returncode == 0, done.stderr
    files = sorted(folder.glob("profile_*.pdf"))
    assert len(files) == 25
    long_files = [f for f in files if "Ashton_in_Makerfield_Bryn" in f.name]
    assert len(long_files) == 2 and long_files[0].name != long_files[1].name
    # each file is one ward's page, titled with its name on one line (a long name cut with an ellipsis)
    wards = gpd.read_file(long_named_store, layer="geo_ward23")
    titles = sorted(unicodedata.normalize("NFKC", " ".join(PdfReader(str(f)).pages[0].extract_text()
                                                          .split("\n")[0].split())) for f in files)
    short = sorted(n for n in wards["area_name"] if len(n) < 50)
    assert [t for t in titles if not t.endswith("...")] == short  # NFKC: the ellipsis reads as "..."
    assert [t for t in titles if t.endswith("...")] == ["Ashton-in-Makerfield, Bryn, Garswood and the Lower..."] * 2

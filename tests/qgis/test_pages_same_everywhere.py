"""The first page of `lis map`, `lis atlas` and `lis profile` reads the same, word for word in reading order, on
every QGIS we support (3.22 and 3.44): the words are kept in tests/qgis/pages/ and each QGIS must give them
(store checksums, dates, the version, the store's file name and hyphens aside). A legend entry lost, a scale bar label
changed or a footer cut differently on one QGIS fails here (issue 14). LIS_RECORD_PAGES=1 rewrites the files."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lis_workbench import __version__

PAGES = Path(__file__).with_name("pages")
COMMANDS = {
    "map": ["map", "{store}", "imd2019_imd_decile", "--method", "decile"],
    # the areas' names are placed by QGIS's labelling engine, where each version puts them (and so reads them out)
    # in its own order: the page's own words are compared without them; test_layouts_in_qgis checks the names
    "atlas": ["atlas", "{store}", "imd2019_imd_decile", "--method", "decile", "--no-labels"],
    "profile": ["profile", "{store}"],
}


def _words(pdf: Path, store: Path) -> str:
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    text = " ".join(text.split())
    # a font's ligatures come back as one character (QGIS 3.44 sets "ff" in a checksum as U+FB00): spell them out
    for ligature, letters in (("\ufb00", "ff"), ("\ufb01", "fi"), ("\ufb02", "fl"), ("\ufb03", "ffi"),
                              ("\ufb04", "ffl")):
        text = text.replace(ligature, letters)
    text = text.replace(store.name, "<store>").replace(__version__, "<version>")
    text = re.sub(r"\b[0-9a-f]{16}\b", "<checksum>", text)
    text = re.sub(r"\b\d{4}-\d{2}-\d{2}\b", "<date>", text)
    # a hyphenated word split over two lines comes back without its hyphen, and the versions' font metrics
    # break lines in different places: compare hyphenated words without their hyphens
    return re.sub(r"(\w)-(\w)", r"\1\2", text)


@pytest.mark.parametrize("page", sorted(COMMANDS))
def test_first_page_words_are_the_same_on_every_qgis(page, sample_store_path, tmp_path):
    pdf = tmp_path / f"{page}.pdf"
    args = [sample_store_path if a == "{store}" else a for a in COMMANDS[page]]
    done = subprocess.run([sys.executable, "-m", "lis_workbench.cli", *map(str, args), "--out", str(pdf)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    words = _words(pdf, sample_store_path)
    kept = PAGES / f"{page}.txt"
    if os.environ.get("LIS_RECORD_PAGES"):
        kept.write_text(words + "\n", encoding="utf-8")
    assert words == kept.read_text(encoding="utf-8").strip()

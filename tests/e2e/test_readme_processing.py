"""The README's qgis_process examples, run as written: every `qgis_process.bin` line of the "Batch runs with
qgis_process" section, in order, on the packaged plugin in a fresh profile, with `out/` pointing at a scratch
folder holding a copy of the sample store. An example that no longer runs fails here."""

from __future__ import annotations

import re
import shlex
import shutil

import pytest
from osgeo import ogr

from tests.conftest import ROOT
from tests.e2e.harness import build_zip, install_zip, qgis_process

SECTION = "### Batch runs with qgis_process"


def readme_commands() -> list[list[str]]:
    """The qgis_process.bin commands of the README's batch section (continuation lines joined), as argv lists
    without the program name."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    section = section[:section.index("\n## ", 1)]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words and words[0] == "qgis_process.bin":
                commands.append(words[1:])
    return commands


def test_the_readme_section_has_the_examples():
    commands = readme_commands()
    run = [c[1] for c in commands if c[0] == "run"]
    assert run == ["lisworkbench:importindicators", "lisworkbench:loadindicator", "lisworkbench:thematicmap",
                   "lisworkbench:exportatlas", "lisworkbench:gistar", "lisworkbench:areaprofiles",
                   "lisworkbench:trend"]


@pytest.fixture()
def batch_profile(tmp_path):
    config = tmp_path / "qgis_config"
    install_zip(build_zip(), config, enable=False)  # the README enables it
    return config


def test_readme_processing_examples_run(batch_profile, sample_store_path, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    shutil.copyfile(sample_store_path, out / "wigan_store.gpkg")
    written = []
    for words in readme_commands():
        args = [w.replace("out/", f"{out}/").replace("sample_data/", f"{ROOT / 'sample_data'}/") for w in words]
        result = qgis_process(args, batch_profile, timeout=300)
        assert result.returncode == 0, (" ".join(words), result.stdout[-2000:], result.stderr[-2000:])
        # nothing of ours that QGIS 3.44 warns about (setMode, the QVariant QgsField constructor, setFont ...)
        ours = [line for line in (result.stdout + result.stderr).splitlines()
                if "lis_workbench" in line and "Warning" in line]
        assert ours == [], (" ".join(words), ours)
        written += [a.split("=", 1)[1] for a in args if re.match(r"OUTPUT\w*=", a)]
    for path in written:
        assert (out / path.split("/")[-1]).stat().st_size > 0, path
    hotspots = ogr.Open(str(out / "imd_hotspots.gpkg"))
    assert hotspots.GetLayer(0).GetFeatureCount() == 200
    assert "gi_cluster" in [f.GetName() for f in hotspots.GetLayer(0).schema]

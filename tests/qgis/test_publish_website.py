"""Processing "Publish website" and the dock's "Publish website…" in real QGIS: the same site as `lis publish`
(the same pages, byte for byte but for the date line), the summary, a wrong borough refused naming the parameter,
and Cancel from the feedback leaving no pages."""

from __future__ import annotations

import html
import re
import subprocess
import sys

import pytest
from qgis.core import QgsProcessingException, QgsProcessingFeedback

from tests.qgis.qgis_helpers import wait_for_task

INDICATORS = "iod2019_overcrowding,iod2019_income_numerator"


def pages(folder) -> dict[str, str]:
    """Each page and CSV of a site by name (the 'Made on' date of a page is the day's, the same for all runs)."""
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.suffix in (".html", ".csv",
                                                                                                  ".css")}


def test_processing_dock_and_cli_write_the_same_site(plugin, provider, sample_store_path, tmp_path):
    import processing

    by_cli, by_processing, by_dock = tmp_path / "cli", tmp_path / "processing", tmp_path / "dock"
    run = subprocess.run([sys.executable, "-m", "lis_workbench.cli", "publish", str(sample_store_path), "--out",
                          str(by_cli), "--indicators", INDICATORS], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    result = processing.run("lisworkbench:publishwebsite", {"STORE": str(sample_store_path), "BOROUGH": "Wigan",
                                                            "INDICATORS": INDICATORS, "OUTPUT": str(by_processing)})
    summary = f"30 pages for Wigan (25 wards, 2 indicators) in {by_processing}"
    assert result["PAGES"] == 30 and result["SUMMARY"] == summary
    assert result["INDEX"] == str(by_processing / "index.html")
    cli, door = pages(by_cli), pages(by_processing)
    assert sorted(cli) == sorted(door) and len(cli) == 30 + 2 + 1
    assert cli == door
    assert "Highest in " in door["indicator-iod2019_overcrowding.html"]

    dock = plugin.dock
    dock.open_store(str(sample_store_path))
    assert dock.publishButton.isEnabled()
    wait_for_task(dock.publish_website(folder=str(by_dock)), timeout=300)
    made = pages(by_dock)
    assert len([n for n in made if n.startswith("indicator-") and n.endswith(".html")]) == 12  # the store's list
    assert made["ward-abram.html"].count("<h1>") == 1 and "site.css" in made
    label = html.unescape(re.sub(r"<[^>]+>", "", dock.statusLabel.text()))
    assert label == f"Wrote {by_dock / 'index.html'}: 40 pages for Wigan (25 wards, 12 indicators) in {by_dock}."


def test_a_wrong_borough_is_refused_naming_the_parameter(provider, sample_store_path, tmp_path):
    import processing

    with pytest.raises(QgsProcessingException) as caught:
        processing.run("lisworkbench:publishwebsite", {"STORE": str(sample_store_path), "BOROUGH": "Bolton",
                                                       "OUTPUT": str(tmp_path / "site")})
    message = " ".join(str(caught.value).split())
    assert message.startswith("'Bolton' is not a borough of this store (lad23); the choices are: Wigan (E08000010).")
    assert message.endswith(", BOROUGH)")
    assert not (tmp_path / "site").exists()


def test_cancel_from_processing_leaves_no_pages(provider, sample_store_path, tmp_path):
    import processing

    class Stopping(QgsProcessingFeedback):
        """Cancels once the first pages are under way."""

        def setProgress(self, progress):  # noqa: N802
            super().setProgress(progress)
            if progress > 40:
                self.cancel()

    with pytest.raises(QgsProcessingException):
        processing.run("lisworkbench:publishwebsite", {"STORE": str(sample_store_path),
                                                       "OUTPUT": str(tmp_path / "site")}, feedback=Stopping())
    assert not list((tmp_path / "site").glob("*.html"))
    assert not [p for p in (tmp_path / "site").iterdir() if p.name.startswith(".lis-publish")]

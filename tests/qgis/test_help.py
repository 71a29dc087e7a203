"""The offline help (issue 14): the page that ships in the plugin is the one the algorithms make today, each
algorithm's Help button opens its own section, and its help text ends with a qgis_process example."""

from __future__ import annotations

import re

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QUrl

from lis_workbench import __version__
from lis_workbench.processing.help_page import HELP_PAGE, render


def _ours():
    return [a for a in QgsApplication.processingRegistry().algorithms() if a.provider().id() == "lisworkbench"]


def test_the_shipped_help_page_is_current(plugin):
    algorithms = _ours()
    assert len(algorithms) >= 16
    assert HELP_PAGE.read_text(encoding="utf-8") == render(algorithms, __version__), \
        "the help page is out of date: run tools/make_help.py"


def test_each_algorithm_opens_its_own_section_with_an_example(plugin):
    page = HELP_PAGE.read_text(encoding="utf-8")
    sections = set(re.findall(r'<section id="([a-z]+)">', page))
    for alg in _ours():
        url = QUrl(alg.helpUrl())
        assert url.isLocalFile() and url.toLocalFile() == str(HELP_PAGE), alg.helpUrl()
        assert url.fragment() == alg.name() and alg.name() in sections
        assert f"qgis_process run lisworkbench:{alg.name()} --" in alg.shortHelpString()
    assert '<html lang="en-GB">' in page and "<title>" in page

"""Words marked for translation (issue 14): pylupdate5 finds them, and lis_workbench/i18n/lis_workbench.ts, the
source a translator starts from, holds every one of them (`make i18n` renews it)."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET  # nosec B405 - our own file, made by pylupdate5
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "lis_workbench" / "i18n" / "lis_workbench.ts"


def _messages(ts: Path) -> set[tuple[str, str]]:
    tree = ET.parse(ts)  # nosec B314
    return {(c.findtext("name"), m.findtext("source")) for c in tree.getroot().iter("context")
            for m in c.iter("message")}


@pytest.mark.skipif(shutil.which("pylupdate5") is None, reason="pylupdate5 (Debian's pyqt5-dev-tools) is missing")
def test_the_translation_source_holds_every_marked_string(tmp_path):
    sources = sorted(str(p) for p in (ROOT / "lis_workbench").rglob("*")
                     if p.suffix in (".py", ".ui") and "__pycache__" not in p.parts)
    fresh = tmp_path / "fresh.ts"
    subprocess.run(["pylupdate5", "-noobsolete", *sources, "-ts", str(fresh)], check=True, capture_output=True)
    found = _messages(fresh)
    assert ("LisWorkbench", "Hotspots (Gi*)") in found  # an algorithm's name (QT_TRANSLATE_NOOP)
    assert ("LisWorkbench", "LIS Workbench help") in found  # the Help menu entry
    assert any(context == "LisDockBase" for context, _ in found)  # the dock's .ui file
    assert ("LisDock", "Added {layer}: {count} areas.") in found  # the dock's own messages (self.tr)
    assert _messages(TS) == found, "lis_workbench/i18n/lis_workbench.ts is out of date: run make i18n"

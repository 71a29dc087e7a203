"""tools/qt6_check.py (run by `make lint`) finds each Qt5-only pattern and passes the Qt6-ready spelling (issue 14)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import qt6_check  # noqa: E402


@pytest.mark.parametrize("code, what", [
    ("from PyQt5.QtCore import Qt\n", "through qgis.PyQt"),
    ("import PyQt6\n", "through qgis.PyQt"),
    ("dialog.exec_()\n", "exec_() is Qt5 only"),
    ("pattern = QRegExp('a')\n", "QRegExp is gone"),
    ("screen = QDesktopWidget()\n", "QDesktopWidget is gone"),
    ("label.setAlignment(Qt.AlignLeft)\n", "Qt.AlignLeft needs its enum"),
    ("kind = QgsWkbTypes.PolygonGeometry\n", "QgsWkbTypes.PolygonGeometry needs its enum"),
    ("f = QgsField('x', QVariant.Double)\n", "QVariant.Double needs its enum"),
])
def test_each_qt5_pattern_is_found(tmp_path, code, what):
    source = tmp_path / "bad.py"
    source.write_text(code)
    found = qt6_check.problems(source)
    assert len(found) == 1 and what in found[0], found
    assert qt6_check.main([str(tmp_path)]) == 1


def test_the_qt6_spellings_pass(tmp_path):
    source = tmp_path / "good.py"
    source.write_text("from qgis.PyQt.QtCore import Qt\nlabel.setAlignment(Qt.AlignmentFlag.AlignLeft | "
                      "Qt.AlignmentFlag.AlignTop)\ndialog.exec()\nkind = QgsWkbTypes.GeometryType.PolygonGeometry\n"
                      "version = Qgis.QGIS_VERSION_INT\nlayer = QgsProject.instance()\n"
                      "old = getattr(Qgis, 'LabelPlacement', QgsPalLayerSettings.Placement)  # qt6: ok\n")
    assert qt6_check.problems(source) == []


def test_the_plugin_is_clean():
    root = Path(__file__).resolve().parents[2]
    assert qt6_check.main([str(root / "lis_workbench")]) == 0

"""Fail on Qt5-only patterns, so the plugin stays ready for QGIS 4 (Qt6): `make lint` runs it.

Flags: Qt bindings imported other than through qgis.PyQt; exec_() / print_(); QRegExp and QDesktopWidget;
enum members reached without their enum (Qt.AlignLeft rather than Qt.AlignmentFlag.AlignLeft,
QgsWkbTypes.PolygonGeometry rather than QgsWkbTypes.GeometryType.PolygonGeometry).

    python tools/qt6_check.py lis_workbench [more folders or files]
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

CLASS = re.compile(r"^(Qt|Qgis|Qgs[A-Za-z0-9]+|Q[A-Z][A-Za-z0-9]*)$")
MEMBER = re.compile(r"^[A-Z][A-Za-z0-9_]*[a-z][A-Za-z0-9_]*$")  # CamelCase, not an ALL_CAPS constant
GONE = {"QRegExp": "QRegularExpression", "QDesktopWidget": "QScreen (QGuiApplication.screens())"}
BINDINGS = ("PyQt5", "PyQt6", "PySide2", "PySide6", "sip")
# enum types themselves (ok as a leaf, e.g. in a type hint or isinstance) and nested classes used as values
NOT_MEMBERS = {"Type", "Flag", "Flags", "PdfExportSettings", "ImageExportSettings", "SvgExportSettings"}


def problems(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    found = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for node in ast.walk(tree):
        if "qt6: ok" in (lines[node.lineno - 1] if getattr(node, "lineno", 0) else ""):
            continue  # a line that picks between versions on purpose (qgis_bridge/compat.py)
        where = f"{path}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in BINDINGS:
            found.append(f"{where}: import Qt through qgis.PyQt, not {node.module}")
        elif isinstance(node, ast.Import):
            found += [f"{where}: import Qt through qgis.PyQt, not {a.name}" for a in node.names
                      if a.name.split(".")[0] in BINDINGS]
        elif isinstance(node, ast.Attribute) and node.attr in ("exec_", "print_"):
            found.append(f"{where}: {node.attr}() is Qt5 only; use {node.attr[:-1]}()")
        elif isinstance(node, ast.Name) and node.id in GONE:
            found.append(f"{where}: {node.id} is gone in Qt6; use {GONE[node.id]}")
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and CLASS.match(node.value.id)
              and MEMBER.match(node.attr) and node.attr not in NOT_MEMBERS
              and not (isinstance(parents.get(node), ast.Attribute) and parents[node].value is node)
              and not (isinstance(parents.get(node), ast.Call) and parents[node].func is node)):
            found.append(f"{where}: {node.value.id}.{node.attr} needs its enum "
                         f"({node.value.id}.<Enum>.{node.attr}); Qt6 has no unscoped enum members")
    return found


def main(args: list[str]) -> int:
    files = [f for a in args for f in (sorted(Path(a).rglob("*.py")) if Path(a).is_dir() else [Path(a)])]
    found = [p for f in files for p in problems(f)]
    print("\n".join(found) or f"Qt6 check: {len(files)} files clean")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["lis_workbench"]))

"""The dependency direction of ARCHITECTURE.md, read from the import statements themselves: ui -> processing ->
qgis_bridge -> core, and cli -> qgis_bridge -> core; nothing points back."""

from __future__ import annotations

import ast

import pytest
from unit_helpers import REPO

PACKAGE = REPO / "lis_workbench"
#: a layer may not import these parts of the package
FORBIDDEN = {"core": {"qgis_bridge", "processing", "ui", "cli"}, "qgis_bridge": {"processing", "ui", "cli"},
             "processing": {"ui", "cli"}, "cli": {"processing", "ui"}}


def _imports(path, root=PACKAGE.parent) -> set[str]:
    """The lis_workbench parts a module imports (relative imports resolved against its package)."""
    parts = path.relative_to(root).with_suffix("").parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(parts[:-node.level]) if node.level <= len(parts) else []
                target = base + (node.module.split(".") if node.module else [])
                names = [target] if node.module else [base + [a.name] for a in node.names]
            else:
                names = [(node.module or "").split(".")]
            found |= {n[1] for n in names if len(n) > 1 and n[0] == "lis_workbench"}
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names
                      if a.name.startswith("lis_workbench.") and len(a.name.split(".")) > 1}
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_layer_imports_the_layers_above_it(layer):
    modules = sorted((PACKAGE / layer).rglob("*.py"))
    assert modules, layer
    wrong = {str(m.relative_to(PACKAGE)): sorted(_imports(m) & FORBIDDEN[layer]) for m in modules}
    assert not {k: v for k, v in wrong.items() if v}


def test_the_check_sees_relative_and_absolute_imports(tmp_path):
    """Guard: the import reader resolves `from ..processing.provider import X` inside qgis_bridge, `from .. import
    ui` and `import lis_workbench.cli.main`."""
    probe = tmp_path / "lis_workbench" / "qgis_bridge" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("from ..processing.provider import LisWorkbenchProvider\nfrom .. import ui\n"
                     "import lis_workbench.cli.main\nfrom .frames import read_frame\n")
    assert _imports(probe, tmp_path) == {"processing", "ui", "cli", "qgis_bridge"}


def _door_words(path) -> list[str]:
    """String literals (docstrings aside) that speak the CLI's language: a --flag or a `lis ...` command."""
    import re

    tree = ast.parse(path.read_text())
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
                  and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
    pattern = re.compile(r"(?<![\w-])--[a-z]|`lis |\blis (store|import|list|geography|lookup|map|site)\b")
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            and pattern.search(node.value)]


def test_engine_errors_speak_no_door_language():
    """Core messages name the setting (LisError.option); each door adds its own hint (--flag, parameter)."""
    found = {str(m.relative_to(PACKAGE)): _door_words(m) for m in sorted((PACKAGE / "core").rglob("*.py"))}
    assert {m: w for m, w in found.items() if w} == {}


def test_the_door_words_check_finds_a_flag(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('"""Run `lis map` --doc."""\nx = "say which with --geography."\ny = "Run `lis list STORE`"\n')
    assert _door_words(module) == ["say which with --geography.", "Run `lis list STORE`"]

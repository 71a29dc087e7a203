"""The engine never imports qgis or Qt: import every core module and every CLI module with them blocked, and build
the sample store, in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from unit_helpers import RECIPE, REPO

SCRIPT = textwrap.dedent("""
    import importlib, pkgutil, sys
    for name in ("qgis", "qgis.core", "PyQt5", "PyQt5.QtCore", "PyQt6", "qgis.PyQt", "processing"):
        sys.modules[name] = None  # any import of these now raises ImportError
    import lis_workbench.core
    import lis_workbench.cli
    names = [m.name for m in pkgutil.walk_packages(lis_workbench.cli.__path__, "lis_workbench.cli.")
             if m.name != "lis_workbench.cli.__main__"]
    names += [m.name for m in pkgutil.walk_packages(lis_workbench.core.__path__, "lis_workbench.core.")]
    for name in names:
        importlib.import_module(name)
    from lis_workbench.core.recipe import build_store
    from lis_workbench.core.store import Store
    build_store(sys.argv[1], sys.argv[2])
    with Store.open(sys.argv[2]) as store:
        print("indicators", len(store.catalogue()))
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("qgis", "PyQt5", "PyQt6", "processing")
                    and sys.modules[m] is not None)
    print("modules", ",".join(sorted(names)))
    print("qt", ",".join(loaded) or "-")
""")


def test_core_and_cli_import_and_build_without_qgis(tmp_path):
    out = tmp_path / "noqgis.gpkg"
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(RECIPE), str(out)], capture_output=True, text=True,
                            cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert lines["indicators"] == "74"
    # every module file under core/ (found on disk, not by the import machinery) was imported
    core = REPO / "lis_workbench" / "core"
    cli = REPO / "lis_workbench" / "cli"
    on_disk = {"lis_workbench.cli." + p.stem for p in cli.glob("*.py") if p.name not in ("__init__.py", "__main__.py")}
    on_disk |= {"lis_workbench.core." + ".".join(p.relative_to(core).with_suffix("").parts)
                for p in core.rglob("*.py") if p.name != "__init__.py"}
    assert on_disk <= set(lines["modules"].split(","))
    assert "lis_workbench.core.store.store" in on_disk
    assert lines["qt"] == "-"
    assert out.exists()


def test_blocking_really_blocks():
    """Guard for the test above: with qgis preset to None an import of it fails."""
    code = "import sys; sys.modules['qgis'] = None\ntry:\n    import qgis\nexcept ImportError:\n    print('blocked')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "blocked"

"""Write the plugin's help page from its Processing algorithms (QGIS's Python, offscreen):

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/make_help.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    from lis_workbench.__about__ import __version__
    from lis_workbench.processing.help_page import HELP_PAGE, render
    from lis_workbench.processing.provider import LisWorkbenchProvider
    from lis_workbench.qgis_bridge.app import start_qgis

    start_qgis()
    provider = LisWorkbenchProvider()
    provider.loadAlgorithms()
    HELP_PAGE.write_text(render(provider.algorithms(), __version__), encoding="utf-8")
    print(f"Wrote {HELP_PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Loading the Processing provider is cheap: every QGIS start and every `qgis_process` run loads it, so its modules
import qgis and light modules only; the engine (pandas, numpy, scipy, matplotlib, GDAL's osgeo) is imported when
an algorithm runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

#: what loading the provider must not import (QGIS itself aside)
HEAVY = {"pandas", "numpy", "scipy", "matplotlib", "osgeo"}
ALGORITHMS = {"aggregate", "areaprofiles", "compare", "compositeindex", "exportatlas", "gistar", "globalmoran",
              "importindicators", "loadindicator", "localmoran", "lscp", "mclp", "pmedian", "publishwebsite",
              "spatialweights", "thematicmap", "trend", "cruderate", "dsr", "isr", "funnel", "sii", "emerginghotspots",
              "customareas", "eventrates"}

#: run in a fresh interpreter, where nothing else has imported the engine yet
LOAD = """
import json, sys
import qgis.core, qgis.gui
before = set(sys.modules)
from lis_workbench.processing.provider import LisWorkbenchProvider
provider = LisWorkbenchProvider()
provider.loadAlgorithms()
print(json.dumps({
    "algorithms": {a.id(): len(a.parameterDefinitions()) for a in provider.algorithms()},
    "imported": sorted({name.split(".")[0] for name in set(sys.modules) - before}),
}))
"""


def _load_provider() -> dict:
    run = subprocess.run([sys.executable, "-c", LOAD], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_loading_the_provider_imports_no_engine_and_registers_every_algorithm():
    loaded = _load_provider()
    assert sorted(HEAVY & set(loaded["imported"])) == []
    assert set(loaded["algorithms"]) == {f"lisworkbench:{name}" for name in ALGORITHMS}
    # every form is built at load time (define() ran, its choice lists included)
    assert all(count > 0 for count in loaded["algorithms"].values()), loaded["algorithms"]

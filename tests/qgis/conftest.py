"""Fixtures for the tests in real QGIS: the LIS Workbench provider registered for a test, layers removed after."""

from __future__ import annotations

import gc

import pytest
from qgis.core import QgsProject


@pytest.fixture(autouse=True, scope="session")
def _layers_freed_before_qgis_exits(qgis_app):
    """Free layers held only by reference cycles while QGIS still runs: pytest-qgis calls exitQgis() after this,
    and a GeoPackage layer destroyed later, when Python shuts down, closes its GDAL handle too late and segfaults."""
    yield
    gc.collect()


@pytest.fixture(autouse=True, scope="session")
def _results_in_a_scratch_folder(qgis_app, tmp_path_factory):
    """What the dock keeps (hot spots, siting answers) goes to a scratch GeoPackage, not the user's home."""
    from qgis.core import QgsSettings

    from lis_workbench.qgis_bridge.store_layers import RESULTS_KEY

    QgsSettings().setValue(RESULTS_KEY, str(tmp_path_factory.mktemp("results") / "results.gpkg"))
    yield
    QgsSettings().remove(RESULTS_KEY)


@pytest.fixture()
def provider(qgis_processing):
    from qgis.core import QgsApplication

    from lis_workbench.processing.provider import LisWorkbenchProvider

    registry = QgsApplication.processingRegistry()
    own = None
    if registry.providerById("lisworkbench") is None:
        own = LisWorkbenchProvider()  # keep the Python object alive while registered
        registry.addProvider(own)
    yield
    if own is not None:
        registry.removeProvider(own)
    QgsProject.instance().removeAllMapLayers()


@pytest.fixture()
def plugin(qgis_iface, qgis_processing):
    """The plugin as QGIS loads it: its dock, and its Processing provider registered; unloaded and the project's
    layers removed after the test."""
    import lis_workbench

    instance = lis_workbench.classFactory(qgis_iface)
    instance.initGui()
    yield instance
    instance.unload()
    QgsProject.instance().removeAllMapLayers()

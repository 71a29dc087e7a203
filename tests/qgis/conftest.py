"""Fixtures for the tests in real QGIS: the LIS Workbench provider registered for a test, layers removed after."""

from __future__ import annotations

import pytest
from qgis.core import QgsProject


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

"""LIS Workbench: the QGIS plugin folder and the package behind the `lis` command line."""

from .__about__ import __title__, __version__

__all__ = ["__title__", "__version__", "classFactory"]


def classFactory(iface):  # noqa: N802 - name fixed by QGIS
    """Create the plugin (QGIS calls this); the import is lazy so `lis` never loads qgis."""
    from .plugin import LisWorkbenchPlugin

    return LisWorkbenchPlugin(iface)

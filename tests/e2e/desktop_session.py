"""Runs inside the real QGIS desktop (qgis.bin --code): exercise the installed plugin, screenshot, quit.

Reads LIS_STORE, LIS_PNG, LIS_REPORT from the environment; writes a JSON report for the test."""

import json
import os
import traceback

from qgis.core import QgsApplication, QgsProject
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QAction, QDockWidget
from qgis.utils import iface, plugins, reloadPlugin

REPORT = {"steps": []}


def _count():
    window = iface.mainWindow()
    docks = [d for d in window.findChildren(QDockWidget) if d.objectName() == "LisWorkbenchDock"]
    actions = [a for a in window.findChildren(QAction) if a.objectName() == "LisWorkbenchAction"]
    providers = [p.id() for p in QgsApplication.processingRegistry().providers()].count("lisworkbench")
    help_entries = [a for a in iface.pluginHelpMenu().actions() if a.objectName() == "LisWorkbenchHelpAction"]
    return {"docks": len(docks), "actions": len(actions), "providers": providers, "help": len(help_entries)}


def _dock():
    return plugins["lis_workbench"].dock


def step_one():
    try:
        REPORT["loaded"] = "lis_workbench" in plugins
        REPORT["plugin_file"] = plugins["lis_workbench"].__class__.__module__ and \
            __import__("lis_workbench").__file__
        REPORT["after_start"] = _count()
        for _ in range(2):
            reloadPlugin("lis_workbench")
        REPORT["after_reload"] = _count()
        dock = _dock()
        dock.show()
        dock.raise_()
        dock.open_store(os.environ["LIS_STORE"])
        REPORT["listed"] = len(dock.indicator_ids())
        dock.select_indicator("imd2019_imd_decile", "2019")
        layer = dock.map_indicator()  # the dock's "Thematic map" button: a styled choropleth
        REPORT["layer_features"] = layer.featureCount() if layer else None
        iface.setActiveLayer(layer)
        iface.mapCanvas().setExtent(layer.extent())
        iface.mapCanvas().refresh()
        dock.searchEdit.setText("deprivation")
        dock.select_indicator("imd2019_imd_decile", "2019")
    except Exception:
        REPORT["error"] = traceback.format_exc()
    QTimer.singleShot(3000, step_two)


def step_two():
    try:
        png = os.environ["LIS_PNG"]
        iface.mainWindow().grab().save(png)
        REPORT["png"] = png
    except Exception:
        REPORT["error"] = REPORT.get("error", "") + traceback.format_exc()
    with open(os.environ["LIS_REPORT"], "w") as handle:
        json.dump(REPORT, handle, indent=2)
    QgsProject.instance().setDirty(False)
    QgsApplication.exit(0)


iface.mainWindow().showMaximized()
QTimer.singleShot(2000, step_one)

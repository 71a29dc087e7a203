"""The QGIS plugin: adds the LIS Workbench dock and menu, registers the Processing provider, and undoes both."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication, Qt
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from .__about__ import __title__

ICON = str(Path(__file__).parent / "resources" / "icons" / "lis.svg")


class LisWorkbenchPlugin:
    """initGui adds the dock, toolbar/menu action and provider; unload removes each of them."""

    def __init__(self, iface) -> None:
        self.iface = iface
        self.provider = None
        self.dock = None
        self.action = None
        self.help_action = None
        self.log_handler = None

    def initProcessing(self) -> None:  # noqa: N802 - QGIS API
        """Register the Processing provider (also called alone by qgis_process)."""
        if self.provider is None:
            from .processing.provider import LisWorkbenchProvider

            self.provider = LisWorkbenchProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:  # noqa: N802 - QGIS API
        from .translation import install_translator

        install_translator()
        from .qgis_bridge.log import install_log_handler
        from .ui.dock import LisDock

        self.log_handler = install_log_handler()
        self.initProcessing()
        self.dock = LisDock(self.iface)
        self.dock.setObjectName("LisWorkbenchDock")
        self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.action = QAction(QIcon(ICON), __title__, self.iface.mainWindow())
        self.action.setObjectName("LisWorkbenchAction")
        self.action.setCheckable(True)
        self.action.setChecked(True)
        self.action.toggled.connect(self.dock.setVisible)
        self.dock.visibilityChanged.connect(self.action.setChecked)
        self.iface.addPluginToMenu(__title__, self.action)
        self.iface.addToolBarIcon(self.action)
        self.help_action = QAction(QIcon(ICON), QCoreApplication.translate("LisWorkbench", "LIS Workbench help"),
                                   self.iface.mainWindow())
        self.help_action.setObjectName("LisWorkbenchHelpAction")
        self.help_action.triggered.connect(open_help)
        self.iface.addPluginToMenu(__title__, self.help_action)
        self.iface.pluginHelpMenu().addAction(self.help_action)

    def unload(self) -> None:
        from .qgis_bridge.log import remove_log_handler

        if self.help_action is not None:
            self.iface.removePluginMenu(__title__, self.help_action)
            self.iface.pluginHelpMenu().removeAction(self.help_action)
            self.help_action.setParent(None)
            self.help_action.deleteLater()
            self.help_action = None

        if self.action is not None:
            self.iface.removePluginMenu(__title__, self.action)
            self.iface.removeToolBarIcon(self.action)
            self.action.setParent(None)  # not found as a child of the main window while awaiting deletion
            self.action.deleteLater()
            self.action = None
        if self.dock is not None:
            self.iface.removeDockWidget(self.dock)
            self.dock.close_store()
            self.dock.setParent(None)
            self.dock.deleteLater()
            self.dock = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        remove_log_handler(self.log_handler)
        self.log_handler = None


def open_help() -> None:
    """Open the plugin's offline help page in the user's browser."""
    from qgis.PyQt.QtCore import QUrl
    from qgis.PyQt.QtGui import QDesktopServices

    from .processing.help_page import help_url

    QDesktopServices.openUrl(QUrl(help_url()))

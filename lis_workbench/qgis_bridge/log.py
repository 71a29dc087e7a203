"""Forward the engine's Python logging to QGIS's message log (tab "LIS Workbench")."""

from __future__ import annotations

import logging

from qgis.core import Qgis, QgsMessageLog

TAG = "LIS Workbench"


class QgisLogHandler(logging.Handler):
    """A logging handler writing to QgsMessageLog with the matching level."""

    def emit(self, record: logging.LogRecord) -> None:
        level = Qgis.MessageLevel.Critical if record.levelno >= logging.ERROR else (
            Qgis.MessageLevel.Warning if record.levelno >= logging.WARNING else Qgis.MessageLevel.Info)
        QgsMessageLog.logMessage(self.format(record), TAG, level)


def install_log_handler() -> QgisLogHandler:
    handler = QgisLogHandler()
    logging.getLogger("lis_workbench").addHandler(handler)
    return handler


def remove_log_handler(handler: logging.Handler | None) -> None:
    if handler is not None:
        logging.getLogger("lis_workbench").removeHandler(handler)

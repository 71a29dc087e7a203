"""The base of every LIS Workbench algorithm: group, icon, instance creation, LisError -> QgsProcessingException."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingAlgorithm, QgsProcessingException
from qgis.PyQt.QtGui import QIcon

from ..core.errors import LisError

ICON = str(Path(__file__).resolve().parent.parent / "resources" / "icons" / "lis.svg")


class LisAlgorithm(QgsProcessingAlgorithm):
    """Subclasses set NAME, DISPLAY_NAME, GROUP, GROUP_ID, HELP and implement define() and execute()."""

    NAME = ""
    DISPLAY_NAME = ""
    GROUP = "Indicator store"
    GROUP_ID = "store"
    HELP = ""

    def name(self) -> str:
        return self.NAME

    def displayName(self) -> str:  # noqa: N802
        return self.DISPLAY_NAME

    def group(self) -> str:
        return self.GROUP

    def groupId(self) -> str:  # noqa: N802
        return self.GROUP_ID

    def shortHelpString(self) -> str:  # noqa: N802
        return self.HELP

    def icon(self) -> QIcon:
        return QIcon(ICON)

    def createInstance(self):  # noqa: N802
        return type(self)()

    def initAlgorithm(self, config=None) -> None:  # noqa: N802
        self.define()

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        try:
            return self.execute(parameters, context, feedback)
        except LisError as exc:
            raise QgsProcessingException(str(exc)) from exc

    def define(self) -> None:
        raise NotImplementedError

    def execute(self, parameters, context, feedback) -> dict:
        raise NotImplementedError


def number(value) -> float:
    """A field value as a float; NULL (a QVariant), text and missing values become NaN."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")

"""The base of every LIS Workbench algorithm: group, icon, instance creation, LisError -> QgsProcessingException."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from qgis.core import (
    QgsField,
    QgsFields,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
)
from qgis.PyQt.QtGui import QIcon

from ..core.errors import LisError
from ..qgis_bridge.frames import number, write_features
from ..qgis_bridge.outputs import finish_output

__all__ = ["ICON", "LisAlgorithm", "number", "style_on_load"]

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
        # QGIS 3.22 keeps the exception a Python algorithm raises alive until exit. A traceback that reaches this
        # frame would keep the caller's layers alive past exitQgis(), and their GDAL handles then crash the exit.
        # So the user's message is raised afresh from a frame that no longer holds the parameters.
        try:
            return self.execute(parameters, context, feedback)
        except (LisError, QgsProcessingException) as exc:
            message = str(exc)
        del parameters, context, feedback
        raise QgsProcessingException(message)

    def define(self) -> None:
        raise NotImplementedError

    def execute(self, parameters, context, feedback) -> dict:
        raise NotImplementedError

    def write_with_columns(self, parameters, context, key: str, source, rows: pd.DataFrame, table: pd.DataFrame,
                           columns) -> str:
        """Write the input features (`rows`: read_frame of the source with all fields and geometry) to the sink
        ``key`` with result columns added (input fields of the same names are replaced). columns: (name, QVariant
        type) pairs, values from ``table`` (a frame in the rows' order)."""
        added = {name for name, _ in columns}
        fields = QgsFields()
        for field in source.fields():
            if field.name() not in added:
                fields.append(field)
        for name, kind in columns:
            fields.append(QgsField(name, kind))
        sink, dest = self.parameterAsSink(parameters, key, context, fields, source.wkbType(), source.sourceCrs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, key))
        out = rows.drop(columns=[c for c in added if c in rows.columns]).reset_index(drop=True)
        for name, _ in columns:
            out[name] = table[name].to_numpy() if name in table.columns else None
        write_features(sink, out, fields)
        return dest


_POST_PROCESSORS: list = []  # Processing keeps only a pointer to a post-processor: the Python objects must live on


class _Styler(QgsProcessingLayerPostProcessorInterface):
    def __init__(self, style: Callable) -> None:
        super().__init__()
        self.style = style

    def postProcessLayer(self, layer, _context, _feedback):  # noqa: N802
        self.style(layer)


def style_on_load(context, dest: str, style: Callable | None, metadata=None) -> None:
    """Give the output `dest` the conventional look of its result (and, when given, the layer metadata that credits
    its source): saved into a GeoPackage output as its default style and metadata, so it opens styled and credited
    in any QGIS, also after qgis_process or in a model; and applied when Processing adds it to the map."""
    finish_output(dest, context, metadata, style)
    if style is None or not context.willLoadLayerOnCompletion(dest):
        return
    styler = _Styler(style)
    _POST_PROCESSORS.append(styler)
    context.layerToLoadOnCompletionDetails(dest).setPostProcessor(styler)

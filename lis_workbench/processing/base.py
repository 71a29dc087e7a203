"""The base of every LIS Workbench algorithm: group, icon, instance creation, LisError -> QgsProcessingException."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
)
from qgis.PyQt.QtCore import QVariant
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

    def write_with_columns(self, parameters, context, key: str, source, features, table, columns) -> str:
        """Copy the input features to the sink ``key`` with result columns added (input fields of the same names
        are replaced). columns: (name, QVariant type) pairs, values from ``table`` (a frame in features' order)."""
        added = {name for name, _ in columns}
        fields, kept = QgsFields(), []
        for i, field in enumerate(source.fields()):
            if field.name() not in added:
                fields.append(field)
                kept.append(i)
        for name, kind in columns:
            fields.append(QgsField(name, kind))
        sink, dest = self.parameterAsSink(parameters, key, context, fields, source.wkbType(), source.sourceCrs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, key))
        cells = [table[name].tolist() for name, _ in columns]
        kinds = [kind for _, kind in columns]
        for row, feature in enumerate(features):
            attributes = feature.attributes()
            out = QgsFeature(fields)
            out.setAttributes([attributes[i] for i in kept] +
                              [_cell(column[row], kind) for column, kind in zip(cells, kinds)])
            out.setGeometry(feature.geometry())
            sink.addFeature(out, QgsFeatureSink.FastInsert)
        return dest


def number(value) -> float:
    """A field value as a float; NULL (a QVariant), text and missing values become NaN."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _cell(value, kind):
    """A result value as the field's type; None for missing (None, NaN or pandas' NA)."""
    if value is None or pd.isna(value):
        return None
    if kind == QVariant.Double:
        return float(value)
    if kind == QVariant.Int:
        return int(value)
    return str(value)


_POST_PROCESSORS: list = []  # Processing keeps only a pointer to a post-processor: the Python objects must live on


class _Styler(QgsProcessingLayerPostProcessorInterface):
    def __init__(self, style: Callable) -> None:
        super().__init__()
        self.style = style

    def postProcessLayer(self, layer, _context, _feedback):  # noqa: N802
        self.style(layer)


def style_on_load(context, dest: str, style: Callable) -> None:
    """When Processing adds the output `dest` to the map, apply style(layer) to it (the conventional colours of
    that result), so a layer from the toolbox or the model builder opens as readable as the CLI's map."""
    if not context.willLoadLayerOnCompletion(dest):
        return
    styler = _Styler(style)
    _POST_PROCESSORS.append(styler)
    context.layerToLoadOnCompletionDetails(dest).setPostProcessor(styler)

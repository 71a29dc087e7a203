"""The base of every LIS Workbench algorithm: group, icon, instance creation, LisError -> QgsProcessingException.

Loading the provider imports this and every algorithm module, at each QGIS start and `qgis_process` run: so they
import only qgis and light modules at the top, and the engine (pandas, numpy, scipy) when an algorithm runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from qgis.core import (
    QgsFeatureRequest,
    QgsFields,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputLayerDefinition,
)
from qgis.PyQt.QtGui import QIcon

from ..core.errors import LisError
from ..qgis_bridge.compat import make_field
from ..qgis_bridge.outputs import finish_output
from ..translation import QT_TRANSLATE_NOOP, tr

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ICON", "LisAlgorithm", "style_on_load"]

#: The file filter of every STORE parameter: store files first; "All files (*)" also lets a PostGIS store's address
#: (postgresql://... or service=NAME) through Processing's check of the value.
STORE_FILTER = "Indicator stores (*.gpkg *.sqlite);;All files (*)"
ICON = str(Path(__file__).resolve().parent.parent / "resources" / "icons" / "lis.svg")


class LisAlgorithm(QgsProcessingAlgorithm):
    """Subclasses set NAME, DISPLAY_NAME, GROUP, GROUP_ID, HELP and implement define() and execute()."""

    NAME = ""
    DISPLAY_NAME = ""
    GROUP = QT_TRANSLATE_NOOP("LisWorkbench", "Indicator store")
    GROUP_ID = "store"
    HELP = ""

    def name(self) -> str:
        return self.NAME

    def displayName(self) -> str:  # noqa: N802
        return tr(self.DISPLAY_NAME)

    def group(self) -> str:
        return tr(self.GROUP)

    def groupId(self) -> str:  # noqa: N802
        return self.GROUP_ID

    def shortHelpString(self) -> str:  # noqa: N802
        from .help_page import example

        return f"{self.HELP}\n\nExample:\n{example(self)}" if self.parameterDefinitions() else self.HELP

    def helpUrl(self) -> str:  # noqa: N802
        """This algorithm's section of the plugin's offline help page (the toolbox's Help button opens it)."""
        from .help_page import help_url

        return help_url(self.NAME)

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
        except LisError as exc:
            message = str(exc) + self.parameter_hint(exc.option)
        except QgsProcessingException as exc:
            message = str(exc)
        del parameters, context, feedback
        raise QgsProcessingException(message)

    def parameter_hint(self, option: str | None) -> str:
        """Processing's own words for the engine setting that would fix a problem: the parameter that sets it."""
        if not option:
            return ""
        for name in (option.upper(), option.upper() + "S", option.upper().removesuffix("S")):
            definition = self.parameterDefinition(name)
            if definition is not None:
                return f" (parameter '{definition.description()}', {name})"
        return ""

    def define(self) -> None:
        raise NotImplementedError

    def execute(self, parameters, context, feedback) -> dict:
        raise NotImplementedError

    def read_input(self, parameters, key: str, context, numeric: Sequence[str] = (), text: Sequence[str] = (), *,
                   geometry: bool = False, all_fields: bool = False):
        """The source `key` and its features as a frame (as qgis_bridge.frames.read_frame gives it): a whole
        GeoPackage layer is read by GDAL in columns; a selection, a filtered or non-GeoPackage layer, or a run
        that checks geometries goes through QGIS feature by feature. Returns (source, frame)."""
        from ..qgis_bridge.frames import read_frame, read_ogr_frame

        source = self.parameterAsSource(parameters, key, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, key))
        frame = None
        plain = not isinstance(parameters.get(key), QgsProcessingFeatureSourceDefinition)
        no_check = QgsFeatureRequest.InvalidGeometryCheck.GeometryNoCheck
        unchecked = not geometry or context.invalidGeometryCheck() == no_check
        if plain and unchecked:
            layer = self.parameterAsVectorLayer(parameters, key, context)
            if layer is not None and layer.providerType() == "ogr" and not layer.subsetString():
                frame = read_ogr_frame(layer.source(), numeric, text, geometry=geometry, all_fields=all_fields)
        if frame is None:
            frame = read_frame(source, numeric, text, geometry=geometry, all_fields=all_fields)
        return source, frame

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
            fields.append(make_field(name, kind))
        out = rows.drop(columns=[c for c in added if c in rows.columns]).reset_index(drop=True)
        for name, _ in columns:
            out[name] = table[name].to_numpy() if name in table.columns else None
        return self.write_frame(parameters, context, key, out, fields, source.wkbType(), source.sourceCrs())

    def write_frame(self, parameters, context, key: str, frame: pd.DataFrame, fields, wkb_type, crs,
                    geometries=None) -> str:
        """Write a frame's rows to the output ``key`` and return its destination: straight into a GeoPackage file
        when that is where it goes and nothing waits to load it (qgis_process, scripts, models writing files),
        else through Processing's sink (memory layers, other formats, outputs opened in the project)."""
        from ..qgis_bridge.frames import write_features

        value = parameters.get(key)
        if isinstance(value, str) or (isinstance(value, QgsProcessingOutputLayerDefinition)
                                      and value.destinationProject is None):
            from ..qgis_bridge.gpkg_output import removable, write_gpkg

            dest = self.parameterAsOutputLayer(parameters, key, context)
            if dest and removable(dest) and write_gpkg(dest, frame, fields, wkb_type, crs, geometries):
                return dest
        sink, dest = self.parameterAsSink(parameters, key, context, fields, wkb_type, crs)
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, key))
        write_features(sink, frame, fields, geometries)
        del sink  # written out before the caller styles the file
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

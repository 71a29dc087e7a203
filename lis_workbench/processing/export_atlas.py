"""Processing "Export atlas": one page per area of a coverage layer, zoomed on it with neighbours greyed."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterVectorLayer,
)

from ..core.choices import CLASSIFICATION_METHODS as METHODS
from ..core.labels import LABELS_BY_DEFAULT
from ..qgis_bridge.feedback import cancelled_from_feedback, progress_from_feedback
from ..translation import QT_TRANSLATE_NOOP
from .base import LisAlgorithm
from .thematic_map import fill_from_layer


class ExportAtlasAlgorithm(LisAlgorithm):
    NAME = "exportatlas"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Export atlas")
    GROUP = QT_TRANSLATE_NOOP("LisWorkbench", "Maps and publications")
    GROUP_ID = "maps"
    INPUT, NAME_FIELD, MAP_LAYER, FIELD = "INPUT", "NAME_FIELD", "MAP_LAYER", "FIELD"
    METHOD, CLASSES, TEMPLATE, OUTPUT_PDF, SINGLE_FILE = "METHOD", "CLASSES", "TEMPLATE", "OUTPUT_PDF", "SINGLE_FILE"
    LABELS, SKIP_EMPTY = "LABELS", "SKIP_EMPTY"
    HELP = ("One page per area of the coverage layer (e.g. wards), each zoomed on its area with the neighbours "
            "greyed out, showing the map layer as a choropleth: title, legend, scale bar, north arrow, source and "
            "provenance footer.\n\nField: the map layer's field to classify (by the classification and number of "
            "classes chosen, as `lis atlas` does; colours by the layer's polarity); leave empty to keep the map "
            "layer's own style. Template: a .qpt print layout with items whose ids are map, legend, title, "
            "subtitle and footer (default: the LIS Workbench A4 page). Single file: one multi-page PDF; otherwise "
            "one PDF per area named after it. Names: the page's area (in bold) and its neighbours are named on the "
            "map. Leave out areas with no data: no page for an area whose map would show only \"No data\" (the "
            "log lists them).")

    def flags(self):
        """Print layouts and the project are main-thread only (as for QGIS's own atlas export)."""
        return super().flags() | QgsProcessingAlgorithm.Flag.FlagNoThreading

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterVectorLayer(self.INPUT, "Coverage (one page per area)",
                                                            [QgsProcessing.SourceType.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(self.NAME_FIELD, "Area name field", "area_name", self.INPUT))
        self.addParameter(QgsProcessingParameterVectorLayer(self.MAP_LAYER, "Map layer",
                                                            [QgsProcessing.SourceType.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(self.FIELD, "Field to map (empty: keep the layer's style)",
                                                      "value", self.MAP_LAYER,
                                                      QgsProcessingParameterField.DataType.Numeric, optional=True))
        self.addParameter(QgsProcessingParameterEnum(self.METHOD, "Classification", list(METHODS), defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(self.CLASSES, "Number of classes", defaultValue=5,
                                                       minValue=2, maxValue=12))
        self.addParameter(QgsProcessingParameterFile(self.TEMPLATE, "Layout template (.qpt)", extension="qpt",
                                                     optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(self.OUTPUT_PDF, "Atlas PDF", "PDF files (*.pdf)"))
        self.addParameter(QgsProcessingParameterBoolean(self.SINGLE_FILE, "One multi-page PDF", defaultValue=True))
        self.addParameter(QgsProcessingParameterBoolean(self.LABELS, "Name the areas on the map",
                                                        defaultValue=LABELS_BY_DEFAULT["atlas"]))
        self.addParameter(QgsProcessingParameterBoolean(self.SKIP_EMPTY, "Leave out areas with no data",
                                                        defaultValue=True))

    def execute(self, parameters, context, feedback) -> dict:
        from ..core.atlas_study import skipped_note
        from ..core.map_study import MapSpec
        from ..qgis_bridge.atlas import export_atlas, pages_with_values
        from ..qgis_bridge.maps import style_thematic

        coverage = self.parameterAsVectorLayer(parameters, self.INPUT, context)
        map_source = self.parameterAsVectorLayer(parameters, self.MAP_LAYER, context)
        if coverage is None or map_source is None:
            raise QgsProcessingException("Both the coverage layer and the map layer are needed.")
        name_field = self.parameterAsString(parameters, self.NAME_FIELD, context) or "area_name"
        field = self.parameterAsString(parameters, self.FIELD, context)
        out = self.parameterAsFileOutput(parameters, self.OUTPUT_PDF, context)
        single = self.parameterAsBool(parameters, self.SINGLE_FILE, context)
        template = self.parameterAsFile(parameters, self.TEMPLATE, context) or None
        map_layer = map_source.clone()
        spec = fill_from_layer(MapSpec(field=field or "value",
                                       method=METHODS[self.parameterAsEnum(parameters, self.METHOD, context)],
                                       classes=self.parameterAsInt(parameters, self.CLASSES, context)), map_source)
        classification = style_thematic(map_layer, spec) if field else None
        pages, skipped = coverage.clone(), []
        if self.parameterAsBool(parameters, self.SKIP_EMPTY, context) and field:
            pages, skipped = pages_with_values(pages, map_layer, field, name_field)
            if skipped:
                feedback.pushInfo(skipped_note(skipped, coverage.featureCount()))
        if pages.featureCount() == 0:
            raise QgsProcessingException("No area of the coverage has data on its page: nothing to put in an atlas.")
        feedback.pushInfo(f"{pages.featureCount()} pages from {coverage.name()}")
        labels = self.parameterAsBool(parameters, self.LABELS, context)
        files = export_atlas(pages, name_field, map_layer, spec, classification, out, single_file=single,
                             template=template, progress=progress_from_feedback(feedback),
                             cancelled=cancelled_from_feedback(feedback), labels=labels)
        return {self.OUTPUT_PDF: files[0] if single else out, "PAGES": pages.featureCount(),
                "FILES": ";".join(files), "SKIPPED": ";".join(skipped)}

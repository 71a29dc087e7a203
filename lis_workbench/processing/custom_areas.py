"""Processing "Custom areas": an analyst's own neighbourhoods, from a polygon layer or a CSV of small-area codes,
stored as a geography of the store with its lookup and definition (core.custom_areas, as `lis areas add`)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
)

from ..core.errors import ParameterError
from ..translation import QT_TRANSLATE_NOOP
from .base import STORE_FILTER, LisAlgorithm

#: How small areas are placed in polygons (core.custom_areas.METHODS, in its order).
METHOD_CHOICES = ("centroid", "overlap")


class CustomAreasAlgorithm(LisAlgorithm):
    NAME = "customareas"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Custom areas")
    STORE, NAME_PARAM, INPUT, NAME_FIELD, CODE_FIELD = "STORE", "NAME", "INPUT", "NAME_FIELD", "CODE_FIELD"
    CODES, METHOD, OF, POPULATION, REPLACE = "CODES", "METHOD", "OF", "POPULATION", "REPLACE"
    LOOKUP, AREAS, REPORT = "LOOKUP", "AREAS", "REPORT"
    HELP = ("Defines your own areas (neighbourhoods, localities, primary-care networks) as whole small areas (LSOAs) "
            "and stores them in the store as geography NAME with the lookup <OF>_<NAME>, so every indicator "
            "aggregates to them (Aggregate to larger areas, or `lis aggregate STORE IND --lookup lsoa11_NAME`): "
            "counts summed, rates recomputed, ranks refused.\n\n"
            "Give either a polygon layer (INPUT) drawing the areas, with METHOD centroid (a small area joins the "
            "polygon holding its population-weighted centroid, from the store's centroids layer, else a point on "
            "its surface) or overlap (the polygon holding the largest share of its land, when that is more than "
            "its share outside every polygon); or a CSV (CODES) with columns code (small area) and name (custom "
            "area). Each custom area's boundary is the dissolve of its small areas.\n\n"
            "The store records how the areas were made (method, source file, who, when, codes) and each one's fit: "
            "its population (POPULATION, default the newest popYYYY_total), the share of it in small areas lying "
            "wholly inside the polygon, the share of their land inside it and the share of the polygon covered. "
            "Outputs: the lookup's name, the number of areas and a report of the fit.")

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterFile(
            self.STORE, "Indicator store", behavior=QgsProcessingParameterFile.Behavior.File,
            fileFilter=STORE_FILTER))
        self.addParameter(QgsProcessingParameterString(self.NAME_PARAM, "Name of the custom areas (e.g. "
                                                                         "neighbourhoods)"))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, "Polygon layer drawing the areas", [QgsProcessing.SourceType.TypeVectorPolygon],
            optional=True))
        self.addParameter(QgsProcessingParameterField(self.NAME_FIELD, "Field naming the areas", None, self.INPUT,
                                                      optional=True))
        self.addParameter(QgsProcessingParameterField(self.CODE_FIELD, "Field of area codes (empty = the names)",
                                                      None, self.INPUT, optional=True))
        self.addParameter(QgsProcessingParameterFile(self.CODES, "Or: CSV of small-area codes (code, name)",
                                                     extension="csv", optional=True))
        self.addParameter(QgsProcessingParameterEnum(self.METHOD, "Placing small areas in polygons",
                                                     list(METHOD_CHOICES), defaultValue=0))
        self.addParameter(QgsProcessingParameterString(self.OF, "Small areas (empty = the store's, e.g. lsoa11)",
                                                       optional=True))
        self.addParameter(QgsProcessingParameterString(self.POPULATION, "Population indicator for the fit (empty "
                                                                        "= newest popYYYY_total)", optional=True))
        self.addParameter(QgsProcessingParameterBoolean(self.REPLACE, "Replace custom areas of the same name",
                                                        defaultValue=False))
        self.addOutput(QgsProcessingOutputString(self.LOOKUP, "Lookup from the small areas"))
        self.addOutput(QgsProcessingOutputNumber(self.AREAS, "Custom areas stored"))
        self.addOutput(QgsProcessingOutputString(self.REPORT, "Fit of each custom area"))

    def execute(self, parameters, context, feedback) -> dict:
        from ..core.custom_areas import add_custom_areas
        from ..core.store import Store

        def text(key: str) -> str | None:
            return self.parameterAsString(parameters, key, context).strip() or None

        codes = self.parameterAsFile(parameters, self.CODES, context) or None
        layer_file, layer = None, None
        if parameters.get(self.INPUT) not in (None, ""):
            if codes:
                raise ParameterError("Give either a polygon layer (INPUT) or a CSV of codes (CODES), not both.")
            # a file OGR reads: the layer's own file, or (a selection, a memory layer) a copy Processing makes
            layer_file, layer = self.parameterAsCompatibleSourceLayerPathAndLayerName(
                parameters, self.INPUT, context, ["gpkg", "shp"], "gpkg", feedback)
        method = METHOD_CHOICES[self.parameterAsEnum(parameters, self.METHOD, context)]
        with Store.open(self.parameterAsFile(parameters, self.STORE, context)) as store:
            built = add_custom_areas(store, str(text(self.NAME_PARAM) or ""), codes=codes, layer_file=layer_file,
                                     method=method, of=text(self.OF), layer=layer or None,
                                     code_field=text(self.CODE_FIELD), name_field=text(self.NAME_FIELD),
                                     population=text(self.POPULATION),
                                     replace=self.parameterAsBool(parameters, self.REPLACE, context))
        for warning in built.warnings:
            feedback.pushWarning(warning)
        lines = [f"{len(built.rows)} custom areas of {built.of} ({built.definition['method']}); lookup {built.lookup}"]
        for area in built.definition["areas"]:
            lines.append(f"{area['name']}: {len(area['small_areas'])} small areas" + "".join(
                f", {label} {area[key]:.1%}" for key, label in (
                    ("whole_population_share", "people in whole small areas"), ("land_inside", "land inside"),
                    ("polygon_covered", "polygon covered")) if area.get(key) is not None))
        report = "\n".join(lines)
        feedback.pushInfo(report)
        return {self.LOOKUP: built.lookup, self.AREAS: len(built.rows), self.REPORT: report}

"""Processing "Thematic map": classify a field, style it by polarity, save a styled GeoPackage and a PNG."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qgis.core import (
    QgsFeatureRequest,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorDestination,
    QgsVectorLayer,
)

from ..core import choices
from ..core.choices import CLASSIFICATION_METHODS as METHODS
from ..core.labels import LABELS_BY_DEFAULT
from ..core.palette import DIVERGING, SEQUENTIAL
from ..translation import QT_TRANSLATE_NOOP
from .base import LisAlgorithm

if TYPE_CHECKING:
    from ..core.map_study import MapSpec

RAMPS = ("auto",) + SEQUENTIAL + DIVERGING
POLARITIES = ("auto", *choices.POLARITIES)


def parse_breaks(text: str) -> list[float] | None:
    """'10, 20.5, 30' -> [10.0, 20.5, 30.0]; empty -> None."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return [float(part) for part in text.replace(";", ",").split(",") if part.strip()]
    except ValueError as exc:
        raise QgsProcessingException(f"Breaks must be numbers separated by commas, not '{text}'.") from exc


def layer_keyword(layer, key: str, default: str = "") -> str:
    """A value the store recorded in the layer's metadata keywords (polarity, value_type), else default."""
    keywords = layer.metadata().keywords() if layer is not None else {}
    found = keywords.get(key) or []
    return found[0] if found else default


def layer_polarity(layer) -> str:
    """The polarity recorded by Load indicator in the layer's metadata, else neutral."""
    return layer_keyword(layer, "polarity", "neutral")


def fill_from_layer(spec: MapSpec, layer) -> MapSpec:
    """The map page's words that the layer's metadata records from the catalogue (Load indicator and the dock write
    them), for those not given: title, unit, period, polarity, value type, source, licence and provenance, so the
    page reads as `lis map` and `lis atlas` make it."""
    if layer is None:
        return spec
    metadata = layer.metadata()
    spec.title = spec.title or metadata.title() or layer.name()
    for name in ("unit", "period", "value_type", "source"):
        setattr(spec, name, getattr(spec, name) or layer_keyword(layer, name))
    spec.polarity = spec.polarity or layer_polarity(layer)
    spec.licence = spec.licence or next(iter(metadata.licenses()), "")
    spec.provenance = spec.provenance or layer_keyword(layer, "provenance") or metadata.abstract()
    spec.credits = spec.credits or layer_keyword(layer, "credits")
    return spec


class ThematicMapAlgorithm(LisAlgorithm):
    NAME = "thematicmap"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Thematic map")
    GROUP = QT_TRANSLATE_NOOP("LisWorkbench", "Maps and publications")
    GROUP_ID = "maps"
    INPUT, FIELD, METHOD, CLASSES, BREAKS, RAMP = "INPUT", "FIELD", "METHOD", "CLASSES", "BREAKS", "RAMP"
    POLARITY, LABELS, TITLE, OUTPUT, OUTPUT_PNG = "POLARITY", "LABELS", "TITLE", "OUTPUT", "OUTPUT_PNG"
    SUMMARY = "SUMMARY"
    HELP = ("Classifies a numeric field and styles it as a choropleth with a colour-blind-safe ColorBrewer ramp "
            "chosen by the indicator's polarity (darker = worse), with a 'no data' class for missing or "
            "suppressed values. Writes a GeoPackage layer with the style saved in it (it opens styled in any "
            "QGIS) and, optionally, a PNG page with title, legend, scale bar, north arrow and source line.\n\n"
            "Methods: quantile, equal interval, natural breaks (Fisher-Jenks, exact), standard deviation, "
            "decile (10 equal-count classes, 1 = most in need) and manual breaks (comma-separated upper "
            "bounds). Polarity 'auto' reads it from a layer made by Load indicator.")

    def flags(self):
        """Print layouts and the project are main-thread only (as for QGIS's own atlas export)."""
        return super().flags() | QgsProcessingAlgorithm.Flag.FlagNoThreading

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, "Areas",
                                                              [QgsProcessing.SourceType.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(self.FIELD, "Field to map (a number, or a hot-spot or "
                                                      "cluster field)", "value", self.INPUT))
        self.addParameter(QgsProcessingParameterEnum(self.METHOD, "Classification", list(METHODS), defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(self.CLASSES, "Number of classes", defaultValue=5,
                                                       minValue=2, maxValue=12))
        self.addParameter(QgsProcessingParameterString(self.BREAKS, "Manual breaks (upper bounds, comma-separated)",
                                                       optional=True))
        self.addParameter(QgsProcessingParameterEnum(self.RAMP, "Colour ramp", list(RAMPS), defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(self.POLARITY, "Polarity", list(POLARITIES), defaultValue=0))
        self.addParameter(QgsProcessingParameterBoolean(self.LABELS, "Name the areas on the map (not when too "
                                                        "many to read on one page)",
                                                        defaultValue=LABELS_BY_DEFAULT["map"]))
        self.addParameter(QgsProcessingParameterString(self.TITLE, "Map title", optional=True))
        self.addParameter(QgsProcessingParameterVectorDestination(self.OUTPUT, "Styled layer",
                                                                  QgsProcessing.SourceType.TypeVectorPolygon))
        self.addParameter(QgsProcessingParameterFileDestination(self.OUTPUT_PNG, "Map image",
                                                                "PNG images (*.png);;PDF files (*.pdf)",
                                                                optional=True, createByDefault=False))
        self.addOutput(QgsProcessingOutputString(self.SUMMARY, "Classes (as `lis map` reports them)"))

    @staticmethod
    def _label(layer, asked: bool, feedback) -> None:
        """Name the areas when asked and core.labels finds them few enough to name on one page."""
        from ..core.labels import NAME_FIELD, choose_label_geography, labels_wanted
        from ..qgis_bridge.place_labels import label_areas

        if not labels_wanted(asked, "map"):
            return
        if layer.fields().indexFromName(NAME_FIELD) < 0:
            feedback.pushInfo(f"Not labelled: the layer has no {NAME_FIELD} field.")
            return
        choice = choose_label_geography(layer.name(), layer.featureCount())
        if choice.geography:
            label_areas(layer)
        elif choice.note:
            feedback.pushInfo(choice.note)

    def execute(self, parameters, context, feedback) -> dict:
        from ..core.hotspot_study import FIELD, WHAT, legend_title, polarity_words
        from ..core.map_study import MapSpec, classes_summary
        from ..qgis_bridge.hotspot_style import style_clusters
        from ..qgis_bridge.maps import render_map, save_styled_gpkg, style_thematic

        source = self.parameterAsSource(parameters, self.INPUT, context)
        source_layer = self.parameterAsVectorLayer(parameters, self.INPUT, context)
        field = self.parameterAsString(parameters, self.FIELD, context) or "value"
        polarity = POLARITIES[self.parameterAsEnum(parameters, self.POLARITY, context)]
        if polarity == "auto":
            polarity = layer_polarity(source_layer)
        ramp = RAMPS[self.parameterAsEnum(parameters, self.RAMP, context)]
        title = self.parameterAsString(parameters, self.TITLE, context) or (
            source_layer.metadata().title() if source_layer is not None and source_layer.metadata().title()
            else source.sourceName())
        spec = MapSpec(field=field, method=METHODS[self.parameterAsEnum(parameters, self.METHOD, context)],
                       classes=self.parameterAsInt(parameters, self.CLASSES, context),
                       breaks=parse_breaks(self.parameterAsString(parameters, self.BREAKS, context)),
                       ramp=None if ramp == "auto" else ramp, polarity=polarity, title=title)
        fill_from_layer(spec, source_layer)
        layer = QgsVectorLayer(f"MultiPolygon?crs={source.sourceCrs().authid()}", title, "memory")
        layer.dataProvider().addAttributes(list(source.fields()))
        layer.updateFields()
        layer.dataProvider().addFeatures(list(source.getFeatures(QgsFeatureRequest())))
        layer.updateExtents()
        if source_layer is not None:
            layer.setMetadata(source_layer.metadata())
        feedback.setProgress(20)
        statistic = {cluster_field: name for name, cluster_field in FIELD.items()}.get(field)
        if statistic:  # a Gi* or LISA result: its categories coloured by polarity, as `lis hotspot`
            style_clusters(layer, field, spec.polarity)
            spec.method = "categories"
            spec.legend_title = legend_title(statistic, spec.polarity)
            spec.subtitle = polarity_words(spec.polarity)
            spec.title = self.parameterAsString(parameters, self.TITLE, context) or f"{WHAT[statistic]}: {title}"
            classification = None
            feedback.pushInfo(f"{field}: {WHAT[statistic]}. {spec.subtitle}")
        else:
            classification = style_thematic(layer, spec)
            feedback.pushInfo(classes_summary(spec, classification))
        self._label(layer, self.parameterAsBool(parameters, self.LABELS, context), feedback)
        out = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        if not out.lower().endswith(".gpkg"):
            raise QgsProcessingException("The styled layer is written as a GeoPackage: give a .gpkg file.")
        save_styled_gpkg(layer, out, "thematic_map")
        feedback.setProgress(60)
        png = self.parameterAsFileOutput(parameters, self.OUTPUT_PNG, context)
        if png:
            render_map([layer], spec, classification, png)
        feedback.setProgress(100)
        return {self.OUTPUT: out, self.OUTPUT_PNG: png or None,
                "CLASSES": classification.k if classification else len(layer.renderer().categories()),
                "BREAKS": ",".join(f"{b:g}" for b in classification.bins) if classification else "",
                self.SUMMARY: classes_summary(spec, classification) if classification else ""}

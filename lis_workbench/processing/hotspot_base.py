"""What the hotspot algorithms share: their parameters (fixed names), reading the layer, writing the result."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputString,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
)

from ..core.choices import CORRECTIONS
from ..core.choices import WEIGHT_KINDS as KINDS
from ..qgis_bridge.feedback import cancelled_from_feedback, progress_from_feedback
from ..translation import QT_TRANSLATE_NOOP
from .base import LisAlgorithm, style_on_load

if TYPE_CHECKING:
    from ..core.clusters import Analysis

ISLANDS = ("drop", "nearest")


def add_weights_parameters(algorithm) -> None:
    """WEIGHTS, K, DISTANCE, TOLERANCE and ISLANDS: how neighbours are found, for every tool that needs them."""
    algorithm.addParameter(QgsProcessingParameterEnum("WEIGHTS", "Spatial weights", list(KINDS), defaultValue=0))
    algorithm.addParameter(QgsProcessingParameterNumber("K", "k (nearest neighbours)", defaultValue=8, minValue=1))
    algorithm.addParameter(QgsProcessingParameterNumber("DISTANCE", "Distance band (metres)",
                                                        QgsProcessingParameterNumber.Type.Double, 1000.0, minValue=0.0))
    algorithm.addParameter(QgsProcessingParameterNumber("TOLERANCE", "Snap tolerance for contiguity (metres)",
                                                        QgsProcessingParameterNumber.Type.Double, 1.0, minValue=0.0))
    algorithm.addParameter(QgsProcessingParameterEnum("ISLANDS", "Areas with no neighbour", list(ISLANDS),
                                                      defaultValue=1))


class HotspotAlgorithm(LisAlgorithm):
    """Shared parameters: INPUT, FIELD, WEIGHTS, K, DISTANCE, PERMUTATIONS, SEED, CORRECTION, ALPHA, ISLANDS."""

    GROUP = QT_TRANSLATE_NOOP("LisWorkbench", "Hotspots and clusters")
    GROUP_ID = "hotspots"
    STATISTIC = ""
    INPUT, FIELD, WEIGHTS, K, DISTANCE = "INPUT", "FIELD", "WEIGHTS", "K", "DISTANCE"
    PERMUTATIONS, SEED, CORRECTION, ALPHA, ISLANDS, OUTPUT = ("PERMUTATIONS", "SEED", "CORRECTION", "ALPHA",
                                                              "ISLANDS", "OUTPUT")
    TOLERANCE, NUMERATOR, DENOMINATOR, SUMMARY = "TOLERANCE", "NUMERATOR", "DENOMINATOR", "SUMMARY"
    WEIGHTS_HELP = ("\n\nWeights: queen/rook contiguity built from the geometry (areas touching, overlapping or "
                    "within the snap tolerance, so generalised boundaries with tiny gaps still meet), k nearest "
                    "neighbours (K), a distance band (DISTANCE metres) or inverse distance within it. Areas with "
                    "no neighbour are dropped or joined to their nearest area (ISLANDS); areas without a value "
                    "are left out. Permutations use the SEED, so a run can be repeated exactly.")

    def flags(self):
        return super().flags() | QgsProcessingAlgorithm.Flag.FlagNoThreading

    def define_common(self, output: bool = True) -> None:
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, "Areas",
                                                              [QgsProcessing.SourceType.TypeVectorPolygon]))
        self.addParameter(QgsProcessingParameterField(self.FIELD, "Field to test", "value", self.INPUT,
                                                      QgsProcessingParameterField.DataType.Numeric))
        add_weights_parameters(self)
        self.addParameter(QgsProcessingParameterNumber(self.PERMUTATIONS, "Permutations (99, 499, 999, 9999)",
                                                       defaultValue=999, minValue=0, maxValue=99999))
        self.addParameter(QgsProcessingParameterNumber(self.SEED, "Random seed", defaultValue=12345, minValue=0))
        self.addParameter(QgsProcessingParameterEnum(self.CORRECTION, "Multiple-testing correction",
                                                     list(CORRECTIONS), defaultValue=2))
        self.addParameter(QgsProcessingParameterNumber(self.ALPHA, "Significance level",
                                                       QgsProcessingParameterNumber.Type.Double, 0.05, minValue=0.0001,
                                                       maxValue=0.5))
        self.addParameter(QgsProcessingParameterField(
            self.NUMERATOR, "Smooth a rate: numerator field (empirical Bayes; with a denominator)", None, self.INPUT,
            QgsProcessingParameterField.DataType.Numeric, optional=True))
        self.addParameter(QgsProcessingParameterField(
            self.DENOMINATOR, "Smooth a rate: denominator field (e.g. population)", None, self.INPUT,
            QgsProcessingParameterField.DataType.Numeric, optional=True))
        if output:
            self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, "Result",
                                                                QgsProcessing.SourceType.TypeVectorPolygon))
            self.addOutput(QgsProcessingOutputString(self.SUMMARY, "Summary (as `lis hotspot` and the dock say it)"))

    def analysis(self, parameters, context) -> Analysis:
        from ..core.clusters import Analysis

        return Analysis(
            statistic=self.STATISTIC,
            weights=KINDS[self.parameterAsEnum(parameters, self.WEIGHTS, context)],
            k=self.parameterAsInt(parameters, self.K, context),
            distance=self.parameterAsDouble(parameters, self.DISTANCE, context),
            tolerance=self.parameterAsDouble(parameters, self.TOLERANCE, context),
            permutations=self.parameterAsInt(parameters, self.PERMUTATIONS, context),
            seed=self.parameterAsInt(parameters, self.SEED, context),
            correction=CORRECTIONS[self.parameterAsEnum(parameters, self.CORRECTION, context)],
            alpha=self.parameterAsDouble(parameters, self.ALPHA, context),
            islands=ISLANDS[self.parameterAsEnum(parameters, self.ISLANDS, context)])

    def run_on_source(self, parameters, context, feedback):
        """Read the areas (once, as a frame), run the analysis; returns (source, rows, result)."""
        from ..core.clusters import run_analysis
        from ..core.hotspot_study import summary_line
        from ..qgis_bridge.cache import weights_cache

        field = self.parameterAsString(parameters, self.FIELD, context)
        numerator = self.parameterAsString(parameters, self.NUMERATOR, context)
        denominator = self.parameterAsString(parameters, self.DENOMINATOR, context)
        if bool(numerator) != bool(denominator):
            raise QgsProcessingException("Smoothing needs both a numerator and a denominator field.")
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is not None and source.sourceCrs().isGeographic():
            raise QgsProcessingException("The layer is in degrees: reproject it to British National Grid "
                                         "(EPSG:27700) so distances are in metres.")
        source, rows = self.read_input(parameters, self.INPUT, context,
                                       numeric=[n for n in (field, numerator, denominator) if n], geometry=True,
                                       all_fields=True)
        if rows.empty:
            raise QgsProcessingException("The layer has no areas.")
        spec = self.analysis(parameters, context)
        spec.smooth = bool(numerator)
        result = run_analysis(rows["fid"].astype(str).tolist(), rows[field].to_numpy(float),
                              rows["geometry"].tolist(), spec, progress_from_feedback(feedback),
                              numerators=rows[numerator].to_numpy(float) if numerator else None,
                              denominators=rows[denominator].to_numpy(float) if denominator else None,
                              cancelled=cancelled_from_feedback(feedback), cache=weights_cache())
        for note in result.notes:
            feedback.pushWarning(note)
        feedback.pushInfo("Summary: " + json.dumps(result.summary, default=str))
        feedback.pushInfo(summary_line(result))
        return source, rows, result

    def write(self, parameters, context, source, rows, result, columns: dict):
        """Copy the input features with the result columns added (columns: name -> QVariant type)."""
        return self.write_with_columns(parameters, context, self.OUTPUT, source, rows, result.table,
                                       list(columns.items()))

    def input_metadata(self, parameters, context):
        """The input layer's metadata (its indicator, source and licence when Load indicator made it), for the
        output; None when the input has none."""
        layer = self.parameterAsVectorLayer(parameters, self.INPUT, context)
        return layer.metadata() if layer is not None and layer.metadata().title() else None


def style_clusters_on_load(context, dest: str, field: str, metadata=None) -> None:
    """The output's cluster colours by the input's polarity (and its input's metadata), saved with it and applied
    on load."""
    from ..qgis_bridge.hotspot_style import style_clusters

    found = metadata.keywords().get("polarity") if metadata is not None else None
    polarity = found[0] if found else None
    style_on_load(context, dest, lambda layer: style_clusters(layer, field, polarity), metadata)

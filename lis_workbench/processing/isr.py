"""Processing "Indirectly standardised ratio or rate": the events a group would have had at a reference's
age-specific rates, observed over expected, with exact Poisson limits below 10 observed events and Byar's from 10,
as Fingertips (core.stats.isr), as `lis stats isr`."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
)

from ..translation import QT_TRANSLATE_NOOP
from .stats_base import StatsAlgorithm


class IsrAlgorithm(StatsAlgorithm):
    NAME = "isr"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Indirectly standardised ratio or rate (Fingertips)")
    INPUT, COUNT, POPULATION, REF_COUNT, REF_POPULATION = "INPUT", "COUNT", "POPULATION", "REF_COUNT", "REF_POPULATION"
    AGE, BY, RATIO, REF_VALUE, MULTIPLIER, CONFIDENCE = "AGE", "BY", "RATIO", "REF_VALUE", "MULTIPLIER", "CONFIDENCE"
    OUTPUT = "OUTPUT"
    HELP = ("Indirectly standardised ratios (SMR-style) or rates, one row per group (or one for the whole table), "
            "as Fingertips publishes them (UKHSA's PHEindicatormethods calculate_ISRatio / calculate_ISRate): the "
            "input has a row per age band with the group's count and population and the reference's count and "
            "population for that band; expected = sum(reference count / reference population x population), the "
            "ratio = observed / expected x reference value, and the rate (unless Ratio is ticked) = that ratio x "
            "the reference's crude rate x multiplier; limits are the exact Poisson limits of the observed count "
            "below 10 events and Byar's from 10, divided by the expected. Age band field is only checked to be "
            "there: each row is matched with the reference figures in the same row. Output: the group fields, "
            "observed, expected, value, lower_ci, upper_ci, method and note. The same as `lis stats isr`.")

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, "Table or layer (a row per age band)",
                                                              [QgsProcessing.SourceType.TypeVector]))
        for key, words in ((self.COUNT, "Count (observed events) field"), (self.POPULATION, "Population field"),
                           (self.REF_COUNT, "Reference count field (same band)"),
                           (self.REF_POPULATION, "Reference population field (same band)")):
            self.addParameter(QgsProcessingParameterField(key, words, None, self.INPUT,
                                                          QgsProcessingParameterField.DataType.Numeric))
        self.addParameter(QgsProcessingParameterField(self.AGE, "Age band field (checked to be there)", None,
                                                      self.INPUT, optional=True))
        self.addParameter(QgsProcessingParameterField(self.BY, "Group by fields", None, self.INPUT,
                                                      allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterBoolean(self.RATIO, "Ratio (SMR-style) instead of a rate", False))
        self.addParameter(QgsProcessingParameterNumber(self.REF_VALUE, "Reference value of the ratio (1, or 100)",
                                                       QgsProcessingParameterNumber.Type.Double, 1.0, minValue=1e-9))
        self.addParameter(QgsProcessingParameterNumber(self.MULTIPLIER, "Rate: per how many (multiplier)",
                                                       QgsProcessingParameterNumber.Type.Double, 100000.0,
                                                       minValue=1e-9))
        self.addParameter(QgsProcessingParameterNumber(self.CONFIDENCE, "Confidence level (0.95 or 0.998)",
                                                       QgsProcessingParameterNumber.Type.Double, 0.95,
                                                       minValue=0.5, maxValue=0.9999))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, "Standardised ratios or rates",
                                                            QgsProcessing.SourceType.TypeVector))

    def execute(self, parameters, context, feedback) -> dict:
        from ..core.stats import isr

        count, population, ref_count, ref_population = (self.parameterAsString(parameters, key, context) for key in
                                                        (self.COUNT, self.POPULATION, self.REF_COUNT,
                                                         self.REF_POPULATION))
        by = self.field_names(parameters, context, self.BY)
        _, rows = self.read_fields(parameters, context, self.INPUT,
                                   numeric=[self.COUNT, self.POPULATION, self.REF_COUNT, self.REF_POPULATION],
                                   text=[self.AGE, self.BY])  # AGE: read_fields checks it is a field
        result = isr(rows, count, population, ref_count, ref_population, by=by,
                     ratio=self.parameterAsBoolean(parameters, self.RATIO, context),
                     ref_value=self.parameterAsDouble(parameters, self.REF_VALUE, context),
                     multiplier=self.parameterAsDouble(parameters, self.MULTIPLIER, context),
                     confidence=self.parameterAsDouble(parameters, self.CONFIDENCE, context))
        feedback.pushInfo(f"{result.attrs['statistic']} for {len(result)} group(s)")
        return {self.OUTPUT: self.write_table(parameters, context, self.OUTPUT, result)}

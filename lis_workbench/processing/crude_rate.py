"""Processing "Crude rate": events per population with Fingertips' limits (exact Poisson below 10 events, Byar's
from 10), per group of a layer or table (core.stats.rate), as `lis stats rate`."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
)

from ..translation import QT_TRANSLATE_NOOP
from .stats_base import StatsAlgorithm


class CrudeRateAlgorithm(StatsAlgorithm):
    NAME = "cruderate"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Crude rate (Fingertips)")
    GROUP = QT_TRANSLATE_NOOP("LisWorkbench", "Public-health statistics")
    GROUP_ID = "stats"
    INPUT, COUNT, POPULATION, BY, MULTIPLIER, CONFIDENCE, OUTPUT = ("INPUT", "COUNT", "POPULATION", "BY",
                                                                    "MULTIPLIER", "CONFIDENCE", "OUTPUT")
    HELP = ("Rates per population, one row per group (or one for the whole table): counts and populations summed "
            "within each group, value = count / population x multiplier, with the confidence limits Fingertips "
            "publishes (UKHSA's PHEindicatormethods phe_rate): exact Poisson below 10 events, Byar's from 10. "
            "Output: the group fields, the summed count and population, value, lower_ci, upper_ci, method and note "
            "(why a group has no value). The same as `lis stats rate`.")

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, "Table or layer",
                                                              [QgsProcessing.SourceType.TypeVector]))
        self.addParameter(QgsProcessingParameterField(self.COUNT, "Count (events) field", None, self.INPUT,
                                                      QgsProcessingParameterField.DataType.Numeric))
        self.addParameter(QgsProcessingParameterField(self.POPULATION, "Population field", None, self.INPUT,
                                                      QgsProcessingParameterField.DataType.Numeric))
        self.addParameter(QgsProcessingParameterField(self.BY, "Group by fields", None, self.INPUT,
                                                      allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterNumber(self.MULTIPLIER, "Per how many (multiplier)",
                                                       QgsProcessingParameterNumber.Type.Double, 100000.0,
                                                       minValue=1e-9))
        self.addParameter(QgsProcessingParameterNumber(self.CONFIDENCE, "Confidence level (0.95 or 0.998)",
                                                       QgsProcessingParameterNumber.Type.Double, 0.95,
                                                       minValue=0.5, maxValue=0.9999))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, "Rates",
                                                            QgsProcessing.SourceType.TypeVector))

    def execute(self, parameters, context, feedback) -> dict:
        from ..core.stats import rate

        count = self.parameterAsString(parameters, self.COUNT, context)
        population = self.parameterAsString(parameters, self.POPULATION, context)
        by = self.parameterAsFields(parameters, self.BY, context)
        source, rows = self.read_input(parameters, self.INPUT, context, numeric=[count, population], text=by)
        result = rate(rows, count, population, by=by,
                      multiplier=self.parameterAsDouble(parameters, self.MULTIPLIER, context),
                      confidence=self.parameterAsDouble(parameters, self.CONFIDENCE, context))
        feedback.pushInfo(f"{result.attrs['statistic']} for {len(result)} group(s)")
        return {self.OUTPUT: self.write_table(parameters, context, self.OUTPUT, result)}

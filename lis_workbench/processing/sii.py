"""Processing "Slope index of inequality": the SII and RII of each group across deprivation quantiles, with seeded
simulated limits, as Fingertips (core.stats.sii; PHEindicatormethods phe_sii), as `lis stats sii`."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
)

from ..translation import QT_TRANSLATE_NOOP
from .stats_base import StatsAlgorithm

#: VALUE_TYPE's choices, in PHEindicatormethods' order (0 other, 1 rate, 2 proportion)
VALUE_TYPES = ("other", "rate", "proportion")


class SiiAlgorithm(StatsAlgorithm):
    NAME = "sii"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Slope index of inequality (Fingertips)")
    INPUT, VALUE, POPULATION, QUANTILE, BY = "INPUT", "VALUE", "POPULATION", "QUANTILE", "BY"
    LOWER, UPPER, SE, VALUE_TYPE, TRANSFORM, RII = "LOWER", "UPPER", "SE", "VALUE_TYPE", "TRANSFORM", "RII"
    MULTIPLIER, REPS, SEED, CONFIDENCE, OUTPUT = "MULTIPLIER", "REPS", "SEED", "CONFIDENCE", "OUTPUT"
    HELP = ("The slope and relative indices of inequality of each group (or of the whole table) across deprivation "
            "quantiles, as Fingertips publishes them (UKHSA's PHEindicatormethods phe_sii): the input has a row per "
            "quantile (5 to 100 of them, 1 = most deprived) with its population, value and either its 95% lower and "
            "upper limits or its standard error. Each quantile sits at the middle of its share of the population "
            "(its relative rank) and a line is fitted to the values weighted by those shares: the SII is the fitted "
            "difference from the most to the least deprived end, the RII their ratio. Value type 1 (rate) and 2 "
            "(proportion, between 0 and 1) take the standard error of the log (logit) of the value; with Transform "
            "the line is fitted to the logs (logits) and the SII turned back into the value's units. The interval "
            "is simulated from Repetitions refits with the given seed (the same seed, the same interval). Output: "
            "the group fields, sii, sii_lower, sii_upper, rii, rii_lower, rii_upper (with RII), value (= sii), "
            "lower_ci, upper_ci, method and note. The same as `lis stats sii`.")

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, "Table or layer (a row per quantile)",
                                                              [QgsProcessing.SourceType.TypeVector]))
        self.addParameter(QgsProcessingParameterField(self.VALUE, "Value field", None, self.INPUT,
                                                      QgsProcessingParameterField.DataType.Numeric))
        self.addParameter(QgsProcessingParameterField(self.POPULATION, "Population field", None, self.INPUT,
                                                      QgsProcessingParameterField.DataType.Numeric))
        self.addParameter(QgsProcessingParameterField(self.QUANTILE, "Quantile field (1 = most deprived)", None,
                                                      self.INPUT))
        self.addParameter(QgsProcessingParameterField(self.LOWER, "95% lower limit field", None, self.INPUT,
                                                      QgsProcessingParameterField.DataType.Numeric, optional=True))
        self.addParameter(QgsProcessingParameterField(self.UPPER, "95% upper limit field", None, self.INPUT,
                                                      QgsProcessingParameterField.DataType.Numeric, optional=True))
        self.addParameter(QgsProcessingParameterField(self.SE, "Standard error field (instead of the limits)", None,
                                                      self.INPUT, QgsProcessingParameterField.DataType.Numeric,
                                                      optional=True))
        self.addParameter(QgsProcessingParameterField(self.BY, "Group by fields", None, self.INPUT,
                                                      allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterEnum(self.VALUE_TYPE, "Value type", list(VALUE_TYPES),
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterBoolean(self.TRANSFORM, "Transform (log for rates, logit for "
                                                        "proportions)", False))
        self.addParameter(QgsProcessingParameterBoolean(self.RII, "Relative index of inequality too", True))
        self.addParameter(QgsProcessingParameterNumber(self.MULTIPLIER, "Multiplier of the SII (e.g. 100 for "
                                                       "percentages; negative flips the polarity)",
                                                       QgsProcessingParameterNumber.Type.Double, 1.0))
        self.addParameter(QgsProcessingParameterNumber(self.REPS, "Repetitions of the simulation",
                                                       QgsProcessingParameterNumber.Type.Integer, 100000,
                                                       minValue=1000))
        self.addParameter(QgsProcessingParameterNumber(self.SEED, "Seed", QgsProcessingParameterNumber.Type.Integer,
                                                       1, minValue=0))
        self.addParameter(QgsProcessingParameterNumber(self.CONFIDENCE, "Confidence level (0.95 or 0.998)",
                                                       QgsProcessingParameterNumber.Type.Double, 0.95,
                                                       minValue=0.5, maxValue=0.9999))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, "Indices of inequality",
                                                            QgsProcessing.SourceType.TypeVector))

    def execute(self, parameters, context, feedback) -> dict:
        from ..core.stats.sii import sii

        names = {key: (self.field_names(parameters, context, key) or [None])[0]
                 for key in (self.VALUE, self.POPULATION, self.QUANTILE, self.LOWER, self.UPPER, self.SE)}
        if names[self.SE] is None and (names[self.LOWER] is None or names[self.UPPER] is None):
            raise QgsProcessingException("Give the 95% lower and upper limit fields, or the standard error field.")
        by = self.field_names(parameters, context, self.BY)
        _, rows = self.read_fields(parameters, context, self.INPUT,
                                   numeric=[self.VALUE, self.POPULATION, self.LOWER, self.UPPER, self.SE],
                                   text=[self.QUANTILE, self.BY])
        result = sii(rows, names[self.VALUE], names[self.POPULATION], names[self.QUANTILE], by=by,
                     lower=names[self.LOWER], upper=names[self.UPPER], se=names[self.SE],
                     value_type=self.parameterAsEnum(parameters, self.VALUE_TYPE, context),
                     transform=self.parameterAsBool(parameters, self.TRANSFORM, context),
                     rii=self.parameterAsBool(parameters, self.RII, context),
                     multiplier=self.parameterAsDouble(parameters, self.MULTIPLIER, context),
                     reps=self.parameterAsInt(parameters, self.REPS, context),
                     seed=self.parameterAsInt(parameters, self.SEED, context),
                     confidence=self.parameterAsDouble(parameters, self.CONFIDENCE, context))
        feedback.pushInfo(f"SII for {len(result)} group(s)")
        return {self.OUTPUT: self.write_table(parameters, context, self.OUTPUT, result)}

"""Processing "Directly standardised rate": each group's age-specific rates weighted by a standard population (the
2013 European Standard Population unless a table is given), with Dobson's limits on Byar's and no rate below 10
events, as Fingertips (core.stats.dsr), as `lis stats dsr`."""

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


class DsrAlgorithm(StatsAlgorithm):
    NAME = "dsr"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Directly standardised rate (Fingertips)")
    INPUT, COUNT, POPULATION, AGE, BY = "INPUT", "COUNT", "POPULATION", "AGE", "BY"
    STANDARD, STANDARD_AGE, STANDARD_POPULATION = "STANDARD", "STANDARD_AGE", "STANDARD_POPULATION"
    MULTIPLIER, CONFIDENCE, EVENTS_PER_PERSON, OUTPUT = "MULTIPLIER", "CONFIDENCE", "EVENTS_PER_PERSON", "OUTPUT"
    HELP = ("Directly standardised rates, one row per group (or one for the whole table), as Fingertips publishes "
            "them (UKHSA's PHEindicatormethods phe_dsr): the input has a row per age band (0-4, 5-9, ... 90+, or "
            "their first ages) with its count and population; each band's rate is weighted by the standard "
            "population, DSR = sum(w x count / population) / sum(w) x multiplier, with Dobson's confidence limits "
            "built on Byar's limits for the total count; a group with fewer than 10 events gets no value (a note, not "
            "a zero). Every group needs every band of the standard (a band without events has count 0). The standard "
            "is the 2013 European Standard Population (19 bands) unless a table of age bands and populations is "
            "given. When one person can have several events (admissions, say), Events per person names a field of how "
            "many events each person had: Count then counts the persons with that many events in the band (each row "
            "of a band repeating its population), and the variance allows for the events not being independent "
            "(phe_dsr's independent_events = FALSE). Output: the group fields, total_count, total_pop, value, "
            "lower_ci, upper_ci, method and note. The same as `lis stats dsr`.")

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, "Table or layer (a row per age band)",
                                                              [QgsProcessing.SourceType.TypeVector]))
        self.addParameter(QgsProcessingParameterField(self.COUNT, "Count (events) field", None, self.INPUT,
                                                      QgsProcessingParameterField.DataType.Numeric))
        self.addParameter(QgsProcessingParameterField(self.POPULATION, "Population field", None, self.INPUT,
                                                      QgsProcessingParameterField.DataType.Numeric))
        self.addParameter(QgsProcessingParameterField(self.AGE, "Age band field (0-4 ... 90+, or first ages)", None,
                                                      self.INPUT))
        self.addParameter(QgsProcessingParameterField(self.BY, "Group by fields", None, self.INPUT,
                                                      allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.STANDARD, "Standard population (empty = 2013 European Standard Population)",
            [QgsProcessing.SourceType.TypeVector], optional=True))
        self.addParameter(QgsProcessingParameterField(self.STANDARD_AGE, "Standard's age band field", "age",
                                                      self.STANDARD, optional=True))
        self.addParameter(QgsProcessingParameterField(self.STANDARD_POPULATION, "Standard's population field",
                                                      "population", self.STANDARD,
                                                      QgsProcessingParameterField.DataType.Numeric, optional=True))
        self.addParameter(QgsProcessingParameterNumber(self.MULTIPLIER, "Per how many (multiplier)",
                                                       QgsProcessingParameterNumber.Type.Double, 100000.0,
                                                       minValue=1e-9))
        self.addParameter(QgsProcessingParameterNumber(self.CONFIDENCE, "Confidence level (0.95 or 0.998)",
                                                       QgsProcessingParameterNumber.Type.Double, 0.95,
                                                       minValue=0.5, maxValue=0.9999))
        self.addParameter(QgsProcessingParameterField(self.EVENTS_PER_PERSON, "Events per person field (when Count "
                                                      "counts persons)", None, self.INPUT,
                                                      QgsProcessingParameterField.DataType.Numeric, optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, "Standardised rates",
                                                            QgsProcessing.SourceType.TypeVector))

    def execute(self, parameters, context, feedback) -> dict:
        from ..core.stats.dsr import ESP2013, dsr, read_standard

        count = self.parameterAsString(parameters, self.COUNT, context)
        population = self.parameterAsString(parameters, self.POPULATION, context)
        age = self.parameterAsString(parameters, self.AGE, context)
        by = self.field_names(parameters, context, self.BY)
        events = self.parameterAsString(parameters, self.EVENTS_PER_PERSON, context)
        _, rows = self.read_fields(parameters, context, self.INPUT,
                                   numeric=[self.COUNT, self.POPULATION, self.EVENTS_PER_PERSON],
                                   text=[self.AGE, self.BY])
        standard = ESP2013
        if self.parameterAsSource(parameters, self.STANDARD, context) is not None:
            _, table = self.read_fields(parameters, context, self.STANDARD, numeric=[self.STANDARD_POPULATION],
                                        text=[self.STANDARD_AGE], all_fields=True)
            names = {"age": self.parameterAsString(parameters, self.STANDARD_AGE, context),
                     "population": self.parameterAsString(parameters, self.STANDARD_POPULATION, context)}
            standard = read_standard(table, **{k: v for k, v in names.items() if v})
            feedback.pushInfo(f"Standard population: {len(standard)} age bands, {sum(standard.values()):,g} people")
        else:
            feedback.pushInfo("Standard population: the 2013 European Standard Population")
        options = {"events_per_person": events} if events else {}  # `lis stats dsr --events-per-person`
        result = dsr(rows, count, population, age, by=by, standard=standard,
                     multiplier=self.parameterAsDouble(parameters, self.MULTIPLIER, context),
                     confidence=self.parameterAsDouble(parameters, self.CONFIDENCE, context), **options)
        feedback.pushInfo(f"{result.attrs['statistic']} for {len(result)} group(s)")
        return {self.OUTPUT: self.write_table(parameters, context, self.OUTPUT, result)}

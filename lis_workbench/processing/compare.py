"""Processing "Compare with a benchmark": each area's value with Wilson / exact Poisson / Byar confidence intervals and
whether it is higher, similar or lower - better or worse - than a benchmark, Fingertips-style (core.compare.compare)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QVariant

from ..core.choices import COMPARISON_KINDS as KINDS
from ..core.errors import AnalysisError
from ..translation import QT_TRANSLATE_NOOP
from .base import LisAlgorithm
from .thematic_map import POLARITIES, layer_polarity

if TYPE_CHECKING:
    import pandas as pd


class CompareAlgorithm(LisAlgorithm):
    NAME = "compare"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Compare with a benchmark")
    GROUP = QT_TRANSLATE_NOOP("LisWorkbench", "Indices, trends and comparisons")
    GROUP_ID = "indices"
    INPUT, CODE_FIELD, NUMERATOR, DENOMINATOR, KIND = "INPUT", "CODE_FIELD", "NUMERATOR", "DENOMINATOR", "KIND"
    MULTIPLIER, BENCHMARK, BENCHMARK_AREA, POLARITY = "MULTIPLIER", "BENCHMARK", "BENCHMARK_AREA", "POLARITY"
    OUTPUT, BENCHMARK_VALUE, SUMMARY = "OUTPUT", "BENCHMARK_VALUE", "SUMMARY"
    HELP = ("Compares each area with a benchmark as PHE Fingertips does: its value with 95% and 99.8% confidence "
            "intervals (Wilson score for proportions; for rates and counts exact Poisson below 10 events, Byar from "
            "10, as PHEindicatormethods) and whether the interval lies "
            "wholly above (higher), below (lower) or across (similar) the benchmark; with a polarity, higher and "
            "lower become worse or better.\n\n"
            "Kind: proportion (numerator out of denominator), rate (events per denominator) or count (the "
            "numerator itself; no denominator). Multiplier: values are numerator / denominator x multiplier; "
            "empty, 100 for a proportion (a percentage) and 1,000 for a rate, as `lis compare`. Benchmark: a "
            "value in those units; leave it empty to use the "
            "total of all the rows (summed numerators over summed denominators, e.g. the borough from its "
            "wards), or give Benchmark area, the code (in Area code field) of the row to compare with. "
            "Polarity 'auto' reads it from a layer made by Load indicator.\n\n"
            "Output: the input fields plus value, lower_95, upper_95, lower_99_8, upper_99_8, benchmark, "
            "vs_benchmark_95, assessment_95, vs_benchmark_99_8, assessment_99_8 and reason (why an area was not "
            "compared: suppressed, no denominator, ...).")

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, "Areas",
                                                              [QgsProcessing.SourceType.TypeVector]))
        self.addParameter(QgsProcessingParameterField(self.CODE_FIELD, "Area code field", "area_code", self.INPUT,
                                                      optional=True))
        self.addParameter(QgsProcessingParameterField(self.NUMERATOR, "Numerator (or count) field", "numerator",
                                                      self.INPUT, QgsProcessingParameterField.DataType.Numeric))
        self.addParameter(QgsProcessingParameterField(self.DENOMINATOR, "Denominator field (not for counts)",
                                                      None, self.INPUT, QgsProcessingParameterField.DataType.Numeric,
                                                      optional=True))
        self.addParameter(QgsProcessingParameterEnum(self.KIND, "Kind of value", list(KINDS), defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(self.MULTIPLIER, "Multiplier (empty: 100 for a proportion, "
                                                       "1,000 for a rate)", QgsProcessingParameterNumber.Type.Double,
                                                       None, optional=True, minValue=1e-9))
        self.addParameter(QgsProcessingParameterNumber(self.BENCHMARK, "Benchmark value (empty = total of all rows)",
                                                       QgsProcessingParameterNumber.Type.Double, None, optional=True))
        self.addParameter(QgsProcessingParameterString(self.BENCHMARK_AREA, "Benchmark area code (instead of a "
                                                       "value)", optional=True))
        self.addParameter(QgsProcessingParameterEnum(self.POLARITY, "Polarity", list(POLARITIES), defaultValue=0))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, "Compared with the benchmark"))
        self.addOutput(QgsProcessingOutputNumber(self.BENCHMARK_VALUE, "Benchmark value"))
        self.addOutput(QgsProcessingOutputString(self.SUMMARY, "Summary"))

    def execute(self, parameters, context, feedback) -> dict:
        import pandas as pd

        from ..core.compare_study import compare_areas
        from ..qgis_bridge.frames import read_frame

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        kind = KINDS[self.parameterAsEnum(parameters, self.KIND, context)]
        numerator = self.parameterAsString(parameters, self.NUMERATOR, context)
        denominator = self.parameterAsString(parameters, self.DENOMINATOR, context)
        code_field = self.parameterAsString(parameters, self.CODE_FIELD, context)
        if kind != "count" and not denominator:
            raise AnalysisError(f"A {kind} needs a denominator field (DENOMINATOR).")
        multiplier = None if _empty(parameters.get(self.MULTIPLIER)) else \
            self.parameterAsDouble(parameters, self.MULTIPLIER, context)
        polarity = POLARITIES[self.parameterAsEnum(parameters, self.POLARITY, context)]
        if polarity == "auto":
            polarity = layer_polarity(self.parameterAsVectorLayer(parameters, self.INPUT, context))
        names = source.fields().names()
        numbers = [numerator] + ([denominator] if kind != "count" else []) + \
            (["suppressed"] if "suppressed" in names else [])
        rows = read_frame(source, numeric=numbers, text=[code_field] if code_field else [], geometry=True,
                          all_fields=True)
        if rows.empty:
            raise AnalysisError("The layer has no features.")
        frame = pd.DataFrame({"area_code": rows[code_field].astype(str) if code_field else rows["fid"].astype(str),
                              "numerator": rows[numerator].to_numpy(float)})
        if kind != "count":
            frame["denominator"] = rows[denominator].to_numpy(float)
        if "suppressed" in names:
            frame["suppressed"] = rows["suppressed"].to_numpy(float) == 1
        area = self.parameterAsString(parameters, self.BENCHMARK_AREA, context).strip()
        raw = parameters.get(self.BENCHMARK)
        benchmark: float | str | None = area or (
            None if _empty(raw) else self.parameterAsDouble(parameters, self.BENCHMARK, context))
        result = compare_areas(frame, kind=kind, multiplier=multiplier, benchmark=benchmark, polarity=polarity,
                               per=denominator if kind != "count" else None)  # "per <denominator>", as lis compare
        feedback.pushInfo(result.headline)
        feedback.pushInfo(result.counts)
        dest = self._write(parameters, context, source, rows, result.table)
        return {self.OUTPUT: dest, self.BENCHMARK_VALUE: result.benchmark, self.SUMMARY: f"{result.headline}. "
                f"{result.counts}"}

    def _write(self, parameters, context, source, rows, result: pd.DataFrame) -> str:
        import pandas as pd

        columns = [(c, QVariant.Type.Double if pd.api.types.is_float_dtype(result[c]) else QVariant.Type.String)
                   for c in result.columns if c not in ("area_code", "area_name", "numerator", "denominator")]
        return self.write_with_columns(parameters, context, self.OUTPUT, source, rows, result, columns)


def _empty(value) -> bool:
    """An optional number left empty (None, "", NaN)."""
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))

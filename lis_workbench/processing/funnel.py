"""Processing "Funnel plot limits": Fingertips' 95% and 99.8% funnel around the average of all areas, for each area
(with its significance, for proportions) and along the axis for drawing the funnel (core.stats.funnel)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
)
from qgis.PyQt.QtCore import QVariant

from ..translation import QT_TRANSLATE_NOOP
from .stats_base import StatsAlgorithm

#: the statistics core.stats.funnel draws a funnel for (TYPE's choices, in order)
TYPES = ("proportion", "ratio")
LIMIT_NAMES = ("2s", "3s")


class FunnelAlgorithm(StatsAlgorithm):
    NAME = "funnel"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Funnel plot limits (Fingertips)")
    INPUT, COUNT, DENOMINATOR, TYPE, MULTIPLIER = "INPUT", "COUNT", "DENOMINATOR", "TYPE", "MULTIPLIER"
    OUTPUT, LIMITS = "OUTPUT", "LIMITS"
    HELP = ("Funnel plot control limits as Fingertips draws them (UKHSA's PHEindicatormethods phe_funnels, "
            "phe_funnel_significance and the ratio funnels), from one row per area with a count and a denominator: "
            "95% (2s, p = 0.025 each side) and 99.8% (3s, p = 0.001) limits. Proportion (count out of a "
            "population): limits around the average of all the areas (summed counts over summed denominators) from "
            "the Wilson score interval in closed form; the Areas output is the input rows (fields and geometry) "
            "with value (count / denominator x multiplier), lower_2s, upper_2s, lower_3s, upper_3s (the limits at "
            "the area's own denominator), baseline (the average) and significance (High or Low (0.001) or "
            "(0.025), or Not significant); the Limits output has them at 100 populations along Fingertips' axis "
            "(population, lower_2s, upper_2s, lower_3s, upper_3s, baseline) to draw the funnel. Ratio (observed "
            "over expected events, e.g. an SMR): exact Poisson limits, which Fingertips gives per observed count; "
            "each area gets value (observed / expected x multiplier) and, for its observed count, the expected "
            "counts at which that count's ratio sits on each limit (expected_lower_2s ... expected_upper_3s) with "
            "those ratios (ratio_lower_2s ... ratio_upper_3s, x multiplier): the area lies below a lower limit "
            "when its expected is above expected_lower_*, above an upper one when its expected is below "
            "expected_upper_*; significance is left empty. The Limits output has them for 100 observed counts "
            "(draw ratio_lower_2s against expected_lower_2s, and so on). Rows without a count or a denominator "
            "are left out of the funnel (their results are empty).")

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterFeatureSource(self.INPUT, "Areas (one row per area)",
                                                              [QgsProcessing.SourceType.TypeVector]))
        self.addParameter(QgsProcessingParameterField(self.COUNT, "Count field (numerator, or observed events)",
                                                      None, self.INPUT, QgsProcessingParameterField.DataType.Numeric))
        self.addParameter(QgsProcessingParameterField(self.DENOMINATOR, "Denominator field (population, or "
                                                      "expected events)", None, self.INPUT,
                                                      QgsProcessingParameterField.DataType.Numeric))
        self.addParameter(QgsProcessingParameterEnum(self.TYPE, "Statistic", list(TYPES), defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(self.MULTIPLIER, "Multiplier (100: a percentage, or a "
                                                       "ratio x 100)", QgsProcessingParameterNumber.Type.Double,
                                                       100.0, minValue=1e-9))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, "Areas against the funnel"))
        self.addParameter(QgsProcessingParameterFeatureSink(self.LIMITS, "Funnel limits (to draw the funnel)",
                                                            QgsProcessing.SourceType.TypeVector))

    def execute(self, parameters, context, feedback) -> dict:
        import numpy as np
        import pandas as pd

        from ..core.errors import AnalysisError
        from ..core.stats.funnel import funnel_axis, proportion_funnel, proportion_significance, ratio_funnel

        statistic = TYPES[self.parameterAsEnum(parameters, self.TYPE, context)]
        multiplier = self.parameterAsDouble(parameters, self.MULTIPLIER, context)
        count = self.parameterAsString(parameters, self.COUNT, context)
        denominator = self.parameterAsString(parameters, self.DENOMINATOR, context)
        source, rows = self.read_fields(parameters, context, self.INPUT, numeric=[self.COUNT, self.DENOMINATOR],
                                        geometry=True, all_fields=True)
        x, n = rows[count].to_numpy(float), rows[denominator].to_numpy(float)
        usable = np.isfinite(x) & np.isfinite(n)
        if not usable.any():
            raise QgsProcessingException(f"No row has both a count ({count}) and a denominator ({denominator}).")
        if not usable.all():
            feedback.pushWarning(f"{int((~usable).sum())} row(s) without a count or a denominator are left out of "
                                 "the funnel (their results are empty).")
        xs, ns = x[usable], n[usable]
        table = pd.DataFrame(index=range(len(rows)))

        def put(name, values) -> None:  # an area's result, empty for the rows left out
            text = name == "significance"
            column = np.full(len(rows), None, dtype=object) if text else np.full(len(rows), np.nan)
            column[usable] = values
            table[name] = column

        if statistic == "proportion":
            significance = proportion_significance(xs, ns, multiplier)  # checks 0 <= count <= denominator > 0
            average = xs.sum() / ns.sum()
            own = proportion_funnel(average, ns, multiplier)
            put("value", xs / ns * multiplier)
            limits = ["lower_2s", "upper_2s", "lower_3s", "upper_3s", "baseline"]
            for name in limits:
                put(name, own[name].to_numpy(float))
            put("significance", significance)
            drawn = proportion_funnel(average, funnel_axis(float(ns.min()), float(ns.max())), multiplier)
            words = ", ".join(f"{(significance == s).sum()} {s}" for s in sorted(set(significance)))
            feedback.pushInfo(f"Average {average * multiplier:,.6g} (x {multiplier:g}) over {len(xs)} areas: {words}")
        else:
            if not (ns > 0).all():
                raise AnalysisError(f"A ratio needs expected counts above 0 in '{denominator}'.", option="denominator")
            own = ratio_funnel(xs)  # checks observed counts above 0
            put("value", xs / ns * multiplier)
            limits = [f"{kind}_{side}_{name}" for name in LIMIT_NAMES for side in ("lower", "upper")
                      for kind in ("expected", "ratio")]
            drawn = ratio_funnel(funnel_axis(float(xs.min()), float(xs.max())))
            for frame in (own, drawn):
                frame[[c for c in limits if c.startswith("ratio")]] *= multiplier
            for name in limits:
                put(name, own[name].to_numpy(float))
            put("significance", [None] * len(xs))
            feedback.pushInfo(f"Ratio funnel of {len(xs)} areas, observed counts {xs.min():g} to {xs.max():g}")
        columns = [(name, QVariant.Type.String if name == "significance" else QVariant.Type.Double)
                   for name in ["value", *limits, "significance"]]
        return {self.OUTPUT: self.write_with_columns(parameters, context, self.OUTPUT, source, rows, table, columns),
                self.LIMITS: self.write_table(parameters, context, self.LIMITS, drawn)}

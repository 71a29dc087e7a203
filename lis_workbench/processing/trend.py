"""Processing "Trend": each area's change between two periods and its straight-line trend, with the small-multiple
chart and the change map (core.trend_study, as `lis trend`)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputString,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsWkbTypes,
)

from ..translation import QT_TRANSLATE_NOOP
from .base import STORE_FILTER, LisAlgorithm


class TrendAlgorithm(LisAlgorithm):
    NAME = "trend"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Trend")
    GROUP = QT_TRANSLATE_NOOP("LisWorkbench", "Indices, trends and comparisons")
    GROUP_ID = "indices"
    STORE, INDICATOR, START, END, AREAS, ALPHA = "STORE", "INDICATOR", "START", "END", "AREAS", "ALPHA"
    OUTPUT, OUTPUT_CHART, OUTPUT_MAP, SUMMARY = "OUTPUT", "OUTPUT_CHART", "OUTPUT_MAP", "SUMMARY"
    HELP = ("Each area's change in an indicator of the store between two periods (absolute, percent and in rank) "
            "and its straight-line trend over every period between them, tested at the significance level; with "
            "the indicator's polarity, a significant trend is improving or worsening. The same table, chart and map "
            "as `lis trend`.\n\n"
            "Start and end: periods of the indicator (empty: its first and last). Areas: codes or names separated by "
            "commas (empty: all). Outputs: the areas with their change and trend (with boundaries), a PNG of small "
            "multiples (one panel per area) and a change map page.")

    def flags(self):
        return super().flags() | QgsProcessingAlgorithm.Flag.FlagNoThreading  # the chart and map are drawn with Qt

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterFile(
            self.STORE, "Indicator store", behavior=QgsProcessingParameterFile.Behavior.File,
            fileFilter=STORE_FILTER))
        self.addParameter(QgsProcessingParameterString(self.INDICATOR, "Indicator id"))
        self.addParameter(QgsProcessingParameterString(self.START, "First period (empty: the earliest)",
                                                       optional=True))
        self.addParameter(QgsProcessingParameterString(self.END, "Last period (empty: the latest)", optional=True))
        self.addParameter(QgsProcessingParameterString(self.AREAS, "Only these areas (codes or names, "
                                                       "comma-separated)", optional=True))
        self.addParameter(QgsProcessingParameterNumber(self.ALPHA, "Significance level of the trend test",
                                                       QgsProcessingParameterNumber.Type.Double, 0.05, minValue=0.0001,
                                                       maxValue=0.5))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, "Change and trend by area"))
        self.addParameter(QgsProcessingParameterFileDestination(self.OUTPUT_CHART, "Trend chart (PNG)",
                                                                "PNG images (*.png)", optional=True,
                                                                createByDefault=False))
        self.addParameter(QgsProcessingParameterFileDestination(self.OUTPUT_MAP, "Change map (PNG or PDF)",
                                                                "PNG images (*.png);;PDF files (*.pdf)", optional=True,
                                                                createByDefault=False))
        self.addOutput(QgsProcessingOutputString(self.SUMMARY, "Summary"))

    def execute(self, parameters, context, feedback) -> dict:
        from ..core.store import Store
        from ..core.trend_study import TrendStudy, run_trend_study
        from ..qgis_bridge.frames import fields_for, write_features
        from ..qgis_bridge.layers import bng

        def text(key: str) -> str | None:
            return self.parameterAsString(parameters, key, context).strip() or None

        areas = text(self.AREAS)
        study = TrendStudy(text(self.INDICATOR) or "", text(self.START), text(self.END),
                           areas.split(",") if areas else None, self.parameterAsDouble(parameters, self.ALPHA, context))
        with Store.open(self.parameterAsFile(parameters, self.STORE, context)) as store:
            result = run_trend_study(store, study)
            geography = result.entry["geography"]
            shapes = store.areas(geography) if store.geography(geography)["kind"] == "areas" else None
        table = result.table
        if shapes is not None:
            table = table.merge(shapes[["area_code", "geometry"]], on="area_code", how="left")
        fields = fields_for(table)
        shape = QgsWkbTypes.Type.MultiPolygon if shapes is not None else QgsWkbTypes.Type.NoGeometry
        sink, dest = self.parameterAsSink(parameters, self.OUTPUT, context, fields, shape, bng())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        write_features(sink, table, fields)
        feedback.pushInfo(result.summary)
        feedback.pushInfo(result.recent_summary)
        results = {self.OUTPUT: dest, self.SUMMARY: result.summary}
        chart = self.parameterAsFileOutput(parameters, self.OUTPUT_CHART, context)
        if chart:
            from ..qgis_bridge.charts import trend_chart

            trend_chart(result.window, result.fitted, chart, title=result.chart_title,
                        subtitle=result.chart_subtitle, footer=result.footer, start=result.start, end=result.end)
            results[self.OUTPUT_CHART] = chart
        change = self.parameterAsFileOutput(parameters, self.OUTPUT_MAP, context)
        if change:
            if shapes is None:
                raise QgsProcessingException(f"'{study.indicator}' is on {geography}, which has no polygons to map.")
            from ..qgis_bridge.charts import change_map

            change_map(shapes, result, change)
            results[self.OUTPUT_MAP] = change
        return results

"""Processing "Emerging hot spots": ArcGIS Pro's Emerging Hot Spot Analysis on an indicator of the store
(core.emerging_study, as `lis emerging`): each area's category, trend and Gi* z per period, styled."""

from __future__ import annotations

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputString,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
    QgsWkbTypes,
)

from ..translation import QT_TRANSLATE_NOOP
from .base import STORE_FILTER, LisAlgorithm, style_on_load


class EmergingHotspotsAlgorithm(LisAlgorithm):
    NAME = "emerginghotspots"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Emerging hot spots")
    GROUP = QT_TRANSLATE_NOOP("LisWorkbench", "Hotspots and clusters")
    GROUP_ID = "hotspots"
    STORE, INDICATOR, START, END, OUTPUT, SUMMARY = "STORE", "INDICATOR", "START", "END", "OUTPUT", "SUMMARY"
    HELP = ("Where hot and cold spots of an indicator are new, consecutive, intensifying, persistent, diminishing, "
            "sporadic, oscillating or historical over its periods, as ArcGIS Pro's Emerging Hot Spot Analysis "
            "defines them: Getis-Ord Gi* in each period on one queen contiguity matrix (binary weights, FDR "
            "correction, 90% confidence), then the Mann-Kendall trend of each area's z-scores (significant at "
            "0.10). The same table and colours as `lis emerging`.\n\n"
            "Start and end: periods of the indicator (empty: its first and last). Output: the areas with fields "
            "category, mk_s, mk_z, mk_p, mk_tau, one z_<period> per period and significant_periods, styled by "
            "category (warm = the side of greater need, by the indicator's polarity).")

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterFile(
            self.STORE, "Indicator store", behavior=QgsProcessingParameterFile.Behavior.File,
            fileFilter=STORE_FILTER))
        self.addParameter(QgsProcessingParameterString(self.INDICATOR, "Indicator id"))
        self.addParameter(QgsProcessingParameterString(self.START, "First period (empty: the earliest)",
                                                       optional=True))
        self.addParameter(QgsProcessingParameterString(self.END, "Last period (empty: the latest)", optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(self.OUTPUT, "Emerging hot spots"))
        self.addOutput(QgsProcessingOutputString(self.SUMMARY, "Summary"))

    def execute(self, parameters, context, feedback) -> dict:
        from ..core.emerging_study import EmergingStudy, run_emerging_study
        from ..core.store import Store
        from ..qgis_bridge.cache import weights_cache
        from ..qgis_bridge.emerging_style import style_emerging
        from ..qgis_bridge.feedback import cancelled_from_feedback, progress_from_feedback
        from ..qgis_bridge.frames import fields_for, write_features
        from ..qgis_bridge.layers import bng

        def text(key: str) -> str | None:
            return self.parameterAsString(parameters, key, context).strip() or None

        study = EmergingStudy(text(self.INDICATOR) or "", text(self.START), text(self.END))
        with Store.open(self.parameterAsFile(parameters, self.STORE, context)) as store:
            result = run_emerging_study(store, study, progress_from_feedback(feedback),
                                        cancelled_from_feedback(feedback), cache=weights_cache())
        fields = fields_for(result.table)
        sink, dest = self.parameterAsSink(parameters, self.OUTPUT, context, fields, QgsWkbTypes.Type.MultiPolygon,
                                          bng())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        write_features(sink, result.table, fields)
        for note in result.result.notes:
            feedback.pushWarning(note)
        feedback.pushInfo(result.summary)
        polarity = result.entry.get("polarity")
        style_on_load(context, dest, lambda layer: style_emerging(layer, polarity))
        return {self.OUTPUT: dest, self.SUMMARY: result.summary}

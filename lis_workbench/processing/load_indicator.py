"""Processing "Load indicator": one indicator and period from the store, with its boundaries, as a layer."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFile,
    QgsProcessingParameterString,
    QgsWkbTypes,
)

from ..qgis_bridge.outputs import finish_output
from ..translation import QT_TRANSLATE_NOOP
from .base import STORE_FILTER, LisAlgorithm


class LoadIndicatorAlgorithm(LisAlgorithm):
    NAME = "loadindicator"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Load indicator")
    STORE = "STORE"
    INDICATOR = "INDICATOR"
    PERIOD = "PERIOD"
    OUTPUT = "OUTPUT"
    HELP = ("Writes one indicator of the store, for one period, with the boundaries of its geography "
            "(British National Grid). Fields: area_code, area_name, period, value, numerator, denominator, "
            "lower_ci, upper_ci, suppressed (1 where the partner suppressed the value). Every area of the geography "
            "is written; areas without a value have an empty (NULL) value.\n\n"
            "Store: the .gpkg or .sqlite file, or a PostGIS store's address (postgresql://user@host/db?schema=lis "
            "or service=NAME). Indicator: its id, as listed by `lis list` or in the dock. "
            "Period: leave empty for the latest.")

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterFile(
            self.STORE, "Indicator store", behavior=QgsProcessingParameterFile.Behavior.File,
            fileFilter=STORE_FILTER))
        self.addParameter(QgsProcessingParameterString(self.INDICATOR, "Indicator id"))
        self.addParameter(QgsProcessingParameterString(self.PERIOD, "Period (empty = latest)", optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, "Indicator layer", QgsProcessing.SourceType.TypeVectorPolygon))

    def execute(self, parameters, context, feedback) -> dict:
        from ..core.credits import store_credits
        from ..core.store import Store
        from ..qgis_bridge.frames import write_features
        from ..qgis_bridge.layers import bng, indicator_fields, layer_metadata, provenance_text

        path = self.parameterAsFile(parameters, self.STORE, context)
        indicator = self.parameterAsString(parameters, self.INDICATOR, context).strip()
        period = self.parameterAsString(parameters, self.PERIOD, context).strip() or None
        with Store.open(path) as store:
            entry = store.indicator(indicator)
            frame = store.get_values(indicator, period, with_geometry=True, all_areas=True)
            checksum = store.checksum()
            entry["credits"] = store_credits(store, [entry])  # the page credits: source, boundaries, OS year
        feedback.pushInfo(f"{entry['title']}: {len(frame)} areas of {entry['geography']}, "
                          f"period {frame['period'].iloc[0] if len(frame) else '-'}")
        fields = indicator_fields()
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, fields,
                                             QgsWkbTypes.Type.MultiPolygon, bng())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        write_features(sink, frame, fields, cancelled=feedback.isCanceled)
        del sink  # closed, so the file is whole before its metadata is written into it
        feedback.setProgress(100.0)
        entry["period"] = frame["period"].iloc[0] if len(frame) else period
        entry["store"] = path
        entry["store_checksum"] = checksum
        feedback.pushInfo("Provenance: " + provenance_text(entry))
        finish_output(dest_id, context, layer_metadata(entry))
        return {self.OUTPUT: dest_id}

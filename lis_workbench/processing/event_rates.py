"""Processing "Events to rates": points or postcodes with dates counted per area and period of a store geography,
as rates of a store population if asked, saved as a new indicator (core.events, as `lis events import`)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ..qgis_bridge.feedback import progress_from_feedback
from ..translation import QT_TRANSLATE_NOOP
from .base import STORE_FILTER, LisAlgorithm

#: as core.event_sources.PERIOD_KINDS (not imported: loading the provider must not import the engine)
PERIODS = ("month", "quarter", "year")


class EventRatesAlgorithm(LisAlgorithm):
    NAME = "eventrates"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Events to rates")
    STORE, INPUT, LAYER, X, Y, CRS = "STORE", "INPUT", "LAYER", "X", "Y", "CRS"
    POSTCODE, POSTCODE_LOOKUP, DATE, GEOGRAPHY, PERIOD = "POSTCODE", "POSTCODE_LOOKUP", "DATE", "GEOGRAPHY", "PERIOD"
    ID, DENOMINATOR, MULTIPLIER, TITLE, REPLACE = "ID", "DENOMINATOR", "MULTIPLIER", "TITLE", "REPLACE"
    INDICATOR, VALUES, LOCATED, NOT_COUNTED, REPORT = "INDICATOR", "VALUES", "LOCATED", "NOT_COUNTED", "REPORT"
    HELP = ("Counts your own events (incidents, referrals, service users' addresses) per area of a store geography "
            "and per month, quarter or year, as `lis events import` does, and saves them as a new indicator whose "
            "numerator is the count of events. Where each event happened: a point layer file, a CSV with x and y "
            "columns (British National Grid unless a CRS is given, e.g. 4326 for longitude/latitude), or a "
            "postcode column with a postcode lookup CSV (an ONS Postcode Directory extract: pcds, oseast1m, "
            "osnrth1m, doterm). Dates may be written 2023-01-15 or 15/01/2023. Each event is counted in one area "
            "(a point on a shared border goes to the area with the lowest code); areas without events get 0. With "
            "a denominator (a population indicator of the same geography) the values are rates per the multiplier "
            "with 95% limits as Fingertips computes them (exact Poisson below 10 events, Byar's from 10); the "
            "store's small-number rule applies when they are published. The match report accounts for every row: "
            "located, outside the geography, bad coordinates, bad dates, unknown and terminated postcodes.")

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterFile(
            self.STORE, "Indicator store", behavior=QgsProcessingParameterFile.Behavior.File,
            fileFilter=STORE_FILTER))
        self.addParameter(QgsProcessingParameterFile(
            self.INPUT, "Events file (CSV or point layer)", behavior=QgsProcessingParameterFile.Behavior.File,
            fileFilter="CSV or vector files (*.csv *.txt *.gpkg *.shp *.geojson *.json *.fgb);;All files (*)"))
        self.addParameter(QgsProcessingParameterString(self.DATE, "Column of dates"))
        self.addParameter(QgsProcessingParameterString(self.GEOGRAPHY, "Geography to count in (e.g. lsoa11)"))
        self.addParameter(QgsProcessingParameterEnum(self.PERIOD, "Period", list(PERIODS), defaultValue=0))
        self.addParameter(QgsProcessingParameterString(self.ID, "Id of the new indicator (e.g. asb_rate)"))
        self.addParameter(QgsProcessingParameterString(self.X, "Column of eastings or longitudes", optional=True))
        self.addParameter(QgsProcessingParameterString(self.Y, "Column of northings or latitudes", optional=True))
        self.addParameter(QgsProcessingParameterString(self.CRS, "EPSG code of the coordinates (empty: 27700, or the "
                                                       "layer's own)", optional=True))
        self.addParameter(QgsProcessingParameterString(self.POSTCODE, "Column of postcodes", optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.POSTCODE_LOOKUP, "Postcode lookup CSV (e.g. ONS Postcode Directory extract)", extension="csv",
            optional=True))
        self.addParameter(QgsProcessingParameterString(self.LAYER, "Layer of a multi-layer file", optional=True))
        self.addParameter(QgsProcessingParameterString(self.DENOMINATOR, "Denominator: a population indicator of "
                                                       "the geography (empty: counts)", optional=True))
        self.addParameter(QgsProcessingParameterNumber(self.MULTIPLIER, "Rates per this many people",
                                                       QgsProcessingParameterNumber.Type.Double, 1000.0,
                                                       minValue=1e-9))
        self.addParameter(QgsProcessingParameterString(self.TITLE, "Title of the new indicator", optional=True))
        self.addParameter(QgsProcessingParameterBoolean(self.REPLACE, "Overwrite the indicator's values for these "
                                                        "periods", defaultValue=False))
        self.addOutput(QgsProcessingOutputString(self.INDICATOR, "Indicator saved"))
        self.addOutput(QgsProcessingOutputNumber(self.VALUES, "Values saved"))
        self.addOutput(QgsProcessingOutputNumber(self.LOCATED, "Events counted"))
        self.addOutput(QgsProcessingOutputNumber(self.NOT_COUNTED, "Rows not counted"))
        self.addOutput(QgsProcessingOutputString(self.REPORT, "Match report"))

    def execute(self, parameters, context, feedback) -> dict:
        from ..core.events import EventSpec, import_events, report_lines
        from ..core.store import Store

        def text(key: str) -> str | None:
            return self.parameterAsString(parameters, key, context).strip() or None

        spec = EventSpec(
            geography=text(self.GEOGRAPHY) or "", period=PERIODS[self.parameterAsEnum(parameters, self.PERIOD,
                                                                                       context)],
            new_id=text(self.ID) or "", date_column=text(self.DATE) or "", x_column=text(self.X), y_column=text(self.Y),
            crs=text(self.CRS), postcode_column=text(self.POSTCODE),
            postcode_lookup=self.parameterAsFile(parameters, self.POSTCODE_LOOKUP, context) or None,
            layer=text(self.LAYER), denominator=text(self.DENOMINATOR),
            multiplier=self.parameterAsDouble(parameters, self.MULTIPLIER, context), title=text(self.TITLE),
            replace=self.parameterAsBool(parameters, self.REPLACE, context))
        with Store.open(self.parameterAsFile(parameters, self.STORE, context)) as store:
            result = import_events(store, self.parameterAsFile(parameters, self.INPUT, context), spec,
                                   progress=progress_from_feedback(feedback))
        lines = report_lines(result)
        for line in lines:
            feedback.pushInfo(line)
        report = result.report
        return {self.INDICATOR: result.indicator, self.VALUES: len(result.values), self.LOCATED: report.located,
                self.NOT_COUNTED: report.rows_read - report.located, self.REPORT: "\n".join(lines)}

"""Processing "Area profiles": one profile page per ward (or other area) of a borough, as `lis profile` makes them
(core.profile_study, the same pages and words)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterString,
)

from ..qgis_bridge.feedback import cancelled_from_feedback, progress_from_feedback
from ..translation import QT_TRANSLATE_NOOP
from .base import STORE_FILTER, LisAlgorithm


class AreaProfilesAlgorithm(LisAlgorithm):
    NAME = "areaprofiles"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Area profiles")
    GROUP = QT_TRANSLATE_NOOP("LisWorkbench", "Maps and publications")
    GROUP_ID = "maps"
    STORE, INDICATORS, BOROUGH, GEOGRAPHY, LOOKUP = "STORE", "INDICATORS", "BOROUGH", "GEOGRAPHY", "LOOKUP"
    OUTPUT_PDF, OUTPUT_FOLDER, PAGES, SUMMARY = "OUTPUT_PDF", "OUTPUT_FOLDER", "PAGES", "SUMMARY"
    HELP = ("One A4 page per area of a borough (wards by default): each indicator's value for the area, the "
            "borough and England, the area's rank in the borough, a spine chart of the borough's spread and a trend "
            "sparkline, with a note saying how every value was made (small-area counts summed through the lookup, "
            "rates recomputed, ranks never averaged). The same pages as `lis profile`.\n\n"
            "Indicators: ids separated by commas (empty: the store's profile indicators). Borough: a code or name "
            "of the store's home geography (needed when the store serves several). Geography and lookup: empty "
            "for the store's own (e.g. ward23, lsoa11_ward23). Output: one PDF, and optionally a folder with one "
            "PDF per area.")

    def flags(self):
        return super().flags() | QgsProcessingAlgorithm.Flag.FlagNoThreading  # print layouts run on the main thread

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterFile(
            self.STORE, "Indicator store", behavior=QgsProcessingParameterFile.Behavior.File,
            fileFilter=STORE_FILTER))
        self.addParameter(QgsProcessingParameterString(self.INDICATORS, "Indicators (ids, comma-separated; empty: "
                                                       "the store's profile indicators)", optional=True))
        self.addParameter(QgsProcessingParameterString(self.BOROUGH, "Borough (code or name; empty: the store's "
                                                       "only one)", optional=True))
        self.addParameter(QgsProcessingParameterString(self.GEOGRAPHY, "Profile areas' geography (empty: the "
                                                       "store's, e.g. ward23)", optional=True))
        self.addParameter(QgsProcessingParameterString(self.LOOKUP, "Lookup to them (empty: the store's)",
                                                       optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(self.OUTPUT_PDF, "Profiles (PDF)",
                                                                "PDF files (*.pdf)"))
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT_FOLDER, "One PDF per area (folder)",
                                                                  optional=True, createByDefault=False))
        self.addOutput(QgsProcessingOutputNumber(self.PAGES, "Pages"))
        self.addOutput(QgsProcessingOutputString(self.SUMMARY, "Summary"))

    def execute(self, parameters, context, feedback) -> dict:
        from ..core.profile_study import ProfileStudy, run_profile_study
        from ..core.store import Store
        from ..qgis_bridge.profile import export_profiles

        def text(key: str) -> str | None:
            return self.parameterAsString(parameters, key, context).strip() or None

        indicators = text(self.INDICATORS)
        study = ProfileStudy(indicators=indicators.split(",") if indicators else None, geography=text(self.GEOGRAPHY),
                             lookup=text(self.LOOKUP), borough=text(self.BOROUGH))
        with Store.open(self.parameterAsFile(parameters, self.STORE, context)) as store:
            result = run_profile_study(store, study)
        pdf = self.parameterAsFileOutput(parameters, self.OUTPUT_PDF, context)
        folder = self.parameterAsString(parameters, self.OUTPUT_FOLDER, context) or None
        export_profiles(result.profiles, pdf, folder, subtitle=result.subtitle, provenance=result.provenance,
                        progress=progress_from_feedback(feedback), cancelled=cancelled_from_feedback(feedback))
        feedback.pushInfo(result.summary)
        return {self.OUTPUT_PDF: pdf, self.OUTPUT_FOLDER: folder, self.PAGES: len(result.profiles),
                self.SUMMARY: result.summary}

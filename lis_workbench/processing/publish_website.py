"""Processing "Publish website": an accessible static website of one borough (ward profiles, indicator maps with
text alternatives, tables and CSVs, methods and an accessibility statement), as `lis publish` writes it
(core.publish, the same pages and words)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessingOutputFile,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterString,
)

from ..qgis_bridge.feedback import cancelled_from_feedback, progress_from_feedback
from ..translation import QT_TRANSLATE_NOOP
from .base import STORE_FILTER, LisAlgorithm


class PublishWebsiteAlgorithm(LisAlgorithm):
    NAME = "publishwebsite"
    DISPLAY_NAME = QT_TRANSLATE_NOOP("LisWorkbench", "Publish website")
    GROUP = QT_TRANSLATE_NOOP("LisWorkbench", "Maps and publications")
    GROUP_ID = "maps"
    STORE, OUTPUT, BOROUGH, INDICATORS = "STORE", "OUTPUT", "BOROUGH", "INDICATORS"
    HOTSPOTS, SITING, GEOGRAPHY, LOOKUP = "HOTSPOTS", "SITING", "GEOGRAPHY", "LOOKUP"
    INDEX, PAGES, SUMMARY = "INDEX", "PAGES", "SUMMARY"
    HELP = ("A website of one borough for the public, written into a folder: a home page, one profile page per ward "
            "(each indicator's value, the borough and England, the rank, a spine chart with its table, trends "
            "in words and how each value was made), one page per indicator (a map with a key, a text alternative "
            "naming the highest and lowest wards and how many are better or worse than the borough, the table and "
            "a CSV download), a methods page and an accessibility statement. The pages aim at WCAG 2.2 AA, need "
            "no scripts and load nothing from the internet: the folder opens from a network drive or any web "
            "server. The store's small-number rule is applied. The same site as `lis publish`.\n\n"
            "Borough: a code or name of the store's home geography (needed when the store serves several). "
            "Indicators: ids separated by commas (empty: the store's profile indicators). The accessibility "
            "statement gives the store's publish_contact setting as the contact for problems, when it is set. "
            "Geography and lookup: the areas with a profile page each (default: the store's wards; e.g. a custom "
            "set of neighbourhoods made with Custom areas) and the lookup to them.\n\n"
            "Hot and cold spots: indicator ids separated by commas; each gets a page with a map of its hot and cold "
            "spots (Getis-Ord Gi*, 999 permutations, seed 12345, as the Hotspots algorithm's defaults; clusters of "
            "greater need in warm colours), the counts in words, every area in a table and a CSV. Siting result: "
            "a GeoPackage written by `lis site --gpkg` (layers sites and demand); it gets a page naming the chosen "
            "sites with the demand each adds, the coverage in words, a map of the areas within reach or in the gap, "
            "tables and CSVs.")

    def define(self) -> None:
        self.addParameter(QgsProcessingParameterFile(
            self.STORE, "Indicator store", behavior=QgsProcessingParameterFile.Behavior.File,
            fileFilter=STORE_FILTER))
        self.addParameter(QgsProcessingParameterString(self.BOROUGH, "Borough (code or name; empty: the store's "
                                                       "only one)", optional=True))
        self.addParameter(QgsProcessingParameterString(self.INDICATORS, "Indicators (ids, comma-separated; empty: "
                                                       "the store's profile indicators)", optional=True))
        self.addParameter(QgsProcessingParameterString(self.GEOGRAPHY, "Profile areas' geography (empty: the "
                                                       "store's area geography; or a custom set)", optional=True))
        self.addParameter(QgsProcessingParameterString(self.LOOKUP, "Lookup to them (empty: the store's)",
                                                       optional=True))
        self.addParameter(QgsProcessingParameterString(self.HOTSPOTS, "Hot and cold spots of (indicator ids, "
                                                       "comma-separated; empty: none)", optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.SITING, "Siting result (GeoPackage; empty: none)", behavior=QgsProcessingParameterFile.Behavior.File,
            fileFilter="GeoPackage (*.gpkg)", optional=True))
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT, "Website folder"))
        self.addOutput(QgsProcessingOutputFile(self.INDEX, "Home page"))
        self.addOutput(QgsProcessingOutputNumber(self.PAGES, "Pages"))
        self.addOutput(QgsProcessingOutputString(self.SUMMARY, "Summary"))

    def execute(self, parameters, context, feedback) -> dict:
        import os

        from ..core.publish import PublishStudy, run_publish_study
        from ..core.store import Store

        def text(key: str) -> str | None:
            return self.parameterAsString(parameters, key, context).strip() or None

        indicators = text(self.INDICATORS)
        folder = self.parameterAsString(parameters, self.OUTPUT, context)
        hotspots = text(self.HOTSPOTS)
        study = PublishStudy(out=folder, borough=text(self.BOROUGH), geography=text(self.GEOGRAPHY),
                             lookup=text(self.LOOKUP),
                             indicators=[i for i in indicators.split(",") if i.strip()] if indicators else None,
                             hotspots=[i.strip() for i in hotspots.split(",") if i.strip()] if hotspots else None,
                             siting=self.parameterAsFile(parameters, self.SITING, context) or None)
        with Store.open(self.parameterAsFile(parameters, self.STORE, context)) as store:
            result = run_publish_study(store, study, progress=progress_from_feedback(feedback),
                                       cancelled=cancelled_from_feedback(feedback))
        feedback.pushInfo(result.summary)
        return {self.OUTPUT: folder, self.INDEX: os.path.join(folder, "index.html"), self.PAGES: len(result.pages),
                self.SUMMARY: result.summary}

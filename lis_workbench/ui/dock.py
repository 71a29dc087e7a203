"""The LIS Workbench dock: open a store, find an indicator in its catalogue, add it to the map."""

from __future__ import annotations

import html
import os
from pathlib import Path

from qgis.core import QgsProject, QgsSettings
from qgis.PyQt import uic
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QDockWidget, QPushButton, QTreeWidgetItem

from ..core.errors import LisError
from ..core.palette import DIVERGING, SEQUENTIAL
from ..core.store import Store
from ..core.store.address import is_database_address
from . import local_actions

FORM, _ = uic.loadUiType(str(Path(__file__).with_name("dock.ui")))
ALL = "All themes"
ALL_GEOGRAPHIES = "All geographies"
SETTINGS_KEY = "lis_workbench/store"
ID_ROLE = Qt.ItemDataRole.UserRole
METHOD_LABELS = (("quantile", "Quantiles"), ("equal", "Equal intervals"), ("jenks", "Natural breaks (Jenks)"),
                 ("stddev", "Standard deviations"), ("decile", "Deciles"))


class LisDock(QDockWidget, FORM):
    """Catalogue browser over one store; "Add to map" runs lisworkbench:loadindicator."""

    def __init__(self, iface, parent=None) -> None:
        super().__init__(parent)
        self.setupUi(self)
        self.iface = iface
        self.store: Store | None = None
        self.wizard = None  # the siting wizard last opened
        self.catalogue = None
        self.storeFile.setFilter("Indicator stores (*.gpkg *.sqlite)")
        self.storeFile.fileChanged.connect(self.open_store)
        self.postgisButton = QPushButton(self.tr("PostGIS store…"))
        self.postgisButton.setToolTip(self.tr("Open a store in a PostgreSQL/PostGIS database (a saved QGIS "
                                              "connection and the store's schema, or its address)"))
        self.postgisButton.clicked.connect(self.choose_postgis_store)
        self.mainLayout.insertWidget(self.mainLayout.indexOf(self.storeFile) + 1, self.postgisButton)
        self.searchEdit.textChanged.connect(self.refresh_catalogue)
        self.themeCombo.currentIndexChanged.connect(self.refresh_catalogue)
        self.geographyCombo.currentIndexChanged.connect(self.refresh_catalogue)
        self.catalogueTree.currentItemChanged.connect(self.show_indicator)
        self.catalogueTree.itemDoubleClicked.connect(lambda *_: self.add_to_map())
        self.addButton.clicked.connect(self.add_to_map)
        self.methodCombo.addItems([label for _, label in METHOD_LABELS])
        self.rampCombo.addItems(["auto", *SEQUENTIAL, *DIVERGING])
        self.methodCombo.currentIndexChanged.connect(self._method_changed)
        self.mapButton.clicked.connect(self.map_indicator)
        self.atlasButton.clicked.connect(self.open_atlas_dialog)
        self.hotspotButton.clicked.connect(lambda: self.find_hotspots())
        self.siteButton.clicked.connect(self.open_siting_dialog)
        self.compareButton.clicked.connect(lambda: self.compare())
        self.trendButton.clicked.connect(lambda: self.trend())
        self.importButton.clicked.connect(self.open_import_dialog)
        self.profileButton.clicked.connect(lambda: self.make_profiles())
        self.indexButton.clicked.connect(lambda: self.make_index())
        self.publishButton = QPushButton(self.tr("Publish website…"))
        self.publishButton.setToolTip(self.tr("An accessible website of the borough in a folder: ward profiles, "
                                              "indicator maps with tables and CSVs, methods and an accessibility "
                                              "statement"))
        self.publishButton.setEnabled(False)
        self.publishButton.clicked.connect(lambda: self.publish_website())
        self.analyseLayout.addWidget(self.publishButton, 3, 0, 1, 3)
        local_actions.add_buttons(self)  # emerging hot spots, events, custom area from selection
        header = self.catalogueTree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, header.Stretch)
        header.setSectionResizeMode(1, header.ResizeToContents)
        header.setSectionResizeMode(2, header.ResizeToContents)
        self.catalogueTree.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        # titles differ at the end ("... decile, IoD 2019")
        self.catalogueTree.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        last = QgsSettings().value(SETTINGS_KEY, "")
        if last and is_database_address(last):
            self.open_store(last)
        elif last and os.path.exists(last):
            self.storeFile.setFilePath(last)

    # ------------------------------------------------------------------ store
    def choose_postgis_store(self) -> None:
        """Ask for a PostGIS store (saved connection and schema, or an address) and open it."""
        from .postgis_picker import PostgisPicker

        picker = PostgisPicker(self)
        if picker.exec():
            try:
                address = picker.address()
            except LisError as exc:
                self.summaryLabel.setText(f"<span style='color:#b2182b'>{html.escape(str(exc))}</span>")
                return
            self.open_store(address)

    def open_store(self, path: str) -> None:
        """Open the store at path and list its catalogue (errors shown in the dock, never raised)."""
        self.close_store()
        if not path:
            return
        try:
            self.store = Store.open(path)
        except LisError as exc:
            self.summaryLabel.setText(f"<span style='color:#b2182b'>{html.escape(str(exc))}</span>")
            return
        QgsSettings().setValue(SETTINGS_KEY, self.store.address.without_password)
        if self.storeFile.filePath() != path and not self.store.is_database:
            self.storeFile.blockSignals(True)
            self.storeFile.setFilePath(path)
            self.storeFile.blockSignals(False)
        summary = self.store.summary()
        geographies = self.store.geographies()
        areas = geographies[geographies["kind"] == "areas"]
        self.summaryLabel.setText(self.tr("<b>{store}</b>: {indicators} indicators on {geographies}; {points} "
                                          "facility layers.").format(
            store=html.escape(self.store.label), indicators=summary["indicators"],
            geographies=", ".join(areas["name"]), points=summary["point_layers"]))
        self.catalogue = self.store.catalogue()
        for combo, label, values in ((self.themeCombo, ALL, self.catalogue["theme"]),
                                     (self.geographyCombo, ALL_GEOGRAPHIES, self.catalogue["geography"])):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(label)
            combo.addItems(sorted({v for v in values if v}))
            combo.blockSignals(False)
        for button in self._store_buttons():
            button.setEnabled(True)
        self.refresh_catalogue()

    def close_store(self) -> None:
        if self.store is not None:
            self.store.close()
        self.store = None
        self.catalogueTree.clear()
        self.periodCombo.clear()
        for button in self._indicator_buttons() + self._store_buttons():
            button.setEnabled(False)

    def _indicator_buttons(self) -> list:
        """The actions on the chosen indicator (enabled when one with values is chosen)."""
        return [self.addButton, self.mapButton, self.atlasButton, self.hotspotButton, self.siteButton,
                self.compareButton, self.trendButton, self.emergingButton]

    def _store_buttons(self) -> list:
        """The actions on the whole store (enabled while one is open)."""
        return [self.importButton, self.profileButton, self.indexButton, self.publishButton, self.eventsButton,
                self.areaButton]

    # ------------------------------------------------------------------ catalogue
    def refresh_catalogue(self, *_args) -> None:
        """List the indicators matching the search text, theme and geography."""
        if self.store is None:
            return
        theme = self.themeCombo.currentText()
        geography = self.geographyCombo.currentText()
        frame = self.store.catalogue(self.searchEdit.text().strip() or None,
                                     None if theme in ("", ALL) else theme,
                                     None if geography in ("", ALL_GEOGRAPHIES) else geography)
        self.catalogueTree.setSortingEnabled(False)
        self.catalogueTree.clear()
        for row in frame.itertuples(index=False):
            periods = row.periods[0] if len(row.periods) == 1 else (
                f"{row.periods[0]} to {row.periods[-1]}" if row.periods else "")
            item = QTreeWidgetItem([row.title, row.geography, periods])
            item.setData(0, ID_ROLE, row.id)
            item.setToolTip(0, f"{row.id}\n{row.title}")
            self.catalogueTree.addTopLevelItem(item)
        self.catalogueTree.setSortingEnabled(True)
        self.statusLabel.setText(self.tr("{shown} of {total} indicators shown.").format(
            shown=len(frame), total=len(self.catalogue)))
        if frame.empty:
            self.detailsBrowser.setHtml("<i>" + self.tr("No indicator matches. Clear the search or filters.") + "</i>")
            self.periodCombo.clear()
            for button in self._indicator_buttons():
                button.setEnabled(False)

    def indicator_ids(self) -> list[str]:
        """The ids listed in the dock, in display order."""
        return [self.catalogueTree.topLevelItem(i).data(0, ID_ROLE)
                for i in range(self.catalogueTree.topLevelItemCount())]

    def select_indicator(self, indicator_id: str, period: str | None = None) -> None:
        for i in range(self.catalogueTree.topLevelItemCount()):
            item = self.catalogueTree.topLevelItem(i)
            if item.data(0, ID_ROLE) == indicator_id:
                self.catalogueTree.setCurrentItem(item)
                if period is not None:
                    self.periodCombo.setCurrentText(period)
                return
        raise LisError(f"Indicator {indicator_id} is not listed in the dock.")

    def show_indicator(self, item, _previous=None) -> None:
        if item is None or self.store is None:
            return
        entry = self.store.indicator(item.data(0, ID_ROLE))
        rows = [("Id", entry["id"]), ("Theme", entry["theme"]), ("Unit", entry["unit"]),
                ("Polarity", (entry["polarity"] or "").replace("_", " ")), ("Geography", entry["geography"]),
                ("Source", entry["source"]), ("Licence", entry["licence"]), ("Notes", entry["notes"]),
                ("Imported", f"{entry['import_file'] or ''} {entry['imported_at'] or ''}")]
        self.detailsBrowser.setHtml(
            f"<b>{html.escape(entry['title'])}</b><table>"
            + "".join(f"<tr><td><i>{k}</i>&nbsp;</td><td>{html.escape(str(v))}</td></tr>" for k, v in rows if v)
            + "</table>")
        self.periodCombo.clear()
        self.periodCombo.addItems(list(reversed(entry["periods"])))
        for button in self._indicator_buttons():
            button.setEnabled(bool(entry["periods"]))
        if entry.get("value_type") == "decile":
            self.methodCombo.setCurrentIndex(len(METHOD_LABELS) - 1)

    # ------------------------------------------------------------------ actions
    def current(self) -> tuple[str, str] | None:
        """The chosen indicator id and period, or None."""
        item = self.catalogueTree.currentItem()
        if item is None or self.store is None:
            return None
        return item.data(0, ID_ROLE), self.periodCombo.currentText()

    def add_to_map(self):
        """Add the chosen indicator and period as a layer that reads the store (it lasts in a saved project)."""
        layer = self._store_layer()
        if layer is None:
            return None
        QgsProject.instance().addMapLayer(layer)
        self.statusLabel.setText(self.tr("Added {layer}: {count} areas.").format(layer=layer.name(),
                                                                                 count=layer.featureCount()))
        return layer

    def _method_changed(self, index: int) -> None:
        decile = METHOD_LABELS[index][0] == "decile"
        self.classesSpin.setEnabled(not decile)
        if decile:
            self.classesSpin.setValue(10)

    def map_indicator(self):
        """Add the chosen indicator and period as a styled choropleth on the store (core.map_study's classes)."""
        from ..core.map_study import MapSpec, classes_summary
        from ..qgis_bridge.maps import style_thematic

        layer = self._store_layer()
        if layer is None:
            return None
        indicator, _ = self.current()
        entry = self.store.indicator(indicator)
        ramp = self.rampCombo.currentText()
        spec = MapSpec(method=METHOD_LABELS[self.methodCombo.currentIndex()][0], classes=self.classesSpin.value(),
                       ramp=None if ramp == "auto" else ramp, polarity=entry.get("polarity"),
                       value_type=entry.get("value_type") or "", title=entry["title"])
        try:
            classification = style_thematic(layer, spec)
        except LisError as exc:
            return self._say(exc)
        QgsProject.instance().addMapLayer(layer)
        self.statusLabel.setText(html.escape(self.tr("Mapped {layer}: {classes}.").format(
            layer=layer.name(), classes=classes_summary(spec, classification))))
        return layer

    def _store_layer(self):
        """The chosen indicator and period as a layer on the store (not yet in the layer tree)."""
        chosen = self.current()
        if chosen is None:
            return None
        from ..qgis_bridge.store_layers import indicator_layer

        try:
            return indicator_layer(self.store, *chosen)
        except LisError as exc:
            return self._say(exc)

    def _say(self, problem) -> None:
        """Show a problem in the dock's status line (never raised at the user)."""
        self.statusLabel.setText(f"<span style='color:#b2182b'>{html.escape(str(problem))}</span>")
        return None

    def open_atlas_dialog(self) -> None:
        """Open "Export atlas" (with its progress bar) for the chosen indicator, one page per ward of the store."""
        import processing

        inputs = self.atlas_inputs()
        if inputs is not None:
            processing.execAlgorithmDialog("lisworkbench:exportatlas", inputs)

    def atlas_inputs(self) -> dict | None:
        """The "Export atlas" inputs for the chosen indicator: mapped as the dock maps it (same classes, as
        `lis atlas --method --classes`), one page per area of the store's area geography (added to the project)."""
        from ..core.classify import METHODS
        from ..qgis_bridge.store_layers import geography_layer

        layer = self.map_indicator()
        if layer is None:
            return None
        coverage_name = self.store.setting("area_geography")
        if coverage_name is None:
            return self._say("The store has no ward geography to make atlas pages from.")
        coverage = geography_layer(self.store, coverage_name)
        QgsProject.instance().addMapLayer(coverage)
        return {"INPUT": coverage, "NAME_FIELD": "area_name", "MAP_LAYER": layer, "FIELD": "value",
                "METHOD": METHODS.index(METHOD_LABELS[self.methodCombo.currentIndex()][0]),
                "CLASSES": self.classesSpin.value()}

    def open_import_dialog(self) -> None:
        """Open "Import indicators" with this store; the catalogue is listed again afterwards."""
        import processing

        if self.store is None:
            return
        processing.execAlgorithmDialog("lisworkbench:importindicators", {"STORE": self.store.address.text})
        self.open_store(self.store.address.text)

    # ------------------------------------------------------------------ studies run as tasks
    def _run(self, description: str, work, done):
        """Run work(store, progress, cancelled) in a QgsTask on a connection of its own; done(result) adds the answer.
        Returns the task (tests wait on it)."""
        from ..qgis_bridge.tasks import StudyTask, start

        path = self.store.address.text

        def in_task(progress, cancelled):
            with Store.open(path) as own:
                return work(own, progress, cancelled)

        self.statusLabel.setText(self.tr("{task}... (progress and Cancel in the task bar)").format(task=description))
        return start(StudyTask(description, in_task, done, self._say))

    def find_hotspots(self):
        """Gi* hot and cold spots of the chosen indicator and period, added to the map styled (kept in the results
        GeoPackage). Returns the task."""
        from ..core.clusters import Analysis
        from ..core.hotspot_study import HotspotStudy, run_hotspot_study
        from ..qgis_bridge.cache import weights_cache

        chosen = self.current()
        if chosen is None:
            return None
        study = HotspotStudy(chosen[0], chosen[1], Analysis())
        cache = weights_cache()

        def done(result):
            from ..qgis_bridge.hotspot_style import style_clusters
            from ..qgis_bridge.layers import layer_from_frame, set_provenance
            from ..qgis_bridge.store_layers import keep_result

            layer = layer_from_frame(result.table, f"{result.page.title} ({result.page.period})")
            style_clusters(layer, result.field, result.entry.get("polarity"))
            set_provenance(layer, dict(result.entry, period=result.page.period))
            kept = keep_result(layer, f"{chosen[0]}_hotspots")
            QgsProject.instance().addMapLayer(kept)
            self.statusLabel.setText(html.escape(result.summary))

        return self._run("Finding hot and cold spots",
                         lambda store, progress, cancelled: run_hotspot_study(store, study, progress, cancelled,
                                                                              cache=cache), done)

    def compare(self):
        """Each area of the chosen indicator against the borough, added to the map coloured by the judgement.
        Returns the task."""
        from ..core.compare_study import compare_indicator

        chosen = self.current()
        if chosen is None:
            return None

        def work(store, progress, cancelled):
            result = compare_indicator(store, chosen[0], period=chosen[1])
            entry = store.indicator(chosen[0])
            shapes = store.areas(entry["geography"])[["area_code", "geometry"]]
            return result, shapes.merge(result.table, on="area_code", how="inner"), entry

        def done(answer):
            from ..qgis_bridge.charts import style_assessment
            from ..qgis_bridge.layers import layer_from_frame, set_provenance
            from ..qgis_bridge.store_layers import keep_result

            result, table, entry = answer
            layer = layer_from_frame(table, f"{result.title}: compared")
            style_assessment(layer)
            set_provenance(layer, dict(entry, period=chosen[1]))
            QgsProject.instance().addMapLayer(keep_result(layer, f"{chosen[0]}_compared"))
            self.statusLabel.setText(html.escape(f"{result.headline}. {result.counts}"))

        return self._run("Comparing with the borough", work, done)

    def trend(self):
        """Each area's change and trend over the chosen indicator's periods, added to the map as a change map; the
        chart is written beside the results GeoPackage. Returns the task."""
        from ..core.trend_study import TrendStudy, run_trend_study

        chosen = self.current()
        if chosen is None:
            return None

        def work(store, progress, cancelled):
            result = run_trend_study(store, TrendStudy(chosen[0]))
            return result, store.areas(result.entry["geography"])

        def done(answer):
            from ..qgis_bridge.charts import style_change, trend_chart
            from ..qgis_bridge.layers import layer_from_frame, set_provenance
            from ..qgis_bridge.store_layers import keep_result, results_path

            result, shapes = answer
            table = shapes.merge(result.table.drop(columns="area_name"), on="area_code", how="inner")
            layer = layer_from_frame(table, result.map_title)
            style_change(layer, result)
            set_provenance(layer, dict(result.entry, period=f"{result.start} to {result.end}"))
            QgsProject.instance().addMapLayer(keep_result(layer, f"{chosen[0]}_trend"))
            chart = results_path().with_name(f"{chosen[0]}_trend.png")
            trend_chart(result.window, result.fitted, chart, title=result.chart_title,
                        subtitle=result.chart_subtitle, footer=result.footer, start=result.start, end=result.end)
            self.statusLabel.setText(html.escape(self.tr("{summary}. Chart: {chart}").format(summary=result.summary,
                                                                                            chart=chart)))

        if len(self.store.indicator(chosen[0])["periods"]) < 2:
            return self._say("A trend needs at least two periods; this indicator has one.")
        return self._run("Measuring change and trend", work, done)

    def emerging_hotspots(self, start: str | None = None, end: str | None = None):
        """Emerging hot spots of the chosen indicator, added to the map styled (ui.local_actions). Returns the task."""
        return local_actions.emerging_hotspots(self, start, end)

    def import_events(self, params: dict | None = None):
        """Open "Events to rates", or with params (`file` and core.events.EventSpec's fields) count the events in a
        task (ui.local_actions). Returns the task."""
        return local_actions.import_events(self, params)

    def custom_area_from_selection(self, name: str | None = None, layer=None):
        """One custom area from the features selected on the map (ui.local_actions). Returns the task."""
        return local_actions.custom_area_from_selection(self, name, layer)

    def make_profiles(self, pdf: str | None = None, borough: str | None = None):
        """Profile pages for the store's (or the named) borough into `pdf` (asked for when not given). The rows are
        built in a task; the pages are drawn when it ends. Returns the task."""
        from ..core.profile_study import ProfileStudy, run_profile_study

        if self.store is None:
            return None
        if pdf is None:
            from qgis.PyQt.QtWidgets import QFileDialog

            pdf, _ = QFileDialog.getSaveFileName(self, "Save the profiles as", "profiles.pdf", "PDF files (*.pdf)")
            if not pdf:
                return None

        def done(result):
            from ..qgis_bridge.profile import export_profiles

            try:
                export_profiles(result.profiles, pdf, subtitle=result.subtitle, provenance=result.provenance)
            except LisError as exc:
                return self._say(exc)
            self.statusLabel.setText(html.escape(self.tr("Wrote {file}: {summary}.").format(file=pdf,
                                                                                           summary=result.summary)))

        return self._run("Building area profiles", lambda store, progress, cancelled: run_profile_study(
            store, ProfileStudy(borough=borough)), done)

    def publish_website(self, folder: str | None = None, borough: str | None = None):
        """The borough's website (core.publish) into `folder` (asked for when not given), built in a task with
        progress and Cancel. Returns the task."""
        from ..core.publish import PublishStudy, run_publish_study

        if self.store is None:
            return None
        if folder is None:
            from qgis.PyQt.QtWidgets import QFileDialog

            folder = QFileDialog.getExistingDirectory(self, self.tr("Folder for the website"))
            if not folder:
                return None

        def done(result):
            index = os.path.join(result.folder, "index.html")
            self.statusLabel.setText(html.escape(self.tr("Wrote {file}: {summary}.").format(file=index,
                                                                                           summary=result.summary)))

        return self._run("Publishing the website", lambda store, progress, cancelled: run_publish_study(
            store, PublishStudy(out=folder, borough=borough), progress, cancelled), done)

    def make_index(self, recipe: str | None = None):
        """A composite index from a recipe (asked for when not given), added to the map by decile. Returns the
        task."""
        from ..core.index_recipe import load_recipe, run_recipe

        if self.store is None:
            return None
        if recipe is None:
            from qgis.PyQt.QtWidgets import QFileDialog

            recipe, _ = QFileDialog.getOpenFileName(self, "Index recipe", "", "Index recipes (*.toml *.json)")
            if not recipe:
                return None
        try:
            parsed = load_recipe(recipe)
        except LisError as exc:
            return self._say(exc)

        def work(store, progress, cancelled):
            result = run_recipe(store, parsed)
            shapes = store.areas(result.provenance["geography"])
            return result, shapes.merge(result.frame.reset_index(), on="area_code", how="inner")

        def done(answer):
            from ..qgis_bridge.charts import style_index_deciles
            from ..qgis_bridge.layers import layer_from_frame
            from ..qgis_bridge.store_layers import keep_result

            result, table = answer
            layer = layer_from_frame(table.drop(columns=[c for c in table.columns if c == "in_population"]),
                                     parsed.title)
            style_index_deciles(layer)
            QgsProject.instance().addMapLayer(keep_result(layer, parsed.id))
            self.statusLabel.setText(html.escape(f"{parsed.title}: {result.method()}"))

        return self._run(f"Building {parsed.title}", work, done)

    def open_siting_dialog(self):
        """Open the siting wizard (who needs it, where it could go, how far, how many) with the chosen indicator as
        demand when it is a count; Finish adds the styled result to the map. Returns the wizard."""
        if self.store is None:
            return None
        from .siting_wizard import SitingWizard

        item = self.catalogueTree.currentItem()
        wizard = SitingWizard(self.store, item.data(0, ID_ROLE) if item is not None else None, self.iface, self)
        wizard.open()  # window-modal; the dock stays usable once it closes
        self.wizard = wizard
        return wizard

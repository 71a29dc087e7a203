"""The LIS Workbench dock: open a store, find an indicator in its catalogue, add it to the map."""

from __future__ import annotations

import html
import os
from pathlib import Path

from qgis.core import QgsProject, QgsSettings, QgsVectorLayer
from qgis.PyQt import uic
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QDockWidget, QTreeWidgetItem

from ..core.errors import LisError
from ..core.palette import DIVERGING, SEQUENTIAL
from ..core.store import Store

FORM, _ = uic.loadUiType(str(Path(__file__).with_name("dock.ui")))
ALL = "All themes"
ALL_GEOGRAPHIES = "All geographies"
SETTINGS_KEY = "lis_workbench/store"
ID_ROLE = Qt.UserRole
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
        self.hotspotButton.clicked.connect(self.open_hotspot_dialog)
        self.siteButton.clicked.connect(self.open_siting_dialog)
        header = self.catalogueTree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, header.Stretch)
        header.setSectionResizeMode(1, header.ResizeToContents)
        header.setSectionResizeMode(2, header.ResizeToContents)
        self.catalogueTree.sortByColumn(0, Qt.AscendingOrder)
        self.catalogueTree.setTextElideMode(Qt.ElideMiddle)  # titles differ at the end ("... decile, IoD 2019")
        last = QgsSettings().value(SETTINGS_KEY, "")
        if last and os.path.exists(last):
            self.storeFile.setFilePath(last)

    # ------------------------------------------------------------------ store
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
        QgsSettings().setValue(SETTINGS_KEY, path)
        if self.storeFile.filePath() != path:
            self.storeFile.blockSignals(True)
            self.storeFile.setFilePath(path)
            self.storeFile.blockSignals(False)
        summary = self.store.summary()
        geographies = self.store.geographies()
        areas = geographies[geographies["kind"] == "areas"]
        self.summaryLabel.setText(
            f"<b>{html.escape(Path(path).name)}</b>: {summary['indicators']} indicators on "
            f"{', '.join(areas['name'])}; {summary['point_layers']} facility layers.")
        self.catalogue = self.store.catalogue()
        for combo, label, values in ((self.themeCombo, ALL, self.catalogue["theme"]),
                                     (self.geographyCombo, ALL_GEOGRAPHIES, self.catalogue["geography"])):
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(label)
            combo.addItems(sorted({v for v in values if v}))
            combo.blockSignals(False)
        self.refresh_catalogue()

    def close_store(self) -> None:
        if self.store is not None:
            self.store.close()
        self.store = None
        self.catalogueTree.clear()
        self.periodCombo.clear()
        for button in (self.addButton, self.mapButton, self.atlasButton, self.hotspotButton, self.siteButton):
            button.setEnabled(False)

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
        self.statusLabel.setText(f"{len(frame)} of {len(self.catalogue)} indicators shown.")
        if frame.empty:
            self.detailsBrowser.setHtml("<i>No indicator matches. Clear the search or filters.</i>")
            self.periodCombo.clear()
            for button in (self.addButton, self.mapButton, self.atlasButton, self.hotspotButton, self.siteButton):
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
        for button in (self.addButton, self.mapButton, self.atlasButton, self.hotspotButton, self.siteButton):
            button.setEnabled(bool(entry["periods"]))
        if entry.get("value_type") == "decile":
            self.methodCombo.setCurrentIndex(len(METHOD_LABELS) - 1)

    # ------------------------------------------------------------------ actions
    def add_to_map(self):
        """Run lisworkbench:loadindicator for the chosen indicator and period; add the layer to the project."""
        layer = self._load_current()
        if layer is None:
            return None
        QgsProject.instance().addMapLayer(layer)
        self.statusLabel.setText(f"Added {layer.name()}: {layer.featureCount()} areas.")
        return layer

    def _method_changed(self, index: int) -> None:
        decile = METHOD_LABELS[index][0] == "decile"
        self.classesSpin.setEnabled(not decile)
        if decile:
            self.classesSpin.setValue(10)

    def map_indicator(self):
        """Add the chosen indicator and period as a styled choropleth: Load indicator, then Thematic map."""
        import processing

        layer = self._load_current()
        if layer is None:
            return None
        entry = self.store.indicator(self.catalogueTree.currentItem().data(0, ID_ROLE))
        method = METHOD_LABELS[self.methodCombo.currentIndex()][0]
        from ..processing.thematic_map import METHODS, POLARITIES, RAMPS

        try:
            result = processing.run("lisworkbench:thematicmap", {
                "INPUT": layer, "FIELD": "value", "METHOD": METHODS.index(method),
                "CLASSES": self.classesSpin.value(), "RAMP": RAMPS.index(self.rampCombo.currentText()),
                "POLARITY": POLARITIES.index(entry["polarity"] or "neutral"), "TITLE": entry["title"],
                "OUTPUT": "TEMPORARY_OUTPUT"})
        except Exception as exc:  # QgsProcessingException carries our LisError text
            self.statusLabel.setText(f"<span style='color:#b2182b'>{html.escape(str(exc))}</span>")
            return None
        styled = QgsVectorLayer(f"{result['OUTPUT']}|layername=thematic_map", layer.name(), "ogr")
        styled.setMetadata(layer.metadata())
        QgsProject.instance().addMapLayer(styled)
        self.statusLabel.setText(f"Mapped {styled.name()}: {result['CLASSES']} classes "
                                 f"(upper bounds {result['BREAKS'].replace(',', ', ')}).")
        return styled

    def _load_current(self):
        """The chosen indicator and period as a memory layer with provenance (not yet in the project)."""
        import processing

        item = self.catalogueTree.currentItem()
        if item is None or self.store is None:
            return None
        indicator = item.data(0, ID_ROLE)
        period = self.periodCombo.currentText()
        try:
            result = processing.run("lisworkbench:loadindicator", {
                "STORE": self.store.path, "INDICATOR": indicator, "PERIOD": period, "OUTPUT": "TEMPORARY_OUTPUT"})
        except Exception as exc:  # QgsProcessingException carries our LisError text
            self.statusLabel.setText(f"<span style='color:#b2182b'>{html.escape(str(exc))}</span>")
            return None
        layer = result["OUTPUT"]
        layer.setName(f"{item.text(0)} ({period})")
        from ..qgis_bridge.layers import set_provenance

        entry = self.store.indicator(indicator)
        entry.update(period=period, store=self.store.path)
        set_provenance(layer, entry)
        return layer

    def open_atlas_dialog(self) -> None:
        """Open "Export atlas" (with its progress bar) for the chosen indicator, one page per ward."""
        import processing

        layer = self.map_indicator()
        if layer is None:
            return
        from ..qgis_bridge.layers import areas_layer

        names = self.store.geography_names()
        coverage_name = next((g for g in ("ward23", "ward22") if g in names), None)
        if coverage_name is None:
            self.statusLabel.setText("The store has no ward geography (ward23) to make atlas pages from.")
            return
        coverage = areas_layer(self.store, coverage_name)
        QgsProject.instance().addMapLayer(coverage)
        processing.execAlgorithmDialog("lisworkbench:exportatlas", {
            "INPUT": coverage, "NAME_FIELD": "area_name", "MAP_LAYER": layer, "FIELD": ""})

    def open_hotspot_dialog(self) -> None:
        """Open "Hotspots (Gi*)" (parameters, progress, log) on the chosen indicator and period."""
        import processing

        layer = self._load_current()
        if layer is None:
            return
        QgsProject.instance().addMapLayer(layer)
        processing.execAlgorithmDialog("lisworkbench:gistar", {"INPUT": layer, "FIELD": "value"})

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

"""The dock's siting wizard: who needs the service, where it could go, how far people travel and how many new
sites; then the answer (core.siting_study, as `lis site` runs it) with its coverage curve, added to the map styled."""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

from qgis.core import QgsProject
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QPixmap
from qgis.PyQt.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)

from ..core.geography import aggregation_kind
from ..core.siting.study import SitingStudy, run_study
from ..core.store import Store

MODELS = (("mclp", "Reach the most need with a given number of new sites (maximal coverage)"),
          ("lscp", "Reach all the need with the fewest new sites (set covering)"),
          ("pmedian", "Bring the service nearest to need on average (p-median)"))
OPERATORS = ("<=", "<", ">=", ">")
NO_EXISTING = "(none)"


def _intro(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


def _page(title: str, intro: str | None = None) -> tuple[QWizardPage, QVBoxLayout]:
    """A wizard page with its question as the title and, if given, a line of explanation under it."""
    page = QWizardPage()
    page.setTitle(title)
    layout = QVBoxLayout(page)
    if intro:
        layout.addWidget(_intro(intro))
    return page, layout


class SitingWizard(QWizard):
    """Four pages over one open store; `result` holds the last StudyResult, `layers` what was added to the map."""

    def __init__(self, store, demand: str | None = None, iface=None, parent=None) -> None:
        super().__init__(parent)
        self.store, self.iface = store, iface
        self.result = None
        self.layers: list = []
        self.setWindowTitle("Site services - LIS Workbench")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, False)
        self.catalogue = store.catalogue()
        self.points = store.geographies().query("kind == 'points'")
        self._demand_page(demand)
        self._sites_page()
        self._model_page()
        self.result_page = ResultPage(self)
        self.addPage(self.result_page)
        self.resize(760, 700)

    # ------------------------------------------------------------------ pages
    def _demand_page(self, demand: str | None) -> None:
        page, layout = _page("Who needs the service?", "Demand is a count of people in each area, e.g. children "
                             "aged 0-4. You can count only the areas in need, e.g. the 30% most deprived (IMD "
                             "decile 3 or lower).")
        form = QFormLayout()
        self.demandCombo = QComboBox()
        counts = self.catalogue[[aggregation_kind(v, u) == "count"
                                 for v, u in zip(self.catalogue["value_type"], self.catalogue["unit"])]]
        for row in counts.sort_values("title").itertuples():
            self.demandCombo.addItem(f"{row.title} ({row.geography})", row.id)
        self._choose(self.demandCombo, demand if demand in set(counts["id"]) else "pop2016_age_0_4")
        form.addRow("Demand", self.demandCombo)
        self.needCheck = QCheckBox("Only areas in need")
        self.needCombo = QComboBox()
        for row in self.catalogue.sort_values("title").itertuples():
            self.needCombo.addItem(f"{row.title} ({row.geography})", row.id)
        self.opCombo = QComboBox()
        self.opCombo.addItems(OPERATORS)
        self.thresholdSpin = QDoubleSpinBox()
        self.thresholdSpin.setRange(-1e9, 1e9)
        self.thresholdSpin.setDecimals(2)
        self.thresholdSpin.setValue(3)
        if self._choose(self.needCombo, "imd2019_imd_decile"):
            self.needCheck.setChecked(True)
        rule = QHBoxLayout()
        for widget in (self.needCombo, self.opCombo, self.thresholdSpin):
            rule.addWidget(widget)
        rule.setStretch(0, 1)
        form.addRow(self.needCheck, rule)
        layout.addLayout(form)
        layout.addStretch(1)
        self.addPage(page)

    def _sites_page(self) -> None:
        page, layout = _page("Where could new services go?", "Candidate sites are a point layer of the store, "
                             "e.g. schools; a filter keeps some of them. Existing sites are always open: new sites "
                             "are added to them.")
        form = QFormLayout()
        self.candidatesCombo = QComboBox()
        self.existingCombo = QComboBox()
        self.existingCombo.addItem(NO_EXISTING, None)
        for row in self.points.itertuples():
            self.candidatesCombo.addItem(row.title or row.name, row.name)
            self.existingCombo.addItem(row.title or row.name, row.name)
        self._choose(self.candidatesCombo, "schools")
        self.filterEdit = QLineEdit()
        self.filterEdit.setPlaceholderText("e.g. education_phase = 'Primary'  (blank: all of them)")
        form.addRow("Candidate sites", self.candidatesCombo)
        form.addRow("Only those where", self.filterEdit)
        form.addRow("Existing sites", self.existingCombo)
        layout.addLayout(form)
        layout.addStretch(1)
        self.addPage(page)

    def _model_page(self) -> None:
        page, layout = _page("How far will people travel, and how many new sites?")
        self.modelGroup = QButtonGroup(page)
        for number, (_, words) in enumerate(MODELS):
            button = QRadioButton(words)
            self.modelGroup.addButton(button, number)
            layout.addWidget(button)
        self.modelGroup.button(0).setChecked(True)
        form = QFormLayout()
        self.pSpin = QSpinBox()
        self.pSpin.setRange(1, 200)
        self.pSpin.setValue(3)
        self.radiusSpin = QDoubleSpinBox()
        self.radiusSpin.setRange(50, 100000)
        self.radiusSpin.setSingleStep(100)
        self.radiusSpin.setDecimals(0)
        self.radiusSpin.setSuffix(" m")
        self.radiusSpin.setValue(1500)
        form.addRow("New sites", self.pSpin)
        form.addRow("Within reach means within", self.radiusSpin)
        layout.addLayout(form)
        layout.addWidget(_intro("Distances are straight lines in metres from each area's population-weighted "
                                "centroid (or a point inside it when the store has none). The answer is solved "
                                "exactly (proven optimal); the next page also shows what each extra site adds. For "
                                "road distances or capacities, use `lis site` or the Processing algorithms."))
        layout.addStretch(1)
        self.modelGroup.idToggled.connect(lambda *_: self.pSpin.setEnabled(self.model() != "lscp"))
        self.addPage(page)

    @staticmethod
    def _choose(combo: QComboBox, value) -> bool:
        index = combo.findData(value)
        if index >= 0:
            combo.setCurrentIndex(index)
        return index >= 0

    # ------------------------------------------------------------------ the study
    def model(self) -> str:
        return MODELS[max(self.modelGroup.checkedId(), 0)][0]

    def study(self) -> SitingStudy:
        """The pages' answers as a SitingStudy (what `lis site` would be given)."""
        need = None
        if self.needCheck.isChecked():
            need = f"{self.needCombo.currentData()}{self.opCombo.currentText()}{self.thresholdSpin.value():g}"
        return SitingStudy(demand=self.demandCombo.currentData(), candidates=self.candidatesCombo.currentData(),
                           candidates_filter=self.filterEdit.text().strip() or None,
                           existing=self.existingCombo.currentData(), model=self.model(), p=self.pSpin.value(),
                           radius=self.radiusSpin.value(), need=need, curve=self.model() != "lscp")

    def run(self, progress=None, cancelled=None):
        """Solve the study on a connection of its own (it may run in a task's thread); keep and return the
        StudyResult (LisError on bad choices, Cancelled when stopped)."""
        study = self.study()
        with Store.open(self.store.address.text) as own:
            self.result = run_study(own, study, progress, cancelled)
        return self.result

    def add_layers(self) -> list:
        """The result as styled layers in the project (sites, allocation lines, demand), kept in the results
        GeoPackage so they last in a saved project, and zoomed to."""
        from ..qgis_bridge.siting_map import outcome_layers
        from ..qgis_bridge.store_layers import keep_result

        if self.result is None:
            return []
        site_layer, line_layer, demand_layer = outcome_layers(self.result.outcome, self.result.polygons,
                                                              self.result.demand_title)
        kept = []
        for layer, table in ((demand_layer, "siting_demand"), (line_layer, "siting_allocation"),
                             (site_layer, "siting_sites")):
            layer.setName(layer.name().replace("~", " "))
            kept.append(keep_result(layer, table))
            QgsProject.instance().addMapLayer(kept[-1])
        demand_layer, line_layer, site_layer = kept
        self.layers = [site_layer, line_layer, demand_layer]
        if self.iface is not None:
            self.iface.mapCanvas().setExtent(demand_layer.extent())
            self.iface.mapCanvas().refresh()
        return self.layers

    def accept(self) -> None:
        if self.result is not None:
            self.add_layers()
        super().accept()

    def reject(self) -> None:
        task = getattr(self.result_page, "task", None)
        if task is not None:
            task.cancel()  # Cancel stops a solve under way
        super().reject()


class ResultPage(QWizardPage):
    """Runs the study when shown: the summary, the chosen sites in opening order and the coverage curve."""

    def __init__(self, wizard: SitingWizard) -> None:
        super().__init__()
        self.wizard_ = wizard
        self.setTitle("Where the new sites should go")
        self.setFinalPage(True)
        layout = QVBoxLayout(self)
        self.progress = QProgressBar()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["Order", "Site", "Demand in reach", "Adds"])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self.curve = QLabel()
        self.curve.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table.setMinimumHeight(150)  # the header and four sites before it scrolls
        for widget in (self.progress, self.summary, self.table, self.curve):
            layout.addWidget(widget)
        layout.setStretch(2, 1)
        self.ok = False
        self.task = None  # the solve under way

    def initializePage(self) -> None:  # noqa: N802
        """Solve in the background (a QgsTask: the window stays live, Cancel stops it); show the answer when done."""
        from ..qgis_bridge.tasks import StudyTask, start

        wizard = self.wizard_
        self.ok = False
        self.table.setRowCount(0)
        self.curve.clear()
        self.progress.setValue(0)
        self.summary.setText("Solving... (Cancel stops it)")
        self.task = StudyTask("Siting services", lambda progress, cancelled: wizard.run(progress, cancelled),
                              self._show, self._fail)
        self.task.progressChanged.connect(lambda value: self.progress.setValue(int(value)))
        start(self.task)

    def _fail(self, message: str) -> None:
        self.task = None
        self.progress.setValue(0)
        self.summary.setText(f"<span style='color:#b2182b'>{html.escape(message)}</span>")
        self.completeChanged.emit()

    def _show(self, done) -> None:
        self.task = None
        wizard = self.wizard_
        self.progress.setValue(100)
        self.progress.setFormat("Done")
        notes = "".join(f"<br><span style='color:#8c510a'>{html.escape(n)}</span>" for n in done.outcome.notes)
        self.summary.setText(f"<b>{html.escape(done.outcome.summary)}</b>{notes}<br>Finish adds the sites, the "
                             "allocation lines and the demand areas (within reach or a gap) to the map.")
        chosen = done.outcome.sites[done.outcome.sites["selected"] == 1].sort_values("rank")
        self.table.setRowCount(len(chosen))
        for r, row in enumerate(chosen.itertuples()):
            reach = getattr(row, "demand_in_reach", row.demand_assigned)
            gain = "" if row.marginal_gain != row.marginal_gain else f"{row.marginal_gain:,.0f}"
            for c, text in enumerate((f"{row.rank:.0f}", str(row.name), f"{reach:,.0f}", gain)):
                self.table.setItem(r, c, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        if done.outcome.curve is not None:
            from ..qgis_bridge.siting_map import curve_png

            path = Path(tempfile.mkdtemp(prefix="lis_curve_")) / "curve.png"
            curve_png(done.outcome.curve, path, wizard.model(), done.unit, chosen=wizard.pSpin.value(),
                      subtitle=done.demand_title)
            self.curve.setPixmap(QPixmap(str(path)).scaledToWidth(540, Qt.TransformationMode.SmoothTransformation))
        self.ok = True
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return self.ok

"""Area profiles as print pages: one A4 portrait page per area holding the engine's profile table (an SVG
from core/spine.py) under a title, with a provenance footer; one combined PDF and, if asked, one per area."""

from __future__ import annotations

import datetime as _dt
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from qgis.core import (
    QgsFeature,
    QgsFeedback,
    QgsLayoutExporter,
    QgsLayoutItem,
    QgsLayoutItemPicture,
    QgsLayoutMeasurement,
    QgsLayoutObject,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsPrintLayout,
    QgsProject,
    QgsProperty,
    QgsUnitTypes,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QByteArray, QRectF, Qt, QVariant
from qgis.PyQt.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter
from qgis.PyQt.QtSvg import QSvgRenderer

from ..__about__ import __version__
from ..core.errors import Cancelled, LisError, ParameterError
from ..core.file_names import area_file_stem
from ..core.spine import derivation_notes, profile_svg
from . import layout as layouts
from .compat import make_field

PAGE_W, PAGE_H = 210.0, 297.0
NOTES_W, NOTES_H = 190.0, 71.0  # the notes box under the table, in mm
NOTES_SIZE, NOTES_SMALLEST = 5.4, 3.6  # point sizes: as designed, and the smallest still legible in print


def notes_size(texts: Sequence[str]) -> float:
    """The largest point size (at most NOTES_SIZE) at which every page's notes fit the notes box, in steps of
    0.2 pt, so a long indicator list shrinks its notes rather than losing the last of them off the page."""
    dpi = 720  # fine enough that hinting does not round small sizes to whole pixels
    image = QImage(1, 1, QImage.Format.Format_RGB32)
    image.setDotsPerMeterX(round(dpi / 0.0254))
    image.setDotsPerMeterY(round(dpi / 0.0254))
    box = QRectF(0, 0, (NOTES_W - 2) / 25.4 * dpi, 1e9)  # less the label's 1 mm margins
    limit = (NOTES_H - 2) / 25.4 * dpi
    size = NOTES_SIZE
    while True:
        font = QFont(layouts.FONT)
        font.setPointSizeF(size)
        metrics = QFontMetricsF(font, image)
        tallest = max(metrics.boundingRect(box, int(Qt.TextFlag.TextWordWrap), text).height() for text in texts)
        if tallest <= limit:  # measured so, the text QGIS draws ends within the box (checked against the PDF)
            return size
        if size - 0.2 < NOTES_SMALLEST:
            raise LisError(f"The notes saying how each value was derived do not fit one page even at "
                           f"{NOTES_SMALLEST:g} pt: give fewer indicators per profile (split them over two "
                           "profile books).")
        size = round(size - 0.2, 1)


TITLE_WIDTH_MM, TITLE_PT = 190, 17


def page_title(name: str) -> str:
    """The area's name as the page title: one line, cut with an ellipsis when it would run past the title box."""
    return layouts.fit_text(name, TITLE_WIDTH_MM, TITLE_PT, bold=True)


def _profile_layout(project: QgsProject, subtitle: str, footer: str, notes: float = NOTES_SIZE) -> QgsPrintLayout:
    page = QgsPrintLayout(project)
    page.initializeDefaults()
    page.setName("LIS area profile")
    page.pageCollection().page(0).setPageSize(QgsLayoutSize(PAGE_W, PAGE_H, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    layouts._label(page, "title", 10, 8, TITLE_WIDTH_MM, 10, TITLE_PT, bold=True).setText('[% "title" %]')
    layouts._label(page, "subtitle", 10, 18, 190, 7, 9.5, colour="#525252").setText(subtitle)
    picture = QgsLayoutItemPicture(page)
    picture.setId("table")
    picture.setResizeMode(QgsLayoutItemPicture.ResizeMode.Zoom)
    picture.setPictureAnchor(QgsLayoutItem.ReferencePoint.UpperLeft)
    picture.dataDefinedProperties().setProperty(QgsLayoutObject.DataDefinedProperty.PictureSource,
                                                QgsProperty.fromField("svg"))
    page.addLayoutItem(picture)
    picture.attemptMove(QgsLayoutPoint(10, 27, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    picture.attemptResize(QgsLayoutSize(190, 178, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    picture.setFrameStrokeWidth(QgsLayoutMeasurement(0))
    heading = layouts._label(page, "notes_title", 10, 207, 190, 5, 8, bold=True)
    heading.setText("How the values were derived")
    layouts._label(page, "notes", 10, 212, NOTES_W, NOTES_H, notes, colour="#252525").setText('[% "notes" %]')
    layouts._label(page, "footer", 10, 284, 190, 10, 6, colour="#525252").setText(footer)
    return page


def svg_to_png(svg: str, path: Path, width_px: int = 1650) -> None:
    """Rasterise the profile table (about 200 dpi across the page). As a vector picture Qt outlines every
    glyph, which makes a 25-page PDF weigh ~50 MB; as an image the book is a few MB and prints crisply."""
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    if not renderer.isValid():
        raise LisError("The profile table could not be drawn (invalid SVG).")
    size = renderer.defaultSize()
    height_px = max(1, round(width_px * size.height() / max(size.width(), 1)))
    image = QImage(width_px, height_px, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    renderer.render(painter)
    painter.end()
    if not image.save(str(path), "PNG"):
        raise LisError(f"Could not write {path}.")


def export_profiles(profiles: Sequence, out_pdf: str | Path, per_area_dir: str | Path | None = None,
                    subtitle: str = "", provenance: str = "",
                    progress: Callable[[float, str], None] | None = None,
                    cancelled: Callable[[], bool] | None = None) -> list[str]:
    """Write one page per AreaProfile to out_pdf (and one PDF per area into per_area_dir); returns files."""
    if Path(out_pdf).suffix.lower() != ".pdf":
        raise ParameterError("Profiles are written as one PDF: give a file name ending .pdf, not "
                             f"{Path(out_pdf).name}.", option="out")
    if not profiles:
        raise LisError("There are no areas to make profiles for.")
    workdir = Path(tempfile.mkdtemp(prefix="lis_profiles_"))
    coverage = QgsVectorLayer("None", "profiles", "memory")
    text, whole = QVariant.Type.String, QVariant.Type.Int
    coverage.dataProvider().addAttributes([make_field(name, kind) for name, kind in (
        ("area_code", text), ("area_name", text), ("svg", text), ("page", whole), ("notes", text),
        ("file_stem", text), ("title", text))])
    coverage.updateFields()
    features = []
    size = notes_size(["\n".join(derivation_notes(profile)) for profile in profiles])
    for number, profile in enumerate(profiles, start=1):
        svg = workdir / f"{number:04d}_{profile.area_code}.png"
        svg_to_png(profile_svg(profile, notes=False), svg)
        feature = QgsFeature(coverage.fields())
        feature.setAttributes([profile.area_code, profile.area_name or profile.area_code, str(svg), number,
                               "\n".join(derivation_notes(profile)),
                               area_file_stem(profile.area_name, profile.area_code),
                               page_title(profile.area_name or profile.area_code)])
        features.append(feature)
        if progress:
            progress(0.3 * number / len(profiles), "Drawing profile tables")
    coverage.dataProvider().addFeatures(features)
    project = QgsProject.instance()
    project.addMapLayer(coverage, False)
    try:
        return _export(project, coverage, subtitle, provenance, out_pdf, per_area_dir, progress, size, cancelled)
    finally:
        project.removeMapLayer(coverage.id())
        shutil.rmtree(workdir, ignore_errors=True)


def _export(project, coverage, subtitle, provenance, out_pdf, per_area_dir, progress, notes: float,
            cancelled=None) -> list[str]:
    footer = (f"{provenance}\nMade with LIS Workbench {__version__} on {_dt.date.today().isoformat()}. "
              "Contains OS data © Crown copyright and database right; ONS and MHCLG data, OGL v3.0.")
    page = _profile_layout(project, subtitle, footer.strip(), notes)
    total = coverage.featureCount()
    atlas = page.atlas()
    atlas.setCoverageLayer(coverage)
    atlas.setEnabled(True)
    atlas.setPageNameExpression('"area_name"')
    atlas.setSortFeatures(True)
    atlas.setSortExpression('"page"')
    atlas.setFilenameExpression(f"'profile_' || lpad(\"page\", {len(str(total))}, '0') || '_' || \"file_stem\"")
    feedback = QgsFeedback()
    if progress:
        feedback.progressChanged.connect(lambda p: progress(0.3 + 0.7 * p / 100.0,
                                                            f"Exporting {total} profile pages"))
    if cancelled:
        feedback.progressChanged.connect(lambda _p: feedback.cancel() if cancelled() else None)
    settings = layouts.pdf_settings()
    out_pdf = Path(out_pdf)
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    result, error = QgsLayoutExporter.exportToPdf(atlas, str(out_pdf), settings, feedback)
    if feedback.isCanceled():
        raise Cancelled()
    if result != QgsLayoutExporter.ExportResult.Success:
        raise LisError(f"Could not write {out_pdf}: {error or int(result)}")
    files = [str(out_pdf)]
    if per_area_dir:
        folder = Path(per_area_dir)
        folder.mkdir(parents=True, exist_ok=True)
        result, error = QgsLayoutExporter.exportToPdfs(atlas, str(folder / "profile"), settings, feedback)
        if result != QgsLayoutExporter.ExportResult.Success:
            raise LisError(f"Could not write the per-area profiles into {folder}: {error or int(result)}")
        files += sorted(str(p) for p in folder.glob("profile_*.pdf"))
    return files

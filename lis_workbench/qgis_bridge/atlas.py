"""Atlases: one page per area of a coverage geography (wards by default), each zoomed on its area with the
neighbours greyed out and named, a locator of the whole coverage with the page's area picked out, from the same
layout template as single maps; one PDF or one file per area. Which pages (core.atlas_study) and whether they
are named (core.labels) is decided in the core."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from qgis.core import (
    QgsFeatureRequest,
    QgsFeedback,
    QgsFillSymbol,
    QgsLayoutExporter,
    QgsLayoutItemMap,
    QgsProject,
    QgsRuleBasedRenderer,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QVariant

from ..core.atlas_study import pages_with_data
from ..core.errors import LisError
from ..core.file_names import area_file_stem
from ..core.map_study import MapSpec, legend_title_for
from . import layout as layouts
from .compat import make_field
from .maps import footer_text, subtitle_text
from .place_labels import label_areas

MASK_NEIGHBOURS = "@atlas_featureid <> $id"
FILE_STEM, PAGE_TITLE = "lis_file_stem", "lis_page_title"


def mask_layer(coverage: QgsVectorLayer) -> QgsVectorLayer:
    """A copy of the coverage styled to grey out every area but the atlas's current one, which gets a bold line."""
    mask = coverage.clone()
    mask.setName("Neighbouring areas")
    root = QgsRuleBasedRenderer.Rule(None)
    grey = QgsFillSymbol.createSimple({"color": "235,235,235,205", "outline_color": "#969696",
                                       "outline_width": "0.3"})
    current = QgsFillSymbol.createSimple({"style": "no", "outline_color": "#000000", "outline_width": "0.9"})
    root.appendChild(QgsRuleBasedRenderer.Rule(grey, 0, 0, MASK_NEIGHBOURS, "Other areas"))
    root.appendChild(QgsRuleBasedRenderer.Rule(current, 0, 0, "ELSE", "This area"))
    mask.setRenderer(QgsRuleBasedRenderer(root))
    return mask


def locator_layer(coverage: QgsVectorLayer) -> QgsVectorLayer:
    """A copy of the coverage for the locator: every area pale, the atlas's current one filled dark."""
    locator = coverage.clone()
    locator.setName("Where this area is")
    root = QgsRuleBasedRenderer.Rule(None)
    other = QgsFillSymbol.createSimple({"color": "#f0f0f0", "outline_color": "#bdbdbd", "outline_width": "0.1"})
    current = QgsFillSymbol.createSimple({"color": "#525252", "outline_color": "#252525", "outline_width": "0.2"})
    root.appendChild(QgsRuleBasedRenderer.Rule(other, 0, 0, MASK_NEIGHBOURS, "Other areas"))
    root.appendChild(QgsRuleBasedRenderer.Rule(current, 0, 0, "ELSE", "This area"))
    locator.setRenderer(QgsRuleBasedRenderer(root))
    return locator


def pages_with_values(coverage: QgsVectorLayer, map_layer: QgsVectorLayer, field: str, name_field: str
                      ) -> tuple[QgsVectorLayer, list[str]]:
    """The coverage without the areas whose page would show only "No data" of the map layer's `field`
    (core.atlas_study's rule), and the names of those left out. For doors that hold layers, not a store."""
    from .frames import read_frame

    if map_layer.fields().indexFromName(field) < 0 or coverage.crs() != map_layer.crs():
        return coverage, []
    code = "area_code" if coverage.fields().indexFromName("area_code") >= 0 else None
    pages = read_frame(coverage, text=[name_field] + ([code] if code else []), geometry=True)
    pages["area_code"] = pages[code] if code else pages["fid"].astype(str)
    values = read_frame(map_layer, numeric=[field], text=["area_code"] if map_layer.fields().indexFromName(
        "area_code") >= 0 else [], geometry=True)
    if "area_code" not in values.columns:
        values["area_code"] = ""
    keep = pages_with_data(pages, values, field)
    if keep.all():
        return coverage, []
    kept = coverage.materialize(QgsFeatureRequest().setFilterFids([int(f) for f in pages.loc[keep, "fid"]]))
    kept.setName(coverage.name())
    return kept, sorted(str(n) for n in pages.loc[~keep, name_field])


def with_page_fields(coverage: QgsVectorLayer, name_field: str, title: Callable[[str], str]) -> QgsVectorLayer:
    """A memory copy of the coverage with each area's file-name part (core.file_names) in field FILE_STEM and its
    page title, fitted to the title box, in PAGE_TITLE."""
    copy = coverage.materialize(QgsFeatureRequest())
    copy.setName(coverage.name())
    provider = copy.dataProvider()
    provider.addAttributes([make_field(FILE_STEM, QVariant.Type.String), make_field(PAGE_TITLE, QVariant.Type.String)])
    copy.updateFields()
    stem, titled = copy.fields().indexFromName(FILE_STEM), copy.fields().indexFromName(PAGE_TITLE)
    code_index = copy.fields().indexFromName("area_code")
    changes = {}
    for feature in copy.getFeatures():
        name = str(feature[name_field])
        code = str(feature[code_index]) if code_index >= 0 else str(feature.id())
        changes[feature.id()] = {stem: area_file_stem(name, code), titled: title(name)}
    provider.changeAttributeValues(changes)
    return copy


def export_atlas(coverage: QgsVectorLayer, name_field: str, map_layer: QgsVectorLayer, spec: MapSpec,
                 classification, out: str | Path, single_file: bool = True, template: str | None = None,
                 progress: Callable[[float, str], None] | None = None,
                 cancelled: Callable[[], bool] | None = None, labels: bool = True) -> list[str]:
    """Write the atlas; returns the files written (one PDF, or one PDF/PNG per area). `labels` names the page's
    area and its neighbours on the map."""
    if coverage.fields().indexFromName(name_field) < 0:
        raise LisError(f"The coverage layer has no field '{name_field}' for the page names.")
    if coverage.featureCount() == 0:
        raise LisError("The coverage layer has no areas: nothing to put in an atlas.")
    page = layouts.load_layout(QgsProject.instance(), template, name="LIS atlas")
    title_box = page.itemById("title")
    coverage = with_page_fields(coverage, name_field, lambda name: layouts.fit_to_label(title_box,
                                                                                       f"{name}: {spec.title}"))
    mask = mask_layer(coverage)
    if labels:
        label_areas(mask, name_field, bold_current=True)
    locator = locator_layer(coverage)
    with layouts.layers_in_project([coverage, map_layer, mask, locator]):
        return _export(page, coverage, name_field, map_layer, mask, locator, spec, classification, Path(out),
                       single_file, progress, cancelled)


def _export(page, coverage, name_field, map_layer, mask, locator, spec, classification, out: Path, single_file,
            progress, cancelled) -> list[str]:
    map_item: QgsLayoutItemMap = page.itemById("map")
    map_item.setLayers([mask, map_layer])
    map_item.setCrs(map_layer.crs())
    layouts.fit_map(map_item, coverage.extent())
    map_item.setAtlasDriven(True)
    map_item.setAtlasScalingMode(QgsLayoutItemMap.AtlasScalingMode.Auto)
    map_item.setAtlasMargin(0.12)
    layouts.set_legend(page.itemById("legend"), map_item, map_layer, legend_title_for(spec), spec.period)
    layouts.add_locator(page, locator)
    name_expr = f'"{name_field}"'
    layouts.set_text(page, "title", f'[% "{PAGE_TITLE}" %]')
    layouts.set_text(page, "subtitle", subtitle_text(spec, classification)
                     + " · page [% @atlas_featurenumber %] of [% @atlas_totalfeatures %]")
    layouts.set_text(page, "footer", footer_text(spec))
    atlas = page.atlas()
    atlas.setCoverageLayer(coverage)
    atlas.setEnabled(True)
    atlas.setHideCoverage(False)
    atlas.setPageNameExpression(name_expr)
    atlas.setSortFeatures(True)
    atlas.setSortExpression(name_expr)
    total = coverage.featureCount()
    # numbered, so two wards of the same name (Brooklands in Manchester and in Trafford) never share a file
    atlas.setFilenameExpression(f"'{out.stem}_' || lpad(@atlas_featurenumber, {len(str(total))}, '0') || '_' || "
                                f'"{FILE_STEM}"')
    # each page has its own scale: its scale bar's nice steps are worked out again once the map has moved
    atlas.featureChanged.connect(lambda _feature: layouts.fit_scale_bar(page))
    feedback = QgsFeedback()
    if progress:
        feedback.progressChanged.connect(lambda p: progress(p / 100.0, "Exporting atlas pages"))
    if cancelled:
        feedback.progressChanged.connect(lambda _p: feedback.cancel() if cancelled() else None)
    out.parent.mkdir(parents=True, exist_ok=True)
    if single_file:
        if out.suffix.lower() != ".pdf":
            raise LisError("A single-file atlas is a PDF: give a .pdf file name.")
        settings = layouts.pdf_settings()
        result, error = QgsLayoutExporter.exportToPdf(atlas, str(out), settings, feedback)
        files = [str(out)]
    else:
        folder = out if out.suffix == "" else out.parent
        folder.mkdir(parents=True, exist_ok=True)
        before = {p: p.stat().st_mtime_ns for p in folder.iterdir()}
        if out.suffix.lower() == ".png":
            settings = QgsLayoutExporter.ImageExportSettings()
            settings.dpi = 150
            with layouts.quiet_georeferencing():
                result, error = QgsLayoutExporter.exportToImage(atlas, str(folder / "page"), "png", settings,
                                                                feedback)
            suffix = ".png"
        else:
            settings = layouts.pdf_settings()
            result, error = QgsLayoutExporter.exportToPdfs(atlas, str(folder / "page"), settings, feedback)
            suffix = ".pdf"
        files = sorted(str(p) for p in folder.glob(f"{out.stem}_*{suffix}")
                       if before.get(p) != p.stat().st_mtime_ns)  # only what this export wrote
    if feedback.isCanceled():
        raise LisError("The atlas export was cancelled.")
    if result != QgsLayoutExporter.ExportResult.Success:
        raise LisError(f"Could not export the atlas to {out}: {error or int(result)}")
    if not single_file and len(files) != total:
        raise LisError(f"The atlas wrote {len(files)} files for {total} areas.")
    return files

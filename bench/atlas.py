"""Atlas benchmark: seconds per page of `export_atlas` (one page per ward), beside QGIS's own atlas export.

    QT_QPA_PLATFORM=offscreen .venv/bin/python bench/atlas.py [--repeats N] [--gm-repeats N] [--data DIR]
                                                              [--no-gm] [--no-png] [--gm-per-area] [--profile]

1. Wigan (sample_data/, 25 wards 2023): build the sample store from sample_data/wigan_store.toml, map
   imd2019_imd_decile (method decile) and export the ward23 atlas three ways: one multi-page PDF, one PDF per
   ward, one PNG per ward. References: QGIS's native:atlaslayouttopdf / native:atlaslayouttoimage run through
   Processing on the same layout (built here the way export_atlas builds it), and for the per-ward PDFs a
   hand-made loop of QgsLayoutExporter.exportToPdf over the wards (no atlas: map extent, neighbour mask and
   texts set per ward).
2. Greater Manchester (215 wards 2023), when <repo>/../shared/data/greater_manchester is there: a store from
   a temporary recipe (GM LSOA 2011 and ward 2023 boundaries, the GM IMD 2015 long file), then the atlas of
   the IMD 2015 score (quantiles) for all wards as one PDF, beside native:atlaslayouttopdf.

Each time is the best of a few runs (time.perf_counter) of the export alone (layers already loaded and
styled; the store build and layer loading are timed separately). Checks: page / file counts equal the
number of coverage features (and the 215 wards of the GM source file), every ward's name is the title of
exactly one page, our pages come in the same order as QGIS's, page 1 of the Wigan atlas rendered by
pdftoppm is not blank. Any failed check exits 1.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdf
from qgis.core import (
    Qgis,
    QgsApplication,
    QgsFeatureRequest,
    QgsLayoutExporter,
    QgsLayoutItemMap,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QImage
from timing import Checks, best_of, fmt_times, profile, timed

from lis_workbench.core.recipe import build_store
from lis_workbench.core.store import Store
from lis_workbench.qgis_bridge import layout as layouts
from lis_workbench.qgis_bridge.app import start_qgis
from lis_workbench.qgis_bridge.atlas import export_atlas, mask_layer
from lis_workbench.qgis_bridge.layers import areas_layer
from lis_workbench.qgis_bridge.maps import MapSpec, footer_text, indicator_map_layer, subtitle_text

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
WIGAN_RECIPE = REPO / "sample_data" / "wigan_store.toml"
GM_WARDS = Path("greater_manchester/boundaries/gm_wards_2023_bgc.geojson")
GM_LSOA = Path("greater_manchester/boundaries/gm_lsoa11_bgc.geojson")
GM_IMD2015 = Path("greater_manchester/indicators/gm_imd2015_scores_long.csv")
GM_INDICATOR = "imd2015_index_of_multiple_deprivation_score"
DPI = 150  # what export_atlas uses
NAME_FIELD = "area_name"
ATLAS_MARGIN = 0.12  # export_atlas's setAtlasMargin


# ----------------------------------------------------------------------------------------- helpers
@dataclass
class Row:
    case: str
    pages: int
    ours: float | None
    ref: float | None
    ref_label: str


def page_titles(pdf: Path, title: str) -> list[str]:
    """The area name at the head of each page ("<name>: <indicator title>")."""
    names = []
    for page in pypdf.PdfReader(str(pdf)).pages:
        text = norm(page.extract_text())
        cut = text.find(f": {' '.join(title.split())}")
        names.append(text[:cut] if cut >= 0 else f"?{text[:40]}")
    return names


def pdf_pages(pdf: Path) -> int:
    return len(pypdf.PdfReader(str(pdf)).pages)


def norm(text: str) -> str:
    """Whitespace collapsed and ligatures unfolded (pypdf returns "ﬁ" for "fi")."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def coverage_names(coverage: QgsVectorLayer) -> list[str]:
    return [norm(f[NAME_FIELD]) for f in coverage.getFeatures()]


def not_blank(png: Path) -> tuple[int, float]:
    """(distinct colours, share of non-white pixels) of an image."""
    image = QImage(str(png)).convertToFormat(QImage.Format.Format_RGB32)
    ptr = image.constBits()
    ptr.setsize(image.sizeInBytes())
    rows = np.frombuffer(ptr, np.uint8).reshape(image.height(), image.bytesPerLine())
    pixels = rows[:, : image.width() * 4].reshape(-1, 4).view(np.uint32).ravel() & 0xFFFFFF
    return len(np.unique(pixels)), float(np.mean(pixels != 0xFFFFFF))


# ------------------------------------------------------------------------ the reference layout
def reference_layout(coverage: QgsVectorLayer, map_layer: QgsVectorLayer, spec: MapSpec, classification,
                     mask: QgsVectorLayer, atlas: bool):
    """The layout export_atlas builds (same template, items, texts and atlas settings), kept here so QGIS's own
    exporters can run it. atlas=False: no atlas; the caller sets extent, mask and texts per page."""
    project = QgsProject.instance()
    for layer in (coverage, map_layer, mask):
        if project.mapLayer(layer.id()) is None:
            project.addMapLayer(layer, False)
    page = layouts.load_layout(project, None, name="LIS bench reference atlas")
    map_item: QgsLayoutItemMap = page.itemById("map")
    map_item.setLayers([mask, map_layer])
    map_item.setCrs(map_layer.crs())
    layouts.fit_map(map_item, coverage.extent())
    layouts.set_legend(page.itemById("legend"), map_item, map_layer, spec.unit or spec.field, spec.period)
    layouts.set_text(page, "footer", footer_text(spec))
    if atlas:
        map_item.setAtlasDriven(True)
        map_item.setAtlasScalingMode(QgsLayoutItemMap.AtlasScalingMode.Auto)
        map_item.setAtlasMargin(ATLAS_MARGIN)
        name_expr = f'"{NAME_FIELD}"'
        layouts.set_text(page, "title", f"[% {name_expr} %]: {spec.title}")
        layouts.set_text(page, "subtitle", subtitle_text(spec, classification)
                         + " · page [% @atlas_featurenumber %] of [% @atlas_totalfeatures %]")
        atl = page.atlas()
        atl.setCoverageLayer(coverage)
        atl.setEnabled(True)
        atl.setHideCoverage(False)
        atl.setPageNameExpression(name_expr)
        atl.setSortFeatures(True)
        atl.setSortExpression(name_expr)
        atl.setFilenameExpression(f"'ref_' || regexp_replace({name_expr}, '[^A-Za-z0-9]+', '_')")
    return page


def run_native(alg_id: str, coverage, map_layer, spec, classification, params: dict) -> dict:
    """Add the reference layout to the project and run a native atlas algorithm on it through Processing."""
    project = QgsProject.instance()
    mask = mask_layer(coverage)
    page = reference_layout(coverage, map_layer, spec, classification, mask, atlas=True)
    manager = project.layoutManager()
    if not manager.addLayout(page):
        raise RuntimeError("could not add the reference layout to the project")
    try:
        alg = QgsApplication.processingRegistry().createAlgorithmById(alg_id)
        context = QgsProcessingContext()
        context.setProject(project)
        feedback = QgsProcessingFeedback()
        full = {"LAYOUT": page.name(), "COVERAGE_LAYER": coverage, "SORTBY_EXPRESSION": f'"{NAME_FIELD}"',
                "DPI": DPI, **params}
        results, ok = alg.run(full, context, feedback)
        if not ok:
            raise RuntimeError(f"{alg_id} failed")
        return results
    finally:
        manager.removeLayout(page)
        project.removeMapLayer(mask.id())


def native_pdf(coverage, map_layer, spec, classification, out: Path) -> Path:
    # the same PDF settings as export_atlas (QgsLayoutExporter.PdfExportSettings defaults, 150 dpi)
    run_native("native:atlaslayouttopdf", coverage, map_layer, spec, classification,
               {"OUTPUT": str(out), "FORCE_VECTOR": False, "GEOREFERENCE": True, "INCLUDE_METADATA": True,
                "DISABLE_TILED": False, "SIMPLIFY": True, "TEXT_FORMAT": 0})
    return out


def native_png(coverage, map_layer, spec, classification, folder: Path) -> list[Path]:
    alg = QgsApplication.processingRegistry().algorithmById("native:atlaslayouttoimage")
    png = alg.parameterDefinition("EXTENSION").options().index("png")
    run_native("native:atlaslayouttoimage", coverage, map_layer, spec, classification,
               {"FOLDER": str(folder), "EXTENSION": png, "GEOREFERENCE": False, "INCLUDE_METADATA": True,
                "ANTIALIAS": True,
                "FILENAME_EXPRESSION": f"'ref_' || regexp_replace(\"{NAME_FIELD}\", '[^A-Za-z0-9]+', '_')"})
    return sorted(folder.glob("ref_*.png"))


def hand_made_pdfs(coverage, map_layer, spec, classification, folder: Path) -> list[Path]:
    """No atlas: for each ward (by name), zoom the map on it, grey the others, set the texts, export one PDF."""
    project = QgsProject.instance()
    mask = mask_layer(coverage)
    page = reference_layout(coverage, map_layer, spec, classification, mask, atlas=False)
    map_item = page.itemById("map")
    neighbours = mask.renderer().rootRule().children()[0]
    subtitle = subtitle_text(spec, classification)
    exporter = QgsLayoutExporter(page)
    settings = QgsLayoutExporter.PdfExportSettings()
    settings.dpi = DPI
    features = sorted(coverage.getFeatures(QgsFeatureRequest()), key=lambda f: f[NAME_FIELD])
    files = []
    try:
        for number, feature in enumerate(features, start=1):
            neighbours.setFilterExpression(f"$id <> {feature.id()}")
            extent = QgsRectangle(feature.geometry().boundingBox())
            extent.scale(1 + 2 * ATLAS_MARGIN)
            layouts.fit_map(map_item, extent)
            layouts.set_text(page, "title", f"{feature[NAME_FIELD]}: {spec.title}")
            layouts.set_text(page, "subtitle", f"{subtitle} · page {number} of {len(features)}")
            path = folder / f"hand_{number:03d}.pdf"
            result = exporter.exportToPdf(str(path), settings)
            if result != QgsLayoutExporter.ExportResult.Success:
                raise RuntimeError(f"QgsLayoutExporter.exportToPdf failed ({int(result)}) for {path}")
            files.append(path)
    finally:
        project.removeMapLayer(mask.id())
    return files


# ----------------------------------------------------------------------------------------- data
def load_layers(store_path: Path, indicator: str, spec: MapSpec, coverage: str):
    """What `lis atlas` does before exporting: the styled indicator layer and the coverage layer."""
    with Store.open(store_path) as opened:
        layer, classification, spec = indicator_map_layer(opened, indicator, None, spec)
        cover = areas_layer(opened, coverage)
    return layer, classification, spec, cover


def write_gm_recipe(data: Path, folder: Path) -> Path:
    """A recipe for the GM store, with absolute paths (build_store resolves `file` against the recipe's folder,
    and an absolute path wins over that base)."""
    recipe = folder / "gm_store.toml"
    recipe.write_text(f'''[store]
title = "Greater Manchester atlas benchmark"

[[geography]]
name = "lsoa11"
file = "{(data / GM_LSOA).as_posix()}"
code_field = "area_code"
name_field = "area_name"
title = "LSOA 2011, Greater Manchester"

[[geography]]
name = "ward23"
file = "{(data / GM_WARDS).as_posix()}"
code_field = "area_code"
name_field = "area_name"
title = "Electoral wards 2023, Greater Manchester"

[[import]]
file = "{(data / GM_IMD2015).as_posix()}"
geography = "lsoa11"
period = "2015"
indicator_column = "index_domain"
values = {{ score = "imd2015_{{slug}}_score" }}
title_template = "{{name}} score, IoD 2015"
[import.defaults]
theme = "Deprivation"
unit = "score"
value_type = "score"
polarity = "high_is_bad"
source = "DCLG English Indices of Deprivation 2015"
partner = "DCLG"
licence = "OGL v3.0"
''', encoding="utf-8")
    return recipe


# ----------------------------------------------------------------------------------------- cases
def atlas_single_pdf(label, checks, rows, tmp, repeats, layer, classification, spec, cover, expected):
    """Ours (export_atlas, one PDF) beside native:atlaslayouttopdf; returns our PDF."""
    n = cover.featureCount()
    ours_pdf = tmp / f"{label}_atlas.pdf"
    ours_s, ours_t, _ = best_of(repeats, lambda _: export_atlas(cover, NAME_FIELD, layer, spec, classification,
                                                                 ours_pdf))
    pages = pdf_pages(ours_pdf)
    print(f"   export_atlas, one PDF: {ours_s:.2f} s ({fmt_times(ours_t)}); {pages} pages, "
          f"{ours_s / max(pages, 1):.3f} s/page, {ours_pdf.stat().st_size / 1e6:.1f} MB")
    ref_pdf = tmp / f"{label}_native.pdf"
    ref_s, ref_t, _ = best_of(repeats, lambda _: native_pdf(cover, layer, spec, classification, ref_pdf))
    ref_pages = pdf_pages(ref_pdf)
    print(f"   native:atlaslayouttopdf (Processing, same layout): {ref_s:.2f} s ({fmt_times(ref_t)}); "
          f"{ref_pages} pages, {ref_s / max(ref_pages, 1):.3f} s/page, {ref_pdf.stat().st_size / 1e6:.1f} MB")
    checks.check(pages == n == expected, f"{label}: {pages} PDF pages = {n} coverage features = {expected} expected")
    checks.check(ref_pages == pages, f"{label}: QGIS's atlas has as many pages ({ref_pages})")
    ours_names = page_titles(ours_pdf, spec.title)
    names = coverage_names(cover)
    unmatched = ((Counter(ours_names) - Counter(names)) + (Counter(names) - Counter(ours_names))).elements()
    checks.check(Counter(ours_names) == Counter(names),
                 f"{label}: every area is the title of one page (names not matched: "
                 f"{', '.join(sorted(unmatched)[:5]) or 'none'})")
    checks.check(ours_names == page_titles(ref_pdf, spec.title), f"{label}: pages in the same order as QGIS's")
    rows.append(Row(f"{label}: one PDF", pages, ours_s, ref_s, "native:atlaslayouttopdf"))
    return ours_pdf


def atlas_per_area_pdf(label, checks, rows, tmp, repeats, layer, classification, spec, cover):
    """Ours (export_atlas, single_file=False) beside a hand-made QgsLayoutExporter loop."""
    n = cover.featureCount()
    # a fresh folder per run: export_atlas counts every <stem>_*.pdf in the folder, old ones too
    folders = [tmp / f"{label}_pdfs_{i}" for i in range(repeats)]
    try:
        ours_s, ours_t, files = best_of(repeats, lambda f: export_atlas(cover, NAME_FIELD, layer, spec,
                                                                        classification, f / "ward.pdf",
                                                                        single_file=False),
                                        before=lambda i: folders[i])
    except Exception as exc:  # reported as a failed check
        checks.check(False, f"{label}: export_atlas one PDF per area raised {type(exc).__name__}: {exc}")
        ours_s, files = None, []
    else:
        print(f"   export_atlas, one PDF per area: {ours_s:.2f} s ({fmt_times(ours_t)}); {len(files)} files, "
              f"{ours_s / max(len(files), 1):.3f} s/page")
        checks.check(len(files) == n and all(pdf_pages(Path(f)) == 1 for f in files[:3]),
                     f"{label}: {len(files)} one-page PDFs for {n} areas")
    hand_s, hand_t, hand = best_of(repeats, lambda f: hand_made_pdfs(cover, layer, spec, classification, f),
                                   before=lambda i: _fresh(tmp / f"{label}_hand_{i}"))
    print(f"   hand-made QgsLayoutExporter.exportToPdf loop (extent, mask, texts per area): {hand_s:.2f} s "
          f"({fmt_times(hand_t)}); {len(hand)} files, {hand_s / max(len(hand), 1):.3f} s/page")
    checks.check(len(hand) == n, f"{label}: hand-made loop wrote {len(hand)} PDFs for {n} areas")
    rows.append(Row(f"{label}: one PDF per area", n, ours_s, hand_s, "hand-made exportToPdf loop"))


def atlas_per_area_png(label, checks, rows, tmp, repeats, layer, classification, spec, cover):
    n = cover.featureCount()
    ours_s, ours_t, files = best_of(repeats, lambda f: export_atlas(cover, NAME_FIELD, layer, spec, classification,
                                                                    f / "ward.png", single_file=False),
                                    before=lambda i: tmp / f"{label}_png_{i}")
    print(f"   export_atlas, one PNG per area: {ours_s:.2f} s ({fmt_times(ours_t)}); {len(files)} files, "
          f"{ours_s / max(len(files), 1):.3f} s/page")
    ref_s, ref_t, ref = best_of(repeats, lambda f: native_png(cover, layer, spec, classification, f),
                                before=lambda i: _fresh(tmp / f"{label}_native_png_{i}"))
    print(f"   native:atlaslayouttoimage (png, same layout): {ref_s:.2f} s ({fmt_times(ref_t)}); {len(ref)} files, "
          f"{ref_s / max(len(ref), 1):.3f} s/page")
    checks.check(len(files) == n == len(ref), f"{label}: {len(files)} PNGs (QGIS: {len(ref)}) for {n} areas")
    size = QImage(files[0]).size() if files else None
    if size is not None:
        print(f"   PNG size {size.width()} x {size.height()} px")
    rows.append(Row(f"{label}: one PNG per area", n, ours_s, ref_s, "native:atlaslayouttoimage"))


def _fresh(folder: Path) -> Path:
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


def page_one_png(checks, pdf: Path, tmp: Path) -> None:
    if shutil.which("pdftoppm") is None:
        print("   (pdftoppm not installed: page 1 not rendered)")
        return
    prefix = tmp / "wigan_page1"
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(prefix)], check=True)
    pngs = sorted(tmp.glob("wigan_page1*.png"))
    if not checks.check(len(pngs) == 1, "pdftoppm rendered page 1 of the Wigan atlas"):
        return
    colours, inked = not_blank(pngs[0])
    checks.check(colours >= 20 and inked >= 0.10,
                 f"page 1 is not blank: {colours} distinct colours, {inked:.0%} of the pixels not white "
                 f"({pngs[0].name})")


# ----------------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each Wigan export (best kept)")
    parser.add_argument("--gm-repeats", type=int, default=2, help="runs of each Greater Manchester export")
    parser.add_argument("--data", type=Path, default=SHARED, help="folder holding greater_manchester/")
    parser.add_argument("--no-gm", action="store_true", help="skip Greater Manchester")
    parser.add_argument("--no-png", action="store_true", help="skip the per-area PNG atlas (the slowest Wigan case)")
    parser.add_argument("--gm-per-area", action="store_true",
                        help="also one PDF per GM ward (fails today: GM has wards with the same name)")
    parser.add_argument("--profile", action="store_true", help="cProfile one export_atlas of the largest atlas")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (PDFs, PNGs) and print it")
    args = parser.parse_args(argv)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    start_s, _ = timed(start_qgis)
    checks = Checks()
    rows: list[Row] = []
    setup: list[tuple[str, float]] = [("start QGIS (offscreen) + Processing", start_s)]
    print("LIS Workbench atlas benchmark")
    print(f"QGIS {Qgis.QGIS_VERSION}, python {sys.version.split()[0]}, {os.cpu_count()} CPU(s); best of "
          f"{args.repeats} (Wigan) / {args.gm_repeats} (Greater Manchester) runs; {DPI} dpi, A4 landscape\n")

    tmp_name = tempfile.mkdtemp(prefix="lis_bench_atlas_")
    tmp = Path(tmp_name)
    largest = None
    try:
        # ---- 1. Wigan
        print("1. Wigan, 25 wards 2023: imd2019_imd_decile (decile), coverage ward23")
        store = tmp / "wigan.gpkg"
        secs, _ = timed(lambda: build_store(WIGAN_RECIPE, store))
        setup.append(("Wigan: build_store(sample_data/wigan_store.toml)", secs))
        secs, (layer, classification, spec, cover) = timed(
            lambda: load_layers(store, "imd2019_imd_decile", MapSpec(method="decile", classes=10), "ward23"))
        setup.append(("Wigan: indicator_map_layer + areas_layer", secs))
        print(f"   {layer.featureCount()} LSOAs styled in {classification.k} classes, {cover.featureCount()} wards")
        pdf = atlas_single_pdf("Wigan", checks, rows, tmp, args.repeats, layer, classification, spec, cover, 25)
        page_one_png(checks, pdf, tmp)
        atlas_per_area_pdf("Wigan", checks, rows, tmp, args.repeats, layer, classification, spec, cover)
        if not args.no_png:
            atlas_per_area_png("Wigan", checks, rows, tmp, max(1, args.repeats - 1), layer, classification, spec,
                               cover)
        largest = ("Wigan", layer, classification, spec, cover)

        # ---- 2. Greater Manchester
        gm = args.data / "greater_manchester"
        if args.no_gm:
            print("\n2. Greater Manchester: skipped (--no-gm)")
        elif not all((args.data / p).exists() for p in (GM_WARDS, GM_LSOA, GM_IMD2015)):
            print(f"\n2. Greater Manchester: skipped, the data is not in {gm}")
        else:
            source = QgsVectorLayer(str(args.data / GM_WARDS), "gm wards", "ogr")
            expected = source.featureCount()
            print(f"\n2. Greater Manchester, {expected} wards 2023: {GM_INDICATOR} (quantiles), coverage ward23")
            recipe = write_gm_recipe(args.data.resolve(), tmp)
            store = tmp / "gm.gpkg"
            secs, _ = timed(lambda: build_store(recipe, store))
            setup.append(("GM: build_store(temporary recipe)", secs))
            secs, (layer, classification, spec, cover) = timed(
                lambda: load_layers(store, GM_INDICATOR, MapSpec(method="quantile", classes=5), "ward23"))
            setup.append(("GM: indicator_map_layer + areas_layer", secs))
            print(f"   {layer.featureCount()} LSOAs styled in {classification.k} classes, {cover.featureCount()} "
                  f"wards ({expected} in {GM_WARDS.name})")
            names = Counter(coverage_names(cover))
            twins = sorted(n for n, c in names.items() if c > 1)
            if twins:
                print(f"   note: ward names used twice in GM: {', '.join(twins)}")
            atlas_single_pdf("GM", checks, rows, tmp, args.gm_repeats, layer, classification, spec, cover,
                             expected)
            if args.gm_per_area:
                atlas_per_area_pdf("GM", checks, rows, tmp, args.gm_repeats, layer, classification, spec, cover)
            largest = ("GM", layer, classification, spec, cover)

        if args.profile and largest:
            label, layer, classification, spec, cover = largest
            profile(f"export_atlas, {label}, one PDF",
                    lambda: export_atlas(cover, NAME_FIELD, layer, spec, classification, tmp / "profile.pdf"))
    finally:
        if args.keep:
            print(f"\nOutputs kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print("\nSummary (seconds, best run; ratio = LIS Workbench / reference, < 1 means LIS Workbench is faster)")
    header = (f"{'atlas':<26} {'pages':>5} {'LIS s':>8} {'LIS s/page':>10} {'ref s':>8} {'ref s/page':>10} "
              f"{'ratio':>6}  reference")
    print(header)
    print("-" * (len(header) + 28))
    for r in rows:
        ours = f"{r.ours:>8.2f} {r.ours / r.pages:>10.3f}" if r.ours is not None else f"{'FAILED':>8} {'':>10}"
        ref = f"{r.ref:>8.2f} {r.ref / r.pages:>10.3f}" if r.ref is not None else f"{'':>8} {'':>10}"
        ratio = f"{r.ours / r.ref:>6.2f}" if r.ours is not None and r.ref else f"{'':>6}"
        print(f"{r.case:<26} {r.pages:>5} {ours} {ref} {ratio}  {r.ref_label}")
    for what, secs in setup:
        print(f"(setup) {what}: {secs:.2f} s, in neither column")

    return checks.exit_code()


if __name__ == "__main__":
    sys.exit(main())

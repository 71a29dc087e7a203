"""Thematic maps and atlases in real QGIS: styled GeoPackage, class colours, PNG page, 25-page ward atlas."""

from __future__ import annotations

import csv
import subprocess
import sys

import mapclassify
import numpy as np
import pytest
from qgis.core import QgsExpression, QgsExpressionContext, QgsProject, QgsVectorLayer
from qgis.PyQt.QtGui import QImage

from tests.conftest import SAMPLE
from tests.qgis.qgis_helpers import load_indicator

# ColorBrewer's published colours (colorbrewer2.org), the reference for our ramps.
YLORRD_5 = ["#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
RDBU_10 = ["#67001f", "#b2182b", "#d6604d", "#f4a582", "#fddbc7", "#d1e5f0", "#92c5de", "#4393c3", "#2166ac",
           "#053061"]


def _not_blank(png) -> int:
    image = QImage(str(png))
    assert not image.isNull(), png
    return len({image.pixel(x, y) for x in range(0, image.width(), 11) for y in range(0, image.height(), 11)})


def test_thematic_map_writes_a_styled_geopackage_and_png(provider, sample_store_path, tmp_path):
    import processing

    source = load_indicator(sample_store_path, "iod2019_income_numerator", tmp_path)
    out, png = tmp_path / "map.gpkg", tmp_path / "map.png"
    result = processing.run("lisworkbench:thematicmap", {
        "INPUT": str(source), "FIELD": "value", "METHOD": 0, "CLASSES": 5, "POLARITY": 1,  # high is bad
        "OUTPUT": str(out), "OUTPUT_PNG": str(png)})
    assert result["CLASSES"] == 5
    layer = QgsVectorLayer(f"{out}|layername=thematic_map", "reopened", "ogr")  # default style from the file
    assert layer.isValid() and layer.featureCount() == 200
    renderer = layer.renderer()
    assert renderer.type() == "graduatedSymbol"
    ranges = renderer.ranges()
    values = np.array([f["value"] for f in layer.getFeatures()], dtype=float)
    reference = mapclassify.Quantiles(values, k=5).bins
    np.testing.assert_allclose([r.upperValue() for r in ranges], reference, rtol=1e-12)
    assert [r.symbol().color().name() for r in ranges] == YLORRD_5  # darker = more income-deprived people
    assert _not_blank(png) > 10


def test_high_is_good_runs_the_ramp_backwards_and_deciles_use_rdbu(provider, sample_store_path, tmp_path):
    import processing

    source = load_indicator(sample_store_path, "imd2019_imd_rank", tmp_path)
    out = tmp_path / "ranks.gpkg"
    processing.run("lisworkbench:thematicmap", {"INPUT": str(source), "FIELD": "value", "METHOD": 0, "CLASSES": 5,
                                                "POLARITY": 2, "OUTPUT": str(out)})  # high rank = less deprived
    reopened = QgsVectorLayer(f"{out}|layername=thematic_map", "r", "ogr")  # keep the layer alive
    ranges = reopened.renderer().ranges()
    assert [r.symbol().color().name() for r in ranges] == YLORRD_5[::-1]  # rank 1 = most deprived = darkest
    out = tmp_path / "deciles.gpkg"
    processing.run("lisworkbench:thematicmap", {"INPUT": str(source), "FIELD": "value", "METHOD": 4,
                                                "POLARITY": 2, "OUTPUT": str(out)})
    reopened = QgsVectorLayer(f"{out}|layername=thematic_map", "d", "ogr")
    ranges = reopened.renderer().ranges()
    assert len(ranges) == 10
    by_value = sorted(ranges, key=lambda r: r.lowerValue())
    assert by_value[0].symbol().color().name() == RDBU_10[0]  # lowest ranks (most deprived) in deep red


def test_no_data_areas_get_their_own_class(provider, sample_store_path, tmp_path):
    import processing

    expected_missing = 0
    with open(SAMPLE / "wigan_imd2019_indicators.csv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            expected_missing += row["income_deprivation_affecting_children_index_idaci_numerator"].strip() == ""
    assert expected_missing > 0
    source = load_indicator(sample_store_path, "iod2019_idaci_numerator", tmp_path)
    layer = QgsVectorLayer(str(source), "idaci", "ogr")
    assert layer.featureCount() == 200  # every LSOA, blanks included, so the map has no holes
    values = np.array([f["value"] if isinstance(f["value"], (int, float)) else np.nan for f in layer.getFeatures()],
                      dtype=float)  # NULL arrives as a QVariant
    assert np.isnan(values).sum() == expected_missing
    out = tmp_path / "idaci.gpkg"
    processing.run("lisworkbench:thematicmap", {"INPUT": str(source), "FIELD": "value", "METHOD": 5,
                                                "BREAKS": "20, 40, 80, 160", "OUTPUT": str(out)})
    reopened = QgsVectorLayer(f"{out}|layername=thematic_map", "m", "ogr")
    renderer = reopened.renderer()
    assert renderer.type() == "RuleRenderer"
    rules = renderer.rootRule().children()
    assert rules[-1].label().startswith("No data") and rules[-1].filterExpression() == '"value" IS NULL'
    reference = mapclassify.UserDefined(values[~np.isnan(values)], bins=[20, 40, 80, 160]).bins
    assert len(rules) == len(reference) + 1
    matched = {r.label(): 0 for r in rules}
    for feature in reopened.getFeatures():
        for rule in rules:
            expression = QgsExpression(rule.filterExpression())
            scope = QgsExpressionContext()
            scope.setFeature(feature)
            if expression.evaluate(scope):
                matched[rule.label()] += 1
    assert matched[rules[-1].label()] == expected_missing


def _says_only_what_it_wrote(stderr: str) -> None:
    """No library noise for the user: QGIS 3.44's GDAL printed `ERROR 6: The PNG driver does not support update
    access` per PNG, and deprecation or GDAL warnings must not reach the terminal either (issue 14)."""
    noise = [line for line in stderr.splitlines()
             if any(word in line for word in ("ERROR", "Warning", "deprecated", "Deprecat", "Traceback"))]
    assert noise == [], stderr


def test_cli_hotspot_png_with_rook_weights_prints_no_library_noise(sample_store_path, tmp_path):
    run = subprocess.run([sys.executable, "-m", "lis_workbench.cli", "hotspot", str(sample_store_path),
                          "imd2019_imd_rank", "--weights", "rook", "--tolerance", "0", "--out",
                          str(tmp_path / "hot.png")], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    _says_only_what_it_wrote(run.stderr)
    assert _not_blank(tmp_path / "hot.png") > 10


def test_map_page_footer_is_set_left_not_justified(sample_store_path, tmp_path):
    """QGIS 3.44 honours justified alignment in layout labels, and our template asked for it: the source line
    was spread word by word across the page (issue 14). Read from the PDF's text as a reader's tool sees it."""
    import re

    pdf = tmp_path / "map.pdf"
    run = subprocess.run([sys.executable, "-m", "lis_workbench.cli", "map", str(sample_store_path),
                          "imd2019_imd_decile", "--method", "decile", "--out", str(pdf)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    text = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("Source:"))
    footer = [line.strip() for line in lines[start:start + 3] if line.strip()]
    assert footer[0].startswith("Source: MHCLG English Indices of Deprivation 2019")
    assert all(not re.search(r"\S {3,}\S", line) for line in footer), footer
    assert "Store checksum" in " ".join(footer)


def test_cli_map_and_atlas_headless(sample_store_path, tmp_path):
    from pypdf import PdfReader

    png, pdf = tmp_path / "imd.png", tmp_path / "atlas.pdf"
    lis = [sys.executable, "-m", "lis_workbench.cli"]
    run = subprocess.run(lis + ["map", str(sample_store_path), "imd2019_imd_decile", "--method", "decile",
                                "--out", str(png)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    _says_only_what_it_wrote(run.stderr)
    assert _not_blank(png) > 10
    run = subprocess.run(lis + ["atlas", str(sample_store_path), "iod2019_income_numerator",
                                "--out", str(pdf)], capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr
    _says_only_what_it_wrote(run.stderr)
    assert len(PdfReader(str(pdf)).pages) == 25  # one page per 2023 ward
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    first = next(tmp_path.glob("page*.png"))
    assert _not_blank(first) > 10


def test_export_atlas_algorithm_one_page_per_ward_and_per_area_files(provider, sample_store_path, tmp_path):
    import processing
    from pypdf import PdfReader

    from lis_workbench.core.store import Store
    from lis_workbench.qgis_bridge.layers import areas_layer

    with Store.open(sample_store_path) as store:
        wards = areas_layer(store, "ward23")
    QgsProject.instance().addMapLayer(wards)
    loaded = load_indicator(sample_store_path, "census2011_no_qualifications", tmp_path)
    source = QgsVectorLayer(str(loaded), "nq", "ogr")
    QgsProject.instance().addMapLayer(source)
    pdf = tmp_path / "atlas.pdf"
    result = processing.run("lisworkbench:exportatlas", {
        "INPUT": wards, "NAME_FIELD": "area_name", "MAP_LAYER": source, "FIELD": "value",
        "OUTPUT_PDF": str(pdf), "SINGLE_FILE": True})
    assert result["PAGES"] == 25
    reader = PdfReader(str(pdf))
    assert len(reader.pages) == 25
    names = sorted(f["area_name"] for f in wards.getFeatures())
    assert names[0] in reader.pages[0].extract_text()  # pages in name order, each titled with its ward
    folder = tmp_path / "pages"
    result = processing.run("lisworkbench:exportatlas", {
        "INPUT": wards, "NAME_FIELD": "area_name", "MAP_LAYER": source, "FIELD": "",
        "OUTPUT_PDF": str(folder / "ward.pdf"), "SINGLE_FILE": False})
    files = result["FILES"].split(";")
    assert len(files) == 25 and all(len(PdfReader(f).pages) == 1 for f in files)


def test_cli_profiles_one_page_per_ward_with_values_from_the_lsoas(sample_store_path, tmp_path):
    from pypdf import PdfReader

    from lis_workbench.core.store import Store

    pdf, folder = tmp_path / "profiles.pdf", tmp_path / "each"
    run = subprocess.run([sys.executable, "-m", "lis_workbench.cli", "profile", str(sample_store_path),
                          "--indicators", "pop2016_total,iod2019_overcrowding,imd2019_imd_rank", "--out", str(pdf),
                          "--per-area", str(folder)], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    reader = PdfReader(str(pdf))
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    methods = [i for i, text in enumerate(texts) if text.startswith("Methods")]
    assert methods and methods[0] == 25 and len(reader.pages) == 25 + len(methods)  # 25 wards, then the methods
    assert len(list(folder.glob("profile_*.pdf"))) == 25
    with Store.open(sample_store_path) as store:
        lookup = store.lookup("lsoa11_ward23")
        wards = store.areas("ward23", with_geometry=False).set_index("area_code")["area_name"]
    first_ward = sorted(wards.items(), key=lambda kv: kv[1])[0]  # pages run in name order
    lsoas_in_ward = int((lookup["to_code"] == first_ward[0]).sum())
    text = texts[0]
    assert text.startswith(first_ward[1])
    # the page says how the ward's value was made: its LSOAs, counted here independently from the lookup
    assert f"How {first_ward[1]}'s values were made" in text
    assert f"Total population, mid-2016: sum of {lsoas_in_ward} LSOAs" in text
    words = " ".join(texts[25:])
    assert "ranks cannot be combined" in words  # IMD ranks are never averaged to wards; the methods say so
    assert "Ward values (through lookup lsoa11_ward23 (best fit)): sum of" in words


def test_long_profiles_continue_their_table_over_pages(sample_store_path, tmp_path):
    """Twenty-eight indicators do not fit one page at 7 pt: the ward's table continues on a second page (the key
    under its last part), every row is printed, and no word runs into the footer (positions read back from the
    PDF with pdftotext -bbox)."""
    import re

    from lis_workbench.core.profile import build_profiles
    from lis_workbench.core.store import Store
    from lis_workbench.qgis_bridge.profile import FOOTER_TOP, export_profiles

    with Store.open(sample_store_path) as store:
        iod = sorted(i for i in store.catalogue()["id"] if i.startswith("iod2019_"))
        long = [p for p in build_profiles(store, iod[:28]) if p.area_code == "E05015010"]  # Wigan Central
    pdf = tmp_path / "long.pdf"
    export_profiles(long, pdf)
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")[:-1]
    area = [p for p in pages if not p.lstrip().startswith("Methods")]
    assert len(area) >= 2 and area[1].lstrip().startswith("Wigan Central (continued)")
    words = " ".join(" ".join(area).split())
    for row in long[0].rows:
        assert row.value_text in words and " ".join(row.title.split()[:2]) in words, row.title
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout
    for page in boxes.split("<page ")[1:]:
        ys = [float(y) / 72 * 25.4 for y in re.findall(r'yMax="([\d.]+)"', page)]
        body = [y for y in ys if y < FOOTER_TOP]
        footer = [y for y in ys if y >= FOOTER_TOP]
        assert body and footer and max(body) < FOOTER_TOP - 0.5 and min(footer) > FOOTER_TOP + 1


@pytest.mark.timeout(120)
def test_rerunning_a_map_onto_the_same_geopackage_replaces_it(provider, sample_store_path, tmp_path):
    import processing

    source = load_indicator(sample_store_path, "iod2019_income_numerator", tmp_path)
    out = tmp_path / "again.gpkg"
    for classes in (5, 4):  # the second run overwrote a styled layer: it used to hang QGIS
        processing.run("lisworkbench:thematicmap", {"INPUT": str(source), "FIELD": "value", "METHOD": 0,
                                                    "CLASSES": classes, "POLARITY": 1, "OUTPUT": str(out)})
    reopened = QgsVectorLayer(f"{out}|layername=thematic_map", "again", "ogr")
    assert len(reopened.renderer().ranges()) == 4

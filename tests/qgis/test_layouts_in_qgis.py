"""Pages that cannot be misread, in real QGIS: the scale bar takes nice steps inside the map frame, atlas pages
name their areas, show a locator and leave out areas without data, and the siting page names its sites and says
its filter in words with the DfE credited."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import unicodedata

import pandas as pd
import pytest
from qgis.core import QgsExpression, QgsExpressionContext, QgsExpressionContextUtils, QgsProject, QgsRectangle

CHOSEN_WARDS = 5
NICE = {f * 10 ** e for e in range(-1, 6) for f in (1, 2, 5)}


def _lis(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lis_workbench.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=600)


def _pdf_pages(pdf) -> list[str]:
    from pypdf import PdfReader

    return [" ".join(unicodedata.normalize("NFKC", page.extract_text()).split()) for page in PdfReader(str(pdf)).pages]


@pytest.mark.parametrize("extent_km", [3.0, 12.0, 31.0, 140.0])
def test_scale_bar_has_nice_steps_and_sits_inside_the_map_frame(extent_km):
    from qgis.core import QgsLayoutItemScaleBar, QgsUnitTypes

    from lis_workbench.qgis_bridge import layout as layouts

    page = layouts.load_layout(QgsProject.instance())
    map_item = page.itemById("map")
    layouts.fit_map(map_item, QgsRectangle(350_000, 400_000, 350_000 + extent_km * 1000, 400_000 + extent_km * 600))
    bar: QgsLayoutItemScaleBar = page.itemById("scalebar")
    per_segment = bar.unitsPerSegment() * (1000 if bar.unitLabel() == "km" else 1)
    assert bar.unitLabel() in ("m", "km")
    assert round(per_segment, 6) in NICE and bar.numberOfSegments() == 2
    assert bar.units() == (QgsUnitTypes.DistanceUnit.DistanceKilometers if bar.unitLabel() == "km"
                           else QgsUnitTypes.DistanceUnit.DistanceMeters)
    assert not bar.hasBackground() and not bar.frameEnabled()
    frame, box = map_item.sceneBoundingRect(), bar.sceneBoundingRect()
    # drawn to the map's scale: the item is the bar (two segments at the map's metres per mm) and its last label
    bar_mm = 2 * per_segment / (map_item.extent().width() / map_item.rect().width())
    assert bar_mm <= box.width() <= bar_mm + 12
    assert frame.contains(box) and box.bottom() < frame.bottom() - 1 and box.left() > frame.left() + 1
    assert box.width() <= 0.35 * frame.width()


def test_single_map_names_wards_over_lsoas_only_when_asked(sample_store_path, tmp_path):
    plain, named = tmp_path / "plain.pdf", tmp_path / "named.pdf"
    done = _lis("map", sample_store_path, "imd2019_imd_decile", "--method", "decile", "--out", plain)
    assert done.returncode == 0, done.stderr
    done = _lis("map", sample_store_path, "imd2019_imd_decile", "--method", "decile", "--labels", "--out", named)
    assert done.returncode == 0, done.stderr
    assert "Names: ward23, as the 200 areas of lsoa11 are too many" in done.stdout
    from lis_workbench.core.store import Store

    with Store.open(sample_store_path) as store:
        wards = list(store.area_codes("ward23").values())
    plain_text, named_text = _pdf_pages(plain)[0], _pdf_pages(named)[0]
    found = [w for w in wards if w.split()[0] in named_text]
    assert len(found) >= 18, found  # most of the 25 ward names are on the map (crowded ones may give way)
    assert not any(w in plain_text for w in wards)


@pytest.fixture(scope="module")
def partial_store(sample_store_path, tmp_path_factory):
    """The sample store plus an indicator with values only in the LSOAs of five wards (by the store's
    LSOA -> ward lookup), so most atlas pages would show nothing but "No data"."""
    from lis_workbench.core.store import Store

    folder = tmp_path_factory.mktemp("partial")
    store = folder / "partial.gpkg"
    shutil.copy(sample_store_path, store)
    with Store.open(store) as opened:
        lookup = opened.lookup("lsoa11_ward23")
        names = opened.area_codes("ward23")
    chosen = sorted(set(lookup["to_code"]))[:CHOSEN_WARDS]
    codes = lookup.loc[lookup["to_code"].isin(chosen), "from_code"]
    csv = folder / "partial.csv"
    pd.DataFrame({"area_code": codes, "period": "2020", "value": range(len(codes))}).to_csv(csv, index=False)
    done = _lis("import", store, csv, "--geography", "lsoa11", "--indicator", "partial_test")
    assert done.returncode == 0, done.stderr
    return store, sorted(names[c] for c in chosen), sorted(names.values())


def _expected_pages(store) -> set[str]:
    """The wards with data, found with shapely (not the engine's OGR): valued LSOAs cover a tenth of the ward, or
    one of them lies more than half inside it."""
    import geopandas as gpd

    from lis_workbench.core.store import Store

    with Store.open(store) as opened:
        layer = opened.geography("ward23")["layer_name"]
        values = opened.get_values("partial_test")
        lsoa_layer = opened.geography("lsoa11")["layer_name"]
    wards = gpd.read_file(store, layer=layer)
    lsoas = gpd.read_file(store, layer=lsoa_layer)
    valued = lsoas[lsoas["area_code"].isin(values.loc[values["value"].notna(), "area_code"])]
    keep = set()
    for name, ward in zip(wards["area_name"], wards.geometry):
        overlaps = valued.geometry.intersection(ward).area
        if overlaps.sum() >= 0.1 * ward.area or (overlaps > 0.5 * valued.geometry.area).any():
            keep.add(name)
    return keep


def test_atlas_leaves_out_pages_without_data_and_says_which(partial_store, tmp_path):
    store, chosen, all_wards = partial_store
    pdf = tmp_path / "atlas.pdf"
    done = _lis("atlas", store, "partial_test", "--out", pdf)
    assert done.returncode == 0, done.stderr
    titles = [text.split(":")[0] for text in _pdf_pages(pdf)]
    expected = _expected_pages(store)
    assert set(chosen) <= expected and len(expected) < 12  # the check itself is not trivial
    assert sorted(titles) == sorted(expected)
    skipped = sorted(set(all_wards) - expected)
    assert f"Left out {len(skipped)} of 25 areas" in " ".join(done.stdout.split())
    assert skipped[0] in done.stdout
    everything = tmp_path / "all.pdf"
    done = _lis("atlas", store, "partial_test", "--keep-empty", "--out", everything)
    assert done.returncode == 0, done.stderr
    assert len(_pdf_pages(everything)) == 25 and "Left out" not in done.stdout


def test_atlas_pages_name_their_neighbours_and_show_a_nice_scale_bar(sample_store_path, tmp_path):
    pdf, bare = tmp_path / "atlas.pdf", tmp_path / "bare.pdf"
    assert _lis("atlas", sample_store_path, "imd2019_imd_decile", "--method", "decile", "--out", pdf).returncode == 0
    assert _lis("atlas", sample_store_path, "imd2019_imd_decile", "--method", "decile", "--no-labels",
                "--out", bare).returncode == 0
    first, plain = _pdf_pages(pdf)[0], _pdf_pages(bare)[0]
    assert first.startswith("Abram:")
    # Abram's neighbours are named on its page (the title names Abram only), and not without labels
    assert "Hindley" in first and "Leigh West" in first
    assert "Hindley" not in plain and "Leigh West" not in plain
    steps = re.findall(r"\b0 (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (k?m)\b", first)
    assert steps, first
    step, total, unit = float(steps[0][0]), float(steps[0][1]), steps[0][2]
    assert total == pytest.approx(2 * step) and round(step * (1000 if unit == "km" else 1), 6) in NICE


def test_atlas_page_shows_a_locator_of_the_whole_borough(sample_store_path, tmp_path):
    """The locator's picture: its grey borough, the page's ward filled dark and the page's extent outlined."""
    from qgis.PyQt.QtGui import QColor, QImage

    out = tmp_path / "pages" / "ward.png"
    done = _lis("atlas", sample_store_path, "imd2019_imd_decile", "--per-area", "--out", out)
    assert done.returncode == 0, done.stderr
    first = sorted(out.parent.glob("ward_*.png"))[0]
    image = QImage(str(first))
    scale = image.width() / 297.0  # pixels per mm
    colours = {QColor(image.pixel(int(x * scale), int(y * scale))).name()
               for x in range(216, 286) for y in range(138, 184)}
    assert "#525252" in colours and "#f0f0f0" in colours  # this ward dark, the others pale
    assert any(QColor(c).red() > 150 and QColor(c).blue() > 80 and QColor(c).green() < 80 for c in colours)  # frame


def test_export_atlas_algorithm_skips_empty_pages(provider, partial_store, tmp_path):
    import processing

    from lis_workbench.core.store import Store
    from lis_workbench.qgis_bridge.layers import areas_layer
    from tests.qgis.qgis_helpers import load_indicator

    store, chosen, _ = partial_store
    with Store.open(store) as opened:
        wards = areas_layer(opened, "ward23")
    QgsProject.instance().addMapLayer(wards)
    from qgis.core import QgsVectorLayer

    source = QgsVectorLayer(str(load_indicator(store, "partial_test", tmp_path)), "partial", "ogr")
    QgsProject.instance().addMapLayer(source)
    result = processing.run("lisworkbench:exportatlas", {
        "INPUT": wards, "NAME_FIELD": "area_name", "MAP_LAYER": source, "FIELD": "value",
        "OUTPUT_PDF": str(tmp_path / "atlas.pdf"), "SINGLE_FILE": True})
    expected = _expected_pages(store)
    assert result["PAGES"] == len(expected) == len(_pdf_pages(tmp_path / "atlas.pdf"))
    assert sorted(result["SKIPPED"].split(";")) == sorted(set(f["area_name"] for f in wards.getFeatures())
                                                         - expected)


def test_siting_page_names_sites_and_says_its_filter_in_words(sample_store_path, tmp_path):
    pdf = tmp_path / "site.pdf"
    done = _lis("site", sample_store_path, "--demand", "pop2016_age_0_4", "--need", "imd2019_imd_decile<=3",
                "--candidates", "schools", "--candidates-filter", "education_phase = 'Primary'", "--p", "3",
                "--radius", "1500", "--out", pdf, "--csv", tmp_path / "sites.csv")
    assert done.returncode == 0, done.stderr
    text = _pdf_pages(pdf)[0]
    assert "education_phase" not in text and "= 'Primary'" not in text
    assert "where education phase is Primary" in text
    assert "Department for Education, Get Information About Schools" in text
    # the title says where and when; the credits name the boundaries drawn and their year, not today's
    assert text.startswith("Where 3 new site(s) reach most need, Wigan 2011 LSOAs, 2016")
    assert "Boundaries: Lower layer super output areas 2011" in text
    assert "Crown copyright and database right 2011." in text
    sites = pd.read_csv(tmp_path / "sites.csv")
    chosen = sites[sites["selected"] == 1].sort_values("rank")
    for rank, name in zip(chosen["rank"], chosen["name"]):
        # each chosen site named on the map ("1. Westfield Community School"; long names wrap onto two lines)
        assert f"{rank:.0f}. {name.split()[0]}" in text
        assert all(word in text for word in name.split())


def test_site_layer_labels_carry_rank_and_name():
    import numpy as np

    from lis_workbench.qgis_bridge.layers import layer_from_frame
    from lis_workbench.qgis_bridge.siting_map import _points, style_sites

    frame = pd.DataFrame({"site_id": ["1", "2", "3"], "name": ["Westfield School", "St John's", ""],
                          "status": ["new", "candidate", "new"], "rank": [1.0, np.nan, 2.0],
                          "geometry": _points([360000, 361000, 362000], [405000, 405000, 405000])})
    layer = layer_from_frame(frame, "Sites", "Point")
    style_sites(layer)
    assert layer.labelsEnabled()
    expression = QgsExpression(layer.labeling().settings().fieldName)
    context = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
    texts = []
    for feature in layer.getFeatures():
        context.setFeature(feature)
        texts.append(expression.evaluate(context))
    assert texts == ["1. Westfield School", "", "2"]


def test_templates_name_no_path_of_this_machine(tmp_path):
    """The shipped template and one saved by save_template name our north arrow by its file name, so they work
    on any machine (a template re-saved here once held this machine's absolute path)."""
    from pathlib import Path

    from lis_workbench.qgis_bridge import layout as layouts

    shipped = layouts.MAP_TEMPLATE.read_text(encoding="utf-8")
    assert re.findall(r'\bfile="([^"]*)"', shipped) == ["north.svg"]
    page = layouts.load_layout(QgsProject.instance(), layouts.MAP_TEMPLATE, "page")
    assert Path(page.itemById("north").picturePath()) == layouts.NORTH_ARROW  # found among our icons
    layouts.save_template(page, tmp_path / "saved.qpt")
    assert re.findall(r'\bfile="([^"]*)"', (tmp_path / "saved.qpt").read_text(encoding="utf-8")) == ["north.svg"]
    assert Path(page.itemById("north").picturePath()) == layouts.NORTH_ARROW

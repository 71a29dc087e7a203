"""Parity of the publishing capabilities (issue 13): one input through every door gives one answer in one set of
words. For import, map, atlas and profile, `lis` (a subprocess), Processing and, where the dock offers the
action itself, the dock run on the same store; what a user sees is compared: catalogue entries and values, class
breaks and legend labels, page counts and page texts, summary lines and error messages.

The dock's "Import" button opens the Processing dialog of lisworkbench:importindicators, and its "Atlas" button
the dialog of lisworkbench:exportatlas (with the inputs open_atlas_dialog passes): Processing covers the dock there.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import unicodedata

import pytest
from qgis.core import QgsProcessingException, QgsVectorLayer

from tests.qgis.qgis_helpers import load_indicator, wait_for_task

PARTNER_META = {"title": "Footfall on the high street", "unit": "visits per day", "value_type": "count",
                "polarity": "high_is_good", "source": "Wigan BID counters", "partner": "Wigan BID"}


def lis(*args) -> subprocess.CompletedProcess:
    """Run the `lis` command line as a user would."""
    return subprocess.run([sys.executable, "-m", "lis_workbench.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=600)


def words(text: str) -> str:
    """Text with its runs of white space (line breaks of a console or a PDF) made single spaces."""
    return " ".join(text.split())


def pdf_pages(path) -> list[str]:
    """The text of each page of a PDF (poppler's pdftotext), white space made single."""
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [words(unicodedata.normalize("NFKC", page)) for page in text.split("\f")[:-1]]  # ligatures undone


def page_pictures(path, folder) -> list[str]:
    """A digest of each picture in a PDF, in page order."""
    import hashlib

    folder.mkdir()
    subprocess.run(["pdfimages", "-j", str(path), str(folder / "picture")], check=True)
    return [hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())]


def page_count(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def status(dock) -> str:
    """The dock's status line as the user reads it (markup removed)."""
    return html.unescape(re.sub(r"<[^>]+>", "", dock.statusLabel.text()))


# ---------------------------------------------------------------------------------------------------- import
def _partner_file(store_path, folder, unknown: str | None = None):
    """A long partner file on four of the store's LSOAs, one of them blank (a skipped empty cell)."""
    from lis_workbench.core.store import Store

    with Store.open(store_path) as store:
        codes = sorted(store.area_codes("lsoa11"))[:4]
    rows = [(codes[0], "120.5"), (codes[1], "98"), (codes[2], ""), (unknown or codes[3], "310.25")]
    path = folder / ("bad.csv" if unknown else "footfall.csv")
    path.write_text("lsoa11cd,period,value\n" + "".join(f"{c},2023,{v}\n" for c, v in rows), encoding="utf-8")
    return path, {c: float(v) for c, v in rows if v and c != unknown}


def test_import_gives_the_same_catalogue_values_and_report(provider, sample_store_path, tmp_path):
    import processing

    from lis_workbench.core.store import Store

    by_cli, by_processing = tmp_path / "cli.gpkg", tmp_path / "processing.gpkg"
    for copy in (by_cli, by_processing):
        shutil.copyfile(sample_store_path, copy)
    partner, expected = _partner_file(sample_store_path, tmp_path)
    options = [f"--{k.replace('_', '-')}={v}" for k, v in PARTNER_META.items()]
    run = lis("import", by_cli, partner, "--indicator", "bid_footfall", *options)
    assert run.returncode == 0, run.stderr
    result = processing.run("lisworkbench:importindicators", {
        "STORE": str(by_processing), "INPUT": str(partner), "INDICATOR": "bid_footfall",
        "POLARITY": 2, **{k.upper(): v for k, v in PARTNER_META.items() if k != "polarity"}})
    assert result["INDICATORS"] == "bid_footfall" and result["ROWS"] == 3

    # the report: the CLI prints the headline, its details indented, then the ids; Processing joins the lines
    cli_lines = [line.strip() for line in run.stdout.strip().splitlines()]
    assert cli_lines[-1] == "bid_footfall"
    assert " ".join(cli_lines[:-1]) == result["REPORT"]
    assert result["REPORT"].startswith("Imported 1 indicator(s), 3 values on lsoa11 (long layout), periods 2023")
    assert "1 empty cell(s) skipped" in cli_lines

    entries, values = [], []
    for path in (by_cli, by_processing):
        with Store.open(path) as store:
            entry = store.indicator("bid_footfall")
            entries.append({k: v for k, v in entry.items() if k != "imported_at"})
            values.append(store.get_values("bid_footfall").drop(columns="area_name"))
    assert entries[0] == entries[1]
    assert {k: entries[0][k] for k in PARTNER_META} == PARTNER_META
    assert entries[0]["geography"] == "lsoa11" and entries[0]["periods"] == ["2023"]
    assert values[0].equals(values[1])
    assert dict(zip(values[0]["area_code"], values[0]["value"])) == expected


def test_a_bad_partner_file_gets_the_same_message_and_each_door_names_its_own_option(provider, sample_store_path,
                                                                                     tmp_path):
    import processing

    store = tmp_path / "store.gpkg"
    shutil.copyfile(sample_store_path, store)
    before = store.read_bytes()
    bad, _ = _partner_file(sample_store_path, tmp_path, unknown="E01999999")
    run = lis("import", store, bad, "--indicator", "bid_footfall")
    assert run.returncode == 1
    cli = words(run.stderr).removeprefix("Error: ")
    with pytest.raises(QgsProcessingException) as caught:
        processing.run("lisworkbench:importindicators", {"STORE": str(store), "INPUT": str(bad),
                                                         "INDICATOR": "bid_footfall"})
    door = words(str(caught.value))
    cli_hint, door_hint = " (option --allow-unmatched)", " (parameter '"
    assert cli.endswith(cli_hint) and "--" not in cli.removesuffix(cli_hint)
    assert door_hint in door and door.endswith(", ALLOW_UNMATCHED)") and "--" not in door
    assert cli.removesuffix(cli_hint) == door[:door.index(door_hint)]
    assert "1 area code(s) are not in geography lsoa11, e.g. E01999999" in cli
    assert store.read_bytes() == before  # nothing landed


# ---------------------------------------------------------------------------------------------------- map
def classes_of(layer) -> list[tuple]:
    """A graduated layer's classes as the legend shows them: lower and upper bound, label, colour."""
    renderer = layer.renderer()
    assert renderer is not None and renderer.type() == "graduatedSymbol", layer.name()
    return [(r.lowerValue(), r.upperValue(), r.label(), r.symbol().color().name()) for r in renderer.ranges()]


def same_classes(one: list[tuple], other: list[tuple]) -> None:
    assert [c[2:] for c in one] == [c[2:] for c in other]  # labels and colours
    bounds = [b for c in one for b in c[:2]]
    assert bounds == pytest.approx([b for c in other for b in c[:2]], rel=0, abs=1e-9)


@pytest.mark.parametrize(("indicator", "method", "classes"), [("imd2019_imd_decile", "decile", 10),
                                                              ("iod2019_income_numerator", "quantile", 5)])
def test_a_map_has_the_same_classes_from_every_door(plugin, provider, sample_store_path, tmp_path, indicator,
                                                    method, classes):
    import processing

    from lis_workbench.core.classify import METHODS
    from lis_workbench.ui.dock import METHOD_LABELS

    gpkg = tmp_path / "cli.gpkg"
    run = lis("map", sample_store_path, indicator, "--method", method, "--classes", classes, "--gpkg", gpkg,
              "--out", tmp_path / "cli.png")
    assert run.returncode == 0, run.stderr
    by_cli = QgsVectorLayer(f"{gpkg}|layername={indicator}", "cli", "ogr")  # opens with the style saved in it

    source = load_indicator(sample_store_path, indicator, tmp_path)
    styled = tmp_path / "processing.gpkg"
    result = processing.run("lisworkbench:thematicmap", {"INPUT": str(source), "FIELD": "value", "CLASSES": classes,
                                                         "METHOD": METHODS.index(method), "OUTPUT": str(styled)})
    by_processing = QgsVectorLayer(f"{styled}|layername=thematic_map", "processing", "ogr")

    dock = plugin.dock
    dock.open_store(str(sample_store_path))
    dock.select_indicator(indicator)
    dock.methodCombo.setCurrentIndex([m for m, _ in METHOD_LABELS].index(method))
    dock.classesSpin.setValue(classes)
    by_dock = dock.map_indicator()
    assert by_dock is not None, status(dock)

    cli = classes_of(by_cli)
    assert len(cli) == classes
    same_classes(cli, classes_of(by_processing))
    same_classes(cli, classes_of(by_dock))
    if method == "decile":
        assert [c[1] for c in cli] == list(range(1, 11)) and cli[0][2] == "1 most deprived 10%"
    # the summary: "Wrote <file>: ..." (CLI), the SUMMARY output, "Mapped <layer>: ...." (dock)
    summary = words(run.stdout).split(": ", 1)[1]
    assert summary.startswith(f"{classes} classes by ") and "upper bounds" in summary
    assert summary == result["SUMMARY"] == status(dock).split(": ", 1)[1].removesuffix(".")


# ---------------------------------------------------------------------------------------------------- atlas
def test_an_atlas_has_the_same_pages_from_the_cli_and_from_the_dock_through_processing(plugin, provider,
                                                                                       sample_store_path, tmp_path):
    import processing

    by_cli = tmp_path / "cli.pdf"
    run = lis("atlas", sample_store_path, "imd2019_imd_decile", "--method", "decile", "--out", by_cli)
    assert run.returncode == 0, run.stderr
    dock = plugin.dock
    dock.open_store(str(sample_store_path))
    dock.select_indicator("imd2019_imd_decile")  # a published decile: the dock offers deciles, as asked of the CLI
    inputs = dock.atlas_inputs()  # what the dock's Atlas button puts in the "Export atlas" dialog
    by_processing = tmp_path / "processing.pdf"
    result = processing.run("lisworkbench:exportatlas", {**inputs, "OUTPUT_PDF": str(by_processing)})

    assert page_count(by_cli) == page_count(by_processing) == result["PAGES"] == 25
    cli, door = pdf_pages(by_cli), pdf_pages(by_processing)
    assert cli[0].startswith("Abram: Index of Multiple Deprivation decile, IoD 2019 2019 · 10 classes by deciles · "
                             "higher is better · page 1 of 25 ")
    assert "Decile (1 = most deprived" in cli[0] and "Douglas" in cli[0]  # the legend; a neighbour's label
    # title, subtitle, legend, scale bar, source, licence and provenance (core.map_study.provenance_line, which the
    # map layer's metadata records for Processing): the same words on every page
    assert "Indicator imd2019_imd_decile, period 2019, from" in cli[0]
    assert cli == door
    assert run.stdout.startswith("Wrote 1 file(s), 25 pages")


# ---------------------------------------------------------------------------------------------------- profile
def test_profiles_have_the_same_pages_and_summary_from_every_door(plugin, provider, sample_store_path, tmp_path):
    import processing

    by_cli, by_processing, by_dock = tmp_path / "cli.pdf", tmp_path / "processing.pdf", tmp_path / "dock.pdf"
    run = lis("profile", sample_store_path, "--out", by_cli)
    assert run.returncode == 0, run.stderr
    result = processing.run("lisworkbench:areaprofiles", {"STORE": str(sample_store_path),
                                                          "OUTPUT_PDF": str(by_processing)})
    dock = plugin.dock
    dock.open_store(str(sample_store_path))
    wait_for_task(dock.make_profiles(pdf=str(by_dock)), timeout=300)

    assert result["PAGES"] == 25  # one page per ward, then the book's methods pages
    assert page_count(by_cli) == page_count(by_processing) == page_count(by_dock) > 25
    cli = pdf_pages(by_cli)  # the footer's date is the day's (no time), the same for all three
    assert cli[0].startswith("Abram Area profile: 12 indicators compared with Wigan and England")
    assert cli[25].startswith("Methods: how the values were made")
    assert len({page.split(" Indicator ")[1] for page in cli[:25]}) == 25  # each ward's own values, as text
    assert cli == pdf_pages(by_processing)
    assert cli == pdf_pages(by_dock)
    assert page_pictures(by_cli, tmp_path / "cli") == []  # the values, spines, trends and map are text and vectors
    summary = "25 ward pages for Wigan (12 indicators) and the methods"
    assert words(run.stdout) == f"Wrote {by_cli}: {summary}"
    assert result["SUMMARY"] == summary and status(dock) == f"Wrote {by_dock}: {summary}."


def test_a_borough_is_named_alike_and_a_wrong_one_refused_alike(plugin, provider, sample_store_path, tmp_path):
    """The sample store serves Wigan (E08000010): its name or its code, in any case, gives the same pages from
    every door; another borough gets the same refusal, each door naming its own setting."""
    import processing

    by_cli, by_processing, by_dock = tmp_path / "cli.pdf", tmp_path / "processing.pdf", tmp_path / "dock.pdf"
    run = lis("profile", sample_store_path, "--borough", "Wigan", "--out", by_cli)
    assert run.returncode == 0, run.stderr
    processing.run("lisworkbench:areaprofiles", {"STORE": str(sample_store_path), "BOROUGH": "E08000010",
                                                 "OUTPUT_PDF": str(by_processing)})
    dock = plugin.dock
    dock.open_store(str(sample_store_path))
    wait_for_task(dock.make_profiles(pdf=str(by_dock), borough="wigan"), timeout=300)
    cli = pdf_pages(by_cli)
    assert len(cli) > 25 and cli[25].startswith("Methods") and "compared with Wigan and England" in cli[0]
    assert cli == pdf_pages(by_processing) == pdf_pages(by_dock)

    run = lis("profile", sample_store_path, "--borough", "Bolton", "--out", tmp_path / "no.pdf")
    assert run.returncode == 1
    cli = words(run.stderr).removeprefix("Error: ")
    with pytest.raises(QgsProcessingException) as caught:
        processing.run("lisworkbench:areaprofiles", {"STORE": str(sample_store_path), "BOROUGH": "Bolton",
                                                     "OUTPUT_PDF": str(tmp_path / "no2.pdf")})
    door = words(str(caught.value))
    wait_for_task(dock.make_profiles(pdf=str(tmp_path / "no3.pdf"), borough="Bolton"), timeout=300)
    message = "'Bolton' is not a borough of this store (lad23); the choices are: Wigan (E08000010)."
    assert cli == f"{message} (option --borough)"
    assert door.startswith(f"{message} (parameter '") and door.endswith(", BOROUGH)")
    assert status(dock) == message  # the dock's caller names the borough: there is no setting to point at
    assert not any((tmp_path / name).exists() for name in ("no.pdf", "no2.pdf", "no3.pdf"))

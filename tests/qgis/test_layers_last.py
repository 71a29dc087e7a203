"""Layers that last: what the dock and Processing add to a project survives saving it and opening it again in a
new QGIS process, with its features, style and metadata; and the dock's indicator layers read the store, so a
partner's update shows when the project is opened again."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

from qgis.core import QgsProject

from tests.conftest import SAMPLE
from tests.qgis.qgis_helpers import wait_for_task

REOPEN = textwrap.dedent("""
    import json, sys
    from qgis.core import QgsApplication, QgsProject
    app = QgsApplication([], False)
    app.initQgis()
    project = QgsProject.instance()
    assert project.read(sys.argv[1]), "the project did not open"
    out = {}
    for node in project.layerTreeRoot().findLayers():
        layer = node.layer()
        renderer = layer.renderer()
        field = renderer.classAttribute() if hasattr(renderer, "classAttribute") else None
        values = {}
        if layer.fields().indexFromName("value") >= 0:
            values = {f["area_code"]: f["value"] for f in layer.getFeatures()}
        out[layer.name()] = {"valid": layer.isValid(), "features": layer.featureCount(),
                             "renderer": renderer.type(), "field": field, "title": layer.metadata().title(),
                             "abstract": layer.metadata().abstract(), "values": values,
                             "source": layer.source()}
    print(json.dumps(out))
    project.clear()
    app.exitQgis()
""")


def _deciles() -> dict[str, float]:
    import pandas as pd

    frame = pd.read_csv(SAMPLE / "wigan_imd2019_file2_domains_ranks_deciles.csv")
    column = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"
    return dict(zip(frame["LSOA code (2011)"], frame[column].astype(float)))


def test_a_saved_project_reopens_whole_and_follows_the_store(plugin, sample_store_path, tmp_path):
    import processing

    store = tmp_path / "team.gpkg"
    shutil.copyfile(sample_store_path, store)
    dock = plugin.dock
    dock.open_store(str(store))
    dock.select_indicator("imd2019_imd_decile", "2019")
    deciles = dock.add_to_map()
    dock.select_indicator("iod2019_income_numerator", "2019")
    mapped = dock.map_indicator()
    dock.select_indicator("imd2019_imd_score" if "imd2019_imd_score" in dock.indicator_ids() else
                          "iod2019_income_numerator", "2019")
    wait_for_task(dock.find_hotspots())
    loaded = tmp_path / "loaded.gpkg"
    processing.run("lisworkbench:loadindicator", {"STORE": str(store), "INDICATOR": "imd2019_imd_decile",
                                                  "OUTPUT": str(loaded)})
    spots = tmp_path / "spots.gpkg"
    processing.run("lisworkbench:gistar", {"INPUT": str(loaded), "FIELD": "value", "PERMUTATIONS": 99,
                                           "OUTPUT": str(spots)})
    from qgis.core import QgsVectorLayer

    for path, name in ((loaded, "Processing: IMD deciles"), (spots, "Processing: hot spots")):
        layer = QgsVectorLayer(str(path), name, "ogr")
        assert layer.isValid()
        QgsProject.instance().addMapLayer(layer)
    project_file = tmp_path / "analysis.qgz"
    assert QgsProject.instance().write(str(project_file))
    names = sorted(node.layer().name() for node in QgsProject.instance().layerTreeRoot().findLayers())
    deciles_name, mapped_name = deciles.name(), mapped.name()
    assert deciles_name in names and mapped_name in names
    QgsProject.instance().removeAllMapLayers()

    # a partner's correction lands in the store after the project was saved: every decile turned round
    old = _deciles()
    partner = tmp_path / "corrected.csv"
    partner.write_text("lsoa11cd,period,value\n" + "".join(f"{c},2019,{11 - v:g}\n" for c, v in old.items()))
    done = subprocess.run([sys.executable, "-m", "lis_workbench.cli", "import", str(store), str(partner),
                           "--indicator", "imd2019_imd_decile", "--replace"], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr

    reopened = subprocess.run([sys.executable, "-c", REOPEN, str(project_file)], capture_output=True, text=True,
                              timeout=300, env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert reopened.returncode == 0, reopened.stderr
    layers = json.loads(reopened.stdout.strip().splitlines()[-1])
    assert sorted(layers) == names
    for name, layer in layers.items():
        assert layer["valid"] and layer["features"] > 0, name
        assert "memory" not in layer["source"] and "/tmp/processing" not in layer["source"], name
    # the dock's layer reads the store: it shows the corrected values
    assert layers[deciles_name]["values"] == {c: 11 - v for c, v in old.items()}
    assert "MHCLG" in layers[deciles_name]["abstract"]
    # the dock's choropleth keeps its classes and metadata
    assert layers[mapped_name]["renderer"] == "graduatedSymbol" and layers[mapped_name]["field"] == "value"
    assert layers[mapped_name]["title"].startswith("People in income deprivation")
    # the dock's hot spots were kept in the results GeoPackage, styled
    spots_layer = next(v for k, v in layers.items() if k.startswith("Hot and cold spots"))
    assert spots_layer["renderer"] == "categorizedSymbol" and spots_layer["field"] == "gi_cluster"
    assert spots_layer["source"].endswith(".gpkg|layername=" + spots_layer["source"].split("layername=")[-1])
    # Processing outputs are snapshots with their metadata and style inside the file
    assert layers["Processing: IMD deciles"]["values"] == old
    assert layers["Processing: IMD deciles"]["title"].startswith("Index of Multiple Deprivation decile")
    assert layers["Processing: hot spots"]["renderer"] == "categorizedSymbol"
    assert layers["Processing: hot spots"]["field"] == "gi_cluster"
    assert layers["Processing: hot spots"]["title"].startswith("Index of Multiple Deprivation decile")


def test_processing_outputs_open_styled_and_credited_anywhere(plugin, sample_store_path, tmp_path):
    """Outside any project: the GeoPackage written by qgis_process-style runs carries its default style and layer
    metadata (read by a fresh layer, as any QGIS opening the file does)."""
    import processing
    from qgis.core import QgsVectorLayer

    loaded = tmp_path / "claimants.gpkg"
    processing.run("lisworkbench:loadindicator", {"STORE": str(sample_store_path), "INDICATOR": "claimant_rate",
                                                  "OUTPUT": str(loaded)})
    spots = tmp_path / "lisa.gpkg"
    processing.run("lisworkbench:localmoran", {"INPUT": str(loaded), "FIELD": "value", "PERMUTATIONS": 99,
                                               "OUTPUT": str(spots)})
    fresh = QgsVectorLayer(str(loaded), "fresh", "ogr")
    metadata = fresh.metadata()
    assert metadata.title() == "Claimant rate" or metadata.title().startswith("Claimant")
    assert metadata.licenses() and "Store checksum" in metadata.abstract()
    lisa = QgsVectorLayer(str(spots), "lisa", "ogr")
    assert lisa.renderer().type() == "categorizedSymbol" and lisa.renderer().classAttribute() == "lisa_cluster"
    assert lisa.metadata().title() == metadata.title()

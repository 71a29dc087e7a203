"""A PostGIS store inside QGIS: the dock opens it and adds layers through QGIS's own postgres provider (they last
in a saved project and show the database's values when it is opened again), and Processing loads indicators
from it, in this QGIS and through qgis_process.bin on the installed zip."""

from __future__ import annotations

import json
import subprocess
import sys

from qgis.core import QgsProject, QgsVectorLayer

from tests.conftest import SAMPLE
from tests.qgis.test_layers_last import REOPEN, _deciles


def _pg_store(pg_cluster, pg_schemas, sample_store_path) -> str:
    from lis_workbench.core.store.copy import copy_store

    uri = pg_cluster.uri(schema=pg_schemas("q"))
    copy_store(str(sample_store_path), uri)
    return uri


def test_dock_layers_from_postgis_last_and_follow_the_database(plugin, pg_cluster, pg_schemas, sample_store_path,
                                                               tmp_path):
    uri = _pg_store(pg_cluster, pg_schemas, sample_store_path)
    dock = plugin.dock
    dock.open_store(uri)
    assert dock.store is not None and dock.store.is_database
    assert dock.store.label in dock.summaryLabel.text()
    dock.select_indicator("imd2019_imd_decile", "2019")
    layer = dock.add_to_map()
    assert layer.providerType() == "postgres" and layer.featureCount() == 200
    old = _deciles()
    assert {f["area_code"]: f["value"] for f in layer.getFeatures()} == old
    project_file = tmp_path / "team.qgz"
    assert QgsProject.instance().write(str(project_file))
    name = layer.name()
    QgsProject.instance().removeAllMapLayers()
    dock.close_store()

    partner = tmp_path / "corrected.csv"
    partner.write_text("lsoa11cd,period,value\n" + "".join(f"{c},2019,{11 - v:g}\n" for c, v in old.items()))
    done = subprocess.run([sys.executable, "-m", "lis_workbench.cli", "import", uri, str(partner), "--indicator",
                           "imd2019_imd_decile", "--replace"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    reopened = subprocess.run([sys.executable, "-c", REOPEN, str(project_file)], capture_output=True, text=True,
                              timeout=300, env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert reopened.returncode == 0, reopened.stderr
    layers = json.loads(reopened.stdout.strip().splitlines()[-1])
    assert layers[name]["valid"] and layers[name]["features"] == 200
    assert "dbname=" in layers[name]["source"] and "password" not in layers[name]["source"]
    assert layers[name]["values"] == {c: 11 - v for c, v in old.items()}


def test_processing_loads_an_indicator_from_postgis(plugin, pg_cluster, pg_schemas, sample_store_path, tmp_path):
    import processing

    uri = _pg_store(pg_cluster, pg_schemas, sample_store_path)
    out = tmp_path / "deciles.gpkg"
    processing.run("lisworkbench:loadindicator", {"STORE": uri, "INDICATOR": "imd2019_imd_decile",
                                                  "OUTPUT": str(out)})
    loaded = QgsVectorLayer(str(out), "loaded", "ogr")
    assert {f["area_code"]: f["value"] for f in loaded.getFeatures()} == _deciles()
    assert "Store checksum" in loaded.metadata().abstract()


def test_qgis_process_on_the_installed_zip_loads_from_postgis(pg_cluster, pg_schemas, sample_store_path,
                                                              tmp_path):
    from tests.e2e.harness import build_zip, install_zip, qgis_process

    uri = _pg_store(pg_cluster, pg_schemas, sample_store_path)
    profile = tmp_path / "profile"
    install_zip(build_zip(), profile)
    out = tmp_path / "claimants.gpkg"
    run = qgis_process(["run", "lisworkbench:loadindicator", "--", f"STORE={uri}", "INDICATOR=claimant_rate",
                        "PERIOD=2017-10", f"OUTPUT={out}"], profile)
    assert run.returncode == 0, run.stdout + run.stderr
    import pandas as pd

    source = pd.read_csv(SAMPLE / "wigan_claimant_count_wards_2015_2017_monthly.csv")
    expected = dict(zip(*source.loc[source["date"] == "2017-10-01", ["wd15cd", "rate"]].T.values))
    loaded = QgsVectorLayer(str(out), "loaded", "ogr")
    assert {f["area_code"]: f["value"] for f in loaded.getFeatures()} == expected


def test_store_layers_are_read_only_and_the_file_keeps_its_rollback_journal(plugin, sample_store_path, tmp_path):
    """A shared store file open in QGIS stays in rollback-journal mode (WAL breaks on network drives): the dock's
    layers on it are read-only, so QGIS never opens it for editing; an import by a colleague still goes in."""
    import shutil

    store = tmp_path / "shared.gpkg"
    shutil.copyfile(sample_store_path, store)
    dock = plugin.dock
    dock.open_store(str(store))
    dock.select_indicator("imd2019_imd_decile", "2019")
    layer = dock.add_to_map()
    assert layer.readOnly() and not layer.startEditing()
    assert sum(1 for _ in layer.getFeatures()) == 200
    header = store.read_bytes()[:20]
    assert (header[18], header[19]) == (1, 1), "the file was switched to WAL"
    partner = tmp_path / "p.csv"
    partner.write_text("lsoa11cd,value\n" + "".join(f"{c},1\n" for c in _deciles()))
    done = subprocess.run([sys.executable, "-m", "lis_workbench.cli", "import", str(store), str(partner), "--period",
                           "2030", "--value-column", "value=colleague"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert not (tmp_path / "shared.gpkg-wal").exists()
    QgsProject.instance().removeAllMapLayers()
    dock.close_store()


def test_the_dock_opens_a_store_through_a_saved_qgis_connection(plugin, pg_cluster, pg_schemas, sample_store_path):
    """A connection saved in QGIS (Browser > PostgreSQL) and the store's schema are all the dock needs."""
    from qgis.core import QgsProviderRegistry

    from lis_workbench.ui.postgis_picker import PostgisPicker, saved_connections

    uri = _pg_store(pg_cluster, pg_schemas, sample_store_path)
    schema = uri.rsplit("=", 1)[1]
    metadata = QgsProviderRegistry.instance().providerMetadata("postgres")
    connection = metadata.createConnection(f"host={pg_cluster.host} port={pg_cluster.port} dbname=lis "
                                           f"user={pg_cluster.superuser}", {"saveUsername": True})
    metadata.saveConnection(connection, "Team LIS")
    try:
        assert "Team LIS" in saved_connections()
        picker = PostgisPicker(plugin.dock)
        picker.connectionCombo.setCurrentText("Team LIS")
        picker.schemaEdit.setText(schema)
        address = picker.address()
        assert f"schema={schema}" in address and "password" not in address
        plugin.dock.open_store(address)
        assert plugin.dock.store is not None, plugin.dock.summaryLabel.text()
        assert plugin.dock.store.is_database
        assert plugin.dock.store.catalogue()["id"].str.contains("imd2019_imd_decile").any()
    finally:
        plugin.dock.close_store()
        metadata.deleteConnection("Team LIS")

"""Creating and opening store files; the GeoPackage is a GeoPackage GDAL accepts; no WAL."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest
from unit_helpers import FILE_KINDS, sha256_file

from lis_workbench.core.errors import LisError, StoreError
from lis_workbench.core.store import Store, schema


@pytest.fixture(params=FILE_KINDS)
def kind(request) -> str:
    """What this module tests only a store file has (its journal, file locks, its bytes); PostGIS has its own
    tests of the same promises (test_store_postgis.py)."""
    return request.param


def test_create_then_open_reports_schema_version(kind, tmp_path):
    path = tmp_path / f"new.{kind}"
    with Store.create(path) as created:
        assert created.schema_version == schema.SCHEMA_VERSION
        assert created.kind == kind
    # read the version straight from the file, not through the Store
    conn = sqlite3.connect(path)
    try:
        stored = conn.execute("SELECT value FROM lis_meta WHERE key = 'schema_version'").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()
    assert int(stored) == schema.SCHEMA_VERSION
    assert set(schema.TABLES) <= tables
    with Store.open(path) as opened:
        assert opened.schema_version == schema.SCHEMA_VERSION
        assert opened.catalogue().empty
        assert opened.geography_names() == []


def test_open_missing_file_names_the_path(kind, tmp_path):
    path = tmp_path / f"nowhere.{kind}"
    with pytest.raises(StoreError) as info:
        Store.open(path)
    assert str(path) in str(info.value)
    assert not path.exists()  # opening must not create the file


def test_open_text_file_is_not_a_store(kind, tmp_path):
    path = tmp_path / f"notes.{kind}"
    path.write_text("this is not a database\n" * 20)
    before = sha256_file(path)
    with pytest.raises(StoreError) as info:
        Store.open(path)
    assert str(path) in str(info.value)
    assert "not an LIS Workbench store" in str(info.value)
    assert sha256_file(path) == before


def test_open_plain_sqlite_database_is_not_a_store(kind, tmp_path):
    path = tmp_path / f"other.{kind}"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE things (a INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError) as info:
        Store.open(path)
    assert str(path) in str(info.value)
    assert "not an LIS Workbench store" in str(info.value)


def test_open_ordinary_geopackage_is_not_a_store(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point

    path = tmp_path / "points.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=[Point(0, 0)], crs=27700).to_file(path, layer="pts", driver="GPKG")
    with pytest.raises(StoreError) as info:
        Store.open(path)
    assert str(path) in str(info.value)


def test_open_unknown_extension_is_refused(tmp_path):
    path = tmp_path / "store.txt"
    path.write_text("x")
    with pytest.raises(StoreError) as info:
        Store.open(path)
    assert str(path) in str(info.value)


def test_newer_store_is_refused(kind, tmp_path):
    path = tmp_path / f"future.{kind}"
    Store.create(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE lis_meta SET value = ? WHERE key = 'schema_version'", (str(schema.SCHEMA_VERSION + 1),))
    conn.commit()
    conn.close()
    before = sha256_file(path)
    with pytest.raises(StoreError) as info:
        Store.open(path)
    message = str(info.value)
    assert "newer" in message
    assert str(path) in message
    assert str(schema.SCHEMA_VERSION + 1) in message
    assert sha256_file(path) == before  # refused without touching it


def test_create_over_existing_file_fails_without_overwrite(kind, tmp_path):
    path = tmp_path / f"exists.{kind}"
    path.write_bytes(b"precious bytes")
    with pytest.raises(StoreError) as info:
        Store.create(path)
    assert isinstance(info.value, LisError)
    assert str(path) in str(info.value)
    assert path.read_bytes() == b"precious bytes"
    with Store.create(path, overwrite=True) as created:
        assert created.schema_version == schema.SCHEMA_VERSION


def test_create_over_existing_store_keeps_its_content(store_path):
    before = sha256_file(store_path)
    with pytest.raises(StoreError):
        Store.create(store_path)
    assert sha256_file(store_path) == before


# ------------------------------------------------------------------ file format checks
def test_journal_mode_is_rollback_not_wal(sample_path, store):
    # the file header says "legacy" (rollback journal) read/write versions; WAL would be 2 / 2
    header = sample_path.read_bytes()[:100]
    assert header[:16] == b"SQLite format 3\x00"
    assert header[18] == 1 and header[19] == 1
    conn = sqlite3.connect(sample_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "delete"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    # the Store's own connection, after writing, is still on a rollback journal
    store.delete_indicator("pop2016_total")
    assert store._conn.execute("PRAGMA journal_mode").fetchone()[0].lower() == "delete"
    header = open(store.path, "rb").read(20)
    assert header[18] == 1 and header[19] == 1


def test_store_made_wal_by_another_tool_is_switched_back(kind, tmp_path):
    path = tmp_path / f"wal.{kind}"
    Store.create(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode = WAL").fetchone()[0] == "wal"
    conn.close()
    with Store.open(path):
        pass
    header = path.read_bytes()[:20]
    assert header[18] == 1 and header[19] == 1


@pytest.mark.parametrize("kind", ["gpkg"])
def test_geopackage_store_lists_layers_in_ogrinfo(sample_path):
    result = subprocess.run(["ogrinfo", "-ro", "-q", "-so", str(sample_path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    layers = {line.split(":", 1)[1].split("(")[0].strip() for line in result.stdout.splitlines() if ":" in line}
    assert {"geo_lsoa11", "geo_lsoa21", "geo_ward22", "geo_ward23", "geo_lad23", "pts_schools",
            "lis_catalogue", "lis_value", "lis_audit", "lis_meta"} <= layers
    assert "ERROR" not in result.stderr
    # the catalogue is readable as an attribute table through GDAL
    result = subprocess.run(["ogrinfo", "-ro", "-q", str(sample_path), "-sql",
                             "SELECT COUNT(*) AS n FROM lis_catalogue"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    conn = sqlite3.connect(sample_path)
    try:
        expected = conn.execute("SELECT COUNT(*) FROM lis_catalogue").fetchone()[0]
    finally:
        conn.close()
    assert f"n (Integer) = {expected}" in result.stdout


@pytest.mark.parametrize("kind", ["gpkg"])
def test_geopackage_store_passes_gdal_validation(sample_path):
    validate = pytest.importorskip("osgeo_utils.samples.validate_gpkg")
    validate.check(str(sample_path), extra_checks=True, warning_as_error=True)
    conn = sqlite3.connect(sample_path)
    try:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # 'GPKG'
        registered = {r[0]: r[1] for r in conn.execute("SELECT table_name, data_type FROM gpkg_contents")}
        srs = {r[0] for r in conn.execute("SELECT srs_id FROM gpkg_geometry_columns")}
    finally:
        conn.close()
    assert registered["lis_catalogue"] == "attributes"
    assert registered["geo_lsoa11"] == "features"
    assert srs == {27700}


@pytest.mark.parametrize("kind", ["gpkg"])
def test_spatial_index_triggers_are_the_ones_gdal_writes(sample_path, tmp_path):
    """Our layers' rtree triggers are those GDAL itself writes for a GeoPackage of the same version (1.4 from
    GDAL 3.7, with update5-7; 1.2/1.3 before, with update1/3), so QGIS edits keep the index right (issue 14)."""
    from osgeo import gdal, ogr, osr

    version = sqlite3.connect(sample_path).execute("PRAGMA user_version").fetchone()[0]
    reference = tmp_path / "gdal.gpkg"
    dataset = gdal.GetDriverByName("GPKG").Create(str(reference), 0, 0, 0, gdal.GDT_Unknown,
                                                  options=[f"VERSION={version // 10000}.{version // 100 % 100}"])
    dataset.CreateLayer("geo_lsoa11", osr.SpatialReference(), ogr.wkbMultiPolygon,
                        options=["GEOMETRY_NAME=geom", "FID=fid"])
    dataset = None

    def triggers(path) -> dict[str, str]:
        conn = sqlite3.connect(path)
        try:
            return {name: " ".join(sql.split()) for name, sql in conn.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'rtree_geo_lsoa11_geom_%'")}
        finally:
            conn.close()

    ours, gdal_own = triggers(sample_path), triggers(reference)
    assert set(ours) == set(gdal_own)
    assert ours == gdal_own


@pytest.mark.parametrize("kind", ["sqlite"])
def test_spatialite_store_opens_in_ogrinfo(sample_path):
    result = subprocess.run(["ogrinfo", "-ro", "-q", "-so", str(sample_path)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "geo_lsoa11" in result.stdout
    conn = sqlite3.connect(sample_path)
    try:
        assert conn.execute("SELECT srid FROM geometry_columns WHERE f_table_name = 'geo_lsoa11'").fetchone()[0] \
            == 27700
    finally:
        conn.close()


def test_version_1_store_is_upgraded_in_place(kind, built_stores, tmp_path):
    """A store made before catalogue denominators (version 1) opens as version 2: the column is added, nothing
    else changes, and its checksum (stamped on earlier outputs) is the same."""
    import shutil

    path = tmp_path / f"old.{kind}"
    shutil.copyfile(built_stores(kind), path)
    with Store.open(path) as current:
        current._conn.execute("UPDATE lis_catalogue SET denominator = NULL")  # as version 1 had none
        current._conn.commit()
        checksum, values = current.checksum(), current.get_values("iod2019_idaci_numerator")
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE lis_catalogue DROP COLUMN denominator")
    conn.execute("UPDATE lis_meta SET value = '1' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with Store.open(path) as upgraded:
        assert upgraded.schema_version == 2
        assert upgraded.indicator("iod2019_idaci_numerator")["denominator"] is None
        assert upgraded.checksum() == checksum
        assert upgraded.get_values("iod2019_idaci_numerator").equals(values)
    conn = sqlite3.connect(path)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(lis_catalogue)")]
    conn.close()
    assert "denominator" in columns


@pytest.mark.parametrize("kind", ["sqlite"])
def test_spatialite_geometries_are_the_blobs_spatialite_itself_makes(store_path):
    """Our SpatiaLite writer encodes geometry itself (no mod_spatialite needed to write); SpatiaLite's own
    GeomFromWKB, given each geometry's WKB, must make byte-identical BLOBs, and its index check must pass."""
    conn = sqlite3.connect(store_path)
    try:
        conn.enable_load_extension(True)
        try:
            conn.load_extension("mod_spatialite")
        except sqlite3.OperationalError as exc:
            pytest.skip(f"mod_spatialite is not installed here: {exc}")
        for table in ("geo_lsoa11", "geo_ward23", "pts_schools"):
            total, same = conn.execute(f"SELECT COUNT(*), SUM(geom = GeomFromWKB(AsBinary(geom), 27700)) "
                                       f"FROM {table}").fetchone()
            assert total > 0 and same == total, table
            assert conn.execute("SELECT CheckSpatialIndex(?, 'geom')", (table,)).fetchone()[0] == 1
        # the triggers work for a QGIS user who edits the layer (SpatiaLite loaded): the index follows
        conn.execute("INSERT INTO pts_schools (area_code, geom) VALUES ('new', MakePoint(360000, 400000, 27700))")
        assert conn.execute("SELECT COUNT(*) FROM idx_pts_schools_geom").fetchone()[0] == \
            conn.execute("SELECT COUNT(*) FROM pts_schools").fetchone()[0]
    finally:
        conn.close()

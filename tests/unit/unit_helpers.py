"""Helpers shared by the unit tests: paths, file hashes, independent readers of the sample data, the CLI."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data"
RECIPE = SAMPLE / "wigan_store.toml"
STORE_KINDS = ("gpkg", "sqlite", "postgis")
FILE_KINDS = ("gpkg", "sqlite")  # for tests of what only a file has (journals, file locks, bytes on disk)


# ------------------------------------------------------------------ helpers
def is_database(path) -> bool:
    return str(path).startswith("postgresql://")


def sha256_file(path: str | os.PathLike) -> str:
    """The bytes of a store file; for a PostGIS store, everything store_state reads of it (tables, layers, audit)."""
    if is_database(path):
        import json

        return hashlib.sha256(json.dumps(store_state(path), sort_keys=True).encode()).hexdigest()
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def rows(path, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of an SQL query on a store, read without the engine: sqlite3 on a file, psycopg2 on PostGIS (with `?`
    placeholders written as PostgreSQL's)."""
    if not is_database(path):
        conn = sqlite3.connect(path)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()
    import psycopg2

    from lis_workbench.core.store.address import parse

    where = parse(str(path))
    conn = psycopg2.connect(where.conninfo)
    try:
        with conn.cursor() as cursor:
            cursor.execute(f'SET search_path TO "{where.schema}", public')
            cursor.execute(sql.replace("%", "%%").replace("?", "%s"), params)
            return [tuple(r) for r in cursor.fetchall()]
    finally:
        conn.close()


def read_layer(path, layer: str, **kwargs):
    """A store layer as a GeoDataFrame through pyogrio (GDAL's PostgreSQL driver for a PostGIS store)."""
    import pyogrio

    if not is_database(path):
        return pyogrio.read_dataframe(path, layer=layer, **kwargs)
    import geopandas as gpd
    import shapely
    from osgeo import ogr

    from lis_workbench.core.store.address import parse

    dataset = ogr.Open(parse(str(path)).ogr_source())  # pyogrio's own GDAL has no PostgreSQL driver
    found = dataset.GetLayerByName(layer)
    records, shapes = [], []
    for feature in found:
        records.append(feature.items())
        shapes.append(shapely.from_wkb(bytes(feature.GetGeometryRef().ExportToIsoWkb())))
    dataset = None
    return gpd.GeoDataFrame(records, geometry=shapes, crs=27700)


def write_text(path: Path, text: str) -> Path:
    """Write a CSV exactly as given (UTF-8, \\n line ends)."""
    path.write_bytes(text.encode("utf-8"))
    return path


def sample_csv(name: str, **kwargs) -> pd.DataFrame:
    """A sample CSV read independently of the engine (codes as strings)."""
    return pd.read_csv(SAMPLE / name, **kwargs)


def geojson_codes(name: str) -> list[str]:
    """Area codes of a sample boundary file, read with pyogrio (not through the store)."""
    import pyogrio

    frame = pyogrio.read_dataframe(SAMPLE / name, read_geometry=False)
    return sorted(frame["area_code"].astype(str))


def lis_command() -> list[str]:
    """The `lis` entry point of this venv (falls back to `python -m lis_workbench.cli`)."""
    exe = Path(sys.executable).with_name("lis")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "lis_workbench.cli"]


def run_lis(*args: str, cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="200", NO_COLOR="1", TERM="dumb")
    return subprocess.run([*lis_command(), *map(str, args)], capture_output=True, text=True, cwd=cwd or REPO,
                          env=env, timeout=timeout)


TIMES = {"at", "imported_at", "added_at", "created_at"}  # when a change was made differs between two runs of it


def store_state(path: str | os.PathLike) -> dict:
    """Everything a user can see of a store, read independently of the engine: every attribute table's rows
    through sqlite3 (without the times of changes, which differ between two runs of the same change) and every
    geometry layer through OGR (feature count, codes, names, geometry), after checking that the file is sound and
    that catalogue and layers agree. Opening it rolls back a hot journal that a killed writer left, as any
    reader's first open does."""

    from lis_workbench.core.store import Store
    from lis_workbench.core.store.address import is_database_address

    with Store.open(path) as opened:
        geographies = opened.geographies()
    if is_database_address(path):
        return _database_state(str(path), geographies)
    conn = sqlite3.connect(path)
    tables = {}
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        names = sorted(r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
        for table in (t for t in names if t.startswith("lis_")):
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[1] not in TIMES | {"fid"}]
            digest = hashlib.sha256()
            for row in conn.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(columns)}"):
                digest.update(repr(row).encode())
            tables[table] = digest.hexdigest()
        areas = {g: sorted(r[0] for r in conn.execute("SELECT area_code FROM lis_area WHERE geography = ?", (g,)))
                 for g in geographies["name"]}
        audit = conn.execute("SELECT COUNT(*) FROM lis_audit").fetchone()[0]
    finally:
        conn.close()
    layer_tables = {t for t in names if t.startswith(("geo_", "pts_"))}
    assert layer_tables == set(geographies["layer_name"]), "a layer the catalogue does not list, or the reverse"
    return {"tables": tables, "layers": _layer_digests(str(path), geographies, areas), "audit": audit}


def _database_state(uri: str, geographies: pd.DataFrame) -> dict:
    """store_state of a PostGIS store: every lis_ table's rows through psycopg2, every layer through OGR's
    PostgreSQL driver."""
    import psycopg2

    from lis_workbench.core.store.address import parse

    where = parse(uri)
    conn = psycopg2.connect(where.conninfo)
    tables = {}
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
                           "n.nspname = %s AND c.relkind IN ('r', 'p') AND NOT c.relispartition", (where.schema,))
            names = sorted(r[0] for r in cursor.fetchall())
            for table in (t for t in names if t.startswith("lis_")):
                cursor.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND "
                               "table_name = %s ORDER BY ordinal_position", (where.schema, table))
                columns = ['"' + r[0] + '"' for r in cursor.fetchall() if r[0] not in TIMES | {"fid"}]
                cursor.execute(f'SELECT {", ".join(columns)} FROM "{where.schema}"."{table}" '
                               f'ORDER BY {", ".join(columns)}')
                digest = hashlib.sha256()
                for row in cursor.fetchall():
                    digest.update(repr(row).encode())
                tables[table] = digest.hexdigest()
            areas = {}
            for g in geographies["name"]:
                cursor.execute(f'SELECT area_code FROM "{where.schema}".lis_area WHERE geography = %s', (g,))
                areas[g] = sorted(r[0] for r in cursor.fetchall())
            cursor.execute(f'SELECT COUNT(*) FROM "{where.schema}".lis_audit')
            audit = cursor.fetchone()[0]
    finally:
        conn.close()
    layer_tables = {t for t in names if t.startswith(("geo_", "pts_"))}
    assert layer_tables == set(geographies["layer_name"]), "a layer the catalogue does not list, or the reverse"
    return {"tables": tables, "layers": _layer_digests(where.ogr_source(), geographies, areas), "audit": audit}


def _layer_digests(source: str, geographies: pd.DataFrame, areas: dict) -> dict:
    """A digest of every geography layer's features (code, name, geometry; in feature id order) read through OGR
    from a store file or PostGIS (PG:...), after checking each layer against the catalogue and lis_area."""
    from osgeo import ogr

    layers = {}
    ds = ogr.Open(source)
    try:
        for row in geographies.itertuples(index=False):
            lyr = ds.GetLayerByName(row.layer_name)
            assert lyr is not None, f"layer {row.layer_name} of geography {row.name} is missing"
            digest, codes = hashlib.sha256(), []
            for feature in sorted(lyr, key=lambda f: f.GetFID()):
                codes.append(feature.GetField("area_code"))
                digest.update(str(feature.GetField("area_code")).encode())
                digest.update(str(feature.GetField("area_name")).encode())
                digest.update(bytes(feature.GetGeometryRef().ExportToIsoWkb()))
            assert len(codes) == row.feature_count == lyr.GetFeatureCount()
            assert sorted(codes) == areas[row.name]
            layers[row.layer_name] = digest.hexdigest()
    finally:
        ds = None
    return layers

"""Fixtures for the core unit tests: real store files (GeoPackage and SpatiaLite), real CSVs.

Independent references (the sample CSVs and GeoJSON read with pandas / geopandas) live here too,
so tests compare the store against the source files, never against numbers the engine produced.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from unit_helpers import RECIPE, STORE_KINDS, geojson_codes

from lis_workbench.core.recipe import build_store
from lis_workbench.core.store import Store


# ------------------------------------------------------------------ store fixtures
@pytest.fixture(scope="session")
def built_stores(tmp_path_factory, request):
    """Build the Wigan sample store once per kind (on demand) and return its path (a PostGIS store's address);
    read-only."""
    cache: dict[str, Path | str] = {}

    def get(kind: str) -> Path | str:
        if kind not in cache:
            if kind == "postgis":
                out: Path | str = request.getfixturevalue("pg_cluster").uri(schema="sample")
            else:
                out = tmp_path_factory.mktemp(f"sample_{kind}") / f"wigan_store.{kind}"
            build_store(RECIPE, out)
            cache[kind] = out
        return cache[kind]

    return get


@pytest.fixture(params=STORE_KINDS)
def kind(request) -> str:
    return request.param


@pytest.fixture
def sample_path(kind, built_stores) -> Path:
    """The session's sample store of this kind. Tests must not write to it (use `store`)."""
    return built_stores(kind)


@pytest.fixture
def sample(sample_path):
    """The session's sample store, opened (read-only use)."""
    opened = Store.open(sample_path)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def wigan(built_stores):
    """The sample store (GeoPackage) built from wigan_store.toml, opened once per test module; read-only use."""
    opened = Store.open(built_stores("gpkg"))
    yield opened
    opened.close()


@pytest.fixture
def store_path(kind, built_stores, tmp_path, request):
    """A private copy of the sample store, free to change: a file, or (PostGIS) a fresh schema copied by
    `lis store copy`'s engine."""
    if kind == "postgis":
        from lis_workbench.core.store.copy import copy_store

        target = request.getfixturevalue("pg_cluster").uri(schema=request.getfixturevalue("pg_schemas")("t"))
        copy_store(str(built_stores(kind)), target)
        return target
    target = tmp_path / f"store.{kind}"
    shutil.copyfile(built_stores(kind), target)
    return target


@pytest.fixture
def store(store_path):
    """A private, writable copy of the sample store, opened."""
    opened = Store.open(store_path)
    yield opened
    opened.close()


@pytest.fixture(scope="session")
def lsoa_codes() -> list[str]:
    """The 200 Wigan LSOA 2011 codes, from the boundary GeoJSON."""
    return geojson_codes("wigan_lsoa11_bgc.geojson")

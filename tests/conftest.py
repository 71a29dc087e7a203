"""Shared fixtures: the repository paths and the Wigan sample store built once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data"


@pytest.fixture(scope="session")
def sample_store_path(tmp_path_factory) -> Path:
    """A freshly built Wigan sample store (GeoPackage); tests must not modify it."""
    from lis_workbench.core.recipe import build_store

    path = tmp_path_factory.mktemp("sample") / "wigan_store.gpkg"
    build_store(SAMPLE / "wigan_store.toml", path)
    return path


@pytest.fixture(autouse=True, scope="session")
def _weights_cache_in_a_scratch_folder(tmp_path_factory):
    """Spatial weights kept between runs go to a scratch folder (LIS_CACHE_DIR, inherited by every `lis` and
    qgis_process run of the tests), never the user's cache."""
    import os

    os.environ["LIS_CACHE_DIR"] = str(tmp_path_factory.mktemp("lis_cache"))
    yield
    os.environ.pop("LIS_CACHE_DIR", None)


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL + PostGIS cluster for the session (tests/postgis_cluster.py), stopped at the end;
    the tests that need it skip, saying why, where PostgreSQL or PostGIS is not installed."""
    from tests import postgis_cluster

    reason = postgis_cluster.missing_reason()
    if reason:
        pytest.skip(reason)
    cluster = postgis_cluster.start()
    yield cluster
    postgis_cluster.stop(cluster)


@pytest.fixture(scope="session")
def pg_schemas():
    """Fresh schema names for PostGIS stores (one per use)."""
    import itertools

    counter = itertools.count(1)
    return lambda prefix="s": f"{prefix}{next(counter)}"

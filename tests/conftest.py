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

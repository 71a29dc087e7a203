"""Helpers shared by the unit tests: paths, file hashes, independent readers of the sample data, the CLI."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data"
RECIPE = SAMPLE / "wigan_store.toml"
STORE_KINDS = ("gpkg", "sqlite")


# ------------------------------------------------------------------ helpers
def sha256_file(path: str | os.PathLike) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


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

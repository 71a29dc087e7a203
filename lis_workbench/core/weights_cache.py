"""Spatial weights worked out once per layer: a batch run testing twenty indicators on England's LSOAs builds the
queen contiguity of the same 32,844 polygons twenty times otherwise (over a second each). The weights and the
areas' representative points are kept in a small file named by a hash of the geometries and the weights' settings,
so the same layer with the same settings reads them back in milliseconds; any change to a single vertex makes a
new key. The cache is only ever a shortcut: a file that cannot be read or written is ignored, never an error."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from scipy import sparse

from .weights import Weights

FOLDER_VARIABLE = "LIS_CACHE_DIR"  # an environment variable naming the cache folder; "none" turns the cache off
FORMAT = 1  # bump when what a file holds changes, so older files are never read
KEEP = 16  # the most recently used files kept; older ones are removed


class WeightsCache:
    """A folder of cached weights (one .npz per layer and settings)."""

    def __init__(self, folder: str | os.PathLike, keep: int = KEEP) -> None:
        self.folder = Path(folder)
        self.keep = keep

    @staticmethod
    def key(geometries: Sequence[bytes], settings: Sequence[object]) -> str:
        """The name of a layer's weights: a hash of every geometry (WKB) and the weights' settings."""
        digest = hashlib.blake2b(digest_size=20)
        digest.update(json.dumps([FORMAT, *map(str, settings), len(geometries)]).encode())
        for wkb in geometries:
            digest.update(len(wkb).to_bytes(8, "little") if wkb is not None else b"\xff" * 8)
            if wkb is not None:
                digest.update(wkb)
        return digest.hexdigest()

    def load(self, key: str, ids: Sequence[str]) -> tuple[Weights, np.ndarray] | None:
        """The weights and representative points stored under key (for these ids, in this order), or None."""
        path = self.folder / f"{key}.npz"
        try:
            with np.load(path, allow_pickle=False) as stored:
                n = int(stored["n"])
                if n != len(ids):
                    return None
                matrix = sparse.csr_matrix((stored["data"], stored["indices"], stored["indptr"]), shape=(n, n))
                points = stored["points"]
                kind = str(stored["kind"])
                notes = [str(note) for note in stored["notes"]]
            os.utime(path)  # recently used: kept longest
        except (OSError, KeyError, ValueError):
            return None
        return Weights([str(i) for i in ids], matrix, kind, notes), points

    def save(self, key: str, weights: Weights, points: np.ndarray) -> None:
        """Keep the weights and points under key (written whole, then the oldest files beyond `keep` removed)."""
        matrix = weights.matrix.tocsr()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(suffix=".npz.part", dir=self.folder)
            try:
                with os.fdopen(handle, "wb") as out:
                    np.savez(out, n=np.int64(weights.n), data=matrix.data, indices=matrix.indices,
                             indptr=matrix.indptr, points=np.asarray(points, dtype=float), kind=np.str_(weights.kind),
                             notes=np.array(list(weights.notes), dtype=np.str_))
                os.replace(temporary, self.folder / f"{key}.npz")
            finally:
                Path(temporary).unlink(missing_ok=True)
            files = sorted(self.folder.glob("*.npz"), key=lambda p: p.stat().st_mtime, reverse=True)
            for old in files[self.keep:]:
                old.unlink(missing_ok=True)
        except OSError:
            return


def cache_in(default_folder: str | os.PathLike) -> WeightsCache | None:
    """The weights cache a door uses: in LIS_CACHE_DIR when set ("none": no cache), else in the door's own
    folder (QGIS's profile, the user's cache folder)."""
    chosen = os.environ.get(FOLDER_VARIABLE)
    if chosen is not None and chosen.strip().lower() in ("", "none", "off"):
        return None
    return WeightsCache(Path(chosen) / "weights" if chosen else Path(default_folder) / "weights")

"""The weights cache: a layer's weights built once are read back for the same geometries and settings (and give
the same analysis), never for a moved vertex or other settings; a damaged file or an unwritable folder is
ignored; the folder keeps only the most recent files. The weights themselves are checked against libpysal in
test_weights.py."""

from __future__ import annotations

import numpy as np
import shapely

from lis_workbench.core.clusters import Analysis, build_weights, run_analysis
from lis_workbench.core.weights_cache import WeightsCache


def _lattice(n: int = 6) -> tuple[list[str], list[bytes]]:
    ids, wkbs = [], []
    for r in range(n):
        for c in range(n):
            ids.append(f"a{r}_{c}")
            wkbs.append(shapely.box(c, r, c + 1, r + 1).wkb)
    return ids, wkbs


def test_weights_are_read_back_for_the_same_layer_and_settings(tmp_path):
    ids, wkbs = _lattice()
    cache = WeightsCache(tmp_path)
    fresh, points = build_weights(ids, wkbs, Analysis(), cache=cache)
    assert len(list(tmp_path.glob("*.npz"))) == 1
    again, points_again = build_weights(ids, wkbs, Analysis(), cache=cache)
    assert (again.matrix != fresh.matrix).nnz == 0 and np.array_equal(points_again, points)
    assert again.ids == ids and again.kind == "queen"
    # read back, not rebuilt: a file that says otherwise is believed (proving the read)
    (path,) = tmp_path.glob("*.npz")
    stored = dict(np.load(path))
    stored["points"] = stored["points"] + 1000.0
    np.savez(path, **stored)
    _, moved = build_weights(ids, wkbs, Analysis(), cache=cache)
    assert np.allclose(moved, points + 1000.0)


def test_a_moved_vertex_or_other_settings_make_a_new_entry(tmp_path):
    ids, wkbs = _lattice()
    cache = WeightsCache(tmp_path)
    build_weights(ids, wkbs, Analysis(), cache=cache)
    changed = list(wkbs)
    changed[0] = shapely.box(0, 0, 1, 1.000001).wkb
    assert WeightsCache.key(changed, ("queen", 1.0, 8, 1000.0)) != WeightsCache.key(wkbs, ("queen", 1.0, 8, 1000.0))
    rook, _ = build_weights(ids, wkbs, Analysis(weights="rook"), cache=cache)
    queen, _ = build_weights(ids, wkbs, Analysis(), cache=cache)
    assert rook.matrix.nnz < queen.matrix.nnz  # diagonal neighbours are queen's only
    assert len(list(tmp_path.glob("*.npz"))) == 2


def test_the_analysis_is_the_same_with_the_cache(tmp_path):
    ids, wkbs = _lattice(8)
    values = np.arange(64, dtype=float) % 7
    plain = run_analysis(ids, values, wkbs, Analysis())
    cache = WeightsCache(tmp_path)
    first = run_analysis(ids, values, wkbs, Analysis(), cache=cache)
    second = run_analysis(ids, values, wkbs, Analysis(), cache=cache)
    for result in (first, second):
        assert result.table.equals(plain.table) and result.summary == plain.summary


def test_a_damaged_file_or_an_unusable_folder_is_ignored(tmp_path):
    ids, wkbs = _lattice()
    cache = WeightsCache(tmp_path)
    fresh, _ = build_weights(ids, wkbs, Analysis(), cache=cache)
    (path,) = tmp_path.glob("*.npz")
    path.write_bytes(b"not a cache file")
    again, _ = build_weights(ids, wkbs, Analysis(), cache=cache)
    assert (again.matrix != fresh.matrix).nnz == 0
    not_a_folder = tmp_path / "a file"
    not_a_folder.write_text("the cache folder cannot be made here")
    built, _ = build_weights(ids, wkbs, Analysis(), cache=WeightsCache(not_a_folder / "sub"))
    assert (built.matrix != fresh.matrix).nnz == 0


def test_only_the_most_recent_files_are_kept(tmp_path):
    ids, wkbs = _lattice(3)
    cache = WeightsCache(tmp_path, keep=3)
    for tolerance in (0.5, 1.0, 1.5, 2.0, 2.5):
        build_weights(ids, wkbs, Analysis(tolerance=tolerance), cache=cache)
    assert len(list(tmp_path.glob("*.npz"))) == 3
    assert not list(tmp_path.glob("*.part"))

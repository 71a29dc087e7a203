"""weights.py against independent references: libpysal 4.14 (Queen, Rook, lat2W, KNN, DistanceBand,
fuzzy_contiguity), shapely distances and brute-force numpy nearest neighbours, on the Wigan LSOA 2011 sample
layer and on synthetic lattices of unit squares. Broken layers (gaps, overlaps) and islands have their own tests.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from lis_workbench.core.contiguity import contiguity
from lis_workbench.core.errors import LisError
from lis_workbench.core.weights import (
    Weights,
    WeightsError,
    distance_band,
    handle_islands,
    knn,
    representative_points,
)

libpysal = pytest.importorskip("libpysal")
gpd = pytest.importorskip("geopandas")
# libpysal's DistanceBand raises 0 ** -1 on its diagonal before dropping it
pytestmark = pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning")


# ------------------------------------------------------------------ helpers
def lattice_squares(nrows: int, ncols: int, shrink: float = 0.0) -> tuple[list[str], list[bytes]]:
    """Unit squares in libpysal.lat2W's order (id = row * ncols + col), optionally shrunk on every side."""
    ids, wkbs = [], []
    for r in range(nrows):
        for c in range(ncols):
            ids.append(str(r * ncols + c))
            wkbs.append(shapely.box(c + shrink, r + shrink, c + 1 - shrink, r + 1 - shrink).wkb)
    return ids, wkbs


def lat2w_sets(nrows: int, ncols: int, rook: bool) -> dict[str, set[str]]:
    lw = libpysal.weights.lat2W(nrows, ncols, rook=rook)
    return {str(i): {str(j) for j in lw.neighbors[i]} for i in lw.id_order}


def libpysal_sets(w) -> dict[str, set[str]]:
    return {str(i): {str(j) for j in w.neighbors[i]} for i in w.id_order}


def pairs_of(sets: dict[str, set[str]]) -> set[tuple[str, str]]:
    return {(a, b) for a, nb in sets.items() for b in nb if a < b}


def jittered_points(nrows: int = 12, ncols: int = 12, seed: int = 4) -> np.ndarray:
    """A lattice of points moved by up to 0.3 in x and y: no two distances tie (a regular lattice would)."""
    rng = np.random.default_rng(seed)
    grid = np.array([(c, r) for r in range(nrows) for c in range(ncols)], dtype=float)
    return grid + rng.uniform(-0.3, 0.3, size=grid.shape)


def brute_force_nearest(points: np.ndarray, i: int) -> int:
    d = np.hypot(*(points - points[i]).T)
    d[i] = np.inf
    return int(np.argmin(d))


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def lsoa(wigan):
    """Wigan LSOA 2011: codes, WKB and shapely geometries, read from the sample store."""
    areas = wigan.areas("lsoa11")
    ids = list(areas["area_code"])
    wkbs = [bytes(g) for g in areas["geometry"]]
    geoms = shapely.from_wkb(wkbs)
    return ids, wkbs, geoms


@pytest.fixture(scope="module")
def gdf(lsoa):
    ids, _, geoms = lsoa
    return gpd.GeoDataFrame({"area_code": ids}, geometry=geoms)


@pytest.fixture(scope="module")
def pysal_queen(lsoa, gdf) -> dict[str, set[str]]:
    ids = lsoa[0]
    return libpysal_sets(libpysal.weights.Queen.from_dataframe(gdf, ids=ids, use_index=False))


@pytest.fixture(scope="module")
def pysal_rook(lsoa, gdf) -> dict[str, set[str]]:
    ids = lsoa[0]
    return libpysal_sets(libpysal.weights.Rook.from_dataframe(gdf, ids=ids, use_index=False))


@pytest.fixture(scope="module")
def points(lsoa) -> np.ndarray:
    return representative_points(lsoa[1])


# ------------------------------------------------------------------ contiguity on the Wigan sample
def test_queen_equals_libpysal_on_wigan(lsoa, pysal_queen):
    ids, wkbs, _ = lsoa
    w = contiguity(ids, wkbs, tolerance=0)
    assert w.ids == ids and w.kind == "queen"
    assert w.neighbours() == pysal_queen
    assert w.islands == [] and w.notes == []
    # symmetric, binary, no self-neighbour
    m = w.matrix.toarray()
    assert (m == m.T).all() and set(np.unique(m)) <= {0.0, 1.0} and not m.diagonal().any()
    assert w.cardinalities.tolist() == [len(pysal_queen[i]) for i in ids]


def test_rook_equals_libpysal_on_wigan(lsoa, pysal_rook, pysal_queen):
    ids, wkbs, _ = lsoa
    w = contiguity(ids, wkbs, rook=True, tolerance=0)
    assert w.kind == "rook"
    assert w.neighbours() == pysal_rook
    # the sample has corner-only contacts, so this test tells rook from queen
    assert pairs_of(pysal_rook) < pairs_of(pysal_queen)


def test_ids_keep_input_order(lsoa, pysal_queen):
    ids, wkbs, _ = lsoa
    order = np.random.default_rng(0).permutation(len(ids))
    w = contiguity([ids[k] for k in order], [wkbs[k] for k in order])
    assert w.ids == [ids[k] for k in order]
    assert w.neighbours() == pysal_queen


def test_progress_is_reported(lsoa):
    ids, wkbs, _ = lsoa
    seen = []
    contiguity(ids, wkbs, progress=lambda f, msg: seen.append((f, msg)))
    assert seen and all(0 <= f <= 1 for f, _ in seen)


# ------------------------------------------------------------------ contiguity on synthetic lattices
@pytest.mark.parametrize("shape", [(5, 7), (1, 6), (4, 4), (9, 3)])
@pytest.mark.parametrize("rook", [False, True])
def test_lattice_equals_lat2w(shape, rook):
    ids, wkbs = lattice_squares(*shape)
    w = contiguity(ids, wkbs, rook=rook)
    assert w.neighbours() == lat2w_sets(*shape, rook=rook)


@pytest.mark.parametrize("rook", [False, True])
def test_lattice_with_gaps_needs_a_tolerance(rook):
    """Squares shrunk by 0.05 (gaps of 0.1, corners 0.141 apart): no contact at tolerance 0, the lattice back at
    0.15. Rook at 0.15 keeps side neighbours (shared run ~1.0 > 3 x 0.15) and not corner ones (run ~0.02)."""
    ids, wkbs = lattice_squares(6, 5, shrink=0.05)
    broken = contiguity(ids, wkbs, rook=rook, tolerance=0)
    assert len(broken.islands) == 30 and broken.matrix.nnz == 0
    assert len(broken.notes) == 1 and "30 of 30 areas have no neighbour" in broken.notes[0]
    snapped = contiguity(ids, wkbs, rook=rook, tolerance=0.15)
    assert snapped.neighbours() == lat2w_sets(6, 5, rook=rook)
    assert snapped.notes == []


def test_contiguity_input_errors():
    ids, wkbs = lattice_squares(2, 2)
    with pytest.raises(WeightsError, match="one geometry"):
        contiguity(ids, wkbs[:3])
    assert issubclass(WeightsError, LisError)


# ------------------------------------------------------------------ broken layers on Wigan
def test_shrunk_layer_is_all_islands_at_zero_tolerance(lsoa):
    ids, _, geoms = lsoa
    shrunk = [bytes(b) for b in shapely.to_wkb(shapely.buffer(geoms, -2))]
    w = contiguity(ids, shrunk, tolerance=0)
    assert w.islands == ids
    assert len(w.notes) == 1
    note = w.notes[0]
    assert note.startswith("200 of 200 areas have no neighbour") and "tolerance" in note and "k-nearest" in note


def test_shrunk_layer_with_tolerance(lsoa, pysal_queen, pysal_rook):
    """Each polygon shrunk by 2 m, so former neighbours are >= 4 m apart; tolerance 5 m.

    The neighbour sets are NOT all the unshrunk queen ones: where two areas met only at a corner (or along a
    very short run) shrinking moves them apart by more than 2 x 2 m (4 / sin(angle / 2) at a corner), e.g.
    5.7 m at a right angle. The exact reference is therefore "pairs whose shrunk polygons lie within 5 m",
    computed here with shapely over every pair; and nothing outside the original queen set may appear."""
    ids, _, geoms = lsoa
    shrunk = shapely.buffer(geoms, -2)
    w = contiguity(ids, [bytes(b) for b in shapely.to_wkb(shrunk)], tolerance=5)
    n = len(ids)
    a, b = np.triu_indices(n, 1)
    close = shapely.distance(shrunk[a], shrunk[b]) <= 5
    expected = {(min(ids[i], ids[j]), max(ids[i], ids[j])) for i, j in zip(a[close], b[close])}
    got = pairs_of(w.neighbours())
    assert got == expected
    queen = pairs_of(pysal_queen)
    assert got <= queen
    assert len(got) >= 0.95 * len(queen)  # at most a few corner / sliver contacts lost
    lost = queen - got
    rook = pairs_of(pysal_rook)
    assert len(lost - rook) >= len(lost) - 1  # the losses are (nearly) all corner-only contacts
    assert w.notes == []


def test_overlapping_layer_is_fuzzy_contiguity(lsoa, pysal_queen):
    """Each polygon grown by 3 m, so neighbours overlap and share no vertex (libpysal's vertex-matching Queen
    finds nothing). Ours at tolerance 0 equals libpysal.fuzzy_contiguity(buffering=False) (intersects), which
    is the unbuffered queen set plus the pairs that were within 6 m of each other without touching."""
    ids, _, geoms = lsoa
    grown = shapely.buffer(geoms, 3)
    w = contiguity(ids, [bytes(b) for b in shapely.to_wkb(grown)], tolerance=0)
    frame = gpd.GeoDataFrame({"area_code": ids}, geometry=grown, index=ids)
    fuzzy = libpysal.weights.fuzzy_contiguity(frame, buffering=False)
    assert w.neighbours() == libpysal_sets(fuzzy)
    got, queen = pairs_of(w.neighbours()), pairs_of(pysal_queen)
    assert queen < got
    index = {c: k for k, c in enumerate(ids)}
    for p, q in got - queen:
        assert 0 < shapely.distance(geoms[index[p]], geoms[index[q]]) <= 6


# ------------------------------------------------------------------ representative points
def test_representative_points(lsoa):
    ids, wkbs, geoms = lsoa
    u_shape = shapely.Polygon([(0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3)])
    assert not u_shape.contains(u_shape.centroid)
    pts = representative_points([*wkbs, u_shape.wkb, shapely.Point(5, 6).wkb])
    assert pts.shape == (len(ids) + 2, 2)
    for k, g in enumerate([*geoms, u_shape]):
        c = g.centroid
        if g.contains(c):
            assert pts[k] == pytest.approx([c.x, c.y], abs=1e-6)
        else:
            assert g.contains(shapely.Point(pts[k]))
    assert pts[-1].tolist() == [5.0, 6.0]


# ------------------------------------------------------------------ k nearest neighbours
@pytest.mark.parametrize("k", [4, 8])
def test_knn_equals_libpysal_on_jittered_lattice(k):
    pts = jittered_points()
    ids = [f"p{i}" for i in range(len(pts))]
    w = knn(ids, pts, k)
    ref = libpysal.weights.KNN(pts, k=k, ids=ids)
    assert w.neighbours() == libpysal_sets(ref)
    assert (w.cardinalities == k).all() and w.kind == "knn"


@pytest.mark.parametrize("k", [4, 8])
def test_knn_equals_libpysal_on_wigan(lsoa, points, k):
    ids = lsoa[0]
    w = knn(ids, points, k)
    assert w.neighbours() == libpysal_sets(libpysal.weights.KNN(points, k=k, ids=ids))
    # asymmetric in general: i may be among j's nearest without j among i's
    m = w.matrix.toarray()
    assert (m != m.T).any()


def test_knn_errors():
    pts = jittered_points(3, 3)
    ids = [str(i) for i in range(9)]
    for k in (0, 9, 12):
        with pytest.raises(WeightsError, match="between 1 and 8"):
            knn(ids, pts, k)
    assert knn(ids, pts, 8).matrix.nnz == 72  # everyone else


# ------------------------------------------------------------------ distance bands
@pytest.mark.parametrize("threshold", [0.9, 1.5, 2.5])
def test_distance_band_equals_libpysal(threshold):
    pts = jittered_points()
    ids = [f"p{i}" for i in range(len(pts))]
    binary = distance_band(ids, pts, threshold)
    ref = libpysal.weights.DistanceBand(pts, threshold, binary=True, ids=ids, silence_warnings=True)
    assert binary.neighbours() == libpysal_sets(ref)
    assert binary.kind == "distance" and set(binary.matrix.data) == {1.0}
    inverse = distance_band(ids, pts, threshold, inverse=True)
    ref_inv = libpysal.weights.DistanceBand(pts, threshold, binary=False, alpha=-1.0, ids=ids,
                                            silence_warnings=True)
    assert inverse.kind == "inverse_distance"
    np.testing.assert_allclose(inverse.matrix.toarray(), ref_inv.full()[0], rtol=1e-12, atol=0)
    # and against plain geometry: 1 / distance for every pair within the band
    d = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    expected = np.where((d <= threshold) & (d > 0), 1 / np.where(d > 0, d, 1), 0)
    np.testing.assert_allclose(inverse.matrix.toarray(), expected, rtol=1e-12, atol=0)


def test_distance_band_on_wigan(lsoa, points):
    ids = lsoa[0]
    w = distance_band(ids, points, 1500.0, inverse=True, power=2.0)
    ref = libpysal.weights.DistanceBand(points, 1500.0, binary=False, alpha=-2.0, ids=ids, silence_warnings=True)
    np.testing.assert_allclose(w.matrix.toarray(), ref.full()[0], rtol=1e-12, atol=0)
    assert w.neighbours() == libpysal_sets(ref)


def test_distance_band_errors():
    pts = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 0.0]])
    for bad in (0, -5):
        with pytest.raises(WeightsError, match="positive"):
            distance_band(["a", "b", "c"], pts, bad)
    with pytest.raises(WeightsError, match="share a location"):
        distance_band(["a", "b", "c"], pts, 2.0, inverse=True)


# ------------------------------------------------------------------ transforms
def test_transforms_equal_libpysal(lsoa):
    ids, wkbs, _ = lsoa
    w = contiguity(ids, wkbs)
    ref = libpysal.weights.W({i: sorted(nb) for i, nb in w.neighbours().items()}, id_order=ids)
    ref.transform = "r"
    np.testing.assert_allclose(w.transformed("r").toarray(), ref.full()[0], rtol=1e-14, atol=0)
    ref.transform = "b"
    np.testing.assert_array_equal(w.transformed("b").toarray(), ref.full()[0])
    with pytest.raises(WeightsError, match="row-standardised"):
        w.transformed("v")


def test_row_standardising_leaves_islands_at_zero():
    ids, wkbs = lattice_squares(2, 2)
    ids.append("far")
    wkbs.append(shapely.box(10, 10, 11, 11).wkb)
    r = contiguity(ids, wkbs).transformed("r").toarray()
    assert np.isfinite(r).all()
    np.testing.assert_allclose(r.sum(axis=1), [1, 1, 1, 1, 0])


# ------------------------------------------------------------------ islands
@pytest.fixture(scope="module")
def with_islands(lsoa):
    """Wigan plus three offshore squares: two 100 m apart to the east (each other's nearest), one far south."""
    ids, wkbs, geoms = lsoa
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    extra = {"ISL_EAST_A": shapely.box(maxx + 5000, miny + 9000, maxx + 5200, miny + 9200),
             "ISL_EAST_B": shapely.box(maxx + 5300, miny + 9000, maxx + 5500, miny + 9200),
             "ISL_SOUTH": shapely.box(minx + 9000, miny - 4000, minx + 9300, miny - 3700)}
    all_ids = ids + list(extra)
    all_wkbs = wkbs + [g.wkb for g in extra.values()]
    return all_ids, all_wkbs, contiguity(all_ids, all_wkbs)


def test_islands_are_found(with_islands, pysal_queen):
    ids, _, w = with_islands
    assert w.islands == ["ISL_EAST_A", "ISL_EAST_B", "ISL_SOUTH"]
    assert w.notes == []  # 3 of 203 is not a broken layer
    assert {k: v for k, v in w.neighbours().items() if not k.startswith("ISL")} == pysal_queen


def test_islands_dropped(with_islands, pysal_queen):
    ids, _, w = with_islands
    out, keep = handle_islands(w, "drop")
    assert keep.tolist() == [not i.startswith("ISL") for i in ids]
    assert out.ids == [i for i in ids if not i.startswith("ISL")]
    assert out.matrix.shape == (len(ids) - 3, len(ids) - 3)
    assert out.neighbours() == pysal_queen
    assert out.islands == []
    assert len(out.notes) == 1 and out.notes[0].startswith("3 area(s) with no neighbour left out")
    assert all(i in out.notes[0] for i in ("ISL_EAST_A", "ISL_EAST_B", "ISL_SOUTH"))
    assert w.n == len(ids) and len(w.islands) == 3  # the input is left alone


def test_islands_joined_to_nearest(with_islands):
    ids, wkbs, w = with_islands
    pts = representative_points(wkbs)
    out, keep = handle_islands(w, "nearest", pts)
    assert keep.all() and out.ids == ids and out.islands == []
    before, after = w.neighbours(), out.neighbours()
    lonely = [ids.index(i) for i in w.islands]
    expected = {k: set(v) for k, v in before.items()}
    for i in lonely:  # brute-force nearest other area, by representative point
        j = brute_force_nearest(pts, i)
        expected[ids[i]].add(ids[j])
        expected[ids[j]].add(ids[i])
    assert after == expected
    assert after["ISL_EAST_A"] == {"ISL_EAST_B"} and after["ISL_EAST_B"] == {"ISL_EAST_A"}
    assert len(after["ISL_SOUTH"]) == 1 and not next(iter(after["ISL_SOUTH"])).startswith("ISL")
    m = out.matrix.toarray()
    assert (m == m.T).all() and set(np.unique(m)) == {0.0, 1.0}
    assert len(out.notes) == 1 and out.notes[0].startswith("3 area(s) with no neighbour joined")


def test_island_sharing_a_location_joins_the_other_area():
    """An island whose point coincides with another area's: the KD-tree may list the other area first, and the
    island must still join it, never itself."""
    from scipy import sparse

    chain = np.array([[0, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0]], dtype=float)
    w = Weights(["island", "a", "b", "c"], sparse.csr_matrix(chain), "queen")
    pts = np.array([[5.0, 5.0], [5.0, 5.0], [6.0, 5.0], [7.0, 5.0]])
    out, _ = handle_islands(w, "nearest", pts)
    assert out.neighbours() == {"island": {"a"}, "a": {"island", "b"}, "b": {"a", "c"}, "c": {"b"}}
    assert not out.matrix.diagonal().any()


def test_islands_policies_without_islands_change_nothing(lsoa):
    ids, wkbs, _ = lsoa
    w = contiguity(ids, wkbs)
    for policy in ("drop", "nearest"):
        out, keep = handle_islands(w, policy, representative_points(wkbs))
        assert out is w and keep.all() and w.notes == []


def test_islands_policy_errors(with_islands):
    _, _, w = with_islands
    with pytest.raises(WeightsError, match="'drop'ped"):
        handle_islands(w, "ignore")
    with pytest.raises(WeightsError, match="locations"):
        handle_islands(w, "nearest")


def test_subset():
    ids, wkbs = lattice_squares(3, 3)
    w = contiguity(ids, wkbs)
    keep = np.array([True, True, False, True, True, False, False, False, False])
    sub = w.subset(keep)
    assert sub.ids == ["0", "1", "3", "4"]
    assert sub.neighbours() == {k: v & set(sub.ids) for k, v in lat2w_sets(3, 3, rook=False).items()
                                if k in sub.ids}


def test_weights_dataclass():
    w = Weights(["a", "b"], contiguity(["a", "b"], [shapely.box(0, 0, 1, 1).wkb, shapely.box(1, 0, 2, 1).wkb])
                .matrix, "queen")
    assert w.n == 2 and w.neighbours() == {"a": {"b"}, "b": {"a"}}


def test_rook_at_tolerance_0_prints_no_gdal_warning():
    """Corners that touch meet in a point; its length is 0 without GDAL 3.7+'s warning `OGR_G_Length() called
    against a non-curve geometry type`, once per corner pair (issue 14)."""
    from osgeo import gdal

    ids, wkbs = lattice_squares(3, 3)
    said: list[str] = []
    gdal.PushErrorHandler(lambda level, number, message: said.append(message))
    try:
        w = contiguity(ids, wkbs, rook=True, tolerance=0)
    finally:
        gdal.PopErrorHandler()
    assert w.neighbours() == lat2w_sets(3, 3, rook=True)  # corner contacts exist and are left out
    assert said == []

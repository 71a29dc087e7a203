"""The rules behind print layouts that cannot be misread: scale-bar steps, which areas are named, which atlas pages
are left out, the siting page's words and credit, and the coverage curve running to 2p."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from osgeo import ogr

from lis_workbench.core.atlas_study import pages_with_data, skipped_note
from lis_workbench.core.labels import choose_label_geography, labels_wanted
from lis_workbench.core.scale_bar import nice_step, scale_bar_step
from lis_workbench.core.siting.plan import SitingPlan, run_plan
from lis_workbench.core.siting.study import DFE_SCHOOLS_CREDIT, filter_words, sites_credit

# ---------------------------------------------------------------- scale bar


@pytest.mark.parametrize("metres_per_mm, labels, bar_mm", [
    (150.0, ["0", "2", "4 km"], 4000 / 150),      # Wigan, whole borough on a 200 mm map (1:150,000)
    (40.0, ["0", "1", "2 km"], 50.0),             # 1:40,000: 50 mm hold 2 km exactly
    (20.0, ["0", "0.5", "1 km"], 50.0),           # 1:20,000: 0-500 m-1 km, labelled in km
    (15.0, ["0", "200", "400 m"], 400 / 15),      # an atlas page of a small ward
    (1.5, ["0", "20", "40 m"], 40 / 1.5),
])
def test_scale_bar_takes_nice_steps(metres_per_mm, labels, bar_mm):
    step = scale_bar_step(metres_per_mm, 200.0)
    assert step.labels() == labels
    assert step.bar_mm == pytest.approx(bar_mm)


@pytest.mark.parametrize("metres_per_mm", np.geomspace(0.7, 9000.0, 157))
def test_scale_bar_is_the_longest_nice_bar_that_fits(metres_per_mm):
    """Over scales from 1:700 to 1:9,000,000: each segment is 1, 2 or 5 x 10^n metres, the bar fits within
    50 mm (and 30% of a 200 mm map), and the next nice length up would not."""
    step = scale_bar_step(metres_per_mm, 200.0)
    mantissa = step.segment_m / 10 ** math.floor(math.log10(step.segment_m) + 1e-12)
    assert round(mantissa, 9) in (1.0, 2.0, 5.0)
    assert step.bar_mm <= 50.0 + 1e-9
    ladder = sorted(f * 10.0 ** e for e in range(-3, 9) for f in (1, 2, 5))
    bigger = next(s for s in ladder if s > step.segment_m * (1 + 1e-9))
    assert bigger * step.segments / metres_per_mm > 50.0
    assert step.unit == ("km" if step.segment_m * step.segments >= 1000 else "m")


def test_scale_bar_keeps_to_a_narrow_map():
    step = scale_bar_step(20.0, 60.0)  # 30% of 60 mm = 18 mm = 360 m: two segments of 100 m
    assert step.labels() == ["0", "100", "200 m"] and step.bar_mm == pytest.approx(10.0)
    assert nice_step(7.0) == 5.0 and nice_step(0.3) == pytest.approx(0.2) and nice_step(1000.0) == 1000.0
    with pytest.raises(ValueError):
        scale_bar_step(0.0, 200.0)


# ---------------------------------------------------------------- place names


def test_labels_on_by_default_in_atlases_off_on_single_maps():
    assert labels_wanted(None, "atlas") and labels_wanted(None, "publish") and not labels_wanted(None, "map")
    assert labels_wanted(True, "map") and not labels_wanted(False, "atlas")


def test_dense_geographies_are_named_by_their_wards_or_not_at_all():
    assert choose_label_geography("ward23", 25).geography == "ward23"
    wards = choose_label_geography("lsoa11", 200, [("ward23", 25), ("lad23", 1)])
    assert wards.geography == "ward23" and "200 areas of lsoa11" in wards.note
    # Greater Manchester: 215 wards are too many as well; its ten boroughs name the map
    assert choose_label_geography("lsoa11", 1673, [("ward23", 215), ("lad23", 10)]).geography == "lad23"
    none = choose_label_geography("lsoa11", 200, [("lad23", 1)])
    assert none.geography is None and none.note.startswith("Not labelled")


# ---------------------------------------------------------------- atlas pages without data


def _square(x0: float, y0: float, x1: float, y1: float) -> bytes:
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)):
        ring.AddPoint_2D(x, y)
    polygon = ogr.Geometry(ogr.wkbPolygon)
    polygon.AddGeometry(ring)
    return bytes(polygon.ExportToWkb())


def test_pages_whose_area_has_no_data_are_left_out():
    """Four 1 km square pages side by side (x 0-1, 1-2, 2-3, 3-4 km) and four valued-or-not squares, the
    overlaps worked out by hand below."""
    pages = pd.DataFrame({"area_code": ["A", "B", "C", "D"], "area_name": ["a", "b", "c", "d"],
                          "geometry": [_square(k * 1000, 0, (k + 1) * 1000, 1000) for k in range(4)]})
    values = pd.DataFrame({
        "area_code": ["v1", "v2", "v3", "v4"],
        "value": [1.0, np.nan, 2.0, 3.0],
        "geometry": [_square(100, 100, 900, 900),        # inside A
                     _square(1100, 100, 1900, 900),      # inside B, no value
                     _square(1950, 0, 2950, 1000),       # 5% of it in B, 95% in C
                     _square(3400, 400, 3500, 500)],     # 1% of D, wholly inside it
    })
    keep = pages_with_data(pages, values)
    # A: v1 inside. B: v3 covers 50 x 1000 m = 5% of B, under 10%, and has only 5% of itself there: no data.
    # C: v3 covers 95% of it. D: v4 covers 1% of D but lies wholly inside it.
    assert keep.tolist() == [True, False, True, True]
    assert pages_with_data(pages, values.assign(value=np.nan)).tolist() == [False] * 4
    same = pd.DataFrame({"area_code": ["A", "B"], "value": [np.nan, 4.0]})  # one geography: codes decide
    assert pages_with_data(pages.iloc[:2], same).tolist() == [False, True]


def test_the_note_names_the_pages_left_out():
    assert skipped_note([], 25) == ""
    note = skipped_note([f"Ward {i:02d}" for i in range(15)], 25)
    assert note.startswith("Left out 15 of 25 areas") and "Ward 00" in note and note.endswith("and 3 more.")


# ---------------------------------------------------------------- siting words


@pytest.mark.parametrize("expression, words", [
    ("education_phase = 'Primary'", "education phase is Primary"),
    ("education_phase = 'Primary' AND number_of_pupils >= 200",
     "education phase is Primary and number of pupils is at least 200"),
    ("\"phase\" IN ('Primary', 'Nursery')", "phase is Primary or Nursery"),
    ("name = 'Rose and Crown' or size < 5", "name is Rose and Crown or size is below 5"),
    ("upper(phase) = 'PRIMARY'", "a filter on their attributes"),
    (None, ""),
])
def test_filters_are_said_in_words_not_sql(expression, words):
    assert filter_words(expression) == words


def test_schools_are_credited_to_the_dfe():
    assert sites_credit("Schools and nurseries (GIAS, open establishments)", ["urn"]) == DFE_SCHOOLS_CREDIT
    assert sites_credit("Candidate sites", ["urn", "education_phase", "x"]) == DFE_SCHOOLS_CREDIT
    assert sites_credit("Libraries", ["name"]) == ""
    assert "Department for Education" in DFE_SCHOOLS_CREDIT and "Get Information About Schools" in DFE_SCHOOLS_CREDIT


def test_siting_study_page_names_the_filter_in_words_and_credits_the_dfe(sample_store_path):
    from lis_workbench.core.siting.study import SitingStudy, run_study
    from lis_workbench.core.store import Store

    study = SitingStudy(demand="pop2016_age_0_4", candidates="schools", p=2, radius=1500.0,
                        need="imd2019_imd_decile<=3", candidates_filter="education_phase = 'Primary'", curve=False)
    with Store.open(sample_store_path) as store:
        done = run_study(store, study)
    assert "education_phase" not in done.provenance and "'Primary'" not in done.provenance
    assert "where education phase is Primary" in done.provenance
    assert DFE_SCHOOLS_CREDIT in done.source and done.source.startswith("ONS")


# ---------------------------------------------------------------- the coverage curve to 2p


def _brute_covered(cover: np.ndarray, weights: np.ndarray, k: int) -> float:
    return max((float(weights[cover[:, list(c)].any(axis=1)].sum()) if c else 0.0)
               for c in itertools.combinations(range(cover.shape[1]), k))


def _line(n_demand: int, sites_x: list[float]):
    demand = pd.DataFrame({"area_code": [f"a{i}" for i in range(n_demand)],
                           "weight": np.arange(1, n_demand + 1, dtype=float),
                           "x": np.arange(n_demand) * 1000.0, "y": 0.0})
    sites = pd.DataFrame({"site_id": [f"s{j}" for j in range(len(sites_x))], "x": sites_x, "y": 0.0,
                          "existing": False})
    return demand, sites


def test_coverage_curve_runs_to_twice_p():
    """Ten areas 1 km apart on a line, a site at each: with a 600 m reach each site reaches one area, so every
    extra site adds and the curve runs to 2p = 6, each point the brute-force best."""
    demand, sites = _line(10, [j * 1000.0 for j in range(10)])
    outcome = run_plan(SitingPlan(model="mclp", p=3, radius=600.0), demand, sites)
    curve = outcome.curve
    assert curve["new_sites"].tolist() == list(range(7))
    cover = np.abs(demand["x"].to_numpy()[:, None] - sites["x"].to_numpy()[None, :]) <= 600.0
    weights = demand["weight"].to_numpy()
    assert curve["covered_demand"].tolist() == [_brute_covered(cover, weights, k) for k in range(7)]
    assert curve.attrs["chosen"] == 3


def test_coverage_curve_stops_when_sites_stop_adding():
    """Four areas reachable by two sites (one each side), others candidates reach nothing new: past p = 2 the
    next site adds nothing, and the curve stops there instead of repeating a flat line to 4."""
    demand, sites = _line(4, [500.0, 2500.0, 1500.0, 2000.0])
    outcome = run_plan(SitingPlan(model="mclp", p=2, radius=600.0), demand, sites)
    curve = outcome.curve
    assert curve["new_sites"].tolist() == [0, 1, 2, 3]
    assert curve["covered_share"].iloc[2] == pytest.approx(1.0) and curve["covered_share"].iloc[3] == pytest.approx(1.0)

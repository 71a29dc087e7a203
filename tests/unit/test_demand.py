"""Demand and sites for siting (core/demand.py): need rules, weights, locations, duplicate and far-away sites."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from osgeo import ogr

from lis_workbench.core.errors import LisError
from lis_workbench.core.siting.demand import DemandError, NeedRule, demand_table, sites_table, within_study_area


def _square(x0, y0, size=100.0) -> bytes:
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for x, y in ((x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size), (x0, y0)):
        ring.AddPoint_2D(x, y)
    poly = ogr.Geometry(ogr.wkbPolygon)
    poly.AddGeometry(ring)
    return bytes(poly.ExportToIsoWkb())


@pytest.mark.parametrize("text, op, threshold", [("imd2019_imd_decile<=3", "<=", 3.0), (" decile >= 8 ", ">=", 8.0),
                                                 ("score", None, None), ("x=2", "==", 2.0), ("x<-1.5", "<", -1.5)])
def test_need_rules_parse(text, op, threshold):
    rule = NeedRule.parse(text)
    assert (rule.op, rule.threshold) == (op, threshold)


@pytest.mark.parametrize("text", ["", "decile <=", "<= 3", "a b", "decile << 3"])
def test_bad_need_rules_are_explained(text):
    with pytest.raises(LisError, match="not understood"):
        NeedRule.parse(text)


def test_demand_weights_follow_the_rule_and_missing_need_counts_as_not_in_need():
    values = pd.DataFrame({"area_code": ["A", "B", "C", "D"], "value": [10, 20, np.nan, 40]})
    need = pd.DataFrame({"area_code": ["A", "B", "C"], "value": [1, 5, 2]})
    polygons = {c: _square(i * 100, 0) for i, c in enumerate("ABCD")}
    table = demand_table(values, need, NeedRule.parse("d<=3"), None, polygons)
    assert table["weight"].tolist() == [10, 0, 0, 0]  # B not in need, C no count, D no need value
    assert table["base"].tolist() == [10, 20, 0, 40]
    assert table.attrs["missing_counts"] == 1 and table.attrs["need_unmatched"] == 1
    assert table[["x", "y"]].to_numpy().tolist() == [[50, 50], [150, 50], [250, 50], [350, 50]]
    scored = demand_table(values, need, NeedRule.parse("d"), None, polygons)
    assert scored["weight"].tolist() == [10, 100, 0, 0]


def test_given_centroids_win_over_polygon_centres():
    values = pd.DataFrame({"area_code": ["A", "B"], "value": [1, 2]})
    centroids = pd.DataFrame({"area_code": ["A"], "x": [7.0], "y": [8.0]})
    table = demand_table(values, centroids=centroids, polygons={"A": _square(0, 0), "B": _square(100, 0)})
    assert table[["x", "y"]].to_numpy().tolist() == [[7, 8], [150, 50]]
    with pytest.raises(DemandError, match="no location"):
        demand_table(values, centroids=centroids)


def test_negative_demand_is_refused():
    with pytest.raises(DemandError, match="negative for area B"):
        demand_table(pd.DataFrame({"area_code": ["A", "B"], "value": [1, -2]}),
                     polygons={"A": _square(0, 0), "B": _square(100, 0)})


def test_sites_existing_first_duplicates_once():
    candidates = pd.DataFrame({"area_code": ["s1", "s2", "s2", "s3"], "area_name": list("abcd"),
                               "x": [0, 10, 10, 500], "y": [0, 0, 0, 0]})
    existing = pd.DataFrame({"area_code": ["e1"], "area_name": ["lib"], "x": [500.0], "y": [0.0]})
    sites = sites_table(candidates, existing)
    assert sites["site_id"].tolist() == ["e1", "s1", "s2"]  # s3 sits on e1; s2 listed twice
    assert sites["existing"].tolist() == [True, False, False]
    assert sites.attrs["duplicates_dropped"] == 2


def test_ids_shared_by_two_layers_lose_no_site():
    """Two layers each numbered from 1 (e.g. libraries existing, GP practices as candidates): every site stays."""
    candidates = pd.DataFrame({"area_code": ["1", "2", "3"], "area_name": ["gp a", "gp b", "gp c"],
                               "x": [0.0, 100.0, 200.0], "y": [0.0, 0.0, 0.0]})
    existing = pd.DataFrame({"area_code": ["1", "2"], "area_name": ["lib a", "lib b"], "x": [900.0, 950.0],
                             "y": [0.0, 0.0]})
    sites = sites_table(candidates, existing)
    assert sites["site_id"].tolist() == ["existing 1", "existing 2", "candidate 1", "candidate 2", "3"]
    assert sites["name"].tolist() == ["lib a", "lib b", "gp a", "gp b", "gp c"]
    assert sites.attrs["duplicates_dropped"] == 0 and sites.attrs["ids_kept_apart"] == 2


def test_sites_need_candidates_and_capacities():
    with pytest.raises(DemandError, match="no candidate sites"):
        sites_table(pd.DataFrame(columns=["area_code", "x", "y"]))
    frame = pd.DataFrame({"area_code": ["a", "b"], "x": [0, 1], "y": [0, 1], "places": ["30", ""]})
    with pytest.raises(DemandError, match="Site b has no capacity"):
        sites_table(frame, capacity_field="places")
    with pytest.raises(DemandError, match="no capacity field 'seats'"):
        sites_table(frame, capacity_field="seats")


def test_sites_outside_the_study_area_are_dropped_or_refused():
    demand = pd.DataFrame({"x": [0.0, 1000.0], "y": [0.0, 0.0]})
    sites = sites_table(pd.DataFrame({"area_code": ["near", "far"], "x": [1500.0, 9000.0], "y": [0.0, 0.0]}))
    kept = within_study_area(sites, demand, 2000.0)
    assert kept["site_id"].tolist() == ["near"] and kept.attrs["outside_dropped"] == 1
    with pytest.raises(DemandError, match="None of the candidate sites"):
        within_study_area(sites, demand, 100.0)

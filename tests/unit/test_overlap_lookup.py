"""Overlap lookups between two editions of a geography (LSOA 2011 -> 2021): hand-drawn squares with known shares,
Greater Manchester's real boundaries checked against a geopandas overlay and against ONS's coding rule (an LSOA keeps
its code in 2021 only if unchanged), the Wigan sample's lookup, and aggregation through a split."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from osgeo import ogr
from unit_helpers import REPO, geojson_codes, run_lis, write_text

from lis_workbench.core.errors import GeographyError, LisError
from lis_workbench.core.geography import aggregate, overlap_lookup
from lis_workbench.core.recipe import weights_from_file

GM = REPO.parent / "shared" / "data" / "greater_manchester" / "boundaries"


def _box(x0, y0, x1, y1) -> bytes:
    return ogr.CreateGeometryFromWkt(f"POLYGON(({x0} {y0},{x1} {y0},{x1} {y1},{x0} {y1},{x0} {y0}))").ExportToWkb()


# Old edition: A is split 40/60 into A1, A2; B and C merge into BC; D is unchanged but its new boundary is drawn
# 1 m off (a generalisation sliver); E and F are redrawn so that F2 takes part of E and all of F.
OLD = {"A": _box(0, 0, 100, 100), "B": _box(100, 0, 150, 100), "C": _box(150, 0, 200, 100),
       "D": _box(200, 0, 300, 100), "E": _box(300, 0, 400, 100), "F": _box(400, 0, 500, 100)}
NEW = {"A1": _box(0, 0, 40, 100), "A2": _box(40, 0, 100, 100), "BC": _box(100, 0, 201, 100),
       "D": _box(201, 0, 300, 100), "E1": _box(300, 0, 350, 100), "F2": _box(350, 0, 500, 100)}


def _weights(result, code) -> dict:
    rows = result.pairs[result.pairs["from_code"] == code]
    return dict(zip(rows["to_code"], rows["weight"]))


def test_squares_split_merge_unchanged_and_redrawn():
    result = overlap_lookup(OLD, NEW)
    assert result.change.to_dict() == {"A": "S", "B": "M", "C": "M", "D": "U", "E": "X", "F": "X"}
    assert result.counts() == {"unchanged": 1, "split": 1, "merged": 2, "redrawn": 2}
    assert _weights(result, "A") == pytest.approx({"A1": 0.4, "A2": 0.6})
    assert _weights(result, "B") == {"BC": 1.0} and _weights(result, "C") == {"BC": 1.0}
    assert _weights(result, "D") == {"D": 1.0}  # the 1 m sliver of D inside BC is dropped ...
    assert result.slivers == 1  # ... and counted
    assert _weights(result, "E") == pytest.approx({"E1": 0.5, "F2": 0.5})
    assert _weights(result, "F") == {"F2": 1.0}
    sums = result.pairs.groupby("from_code")["weight"].sum()
    np.testing.assert_allclose(sums, 1.0)
    assert result.unmatched == [] and result.unreached == []


def test_population_weights_share_a_split_by_people():
    result = overlap_lookup(OLD, NEW, {"A1": 300.0, "A2": 100.0, "BC": 50.0, "D": 10.0, "E1": 0.0, "F2": 20.0})
    assert result.weighting == "population of the new areas"
    assert _weights(result, "A") == pytest.approx({"A1": 0.75, "A2": 0.25})
    # E: E1 (all inside E, 0 people) and a third of F2 (20 people) -> all of E's people go to F2
    assert _weights(result, "E") == pytest.approx({"E1": 0.0, "F2": 1.0})
    assert result.fallback == []
    land = overlap_lookup(OLD, NEW, {"A1": 0.0, "A2": 0.0, "BC": 1.0, "D": 1.0, "E1": 1.0, "F2": 1.0})
    assert land.fallback == ["A"] and _weights(land, "A") == pytest.approx({"A1": 0.4, "A2": 0.6})


def test_unmatched_unreached_and_errors():
    old = dict(OLD, Z=_box(900, 900, 950, 950))
    new = dict(NEW, N=_box(-500, -500, -400, -400))
    result = overlap_lookup(old, new)
    assert result.unmatched == ["Z"] and result.unreached == ["N"]
    with pytest.raises(GeographyError, match="the new geography has no areas"):
        overlap_lookup(OLD, {})
    with pytest.raises(GeographyError, match="no area of the old geography overlaps"):
        overlap_lookup({"Q": _box(1e6, 1e6, 1e6 + 10, 1e6 + 10)}, NEW)
    with pytest.raises(GeographyError, match="name none of the new areas"):
        overlap_lookup(OLD, NEW, {"A": 1.0, "B": 2.0})
    with pytest.raises(GeographyError, match="share between 0 and 1"):
        overlap_lookup(OLD, NEW, min_share=1.5)


@pytest.mark.skipif(not GM.is_dir(), reason="Greater Manchester boundaries (../shared/data) are absent")
def test_greater_manchester_against_geopandas_and_ons_codes():
    import geopandas as gpd

    old = gpd.read_file(GM / "gm_lsoa11_bgc.geojson").to_crs(27700)
    new = gpd.read_file(GM / "gm_lsoa21_bgc.geojson").to_crs(27700)
    result = overlap_lookup(dict(zip(old["area_code"], old.geometry.to_wkb())),
                            dict(zip(new["area_code"], new.geometry.to_wkb())))
    # ONS keeps an LSOA's code in 2021 only when its boundary is unchanged; split and merged areas get new codes.
    kept_codes = set(old["area_code"]) & set(new["area_code"])
    unchanged = set(result.change.index[result.change == "U"])
    assert unchanged == kept_codes
    changed = result.pairs[~result.pairs["from_code"].isin(unchanged)]
    assert set(changed["from_code"]) == set(old["area_code"]) - kept_codes
    assert set(changed["to_code"]) == set(new["area_code"]) - kept_codes
    assert result.unmatched == [] and result.unreached == []
    # land shares of each kept overlap, from an independent overlay
    overlay = gpd.overlay(old[["area_code", "geometry"]].rename(columns={"area_code": "f"}),
                          new[["area_code", "geometry"]].rename(columns={"area_code": "t"}), keep_geom_type=True)
    overlay["share"] = overlay.area / overlay["f"].map(old.set_index("area_code").area)
    reference = overlay.set_index(["f", "t"])["share"]
    ours = result.pairs.set_index(["from_code", "to_code"])["from_share"]
    np.testing.assert_allclose(ours.to_numpy(), reference.reindex(ours.index).to_numpy(), atol=1e-6)
    dropped = reference.drop(ours.index)
    assert dropped.max() < 0.05  # every overlap left out is a sliver


def test_wigan_sample_lookup_is_one_to_one(wigan):
    """Wigan's LSOAs did not change in 2021: the two boundary files hold the same 200 codes."""
    codes = geojson_codes("wigan_lsoa11_bgc.geojson")
    assert codes == geojson_codes("wigan_lsoa21_bgc.geojson") and len(codes) == 200
    lookup = wigan.lookup("lsoa11_lsoa21")
    assert len(lookup) == 200 and (lookup["from_code"] == lookup["to_code"]).all()
    assert (lookup["weight"] == 1.0).all()
    row = wigan.lookups().set_index("name").loc["lsoa11_lsoa21"]
    assert row["method"] == "overlap" and "200 unchanged" in row["source"]


def test_aggregating_through_a_split_apportions_counts_and_carries_ranks():
    lookup = overlap_lookup(OLD, NEW, {"A1": 300.0, "A2": 100.0, "BC": 50.0, "D": 10.0, "E1": 5.0, "F2": 20.0})
    values = pd.DataFrame({"area_code": list("ABCDEF"), "value": [80.0, 10.0, 20.0, 7.0, 40.0, 60.0]})
    counts = aggregate(values, lookup.pairs, "count").set_index("area_code")["value"]
    # by hand: A's 80 by people 3:1; E's 40 by people in E1 (5, all inside E) and a third of F2 (20/3)
    e_to_e1 = 5 / (5 + 20 / 3)
    expected = {"A1": 60.0, "A2": 20.0, "BC": 30.0, "D": 7.0, "E1": 40 * e_to_e1, "F2": 40 * (1 - e_to_e1) + 60}
    assert counts.to_dict() == pytest.approx(expected)
    assert counts.sum() == pytest.approx(values["value"].sum())  # nobody lost or double counted
    ranks = aggregate(values, lookup.pairs, "rank", area_label="LSOA").set_index("area_code")
    assert ranks.loc["A1", "value"] == ranks.loc["A2", "value"] == 80.0  # a split area keeps its rank
    assert ranks.loc["D", "value"] == 7.0 and "carried over" in ranks.loc["D", "method"]
    assert np.isnan(ranks.loc["BC", "value"]) and ranks.loc["BC", "method"].startswith("not aggregable")
    assert ranks.loc["BC", "incomplete"] == 2


def test_weights_file_sums_rows_and_names_bad_cells(tmp_path):
    good = write_text(tmp_path / "pop.csv", "code,group,people\nX,a,10\nX,b,5\nY,a,7\n")
    assert weights_from_file(good, "code", "people").to_dict() == {"X": 15.0, "Y": 7.0}
    bad = write_text(tmp_path / "bad.csv", "code,group,people\nX,a,10\nY,b,lots\n")
    with pytest.raises(LisError, match=r"bad.csv, row 3, column people: 'lots' is not a count"):
        weights_from_file(bad, "code", "people")
    with pytest.raises(LisError, match="has no column.*persons"):
        weights_from_file(good, "code", "persons")


def test_lis_lookup_overlap_and_aggregate_a_rank(built_stores, tmp_path: Path):
    store = tmp_path / "store.gpkg"
    shutil.copyfile(built_stores("gpkg"), store)
    done = run_lis("lookup", "overlap", str(store), "again", "--from", "lsoa11", "--to", "lsoa21",
                   "--weights", "census2021_aged_15_years_and_under")
    assert done.returncode == 0, done.stderr
    assert "by population of the new areas): 200 unchanged, 0 split, 0 merged, 0 redrawn" in done.stdout
    wrong = run_lis("lookup", "overlap", str(store), "again2", "--from", "lsoa11", "--to", "lsoa21",
                    "--weights", "pop2016_total")
    assert wrong.returncode == 1 and "is on lsoa11: give the population of the new areas" in wrong.stderr
    carried = run_lis("aggregate", str(store), "imd2019_imd_decile", "--lookup", "lsoa11_lsoa21",
                      "--save-as", "imd2019_decile_lsoa21")
    assert carried.returncode == 0, carried.stderr
    refused = run_lis("aggregate", str(store), "imd2019_imd_decile", "--lookup", "lsoa11_ward23")
    assert refused.returncode == 1 and "cannot be aggregated" in refused.stderr
    from lis_workbench.core.store import Store

    with Store.open(store) as opened:
        before = opened.get_values("imd2019_imd_decile").set_index("area_code")["value"]
        after = opened.get_values("imd2019_decile_lsoa21").set_index("area_code")["value"]
        assert opened.indicator("imd2019_decile_lsoa21")["geography"] == "lsoa21"
    pd.testing.assert_series_equal(after.sort_index(), before.sort_index(), check_names=False)

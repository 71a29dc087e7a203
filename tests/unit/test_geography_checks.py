"""Boundaries that would be stored wrong are refused: no CRS, degrees called metres, areas outside Great Britain,
and a replacement that would orphan values and lookups (unless pruned, in the same transaction)."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Polygon
from unit_helpers import SAMPLE, store_state

from lis_workbench.core.errors import GeographyError
from lis_workbench.core.ingest import ImportSpec, import_file
from lis_workbench.core.profile import build_profiles
from lis_workbench.core.store import Store

WARDS = SAMPLE / "wigan_wards_2023_bgc.geojson"


def _shapefile_without_prj(tmp_path, crs: int):
    """The 2023 wards as a shapefile in `crs`, with its .prj deleted (as partners often send them)."""
    wards = gpd.read_file(WARDS).to_crs(crs)
    path = tmp_path / "wards_no_prj.shp"
    wards[["area_code", "area_name", "geometry"]].to_file(path)
    path.with_suffix(".prj").unlink()
    return path


def test_source_without_crs_is_refused_unless_given(kind, store_path, tmp_path):
    """Issue 12, case 3: degrees without a .prj were stored as British National Grid (every ward within metres of
    the grid origin)."""
    source = _shapefile_without_prj(tmp_path, 4326)
    before = store_state(store_path)
    with Store.open(store_path) as store:
        with pytest.raises(GeographyError) as info:
            store.add_geography("wards_partner", str(source))
        assert "coordinate reference system" in str(info.value) and info.value.option == "crs"
        # saying the wrong CRS is caught too: these numbers are degrees, not metres
        with pytest.raises(GeographyError) as info:
            store.add_geography("wards_partner", str(source), crs="EPSG:27700")
        message = str(info.value)
        assert "degrees" in message and "-2.7" in message and info.value.option == "crs"
    assert store_state(store_path) == before
    with Store.open(store_path) as store:
        report = store.add_geography("wards_partner", str(source), crs="EPSG:4326")
        stored = store.areas("wards_partner")
    assert report.feature_count == 25
    # the stored areas are where geopandas puts the wards in British National Grid (to well within a metre)
    from shapely import wkb

    reference = gpd.read_file(WARDS).to_crs(27700).set_index("area_code").geometry
    for code, blob in zip(stored["area_code"], stored["geometry"]):
        ours = wkb.loads(bytes(blob))
        assert ours.symmetric_difference(reference[code]).area < 1.0, code
        assert abs(ours.centroid.x - reference[code].centroid.x) < 0.01


def test_polygon_outside_great_britain_is_refused_with_its_bounds(kind, store_path, tmp_path):
    """A polygon in Australia was reprojected to British National Grid without a word."""
    sydney = Polygon([(151.0, -33.9), (151.3, -33.9), (151.3, -33.7), (151.0, -33.7)])
    frame = gpd.GeoDataFrame({"area_code": ["AU1"], "area_name": ["Sydney"]}, geometry=[sydney], crs=4326)
    path = tmp_path / "australia.geojson"
    frame.to_file(path, driver="GeoJSON")
    before = store_state(store_path)
    with Store.open(store_path) as store:
        with pytest.raises(GeographyError) as info:
            store.add_geography("overseas", str(path))
    message = str(info.value)
    assert "outside Great Britain" in message and "feature 1" in message
    assert "700,000" in message and "1,300,000" in message  # the extent it should be in
    assert store_state(store_path) == before


def test_facilities_outside_great_britain_are_refused(kind, store_path):
    import pandas as pd

    frame = pd.DataFrame({"name": ["Town hall", "Swapped"], "lon": [-2.63, 53.54], "lat": [53.54, -2.63]})
    with Store.open(store_path) as store, pytest.raises(GeographyError) as info:
        store.add_points("swapped", frame, "lon", "lat", crs_epsg=4326, name_field="name")
    assert "row 3" in str(info.value) and "outside Great Britain" in str(info.value)


def _wards_without(tmp_path, dropped: int):
    wards = gpd.read_file(WARDS).sort_values("area_code")
    kept = wards.iloc[dropped:]
    path = tmp_path / f"wards_minus_{dropped}.geojson"
    kept.to_file(path, driver="GeoJSON")
    return path, sorted(wards["area_code"].iloc[:dropped])


def test_replace_dropping_codes_in_use_is_refused_listing_them(kind, store_path, tmp_path):
    """Issue 12, case 4: a replacement lacking codes in use orphaned 16,066 values and the lookups; profiles were
    still made for the missing wards."""
    path, dropped = _wards_without(tmp_path, 3)
    before = store_state(store_path)
    with Store.open(store_path) as store:
        with pytest.raises(GeographyError) as info:
            store.add_geography("ward23", str(path), replace=True)
    message = str(info.value)
    assert info.value.option == "prune"
    assert all(code in message for code in dropped)
    assert "lsoa11_ward23" in message  # the lookup that uses them
    assert "Nothing was changed" in message
    assert store_state(store_path) == before


def test_replace_with_prune_removes_their_values_and_lookup_rows_in_one_go(kind, store_path, tmp_path):
    path, dropped = _wards_without(tmp_path, 3)
    wards = sorted(gpd.read_file(WARDS)["area_code"])
    partner = tmp_path / "ward_counts.csv"
    partner.write_text("ward_code,period,ward_count\n" + "".join(f"{c},2024,{i}\n" for i, c in enumerate(wards)))
    with Store.open(store_path) as store:
        import_file(store, str(partner), ImportSpec(layout="wide"))
        touching = store.lookups().query("from_geography == 'ward23' or to_geography == 'ward23'")
        assert set(touching["name"]) == {"lsoa11_ward23", "ward22_ward23"}
        before = {name: store.lookup(name) for name in touching["name"]}
        report = store.add_geography("ward23", str(path), replace=True, prune=True)
        assert report.feature_count == 22
        assert report.pruned["codes"] == dropped
        # exactly the rows pointing at the dropped wards are gone (pandas on the lookups read before)
        expected_counts = {}
        for name, rows in before.items():
            gone = rows["to_code"].isin(dropped)
            expected_counts[name] = int(gone.sum())
            assert store.lookup(name).reset_index(drop=True).equals(rows[~gone].reset_index(drop=True)), name
        assert report.pruned["lookups"] == expected_counts
        assert report.pruned["values"] == {"ward_count": 3}
        left = store.get_values("ward_count")
        assert sorted(left["area_code"]) == wards[3:] and store.indicator("ward_count")["row_count"] == 22
        assert sorted(store.area_codes("ward23")) == sorted(set(gpd.read_file(WARDS)["area_code"]) - set(dropped))
        profiles = build_profiles(store, ["pop2016_total"], geography="ward23", lookup="lsoa11_ward23")
        assert len(profiles) == 22
        audit = store.audit().iloc[-1]
        assert audit["action"] == "add_geography" and "pruned" in audit["message"]

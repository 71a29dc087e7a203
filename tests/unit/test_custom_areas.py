"""Custom areas (issue 18): neighbourhoods made of LSOAs, stored as a geography with its lookup and definition, then
aggregated by `lis aggregate`; every number checked against a GeoPandas dissolve + sum computed here from the source
files (the CSV of codes, the sample CSVs, the boundary GeoJSON), never against the engine. On Greater Manchester
(../shared/data, skipped without it) the 215 wards of 2023 are rebuilt from the 1,673 LSOAs of 2011 through
--from-layer, by population-weighted centroid and by overlap, against GeoPandas spatial joins and overlays."""

from __future__ import annotations

import getpass
import shutil

import numpy as np
import pandas as pd
import pytest
from unit_helpers import REPO, SAMPLE, read_layer, rows, run_lis, sample_csv, write_text

from lis_workbench.core.custom_areas import WHOLE_SHARE, add_custom_areas
from lis_workbench.core.errors import StoreError
from lis_workbench.core.store import Store

GM = REPO.parent / "shared" / "data" / "greater_manchester"
CENTROIDS = REPO.parent / "shared" / "data" / "england" / "lsoa2011_centroids_england_wales.csv.gz"
#: three neighbourhoods: the LSOAs of MSOAs Wigan 001, 002 and 003 (LSOA names are MSOA name + a letter)
HOODS = {"Wigan 001": "Standish North", "Wigan 002": "Shevington", "Wigan 003": "Standish South"}


@pytest.fixture(scope="module")
def lsoas():
    """The Wigan LSOA 2011 boundaries in British National Grid, read with GeoPandas from the sample GeoJSON."""
    import geopandas as gpd

    return gpd.read_file(SAMPLE / "wigan_lsoa11_bgc.geojson").to_crs(27700)


@pytest.fixture
def hoods_csv(tmp_path, lsoas):
    frame = lsoas[lsoas["area_name"].str[:-1].isin(HOODS)]
    table = pd.DataFrame({"code": frame["area_code"], "name": frame["area_name"].str[:-1].map(HOODS)})
    assert table["name"].nunique() == 3 and len(table) >= 12
    path = tmp_path / "hoods.csv"
    table.to_csv(path, index=False)
    return path


@pytest.fixture
def copy(sample_store_path, tmp_path):
    """A private copy of the Wigan sample store (GeoPackage)."""
    target = tmp_path / "wigan.gpkg"
    shutil.copyfile(sample_store_path, target)
    return target


def _aggregated(store, indicator: str, lookup: str, tmp_path, *extra: str) -> pd.Series:
    out = tmp_path / f"{indicator}.csv"
    done = run_lis("aggregate", store, indicator, "--lookup", lookup, "--csv", out, *extra)
    assert done.returncode == 0, done.stderr
    return pd.read_csv(out).set_index("area_code")["value"]


def test_neighbourhoods_from_codes_aggregate_like_a_geopandas_dissolve(copy, hoods_csv, lsoas, tmp_path):
    done = run_lis("areas", "add", copy, "hoods", "--codes", hoods_csv)
    assert done.returncode == 0, done.stderr
    assert "lookup lsoa11_hoods" in done.stdout
    codes = pd.read_csv(hoods_csv)
    income = sample_csv("wigan_imd2019_indicators.csv").set_index("lsoa11_code")["income_domain_numerator"]
    people = sample_csv("wigan_imd2019_file6_population_denominators.csv", thousands=",").set_index(
        "LSOA code (2011)")["Total population: mid 2015 (excluding prisoners)"]
    merged = lsoas.merge(codes, left_on="area_code", right_on="code")
    merged["income"] = merged["code"].map(income)
    merged["people"] = merged["code"].map(people)
    dissolved = merged[["name", "income", "people", "geometry"]].dissolve(by="name", aggfunc="sum")
    for indicator, column in (("iod2019_income_numerator", "income"), ("pop2015_total", "people")):
        got = _aggregated(copy, indicator, "lsoa11_hoods", tmp_path)
        assert sorted(got.index) == sorted(HOODS.values())
        np.testing.assert_array_equal(got.reindex(dissolved.index).to_numpy(), dissolved[column].to_numpy())
    # a proportion without numerators: the population-weighted mean, as pandas makes it
    post16 = sample_csv("wigan_imd2019_indicators.csv").set_index("lsoa11_code")[
        "staying_on_in_education_post_16_indicator"]
    merged["post16"] = merged["code"].map(post16) * merged["people"]
    mean = merged.groupby("name")["post16"].sum() / merged.groupby("name")["people"].sum()
    got = _aggregated(copy, "iod2019_staying_on_post16", "lsoa11_hoods", tmp_path, "--population", "pop2015_total")
    np.testing.assert_allclose(got.reindex(mean.index).to_numpy(), mean.to_numpy(), rtol=1e-12)
    # ranks are refused, as for any lookup
    ranks = run_lis("aggregate", copy, "imd2019_imd_rank", "--lookup", "lsoa11_hoods")
    assert ranks.returncode == 1 and "cannot be aggregated" in ranks.stderr
    # the stored boundaries are the dissolve of the LSOAs
    stored = read_layer(copy, "geo_hoods").set_index("area_code")
    np.testing.assert_allclose(stored.geometry.area.reindex(dissolved.index).to_numpy(),
                               dissolved.geometry.area.to_numpy(), rtol=1e-6)
    assert stored.loc["Shevington", "area_name"] == "Shevington"


def test_the_definition_records_method_source_creator_codes_and_fit(copy, hoods_csv):
    assert run_lis("areas", "add", copy, "hoods", "--codes", hoods_csv).returncode == 0
    with Store.open(copy) as opened:
        definition = opened.area_sets()["hoods"]
        audit = opened.audit()
    codes = pd.read_csv(hoods_csv)
    population = sample_csv("wigan_mid2016_population_lsoa11_single_year_age.csv").set_index("lsoa11cd")["total_pop"]
    assert definition["method"] == "codes" and definition["source"] == "hoods.csv" and definition["of"] == "lsoa11"
    assert definition["creator"] == getpass.getuser() and definition["created_at"][:2] == "20"
    assert definition["population"] == "pop2016_total"  # the newest popYYYY_total of the store
    for area in definition["areas"]:
        members = sorted(codes.loc[codes["name"] == area["name"], "code"])
        assert area["small_areas"] == members
        assert area["population"] == population.reindex(members).sum()
        assert area["whole_population_share"] == 1.0  # a list of LSOAs is made of whole LSOAs
    assert {"add_geography", "add_lookup", "add_custom_areas"} <= set(audit[audit["target"].isin(
        ["hoods", "lsoa11_hoods"])]["action"])
    listing = run_lis("areas", "list", copy)
    assert listing.returncode == 0 and "hoods" in listing.stdout and "codes" in listing.stdout


@pytest.mark.parametrize("body, row, column, words", [
    ("code,name\nE01006315,A\nE09999999,B\n", 3, "code", "not areas of lsoa11"),
    ("code,name\nE01006315,A\nE01006316,A\nE01006315,B\n", 4, "code", "in two custom areas, 'A' (row 2) and 'B'"),
    ("code,name\nE01006315,A\n,B\n", 3, "code", "small area code is empty"),
    ("code,name\nE01006315,\n", 2, "name", "custom area name is empty"),
    ("lsoa,name\nE01006315,A\n", 1, "code", "has no column 'code'"),
    ("", None, None, "the file is empty"),
])
def test_a_bad_csv_is_refused_naming_row_and_column_and_nothing_is_written(copy, tmp_path, body, row, column,
                                                                           words):
    bad = write_text(tmp_path / "bad.csv", body)
    before = rows(copy, "SELECT COUNT(*) FROM lis_geography")
    done = run_lis("areas", "add", copy, "hoods", "--codes", bad)
    assert done.returncode == 1
    message = " ".join(done.stderr.split())
    assert words in message and "bad.csv" in message
    if row is not None:
        assert f"row {row}" in message and f"column '{column}'" in message
    assert rows(copy, "SELECT COUNT(*) FROM lis_geography") == before
    assert rows(copy, "SELECT COUNT(*) FROM lis_lookup WHERE name = 'lsoa11_hoods'") == [(0,)]


def test_geography_lookup_and_definition_land_together_or_not_at_all(store, store_path, hoods_csv):
    """On every backend: the three parts are written in one transaction, and a failure inside it leaves none."""
    built = add_custom_areas(store, "hoods", codes=hoods_csv)
    assert rows(store_path, "SELECT COUNT(*) FROM lis_area WHERE geography = 'hoods'") == [(3,)]
    assert rows(store_path, "SELECT COUNT(*) FROM lis_lookup_row WHERE lookup = 'lsoa11_hoods'") == [
        (len(pd.read_csv(hoods_csv)),)]
    assert rows(store_path, "SELECT COUNT(*) FROM lis_meta WHERE key = 'custom_areas.hoods'") == [(1,)]
    doubled = pd.concat([built.pairs, built.pairs.head(1)])  # a repeated pair breaks the lookup's unique key
    with pytest.raises(StoreError):
        store.add_area_set("again", "lsoa11", built.rows, doubled, built.definition, title="x", source="x")
    assert rows(store_path, "SELECT COUNT(*) FROM lis_geography WHERE name = 'again'") == [(0,)]
    assert rows(store_path, "SELECT COUNT(*) FROM lis_lookup WHERE name = 'lsoa11_again'") == [(0,)]
    assert rows(store_path, "SELECT COUNT(*) FROM lis_meta WHERE key = 'custom_areas.again'") == [(0,)]
    # replacing redraws them (its own old lookup is no obstacle)
    add_custom_areas(store, "hoods", codes=hoods_csv, replace=True)
    assert store.area_sets()["hoods"]["method"] == "codes"


# ------------------------------------------------------------------ Greater Manchester wards from LSOAs
@pytest.fixture(scope="module")
def gm_store(tmp_path_factory):
    """A Greater Manchester store: LSOA 2011 boundaries, their mid-2016 population and ONS population-weighted
    centroids (the store's `centroids` setting)."""
    if not (GM.is_dir() and CENTROIDS.exists()):
        pytest.skip("Greater Manchester boundaries or the LSOA centroids (../shared/data) are absent")
    from lis_workbench.core.ingest import ImportSpec, import_file

    path = tmp_path_factory.mktemp("gm") / "gm.gpkg"
    with Store.create(path) as opened:
        opened.add_geography("lsoa11", str(GM / "boundaries" / "gm_lsoa11_bgc.geojson"))
        import_file(opened, str(GM / "indicators" / "gm_mid2016_population_lsoa11_single_year_age.csv"),
                    ImportSpec(geography="lsoa11", code_column="lsoa11cd", period="2016",
                               value_columns={"total_pop": "pop2016_total"},
                               defaults={"value_type": "count", "unit": "people"}))
        points = pd.read_csv(CENTROIDS)
        points = points[points["lsoa11_code"].isin(set(opened.area_codes("lsoa11")))]
        opened.add_points("lsoa11_pwc", points, "longitude", "latitude", crs_epsg=4326, code_field="lsoa11_code")
        opened.set_settings({"centroids": "lsoa11_pwc"})
    return path


@pytest.fixture(scope="module")
def gm_frames():
    """GM LSOAs (with their population) and 2023 wards in British National Grid, read with GeoPandas."""
    import geopandas as gpd

    lsoa = gpd.read_file(GM / "boundaries" / "gm_lsoa11_bgc.geojson").to_crs(27700)
    lsoa["geometry"] = lsoa.geometry.make_valid()
    people = pd.read_csv(GM / "indicators" / "gm_mid2016_population_lsoa11_single_year_age.csv")
    lsoa["people"] = lsoa["area_code"].map(people.set_index("lsoa11cd")["total_pop"])
    wards = gpd.read_file(GM / "boundaries" / "gm_wards_2023_bgc.geojson").to_crs(27700)[
        ["area_code", "geometry"]].rename(columns={"area_code": "ward"})
    return lsoa, wards


def _reference_by_centroid(lsoa, wards) -> pd.Series:
    import geopandas as gpd

    points = pd.read_csv(CENTROIDS)
    points = gpd.GeoDataFrame(points, geometry=gpd.points_from_xy(points["longitude"], points["latitude"]),
                              crs=4326).to_crs(27700)
    points = points[points["lsoa11_code"].isin(set(lsoa["area_code"]))]
    joined = gpd.sjoin(points, wards, predicate="within")
    return joined.drop_duplicates("lsoa11_code").set_index("lsoa11_code")["ward"]


def _overlaps(lsoa, wards) -> pd.DataFrame:
    import geopandas as gpd

    pieces = gpd.overlay(lsoa[["area_code", "geometry"]], wards, how="intersection", keep_geom_type=True)
    pieces["share"] = pieces.geometry.area / pieces["area_code"].map(lsoa.set_index("area_code").geometry.area)
    return pieces.groupby(["area_code", "ward"], as_index=False)["share"].sum()


def _reference_by_overlap(overlaps: pd.DataFrame) -> pd.Series:
    outside = 1 - overlaps.groupby("area_code")["share"].transform("sum")
    best = overlaps[overlaps["share"] > outside].sort_values("share", ascending=False).drop_duplicates("area_code")
    return best.set_index("area_code")["ward"]


@pytest.mark.parametrize("method", ["centroid", "overlap"])
def test_gm_wards_rebuilt_from_lsoas_match_a_geopandas_dissolve(gm_store, gm_frames, tmp_path, method):
    lsoa, wards = gm_frames
    name = f"wards_{method}"
    done = run_lis("areas", "add", gm_store, name, "--from-layer", GM / "boundaries" / "gm_wards_2023_bgc.geojson",
                   "--method", method)
    assert done.returncode == 0, done.stderr
    overlaps = _overlaps(lsoa, wards)
    ward_of = _reference_by_centroid(lsoa, wards) if method == "centroid" else _reference_by_overlap(overlaps)
    assert len(ward_of) == 1673  # every GM LSOA placed in one ward
    with Store.open(gm_store) as opened:
        stored = opened.lookup(f"lsoa11_{name}").set_index("from_code")["to_code"]
        definition = opened.area_sets()[name]
    pd.testing.assert_series_equal(stored.sort_index(), ward_of.sort_index(), check_names=False)
    frame = lsoa.assign(ward=lsoa["area_code"].map(ward_of))
    dissolved = frame[["ward", "people", "geometry"]].dissolve(by="ward", aggfunc="sum")
    got = _aggregated(gm_store, "pop2016_total", f"lsoa11_{name}", tmp_path)
    assert len(got) == len(dissolved) == 215
    np.testing.assert_array_equal(got.reindex(dissolved.index).to_numpy(), dissolved["people"].to_numpy())
    layer = read_layer(gm_store, f"geo_{name}").set_index("area_code")
    np.testing.assert_allclose(layer.geometry.area.reindex(dissolved.index).to_numpy(),
                               dissolved.geometry.area.to_numpy(), rtol=1e-6)
    # the fit: the share of each ward's people in LSOAs lying (WHOLE_SHARE) wholly inside the ward's polygon
    share = overlaps.set_index(["area_code", "ward"])["share"]
    inside = np.array([share.get((code, ward), 0.0) for code, ward in zip(frame["area_code"], frame["ward"])])
    whole = frame["people"].where(inside >= WHOLE_SHARE, 0).groupby(frame["ward"]).sum() / dissolved["people"]
    fit = pd.Series({a["code"]: a["whole_population_share"] for a in definition["areas"]})
    np.testing.assert_allclose(fit.reindex(whole.index).to_numpy(), whole.to_numpy(), atol=1e-9)
    assert definition["method"] == method and definition["unassigned"] == [] and definition["empty"] == []
    if method == "centroid":
        assert definition["placed_by"] == "population-weighted centroids (lsoa11_pwc)"

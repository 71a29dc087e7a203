"""The Wigan sample store holds exactly what the source files say (read here with pandas / geopandas)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely
from unit_helpers import SAMPLE, read_layer, sample_csv

IMD2019_DOMAINS = {  # store id stem -> column stem in IoD 2019 File 2
    "imd": "Index of Multiple Deprivation (IMD)",
    "income": "Income",
    "employment": "Employment",
    "education": "Education, Skills and Training",
    "health": "Health Deprivation and Disability",
    "crime": "Crime",
    "barriers": "Barriers to Housing and Services",
    "living_env": "Living Environment",
}
IMD2015_DOMAINS = {
    "Index of Multiple Deprivation": "imd2015_index_of_multiple_deprivation_score",
    "Income": "imd2015_income_score",
    "Employment": "imd2015_employment_score",
    "Education, Skills and Training": "imd2015_education_skills_and_training_score",
    "Health Deprivation and Disability": "imd2015_health_deprivation_and_disability_score",
    "Crime": "imd2015_crime_score",
    "Barriers to Housing and Services": "imd2015_barriers_to_housing_and_services_score",
    "Living Environment": "imd2015_living_environment_score",
    "Income Deprivation Affecting Children": "imd2015_income_deprivation_affecting_children_score",
    "Income Deprivation Affecting Older People": "imd2015_income_deprivation_affecting_older_people_score",
}
CENSUS2021_GROUPS = {
    "Aged 15 years and under": "census2021_aged_15_years_and_under",
    "Aged 16 to 24 years": "census2021_aged_16_to_24_years",
    "Aged 25 to 34 years": "census2021_aged_25_to_34_years",
    "Aged 35 to 49 years": "census2021_aged_35_to_49_years",
    "Aged 50 to 64 years": "census2021_aged_50_to_64_years",
    "Aged 65 years and over": "census2021_aged_65_years_and_over",
}
FILE2 = "wigan_imd2019_file2_domains_ranks_deciles.csv"
FILE6 = "wigan_imd2019_file6_population_denominators.csv"


def stored(store, indicator: str, period: str | None = None) -> pd.Series:
    frame = store.get_values(indicator, period)
    assert frame["area_code"].is_unique
    return frame.set_index("area_code")["value"]


def assert_same_values(actual: pd.Series, expected: pd.Series) -> None:
    expected = expected.astype(float)
    expected.index = expected.index.astype(str)
    assert sorted(actual.index) == sorted(expected.index)
    np.testing.assert_allclose(actual.sort_index().to_numpy(), expected.sort_index().to_numpy(), rtol=0, atol=1e-9)


# ------------------------------------------------------------------ catalogue
def test_catalogue_has_every_sample_indicator(sample):
    cat = sample.catalogue().set_index("id")
    expected = {f"imd2019_{d}_{k}": "lsoa11" for d in IMD2019_DOMAINS for k in ("rank", "decile")}
    expected.update({i: "lsoa11" for i in IMD2015_DOMAINS.values()})
    expected.update({i: "lsoa21" for i in CENSUS2021_GROUPS.values()})
    expected.update({
        "iod2019_income_numerator": "lsoa11", "iod2019_idaci_numerator": "lsoa11", "iod2019_no2": "lsoa11",
        "census2011_no_qualifications": "lsoa11", "census2011_lone_parents_not_employed": "lsoa11",
        "pop2015_total": "lsoa11", "pop2016_total": "lsoa11", "pop2016_age_0_4": "lsoa11",
        "claimant_count": "ward22", "claimant_rate": "ward22", "imd2025_imd_score": "lsoa21",
    })
    missing = sorted(set(expected) - set(cat.index))
    assert not missing
    for ind, geography in expected.items():
        assert cat.loc[ind, "geography"] == geography, ind
    # 16 + 10 + 28 + 5 + 1 + 1 + 2 + 6 + 2 + 3 indicators in the recipe's ten files
    assert len(cat) == 74
    assert cat.loc["imd2019_imd_rank", "polarity"] == "high_is_good"
    assert cat.loc["census2011_no_qualifications", "polarity"] == "high_is_bad"
    assert cat.loc["claimant_count", "import_file"] == "wigan_claimant_count_wards_2015_2017_monthly.csv"


def test_catalogue_search_and_filters(sample):
    found = sample.catalogue(search="claimant")
    assert sorted(found["id"]) == ["claimant_count", "claimant_rate"]
    assert set(sample.catalogue(geography="lsoa21")["id"]) == set(CENSUS2021_GROUPS.values()) | {
        "imd2025_imd_score", "imd2025_imd_rank", "imd2025_imd_decile"}


def test_geographies_match_the_boundary_files(sample):
    import pyogrio

    geos = sample.geographies().set_index("name")
    for name, file in (("lsoa11", "wigan_lsoa11_bgc.geojson"), ("lsoa21", "wigan_lsoa21_bgc.geojson"),
                       ("ward22", "wigan_wards_2022_bgc.geojson"), ("ward23", "wigan_wards_2023_bgc.geojson"),
                       ("lad23", "wigan_local_authority_2023_bgc.geojson")):
        src = pyogrio.read_dataframe(SAMPLE / file, read_geometry=False)
        assert geos.loc[name, "kind"] == "areas"
        assert geos.loc[name, "feature_count"] == len(src)
        assert sample.area_codes(name) == dict(zip(src["area_code"], src["area_name"]))


# ------------------------------------------------------------------ values equal the CSVs
@pytest.mark.parametrize("domain", sorted(IMD2019_DOMAINS))
def test_imd2019_ranks_and_deciles_equal_file2(sample, domain):
    src = sample_csv(FILE2).set_index("LSOA code (2011)")
    stem = IMD2019_DOMAINS[domain]
    assert_same_values(stored(sample, f"imd2019_{domain}_rank", "2019"),
                       src[f"{stem} Rank (where 1 is most deprived)"])
    assert_same_values(stored(sample, f"imd2019_{domain}_decile", "2019"),
                       src[f"{stem} Decile (where 1 is most deprived 10% of LSOAs)"])


def test_imd2019_rank_spot_values(sample):
    values = stored(sample, "imd2019_imd_rank")
    raw = sample_csv(FILE2, dtype=str).set_index("LSOA code (2011)")
    for code in ("E01006212", "E01006213", raw.index[-1]):
        assert values[code] == int(raw.loc[code, "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"])
    assert values.between(1, 32844).all()


def test_imd2015_scores_equal_long_file(sample):
    src = sample_csv("wigan_imd2015_scores_ranks_deciles_long.csv")
    assert set(src["index_domain"]) == set(IMD2015_DOMAINS)
    for domain, ind in IMD2015_DOMAINS.items():
        part = src[src["index_domain"] == domain].set_index("lsoa11cd")["score"]
        assert_same_values(stored(sample, ind, "2015"), part)


def test_iod2019_indicators_equal_file_and_skip_empty_cells(sample):
    src = sample_csv("wigan_imd2019_indicators.csv").set_index("lsoa11_code")
    for ind, column in (("iod2019_income_numerator", "income_domain_numerator"),
                        ("iod2019_idaci_numerator", "income_deprivation_affecting_children_index_idaci_numerator"),
                        ("iod2019_idaopi_numerator",
                         "income_deprivation_affecting_older_people_index_idaopi_numerator"),
                        ("iod2019_entry_to_he", "entry_to_higher_education_indicator"),
                        ("iod2019_owner_affordability",
                         "owner_occupation_affordability_component_of_housing_affordability_indicator"),
                        ("iod2019_air_quality", "air_quality_indicator")):
        expected = src[column].dropna()  # empty cells are not values
        assert_same_values(stored(sample, ind, "2019"), expected)
    assert src["income_deprivation_affecting_children_index_idaci_numerator"].isna().sum() == 33
    assert len(stored(sample, "iod2019_idaci_numerator")) == 200 - 33


@pytest.mark.parametrize("ind, file", [
    ("census2011_no_qualifications", "wigan_census2011_no_qualifications_lsoa11.csv"),
    ("census2011_lone_parents_not_employed", "wigan_census2011_lone_parents_not_employed_lsoa11.csv"),
])
def test_census2011_counts_equal_files(sample, ind, file):
    src = sample_csv(file).set_index("lsoa11cd")["value"]
    assert_same_values(stored(sample, ind, "2011"), src)


def test_file6_thousands_separators(sample):
    src = sample_csv(FILE6, thousands=",").set_index("LSOA code (2011)")
    assert_same_values(stored(sample, "pop2015_total", "2015"), src["Total population: mid 2015 (excluding prisoners)"])
    assert_same_values(stored(sample, "pop2015_aged_16_59", "2015"),
                       src["Population aged 16-59: mid 2015 (excluding prisoners)"])
    raw = (SAMPLE / FILE6).read_text(encoding="utf-8-sig")
    assert 'E01006212,Wigan 026A,E08000010,Wigan,"1,438"' in raw
    assert stored(sample, "pop2015_total")["E01006212"] == 1438
    assert stored(sample, "pop2015_aged_16_59")["E01006213"] == 1029


def test_mid2016_population_and_age_0_4_sum(sample):
    src = sample_csv("wigan_mid2016_population_lsoa11_single_year_age.csv").set_index("lsoa11cd")
    assert_same_values(stored(sample, "pop2016_total", "2016"), src["total_pop"])
    assert_same_values(stored(sample, "pop2016_age_0_4", "2016"), src[["0", "1", "2", "3", "4"]].sum(axis=1))
    assert stored(sample, "pop2016_age_0_4")["E01006315"] == 9 + 7 + 12 + 4 + 10


def test_census2021_age_groups_on_lsoa21(sample):
    src = sample_csv("wigan_census2021_population_by_age_group_lsoa21.csv")
    for group, ind in CENSUS2021_GROUPS.items():
        assert sample.indicator(ind)["geography"] == "lsoa21"
        part = src[src["age_group"] == group].set_index("lsoa21_code")["usual_residents"]
        assert_same_values(stored(sample, ind, "2021"), part)


def test_claimant_count_monthly_on_ward22(sample):
    src = sample_csv("wigan_claimant_count_wards_2015_2017_monthly.csv", dtype={"count": float, "rate": float})
    src["month"] = pd.to_datetime(src["date"]).dt.strftime("%Y-%m")
    months = pd.period_range("2015-01", "2017-10", freq="M").strftime("%Y-%m").tolist()
    assert len(months) == 34
    for ind, column in (("claimant_count", "count"), ("claimant_rate", "rate")):
        entry = sample.indicator(ind)
        assert entry["geography"] == "ward22"
        assert entry["periods"] == months
        series = sample.get_series(ind)
        merged = series.merge(src, left_on=["area_code", "period"], right_on=["wd15cd", "month"], how="outer",
                              indicator=True)
        assert (merged["_merge"] == "both").all()
        np.testing.assert_allclose(merged["value"], merged[column])
    assert stored(sample, "claimant_count", "2015-01")["E05000840"] == 315  # Abram, January 2015


def test_facility_point_layers(sample, sample_path):
    from pyproj import Transformer

    geos = sample.geographies().set_index("name")
    schools = sample_csv("gias_open_establishments_wigan.csv", dtype={"urn": str})
    gps = sample_csv("wigan_gp_practices.csv")
    libraries = sample_csv("wigan_libraries.csv")
    for name, src in (("schools", schools), ("gp_practices", gps), ("libraries", libraries)):
        assert geos.loc[name, "kind"] == "points"
        assert geos.loc[name, "feature_count"] == len(src)
    layer = read_layer(sample_path, "pts_schools")
    assert layer.crs.to_epsg() == 27700
    assert len(layer) == len(schools)
    merged = layer.merge(schools, left_on="area_code", right_on="urn", validate="one_to_one",
                         suffixes=("_store", ""))
    assert len(merged) == len(schools)
    np.testing.assert_allclose(merged.geometry.x, merged["easting"])
    np.testing.assert_allclose(merged.geometry.y, merged["northing"])
    assert (merged["area_name"] == merged["establishment_name"]).all()
    # GP practices were given in lon/lat: the store holds them in British National Grid
    layer = read_layer(sample_path, "pts_gp_practices")
    x, y = Transformer.from_crs(4326, 27700, always_xy=True).transform(gps["lon"].to_numpy(), gps["lat"].to_numpy())
    assert sorted(layer["area_name"]) == sorted(gps["name"])
    ref = pd.DataFrame({"name": gps["name"], "x": x, "y": y}).sort_values(["name", "x"]).reset_index(drop=True)
    got = pd.DataFrame({"name": layer["area_name"], "x": layer.geometry.x, "y": layer.geometry.y}) \
        .sort_values(["name", "x"]).reset_index(drop=True)
    assert np.hypot(got["x"] - ref["x"], got["y"] - ref["y"]).max() < 5.0  # metres; datum shift methods differ


# ------------------------------------------------------------------ lookup and geometry
def test_lsoa11_ward23_lookup_equals_independent_point_in_polygon(sample):
    import geopandas as gpd

    cents = sample_csv("wigan_lsoa11_population_weighted_centroids.csv")
    points = gpd.GeoDataFrame(cents[["lsoa11_code"]],
                              geometry=gpd.points_from_xy(cents["longitude"], cents["latitude"]),
                              crs=4326).to_crs(27700)
    wards = gpd.read_file(SAMPLE / "wigan_wards_2023_bgc.geojson")[["area_code", "geometry"]].to_crs(27700)
    joined = gpd.sjoin(points, wards, predicate="within", how="left")
    assert joined["lsoa11_code"].is_unique  # wards do not overlap
    missing = joined[joined["area_code"].isna()]
    expected = dict(zip(joined["lsoa11_code"], joined["area_code"]))
    if len(missing):  # a centroid just outside a generalised boundary goes to the nearest ward within 50 m
        near = gpd.sjoin_nearest(points[points["lsoa11_code"].isin(missing["lsoa11_code"])], wards,
                                 max_distance=50)
        expected.update(dict(zip(near["lsoa11_code"], near["area_code"])))
    lookup = sample.lookup("lsoa11_ward23")
    assert len(lookup) == 200
    assert lookup["from_code"].is_unique
    assert set(lookup["from_code"]) == set(sample.area_codes("lsoa11"))
    assert (lookup["weight"] == 1.0).all()
    assert dict(zip(lookup["from_code"], lookup["to_code"])) == expected
    assert lookup["to_code"].nunique() == 25  # every ward gets at least one LSOA


def test_get_values_with_geometry(sample):
    import geopandas as gpd

    frame = sample.get_values("imd2019_imd_rank", with_geometry=True)
    assert len(frame) == 200
    assert frame["geometry"].map(lambda g: isinstance(g, bytes)).all()
    geoms = shapely.from_wkb(frame["geometry"].to_numpy())
    assert shapely.is_valid(geoms).all()
    assert set(shapely.get_type_id(geoms)) <= {3, 6}  # polygon / multipolygon
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    assert 0 <= xmin < xmax <= 700_000 and 0 <= ymin < ymax <= 1_300_000  # British National Grid extent
    assert 340_000 < xmin and xmax < 380_000 and 390_000 < ymin and ymax < 420_000  # Wigan
    ref = gpd.read_file(SAMPLE / "wigan_lsoa11_bgc.geojson").to_crs(27700).set_index("area_code")
    ref = ref.loc[frame["area_code"], "geometry"].to_numpy()
    diff = shapely.area(shapely.symmetric_difference(geoms, ref)) / shapely.area(ref)
    assert diff.max() < 1e-3
    assert frame["area_name"].notna().all()

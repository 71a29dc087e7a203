"""Area profiles on the sample store: ward rows checked by hand from the source CSVs (pandas), England benchmarks
checked against the national files, the store's benchmark table, and the SVG table (well-formed, complete, no text
overlapping)."""

from __future__ import annotations

import shutil
import sqlite3
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest
from unit_helpers import REPO, SAMPLE, sample_csv

from lis_workbench.core.errors import IndicatorNotFound, LisError, StoreError
from lis_workbench.core.ingest import ImportSpec, import_file
from lis_workbench.core.profile import AreaProfile, ProfileError, ProfileRow, build_profiles
from lis_workbench.core.spine import COLS, TITLE_SIZE, profile_svg, text_width
from lis_workbench.core.store import Store

ENGLAND_DATA = REPO.parent / "shared" / "data" / "england"
WARD = "E05014989"  # Abram (2023)
POP = "Total population: mid 2015 (excluding prisoners)"
SVG = "{http://www.w3.org/2000/svg}"
TITLE_PX = f"{TITLE_SIZE:g}px"
PAGE = ["iod2019_income_numerator", "iod2019_idaci_numerator", "iod2019_overcrowding", "iod2019_staying_on_post16",
        "imd2019_imd_rank", "claimant_count", "census2021_aged_65_years_and_over", "pop2015_total"]
#: the indicators with an England value: counts (totals) and non-score rates (population-weighted means)
ENGLAND_COUNTS = ["iod2019_income_numerator", "iod2019_idaci_numerator", "iod2019_idaopi_numerator",
                  "iod2019_employment_numerator", "pop2015_total", "pop2015_children_0_15", "pop2015_aged_16_59",
                  "pop2015_aged_60_plus", "pop2015_working_age"]
ENGLAND_RATES = {
    "iod2019_staying_on_post16": "staying_on_in_education_post_16_indicator",
    "iod2019_adult_skills": "adult_skills_and_english_language_proficiency_indicator",
    "iod2019_years_life_lost": "years_of_potential_life_lost_indicator",
    "iod2019_illness_disability_ratio": "comparative_illness_and_disability_ratio_indicator",
    "iod2019_acute_morbidity": "acute_morbidity_indicator",
    "iod2019_distance_post_office": "road_distance_to_a_post_office_indicator_km",
    "iod2019_distance_primary_school": "road_distance_to_a_primary_school_indicator_km",
    "iod2019_distance_general_store": "road_distance_to_general_store_or_supermarket_indicator_km",
    "iod2019_distance_gp": "road_distance_to_a_gp_surgery_indicator_km",
    "iod2019_overcrowding": "household_overcrowding_indicator",
    "iod2019_homelessness": "homelessness_indicator_rate_per_1000_households",
    "iod2019_poor_housing": "housing_in_poor_condition_indicator",
    "iod2019_no_central_heating": "houses_without_central_heating_indicator",
    "iod2019_road_accidents": "road_traffic_accidents_indicator",
    "iod2019_no2": "nitrogen_dioxide_component_of_air_quality_indicator",
    "iod2019_benzene": "benzene_component_of_air_quality_indicator",
    "iod2019_so2": "sulphur_dioxide_component_of_air_quality_indicator",
    "iod2019_particulates": "particulates_component_of_air_quality_indicator",
}
ENGLAND_COUNT_COLUMNS = {
    "iod2019_income_numerator": "income_domain_numerator",
    "iod2019_idaci_numerator": "income_deprivation_affecting_children_index_idaci_numerator",
    "iod2019_idaopi_numerator": "income_deprivation_affecting_older_people_index_idaopi_numerator",
    "iod2019_employment_numerator": "employment_domain_numerator",
    "pop2015_total": POP,
    "pop2015_children_0_15": "Dependent Children aged 0-15: mid 2015 (excluding prisoners)",
    "pop2015_aged_16_59": "Population aged 16-59: mid 2015 (excluding prisoners)",
    "pop2015_aged_60_plus": "Older population aged 60 and over: mid 2015 (excluding prisoners)",
    "pop2015_working_age": "Working age population 18-59/64: for use with Employment Deprivation Domain "
                           "(excluding prisoners)",
}


@pytest.fixture(scope="module")
def profiles(wigan) -> dict[str, AreaProfile]:
    return {p.area_code: p for p in build_profiles(wigan, PAGE)}


@pytest.fixture(scope="module")
def lsoas() -> pd.DataFrame:
    """The Wigan LSOAs' IoD 2019 indicators and mid-2015 population, read with pandas."""
    indicators = sample_csv("wigan_imd2019_indicators.csv").set_index("lsoa11_code")
    population = sample_csv("wigan_imd2019_file6_population_denominators.csv", thousands=",")
    return indicators.join(population.set_index("LSOA code (2011)")[POP].rename("population"))


@pytest.fixture(scope="module")
def england_csv() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "england_benchmarks.csv", dtype={"period": str}).set_index("indicator")


@pytest.fixture
def copy(built_stores, tmp_path):
    """A private, writable copy of the sample store."""
    target = tmp_path / "store.gpkg"
    shutil.copyfile(built_stores("gpkg"), target)
    store = Store.open(target)
    yield store
    store.close()


def row_of(profile: AreaProfile, indicator: str) -> ProfileRow:
    return next(r for r in profile.rows if r.indicator == indicator)


@pytest.mark.parametrize("indicator, column, population", [
    ("iod2019_employment_numerator", "employment_domain_numerator",
     ENGLAND_COUNT_COLUMNS["pop2015_working_age"]),
    ("iod2019_idaci_numerator", "income_deprivation_affecting_children_index_idaci_numerator",
     ENGLAND_COUNT_COLUMNS["pop2015_children_0_15"]),
])
def test_counts_are_judged_among_their_own_population(wigan, indicator, column, population):
    """The catalogue names each count's population (working age, children 0-15): each ward's share of it against
    the borough's, by scipy's Wilson interval; a ward missing an LSOA's value is not tested and not in the share."""
    from scipy.stats import binomtest

    assert wigan.indicator(indicator)["denominator"] in ("pop2015_working_age", "pop2015_children_0_15")
    counts = sample_csv("wigan_imd2019_indicators.csv").set_index("lsoa11_code")[column]
    people = sample_csv("wigan_imd2019_file6_population_denominators.csv", thousands=",").set_index(
        "LSOA code (2011)")[population].astype(float)
    ward_of = wigan.lookup("lsoa11_ward23").set_index("from_code")["to_code"].reindex(counts.index)
    missing = counts.isna().groupby(ward_of).sum()
    complete = missing.index[missing == 0]
    num, den = counts.groupby(ward_of).sum(), people.reindex(counts.index).groupby(ward_of).sum()
    share = num[complete].sum() / den[complete].sum()
    profiles = {p.area_code: p for p in build_profiles(wigan, [indicator])}
    for ward in num.index:
        row = row_of(profiles[ward], indicator)
        if missing[ward]:
            assert row.comparison == "same" and row.significance.startswith("not tested"), ward
            continue
        ci = binomtest(int(num[ward]), int(den[ward])).proportion_ci(0.95, method="wilson")
        expected = "worse" if ci.low > share else "better" if ci.high < share else "same"
        assert row.comparison == expected, ward
        assert f"the borough's {share:.1%}" in row.significance
    assert len(complete) >= 5  # enough wards tested for the check to mean something


def hand_rank(values: pd.Series, code: str, high_is_bad: bool) -> int:
    """Competition rank, 1 = most in need: 1 + the number of areas strictly worse."""
    own = values[code]
    return 1 + int((values > own).sum() if high_is_bad else (values < own).sum())


# ------------------------------------------------------------------ rows checked by hand
def test_count_row_by_hand(profiles, wigan, lsoas, england_csv):
    ward_of = wigan.lookup("lsoa11_ward23").set_index("from_code")["to_code"].reindex(lsoas.index)
    column = lsoas["income_domain_numerator"]
    wards = column.groupby(ward_of).sum()
    mine = ward_of[ward_of == WARD].index
    row = row_of(profiles[WARD], "iod2019_income_numerator")
    assert row.value == column[mine].sum() == wards[WARD]
    assert row.value_text == f"{column[mine].sum():,.0f}"
    assert row.method == f"sum of {len(mine)} LSOAs"
    assert row.borough_value == column.sum()
    assert row.borough_method == "sum of 200 LSOAs, taking every LSOA in the store"
    assert row.benchmark_value == england_csv.loc["iod2019_income_numerator", "value"]
    assert row.benchmark_text == f"{england_csv.loc['iod2019_income_numerator', 'value']:,.0f}"
    assert not row.benchmark_comparable  # an England total is not drawn against ward counts
    assert row.rank == hand_rank(wards, WARD, high_is_bad=True) and row.rank_of == 25
    assert row.comparator == pytest.approx(wards.mean()) and row.comparator_label == "borough average per ward"
    # judged as a share of all residents (its catalogue denominator) against the borough's, by scipy's Wilson
    from scipy.stats import binomtest

    people = lsoas["population"].groupby(ward_of).sum()
    share = column.sum() / lsoas["population"].sum()
    for ward in wards.index:
        ci = binomtest(int(wards[ward]), int(people[ward])).proportion_ci(0.95, method="wilson")
        expected = "worse" if ci.low > share else "better" if ci.high < share else "same"
        assert row_of(profiles[ward], "iod2019_income_numerator").comparison == expected, ward
    assert f"the borough's {share:.1%}" in row.significance and "95% Wilson" in row.significance
    q = np.percentile(wards.to_numpy(), [0, 25, 50, 75, 100])
    assert [row.spine[k] for k in ("min", "q1", "median", "q3", "max")] == pytest.approx(q)
    assert row.series == [] and row.period == "2019" and row.kind == "count"
    assert f"Ward: sum of {len(mine)} LSOAs through lookup lsoa11_ward23 (best fit)." in row.derivation
    assert "Borough (Wigan): sum of 200 LSOAs" in row.derivation and "England: IoD 2019" in row.derivation
    assert f"Rank {row.rank} of the 25 wards with a value; 1 = highest value (high is bad)" in row.derivation


@pytest.mark.parametrize("indicator, column, high_is_bad", [
    ("iod2019_overcrowding", "household_overcrowding_indicator", True),
    ("iod2019_staying_on_post16", "staying_on_in_education_post_16_indicator", True),  # share NOT staying on
])
def test_rate_row_by_hand(profiles, wigan, lsoas, england_csv, indicator, column, high_is_bad):
    ward_of = wigan.lookup("lsoa11_ward23").set_index("from_code")["to_code"].reindex(lsoas.index)
    wards = pd.Series({w: np.average(g[column], weights=g["population"]) for w, g in lsoas.groupby(ward_of)})
    borough = np.average(lsoas[column], weights=lsoas["population"])
    row = row_of(profiles[WARD], indicator)
    assert row.value == pytest.approx(wards[WARD], rel=1e-12)
    assert row.borough_value == pytest.approx(borough, rel=1e-12)
    assert row.benchmark_value == england_csv.loc[indicator, "value"] and row.benchmark_comparable
    assert row.rank == hand_rank(wards, WARD, high_is_bad)
    worse = wards[WARD] > borough if high_is_bad else wards[WARD] < borough
    assert row.comparison == ("worse" if worse else "better") and row.comparator == row.borough_value
    assert row.method == f"population-weighted mean of {(ward_of == WARD).sum()} LSOAs"
    assert "weighted by population pop2015_total" in row.derivation
    # both are proportions of one (catalogue unit "proportion ..."): printed as percentages to one decimal place
    assert row.value_text == f"{wards[WARD] * 100:.1f}%" and "*" not in row.value_text


def test_ranks_are_not_combined(profiles):
    row = row_of(profiles[WARD], "imd2019_imd_rank")
    assert row.value is None and row.value_text == "n/a" and row.rank is None and row.spine is None
    assert row.method == "not available at ward level (ranks cannot be combined)"
    assert row.borough_value is None and "ranks cannot be combined" in row.borough_method
    assert row.benchmark_text == "n/a"  # England has no meaningful average rank


def test_no_lookup_is_said(profiles):
    row = row_of(profiles[WARD], "census2021_aged_65_years_and_over")
    assert row.value is None and row.method == "not available: no lookup from lsoa21 to ward23"
    totals = sample_csv("wigan_census2021_population_by_age_group_lsoa21.csv")
    assert row.borough_value is not None and row.borough_value > 0
    assert row.borough_value == totals[totals["age_group"] == "Aged 65 years and over"]["usual_residents"].sum()


def test_ward22_series_reach_2023_wards(profiles, wigan):
    """The claimant count (2015 wards) reaches 2023 wards through the best-fit ward22_ward23 lookup, month by month."""
    raw = sample_csv("wigan_claimant_count_wards_2015_2017_monthly.csv")
    raw["period"] = raw["date"].str[:7]
    lookup = wigan.lookup("ward22_ward23")
    sources = lookup[lookup["to_code"] == WARD]["from_code"].tolist()
    expected = raw[raw["wd15cd"].isin(sources)].groupby("period")["count"].sum()
    row = row_of(profiles[WARD], "claimant_count")
    assert [p for p, _ in row.series] == sorted(raw["period"].unique())
    assert [v for _, v in row.series] == expected.to_list()
    assert row.period == max(raw["period"]) and row.value == expected.iloc[-1]
    assert row.method == f"sum of {len(sources)} ward22 area" + ("s" if len(sources) > 1 else "")
    assert "through lookup ward22_ward23 (best fit)" in row.derivation
    latest = raw[raw["period"] == row.period]
    assert row.borough_value == latest["count"].sum()


# ------------------------------------------------------------------ the recent trend marker
def test_monthly_series_say_why_they_have_no_recent_trend(profiles):
    """The claimant count is monthly, a count and without limits: the page's criteria rule it out, and say so."""
    row = row_of(profiles[WARD], "claimant_count")
    assert row.recent_trend == "Could not be calculated"
    assert row.recent_trend_note == ("monthly data (the method tests yearly data only); 'count' values are not tested "
                                     "(only rates, proportions, ratios and the like); no confidence intervals")
    assert ("Recent trend (Fingertips method, last 5 points): could not be calculated: monthly data (the method tests "
            "yearly data only);") in row.derivation
    assert row.derivation.index("Recent trend") < row.derivation.index("Rank ")  # kept in the page's notes
    single = row_of(profiles[WARD], "pop2015_total")
    assert single.recent_trend == "" and "Recent trend" not in single.derivation


def _reference_marker(values, lower, upper, high_is_bad: bool) -> str:
    """The OHID method with numpy.polyfit: last five years, weights from the 95% limits, chi2 = gradient^2 / its
    variance against chi2(1) at 99.8% (scipy), the gradient's sign kept without each point."""
    from scipy import stats

    t = np.arange(5.0)
    se = (np.asarray(upper[-5:]) - np.asarray(lower[-5:])) / (2 * stats.norm.ppf(0.975))
    x = np.asarray(values[-5:], float)

    def fit(keep):
        coef, cov = np.polyfit(t[keep], x[keep], 1, w=1 / se[keep], cov="unscaled")
        return coef[0], coef[0] ** 2 / cov[0, 0]

    gradient, chi2 = fit(np.ones(5, bool))
    if chi2 <= stats.chi2.ppf(0.998, 1) or any(fit(np.arange(5) != j)[0] * gradient <= 0 for j in range(5)):
        return "No significant change"
    return f"{'Increasing' if gradient > 0 else 'Decreasing'} and getting " + (
        "worse" if (gradient > 0) == high_is_bad else "better")


def test_yearly_ward_rates_with_limits_get_their_marker_on_the_page(copy, tmp_path):
    """A rate published for the wards, 2013-2020, with 95% limits: each ward's marker as the method gives it, drawn
    under its sparkline ("↑ worse", "↓ better", "no sig. change") and explained in the key."""
    wards = sorted(copy.area_codes("ward23"))
    rng = np.random.default_rng(8)
    rows = []
    for i, code in enumerate(wards):
        slope = (1.2, -1.2, 0.0)[i % 3]
        for year in range(2013, 2021):
            value = round(40 + slope * (year - 2013) + rng.normal(0, 0.3), 2)
            rows.append((code, str(year), value, round(value - 1.5, 2), round(value + 1.5, 2)))
    source = pd.DataFrame(rows, columns=["wd23cd", "period", "value", "lower_ci", "upper_ci"])
    source.to_csv(tmp_path / "yearly.csv", index=False)
    import_file(copy, str(tmp_path / "yearly.csv"), ImportSpec(indicator="yearly_rate", defaults={
        "title": "Yearly rate", "value_type": "rate", "unit": "%", "polarity": "high_is_bad"}))
    pages = {p.area_code: p for p in build_profiles(copy, ["yearly_rate", "claimant_rate"])}
    seen = set()
    for code, rows_of in source.groupby("wd23cd"):
        row = row_of(pages[code], "yearly_rate")
        expected = _reference_marker(rows_of["value"], rows_of["lower_ci"], rows_of["upper_ci"], high_is_bad=True)
        assert (row.recent_trend, row.recent_trend_note) == (expected, ""), code
        assert f"Recent trend (Fingertips method, last 5 points): {expected[0].lower()}{expected[1:]}." in \
            row.derivation
        seen.add(expected)
    assert seen == {"Increasing and getting worse", "Decreasing and getting better", "No significant change"}
    symbols = {"Increasing and getting worse": "↑ worse", "Decreasing and getting better": "↓ better",
               "No significant change": "no sig. change"}
    for code in wards[:3]:
        root = ET.fromstring(profile_svg(pages[code]))
        row = row_of(pages[code], "yearly_rate")
        shown = [t.text for t in root.find(f".//{SVG}g[@id='row-1']").iter(f"{SVG}text")]
        assert symbols[row.recent_trend] in shown and "2013" in shown and "2020" in shown
        assert "–" in [t.text for t in root.find(f".//{SVG}g[@id='row-2']").iter(f"{SVG}text")]  # monthly
        texts = [t.text for t in _texts(root)]
        assert any(t.startswith("Under a trend line, the recent trend (Fingertips method)") for t in texts)
        _no_overlaps(root)


def test_a_proportion_summed_to_wards_is_tested_on_its_numerators_and_denominators(copy, lsoas, tmp_path):
    """LSOA numerators and denominators summed to the 2023 wards through the lookup (pandas here), then the chi-squared
    test for trend as the OHID page writes it and the log-odds gradient (scipy.stats.linregress), per ward; the
    marker is the one of the five periods to the period shown (rising to 2019, falling back in 2020)."""
    from scipy import stats

    rng = np.random.default_rng(4)
    frames = []
    for year, share in zip(range(2015, 2021), (0.10, 0.11, 0.12, 0.13, 0.14, 0.10)):
        den = rng.integers(400, 900, len(lsoas))
        num = rng.binomial(den, share)
        frames.append(pd.DataFrame({"lsoa11cd": lsoas.index, "period": str(year), "numerator": num,
                                    "denominator": den, "value": (num / den * 100).round(2)}))
    source = pd.concat(frames)
    source.to_csv(tmp_path / "share.csv", index=False)
    import_file(copy, str(tmp_path / "share.csv"), ImportSpec(indicator="share", defaults={
        "title": "Share", "value_type": "proportion", "unit": "%", "polarity": "high_is_good"}))
    ward_of = copy.lookup("lsoa11_ward23").set_index("from_code")["to_code"]
    source["ward"] = source["lsoa11cd"].map(ward_of)
    sums = source.groupby(["ward", "period"])[["numerator", "denominator"]].sum()

    def expected(ward: str, years: range) -> str:
        r = np.array([sums.loc[(ward, str(y)), "numerator"] for y in years], float)
        n = np.array([sums.loc[(ward, str(y)), "denominator"] for y in years], float)
        t = np.array(years, float)
        big_n, big_r = n.sum(), r.sum()
        chi2 = big_n * (big_n * (r * t).sum() - big_r * (n * t).sum()) ** 2 / (
            big_r * (big_n - big_r) * (big_n * (n * t * t).sum() - (n * t).sum() ** 2))
        slope = [stats.linregress(t[k], np.log(r[k] / (n[k] - r[k]))).slope
                 for k in [np.ones(5, bool)] + [np.arange(5) != j for j in range(5)]]
        if chi2 <= stats.chi2.ppf(0.998, 1) or any(s * slope[0] <= 0 for s in slope[1:]):
            return "No significant change"
        return "Increasing and getting better" if slope[0] > 0 else "Decreasing and getting worse"

    markers = {}
    for period, years in (("2019", range(2015, 2020)), ("2020", range(2016, 2021))):
        pages = {p.area_code: p for p in build_profiles(copy, ["share"], period=period)}
        for ward, page in pages.items():
            row = row_of(page, "share")
            assert row.recent_trend == expected(ward, years), (ward, period)
            assert len(row.series) == 6  # the sparkline keeps every period
        markers[period] = {row_of(p, "share").recent_trend for p in pages.values()}
    assert markers["2019"] == {"Increasing and getting better"} and markers["2020"] != markers["2019"]


def _no_overlaps(root: ET.Element) -> None:
    width, height = float(root.get("width")), float(root.get("height"))
    boxes = [(_box(t), t.text) for t in _texts(root)]
    for (left, top, right, bottom), text in boxes:
        assert 0 <= left and right <= width and 0 <= top and bottom <= height, text
    for i, ((l1, t1, r1, b1), a) in enumerate(boxes):
        for (l2, t2, r2, b2), b in boxes[i + 1:]:
            assert r1 <= l2 or r2 <= l1 or b1 <= t2 or b2 <= t1, f"'{a}' overlaps '{b}'"


def test_every_ward_has_a_profile_in_page_order(profiles, wigan):
    assert sorted(profiles) == sorted(wigan.area_codes("ward23"))
    for profile in profiles.values():
        assert [r.indicator for r in profile.rows] == PAGE
        assert profile.area_name == wigan.area_codes("ward23")[profile.area_code]
    prov = profiles[WARD].provenance
    assert prov["store_checksum"] == wigan.checksum() and prov["area_code"] == WARD
    assert set(prov["indicators"]) == set(PAGE) and "ward22_ward23" in prov["lookups_used"]
    assert prov["borough"] == {"code": "E08000010", "name": "Wigan"}


def test_rate_with_numerator_and_denominator_and_tied_ranks(copy, lsoas, tmp_path):
    """A partner rate with numerators and denominators is recomputed for the ward, never averaged; tied ward
    values share a rank; a borough value published in the benchmarks is used as published."""
    rate = pd.DataFrame({"lsoa11cd": lsoas.index, "period": "2019",
                         "numerator": lsoas["income_domain_numerator"].to_numpy(),
                         "denominator": lsoas["population"].to_numpy()})
    rate["value"] = (rate["numerator"] / rate["denominator"] * 100).round(1)
    rate.to_csv(tmp_path / "income_rate.csv", index=False)
    import_file(copy, str(tmp_path / "income_rate.csv"), ImportSpec(indicator="income_rate", defaults={
        "title": "Income deprivation rate", "value_type": "rate", "unit": "%", "polarity": "high_is_bad"}))
    wards = sorted(copy.area_codes("ward23"))
    tied = pd.DataFrame({"area_code": wards, "period": "2020", "value": [7, 7, 3] + [1] * (len(wards) - 3)})
    tied.to_csv(tmp_path / "tied.csv", index=False)
    import_file(copy, str(tmp_path / "tied.csv"), ImportSpec(indicator="tied", defaults={
        "title": "Tied", "value_type": "count", "polarity": "high_is_bad"}))
    copy.add_benchmarks(pd.DataFrame({"indicator": ["tied"], "period": ["2020"], "area_code": ["E08000010"],
                                      "area_name": ["Wigan"], "value": [100.0]}), "council figure")
    pages = {p.area_code: p for p in build_profiles(copy, ["income_rate", "tied"])}
    ward_of = copy.lookup("lsoa11_ward23").set_index("from_code")["to_code"].reindex(rate["lsoa11cd"]).to_numpy()
    num, den = rate["numerator"].groupby(ward_of).sum(), rate["denominator"].groupby(ward_of).sum()
    row = row_of(pages[WARD], "income_rate")
    assert row.value == pytest.approx(num[WARD] / den[WARD] * 100, rel=1e-12)
    assert row.method == f"rate recomputed from numerator/denominator of {(ward_of == WARD).sum()} LSOAs × 100"
    assert row.borough_value == pytest.approx(rate["numerator"].sum() / rate["denominator"].sum() * 100)
    assert [row_of(pages[w], "tied").rank for w in wards[:4]] == [1, 1, 3, 4]
    published = row_of(pages[WARD], "tied")
    assert published.borough_value == 100.0 and published.borough_method == "as published (council figure)"
    assert published.method == "as published for the ward" and published.derivation.startswith("Ward: as published")


def test_a_ward_rate_is_judged_by_its_interval_and_a_few_events_read_similar(copy, tmp_path):
    """A ward rate with numerators and denominators (per 1,000) is judged against the borough by its 95% interval,
    as Fingertips: exact Poisson below 10 events, Byar's from 10 (both written out here with scipy). Abram's 6
    events in 600 people (10 per 1,000, twice the borough) read "similar", not "worse"; a ward with the same rate
    from 300 events reads "worse"."""
    from scipy import stats

    wards = sorted(copy.area_codes("ward23"))
    big = next(w for w in wards if w != WARD)
    counts = {w: (50, 10_000) for w in wards}
    counts[WARD], counts[big] = (6, 600), (300, 30_000)
    frame = pd.DataFrame([(w, "2021", x, n, x / n * 1000) for w, (x, n) in counts.items()],
                         columns=["ward23cd", "period", "numerator", "denominator", "value"])
    frame.to_csv(tmp_path / "admissions.csv", index=False)
    import_file(copy, str(tmp_path / "admissions.csv"), ImportSpec(indicator="admissions", defaults={
        "title": "Admissions", "value_type": "rate", "unit": "per 1,000", "polarity": "high_is_bad"}))
    pages = {p.area_code: p for p in build_profiles(copy, ["admissions"])}
    borough = sum(x for x, _ in counts.values()) / sum(n for _, n in counts.values()) * 1000
    z = stats.norm.ppf(0.975)
    for ward in (WARD, big):
        x, n = counts[ward]
        if x < 10:
            low, high = stats.chi2.ppf(0.025, 2 * x) / 2, stats.chi2.ppf(0.975, 2 * x + 2) / 2
        else:
            low = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
            high = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3
        low, high = low / n * 1000, high / n * 1000
        expected = "worse" if low > borough else "better" if high < borough else "same"
        row = row_of(pages[ward], "admissions")
        assert row.value == pytest.approx(10.0) and row.borough_value == pytest.approx(borough)
        assert row.comparison == expected, ward
        shown = [f"{v:.1f}" if v >= 10 else f"{v:.2f}" for v in (low, high)]  # as pages print a rate per 1,000
        assert f"{shown[0]} to {shown[1]}" in row.significance
    assert row_of(pages[WARD], "admissions").comparison == "same"  # twice the borough's rate, from 6 events
    assert "exact Poisson" in row_of(pages[WARD], "admissions").significance
    big_row = row_of(pages[big], "admissions")
    assert big_row.comparison == "worse" and "Byar" in big_row.significance


def test_the_small_number_rule_withholds_ward_counts_but_not_the_borough_total(copy, tmp_path):
    """With `suppress_below = 5`, a ward count of 3 is withheld, and so is the next smallest (12), or the borough's
    total would give the 3 back; the borough's value still counts every ward; the rest are shown."""
    wards = sorted(copy.area_codes("ward23"))
    counts = {w: 40 + i for i, w in enumerate(wards)}
    small, next_smallest = wards[3], wards[7]
    counts[small], counts[next_smallest] = 3, 12
    pd.DataFrame({"ward23cd": wards, "period": "2022", "value": [counts[w] for w in wards]}).to_csv(
        tmp_path / "referrals.csv", index=False)
    import_file(copy, str(tmp_path / "referrals.csv"), ImportSpec(indicator="referrals", defaults={
        "title": "Referrals", "value_type": "count", "polarity": "high_is_bad"}))
    copy.set_settings({"suppress_below": "5"})
    pages = {p.area_code: p for p in build_profiles(copy, ["referrals"])}
    shown = {w: row_of(pages[w], "referrals") for w in wards}
    assert shown[small].value is None and "a count below 5" in shown[small].method
    assert shown[next_smallest].value is None and "cannot reveal" in shown[next_smallest].method
    assert all(shown[w].value == counts[w] for w in wards if w not in (small, next_smallest))
    assert shown[wards[0]].borough_value == sum(counts.values())
    assert shown[small].rank is None and shown[wards[0]].rank_of == len(wards) - 2
    # a second, earlier period: the sparklines publish it too, so its small count is withheld there as well
    earlier = {w: counts[w] + 5 for w in wards}
    earlier[next_smallest] = 2  # 2021: the 2 and the next smallest (8, the ward small in 2022) withheld
    pd.DataFrame({"ward23cd": wards, "period": "2021", "value": [earlier[w] for w in wards]}).to_csv(
        tmp_path / "referrals_2021.csv", index=False)
    import_file(copy, str(tmp_path / "referrals_2021.csv"), ImportSpec(indicator="referrals"))
    pages = {p.area_code: p for p in build_profiles(copy, ["referrals"])}
    series = {w: dict(row_of(pages[w], "referrals").series) for w in wards}
    assert series[next_smallest]["2021"] is None and series[small]["2021"] is None
    assert series[small]["2022"] is None and series[next_smallest]["2022"] is None
    assert all(series[w] == {"2021": earlier[w], "2022": counts[w]} for w in wards if w not in (small, next_smallest))


@pytest.mark.parametrize("kwargs, error, message", [
    ({"indicators": []}, ProfileError, "at least one indicator"),
    ({"indicators": ["pop2015_total", "pop2015_total"]}, ProfileError, "more than once"),
    ({"indicators": ["no_such_thing"]}, IndicatorNotFound, "no indicator 'no_such_thing'"),
    ({"indicators": ["pop2015_total"], "lookup": "lsoa11_ward22"}, ProfileError, "leads to ward22, not ward23"),
    ({"indicators": ["pop2015_total"], "lookup": "nope"}, LisError, "no lookup 'nope'"),
    ({"indicators": ["pop2015_total"], "borough": "Bolton"}, LisError, "'Bolton' is not a borough of this store"),
    ({"indicators": ["pop2015_total"], "period": "1999"}, IndicatorNotFound, "no period '1999'"),
])
def test_profile_errors_name_the_fault(wigan, kwargs, error, message):
    with pytest.raises(error) as info:
        build_profiles(wigan, **kwargs)
    assert message in str(info.value) and isinstance(info.value, LisError)


# ------------------------------------------------------------------ England benchmarks
def test_england_csv_covers_exactly_the_combinable_indicators(england_csv, wigan):
    assert sorted(england_csv.index) == sorted(ENGLAND_COUNTS + list(ENGLAND_RATES))
    assert (england_csv["area_code"] == "E92000001").all() and (england_csv["area_name"] == "England").all()
    catalogue = wigan.catalogue().set_index("id")
    for ind, row in england_csv.iterrows():
        assert row["period"] in catalogue.loc[ind, "periods"]
        assert catalogue.loc[ind, "value_type"] not in ("rank", "decile", "score")
        assert "score" not in str(catalogue.loc[ind, "unit"])


@pytest.mark.skipif(not ENGLAND_DATA.is_dir(), reason="the national IoD files (../shared/data/england) are absent")
def test_england_values_match_an_independent_recomputation(england_csv):
    indicators = pd.read_csv(ENGLAND_DATA / "imd2019_england_lsoa11_indicators.csv.gz").set_index("lsoa11_code")
    file6 = pd.read_csv(ENGLAND_DATA / "File_6_-_IoD2019_Population_Denominators.csv.gz", thousands=",",
                        encoding="utf-8-sig").set_index("LSOA code (2011)")
    assert len(indicators) == len(file6) == 32844
    both = indicators.join(file6)
    for ind, column in ENGLAND_COUNT_COLUMNS.items():
        assert england_csv.loc[ind, "value"] == both[column].sum(), ind  # England total (suppressed cells skipped)
        missing = int(both[column].isna().sum())
        assert (f"({missing:,} missing or suppressed)" in england_csv.loc[ind, "method"]) == bool(missing)
    for ind, column in ENGLAND_RATES.items():
        expected = (both[column] * both[POP]).sum() / both[POP].sum()
        assert england_csv.loc[ind, "value"] == pytest.approx(expected, rel=1e-5), ind
        assert "population-weighted mean of 32,844 LSOAs" in england_csv.loc[ind, "method"]


def test_sample_store_holds_the_england_benchmarks(wigan, england_csv):
    got = wigan.benchmarks("pop2015_total")
    assert got[["indicator", "period", "area_code", "area_name"]].values.tolist() == [
        ["pop2015_total", "2015", "E92000001", "England"]]
    assert got["value"].iloc[0] == england_csv.loc["pop2015_total", "value"]
    assert got["source"].iloc[0] == "IoD 2019, all LSOAs in England; sum of 32,844 LSOAs"
    assert wigan.benchmarks("imd2019_imd_rank").empty
    assert len(wigan.benchmarks("iod2019_overcrowding", period="2019")) == 1
    assert wigan.benchmarks("iod2019_overcrowding", period="2015").empty
    audit = wigan.audit()
    last = audit[audit["action"] == "add_benchmarks"].iloc[-1]
    assert last["file"] == "england_benchmarks.csv" and last["rows"] == len(england_csv)


# ------------------------------------------------------------------ the store's benchmark table
def _bench(**overrides) -> pd.DataFrame:
    row = {"indicator": "pop2016_total", "period": "2016", "area_code": "E12000002", "area_name": "North West",
           "value": "7,219,600", "numerator": "", "denominator": ""}
    row.update(overrides)
    return pd.DataFrame([row])


@pytest.mark.parametrize("frame, error, message", [
    (_bench(indicator="nope"), IndicatorNotFound, "catalogue does not have: nope"),
    (_bench(period="2015"), IndicatorNotFound, "only for 2016"),
    (_bench(value="lots"), StoreError, "row 2, column 'value': 'lots' is not a number"),
    (_bench(value=""), StoreError, "row 2: the value is empty"),
    (_bench(area_code=" "), StoreError, "row 2: the area_code is empty"),
    (pd.concat([_bench(), _bench()]), StoreError, "appears more than once (rows 2, 3)"),
    (_bench().drop(columns="period"), StoreError, "missing column(s) period"),
])
def test_bad_benchmarks_are_refused_and_nothing_is_written(copy, frame, error, message):
    before = copy.checksum()
    with pytest.raises(error) as info:
        copy.add_benchmarks(frame, "ONS", file="regions.csv")
    assert message in str(info.value) and "regions.csv" in str(info.value)
    assert copy.checksum() == before


def test_benchmarks_are_added_audited_and_replaced(copy):
    before = copy.checksum()
    assert copy.add_benchmarks(_bench(), "ONS mid-2016") == 1
    assert copy.checksum() != before  # benchmarks are part of the store's content
    got = copy.benchmarks("pop2016_total")
    assert got["value"].tolist() == [7219600.0] and got["source"].tolist() == ["ONS mid-2016"]
    assert got["numerator"].isna().all()
    last = copy.audit().iloc[-1]
    assert (last["action"], last["target"], last["rows"]) == ("add_benchmarks", "pop2016_total", 1)
    with pytest.raises(StoreError, match="already has 1 of these benchmark values"):
        copy.add_benchmarks(_bench(value="1"), "ONS")
    copy.add_benchmarks(_bench(value="7219601", method="published"), "ONS", replace=True)
    got = copy.benchmarks("pop2016_total")
    assert got["value"].tolist() == [7219601.0] and got["source"].tolist() == ["ONS; published"]


def test_a_store_made_before_the_benchmark_table_gets_it(copy):
    with sqlite3.connect(copy.path) as conn:
        conn.execute("DROP TABLE lis_benchmark")
        conn.execute("DELETE FROM gpkg_contents WHERE table_name = 'lis_benchmark'")
    conn.close()
    old = Store.open(copy.path)
    try:
        assert old.benchmarks("pop2016_total").empty
        checksum = old.checksum()
        old.add_benchmarks(_bench(), "ONS")
        assert len(old.benchmarks("pop2016_total")) == 1 and old.checksum() != checksum
        with sqlite3.connect(copy.path) as conn:
            registered = conn.execute("SELECT COUNT(*) FROM gpkg_contents WHERE table_name = 'lis_benchmark'")
            assert registered.fetchone()[0] == 1
        conn.close()
    finally:
        old.close()


# ------------------------------------------------------------------ the SVG table
def _texts(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{SVG}text"))


def _box(element: ET.Element) -> tuple[float, float, float, float]:
    """left, top, right, bottom of a text element, from its position, size, anchor and estimated width."""
    x, y = float(element.get("x")), float(element.get("y"))
    size = float(element.get("font-size").removesuffix("px"))
    width = text_width(element.text or "", size, element.get("font-weight") == "bold")
    anchor = element.get("text-anchor", "start")
    left = x - width if anchor == "end" else x - width / 2 if anchor == "middle" else x
    return left, y - 0.76 * size, left + width, y + 0.24 * size


def test_svg_is_well_formed_and_shows_every_title_and_value(profiles):
    profile = profiles[WARD]
    svg = profile_svg(profile)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and root.get("width") == "1000"
    assert "DejaVu Sans" in root.get("font-family")
    texts = [t.text for t in _texts(root)]
    for number, row in enumerate(profile.rows, start=1):
        group = root.find(f".//{SVG}g[@id='row-{number}']")
        assert group.find(f"{SVG}title").text == row.title
        lines = [t.text for t in group.iter(f"{SVG}text") if float(t.get("x")) == 12.0
                 and t.get("font-size") == TITLE_PX]
        assert 1 <= len(lines) <= 2 and " ".join(lines) == row.title
        shown = [t.text for t in group.iter(f"{SVG}text")]
        for text in (row.value_text, row.borough_text, row.benchmark_text):
            assert text in shown
    assert f"{profile.area_name} ({WARD})" in texts and "Key" in texts
    assert any("How the values were derived" == t for t in texts)
    assert row_of(profile, "claimant_count").series  # the sparkline row
    assert len(root.findall(f".//{SVG}polyline")) >= 2  # its sparkline and the key's


def test_svg_text_does_not_overlap(profiles):
    for code in (WARD, sorted(profiles)[-1]):
        root = ET.fromstring(profile_svg(profiles[code]))
        width, height = float(root.get("width")), float(root.get("height"))
        boxes = [(_box(t), t.text) for t in _texts(root)]
        for (left, top, right, bottom), text in boxes:
            assert 0 <= left and right <= width and 0 <= top and bottom <= height, text
        for i, ((l1, t1, r1, b1), a) in enumerate(boxes):
            for (l2, t2, r2, b2), b in boxes[i + 1:]:
                assert r1 <= l2 or r2 <= l1 or b1 <= t2 or b2 <= t1, f"'{a}' overlaps '{b}'"


def test_svg_escapes_text_and_wraps_long_titles():
    long_title = "Children <5 & their carers in \"temporary\" accommodation awaiting rehousing, " * 3
    row = ProfileRow(indicator="x", title=long_title.strip(), unit="per 1,000 <households>", polarity="high_is_bad",
                     kind="rate", period="2024", value=12.5, value_text="12.5", method="m", incomplete=0,
                     borough_value=10.0, borough_text="10.0", borough_method="b", benchmark_value=None,
                     benchmark_text="n/a", benchmark_method="none", benchmark_comparable=False, rank=2, rank_of=3,
                     comparator=10.0, comparator_label="borough value", comparison="worse",
                     spine={"min": 1.0, "q1": 5.0, "median": 10.0, "q3": 12.0, "max": 20.0},
                     series=[("2022", 1.0), ("2023", None), ("2024", 3.0)], derivation="R&D <says> so")
    profile = AreaProfile("E05000001", "Smith's & Jones' <Ward>", [row], {"area_label": "ward"})
    root = ET.fromstring(profile_svg(profile))
    texts = [t.text for t in _texts(root)]
    assert "Smith's & Jones' <Ward> (E05000001)" in texts
    assert root.find(f".//{SVG}g[@id='row-1']/{SVG}title").text == long_title.strip()
    lines = [t for t in root.find(f".//{SVG}g[@id='row-1']").iter(f"{SVG}text")
             if t.get("font-size") == TITLE_PX and t.get("x") == "12.0"]
    assert len(lines) == 2 and lines[1].text.endswith("…")
    assert all(_box(t)[2] <= COLS["indicator"][1] for t in lines)
    assert any("R&D <says> so" in t for t in texts)


def test_a_short_spine_keeps_its_lowest_and_highest_labels_apart():
    """Three neighbourhoods with close values and England far off: the bar is short, and the borough's lowest and
    highest values under it used to print over each other ("4.6%6.1%")."""
    row = ProfileRow(indicator="x", title="Household overcrowding", unit="% of households", polarity="high_is_bad",
                     kind="rate", period="2019", value=4.6, value_text="4.6%", method="m", incomplete=0,
                     borough_value=5.0, borough_text="4.4%", borough_method="b", benchmark_value=9.1,
                     benchmark_text="9.1%", benchmark_method="e", benchmark_comparable=True, rank=3, rank_of=3,
                     comparator=5.0, comparator_label="borough value", comparison="better",
                     spine={"min": 4.6, "q1": 4.8, "median": 5.2, "q3": 5.6, "max": 6.1}, series=[],
                     derivation="d", number_style="percent")
    profile = AreaProfile("N1", "Leigh", [row], {"area_label": "neighbourhood"})
    group = ET.fromstring(profile_svg(profile)).find(f".//{SVG}g[@id='row-1']")
    labels = [t for t in group.iter(f"{SVG}text") if t.text in ("4.6%", "6.1%")
              and COLS["spine"][0] - 1 <= _box(t)[0] <= COLS["spine"][1]]
    assert len(labels) == 2
    (l1, _, r1, _), (l2, _, r2, _) = sorted(_box(t) for t in labels)
    assert r1 <= l2 and l1 >= COLS["spine"][0] and r2 <= COLS["spine"][1]


def test_a_custom_geography_named_in_words_is_called_by_its_singular():
    from lis_workbench.core.geography import area_label

    assert area_label("neighbourhoods") == "neighbourhood"
    assert area_label("team_around_the_place") == "team around the place"
    assert (area_label("ward22"), area_label("lsoa11"), area_label("geo7")) == ("ward", "LSOA", "geo7 area")

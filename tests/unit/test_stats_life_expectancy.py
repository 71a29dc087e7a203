"""Life expectancy (core.stats.life_expectancy, `lis stats life-expectancy`) against UKHSA's PHEindicatormethods:
every case of its test file tests/testthat/testLifeExpectancy.R (ukhsa-collaboration/PHEindicatormethods; the
package keeps its life-expectancy test data in that file, not in a CSV), transcribed here with its expected values,
and the Fingertips rules it tests (no value for a total population of 5,000 or fewer, negative deaths, a band with
no population, more deaths than population, a missing band, a 95% interval wider than 20 years)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sp
from unit_helpers import run_lis

from lis_workbench.core.errors import AnalysisError
from lis_workbench.core.stats import life_expectancy

REL = 1e-6
Z95 = sp.norm.ppf(0.975)

# ---- testLifeExpectancy.R: df1 (startage, pops, deaths) and answer1 (value, lowercl, uppercl at every age).
AGES = [0, 1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90]
POPS = [7060, 35059, 46974, 48489, 43219, 38561, 46009, 57208, 61435, 55601, 50209, 56416, 46411, 39820, 37978,
        37039, 33288, 23306, 11936, 11936]
DEATHS = [17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872, 1390, 1605, 1936, 1937]
VALUE = [80.16960813, 79.36245674, 75.44193645, 70.47299936, 65.52909542, 60.67510088, 55.78835987, 50.92752727,
         46.06740425, 41.24505636, 36.49322717, 31.83343842, 27.26027992, 22.9719144, 18.76856852, 14.95858336,
         11.51684445, 8.618849241, 6.163942934, 6.16210635]
LOWER = [79.88268548, 79.0898816, 75.17407307, 70.20675732, 65.26548673, 60.41876577, 55.53801579, 50.68279939,
         45.82666794, 41.00842831, 36.26223216, 31.60996318, 27.04337271, 22.76653134, 18.57570352, 14.77985004,
         11.34831778, 8.451134045, 5.978358351, 5.887683386]
UPPER = [80.45653078, 79.63503188, 75.70979983, 70.7392414, 65.79270412, 60.931436, 56.03870395, 51.17225516,
         46.30814055, 41.48168441, 36.72422219, 32.05691365, 27.47718713, 23.17729746, 18.96143352, 15.13731667,
         11.68537112, 8.786564437, 6.349527517, 6.436529314]
# ---- testLifeExpectancy.R: df1_cum (pops_used, dths_used: the population and deaths from each age up).
POPS_USED = [787954, 780894, 745835, 698861, 650372, 607153, 568592, 522583, 465375, 403940, 348339, 298130, 241714,
             195303, 155483, 117505, 80466, 47178, 23872, 11936]
DEATHS_USED = [9357, 9340, 9331, 9327, 9319, 9299, 9284, 9260, 9227, 9177, 9106, 9006, 8843, 8580, 8276, 7740, 6868,
               5478, 3873, 1937]
# ---- testLifeExpectancy.R: df3's startage labels (en dashes and "90 +" as written there), rows out of order.
DF3_LABELS = ["0", "1-4", "5-9", "10 – 14", "15 – 19", "20 – 24", "25 – 29", "30 – 34", "35 – 39", "40 – 44",
              "45 – 49", "50 – 54", "55 – 59", "60 – 64", "65 – 69", "75 – 79", "80 – 84", "85 – 89", "90 +",
              "70 – 74"]
DF3_ORDER = [AGES.index(a) for a in (0, 1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 75, 80, 85, 90, 70)]
# ---- testLifeExpectancy.R: df_widecis_plus (two areas; Area 1's 90+ band has 312 deaths in 311 people) and
# answer_widecis (Area 2: values to age 35, then suppressed; the 95% limits at every age).
WIDE_POPS = [270, 235, 246, 248, 243, 238, 246, 257, 261, 355, 350, 356, 346, 339, 337, 337, 333, 323, 311, 311]
WIDE_DEATHS = [17, 9, 4, 8, 20, 15, 24, 33, 50, 51, 10, 16, 26, 30, 36, 22, 13, 5, 6, 1]
WIDE_VALUE = [19.22914685, 19.44120610, 18.33467808, 14.67659995, 11.81284556, 11.63815414, 10.05641628, 9.93152356,
              11.95846561] + [np.nan] * 11
WIDE_LOWER = [16.43900644, 16.53437505, 15.62922550, 12.08108630, 9.21823373, 8.68414661, 6.54020385, 4.71570153,
              2.37762283, -1.60695210, -10.33328815, -17.16409724, -26.91715103, -45.04820928, -76.27067271,
              -137.12203187, -195.39453664, -242.37480291, -266.74198466, -298.54880400]
WIDE_UPPER = [22.01928726, 22.34803716, 21.04013066, 17.27211361, 14.40745738, 14.59216167, 13.57262872,
              15.14734559, 21.53930839, 50.29765396, 97.99598549, 107.54413263, 128.91238524, 181.91668353,
              278.06441642, 472.32822039, 649.40455756, 783.50845564, 841.04259816, 920.54880400]


def df1(**columns) -> pd.DataFrame:
    return pd.DataFrame({"startage": AGES, "pops": POPS, "deaths": DEATHS, **columns})


def close(got, expected, rel: float = REL) -> None:
    got, expected = np.asarray(got, float), np.asarray(expected, float)
    assert np.array_equal(np.isnan(got), np.isnan(expected)), (got, expected)
    keep = ~np.isnan(expected)
    np.testing.assert_allclose(got[keep], expected[keep], rtol=rel, atol=0)


def test_df1_matches_answer1_at_every_age():
    result = life_expectancy(df1(), "deaths", "pops", "startage", at="all")
    assert list(result["age"]) == AGES and set(result["note"]) == {""}
    close(result["value"], VALUE)
    close(result["lower_ci"], LOWER)
    close(result["upper_ci"], UPPER)
    close(result["population_used"], POPS_USED, rel=0)
    close(result["deaths_used"], DEATHS_USED, rel=0)


def test_answer1_limits_were_made_with_z_1_96_and_the_package_uses_the_normal_quantile():
    """answer1's limits come from PHE's Excel calculator (z = 1.96); phe_life_expectancy uses qnorm(0.975), as we do,
    and the test in R compares to 4 decimals. Rescaled to qnorm(0.975), answer1's half-widths are ours to 1e-9."""
    result = life_expectancy(df1(), "deaths", "pops", "startage", at="all")
    mid, half = (np.array(UPPER) + np.array(LOWER)) / 2, (np.array(UPPER) - np.array(LOWER)) / 2 * Z95 / 1.96
    close(result["lower_ci"], mid - half, rel=1e-9)
    close(result["upper_ci"], mid + half, rel=1e-9)


@pytest.mark.parametrize("case", ["rows out of order (df2)", "labelled bands out of order (df3)",
                                  "one area grouping (test3)", "confidence = 95 (test1.1)"])
def test_the_package_variants_of_df1_give_answer1(case):
    options: dict = {"at": "all"}
    if case.startswith("rows"):
        order = [AGES.index(a) for a in (0, 1, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 70, 75, 80, 85, 90,
                                         65)]
        table = df1().iloc[order]
    elif case.startswith("labelled"):
        table = df1().iloc[DF3_ORDER].assign(startage=DF3_LABELS)
    elif case.startswith("one area"):
        table, options = df1(area="test"), {**options, "by": ["area"]}
    else:
        table, options = df1(), {**options, "confidence": 95}
    result = life_expectancy(table, "deaths", "pops", "startage", **options)
    assert list(result["age"]) == AGES
    close(result["value"], VALUE)
    close(result["lower_ci"], LOWER)
    close(result["upper_ci"], UPPER)


def test_le_age_5_and_25_with_the_cumulative_deaths_and_populations():
    """test5 (le_age = 5) and test6 (le_age = c(5, 25), type "full": with pops_used and dths_used)."""
    one = life_expectancy(df1(), "deaths", "pops", "startage", at=5)
    assert list(one["age"]) == [5]
    close(one[["value", "lower_ci", "upper_ci"]].to_numpy()[0], [VALUE[2], LOWER[2], UPPER[2]])
    two = life_expectancy(df1(), "deaths", "pops", "startage", at=[25, 5])
    assert list(two["age"]) == [5, 25] and list(two["method"].str.startswith("Chiang")) == [True, True]
    close(two["value"], [VALUE[2], VALUE[6]])
    close(two["population_used"], [POPS_USED[2], POPS_USED[6]], rel=0)
    close(two["deaths_used"], [DEATHS_USED[2], DEATHS_USED[6]], rel=0)
    default = life_expectancy(df1(), "deaths", "pops", "startage")
    assert list(default["age"]) == [0] and default.loc[0, "value"] == pytest.approx(VALUE[0], rel=REL)


def test_99_8_percent_limits_are_answer1_widened_by_the_normal_quantiles():
    """test7/test8: the 99.8% limits are the same standard error times qnorm(0.999)."""
    result = life_expectancy(df1(), "deaths", "pops", "startage", at="all", confidence=0.998)
    half = (np.array(UPPER) - np.array(LOWER)) / 2 / 1.96 * sp.norm.ppf(0.999)
    close(result["lower_ci"], np.array(VALUE) - half)
    close(result["upper_ci"], np.array(VALUE) + half)


def test_wide_intervals_suppress_the_value_but_keep_the_limits():
    """df_widecis_plus / answer_widecis: Area 1 has more deaths than people at 90+ (no value at any age); Area 2's
    values from age 40 have a 95% interval wider than 20 years (value withheld, limits given)."""
    table = pd.DataFrame({"area": ["Area 1"] * 20 + ["Area 2"] * 20, "startage": AGES * 2, "pops": WIDE_POPS * 2,
                          "deaths": [*WIDE_DEATHS[:-1], 312, *WIDE_DEATHS]})
    result = life_expectancy(table, "deaths", "pops", "startage", by=["area"], at="all")
    first, second = result[result["area"] == "Area 1"], result[result["area"] == "Area 2"]
    assert first[["value", "lower_ci", "upper_ci"]].isna().all().all()
    assert set(first["note"]) == {"more deaths than population in age band(s) 90+: not computed"}
    close(second["value"], WIDE_VALUE)
    close(second["lower_ci"], WIDE_LOWER)
    close(second["upper_ci"], WIDE_UPPER)
    assert list(second["note"] != "") == [False] * 9 + [True] * 11
    assert second["note"].iloc[-1] == "95% confidence interval wider than 20 years: value not shown"


@pytest.mark.parametrize("case, note", [
    ("df_neg_deaths", "negative deaths in age band(s) 10-14: not computed"),
    ("df_zero_pop", "population 0 or less in age band(s) 20-24: not computed"),
    ("df_deaths_greater_pops", "more deaths than population in age band(s) 85-89: not computed"),
    ("df_missing_age", "no rows (or no deaths or population) for age band(s) 90+: not computed"),
    ("df_low_pops", "total population 2,883 is 5,000 or fewer: not computed"),
])
def test_the_fingertips_rules_give_no_value_and_say_why(case, note):
    table = pd.DataFrame({"age": AGES, "pop": POPS, "deaths": DEATHS})
    if case == "df_neg_deaths":
        table.loc[3, "deaths"] = -5
    elif case == "df_zero_pop":
        table.loc[5, "pop"] = 0
    elif case == "df_deaths_greater_pops":
        table.loc[18, "pop"] = 119
    elif case == "df_missing_age":
        table = table.iloc[:19]
    else:
        table = table.assign(
            pop=[128, 152, 120, 176, 194, 180, 145, 149, 107, 185, 165, 109, 100, 122, 133, 189, 123, 121, 147, 138],
            deaths=[58, 93, 78, 94, 59, 71, 80, 73, 69, 72, 91, 69, 78, 71, 54, 91, 82, 53, 50, 84])
    result = life_expectancy(table, "deaths", "pop", "age", at="all")
    assert len(result) == 20 and result[["value", "lower_ci", "upper_ci"]].isna().all().all()
    assert set(result["note"]) == {note} and set(result["method"]) == {""}


def test_grouped_data_with_every_problem_gives_each_group_its_own_note():
    """df_grouped_with_warnings: one good area and one of each problem; only the good one has values."""
    areas = ["Good data", "Negative deaths", "Negative pops", "Deaths more than pops", "Low pops",
             "Missing age band"]
    good_pops = [*POPS[:5], 43219, *POPS[6:]]
    pops = good_pops * 2 + [*good_pops[:3], -10, *good_pops[4:]] + good_pops + [100] * 20 + good_pops[:19]
    deaths = (DEATHS + [*DEATHS[:2], -2, *DEATHS[3:]] + DEATHS + [*DEATHS[:5], 50000, *DEATHS[6:]]
              + [*DEATHS[:10], *[80] * 10] + DEATHS[:19])
    table = pd.DataFrame({"area": np.repeat(areas, [20] * 5 + [19]), "age": AGES * 5 + AGES[:19], "pop": pops,
                          "deaths": deaths})
    result = life_expectancy(table, "deaths", "pop", "age", by=["area"])
    notes = dict(zip(result["area"], result["note"]))
    assert notes == {"Deaths more than pops": "more deaths than population in age band(s) 20-24: not computed",
                     "Good data": "",
                     "Low pops": "total population 2,000 is 5,000 or fewer: not computed",
                     "Missing age band": "no rows (or no deaths or population) for age band(s) 90+: not computed",
                     "Negative deaths": "negative deaths in age band(s) 5-9: not computed",
                     "Negative pops": "population 0 or less in age band(s) 10-14: not computed"}
    assert result.set_index("area")["value"].notna().to_dict() == {a: a == "Good data" for a in areas}


def test_the_open_band_is_one_over_its_death_rate_with_silcocks_variance():
    """At the open band e = 1/M = population/deaths and its standard error is e/sqrt(deaths) (Silcocks et al.):
    answer1's last row (6.16210635 = 11936/1937), and an 85+ table made by joining 85-89 with 90+."""
    assert VALUE[-1] == pytest.approx(11936 / 1937, rel=1e-9)
    joined = df1().iloc[:19].copy()
    joined.loc[18, ["pops", "deaths"]] = [11936 * 2, 1936 + 1937]
    result = life_expectancy(joined, "deaths", "pops", "startage", at=85, open_age=85)
    e = 23872 / 3873
    assert result.loc[0, "value"] == pytest.approx(e, rel=1e-12)
    assert result.loc[0, "upper_ci"] - e == pytest.approx(Z95 * e / np.sqrt(3873), rel=1e-9)
    assert life_expectancy(joined, "deaths", "pops", "startage", open_age=85).loc[0, "value"] > 75


def test_bands_and_ages_that_are_not_the_life_tables_are_refused():
    with pytest.raises(AnalysisError, match="'0-4'.*0 \\(under 1\\) and 1-4") as info:
        life_expectancy(df1(startage=["0-4", *AGES[1:]]), "deaths", "pops", "startage")
    assert info.value.option == "age"
    with pytest.raises(AnalysisError, match="'95\\+' is not a band of the life table"):
        life_expectancy(df1(startage=[*AGES[:-1], "95+"]), "deaths", "pops", "startage")
    with pytest.raises(AnalysisError, match="first age of a band.*got 4") as info:
        life_expectancy(df1(), "deaths", "pops", "startage", at=4)
    assert info.value.option == "at"
    with pytest.raises(AnalysisError, match="Column 'pops', row 4: 'many' is not a number"):
        life_expectancy(df1(pops=[1, 2, "many", *POPS[3:]]), "deaths", "pops", "startage")
    under_one = life_expectancy(df1(startage=["<1", *AGES[1:]]), "deaths", "pops", "startage")
    assert under_one.loc[0, "value"] == pytest.approx(VALUE[0], rel=REL)


def test_lis_stats_life_expectancy_writes_the_table(tmp_path):
    src = tmp_path / "deaths.csv"
    rows = [f"{area},{a},{d},{p}" for area in ("north", "south") for a, d, p in zip(DF3_LABELS, *zip(*[
        (DEATHS[i], POPS[i]) for i in DF3_ORDER]))]
    src.write_text("area,band,deaths,population\n" + "\n".join(rows[:-1]) + "\n", encoding="utf-8")
    out = tmp_path / "le.csv"
    done = run_lis("stats", "life-expectancy", src, "--deaths", "deaths", "--population", "population", "--age",
                   "band", "--by", "area", "--at", "0", "--at", "65", "--out", out)
    assert done.returncode == 0, done.stderr
    got = pd.read_csv(out, keep_default_na=False)
    assert list(got.columns) == ["area", "age", "deaths_used", "population_used", "value", "lower_ci", "upper_ci",
                                 "method", "note"]
    assert list(got["area"]) == ["north", "north", "south", "south"] and list(got["age"]) == [0, 65, 0, 65]
    close(got.loc[:1, "value"].astype(float), [VALUE[0], VALUE[14]])
    close(got.loc[:1, "lower_ci"].astype(float), [LOWER[0], LOWER[14]])
    assert got.loc[2, "value"] == "" and "no rows" in got.loc[2, "note"] and "70-74" in got.loc[2, "note"]
    bad = run_lis("stats", "life-expectancy", src, "--deaths", "deaths", "--population", "population", "--age",
                  "band", "--at", "3", "--out", out)
    assert bad.returncode == 1 and "(option --at)" in bad.stderr

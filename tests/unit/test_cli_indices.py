"""`lis index`, `lis trend`, `lis aggregate` and `lis compare` through a real subprocess: what they print and write,
checked against pandas / scipy computations from the sample files and raw store rows; exit codes 0 / 1 / 2."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from unit_helpers import SAMPLE, rows, run_lis, sample_csv, sha256_file

from lis_workbench.core.store import Store

RECIPE = SAMPLE / "wigan_vulnerability_index.toml"


@pytest.fixture()
def gpkg(built_stores, tmp_path):
    """A private copy of the GeoPackage sample store."""
    target = tmp_path / "store.gpkg"
    shutil.copyfile(built_stores("gpkg"), target)
    return target


def _raw(path, indicator: str, period: str) -> pd.Series:
    found = rows(path, "SELECT area_code, value FROM lis_value WHERE indicator = ? AND period = ?", (indicator, period))
    return pd.Series(dict(found), dtype=float)


def _one_error_line(result) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:"), result.stderr
    return lines[0]


# ------------------------------------------------------------------ index
def test_index_lists_saves_and_writes_csv(store_path, tmp_path):
    csv = tmp_path / "index.csv"
    result = run_lis("index", RECIPE, "--store", store_path, "--save", "--csv", csv, "--sensitivity")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(csv)
    assert len(table) == 200 and table["index_decile"].value_counts().tolist() == [20] * 10
    # the rank normalisation by hand: need rank / n per component (IMD ranks: low = need), weighted 25/25/20/15/15
    raw = {k: _raw(store_path, *k.split("@")) for k in ("imd2019_income_rank@2019", "imd2019_employment_rank@2019",
                                                         "imd2019_health_rank@2019",
                                                         "census2011_no_qualifications@2011",
                                                         "census2011_lone_parents_not_employed@2011",
                                                         "pop2015_working_age@2015", "pop2015_total@2015")}
    codes = table["area_code"]
    need = [(-raw["imd2019_income_rank@2019"], 25), (-raw["imd2019_employment_rank@2019"], 25),
            (-raw["imd2019_health_rank@2019"], 20),
            (raw["census2011_no_qualifications@2011"] / raw["pop2015_working_age@2015"], 15),
            (raw["census2011_lone_parents_not_employed@2011"] / raw["pop2015_total@2015"], 15)]
    score = sum(w / 100 * stats.rankdata(v.reindex(codes)) / 200 for v, w in need)
    np.testing.assert_allclose(table["index_score"], score, atol=1e-12)
    top = table.sort_values("index_rank").iloc[0]
    assert top["area_code"] in result.stdout.split("Weight sensitivity")[0]
    assert "Weight sensitivity" in result.stdout and "census2011_no_qualifications" in result.stdout
    assert "Saved wigan_vulnerability_index_score, wigan_vulnerability_index_rank" in result.stdout
    with Store.open(store_path) as store:
        saved = store.get_values("wigan_vulnerability_index_decile", "2019").set_index("area_code")["value"]
        assert "[index]" in store.indicator("wigan_vulnerability_index_score")["notes"]
    assert saved.reindex(codes).tolist() == table["index_decile"].astype(float).tolist()
    again = run_lis("index", RECIPE, "--store", store_path, "--save")
    assert "already has values" in _one_error_line(again)
    assert run_lis("index", RECIPE, "--store", store_path, "--save", "--replace").returncode == 0


def test_index_bad_recipes_exit_1_and_usage_exits_2(gpkg, tmp_path):
    before = sha256_file(gpkg)
    bad = tmp_path / "bad.toml"
    bad.write_text('[index]\nid = "x"\ntitle = "X"\nweighting = "odd"\n\n[[component]]\nindicator = "a"\n')
    assert "unknown key(s) weighting" in _one_error_line(run_lis("index", bad, "--store", gpkg))
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('[index]\nid = "x"\ntitle = "X"\n\n[[component]]\nindicator = "no_such_indicator"\n')
    line = _one_error_line(run_lis("index", unknown, "--store", gpkg))
    assert "no_such_indicator" in line and "component" in line
    assert "Cannot read the index recipe" in _one_error_line(run_lis("index", tmp_path / "absent.toml",
                                                                     "--store", gpkg))
    assert sha256_file(gpkg) == before
    missing_store = run_lis("index", RECIPE)
    assert missing_store.returncode == 2 and "--store" in missing_store.stderr
    assert run_lis("index", RECIPE, "--store", gpkg, "--top", "many").returncode == 2


# ------------------------------------------------------------------ trend
def test_trend_change_and_slopes_match_pandas_and_scipy(gpkg, tmp_path):
    csv = tmp_path / "trend.csv"
    result = run_lis("trend", gpkg, "claimant_rate", "--start", "2015-06", "--end", "2017-06", "--csv", csv)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(csv).set_index("area_code")
    with contextlib.closing(sqlite3.connect(gpkg)) as conn:
        long = pd.read_sql_query("SELECT area_code, period, value FROM lis_value WHERE indicator = 'claimant_rate'",
                                 conn)
    wide = long.pivot(index="area_code", columns="period", values="value")
    assert len(table) == 25
    np.testing.assert_allclose(table["change"], (wide["2017-06"] - wide["2015-06"]).reindex(table.index), atol=1e-12)
    window = [p for p in wide.columns if "2015-06" <= p <= "2017-06"]
    years = np.array([int(p[:4]) + (int(p[5:]) - 1) / 12 for p in window])
    for code in table.index[:5]:
        fit = stats.linregress(years, wide.loc[code, window].to_numpy(float))
        assert table.loc[code, "slope"] == pytest.approx(fit.slope, rel=1e-9)
        assert table.loc[code, "p_value"] == pytest.approx(fit.pvalue, rel=1e-6)
        assert table.loc[code, "n_periods"] == 25
    worsening = ((table["p_value"] < 0.05) & (table["slope"] > 0)).sum()
    assert f"{worsening} worsening" in result.stdout
    # the recent trend marker: the claimant rate is monthly, without confidence intervals: not tested, and said so
    reason = "monthly data (the method tests yearly data only); no confidence intervals"
    assert (table["recent_trend"] == f"Could not be calculated: {reason}").all()
    assert table["recent_chi2"].isna().all() and (table["recent_periods"].str.endswith("2017-05, 2017-06")).all()
    assert (f"Recent trend (Fingertips method, last 5 points to 2017-06): 25 could not be calculated: {reason}"
            in result.stdout)


# ------------------------------------------------------------------ recent trend markers on yearly data
CRITICAL_998 = stats.chi2.ppf(0.998, 1)


def _yearly_rates(codes: list[str]) -> pd.DataFrame:
    """Made-up yearly rates with 95% limits, 2012-2020: wards rising, falling and level (noise seeded); one ward with
    three years only, one without a limit in 2019, one missing 2018."""
    rng = np.random.default_rng(11)
    rows = []
    for i, code in enumerate(codes):
        slope = (1.5, -1.5, 0.0)[i % 3]
        for year in range(2012, 2021):
            if (i == 3 and year < 2018) or (i == 6 and year == 2018):
                continue
            value = 50 + slope * (year - 2012) + rng.normal(0, 0.4)
            half = 1.96 * 0.8
            rows.append((code, str(year), round(value, 3), round(value - half, 3), round(value + half, 3)))
    table = pd.DataFrame(rows, columns=["wd22cd", "period", "value", "lower_ci", "upper_ci"])
    table.loc[(table["wd22cd"] == codes[4]) & (table["period"] == "2019"), ["lower_ci", "upper_ci"]] = np.nan
    return table


def _reference_marker(rows: pd.DataFrame) -> tuple[str, float]:
    """The page's rule with numpy.polyfit: last five years, weighted least squares (weights from the limits), chi2 =
    gradient^2 / its variance > the 99.8% point, the gradient's sign kept without each point; high is bad."""
    last = rows.sort_values("period").tail(5)
    years = last["period"].astype(int).to_numpy()
    if len(last) < 5:
        return f"Could not be calculated: fewer than 5 points ({len(last)})", np.nan
    if not (np.diff(years) == 1).all():
        missing = sorted(set(range(years[0], years[-1] + 1)) - set(years))
        return f"Could not be calculated: a break in the series (no value for {', '.join(map(str, missing))})", np.nan
    if last["lower_ci"].isna().any():
        gap = last[last["lower_ci"].isna()]["period"].iloc[0]
        return f"Could not be calculated: no confidence interval for {gap}", np.nan
    se = (last["upper_ci"] - last["lower_ci"]).to_numpy(float) / (2 * stats.norm.ppf(0.975))

    def fit(keep):
        coef, cov = np.polyfit(years[keep] - 2018.0, last["value"].to_numpy(float)[keep], 1, w=1 / se[keep],
                               cov="unscaled")
        return coef[0], coef[0] ** 2 / cov[0, 0]

    gradient, chi2 = fit(np.ones(5, bool))
    if chi2 <= CRITICAL_998 or any(fit(np.arange(5) != j)[0] * np.sign(gradient) <= 0 for j in range(5)):
        return "No significant change", chi2
    return ("Increasing and getting worse" if gradient > 0 else "Decreasing and getting better"), chi2


def test_recent_trend_markers_of_yearly_rates_with_limits(gpkg, tmp_path):
    with Store.open(gpkg) as opened:
        codes = sorted(opened.area_codes("ward22"))
    source = _yearly_rates(codes)
    path = tmp_path / "yearly_rates.csv"
    source.to_csv(path, index=False)
    imported = run_lis("import", gpkg, path, "--indicator", "yearly_rate", "--title", "Yearly rate", "--value-type",
                       "rate", "--polarity", "high_is_bad", "--unit", "per 1,000")
    assert imported.returncode == 0, imported.stderr
    csv = tmp_path / "recent.csv"
    result = run_lis("trend", gpkg, "yearly_rate", "--csv", csv)
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(csv).set_index("area_code")
    expected = {code: _reference_marker(rows) for code, rows in source.groupby("wd22cd")}
    for code, (marker, chi2) in expected.items():
        assert table.loc[code, "recent_trend"] == marker, code
        if np.isfinite(chi2):
            assert table.loc[code, "recent_chi2"] == pytest.approx(chi2, rel=1e-6)  # the CSV's 3-decimal inputs
            assert table.loc[code, "recent_p"] == pytest.approx(stats.chi2.sf(chi2, 1), rel=1e-5)
            assert table.loc[code, "recent_periods"] == "2016, 2017, 2018, 2019, 2020"
        else:
            assert np.isnan(table.loc[code, "recent_chi2"])
    markers = pd.Series([m for m, _ in expected.values()])
    assert {"Increasing and getting worse", "Decreasing and getting better"} <= set(markers)  # calculated both ways
    assert markers.str.startswith("Could not be calculated").sum() == 3
    counted = markers[~markers.str.startswith("Could not")].str.lower().value_counts()
    line = next(x for x in result.stdout.splitlines() if x.startswith("Recent trend"))
    assert line.startswith("Recent trend (Fingertips method, last 5 points to 2020): "
                           + ", ".join(f"{n} {label}" for label, n in counted.items()))
    assert line.endswith("3 could not be calculated (1: fewer than 5 points (3); 1: no confidence interval for 2019; "
                         "1: a break in the series (no value for 2018))")


def test_recent_trend_markers_of_yearly_proportions(gpkg, tmp_path):
    """A proportion with numerators and denominators: the chi-squared test for trend written out here (the OHID
    page's formula), the gradient of the log odds by scipy.stats.linregress."""
    with Store.open(gpkg) as opened:
        codes = sorted(opened.area_codes("ward22"))
    rng = np.random.default_rng(5)
    rows = []
    for i, code in enumerate(codes):
        step = (0.012, -0.012, 0.0)[i % 3]
        for year in range(2014, 2021):
            n = int(rng.integers(1500, 2500))
            r = int(rng.binomial(n, 0.2 + step * (year - 2014)))
            rows.append((code, str(year), round(r / n * 100, 4), r, n))
    source = pd.DataFrame(rows, columns=["wd22cd", "period", "value", "numerator", "denominator"])
    path = tmp_path / "yearly_share.csv"
    source.to_csv(path, index=False)
    imported = run_lis("import", gpkg, path, "--indicator", "yearly_share", "--title", "Yearly share",
                       "--value-type", "proportion", "--polarity", "high_is_good", "--unit", "%")
    assert imported.returncode == 0, imported.stderr
    csv = tmp_path / "recent.csv"
    assert run_lis("trend", gpkg, "yearly_share", "--start", "2015", "--csv", csv).returncode == 0
    table = pd.read_csv(csv).set_index("area_code")
    for code, group in source.groupby("wd22cd"):
        last = group.tail(5)
        t, r, n = last["period"].astype(float).to_numpy(), last["numerator"].to_numpy(float), \
            last["denominator"].to_numpy(float)
        big_n, big_r = n.sum(), r.sum()
        chi2 = big_n * (big_n * (r * t).sum() - big_r * (n * t).sum()) ** 2 / (
            big_r * (big_n - big_r) * (big_n * (n * t * t).sum() - (n * t).sum() ** 2))
        gradient = stats.linregress(t, np.log(r / (n - r))).slope
        assert table.loc[code, "recent_chi2"] == pytest.approx(chi2, rel=1e-9)
        assert table.loc[code, "recent_gradient"] == pytest.approx(gradient, rel=1e-9)
        kept = all(stats.linregress(t[keep], np.log(r[keep] / (n[keep] - r[keep]))).slope * gradient > 0
                   for keep in (np.arange(5) != j for j in range(5)))
        expected = "No significant change" if not (chi2 > CRITICAL_998 and kept) else \
            "Increasing and getting better" if gradient > 0 else "Decreasing and getting worse"  # high is good
        assert table.loc[code, "recent_trend"] == expected, code
    assert {"Increasing and getting better", "Decreasing and getting worse"} <= set(table["recent_trend"])


def test_trend_areas_filter_and_errors(gpkg):
    result = run_lis("trend", gpkg, "claimant_count", "--areas", "Abram, ince")
    assert result.returncode == 0, result.stderr
    assert "(2 areas)" in result.stdout and "Abram" in result.stdout and "Ince" in result.stdout
    assert "Bryn" not in result.stdout
    assert "has no such period" in _one_error_line(run_lis("trend", gpkg, "claimant_rate", "--end", "2017-12"))
    assert "no indicator 'claimant'" in _one_error_line(run_lis("trend", gpkg, "claimant"))
    assert "Nowhere" in _one_error_line(run_lis("trend", gpkg, "claimant_rate", "--areas", "Nowhere"))
    assert run_lis("trend", gpkg).returncode == 2


# ------------------------------------------------------------------ aggregate
def test_aggregate_sums_counts_and_saves_the_result(store_path, tmp_path):
    csv = tmp_path / "wards.csv"
    result = run_lis("aggregate", store_path, "iod2019_income_numerator", "--lookup", "lsoa11_ward23", "--csv", csv,
                     "--save-as", "income_people_ward23")
    assert result.returncode == 0, result.stderr
    people = sample_csv("wigan_imd2019_indicators.csv")
    pairs = pd.DataFrame(rows(store_path, "SELECT from_code, to_code FROM lis_lookup_row WHERE lookup = "
                              "'lsoa11_ward23'"), columns=["from_code", "to_code"])
    raw = _raw(store_path, "iod2019_income_numerator", "2019")
    expected = pairs.assign(v=pairs["from_code"].map(raw)).groupby("to_code")["v"].sum()
    table = pd.read_csv(csv).set_index("area_code")
    assert table["value"].to_dict() == pytest.approx(expected.to_dict())
    assert table["value"].sum() == pytest.approx(raw.sum()) and len(people) >= 200
    assert "Saved income_people_ward23: 25 values on ward23" in result.stdout
    with Store.open(store_path) as store:
        entry = store.indicator("income_people_ward23")
        assert entry["geography"] == "ward23" and "through lookup lsoa11_ward23" in entry["source"]
        stored = store.get_values("income_people_ward23").set_index("area_code")["value"]
    assert stored.to_dict() == pytest.approx(expected.to_dict())


def test_aggregate_refusals_exit_1(gpkg):
    assert "cannot be aggregated" in _one_error_line(run_lis("aggregate", gpkg, "imd2019_imd_rank", "--lookup",
                                                             "lsoa11_ward23"))
    assert "goes from lsoa11 to ward23" in _one_error_line(run_lis("aggregate", gpkg, "claimant_count", "--lookup",
                                                                   "lsoa11_ward23"))
    assert "no lookup 'nope'" in _one_error_line(run_lis("aggregate", gpkg, "claimant_count", "--lookup", "nope"))
    assert run_lis("aggregate", gpkg, "claimant_count").returncode == 2


# ------------------------------------------------------------------ compare
def test_compare_with_england_uses_the_stored_benchmarks(gpkg, tmp_path):
    csv = tmp_path / "compare.csv"
    result = run_lis("compare", gpkg, "iod2019_income_numerator", "--denominator", "pop2015_total",
                     "--benchmark", "england", "--csv", csv)
    assert result.returncode == 0, result.stderr
    england = sample_csv("england_benchmarks.csv").set_index("indicator")["value"]
    benchmark = england["iod2019_income_numerator"] / england["pop2015_total"] * 100
    table = pd.read_csv(csv)
    assert table["benchmark"].iloc[0] == pytest.approx(benchmark, rel=1e-12)
    for row in table.head(20).itertuples(index=False):
        ci = stats.binomtest(int(row.numerator), int(row.denominator)).proportion_ci(0.95, method="wilson")
        assert (row.lower_95, row.upper_95) == pytest.approx((100 * ci.low, 100 * ci.high), abs=1e-9)
        side = "higher" if 100 * ci.low > benchmark else "lower" if 100 * ci.high < benchmark else "similar"
        assert row.vs_benchmark_95 == side
        assert row.assessment_95 == {"higher": "worse", "lower": "better"}.get(side, side)
    counts = table["vs_benchmark_95"].value_counts()
    assert f"At 95%: {counts.get('higher', 0)} higher" in result.stdout
    assert "England" in result.stdout


def test_compare_borough_total_and_errors(gpkg, tmp_path):
    csv = tmp_path / "borough.csv"
    result = run_lis("compare", gpkg, "iod2019_income_numerator", "--denominator", "pop2015_total", "--kind",
                     "rate", "--csv", csv)
    assert result.returncode == 0, result.stderr
    num, den = _raw(gpkg, "iod2019_income_numerator", "2019"), _raw(gpkg, "pop2015_total", "2015")
    table = pd.read_csv(csv)
    assert table["benchmark"].iloc[0] == pytest.approx(num.sum() / den.sum() * 1000, rel=1e-12)
    assert "Byar" in result.stdout
    bad_kind = run_lis("compare", gpkg, "iod2019_income_numerator", "--kind", "ratio")
    assert bad_kind.returncode == 2 and "ratio" in bad_kind.stderr
    line = _one_error_line(run_lis("compare", gpkg, "iod2019_income_numerator", "--denominator", "pop2015_total",
                                   "--benchmark", "E99999999"))
    assert "E99999999" in line
    assert "no indicator 'pop_total'" in _one_error_line(run_lis("compare", gpkg, "iod2019_income_numerator",
                                                                 "--denominator", "pop_total"))
    assert "Counts of different areas" in _one_error_line(run_lis("compare", gpkg, "census2011_no_qualifications"))
    assert run_lis("compare", gpkg, "census2011_no_qualifications", "--benchmark", "700").returncode == 0


def test_compare_takes_the_catalogue_denominator(gpkg, tmp_path):
    """Children in income-deprived families are a share of children aged 0-15 (File 6), as the catalogue says."""
    csv = tmp_path / "idaci.csv"
    result = run_lis("compare", gpkg, "iod2019_idaci_numerator", "--csv", csv)
    assert result.returncode == 0, result.stderr
    assert "Denominator: pop2015_children_0_15 (from the catalogue)" in result.stdout
    children = sample_csv("wigan_imd2019_file6_population_denominators.csv", thousands=",").set_index(
        "LSOA code (2011)")["Dependent Children aged 0-15: mid 2015 (excluding prisoners)"]
    table = pd.read_csv(csv).set_index("area_code")
    assert len(table) == 167  # the LSOAs with a published count
    np.testing.assert_array_equal(table["denominator"].to_numpy(), children.reindex(table.index).to_numpy(float))

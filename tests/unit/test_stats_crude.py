"""`lis stats rate | proportion | mean` and core.stats: checked against scipy (exact Poisson and Student's t
quantiles, Wilson score intervals) and Byar's formula written out here, never against the engine's own numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sp
from unit_helpers import run_lis

from lis_workbench.core.errors import AnalysisError
from lis_workbench.core.stats import mean, proportion, rate


def reference_rate(x: float, n: float, multiplier: float, confidence: float) -> tuple[float, float]:
    """Exact (chi-squared) limits below 10 events, Byar's formula from 10, scaled: PHEindicatormethods' rule."""
    a = 1 - confidence
    if x < 10:
        lower = 0.0 if x == 0 else sp.chi2.ppf(a / 2, 2 * x) / 2
        upper = sp.chi2.ppf(1 - a / 2, 2 * x + 2) / 2
    else:
        z = sp.norm.ppf(1 - a / 2)
        lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
        upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3
    return lower / n * multiplier, upper / n * multiplier


@pytest.mark.parametrize("confidence", [0.95, 0.998, 99.8])
def test_rates_by_group_match_scipy_and_byar(confidence):
    rng = np.random.default_rng(5)
    table = pd.DataFrame({"ward": np.repeat([f"w{i}" for i in range(30)], 2),
                          "sex": np.tile(["f", "m"], 30),
                          "deaths": rng.integers(0, 40, 60), "population": rng.integers(200, 20_000, 60)})
    result = rate(table, "deaths", "population", by=["ward"], multiplier=100_000, confidence=confidence)
    sums = table.groupby("ward")[["deaths", "population"]].sum()
    level = confidence / 100 if confidence > 1 else confidence
    assert list(result["ward"]) == list(sums.index)
    for row in result.itertuples(index=False):
        x, n = sums.loc[row.ward]
        low, high = reference_rate(x, n, 100_000, level)
        assert row.value == pytest.approx(x / n * 100_000, rel=1e-12)
        assert (row.lower_ci, row.upper_ci) == (pytest.approx(low, rel=1e-10, abs=1e-12), pytest.approx(high,
                                                                                                       rel=1e-10))
        assert row.method == ("exact Poisson" if x < 10 else "Byar")
    assert result.attrs["confidence"] == pytest.approx(level)


def test_rates_say_why_a_group_has_no_value_and_refuse_bad_cells():
    table = pd.DataFrame({"g": ["a", "b", "c"], "x": ["3", "", "4"], "n": ["100", "50", "0"]})
    result = rate(table, "x", "n", by=["g"])
    assert list(result["note"]) == ["", "no count", "population is 0"]
    assert result["value"].isna().tolist() == [False, True, True]
    with pytest.raises(AnalysisError, match="row 3: 'many' is not a number"):
        rate(pd.DataFrame({"x": ["1", "many"], "n": ["10", "10"]}), "x", "n")
    with pytest.raises(AnalysisError, match="negative"):
        rate(pd.DataFrame({"x": [-1], "n": [10]}), "x", "n")
    with pytest.raises(AnalysisError, match="no column"):
        rate(table, "deaths", "n")
    with pytest.raises(AnalysisError, match="confidence"):
        rate(table, "x", "n", confidence=1.5)


def test_proportions_match_scipy_wilson():
    table = pd.DataFrame({"school": ["a", "b", "c", "d"], "obese": [0, 7, 120, 50], "measured": [40, 41, 600, 50]})
    result = proportion(table, "obese", "measured", by=["school"], multiplier=100, confidence=0.998)
    for row, (x, n) in zip(result.itertuples(index=False), table[["obese", "measured"]].to_numpy()):
        ci = sp.binomtest(int(x), int(n)).proportion_ci(confidence_level=0.998, method="wilson")
        assert row.value == pytest.approx(x / n * 100)
        assert row.lower_ci == pytest.approx(ci.low * 100, rel=1e-9, abs=1e-12)
        assert row.upper_ci == pytest.approx(ci.high * 100, rel=1e-9)
        assert row.method == "Wilson score"
    with pytest.raises(AnalysisError, match="school = b.*larger than the denominator"):
        proportion(table.assign(obese=[1, 50, 1, 1]), "obese", "measured", by=["school"])


def test_means_match_scipy_t_intervals():
    rng = np.random.default_rng(9)
    table = pd.DataFrame({"g": np.repeat(["a", "b", "c"], [12, 5, 1]), "bmi": rng.normal(25, 4, 18)})
    result = mean(table, "bmi", by=["g"])
    for row in result.itertuples(index=False):
        values = table.loc[table["g"] == row.g, "bmi"].to_numpy()
        assert row.value == pytest.approx(values.mean())
        if len(values) > 1:
            low, high = sp.t.interval(0.95, len(values) - 1, loc=values.mean(), scale=sp.sem(values))
            assert (row.lower_ci, row.upper_ci) == (pytest.approx(low), pytest.approx(high))
        else:
            assert np.isnan(row.lower_ci) and row.note == "one value: no interval"


def test_lis_stats_rate_writes_the_table(tmp_path):
    src = tmp_path / "deaths.csv"
    src.write_text("ward,deaths,population\nw1,1,100\nw1,0,100\nw2,65,90000\n")
    out = tmp_path / "rates.csv"
    done = run_lis("stats", "rate", src, "--count", "deaths", "--population", "population", "--by", "ward",
                   "--out", out)
    assert done.returncode == 0, done.stderr
    got = pd.read_csv(out)
    assert list(got.columns) == ["ward", "deaths", "population", "value", "lower_ci", "upper_ci", "method", "note"]
    low, high = reference_rate(1, 200, 100_000, 0.95)
    assert got.loc[0, "lower_ci"] == pytest.approx(low) and got.loc[0, "upper_ci"] == pytest.approx(high)
    assert list(got["method"]) == ["exact Poisson", "Byar"]
    bad = run_lis("stats", "rate", src, "--count", "dead", "--population", "population", "--out", out)
    assert bad.returncode == 1 and "no column(s) dead" in bad.stderr

"""The funnel a comparison draws (core.stats.funnel.comparison_funnel, core.compare_study.funnel): its proportion
limits are PHEindicatormethods' published funnel (testdata_funnel_prop_outputs.csv, as in test_stats_funnel.py);
its rate limits are where a count's interval - scipy's exact Poisson quantiles below 10 events, Byar's formula
written out here from 10 - just reaches the benchmark's expected count; and the areas outside the limits are
exactly those the comparison calls higher or lower."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sp

from lis_workbench.core.compare_study import compare_areas, funnel
from lis_workbench.core.errors import AnalysisError
from lis_workbench.core.stats.funnel import comparison_funnel
from tests.unit.test_stats_funnel import PROPORTION_ROWS


def _byar(o: float, z: float) -> tuple[float, float]:
    """Byar's limits of a count (Breslow & Day 1987), written out."""
    return (o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3,
            (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3)


def test_proportion_funnel_of_a_comparison_is_the_published_one():
    rows = np.array(PROPORTION_ROWS, dtype=float)
    lines = comparison_funnel("proportion", 80.642448, 100, rows[:, 0], at=rows[:, 0])
    for column, expected in zip(("lower_95", "upper_95", "lower_99_8", "upper_99_8"), rows[:, 1:].T):
        np.testing.assert_allclose(lines[column], expected, rtol=1e-6, atol=1e-6, err_msg=column)


@pytest.mark.parametrize("level,label", [(0.95, "95"), (0.998, "99_8")])
def test_rate_limits_are_where_the_count_interval_reaches_the_benchmark(level, label):
    benchmark, per = 12.0, 1000  # 12 per 1,000
    n = np.array([40.0, 300.0, 700.0, 2000.0, 25000.0])
    lines = comparison_funnel("rate", benchmark, per, n, at=n)
    expected_count = benchmark / per * n
    z = sp.norm.ppf(0.5 + level / 2)
    for ni, lam, low, high in zip(n, expected_count, lines[f"lower_{label}"], lines[f"upper_{label}"]):
        o_low, o_high = low * ni / per, high * ni / per
        # at the lower limit the count's UPPER limit is the benchmark's expected count (none: limit 0)
        if o_low == 0:
            assert sp.chi2.ppf(0.5 + level / 2, 2) / 2 >= lam  # even no events is similar
        else:
            reached = sp.chi2.ppf(0.5 + level / 2, 2 * o_low + 2) / 2 if o_low < 10 else _byar(o_low, z)[1]
            assert reached == pytest.approx(lam, rel=1e-9)
        reached = sp.chi2.ppf(0.5 - level / 2, 2 * o_high) / 2 if o_high < 10 else _byar(o_high, z)[0]
        assert reached == pytest.approx(lam, rel=1e-9)
        assert low < benchmark < high


def test_the_areas_outside_the_limits_are_those_compare_calls_higher_or_lower():
    rng = np.random.default_rng(3)
    n = rng.integers(20, 5000, 300).astype(float)
    rate = rng.gamma(4, 3, 300) / 1000
    frame = pd.DataFrame({"area_code": [f"A{i:03d}" for i in range(300)], "numerator": rng.poisson(rate * n),
                          "denominator": n})
    for kind in ("rate", "proportion"):
        result = compare_areas(frame, kind=kind, polarity="high_is_bad")
        table = result.table
        limits = comparison_funnel(kind, result.benchmark, result.multiplier, table["denominator"],
                                   at=table["denominator"])
        for label in ("95", "99_8"):
            outside = np.where(table["value"] > limits[f"upper_{label}"] * (1 + 1e-9), "higher",
                               np.where(table["value"] < limits[f"lower_{label}"] * (1 - 1e-9), "lower", "similar"))
            assert list(outside) == list(table[f"vs_benchmark_{label}"]), (kind, label)
        view = funnel(result, denominator_words="Residents")
        above = int((table["vs_benchmark_99_8"] == "higher").sum())
        below = int((table["vs_benchmark_99_8"] == "lower").sum())
        assert above and below
        assert f"{above} above the 99.8% limits (worse)" in view.summary
        assert f"{below} below the 99.8% limits (better)" in view.summary
        assert len(view.outliers) == above + below
        assert set(view.points["verdict"]) <= {"better", "similar", "worse"}


def test_a_count_has_no_funnel():
    frame = pd.DataFrame({"area_code": ["a", "b"], "numerator": [3, 30]})
    with pytest.raises(AnalysisError, match="denominator"):
        funnel(compare_areas(frame, benchmark=10.0))
    with pytest.raises(AnalysisError, match="proportion or a rate"):
        comparison_funnel("count", 1.0, 1.0, [10])


def test_areas_that_share_a_name_are_told_apart_by_code():
    """England's LSOAs carry their district's name: the funnel's words name an outlier with its code when others
    share its name, and the outliers are codes, so the chart labels the right point."""
    frame = pd.DataFrame({"area_code": ["A1", "A2", "B1", "C1"], "area_name": ["Leeds", "Leeds", "York", "Hull"],
                          "numerator": [900, 100, 500, 480], "denominator": [1000, 1000, 1000, 1000]})
    view = funnel(compare_areas(frame, kind="proportion"))
    assert view.outliers[:2] == ["A1", "A2"] or set(view.outliers[:2]) == {"A1", "A2"}
    assert "Leeds (A1)" in view.summary and "Leeds (A2)" in view.summary and "York (" not in view.summary

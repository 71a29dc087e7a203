"""Funnel plot limits against PHEindicatormethods' published test outputs (tests/testthat/
testdata_funnel_prop_outputs.csv, testdata_funnel_prop_inputs.csv and testdata_funnel_ratio_outputs.csv in
ukhsa-collaboration/PHEindicatormethods): the figures below are transcribed from those files (a sample of their
rows, the small populations where the limits are clipped included), compared to 1e-6 relative (the ratio file's
own figures to 5e-6: see that test)."""

from __future__ import annotations

import numpy as np
import pytest

from lis_workbench.core.errors import AnalysisError
from lis_workbench.core.stats.funnel import funnel_axis, proportion_funnel, proportion_significance, ratio_funnel

#: testdata_funnel_prop_outputs.csv: Population, Lower2s0025limit, Upper2s0025limit, Lower3s0001limit,
#: Upper3s0001limit (Baseline 80.642448 for every row).
PROPORTION_ROWS = [
    (1, 3.204264, 100, 0, 100), (2, 25.885383, 100, 0, 100), (3, 35.933491, 100, 10.150815, 100),
    (10, 56.154344, 100, 42.03259, 100), (18, 62.390093, 98.894803, 51.864359, 100),
    (41, 68.548635, 92.73626, 61.574398, 99.710497), (102, 72.974925, 88.309971, 68.553233, 92.731663),
    (1008, 78.203374, 83.081521, 76.796814, 84.488082), (9998, 79.867989, 81.416907, 79.421375, 81.863521),
    (110000, 80.408963, 80.875933, 80.274317, 81.010578)]
#: the first 16 and the last 5 populations of the same file's axis (from denominators 16,386 to 102,950)
AXIS_START = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 18]
AXIS_END = [72486, 80452, 89294, 99108, 110000]
#: testdata_funnel_ratio_outputs.csv: Observed_events, lower_2s_exp_events, lower_2s_isr, upper_2s_exp_events,
#: upper_2s_isr, lower_3s_exp_events, lower_3s_isr, upper_3s_exp_events, upper_3s_isr.
RATIO_ROWS = [
    (1, 5.571644585, 17.94802207, 0.025317898, 3949.774946, 9.233410143, 10.83023482, 0.001000547, 99945.32721),
    (2, 7.224687515, 27.6828582, 0.242209467, 825.7315569, 11.22886836, 17.81123382, 0.04540199, 4405.093268),
    (10, 18.39035799, 54.3763205, 4.795387629, 208.5337156, 24.13397235, 41.43536693, 2.960519925, 337.778507),
    (100, 121.6268111, 82.21871402, 81.36400699, 122.9044681, 134.9243187, 74.11562345, 71.92139974, 139.0406755),
    (716, 770.4222128, 92.93605352, 664.5083011, 107.7488421, 802.60414, 89.20960712, 636.1521174, 112.5516964)]


def test_proportion_limits_match_the_published_funnel():
    rows = np.array(PROPORTION_ROWS, dtype=float)
    result = proportion_funnel(0.80642448, rows[:, 0], multiplier=100)
    for column, expected in zip(("lower_2s", "upper_2s", "lower_3s", "upper_3s"), rows[:, 1:].T):
        np.testing.assert_allclose(result[column], expected, rtol=1e-6, atol=1e-6, err_msg=column)
    np.testing.assert_allclose(result["baseline"], 80.642448)


def test_the_axis_is_the_published_one():
    axis = funnel_axis(16386, 102950)
    assert len(axis) == 100
    assert list(axis[:16]) == AXIS_START and list(axis[-5:]) == AXIS_END


def test_ratio_limits_match_the_published_funnel():
    """The published ratio limits sit within 4e-6 (relative) of the exact Poisson quantiles (they were found by an
    iterative search: for 1 event the upper 95% limit's expected count is -ln(0.975) = 0.02531780798 exactly, the
    file has 0.025317898); ours are the exact quantiles, so they match the file to 5e-6 (1e-7 events for the tiny
ones) and scipy to 1e-12."""
    from scipy import stats as sp

    rows = np.array(RATIO_ROWS, dtype=float)
    result = ratio_funnel(rows[:, 0])
    pairs = [("expected_lower_2s", 1), ("expected_upper_2s", 3), ("expected_lower_3s", 5), ("expected_upper_3s", 7)]
    for column, index in pairs:  # the file's search stopped within 1e-7 events: tiny expected counts differ more
        np.testing.assert_allclose(result[column], rows[:, index], rtol=5e-6, atol=1e-7, err_msg=column)
    big = rows[:, 0] >= 2  # their ratios, where their expected counts are not tiny
    for column, index in (("ratio_lower_2s", 2), ("ratio_upper_2s", 4), ("ratio_lower_3s", 6),
                          ("ratio_upper_3s", 8)):
        np.testing.assert_allclose(result[column][big] * 100, rows[big, index], rtol=5e-6, err_msg=column)
        np.testing.assert_allclose(result[column], rows[:, 0] / result[column.replace("ratio", "expected")])
    o = rows[:, 0]
    np.testing.assert_allclose(result["expected_lower_2s"], sp.chi2.ppf(0.975, 2 * o + 2) / 2, rtol=1e-12)
    np.testing.assert_allclose(result["expected_upper_3s"], sp.chi2.ppf(0.001, 2 * o) / 2, rtol=1e-12)


def test_significance_of_areas_against_the_funnel():
    """A funnel of three areas, checked with the limits written out from the Wilson score interval: an area is
    significantly high when its Wilson 99.8% interval (in proportions) lies above the average."""
    from scipy import stats as sp

    x, n = np.array([500, 5200, 2600, 40]), np.array([1000, 10000, 5000, 100])
    labels = proportion_significance(x, n)
    average = x.sum() / n.sum()
    for xi, ni, label in zip(x, n, labels):
        wide = sp.binomtest(int(xi), int(ni)).proportion_ci(0.998, method="wilson")
        narrow = sp.binomtest(int(xi), int(ni)).proportion_ci(0.95, method="wilson")
        expected = ("High (0.001)" if wide.low > average else "Low (0.001)" if wide.high < average else
                    "High (0.025)" if narrow.low > average else "Low (0.025)" if narrow.high < average else
                    "Not significant")
        assert label == expected
    with pytest.raises(AnalysisError):
        proportion_significance([5, 11], [10, 10])

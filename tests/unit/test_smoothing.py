"""Empirical Bayes smoothing before a hotspot test, checked against esda.smoothing.Empirical_Bayes."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from lis_workbench.core.clusters import Analysis, run_analysis
from lis_workbench.core.hotspot import HotspotError, empirical_bayes


def _esda_eb(e, b):
    from esda.smoothing import Empirical_Bayes

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Empirical_Bayes(e, b).r.ravel()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_empirical_bayes_equals_esda(seed):
    rng = np.random.default_rng(seed)
    b = rng.integers(20, 5000, 300).astype(float)
    e = rng.binomial(b.astype(int), rng.uniform(0.01, 0.08)).astype(float)
    np.testing.assert_allclose(empirical_bayes(e, b), _esda_eb(e, b), rtol=0, atol=1e-15)


def test_small_areas_are_pulled_towards_the_overall_rate():
    e = np.array([1.0, 100.0, 5.0, 400.0])
    b = np.array([5.0, 1000.0, 50.0, 4000.0])  # the first area: 1 event in 5 people, a 20% raw rate
    smoothed = empirical_bayes(e, b)
    overall = e.sum() / b.sum()
    assert abs(smoothed[0] - overall) < abs(e[0] / b[0] - overall)


def test_bad_denominators_are_refused():
    with pytest.raises(HotspotError, match="positive denominator"):
        empirical_bayes([1, 2, 3], [10, 0, 5])


def test_analysis_tests_the_smoothed_rates(sample_store_path):
    from lis_workbench.core.store import Store

    with Store.open(sample_store_path) as store:
        areas = store.areas("lsoa11")
        people = store.get_values("iod2019_income_numerator").set_index("area_code")["value"]
        population = store.get_values("pop2015_total").set_index("area_code")["value"]
    ids = list(areas["area_code"])
    e, b = people.reindex(ids).to_numpy(), population.reindex(ids).to_numpy()
    spec = Analysis(statistic="gistar", permutations=0, correction="none")
    smoothed = run_analysis(ids, np.full(len(ids), np.nan), list(areas["geometry"]), Analysis(
        statistic="gistar", permutations=0, correction="none", smooth=True), numerators=e, denominators=b)
    direct = run_analysis(ids, _esda_eb(e, b), list(areas["geometry"]), spec)
    np.testing.assert_allclose(smoothed.table["gi_z"], direct.table["gi_z"], atol=1e-12)
    assert smoothed.summary["smoothing"] == "empirical Bayes"

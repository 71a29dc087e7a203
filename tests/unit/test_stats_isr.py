"""Indirect standardisation: expected events written out here from their definition, the exact (scipy) and Byar
limits of the observed count, and the identity that a group with the reference's own rates has a ratio of 1."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sp
from unit_helpers import run_lis

from lis_workbench.core.stats import isr


def limits(o: float, confidence: float) -> tuple[float, float]:
    a = 1 - confidence
    if o < 10:
        return (0.0 if o == 0 else sp.chi2.ppf(a / 2, 2 * o) / 2), sp.chi2.ppf(1 - a / 2, 2 * o + 2) / 2
    z = sp.norm.ppf(1 - a / 2)
    return (o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3,
            (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3)


def _table(seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    bands = 8
    ref_pop = rng.integers(50_000, 90_000, bands)
    ref_deaths = (ref_pop * np.linspace(0.001, 0.05, bands)).round()
    rows = []
    for area, size in (("small", 40), ("mid", 900), ("big", 8000)):
        pop = rng.integers(size // 2, size, bands)
        deaths = rng.poisson(pop * ref_deaths / ref_pop * 1.3)
        rows += [{"area": area, "band": b, "deaths": d, "pop": p, "ref_deaths": rd, "ref_pop": rp}
                 for b, d, p, rd, rp in zip(range(bands), deaths, pop, ref_deaths, ref_pop)]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_ratios_and_rates_from_their_definition(confidence):
    table = _table()
    ratios = isr(table, "deaths", "pop", "ref_deaths", "ref_pop", by=["area"], ratio=True, ref_value=100,
                 confidence=confidence)
    rates = isr(table, "deaths", "pop", "ref_deaths", "ref_pop", by=["area"], confidence=confidence)
    for (area, group), r, s in zip(table.groupby("area"), ratios.itertuples(index=False),
                                   rates.itertuples(index=False)):
        observed = group["deaths"].sum()
        expected = (group["ref_deaths"] / group["ref_pop"] * group["pop"]).sum()
        low, high = limits(observed, confidence)
        assert r.area == area and r.observed == observed and r.expected == pytest.approx(expected, rel=1e-12)
        assert r.value == pytest.approx(observed / expected * 100, rel=1e-12)
        assert (r.lower_ci, r.upper_ci) == (pytest.approx(low / expected * 100, rel=1e-10, abs=1e-12),
                                            pytest.approx(high / expected * 100, rel=1e-10))
        assert r.method == ("exact Poisson" if observed < 10 else "Byar")
        crude = group["ref_deaths"].sum() / group["ref_pop"].sum() * 100_000
        assert s.value == pytest.approx(observed / expected * crude, rel=1e-12)
        assert s.upper_ci == pytest.approx(high / expected * crude, rel=1e-10)


def test_a_group_with_the_references_own_rates_has_ratio_one():
    table = _table()
    table["deaths"] = table["ref_deaths"] / table["ref_pop"] * table["pop"]
    result = isr(table, "deaths", "pop", "ref_deaths", "ref_pop", by=["area"], ratio=True)
    np.testing.assert_allclose(result["value"], 1.0, rtol=1e-12)


def test_lis_stats_isr_ratio(tmp_path):
    src = tmp_path / "in.csv"
    _table().to_csv(src, index=False)
    out = tmp_path / "out.csv"
    done = run_lis("stats", "isr", src, "--count", "deaths", "--population", "pop", "--ref-count", "ref_deaths",
                   "--ref-population", "ref_pop", "--age", "band", "--by", "area", "--ratio", "--ref-value", "100",
                   "--out", out)
    assert done.returncode == 0, done.stderr
    got = pd.read_csv(out)
    assert list(got.columns) == ["area", "observed", "expected", "value", "lower_ci", "upper_ci", "method", "note"]
    assert (got["value"] > 0).all()

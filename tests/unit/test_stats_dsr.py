"""Directly standardised rates: the 2013 European Standard Population as Eurostat publishes it, the DSR written out
here from its definition, Dobson's limits reducing to Byar's for a standard shaped like the population, and the
Fingertips rule that fewer than 10 events give no rate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sp
from unit_helpers import run_lis

from lis_workbench.core.errors import AnalysisError
from lis_workbench.core.stats import ESP2013, dsr

#: Eurostat (2013), Revision of the European Standard Population, table of the ESP 2013 (per 100,000).
PUBLISHED_ESP2013 = [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000, 5500, 5000, 4000,
                     2500, 1500, 1000]
BANDS = [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"]


def byar(o: float, confidence: float) -> tuple[float, float]:
    z = sp.norm.ppf(1 - (1 - confidence) / 2)
    return (o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3,
            (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3)


def test_the_standard_is_the_published_esp2013():
    assert list(ESP2013.values()) == PUBLISHED_ESP2013 and sum(ESP2013.values()) == 100_000
    assert list(ESP2013) == list(range(0, 95, 5))


def test_dsr_is_the_esp_weighted_mean_of_age_specific_rates():
    rng = np.random.default_rng(3)
    deaths, people = rng.integers(0, 60, 19), rng.integers(2000, 9000, 19)
    table = pd.DataFrame({"age": BANDS, "deaths": deaths, "pop": people})
    result = dsr(table, "deaths", "pop", "age")
    w = np.array(PUBLISHED_ESP2013, float)
    expected = (w * deaths / people).sum() / w.sum() * 100_000
    assert result.loc[0, "value"] == pytest.approx(expected, rel=1e-12)
    variance = (w ** 2 * deaths / people ** 2).sum() / w.sum() ** 2
    low, high = byar(deaths.sum(), 0.95)
    spread = np.sqrt(variance / deaths.sum()) * 100_000
    assert result.loc[0, "lower_ci"] == pytest.approx(expected + spread * (low - deaths.sum()), rel=1e-10)
    assert result.loc[0, "upper_ci"] == pytest.approx(expected + spread * (high - deaths.sum()), rel=1e-10)
    assert result.loc[0, "method"] == "Dobson" and result.loc[0, "total_count"] == deaths.sum()


@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_a_standard_shaped_like_the_population_gives_the_crude_rate_and_byar(confidence):
    """With weights proportional to the group's own populations, the DSR is the crude rate and Dobson's limits are
    Byar's limits of the crude rate: an identity of the method, checked with Byar's formula written out here."""
    people = np.arange(1000, 20000, 1000)
    deaths = np.arange(19) + 3
    table = pd.DataFrame({"age": list(range(0, 95, 5)), "deaths": deaths, "pop": people})
    result = dsr(table, "deaths", "pop", "age", standard=dict(zip(range(0, 95, 5), people * 2.5)),
                 multiplier=1000, confidence=confidence)
    low, high = byar(deaths.sum(), confidence)
    assert result.loc[0, "value"] == pytest.approx(deaths.sum() / people.sum() * 1000, rel=1e-12)
    assert result.loc[0, "lower_ci"] == pytest.approx(low / people.sum() * 1000, rel=1e-10)
    assert result.loc[0, "upper_ci"] == pytest.approx(high / people.sum() * 1000, rel=1e-10)


def test_fewer_than_10_events_are_flagged_not_zero_and_bands_are_checked():
    table = pd.DataFrame({"area": ["a"] * 19 + ["b"] * 19, "age": BANDS * 2,
                          "deaths": [0] * 18 + [9] + [1] * 19, "pop": [500] * 38})
    result = dsr(table, "deaths", "pop", "age", by=["area"])
    assert np.isnan(result.loc[0, "value"]) and "below 10" in result.loc[0, "note"]
    assert result.loc[1, "value"] > 0 and result.loc[1, "note"] == ""
    with pytest.raises(AnalysisError, match="area = a: no rows for age band.*85"):
        dsr(table.drop(index=17), "deaths", "pop", "age", by=["area"])
    with pytest.raises(AnalysisError, match="not bands of the standard"):
        dsr(table.assign(age=["3-7"] + BANDS[1:] + BANDS), "deaths", "pop", "age", by=["area"])


def test_lis_stats_dsr_writes_the_table(tmp_path):
    rows = [f"{area},{band},{d},{p}" for area, base in (("w1", 2), ("w2", 5))
            for band, d, p in zip(BANDS, range(base, base + 19), range(3000, 3019))]
    src = tmp_path / "deaths.csv"
    src.write_text("ward,age,deaths,population\n" + "\n".join(rows) + "\n")
    out = tmp_path / "dsr.csv"
    done = run_lis("stats", "dsr", src, "--count", "deaths", "--population", "population", "--age", "age", "--by",
                   "ward", "--out", out)
    assert done.returncode == 0, done.stderr
    got = pd.read_csv(out)
    assert list(got["ward"]) == ["w1", "w2"] and list(got["method"]) == ["Dobson", "Dobson"]
    assert got.loc[1, "value"] > got.loc[0, "value"]

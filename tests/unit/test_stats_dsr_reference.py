"""Directly standardised rates (core.stats.dsr) against UKHSA's PHEindicatormethods' own published output.

The package keeps its DSR test cases (test_multiarea, test_DSR_1976, test_DSR_nonind and test_DSR_results) in
tests/testthat/testdata_DSR_ISR.xlsx, a spreadsheet no text tool can read; no CSV holds a DSR case (its
DSR_testdata.csv holds quintile DSRs for the SII tests, without their age bands). The case here is the one the package
prints with its inputs: the DSR vignette (vignettes/DSR-vignette.Rmd, "Calculating DSRs when there are zero deaths in
some age bands", as built in inst/doc/DSR-vignette.html), printed to 7 significant figures. The non-independent
events variant (calculate_dsr's independent_events = FALSE) is checked against its definition written out here and
the vignette's statement that it keeps the DSR and widens the interval."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sp
from unit_helpers import run_lis

from lis_workbench.core.errors import AnalysisError
from lis_workbench.core.stats import dsr

REL = 1e-6  # the package printed 7 significant figures: at most 5e-7 from its own value
AGES = [0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90]
ESP2013 = [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000, 5500, 5000, 4000, 2500,
           1500, 1000]
# DSR vignette: pops2 (every band) and deaths2 (no rows for 10, 15 and 20: NA deaths, counted as 0).
POP2 = [30, 35, 35, 35, 40, 40, 45, 50, 50, 50, 60, 60, 70, 75, 70, 60, 20, 20, 15]
DEATHS2 = {0: 1, 5: 1, 25: 1, 30: 1, 35: 3, 40: 3, 45: 3, 50: 3, 55: 10, 60: 10, 65: 10, 70: 10, 75: 8, 80: 8,
           85: 8, 90: 8}
# calculate_dsr(df2, x = dths, n = pop, stdpop = esp2013): total_count, total_pop, value, lowercl, uppercl.
VIGNETTE = (88, 860, 8283.016, 6570.819, 10289.65)


def vignette_table() -> pd.DataFrame:
    return pd.DataFrame({"ageband": AGES, "pop": POP2, "dths": [DEATHS2.get(a) for a in AGES]})


def byar(o: float, confidence: float = 0.95) -> tuple[float, float]:
    z = sp.norm.ppf(0.5 + confidence / 2)
    return (o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3,
            (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3)


def test_the_dsr_vignette_case_with_missing_deaths():
    result = dsr(vignette_table(), "dths", "pop", "ageband")
    total, people, value, lower, upper = VIGNETTE
    assert (result.loc[0, "total_count"], result.loc[0, "total_pop"]) == (total, people)
    assert result.loc[0, "value"] == pytest.approx(value, rel=REL)
    assert result.loc[0, "lower_ci"] == pytest.approx(lower, rel=REL)
    assert result.loc[0, "upper_ci"] == pytest.approx(upper, rel=REL)
    assert result.loc[0, "method"] == "Dobson"


def person_rows(table: pd.DataFrame, events: str) -> pd.DataFrame:
    """The DSR vignette's split of each band's events into persons with 1, 2 or 3 events (10% of events in persons
    with 3, 20% in persons with 2, the rest in persons with 1), one row per band and frequency."""
    x = table[events].fillna(0).to_numpy(float)
    f3 = np.floor(x * 0.1 / 3)
    f2 = np.floor(x * 0.2 / 2)
    f1 = x - 3 * f3 - 2 * f2
    parts = [table.assign(freq=f, persons=p) for f, p in ((1, f1), (2, f2), (3, f3))]
    return pd.concat(parts, ignore_index=True).drop(columns=[events])


def big_table() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    return pd.DataFrame({"ageband": AGES, "pop": rng.integers(10_000, 20_000, 19),
                         "dths": rng.integers(1, 200, 19)})


def by_definition(rows: pd.DataFrame, confidence: float = 0.95) -> tuple[float, float, float, float]:
    """Var = sum over frequency f of f^2 * sum_b persons(b, f) * (w_b / n_b)^2 / (sum w)^2; the DSR from the events
    (f * persons); Dobson's limits from Byar's for the total events: written out here from the method."""
    w = pd.Series(ESP2013, index=AGES)
    n = rows.groupby("ageband")["pop"].first()
    events = (rows["freq"] * rows["persons"]).groupby(rows["ageband"]).sum()
    value = (w * events / n).sum() / w.sum() * 100_000
    variance = (rows["freq"] ** 2 * rows["persons"] * (rows["ageband"].map(w / n)) ** 2).sum() / w.sum() ** 2
    total = events.sum()
    low, high = byar(total, confidence)
    spread = np.sqrt(variance / total) * 100_000
    return total, value, value + spread * (low - total), value + spread * (high - total)


@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_events_not_independent_follow_the_definition(confidence):
    rows = person_rows(big_table(), "dths")
    result = dsr(rows, "persons", "pop", "ageband", events_per_person="freq", confidence=confidence)
    total, value, lower, upper = by_definition(rows, confidence)
    assert result.loc[0, "total_count"] == total
    assert result.loc[0, "value"] == pytest.approx(value, rel=1e-12)
    assert result.loc[0, "lower_ci"] == pytest.approx(lower, rel=1e-10)
    assert result.loc[0, "upper_ci"] == pytest.approx(upper, rel=1e-10)
    assert result.loc[0, "method"] == "Dobson, events not independent"


def test_events_not_independent_keep_the_dsr_and_widen_the_interval():
    """The package's DSR vignette: 'output DSRs values match those calculated earlier for the same data frame but
    confidence intervals are wider'; with every person having one event, the two are the same."""
    table = vignette_table()
    plain = dsr(table, "dths", "pop", "ageband")
    split = dsr(person_rows(table, "dths"), "persons", "pop", "ageband", events_per_person="freq")
    assert split.loc[0, "value"] == pytest.approx(VIGNETTE[2], rel=REL)
    assert split.loc[0, "lower_ci"] < plain.loc[0, "lower_ci"] and split.loc[0, "upper_ci"] > plain.loc[0, "upper_ci"]
    ones = dsr(table.assign(freq=1), "dths", "pop", "ageband", events_per_person="freq")
    for column in ("total_count", "value", "lower_ci", "upper_ci"):
        assert ones.loc[0, column] == pytest.approx(plain.loc[0, column], rel=1e-12)


def test_events_per_person_needs_one_population_per_band_and_real_frequencies():
    rows = person_rows(vignette_table(), "dths")
    uneven = rows.copy()
    uneven.loc[(uneven["ageband"] == 40) & (uneven["freq"] == 2), "pop"] = 99
    with pytest.raises(AnalysisError, match="age band\\(s\\) starting at 40 give different populations") as info:
        dsr(uneven, "persons", "pop", "ageband", events_per_person="freq")
    assert info.value.option == "events_per_person"
    with pytest.raises(AnalysisError, match="Column 'freq', row 3: '0' is not a number of events per person"):
        dsr(rows.assign(freq=[1, 0, *rows["freq"][2:]]), "persons", "pop", "ageband", events_per_person="freq")


def test_lis_stats_dsr_events_per_person(tmp_path):
    rows = person_rows(big_table(), "dths")
    src = tmp_path / "people.csv"
    rows.to_csv(src, index=False)
    out = tmp_path / "dsr.csv"
    done = run_lis("stats", "dsr", src, "--count", "persons", "--population", "pop", "--age", "ageband",
                   "--events-per-person", "freq", "--out", out)
    assert done.returncode == 0, done.stderr
    got = pd.read_csv(out)
    total, value, lower, upper = by_definition(rows)
    assert got.loc[0, "method"] == "Dobson, events not independent" and got.loc[0, "total_count"] == total
    assert list(got.loc[0, ["value", "lower_ci", "upper_ci"]]) == pytest.approx([value, lower, upper], rel=1e-9)

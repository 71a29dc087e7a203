"""Crude rates, proportions and means (core.stats.crude) against UKHSA's PHEindicatormethods' own published output.

The package keeps its rate, proportion and mean test cases in tests/testthat/testdata_Rate.xlsx,
testdata_Proportion.xlsx and testdata_Mean.xlsx, spreadsheets no text tool can read; no CSV holds one. The cases
here are the ones the package prints with their inputs: the introduction vignette
(vignettes/Introduction_to_PHEindicatormethods.Rmd, as built in inst/doc/Introduction_to_PHEindicatormethods.html),
whose data frame `df` (8 areas and years, obs and pop) is printed in full, and whose phe_proportion, phe_rate and
phe_mean outputs are printed as data frames to 7 significant figures (so within 5e-7 of the package's values)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lis_workbench.core.stats import mean, proportion, rate

REL = 1e-6

# The vignette's df, printed in full.
DF = pd.DataFrame({"area": ["Area1", "Area2", "Area3", "Area4"] * 2, "year": [2015] * 4 + [2016] * 4,
                   "obs": [27, 22, 80, 53, 37, 84, 89, 85], "pop": [106, 113, 150, 193, 159, 122, 101, 196]})

# phe_proportion(df, obs, pop): value, lowercl, uppercl per row of df.
PROPORTION_95 = [(0.2547170, 0.1813642, 0.3452262), (0.1946903, 0.1322333, 0.2772229),
                 (0.5333333, 0.4536625, 0.6113395), (0.2746114, 0.2165053, 0.3415146),
                 (0.2327044, 0.1738037, 0.3042162), (0.6885246, 0.6016542, 0.7638851),
                 (0.8811881, 0.8037295, 0.9307128), (0.4336735, 0.3662266, 0.5036703)]
# phe_proportion(df, obs, pop, confidence = 99.8)
PROPORTION_998 = [(0.2547170, 0.1481031, 0.4018735), (0.1946903, 0.1054176, 0.3315448),
                  (0.5333333, 0.4092696, 0.6534069), (0.2746114, 0.1877465, 0.3827289),
                  (0.2327044, 0.1461350, 0.3495622), (0.6885246, 0.5493185, 0.8003596),
                  (0.8811881, 0.7476217, 0.9488987), (0.4336735, 0.3298917, 0.5436182)]
# phe_proportion(df, obs, pop, multiplier = 100)
PERCENT_95 = [(25.47170, 18.13642, 34.52262), (19.46903, 13.22333, 27.72229), (53.33333, 45.36625, 61.13395),
              (27.46114, 21.65053, 34.15146), (23.27044, 17.38037, 30.42162), (68.85246, 60.16542, 76.38851),
              (88.11881, 80.37295, 93.07128), (43.36735, 36.62266, 50.36703)]
# phe_proportion(df, obs, pop, confidence = 99.8, multiplier = 100, type = "standard")
PERCENT_998 = [(25.47170, 14.81031, 40.18735), (19.46903, 10.54176, 33.15448), (53.33333, 40.92696, 65.34069),
               (27.46114, 18.77465, 38.27289), (23.27044, 14.61350, 34.95622), (68.85246, 54.93185, 80.03596),
               (88.11881, 74.76217, 94.88987), (43.36735, 32.98917, 54.36182)]
# phe_rate(df, obs, pop): per 100,000, 95%.
RATE_95 = [(25471.70, 16782.04, 37061.41), (19469.03, 12196.90, 29477.68), (53333.33, 42288.58, 66378.77),
           (27461.14, 20568.85, 35920.56), (23270.44, 16382.37, 32076.16), (68852.46, 54917.70, 85245.02),
           (88118.81, 70764.64, 108438.96), (43367.35, 34639.24, 53625.01)]
# phe_rate(df, obs, pop, confidence = 99.8, multiplier = 100) (and the same with type = "standard").
RATE_998 = [(25.47170, 12.926737, 44.59202), (19.46903, 9.074329, 36.05431), (53.33333, 36.773690, 74.46881),
            (27.46114, 17.249087, 41.24758), (23.27044, 13.193195, 37.70884), (68.85246, 47.933814, 95.39407),
            (88.11881, 62.029689, 120.99575), (43.36735, 30.260955, 59.97329)]
# phe_mean(df, obs): value, lowercl, uppercl (value_count 8, stdev 28.16248).
MEAN_95 = (59.625, 36.08058, 83.16942)


def per_row(result: pd.DataFrame) -> np.ndarray:
    """The result in df's row order (ours is sorted by the by columns)."""
    keyed = result.set_index(["area", "year"])
    return keyed.loc[list(zip(DF["area"], DF["year"])), ["value", "lower_ci", "upper_ci"]].to_numpy(float)


@pytest.mark.parametrize("case, expected, options", [
    ("phe_proportion 95%", PROPORTION_95, {}),
    ("phe_proportion 99.8%", PROPORTION_998, {"confidence": 99.8}),
    ("phe_proportion x 100", PERCENT_95, {"multiplier": 100}),
    ("phe_proportion 99.8% x 100", PERCENT_998, {"confidence": 99.8, "multiplier": 100}),
])
def test_proportions_match_the_package(case, expected, options):
    result = proportion(DF, "obs", "pop", by=["area", "year"], **options)
    np.testing.assert_allclose(per_row(result), np.array(expected), rtol=REL, atol=0)
    assert set(result["method"]) == {"Wilson score"}


@pytest.mark.parametrize("case, expected, options", [
    ("phe_rate 95% per 100,000", RATE_95, {}),
    ("phe_rate 99.8% per 100", RATE_998, {"confidence": 99.8, "multiplier": 100}),
])
def test_rates_match_the_package(case, expected, options):
    result = rate(DF, "obs", "pop", by=["area", "year"], **options)
    np.testing.assert_allclose(per_row(result), np.array(expected), rtol=REL, atol=0)
    assert set(result["method"]) == {"Byar"}  # every count is 10 or more, as the package's "Byars"


def test_the_mean_matches_the_package():
    result = mean(DF, "obs")
    np.testing.assert_allclose(result.loc[0, ["value", "lower_ci", "upper_ci"]].to_numpy(float), MEAN_95,
                               rtol=REL, atol=0)
    assert float(DF["obs"].std()) == pytest.approx(28.16248, rel=REL)

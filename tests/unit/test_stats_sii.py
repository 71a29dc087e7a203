"""Slope and relative indices of inequality against UKHSA's PHEindicatormethods (phe_sii): its published test data
and the figures its worked-examples vignette prints for them, then the method's own identities written out here
(population-weighted least squares, the exact normal interval the simulation converges to, the delta method).

The point estimates (SII, RII) are deterministic and are compared to 1e-6 relative. The limits are percentiles of
simulated draws: R's random numbers cannot be reproduced, so our limits (drawn with the same number of draws) are
compared within Monte-Carlo error. The standard error of the p-th percentile of n draws is
sqrt(p (1 - p) / n) / phi(z_p) x sigma (the asymptotic variance of an order statistic; sigma is the spread of the
simulated SII, read from the published interval as (upper - lower) / (2 z)); the difference of two independent
runs has sqrt(2) times that, and we allow 5 of those. With 100,000 draws that is about 0.1 on an SII of -14 (0.7%);
with the vignette's 1,000 draws it is about 0.7 at 95% and 2.5 at 99.8% (a 99.8% limit from 1,000 draws is the
1st or 999th draw): loose, but it is what 1,000 draws can show. The tighter checks of the simulation are the
convergence tests further down, against intervals derived here without simulation."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sp
from unit_helpers import run_lis

from lis_workbench.core.errors import AnalysisError
from lis_workbench.core.stats import sii

# ------------------------------------------------------------------ PHEindicatormethods' data, transcribed
#: tests/testthat/DSR_testdata.csv (the package's DSR_data): dummy directly standardised rates per 100,000 by
#: deprivation quintile, with their 95% limits.
DSR_CSV = """Period,Quintile,total_pop,value,lowercl,uppercl
2010,1,1434002,150.2200205,147.3194185,153.1498241
2010,2,1450590,131.0221747,128.3676972,133.7051129
2010,3,1453827,127.4954973,125.0421198,129.975513
2010,4,1440980,130.494241,128.2469515,132.7657553
2010,5,1457780,135.4664241,133.2469515,137.8657553
2011,1,1445258,148.4061234,145.5359227,151.3052827
2011,2,1467772,131.7211691,129.0779928,134.3924424
2011,3,1470806,125.0341288,122.6267941,127.4677057
2011,4,1454888,130.3084574,128.0909634,132.549757
2011,5,1457780,135.4664241,133.2469515,137.8657553
2012,1,1456919,146.3620464,143.5339285,149.218782
2012,2,1482837,130.836935,128.2283616,133.4731892
2012,3,1486250,123.9613632,121.5935782,126.3549356
2012,4,1467811,129.1611122,126.9843883,131.361204
2012,5,1457780,135.4664241,133.2469515,137.8657553
2013,1,1471562,144.6298219,141.8398707,147.4480316
2013,2,1499928,130.2174816,127.6418787,132.8203233
2013,3,1502931,123.4222104,121.0885952,125.781154
2013,4,1481042,127.5460197,125.4162627,129.6986819
2013,5,1457780,135.4664241,133.2469515,137.8657553
2014,1,1490242,144.7302585,141.9631164,147.5252412
2014,2,1519238,128.7774474,126.2475781,131.3340493
2014,3,1521454,123.0128932,120.7189438,125.3316289
2014,4,1495993,126.4499704,124.3638326,128.5585283
2014,5,1457780,135.4664241,133.2469515,137.8657553
2015,1,1508923,143.8177637,141.0941843,146.568661
2015,2,1538008,127.2058426,124.7351196,129.7026732
2015,3,1538564,122.4106945,120.1654081,124.6801651
2015,4,1509602,126.3922397,124.3450367,128.4613495
2015,5,1457780,135.4664241,133.2469515,137.8657553
"""

#: tests/testthat/LE_testdata.csv (the package's LE_data): male (Sex 1) life expectancy by deprivation decile with
#: its standard error, the first four areas (the Deaths column left out).
LE_CSV = """GeoCode,Decile,Pop,LifeExp,SE
E06000001,1,13837,70.56313911,1.133868862
E06000001,2,14519,72.61347473,1.020288759
E06000001,3,14940,75.06710359,1.108685178
E06000001,4,14599,75.20662276,1.485618539
E06000001,5,12311,76.23469045,1.311653285
E06000001,6,13196,75.21801932,1.169033147
E06000001,7,13335,77.09240397,1.306645801
E06000001,8,13388,79.84156222,1.090905616
E06000001,9,13685,80.81329918,0.979426096
E06000001,10,11779,82.73763832,1.319452272
E06000002,1,21675,70.54853186,0.947488056
E06000002,2,20065,71.57155734,1.043688022
E06000002,3,19750,72.48698671,0.969320245
E06000002,4,24713,73.51985519,1.023567868
E06000002,5,20112,73.14605425,1.006757968
E06000002,6,19618,76.15898712,0.906037647
E06000002,7,22408,78.65444871,0.724013864
E06000002,8,19752,80.56476961,1.118131371
E06000002,9,18939,80.85486627,0.848327099
E06000002,10,19312,79.9711253,0.94159082
E06000003,1,20524,72.76836448,1.022722819
E06000003,2,18615,75.49551789,1.214913372
E06000003,3,23212,76.04600799,0.967057029
E06000003,4,20883,75.47369917,0.972293965
E06000003,5,17002,78.06618358,0.989564113
E06000003,6,20117,77.02857403,0.88291958
E06000003,7,19031,79.82679432,0.916181115
E06000003,8,19365,80.35857167,1.09344987
E06000003,9,18554,80.15630823,1.141181722
E06000003,10,19820,83.7271982,0.86306322
E06000004,1,31147,69.20108791,0.796193843
E06000004,2,30866,74.21283732,0.821750976
E06000004,3,25433,74.932479,0.938102831
E06000004,4,32212,76.34881505,0.662956404
E06000004,5,27863,78.68231391,0.683456844
E06000004,6,27336,79.80919091,0.840229937
E06000004,7,24888,81.06231776,1.014952532
E06000004,8,28320,81.52758251,0.804054345
E06000004,9,30546,84.52806861,0.705796375
E06000004,10,28027,82.36568616,0.884730389
"""

#: tests/testthat/NCMP_testdata.csv (the package's prevalence_data): prevalence of obesity (%) in England
#: (E92000001) by deprivation decile, Year 6 and Reception, 2006/07 (607) and 2007/08 (708), with 95% limits
#: (AreaCode, Count and SE left out).
NCMP_CSV = """Period,SchoolYear,Decile,Measured,Rate,LCL,UCL
607,6,1,34353,21.2121212121212,20.7830499225555,21.6476300812899
607,6,2,32112,21.4281265570503,20.9827711465288,21.8803170788612
607,6,3,27715,20.4077214504781,19.9373517258999,20.8862933590925
607,6,4,25372,19.1865048084503,18.7066648694241,19.675673996565
607,6,5,23889,17.4808489262841,17.0044640703038,17.9676905527535
607,6,6,23260,16.6638005159071,16.190410576997,17.148199783417
607,6,7,23180,15.6039689387403,15.1425075468518,16.0768288675927
607,6,8,24193,14.6571322283305,14.2170753783533,15.1084110529924
607,6,9,23609,14.0370197805921,13.5997670936376,14.4859737537153
607,6,10,24488,12.0875530872264,11.6852009907382,12.5017980504761
607,R,1,36111,12.0794217828363,11.7473271937339,12.4195834343315
607,R,2,31803,11.7410307203723,11.3918517825361,12.0994510822713
607,R,3,26681,11.3638919080994,10.9886239767609,11.7502836842961
607,R,4,24184,10.5896460469732,10.2080757108839,10.9837345114021
607,R,5,23023,10.0073839204274,9.62638859468932,10.4017228033421
607,R,6,21506,9.41132707151493,9.02830437346462,9.80884729303046
607,R,7,22197,8.730909582376,8.36665612937408,9.10944479237356
607,R,8,23679,8.36606275602855,8.02012076260088,8.72551115710111
607,R,9,23271,7.97559193846418,7.63441201710209,8.33064392278473
607,R,10,23464,6.96812137742925,6.64933849950753,7.30099206057122
708,6,1,63755,22.1190494863148,21.7985611328557,22.4428974843606
708,6,2,55475,22.1324921135647,21.7889722891003,22.4798711348387
708,6,3,49526,21.2252150385656,20.867330595249,21.5875629385882
708,6,4,46129,19.8313425394004,19.4699968570502,20.1977124800293
708,6,5,44223,18.6848472514303,18.3242819307552,19.0508525205971
708,6,6,43000,17.2348837209302,16.8808363082609,17.5947848359978
708,6,7,42468,16.3817462560045,16.0327855303972,16.7367883349483
708,6,8,43870,15.6234328698427,15.2866912141837,15.9661943387953
708,6,9,45095,14.6025058210445,14.2795940065669,14.9314478576673
708,6,10,48700,12.6652977412731,12.3728569618665,12.9636279830718
708,R,1,65479,11.8755631576536,11.6300133640293,12.1255859842413
708,R,2,55395,11.5876884195324,11.3238047471831,11.8568992543011
708,R,3,48288,10.940606361829,10.6652944438108,11.222132375135
708,R,4,44317,10.4181239704854,10.1371213306232,10.7059880390483
708,R,5,41798,9.92870472271401,9.64568845714237,10.2190858423364
708,R,6,40991,8.99953648361836,8.72632912807722,9.28042781044089
708,R,7,40083,8.50485243120525,8.23572637220237,8.78193131935821
708,R,8,42979,8.00623560343423,7.75339828662826,8.26657904646083
708,R,9,44983,7.37834292955116,7.14038610331397,7.62357874383004
708,R,10,46830,6.80546658125134,6.58089930268601,7.03711976249894
"""

# ------------------------------------------------------------------ what phe_sii printed for them
# PHEindicatormethods 2.0.2.9001, vignettes/WorkedExamples_phe_sii (the knitted inst/doc/WorkedExamples_phe_sii.html).

#: Example 1: LE_data grouped by Sex and GeoCode, value_type 0, se = SE, confidence c(0.95, 0.998),
#: repetitions = 1000: sii, (95% lower, upper), (99.8% lower, upper).
LE_PUBLISHED = {"E06000001": (11.68886, (9.215442, 14.07460), (7.896985, 15.27278)),
                "E06000002": (12.54785, (10.579679, 14.57307), (9.433565, 15.43696)),
                "E06000003": (10.05084, (7.820256, 12.30021), (6.098286, 13.65081)),
                "E06000004": (14.85223, (13.029586, 16.66506), (11.542089, 17.22223))}
LE_REPS = 1000

#: Example 2: DSR_data grouped by Period, value_type 1 (rate), lower_cl/upper_cl, transform = TRUE, rii = TRUE,
#: the default 100,000 repetitions: sii, sii_lower, sii_upper, rii, rii_lower, rii_upper (95%).
DSR_PUBLISHED = {2010: (-14.03684, -17.95990, -10.126662, 0.9010655, 0.8752420, 0.9275826),
                 2011: (-12.83196, -16.72001, -8.917710, 0.9086641, 0.8827020, 0.9355915),
                 2012: (-11.09234, -14.91251, -7.257354, 0.9199455, 0.8939089, 0.9468622),
                 2013: (-10.06041, -13.85842, -6.255091, 0.9266342, 0.9003791, 0.9537227),
                 2014: (-10.06085, -13.84260, -6.302576, 0.9263086, 0.9000559, 0.9531717),
                 2015: (-8.53077, -12.23824, -4.816133, 0.9368534, 0.9106841, 0.9638401)}

#: Example 3: prevalence_data (Rate, LCL, UCL divided by 100) grouped by Period, SchoolYear and AreaCode,
#: value_type 2 (proportion), transform = TRUE, multiplier = -100, 100,000 repetitions: sii, lower, upper (95%).
NCMP_PUBLISHED = {(607, "6"): (10.964626, 10.442276, 11.487365),
                  (607, "R"): (5.970062, 5.549097, 6.393890),
                  (708, "6"): (11.271798, 10.882719, 11.665736),
                  (708, "R"): (6.200092, 5.891670, 6.511572)}
PUBLISHED_REPS = 100_000


def _csv(text: str, **kwargs) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), **kwargs)


def dsr_data() -> pd.DataFrame:
    return _csv(DSR_CSV)


def le_data() -> pd.DataFrame:
    return _csv(LE_CSV)


def ncmp_data() -> pd.DataFrame:
    table = _csv(NCMP_CSV, dtype={"SchoolYear": str})
    for column in ("Rate", "LCL", "UCL"):  # as the vignette: percentages as proportions
        table[column] = table[column] / 100
    return table


def mc_tolerance(lower: float, upper: float, confidence: float, reps: int, k: float = 5) -> float:
    """k standard errors of the difference of two independent simulated percentiles (module docstring)."""
    tail = (1 - confidence) / 2
    z = sp.norm.ppf(1 - tail)
    sigma = (upper - lower) / (2 * z)
    return k * np.sqrt(2) * np.sqrt(tail * (1 - tail) / reps) / sp.norm.pdf(z) * sigma


# ------------------------------------------------------------------ against the published figures
@pytest.mark.parametrize("confidence, limits", [(0.95, 1), (0.998, 2)])
def test_life_expectancy_matches_the_vignette(confidence, limits):
    result = sii(le_data(), "LifeExp", "Pop", "Decile", by=["GeoCode"], se="SE", reps=LE_REPS,
                 confidence=confidence).set_index("GeoCode")
    assert list(result.index) == list(LE_PUBLISHED)
    for area, published in LE_PUBLISHED.items():
        low, high = published[limits]
        assert result.loc[area, "sii"] == pytest.approx(published[0], rel=1e-6)
        tolerance = mc_tolerance(low, high, confidence, LE_REPS)
        assert result.loc[area, "sii_lower"] == pytest.approx(low, abs=tolerance), area
        assert result.loc[area, "sii_upper"] == pytest.approx(high, abs=tolerance), area
        assert result.loc[area, "value"] == result.loc[area, "sii"]
        assert result.loc[area, "method"] == "simulation 1,000 reps" and result.loc[area, "note"] == ""


def test_log_transformed_rates_match_the_vignette():
    result = sii(dsr_data(), "value", "total_pop", "Quintile", by=["Period"], lower="lowercl", upper="uppercl",
                 value_type=1, transform=True, rii=True, reps=PUBLISHED_REPS).set_index("Period")
    assert list(result.index) == list(DSR_PUBLISHED)
    for period, (value, low, high, ratio, ratio_low, ratio_high) in DSR_PUBLISHED.items():
        got = result.loc[period]
        assert got["sii"] == pytest.approx(value, rel=1e-6)
        assert got["rii"] == pytest.approx(ratio, rel=1e-6)
        assert got["sii_lower"] == pytest.approx(low, abs=mc_tolerance(low, high, 0.95, PUBLISHED_REPS))
        assert got["sii_upper"] == pytest.approx(high, abs=mc_tolerance(low, high, 0.95, PUBLISHED_REPS))
        tolerance = mc_tolerance(ratio_low, ratio_high, 0.95, PUBLISHED_REPS)
        assert got["rii_lower"] == pytest.approx(ratio_low, abs=tolerance)
        assert got["rii_upper"] == pytest.approx(ratio_high, abs=tolerance)
        assert got["method"] == "simulation 100,000 reps (log)"


def test_logit_transformed_proportions_with_a_negative_multiplier_match_the_vignette():
    result = sii(ncmp_data(), "Rate", "Measured", "Decile", by=["Period", "SchoolYear"], lower="LCL", upper="UCL",
                 value_type="proportion", transform=True, multiplier=-100, reps=PUBLISHED_REPS)
    assert [tuple(k) for k in result[["Period", "SchoolYear"]].itertuples(index=False)] == list(NCMP_PUBLISHED)
    for (_, got), (value, low, high) in zip(result.iterrows(), NCMP_PUBLISHED.values()):
        assert got["sii"] == pytest.approx(value, rel=1e-6)
        tolerance = mc_tolerance(low, high, 0.95, PUBLISHED_REPS)
        assert got["sii_lower"] == pytest.approx(low, abs=tolerance)
        assert got["sii_upper"] == pytest.approx(high, abs=tolerance)
        assert got["sii_lower"] < got["sii"] < got["sii_upper"]
    assert result.attrs["statistic"] == "slope index of inequality × -100"


def test_limits_from_95_percent_limits_equal_limits_from_the_standard_error():
    """phe_sii's tests expect the same result from SE and from the limits: SE = (upper - lower) / (2 × 1.96)."""
    table = le_data()
    z = sp.norm.ppf(0.975)
    table["low"], table["high"] = table["LifeExp"] - z * table["SE"], table["LifeExp"] + z * table["SE"]
    from_se = sii(table, "LifeExp", "Pop", "Decile", by=["GeoCode"], se="SE", reps=5000, rii=True)
    from_limits = sii(table, "LifeExp", "Pop", "Decile", by=["GeoCode"], lower="low", upper="high", reps=5000,
                      rii=True)
    pd.testing.assert_frame_equal(from_se, from_limits, rtol=1e-9)


# ------------------------------------------------------------------ the method's identities
def weighted_fit(table: pd.DataFrame, y: np.ndarray, population: str, quantile: str) -> tuple[float, float]:
    """(intercept, slope) of y on each quantile's relative rank (the midpoint of its cumulative population share),
    least squares weighted by the population shares: numpy's polyfit (its w multiplies the residuals)."""
    share = table[population].to_numpy(float) / table[population].sum()
    rank = np.cumsum(share) - share / 2
    slope, intercept = np.polyfit(rank, y, 1, w=np.sqrt(share))
    return float(intercept), float(slope)


def slope_weights(table: pd.DataFrame, population: str) -> np.ndarray:
    """d(slope)/d(y_i) of the weighted fit: the slope is linear in the values."""
    share = table[population].to_numpy(float) / table[population].sum()
    design = np.column_stack([np.ones_like(share), np.cumsum(share) - share / 2])
    return np.linalg.solve(design.T @ (share[:, None] * design), (share[:, None] * design).T)[1]


@pytest.mark.parametrize("multiplier", [1, 100, -1])
def test_untransformed_sii_rii_and_intercept_are_the_weighted_fit(multiplier):
    table = dsr_data().query("Period == 2012").iloc[::-1]  # rows in any order: quantiles are put in order
    ordered = table.sort_values("Quintile")
    intercept, slope = weighted_fit(ordered, ordered["value"].to_numpy(float), "total_pop", "Quintile")
    got = sii(table, "value", "total_pop", "Quintile", lower="lowercl", upper="uppercl", value_type=1, rii=True,
              intercept=True, multiplier=multiplier, reps=1000).iloc[0]
    assert got["sii"] == pytest.approx(slope * multiplier, rel=1e-9)
    ratio = (intercept + slope) / intercept  # fitted value at rank 1 over that at rank 0
    assert got["rii"] == pytest.approx(ratio if multiplier > 0 else 1 / ratio, rel=1e-9)
    assert got["intercept"] == pytest.approx(intercept, rel=1e-9)
    assert got["sii_lower"] < got["sii"] < got["sii_upper"] and got["rii_lower"] < got["rii"] < got["rii_upper"]


def test_a_transformed_intercept_is_the_back_transformed_fit_at_rank_0():
    table = dsr_data().query("Period == 2010")
    intercept, slope = weighted_fit(table, np.log(table["value"].to_numpy(float)), "total_pop", "Quintile")
    got = sii(table, "value", "total_pop", "Quintile", lower="lowercl", upper="uppercl", value_type=1,
              transform=True, rii=True, intercept=True, multiplier=-2, reps=1000).iloc[0]
    assert got["intercept"] == pytest.approx(np.exp(intercept) * 2, rel=1e-9)
    assert got["sii"] == pytest.approx((np.exp(intercept + slope) - np.exp(intercept)) * -2, rel=1e-9)
    assert got["rii"] == pytest.approx(np.exp(-slope), rel=1e-9)
    assert got["sii_lower"] < got["sii"] < got["sii_upper"] and got["rii_lower"] < got["rii"] < got["rii_upper"]


@pytest.mark.parametrize("confidence", [0.95, 0.998])
def test_normal_limits_converge_to_the_exact_interval(confidence):
    """With value type 0 the simulated SII is exactly normal, sd = sqrt(sum (c_i se_i)^2) for the fit's slope
    weights c: the limits must approach sii ± z sd within the Monte-Carlo error of 200,000 draws."""
    reps = 200_000
    table = le_data()
    result = sii(table, "LifeExp", "Pop", "Decile", by=["GeoCode"], se="SE", reps=reps, confidence=confidence)
    z = sp.norm.ppf(0.5 + confidence / 2)
    for (_, group), (_, got) in zip(table.groupby("GeoCode"), result.iterrows()):
        sd = np.sqrt(((slope_weights(group, "Pop") * group["SE"].to_numpy()) ** 2).sum())
        low, high = got["sii"] - z * sd, got["sii"] + z * sd
        tolerance = mc_tolerance(low, high, confidence, reps) / np.sqrt(2)  # only our draws vary
        assert got["sii_lower"] == pytest.approx(low, abs=tolerance)
        assert got["sii_upper"] == pytest.approx(high, abs=tolerance)


@pytest.mark.parametrize("case", ["rate", "proportion"])
def test_untransformed_rate_and_proportion_limits_follow_the_delta_method(case):
    """Rates and proportions are simulated on the log (logit) scale with SE = (g(upper) - g(lower)) / (2 × 1.96) and
    turned back before the fit; with standard errors this small the SII is normal with sd = sqrt(sum (c_i × y_i
    × se_i)^2) for rates, y_i (1 - y_i) in place of y_i for proportions."""
    reps = 200_000
    if case == "rate":
        table, value, people, low, high, by = dsr_data(), "value", "total_pop", "lowercl", "uppercl", "Period"
        log_low, log_high = np.log(table[low]), np.log(table[high])
    else:
        table, value, people, low, high, by = ncmp_data(), "Rate", "Measured", "LCL", "UCL", "SchoolYear"
        table = table[table["Period"] == 708]
        log_low, log_high = sp.logistic.ppf(table[low]), sp.logistic.ppf(table[high])
    table = table.assign(_se=(log_high - log_low) / (2 * sp.norm.ppf(0.975)))
    result = sii(table, value, people, "Decile" if case == "proportion" else "Quintile", by=[by], lower=low,
                 upper=high, value_type=case, reps=reps)
    z = sp.norm.ppf(0.975)
    for (_, group), (_, got) in zip(table.groupby(by), result.iterrows()):
        y = group[value].to_numpy(float)
        slope_of = y if case == "rate" else y * (1 - y)
        sd = np.sqrt(((slope_weights(group, people) * slope_of * group["_se"].to_numpy()) ** 2).sum())
        tolerance = mc_tolerance(got["sii"] - z * sd, got["sii"] + z * sd, 0.95, reps) / np.sqrt(2)
        assert got["sii_lower"] == pytest.approx(got["sii"] - z * sd, abs=tolerance)
        assert got["sii_upper"] == pytest.approx(got["sii"] + z * sd, abs=tolerance)


def test_a_negative_multiplier_flips_the_sii_and_inverts_the_rii():
    table = le_data().query("GeoCode == 'E06000002'")
    up = sii(table, "LifeExp", "Pop", "Decile", se="SE", rii=True, reps=20_000).iloc[0]
    down = sii(table, "LifeExp", "Pop", "Decile", se="SE", rii=True, reps=20_000, multiplier=-1).iloc[0]
    assert down["sii"] == pytest.approx(-up["sii"], rel=1e-12)
    assert down["rii"] == pytest.approx(1 / up["rii"], rel=1e-12)
    # same draws, mirrored: each limit is the other's order statistic next door
    assert down["sii_lower"] == pytest.approx(-up["sii_upper"], rel=1e-3)
    assert down["sii_upper"] == pytest.approx(-up["sii_lower"], rel=1e-3)
    assert down["rii_lower"] == pytest.approx(1 / up["rii_upper"], rel=1e-3)


# ------------------------------------------------------------------ reproducibility
def test_the_same_seed_gives_the_same_limits_and_another_seed_other_limits():
    table = dsr_data()
    kwargs = dict(by=["Period"], lower="lowercl", upper="uppercl", value_type=1, rii=True, reps=2000)
    first = sii(table, "value", "total_pop", "Quintile", seed=7, **kwargs)
    again = sii(table, "value", "total_pop", "Quintile", seed=7, **kwargs)
    other = sii(table, "value", "total_pop", "Quintile", seed=8, **kwargs)
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    assert (first["sii"] == other["sii"]).all() and (first["rii"] == other["rii"]).all()
    assert (first["sii_lower"] != other["sii_lower"]).all() and (first["rii_upper"] != other["rii_upper"]).all()


def test_a_groups_limits_do_not_depend_on_the_other_groups():
    table = dsr_data()
    kwargs = dict(lower="lowercl", upper="uppercl", value_type=1, reps=3000)
    together = sii(table, "value", "total_pop", "Quintile", by=["Period"], **kwargs).set_index("Period")
    alone = sii(table[table["Period"] == 2013], "value", "total_pop", "Quintile", **kwargs).iloc[0]
    assert together.loc[2013, ["sii", "sii_lower", "sii_upper"]].tolist() == \
        alone[["sii", "sii_lower", "sii_upper"]].tolist()


# ------------------------------------------------------------------ refusals and notes
def test_a_group_missing_a_quantile_is_noted_not_computed():
    """As the vignette's E06000053: an area without a row for every quantile gets no SII; the others do."""
    table = le_data()
    table = table[~((table["GeoCode"] == "E06000003") & (table["Decile"] == 7))]
    result = sii(table, "LifeExp", "Pop", "Decile", by=["GeoCode"], se="SE", reps=1000).set_index("GeoCode")
    assert np.isnan(result.loc["E06000003", "sii"]) and np.isnan(result.loc["E06000003", "upper_ci"])
    assert result.loc["E06000003", "note"] == "no row for quantile(s) 7: not computed"
    assert result.loc["E06000002", "sii"] == pytest.approx(LE_PUBLISHED["E06000002"][0], rel=1e-6)


def test_clear_refusals():
    table = le_data().query("GeoCode == 'E06000001'")
    run = dict(value="LifeExp", population="Pop", quantile="Decile")
    with pytest.raises(AnalysisError, match="needs between 5 and 100") as caught:
        sii(table[table["Decile"] <= 4], se="SE", **run)
    assert caught.value.option == "quantile"
    with pytest.raises(AnalysisError, match="standard error, or both its 95% lower and upper") as caught:
        sii(table, lower="SE", **run)
    assert caught.value.option == "se"
    with pytest.raises(AnalysisError, match=r"Row 4 \(quantile 3\): the standard error \(SE\) is missing"):
        sii(table.assign(SE=table["SE"].where(table["Decile"] != 3)), se="SE", **run)
    with pytest.raises(AnalysisError, match=r"quantile 5\): the population \(Pop\) is missing, 0 or negative"):
        sii(table.assign(Pop=table["Pop"].where(table["Decile"] != 5, -10)), se="SE", **run)
    with pytest.raises(AnalysisError, match="transform .* needs the value type rate"):
        sii(table, se="SE", transform=True, **run)
    with pytest.raises(AnalysisError, match="give those instead of the standard error"):
        sii(table, se="SE", transform=True, value_type=1, **run)
    with pytest.raises(AnalysisError, match="divide by 100"):
        sii(table, se="SE", value_type=2, **run)
    with pytest.raises(AnalysisError, match="at least 1,000") as caught:
        sii(table, se="SE", reps=999, **run)
    assert caught.value.option == "reps"
    with pytest.raises(AnalysisError, match="0 .other., 1 .rate. or 2") as caught:
        sii(table, se="SE", value_type=3, **run)
    assert caught.value.option == "value_type"
    with pytest.raises(AnalysisError, match="a second row for the same group and quantile"):
        sii(pd.concat([table, table.iloc[:1]]), se="SE", **run)
    with pytest.raises(AnalysisError, match="no column"):
        sii(table, se="StandardError", **run)


# ------------------------------------------------------------------ the CLI
def test_lis_stats_sii_writes_the_vignettes_rates(tmp_path):
    src = tmp_path / "dsr.csv"
    src.write_text(DSR_CSV)
    out = tmp_path / "sii.csv"
    done = run_lis("stats", "sii", src, "--value", "value", "--population", "total_pop", "--quantile", "Quintile",
                   "--lower", "lowercl", "--upper", "uppercl", "--by", "Period", "--value-type", "rate",
                   "--transform", "--rii", "--reps", "20000", "--seed", "3", "--out", out)
    assert done.returncode == 0, done.stderr
    got = pd.read_csv(out)
    assert list(got.columns) == ["Period", "sii", "sii_lower", "sii_upper", "rii", "rii_lower", "rii_upper",
                                 "value", "lower_ci", "upper_ci", "method", "note"]
    assert got["Period"].tolist() == list(DSR_PUBLISHED)
    assert got["sii"].to_numpy() == pytest.approx([v[0] for v in DSR_PUBLISHED.values()], rel=1e-6)
    assert got["rii"].to_numpy() == pytest.approx([v[3] for v in DSR_PUBLISHED.values()], rel=1e-6)
    assert (got["method"] == "simulation 20,000 reps (log)").all()

    refused = run_lis("stats", "sii", src, "--value", "value", "--population", "total_pop", "--quantile",
                      "Quintile", "--out", tmp_path / "no.csv")
    assert refused.returncode == 1
    assert "standard error" in refused.stderr and "(option --se)" in refused.stderr
    assert not (tmp_path / "no.csv").exists()

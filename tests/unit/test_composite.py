"""composite: index building checked against hand-computed cases, independent numpy/scipy implementations written
here, and the published IMD 2019 (its ranks rebuilt from the seven domain ranks of File 2); recipes against the
sample store."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from unit_helpers import REPO, SAMPLE, sample_csv

from lis_workbench.core.composite import Component, build_index, normalise
from lis_workbench.core.errors import CompositeError, IndicatorNotFound, LisError, StoreError
from lis_workbench.core.index_recipe import (
    IndexRecipe,
    load_recipe,
    recipe_from_text,
    run_recipe,
    save_index,
    stored_recipe,
)
from lis_workbench.core.store import ValueRows

FILE2 = "wigan_imd2019_file2_domains_ranks_deciles.csv"
ENGLAND_FILE2 = REPO.parent / "shared" / "data" / "england" / "File_2_-_IoD2019_Domains_of_Deprivation.csv.gz"
RECIPE = SAMPLE / "wigan_vulnerability_index.toml"
N_ENGLAND = 32_844
IMD = "Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)"
IMD_DECILE = "Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"
#: The IoD 2019 domain weights (Technical Report, section 3.6), by the File 2 column of each domain's rank.
DOMAINS = {"Income Rank (where 1 is most deprived)": 22.5,
           "Employment Rank (where 1 is most deprived)": 22.5,
           "Education, Skills and Training Rank (where 1 is most deprived)": 13.5,
           "Health Deprivation and Disability Rank (where 1 is most deprived)": 13.5,
           "Crime Rank (where 1 is most deprived)": 9.3,
           "Barriers to Housing and Services Rank (where 1 is most deprived)": 9.3,
           "Living Environment Rank (where 1 is most deprived)": 9.3}


def imd_components() -> list[Component]:
    """The seven IoD domains: national ranks (1 = most deprived, so a low value is more need) among 32,844 LSOAs."""
    return [Component(col, weight, "low", rank_population=N_ENGLAND) for col, weight in DOMAINS.items()]


def ceil_decile(rank: np.ndarray, n: int, groups: int = 10) -> np.ndarray:
    """The IoD's decile rule: decile 1 holds ranks 1 .. n/10 (checked against File 2's own deciles below)."""
    return np.ceil(np.asarray(rank, float) * groups / n)


# ------------------------------------------------------------------ hand-computed small cases
@pytest.fixture
def small() -> pd.DataFrame:
    return pd.DataFrame({"rate": [10.0, 20.0, 30.0, 40.0], "score": [4.0, 1.0, 3.0, 2.0]},
                        index=["A", "B", "C", "D"])


def test_zscore_by_hand(small):
    """rate: mean 25, population sd sqrt(125); score (low = need): mean 2.5, sd sqrt(1.25), sign flipped."""
    result = build_index(small, [Component("rate", 3), Component("score", 1, "low")], normalisation="zscore")
    z_rate = (np.array([10, 20, 30, 40]) - 25) / math.sqrt(125)
    z_score = -(np.array([4, 1, 3, 2]) - 2.5) / math.sqrt(1.25)
    expected = 0.75 * z_rate + 0.25 * z_score
    np.testing.assert_allclose(result.frame["index_score"], expected, rtol=1e-12)
    assert result.frame["index_rank"].tolist() == [4, 3, 2, 1]  # D: the highest rate and the second-lowest score
    np.testing.assert_allclose(result.frame["rate_contribution"], 0.75 * z_rate)
    share = result.frame["score_share"].to_numpy()
    np.testing.assert_allclose(share[[0, 2, 3]], 0.25 * z_score[[0, 2, 3]] / expected[[0, 2, 3]])
    assert expected[1] == 0 and np.isnan(share[1])  # B's score is 0: no share to speak of
    assert result.weights.tolist() == [0.75, 0.25]


def test_minmax_by_hand(small):
    result = build_index(small, [Component("rate", 1), Component("score", 1, "low")], normalisation="minmax")
    rate = np.array([0, 1 / 3, 2 / 3, 1])
    score = np.array([0, 1, 1 / 3, 2 / 3])  # (max - x) / (max - min)
    np.testing.assert_allclose(result.frame["index_score"], (rate + score) / 2)
    assert result.frame["index_rank"].tolist() == [4, 2, 3, 1]
    np.testing.assert_allclose(result.frame["rate_share"] + result.frame["score_share"], [np.nan, 1, 1, 1])


def test_rank_and_percentile_by_hand_with_ties():
    frame = pd.DataFrame({"x": [5.0, 7.0, 7.0, 1.0, 9.0]}, index=list("abcde"))
    ranks = np.array([2, 3.5, 3.5, 1, 5])  # mean ranks of the tie
    rank = build_index(frame, [Component("x")], normalisation="rank").frame
    np.testing.assert_allclose(rank["index_score"], ranks / 5)
    assert rank["index_rank"].tolist() == [4, 2, 2, 5, 1]  # the tie shares the better rank
    percentile = build_index(frame, [Component("x")], normalisation="percentile").frame
    np.testing.assert_allclose(percentile["index_score"], 100 * (ranks - 0.5) / 5)
    low = build_index(frame, [Component("x", polarity="low")], normalisation="rank").frame
    np.testing.assert_allclose(low["index_score"], (6 - ranks) / 5)


def test_exponential_transformation_by_hand():
    """IoD 2019 Technical Report: X = -23 ln(1 - R (1 - exp(-100/23))), R = rank / N, R = 1 most deprived."""
    frame = pd.DataFrame({"rank": [1, 2, 3, 4]}, index=list("abcd"))  # 1 = most deprived
    got = build_index(frame, [Component("rank", polarity="low")], normalisation="exponential").frame["index_score"]
    r = np.array([4, 3, 2, 1]) / 4
    np.testing.assert_allclose(got, -23 * np.log(1 - r * (1 - np.exp(-100 / 23))), rtol=1e-12)
    assert got.iloc[0] == pytest.approx(100.0) and got.iloc[3] == pytest.approx(-23 * math.log(
        1 - 0.25 * (1 - math.exp(-100 / 23))))
    national = normalise(np.array([1.0, 32_844.0]), "exponential", "low", rank_population=32_844)
    assert national[0] == pytest.approx(100.0) and 0 < national[1] < 0.01
    with pytest.raises(CompositeError, match="ranks from 1 to 10"):
        normalise(np.array([0.0, 5.0]), "rank", "low", rank_population=10)


@pytest.mark.parametrize("normalisation", ["zscore", "minmax", "rank", "percentile", "exponential"])
def test_against_independent_scipy_implementation(normalisation):
    rng = np.random.default_rng(7)
    n = 137
    raw = pd.DataFrame({"a": rng.gamma(2.0, 3.0, n), "b": rng.normal(50, 10, n), "c": rng.integers(0, 40, n)},
                       index=[f"E{i:03d}" for i in range(n)])
    weights = {"a": 0.5, "b": 2.0, "c": 1.5}
    polarity = {"a": "high", "b": "low", "c": "high"}
    result = build_index(raw, [Component(k, weights[k], polarity[k]) for k in raw], normalisation=normalisation)

    def reference(x: np.ndarray) -> np.ndarray:
        if normalisation == "zscore":
            return stats.zscore(x)
        if normalisation == "minmax":
            return (x - x.min()) / np.ptp(x)
        if normalisation == "percentile":
            return np.array([stats.percentileofscore(x, v, kind="mean") for v in x])
        r = stats.rankdata(x) / len(x)
        return r if normalisation == "rank" else -23 * np.log(1 - r * (1 - np.exp(-100 / 23)))

    total = sum(weights.values())
    expected = sum(weights[k] / total * reference(raw[k].to_numpy(float) * (1 if polarity[k] == "high" else -1))
                   for k in raw)
    got = result.frame
    np.testing.assert_allclose(got["index_score"], expected, rtol=1e-10, atol=1e-12)
    # ranks and percentiles are multiples of 1 / 2n, so areas can tie exactly: ties are judged to 9 decimals
    ref_rank = stats.rankdata(-np.round(expected, 9), method="min")
    np.testing.assert_array_equal(got["index_rank"].astype(int), ref_rank)
    np.testing.assert_array_equal(got["index_decile"].astype(int), ceil_decile(ref_rank, n))
    np.testing.assert_array_equal(got["index_quintile"].astype(int), ceil_decile(ref_rank, n, 5))
    assert sorted(got["index_decile"].value_counts()) == [13] * 3 + [14] * 7  # 137 areas in ten near-equal groups


# ------------------------------------------------------------------ the IMD 2019, rebuilt from its domains
def _check_against_official(frame: pd.DataFrame, result, max_gap: float) -> dict:
    """Our order vs the official IMD rank: Spearman, disagreements, their size and the scores of the areas involved.

    An area out of place must be near-tied with its neighbours: walking the areas in official order, our score may
    rise only between areas at most two places apart, and only by less than max_gap (on the 0-100 scale)."""
    official = stats.rankdata(frame[IMD], method="min")
    ours = result.frame["index_rank"].to_numpy(int)
    rho = stats.spearmanr(ours, official).correlation
    order = np.lexsort((-result.frame["index_score"].to_numpy(), official))
    score = result.frame["index_score"].to_numpy()[order]
    rises = [float((score[lag:] - score[:-lag]).max()) for lag in (1, 2, 3)]
    return {"rho": rho, "disagree": int((ours != official).sum()), "max_diff": int(np.abs(ours - official).max()),
            "rises": rises, "ours": ours, "official": official}


def test_imd2019_rank_reproduced_for_wigan():
    """The seven national domain ranks of Wigan's 200 LSOAs, exp-transformed with the national N = 32,844 and
    weighted 22.5/22.5/13.5/13.5/9.3/9.3/9.3, put Wigan's LSOAs in the official IMD order."""
    frame = sample_csv(FILE2).set_index("LSOA code (2011)")
    result = build_index(frame, imd_components(), normalisation="exponential")
    check = _check_against_official(frame, result, 1e-3)
    assert len(frame) == 200
    assert check["rho"] >= 0.9999
    assert check["max_diff"] <= 2  # in fact 0: every one of the 200 ranks is the official Wigan order
    assert check["disagree"] == 0
    assert max(check["rises"][:2]) < 1e-3 and check["rises"][2] < 0
    scores = result.frame["index_score"]
    assert 0 < scores.min() and scores.max() <= 100
    # the national N matters: ranking Wigan's own ranks (N = 200) gives other scores (but still a close order)
    local = build_index(frame, [Component(c, w, "low") for c, w in DOMAINS.items()], normalisation="exponential")
    assert not np.allclose(local.frame["index_score"], scores)


@pytest.mark.skipif(not ENGLAND_FILE2.exists(), reason="England IoD 2019 File 2 not in ../shared/data")
def test_imd2019_rank_reproduced_for_england():
    """All 32,844 LSOAs. 108 areas land one or two places from their official rank: the official IMD ties 26
    pairs whose exact scores differ by under 4e-6 (it ranked less precise scores), and every other swap is between
    areas at most two places apart whose exact scores differ by at most 0.00021 on the 0-100 scale."""
    frame = pd.read_csv(ENGLAND_FILE2, encoding="utf-8-sig").set_index("LSOA code (2011)")
    assert len(frame) == N_ENGLAND
    result = build_index(frame, imd_components(), normalisation="exponential")
    check = _check_against_official(frame, result, 1e-3)
    assert check["rho"] >= 0.9999
    assert check["max_diff"] <= 2 and check["disagree"] <= 150
    assert check["rises"][0] < 1e-3 and check["rises"][1] < 1e-3 and check["rises"][2] < 0
    # deciles: the rule reproduces File 2's own IMD deciles from its ranks, and ours differ only where a rank does
    assert (ceil_decile(frame[IMD], N_ENGLAND) == frame[IMD_DECILE]).all()
    differ = result.frame["index_decile"].to_numpy(int) != frame[IMD_DECILE].to_numpy()
    assert (check["ours"][differ] != check["official"][differ]).all() and differ.sum() == 0  # no swap crosses one
    tied = result.frame["index_score"].groupby(frame[IMD].to_numpy())
    spread = (tied.max() - tied.min())[tied.size() > 1]
    assert len(spread) == 26 and spread.max() < 1e-5  # the official ties are near-ties of the exact scores
    # Wigan's deciles within England's frame (a population mask) = deciles of the official order within Wigan
    wigan = (frame["Local Authority District name (2019)"] == "Wigan").to_numpy()
    local = build_index(frame, imd_components(), normalisation="exponential", population_mask=wigan).frame
    expected = ceil_decile(stats.rankdata(frame.loc[wigan, IMD], method="min"), int(wigan.sum()))
    np.testing.assert_array_equal(local.loc[wigan, "index_decile"].astype(int), expected)
    assert local.loc[~wigan, "index_decile"].isna().all()
    np.testing.assert_array_equal(local["index_rank"], result.frame["index_rank"])  # national rank unchanged


# ------------------------------------------------------------------ population, sensitivity, missing values
def test_deciles_within_a_subpopulation():
    codes = [f"L{i:02d}" for i in range(20)]
    frame = pd.DataFrame({"need": np.arange(20.0)}, index=codes)
    borough = codes[::2]  # the even areas: needs 0, 2, ..., 18
    result = build_index(frame, [Component("need")], normalisation="minmax", population_mask=borough).frame
    inside = result.loc[borough]
    assert inside["index_decile"].tolist() == list(range(10, 0, -1))  # one area a decile, 18 -> decile 1
    assert inside["index_quintile"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert inside["population_rank"].tolist() == list(range(10, 0, -1))
    assert result.loc["L19", "index_rank"] == 1 and result.loc["L18", "index_rank"] == 2  # rank among all 20
    assert result.drop(borough)["index_decile"].isna().all() and result["in_population"].sum() == 10
    as_series = build_index(frame, [Component("need")], normalisation="minmax",
                            population_mask=pd.Series(frame.index.isin(borough), index=frame.index)).frame
    pd.testing.assert_series_equal(as_series["index_decile"], result["index_decile"])


def _reference_decile_changes(values: np.ndarray, weights: np.ndarray, step: float) -> list[int]:
    """Min-max normalise, weighted sum, deciles; then each weight x (1 +- step), renormalised: areas moving decile."""
    norm = (values - values.min(axis=0)) / np.ptp(values, axis=0)

    def deciles(w):
        score = norm @ (w / w.sum())
        return np.ceil(stats.rankdata(-score, method="min") * 10 / len(score))

    base = deciles(weights)
    changes = []
    for i in range(len(weights)):
        for sign in (1, -1):
            moved = weights.copy()
            moved[i] *= 1 + sign * step
            changes.append(int((deciles(moved) != base).sum()))
    return changes


def test_sensitivity_counts_areas_changing_decile():
    rng = np.random.default_rng(3)
    values = rng.uniform(0, 100, (300, 3))
    frame = pd.DataFrame(values, columns=["a", "b", "c"], index=[f"Z{i}" for i in range(300)])
    weights = np.array([0.5, 0.3, 0.2])
    result = build_index(frame, [Component(k, w) for k, w in zip(frame, weights)], normalisation="minmax")
    table = result.sensitivity()
    assert list(table.columns) == ["component", "change", "weight", "new_weight", "areas_changing_decile",
                                   "share_changing_decile", "max_rank_change"]
    assert table["change"].tolist() == ["+20%", "-20%"] * 3
    assert table["areas_changing_decile"].tolist() == _reference_decile_changes(values, weights, 0.2)
    assert table["areas_changing_decile"].sum() > 0
    assert table.loc[0, "new_weight"] == pytest.approx(0.6 / 1.1)
    single = build_index(frame[["a"]], [Component("a")], normalisation="minmax").sensitivity()
    assert (single["areas_changing_decile"] == 0).all() and (single["max_rank_change"] == 0).all()
    with pytest.raises(CompositeError, match="between 0 and 1"):
        result.sensitivity(20)


@pytest.fixture
def gappy() -> pd.DataFrame:
    return pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0], "b": [10.0, np.nan, 30.0, 40.0]}, index=list("pqrs"))


def test_missing_values_fail_by_default_naming_areas(gappy):
    with pytest.raises(CompositeError) as caught:
        build_index(gappy, [Component("a"), Component("b")])
    message = str(caught.value)
    assert "2 area(s)" in message and "q lacks b" in message and "r lacks a" in message and "'drop'" in message


def test_missing_drop_leaves_areas_out(gappy):
    result = build_index(gappy, [Component("a"), Component("b")], normalisation="minmax", missing="drop")
    assert result.dropped == ["q", "r"] and result.missing_counts == {"a": 1, "b": 1}
    got = result.frame
    assert got.loc[["q", "r"], "index_score"].isna().all() and got.loc[["q", "r"], "index_rank"].isna().all()
    np.testing.assert_allclose(got.loc[["p", "s"], "index_score"], [0.0, 1.0])  # normalised over p and s only
    assert got.loc[["p", "s"], "index_decile"].tolist() == [10, 5]  # two areas: ranks 2 and 1 -> ceil(20/2), ceil(10/2)


def test_missing_reweight_uses_the_components_an_area_has(gappy):
    result = build_index(gappy, [Component("a", 3), Component("b", 1)], normalisation="minmax", missing="reweight")
    a = np.array([0, 1 / 3, np.nan, 1])
    b = np.array([0, np.nan, 2 / 3, 1])
    expected = [0.0, a[1], b[2], 1.0]  # q has only a, r only b: their weight becomes 1
    np.testing.assert_allclose(result.frame["index_score"], expected)
    assert result.frame.loc["q", "a_share"] == 1 and np.isnan(result.frame.loc["q", "b_contribution"])


def test_missing_mean_gives_average_need(gappy):
    result = build_index(gappy, [Component("a"), Component("b")], normalisation="zscore", missing="mean")
    a = stats.zscore([1.0, 2.0, 4.0])
    b = stats.zscore([10.0, 30.0, 40.0])
    a_full = np.array([a[0], a[1], 0.0, a[2]])  # the mean z-score is 0
    b_full = np.array([b[0], 0.0, b[1], b[2]])
    np.testing.assert_allclose(result.frame["index_score"], (a_full + b_full) / 2, atol=1e-12)


def test_polarity_flip_equals_negated_values(small):
    flipped = small.assign(score=-small["score"])
    for normalisation in ("zscore", "minmax", "rank", "percentile", "exponential"):
        low = build_index(small, [Component("rate"), Component("score", polarity="low")],
                          normalisation=normalisation).frame
        high = build_index(flipped, [Component("rate"), Component("score", polarity="high")],
                           normalisation=normalisation).frame
        np.testing.assert_allclose(low["index_score"], high["index_score"])
    reversed_order = build_index(small, [Component("rate", polarity="low")], normalisation="rank").frame
    assert reversed_order["index_rank"].tolist() == [1, 2, 3, 4]  # the lowest rate is now the most need
    with pytest.raises(CompositeError, match="polarity must be"):
        build_index(small, [Component("rate", polarity="high_is_bad")])


def test_geomean_with_zeros_shifts_or_says_why(small):
    components = [Component("rate", 2), Component("score", 1, "low")]
    with pytest.raises(CompositeError, match="geometric mean needs positive values.*'rate'"):
        build_index(small, components, normalisation="minmax", combine="geomean", shift=0)
    result = build_index(small, components, normalisation="minmax", combine="geomean")
    assert result.shift == 1.0  # the minimum of min-max is 0: everything moves up by 1
    rate = np.array([0, 1 / 3, 2 / 3, 1]) + 1
    score = np.array([0, 1, 1 / 3, 2 / 3]) + 1
    expected = stats.gmean(np.column_stack([rate, score]), axis=1, weights=np.array([2.0, 1.0]))
    np.testing.assert_allclose(result.frame["index_score"], expected)
    np.testing.assert_allclose(result.frame["rate_contribution"] + result.frame["score_contribution"],
                               np.log(expected))
    ranked = build_index(small, components, normalisation="rank", combine="geomean")
    assert ranked.shift == 0.0  # ranks are positive: no shift
    expected = stats.gmean(np.column_stack([[1, 2, 3, 4], [1, 4, 2, 3]]) / 4, axis=1, weights=np.array([2.0, 1.0]))
    np.testing.assert_allclose(ranked.frame["index_score"], expected)
    assert "shifted by 1" in result.method() and "geometric mean" in result.method()


def test_bad_inputs_say_what_is_wrong(small):
    cases = [
        (dict(components=[]), "at least one component"),
        (dict(components=[Component("nope")]), "no column.*nope"),
        (dict(components=[Component("rate", -1)]), "weight must be a number"),
        (dict(components=[Component("rate", 0)]), "add up to 0"),
        (dict(components=[Component("rate"), Component("rate")]), "more than once"),
        (dict(components=[Component("rate")], normalisation="log"), "Unknown normalisation 'log'"),
        (dict(components=[Component("rate")], combine="max"), "Unknown combine 'max'"),
        (dict(components=[Component("rate")], missing="zero"), "Unknown missing 'zero'"),
    ]
    for kwargs, message in cases:
        with pytest.raises(CompositeError, match=message):
            build_index(small, **kwargs)
    with pytest.raises(CompositeError, match="same value in every area"):
        build_index(small.assign(rate=5.0), [Component("rate")])
    with pytest.raises(CompositeError, match="not numbers.*'n/a'"):
        build_index(small.assign(rate=["1", "2", "n/a", "4"]), [Component("rate")])
    assert issubclass(CompositeError, LisError)


# ------------------------------------------------------------------ recipes and the store
def _recipe_text(*components: str, index: str = "") -> str:
    head = '[index]\nid = "test_index"\ntitle = "Test index"\n' + index
    return head + "".join(f"\n[[component]]\n{c}\n" for c in components)


def test_sample_recipe_loads():
    recipe = load_recipe(RECIPE)
    assert recipe.id == "wigan_vulnerability_index" and recipe.title == "Wigan vulnerability index"
    assert [c.indicator for c in recipe.components] == [
        "imd2019_income_rank", "imd2019_employment_rank", "imd2019_health_rank", "census2011_no_qualifications",
        "census2011_lone_parents_not_employed"]
    assert recipe.normalisation == "rank" and recipe.combine == "sum" and recipe.missing == "fail"
    assert recipe.components[3].per == "pop2015_working_age" and recipe.components[3].per_scale == 1000
    assert recipe.text == RECIPE.read_text(encoding="utf-8")


def test_json_recipe_is_the_same_recipe(tmp_path):
    data = {"index": {"id": "j", "title": "J index", "normalisation": "minmax"},
            "component": [{"indicator": "imd2019_income_rank", "weight": 2, "rank_population": 32844}]}
    path = tmp_path / "index.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    recipe = load_recipe(path)
    assert (recipe.id, recipe.normalisation, recipe.components[0].weight) == ("j", "minmax", 2.0)
    assert recipe.components[0].rank_population == 32844


@pytest.mark.parametrize("text, message", [
    ('[index]\ntitle = "x"\n[[component]]\nindicator = "a"\n', r"bad\.toml: \[index\] needs 'id'"),
    ('[index]\nid = "x"\ntitle = "x"\n', r"bad\.toml: no \[\[component\]\] tables"),
    (_recipe_text('indicator = "a"', index='normalization = "rank"\n'), r"\[index\]: unknown key\(s\) normalization"),
    (_recipe_text('indicator = "a"', index='combine = "product"\n'), "combine = 'product' is not one of sum, geomean"),
    (_recipe_text('weight = 2'), r"\[\[component\]\] 1 needs 'indicator'"),
    (_recipe_text('indicator = "a"', 'indicator = "b"\nweight = "heavy"'),
     r"\[\[component\]\] 2 \(b\): 'weight' must be a number"),
    (_recipe_text('indicator = "a"\npolarity = "high_is_bad"'), r"\(a\): polarity must be 'high'"),
    (_recipe_text('indicator = "a"\nrank_population = 1.5'), "'rank_population' must be a whole number"),
    (_recipe_text('indicator = "a"', 'indicator = "a"'), "appear twice; give one an 'id'"),
    ('[index\nid = 1', r"bad\.toml is not valid TOML"),
])
def test_bad_recipes_name_file_and_key(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CompositeError, match=message):
        load_recipe(path)


def test_missing_recipe_file():
    with pytest.raises(CompositeError, match="Cannot read the index recipe .*nowhere.toml"):
        load_recipe("/nowhere.toml")


def test_sample_recipe_runs_on_the_sample_store(wigan):
    """Checked against the sample CSVs read with pandas: ranks within Wigan scaled to (0, 1], weighted sum."""
    result = run_recipe(wigan, load_recipe(RECIPE))
    file2 = sample_csv(FILE2).set_index("LSOA code (2011)")
    pop = sample_csv("wigan_imd2019_file6_population_denominators.csv", thousands=",").set_index("LSOA code (2011)")
    noqual = sample_csv("wigan_census2011_no_qualifications_lsoa11.csv").set_index("lsoa11cd")["value"]
    lone = sample_csv("wigan_census2011_lone_parents_not_employed_lsoa11.csv").set_index("lsoa11cd")["value"]
    codes = result.frame.index
    working = pop["Working age population 18-59/64: for use with Employment Deprivation Domain (excluding "
                  "prisoners)"].reindex(codes)
    inputs = {  # (values where higher = more need, weight)
        "income": (-file2["Income Rank (where 1 is most deprived)"].reindex(codes), 25),
        "employment": (-file2["Employment Rank (where 1 is most deprived)"].reindex(codes), 25),
        "health": (-file2["Health Deprivation and Disability Rank (where 1 is most deprived)"].reindex(codes), 20),
        "noqual": (noqual.reindex(codes) / working, 15),
        "lone": (lone.reindex(codes) / pop["Total population: mid 2015 (excluding prisoners)"].reindex(codes), 15),
    }
    expected = sum(w / 100 * stats.rankdata(v.to_numpy(float)) / len(codes) for v, w in inputs.values())
    assert len(codes) == 200
    np.testing.assert_allclose(result.frame["index_score"], expected, rtol=1e-12)
    assert result.frame["index_decile"].value_counts().tolist() == [20] * 10
    assert result.provenance["geography"] == "lsoa11" and result.provenance["period"] == "2019"
    assert result.provenance["periods"]["census2011_no_qualifications"] == "2011"
    assert len(result.sensitivity()) == 10


def test_recipe_errors_against_the_store(wigan, tmp_path):
    def run(text):
        path = tmp_path / "r.toml"
        path.write_text(text, encoding="utf-8")
        return run_recipe(wigan, load_recipe(path))

    with pytest.raises(IndicatorNotFound, match=r"r\.toml: component 'imd2019_income_rnk': .*no indicator"):
        run(_recipe_text('indicator = "imd2019_income_rnk"'))
    with pytest.raises(IndicatorNotFound, match="has no period '2018'"):
        run(_recipe_text('indicator = "imd2019_income_rank"\nperiod = "2018"'))
    with pytest.raises(CompositeError, match=r"different geographies \(imd2019_income_rank on lsoa11; "
                                             r"census2021_aged_16_to_24_years on lsoa21\)"):
        run(_recipe_text('indicator = "imd2019_income_rank"', 'indicator = "census2021_aged_16_to_24_years"'
                                                              '\npolarity = "high"'))
    with pytest.raises(CompositeError, match="catalogue gives polarity 'neutral'"):
        run(_recipe_text('indicator = "pop2015_total"'))
    with pytest.raises(CompositeError, match="lookup 'no_such' is not in the store"):
        run(_recipe_text('indicator = "imd2019_income_rank"', index='lookup = "no_such"\n'))
    with pytest.raises(CompositeError, match="cannot be aggregated through lookup 'lsoa11_ward23'.*not aggregable"):
        run(_recipe_text('indicator = "imd2019_income_rank"', index='lookup = "lsoa11_ward23"\n'))
    with pytest.raises(CompositeError, match="geography is 'ward23' but the components are on 'lsoa11'"):
        run(_recipe_text('indicator = "imd2019_income_rank"', index='geography = "ward23"\n'))


def test_recipe_lookup_aggregates_counts_to_wards(wigan, tmp_path):
    """Counts and their denominators are summed to wards (pandas groupby here), then divided."""
    path = tmp_path / "wards.toml"
    path.write_text(_recipe_text('indicator = "census2011_no_qualifications"\nper = "pop2015_working_age"',
                                 index='lookup = "lsoa11_ward23"\nnormalisation = "minmax"\n'), encoding="utf-8")
    result = run_recipe(wigan, load_recipe(path))
    ward_of = wigan.lookup("lsoa11_ward23").set_index("from_code")["to_code"]
    noqual = sample_csv("wigan_census2011_no_qualifications_lsoa11.csv").set_index("lsoa11cd")["value"]
    pop = sample_csv("wigan_imd2019_file6_population_denominators.csv", thousands=",").set_index("LSOA code (2011)")
    working = pop["Working age population 18-59/64: for use with Employment Deprivation Domain (excluding "
                  "prisoners)"]
    rate = noqual.groupby(ward_of.reindex(noqual.index)).sum() / working.groupby(ward_of.reindex(working.index)).sum()
    expected = ((rate - rate.min()) / (rate.max() - rate.min())).reindex(result.frame.index)
    assert len(result.frame) == 25 and result.provenance["geography"] == "ward23"
    np.testing.assert_allclose(result.frame["index_score"], expected.to_numpy(), rtol=1e-12)


def test_save_index_round_trip_and_rerun(store, tmp_path):
    recipe = load_recipe(RECIPE)
    result = run_recipe(store, recipe)
    ids = save_index(store, recipe, result)
    assert ids == ["wigan_vulnerability_index_score", "wigan_vulnerability_index_rank",
                   "wigan_vulnerability_index_decile"]
    score = store.get_values(ids[0]).set_index("area_code")
    np.testing.assert_allclose(score["value"], result.frame["index_score"].reindex(score.index))
    assert (score["period"] == "2019").all() and len(score) == 200
    rank = store.get_values(ids[1]).set_index("area_code")["value"]
    np.testing.assert_array_equal(rank, stats.rankdata(-score["value"].round(9).to_numpy(), method="min"))
    decile = store.get_values(ids[2])["value"]
    assert decile.value_counts().tolist() == [20] * 10
    entry = store.indicator(ids[0])
    assert entry["notes"] == recipe.text and entry["geography"] == "lsoa11" and entry["polarity"] == "high_is_bad"
    assert "wigan_vulnerability_index.toml" in entry["source"] and "census2011_no_qualifications (2011)" in entry[
        "source"]
    assert store.indicator(ids[1])["value_type"] == "rank"
    with pytest.raises(StoreError, match="already has values for period"):
        save_index(store, recipe, result)

    # a partner updates a component: the area least in need gets many more adults without qualifications
    least = result.frame["index_score"].idxmin()
    values = store.get_values("census2011_no_qualifications")
    values.loc[values["area_code"] == least, "value"] = 5000.0
    entry = {k: v for k, v in store.indicator("census2011_no_qualifications").items() if k != "periods"}
    store.write_indicators([ValueRows(entry, values.drop(columns=["area_name"]))], file="update.csv", checksum=None,
                           replace=True)
    again = stored_recipe(store, ids[0])
    assert again.text == recipe.text and again.path == "wigan_vulnerability_index.toml"
    rerun = run_recipe(store, again)
    assert rerun.frame.loc[least, "index_score"] > result.frame.loc[least, "index_score"]
    save_index(store, again, rerun, replace=True)
    assert store.get_values(ids[0]).set_index("area_code").loc[least, "value"] == pytest.approx(
        rerun.frame.loc[least, "index_score"])
    with pytest.raises(CompositeError, match="not saved by save_index"):
        stored_recipe(store, "imd2019_income_rank")


def test_save_index_needs_geography_and_period(small):
    result = build_index(small, [Component("rate")])
    recipe = IndexRecipe(id="x", title="X", components=[])
    with pytest.raises(CompositeError, match="needs the index's geography"):
        save_index(None, recipe, result)  # type: ignore[arg-type]
    with pytest.raises(CompositeError, match="needs a period"):
        save_index(None, IndexRecipe(id="x", title="X", components=[], geography="lsoa11"), result)  # type: ignore


def test_recipe_from_text_names_its_source():
    with pytest.raises(CompositeError, match=r"^the store: no \[index\] table"):
        recipe_from_text('[[component]]\nindicator = "a"\n', "the store")


# ------------------------------------------------------------------ QGIS's Python
@pytest.mark.skipif(not Path("/usr/bin/python3").exists() or shutil.which("/usr/bin/python3") is None,
                    reason="no system Python")
def test_runs_under_qgis_python():
    """Debian's python3 (QGIS's: numpy 1.24, pandas 1.5, scipy 1.10) builds an index, geomean and sensitivity."""
    code = ("import sys; sys.path.insert(0, sys.argv[1]); sys.modules['qgis'] = None\n"
            "import pandas as pd, numpy as np\n"
            "from lis_workbench.core.composite import build_index, Component\n"
            "f = pd.DataFrame({'a': [1, 2, np.nan, 4.0], 'b': [4, 3, 2, 1.0]}, index=list('pqrs'))\n"
            "r = build_index(f, [Component('a', 2), Component('b', polarity='low')], normalisation='minmax',\n"
            "                combine='geomean', missing='reweight', population_mask=['p', 'q', 's'])\n"
            "r.sensitivity(); print(pd.__version__, r.frame['index_rank'].tolist(),\n"
            "      r.frame['index_decile'].astype('float').round().tolist())\n")
    done = subprocess.run(["/usr/bin/python3", "-c", code, str(REPO)], capture_output=True, text=True, timeout=120)
    if "No module named" in done.stderr and ("pandas" in done.stderr or "scipy" in done.stderr):
        pytest.skip("system Python lacks pandas/scipy")
    assert done.returncode == 0, done.stderr
    assert "[4, 3, 2, 1]" in done.stdout and "[10.0, 7.0, nan, 4.0]" in done.stdout

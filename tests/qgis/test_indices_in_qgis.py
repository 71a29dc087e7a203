"""Composite index, aggregation and benchmark comparison as Processing algorithms in real QGIS, and the map and
chart pictures of `lis index` and `lis trend`; every number checked against a computation written here with
numpy, pandas and scipy from the store's raw rows (read with sqlite3, not through the engine)."""

from __future__ import annotations

import contextlib
import math
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from qgis.core import NULL, QgsFeature, QgsField, QgsProcessingException, QgsVectorLayer
from qgis.PyQt.QtCore import QVariant
from scipy import stats

from tests.qgis.qgis_helpers import load_indicator

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"

LSOA_FIELDS = {"income_rank": ("imd2019_income_rank", "2019"), "health_rank": ("imd2019_health_rank", "2019"),
               "no_quals": ("census2011_no_qualifications", "2011"),
               "income_people": ("iod2019_income_numerator", "2019"), "population": ("pop2015_total", "2015")}


def _raw(store_path, indicator: str, period: str) -> pd.Series:
    """An indicator's stored values by area code, read straight from the file."""
    with contextlib.closing(sqlite3.connect(store_path)) as conn:
        rows = conn.execute("SELECT area_code, value FROM lis_value WHERE indicator = ? AND period = ?",
                            (indicator, period)).fetchall()
    return pd.Series(dict(rows), dtype=float)


def _lookup(store_path, name: str) -> pd.DataFrame:
    with contextlib.closing(sqlite3.connect(store_path)) as conn:
        return pd.read_sql_query("SELECT from_code, to_code, weight FROM lis_lookup_row WHERE lookup = ?", conn,
                                 params=(name,))


@pytest.fixture()
def lsoa_layer(provider, sample_store_path, tmp_path):
    """The 200 LSOA polygons (from Load indicator) with the LSOA_FIELDS as numeric fields."""
    boundaries = load_indicator(sample_store_path, "imd2019_income_rank", tmp_path)
    values = {name: _raw(sample_store_path, *key) for name, key in LSOA_FIELDS.items()}
    return _memory_layer(QgsVectorLayer(str(boundaries), "lsoa", "ogr"), values)


def _memory_layer(source: QgsVectorLayer, values: dict[str, pd.Series]) -> QgsVectorLayer:
    layer = QgsVectorLayer("MultiPolygon?crs=EPSG:27700", "areas", "memory")
    layer.dataProvider().addAttributes([QgsField("area_code", QVariant.Type.String)]
                                       + [QgsField(name, QVariant.Type.Double) for name in values])
    layer.updateFields()
    features = []
    for feature in source.getFeatures():
        out = QgsFeature(layer.fields())
        code = feature["area_code"]
        cells = [values[name].get(code) for name in values]
        out.setAttributes([code] + [None if v is None or v != v else float(v) for v in cells])
        out.setGeometry(feature.geometry())
        features.append(out)
    layer.dataProvider().addFeatures(features)
    return layer


def _table(path) -> pd.DataFrame:
    layer = QgsVectorLayer(str(path), "out", "ogr")
    names = layer.fields().names()
    return pd.DataFrame([[None if v is None or (hasattr(v, "isNull") and v.isNull()) else v
                          for v in f.attributes()] for f in layer.getFeatures()], columns=names)


def _zscores(x: pd.Series, polarity: str) -> pd.Series:
    z = (x - x.mean()) / x.std(ddof=0)
    return z if polarity == "high" else -z


# ------------------------------------------------------------------ composite index
def test_composite_index_is_the_weighted_sum_of_zscores(lsoa_layer, tmp_path):
    import processing

    out = tmp_path / "index.gpkg"
    result = processing.run("lisworkbench:compositeindex", {
        "INPUT": lsoa_layer, "FIELDS": ["income_rank", "health_rank", "no_quals"], "WEIGHTS": "2, 1, 1",
        "POLARITY": "low,low,high", "NORMALISATION": 0, "COMBINE": 0, "OUTPUT": str(out)})
    table = _table(out).set_index("area_code")
    ref = pd.DataFrame({name: lsoa_layer_values(lsoa_layer, name) for name in ("income_rank", "health_rank",
                                                                                "no_quals")})
    score = (0.5 * _zscores(ref["income_rank"], "low") + 0.25 * _zscores(ref["health_rank"], "low")
             + 0.25 * _zscores(ref["no_quals"], "high"))
    score = score.reindex(table.index)
    np.testing.assert_allclose(table["index_score"].to_numpy(float), score.to_numpy(), atol=1e-12)
    rank = stats.rankdata(-score.round(9).to_numpy(), method="min")
    assert table["index_rank"].astype(int).tolist() == rank.astype(int).tolist()
    assert table["index_decile"].astype(int).tolist() == np.ceil(rank * 10 / 200).astype(int).tolist()
    assert table["index_decile"].value_counts().sort_index().tolist() == [20] * 10
    np.testing.assert_allclose(table["income_rank_contrib"], 0.5 * _zscores(ref["income_rank"], "low")
                               .reindex(table.index), atol=1e-12)
    contributions = table[[c for c in table.columns if c.endswith("_contrib")]].sum(axis=1)
    np.testing.assert_allclose(contributions, table["index_score"], atol=1e-12)
    assert "income_rank 50.0% (low = need)" in result["METHOD"]
    assert 0 <= result["MAX_SHARE_CHANGING_DECILE"] <= 1
    assert {row["component"] for row in __import__("json").loads(result["SENSITIVITY"])} == {
        "income_rank", "health_rank", "no_quals"}
    # the same layer styled as Processing styles it on load: ten graduated classes on ColorBrewer's 10-class RdBu
    # (sequential schemes stop at 9), decile 1 (most in need) at the dark red end, as IMD deciles
    from lis_workbench.qgis_bridge.charts import style_index_deciles

    layer = QgsVectorLayer(str(out), "index", "ogr")
    style_index_deciles(layer)
    ranges = layer.renderer().ranges()
    assert len(ranges) == 10 and ranges[0].label() == "Decile 1 (most in need)"
    assert ranges[0].symbol().color().name() == "#67001f" and ranges[-1].symbol().color().name() == "#053061"


def lsoa_layer_values(layer: QgsVectorLayer, field: str) -> pd.Series:
    return pd.Series({f["area_code"]: float(f[field]) for f in layer.getFeatures()})


def test_composite_index_from_a_recipe_uses_rank_normalisation(lsoa_layer, tmp_path):
    import processing

    recipe = tmp_path / "recipe.toml"
    recipe.write_text('[index]\nid = "t"\ntitle = "T"\nnormalisation = "rank"\n\n'
                      '[[component]]\nindicator = "income_rank"\npolarity = "low"\nweight = 3\n\n'
                      '[[component]]\nindicator = "no_quals"\npolarity = "high"\nweight = 1\n')
    out = tmp_path / "recipe_index.gpkg"
    processing.run("lisworkbench:compositeindex", {"INPUT": lsoa_layer, "RECIPE": str(recipe), "OUTPUT": str(out)})
    table = _table(out).set_index("area_code")
    income = lsoa_layer_values(lsoa_layer, "income_rank").reindex(table.index)
    quals = lsoa_layer_values(lsoa_layer, "no_quals").reindex(table.index)
    expected = 0.75 * stats.rankdata(-income) / 200 + 0.25 * stats.rankdata(quals) / 200
    np.testing.assert_allclose(table["index_score"], expected, atol=1e-12)


def test_composite_index_errors_name_the_fault(lsoa_layer, tmp_path):
    import processing

    base = {"INPUT": lsoa_layer, "FIELDS": ["income_rank", "health_rank", "no_quals"],
            "OUTPUT": str(tmp_path / "x.gpkg")}
    with pytest.raises(QgsProcessingException, match="WEIGHTS has 2 number"):
        processing.run("lisworkbench:compositeindex", {**base, "WEIGHTS": "1,2"})
    with pytest.raises(QgsProcessingException, match="POLARITY 'hihg' is not a polarity"):
        processing.run("lisworkbench:compositeindex", {**base, "POLARITY": "low,hihg,high"})
    with pytest.raises(QgsProcessingException, match="WEIGHTS must be numbers"):
        processing.run("lisworkbench:compositeindex", {**base, "WEIGHTS": "1,2,x"})
    gappy = QgsVectorLayer("None", "gappy", "memory")
    gappy.dataProvider().addAttributes([QgsField("a", QVariant.Type.Double), QgsField("b", QVariant.Type.Double)])
    gappy.updateFields()
    rows = [(1.0, 2.0), (2.0, None), (3.0, 1.0), (4.0, 5.0)]
    features = []
    for a, b in rows:
        feature = QgsFeature(gappy.fields())
        feature.setAttributes([a, b])
        features.append(feature)
    gappy.dataProvider().addFeatures(features)
    with pytest.raises(QgsProcessingException, match="1 area\\(s\\) have no value for some component"):
        processing.run("lisworkbench:compositeindex", {"INPUT": gappy, "FIELDS": ["a", "b"],
                                                       "OUTPUT": "memory:"})
    result = processing.run("lisworkbench:compositeindex", {"INPUT": gappy, "FIELDS": ["a", "b"], "MISSING": 1,
                                                            "OUTPUT": "memory:"})
    scores = [f["index_score"] for f in result["OUTPUT"].getFeatures()]
    assert scores[1] == NULL and all(isinstance(s, float) for i, s in enumerate(scores) if i != 1)


# ------------------------------------------------------------------ aggregation
def test_aggregate_store_counts_through_a_store_lookup(provider, sample_store_path, tmp_path):
    import processing

    out = tmp_path / "wards.gpkg"
    result = processing.run("lisworkbench:aggregate", {
        "STORE": str(sample_store_path), "INDICATOR": "iod2019_income_numerator", "VALUE_TYPE": 8,
        "LOOKUP_NAME": "lsoa11_ward23", "OUTPUT": str(out)})
    assert result["UNMATCHED"] == 0
    people = _raw(sample_store_path, "iod2019_income_numerator", "2019")
    pairs = _lookup(sample_store_path, "lsoa11_ward23")
    expected = (pairs.assign(v=pairs["from_code"].map(people) * pairs["weight"]).groupby("to_code")["v"].sum())
    layer = QgsVectorLayer(str(out), "w", "ogr")
    assert layer.featureCount() == 25 and layer.geometryType() == 2  # polygons from the store's ward23
    got = {f["area_code"]: f["value"] for f in layer.getFeatures()}
    assert got == pytest.approx(expected.to_dict(), abs=1e-9)
    assert all(f["area_name"] for f in layer.getFeatures())


def test_aggregate_layer_rate_with_csv_lookup_and_target(lsoa_layer, sample_store_path, tmp_path):
    import processing

    pairs = _lookup(sample_store_path, "lsoa11_ward23").rename(columns={"from_code": "lsoa", "to_code": "ward"})
    dropped = sorted(pairs["lsoa"])[:3]
    csv = tmp_path / "lookup.csv"
    pairs[~pairs["lsoa"].isin(dropped)][["lsoa", "ward"]].to_csv(csv, index=False)
    out = tmp_path / "rates.gpkg"
    result = processing.run("lisworkbench:aggregate", {
        "INPUT": lsoa_layer, "CODE_FIELD": "area_code", "NUMERATOR": "income_people",
        "DENOMINATOR": "population", "VALUE_TYPE": 1, "LOOKUP": str(csv), "FROM_FIELD": "lsoa",
        "TO_FIELD": "ward", "TARGET": str(SAMPLE / "wigan_wards_2023_bgc.geojson"),
        "TARGET_CODE_FIELD": "area_code", "OUTPUT": str(out)})
    assert result["UNMATCHED"] == 3
    frame = pd.DataFrame({"num": _raw(sample_store_path, "iod2019_income_numerator", "2019"),
                          "den": _raw(sample_store_path, "pop2015_total", "2015")})
    frame = frame.join(pairs.set_index("lsoa")["ward"]).drop(index=dropped)
    sums = frame.groupby("ward")[["num", "den"]].sum()
    layer = QgsVectorLayer(str(out), "r", "ogr")
    assert layer.featureCount() == 25 and layer.geometryType() == 2
    got = {f["area_code"]: (f["value"], f["numerator"], f["denominator"]) for f in layer.getFeatures()}
    for ward, row in sums.iterrows():
        value, num, den = got[ward]
        assert value == pytest.approx(row["num"] / row["den"], rel=1e-12)
        assert (num, den) == (row["num"], row["den"])


def test_aggregate_refuses_ranks_and_asks_for_a_lookup(provider, sample_store_path, lsoa_layer, tmp_path):
    import processing

    # a store's ranks through a store lookup: refused, in the words `lis aggregate` uses
    with pytest.raises(QgsProcessingException, match="cannot be aggregated: an average rank"):
        processing.run("lisworkbench:aggregate", {
            "STORE": str(sample_store_path), "INDICATOR": "imd2019_income_rank", "LOOKUP_NAME": "lsoa11_ward23",
            "OUTPUT": str(tmp_path / "ranks.gpkg")})
    # ranks given as a layer's field: every value empty (no larger area is one LSOA), with a warning
    result = processing.run("lisworkbench:aggregate", {
        "STORE": str(sample_store_path), "INDICATOR": "imd2019_income_rank", "VALUE_TYPE": 5,
        "LOOKUP_NAME": "lsoa11_ward23", "OUTPUT": str(tmp_path / "ranks.gpkg")})
    values = [f["value"] for f in QgsVectorLayer(result["OUTPUT"], "r", "ogr").getFeatures()]
    assert len(values) == 25 and all(v == NULL for v in values)
    with pytest.raises(QgsProcessingException, match="Say what kind of values the layer holds.*VALUE_TYPE"):
        processing.run("lisworkbench:aggregate", {"INPUT": lsoa_layer, "VALUE": "no_quals", "OUTPUT": "memory:"})
    with pytest.raises(QgsProcessingException, match="Give a lookup"):
        processing.run("lisworkbench:aggregate", {"INPUT": lsoa_layer, "VALUE": "no_quals", "VALUE_TYPE": 0,
                                                  "OUTPUT": "memory:"})


# ------------------------------------------------------------------ comparison
def _wilson(k: float, n: float, level: float) -> tuple[float, float]:
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=level, method="wilson")
    return ci.low, ci.high


def test_compare_proportions_with_wilson_intervals_against_the_total(lsoa_layer, tmp_path):
    import processing

    out = tmp_path / "compare.gpkg"
    result = processing.run("lisworkbench:compare", {
        "INPUT": lsoa_layer, "CODE_FIELD": "area_code", "NUMERATOR": "income_people", "DENOMINATOR": "population",
        "KIND": 0, "MULTIPLIER": 100, "POLARITY": 1, "OUTPUT": str(out)})
    table = _table(out)
    total = table["income_people"].sum() / table["population"].sum() * 100
    assert result["BENCHMARK_VALUE"] == pytest.approx(total, rel=1e-12)
    for row in table.itertuples(index=False):
        for level, label in ((0.95, "95"), (0.998, "99_8")):
            low, high = (100 * v for v in _wilson(row.income_people, row.population, level))
            assert getattr(row, f"lower_{label}") == pytest.approx(low, abs=1e-9)
            assert getattr(row, f"upper_{label}") == pytest.approx(high, abs=1e-9)
            side = "higher" if low > total else "lower" if high < total else "similar"
            assert getattr(row, f"vs_benchmark_{label}") == side
            assert getattr(row, f"assessment_{label}") == {"higher": "worse", "lower": "better"}.get(side, side)
    assert (table["vs_benchmark_95"] == "higher").sum() > 20 and (table["vs_benchmark_95"] == "lower").sum() > 20


def test_compare_with_a_benchmark_area_a_number_and_counts(lsoa_layer, tmp_path):
    import processing

    first = next(lsoa_layer.getFeatures())
    own = first["income_people"] / first["population"] * 1000
    result = processing.run("lisworkbench:compare", {
        "INPUT": lsoa_layer, "NUMERATOR": "income_people", "DENOMINATOR": "population", "KIND": 1,
        "MULTIPLIER": 1000, "BENCHMARK_AREA": first["area_code"], "OUTPUT": "memory:"})
    assert result["BENCHMARK_VALUE"] == pytest.approx(own, rel=1e-12)
    row = next(f for f in result["OUTPUT"].getFeatures() if f["area_code"] == first["area_code"])
    assert row["vs_benchmark_95"] == "similar" and row["assessment_95"] == "not compared"  # POLARITY auto: none
    # Byar's interval of a count (the PHE Technical Guide's formula, written out here)
    result = processing.run("lisworkbench:compare", {"INPUT": lsoa_layer, "NUMERATOR": "no_quals", "KIND": 2,
                                                     "BENCHMARK": 150, "OUTPUT": "memory:"})
    z = stats.norm.ppf(0.975)
    for feature in result["OUTPUT"].getFeatures():
        o = feature["no_quals"]
        low = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
        high = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
        assert (feature["lower_95"], feature["upper_95"]) == pytest.approx((low, high), rel=1e-12)
        assert feature["vs_benchmark_95"] == ("higher" if low > 150 else "lower" if high < 150 else "similar")
    with pytest.raises(QgsProcessingException, match="Counts of different areas cannot be compared"):
        processing.run("lisworkbench:compare", {"INPUT": lsoa_layer, "NUMERATOR": "no_quals", "KIND": 2,
                                                "OUTPUT": "memory:"})
    with pytest.raises(QgsProcessingException, match="needs a denominator"):
        processing.run("lisworkbench:compare", {"INPUT": lsoa_layer, "NUMERATOR": "no_quals", "KIND": 0,
                                                "OUTPUT": "memory:"})


# ------------------------------------------------------------------ CLI pictures
def _lis(*args) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="200", NO_COLOR="1")
    return subprocess.run([sys.executable, "-m", "lis_workbench.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=600, env=env)


def _colours(path) -> int:
    from qgis.PyQt.QtGui import QImage

    image = QImage(str(path))
    assert not image.isNull()
    return len({image.pixel(x, y) for x in range(0, image.width(), 11) for y in range(0, image.height(), 11)})


def test_cli_index_map_and_trend_chart_and_change_map(sample_store_path, tmp_path):
    import shutil

    store = tmp_path / "store.gpkg"
    shutil.copyfile(sample_store_path, store)
    png = tmp_path / "index.png"
    run = _lis("index", SAMPLE / "wigan_vulnerability_index.toml", "--store", store, "--save", "--out", png)
    assert run.returncode == 0, run.stderr
    assert _colours(png) > 10
    layer = QgsVectorLayer(f"{store}|layername=lis_value", "v", "ogr")  # the store file still opens in QGIS
    assert layer.isValid()
    chart, change_map = tmp_path / "trend.png", tmp_path / "change.png"
    run = _lis("trend", store, "claimant_rate", "--start", "2015-01", "--end", "2017-10", "--chart", chart,
               "--map", change_map)
    assert run.returncode == 0, run.stderr
    assert _colours(chart) > 5 and _colours(change_map) > 5
    from qgis.PyQt.QtGui import QImage

    assert QImage(str(chart)).width() == 2400


def test_cli_compare_draws_the_funnel_and_says_it_in_words(sample_store_path, tmp_path):
    """`lis compare --funnel`: the picture is written, and its text alternative names as many areas above and
    below the 99.8% limits as the comparison table calls higher and lower at 99.8%."""
    import pandas as pd

    png, csv = tmp_path / "funnel.png", tmp_path / "compare.csv"
    run = _lis("compare", sample_store_path, "iod2019_income_numerator", "--denominator", "pop2015_total",
               "--benchmark", "england", "--csv", csv, "--funnel", png)
    assert run.returncode == 0, run.stderr
    table = pd.read_csv(csv)
    counts = table["vs_benchmark_99_8"].value_counts()
    words = " ".join(run.stdout.split())
    assert f"{counts['higher']} above the 99.8% limits (worse)" in words
    assert f"{counts['lower']} below the 99.8% limits (better)" in words
    assert _colours(png) > 5
    from qgis.PyQt.QtGui import QImage

    assert QImage(str(png)).width() == 2400
    count = _lis("compare", sample_store_path, "census2011_no_qualifications", "--benchmark", "700", "--funnel", png)
    assert count.returncode != 0 and "funnel plot needs values with a denominator" in " ".join(count.stderr.split())


def test_cli_inequality_chart(sample_store_path, tmp_path):
    """`lis inequality --chart`: the bars, their whiskers and the fitted line are drawn (many colours), 2,400 px."""
    png = tmp_path / "inequality.png"
    run = _lis("inequality", sample_store_path, "iod2019_income_numerator", "--denominator", "pop2015_total",
               "--reps", "2000", "--chart", png)
    assert run.returncode == 0, run.stderr
    assert _colours(png) > 5
    from qgis.PyQt.QtGui import QImage

    assert QImage(str(png)).width() == 2400

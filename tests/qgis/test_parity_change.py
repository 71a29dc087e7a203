"""Parity of change, comparison and aggregation: one input through every door gives one answer in the same words.

Issue 13 asks for a parity test per capability: `lis`, Processing and (where it offers the capability) the dock run
on one input, and what a user sees - the values per area and the summary words - must agree.

- Trend: `lis trend`, Processing "Trend" and the dock's Trend button on claimant_rate, 2015-01 to 2017-10 (the whole
  series: the dock always takes every period of the indicator, so the CLI and Processing are given the same window).
- Compare: `lis compare`, Processing "Compare with a benchmark" (multiplier left empty) and the dock's Compare button
  on people in income deprivation per pop2015_total, against the borough; and against England (CLI and Processing:
  the dock compares with the borough only). The issue's complaint was that `lis compare` multiplied proportions by
  100 while Processing multiplied by 1: here both must give percentages.
- Aggregate: `lis aggregate` and Processing "Aggregate to larger areas" (store mode) on the income count, LSOAs to
  wards through the store's lookup lsoa11_ward23. The dock offers no aggregation, so it has no part here.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from qgis.core import QgsProcessingFeedback, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import QVariant

from tests.qgis.qgis_helpers import wait_for_task

WINDOW = ("2015-01", "2017-10")
TREND_NUMBERS = ["value_start", "value_end", "change", "percent_change", "rank_start", "rank_end", "rank_change",
                 "n_periods", "slope", "intercept", "r_squared", "p_value", "recent_gradient", "recent_chi2",
                 "recent_p"]
TREND_WORDS = ["area_name", "first_period", "last_period", "direction", "assessment", "recent_trend",
               "recent_periods"]
COMPARE_NUMBERS = ["numerator", "denominator", "value", "lower_95", "upper_95", "lower_99_8", "upper_99_8",
                   "benchmark"]
COMPARE_WORDS = ["vs_benchmark_95", "assessment_95", "vs_benchmark_99_8", "assessment_99_8", "reason"]
AGGREGATE_NUMBERS = ["value", "numerator", "denominator", "n_areas", "incomplete"]
AGGREGATE_WORDS = ["area_name", "method"]
INCOME, POPULATION = "iod2019_income_numerator", "pop2015_total"


@pytest.fixture()
def store(sample_store_path, tmp_path):
    """A copy of the sample store (the dock opens it and remembers it)."""
    path = tmp_path / "store.gpkg"
    shutil.copyfile(sample_store_path, path)
    return path


class Said(QgsProcessingFeedback):
    """What an algorithm tells the user in its log (information and warnings)."""

    def __init__(self) -> None:
        super().__init__()
        self.info: list[str] = []
        self.warnings: list[str] = []

    def pushInfo(self, info: str) -> None:  # noqa: N802 - QGIS API
        self.info.append(info)
        super().pushInfo(info)

    def pushWarning(self, warning: str) -> None:  # noqa: N802 - QGIS API
        self.warnings.append(warning)
        super().pushWarning(warning)


def _lis(*args) -> subprocess.CompletedProcess:
    """Run the `lis` command in a console wide enough that no summary line wraps."""
    env = dict(os.environ, COLUMNS="400", NO_COLOR="1")
    done = subprocess.run([sys.executable, "-m", "lis_workbench.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=600, env=env)
    assert done.returncode == 0, done.stderr
    return done


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines()]


def _csv(path) -> pd.DataFrame:
    """A table the CLI wrote, by area code."""
    return pd.read_csv(path, dtype={"area_code": str}, keep_default_na=False, na_values=[""]).set_index("area_code")


def _table(layer) -> pd.DataFrame:
    """A layer's attributes (NULL as None), by area code."""
    if not isinstance(layer, QgsVectorLayer):
        layer = QgsVectorLayer(str(layer), "output", "ogr")
    assert layer.isValid()
    names = layer.fields().names()
    rows = [{n: None if isinstance(v, QVariant) or v is None else v for n, v in zip(names, f.attributes())}
            for f in layer.getFeatures()]
    return pd.DataFrame(rows).set_index("area_code")


def _layer_with(field: str) -> QgsVectorLayer:
    """The one layer of the project with this field: what the dock just added."""
    found = [layer for layer in QgsProject.instance().mapLayers().values()
             if isinstance(layer, QgsVectorLayer) and layer.fields().indexFromName(field) >= 0]
    assert len(found) == 1, [layer.name() for layer in found]
    return found[0]


def _same(expected: pd.DataFrame, got: pd.DataFrame, numbers: list[str], words: list[str], door: str) -> None:
    """The same areas with the same numbers (within 1e-9) and the same words."""
    assert sorted(got.index) == sorted(expected.index), door
    got = got.reindex(expected.index)
    for column in numbers:
        np.testing.assert_allclose(pd.to_numeric(got[column]).to_numpy(float),
                                   pd.to_numeric(expected[column]).to_numpy(float), rtol=1e-9, atol=1e-9,
                                   err_msg=f"{door}: {column}")
    for column in words:
        mine = got[column].fillna("").astype(str).tolist()
        assert mine == expected[column].fillna("").astype(str).tolist(), f"{door}: {column}"


# ------------------------------------------------------------------ trend
def test_trend_gives_one_answer_from_the_cli_processing_and_the_dock(plugin, store, tmp_path):
    import processing

    cli = _lis("trend", store, "claimant_rate", "--start", WINDOW[0], "--end", WINDOW[1], "--csv", tmp_path / "t.csv")
    by_cli = _csv(tmp_path / "t.csv")
    ran = processing.run("lisworkbench:trend", {"STORE": str(store), "INDICATOR": "claimant_rate",
                                                "START": WINDOW[0], "END": WINDOW[1],
                                                "OUTPUT": str(tmp_path / "trend.gpkg")})
    dock = plugin.dock
    dock.open_store(str(store))
    dock.select_indicator("claimant_rate", WINDOW[1])
    wait_for_task(dock.trend())

    # 25 wards, trends both ways: the comparison below is not of empty or uniform tables
    assert len(by_cli) == 25 and {"improving", "worsening"} <= set(by_cli["assessment"])
    _same(by_cli, _table(ran["OUTPUT"]), TREND_NUMBERS, TREND_WORDS, "Processing")
    _same(by_cli, _table(_layer_with("slope")), TREND_NUMBERS, TREND_WORDS, "dock")

    summary = ran["SUMMARY"]
    counts = by_cli["assessment"].value_counts()
    assert summary == ", ".join(f"{n} {label}" for label, n in counts.items()) + " (alpha 0.05, 34 periods)"
    assert summary in _lines(cli.stdout)
    assert dock.statusLabel.text().startswith(html.escape(f"{summary}. Chart: "))
    # the recent trend marker: in every door's table (monthly data: not calculated, with the reason)
    assert by_cli["recent_trend"].str.startswith("Could not be calculated: monthly data").all()
    assert "Recent trend (Fingertips method, last 5 points to 2017-10): 25 could not be calculated" in cli.stdout


# ------------------------------------------------------------------ compare
def _numerator_and_denominator_layer(store_path) -> QgsVectorLayer:
    """The LSOAs with the income count and the population, paired as compare_indicator pairs them: each indicator's
    latest period, matched by area code; the fields are named after the indicators."""
    from lis_workbench.core.store import Store
    from lis_workbench.qgis_bridge.layers import layer_from_frame

    with Store.open(store_path) as opened:
        counts = opened.get_values(INCOME)
        people = opened.get_values(POPULATION).set_index("area_code")["value"]
        shapes = opened.areas(opened.indicator(INCOME)["geography"]).set_index("area_code")["geometry"]
    frame = pd.DataFrame({"area_code": counts["area_code"], "area_name": counts["area_name"],
                          INCOME: counts["value"].to_numpy(float),
                          POPULATION: counts["area_code"].map(people).to_numpy(float),
                          "geometry": counts["area_code"].map(shapes)})
    return layer_from_frame(frame, "income and population")


def _england(store_path) -> float:
    """England's proportion in income deprivation (%), from the benchmark values stored with both indicators."""
    from lis_workbench.core.store import Store

    with Store.open(store_path) as opened:
        num = opened.benchmarks(INCOME, "2019").set_index("area_code").loc["E92000001", "value"]
        den = opened.benchmarks(POPULATION, "2015").set_index("area_code").loc["E92000001", "value"]
    return float(num / den * 100)


def _compare_in_processing(layer: QgsVectorLayer, **benchmark) -> dict:
    import processing

    from lis_workbench.processing.thematic_map import POLARITIES

    return processing.run("lisworkbench:compare", {
        "INPUT": layer, "CODE_FIELD": "area_code", "NUMERATOR": INCOME, "DENOMINATOR": POPULATION, "KIND": 0,
        "POLARITY": POLARITIES.index("high_is_bad"), "OUTPUT": "memory:", **benchmark})


def _headline_and_counts(summary: str) -> tuple[str, str]:
    """Processing's SUMMARY and the dock's status line: "<headline>. At 95%: ..."."""
    headline, counts = summary.split(". At 95%: ")
    return headline, f"At 95%: {counts}"


def test_compare_with_the_borough_gives_one_answer_from_the_cli_processing_and_the_dock(plugin, store, tmp_path):
    cli = _lis("compare", store, INCOME, "--denominator", POPULATION, "--csv", tmp_path / "c.csv")
    by_cli = _csv(tmp_path / "c.csv")
    ran = _compare_in_processing(_numerator_and_denominator_layer(store))
    dock = plugin.dock
    dock.open_store(str(store))
    dock.select_indicator(INCOME, "2019")
    wait_for_task(dock.compare())

    # percentages by default at every door (the issue: Processing once multiplied by 1)
    share = by_cli["numerator"] / by_cli["denominator"] * 100
    np.testing.assert_allclose(by_cli["value"], share, rtol=1e-12)
    borough = by_cli["numerator"].sum() / by_cli["denominator"].sum() * 100
    assert ran["BENCHMARK_VALUE"] == pytest.approx(borough, rel=1e-12)
    assert {"higher", "similar", "lower"} <= set(by_cli["vs_benchmark_95"])
    by_processing = _table(ran["OUTPUT"]).rename(columns={INCOME: "numerator", POPULATION: "denominator"})
    _same(by_cli, by_processing, COMPARE_NUMBERS, COMPARE_WORDS, "Processing")
    _same(by_cli, _table(_layer_with("assessment_95")), COMPARE_NUMBERS, ["area_name", *COMPARE_WORDS], "dock")

    headline, counts = _headline_and_counts(ran["SUMMARY"])
    assert headline == (f"per {POPULATION} as a proportion (%), Wilson score intervals; benchmark all 200 areas "
                        f"together: {borough:,.4g}")
    assert counts == "At 95%: {higher} higher, {similar} similar, {lower} lower".format(
        **by_cli["vs_benchmark_95"].value_counts())
    said = _lines(cli.stdout)
    assert f"People in income deprivation, IoD 2019 (2019) {headline}" in said and counts in said
    assert dock.statusLabel.text() == html.escape(ran["SUMMARY"])


def test_compare_with_england_gives_one_answer_from_the_cli_and_processing(plugin, store, tmp_path):
    """The dock compares with the borough only; Processing knows no store, so it is given England's value."""
    cli = _lis("compare", store, INCOME, "--denominator", POPULATION, "--benchmark", "england",
               "--csv", tmp_path / "c.csv")
    by_cli = _csv(tmp_path / "c.csv")
    england = _england(store)
    ran = _compare_in_processing(_numerator_and_denominator_layer(store), BENCHMARK=england)

    np.testing.assert_allclose(by_cli["benchmark"], england, rtol=1e-12)
    assert ran["BENCHMARK_VALUE"] == pytest.approx(england, rel=1e-12)
    by_processing = _table(ran["OUTPUT"]).rename(columns={INCOME: "numerator", POPULATION: "denominator"})
    _same(by_cli, by_processing, COMPARE_NUMBERS, COMPARE_WORDS, "Processing")

    headline, counts = _headline_and_counts(ran["SUMMARY"])
    said = _lines(cli.stdout)
    assert counts in said
    # the same words but for how the benchmark is described: the CLI read it from the store, Processing was given it
    assert headline == f"per {POPULATION} as a proportion (%), Wilson score intervals; benchmark as given: " \
                       f"{england:,.4g}"
    assert f"People in income deprivation, IoD 2019 (2019) {headline}".replace(
        "as given", "England (7,013,715 / 54,728,204)") in said


# ------------------------------------------------------------------ aggregate (not in the dock)
def test_aggregate_gives_one_answer_from_the_cli_and_processing(plugin, store, tmp_path):
    import processing

    from lis_workbench.processing.aggregate import VALUE_TYPES

    cli = _lis("aggregate", store, INCOME, "--lookup", "lsoa11_ward23", "--csv", tmp_path / "a.csv")
    by_cli = _csv(tmp_path / "a.csv")
    said = Said()
    ran = processing.run("lisworkbench:aggregate", {
        "STORE": str(store), "INDICATOR": INCOME, "LOOKUP_NAME": "lsoa11_ward23",
        "VALUE_TYPE": VALUE_TYPES.index("from the store catalogue"), "OUTPUT": str(tmp_path / "wards.gpkg")},
        feedback=said)

    assert len(by_cli) == 25 and by_cli["value"].sum() > 0
    assert by_cli["method"].str.fullmatch(r"sum of \d+ LSOAs").all()
    _same(by_cli, _table(ran["OUTPUT"]), AGGREGATE_NUMBERS, AGGREGATE_WORDS, "Processing")
    # both say nothing was left out: no warning from either door, and no small area unmatched
    assert ran["UNMATCHED"] == 0 and said.warnings == [] and cli.stderr.strip() == ""
    assert "People in income deprivation, IoD 2019 (2019) by ward23" in _lines(cli.stdout)
    assert "25 larger areas from 200 LSOAs (count)." in said.info

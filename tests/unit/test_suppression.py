"""Small-number suppression, the store's rule for what may be published: counts from 1 to threshold - 1 are
withheld with what is made from them, then the next smallest counts until two or more are withheld and together
they reach the threshold (so a published total cannot give one back). Checked on cases worked by hand here, and
through export, maps and comparisons on every backend; the stored values never change."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lis_workbench.core.compare_study import compare_indicator
from lis_workbench.core.errors import ParameterError
from lis_workbench.core.export import export_indicator
from lis_workbench.core.ingest import ImportSpec, import_file
from lis_workbench.core.map_study import MapSpec, map_for_indicator
from lis_workbench.core.suppression import parse_threshold, withheld


@pytest.mark.parametrize("counts,threshold,primary,secondary", [
    # two small counts that already sum to the threshold: nothing more to hide
    ([0, 3, 12, 7, 40, 2], 5, [1, 5], []),
    # one small count: the next smallest (7) goes too, else total - others = 3
    ([3, 12, 7, 40], 5, [0], [2]),
    # two small counts summing to 2 < 10: the next smallest (50) is added, then they sum to 52
    ([1, 1, 50, 60], 10, [0, 1], [2]),
    # zero is not a small count, and nothing small means nothing withheld
    ([0, 0, 5, 9], 5, [], []),
    # the only other positive count is withheld; nothing is left to add after it
    ([2, 0, 6], 5, [0], [2]),
])
def test_which_counts_are_withheld(counts, threshold, primary, secondary):
    got_primary, got_secondary = withheld(counts, threshold)
    assert list(np.flatnonzero(got_primary)) == primary
    assert list(np.flatnonzero(got_secondary)) == secondary


def test_a_threshold_must_be_a_whole_number_of_two_or_more():
    assert parse_threshold("") is None and parse_threshold("0") is None
    assert parse_threshold(" 10 ").threshold == 10
    for bad in ("1", "five", "-3", "2.5"):
        with pytest.raises(ParameterError, match="whole number of 2 or more"):
            parse_threshold(bad)


def test_the_rule_is_applied_to_exports_maps_and_comparisons(store, lsoa_codes, tmp_path):
    counts = [3, 0, 8, 2, 40, 1] + [30] * 20  # three small counts (3, 2, 1: sum 6 >= 5), nothing more
    path = tmp_path / "referrals.csv"
    path.write_text("lsoa11cd,period,value\n" + "".join(f"{c},2020,{v}\n" for c, v in zip(lsoa_codes, counts)))
    import_file(store, str(path), ImportSpec(defaults={"value_type": "count", "title": "Referrals"}))
    before = store.get_values("referrals").set_index("area_code")["value"]
    with pytest.raises(ParameterError, match="whole number"):
        store.set_settings({"suppress_below": "one"})
    store.set_settings({"suppress_below": "5"})
    small = {lsoa_codes[i] for i in (0, 3, 5)}

    out = tmp_path / "referrals_out.csv"
    export_indicator(store, "referrals", str(out))
    exported = pd.read_csv(out, dtype={"area_code": str}).set_index("area_code")
    assert set(exported.index[exported["suppressed"] == 1]) == small
    assert exported.loc[sorted(small), "value"].isna().all()
    assert exported.loc[lsoa_codes[2], "value"] == 8 and exported.loc[lsoa_codes[1], "value"] == 0

    frame, _, spec = map_for_indicator(store, "referrals", None, MapSpec())
    mapped = frame.set_index("area_code")
    assert mapped.loc[sorted(small), "value"].isna().all() and (mapped.loc[sorted(small), "suppressed"] == 1).all()
    assert "counts from 1 to 4 are not published" in spec.provenance

    result = compare_indicator(store, "referrals", denominator="pop2015_total")
    table = result.table.set_index("area_code")
    assert (table.loc[sorted(small), "vs_benchmark_95"] == "not compared").all()
    assert table.loc[sorted(small), "numerator"].isna().all()
    population = store.get_values("pop2015_total").set_index("area_code")["value"]
    every = before.index  # the borough's total still counts the withheld areas
    assert result.benchmark == pytest.approx(before.sum() / population[every].sum() * 100, rel=1e-12)
    assert any("not published" in note for note in result.notes)
    # one small count alone: the next smallest goes with it, so the total cannot give it back
    store.set_settings({"suppress_below": "3"})  # now only the 2 and the 1 are small (sum 3 >= 3): no more
    export_indicator(store, "referrals", str(out))
    exported = pd.read_csv(out, dtype={"area_code": str}).set_index("area_code")
    assert set(exported.index[exported["suppressed"] == 1]) == {lsoa_codes[3], lsoa_codes[5]}
    store.set_settings({"suppress_below": "2"})  # only the 1 is small: the next smallest count (2) goes too
    export_indicator(store, "referrals", str(out))
    exported = pd.read_csv(out, dtype={"area_code": str}).set_index("area_code")
    assert set(exported.index[exported["suppressed"] == 1]) == {lsoa_codes[5], lsoa_codes[3]}
    assert store.get_values("referrals").set_index("area_code")["value"].equals(before)  # stored: unchanged


def test_the_rule_is_applied_to_trends_period_by_period(store, lsoa_codes, tmp_path):
    """A count over three years: the small counts of each year (and the next smallest, where a total could give one
    back) are withheld from the trend's series; the change from a withheld year is not worked out."""
    from lis_workbench.core.trend_study import TrendStudy, run_trend_study

    years = {"2019": [2, 30, 40, 50, 60], "2020": [20, 30, 40, 50, 60], "2021": [25, 3, 4, 50, 60]}
    lines = [f"{code},{year},{count}\n" for year, counts in years.items() for code, count in zip(lsoa_codes, counts)]
    path = tmp_path / "visits.csv"
    path.write_text("lsoa11cd,period,value\n" + "".join(lines))
    import_file(store, str(path), ImportSpec(defaults={"value_type": "count", "title": "Visits"}))
    store.set_settings({"suppress_below": "5"})
    result = run_trend_study(store, TrendStudy("visits"))
    window = result.window.pivot(index="area_code", columns="period", values="value")
    first = lsoa_codes[0]
    assert np.isnan(window.loc[first, "2019"]) and window.loc[first, "2020"] == 20
    assert np.isnan(window.loc[lsoa_codes[1], "2019"])  # 2019: the 2 alone, so the next smallest (30) goes too
    assert np.isnan(window.loc[lsoa_codes[1], "2021"]) and np.isnan(window.loc[lsoa_codes[2], "2021"])  # 3 and 4
    assert window.loc[lsoa_codes[3], "2021"] == 50
    change = result.table.set_index("area_code")["change"]
    assert np.isnan(change[first]) and change[lsoa_codes[3]] == 0
    assert "counts from 1 to 4 are not published" in result.footer

"""Numbers and periods as people read them (core.number_text), the methods words of a profile book
(core.profile_methods) and the default profile leaving out indicators no ward can show (core.profile_study)."""

from __future__ import annotations

import pytest

from lis_workbench.core.number_text import format_number, number_style, period_text, unit_text
from lis_workbench.core.profile import format_value


@pytest.mark.parametrize("kind, unit, value_type, style", [
    ("count", "people", "count", "count"),
    ("rate", "proportion of households", "indicator", "proportion"),
    ("rate", "proportion", "indicator", "proportion"),
    ("rate", "%", "rate", "percent"),
    ("rate", "per 1,000", "rate", "number"),
    ("not aggregable", "rank of 32,844 (1 = most deprived)", "rank", "whole"),
    ("not aggregable", "decile (1 = most deprived 10%)", "decile", "whole"),
    ("not aggregable", "score", "score", "number"),
])
def test_styles_follow_the_catalogue(kind, unit, value_type, style):
    assert number_style(kind, unit, value_type) == style


@pytest.mark.parametrize("value, style, text", [
    (0.043, "proportion", "4.3%"), (0.0433, "proportion", "4.3%"), (0.208, "proportion", "20.8%"),
    (0.0087, "proportion", "0.87%"), (1.2, "proportion", "120%"), (0.0, "proportion", "0.0%"),
    (12.345, "percent", "12.3%"), (12635, "count", "12,635"), (1263500, "count", "1,263,500"),
    (1263500.0, "number", "1,263,500"), (12.5, "count", "12.5"), (12635, "whole", "12,635"),
    (69.24, "number", "69.2"), (1.234, "number", "1.23"), (0.3789, "number", "0.379"),
    (0.0001234, "number", "0.000123"), (-1.5, "number", "-1.50"), (None, "number", "n/a"),
    (float("nan"), "count", "n/a"), (float("inf"), "proportion", "n/a"),
])
def test_numbers_are_printed_for_people(value, style, text):
    assert format_number(value, style) == text
    assert "e+" not in text and "e-" not in text


def test_format_value_keeps_its_old_calls_and_learns_units():
    assert format_value(12635.0, "count") == "12,635"
    assert format_value(0.043, "rate") == "0.043"  # no unit: nothing says it is a share
    assert format_value(0.043, "rate", "proportion of households") == "4.3%"


@pytest.mark.parametrize("period, text", [("2017-10", "Oct 2017"), ("2024-01", "Jan 2024"),
                                          ("2017-10-05", "5 Oct 2017"), ("2019", "2019"), ("2015/16", "2015/16"),
                                          ("2017-13", "2017-13"), (None, "")])
def test_periods_name_their_months(period, text):
    assert period_text(period) == text


def test_units_follow_the_percentages():
    assert unit_text("proportion of households", "proportion") == "% of households"
    assert unit_text("proportion", "proportion") == "%"
    assert unit_text("people", "count") == "people"


def test_methods_summarise_the_wards_and_name_the_odd_ones(sample):
    from lis_workbench.core.profile import build_profiles
    from lis_workbench.core.profile_methods import area_lines, indicator_methods, summarise

    profiles = build_profiles(sample, ["pop2016_total", "iod2019_idaci_numerator", "claimant_count"])
    lookup = sample.lookup("lsoa11_ward23")
    per_ward = lookup.groupby("to_code").size()  # LSOAs per ward, counted here from the lookup
    methods = dict(indicator_methods(profiles))
    population = methods["1. Total population, mid-2016"]
    assert f"sum of {per_ward.min()}-{per_ward.max()} LSOAs" in population
    assert "Ward values (through lookup lsoa11_ward23 (best fit))" in population
    assert "Not judged better or worse (a neutral indicator)." in population
    assert "Recent trend: could not be calculated: monthly data" in methods["3. Claimant count"]
    abram = next(p for p in profiles if p.area_name == "Abram")
    assert area_lines(abram)[0] == f"Total population, mid-2016: sum of {per_ward['E05014989']} LSOAs"
    # methods differing only in numbers read as ranges; a less common one names its areas
    from lis_workbench.core.profile import ProfileRow

    def row(method: str) -> ProfileRow:
        return ProfileRow("x", "X", None, "neutral", "count", "2020", 1.0, "1", method, 0, None, "n/a", "", None,
                          "n/a", "", False, None, 0, None, "", "not compared", None)

    rows = [("A", row("sum of 6 LSOAs")), ("B", row("sum of 9 LSOAs")), ("C", row("sum of 7 LSOAs")),
            ("D", row("withheld: a count below 10"))]
    assert summarise(rows, "ward") == "sum of 6-9 LSOAs (3 wards); withheld: a count below 10 (D)"


def test_default_profile_leaves_out_ranks_a_ward_cannot_show(sample):
    from lis_workbench.core.profile_study import ProfileStudy, chosen_indicators, run_profile_study

    listed = [i.strip() for i in sample.setting("profile_indicators").split(",")]
    assert "imd2019_imd_rank" in listed  # the sample store asks for it ...
    chosen = chosen_indicators(sample, None)
    assert "imd2019_imd_rank" not in chosen and chosen == [i for i in listed if i != "imd2019_imd_rank"]
    result = run_profile_study(sample, ProfileStudy())
    assert result.indicators == chosen and any("Index of Multiple Deprivation rank" in n for n in result.notes)
    named = run_profile_study(sample, ProfileStudy(indicators=["pop2016_total", "imd2019_imd_rank"]))
    assert named.indicators == ["pop2016_total", "imd2019_imd_rank"] and not named.notes  # asked for: shown

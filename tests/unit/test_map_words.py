"""Maps that cannot be misread (issue 17): hotspot colours and words by polarity, a no-data symbol that stands out
from every class, at most 9 sequential classes, credits from the sources drawn, titles with place, areas and
period, and numbers printed for people. Colour measures are checked against published reference values."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from lis_workbench.core import palette
from lis_workbench.core.classify import classify, plain_number
from lis_workbench.core.colorbrewer import SCHEMES
from lis_workbench.core.credits import credit_line, store_credits, vintage_year
from lis_workbench.core.errors import ClassificationError
from lis_workbench.core.hotspot import LISA_LABELS, NOT_SIGNIFICANT
from lis_workbench.core.hotspot_study import cluster_style
from lis_workbench.core.map_study import (
    MapSpec,
    area_words,
    classify_map,
    footer_text,
    heading_for,
    legend_title_for,
    map_for_indicator,
    page_words,
    period_words,
)

WARM = {"#d7191c", "#fc8d59", "#fed090", "#e31a1c", "#f4a6a6"}  # reds and oranges
COOL = {"#4575b4", "#91bfdb", "#d1e5f0", "#1f4fe0", "#a6b4f4"}


# ------------------------------------------------------------------ colour measures against references
# Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula: implementation notes, supplementary test
# data", Table 1: pairs of L*a*b* colours and their published difference.
SHARMA = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, -1.3802, -84.2814), (50.0, 0.0, -82.7485), 1.0000),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.49, -0.001), (50.0, -2.49, 0.0009), 7.1792),
    ((50.0, 2.49, -0.001), (50.0, -2.49, 0.0011), 7.2195),
    ((50.0, -0.001, 2.49), (50.0, 0.0009, -2.49), 4.8045),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),
    ((50.0, 2.5, 0.0), (56.0, -27.0, -3.0), 31.9030),
    ((50.0, 2.5, 0.0), (58.0, 24.0, 15.0), 19.4535),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
    ((22.7233, 20.0904, -46.694), (23.0331, 14.973, -42.5619), 2.0373),
    ((90.8027, -2.0831, 1.441), (91.1528, -1.6435, 0.0447), 1.4441),
    ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082),
]


@pytest.mark.parametrize(("lab1", "lab2", "expected"), SHARMA)
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected):
    assert palette.ciede2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert palette.ciede2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def test_lab_and_wcag_contrast_match_reference_values():
    # sRGB red in CIELAB (D65): 53.24, 80.09, 67.20 (Lindbloom's calculator); white is L 100, a = b = 0
    assert palette.lab("#ff0000") == pytest.approx((53.2408, 80.0925, 67.2032), abs=0.01)
    assert palette.lab("#ffffff") == pytest.approx((100.0, 0.0, 0.0), abs=0.01)
    # WCAG: black on white 21:1; #767676 on white is the well-known 4.54:1 (the lightest AA grey)
    assert palette.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert palette.contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


# ------------------------------------------------------------------ ramps and the class cap
def test_ramp_colours_are_colorbrewers_published_sets():
    # colorbrewer2.org, YlOrRd 5 classes and RdBu 10 classes
    assert palette.ramp_colours(palette.RampChoice("YlOrRd", False, "sequential"), 5) == [
        "#ffffb2", "#fecc5c", "#fd8d3c", "#f03b20", "#bd0026"]
    rdbu = palette.ramp_colours(palette.choose_ramp("high_is_good", "decile"), 10)
    assert rdbu[0] == "#67001f" and rdbu[-1] == "#053061" and len(set(rdbu)) == 10
    assert palette.ramp_colours(palette.RampChoice("Blues", True, "sequential"), 2) == ["#3182bd", "#deebf7"]


def test_sequential_ramps_stop_at_nine_classes():
    for name in palette.SEQUENTIAL:
        assert max(SCHEMES[name]) == 9
        with pytest.raises(ClassificationError, match="stops at 9"):
            palette.ramp_colours(palette.RampChoice(name, False, "sequential"), 10)
    with pytest.raises(ClassificationError, match="stops at 11"):
        palette.ramp_colours(palette.RampChoice("RdBu", False, "diverging"), 12)
    values = np.arange(200.0)
    with pytest.raises(ClassificationError, match="9 classes or fewer"):
        classify_map(values, MapSpec(method="quantile", classes=10, polarity="high_is_bad"))
    assert classify_map(values, MapSpec(method="quantile", classes=9, polarity="high_is_bad")).k == 9
    # deciles: ten classes on the 10-class diverging RdBu, decile 1 (most deprived) at the red end
    deciles = classify_map(values, MapSpec(method="decile", polarity="high_is_good"))
    assert deciles.k == 10 and palette.choose_ramp("high_is_good", "decile").name == "RdBu"
    with pytest.raises(ClassificationError, match="diverging"):
        classify_map(values, MapSpec(method="decile", ramp="YlOrRd", polarity="high_is_good"))


# ------------------------------------------------------------------ the no-data symbol
def every_class_colour_set():
    """(what, colours) for every ramp and class count a map can get, and both hotspot legends."""
    for name in palette.SEQUENTIAL + palette.DIVERGING:
        kind = "diverging" if name in palette.DIVERGING else "sequential"
        for k in range(1, palette.MAX_CLASSES[kind] + 1):
            yield f"{name} {k}", palette.ramp_colours(palette.RampChoice(name, False, kind), k)
    for statistic in ("gistar", "localmoran"):
        yield statistic, [c.colour for c in cluster_style(statistic, "high_is_bad") if c.value is not None]


def test_no_data_differs_from_every_class_colour_of_every_ramp():
    """CIEDE2000 >= 15 between the no-data fill and each class colour (and "Not significant"): more than two
    neighbouring ColorBrewer classes typically differ (median 13.8); the hatching contrasts 3:1 with its fill
    (WCAG 1.4.11). On the ramps we pick ourselves the no-data fill is always the same mid grey."""
    smallest = []
    for what, colours in every_class_colour_set():
        symbol = palette.no_data_symbol(colours)
        gaps = [palette.colour_difference(symbol.fill, c) for c in colours]
        assert min(gaps) >= palette.MIN_NO_DATA_DIFFERENCE, (what, symbol, colours)
        assert palette.contrast_ratio(symbol.hatch, symbol.fill) >= palette.MIN_HATCH_CONTRAST
        smallest.append(min(gaps))
        if not what.startswith("Greys"):
            assert symbol.fill == palette.NO_DATA_FILL, what
    assert palette.NOT_SIGNIFICANT_FILL in [c for _, cs in every_class_colour_set() for c in cs]
    # the old symbols would have failed: white (hotspots) beside "Not significant", light grey (choropleths)
    # beside the palest Blues class
    assert palette.colour_difference("#ffffff", palette.NOT_SIGNIFICANT_FILL) < palette.MIN_NO_DATA_DIFFERENCE
    assert palette.colour_difference("#f0f0f0", SCHEMES["Blues"][9][0]) < palette.MIN_NO_DATA_DIFFERENCE
    assert min(smallest) > 15


# ------------------------------------------------------------------ hotspot colours and words by polarity
def colour_of(style, value):
    return next(c for c in style if c.value == value)


@pytest.mark.parametrize("statistic", ["gistar", "gi_cluster"])
def test_gi_cluster_of_need_is_warm_whatever_the_sign(statistic):
    bad = cluster_style(statistic, "high_is_bad")  # e.g. IMD score: hot spots are the deprived areas
    good = cluster_style(statistic, "high_is_good")  # e.g. IMD rank: cold spots are the deprived areas
    for confidence in ("99%", "95%", "90%"):
        hot, cold = f"Hot spot, {confidence} confidence", f"Cold spot, {confidence} confidence"
        assert colour_of(bad, hot).colour in WARM and colour_of(bad, cold).colour in COOL
        assert colour_of(good, cold).colour in WARM and colour_of(good, hot).colour in COOL
        assert "greater need" in colour_of(bad, hot).label and "less need" in colour_of(bad, cold).label
        assert "greater need" in colour_of(good, cold).label and "less need" in colour_of(good, hot).label
        assert colour_of(good, cold).label.startswith(cold)  # the statistical label stays
    assert good[0].value == "Cold spot, 99% confidence" and good[0].colour == "#d7191c"  # greatest need first
    assert bad[0].value == "Hot spot, 99% confidence"
    neutral = cluster_style(statistic, "neutral")
    assert colour_of(neutral, "Hot spot, 99% confidence").colour in WARM
    assert not any("need" in c.label for c in neutral)
    for style in (bad, good, neutral):
        assert colour_of(style, NOT_SIGNIFICANT).colour == palette.NOT_SIGNIFICANT_FILL
        assert style[-1].value is None and style[-1].hatch
        assert len({c.colour for c in style}) == len(style)


def test_lisa_cluster_of_need_is_warm_whatever_the_sign():
    high_high, low_low, high_low, low_high = LISA_LABELS[1], LISA_LABELS[3], LISA_LABELS[4], LISA_LABELS[2]
    bad, good = cluster_style("localmoran", "high_is_bad"), cluster_style("lisa_cluster", "high_is_good")
    assert colour_of(bad, high_high).colour == "#e31a1c" and colour_of(bad, low_low).colour == "#1f4fe0"
    assert colour_of(good, low_low).colour == "#e31a1c" and colour_of(good, high_high).colour == "#1f4fe0"
    assert colour_of(good, low_high).colour in WARM and colour_of(good, high_low).colour in COOL
    assert "greater need" in colour_of(good, low_low).label and "less need" in colour_of(good, high_high).label
    assert [c.value for c in good[:2]] == [low_low, low_high]


# ------------------------------------------------------------------ words: titles, legends, periods, numbers
def test_period_words():
    assert period_words("2017-10") == "October 2017"
    assert period_words("2017-01-05") == "5 January 2017"
    assert period_words("2019") == "2019" and period_words("2019/20") == "2019/20" and period_words("2017-13") == \
        "2017-13"


def test_title_names_place_areas_and_period_once():
    spec = MapSpec(title="Claimant rate", unit="%", period="2017-10", place="Wigan",
                   areas=area_words({"name": "ward22", "title": "Electoral wards 2022 (same codes as 2015)"}))
    spec.heading = heading_for(spec)
    assert spec.heading == "Claimant rate, Wigan 2022 wards, October 2017"
    title, subtitle, legend = page_words(spec, None)
    assert "October 2017" not in subtitle and legend == "Claimant rate (%)"
    spec = MapSpec(title="Income score, IoD 2019", period="2019", place="Wigan", areas="2011 LSOAs")
    assert heading_for(spec) == "Income score, IoD 2019, Wigan 2011 LSOAs"


def test_legend_title_is_never_a_bare_unit_nor_the_subtitle():
    assert legend_title_for(MapSpec(title="Median household income", unit="£")) == "Median household income (£)"
    assert legend_title_for(MapSpec(title="Overcrowding", unit="value")) == "Overcrowding"
    assert legend_title_for(MapSpec(title="Children in income deprivation, IoD 2019", unit="children",
                                    value_type="count")) == "Number of children"
    assert legend_title_for(MapSpec(title="Road distance to a GP surgery, IoD 2019", unit="km")) == \
        "Road distance to a GP surgery (km)"
    rank = MapSpec(title="IMD rank", unit="rank of 32,844 (1 = most deprived)", period="2019")
    assert legend_title_for(rank) == "Rank of 32,844 (1 = most deprived)"
    assert rank.unit not in page_words(rank, None)[1]


def test_numbers_print_without_scientific_notation():
    assert plain_number(1263500.0) == "1,263,500"
    assert plain_number(0.000123456) == "0.000123456"
    labels = classify(np.array([1263500.0, 1263500.0000004, 2527000.0, 3790500.0, 5054000.0]), "quantile", 4).labels
    assert not any("e+" in label or "e-" in label for label in labels), labels
    assert "1,263,500" in " ".join(labels)


# ------------------------------------------------------------------ credits
def test_credit_line_names_each_source_boundary_and_year():
    line = credit_line(
        [{"source": "MHCLG English Indices of Deprivation 2019", "licence": "OGL v3.0"},
         {"source": "ONS Census 2011", "licence": "OGL v3.0"},
         {"source": "MHCLG English Indices of Deprivation 2019", "licence": "OGL v3.0"}],
        [{"name": "ward23", "kind": "areas", "title": "Electoral wards 2023", "source": "wards_2023_bgc.geojson"},
         {"name": "schools", "kind": "points", "title": "Schools", "source": "gias_open_establishments.csv"},
         {"name": "zones", "kind": "areas", "title": "Council zones", "source": "zones.shp"}],
        extra=["Libraries: Wigan Council"])
    assert line.startswith("Source: MHCLG English Indices of Deprivation 2019; ONS Census 2011. Licence: OGL v3.0.")
    assert line.count("MHCLG") == 1
    assert "Boundaries: Electoral wards 2023, Office for National Statistics, OGL v3.0." in line
    assert "Places: Schools, Department for Education" in line
    assert "Boundaries: Council zones (zones.shp)." in line and "Libraries: Wigan Council." in line
    assert line.endswith("Contains OS data © Crown copyright and database right 2023.")
    # no boundaries known: today's year; an explicit year wins
    assert credit_line([], [], today=dt.date(2031, 5, 1)).endswith("database right 2031.")
    assert credit_line([], [], year=2024).endswith("database right 2024.")
    assert vintage_year({"name": "lsoa11", "title": "LSOAs 2011"}) == 2011
    assert vintage_year({"name": "ward22", "title": "Electoral wards 2022 (same codes as 2015)"}) == 2022


def test_store_credits_and_map_footer_from_the_sample_store(wigan):
    line = store_credits(wigan, ["imd2019_imd_rank"], ["schools"])
    assert "Source: MHCLG English Indices of Deprivation 2019, File 2. Licence: OGL v3.0." in line
    assert "Lower layer super output areas 2011, Office for National Statistics" in line
    assert "Department for Education, Get Information about Schools" in line
    assert line.endswith("database right 2011.")
    frame, entry, spec = map_for_indicator(wigan, "claimant_rate", None, MapSpec())
    assert spec.place == "Wigan" and spec.heading.startswith("Claimant rate") and "Wigan 2022 wards" in spec.heading
    assert spec.heading.endswith(period_words(entry["period"])) and not spec.heading.endswith(entry["period"])
    footer = footer_text(spec, "9.9")
    assert "ONS/DWP claimant count" in footer and "Electoral wards 2022" in footer
    assert "Boundaries: ONS" not in footer and "database right 2022." in footer


def test_the_vulnerability_index_credits_its_publishers(store):
    from unit_helpers import SAMPLE

    from lis_workbench.core.index_recipe import load_recipe, run_recipe, save_index

    recipe = load_recipe(SAMPLE / "wigan_vulnerability_index.toml")
    save_index(store, recipe, run_recipe(store, recipe))
    entry = store.indicator("wigan_vulnerability_index_score")
    assert entry["source"].startswith("MHCLG English Indices of Deprivation 2019, File 2; ONS Census 2011")
    assert "recipe wigan_vulnerability_index.toml" in entry["source"] and entry["licence"] == "OGL v3.0"
    line = store_credits(store, [entry])
    assert line.startswith("Source: MHCLG") and "Licence: OGL v3.0." in line


def test_the_index_map_credits_its_components_boundaries_and_their_year(store):
    """`lis index --out`'s page: each component's publisher, the LSOA boundaries it is drawn on with their year
    (not today's), then the recipe."""
    from unit_helpers import SAMPLE

    from lis_workbench.core.index_recipe import index_credits, load_recipe, run_recipe

    recipe = load_recipe(SAMPLE / "wigan_vulnerability_index.toml")
    line = index_credits(store, recipe, run_recipe(store, recipe))
    assert line.startswith("Source: MHCLG English Indices of Deprivation 2019, File 2; ONS Census 2011")
    assert "Boundaries: Lower layer super output areas 2011, Office for National Statistics" in line
    assert line.endswith("Combined as a composite index by recipe wigan_vulnerability_index.toml (LIS Workbench). "
                         "Contains OS data © Crown copyright and database right 2011.")

"""Public-health statistics in Processing, each checked against a reference of its own: "Crude rate" with scipy's
chi-squared quantiles and Byar's formula written out here; "Directly standardised rate" with Eurostat's published
2013 European Standard Population and the DSR and Dobson's limits written out from the method; "Indirectly
standardised ratio or rate" with the expected count written out and exact / Byar limits; "Funnel plot limits" with
PHEindicatormethods' published funnel figures (testdata_funnel_prop_outputs.csv and testdata_funnel_ratio_outputs.csv,
as transcribed in tests/unit/test_stats_funnel.py) and scipy's Wilson intervals; and Funnel plot limits run after
Load indicator in a Processing model, as the model builder chains them."""

from __future__ import annotations

import numpy as np
import pytest
from qgis.core import QgsFeature, QgsField, QgsProcessingException, QgsVectorLayer
from qgis.PyQt.QtCore import QVariant
from scipy import stats as sp

# PHEindicatormethods' published funnel figures, transcribed once (testdata_funnel_*_outputs.csv)
from tests.unit.test_stats_funnel import AXIS_END, AXIS_START, PROPORTION_ROWS, RATIO_ROWS

#: Eurostat (2013), Revision of the European Standard Population: the ESP 2013 per 100,000, bands 0-4 ... 90+.
PUBLISHED_ESP2013 = [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000, 5500, 5000, 4000,
                     2500, 1500, 1000]
BANDS = [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"]


def _table(fields: list[tuple[str, object]], rows: list[tuple]) -> QgsVectorLayer:
    """A memory table (no geometry) with these fields (name, QVariant type) and rows."""
    table = QgsVectorLayer("None", "table", "memory")
    table.dataProvider().addAttributes([QgsField(name, kind) for name, kind in fields])
    table.updateFields()
    features = []
    for values in rows:
        feature = QgsFeature(table.fields())
        feature.setAttributes(list(values))
        features.append(feature)
    table.dataProvider().addFeatures(features)
    return table


def _null(value) -> bool:
    """A NULL attribute (QGIS gives a NULL QVariant)."""
    return value is None or (isinstance(value, QVariant) and value.isNull())


def _rows(path, key: str) -> dict:
    return {f[key]: f for f in QgsVectorLayer(str(path), "result", "ogr").getFeatures()}


def _exact(x: float, confidence: float = 0.95) -> tuple[float, float]:
    """Exact Poisson limits of a count (Garwood), from chi-squared quantiles."""
    alpha = 1 - confidence
    return (0.0 if x == 0 else sp.chi2.ppf(alpha / 2, 2 * x) / 2), sp.chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2


def _byar(x: float, confidence: float = 0.95) -> tuple[float, float]:
    z = sp.norm.ppf(1 - (1 - confidence) / 2)
    return (x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3,
            (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3)


def _reference(x: float, n: float) -> tuple[float, float]:
    low, high = _exact(x) if x < 10 else _byar(x)
    return low / n * 1e5, high / n * 1e5


def test_crude_rate_algorithm_groups_and_gives_fingertips_limits(provider, tmp_path):
    import processing

    table = _table([("ward", QVariant.Type.String), ("deaths", QVariant.Type.Int), ("pop", QVariant.Type.Int)],
                   [("w1", 1, 300), ("w1", 2, 200), ("w2", 40, 9000), ("w2", 5, 1000), ("w3", 0, 800)])
    out = tmp_path / "rates.gpkg"
    processing.run("lisworkbench:cruderate", {"INPUT": table, "COUNT": "deaths", "POPULATION": "pop",
                                              "BY": ["ward"], "OUTPUT": str(out)})
    result = _rows(out, "ward")
    assert sorted(result) == ["w1", "w2", "w3"]
    for ward, x, n in (("w1", 3, 500), ("w2", 45, 10000), ("w3", 0, 800)):
        low, high = _reference(x, n)
        assert result[ward]["value"] == pytest.approx(x / n * 1e5)
        assert result[ward]["lower_ci"] == pytest.approx(low, abs=1e-9)
        assert result[ward]["upper_ci"] == pytest.approx(high)
        assert result[ward]["method"] == ("exact Poisson" if x < 10 else "Byar")


# ----------------------------------------------------------------------------------------------- DSR
def _deaths_by_age() -> tuple[QgsVectorLayer, dict]:
    """Two wards' deaths and populations in the 19 ESP bands (w2 with 9 deaths: too few for a DSR)."""
    rng = np.random.default_rng(7)
    data = {"w1": (rng.integers(0, 40, 19), rng.integers(1500, 6000, 19)),
            "w2": (np.array([0] * 18 + [9]), rng.integers(1500, 6000, 19))}
    rows = [(ward, band, int(d), int(p)) for ward, (deaths, people) in data.items()
            for band, d, p in zip(BANDS, deaths, people)]
    fields = [("ward", QVariant.Type.String), ("age", QVariant.Type.String), ("deaths", QVariant.Type.Int),
              ("pop", QVariant.Type.Int)]
    return _table(fields, rows), data


def _dsr_reference(deaths, people, weights, multiplier=1e5, confidence=0.95, squares=None):
    """The DSR sum(w x / n) / sum(w) and Dobson's limits on Byar's, written out from the method (Dobson et al.
    1991): DSR + sqrt(var / O) x (O_limit - O), var = sum(w^2 x / n^2) / sum(w)^2 - with x in the variance
    replaced by `squares` (per band, the sum of f^2 x persons with f events each) when events are not
    independent (phe_dsr, independent_events = FALSE)."""
    w, x, n = (np.asarray(a, float) for a in (weights, deaths, people))
    total = x.sum()
    value = (w * x / n).sum() / w.sum()
    spread = np.sqrt((w ** 2 * (x if squares is None else np.asarray(squares, float)) / n ** 2).sum()
                     / w.sum() ** 2 / total)
    low, high = _byar(total, confidence)
    return value * multiplier, (value + spread * (low - total)) * multiplier, \
        (value + spread * (high - total)) * multiplier


def test_dsr_algorithm_standardises_to_the_esp2013_with_dobson_limits(provider, tmp_path):
    import processing

    table, data = _deaths_by_age()
    out = tmp_path / "dsr.gpkg"
    processing.run("lisworkbench:dsr", {"INPUT": table, "COUNT": "deaths", "POPULATION": "pop", "AGE": "age",
                                        "BY": ["ward"], "OUTPUT": str(out)})
    result = _rows(out, "ward")
    value, low, high = _dsr_reference(*data["w1"], PUBLISHED_ESP2013)
    assert result["w1"]["value"] == pytest.approx(value, rel=1e-10)
    assert result["w1"]["lower_ci"] == pytest.approx(low, rel=1e-9)
    assert result["w1"]["upper_ci"] == pytest.approx(high, rel=1e-9)
    assert result["w1"]["total_count"] == data["w1"][0].sum() and result["w1"]["method"] == "Dobson"
    assert _null(result["w2"]["value"]) and _null(result["w2"]["lower_ci"])  # no value, not 0
    assert "below 10" in result["w2"]["note"]


def test_dsr_algorithm_takes_a_standard_table_with_its_own_field_names(provider, tmp_path):
    import processing

    table, data = _deaths_by_age()
    weights = [1000 + 250 * k for k in range(19)]
    standard = _table([("first_age", QVariant.Type.Int), ("people", QVariant.Type.Double)],
                      list(zip(range(0, 95, 5), weights)))
    out = tmp_path / "dsr_own.gpkg"
    processing.run("lisworkbench:dsr", {"INPUT": table, "COUNT": "deaths", "POPULATION": "pop", "AGE": "age",
                                        "BY": ["ward"], "STANDARD": standard, "STANDARD_AGE": "first_age",
                                        "STANDARD_POPULATION": "people", "MULTIPLIER": 1000, "CONFIDENCE": 0.998,
                                        "OUTPUT": str(out)})
    value, low, high = _dsr_reference(*data["w1"], weights, multiplier=1000, confidence=0.998)
    result = _rows(out, "ward")["w1"]
    assert (result["value"], result["lower_ci"], result["upper_ci"]) == \
        pytest.approx((value, low, high), rel=1e-9)


def test_dsr_algorithm_allows_for_several_events_per_person(provider, tmp_path):
    """Admissions: per band, persons admitted once and persons admitted twice, each row repeating the band's
    population (as `lis stats dsr --events-per-person`)."""
    import processing

    rng = np.random.default_rng(11)
    once, twice, people = rng.integers(0, 30, 19), rng.integers(0, 10, 19), rng.integers(2000, 8000, 19)
    rows = [(band, f, int(p), int(n)) for band, a, b, n in zip(BANDS, once, twice, people) for f, p in ((1, a), (2, b))]
    table = _table([("age", QVariant.Type.String), ("times", QVariant.Type.Int), ("persons", QVariant.Type.Int),
                    ("pop", QVariant.Type.Int)], rows)
    out = tmp_path / "admissions.gpkg"
    processing.run("lisworkbench:dsr", {"INPUT": table, "COUNT": "persons", "POPULATION": "pop", "AGE": "age",
                                        "EVENTS_PER_PERSON": "times", "OUTPUT": str(out)})
    result = next(QgsVectorLayer(str(out), "dsr", "ogr").getFeatures())
    value, low, high = _dsr_reference(once + 2 * twice, people, PUBLISHED_ESP2013, squares=once + 4 * twice)
    assert result["total_count"] == (once + 2 * twice).sum()
    assert (result["value"], result["lower_ci"], result["upper_ci"]) == pytest.approx((value, low, high), rel=1e-9)


def test_dsr_algorithm_names_a_missing_field_and_a_bad_band(provider):
    import processing

    table, _ = _deaths_by_age()
    base = {"INPUT": table, "COUNT": "deaths", "POPULATION": "pop", "AGE": "age", "OUTPUT": "memory:"}
    with pytest.raises(QgsProcessingException, match=r"'dead' is not a field of INPUT \(parameter 'Count \(events\) "
                                                     r"field', COUNT\); the fields of INPUT: ward, age, deaths, pop"):
        processing.run("lisworkbench:dsr", {**base, "COUNT": "dead"})
    bad = _table([("age", QVariant.Type.String), ("deaths", QVariant.Type.Int), ("pop", QVariant.Type.Int)],
                 [("3-7", 1, 100)] + [(band, 1, 100) for band in BANDS[1:]])
    with pytest.raises(QgsProcessingException, match=r"starting at 3 are not bands of the standard.*\(parameter "
                                                     r"'Age band field.*AGE\)"):
        processing.run("lisworkbench:dsr", {**base, "INPUT": bad})


# ----------------------------------------------------------------------------------------------- ISR
def _isr_table() -> tuple[QgsVectorLayer, dict]:
    """Two wards in four age bands with the reference's (England's) deaths and population for each band."""
    ref = {"0-24": (300, 1_500_000), "25-49": (2_000, 1_800_000), "50-74": (20_000, 1_600_000),
           "75+": (60_000, 500_000)}
    wards = {"w1": [(0, 3000), (2, 3500), (15, 2800), (40, 900)], "w2": [(0, 2000), (1, 2100), (2, 1500), (3, 300)]}
    rows = [(ward, band, d, p, *ref[band]) for ward, bands in wards.items() for band, (d, p) in zip(ref, bands)]
    fields = [("ward", QVariant.Type.String), ("age", QVariant.Type.String), ("deaths", QVariant.Type.Int),
              ("pop", QVariant.Type.Int), ("eng_deaths", QVariant.Type.Int), ("eng_pop", QVariant.Type.Int)]
    return _table(fields, rows), {ward: (np.array(b, float), np.array(list(ref.values()), float))
                                  for ward, b in wards.items()}


@pytest.mark.parametrize("ratio", [True, False])
def test_isr_algorithm_gives_observed_over_expected_with_exact_or_byar_limits(provider, tmp_path, ratio):
    import processing

    table, data = _isr_table()
    out = tmp_path / "isr.gpkg"
    processing.run("lisworkbench:isr", {"INPUT": table, "COUNT": "deaths", "POPULATION": "pop",
                                        "REF_COUNT": "eng_deaths", "REF_POPULATION": "eng_pop", "AGE": "age",
                                        "BY": ["ward"], "RATIO": ratio, "REF_VALUE": 100, "OUTPUT": str(out)})
    result = _rows(out, "ward")
    for ward, (own, ref) in data.items():
        observed = own[:, 0].sum()
        expected = (ref[:, 0] / ref[:, 1] * own[:, 1]).sum()  # the reference's age-specific rates, applied
        scale = 100 / expected if ratio else ref[:, 0].sum() / ref[:, 1].sum() * 1e5 / expected
        low, high = _exact(observed) if observed < 10 else _byar(observed)
        row = result[ward]
        assert (row["observed"], row["expected"]) == pytest.approx((observed, expected), rel=1e-12)
        assert (row["value"], row["lower_ci"], row["upper_ci"]) == \
            pytest.approx((observed * scale, low * scale, high * scale), rel=1e-9)
        assert row["method"] == ("exact Poisson" if observed < 10 else "Byar")


def test_isr_algorithm_names_a_missing_age_field(provider):
    import processing

    table, _ = _isr_table()
    with pytest.raises(QgsProcessingException, match=r"'band' is not a field of INPUT \(parameter 'Age band field"):
        processing.run("lisworkbench:isr", {"INPUT": table, "COUNT": "deaths", "POPULATION": "pop",
                                            "REF_COUNT": "eng_deaths", "REF_POPULATION": "eng_pop", "AGE": "band",
                                            "OUTPUT": "memory:"})


# ----------------------------------------------------------------------------------------------- funnels
def _wilson_significance(x: int, n: int, average: float) -> str:
    """Fingertips' words for an area, from scipy's Wilson intervals: outside the funnel exactly when the average
    lies outside the area's Wilson interval."""
    wide = sp.binomtest(x, n).proportion_ci(0.998, method="wilson")
    narrow = sp.binomtest(x, n).proportion_ci(0.95, method="wilson")
    return ("High (0.001)" if wide.low > average else "Low (0.001)" if wide.high < average else
            "High (0.025)" if narrow.low > average else "Low (0.025)" if narrow.high < average else
            "Not significant")


def test_funnel_algorithm_gives_each_area_the_published_proportion_limits(provider, tmp_path):
    """Areas of the published file's populations, with one large area making the average its 80.642448% exactly
    (5,040,153 of 6,250,000): each area's limits at its own denominator are the file's, to 1e-6."""
    import processing

    counts = [1, 0, 3, 5, 17, 25, 90, 800, 8100, 88000]
    rows = [(f"a{k}", x, int(p[0])) for k, (x, p) in enumerate(zip(counts, PROPORTION_ROWS))]
    rows += [("big", 5_040_153 - sum(counts), 6_250_000 - sum(int(p[0]) for p in PROPORTION_ROWS)),
             ("none", None, 500)]
    table = _table([("code", QVariant.Type.String), ("x", QVariant.Type.Int), ("n", QVariant.Type.Int)], rows)
    out, limits = tmp_path / "areas.gpkg", tmp_path / "limits.gpkg"
    processing.run("lisworkbench:funnel", {"INPUT": table, "COUNT": "x", "DENOMINATOR": "n", "TYPE": 0,
                                           "OUTPUT": str(out), "LIMITS": str(limits)})
    result = _rows(out, "code")
    for (code, x, n), published in zip(rows, PROPORTION_ROWS):
        area = result[code]
        assert area["value"] == pytest.approx(x / n * 100)
        got = [area[c] for c in ("lower_2s", "upper_2s", "lower_3s", "upper_3s")]
        assert got == pytest.approx(list(published[1:]), rel=1e-6, abs=1e-6), code
        assert area["baseline"] == pytest.approx(80.642448, rel=1e-12)
    for code, x, n in rows[:-1]:
        assert result[code]["significance"] == _wilson_significance(x, n, 0.80642448), code
    assert _null(result["none"]["value"]) and _null(result["none"]["lower_2s"])
    assert _null(result["none"]["significance"]) and result["none"]["n"] == 500


def test_funnel_algorithm_draws_the_published_axis_and_limits(provider, tmp_path):
    """Two areas spanning the published file's denominators (16,386 to 102,950) at its average: the Limits table is
    its axis, with its limits at every population of the sample in tests/unit/test_stats_funnel.py."""
    import processing

    total = 16386 + 102950
    table = _table([("x", QVariant.Type.Double), ("n", QVariant.Type.Int)],
                   [(13000.0, 16386), (0.80642448 * total - 13000.0, 102950)])
    limits = tmp_path / "limits.gpkg"
    processing.run("lisworkbench:funnel", {"INPUT": table, "COUNT": "x", "DENOMINATOR": "n",
                                           "OUTPUT": "memory:", "LIMITS": str(limits)})
    drawn = _rows(limits, "population")
    axis = sorted(drawn)
    assert len(axis) == 100 and axis[:16] == AXIS_START and axis[-5:] == AXIS_END
    for population, *published in PROPORTION_ROWS:  # the file's sample rows are all on its axis
        row = drawn[population]
        got = [row[c] for c in ("lower_2s", "upper_2s", "lower_3s", "upper_3s")]
        assert got == pytest.approx(published, rel=1e-6, abs=1e-6), population
        assert row["baseline"] == pytest.approx(80.642448, rel=1e-9)


def test_funnel_algorithm_gives_ratio_limits_as_published(provider, tmp_path):
    """Observed counts of the published ratio file: per area, the expected counts at which its ratio sits on each
    limit match the file (5e-6; its search stopped within 1e-7 events) and scipy's chi-squared quantiles (1e-12);
    the Limits table is those quantiles along the axis of observed counts."""
    import processing

    observed = [int(r[0]) for r in RATIO_ROWS]
    expected = [2.5, 1.2, 14.0, 96.0, 700.0]
    table = _table([("code", QVariant.Type.String), ("o", QVariant.Type.Int), ("e", QVariant.Type.Double)],
                   [(f"a{o}", o, e) for o, e in zip(observed, expected)])
    out, limits = tmp_path / "ratios.gpkg", tmp_path / "ratio_limits.gpkg"
    processing.run("lisworkbench:funnel", {"INPUT": table, "COUNT": "o", "DENOMINATOR": "e", "TYPE": 1,
                                           "OUTPUT": str(out), "LIMITS": str(limits)})
    result = _rows(out, "code")
    columns = ["expected_lower_2s", "ratio_lower_2s", "expected_upper_2s", "ratio_upper_2s", "expected_lower_3s",
               "ratio_lower_3s", "expected_upper_3s", "ratio_upper_3s"]
    for published, e in zip(RATIO_ROWS, expected):
        o = int(published[0])
        area = result[f"a{o}"]
        assert area["value"] == pytest.approx(o / e * 100)
        for column, figure in zip(columns, published[1:]):
            if column.startswith("expected"):
                assert area[column] == pytest.approx(figure, rel=5e-6, abs=1e-7), (o, column)
            elif o >= 2:  # the file's ratios where its expected counts are not tiny
                assert area[column] == pytest.approx(figure, rel=5e-6), (o, column)
        assert area["expected_lower_2s"] == pytest.approx(sp.chi2.ppf(0.975, 2 * o + 2) / 2, rel=1e-12)
        assert area["expected_upper_3s"] == pytest.approx(sp.chi2.ppf(0.001, 2 * o) / 2, rel=1e-12)
    drawn = list(QgsVectorLayer(str(limits), "limits", "ogr").getFeatures())
    assert len(drawn) == 100 and drawn[0]["observed"] == 1
    for row in drawn:
        o = row["observed"]
        assert row["expected_lower_3s"] == pytest.approx(sp.chi2.ppf(0.999, 2 * o + 2) / 2, rel=1e-12)
        assert row["expected_upper_2s"] == pytest.approx(sp.chi2.ppf(0.025, 2 * o) / 2, rel=1e-12)
        assert row["ratio_upper_2s"] == pytest.approx(o / row["expected_upper_2s"] * 100, rel=1e-12)


def test_funnel_algorithm_refuses_a_count_above_its_denominator_and_a_missing_field(provider):
    import processing

    table = _table([("x", QVariant.Type.Int), ("n", QVariant.Type.Int)], [(5, 10), (11, 10)])
    base = {"INPUT": table, "COUNT": "x", "DENOMINATOR": "n", "OUTPUT": "memory:", "LIMITS": "memory:"}
    with pytest.raises(QgsProcessingException, match="counts between 0 and their denominators"):
        processing.run("lisworkbench:funnel", base)
    with pytest.raises(QgsProcessingException, match=r"'pop' is not a field of INPUT \(parameter 'Denominator"):
        processing.run("lisworkbench:funnel", {**base, "DENOMINATOR": "pop"})


def test_a_model_chains_load_indicator_into_the_funnel(provider, sample_store_path, tmp_path):
    """Load indicator twice (people in income deprivation, and the population), joined by area code, into Funnel
    plot limits, as a Processing model: each LSOA's significance is the one its Wilson interval gives against the
    average of the store's own figures (read here with sqlite)."""
    import sqlite3

    import processing
    from qgis.core import (
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelChildParameterSource,
        QgsProcessingModelOutput,
    )

    static, output = QgsProcessingModelChildParameterSource.fromStaticValue, \
        QgsProcessingModelChildParameterSource.fromChildOutput
    model = QgsProcessingModelAlgorithm("Funnel of income deprivation", "tests")
    steps = [("income", "lisworkbench:loadindicator", {"STORE": static(str(sample_store_path)),
                                                       "INDICATOR": static("iod2019_income_numerator")}),
             ("people", "lisworkbench:loadindicator", {"STORE": static(str(sample_store_path)),
                                                       "INDICATOR": static("pop2015_total")}),
             ("join", "native:joinattributestable", {"INPUT": output("income", "OUTPUT"),
                                                     "INPUT_2": output("people", "OUTPUT"),
                                                     "FIELD": static("area_code"), "FIELD_2": static("area_code"),
                                                     "FIELDS_TO_COPY": static(["value"]), "METHOD": static(1),
                                                     "PREFIX": static("pop_")}),
             ("funnel", "lisworkbench:funnel", {"INPUT": output("join", "OUTPUT"), "COUNT": static("value"),
                                                "DENOMINATOR": static("pop_value"), "TYPE": static(0)})]
    for child_id, algorithm, sources in steps:
        child = QgsProcessingModelChildAlgorithm(algorithm)
        child.setChildId(child_id)
        for name, source in sources.items():
            child.addParameterSources(name, [source])
        if child_id == "funnel":
            areas = QgsProcessingModelOutput("areas", "Areas against the funnel")
            areas.setChildId(child_id)
            areas.setChildOutputName("OUTPUT")
            child.setModelOutputs({"areas": areas})
        model.addChildAlgorithm(child)
    model.updateDestinationParameters()
    out = tmp_path / "income_funnel.gpkg"
    [destination] = [p.name() for p in model.destinationParameterDefinitions()]  # "funnel:areas" on QGIS 3.22,
    processing.run(model, {destination: str(out)})  # named after its description on 3.44

    with sqlite3.connect(sample_store_path) as db:
        figures = {}
        for indicator in ("iod2019_income_numerator", "pop2015_total"):
            figures[indicator] = dict(db.execute(
                "SELECT area_code, value FROM lis_value WHERE indicator = ? AND period = "
                "(SELECT max(period) FROM lis_value WHERE indicator = ?)", (indicator, indicator)).fetchall())
    income, people = figures["iod2019_income_numerator"], figures["pop2015_total"]
    average = sum(income.values()) / sum(people[c] for c in income)
    result = _rows(out, "area_code")
    assert len(result) == len(income) == 200
    for code, area in result.items():
        x, n = round(income[code]), round(people[code])
        assert area["value"] == pytest.approx(x / n * 100, rel=1e-12)
        assert area["significance"] == _wilson_significance(x, n, average), code
    assert {a["significance"] for a in result.values()} >= {"High (0.001)", "Low (0.001)"}


def test_sii_algorithm_fits_the_weighted_line_and_simulates_its_interval(provider, tmp_path):
    """Two areas of five quintiles with standard errors: the SII is the slope of the least-squares line through the
    values at the quintiles' relative ranks, weighted by their population shares (np.polyfit here), the RII the
    line's end over its start, and the simulated 95% limits (200,000 refits) sit within Monte-Carlo error of
    sii +/- 1.96 x the slope's exact standard error (a weighted sum of the quintiles' errors)."""
    import processing

    rows = []
    data = {"A": ([60.1, 62.0, 63.5, 64.2, 66.0], [900, 1100, 1000, 950, 1050], [0.5, 0.4, 0.45, 0.5, 0.35]),
            "B": ([70.0, 69.5, 71.2, 72.8, 73.0], [500, 700, 800, 650, 600], [0.9, 0.7, 0.6, 0.8, 0.7])}
    for area, (values, people, errors) in data.items():
        rows += [(area, q + 1, v, p, e) for q, (v, p, e) in enumerate(zip(values, people, errors))]
    table = _table([("area", QVariant.Type.String), ("quintile", QVariant.Type.Int), ("le", QVariant.Type.Double),
                    ("pop", QVariant.Type.Double), ("se", QVariant.Type.Double)], rows)
    out = tmp_path / "sii.gpkg"
    processing.run("lisworkbench:sii", {"INPUT": table, "VALUE": "le", "POPULATION": "pop", "QUANTILE": "quintile",
                                        "SE": "se", "BY": ["area"], "RII": True, "REPS": 200000, "SEED": 7,
                                        "OUTPUT": str(out)})
    result = _rows(out, "area")
    for area, (values, people, errors) in data.items():
        share = np.array(people) / sum(people)
        rank = np.cumsum(share) - share / 2
        slope, intercept = np.polyfit(rank, values, 1, w=np.sqrt(share))
        centred = share * (rank - (share * rank).sum())
        coefficients = centred / (centred * (rank - (share * rank).sum())).sum()
        sd = float(np.sqrt(((coefficients * np.array(errors)) ** 2).sum()))
        got = result[area]
        assert got["sii"] == pytest.approx(slope, rel=1e-9)
        assert got["rii"] == pytest.approx((intercept + slope) / intercept, rel=1e-9)
        assert got["sii_lower"] == pytest.approx(slope - 1.959964 * sd, abs=0.02 * sd)
        assert got["sii_upper"] == pytest.approx(slope + 1.959964 * sd, abs=0.02 * sd)
    with pytest.raises(QgsProcessingException, match="limit fields, or the standard error"):
        processing.run("lisworkbench:sii", {"INPUT": table, "VALUE": "le", "POPULATION": "pop",
                                            "QUANTILE": "quintile", "OUTPUT": "memory:"})

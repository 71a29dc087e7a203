"""Events to rates (core.events, `lis events import`): counts per area and period against a GeoPandas spatial join
of a seeded random point set over the Wigan LSOAs, computed independently; rates and limits against
PHEindicatormethods' published phe_rate output (the vignette cases transcribed in test_stats_crude_reference.py) and
scipy's chi-squared quantiles for exact Poisson limits; the postcode route through a small hand-made lookup."""

from __future__ import annotations

import shutil

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy import stats as sp
from shapely.geometry import Point
from unit_helpers import run_lis, sha256_file

from lis_workbench.core.errors import GeographyError, ImportValidationError, ParameterError
from lis_workbench.core.events import EventSpec, import_events
from lis_workbench.core.export import export_indicator
from lis_workbench.core.store import Store, ValueRows

SEED = 20240518
#: phe_rate(df, obs, pop) of PHEindicatormethods' introduction vignette, rows Area1-Area4 of 2015 (per 100,000, 95%):
#: obs, pop, value, lowercl, uppercl.
PHE_RATE_95 = [(27, 106, 25471.70, 16782.04, 37061.41), (22, 113, 19469.03, 12196.90, 29477.68),
               (80, 150, 53333.33, 42288.58, 66378.77), (53, 193, 27461.14, 20568.85, 35920.56)]


@pytest.fixture
def store_file(sample_store_path, tmp_path):
    """A private copy of the Wigan sample store."""
    target = tmp_path / "store.gpkg"
    shutil.copyfile(sample_store_path, target)
    return target


@pytest.fixture(scope="module")
def lsoas(sample_store_path) -> gpd.GeoDataFrame:
    """The store's LSOA polygons read by GeoPandas (pyogrio), the reference's own reading."""
    return gpd.read_file(sample_store_path, layer="geo_lsoa11")[["area_code", "geometry"]].sort_values("area_code")


def _border_points(lsoas: gpd.GeoDataFrame, n: int = 6) -> list[tuple[float, float]]:
    """Vertices shared exactly by two neighbouring LSOAs (on both their borders)."""
    points = []
    for i in range(len(lsoas)):
        a = lsoas.geometry.iloc[i]
        for j in range(i + 1, len(lsoas)):
            shared = a.boundary.intersection(lsoas.geometry.iloc[j].boundary)
            if shared.geom_type in ("LineString", "MultiLineString") and not shared.is_empty:
                line = shared if shared.geom_type == "LineString" else shared.geoms[0]
                points.append(tuple(line.coords[len(line.coords) // 2]))
                break
        if len(points) >= n:
            return points
    return points


@pytest.fixture(scope="module")
def random_events(lsoas, tmp_path_factory):
    """A seeded point set over (and around) the LSOAs, dated over 2022-2023, with bad rows and border points."""
    rng = np.random.default_rng(SEED)
    minx, miny, maxx, maxy = lsoas.total_bounds
    n = 3000
    x = rng.uniform(minx - 1500, maxx + 1500, n).round(3)
    y = rng.uniform(miny - 1500, maxy + 1500, n).round(3)
    days = pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 730, n), unit="D")
    table = pd.DataFrame({"easting": x.astype(object), "northing": y.astype(object),
                          "date": days.strftime("%d/%m/%Y").astype(object)})
    border = _border_points(lsoas)
    table = pd.concat([table, pd.DataFrame({"easting": [p[0] for p in border], "northing": [p[1] for p in border],
                                            "date": ["15/06/2022"] * len(border)})], ignore_index=True)
    table.loc[10, "easting"], table.loc[11, "northing"], table.loc[12, "easting"] = "n/a", "", "1e400"
    table.loc[13, "date"], table.loc[14, "date"] = "31/02/2022", "someday"
    path = tmp_path_factory.mktemp("events") / "incidents.csv"
    table.to_csv(path, index=False)
    return path, table, len(border)


def _reference_counts(table: pd.DataFrame, lsoas: gpd.GeoDataFrame, period: str) -> tuple[pd.Series, int]:
    """Events per (area_code, period) by a GeoPandas spatial join: a point on several areas' borders goes to the
    lowest code (the documented rule); rows with bad coordinates or dates dropped first."""
    x = pd.to_numeric(table["easting"], errors="coerce")
    y = pd.to_numeric(table["northing"], errors="coerce")
    when = pd.to_datetime(table["date"], format="%d/%m/%Y", errors="coerce")
    ok = np.isfinite(x) & np.isfinite(y) & when.notna()
    points = gpd.GeoDataFrame({"row": np.flatnonzero(ok), "when": when[ok].to_numpy()},
                              geometry=[Point(a, b) for a, b in zip(x[ok], y[ok])], crs=lsoas.crs)
    joined = gpd.sjoin(points, lsoas, predicate="intersects", how="inner")
    first = joined.sort_values("area_code").drop_duplicates("row")
    stamp = pd.to_datetime(first["when"])
    labels = {"month": stamp.dt.strftime("%Y-%m"), "year": stamp.dt.strftime("%Y"),
              "quarter": stamp.dt.year.astype(str) + "-Q" + stamp.dt.quarter.astype(str)}[period]
    return first.assign(period=labels.to_numpy()).groupby(["area_code", "period"]).size(), int(ok.sum())


@pytest.mark.parametrize("period", ["month", "quarter"])
def test_counts_equal_a_geopandas_spatial_join_and_nothing_is_counted_twice(store_file, lsoas, random_events,
                                                                             period):
    path, table, _ = random_events
    with Store.open(store_file) as store:
        result = import_events(store, str(path), EventSpec("lsoa11", period, "incidents", "date", "easting",
                                                           "northing"))
        stored = store.get_series("incidents")
    expected, usable = _reference_counts(table, lsoas, period)
    ours = result.values.set_index(["area_code", "period"])["numerator"]
    assert len(expected) > 100 and expected.sum() > 500
    assert ours.reindex(expected.index).to_numpy().tolist() == expected.to_numpy().tolist()
    # every other area and period holds 0: each of the 200 areas in each period from the first to the last
    assert ours.drop(expected.index).eq(0).all()
    n_periods = {"month": 24, "quarter": 8}[period]
    assert len(ours) == 200 * n_periods == len(stored)
    report = result.report
    assert report.rows_read == len(table)
    assert report.bad_coordinates == 3 and report.bad_dates == 2
    assert ours.sum() == report.located == expected.sum()
    assert report.located + report.outside + report.bad_coordinates + report.bad_dates == report.rows_read
    assert report.outside == usable - expected.sum() > 100
    # the stored values: value = numerator = the count, with the file's checksum and the match report
    assert stored.set_index(["area_code", "period"])["numerator"].sum() == report.located
    assert (stored["value"] == stored["numerator"]).all()


def test_a_point_on_a_shared_border_counts_once_in_the_lowest_code(store_file, lsoas, random_events):
    path, table, n_border = random_events
    border = table.iloc[-n_border:].reset_index(drop=True)
    only = path.parent / "border.csv"
    border.to_csv(only, index=False)
    with Store.open(store_file) as store:
        result = import_events(store, str(only), EventSpec("lsoa11", "year", "border", "date", "easting",
                                                           "northing"))
    points = gpd.GeoDataFrame(border.index.to_frame(name="row"),
                              geometry=[Point(float(a), float(b)) for a, b in zip(border["easting"],
                                                                                  border["northing"])],
                              crs=lsoas.crs)
    touching = gpd.sjoin(points, lsoas, predicate="intersects").groupby("row")["area_code"].agg(list)
    assert (touching.map(len) >= 2).all()  # each point is on two areas' borders
    expected = touching.map(min).value_counts()
    counted = result.values.set_index("area_code")["numerator"]
    assert result.report.located == n_border == counted.sum()
    assert counted[counted > 0].sort_index().to_dict() == expected.sort_index().to_dict()


def test_lon_lat_and_a_point_layer_give_the_same_counts(store_file, random_events, tmp_path):
    path, table, _ = random_events
    good = table.iloc[20:600]
    with Store.open(store_file) as store:
        grid = import_events(store, str(path), EventSpec("lsoa11", "year", "grid", "date", "easting", "northing"),
                             dry_run=True)
        points = gpd.GeoDataFrame(good[["date"]], crs="EPSG:27700",
                                  geometry=gpd.points_from_xy(good["easting"].astype(float),
                                                              good["northing"].astype(float)))
        lonlat = points.to_crs("EPSG:4326")  # pyproj, not GDAL's osr
        wgs = pd.DataFrame({"lon": lonlat.geometry.x.round(9), "lat": lonlat.geometry.y.round(9),
                            "date": good["date"]})
        wgs.to_csv(tmp_path / "wgs.csv", index=False)
        points.to_file(tmp_path / "points.gpkg", layer="incidents")
        good.to_csv(tmp_path / "grid.csv", index=False)
        from_grid = import_events(store, str(tmp_path / "grid.csv"),
                                  EventSpec("lsoa11", "year", "sub", "date", "easting", "northing"), dry_run=True)
        from_wgs = import_events(store, str(tmp_path / "wgs.csv"),
                                 EventSpec("lsoa11", "year", "wgs", "date", "lon", "lat", crs=4326), dry_run=True)
        from_layer = import_events(store, str(tmp_path / "points.gpkg"),
                                   EventSpec("lsoa11", "year", "layer", "date"), dry_run=True)
        assert "grid" not in set(store.catalogue()["id"])  # a dry run writes nothing
    assert grid.report.located > from_grid.report.located > 100
    for other in (from_wgs, from_layer):
        assert other.values["numerator"].tolist() == from_grid.values["numerator"].tolist()
        assert other.report.located == from_grid.report.located


def _population(store: Store, people: dict[str, float], period: str = "2015") -> None:
    codes = sorted(store.area_codes("lsoa11"))
    frame = pd.DataFrame({"area_code": codes, "period": period,
                          "value": [float(people.get(c, 1000)) for c in codes]})
    for column in ("numerator", "denominator", "lower_ci", "upper_ci"):
        frame[column] = np.nan
    frame["suppressed"] = False
    store.write_indicators([ValueRows({"id": "pop_ref", "title": "Reference population", "geography": "lsoa11",
                                       "value_type": "count", "unit": "people", "polarity": "neutral"}, frame)],
                           file=None, checksum=None)


def _events_in(lsoas: gpd.GeoDataFrame, counts: dict[str, int], date: str) -> pd.DataFrame:
    inside = lsoas.set_index("area_code").geometry.representative_point()
    rows = [(inside[code].x, inside[code].y, date) for code, n in counts.items() for _ in range(n)]
    return pd.DataFrame(rows, columns=["x", "y", "date"])


def test_rates_and_limits_match_phe_rate_and_exact_poisson(store_file, lsoas, tmp_path):
    codes = list(lsoas["area_code"][:5])
    obs = {code: case[0] for code, case in zip(codes, PHE_RATE_95)} | {codes[4]: 3}
    pop = {code: case[1] for code, case in zip(codes, PHE_RATE_95)} | {codes[4]: 2500}
    _events_in(lsoas, obs, "2015-06-30").to_csv(tmp_path / "deaths.csv", index=False)
    with Store.open(store_file) as store:
        _population(store, pop)
        result = import_events(store, str(tmp_path / "deaths.csv"),
                               EventSpec("lsoa11", "year", "death_rate", "date", "x", "y", denominator="pop_ref",
                                         multiplier=100_000))
        saved = store.get_values("death_rate", "2015").set_index("area_code")
        entry = store.indicator("death_rate")
    for code, (count, people, value, lower, upper) in zip(codes, PHE_RATE_95):
        row = saved.loc[code]
        assert (row["numerator"], row["denominator"]) == (count, people)
        assert row[["value", "lower_ci", "upper_ci"]].tolist() == pytest.approx([value, lower, upper], rel=1e-6)
    small = saved.loc[codes[4]]  # 3 events: exact Poisson (Garwood) limits from chi-squared quantiles
    assert small["lower_ci"] == pytest.approx(sp.chi2.ppf(0.025, 6) / 2 / 2500 * 1e5)
    assert small["upper_ci"] == pytest.approx(sp.chi2.ppf(0.975, 8) / 2 / 2500 * 1e5)
    others = saved.drop(codes)
    assert (others["numerator"] == 0).all() and (others["value"] == 0).all() and (others["denominator"] == 1000).all()
    assert result.report.located == sum(obs.values())
    assert entry["denominator"] == "pop_ref" and entry["value_type"] == "rate" and entry["unit"] == "per 100,000"
    assert entry["import_file"] == "deaths.csv" and len(entry["import_checksum"]) == 64
    assert "185 located" in entry["notes"] and "exact Poisson below 10" in entry["notes"]


def test_small_numbers_are_withheld_on_export_but_stored_whole(store_file, lsoas, tmp_path):
    codes = list(lsoas["area_code"][:4])
    _events_in(lsoas, {codes[0]: 2, codes[1]: 7, codes[2]: 30, codes[3]: 12}, "2021-03-01").to_csv(
        tmp_path / "ev.csv", index=False)
    with Store.open(store_file) as store:
        store.set_settings({"suppress_below": "5"})
        result = import_events(store, str(tmp_path / "ev.csv"), EventSpec("lsoa11", "month", "ev", "date", "x", "y"))
        stored = store.get_series("ev").set_index("area_code")
        export_indicator(store, "ev", str(tmp_path / "ev_out.csv"), "all")
    exported = pd.read_csv(tmp_path / "ev_out.csv").set_index("area_code")
    assert stored.loc[codes[0], "numerator"] == 2  # kept whole
    assert np.isnan(exported.loc[codes[0], "numerator"]) and exported.loc[codes[0], "suppressed"] == 1
    # the next smallest count goes too, so the total cannot give the 2 back
    assert np.isnan(exported.loc[codes[1], "numerator"]) and exported.loc[codes[1], "suppressed"] == 1
    assert exported.loc[codes[2], "numerator"] == 30 and exported.loc[codes[3], "numerator"] == 12
    assert result.withheld == 2


def test_postcodes_through_a_lookup_with_unknown_terminated_and_gridless_postcodes(store_file, lsoas, tmp_path):
    inside = lsoas.set_index("area_code").geometry.representative_point()
    a, b, c = sorted(inside.index)[:3]
    lookup = pd.DataFrame({
        "pcd": ["WN1 1AU", "WN2 2BB", "WN3 3CC", "WN4 4DD", "WN5 5EE"],
        "pcds": ["WN1 1AU", "WN2 2BB", "WN3 3CC", "WN4 4DD", "WN5 5EE"],
        "dointr": ["199806"] * 5,
        "doterm": ["", "", "201901", "", ""],
        "oseast1m": [inside[a].x, inside[b].x, inside[c].x, 360000, 100000],  # WN4 4DD: half a grid reference
        "osnrth1m": [inside[a].y, inside[b].y, inside[c].y, "", 100000]})
    lookup.to_csv(tmp_path / "onspd_extract.csv", index=False)
    events = pd.DataFrame({"postcode": ["wn11au", " WN1  1AU", "WN1 1AU", "wn2 2bb", "WN3 3CC", "ZZ9 9ZZ",
                                        "WN4 4DD", "WN5 5EE", "WN2 2BB"],
                           "referred": ["2023-01-05", "2023-02-11", "2023-04-01", "2023-04-02", "2023-05-30",
                                        "2023-06-01", "2023-06-02", "2023-06-03", "not known"]})
    events.to_csv(tmp_path / "referrals.csv", index=False)
    with Store.open(store_file) as store:
        result = import_events(store, str(tmp_path / "referrals.csv"),
                               EventSpec("lsoa11", "quarter", "referrals", "referred", postcode_column="postcode",
                                         postcode_lookup=str(tmp_path / "onspd_extract.csv")))
    counts = result.values.set_index(["area_code", "period"])["numerator"]
    assert counts[(a, "2023-Q1")] == 2 and counts[(a, "2023-Q2")] == 1
    assert counts[(b, "2023-Q2")] == 1 and counts[(c, "2023-Q2")] == 1  # c's postcode is terminated, still located
    assert counts.sum() == 5
    r = result.report
    assert (r.rows_read, r.located, r.unknown_postcodes, r.terminated_postcodes, r.bad_coordinates, r.outside,
            r.bad_dates) == (9, 5, 1, 1, 1, 1, 1)
    assert r.examples["unknown postcode"] == ["row 7"] and r.examples["bad coordinates"] == ["row 8"]


def test_faults_are_named_and_nothing_is_written(store_file, random_events, tmp_path, lsoas):
    path, table, _ = random_events
    degrees = pd.DataFrame({"x": [-2.63, -2.60], "y": [53.54, 53.55], "date": ["2022-01-01", "2022-02-01"]})
    degrees.to_csv(tmp_path / "degrees.csv", index=False)
    before = sha256_file(store_file)
    with Store.open(store_file) as store:
        with pytest.raises(GeographyError, match="look like longitude/latitude") as caught:
            import_events(store, str(tmp_path / "degrees.csv"), EventSpec("lsoa11", "month", "d", "date", "x", "y"))
        assert caught.value.option == "crs"
        with pytest.raises(ImportValidationError, match="no column 'when'"):
            import_events(store, str(path), EventSpec("lsoa11", "month", "d", "when", "easting", "northing"))
        with pytest.raises(ParameterError, match="is on geography lsoa11, not ward23"):
            import_events(store, str(path), EventSpec("ward23", "month", "d", "date", "easting", "northing",
                                                      denominator="pop2016_total"))
        with pytest.raises(ImportValidationError, match="no event could be counted"):
            far = tmp_path / "far.csv"
            pd.DataFrame({"x": [400000], "y": [200000], "date": ["2022-01-01"]}).to_csv(far, index=False)
            import_events(store, str(far), EventSpec("lsoa11", "month", "d", "date", "x", "y"))
    assert sha256_file(store_file) == before


def test_lis_events_import_prints_the_match_report_and_exports_counts(store_file, random_events, tmp_path):
    path, table, _ = random_events
    result = run_lis("events", "import", store_file, path, "--x", "easting", "--y", "northing", "--date", "date",
                     "--geography", "lsoa11", "--period", "year", "--id", "incidents_rate",
                     "--denominator", "pop2016_total")
    assert result.returncode == 0, result.stderr
    assert f"Rows read: {len(table)}" in result.stdout and "Bad coordinates: 3" in result.stdout
    assert "Bad dates: 2" in result.stdout and "Rates per 1,000 of pop2016_total (2016)" in result.stdout
    out = tmp_path / "export.csv"
    assert run_lis("export", store_file, "incidents_rate", out, "--period", "all").returncode == 0
    exported = pd.read_csv(out)
    located = int(result.stdout.split("Located in lsoa11: ")[1].split()[0])
    assert exported["numerator"].sum() == located and set(exported["period"].astype(str)) == {"2022", "2023"}
    ratio = exported["value"] / (exported["numerator"] / exported["denominator"] * 1000)
    assert np.allclose(ratio[exported["numerator"] > 0], 1)
    bad = run_lis("events", "import", store_file, path, "--x", "easting", "--date", "date", "--geography", "lsoa11",
                  "--period", "year", "--id", "x2")
    assert bad.returncode == 2 and "--y" in bad.stderr


def test_dates_are_read_day_first_or_iso_whatever_the_pandas():
    from lis_workbench.core.event_sources import dates_to_periods

    cells = pd.Series(["2023-01-15", "15/01/2023", "01/15/2023", "2023-01", "15 Jan 2023", "2023-11-30T23:59:00Z",
                       "30/11/2023 08:15", "", "31/02/2023", "2023/12/01", "2023", "03/04/2023"])
    periods, bad = dates_to_periods(cells, "quarter", "f.csv", "d")
    assert periods.tolist() == ["2023-Q1", "2023-Q1", "", "2023-Q1", "2023-Q1", "2023-Q4", "2023-Q4", "", "",
                                "2023-Q4", "", "2023-Q2"]  # 03/04/2023 is 3 April; 01/15/2023 is no date
    assert bad.tolist() == [p == "" for p in periods]
    months, _ = dates_to_periods(cells, "month", "f.csv", "d")
    assert months[[0, 5, 11]].tolist() == ["2023-01", "2023-11", "2023-04"]
    with pytest.raises(ImportValidationError, match="column 'd': no cell is a date"):
        dates_to_periods(pd.Series(["soon", "later"]), "year", "f.csv", "d")

"""Processing "Custom areas" (lisworkbench:customareas) in real QGIS: neighbourhoods from a polygon file, from a
layer in the project (a memory layer, which Processing hands to the engine as a file) and from a CSV of codes; each
lookup checked against GeoPandas (overlay, spatial join) on the sample files, and an aggregate through it against a
pandas sum of the sample CSV."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from qgis.core import QgsFeature, QgsProcessingException, QgsVectorLayer

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
WARDS = SAMPLE / "wigan_wards_2023_bgc.geojson"


def _lookup(store: Path, name: str) -> pd.Series:
    with contextlib.closing(sqlite3.connect(store)) as conn:
        pairs = pd.read_sql_query("SELECT from_code, to_code FROM lis_lookup_row WHERE lookup = ?", conn,
                                  params=(name,))
    return pairs.set_index("from_code")["to_code"].sort_index()


@pytest.fixture()
def store(sample_store_path, tmp_path) -> Path:
    target = tmp_path / "wigan.gpkg"
    shutil.copyfile(sample_store_path, target)
    return target


@pytest.fixture(scope="module")
def frames():
    import geopandas as gpd

    lsoa = gpd.read_file(SAMPLE / "wigan_lsoa11_bgc.geojson").to_crs(27700)
    wards = gpd.read_file(WARDS).to_crs(27700)[["area_code", "area_name", "geometry"]].rename(
        columns={"area_code": "ward", "area_name": "ward_name"})
    return lsoa, wards


def test_wards_from_a_polygon_file_by_overlap(provider, store, frames):
    import geopandas as gpd
    import processing

    result = processing.run("lisworkbench:customareas", {"STORE": str(store), "NAME": "wardsq", "INPUT": str(WARDS),
                                                         "METHOD": 1})
    assert result["AREAS"] == 25 and result["LOOKUP"] == "lsoa11_wardsq"
    assert "people in whole small areas" in result["REPORT"]
    lsoa, wards = frames
    pieces = gpd.overlay(lsoa[["area_code", "geometry"]], wards, how="intersection", keep_geom_type=True)
    pieces["share"] = pieces.geometry.area / pieces["area_code"].map(lsoa.set_index("area_code").geometry.area)
    shares = pieces.groupby(["area_code", "ward"], as_index=False)["share"].sum()
    outside = 1 - shares.groupby("area_code")["share"].transform("sum")
    best = shares[shares["share"] > outside].sort_values("share", ascending=False).drop_duplicates("area_code")
    expected = best.set_index("area_code")["ward"].sort_index()
    pd.testing.assert_series_equal(_lookup(store, "lsoa11_wardsq"), expected, check_names=False)


def test_a_memory_layer_by_population_weighted_centroid(provider, store, frames):
    import geopandas as gpd
    import processing

    source = QgsVectorLayer(str(WARDS), "wards", "ogr")
    layer = QgsVectorLayer("MultiPolygon?crs=EPSG:4326&field=area_name:string", "three", "memory")
    chosen, names = [], []
    for original in list(source.getFeatures())[:3]:
        feature = QgsFeature(layer.fields())
        feature.setGeometry(original.geometry())
        feature.setAttribute("area_name", original["area_name"])
        chosen.append(feature)
        names.append(original["area_name"])
    assert layer.dataProvider().addFeatures(chosen)[0]
    result = processing.run("lisworkbench:customareas", {"STORE": str(store), "NAME": "three", "INPUT": layer,
                                                         "NAME_FIELD": "area_name", "METHOD": 0})
    assert result["AREAS"] == 3
    points = pd.read_csv(SAMPLE / "wigan_lsoa11_population_weighted_centroids.csv")
    points = gpd.GeoDataFrame(points, geometry=gpd.points_from_xy(points["longitude"], points["latitude"]),
                              crs=4326).to_crs(27700)
    _, wards = frames
    joined = gpd.sjoin(points, wards[wards["ward_name"].isin(names)], predicate="within")
    expected = joined.set_index("lsoa11_code")["ward_name"].sort_index()
    pd.testing.assert_series_equal(_lookup(store, "lsoa11_three"), expected, check_names=False)


def test_a_csv_of_codes_then_aggregate_in_processing(provider, store, frames, tmp_path):
    import processing

    lsoa, _ = frames
    table = pd.DataFrame({"code": lsoa["area_code"], "name": lsoa["area_name"].str[:-1]})
    table = table[table["name"].isin(["Wigan 010", "Wigan 011", "Wigan 012"])]
    csv = tmp_path / "hoods.csv"
    table.to_csv(csv, index=False)
    processing.run("lisworkbench:customareas", {"STORE": str(store), "NAME": "hoods", "CODES": str(csv)})
    out = tmp_path / "hoods.gpkg"
    processing.run("lisworkbench:aggregate", {"STORE": str(store), "INDICATOR": "iod2019_income_numerator",
                                              "VALUE_TYPE": 8, "LOOKUP_NAME": "lsoa11_hoods", "OUTPUT": str(out)})
    income = pd.read_csv(SAMPLE / "wigan_imd2019_indicators.csv").set_index("lsoa11_code")["income_domain_numerator"]
    expected = table.assign(v=table["code"].map(income)).groupby("name")["v"].sum()
    got = {f["area_code"]: f["value"] for f in QgsVectorLayer(str(out), "h", "ogr").getFeatures()}
    assert got == expected.to_dict()
    with pytest.raises(QgsProcessingException, match="not both"):
        processing.run("lisworkbench:customareas", {"STORE": str(store), "NAME": "x", "CODES": str(csv),
                                                    "INPUT": str(WARDS)})

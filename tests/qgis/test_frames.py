"""The one way between layers and frames (qgis_bridge.frames): a GeoPackage read by GDAL in columns gives the
very frame QGIS gives feature by feature (NULLs, numbers kept as text, integers, WKB), and frames written back
come out as the same features. Processing takes the fast read only where nothing filters or checks the input."""

from __future__ import annotations

import math

import numpy as np
import pytest
from osgeo import ogr, osr
from qgis.core import QgsFeatureRequest, QgsProcessingContext, QgsProcessingFeatureSourceDefinition, QgsVectorLayer

from tests.conftest import SAMPLE


@pytest.fixture()
def areas(tmp_path):
    """Wigan's LSOAs in a GeoPackage with a count holding NULLs, a rate with NULLs, text with NULLs and numbers
    kept as text (one not a number)."""
    source = ogr.Open(str(SAMPLE / "wigan_lsoa11_bgc.geojson"))
    layer = source.GetLayer(0)
    bng = osr.SpatialReference()
    bng.ImportFromEPSG(27700)
    bng.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    wgs = layer.GetSpatialRef()
    wgs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_bng = osr.CoordinateTransformation(wgs, bng)
    path = tmp_path / "areas.gpkg"
    out = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    target = out.CreateLayer("areas", bng, ogr.wkbMultiPolygon)
    for name, kind in (("area_code", ogr.OFTString), ("count", ogr.OFTInteger), ("rate", ogr.OFTReal),
                       ("label", ogr.OFTString), ("as_text", ogr.OFTString)):
        target.CreateField(ogr.FieldDefn(name, kind))
    for i, feature in enumerate(layer):
        row = ogr.Feature(target.GetLayerDefn())
        row["area_code"] = feature["area_code"]
        if i % 17:
            row["count"] = i
        if i % 13:
            row["rate"] = i / 7
        if i % 11:
            row["label"] = f"area {i}"
        row["as_text"] = "n/a" if i == 5 else str(i * 3)
        shape = feature.GetGeometryRef().Clone()
        shape.Transform(to_bng)
        row.SetGeometry(ogr.ForceToMultiPolygon(shape))
        target.CreateFeature(row)
    out = None
    return path


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("kwargs", [
    {"numeric": ["count", "rate", "as_text"], "text": ["area_code", "label"], "geometry": True},
    {"numeric": ["rate"], "all_fields": True, "geometry": True},
    {"numeric": ["count"], "text": []},
])
def test_gdal_columns_give_the_frame_qgis_gives(areas, kwargs):
    from lis_workbench.qgis_bridge.frames import read_frame, read_ogr_frame

    layer = QgsVectorLayer(f"{areas}|layername=areas", "areas", "ogr")
    assert layer.isValid()
    slow = read_frame(layer, **kwargs)
    fast = read_ogr_frame(layer.source(), **kwargs)
    assert fast is not None
    assert list(fast.columns) == list(slow.columns)
    assert len(fast) == len(slow) == 200
    for column in slow.columns:
        pairs = list(zip(slow[column].tolist(), fast[column].tolist()))
        wrong = [p for p in pairs if not _same(*p)]
        assert not wrong, (column, wrong[:3])
    if "count" in kwargs.get("numeric", []):
        assert np.isnan(fast["count"]).sum() == 12  # every 17th left NULL
    if "as_text" in kwargs.get("numeric", []):
        assert np.isnan(fast["as_text"][5]) and fast["as_text"][6] == 18.0


def test_only_a_plain_geopackage_layer_is_read_in_columns(areas, tmp_path):
    from lis_workbench.qgis_bridge.frames import read_ogr_frame

    assert read_ogr_frame(f"{areas}|layername=areas|subset=\"count\" > 3", numeric=["count"]) is None
    shapefile = tmp_path / "areas.shp"
    ogr.GetDriverByName("ESRI Shapefile").CopyDataSource(ogr.Open(str(areas)), str(shapefile))
    assert read_ogr_frame(str(shapefile), numeric=["count"]) is None  # QGIS reads its polygons as multi


def test_frames_written_back_are_the_same_features(areas):
    from lis_workbench.qgis_bridge.frames import fields_for, memory_layer, read_frame

    layer = QgsVectorLayer(f"{areas}|layername=areas", "areas", "ogr")
    frame = read_frame(layer, numeric=["count", "rate"], text=["area_code", "label"], geometry=True)
    frame["flag"] = frame["count"] > 100
    copy = memory_layer(frame, "copy", crs="EPSG:27700")
    assert [f.name() for f in fields_for(frame)] == [f.name() for f in copy.fields()]
    written = {f["area_code"]: f for f in copy.getFeatures()}
    for original in layer.getFeatures():
        twin = written[original["area_code"]]
        for name in ("count", "rate", "label"):
            if original[name] is None or (hasattr(original[name], "isNull") and original[name].isNull()):
                assert twin[name] is None or twin[name].isNull(), name
            else:
                assert twin[name] == original[name], name
        count = original["count"]
        big = count is not None and not (hasattr(count, "isNull") and count.isNull()) and count > 100
        assert twin["flag"] == ("1" if big else "0")  # a yes/no column is written as text 0/1
        assert twin.geometry().asWkb() == original.geometry().asWkb()


def test_processing_reads_in_columns_only_what_nothing_filters(provider, areas, tmp_path):
    """Gi* on the whole GeoPackage (no geometry check: read by GDAL) and on the same layer through a source
    definition (read by QGIS) give the same answer."""
    import processing

    context = QgsProcessingContext()
    context.setInvalidGeometryCheck(QgsFeatureRequest.InvalidGeometryCheck.GeometryNoCheck)
    fast = processing.run("lisworkbench:gistar", {"INPUT": f"{areas}|layername=areas", "FIELD": "rate",
                                                  "OUTPUT": str(tmp_path / "fast.gpkg")}, context=context)
    slow = processing.run("lisworkbench:gistar", {
        "INPUT": QgsProcessingFeatureSourceDefinition(f"{areas}|layername=areas"), "FIELD": "rate",
        "OUTPUT": str(tmp_path / "slow.gpkg")}, context=context)
    assert fast["SUMMARY"] == slow["SUMMARY"]
    read = [{f["area_code"]: (f["gi_z"], f["gi_cluster"]) for f in QgsVectorLayer(r["OUTPUT"], "o").getFeatures()}
            for r in (fast, slow)]
    assert read[0] == read[1]
    assert len(read[0]) == 200 and sum(v[0] is None or (hasattr(v[0], "isNull") and v[0].isNull())
                                       for v in read[0].values()) == 200 - sum(1 for i in range(200) if i % 13)


def test_processing_keeps_a_layers_weights(provider, areas, tmp_path, monkeypatch):
    """Gi* run twice on one layer builds its weights once: the second run reads them from LIS_CACHE_DIR."""
    import processing

    monkeypatch.setenv("LIS_CACHE_DIR", str(tmp_path / "cache"))
    runs = [processing.run("lisworkbench:gistar", {"INPUT": f"{areas}|layername=areas", "FIELD": "rate",
                                                   "OUTPUT": str(tmp_path / f"run{i}.gpkg")}) for i in range(2)]
    assert len(list((tmp_path / "cache" / "weights").glob("*.npz"))) == 1
    assert runs[0]["SUMMARY"] == runs[1]["SUMMARY"]
    monkeypatch.setenv("LIS_CACHE_DIR", "none")
    processing.run("lisworkbench:gistar", {"INPUT": f"{areas}|layername=areas", "FIELD": "rate",
                                           "OUTPUT": str(tmp_path / "uncached.gpkg")})
    assert len(list((tmp_path / "cache" / "weights").glob("*.npz"))) == 1


def _layer_state(path) -> dict:
    """What a user sees of a GeoPackage output: layer name, CRS, geometry type, fields and types, every feature's
    id, attributes and geometry, the extent, and whether it has a spatial index."""
    from osgeo import ogr as gdal_ogr

    dataset = gdal_ogr.Open(str(path))
    layer = dataset.GetLayer(0)
    definition = layer.GetLayerDefn()
    fields = [(definition.GetFieldDefn(i).GetName(), definition.GetFieldDefn(i).GetTypeName())
              for i in range(definition.GetFieldCount())]
    features = {f.GetFID(): ([f.GetField(i) for i in range(len(fields))],
                             f.GetGeometryRef().ExportToIsoWkb() if f.GetGeometryRef() else None) for f in layer}
    state = {"name": layer.GetName(), "count": layer.GetFeatureCount(),
             "crs": layer.GetSpatialRef().GetAuthorityCode(None),
             "type": layer.GetGeomType(), "fields": fields, "features": features,
             "extent": [round(v, 6) for v in layer.GetExtent()],
             "index": dataset.ExecuteSQL(f"SELECT HasSpatialIndex('{layer.GetName()}', 'geom')")
             .GetNextFeature().GetField(0)}
    dataset = None
    return state


def test_a_geopackage_written_straight_is_the_layer_qgis_writes(provider, areas, tmp_path):
    """Gi* written straight into its GeoPackage (a path given as text, as qgis_process gives it) and through
    Processing's sink (an output opened in the project afterwards): the same layer, feature for feature."""
    import processing
    from qgis.core import QgsProcessingOutputLayerDefinition, QgsProject

    straight = tmp_path / "straight.gpkg"
    processing.run("lisworkbench:gistar", {"INPUT": f"{areas}|layername=areas", "FIELD": "rate",
                                           "OUTPUT": str(straight)})
    through_qgis = tmp_path / "through_qgis.gpkg"
    definition = QgsProcessingOutputLayerDefinition(str(through_qgis), QgsProject.instance())
    processing.run("lisworkbench:gistar", {"INPUT": f"{areas}|layername=areas", "FIELD": "rate",
                                           "OUTPUT": definition})
    one, other = _layer_state(straight), _layer_state(through_qgis)
    assert one.pop("name") == "straight" and other.pop("name") == "through_qgis"
    assert one["index"] == other["index"] == 1
    assert len(one["features"]) == 200 and one == other
    styled = QgsVectorLayer(str(straight), "spots", "ogr")
    assert styled.renderer().type() == "categorizedSymbol"  # the default style saved in the file
    assert styled.featureCount() == 200


def test_the_straight_writer_takes_the_plain_case_and_declines_the_rest(areas, tmp_path):
    from qgis.core import QgsWkbTypes

    from lis_workbench.qgis_bridge.frames import read_frame
    from lis_workbench.qgis_bridge.gpkg_output import write_gpkg

    layer = QgsVectorLayer(f"{areas}|layername=areas", "areas", "ogr")
    frame = read_frame(layer, geometry=True, all_fields=True)
    out = tmp_path / "copy.gpkg"
    assert write_gpkg(str(out), frame, layer.fields(), layer.wkbType(), layer.crs())
    copy, original = _layer_state(out), _layer_state(areas)
    assert copy.pop("name") == "copy" and original.pop("name") == "areas"
    assert copy.pop("index") == 1
    original.pop("index")
    assert copy == original
    # 3D geometry is left to QGIS, and nothing is left behind
    assert not write_gpkg(str(tmp_path / "z.gpkg"), frame, layer.fields(), QgsWkbTypes.Type.MultiPolygonZ, layer.crs())
    assert not (tmp_path / "z.gpkg").exists()


def test_whole_numbers_read_as_floats_go_back_to_integer_fields_as_cell_writes_them():
    """An integer field with a missing value comes back as floats (NaN): the column is converted at once, as the
    value-by-value rule (cell) converts each one, NULL for the missing."""
    import pandas as pd
    from qgis.PyQt.QtCore import QVariant

    from lis_workbench.qgis_bridge.frames import cell, column_cells

    column = pd.Series([3.0, float("nan"), 32844.0, -1.0])
    for kind in (QVariant.Type.Int, QVariant.Type.LongLong):
        cells = column_cells(column, kind)
        assert cells == [3, None, 32844, -1] and all(type(c) is int for c in cells if c is not None)
    assert column_cells(column, QVariant.Type.Int) == [cell(v, QVariant.Type.Int) for v in column]

"""Turn engine frames (area_code, values, WKB geometry) into QGIS features and layers, with provenance."""

from __future__ import annotations

import math

import pandas as pd
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsLayerMetadata,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

BNG = "EPSG:27700"

INDICATOR_FIELDS = (("area_code", QVariant.String), ("area_name", QVariant.String), ("period", QVariant.String),
                    ("value", QVariant.Double), ("numerator", QVariant.Double), ("denominator", QVariant.Double),
                    ("lower_ci", QVariant.Double), ("upper_ci", QVariant.Double), ("suppressed", QVariant.Int))


def indicator_fields() -> QgsFields:
    """The fields of an indicator layer: value field `value`, plus area_code, area_name, period, ..."""
    fields = QgsFields()
    for name, kind in INDICATOR_FIELDS:
        fields.append(QgsField(name, kind))
    return fields


def _cell(value):
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, bool):
        return int(value)
    return value.item() if hasattr(value, "item") else value


def features_from_frame(frame: pd.DataFrame, fields: QgsFields):
    """Yield one QgsFeature per row; geometry from the `geometry` WKB column."""
    names = [fields.at(i).name() for i in range(fields.count())]
    for rec in frame.itertuples(index=False):
        row = rec._asdict()
        feature = QgsFeature(fields)
        feature.setAttributes([_cell(row.get(name)) for name in names])
        wkb = row.get("geometry")
        if wkb is not None:
            geometry = QgsGeometry()
            geometry.fromWkb(wkb)
            feature.setGeometry(geometry)
        yield feature


def indicator_layer(frame: pd.DataFrame, name: str, entry: dict | None = None) -> QgsVectorLayer:
    """A memory layer of one indicator and period, with the catalogue entry as layer metadata."""
    layer = QgsVectorLayer(f"MultiPolygon?crs={BNG}", name, "memory")
    provider = layer.dataProvider()
    fields = indicator_fields()
    provider.addAttributes(list(fields))
    layer.updateFields()
    provider.addFeatures(list(features_from_frame(frame, layer.fields())))
    layer.updateExtents()
    if entry:
        set_provenance(layer, entry)
    return layer


def set_provenance(layer: QgsVectorLayer, entry: dict) -> None:
    """Record where the numbers came from in the layer's metadata (title, abstract, licence, source)."""
    metadata = QgsLayerMetadata()
    metadata.setTitle(entry.get("title") or entry.get("id", ""))
    metadata.setIdentifier(entry.get("id", ""))
    metadata.setAbstract(provenance_text(entry))
    if entry.get("licence"):
        metadata.setLicenses([entry["licence"]])
    metadata.setKeywords({"LIS Workbench": [entry.get("theme") or "", entry.get("geography") or ""],
                          "polarity": [entry.get("polarity") or "neutral"],
                          "value_type": [entry.get("value_type") or ""]})
    layer.setMetadata(metadata)


def provenance_text(entry: dict) -> str:
    parts = [f"Indicator {entry.get('id')}: {entry.get('title')}."]
    for key, label in (("period", "Period"), ("unit", "Unit"), ("polarity", "Polarity"), ("geography", "Geography"),
                       ("source", "Source"), ("partner", "Partner"), ("licence", "Licence"),
                       ("import_file", "Imported from"), ("imported_at", "Imported at"),
                       ("store", "Store"), ("store_checksum", "Store checksum")):
        if entry.get(key):
            parts.append(f"{label}: {entry[key]}.")
    return " ".join(parts)


def is_polygon_layer(layer: QgsVectorLayer) -> bool:
    return QgsWkbTypes.geometryType(layer.wkbType()) == QgsWkbTypes.PolygonGeometry


def bng() -> QgsCoordinateReferenceSystem:
    return QgsCoordinateReferenceSystem(BNG)


def areas_layer(store, geography: str) -> QgsVectorLayer:
    """A memory layer of one geography's areas (area_code, area_name) from an open store."""
    return layer_from_frame(store.areas(geography), store.geography(geography)["title"] or geography)


def layer_from_frame(frame: pd.DataFrame, name: str, geometry_type: str = "MultiPolygon") -> QgsVectorLayer:
    """A memory layer (polygons unless told: Point, LineString) from any frame with a WKB `geometry` column
    (numbers as doubles, else text)."""
    layer = QgsVectorLayer(f"{geometry_type}?crs={BNG}", name, "memory")
    fields = QgsFields()
    for column in frame.columns:
        if column == "geometry":
            continue
        kind = QVariant.Double if pd.api.types.is_numeric_dtype(frame[column]) and \
            not pd.api.types.is_bool_dtype(frame[column]) else QVariant.String
        fields.append(QgsField(str(column), kind))
    layer.dataProvider().addAttributes(list(fields))
    layer.updateFields()
    layer.dataProvider().addFeatures(list(features_from_frame(frame, layer.fields())))
    layer.updateExtents()
    return layer

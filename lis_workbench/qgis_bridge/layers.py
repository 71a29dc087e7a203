"""Turn engine frames (area_code, values, WKB geometry) into QGIS features and layers, with provenance."""

from __future__ import annotations

import pandas as pd
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFields,
    QgsLayerMetadata,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from ..core.map_study import provenance_line
from .compat import make_field
from .frames import BNG, memory_layer, write_features

INDICATOR_FIELDS = (("area_code", QVariant.Type.String), ("area_name", QVariant.Type.String), ("period",
                                                                                               QVariant.Type.String),
                    ("value", QVariant.Type.Double), ("numerator", QVariant.Type.Double), ("denominator",
                                                                                           QVariant.Type.Double),
                    ("lower_ci", QVariant.Type.Double), ("upper_ci", QVariant.Type.Double), ("suppressed",
                                                                                             QVariant.Type.Int))


def indicator_fields() -> QgsFields:
    """The fields of an indicator layer: value field `value`, plus area_code, area_name, period, ..."""
    fields = QgsFields()
    for name, kind in INDICATOR_FIELDS:
        fields.append(make_field(name, kind))
    return fields


def indicator_layer(frame: pd.DataFrame, name: str, entry: dict | None = None) -> QgsVectorLayer:
    """A memory layer of one indicator and period, with the catalogue entry as layer metadata."""
    layer = QgsVectorLayer(f"MultiPolygon?crs={BNG}", name, "memory")
    layer.dataProvider().addAttributes(list(indicator_fields()))
    layer.updateFields()
    write_features(layer.dataProvider(), frame, layer.fields())
    layer.updateExtents()
    if entry:
        set_provenance(layer, entry)
    return layer


def set_provenance(layer: QgsVectorLayer, entry: dict) -> None:
    """Record where the numbers came from in the layer's metadata (title, abstract, licence, source)."""
    layer.setMetadata(layer_metadata(entry))


def layer_metadata(entry: dict) -> QgsLayerMetadata:
    """The layer metadata of an indicator (its catalogue entry, with period, store and checksum when known)."""
    metadata = QgsLayerMetadata()
    metadata.setTitle(entry.get("title") or entry.get("id", ""))
    metadata.setIdentifier(entry.get("id", ""))
    metadata.setAbstract(provenance_text(entry))
    if entry.get("licence"):
        metadata.setLicenses([entry["licence"]])
    if entry.get("source"):
        metadata.setRights([f"Source: {entry['source']}"])
    metadata.setKeywords({"LIS Workbench": [entry.get("theme") or "", entry.get("geography") or ""],
                          "polarity": [entry.get("polarity") or "neutral"],
                          "value_type": [entry.get("value_type") or ""],
                          "unit": [entry.get("unit") or ""], "period": [str(entry.get("period") or "")],
                          "source": [entry.get("source") or ""],
                          "provenance": [provenance_line(entry) if entry.get("store") else ""],
                          "credits": [entry.get("credits") or ""]})
    return metadata


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
    return QgsWkbTypes.geometryType(layer.wkbType()) == QgsWkbTypes.GeometryType.PolygonGeometry


def bng() -> QgsCoordinateReferenceSystem:
    return QgsCoordinateReferenceSystem(BNG)


def areas_layer(store, geography: str) -> QgsVectorLayer:
    """A memory layer of one geography's areas (area_code, area_name) from an open store."""
    return layer_from_frame(store.areas(geography), store.geography(geography)["title"] or geography)


def layer_from_frame(frame: pd.DataFrame, name: str, geometry_type: str = "MultiPolygon") -> QgsVectorLayer:
    """A memory layer (polygons unless told: Point, LineString) from any frame with a WKB `geometry` column
    (numbers as doubles, else text)."""
    return memory_layer(frame, name, geometry_type, BNG)

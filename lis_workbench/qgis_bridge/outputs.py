"""Outputs that carry their provenance and their look: a layer written by an algorithm gets the layer metadata
(what it shows, its source and licence, the store checksum) and, where it has a conventional look (hot spots,
siting results, index deciles), that style, both saved inside a GeoPackage as the layer's defaults, so it opens
styled and credited in any QGIS (also after qgis_process or in a model)."""

from __future__ import annotations

from collections.abc import Callable

from qgis.core import QgsLayerMetadata, QgsProcessingUtils, QgsVectorLayer

from .compat import save_default_style


def finish_output(dest: str, context, metadata: QgsLayerMetadata | None = None,
                  style: Callable[[QgsVectorLayer], object] | None = None, style_name: str = "LIS Workbench") -> None:
    """Give the written output `dest` (its sink already closed) its metadata and style; saved into the file when
    it is a GeoPackage, kept on the layer when it is a temporary (memory) layer."""
    layer = QgsProcessingUtils.mapLayerFromString(dest, context)
    if not isinstance(layer, QgsVectorLayer) or not layer.isValid():
        return
    in_file = layer.providerType() == "ogr" and ".gpkg" in layer.source().lower()
    if in_file:
        source, name = layer.source(), layer.name()
        if "|layername=" not in source:  # a GeoPackage named alone: its (only) layer, by name
            source = f"{source}|layername={_only_layer(source)}"
        # The context's copy keeps the file open, and every write beside an open reader waits for SQLite's lock
        # (0.15-0.35 s per save here); the saves go through a layer of our own, the context reopens the file if
        # it loads it.
        store = context.temporaryLayerStore()
        if store.mapLayer(layer.id()) is not None:
            store.removeMapLayer(layer.id())
        layer = QgsVectorLayer(source, name, "ogr")
    if metadata is not None:
        layer.setMetadata(metadata)
        if in_file:
            layer.saveDefaultMetadata()
    if style is not None:
        style(layer)
        if in_file:
            save_default_style(layer, layer.name() or style_name, style_name)


def _only_layer(path: str) -> str:
    from osgeo import ogr

    ds = ogr.Open(path.split("|")[0])
    try:
        return ds.GetLayer(0).GetName()
    finally:
        ds = None

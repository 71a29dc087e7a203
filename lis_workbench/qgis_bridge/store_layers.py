"""Layers that read the store itself, so they last: saved in a project, reopened in a new QGIS, they show what the
store holds then (a partner's update included), never an empty memory layer or a deleted temporary file.

An indicator layer is the geography's layer in the store (OGR) joined, by area code, to the store's values of that
indicator and period (lis_value with a subset); both are ordinary OGR layers on the store file, opened read-only.
Results that are not in the store (hot spots, siting answers) are written to a results GeoPackage with their style.
"""

from __future__ import annotations

import os
from pathlib import Path

from qgis.core import QgsProject, QgsSettings, QgsVectorLayer, QgsVectorLayerJoinInfo

from ..core.credits import store_credits
from ..core.errors import LisError
from .layers import layer_metadata

VALUE_FIELDS = ["period", "value", "numerator", "denominator", "lower_ci", "upper_ci", "suppressed"]
RESULTS_KEY = "lis_workbench/results"


def _quoted(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _ogr(path: str, table: str, name: str, subset: str | None = None) -> QgsVectorLayer:
    uri = f"{path}|layername={table}" + (f"|subset={subset}" if subset else "")
    layer = QgsVectorLayer(uri, name, "ogr", QgsVectorLayer.LayerOptions(QgsProject.instance().transformContext()))
    if not layer.isValid():
        raise LisError(f"QGIS cannot open {table} in the store {path}.")
    return layer


def _postgres(store, table: str, name: str, subset: str | None = None, geometry: bool = True) -> QgsVectorLayer:
    """A table of a PostGIS store through QGIS's own postgres provider (it lasts in the project and re-reads
    the database), connected as the store was opened (service, host, user; a password stays with the user's
    pg_service.conf, .pgpass or QGIS's authentication database, never in the project when it was not given)."""
    from qgis.core import QgsDataSourceUri

    params = store.address.params()
    uri = QgsDataSourceUri()
    if params.get("service"):
        uri.setService(params["service"])
    uri.setConnection(params.get("host", ""), params.get("port", ""), params.get("dbname", ""),
                      params.get("user", ""), params.get("password", ""))
    if params.get("sslmode"):
        uri.setSslMode(QgsDataSourceUri.decodeSslMode(params["sslmode"]))
    uri.setDataSource(store.address.schema, table, "geom" if geometry else None, subset or "", "fid")
    if geometry:
        uri.setSrid("27700")
    layer = QgsVectorLayer(uri.uri(False), name, "postgres",
                           QgsVectorLayer.LayerOptions(QgsProject.instance().transformContext()))
    if not layer.isValid():
        raise LisError(f"QGIS cannot open {table} in the store {store.path}: {layer.error().summary()}")
    return layer


def _store_table(store, table: str, name: str, subset: str | None = None, geometry: bool = True) -> QgsVectorLayer:
    """A table of the store as a read-only QGIS layer: OGR on a store file, postgres on a PostGIS store. Read-only:
    the store is changed by imports (with their checks and audit), and a layer never edits it behind them, nor
    turns a shared file to WAL."""
    layer = _postgres(store, table, name, subset, geometry) if getattr(store, "is_database", False) else \
        _ogr(store.path, table, name, subset)
    layer.setReadOnly(True)
    return layer


def geography_layer(store, geography: str) -> QgsVectorLayer:
    """A geography's (or point layer's) own layer in the store: area_code, area_name (and a point layer's fields)."""
    info = store.geography(geography)
    return _store_table(store, info["layer_name"], info["title"] or geography)


def indicator_layer(store, indicator: str, period: str | None = None,
                    project: QgsProject | None = None) -> QgsVectorLayer:
    """An indicator and period as a layer on the store: the geography's areas joined to their values (every area;
    those without a value have an empty value), with the catalogue entry as metadata. The values layer it is
    joined to is added to `project` (default: the current one) outside the layer tree, as joins need."""
    project = project or QgsProject.instance()
    entry = store.indicator(indicator)
    period = str(period or entry["periods"][-1])
    if period not in entry["periods"]:
        raise LisError(f"Indicator '{indicator}' has no period '{period}'; it has: {', '.join(entry['periods'])}.")
    info = store.geography(entry["geography"])
    areas = _store_table(store, info["layer_name"], f"{entry['title']} ({period})")
    values = _store_table(store, "lis_value", f"{indicator} {period} (values)",
                          f'"indicator" = {_quoted(indicator)} AND "period" = {_quoted(period)}', geometry=False)
    project.addMapLayer(values, False)
    join = QgsVectorLayerJoinInfo()
    join.setJoinLayer(values)
    join.setJoinFieldName("area_code")
    join.setTargetFieldName("area_code")
    join.setJoinFieldNamesSubset(VALUE_FIELDS)
    join.setPrefix("")
    join.setUsingMemoryCache(True)
    areas.addJoin(join)
    entry.update(period=period, store=store.path, store_checksum=store.checksum(),
                 credits=store_credits(store, [entry]))
    areas.setMetadata(layer_metadata(entry))
    return areas


def results_path() -> Path:
    """The GeoPackage the dock writes results to (hot spots, siting answers): QGIS setting lis_workbench/results,
    else LIS Workbench/results.gpkg in the user's home folder."""
    chosen = QgsSettings().value(RESULTS_KEY, "") or os.path.join(os.path.expanduser("~"), "LIS Workbench",
                                                                 "results.gpkg")
    path = Path(chosen)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def keep_result(layer: QgsVectorLayer, name: str) -> QgsVectorLayer:
    """Write a result layer (with its style and metadata) into the results GeoPackage under a fresh name, and
    return it opened from there: a layer that lasts in the project."""
    from .maps import save_styled_gpkg

    path = results_path()
    table, n = name, 1
    while _has_layer(path, table):
        n += 1
        table = f"{name}_{n}"
    kept = save_styled_gpkg(layer, path, table)
    kept.setName(layer.name())
    return kept


def _has_layer(path: Path, table: str) -> bool:
    if not path.exists():
        return False
    from osgeo import ogr

    ds = ogr.Open(str(path))
    try:
        return ds is not None and ds.GetLayerByName(table) is not None
    finally:
        ds = None

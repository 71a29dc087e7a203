"""The dock's doors onto the local questions (issue 18): a custom area from the areas selected on the map, your own
events counted as an indicator, and the emerging hot spots of the chosen indicator. The dock (ui/dock.py) adds the
buttons and calls these functions; each study runs through the dock's `_run` (a QgsTask with progress and Cancel)
and calls the same engine function as `lis areas add`, `lis events import` and `lis emerging`."""

from __future__ import annotations

import csv
import html
import re

from qgis.core import (
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsProject,
    QgsVectorFileWriter,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QCoreApplication, QVariant
from qgis.PyQt.QtWidgets import QPushButton

from ..core.errors import LisError

NULLS = (None, "", "NULL")


def add_buttons(dock) -> None:
    """Emerging hot spots (on the chosen indicator), Import events… and Custom area from selection… (on the store),
    on a row under Publish website…."""
    buttons = (
        ("emergingButton", QCoreApplication.translate("LisDock", "Emerging hot spots"),
         QCoreApplication.translate("LisDock", "Where hot and cold spots of this indicator are new, intensifying, "
                                    "persistent, fading... over its periods (Gi* per period, Mann-Kendall trend, "
                                    "ArcGIS Pro's categories), added to the map styled; the CSV is written beside "
                                    "the results"), lambda: dock.emerging_hotspots()),
        ("eventsButton", QCoreApplication.translate("LisDock", "Import events…"),
         QCoreApplication.translate("LisDock", "Your own events (incidents, referrals, addresses as points or "
                                    "postcodes, with dates) counted per area and period, as rates of a store "
                                    "population if asked (opens \"Events to rates\")"), lambda: dock.import_events()),
        ("areaButton", QCoreApplication.translate("LisDock", "Custom area from selection…"),
         QCoreApplication.translate("LisDock", "The areas selected on the map (small areas of the store, or any "
                                    "polygons: small areas by population-weighted centroid) stored as a custom "
                                    "area every indicator aggregates to"), lambda: dock.custom_area_from_selection()),
    )
    for column, (attribute, text, tip, slot) in enumerate(buttons):
        button = QPushButton(text)
        button.setToolTip(tip)
        button.setEnabled(False)
        button.clicked.connect(slot)
        setattr(dock, attribute, button)
        dock.analyseLayout.addWidget(button, 4, column)


def _is(layer, kind) -> bool:
    """Whether the layer is a vector layer of this geometry type (polygons, points)."""
    return isinstance(layer, QgsVectorLayer) and QgsWkbTypes.geometryType(layer.wkbType()) == kind


def reopen(dock, select: str | None = None) -> None:
    """List the store's catalogue and geographies again (after a study added to it), keeping the chosen indicator
    (or choosing `select`) when it is listed."""
    chosen = dock.current()
    dock.open_store(dock.store.address.text)
    wanted = select or (chosen[0] if chosen else None)
    if wanted in dock.indicator_ids():
        dock.select_indicator(wanted)


# ------------------------------------------------------------------ custom area from the selection
def geography_name(title: str) -> str:
    """A store name from what the user typed: 'Wigan North' -> wigan_north."""
    name = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")
    return name if re.match(r"[a-z]", name) else f"area_{name}".rstrip("_")


def store_codes(store, layer: QgsVectorLayer, features: list) -> tuple[list[str], str | None]:
    """The selected features' area codes and the store geography holding all of them (the small areas first), or
    ([], None) when the layer is not one of the store's geographies."""
    index = layer.fields().lookupField("area_code")
    if index < 0:
        return [], None
    codes = [str(f.attributes()[index]) for f in features]
    if any(code in NULLS for code in codes):
        return [], None
    geographies = store.geographies()
    names = list(geographies.loc[geographies["kind"] == "areas", "name"])
    small = store.setting("small_area_geography")
    for name in sorted(names, key=lambda n: n != small):
        if set(codes) <= set(store.area_codes(name)):
            return sorted(set(codes)), name
    return [], None


def write_polygons(layer: QgsVectorLayer, features: list, title: str, path) -> None:
    """The selected polygons as one area (field name = title) in a GeoPackage, in the layer's own CRS."""
    copy = QgsVectorLayer("MultiPolygon", "selection", "memory")
    copy.setCrs(layer.crs())
    copy.dataProvider().addAttributes([QgsField("name", QVariant.Type.String)])
    copy.updateFields()
    for feature in features:
        geometry = QgsGeometry(feature.geometry())
        geometry.convertToMultiType()
        out = QgsFeature(copy.fields())
        out.setGeometry(geometry)
        out.setAttributes([title])
        copy.dataProvider().addFeature(out)
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName, options.layerName = "GPKG", "selection"
    written = QgsVectorFileWriter.writeAsVectorFormatV3(copy, str(path), QgsProject.instance().transformContext(),
                                                        options)
    if written[0] != QgsVectorFileWriter.WriterError.NoError:
        raise LisError(f"Could not write the selection to {path}: {written[1]}")


def custom_area_from_selection(dock, name: str | None = None, layer=None):
    """One custom area named `name` (asked for when not given) from the features selected in `layer` (default:
    the active layer): their codes when they are areas of a store geography (as `lis areas add --codes`), else the
    small areas whose population-weighted centroid lies in the polygons (`--from-layer --method centroid`). The
    selection is kept beside the results GeoPackage as the custom area's source. Returns the task."""
    from ..core.custom_areas import add_custom_areas
    from ..qgis_bridge.store_layers import results_path

    if dock.store is None:
        return None
    layer = layer or dock.iface.activeLayer()
    if not _is(layer, QgsWkbTypes.GeometryType.PolygonGeometry):
        return dock._say(QCoreApplication.translate("LisDock", "Choose a polygon layer in the Layers panel and "
                                                    "select the areas on the map first."))
    features = list(layer.getSelectedFeatures())
    if not features:
        return dock._say(QCoreApplication.translate("LisDock", "Select the areas of {layer} on the map first (the "
                                                    "Select Features tool).").format(layer=layer.name()))
    if name is None:
        from qgis.PyQt.QtWidgets import QInputDialog

        name, ok = QInputDialog.getText(dock, QCoreApplication.translate("LisDock", "Custom area from selection"),
                                        QCoreApplication.translate("LisDock", "Name of the custom area (e.g. Wigan "
                                                                   "North):"))
        if not ok:
            return None
    title = name.strip()
    geography = geography_name(title)
    if not title or geography in dock.store.geography_names():
        return dock._say(f"The store already has a geography '{geography}': choose another name." if title else
                         "Give the custom area a name.")
    codes, of = store_codes(dock.store, layer, features)
    try:
        if codes:
            source = results_path().with_name(f"{geography}_selection.csv")
            with open(source, "w", encoding="utf-8", newline="") as out:
                csv.writer(out).writerows([("code", "name"), *((code, title) for code in codes)])
            options: dict = {"codes": source, "of": of}
        else:
            source = results_path().with_name(f"{geography}_selection.gpkg")
            source.unlink(missing_ok=True)
            write_polygons(layer, features, title, source)
            options = {"layer_file": source, "method": "centroid", "name_field": "name"}
    except (OSError, LisError) as exc:
        return dock._say(exc)

    def done(built):
        from ..qgis_bridge.store_layers import geography_layer

        reopen(dock)
        QgsProject.instance().addMapLayer(geography_layer(dock.store, built.name))
        fit = built.definition["areas"][0]
        shares = "".join(f"; {label} {fit[key]:.1%}" for key, label in (
            ("whole_population_share", "people in whole small areas"), ("land_inside", "land inside"))
            if fit.get(key) is not None and not codes)  # areas listed by code fit whole
        dock.statusLabel.setText(html.escape(
            f"Added custom area {title}: {len(fit['small_areas'])} areas of {built.of}{shares}. Lookup "
            f"{built.lookup} (aggregate any indicator to it). " + " ".join(built.warnings)))

    return dock._run("Adding a custom area", lambda store, progress, cancelled: add_custom_areas(
        store, geography, **options), done)


# ------------------------------------------------------------------ events
def event_inputs(dock) -> dict:
    """The "Events to rates" inputs the dock knows: the store, its small areas, their newest population and the
    active layer's file when it is a layer of points."""
    from ..core.custom_areas import population_of

    geography = dock.store.setting("small_area_geography") or "lsoa11"
    inputs = {"STORE": dock.store.address.text, "GEOGRAPHY": geography}
    try:
        inputs["DENOMINATOR"] = population_of(dock.store, geography)[0] or ""
    except LisError:
        pass
    layer = dock.iface.activeLayer()
    if _is(layer, QgsWkbTypes.GeometryType.PointGeometry) and layer.providerType() == "ogr":
        path, _, rest = layer.source().partition("|")
        inputs["INPUT"] = path
        inputs["LAYER"] = rest.partition("layername=")[2].partition("|")[0]
    return inputs


def import_events(dock, params: dict | None = None):
    """Without params, open "Events to rates" with what the dock knows and list the catalogue again afterwards.
    With params (`file` and the fields of core.events.EventSpec, as `lis events import` takes them), count the
    events in a task and choose the new indicator. Returns the task (None for the dialog)."""
    from ..core.events import EventSpec, report_lines
    from ..core.events import import_events as run_import

    if dock.store is None:
        return None
    if params is None:
        import processing

        processing.execAlgorithmDialog("lisworkbench:eventrates", event_inputs(dock))
        reopen(dock)
        return None
    options = dict(params)
    path = str(options.pop("file"))
    spec = EventSpec(**options)

    def done(result):
        reopen(dock, select=result.indicator)
        dock.statusLabel.setText(html.escape(" · ".join(report_lines(result))))

    return dock._run("Counting events", lambda store, progress, cancelled: run_import(
        store, path, spec, progress=progress), done)


# ------------------------------------------------------------------ emerging hot spots
def emerging_hotspots(dock, start: str | None = None, end: str | None = None):
    """Emerging hot spots of the chosen indicator over its periods (`start` to `end`, default all), added to the map
    styled and kept in the results GeoPackage; the CSV (as `lis emerging --csv`) beside it. Returns the task."""
    from ..core.emerging_study import EmergingStudy, run_emerging_study
    from ..qgis_bridge.cache import weights_cache

    chosen = dock.current()
    if chosen is None:
        return None
    study = EmergingStudy(chosen[0], start, end)
    cache = weights_cache()

    def done(result):
        from ..core.safe_csv import write_csv
        from ..qgis_bridge.emerging_style import style_emerging
        from ..qgis_bridge.layers import layer_from_frame, set_provenance
        from ..qgis_bridge.store_layers import keep_result, results_path

        layer = layer_from_frame(result.table.drop(columns=["mk_tau"]),
                                 f"{result.entry['title']} (emerging hot spots)")
        style_emerging(layer, result.entry.get("polarity"))
        set_provenance(layer, dict(result.entry, period=result.page.period))
        kept = keep_result(layer, f"{chosen[0]}_emerging")
        QgsProject.instance().addMapLayer(kept)
        table = results_path().with_name(f"{chosen[0]}_emerging.csv")
        try:
            write_csv(result.csv_table(), table)
        except OSError as exc:
            return dock._say(exc)
        dock.statusLabel.setText(html.escape(" ".join([result.summary, *result.result.notes, f"CSV: {table}"])))

    return dock._run("Finding emerging hot spots", lambda store, progress, cancelled: run_emerging_study(
        store, study, progress, cancelled, cache=cache), done)

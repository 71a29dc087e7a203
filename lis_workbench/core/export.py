"""Export an indicator from the store to CSV (values) or a GeoPackage layer (values with boundaries)."""

from __future__ import annotations

from pathlib import Path

from osgeo import ogr

from .errors import LisError
from .safe_csv import write_csv
from .store import Store
from .store.layers import write_layer
from .suppression import apply, apply_by_period, store_rule
from .whole_files import written_whole

ogr.UseExceptions()


def export_indicator(store: Store, indicator: str, out: str, period: str | None = None) -> int:
    """Write one indicator (one period, or every period to CSV with period='all'); returns rows written."""
    suffix = Path(out).suffix.lower()
    if suffix not in (".csv", ".gpkg"):
        raise LisError(f"{out}: export writes .csv or .gpkg files.")
    entry = store.indicator(indicator)
    rule = store_rule(store)
    if suffix == ".csv":
        frame = store.get_series(indicator) if period == "all" else store.get_values(indicator, period)
        frame, _ = apply_by_period(entry, frame, rule)
        frame.insert(0, "indicator", indicator)
        write_csv(frame, out)
        return len(frame)
    if period == "all":
        raise LisError("A GeoPackage export holds one period: name it, or give none for the latest.",
                       option="period")
    frame, notes = apply(entry, store.get_values(indicator, period, with_geometry=True), rule)
    entry = dict(entry, notes_out=" ".join(notes))
    fields = [("area_code", ogr.OFTString), ("area_name", ogr.OFTString), ("period", ogr.OFTString),
              ("value", ogr.OFTReal), ("numerator", ogr.OFTReal), ("denominator", ogr.OFTReal),
              ("lower_ci", ogr.OFTReal), ("upper_ci", ogr.OFTReal), ("suppressed", ogr.OFTInteger)]
    rows = []
    for rec in frame.itertuples(index=False):
        values = [rec.area_code, rec.area_name, rec.period] + [
            None if v != v else float(v) for v in (rec.value, rec.numerator, rec.denominator, rec.lower_ci,
                                                   rec.upper_ci)] + [int(rec.suppressed)]
        rows.append((values, ogr.CreateGeometryFromWkb(rec.geometry)))
    if Path(out).exists():  # another layer in the user's GeoPackage (OGR writes it in one transaction)
        write_layer(out, indicator, ogr.wkbMultiPolygon, fields, rows)
        _describe(out, indicator, entry)
        return len(rows)
    with written_whole(out) as partial:  # a new file appears whole or not at all
        ogr.GetDriverByName("GPKG").CreateDataSource(str(partial))
        write_layer(str(partial), indicator, ogr.wkbMultiPolygon, fields, rows)
        _describe(str(partial), indicator, entry)
    return len(rows)


def _describe(path: str, layer: str, entry: dict) -> None:
    """Put the indicator's title and source into the layer's GeoPackage description."""
    ds = ogr.Open(path, update=1)
    lyr = ds.GetLayerByName(layer)
    lyr.SetMetadataItem("DESCRIPTION", f"{entry['title']}. Source: {entry.get('source') or 'unknown'}. "
                                       f"Licence: {entry.get('licence') or 'unknown'}."
                        + (f" {entry['notes_out']}" if entry.get("notes_out") else ""))
    ds = None

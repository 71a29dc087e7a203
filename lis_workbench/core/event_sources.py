"""Where and when each event happened: rows of an events file (a CSV or any OGR layer) turned into British National
Grid coordinates and periods, each row with the reason it cannot be used, if any (core.events counts them).

Locations come from x/y columns (any EPSG code, EPSG:27700 by default), from a layer's point geometry, or from a
postcode column through a postcode lookup the user supplies (an ONS Postcode Directory extract: pcds or pcd,
oseast1m, osnrth1m, doterm). Dates are read as day-first (15/01/2023, the British way) or ISO (2023-01-15)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from osgeo import gdal, ogr, osr

from .errors import GeographyError, ParameterError
from .errors import ImportValidationError as Invalid
from .partner_csv import read_bytes, read_table
from .store.layers import BNG_EPSG, source_crs

gdal.UseExceptions()
ogr.UseExceptions()

#: Period kinds and how a date becomes one: month 2023-01, quarter 2023-Q1, year 2023.
PERIOD_KINDS = ("month", "quarter", "year")
#: Date layouts tried on a date column (time of day ignored); the one that reads most cells is used for all.
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d-%b-%Y", "%d %B %Y",
                "%Y-%m")
#: Column names of a postcode lookup, as the ONS Postcode Directory spells them (first found wins).
LOOKUP_CODE = ("pcds", "pcd", "pcd2", "pcd7", "pcd8", "postcode")
LOOKUP_EAST = ("oseast1m", "easting", "x")
LOOKUP_NORTH = ("osnrth1m", "northing", "y")
LOOKUP_TERMINATED = ("doterm",)
CSV_SUFFIXES = (".csv", ".txt")

#: Why a row cannot be counted (empty: it can, once it is located); core.events adds "outside".
UNKNOWN_POSTCODE, BAD_COORDINATES, BAD_DATE = "unknown postcode", "bad coordinates", "bad date"


@dataclass
class EventRows:
    """The rows of an events file: coordinates in EPSG:27700 (NaN where unusable), period, why a row is unusable
    ("" when it is usable), whether its postcode is terminated, and how rows are named in messages."""

    file: str
    raw: bytes
    x: np.ndarray
    y: np.ndarray
    period: np.ndarray
    problem: np.ndarray
    terminated: np.ndarray
    labels: list[str]
    method: str  # how the rows were located, in words for the provenance


def read_events(path: str, *, date_column: str, period: str, x_column: str | None = None,
                y_column: str | None = None, crs: str | int | None = None, postcode_column: str | None = None,
                postcode_lookup: str | None = None, layer: str | None = None,
                encoding: str = "utf-8-sig") -> EventRows:
    """Read an events file into coordinates (EPSG:27700) and periods, flagging rows that cannot be used."""
    if period not in PERIOD_KINDS:
        raise ParameterError(f"The period must be month, quarter or year, not '{period}'.", option="period")
    if postcode_column and (x_column or y_column):
        raise ParameterError("Give either x and y columns or a postcode column, not both.", option="postcode")
    if postcode_column and not postcode_lookup:
        raise ParameterError("Postcodes are located through a postcode lookup file (e.g. an ONS Postcode Directory "
                             "extract with pcds, oseast1m, osnrth1m and doterm): name it.", option="postcode_lookup")
    if bool(x_column) != bool(y_column):
        raise ParameterError("Give both the x (easting or longitude) and the y (northing or latitude) column.",
                             option="x" if not x_column else "y")
    name = Path(path).name
    raw = read_bytes(path)
    is_csv = Path(path).suffix.lower() in CSV_SUFFIXES
    if is_csv:
        table, geometry_xy, layer_srs = read_table(path, raw, encoding), None, None
        labels = [f"row {i}" for i in range(2, len(table) + 2)]
        if not (postcode_column or x_column):
            raise ParameterError("A CSV of events needs its x and y columns, or a postcode column and a postcode "
                                 "lookup, to say where each event happened.", option="x")
    else:
        table, geometry_xy, layer_srs = _read_layer(path, layer)
        labels = [f"feature {i}" for i in range(1, len(table) + 1)]
    for column in (date_column, x_column, y_column, postcode_column):
        if column and column not in table.columns:
            raise Invalid(f"has no column '{column}' (its columns are: {', '.join(map(str, table.columns))}).",
                          file=name, row=1, column=column)
    periods, bad_date = dates_to_periods(table[date_column], period, name, date_column)
    terminated = np.zeros(len(table), dtype=bool)
    if postcode_column:
        x, y, unknown, terminated = postcodes_to_points(table[postcode_column], postcode_lookup or "")
        problem = np.where(unknown, UNKNOWN_POSTCODE, np.where(np.isnan(x) | np.isnan(y), BAD_COORDINATES, ""))
        method = f"postcodes in column '{postcode_column}' through {Path(postcode_lookup or '').name}"
    else:
        if x_column or geometry_xy is None:
            x, y = _numbers(table[x_column]), _numbers(table[y_column])
            srs = source_crs(None, str(crs) if crs else str(BNG_EPSG), name)
            method = f"coordinates in columns '{x_column}', '{y_column}' ({_srs_words(srs)})"
        else:
            x, y = geometry_xy
            srs = source_crs(layer_srs, str(crs) if crs else None, name)
            method = f"point geometries ({_srs_words(srs)})"
        x, y = to_british_grid(x, y, srs, name)
        problem = np.where(np.isnan(x) | np.isnan(y), BAD_COORDINATES, "")
    problem = np.where((problem == "") & bad_date, BAD_DATE, problem).astype(object)
    return EventRows(name, raw, x, y, periods, problem, terminated, labels, method)


# ------------------------------------------------------------------ dates
def dates_to_periods(cells: pd.Series, period: str, file: str, column: str) -> tuple[np.ndarray, np.ndarray]:
    """(period of each row, bad-date flags): month 2023-01, quarter 2023-Q1 or year 2023. Each cell is read by the
    first of DATE_FORMATS that reads it, the layout reading most cells first (day first: 03/04/2023 is 3 April, and
    04/13/2023 is not a date); a time of day is ignored."""
    text = cells.fillna("").astype(str).str.strip().str.replace(r"[T ]\d{1,2}:\d{2}.*$", "", regex=True)
    filled = text != ""
    cells_read = {}  # each distinct cell read by every layout that reads it (strptime: the same in every pandas)
    for layout in DATE_FORMATS:
        cells_read[layout] = {cell: _read_date(cell, layout) for cell in pd.unique(text[filled])}
        cells_read[layout] = {cell: when for cell, when in cells_read[layout].items() if when is not None}
    order = sorted(DATE_FORMATS, key=lambda layout: -len(cells_read[layout]))  # stable among equals
    dates: dict[str, pd.Timestamp] = {}
    for layout in reversed(order):  # the layout reading most cells has the last word
        dates.update(cells_read[layout])
    if not dates:
        shown = text[filled].iloc[0] if filled.any() else ""
        raise Invalid(f"no cell is a date (e.g. '{shown}'); dates may be written 2023-01-15 or 15/01/2023.",
                      file=file, column=column)
    best = pd.to_datetime(text.map(dates))
    bad = best.isna().to_numpy()
    years = best.dt.year.fillna(0).astype(int).astype(str).str.zfill(4)
    if period == "year":
        labels = years
    elif period == "month":
        labels = years + "-" + best.dt.month.fillna(1).astype(int).astype(str).str.zfill(2)
    else:
        labels = years + "-Q" + ((best.dt.month.fillna(1).astype(int) - 1) // 3 + 1).astype(str)
    return np.where(bad, "", labels.to_numpy(dtype=object)).astype(object), bad


def _read_date(cell: str, layout: str) -> pd.Timestamp | None:
    try:
        return pd.Timestamp(datetime.strptime(cell, layout))
    except ValueError:
        return None


# ------------------------------------------------------------------ coordinates
def to_british_grid(x: np.ndarray, y: np.ndarray, srs: osr.SpatialReference,
                    file: str) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates in `srs` as EPSG:27700 (NaN where a point is missing, not finite or cannot be converted).
    Degrees said to be metres are refused, as for boundary files."""
    x, y = np.asarray(x, float).copy(), np.asarray(y, float).copy()
    good = np.isfinite(x) & np.isfinite(y)
    if srs.IsProjected() and good.any():
        if (np.abs(x[good]) <= 180).all() and (np.abs(y[good]) <= 90).all():
            raise GeographyError(f"{file}: the coordinates run from {x[good].min():g}, {y[good].min():g} to "
                                 f"{x[good].max():g}, {y[good].max():g}, which look like longitude/latitude in "
                                 f"degrees, but they are said to be in {_srs_words(srs)} (metres). Say they are "
                                 "EPSG:4326.", option="crs")
    if srs.IsGeographic():
        good &= (np.abs(x) <= 180) & (np.abs(y) <= 90)
    x[~good], y[~good] = np.nan, np.nan
    bng = osr.SpatialReference()
    bng.ImportFromEPSG(BNG_EPSG)
    bng.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    if srs.IsSame(bng) or not good.any():
        return x, y
    transform = osr.CoordinateTransformation(srs, bng)
    index = np.flatnonzero(good)
    try:
        moved = np.asarray(transform.TransformPoints(np.column_stack([x[index], y[index]]).tolist()), float)
    except RuntimeError:  # one point that cannot be converted fails the batch: convert one by one
        moved = np.array([_one(transform, x[i], y[i]) for i in index], float)
    x[index], y[index] = moved[:, 0], moved[:, 1]
    bad = ~(np.isfinite(x) & np.isfinite(y))
    x[bad], y[bad] = np.nan, np.nan
    return x, y


def _one(transform: osr.CoordinateTransformation, x: float, y: float) -> tuple[float, float]:
    try:
        out = transform.TransformPoint(float(x), float(y))
        return out[0], out[1]
    except RuntimeError:
        return np.nan, np.nan


def _numbers(cells: pd.Series) -> np.ndarray:
    """Text cells as numbers (NaN for empty cells and text that is not a number)."""
    return pd.to_numeric(cells.astype(str).str.strip().str.replace(",", "", regex=False),
                         errors="coerce").to_numpy(float)


def _srs_words(srs: osr.SpatialReference) -> str:
    code = srs.GetAuthorityCode(None)
    return f"EPSG:{code}" if code else (srs.GetName() or "the file's CRS")


# ------------------------------------------------------------------ layers
def _read_layer(path: str, layer: str | None) -> tuple[pd.DataFrame, tuple[np.ndarray, np.ndarray],
                                                       osr.SpatialReference | None]:
    """A layer's attributes as text, its points' x and y (NaN where a feature has no point) and its CRS."""
    try:
        ds = gdal.OpenEx(path, gdal.OF_VECTOR | gdal.OF_READONLY)
    except RuntimeError as exc:
        raise GeographyError(f"Could not open {path} as a vector file: {exc}") from exc
    lyr = ds.GetLayerByName(layer) if layer else ds.GetLayer(0)
    if lyr is None:
        names = [ds.GetLayer(i).GetName() for i in range(ds.GetLayerCount())]
        raise GeographyError(f"{path} has no layer '{layer}'; its layers are: {', '.join(names)}.", option="layer")
    defn = lyr.GetLayerDefn()
    fields = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    rows, xs, ys = [], [], []
    for feat in lyr:
        rows.append([feat.GetFieldAsString(i) if feat.IsFieldSetAndNotNull(i) else "" for i in range(len(fields))])
        geom = feat.GetGeometryRef()
        if geom is not None and not geom.IsEmpty() and ogr.GT_Flatten(geom.GetGeometryType()) == ogr.wkbMultiPoint \
                and geom.GetGeometryCount() == 1:
            geom = geom.GetGeometryRef(0)
        if geom is None or geom.IsEmpty() or ogr.GT_Flatten(geom.GetGeometryType()) != ogr.wkbPoint:
            xs.append(np.nan)
            ys.append(np.nan)
        else:
            xs.append(geom.GetX())
            ys.append(geom.GetY())
    if not rows:
        raise Invalid("has no features.", file=Path(path).name)
    srs = lyr.GetSpatialRef()
    srs = srs.Clone() if srs is not None else None
    ds = None
    return pd.DataFrame(rows, columns=fields, dtype=object), (np.array(xs, float), np.array(ys, float)), srs


# ------------------------------------------------------------------ postcodes
def normalise_postcode(cells: pd.Series) -> pd.Series:
    """Postcodes compared without spaces or case: 'wn1 1au', 'WN11AU' and 'WN1  1AU' are one postcode."""
    return cells.fillna("").astype(str).str.upper().str.replace(r"[^0-9A-Z]", "", regex=True)


def read_postcode_lookup(path: str) -> pd.DataFrame:
    """A postcode lookup (ONS Postcode Directory or an extract): postcode (normalised), x, y (EPSG:27700, NaN
    without a grid reference) and terminated. Only its needed columns are read (the full directory is ~1 GB);
    a postcode listed twice keeps its live entry."""
    name = Path(path).name
    try:
        header = pd.read_csv(path, nrows=0, dtype=str, encoding="utf-8-sig").columns
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise Invalid(f"cannot be read as a CSV postcode lookup ({exc}).", file=name) from None
    lower = {str(c).strip().lower(): c for c in header}

    def pick(names: tuple[str, ...], what: str, required: bool = True) -> str | None:
        found = next((lower[n] for n in names if n in lower), None)
        if found is None and required:
            raise Invalid(f"has no {what} column ({' or '.join(names)}); its columns are: "
                          f"{', '.join(map(str, header))}.", file=name, row=1)
        return found

    code, east = pick(LOOKUP_CODE, "postcode"), pick(LOOKUP_EAST, "easting")
    north, term = pick(LOOKUP_NORTH, "northing"), pick(LOOKUP_TERMINATED, "termination date", required=False)
    columns = [c for c in (code, east, north, term) if c is not None]
    table = pd.read_csv(path, usecols=columns, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    out = pd.DataFrame({"postcode": normalise_postcode(table[code]), "x": _numbers(table[east]),
                        "y": _numbers(table[north]),
                        "terminated": (table[term].str.strip() != "") if term else False})
    out = out[out["postcode"] != ""]
    return out.sort_values(["postcode", "terminated"], kind="stable").drop_duplicates("postcode").set_index("postcode")


def postcodes_to_points(cells: pd.Series, lookup_path: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, unknown, terminated) of each postcode: its grid reference in the lookup (NaN when it has none);
    unknown when the lookup does not list it; terminated postcodes keep their last grid reference."""
    lookup = read_postcode_lookup(lookup_path)
    codes = normalise_postcode(cells)
    matched = lookup.reindex(codes.to_numpy())
    unknown = ~codes.isin(lookup.index).to_numpy()
    terminated = matched["terminated"].eq(True).to_numpy(dtype=bool)
    return matched["x"].to_numpy(float), matched["y"].to_numpy(float), unknown, terminated

"""The store's geographies: boundary layers and facility point layers, written in the store's own transaction
(feature_tables.py) with their catalogue rows, checked (CRS, Great Britain, codes), and read back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd
from osgeo import ogr

from ..errors import GeographyError
from . import feature_tables, layers, postgres
from .base import StoreBase, basename, now
from .names import check_layer_name


@dataclass
class GeographyReport:
    """What add_geography did: features written, geometries repaired, features dropped."""

    name: str
    feature_count: int
    repaired: list[str] = field(default_factory=list)
    pruned: dict = field(default_factory=dict)  # codes, values {indicator: n}, lookups {name: n}, emptied_*


class GeographyStore(StoreBase):
    """Adding, replacing and reading geographies and point layers."""

    def add_geography(self, name: str, source: str, *, layer: str | None = None,
                      code_field: str | None = None, name_field: str | None = None,
                      title: str | None = None, replace: bool = False, crs: str | None = None,
                      prune: bool = False) -> GeographyReport:
        """Add a polygon layer (any OGR file, any CRS) as geography `name`, in EPSG:27700.

        Invalid geometries are repaired (and reported); missing or duplicate codes are errors; a file that does
        not say its CRS needs `crs`; areas outside Great Britain are refused. Replacing a geography may not drop
        codes that values or lookups still use unless `prune` deletes those values and lookup rows too."""
        check_layer_name(name)
        self._check_new_geography(name, replace)
        features, fields = layers.read_source(source, layer, crs)
        if not features:
            raise GeographyError(f"{source} has no features.")
        code_field = code_field or _guess_field(fields, ("area_code", "code", "cd"), source, "area code")
        name_field = name_field or _name_field_for(code_field, fields)
        seen: dict[str, int] = {}
        rows, repaired = [], []
        for feat in features:
            code = feat.attributes.get(code_field)
            code = str(code).strip() if code is not None else ""
            if not code:
                raise GeographyError(f"{source}, feature {feat.row}: the area code ('{code_field}') is empty.")
            if code in seen:
                raise GeographyError(f"{source}, feature {feat.row}: area code {code} is repeated "
                                     f"(first at feature {seen[code]}). Area codes must be unique.")
            seen[code] = feat.row
            if feat.geometry is None:
                raise GeographyError(f"{source}, feature {feat.row} ({code}): it has no geometry.")
            geom, was_repaired = layers.as_multipolygon(feat.geometry)
            if geom is None:
                raise GeographyError(f"{source}, feature {feat.row} ({code}): it is not a polygon "
                                     "(or nothing is left of it after repair).")
            if was_repaired:
                repaired.append(code)
            area_name = feat.attributes.get(name_field) if name_field else None
            rows.append(((code, None if area_name is None else str(area_name)), geom))
        pruned = self._write_layer_and_register(name, "areas", f"geo_{name}", "MULTIPOLYGON",
                                                ["area_code", "area_name"], rows, title or name, source,
                                                len(repaired), prune)
        return GeographyReport(name, len(rows), repaired, pruned)

    def add_points(self, name: str, frame: pd.DataFrame, x: str, y: str, *, crs_epsg: int = 27700,
                   code_field: str | None = None, name_field: str | None = None,
                   title: str | None = None, source: str | None = None,
                   replace: bool = False) -> int:
        """Add a facilities point layer from a table with coordinates (any CRS EPSG code), checked to lie in
        Great Britain."""
        from osgeo import osr

        check_layer_name(name)
        self._check_new_geography(name, replace)
        where = source or name
        src = layers.source_crs(None, str(crs_epsg), where)
        transform = None if crs_epsg == layers.BNG_EPSG else osr.CoordinateTransformation(src, layers._bng())
        keep = [c for c in frame.columns if c not in (x, y)]
        rows, source_points = [], []
        for i, rec in enumerate(frame.itertuples(index=False), start=2):
            values = dict(zip(frame.columns, rec))
            try:
                px, py = float(values[x]), float(values[y])
            except (TypeError, ValueError):
                raise GeographyError(f"{where}, row {i}: coordinates '{values[x]}', '{values[y]}' "
                                     "are not numbers.") from None
            if pd.isna(px) or pd.isna(py):
                raise GeographyError(f"{where}, row {i}: the coordinates are missing.")
            source_points.append((px, px, py, py))
            pt = ogr.Geometry(ogr.wkbPoint)
            pt.AddPoint_2D(px, py)
            if transform is not None:
                pt.Transform(transform)
            code = values.get(code_field) if code_field else i - 1
            label = values.get(name_field) if name_field else None
            attrs = [str(code), None if label is None else str(label)]
            attrs += [None if pd.isna(values[c]) else str(values[c]) for c in keep]
            rows.append((attrs, pt))
        layers.check_coordinates(source_points, src, where)
        layers.check_in_great_britain([(f"row {i}", pt.GetEnvelope()) for i, (_, pt) in enumerate(rows, start=2)],
                                      where)
        fields = ["area_code", "area_name"]
        for column in keep:
            safe = _safe_field(column)
            while safe in fields:
                safe = f"src_{safe}"
            fields.append(safe)
        self._write_layer_and_register(name, "points", f"pts_{name}", "POINT", fields, rows, title or name,
                                       source, 0, prune=False)
        return len(rows)

    def _check_new_geography(self, name: str, replace: bool) -> None:
        if name in self.geography_names() and not replace:
            raise GeographyError(f"The store already has a geography or layer called '{name}'.", option="replace")

    def _write_layer_and_register(self, name: str, kind: str, layer_name: str, geometry_type: str,
                                  fields: list[str], rows: list, title: str, source: str | None, repaired: int,
                                  prune: bool) -> dict:
        """Write the layer and its catalogue rows in one transaction (codes dropped by a replacement checked, or
        pruned, inside it); returns what was pruned."""
        with self._write(f"adding geography {name}"):
            return self._register_layer(name, kind, layer_name, geometry_type, fields, rows, title, source,
                                        repaired, prune)

    def _register_layer(self, name: str, kind: str, layer_name: str, geometry_type: str, fields: list[str],
                        rows: list, title: str, source: str | None, repaired: int, prune: bool) -> dict:
        """The body of _write_layer_and_register, inside the caller's write (custom areas add their lookup and
        definition in the same transaction)."""
        conn = self._conn
        codes = [(name, values[0], values[1]) for values, _ in rows]
        old = conn.execute("SELECT layer_name FROM lis_geography WHERE name = ?", (name,)).fetchone()
        pruned = self._release_codes(name, {c for _, c, _ in codes}, prune) if old else {}
        if self.is_database:
            if old and old[0] != layer_name:
                postgres.drop_feature_table(conn, old[0])
            postgres.replace_feature_table(conn, layer_name, geometry_type, fields, rows)
        else:
            if old and old[0] != layer_name:
                feature_tables.drop_table(conn, self.kind, old[0])
            feature_tables.replace_table(conn, self.kind, layer_name, geometry_type, fields, rows)
        conn.execute("DELETE FROM lis_geography WHERE name = ?", (name,))
        conn.execute("DELETE FROM lis_area WHERE geography = ?", (name,))
        conn.execute(
            "INSERT INTO lis_geography (name, kind, title, layer_name, source, feature_count, "
            "repaired, added_at) VALUES (?,?,?,?,?,?,?,?)",
            (name, kind, title, layer_name, basename(source), len(rows), repaired, now()))
        self._insert_rows("lis_area", ("geography", "area_code", "area_name"), codes)
        self._audit("add_geography", name, source, None, len(rows), None,
                    f"{kind} layer {layer_name}" + (f", {repaired} geometries repaired" if repaired else "")
                    + (f"; pruned {_pruned_words(pruned)}" if pruned else ""))
        return pruned

    def _release_codes(self, geography: str, kept: set[str], prune: bool) -> dict:
        """Codes of `geography` not in `kept` that values or lookups still use: refused, or (prune) deleted with
        those values and lookup rows. Runs inside the replacing transaction. Returns what was pruned."""
        conn = self._conn
        dropped = sorted(set(self.area_codes(geography)) - kept)
        if not dropped:
            return {}
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS lis_dropped (area_code TEXT PRIMARY KEY)")
        conn.execute("DELETE FROM temp.lis_dropped")
        conn.executemany("INSERT INTO temp.lis_dropped VALUES (?)", [(c,) for c in dropped])
        value_where = ("indicator IN (SELECT id FROM lis_catalogue WHERE geography = ?) "
                       "AND area_code IN (SELECT area_code FROM temp.lis_dropped)")
        lookup_where = ("(lookup IN (SELECT name FROM lis_lookup WHERE from_geography = ?) AND from_code IN "
                        "(SELECT area_code FROM temp.lis_dropped)) OR (lookup IN (SELECT name FROM lis_lookup "
                        "WHERE to_geography = ?) AND to_code IN (SELECT area_code FROM temp.lis_dropped))")
        values = dict(conn.execute(f"SELECT indicator, COUNT(*) FROM lis_value WHERE {value_where} "  # nosec B608
                                   "GROUP BY indicator ORDER BY indicator", (geography,)).fetchall())
        lookups = dict(conn.execute(f"SELECT lookup, COUNT(*) FROM lis_lookup_row WHERE {lookup_where} "  # nosec B608
                                    "GROUP BY lookup ORDER BY lookup", (geography, geography)).fetchall())
        used = [r[0] for r in conn.execute(
            f"SELECT DISTINCT area_code FROM lis_value WHERE {value_where} UNION SELECT from_code FROM "  # nosec B608
            f"lis_lookup_row WHERE {lookup_where} UNION SELECT to_code FROM lis_lookup_row WHERE {lookup_where} "
            "ORDER BY 1", (geography, geography, geography, geography, geography))]
        used = [c for c in used if c in set(dropped)]
        if not used:
            return {}
        what = {"codes": used, "values": values, "lookups": lookups}
        if not prune:
            raise GeographyError(
                f"The new boundaries of {geography} leave out {len(used)} area code(s) that the store still uses: "
                f"{', '.join(used[:10])}{', ...' if len(used) > 10 else ''} ({_pruned_words(what)}). Nothing was "
                "changed. Give boundaries that keep those codes, or prune: delete those values and lookup rows "
                "with the old areas.", option="prune")
        conn.execute(f"DELETE FROM lis_value WHERE {value_where}", (geography,))  # nosec B608
        conn.execute(f"DELETE FROM lis_lookup_row WHERE {lookup_where}", (geography, geography))  # nosec B608
        for ind in values:
            conn.execute("UPDATE lis_catalogue SET row_count = (SELECT COUNT(*) FROM lis_value WHERE indicator = ?) "
                         "WHERE id = ?", (ind, ind))
        what["emptied_indicators"] = [r[0] for r in conn.execute(
            "SELECT id FROM lis_catalogue c WHERE geography = ? AND NOT EXISTS (SELECT 1 FROM lis_value v WHERE "
            "v.indicator = c.id) ORDER BY id", (geography,))]
        conn.executemany("DELETE FROM lis_catalogue WHERE id = ?", [(i,) for i in what["emptied_indicators"]])
        what["emptied_lookups"] = [r[0] for r in conn.execute(
            "SELECT name FROM lis_lookup l WHERE NOT EXISTS (SELECT 1 FROM lis_lookup_row r WHERE r.lookup = l.name)"
            " ORDER BY name")]
        conn.executemany("DELETE FROM lis_lookup WHERE name = ?", [(n,) for n in what["emptied_lookups"]])
        return what

    def geography_names(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT name FROM lis_geography ORDER BY name")]

    def geographies(self) -> pd.DataFrame:
        """One row per geography or point layer: name, kind, title, layer, source, features."""
        return self._frame("SELECT name, kind, title, layer_name, source, feature_count, repaired, added_at "
                           "FROM lis_geography ORDER BY kind, name")

    def geography(self, name: str) -> dict:
        row = self._conn.execute("SELECT name, kind, title, layer_name, feature_count FROM lis_geography "
                                 "WHERE name = ?", (name,)).fetchone()
        if row is None:
            known = ", ".join(self.geography_names()) or "none yet"
            raise GeographyError(f"The store has no geography '{name}' (it has: {known}).")
        return dict(zip(("name", "kind", "title", "layer_name", "feature_count"), row))

    def area_codes(self, geography: str) -> dict[str, str | None]:
        """{area_code: area_name} of one geography."""
        self.geography(geography)
        return dict(self._conn.execute(
            "SELECT area_code, area_name FROM lis_area WHERE geography = ?", (geography,)).fetchall())

    def areas(self, geography: str, with_geometry: bool = True) -> pd.DataFrame:
        """The areas of a geography: area_code, area_name (and geometry as WKB)."""
        info = self.geography(geography)
        frame = pd.DataFrame(sorted(self.area_codes(geography).items()), columns=["area_code", "area_name"])
        if with_geometry:
            wkb = self._geometries(info["layer_name"])
            frame["geometry"] = frame["area_code"].map(wkb)
        return frame

    def points(self, name: str, where: str | None = None) -> pd.DataFrame:
        """A facilities point layer (or any geography, at its features' centroids) as a table with every
        attribute plus x, y in EPSG:27700, optionally filtered by an attribute expression."""
        info = self.geography(name)
        rows = layers.read_points(self.address.ogr_source(), info["layer_name"], where)
        frame = pd.DataFrame(rows)
        if frame.empty:
            frame = pd.DataFrame(columns=["area_code", "area_name", "x", "y"])
        return frame


def _pruned_words(what: dict) -> str:
    """'75 values of 3 indicators (a, b, c) and 12 rows of lookup x' for a refusal or the audit log."""
    values, lookups = what.get("values", {}), what.get("lookups", {})
    parts = []
    if values:
        parts.append(f"{sum(values.values())} value(s) of {len(values)} indicator(s): {', '.join(list(values)[:6])}"
                     + (", ..." if len(values) > 6 else ""))
    if lookups:
        parts.append(f"{sum(lookups.values())} row(s) of lookup(s) {', '.join(lookups)}")
    return " and ".join(parts)


def _safe_field(column: str) -> str:
    out = "".join(ch if ch.isalnum() else "_" for ch in str(column).lower()).strip("_")
    return out if out and out[0].isalpha() else f"f_{out}"


def _name_field_for(code_field: str, fields: list[str]) -> str | None:
    """The name field that goes with a code field: area_name / name, or LSOA11CD -> LSOA11NM. Never a guess
    such as LAD17NM beside an LSOA code, which would label every area with its district."""
    lowered = {f.lower(): f for f in fields}
    for exact in ("area_name", "name"):
        if exact in lowered:
            return lowered[exact]
    code = code_field.lower()
    for suffix in ("cd", "code"):
        if code.endswith(suffix):
            partner = code[: -len(suffix)] + ("nm" if suffix == "cd" else "name")
            if partner in lowered:
                return lowered[partner]
    return None


def _guess_field(fields: list[str], hints: Sequence[str], source: str, what: str) -> str:
    lowered = {f.lower(): f for f in fields}
    for hint in hints:
        if hint in lowered:
            return lowered[hint]
    for hint in hints:
        for low, orig in lowered.items():
            if low.endswith(hint):
                return orig
    raise GeographyError(f"{source}: could not tell which field holds the {what}; its fields are "
                         f"{', '.join(fields)}. Name the code field.", option="code_field")

"""Store recipes: a TOML file listing the geographies, point layers, lookups and partner files of a
store, so a whole store can be rebuilt (or refreshed) with one command."""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .errors import LisError
from .geography import MIN_SHARE, OverlapLookup, best_fit_lookup, centroids_from_polygons, overlap_lookup, read_lookup
from .ingest import ImportReport, ImportSpec, import_file, read_table
from .store import Store

Progress = Callable[[float, str], None]
SPEC_KEYS = ("geography", "layout", "code_column", "period_column", "period", "period_format",
             "indicator_column", "indicator", "id_prefix", "title_template", "allow_unmatched", "replace",
             "encoding")


@dataclass
class BuildReport:
    """What a recipe built: the store path and one ImportReport per partner file."""

    path: str
    imports: list[ImportReport] = field(default_factory=list)
    unmatched: dict[str, list[str]] = field(default_factory=dict)


def load_recipe(path: str | Path) -> dict:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except OSError as exc:
        raise LisError(f"Cannot read the recipe {path}: {exc.strerror}.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise LisError(f"The recipe {path} is not valid TOML: {exc}.") from exc


def spec_from_recipe(step: dict) -> ImportSpec:
    """An ImportSpec from one [[import]] table of a recipe."""
    spec = ImportSpec(**{k: step[k] for k in SPEC_KEYS if k in step})
    spec.defaults = dict(step.get("defaults", {}))
    for column, target in step.get("columns", {}).items():
        meta = {"id": target} if isinstance(target, str) else dict(target)
        spec.value_columns[column] = meta["id"]
        spec.metadata[meta["id"]] = meta
    for column, template in step.get("values", {}).items():
        spec.value_columns[column] = template
        spec.layout = spec.layout or "long"
    for ind_id, target in step.get("sums", {}).items():
        spec.sum_columns[ind_id] = list(target["columns"])
        spec.metadata[ind_id] = {"id": ind_id, **{k: v for k, v in target.items() if k != "columns"}}
    return spec


def build_store(recipe_path: str | Path, out_path: str | Path, *, overwrite: bool = True,
                progress: Progress | None = None) -> BuildReport:
    """Create a store at out_path and run every step of the recipe, in order."""
    progress = progress or (lambda fraction, message: None)
    recipe = load_recipe(recipe_path)
    base = Path(recipe_path).resolve().parent
    steps = ([("geography", s) for s in recipe.get("geography", [])]
             + [("points", s) for s in recipe.get("points", [])]
             + [("lookup", s) for s in recipe.get("lookup", [])]
             + [("import", s) for s in recipe.get("import", [])]
             + [("benchmarks", s) for s in recipe.get("benchmarks", [])])
    report = BuildReport(str(out_path))
    store = Store.create(out_path, overwrite=overwrite)
    try:
        for number, (kind, step) in enumerate(steps):
            progress(number / len(steps), f"{kind}: {step.get('name') or step.get('file')}")
            if kind == "geography":
                store.add_geography(step["name"], str(base / step["file"]), title=step.get("title"),
                                    code_field=step.get("code_field"), name_field=step.get("name_field"))
            elif kind == "points":
                file = base / step["file"]
                frame = read_table(str(file), file.read_bytes())
                store.add_points(step["name"], frame, step["x"], step["y"], crs_epsg=step.get("epsg", 27700),
                                 code_field=step.get("code_field"), name_field=step.get("name_field"),
                                 title=step.get("title"), source=str(file))
            elif kind == "lookup":
                report.unmatched[step["name"]] = _lookup_step(store, step, base)
            elif kind == "benchmarks":
                _benchmarks_step(store, step, base)
            else:
                report.imports.append(import_file(store, str(base / step["file"]), spec_from_recipe(step)))
        _check_denominators(store, Path(recipe_path).name)
        settings = recipe.get("settings", {})
        if settings:
            store.set_settings({k: ",".join(v) if isinstance(v, list) else str(v) for k, v in settings.items()})
        progress(1.0, "Store built")
    finally:
        store.close()
    return report


def _check_denominators(store: Store, recipe_name: str) -> None:
    """Every denominator the catalogue names must be an indicator of the store, on the same geography."""
    catalogue = store.catalogue().set_index("id")
    for ind, row in catalogue[catalogue["denominator"].notna()].iterrows():
        den = row["denominator"]
        if den not in catalogue.index:
            raise LisError(f"{recipe_name}: indicator '{ind}' names denominator '{den}', which the recipe does "
                           "not import.")
        if catalogue.loc[den, "geography"] != row["geography"]:
            raise LisError(f"{recipe_name}: indicator '{ind}' is on {row['geography']} but its denominator "
                           f"'{den}' is on {catalogue.loc[den, 'geography']}.")


def _lookup_step(store: Store, step: dict, base: Path) -> list[str]:
    method = step.get("method", "best_fit")
    if method == "overlap":
        weights = None
        if "weights_file" in step:
            weights = weights_from_file(base / step["weights_file"], step.get("weights_code_column", "area_code"),
                                        step.get("weights_value_column", "value"))
        done = add_overlap_lookup(store, step["name"], step["from"], step["to"], weights,
                                  float(step.get("min_share", MIN_SHARE)),
                                  source=Path(step["weights_file"]).name if "weights_file" in step else None)
        return done.unmatched
    if method != "best_fit":
        frame = read_lookup(base / step["file"], step["from_column"], step["to_column"], step.get("weight_column"))
        store.add_lookup(step["name"], step["from"], step["to"], frame, method="given", source=step["file"])
        return []
    centroids = base / step["centroids"] if "centroids" in step else None
    return add_best_fit_lookup(store, step["name"], step["from"], step["to"], centroids,
                               step.get("centroids_epsg", 4326))


def _benchmarks_step(store: Store, step: dict, base: Path) -> int:
    """A [[benchmarks]] step: file (long CSV: indicator, period, area_code, value, ...), optional source text and
    replace. Runs after the imports, because benchmark values must name indicators of the catalogue."""
    file = base / step["file"]
    raw = file.read_bytes()
    frame = read_table(str(file), raw)
    return store.add_benchmarks(frame, step.get("source"), file=str(file), checksum=hashlib.sha256(raw).hexdigest(),
                                replace=bool(step.get("replace", False)))


def add_best_fit_lookup(store: Store, name: str, from_geography: str, to_geography: str,
                        centroids: Path | None = None, centroids_epsg: int = 4326,
                        replace: bool = False) -> list[str]:
    """Add a best-fit lookup: each from-area goes to the to-area holding its centroid (population-weighted
    centroids from a CSV when given, else the from-polygons' own). Returns the codes left unmatched."""
    target = store.areas(to_geography)
    polygons = dict(zip(target["area_code"], target["geometry"]))
    if centroids is not None:
        points = centroid_points(Path(centroids), centroids_epsg)
        source = Path(centroids).name
    else:
        origin = store.areas(from_geography)
        points = centroids_from_polygons(dict(zip(origin["area_code"], origin["geometry"])))
        source = f"centroids of {from_geography}"
    points = points[points["area_code"].isin(set(store.area_codes(from_geography)))]
    pairs, unmatched = best_fit_lookup(points, polygons)
    store.add_lookup(name, from_geography, to_geography, pairs, method="best_fit", source=source,
                     replace=replace)
    return unmatched


def add_overlap_lookup(store: Store, name: str, from_geography: str, to_geography: str,
                       weights: pd.Series | None = None, min_share: float = MIN_SHARE, *,
                       source: str | None = None, replace: bool = False) -> OverlapLookup:
    """Add an overlap lookup from one edition of a geography to the next (e.g. LSOA 2011 -> 2021): old areas
    split by land, or by `weights` (the new areas' population) when given. Returns what changed."""
    origin, target = store.areas(from_geography), store.areas(to_geography)
    done = overlap_lookup(dict(zip(origin["area_code"], origin["geometry"])),
                          dict(zip(target["area_code"], target["geometry"])),
                          None if weights is None else weights.to_dict(), min_share)
    store.add_lookup(name, from_geography, to_geography, done.pairs, method="overlap",
                     source=f"{source or 'boundaries'}; by {done.weighting}; {done.counts_text()}", replace=replace)
    return done


def weights_from_file(path: Path, code_column: str, value_column: str) -> pd.Series:
    """Weights by area code from a CSV, summed over its rows (e.g. census residents by age group -> all ages)."""
    frame = read_table(str(path), Path(path).read_bytes())
    missing = [c for c in (code_column, value_column) if c not in frame.columns]
    if missing:
        raise LisError(f"{path} has no column(s) {', '.join(missing)}; its columns are {', '.join(frame.columns)}.")
    values = pd.to_numeric(frame[value_column], errors="coerce")
    bad = frame.index[values.isna() | (values < 0)]
    if len(bad):
        raise LisError(f"{path}, row {int(bad[0]) + 2}, column {value_column}: '{frame.loc[bad[0], value_column]}' "
                       "is not a count of people (a number of 0 or more).")
    return values.groupby(frame[code_column].astype(str).str.strip()).sum()


def centroid_points(path: Path, epsg: int) -> pd.DataFrame:
    """Read a centroid CSV (code, x/lon, y/lat) into area_code, x, y in British National Grid."""
    from osgeo import osr

    frame = pd.read_csv(path, dtype={0: str})
    code, xcol, ycol = frame.columns[:3]
    frame = frame.rename(columns={code: "area_code", xcol: "x", ycol: "y"})
    if epsg != 27700:
        src, dst = osr.SpatialReference(), osr.SpatialReference()
        src.ImportFromEPSG(epsg)
        dst.ImportFromEPSG(27700)
        for srs in (src, dst):
            srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        transform = osr.CoordinateTransformation(src, dst)
        xy = transform.TransformPoints(frame[["x", "y"]].to_numpy(float).tolist())
        frame["x"] = [p[0] for p in xy]
        frame["y"] = [p[1] for p in xy]
    return frame[["area_code", "x", "y"]]

"""Partner CSV import: infer the layout and geography, validate every cell, then write all or nothing.

Long files have an area code, a period and a value column (optionally an indicator column and
numerator / denominator / confidence-interval columns); wide files have an area code column and one
column per indicator. Suppressed cells ("*", "c", "..", "-", "x", ":") become suppressed values.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .choices import LAYOUTS, PERIOD_FORMATS
from .errors import ImportValidationError as Invalid
from .errors import ParameterError
from .geography import aggregation_kind
from .partner_csv import SUPPRESSED_MARKERS, check_encoding, parse_numbers, read_bytes, read_table
from .store import POLARITIES, Store, ValueRows
from .store.names import check_indicator_id, shortened_id

__all__ = ["SUPPRESSED_MARKERS", "ImportReport", "ImportSpec", "build_batches", "check_spec", "derived_id",
           "import_file", "parse_numbers", "read_table", "report_lines", "slug", "spec_from_options"]

EXTRA_COLUMNS = ("numerator", "denominator", "lower_ci", "upper_ci")
COUNT_COLUMNS = ("numerator", "denominator")  # counts of people or events, whatever the indicator
PERIOD_HINTS = ("period", "date", "year", "month", "time_period", "time")
META_FIELDS = ("title", "theme", "unit", "value_type", "polarity", "source", "partner", "licence", "notes",
               "denominator")

Progress = Callable[[float, str], None]


@dataclass
class ImportSpec:
    """How to read one partner file. Anything left None is inferred from the file and the store."""

    geography: str | None = None
    layout: str | None = None  # "long" or "wide"
    code_column: str | None = None
    period_column: str | None = None
    period: str | None = None  # the one period of a file without a period column
    period_format: str | None = None  # "month" (YYYY-MM) or "year" (YYYY) from dates
    indicator_column: str | None = None  # long: the column naming each row's indicator
    indicator: str | None = None  # long without an indicator column: the indicator's id
    value_columns: dict[str, str | None] = field(default_factory=dict)  # column -> id (or id template, or None)
    extra_columns: dict[str, str] = field(default_factory=dict)  # numerator/denominator/... -> column
    sum_columns: dict[str, list[str]] = field(default_factory=dict)  # wide: new id -> columns summed
    id_prefix: str = ""
    title_template: str | None = None  # e.g. "IMD 2015 {name} score"
    metadata: dict[str, dict] = field(default_factory=dict)  # id -> title/theme/unit/polarity/...
    defaults: dict = field(default_factory=dict)  # metadata for every indicator of the file
    allow_unmatched: bool = False
    replace: bool = False
    encoding: str = "utf-8-sig"


@dataclass
class ImportReport:
    """What an import wrote (or, for a dry run, would write)."""

    file: str
    geography: str
    layout: str
    indicators: list[str]
    periods: list[str]
    rows: int
    suppressed: int
    empty_cells: int
    skipped_codes: list[str]
    ignored_columns: list[str]


def import_file(store: Store, path: str, spec: ImportSpec | None = None, *, dry_run: bool = False,
                progress: Progress | None = None) -> ImportReport:
    """Validate a CSV fully, then write every indicator in it in one transaction."""
    spec = spec or ImportSpec()
    check_spec(spec)
    denominator = spec.defaults.get("denominator")
    if denominator:
        store.indicator(denominator)  # named clearly now, not found missing at the first comparison
    progress = progress or (lambda fraction, message: None)
    progress(0.0, f"Reading {Path(path).name}")
    raw = read_bytes(path)
    table = read_table(path, raw, spec.encoding)
    progress(0.2, "Checking area codes")
    batches, report = build_batches(store, table, spec, path)
    progress(0.6, f"Writing {len(batches)} indicator(s)")
    if not dry_run:
        store.write_indicators(batches, file=path, checksum=hashlib.sha256(raw).hexdigest(),
                               replace=spec.replace, skipped_codes=report.skipped_codes)
    progress(1.0, "Done")
    return report


def spec_from_options(*, value_columns: list[str] | tuple[str, ...] = (), metadata: dict | None = None,
                      defaults: dict | None = None, **options) -> ImportSpec:
    """An ImportSpec from a door's options: value columns as 'column' or 'column=id' items, the catalogue fields
    for every indicator of the file (empty ones left out), per-indicator metadata, and any ImportSpec field."""
    spec = ImportSpec(**{k: v for k, v in options.items() if v is not None})
    for item in value_columns:
        column, _, ind_id = str(item).partition("=")
        if column.strip():
            spec.value_columns[column.strip()] = ind_id.strip() or None
    spec.defaults = {k: v for k, v in (defaults or {}).items() if v}
    spec.metadata = {k: dict(v, id=k) for k, v in (metadata or {}).items()}
    return spec


def report_lines(report: ImportReport, dry_run: bool = False) -> list[str]:
    """What an import did, in the words every door prints: a headline, then what was skipped or kept aside."""
    verb = "Would import" if dry_run else "Imported"
    lines = [f"{verb} {len(report.indicators)} indicator(s), {report.rows} values on {report.geography} "
             f"({report.layout} layout), periods {', '.join(report.periods[:6])}"
             + ("..." if len(report.periods) > 6 else "")]
    if report.suppressed:
        lines.append(f"{report.suppressed} suppressed value(s) kept as suppressed")
    if report.empty_cells:
        lines.append(f"{report.empty_cells} empty cell(s) skipped")
    if report.ignored_columns:
        lines.append(f"text columns not imported: {', '.join(report.ignored_columns)}")
    if report.skipped_codes:
        lines.append(f"{len(report.skipped_codes)} unknown area code(s) skipped (recorded in the audit log): "
                     f"{', '.join(report.skipped_codes[:10])}")
    return lines


def check_spec(spec: ImportSpec) -> None:
    """Refuse settings that would otherwise be ignored or misread (a usage mistake, not a fault in the file)."""
    if spec.layout is not None and spec.layout not in LAYOUTS:
        raise ParameterError(f"The layout must be long or wide, not '{spec.layout}'.", option="layout")
    if spec.period_format is not None and spec.period_format not in PERIOD_FORMATS:
        raise ParameterError(f"The period format must be month (dates become 2015-01) or year (2015), not "
                             f"'{spec.period_format}'.", option="period_format")
    check_encoding(spec.encoding)
    if spec.indicator is not None:
        check_indicator_id(spec.indicator, option="indicator")
    for column, template in spec.value_columns.items():
        if template:
            fill_template(template, "slug", "name", option="value_column", what=f"the id for column '{column}'")
    if spec.title_template:
        fill_template(spec.title_template, "slug", "name", option="title_template", what="the title template")


def fill_template(template: str, slug_text: str, name: str, *, option: str = "value_column",
                  what: str = "the id template") -> str:
    """Put a label into a template by plain substitution of {slug} (the label as an id) and {name} (as written);
    any other brace is refused (a template is not a Python format string)."""
    rest = template.replace("{slug}", "").replace("{name}", "")
    if "{" in rest or "}" in rest:
        raise ParameterError(f"{what[:1].upper()}{what[1:]} ('{template}') has a brace that is not {{slug}} or "
                             "{name}; those are the only placeholders (e.g. imd2015_{slug}_score).", option=option)
    return template.replace("{slug}", slug_text).replace("{name}", name)


def slug(text: str) -> str:
    """An indicator id from a name: lower case, words joined by underscores."""
    out = re.sub(r"[^0-9a-z]+", "_", str(text).lower()).strip("_")
    return out or "indicator"


def build_batches(store: Store, table: pd.DataFrame, spec: ImportSpec,
                  path: str) -> tuple[list[ValueRows], ImportReport]:
    """Turn a parsed table into validated ValueRows, one per indicator (raises on any fault)."""
    name = Path(path).name
    columns = list(table.columns)
    for col in [spec.code_column, spec.period_column, spec.indicator_column, *spec.value_columns,
                *spec.extra_columns.values(), *(c for cols in spec.sum_columns.values() for c in cols)]:
        if col and col not in columns:
            raise Invalid(f"has no column '{col}' (its columns are: {', '.join(columns)}).", file=name, row=1,
                          column=col)
    code_col, geography = _resolve_geography(store, table, spec, name)
    codes = table[code_col].astype(str).str.strip()
    empty_code = codes == ""
    if empty_code.any():
        raise Invalid("the area code is empty.", file=name, row=int(np.argmax(empty_code.to_numpy())) + 2,
                      column=code_col)
    known = store.area_codes(geography)
    unmatched = ~codes.isin(known)
    skipped: list[str] = []
    if unmatched.any():
        bad = list(dict.fromkeys(codes[unmatched]))
        if not spec.allow_unmatched:
            first = int(np.argmax(unmatched.to_numpy())) + 2
            raise Invalid(
                f"{len(bad)} area code(s) are not in geography {geography}, e.g. {', '.join(bad[:5])}. "
                "Check the codes, or import the rest and skip these (they are recorded in the audit log).",
                file=name, row=first, column=code_col, option="allow_unmatched")
        skipped = bad
    periods, period_col = _resolve_periods(table, spec, name, code_col)
    layout = spec.layout or ("long" if (spec.indicator_column or spec.indicator or
                                        any(c.lower() == "value" for c in columns)) else "wide")
    keep = ~unmatched.to_numpy()
    if layout == "long":
        batches, ignored, stats = _long_batches(table, spec, name, code_col, codes, periods, keep)
    else:
        batches, ignored, stats = _wide_batches(table, spec, name, code_col, period_col, codes, periods, keep)
    if not batches:
        raise Invalid("no indicator columns found: give the value column(s) to import.", file=name)
    ids = [b.entry["id"] for b in batches]
    clash = sorted({i for i in ids if ids.count(i) > 1})
    if clash:  # otherwise the later batch silently overwrites the earlier one in the store
        raise Invalid(f"several columns or indicator names would be stored as the same indicator id "
                      f"({', '.join(clash)}); give each value column its own id ('column=id').", file=name,
                      option="value_column")
    stored = store.catalogue().set_index("id")
    for batch in batches:
        batch.entry["geography"] = geography
        _check_duplicates(batch, name, code_col)
        catalogued = stored.loc[batch.entry["id"]] if batch.entry["id"] in stored.index else None
        _check_counts(batch, name, catalogued)
        _check_period_spelling(batch, name, period_col, [] if catalogued is None else catalogued["periods"])
    for batch in batches:
        batch.frame = batch.frame.drop(columns="row")
    report = ImportReport(
        file=name, geography=geography, layout=layout, indicators=[b.entry["id"] for b in batches],
        periods=sorted({p for b in batches for p in b.frame["period"]}),
        rows=sum(len(b.frame) for b in batches), suppressed=stats[0], empty_cells=stats[1],
        skipped_codes=skipped, ignored_columns=ignored)
    return batches, report


def _resolve_geography(store: Store, table: pd.DataFrame, spec: ImportSpec, name: str) -> tuple[str, str]:
    geographies = {g: set(store.area_codes(g)) for g in store.geographies().query("kind == 'areas'")["name"]}
    if not geographies:
        raise Invalid("the store has no geographies yet; add boundaries to it first.", file=name)
    candidates = [spec.code_column] if spec.code_column else list(table.columns)
    best: tuple[int, str | None, str | None] = (0, None, None)  # hits, code column, geography
    tied: list[str] = []
    for col in candidates:
        values = set(table[col].astype(str).str.strip())
        for geog, codes in geographies.items():
            hits = len(values & codes)
            if hits > best[0]:
                best, tied = (hits, col, geog), [geog]
            elif hits and hits == best[0] and col == best[1]:
                tied.append(geog)
    hits, code_col, found = best
    if len(tied) > 1 and code_col is not None:  # e.g. LSOA 2011 and 2021 codes mostly coincide: its name may tell
        hinted = [g for g in tied if re.sub(r"\D", "", g) and re.sub(r"\D", "", g) in code_col]
        if len(hinted) == 1:
            tied, found = hinted, hinted[0]
    if len(tied) > 1 and not spec.geography:
        raise Invalid(f"the codes in column '{code_col}' fit several geographies equally well "
                      f"({', '.join(tied)}); say which geography the file is on.", file=name, column=code_col,
                      option="geography")
    if spec.geography:
        if spec.geography not in geographies:
            raise Invalid(f"the store has no geography '{spec.geography}' (it has: "
                          f"{', '.join(sorted(geographies))}).", file=name)
        col = spec.code_column or code_col or candidates[0]
        values = set(table[col].astype(str).str.strip())
        own = len(values & geographies[spec.geography])
        if found and found != spec.geography and hits > own:
            raise Invalid(f"the codes in column '{col}' belong to geography {found} ({hits} of {len(values)} "
                          f"match), not {spec.geography}. Import it as {found}, or check the file.",
                          file=name, column=col)
        if own == 0 and spec.code_column is None:
            raise Invalid(f"no column holds area codes of geography {spec.geography}; name the code column.",
                          file=name, option="code_column")
        return col, spec.geography
    if code_col is None or found is None:  # both or neither
        raise Invalid("no column holds area codes known to the store (geographies: "
                      f"{', '.join(sorted(geographies))}). Add the geography first, or name the code "
                      "column.", file=name, column=spec.code_column, option="code_column")
    return code_col, found


def _resolve_periods(table: pd.DataFrame, spec: ImportSpec, name: str,
                     code_col: str) -> tuple[pd.Series, str | None]:
    """Each row's period (from the period column, named or recognised, or the one given) and that column."""
    period_column = spec.period_column
    if period_column is None and spec.period is None:
        period_column = next((c for c in table.columns if c != code_col and c.lower() in PERIOD_HINTS), None)
    if period_column is None:
        if spec.period is None:
            raise Invalid("has no period column (period, date, year, ...); say which period the file is "
                          "for (e.g. 2019).", file=name, option="period")
        return pd.Series([str(spec.period)] * len(table), index=table.index), None
    periods = table[period_column].astype(str).str.strip()
    empty = periods == ""
    if empty.any():
        raise Invalid("the period is empty.", file=name, row=int(np.argmax(empty.to_numpy())) + 2,
                      column=period_column)
    if spec.period_format in ("month", "year"):
        dates = pd.to_datetime(periods, errors="coerce", format="mixed") if _pandas2() else \
            pd.to_datetime(periods, errors="coerce")
        bad = dates.isna()
        if bad.any():
            row = int(np.argmax(bad.to_numpy())) + 2
            raise Invalid(f"'{periods[bad].iloc[0]}' is not a date.", file=name, row=row,
                          column=period_column)
        periods = dates.dt.strftime("%Y-%m" if spec.period_format == "month" else "%Y")
    return periods, period_column


def _pandas2() -> bool:
    return int(pd.__version__.split(".")[0]) >= 2


def _numeric_column(table: pd.DataFrame, col: str, name: str, keep: np.ndarray, strict: bool):
    """Parse one column; raise on the first non-number (strict) or return None if it is a label column."""
    values, suppressed, empty, bad = parse_numbers(table[col])
    bad &= keep
    if bad.any():
        if not strict and bad.sum() > (~empty & keep).sum() / 2:
            return None
        row = int(np.argmax(bad)) + 2
        raise Invalid(f"'{table[col].iloc[row - 2]}' is not a number ({int(bad.sum())} cell(s) in this "
                      "column are not numbers; suppressed cells may be *, c, .., -, x or :).",
                      file=name, row=row, column=col)
    return values, suppressed, empty


def _frame(codes, periods, values, suppressed, rows, extras=None, columns=None) -> pd.DataFrame:
    """The rows of one indicator; attrs["columns"] names the file's column behind each field (for errors)."""
    frame = pd.DataFrame({"area_code": codes.to_numpy()[rows], "period": periods.to_numpy()[rows],
                          "value": values[rows], "suppressed": suppressed[rows], "row": np.flatnonzero(rows) + 2})
    for col in EXTRA_COLUMNS:
        frame[col] = extras[col][rows] if extras and col in extras else np.nan
    frame.attrs["columns"] = dict(columns or {})
    return frame


def _entry(spec: ImportSpec, ind_id: str, name: str, column: str, file: str | None = None) -> dict:
    try:
        check_indicator_id(ind_id)
    except ParameterError as exc:
        raise Invalid(f"{exc}", file=file, column=column, option="value_column") from None
    title = fill_template(spec.title_template, slug(name), str(name), option="title_template",
                          what="the title template") if spec.title_template else \
        str(name).replace("_", " ").strip().capitalize()
    meta = {"id": ind_id, "title": title, "polarity": "neutral"}
    meta.update({k: v for k, v in spec.defaults.items() if k in META_FIELDS})
    meta.update({k: v for k, v in spec.metadata.get(ind_id, {}).items() if k in META_FIELDS})
    if meta["polarity"] not in POLARITIES:
        raise Invalid(f"polarity of {ind_id} must be one of {', '.join(POLARITIES)}, not '{meta['polarity']}'.",
                      file=file, column=column)
    return meta


def derived_id(name: str, prefix: str = "") -> str:
    """The id an indicator gets from its column (or label) when none is given: prefix + slug, a long one
    shortened with a stable suffix."""
    return shortened_id(prefix + slug(name))


def _indicator_id(spec: ImportSpec, template: str | None, name: str) -> str:
    if template:
        return fill_template(template, slug(name), str(name))
    return derived_id(name, spec.id_prefix)


def _long_batches(table, spec, name, code_col, codes, periods, keep):
    value_cols = dict(spec.value_columns)
    if not value_cols:
        col = next((c for c in table.columns if c.lower() == "value"), None)
        if col is None:
            raise Invalid("long layout needs a value column: name it.", file=name, option="value_column")
        value_cols = {col: spec.indicator or ""}
    extras_cols = dict(spec.extra_columns)
    for extra in EXTRA_COLUMNS:
        match = next((c for c in table.columns if c.lower() == extra), None)
        if match and extra not in extras_cols:
            extras_cols[extra] = match
    extras = {k: _numeric_column(table, c, name, keep, True)[0] for k, c in extras_cols.items()}
    groups = (table[spec.indicator_column].astype(str).str.strip() if spec.indicator_column
              else pd.Series([""] * len(table), index=table.index))
    batches, suppressed_total, empty_total = [], 0, 0
    for col, template in value_cols.items():
        values, suppressed, empty = _numeric_column(table, col, name, keep, True)
        for group in dict.fromkeys(groups):
            label = group or col
            if not spec.indicator_column and not template:
                template = derived_id(Path(name).stem if col.lower() == "value" else col, spec.id_prefix)
            ind_id = _indicator_id(spec, template, label)
            rows = keep & (groups == group).to_numpy() & ~empty
            empty_total += int((keep & (groups == group).to_numpy() & empty).sum())
            suppressed_total += int(suppressed[rows].sum())
            batches.append(ValueRows(_entry(spec, ind_id, label, col, name),
                                     _frame(codes, periods, values, suppressed, rows, extras,
                                            {"value": col, **extras_cols})))
    return batches, [], (suppressed_total, empty_total)


def _wide_batches(table, spec, name, code_col, period_col, codes, periods, keep):
    skip = {code_col, period_col}
    explicit = bool(spec.value_columns) or bool(spec.sum_columns)
    candidates = list(spec.value_columns) if explicit else [c for c in table.columns if c not in skip]
    batches, ignored, suppressed_total, empty_total = [], [], 0, 0
    parsed = {}
    for col in candidates:
        result = _numeric_column(table, col, name, keep, strict=explicit)
        if result is None:
            ignored.append(col)
            continue
        parsed[col] = result
    for col, (values, suppressed, empty) in parsed.items():
        ind_id = _indicator_id(spec, spec.value_columns.get(col), col)
        rows = keep & ~empty
        empty_total += int((keep & empty).sum())
        suppressed_total += int(suppressed[rows].sum())
        batches.append(ValueRows(_entry(spec, ind_id, col, col, name),
                                 _frame(codes, periods, values, suppressed, rows, columns={"value": col})))
    for ind_id, cols in spec.sum_columns.items():
        parts = [_numeric_column(table, c, name, keep, True) for c in cols]
        values = np.sum([p[0] for p in parts], axis=0)  # NaN (empty/suppressed) makes the sum suppressed
        suppressed = np.any([p[1] for p in parts], axis=0)
        empty = np.all([p[2] for p in parts], axis=0)
        rows = keep & ~empty
        batches.append(ValueRows(_entry(spec, ind_id, ind_id, cols[0], name),
                                 _frame(codes, periods, values, suppressed, rows, columns={"value": " + ".join(cols)})))
    return batches, ignored, (suppressed_total, empty_total)


def _check_duplicates(batch: ValueRows, name: str, code_col: str) -> None:
    frame = batch.frame
    dup = frame.duplicated(["area_code", "period"], keep=False)
    if dup.any():
        first = frame[dup].iloc[0]
        rows = frame[(frame["area_code"] == first["area_code"]) & (frame["period"] == first["period"])]["row"]
        raise Invalid(f"area {first['area_code']} appears more than once for period {first['period']} "
                      f"(rows {', '.join(map(str, rows.tolist()))}) in indicator {batch.entry['id']}.",
                      file=name, row=int(rows.iloc[1]), column=code_col)


def _check_counts(batch: ValueRows, name: str, known: pd.Series | None) -> None:
    """Counts cannot be negative: the values of a count indicator (as the file's metadata or the catalogue says),
    and every numerator and denominator."""
    frame, columns = batch.frame, batch.frame.attrs.get("columns", {})
    checks = [c for c in COUNT_COLUMNS if columns.get(c)]
    value_type = batch.entry.get("value_type") or (known["value_type"] if known is not None else None)
    unit = batch.entry.get("unit") or (known["unit"] if known is not None else None)
    if aggregation_kind(value_type, unit) == "count":
        checks.insert(0, "value")
    for field_name in checks:
        negative = frame[field_name].to_numpy(float) < 0
        if negative.any():
            first = frame[negative].iloc[0]
            what = f"indicator {batch.entry['id']} is a count" if field_name == "value" else \
                f"the {field_name} is a count"
            raise Invalid(f"{first[field_name]:g} is negative, but {what} ({int(negative.sum())} negative cell(s)).",
                          file=name, row=int(first["row"]), column=columns.get(field_name))


def period_key(period: str) -> str:
    """The period a spelling means: '2011.0' (a year that went through a spreadsheet as a number) is 2011."""
    text = str(period).strip()
    return text.split(".")[0] if re.fullmatch(r"\d+\.0+", text) else text


def _check_period_spelling(batch: ValueRows, name: str, period_col: str | None, stored: list[str]) -> None:
    """One period, one spelling: '2011' and '2011.0' in the file, or in the file and the store, are refused."""
    frame = batch.frame
    spellings = frame.drop_duplicates("period")[["period", "row"]]
    known = {period_key(p): p for p in stored}
    seen: dict[str, tuple[str, int]] = {}
    for period, row in spellings.itertuples(index=False):
        key = period_key(period)
        if key in seen and seen[key][0] != period:
            raise Invalid(f"period '{period}' is spelt '{seen[key][0]}' in row {seen[key][1]}: one period must be "
                          "written one way (e.g. 2011, not 2011.0).", file=name, row=int(row), column=period_col)
        seen.setdefault(key, (period, int(row)))
        if key in known and known[key] != period:
            raise Invalid(f"period '{period}' is already in the store for {batch.entry['id']}, spelt '{known[key]}'; "
                          "write it the same way.", file=name, row=int(row), column=period_col)

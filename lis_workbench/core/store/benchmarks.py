"""Benchmark values in the store: comparator values (England, a region, the borough as published) for catalogue
indicators, checked row by row and written all at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..errors import IndicatorNotFound, StoreError
from . import schema
from .base import StoreBase, basename
from .schema import VALUE_FIELDS


class BenchmarkStore(StoreBase):
    """Adding and reading benchmark values."""

    if TYPE_CHECKING:  # the catalogue's, from Store (store.py)
        def indicator(self, indicator_id: str) -> dict: ...
        def periods(self, indicator_id: str) -> list[str]: ...

    def add_benchmarks(self, frame: pd.DataFrame, source: str | None, *, file: str | None = None,
                       checksum: str | None = None, replace: bool = False) -> int:
        """Store comparator values (England, a region, the borough as published) for catalogue indicators.

        frame: long, one row per indicator, period and area: indicator, period, area_code, value, and optionally
        area_name, numerator, denominator, and method (how the value was made; stored after the source text).
        Every row is checked first (known indicator and period, a numeric value, no repeats); then all rows land in
        one transaction or none do, recorded in the audit log. Rows already in the store for the same indicator,
        period and area are an error unless replace=True. Returns the number of rows written."""
        rows = _benchmark_rows(frame, source, file)
        known = {r[0] for r in self._conn.execute("SELECT id FROM lis_catalogue")}
        unknown = sorted(set(rows["indicator"]) - known)
        where = f"{basename(file)}: " if file else ""
        if unknown:
            raise IndicatorNotFound(f"{where}benchmark values name {len(unknown)} indicator(s) the store's catalogue "
                                    f"does not have: {', '.join(unknown[:10])}. Import the indicators first, or "
                                    "check the ids against the store's catalogue.")
        for ind, periods in rows.groupby("indicator")["period"]:
            have = set(self.periods(ind))
            odd = sorted(set(periods) - have)
            if odd:
                raise IndicatorNotFound(f"{where}benchmark values for {ind} are for period(s) {', '.join(odd)}, "
                                        f"but the store has {ind} only for {', '.join(sorted(have)) or 'no period'}.")
        conn = self._conn
        with self._write(f"adding benchmarks from {basename(file) or source or 'a table'}"):
            self._ensure_benchmark_table()
            keys = list(rows[["indicator", "period", "area_code"]].itertuples(index=False, name=None))
            clash = [k for k in keys if conn.execute(
                "SELECT 1 FROM lis_benchmark WHERE indicator = ? AND period = ? AND area_code = ?", k).fetchone()]
            if clash and not replace:
                shown = "; ".join(f"{i} {p} {a}" for i, p, a in clash[:5])
                raise StoreError(f"{where}the store already has {len(clash)} of these benchmark values (e.g. {shown}). "
                                 "Use replace to overwrite them.")
            conn.executemany("DELETE FROM lis_benchmark WHERE indicator = ? AND period = ? AND area_code = ?", clash)
            conn.executemany(
                "INSERT INTO lis_benchmark (indicator, period, area_code, area_name, value, numerator, denominator, "
                "source) VALUES (?,?,?,?,?,?,?,?)",
                [tuple(None if pd.isna(v) else v for v in rec) for rec in rows[
                    ["indicator", "period", "area_code", "area_name", "value", "numerator", "denominator",
                     "source"]].astype(object).itertuples(index=False, name=None)])
            areas = ", ".join(sorted(set(rows["area_code"])))
            self._audit("add_benchmarks", ",".join(sorted(set(rows["indicator"]))), file, checksum, len(rows), None,
                        f"{len(rows)} benchmark value(s) for {rows['indicator'].nunique()} indicator(s); areas {areas}"
                        + (f"; {len(clash)} replaced" if clash else ""))
        return len(rows)

    def benchmarks(self, indicator: str, period: str | None = None) -> pd.DataFrame:
        """The benchmark values of one indicator (all periods, or one): indicator, period, area_code, area_name,
        value, numerator, denominator, source. Empty when none are stored."""
        self.indicator(indicator)
        columns = ["indicator", "period", "area_code", "area_name", "value", "numerator", "denominator", "source"]
        if not self._has_table("lis_benchmark"):
            return pd.DataFrame({c: pd.Series(dtype=float if c in VALUE_FIELDS else object) for c in columns})
        sql = f"SELECT {', '.join(columns)} FROM lis_benchmark WHERE indicator = ?"  # nosec B608
        params: list = [indicator]
        if period is not None:
            sql += " AND period = ?"
            params.append(str(period))
        frame = self._frame(sql + " ORDER BY period, area_code", params)
        for col in ("value", "numerator", "denominator"):
            frame[col] = frame[col].astype(float)
        return frame

    def _ensure_benchmark_table(self) -> None:
        """Stores made before lis_benchmark existed (same schema version, nothing released) get it on first use."""
        if self._has_table("lis_benchmark"):
            return
        self._conn.execute(schema.TABLES["lis_benchmark"])
        if self.kind == "gpkg":
            self._conn.execute(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, last_change) "
                "VALUES ('lis_benchmark', 'attributes', 'lis_benchmark', strftime('%Y-%m-%dT%H:%M:%fZ','now'))")


BENCHMARK_COLUMNS = ("indicator", "period", "area_code", "value")


def _benchmark_rows(frame: pd.DataFrame, source: str | None, file: str | None) -> pd.DataFrame:
    """Check and tidy a benchmark table (text or numbers): rows named by their spreadsheet line (header = 1)."""
    where = f"{basename(file)}: " if file else "benchmarks: "
    columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in BENCHMARK_COLUMNS if c not in columns]
    if missing:
        raise StoreError(f"{where}missing column(s) {', '.join(missing)} (it has: {', '.join(columns)}).")
    frame = frame.copy()
    frame.columns = columns
    if frame.empty:
        raise StoreError(f"{where}there are no benchmark rows.")
    line = pd.Series(range(2, len(frame) + 2), index=frame.index)
    out = pd.DataFrame(index=frame.index)
    for col in ("indicator", "period", "area_code", "area_name"):
        text = frame[col].astype(object).where(frame[col].notna(), "").astype(str).str.strip() \
            if col in frame.columns else pd.Series("", index=frame.index)
        if col != "area_name" and (text == "").any():
            raise StoreError(f"{where}row {int(line[text == ''].iloc[0])}: the {col} is empty.")
        out[col] = text.where(text != "", None) if col == "area_name" else text
    for col in ("value", "numerator", "denominator"):
        if col not in frame.columns:
            out[col] = float("nan")
            continue
        raw = frame[col].astype(object).where(frame[col].notna(), "").astype(str).str.strip().str.replace(",", "")
        numbers = pd.to_numeric(raw.where(raw != "", None), errors="coerce").astype(float)
        bad = numbers.isna() & (raw != "") | numbers.isin([float("inf"), float("-inf")])
        if bad.any():
            row = bad.idxmax()
            raise StoreError(f"{where}row {int(line[row])}, column '{col}': '{frame[col][row]}' is not a number.")
        if col == "value" and numbers.isna().any():
            raise StoreError(f"{where}row {int(line[numbers.isna()].iloc[0])}: the value is empty; "
                             "a benchmark needs a value.")
        out[col] = numbers
    method = frame["method"].astype(object).where(frame["method"].notna(), "").astype(str).str.strip() \
        if "method" in frame.columns else pd.Series("", index=frame.index)
    base = (source or basename(file) or "").strip()
    out["source"] = [("; ".join(p for p in (base, m) if p)) or None for m in method]
    repeated = out.duplicated(["indicator", "period", "area_code"], keep=False)
    if repeated.any():
        first = out[repeated].iloc[0]
        lines = line[repeated & (out["indicator"] == first["indicator"]) & (out["period"] == first["period"])
                     & (out["area_code"] == first["area_code"])]
        raise StoreError(f"{where}{first['indicator']} for period {first['period']} and area {first['area_code']} "
                         f"appears more than once (rows {', '.join(map(str, lines.tolist()))}).")
    return out.reset_index(drop=True)

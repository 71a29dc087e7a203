"""Partner CSV files read as text cells, refusing what would otherwise be read wrong without a word.

Rows are named by their spreadsheet line (header = line 1). A file is refused, naming row and column, when its
header repeats a name (pandas would rename the second copy and drop it), when a cell holds a NUL or other control
character (the C parser cuts "1\\x0010" to 1), when it is not in the encoding given, or when it is empty.
Numbers are parsed with thousands separators and the usual suppression markers.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import ImportValidationError as Invalid
from .errors import ParameterError

SUPPRESSED_MARKERS = frozenset({"*", "c", "..", "-", "x", ":"})
THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_encoding(encoding: str) -> str:
    """The encoding's canonical name, or a ParameterError naming the ones people use."""
    try:
        return codecs.lookup(encoding).name
    except (LookupError, TypeError):
        raise ParameterError(f"'{encoding}' is not a text encoding Python knows; use e.g. utf-8 (CSV UTF-8 from "
                             "Excel), cp1252 (Excel's plain CSV on Windows) or latin-1.", option="encoding") from None


def read_bytes(path: str | Path) -> bytes:
    """The file's bytes, or an ImportValidationError naming it."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise Invalid(f"cannot be read ({exc.strerror}).", file=str(path)) from exc


def read_table(path: str, raw: bytes, encoding: str = "utf-8-sig") -> pd.DataFrame:
    """Decode and parse a CSV as text cells (nothing converted yet), naming the row of a bad byte."""
    name = Path(path).name
    check_encoding(encoding)
    if not raw.strip():
        raise Invalid("the file is empty.", file=name)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        row = raw[: exc.start].count(b"\n") + 1
        raise Invalid(f"is not {encoding.replace('-sig', '').upper()} text (byte 0x{raw[exc.start]:02x}). "
                      "Save it as CSV UTF-8 from Excel, or give the file's encoding (e.g. cp1252).",
                      file=name, row=row, option="encoding") from None
    _check_control_characters(text, name)
    try:
        header = next(csv.reader(io.StringIO(text)))
    except (StopIteration, csv.Error) as exc:
        raise Invalid(f"is not a well-formed CSV: {exc}", file=name, row=1) from None
    columns = [str(c).strip() for c in header]
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise Invalid(f"the header repeats column name(s) {', '.join(repr(d) for d in dupes)}; each column needs "
                      "its own name.", file=name, row=1, column=dupes[0])
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise Invalid(f"is not a well-formed CSV: {exc}", file=name) from None
    table.columns = [str(c).strip() for c in table.columns]
    if table.empty:
        raise Invalid("has a header but no data rows.", file=name)
    return table


def _check_control_characters(text: str, name: str) -> None:
    found = CONTROL.search(text)
    if found is None:
        return
    start = text.rfind("\n", 0, found.start()) + 1
    row = text.count("\n", 0, found.start()) + 1
    header = next(csv.reader(io.StringIO(text[: text.find("\n")] if "\n" in text else text)), [])
    field = len(next(csv.reader([text[start:found.start()]]), [""])) - 1 if found.start() > start else 0
    column = header[field].strip() if 0 <= field < len(header) and row > 1 else None
    code = ord(found.group())
    label = "a NUL byte" if code == 0 else f"a control character (0x{code:02x})"
    raise Invalid(f"contains {label}, which no CSV cell should hold: the file may be damaged, or not a text "
                  "file. Remove it and save the file again.", file=name, row=row, column=column)


def parse_numbers(cells: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Parse text cells: (values, suppressed, empty, bad) — thousands separators allowed."""
    fast = pd.to_numeric(cells, errors="coerce").to_numpy(float)
    if not np.isnan(fast).any():  # the usual case: every cell a plain number
        none = np.zeros(len(fast), dtype=bool)
        return fast, none, none.copy(), np.isinf(fast)
    text = cells.astype(str).str.strip()
    empty = (text == "").to_numpy()
    suppressed = text.str.lower().isin(SUPPRESSED_MARKERS).to_numpy()
    cleaned = text.where(~text.str.match(THOUSANDS), text.str.replace(",", "", regex=False))
    values = pd.to_numeric(cleaned.where(~(empty | suppressed), None), errors="coerce").to_numpy(float)
    bad = np.isnan(values) & ~empty & ~suppressed
    bad |= np.isinf(values)
    return values, suppressed, empty, bad

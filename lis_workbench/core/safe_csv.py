"""CSV files for people who open them in Excel: text that a spreadsheet would run as a formula is neutralised.

A cell starting with =, +, -, @, a tab or a carriage return is a formula to Excel and LibreOffice, so an area
name such as =HYPERLINK("http://evil","x") would run when an analyst opens an export. Such text cells get a
leading apostrophe (OWASP's advice), which spreadsheets show as plain text; numbers are written as numbers. The
file is written beside its final name and moved into place, so a failure never leaves half a CSV.
"""

from __future__ import annotations

import os

import pandas as pd

from .whole_files import written_whole

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """The cell as it should be written: text that starts like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore(value: str) -> str:
    """The text neutralise() was given, for reading back a file this module wrote (e.g. a cost matrix)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the table whose text cells (and column names) cannot run as spreadsheet formulas."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    return out


def write_csv(frame: pd.DataFrame, path: str | os.PathLike, **options) -> None:
    """Write the table as CSV (no index unless asked), neutralised, all at once."""
    options.setdefault("index", False)
    options.setdefault("lineterminator", "\r\n")  # RFC 4180; and a cell holding CR or LF is then quoted
    with written_whole(path) as partial, open(partial, "x", encoding="utf-8", newline="") as out:
        safe_frame(frame).to_csv(out, **options)

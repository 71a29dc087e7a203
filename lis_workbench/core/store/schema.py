"""The store's tables, its schema version and the migrations that bring older stores up to date."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SCHEMA_VERSION = 2
#: The numbers each stored value carries (lis_value's numeric columns, also those of lis_benchmark it has).
VALUE_FIELDS = ("value", "numerator", "denominator", "lower_ci", "upper_ci")

#: Attribute tables (no geometry). Geometry layers are made through OGR (see layers.py).
TABLES: dict[str, str] = {
    "lis_meta": """
        CREATE TABLE lis_meta (
            fid INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT NOT NULL UNIQUE,
            value TEXT)""",
    "lis_geography": """
        CREATE TABLE lis_geography (
            fid INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            kind TEXT NOT NULL CHECK (kind IN ('areas', 'points')),
            title TEXT,
            layer_name TEXT NOT NULL,
            source TEXT,
            feature_count INTEGER,
            repaired INTEGER DEFAULT 0,
            added_at TEXT)""",
    "lis_area": """
        CREATE TABLE lis_area (
            fid INTEGER PRIMARY KEY AUTOINCREMENT,
            geography TEXT NOT NULL,
            area_code TEXT NOT NULL,
            area_name TEXT,
            UNIQUE (geography, area_code))""",
    "lis_lookup": """
        CREATE TABLE lis_lookup (
            fid INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            from_geography TEXT NOT NULL,
            to_geography TEXT NOT NULL,
            method TEXT,
            source TEXT,
            added_at TEXT)""",
    "lis_lookup_row": """
        CREATE TABLE lis_lookup_row (
            fid INTEGER PRIMARY KEY AUTOINCREMENT,
            lookup TEXT NOT NULL,
            from_code TEXT NOT NULL,
            to_code TEXT NOT NULL,
            weight REAL NOT NULL DEFAULT 1.0,
            UNIQUE (lookup, from_code, to_code))""",
    "lis_catalogue": """
        CREATE TABLE lis_catalogue (
            fid INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            title TEXT NOT NULL,
            theme TEXT,
            unit TEXT,
            value_type TEXT,
            polarity TEXT NOT NULL DEFAULT 'neutral'
                CHECK (polarity IN ('high_is_bad', 'high_is_good', 'neutral')),
            geography TEXT NOT NULL,
            source TEXT,
            partner TEXT,
            licence TEXT,
            notes TEXT,
            denominator TEXT,
            import_file TEXT,
            import_checksum TEXT,
            row_count INTEGER,
            imported_at TEXT)""",
    "lis_value": """
        CREATE TABLE lis_value (
            fid INTEGER PRIMARY KEY AUTOINCREMENT,
            indicator TEXT NOT NULL,
            area_code TEXT NOT NULL,
            period TEXT NOT NULL,
            value REAL,
            numerator REAL,
            denominator REAL,
            lower_ci REAL,
            upper_ci REAL,
            suppressed INTEGER NOT NULL DEFAULT 0,
            UNIQUE (indicator, period, area_code))""",
    "lis_audit": """
        CREATE TABLE lis_audit (
            fid INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            action TEXT NOT NULL,
            target TEXT,
            file TEXT,
            checksum TEXT,
            rows INTEGER,
            skipped_codes TEXT,
            user TEXT,
            host TEXT,
            message TEXT)""",
    # Comparator values (England, region, the borough as the source publishes it) for catalogue indicators.
    "lis_benchmark": """
        CREATE TABLE lis_benchmark (
            fid INTEGER PRIMARY KEY AUTOINCREMENT,
            indicator TEXT NOT NULL,
            period TEXT NOT NULL,
            area_code TEXT NOT NULL,
            area_name TEXT,
            value REAL,
            numerator REAL,
            denominator REAL,
            source TEXT,
            UNIQUE (indicator, period, area_code))""",
}

INDEXES = [
    "CREATE INDEX lis_lookup_row_from ON lis_lookup_row (lookup, from_code)",
]



def _catalogue_denominator(conn: Any) -> None:
    """Version 2: an indicator may name the population it is a count of (e.g. children aged 0-15 for children in
    income-deprived families), so comparisons judge it as a share of the right people."""
    conn.execute("ALTER TABLE lis_catalogue ADD COLUMN denominator TEXT")


#: version -> function upgrading a store from that version to version + 1.
MIGRATIONS: dict[int, Callable[[Any], None]] = {1: _catalogue_denominator}  # on a store connection (file or database)

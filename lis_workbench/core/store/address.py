"""Where a store lives: a file (GeoPackage or SpatiaLite, by its extension) or a PostgreSQL/PostGIS database,
named by a URI (postgresql://user@host:port/db?schema=lis) or a pg_service.conf entry (service=NAME), as QGIS
users set them up. The schema is the store's own (default `lis`), so one database can hold several stores."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import StoreError

DEFAULT_SCHEMA = "lis"
FILE_KINDS = {".gpkg": "gpkg", ".sqlite": "sqlite", ".db": "sqlite", ".spatialite": "sqlite"}
_SCHEMA_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class StoreAddress:
    """A parsed store location. kind: gpkg, sqlite or postgis; `path` for files; `conninfo` (a libpq connection
    string without the schema) and `schema` for PostGIS."""

    kind: str
    text: str
    path: str = ""
    conninfo: str = ""
    schema: str = ""

    @property
    def is_database(self) -> bool:
        return self.kind == "postgis"

    @property
    def shown(self) -> str:
        """The address as messages and the audit log show it: never a password."""
        return _without_password(self.text) if self.is_database else self.path

    @property
    def without_password(self) -> str:
        """The address to remember (in settings, projects): the password left to pg_service.conf or .pgpass."""
        return _without_password(self.text, "") if self.is_database else self.path

    def params(self) -> dict[str, str]:
        """The libpq keywords of a database address (host, port, dbname, user, password, service, ...)."""
        return _keywords(self.conninfo) if self.is_database else {}

    def ogr_source(self) -> str:
        """How GDAL opens the store: the file, or PG:<conninfo> with the store's schema active."""
        if not self.is_database:
            return self.path
        return "PG:" + " ".join(f"{k}={_quote(v)}" for k, v in self.params().items()) + f" active_schema={self.schema}"


def is_database_address(text: str | os.PathLike) -> bool:
    """Whether `text` names a PostgreSQL store rather than a file."""
    value = str(text).strip()
    return value.startswith(("postgresql://", "postgres://")) or bool(re.match(r"(service|dbname|host)\s*=", value))


def parse(text: str | os.PathLike) -> StoreAddress:
    """A store address from what a user typed: a .gpkg/.sqlite path, a postgresql:// URI or `service=NAME`."""
    value = str(text).strip()
    if not is_database_address(value):
        suffix = Path(value).suffix.lower()
        if suffix not in FILE_KINDS:
            raise StoreError(f"{value}: a store is a GeoPackage (.gpkg) or SpatiaLite (.sqlite) file, or a PostGIS "
                             "database (postgresql://user@host/database?schema=lis, or service=NAME from "
                             "pg_service.conf).")
        return StoreAddress(FILE_KINDS[suffix], value, path=value)
    if value.startswith(("postgresql://", "postgres://")):
        parts = urlsplit(value)
        query = parse_qsl(parts.query, keep_blank_values=True)
        schema = next((v for k, v in query if k == "schema"), DEFAULT_SCHEMA)
        rest = [(k, v) for k, v in query if k != "schema"]
        conninfo = urlunsplit(("postgresql", parts.netloc, parts.path, urlencode(rest), ""))
        conninfo = " ".join(f"{k}={_quote(v)}" for k, v in _uri_keywords(conninfo).items())
    else:
        words = _keywords(value)
        schema = words.pop("schema", DEFAULT_SCHEMA)
        conninfo = " ".join(f"{k}={_quote(v)}" for k, v in words.items())
    if not _SCHEMA_NAME.match(schema):
        raise StoreError(f"'{schema}' cannot be a store's schema: use lower-case letters, digits and _ "
                         "(starting with a letter), e.g. schema=lis.")
    return StoreAddress("postgis", value, conninfo=conninfo, schema=schema)


def _uri_keywords(uri: str) -> dict[str, str]:
    """libpq keywords of a postgresql:// URI (user, password, host, port, dbname and the query's own)."""
    parts = urlsplit(uri)
    out: dict[str, str] = {}
    from urllib.parse import unquote

    if parts.username:
        out["user"] = unquote(parts.username)
    if parts.password:
        out["password"] = unquote(parts.password)
    host = parts.netloc.rpartition("@")[2]
    hostname, _, port = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
    if hostname:
        out["host"] = unquote(hostname)
    if port:
        out["port"] = port
    if parts.path.strip("/"):
        out["dbname"] = unquote(parts.path.strip("/"))
    out.update(parse_qsl(parts.query, keep_blank_values=True))
    return out


_WORD = re.compile(r"\s*(\w+)\s*=\s*('(?:[^'\\]|\\.)*'|\S*)")


def _keywords(conninfo: str) -> dict[str, str]:
    """A libpq keyword=value string as a dict (values may be single-quoted with backslash escapes)."""
    out, pos = {}, 0
    text = conninfo.strip()
    while pos < len(text):
        match = _WORD.match(text, pos)
        if not match:
            raise StoreError(f"'{_without_password(conninfo)}' is not a PostgreSQL connection string: write "
                             "keyword=value pairs, e.g. service=lis or host=db dbname=lis user=me.")
        value = match.group(2)
        if value.startswith("'"):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out[match.group(1)] = value
        pos = match.end()
    return out


def _quote(value: str) -> str:
    if value and re.fullmatch(r"[^\s'\\]+", value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _without_password(text: str, mask: str = "***") -> str:
    if mask:
        text = re.sub(r"(://[^:/@]+):[^@]*@", rf"\1:{mask}@", text)
        return re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)", rf"\1{mask}", text)
    text = re.sub(r"(://[^:/@]+):[^@]*@", r"\1@", text)
    return re.sub(r"\s*password\s*=\s*('(?:[^'\\]|\\.)*'|\S*)", "", text).strip()

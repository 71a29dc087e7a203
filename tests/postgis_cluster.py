"""A throwaway PostgreSQL + PostGIS cluster for the tests and benchmarks: Debian's packages (postgresql-15,
postgresql-15-postgis-3), a fresh data folder under a temporary directory, a Unix socket there and a free port,
started and stopped by these functions. As root, the server runs as the `postgres` system user (PostgreSQL refuses
to run as root). Nothing outside the temporary folder is touched."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


def binaries() -> Path | None:
    """The newest installed PostgreSQL server's bin folder, if PostGIS is installed for it."""
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        version = folder.split("/")[-2]
        if Path(folder, "initdb").exists() and glob.glob(f"/usr/share/postgresql/{version}/extension/postgis.control"):
            return Path(folder)
    return None


def missing_reason() -> str | None:
    """Why a cluster cannot be started here (None when it can)."""
    if binaries() is None:
        return "PostgreSQL with PostGIS is not installed (make setup installs postgresql-15-postgis-3)"
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        return "psycopg2 is not installed (python3-psycopg2)"
    return None


@dataclass
class Cluster:
    folder: Path
    port: int
    bindir: Path
    superuser: str = "postgres"

    @property
    def host(self) -> str:
        return str(self.folder)

    def uri(self, database: str = "lis", user: str | None = None, schema: str = "lis") -> str:
        """A store address on this cluster (socket in the cluster's folder)."""
        from urllib.parse import quote

        return (f"postgresql://{user or self.superuser}@/{database}?host={quote(self.host, safe='')}"
                f"&port={self.port}&schema={schema}")

    def conninfo(self, database: str = "lis", user: str | None = None) -> str:
        return f"host={self.host} port={self.port} dbname={database} user={user or self.superuser}"

    def sql(self, statement: str, database: str = "lis", user: str | None = None) -> list:
        """Run one statement as the superuser (or `user`) in autocommit; the rows it returns."""
        import psycopg2

        conn = psycopg2.connect(self.conninfo(database, user))
        conn.autocommit = True
        try:
            with conn.cursor() as cursor:
                cursor.execute(statement)
                return cursor.fetchall() if cursor.description else []
        finally:
            conn.close()

    def create_database(self, name: str) -> None:
        self.sql(f'CREATE DATABASE "{name}"', database="postgres")
        self.sql("CREATE EXTENSION IF NOT EXISTS postgis", database=name)

    def login_role(self, name: str) -> None:
        """A user who can log in (trust authentication on the socket: no password)."""
        self.sql(f'DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = \'{name}\') THEN '
                 f'CREATE ROLE "{name}" LOGIN; END IF; END$$', database="postgres")


def _as_server(command: list[str], folder: Path) -> subprocess.CompletedProcess:
    """Run a server command; as root, as the `postgres` system user (Python switches user itself: a minimal Debian
    root has no runuser)."""
    switch = {"user": "postgres", "group": "postgres", "extra_groups": []} if os.geteuid() == 0 else {}
    return subprocess.run(command, check=True, capture_output=True, text=True, cwd=folder, **switch)


def _free_port() -> int:
    with contextlib.closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(parent: str | os.PathLike | None = None) -> Cluster:
    """initdb a new cluster in a fresh folder and start it (about 2 s); database `lis` has PostGIS."""
    bindir = binaries()
    if bindir is None:
        raise RuntimeError(missing_reason())
    folder = Path(tempfile.mkdtemp(prefix="lis_pg_", dir=parent))
    data = folder / "data"
    if os.geteuid() == 0:
        os.chmod(folder, 0o755)
        entry = pwd.getpwnam("postgres")
        os.chown(folder, entry.pw_uid, entry.pw_gid)
    _as_server([str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                "--locale=C.UTF-8", "--no-sync"], folder)
    port = _free_port()
    options = (f"-c port={port} -c listen_addresses='' -c unix_socket_directories={folder} -c fsync=off "
               "-c max_connections=100 -c shared_buffers=128MB")
    _as_server([str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "server.log"), "-w",
                "start"], folder)
    cluster = Cluster(folder, port, bindir)
    for _ in range(50):
        try:
            cluster.sql("SELECT 1", database="postgres")
            break
        except Exception:
            time.sleep(0.1)
    cluster.create_database("lis")
    return cluster


def stop(cluster: Cluster) -> None:
    """Stop the server and remove its folder."""
    try:
        _as_server([str(cluster.bindir / "pg_ctl"), "-D", str(cluster.folder / "data"), "-m", "immediate", "-w",
                    "stop"], cluster.folder)
    except subprocess.CalledProcessError:  # already stopped: the folder goes anyway
        pass
    shutil.rmtree(cluster.folder, ignore_errors=True)

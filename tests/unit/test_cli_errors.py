"""Every `lis` command with bad input: one line on stderr, exit 1 for a data or store problem, 2 for a usage
mistake, never a traceback, and the store unchanged (issue 12, cases 5 and 6)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from unit_helpers import SAMPLE, run_lis, sha256_file

WARDS = SAMPLE / "wigan_wards_2023_bgc.geojson"


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make a file or folder read-only for this user, as a share mounted read-only or a colleague's file is: the
    permission bits for an ordinary user; for root (who ignores them) the immutable attribute."""
    if os.geteuid() == 0:
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot make {path.name} read-only for root here: {done.stderr.strip()}")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        try:
            yield
        finally:
            path.chmod(mode)


def _partner(tmp_path: Path, codes: list[str]) -> Path:
    path = tmp_path / "partner.csv"
    path.write_text("lsoa11cd,period,value\n" + "".join(f"{c},2020,{i}\n" for i, c in enumerate(codes)))
    return path


def _lookup(tmp_path: Path, codes: list[str], rows: list[str], encoding: str = "utf-8") -> Path:
    path = tmp_path / "lookup.csv"
    path.write_bytes(("from,to,weight\n" + "".join(r + "\n" for r in rows)).encode(encoding))
    return path


@dataclass
class Case:
    """A command line (a function of the store, a scratch folder and the LSOA codes), its exit code and words."""

    args: Callable[[Path, Path, list[str]], list]
    code: int
    says: tuple[str, ...]
    lock: str | None = None  # "store" or "folder": made read-only while the command runs
    damage: Callable[[Path], None] | None = None
    creates_nothing: str | None = None  # a file that must not exist afterwards


def _damage_version(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("UPDATE lis_meta SET value = 'two' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()


CASES = {
    "import value-column '{'": Case(
        lambda s, t, c: ["import", s, _partner(t, c), "--value-column", "value={"], 2, ("{slug}", "--value-column")),
    "import value-column '{0}'": Case(
        lambda s, t, c: ["import", s, _partner(t, c), "--value-column", "value={0}"], 2, ("{slug}",)),
    "import value-column format attack": Case(
        lambda s, t, c: ["import", s, _partner(t, c), "--value-column", "value={name.__class__.__mro__}"], 2,
        ("{slug}",)),
    "import encoding bogus": Case(
        lambda s, t, c: ["import", s, _partner(t, c), "--encoding", "bogus-enc"], 2, ("bogus-enc", "--encoding")),
    "import period-format fortnight": Case(
        lambda s, t, c: ["import", s, _partner(t, c), "--period-format", "fortnight"], 2,
        ("fortnight", "--period-format")),
    "import id with a path": Case(
        lambda s, t, c: ["import", s, _partner(t, c), "--indicator", "../../etc/evil"], 2,
        ("cannot be an indicator id",)),
    "import into a read-only store": Case(
        lambda s, t, c: ["import", s, _partner(t, c)], 1, ("read-only", "importing partner.csv"), lock="store"),
    "import into a read-only folder": Case(
        lambda s, t, c: ["import", s, _partner(t, c)], 1, ("folder", "read-only"), lock="folder"),
    "delete from a read-only store": Case(
        lambda s, t, c: ["delete", s, "claimant_count", "--yes"], 1, ("read-only", "deleting claimant_count"),
        lock="store"),
    "delete in a read-only folder": Case(
        lambda s, t, c: ["delete", s, "claimant_count", "--yes"], 1, ("folder", "read-only"), lock="folder"),
    "geography add to a read-only store": Case(
        lambda s, t, c: ["geography", "add", s, "wards_again", WARDS], 1, ("read-only", "adding geography"),
        lock="store"),
    "geography add in a read-only folder": Case(
        lambda s, t, c: ["geography", "add", s, "wards_again", WARDS], 1, ("folder", "read-only"), lock="folder"),
    "lookup add non-numeric weight": Case(
        lambda s, t, c: ["lookup", "add", s, "l1", _lookup(t, c, [f"{c[0]},{c[1]},half"]), "--from", "lsoa11",
                         "--to", "lsoa11", "--from-column", "from", "--to-column", "to", "--weight-column",
                         "weight"], 1, ("row 2", "column 'weight'", "'half'")),
    "lookup add 0-byte file": Case(
        lambda s, t, c: ["lookup", "add", s, "l1", _lookup(t, c, []).write_bytes(b"") or t / "lookup.csv",
                         "--from", "lsoa11", "--to", "lsoa11", "--from-column", "from", "--to-column", "to"], 1,
        ("lookup.csv", "empty")),
    "lookup add Latin-1 file": Case(
        lambda s, t, c: ["lookup", "add", s, "l1", _lookup(t, c, [f"{c[0]},{c[1]},1", f"{c[2]},{c[3]},1 £"],
                                                           "latin-1"),
                         "--from", "lsoa11", "--to", "lsoa11", "--from-column", "from", "--to-column", "to"], 1,
        ("row 3", "0xa3", "--encoding")),
    "lookup add repeated pair": Case(
        lambda s, t, c: ["lookup", "add", s, "l1", _lookup(t, c, [f"{c[0]},{c[1]},0.5", f"{c[2]},{c[3]},1",
                                                                  f"{c[0]},{c[1]},0.25"]),
                         "--from", "lsoa11", "--to", "lsoa11", "--from-column", "from", "--to-column", "to",
                         "--weight-column", "weight"], 1, ("rows 2, 4", "more than once")),
    "damaged schema_version": Case(
        lambda s, t, c: ["list", s], 1, ("damaged", "'two'"), damage=_damage_version),
    "export an id with a path": Case(
        lambda s, t, c: ["export", s, "../../etc/evil", t / "evil.csv"], 1, ("no indicator",),
        creates_nothing="evil.csv"),
    "site radius -5": Case(
        lambda s, t, c: ["site", s, "--demand", "pop2016_age_0_4", "--candidates", "schools", "--radius", "-5",
                         "--out", t / "site.png"], 2, ("reach", "--radius"), creates_nothing="site.png"),
    "site p 0": Case(
        lambda s, t, c: ["site", s, "--demand", "pop2016_age_0_4", "--candidates", "schools", "--p", "0",
                         "--out", t / "site.png"], 2, ("at least 1", "--p"), creates_nothing="site.png"),
    "site single source without capacities": Case(
        lambda s, t, c: ["site", s, "--demand", "pop2016_age_0_4", "--candidates", "schools", "--model", "pmedian",
                         "--single-source", "--out", t / "site.png"], 2,
        ("whole by one site", "capacities", "--single-source"), creates_nothing="site.png"),
    "geography add without a CRS": Case(
        lambda s, t, c: ["geography", "add", s, "wards_partner", _no_prj(t)], 1,
        ("coordinate reference system", "--crs")),
    "geography replace dropping codes in use": Case(
        lambda s, t, c: ["geography", "add", s, "ward23", _fewer_wards(t), "--replace"], 1,
        ("leave out 2 area code(s)", "--prune")),
    "unknown command": Case(lambda s, t, c: ["imprt", s], 2, ("No such command",)),
    "unknown option": Case(lambda s, t, c: ["list", s, "--colour"], 2, ("No such option", "lis list --help")),
}


def _no_prj(tmp_path: Path) -> Path:
    import geopandas as gpd

    path = tmp_path / "wards.shp"
    gpd.read_file(WARDS)[["area_code", "area_name", "geometry"]].to_file(path)
    path.with_suffix(".prj").unlink()
    return path


def _fewer_wards(tmp_path: Path) -> Path:
    import geopandas as gpd

    path = tmp_path / "fewer_wards.geojson"
    gpd.read_file(WARDS).iloc[2:].to_file(path, driver="GeoJSON")
    return path


@pytest.mark.parametrize("kind", ["gpkg"])
@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_gives_one_line_and_the_right_exit_code(store_path, lsoa_codes, tmp_path, case):
    bad = CASES[case]
    work = tmp_path / "work"
    work.mkdir()
    args = bad.args(store_path, work, lsoa_codes)
    if bad.damage:
        bad.damage(store_path)
    before = sha256_file(store_path)
    target = {"store": store_path, "folder": store_path.parent}.get(bad.lock or "")
    with read_only(target) if target else contextlib.nullcontext():
        result = run_lis(*args)
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "Internal error" not in output, output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error:"), result.stderr
    assert result.returncode == bad.code, (result.returncode, result.stderr)
    for words in bad.says:
        assert words in lines[0], (words, lines[0])
    assert sha256_file(store_path) == before
    assert not list(store_path.parent.glob("*.partial*")) and not list(store_path.parent.glob("*-journal"))
    if bad.creates_nothing:
        assert not (work / bad.creates_nothing).exists()


def _every_command() -> dict[str, list]:
    """Each `lis` command with its required arguments and options (values filled in by _bad_line)."""
    import typer

    from lis_workbench.cli.main import app

    found: dict[str, list] = {}

    def walk(command, path):
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, [*path, name])
        else:
            found[" ".join(path)] = [p for p in command.params if p.required]

    walk(typer.main.get_command(app), [])
    return found


COMMANDS = _every_command()


def _bad_line(command: str, store: Path, name: str, work: Path) -> list[str]:
    """A command line whose store is `store` and every other required value is `name` (an output under work)."""
    args = command.split()
    outputs = {"out": "png", "recipe": "toml", "source": "geojson"}
    for param in COMMANDS[command]:
        if param.name in ("store", "path"):
            value = str(store)
        elif param.name in ("out", "file", "source", "recipe"):
            value = str(work / f"{name}.{outputs.get(param.name, 'csv')}")
        else:
            value = name
        if getattr(param, "opts", None) and param.opts[0].startswith("-"):
            args += [param.opts[0], value]
        else:
            args.append(value)
    return args


def _bad_inputs(command: str, store_path: Path, tmp_path: Path, work: Path) -> list[list[str]]:
    """Bad command lines for one command: a store that is not there, a file that is not a store, and (for
    commands naming indicators, lookups or layers) names the real store does not hold."""
    not_a_store = tmp_path / "notes.gpkg"
    not_a_store.write_text("minutes of the last meeting\n")
    if command == "store create":
        return [["store", "create", str(tmp_path / "store.txt")], ["store", "create", str(not_a_store)]]
    if command == "sample build":
        return [["sample", "build", "--out", str(not_a_store / "inside")]]
    if command in ("store build", "index"):
        recipe = tmp_path / "recipe.toml"
        recipe.write_text("this = is not [valid toml\n")
        line = _bad_line(command, store_path, "pop2016_total", work)
        return [line[:line.index(str(work / "pop2016_total.toml"))] + [str(recipe)]
                + line[line.index(str(work / "pop2016_total.toml")) + 1:],
                _bad_line(command, tmp_path / "absent.gpkg", "pop2016_total", work)]
    lines = [_bad_line(command, tmp_path / "absent.gpkg", "pop2016_total", work),
             _bad_line(command, not_a_store, "pop2016_total", work)]
    if any(p.name not in ("store", "out") for p in COMMANDS[command]):
        lines.append(_bad_line(command, store_path, "no_such_thing", work))
    if command == "profile":
        lines.append(_bad_line(command, store_path, "pop2016_total", work))  # --out a .png: profiles are a PDF
    return lines


@pytest.mark.parametrize("kind", ["gpkg"])
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_refuses_bad_input_in_one_line(command, store_path, tmp_path):
    """Every command, given a store that is not there, a file that is not a store, and names the store does not
    hold: one line, exit 1 or 2, never a traceback, nothing written."""
    work = tmp_path / "work"
    work.mkdir()
    before = sha256_file(store_path)
    for line in _bad_inputs(command, store_path, tmp_path, work):
        result = run_lis(*line)
        output = result.stdout + result.stderr
        assert "Traceback" not in output and "Internal error" not in output, output
        lines = [text for text in result.stderr.splitlines() if text.strip()]
        assert len(lines) == 1 and lines[0].startswith("Error:"), (line, result.stderr)
        assert result.returncode in (1, 2), (line, result.returncode, lines)
    assert sha256_file(store_path) == before
    assert not list(work.iterdir()), f"{command} left files behind: {list(work.iterdir())}"

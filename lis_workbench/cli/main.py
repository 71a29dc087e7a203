"""The `lis` command: the app, its command groups (one module each, none importing this one), `--version`, and
the one place that turns every failure into one line and an exit code.

Exit codes: 0 done, 1 a data or store problem (explained), 2 a usage mistake, 3 a fault in LIS Workbench itself.
"""

from __future__ import annotations

import os
import sys

import typer

from ..__about__ import __version__
from ..core.errors import LisError, ParameterError
from . import (
    aggregate,
    areas,
    compare,
    emerging,
    events,
    geography,
    hotspots,
    indicators,
    indices,
    inequality,
    maps,
    profiles,
    publish,
    siting,
    stats,
    store,
    trends,
)
from .console import err

app = typer.Typer(help="LIS Workbench: the shared indicator store and its analyses, from the terminal.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
app.add_typer(store.app, name="store")
app.add_typer(geography.app, name="geography")
app.add_typer(geography.lookup_app, name="lookup")
app.add_typer(areas.app, name="areas")
app.add_typer(store.sample_app, name="sample")
for module in (indicators, maps, hotspots, siting, profiles, publish, indices, trends, aggregate, compare, inequality,
               stats, emerging, events):
    module.register(app)


def _version(value: bool) -> None:
    if value:
        print(f"LIS Workbench {__version__}")
        raise typer.Exit(0)


@app.callback()
def _options(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")) -> None:
    """LIS Workbench: the shared indicator store and its analyses, from the terminal."""


def main(argv: list[str] | None = None) -> None:
    """Entry point: one line on stderr for every failure, never a traceback. Exit 1 for a data or store problem
    (explained), 2 for a usage mistake (a wrong option or value), 3 for a fault in LIS Workbench itself."""
    sys.exit(run(argv))


def run(argv: list[str] | None = None) -> int:
    """Run the command line and return its exit code (see main)."""
    import sqlite3

    try:  # typer vendors click from 0.2x; earlier typers use click itself
        from typer._click import exceptions as click
    except ImportError:  # pragma: no cover
        from click import exceptions as click  # type: ignore[no-redef]

    try:
        code = app(args=argv, prog_name="lis", standalone_mode=False)
    except click.NoArgsIsHelpError as exc:
        exc.show()
        return 2
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "lis"
        return _fail(f"{exc.format_message()} (see `{command} --help`)", 2)
    except typer.Abort:
        return _fail("Stopped; nothing was changed.", 1)
    except LisError as exc:
        return _fail(str(exc) + _option_hint(exc), 2 if isinstance(exc, ParameterError) else 1)
    except sqlite3.Error as exc:
        return _fail(f"The store could not be read or written ({exc}).", 1)
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        return _fail(f"Cannot use{where}: {exc.strerror or exc}.", 1)
    except KeyboardInterrupt:
        return _fail("Interrupted; an unfinished change to the store is undone.", 130)
    except Exception as exc:  # a bug: say so in one line; LIS_DEBUG=1 shows where
        if os.environ.get("LIS_DEBUG"):
            raise
        return _fail(f"Internal error in LIS Workbench ({type(exc).__name__}: {exc}). Please report it; run again "
                     "with LIS_DEBUG=1 to see where it happened.", 3)
    return code if isinstance(code, int) else 0


def _option_hint(exc: LisError) -> str:
    """The CLI's own words for the engine setting that would fix the problem: its --flag."""
    return f" (option --{exc.option.replace('_', '-')})" if exc.option else ""


def _fail(message: str, code: int) -> int:
    err.print(f"Error: {' '.join(str(message).split())}", markup=False, highlight=False, soft_wrap=True)
    return code

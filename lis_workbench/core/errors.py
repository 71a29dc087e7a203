"""The LisError family: every failure an analyst can meet, said in words they understand.

Messages name the file, row (spreadsheet line, header = line 1) and column at fault, so the
fix can be made in the partner's file without reading a traceback.
"""

from __future__ import annotations


class LisError(Exception):
    """Base of every error LIS Workbench reports to a user (CLI exit code 1).

    `option` names the study setting that would fix the problem (e.g. "prune", "crs"), in the engine's own words:
    each door turns it into its hint (the CLI into a --flag, Processing into a parameter), so a message never
    speaks one door's language."""

    def __init__(self, message: str = "", *, option: str | None = None) -> None:
        super().__init__(message)
        self.option = option


class StoreError(LisError):
    """The store file is missing, not a store, locked, or from a newer version."""


class GeographyError(LisError):
    """A boundary layer or lookup cannot be used (duplicate or empty codes, no polygons, ...)."""


class ParameterError(LisError):
    """A setting given to a study is out of its range or not one of its choices (a usage mistake: CLI exit code 2).
    `option` names the setting."""


class ImportValidationError(LisError):
    """A partner file failed validation; nothing was written to the store."""

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None, option: str | None = None) -> None:
        self.file = file
        self.row = row
        self.column = column
        where = []
        if file:
            where.append(f"file {file}")
        if row is not None:
            where.append(f"row {row}")
        if column:
            where.append(f"column '{column}'")
        prefix = (", ".join(where) + ": ") if where else ""
        super().__init__(prefix + message, option=option)


class IndicatorNotFound(LisError):  # noqa: N818 - reads as the domain
    """An indicator id or period asked for is not in the store's catalogue."""


class AnalysisError(LisError):
    """An analysis (benchmark comparison, trend) cannot run on the values given: impossible counts, unknown
    periods, a benchmark area that is not there; the message names the column, area or period at fault."""


class CompositeError(LisError):
    """A composite index cannot be built: bad weights or policies, missing values under the "fail" policy, or a
    recipe at fault (the message names the recipe file, key and component)."""


class ClassificationError(LisError):
    """The values or settings cannot be turned into map classes (no data, unknown method, bad breaks...)."""


class HotspotError(LisError):
    """The data cannot be tested (constant values, too few areas, no neighbours...)."""


class DemandError(LisError):
    """Demand or sites for a siting analysis cannot be put together (unknown areas, no sites in the study area)."""


class SitingError(LisError):
    """A siting problem cannot be set up or solved (empty or inconsistent inputs, infeasible targets)."""


class WeightsError(LisError):
    """Weights cannot be built as asked (too few areas, a bad parameter, every area isolated...)."""


class ProfileError(LisError):
    """A profile cannot be built as asked (no indicators, an unknown borough, a lookup to another geography...)."""


class NetworkError(LisError):
    """A line network cannot be used for travel costs (no lines, points too far from it)."""


class Cancelled(LisError):  # noqa: N818 - reads as the domain
    """The user stopped the work before it finished; nothing was written."""

    def __init__(self, message: str = "Stopped before it finished; nothing was written.") -> None:
        super().__init__(message)


def stop_if_cancelled(cancelled) -> None:
    """Raise Cancelled when the door's cancel predicate (a Processing feedback, a task) says so; the engine calls
    this in its long loops."""
    if cancelled is not None and cancelled():
        raise Cancelled()

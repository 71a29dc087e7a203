"""Output files that appear whole or not at all: written beside their final name, then moved into place.

A crash, a full disk or an error half-way leaves the old file (or none) and no fragment; colleagues reading
the folder never open half a file.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def written_whole(target: str | os.PathLike) -> Iterator[Path]:
    """A path beside `target` to write to; moved onto `target` when the block ends, removed if it fails."""
    target = Path(target)
    partial = target.with_name(f".{target.stem}.{os.getpid()}.{uuid.uuid4().hex[:8]}.partial{target.suffix}")
    try:
        yield partial
        os.replace(partial, target)
    finally:
        for leftover in (partial, Path(f"{partial}-journal")):
            if leftover.exists():
                leftover.unlink()

"""File names made from area names, for per-area outputs (one PDF or PNG per ward).

Names become letters, digits and _; a long name is cut with a stable suffix made from the whole name and code,
so a 300-character name still gets its own file, on every system (most allow 255 bytes a name), every time.
"""

from __future__ import annotations

import hashlib
import re

MAX_STEM = 60


def area_file_stem(name: str | None, code: str) -> str:
    """The part of a file name that says which area a file is for, e.g. 'Aspull_New_Springs_Whelley'.

    >>> area_file_stem("Aspull, New Springs & Whelley", "E05014991")
    'Aspull_New_Springs_Whelley'
    >>> len(area_file_stem("Ward " * 60, "E05000001"))
    60
    """
    safe = re.sub(r"[^A-Za-z0-9]+", "_", str(name or "")).strip("_") or re.sub(r"[^A-Za-z0-9]+", "_", str(code))
    if len(safe) <= MAX_STEM:
        return safe
    digest = hashlib.sha1(f"{code}|{name}".encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{safe[: MAX_STEM - len(digest) - 1].rstrip('_')}_{digest}"

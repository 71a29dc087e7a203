"""What the store accepts as names: indicator ids, geography and lookup names.

Ids end up in SQL, layer names, file names and URLs, so they are plain: lower-case letters, digits and _.
"""

from __future__ import annotations

import hashlib
import re

from ..errors import GeographyError, ParameterError

INDICATOR_ID = re.compile(r"[a-z0-9_]{1,63}")


def check_indicator_id(indicator_id: str, option: str | None = None) -> str:
    """The id itself, or a ParameterError saying what an id may hold."""
    text = str(indicator_id)
    if not INDICATOR_ID.fullmatch(text):
        shown = text if len(text) <= 80 else text[:77] + "..."
        why = f"it has {len(text)} characters" if len(text) > 63 and INDICATOR_ID.fullmatch(text[:63]) else \
            "it may hold only lower-case letters, digits and _" if text else "it is empty"
        raise ParameterError(f"'{shown}' cannot be an indicator id: {why} (at most 63, e.g. claimant_rate).",
                             option=option)
    return text


def shortened_id(text: str) -> str:
    """An id made from a long column name, cut to 63 characters with a stable suffix from the whole of it, so
    two long names that start alike still get two ids.

    >>> shortened_id("income_rank")
    'income_rank'
    >>> len(shortened_id("index_of_multiple_deprivation_imd_decile_where_1_is_most_deprived_10_of_lsoas"))
    63
    """
    if len(text) <= 63:
        return text
    digest = hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()[:8]
    return f"{text[:54].rstrip('_')}_{digest}"


def check_layer_name(name: str) -> None:
    """Geography, point-layer and lookup names: a lower-case letter, then lower-case letters, digits and _."""
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,62}", str(name)):
        raise GeographyError(f"'{name}' is not a usable name: use lower-case letters, digits and _ "
                             "(e.g. lsoa11, ward23).")

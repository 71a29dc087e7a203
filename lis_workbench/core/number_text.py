"""Numbers and periods as people read them, for every page the engine's results are printed or published on:
proportions as percentages (0.043 -> 4.3%), thousands separators (12,635), never scientific notation, and
months by name (2017-10 -> Oct 2017). One rule, used by the profile rows (so PDFs and the website agree)."""

from __future__ import annotations

import math
import re

#: How a number is shown: counts, whole numbers (ranks, deciles), proportions of one (shown x 100 with %),
#: percentages (already x 100, shown with %), and other numbers (rates, ratios, scores).
STYLES = ("count", "whole", "proportion", "percent", "number")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WHOLE_TYPES = frozenset({"rank", "decile", "quintile", "centile", "percentile"})
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def number_style(kind: str | None, unit: str | None = None, value_type: str | None = None) -> str:
    """The style of an indicator's numbers from its aggregation kind (geography.aggregation_kind), unit and
    value_type: "count", "whole", "proportion", "percent" or "number"."""
    unit_l = (unit or "").strip().lower()
    vt = (value_type or "").strip().lower()
    if kind == "count":
        return "count"
    if vt in _WHOLE_TYPES or unit_l.startswith(tuple(_WHOLE_TYPES)):
        return "whole"
    if unit_l.startswith(("%", "percent")) or vt in ("percentage", "percent"):
        return "percent"
    if unit_l.startswith("proportion") or vt == "proportion":
        return "proportion"
    return "number"


def format_number(value: float | None, style: str = "number") -> str:
    """A number in its style, "n/a" when missing: 12,635 / 4.3% / 0.87% / 12.4 / 1.23 / 0.456 / 0.00123."""
    if value is None:
        return "n/a"
    try:
        value = float(value)
    except (TypeError, ValueError):
        return "n/a"
    if not math.isfinite(value):
        return "n/a"
    if style == "count":
        return f"{value:,.0f}" if abs(value - round(value)) < 1e-6 else f"{value:,.1f}"
    if style == "whole":
        return f"{value:,.0f}" if abs(value - round(value)) < 1e-6 else f"{value:,.1f}"
    if style in ("proportion", "percent"):
        pct = value * 100 if style == "proportion" else value
        size = abs(pct)
        if size >= 100:
            return f"{pct:,.0f}%"
        return f"{pct:.1f}%" if size >= 1 or size == 0 else f"{pct:.2f}%"
    size = abs(value)
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 10:
        return f"{value:.1f}"
    if size >= 1:
        return f"{value:.2f}"
    if size >= 0.01 or size == 0:
        return f"{value:.3f}"
    places = 2 - math.floor(math.log10(size))  # three significant figures, never 1.2e-05
    return f"{value:.{places}f}"


def unit_text(unit: str | None, style: str) -> str:
    """The unit as printed beside numbers in `style`: a proportion shown as a percentage reads "%" ("% of
    households" for "proportion of households")."""
    text = (unit or "").strip()
    if style == "proportion" and text.lower().startswith("proportion"):
        rest = text[len("proportion"):].strip()
        return f"% {rest}" if rest else "%"
    return text


def period_text(period: str | None) -> str:
    """A period as people read it: "2017-10" -> "Oct 2017", "2017-10-05" -> "5 Oct 2017"; others unchanged."""
    text = "" if period is None else str(period).strip()
    month = _MONTH.match(text)
    if month and 1 <= int(month.group(2)) <= 12:
        return f"{MONTHS[int(month.group(2)) - 1]} {month.group(1)}"
    day = _DAY.match(text)
    if day and 1 <= int(day.group(2)) <= 12 and 1 <= int(day.group(3)) <= 31:
        return f"{int(day.group(3))} {MONTHS[int(day.group(2)) - 1]} {day.group(1)}"
    return text

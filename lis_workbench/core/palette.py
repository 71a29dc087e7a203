"""Which ColorBrewer ramp a map gets: chosen by the indicator's polarity so darker always means worse."""

from __future__ import annotations

from dataclasses import dataclass

#: Colour-blind-safe ColorBrewer schemes offered to users.
SEQUENTIAL = ("YlOrRd", "OrRd", "Reds", "PuRd", "YlGnBu", "Blues", "Purples", "Greens", "Greys")
DIVERGING = ("RdBu", "PuOr", "BrBG", "PRGn")
MAX_CLASSES = {"sequential": 9, "diverging": 11}


@dataclass(frozen=True)
class RampChoice:
    """A ColorBrewer scheme name and whether to run it backwards (dark end at the low values)."""

    name: str
    reverse: bool
    kind: str  # "sequential" or "diverging"


def choose_ramp(polarity: str | None, method: str = "quantile", ramp: str | None = None,
                change: bool = False) -> RampChoice:
    """The ramp for an indicator: dark = worse for high-is-bad (high values) and high-is-good (low values);
    a diverging ramp for change maps and for deciles (red = most deprived, blue = least)."""
    high_is_good = polarity == "high_is_good"
    if ramp:
        kind = "diverging" if ramp in DIVERGING else "sequential"
    elif change or method == "decile":
        ramp, kind = "RdBu", "diverging"
    else:
        ramp, kind = ("YlOrRd" if polarity in ("high_is_bad", "high_is_good") else "Blues"), "sequential"
    if kind == "diverging":
        # RdBu runs red (low) to blue (high): red must be the worse end.
        reverse = polarity == "high_is_bad"
        if method == "decile":
            reverse = False  # decile classes run from most in need (class 0) to least
    else:
        reverse = high_is_good
    return RampChoice(ramp, reverse, kind)

"""Every colour a map gets: the ColorBrewer ramp chosen by the indicator's polarity (darker always means worse), its
published colours (never more classes than the scheme has), and the "no data" symbol, chosen so that it stands out
from every class on the map. QGIS and the website only draw these colours."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .colorbrewer import SCHEMES
from .errors import ClassificationError

#: Colour-blind-safe ColorBrewer schemes offered to users.
SEQUENTIAL = ("YlOrRd", "OrRd", "Reds", "PuRd", "YlGnBu", "Blues", "Purples", "Greens", "Greys")
DIVERGING = ("RdBu", "PuOr", "BrBG", "PRGn")
#: ColorBrewer publishes sequential schemes of 3 to 9 classes and diverging ones of 3 to 11.
MAX_CLASSES = {"sequential": 9, "diverging": 11}

#: "No data": diagonal white hatching on a mid grey (the outline is the classes' own). Mid grey, because every
#: ramp's palest and darkest classes sit at the ends of the lightness scale and its middle classes are coloured; the
#: hatching makes it a texture, never mistaken for a flat class. On a grey ramp (Greys) the grey would pass for a
#: class, so the olive below takes its place (see no_data_symbol).
NO_DATA_FILL = "#767676"
NO_DATA_FILL_ON_GREY = "#777700"
NO_DATA_HATCH = "#ffffff"
NO_DATA_LABEL = "No data (missing or suppressed)"
#: Hotspot maps: areas tested and found unremarkable.
NOT_SIGNIFICANT_FILL = "#f0f0f0"
#: The smallest CIEDE2000 difference between the no-data fill and any class colour of the map. Neighbouring classes
#: of ColorBrewer's 5- to 11-class schemes differ by a median of 13.8 (10th-90th percentile 8-23): 15 keeps the
#: no-data fill further from every class than two typical neighbouring classes are from each other.
MIN_NO_DATA_DIFFERENCE = 15.0
#: WCAG 2.2 (1.4.11, non-text contrast): the parts of a graphic needed to read it contrast 3:1 with what is beside.
MIN_HATCH_CONTRAST = 3.0


@dataclass(frozen=True)
class RampChoice:
    """A ColorBrewer scheme name and whether to run it backwards (dark end at the low values)."""

    name: str
    reverse: bool
    kind: str  # "sequential" or "diverging"


@dataclass(frozen=True)
class NoDataSymbol:
    """How areas without a value are drawn: a fill, hatching across it, and the legend's words."""

    fill: str
    hatch: str
    label: str = NO_DATA_LABEL


def choose_ramp(polarity: str | None, method: str = "quantile", ramp: str | None = None,
                change: bool = False) -> RampChoice:
    """The ramp for an indicator: dark = worse for high-is-bad (high values) and high-is-good (low values);
    a diverging ramp for change maps and for deciles (red = most deprived, blue = least: ColorBrewer's 10-class
    RdBu, as sequential schemes stop at 9 classes)."""
    high_is_good = polarity == "high_is_good"
    if ramp:
        if ramp not in SCHEMES:
            raise ClassificationError(f"'{ramp}' is not a colour scheme we offer; choose one of "
                                      f"{', '.join(SEQUENTIAL + DIVERGING)}.", option="ramp")
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


def check_classes(choice: RampChoice, k: int) -> None:
    """Refuse more classes than the scheme publishes colours for (9 sequential, 11 diverging): past that,
    neighbouring classes can no longer be told apart."""
    limit = MAX_CLASSES[choice.kind]
    if k > limit:
        hint = (" Ask for 9 classes or fewer, or choose a diverging scheme (RdBu, PuOr, BrBG, PRGn: up to 11)."
                if choice.kind == "sequential" else " Ask for 11 classes or fewer.")
        raise ClassificationError(f"The map has {k} classes but ColorBrewer's {choice.kind} scheme {choice.name} "
                                  f"stops at {limit}, so some classes would look alike.{hint}", option="classes")


def ramp_colours(choice: RampChoice, k: int) -> list[str]:
    """k hex colours of the scheme as ColorBrewer publishes them (1 or 2 classes: the ends of its 3-class set),
    in class order (reversed when the choice says so)."""
    if k <= 0:
        return []
    check_classes(choice, k)
    published = SCHEMES[choice.name]
    colours = list(published[max(k, 3)])
    if k == 1:
        colours = colours[-1:]
    elif k == 2:
        colours = [colours[0], colours[-1]]
    return list(reversed(colours)) if choice.reverse else colours


def no_data_symbol(class_colours: Sequence[str]) -> NoDataSymbol:
    """The no-data symbol for a map with these class colours: white hatching on mid grey, or on olive when a class
    colour is too near the grey (a grey ramp). Thematic and hotspot maps all use this one rule."""
    for fill in (NO_DATA_FILL, NO_DATA_FILL_ON_GREY):
        if all(colour_difference(fill, c) >= MIN_NO_DATA_DIFFERENCE for c in class_colours):
            return NoDataSymbol(fill, NO_DATA_HATCH)
    return NoDataSymbol(NO_DATA_FILL_ON_GREY, NO_DATA_HATCH)


# ------------------------------------------------------------------ colour measures
def _linear_rgb(colour: str) -> tuple[float, float, float]:
    """sRGB '#rrggbb' as linear-light RGB in 0..1 (IEC 61966-2-1)."""
    text = colour.lstrip("#")
    if len(text) != 6:
        raise ValueError(f"Not a #rrggbb colour: {colour!r}")
    rgb = [int(text[i:i + 2], 16) / 255.0 for i in (0, 2, 4)]
    r, g, b = (v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4 for v in rgb)
    return r, g, b


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""
    r, g, b = _linear_rgb(colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2.x contrast ratio (1 to 21) between two colours."""
    low, high = sorted((relative_luminance(a), relative_luminance(b)))
    return (high + 0.05) / (low + 0.05)


def lab(colour: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of an sRGB colour."""
    r, g, b = _linear_rgb(colour)
    xyz = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b, 0.2126729 * r + 0.7151522 * g + 0.0721750 * b,
           0.0193339 * r + 0.1191920 * g + 0.9503041 * b)
    f = [t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116
         for t in (xyz[0] / 0.95047, xyz[1] / 1.0, xyz[2] / 1.08883)]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def colour_difference(a: str, b: str) -> float:
    """CIEDE2000 colour difference between two sRGB colours (about 2: just noticeable side by side)."""
    return ciede2000(lab(a), lab(b))


def ciede2000(lab1: Sequence[float], lab2: Sequence[float]) -> float:
    """CIEDE2000 difference of two L*a*b* colours (Sharma, Wu and Dalal 2005, kL = kC = kH = 1)."""
    l1, a1, b1 = (float(v) for v in lab1)
    l2, a2, b2 = (float(v) for v in lab2)
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar ** 7 / (c_bar ** 7 + 25.0 ** 7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    d_l, d_c = l2 - l1, c2p - c1p
    if c1p * c2p == 0:
        d_h = 0.0
    else:
        d_h = h2p - h1p
        d_h = d_h - 360 if d_h > 180 else d_h + 360 if d_h < -180 else d_h
    d_big_h = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(d_h / 2))
    l_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_bar = (h1p + h2p) / 2
    else:
        h_bar = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (1 - 0.17 * math.cos(math.radians(h_bar - 30)) + 0.24 * math.cos(math.radians(2 * h_bar))
         + 0.32 * math.cos(math.radians(3 * h_bar + 6)) - 0.20 * math.cos(math.radians(4 * h_bar - 63)))
    d_theta = 30 * math.exp(-(((h_bar - 275) / 25) ** 2))
    r_c = 2 * math.sqrt(cp_bar ** 7 / (cp_bar ** 7 + 25.0 ** 7))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_t = -math.sin(math.radians(2 * d_theta)) * r_c
    return float(math.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_big_h / s_h) ** 2
                         + r_t * (d_c / s_c) * (d_big_h / s_h)))

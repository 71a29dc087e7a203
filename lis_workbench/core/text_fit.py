"""Text fitted to a width without a font engine: DejaVu Sans advance widths (the font QGIS ships everywhere),
so a page laid out here wraps the same wherever it is made. Sizes and widths in any one unit (px, mm, pt).
"""

from __future__ import annotations

# DejaVu Sans advance widths (em) of common characters; others count as 0.65 em.
_WIDTHS = {" ": 0.318, "a": 0.613, "b": 0.635, "c": 0.550, "d": 0.635, "e": 0.615, "f": 0.352, "g": 0.635,
           "h": 0.634, "i": 0.278, "j": 0.278, "k": 0.579, "l": 0.278, "m": 0.974, "n": 0.634, "o": 0.612,
           "p": 0.635, "q": 0.635, "r": 0.411, "s": 0.521, "t": 0.392, "u": 0.634, "v": 0.592, "w": 0.818,
           "x": 0.592, "y": 0.592, "z": 0.525, "A": 0.684, "B": 0.686, "C": 0.698, "D": 0.770, "E": 0.632,
           "F": 0.575, "G": 0.775, "H": 0.752, "I": 0.295, "J": 0.295, "K": 0.656, "L": 0.557, "M": 0.863,
           "N": 0.748, "O": 0.787, "P": 0.603, "Q": 0.787, "R": 0.695, "S": 0.635, "T": 0.611, "U": 0.732,
           "V": 0.684, "W": 0.989, "X": 0.685, "Y": 0.611, "Z": 0.685, ",": 0.318, ".": 0.318, ":": 0.337,
           ";": 0.337, "-": 0.361, "(": 0.390, ")": 0.390, "/": 0.337, "%": 0.950, "&": 0.780, "'": 0.275,
           '"': 0.460, "*": 0.500, "+": 0.838, "=": 0.838, "×": 0.838, "–": 0.500, "—": 1.000, "…": 1.000,
           "_": 0.500, "!": 0.400, "?": 0.531, "[": 0.390, "]": 0.390, "↑": 0.838, "↓": 0.838, "→": 0.838}
_WIDTHS.update({d: 0.636 for d in "0123456789"})


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The estimated width of text set in DejaVu Sans at `size` (bold about 10 % wider), with 3 % spare."""
    em = sum(_WIDTHS.get(ch, 0.65) for ch in text)
    return em * size * (1.1 if bold else 1.0) * 1.03


def wrap(text: str, width: float, size: float, max_lines: int | None = None, bold: bool = False) -> list[str]:
    """Greedy word wrap to `width`; a word longer than a line is split; past max_lines the last line ends in '…'."""
    words = text.split()
    lines: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line} {word}" if line else word
        if text_width(candidate, size, bold) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while text_width(word, size, bold) > width:  # a single word wider than the line
            cut = max(1, next(i for i in range(len(word), 0, -1) if text_width(word[:i], size, bold) <= width))
            lines.append(word[:cut])
            word = word[cut:]
        line = word
    if line:
        lines.append(line)
    if max_lines is not None and len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and text_width(last + "…", size, bold) > width:
            last = last[:-1].rstrip()
        lines = lines[: max_lines - 1] + [last + "…"]
    return lines or [""]

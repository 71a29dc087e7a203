"""Area profiles as a PDF book: per area an A4 portrait page with its name, the engine's profile table (core/spine.py's
SVG, painted as vector shapes and real text by svg_painter), one line per row saying how the area's value was made,
a locator map of the area in its borough and a provenance footer; then methods pages for the whole book
(core/profile_methods.py). Drawn with QPdfWriter, so the text is selectable and the book small; titled, with its
language set (pdf_metadata). Qt 5's PDF writer does not tag (no PDF/UA structure tree): that is left undone."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Callable, Sequence
from pathlib import Path

from qgis.PyQt.QtCore import QMarginsF, QPointF, Qt
from qgis.PyQt.QtGui import QBrush, QColor, QPageLayout, QPageSize, QPainter, QPainterPath, QPdfWriter, QPen, QPolygonF

from ..__about__ import __version__
from ..core.errors import Cancelled, LisError, ParameterError
from ..core.file_names import area_file_stem
from ..core.profile_methods import area_lines, general_methods, indicator_methods
from ..core.spine import profile_svg
from ..core.text_fit import wrap
from . import layout as layouts
from .pdf_metadata import set_language
from .svg_painter import SvgPainter, draw_text, font_for, svg_size

PAGE_W, PAGE_H = 210.0, 297.0
LEFT, WIDTH = 10.0, 190.0  # mm
DPI = 600
TABLE_SCALE = WIDTH / 1000  # mm per px of the 1000 px table: 13 px, its smallest text, prints at 7 pt
TABLE_TOP, FOOTER_TOP = 27.0, 282.0
TITLE_WIDTH_MM, TITLE_PT, SUBTITLE_PT = 190, 17, 9.5
TEXT_PT, SMALL_PT, HEAD_PT = 7.5, 7.0, 8.5  # nothing on a page is smaller than SMALL_PT
MAP_W, MAP_H = 55.0, 46.0  # the locator map, bottom right
INK, GREY, HIGHLIGHT, OTHER, EDGE = "#1a1a1a", "#525252", "#6a3d9a", "#dcdcdc", "#ffffff"
LANGUAGE = "en-GB"
CREDIT = "Contains OS data © Crown copyright and database right; ONS and MHCLG data, OGL v3.0."


def page_title(name: str) -> str:
    """The area's name as the page title: one line, cut with an ellipsis when it would run past the title box."""
    return layouts.fit_text(name, TITLE_WIDTH_MM, TITLE_PT, bold=True)


def export_profiles(profiles: Sequence, out_pdf: str | Path, per_area_dir: str | Path | None = None,
                    subtitle: str = "", provenance: str = "",
                    progress: Callable[[float, str], None] | None = None,
                    cancelled: Callable[[], bool] | None = None) -> list[str]:
    """Write one page per AreaProfile (more when its table is long) and the methods pages to out_pdf, and the
    same for each area alone into per_area_dir; returns the files written."""
    if Path(out_pdf).suffix.lower() != ".pdf":
        raise ParameterError("Profiles are written as one PDF: give a file name ending .pdf, not "
                             f"{Path(out_pdf).name}.", option="out")
    if not profiles:
        raise LisError("There are no areas to make profiles for.")
    footer = (f"{provenance}\nMade with LIS Workbench {__version__} on {_dt.date.today().isoformat()}. "
              f"{CREDIT}").strip()
    borough = str(((profiles[0].provenance or {}).get("borough") or {}).get("name") or "")
    steps = len(profiles) * (2 if per_area_dir else 1)
    done = [0]

    def step(message: str) -> None:
        if cancelled and cancelled():
            raise Cancelled()
        done[0] += 1
        if progress:
            progress(min(done[0] / steps, 1.0), message)

    out_pdf = Path(out_pdf)
    out_pdf.parent.mkdir(parents=True, exist_ok=True)
    title = f"Area profiles: {borough}" if borough else "Area profiles"
    _write(out_pdf, profiles, subtitle, footer, title, lambda: step(f"Drawing {len(profiles)} profile pages"))
    files = [str(out_pdf)]
    if per_area_dir:
        folder = Path(per_area_dir)
        folder.mkdir(parents=True, exist_ok=True)
        places = len(str(len(profiles)))
        for number, profile in enumerate(profiles, start=1):
            name = profile.area_name or profile.area_code
            path = folder / f"profile_{number:0{places}d}_{area_file_stem(profile.area_name, profile.area_code)}.pdf"
            _write(path, [profile], subtitle, footer, f"Area profile: {name}" + (f", {borough}" if borough else ""),
                   lambda: step("Writing one PDF per area"))
            files.append(str(path))
    return files


# ---------------------------------------------------------------------- planning the pages
@dataclasses.dataclass
class _Page:
    """What one page holds: (kind, y, payload) items, drawn in order, then the footer."""

    items: list[tuple[str, float, object]] = dataclasses.field(default_factory=list)
    area: object = None  # the AreaProfile of an area page (None: a methods page)


def _area_pages(profile, subtitle: str) -> list[_Page]:
    """An area's page(s): title, table (split over pages when long, the key under its last part), then the
    lines saying how its values were made beside the locator map."""
    name = profile.area_name or profile.area_code
    pages: list[_Page] = []
    rows, first = list(profile.rows), 1
    bottom = _bottom_height(profile)
    while True:
        page = _Page(area=profile)
        heading = page_title(name) if not pages else page_title(f"{name} (continued)")
        page.items.append(("title", 0, heading))
        if subtitle and not pages:
            page.items.append(("subtitle", 0, subtitle))
        room = FOOTER_TOP - 2 - TABLE_TOP
        count, svg = _fit_rows(profile, rows, first, room)
        if count == 0 and rows:
            raise LisError("One row of the profile table does not fit a page.")
        page.items.append(("svg", TABLE_TOP, svg))
        y = TABLE_TOP + svg_size(svg)[1] * TABLE_SCALE
        rows, first = rows[count:], first + count
        pages.append(page)
        if not rows:
            break
    if y + 3 + bottom <= FOOTER_TOP - 2:
        pages[-1].items.append(("bottom", y + 3, profile))
    else:
        page = _Page(area=profile, items=[("title", 0, page_title(f"{name} (continued)")),
                                          ("bottom", TABLE_TOP, profile)])
        pages.append(page)
    return pages


def _fit_rows(profile, rows: list, first: int, room: float) -> tuple[int, str]:
    """How many of `rows` fit `room` mm (with the key when they are the last), and their SVG."""
    whole = _table(profile, rows, first, key=True)
    if svg_size(whole)[1] * TABLE_SCALE <= room:
        return len(rows), whole
    for count in range(len(rows) - 1, 0, -1):
        part = _table(profile, rows[:count], first, key=False)
        if svg_size(part)[1] * TABLE_SCALE <= room:
            return count, part
    return 0, ""


def _table(profile, rows: list, first: int, key: bool) -> str:
    return profile_svg(dataclasses.replace(profile, rows=rows), title="", notes=False, key=key, first_row=first)


def _bottom_height(profile) -> float:
    notes = _note_lines(profile)
    return max(MAP_H + 6, 5 + len(notes) * _leading(SMALL_PT))


def _note_lines(profile) -> list[str]:
    lines = []
    for text in area_lines(profile):
        lines += wrap(text, WIDTH - MAP_W - 8, _em(SMALL_PT), max_lines=2)
    lines.append("How every value is derived, tested and ranked: see Methods at the end.")
    return lines


def _methods_pages(profiles: Sequence) -> list[_Page]:
    """The methods for the whole book, flowed over as many pages as they need."""
    blocks: list[tuple[str, str]] = [("head", "Methods: how the values were made")]
    for heading, text in general_methods(profiles):
        blocks.append(("para", f"{heading}. {text}"))
    blocks.append(("sub", "Indicators"))
    for heading, text in indicator_methods(profiles):
        blocks.append(("bold", heading))
        blocks.append(("para", text))
    pages = [_Page()]
    y = 12.0
    for kind, text in blocks:
        if kind == "head":
            lines, size, bold, gap = wrap(text, WIDTH, _em(14), bold=True), 14.0, True, 2.0
        elif kind == "sub":
            lines, size, bold, gap = [text], 10.0, True, 2.5
        elif kind == "bold":
            lines, size, bold, gap = wrap(text, WIDTH, _em(HEAD_PT), bold=True), HEAD_PT, True, 1.2
        else:
            lines, size, bold, gap = wrap(text, WIDTH, _em(TEXT_PT)), TEXT_PT, False, 1.2
        height = len(lines) * _leading(size) + gap
        if y + height > FOOTER_TOP - 2 or (kind == "bold" and y + height + 2 * _leading(TEXT_PT) > FOOTER_TOP - 2):
            pages.append(_Page(items=[("lines", 12.0, (["Methods (continued)"], 10.0, True, INK))]))
            y = 12.0 + _leading(10.0) + 2.5
        pages[-1].items.append(("lines", y, (lines, size, bold, INK)))
        y += height
    return pages


# ---------------------------------------------------------------------- drawing
def _write(path: Path, profiles: Sequence, subtitle: str, footer: str, title: str,
           step: Callable[[], None]) -> None:
    """Plan and draw the pages of `profiles` and their methods into one PDF at `path`."""
    plans = []
    for profile in profiles:
        plans.append(_area_pages(profile, subtitle))
    methods = _methods_pages(profiles)
    total = sum(len(p) for p in plans) + len(methods)
    writer = QPdfWriter(str(path))
    writer.setResolution(DPI)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter))
    writer.setTitle(title)
    writer.setCreator(f"LIS Workbench {__version__}")
    painter = QPainter()
    if not painter.begin(writer):
        raise LisError(f"Could not write {path}: is it open in another program, or the folder read-only?")
    ok = False
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(DPI / 25.4, DPI / 25.4)  # millimetres from here on
        canvas = _Canvas(painter)
        number = 0
        for pages in plans:
            for page in pages:
                number += 1
                if number > 1:
                    writer.newPage()
                canvas.page(page, footer, number, total)
            step()
        for page in methods:
            number += 1
            writer.newPage()
            canvas.page(page, footer, number, total)
        ok = True
    finally:
        painter.end()
        if not ok:
            path.unlink(missing_ok=True)
    set_language(path, LANGUAGE)


class _Canvas:
    """Draws planned pages in millimetres."""

    def __init__(self, painter: QPainter) -> None:
        self.p = painter
        self.svg = SvgPainter(painter, DPI)

    def page(self, page: _Page, footer: str, number: int, total: int) -> None:
        for kind, y, payload in page.items:
            if kind == "title":
                self.text(LEFT, 16.0, str(payload), TITLE_PT, bold=True)
            elif kind == "subtitle":
                self.text(LEFT, 22.5, str(payload), SUBTITLE_PT, colour=GREY)
            elif kind == "svg":
                self.svg.paint(str(payload), LEFT, y, TABLE_SCALE)
            elif kind == "bottom":
                self.bottom(payload, y)
            elif kind == "lines":
                lines, size, bold, colour = payload
                for i, line in enumerate(lines):
                    self.text(LEFT, y + _leading(size) * (i + 0.8), line, size, bold=bold, colour=colour)
        self.footer(footer, number, total)

    def text(self, x: float, baseline: float, text: str, size_pt: float, bold: bool = False,
             colour: str = INK, anchor: str = "start") -> None:
        draw_text(self.p, x, baseline, text, font_for(layouts.FONT, _em(size_pt), DPI, bold), QColor(colour), anchor)

    def bottom(self, profile, y: float) -> None:
        """How the area's values were made (left) and where it is (right)."""
        self.text(LEFT, y + 3.2, f"How {profile.area_name or profile.area_code}'s values were made", HEAD_PT,
                  bold=True)
        for i, line in enumerate(_note_lines(profile)):
            self.text(LEFT, y + 3.4 + _leading(SMALL_PT) * (i + 1), line, SMALL_PT, colour=INK)
        if profile.outlines:
            self.locator(profile, LEFT + WIDTH - MAP_W, y + 1.0)

    def locator(self, profile, x: float, y: float) -> None:
        """The borough's areas in grey with this one in purple, fitted to the map box, north up."""
        shapes = profile.outlines
        xs = [px for outline in shapes.values() for poly in outline for ring in poly for px, _ in ring]
        ys = [py for outline in shapes.values() for poly in outline for ring in poly for _, py in ring]
        if not xs:
            return
        borough = str(((profile.provenance or {}).get("borough") or {}).get("name") or "the borough")
        words = wrap(f"{profile.area_name or profile.area_code} (purple) in {borough}", MAP_W, _em(SMALL_PT),
                     max_lines=2)
        box_w, box_h = MAP_W, MAP_H - len(words) * _leading(SMALL_PT) - 1.0
        span_x, span_y = max(max(xs) - min(xs), 1.0), max(max(ys) - min(ys), 1.0)
        scale = min(box_w / span_x, box_h / span_y)
        ox = x + (box_w - span_x * scale) / 2
        oy = y + (box_h - span_y * scale) / 2
        left, top = min(xs), max(ys)

        def path(outline) -> QPainterPath:
            shape = QPainterPath()
            shape.setFillRule(Qt.FillRule.OddEvenFill)
            for poly in outline:
                for ring in poly:
                    shape.addPolygon(QPolygonF([QPointF(ox + (px - left) * scale, oy + (top - py) * scale)
                                                for px, py in ring]))
                    shape.closeSubpath()
            return shape

        pen = QPen(QColor(EDGE))
        pen.setWidthF(0.25)
        self.p.setPen(pen)
        self.p.setBrush(QBrush(QColor(OTHER)))
        for code, outline in shapes.items():
            if code != profile.area_code:
                self.p.drawPath(path(outline))
        if profile.area_code in shapes:
            pen = QPen(QColor(INK))
            pen.setWidthF(0.3)
            self.p.setPen(pen)
            self.p.setBrush(QBrush(QColor(HIGHLIGHT)))
            self.p.drawPath(path(shapes[profile.area_code]))
        for i, line in enumerate(words):
            self.text(x + MAP_W, y + box_h + 1.0 + _leading(SMALL_PT) * (i + 0.8), line, SMALL_PT, colour=GREY,
                      anchor="end")
        self.p.setPen(Qt.PenStyle.NoPen)

    def footer(self, footer: str, number: int, total: int) -> None:
        folio = f"Page {number} of {total}"
        lines = []
        for part in footer.split("\n"):
            lines += wrap(part, WIDTH - 25, _em(SMALL_PT))
        for i, line in enumerate(lines[:3]):
            self.text(LEFT, FOOTER_TOP + 3.5 + _leading(SMALL_PT) * i, line, SMALL_PT, colour=GREY)
        self.text(LEFT + WIDTH, FOOTER_TOP + 3.5, folio, SMALL_PT, colour=GREY, anchor="end")
        pen = QPen(QColor("#bdbdbd"))
        pen.setWidthF(0.2)
        self.p.setPen(pen)
        self.p.drawLine(QPointF(LEFT, FOOTER_TOP), QPointF(LEFT + WIDTH, FOOTER_TOP))


def _em(size_pt: float) -> float:
    """A point size as an em in millimetres."""
    return size_pt * 25.4 / 72


def _leading(size_pt: float) -> float:
    """The distance between lines of text at a point size, in mm."""
    return _em(size_pt) * 1.3


"""What Qt's PDF writer cannot say, added afterwards: the document's language (/Lang, which screen readers need
to choose a voice) and the viewer preference to show the document title rather than the file name. Written as a
PDF incremental update (a new version of the Catalog appended with its own xref section and a trailer pointing
back with /Prev), so every byte Qt wrote stays as it was. Pure Python; for the classic xref tables Qt writes."""

from __future__ import annotations

import re
from pathlib import Path

from ..core.errors import LisError

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


def set_language(path: str | Path, lang: str = "en-GB", display_title: bool = True) -> None:
    """Give the PDF at `path` a document language (and /DisplayDocTitle) by an incremental update."""
    path = Path(path)
    data = path.read_bytes()
    found = _STARTXREF.search(data[-1024:])
    if not found:
        raise LisError(f"{path.name} does not end as a PDF should; its language could not be set.")
    prev = int(found.group(1))
    if not data[prev:prev + 4] == b"xref":
        raise LisError(f"{path.name} uses a cross-reference stream; its language could not be set.")
    trailer = _trailer(data, prev)
    root = re.search(rb"/Root\s+(\d+)\s+(\d+)\s+R", trailer)
    size = re.search(rb"/Size\s+(\d+)", trailer)
    if not root or not size:
        raise LisError(f"{path.name} has no document catalogue; its language could not be set.")
    number, generation = int(root.group(1)), int(root.group(2))
    offset = _offset(data, prev, number)
    catalog = _dictionary(data, offset)
    catalog = re.sub(rb"/Lang\s*\([^)]*\)", b"", catalog)
    extra = b" /Lang (" + lang.encode("ascii") + b")"
    if display_title and b"/ViewerPreferences" not in catalog:
        extra += b" /ViewerPreferences << /DisplayDocTitle true >>"
    catalog = catalog[:-2].rstrip() + extra + b" >>"
    body = b"\n" if not data.endswith(b"\n") else b""
    start = len(data) + len(body)
    body += b"%d %d obj\n" % (number, generation) + catalog + b"\nendobj\n"
    xref_at = len(data) + len(body)
    rest = re.sub(rb"/Prev\s+\d+", b"", trailer[2:-2])
    body += (b"xref\n%d 1\n%010d %05d n \n" % (number, start, generation)
             + b"trailer\n<<" + rest.rstrip() + b" /Prev %d >>\n" % prev
             + b"startxref\n%d\n%%%%EOF\n" % xref_at)
    with open(path, "ab") as out:
        out.write(body)


def _trailer(data: bytes, xref: int) -> bytes:
    at = data.index(b"trailer", xref)
    return _dictionary(data, at + len(b"trailer"))


def _offset(data: bytes, xref: int, number: int) -> int:
    """The byte offset of object `number` from the xref table at `xref` (its subsections)."""
    pos = xref + len(b"xref")
    while True:
        header = re.compile(rb"\s*(\d+)\s+(\d+)\s*\r?\n").match(data, pos)
        if not header:
            break
        first, count = int(header.group(1)), int(header.group(2))
        pos = header.end()
        if first <= number < first + count:
            entry = data[pos + 20 * (number - first): pos + 20 * (number - first) + 20]
            return int(entry[:10])
        pos += 20 * count
    raise LisError("The PDF's catalogue is not in its cross-reference table; its language could not be set.")


def _dictionary(data: bytes, start: int) -> bytes:
    """The balanced << ... >> dictionary starting at or after `start`."""
    begin = data.index(b"<<", start)
    depth, i = 0, begin
    while i < len(data) - 1:
        pair = data[i:i + 2]
        if pair == b"<<":
            depth += 1
            i += 2
            continue
        if pair == b">>":
            depth -= 1
            i += 2
            if depth == 0:
                return data[begin:i]
            continue
        if data[i:i + 1] == b"(":  # a string may hold << or >>; skip it
            i = _string_end(data, i)
            continue
        i += 1
    raise LisError("The PDF's catalogue could not be read; its language could not be set.")


def _string_end(data: bytes, i: int) -> int:
    depth = 0
    while i < len(data):
        ch = data[i:i + 1]
        if ch == b"\\":
            i += 2
            continue
        if ch == b"(":
            depth += 1
        elif ch == b")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i

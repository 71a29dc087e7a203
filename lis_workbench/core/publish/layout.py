"""What every page of the website shares: the HTML shell (language, title, skip link, header with navigation, main,
footer), escaping, and the pieces pages are built from (tables in a focusable scroll box, lists of links). Text
goes through html.escape everywhere; links are relative, so the site opens from a folder or any web server."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from html import escape

STYLESHEET = "site.css"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def esc(text: object) -> str:
    """Text (or a number) made safe for HTML content and attribute values."""
    return escape(_CONTROL.sub("", "" if text is None else str(text)), quote=True)


@dataclass
class Site:
    """What the pages say about the site as a whole: its name, the borough, and the footer's provenance."""

    borough: str
    made: str  # when, in words ("3 December 2026")
    store: str  # the store's name
    checksum: str
    tool: str
    nav: list[tuple[str, str]] = field(default_factory=list)  # (file, link text)

    @property
    def name(self) -> str:
        return f"{self.borough}: ward profiles and indicator maps"


def page(site: Site, file: str, title: str, body: str, *, description: str = "") -> str:
    """A whole HTML5 page: `title` is the page's own <title> (the site's name is added), `body` the content of
    <main> (starting with its one h1)."""
    current = ' aria-current="page"'
    nav = "\n".join(f'<li><a href="{esc(target)}"{current if target == file else ""}>{esc(text)}</a></li>'
                     for target, text in site.nav)
    meta = f'\n<meta name="description" content="{esc(description)}">' if description else ""
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} - {esc(site.name)}</title>{meta}
<meta name="generator" content="{esc(site.tool)}">
<link rel="stylesheet" href="{STYLESHEET}">
</head>
<body>
<a class="skip-link" href="#content">Skip to main content</a>
<header class="site-header">
<div class="wrap">
<p class="site-name"><a href="index.html">{esc(site.name)}</a></p>
<nav class="site-nav" aria-label="Site">
<ul>
{nav}
</ul>
</nav>
</div>
</header>
<main id="content" tabindex="-1">
<div class="wrap">
{body}
</div>
</main>
<footer class="site-footer">
<div class="wrap">
<p>Made on {esc(site.made)} by {esc(site.tool)} from the indicator store {esc(site.store)}
(checksum <code>{esc(site.checksum[:16])}</code>).</p>
<p><a href="methods.html">How the figures are made, sources and licences</a>.
<a href="accessibility.html">Accessibility statement</a>.</p>
</div>
</footer>
</body>
</html>
"""


def table(ident: str, caption: str, head: Sequence[tuple[str, str]],
          rows: Iterable[Sequence[tuple[str, str]]], *, wide: bool = False) -> str:
    """A data table inside a focusable scroll box (a region named by the caption), so a wide table scrolls on
    its own at 320 px and the page does not; `wide` keeps the table at least 52 rem wide (rows stay short, the
    box scrolls) for tables with many columns.

    head: (html, css class) per column; rows: per row, (html, css class) per cell - the first cell is the row's
    header (<th scope="row">). Cells are HTML: escape text before passing it."""
    head_html = "".join(f'<th scope="col"{_cls(css)}>{text}</th>' for text, css in head)
    body = []
    for cells in rows:
        first, *rest = cells
        body.append(f'<tr><th scope="row"{_cls(first[1])}>{first[0]}</th>'
                    + "".join(f"<td{_cls(css)}>{text}</td>" for text, css in rest) + "</tr>")
    css = "table-scroll wide" if wide else "table-scroll"
    return (f'<div class="{css}" role="region" aria-labelledby="{esc(ident)}-caption" tabindex="0">\n'
            f'<table id="{esc(ident)}">\n<caption id="{esc(ident)}-caption">{esc(caption)}</caption>\n'
            f"<thead><tr>{head_html}</tr></thead>\n<tbody>\n" + "\n".join(body) + "\n</tbody>\n</table>\n</div>")


def link_list(items: Iterable[tuple[str, str]], columns: bool = False) -> str:
    """A list of links (target file, link text)."""
    css = "link-list columns" if columns else "link-list"
    return f'<ul class="{css}">\n' + "\n".join(f'<li><a href="{esc(target)}">{esc(text)}</a></li>'
                                                for target, text in items) + "\n</ul>"


def paragraphs(texts: Iterable[str], css: str = "") -> str:
    """Plain texts as escaped paragraphs."""
    return "\n".join(f"<p{_cls(css)}>{esc(t)}</p>" for t in texts if t)


def _cls(css: str) -> str:
    return f' class="{esc(css)}"' if css else ""

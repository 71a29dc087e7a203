"""The plugin's offline help page (resources/help/index.html): every Processing algorithm with its help text, its
parameters and a `qgis_process` example, made from the algorithms themselves so it cannot drift from them. The
page ships in the plugin; tools/make_help.py writes it and a test checks the committed page is current."""

from __future__ import annotations

from html import escape
from pathlib import Path

HELP_PAGE = Path(__file__).resolve().parent.parent / "resources" / "help" / "index.html"


def help_url(anchor: str = "") -> str:
    """file:// address of the help page (at an algorithm's section when anchor is its name)."""
    from qgis.PyQt.QtCore import QUrl

    url = QUrl.fromLocalFile(str(HELP_PAGE))
    if anchor:
        url.setFragment(anchor)
    return url.toString()


def _optional(parameter) -> bool:
    from qgis.core import QgsProcessingParameterDefinition

    return bool(parameter.flags() & QgsProcessingParameterDefinition.Flag.FlagOptional)


def example(alg) -> str:
    """A `qgis_process` line with every required parameter, each given a placeholder a user replaces."""
    words = [f"qgis_process run lisworkbench:{alg.name()} --"]
    for p in alg.parameterDefinitions():
        if not _optional(p) and p.defaultValue() in (None, ""):
            words.append(f"{p.name()}=<{p.description().split(' (')[0].lower()}>")
    return " ".join(words)


def render(algorithms: list, version: str) -> str:
    """The whole page: an index, then one section per algorithm (id = its name), in the toolbox's order."""
    algorithms = sorted(algorithms, key=lambda a: (a.group(), a.displayName()))
    out = ['<!DOCTYPE html>', '<html lang="en-GB">', '<head>', '<meta charset="utf-8">',
           f'<title>LIS Workbench {escape(version)} help</title>',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           '<style>body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em;line-height:1.5;color:#222}'
           'code,pre{background:#f3f3f3}pre{padding:.5em;white-space:pre-wrap}table{border-collapse:collapse}'
           'td,th{border:1px solid #bbb;padding:.2em .5em;text-align:left;vertical-align:top}</style>',
           '</head>', '<body>', f'<h1>LIS Workbench {escape(version)}</h1>',
           '<p>Collect once, use many times: partner indicators in one shared store, and from it thematic maps, '
           'hot spots, service siting, indices, trends, ward atlases and area profiles, in QGIS and offline. The '
           'dock (View &gt; Panels &gt; LIS Workbench) browses a store and runs the analyses as background tasks; '
           'every analysis is also a Processing algorithm (below), usable in the model builder and through '
           '<code>qgis_process</code>, and a <code>lis</code> command (<code>lis --help</code>).</p>',
           '<h2>Processing algorithms</h2>', '<ul>']
    out += [f'<li><a href="#{a.name()}">{escape(a.group())}: {escape(a.displayName())}</a></li>'
            for a in algorithms]
    out.append('</ul>')
    for a in algorithms:
        out += [f'<section id="{a.name()}">', f'<h3>{escape(a.displayName())}</h3>',
                f'<p><code>lisworkbench:{a.name()}</code> &middot; {escape(a.group())}</p>',
                f'<p>{escape(getattr(a, "HELP", "") or a.shortHelpString())}</p>', '<table>',
                '<tr><th scope="col">Parameter</th><th scope="col">What it is</th><th scope="col">Needed</th></tr>']
        for p in a.parameterDefinitions():
            out.append(f'<tr><td><code>{escape(p.name())}</code></td><td>{escape(p.description())}</td>'
                       f'<td>{"optional" if _optional(p) else "yes"}</td></tr>')
        out += ['</table>', f'<pre>{escape(example(a))}</pre>', '</section>']
    out += ['</body>', '</html>', '']
    return "\n".join(out)

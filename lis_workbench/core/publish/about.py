"""The site's single pages: the home page (what is here, the lists of pages, when and from what it was made), the
methods page (how values are made, sources and licences, provenance) and the accessibility statement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..geography import area_label
from .layout import Site, esc, link_list, page, paragraphs, table
from .svg_map import TOLERANCE_M
from .words import plural


def index_page(site: Site, wards: Sequence[tuple[str, str]], indicators: Sequence[tuple[str, str]],
               label: str, sources: Sequence[tuple[str, str]], notes: Sequence[str],
               results: Sequence[tuple[str, str]] = ()) -> str:
    """The home page: wards: (file, name); indicators: (file, link text); sources: (source, licence); results:
    (file, link text) of the hot and cold spots and siting pages."""
    n_w, n_i = len(wards), len(indicators)
    body = [f"<h1>{esc(site.borough)}: {esc(plural(label, 2))} in figures</h1>",
            f'<p class="lead">Figures for the {n_w} {esc(plural(label, n_w))} of {esc(site.borough)} on {n_i} '
            f"{plural('indicator', n_i)}: a page for each {esc(label)} comparing it with {esc(site.borough)} and "
            f"England, and a page for each indicator with a map, a table and the data to download.</p>",
            f'<h2 id="wards">{esc(label.capitalize())} profiles</h2>',
            link_list(wards, columns=True),
            '<h2 id="indicators">Indicators</h2>',
            link_list(indicators),
            *(['<h2 id="results">Hot and cold spots and siting</h2>', link_list(results)] if results else []),
            "<h2>About this site</h2>",
            f"<p>Made on {esc(site.made)} by {esc(site.tool)} from the indicator store {esc(site.store)}, whose "
            f"content checksum (SHA-256) is <code>{esc(site.checksum)}</code>. The same store always gives the "
            "same checksum, so the figures can be traced to it.</p>",
            paragraphs(notes),
            '<p><a href="methods.html">How the figures are made</a> explains how each value is derived. The '
            '<a href="accessibility.html">accessibility statement</a> says how this site was checked and how to '
            "report a problem.</p>",
            "<h2>Sources and licences</h2>",
            "<ul>\n" + "\n".join(f"<li>{esc(source)}" + (f" ({esc(licence)})" if licence else "") + "</li>"
                                 for source, licence in sources) + "\n</ul>"]
    return page(site, "index.html", "Home", "\n".join(body),
                description=f"Ward profiles and indicator maps for {site.borough}.")


def methods_page(site: Site, indicators: Sequence[Mapping], examples: Mapping[str, Mapping[str, str]],
                 indicator_files: Mapping[str, str], label: str, provenance: Mapping, rule_words: str | None,
                 boundaries: str, notes: Sequence[str]) -> str:
    """How values are made: per indicator its source, licence, period and derivation; comparisons, ranks,
    trends, small numbers, maps; and provenance (store, checksum, tool, lookups)."""
    borough = site.borough
    rows = []
    for entry in indicators:
        target = indicator_files.get(str(entry["id"]))
        title = f'<a href="{esc(target)}">{esc(entry["title"])}</a>' if target else esc(entry["title"])
        rows.append([(title, ""), (esc(entry.get("period") or ""), ""),
                     (esc(area_label(str(entry.get("geography") or ""))) + f' <code>{esc(entry.get("geography"))}'
                      "</code>", ""),
                     (esc(entry.get("source") or "not recorded"), ""), (esc(entry.get("licence") or "not recorded"),
                                                                        "")])
    body = ["<h1>How the figures are made</h1>",
            f'<p class="lead">Where each figure on this site comes from, how {esc(plural(label, 2))} and '
            f"{esc(borough)} values are made from smaller areas, and how areas are compared.</p>",
            "<h2>Indicators, sources and licences</h2>",
            table("sources", "Indicators with their period, the areas they are published for, source and licence",
                  [("Indicator", ""), ("Period", ""), ("Published for", ""), ("Source", ""), ("Licence", "")],
                  rows, wide=True),
            f"<h2>How {esc(label)} and {esc(borough)} values are made</h2>",
            paragraphs([
                f"Most indicators are published for small areas (such as LSOAs) and combined into {plural(label, 2)} "
                f"and {borough} through a lookup that assigns each small area to one {label}: counts are added up; "
                "rates are worked out again from their added numerators and denominators or, where they have none, "
                "averaged weighted by population. Ranks, deciles and scores cannot be combined this way, so they are "
                "not shown for larger areas. A value marked * leaves out some small areas that have no value."])]
    for entry in indicators:
        example = examples.get(str(entry["id"]), {})
        if not example:
            continue
        body.append(f"<h3>{esc(entry['title'])}</h3>")
        body.append(paragraphs([f"{label.capitalize()}s, for example {example.get('area')}: {example.get('method')}.",
                                f"{borough}: {example.get('borough')}. England: {example.get('benchmark')}."]))
    body += ["<h2>Comparisons and ranks</h2>",
             paragraphs([
                 f"Where a higher value is clearly better or worse, each {label} is compared with {borough}. For "
                 "counts of people, the test compares the share of the population they are (with a Wilson 95% "
                 "confidence interval) against the borough's share. For rates with their numerators and "
                 "denominators, the 95% interval is exact (Poisson) below 10 events and Byar's method from 10, as "
                 "OHID Fingertips does. 'Significantly worse' or 'better' means the interval does not include the "
                 "borough's value; 'similar' means it does. Where a value cannot be tested, the page says only "
                 "whether it is higher or lower, and that the difference was not tested.",
                 f"Rank 1 is the {label} most in need: the highest value where a higher value is worse, the lowest "
                 "where a higher value is better; for indicators where neither is better, the highest. Areas with "
                 "the same value share a rank.",
                 "Recent trends use the OHID Fingertips trend marker: a test for trend over the last five points, "
                 "at 99.8% confidence; it is not calculated for monthly data or values without the counts or "
                 "intervals it needs, and the page says why."]),
             "<h2>Small numbers</h2>",
             paragraphs([rule_words or "The store has no small-number rule, so every value is shown as held."]),
             "<h2>Maps</h2>",
             paragraphs([
                 "Maps shade each area in one of up to five classes holding about equal numbers of areas "
                 "(quantiles), in ColorBrewer colours where darker is worse (or, where neither is better, higher). "
                 "Areas without a value are hatched. Every value on a map is also in the table on its page.",
                 f"Boundaries are simplified by {TOLERANCE_M:g} metres for the web. {boundaries}"]),
             "<h2>Provenance</h2>",
             _provenance(site, provenance),
             paragraphs(notes)]
    return page(site, "methods.html", "How the figures are made", "\n".join(body),
                description=f"Sources, licences and methods of the {borough} ward profiles and maps.")


def _provenance(site: Site, provenance: Mapping) -> str:
    lookups = provenance.get("lookups_used") or {}
    items = [f"Made on {site.made} by {site.tool}.",
             f"Indicator store: {site.store}; checksum (SHA-256 of its catalogue, values, areas and lookups): "
             f"{site.checksum}.",
             f"Areas: {provenance.get('geography')}; borough: {site.borough} "
             f"({(provenance.get('borough') or {}).get('code', '')}, {provenance.get('borough_geography')})."]
    for name, info in lookups.items():
        method = str(info.get("method") or "given").replace("_", " ")
        items.append(f"Lookup {name}: {info.get('from')} to {info.get('to')} ({method}), from "
                     f"{info.get('source') or 'not recorded'}.")
    if provenance.get("population"):
        items.append(f"Population used to weight rates without numerators: {provenance['population']}.")
    return "<ul>\n" + "\n".join(f"<li>{esc(i)}</li>" for i in items) + "\n</ul>"


def accessibility_page(site: Site, contact: str | None) -> str:
    """The accessibility statement: the WCAG 2.2 AA target, what was checked and how, known limitations, how to
    report a problem (the store's publish_contact, else the publishing organisation) and enforcement."""
    how = (f"Contact: {contact}." if contact else
           "Please contact the council or organisation that published this website, and tell them the address "
           "of the page and what the problem is.")
    body = ["<h1>Accessibility statement</h1>",
            f'<p class="lead">This statement covers the {esc(site.borough)} ward profiles and indicator maps made '
            f"on {esc(site.made)}.</p>",
            paragraphs([
                "We want as many people as possible to be able to use this website. You should be able to change "
                "colours and fonts in your browser, zoom in up to 400% without the text spilling off the screen, "
                "read pages on a phone 320 pixels wide, move through every page with a keyboard alone, and use it "
                "with a screen reader or speech recognition. The text is written to be plain."]),
            "<h2>How accessible this website is</h2>",
            paragraphs([
                "The website aims to meet the Web Content Accessibility Guidelines (WCAG) version 2.2 at level AA. "
                "Every page has a skip link, headings in order, labelled regions and tables with headers. It needs "
                "no scripts and loads nothing from the internet: it works from a shared drive or any web server."]),
            "<h3>Known limitations</h3>",
            "<ul>\n<li>Maps and charts are pictures. Each has a title and a description, and every figure they "
            "show is also given in the table and the text on the same page.</li>\n"
            "<li>Hovering over an area of a map shows its name and value; this needs a mouse, but the same facts "
            "are in the table below each map.</li>\n"
            "<li>Wide tables scroll sideways inside their own box on small screens; the box can be scrolled with "
            "the keyboard once it has focus.</li>\n"
            "<li>The CSV downloads are plain data files and have no formatting.</li>\n</ul>",
            "<h2>Reporting a problem or asking for another format</h2>",
            paragraphs(["If you find a problem with this website, or need the information in another format, "
                        "such as large print or an accessible document, tell us.", how]),
            "<h2>Enforcement procedure</h2>",
            paragraphs([
                "The Equality and Human Rights Commission (EHRC) is responsible for enforcing the Public Sector "
                "Bodies (Websites and Mobile Applications) (No. 2) Accessibility Regulations 2018. If you are not "
                "happy with how we respond to your complaint, contact the Equality Advisory and Support Service "
                "(EASS)."]),
            "<h2>How this website was tested</h2>",
            paragraphs([
                f"The pages are made by {site.tool}. Its tests check every page type it writes with the axe-core "
                "accessibility rules for WCAG 2.0, 2.1 and 2.2 at levels A and AA (tags wcag2a, wcag2aa, wcag21a, "
                "wcag21aa and wcag22aa) in a headless Chromium browser, and check the colours of text against its "
                "background numerically (at least 4.5 to 1). Automated checks find many problems but not all; "
                "this site has not been audited by a person.",
                f"This statement was prepared on {site.made}, when the website was made."])]
    return page(site, "accessibility.html", "Accessibility statement", "\n".join(body),
                description=f"Accessibility statement for the {site.borough} ward profiles and maps.")

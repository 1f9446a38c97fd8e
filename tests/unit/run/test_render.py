"""Unit tests of ldsa.run.render's figure regions: on a narrow screen a chart keeps a legible
width and scrolls sideways in a focusable region, as wide tables do."""

from __future__ import annotations

import re

from ldsa.run.render import PAGES, scrolling_figures

FIGURE = (
    '<figure class="ldsa-figure"><svg role="img" aria-label="Cases" '
    'style="max-width: 100%; height: auto" width="576pt"><title>Cases</title></svg>'
    "<figcaption>Cases &amp; &quot;rates&quot;: per 100,000.</figcaption></figure>"
)


def test_every_figure_is_a_focusable_region_named_by_its_caption() -> None:
    """Each figure, and nothing else, is wrapped in a region keyboard users can scroll,
    named by its caption."""
    body = f"<p>Text</p>{FIGURE}<p>Between</p>{FIGURE}"
    wrapped = scrolling_figures(body)
    opening = (
        '<div class="figure-scroll" role="region" tabindex="0" '
        'aria-label="Cases &amp; &quot;rates&quot;: per 100,000.">'
    )
    assert wrapped == f"<p>Text</p>{opening}{FIGURE}</div><p>Between</p>{opening}{FIGURE}</div>"
    assert scrolling_figures("<p>No figure</p>") == "<p>No figure</p>"


def test_the_stylesheet_gives_narrow_screens_a_legible_chart() -> None:
    """On a screen narrower than 40rem a chart is 40rem wide (its 10-point labels at about
    11 px, not 6 px) inside its scrolling box, over the SVG's own max-width; wide screens
    and print keep the chart scaled to the page."""
    css = PAGES.get_template("_style.css.j2").render()
    narrow = re.search(r"@media screen and \(max-width: 40rem\) \{(.*?)\n\}", css, re.DOTALL)
    assert narrow is not None
    rules = narrow.group(1)
    assert ".figure-scroll { overflow-x: auto; }" in rules
    assert ".figure-scroll figure { width: 40rem; }" in rules
    assert "max-width: none !important" in rules
    assert "figcaption { position: sticky; left: 0;" in rules
    assert css.count(".figure-scroll figure { width") == 1  # never outside the narrow rule

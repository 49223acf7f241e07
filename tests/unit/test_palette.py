"""The drawing's palette meets WCAG 2.1 AA: text 4.5:1 on its fill (1.4.3), outlines and
other marks 3:1 (1.4.11), and no state told apart by hue alone (1.4.1)."""

from __future__ import annotations

import re

import pytest

from nslab.capture import Packet, sequence_diagram
from nslab.draw import CONTRAST, LEGEND, STYLE_OF_FILL, contrast, draw, draw_legend
from tests.unit.test_draw import article  # the article's snapshots, hand-made

NEEDED = {"text": 4.5, "mark": 3.0}


def test_contrast_formula_matches_wcag_examples():
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the known AA grey
    assert contrast("#9e9e9e", "#ffffff") < 3  # the old grey of removed objects


@pytest.mark.parametrize(("fg", "bg", "kind"), CONTRAST, ids=lambda v: str(v))
def test_every_colour_pair_has_enough_contrast(fg, bg, kind):
    assert contrast(fg, bg) >= NEEDED[kind], f"{fg} on {bg}: {contrast(fg, bg):.2f}:1"


def _colours(source: str, attr: str) -> set[str]:
    return set(re.findall(rf'\b{attr}="(#[0-9a-fA-F]{{6}})"', source))


def test_every_colour_the_drawings_use_is_in_the_checked_pairs():
    """The DOT of a legend, a drawing with every state and mistake, and a sequence
    diagram: every font and line colour in it is one CONTRAST checks."""
    sources = [draw_legend().source, draw(article("S16")).source,
               draw(article("S18"), changes=article("S18") - article("S12")).source]
    checked_text = {fg for fg, _, kind in CONTRAST if kind == "text"}
    checked_mark = {fg for fg, _, _ in CONTRAST}
    for src in sources:
        assert _colours(src, "fontcolor") <= checked_text
        assert _colours(src, "color") <= checked_mark
    seq = sequence_diagram([Packet(0.0, "10.0.0.1", "10.0.0.2", "ICMP", "echo request")]).source
    for colour in _colours(seq, "color"):
        assert contrast(colour, "#ffffff") >= 3.0


def test_states_differ_by_line_style_not_only_by_hue():
    """Each state fill of the legend has its own line style (or none: the solid ones are
    told apart by the words `state UP` / `state UNKNOWN` on the node itself)."""
    styles = {e.fill: e.style for e in LEGEND if e.fill}
    dashes = [s for s in styles.values() if "dashed" in s or "dotted" in s]
    assert len(set(dashes)) == len(dashes) == len(STYLE_OF_FILL) == 2
    for fill, extra in STYLE_OF_FILL.items():
        assert extra in styles[fill]
    assert "dotted" in draw(article("S16")).source  # the DOWN interfaces of S16

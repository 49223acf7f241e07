"""Snapshot -> graphviz.Graph (pure: no I/O besides `dot` in `to_svg`).

    draw(snapshot)             one box per namespace, one node per interface
    draw(snapshot, marks=False)    the same without mistake marks (an exercise before a hint)
    mistakes(snapshot)         the faults the drawing marks red, as sentences ending with the fix
    legend(), draw_legend()    every colour of the drawing, as data and as a small graph
    to_svg(draw(snapshot))     the drawing rendered by `dot`

Boxes come in a fixed order: the host, then named namespaces (`ip netns list`),
then hidden ones (containers), dashed. The host box shows only the links this
lab created unless ``all_host_links=True``. Node colours follow the link state
(LEGEND): `state UP` green, `state UNKNOWN` amber (`lo` once set up),
`NO-CARRIER, state LOWERLAYERDOWN` orange (set up, the other end DOWN), `state DOWN`
grey; the last two also by line style (dashed, dotted), so no state depends on hue
alone. A veth pair is one edge; a bridge port has an edge to its bridge. The faults
nslab.diagnosis finds are red, bold and marked ⚠, with the explanation and fix as
tooltip and in the text alternative; a finding of severity "pending" (a step not done
yet, such as an address on a link not up yet: the article's own order) is marked brown
and → instead, and listed apart from the mistakes (see nslab.diagnosis for the rule);
namespaces passed as ``infrastructure`` (the kit's own) are never marked. Every text uses
FONT, which has CJK glyphs; every label comes from nslab.messages. Every text colour has
a contrast of at least 4.5:1 on its fill, every outline 3:1 (CONTRAST lists the pairs;
tests/unit/test_palette.py checks them).

Accessibility: `draw` returns a `Drawing`, a graphviz.Graph that also carries its text
alternative (`TextAlt`: the namespaces, what each holds, the cables, each finding with
its fix), made from the same snapshot and findings as the picture, in the active
language. Jupyter shows it as HTML: the SVG with `role="img"`, `<title>`, `<desc>` and ids
unique per drawing, at its natural size (scrolling, never shrunk), and a collapsed
"drawing as text" under it (`figure_html`).

Node ids are ``<namespace id>/<interface>`` with every character outside
``[A-Za-z0-9_.@-]`` percent-encoded, so any name is safe in DOT and ids stay
stable from one drawing to the next.
"""

from __future__ import annotations

import hashlib
import html
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import graphviz

from .diagnosis import Finding, diagnose, peer
from .diff import (
    AddrItem,
    Changes,
    LinkItem,
    Modified,
    Moved,
    NatItem,
    NsItem,
    RouteItem,
    link_order,
    ns_order,
    route_text,
)
from .messages import say
from .snapshot import Link, Namespace, NsKey, Route, Snapshot, ns_label

__all__ = [
    "CONTRAST", "LEGEND", "Drawing", "LegendEntry", "TextAlt", "accessible_svg", "contrast",
    "draw", "draw_legend", "figure_html", "legend", "mistakes", "to_svg",
]  # fmt: skip

FONT = "Noto Sans CJK SC"  # has Latin and CJK glyphs: the Chinese edition needs it
RED = "#b00020"
BROWN = "#8c4a00"  # the outline of a step not done yet (a "pending" finding)
BLUE = "#1a4f9f"
GHOST = "#595959"  # removed objects: dashed, and dark enough to read (WCAG 1.4.3)
OUTLINE = "#555555"
MUTED = "#595959"  # notes in plain text ("the host's own links are hidden")
PORT = "#8a5a00"  # the edge from a bridge port to its bridge
FILL_UP = "#c8efc4"  # green
FILL_UNKNOWN = "#ffe49a"  # amber: lo after `ip link set lo up`
FILL_DOWN = "#e2e2e2"  # grey
FILL_NO_CARRIER = "#ffd0a1"  # orange: set up, but NO-CARRIER (state LOWERLAYERDOWN)
FILL_HOST = "#f5f5f5"
FILL_NS = "#fbfbf3"
FILL_HIDDEN = "#eef2fb"
FILL_NOTE = "#fffbe6"
PAGE = "#ffffff"
# Line styles beside the fill colours: a state never depends on hue alone (WCAG 1.4.1).
STYLE_OF_FILL = {FILL_NO_CARRIER: "dashed", FILL_DOWN: "dotted"}


@dataclass(frozen=True)
class LegendEntry:
    """One colour or line style of the drawing: what it looks like, the message keys."""

    fill: str  # node fill colour ("" for outline-only entries)
    color: str  # outline colour
    style: str  # graphviz node style
    shows: str  # message key: the state as `ip` shows it
    means: str  # message key: what it means


# Every colour the drawing uses, in the order a legend lists them (`_fill` reads it).
LEGEND: tuple[LegendEntry, ...] = (
    LegendEntry(FILL_UP, OUTLINE, "rounded,filled", "legend.up", "legend.up.means"),
    LegendEntry(FILL_UNKNOWN, OUTLINE, "rounded,filled", "legend.unknown",
                "legend.unknown.means"),
    LegendEntry(FILL_NO_CARRIER, OUTLINE, "rounded,filled,dashed", "legend.no-carrier",
                "legend.no-carrier.means"),
    LegendEntry(FILL_DOWN, OUTLINE, "rounded,filled,dotted", "legend.down",
                "legend.down.means"),
    LegendEntry("", BLUE, "rounded,bold", "legend.changed", "legend.changed.means"),
    LegendEntry("", RED, "rounded,bold", "legend.mistake", "legend.mistake.means"),
    LegendEntry("", BROWN, "rounded,bold", "legend.pending", "legend.pending.means"),
    LegendEntry("", GHOST, "dashed,rounded", "legend.removed", "legend.removed.means"),
)


_TEXT_ON = (FILL_UP, FILL_UNKNOWN, FILL_NO_CARRIER, FILL_DOWN, FILL_HOST, FILL_NS,
            FILL_HIDDEN, FILL_NOTE, PAGE)
_CLUSTERS = (FILL_HOST, FILL_NS, FILL_HIDDEN, PAGE)
# Every (foreground, background, kind) the drawings use: "text" needs 4.5:1, "mark" 3:1.
CONTRAST: tuple[tuple[str, str, str], ...] = (
    *((c, f, "text") for c in ("#000000", RED) for f in _TEXT_ON),
    *((c, f, "text") for c in (GHOST, MUTED, BLUE) for f in _CLUSTERS),
    *((c, f, "mark") for c in (OUTLINE, RED, BLUE, BROWN) for f in _TEXT_ON),
    *((c, f, "mark") for c in (GHOST, PORT, "#777777", "#4a6fb5") for f in _CLUSTERS),
)


def contrast(foreground: str, background: str) -> float:
    """The WCAG 2.1 contrast ratio of two #rrggbb colours (1.0 to 21.0)."""

    def luminance(colour: str) -> float:
        rgb = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def legend() -> list[tuple[str, str, str]]:
    """The legend as data: (colour, what `ip` shows, what it means), one row per entry."""
    return [(e.fill or e.color, say(e.shows), say(e.means)) for e in LEGEND]


def draw_legend() -> Drawing:
    """The legend drawn with the drawing's own styles, one node per entry."""
    g = _graph("nslab-legend")
    g.attr(rankdir="LR")
    rows = []
    for i, e in enumerate(LEGEND):
        attrs = {"shape": "box", "style": e.style, "color": e.color}
        if e.fill:
            attrs["fillcolor"] = e.fill
        if e.color in (BLUE, RED, BROWN):
            attrs["penwidth"] = "3"
        g.node(f"legend{i}", _label([say(e.shows), say(e.means)]), **attrs)
        rows.append(say("a11y.group", head=say(e.shows), items=say(e.means)))
    g.alt = TextAlt(say("legend.title"), tuple((r, ()) for r in rows))
    return g


# ---------------------------------------------------------------- text alternative


@dataclass(frozen=True)
class TextAlt:
    """A drawing in words: a title (its accessible name) and entries, each a line with
    the lines under it (a namespace and what it holds, the cables, the mistakes)."""

    title: str
    entries: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def lines(self) -> list[str]:
        """One line per entry (the SVG's <desc>, the text/plain form)."""
        sep = say("a11y.items-sep")
        return [say("a11y.group", head=h, items=sep.join(sub)) if sub else h
                for h, sub in self.entries]

    def __str__(self) -> str:
        return "\n".join([self.title, *self.lines()])

    def html(self) -> str:
        """The entries as nested lists (for the collapsed "drawing as text")."""
        out = [f'<p class="nslab-alt-title">{html.escape(self.title)}</p><ul>']
        for head, sub in self.entries:
            inner = "".join(f"<li>{html.escape(x)}</li>" for x in sub)
            out.append(f"<li>{html.escape(head)}" + (f"<ul>{inner}</ul>" if sub else "") + "</li>")
        return "".join(out) + "</ul>"


_ISSUED: dict[str, int] = {}  # id prefix -> how many drawings of this kernel used it


def _unique_prefix(svg: str) -> str:
    """An id prefix from the drawing's content (deterministic), numbered on reuse so two
    drawings on one page never share an id."""
    base = "nslab-" + hashlib.sha1(svg.encode()).hexdigest()[:10]
    n = _ISSUED[base] = _ISSUED.get(base, 0) + 1
    return base if n == 1 else f"{base}-{n}"


def accessible_svg(svg: str, alt: TextAlt) -> str:
    """The <svg> element of `svg` (no XML prolog) with role="img", a <title> and a <desc>
    from `alt`, every id made unique to this drawing, shown at its natural size."""
    svg = svg[svg.find("<svg"):] if "<svg" in svg else svg
    uid = _unique_prefix(svg + str(alt))
    # a plain replace: `dot` writes every id as ` id="..."`; the regex r'\bid="...' cost
    # 12 ms at 100 namespaces, on every redraw (bench/redraw.py)
    svg = svg.replace(' id="', f' id="{uid}-')
    svg = re.sub(r'(href="#|url\(#)', lambda m: m.group(1) + uid + "-", svg)
    end = svg.find(">") + 1
    if end <= 0:
        return svg
    tag = svg[:end].removesuffix(">").removesuffix("/")
    title, desc = html.escape(alt.title), html.escape("\n".join(alt.lines()))
    return (
        f'{tag} role="img" aria-labelledby="{uid}-title" aria-describedby="{uid}-desc" '
        f'style="max-width:none;height:auto" focusable="false">'
        f'<title id="{uid}-title">{title}</title><desc id="{uid}-desc">{desc}</desc>'
        + svg[end:]
    )


def figure_html(svg: str, alt: TextAlt) -> str:
    """The drawing for a page: the accessible SVG at its natural size in a region that
    scrolls (keyboard too), and under it the collapsed "drawing as text"."""
    if 'role="img"' not in svg[:2000]:
        svg = accessible_svg(svg, alt)
    return (
        '<div class="nslab-figure">'
        '<div class="nslab-scroll" tabindex="0" style="overflow:auto;max-width:100%">'
        f"{svg}</div>"
        f'<details class="nslab-alt"><summary>{html.escape(say("a11y.summary"))}</summary>'
        f"{alt.html()}</details></div>"
    )


class Drawing(graphviz.Graph):
    """A graphviz.Graph that carries its text alternative and shows itself as HTML (the
    accessible SVG and the drawing as text), with the SVG and the text beside it."""

    alt: TextAlt = TextAlt("")

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        svg = to_svg(self)
        return {"image/svg+xml": svg, "text/html": figure_html(svg, self.alt),
                "text/plain": str(self.alt)}


def _graph(name: str) -> Drawing:
    """A graph whose every text uses FONT (graph, node and edge defaults)."""
    g = Drawing(name)
    g.attr(fontname=FONT)
    g.attr("node", fontname=FONT, fontsize="11")
    g.attr("edge", fontname=FONT, fontsize="10")
    return g

_Ref = tuple[NsKey, str]  # (namespace key, interface name)
_SAFE = frozenset(string.ascii_letters + string.digits + "_-.@")


# ---------------------------------------------------------------- ids and text


def _slug(text: str) -> str:
    return "".join(c if c in _SAFE else "".join(f"%{b:02X}" for b in c.encode()) for c in text)


def _ns_id(key: NsKey) -> str:
    return "host" if key is None else "ns." + _slug(key)


def _node_id(ns: NsKey, ifname: str) -> str:
    return f"{_ns_id(ns)}/{_slug(ifname)}"


def _text(s: str) -> str:
    """User text for a label/tooltip: no escString escapes, no control characters."""
    s = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in s)
    return s.replace("\\", "\\\\")


def _label(lines: list[str], *, left: bool = False) -> str:
    """Join escaped lines; `left` justifies every line left (notes)."""
    body = "".join(_text(x) + "\\l" for x in lines) if left else "\\n".join(map(_text, lines))
    return graphviz.nohtml(body)


# ---------------------------------------------------------------- mistakes


def _ref_order(ref: _Ref, link: Link | None = None) -> tuple:
    return (ns_order(ref[0]), link_order(link) if link else (1, ref[1]))


def mistakes(snapshot: Snapshot, *, infrastructure: Iterable[NsKey] = ()) -> list[str]:
    """The faults the drawing marks red, as sentences that name the objects and the fix
    (not the steps not done yet, which it marks brown)."""
    return [f.text for f in diagnose(snapshot, infrastructure=infrastructure)
            if f.drawn and not f.pending]


# ---------------------------------------------------------------- changes


@dataclass
class _Marks:
    """What a Changes says about each object of the drawing."""

    new_ns: set[NsKey] = field(default_factory=set)
    new_links: set[_Ref] = field(default_factory=set)
    arrived: dict[_Ref, str] = field(default_factory=dict)  # "moved here from host"
    was: dict[_Ref, str] = field(default_factory=dict)  # old state
    new_addrs: set[tuple[NsKey, str, str]] = field(default_factory=set)
    gone_addrs: dict[_Ref, list[str]] = field(default_factory=dict)
    new_routes: set[tuple[NsKey, Route]] = field(default_factory=set)
    gone_routes: dict[NsKey, list[Route]] = field(default_factory=dict)
    new_rules: set[tuple[NsKey, str]] = field(default_factory=set)
    gone_ns: list[NsKey] = field(default_factory=list)
    ghosts: dict[NsKey, list[tuple[str, str, bool]]] = field(default_factory=dict)
    moves: list[tuple[_Ref, _Ref]] = field(default_factory=list)  # (ghost, new place)

    @classmethod
    def of(cls, changes: Changes | None) -> _Marks:
        m = cls()
        if changes is None:
            return m
        for i in changes.added:
            if isinstance(i, NsItem):
                m.new_ns.add(i.ns)
            elif isinstance(i, LinkItem):
                m.new_links.add((i.ns, i.ifname))
            elif isinstance(i, AddrItem):
                m.new_addrs.add((i.ns, i.ifname, i.address.cidr))
            elif isinstance(i, RouteItem):
                m.new_routes.add((i.ns, i.route))
            elif isinstance(i, NatItem):
                m.new_rules.add((i.ns, i.rule))
        for i in changes.removed:
            if isinstance(i, NsItem):
                m.gone_ns.append(i.ns)
            elif isinstance(i, LinkItem):
                gone = (i.ifname, say("draw.ghost.removed"), i.link.owned)
                m.ghosts.setdefault(i.ns, []).append(gone)
            elif isinstance(i, AddrItem):
                m.gone_addrs.setdefault((i.ns, i.ifname), []).append(i.address.cidr)
            elif isinstance(i, RouteItem):
                m.gone_routes.setdefault(i.ns, []).append(i.route)
        for c in changes.changed:
            if isinstance(c, Moved) and c.src != c.dst:
                m.arrived[(c.dst, c.new_ifname)] = say("draw.moved-here", ns=ns_label(c.src))
                m.ghosts.setdefault(c.src, []).append(
                    (c.ifname, say("draw.ghost.moved", ns=ns_label(c.dst)), True)
                )
                m.moves.append(((c.src, c.ifname), (c.dst, c.new_ifname)))
            elif isinstance(c, Moved):
                m.arrived[(c.dst, c.new_ifname)] = say("draw.renamed", old=c.ifname)
            elif isinstance(c, Modified) and c.field == "state" and c.ifname:
                m.was[(c.ns, c.ifname)] = str(c.old)
        return m


# ---------------------------------------------------------------- drawing


def _host_drawn(snap: Snapshot, all_host_links: bool) -> set[str]:
    """Host links to draw: the lab's own, plus the peers/bridges drawn links point at."""
    host = snap.host
    if host is None:
        return set()
    if all_host_links:
        return {lk.name for lk in host.links}
    keep = {lk.name for lk in host.links if lk.owned}
    grew = True
    while grew:
        grew = False
        for ns in snap.namespaces:
            for lk in ns.links:
                if ns.key is None and lk.name not in keep:
                    continue
                far = peer(snap, lk)
                wanted = [far[1].name] if far and far[0] is None else []
                if ns.key is None and lk.master:
                    wanted.append(lk.master)
                for name in wanted:
                    if name not in keep and host.link(name):
                        keep.add(name)
                        grew = True
    return keep


def _fill(link: Link) -> str:
    """The node colour: one of LEGEND's four state colours."""
    if not link.up:
        return FILL_DOWN
    return {"UP": FILL_UP, "UNKNOWN": FILL_UNKNOWN}.get(link.operstate, FILL_NO_CARRIER)


def _state(link: Link, was: str | None) -> str:
    """The state in the kernel's own words: `state UP`, `NO-CARRIER, state LOWERLAYERDOWN`."""
    no_carrier = link.up and link.operstate not in ("UP", "UNKNOWN")
    if no_carrier:
        if was is None:
            return say("draw.state.no-carrier", state=link.operstate)
        return say("draw.state.no-carrier-was", state=link.operstate, old=was)
    if was is None:
        return say("draw.state", state=link.operstate)
    return say("draw.state.was", state=link.operstate, old=was)


def _link_node(
    g: graphviz.Graph,
    ns: NsKey,
    link: Link,
    *,
    details: bool,
    changed: _Marks,
    errors: list[Finding],
) -> list[str]:
    """Draw one interface's node; return its lines (for the text alternative). ERRORS:
    the findings marked on it, mistakes and steps not done yet (`Finding.pending`)."""
    ref = (ns, link.name)
    if link.kind == "loopback":
        lines = [link.name]
    else:
        lines = [say("draw.link", ifname=link.name, kind=link.kind)]
    touched = ref in changed.new_links or ref in changed.arrived or ref in changed.was
    if ref in changed.new_links:
        lines.append(say("draw.new-link"))
    if ref in changed.arrived:
        lines.append(changed.arrived[ref])
    for a in sorted(link.addresses):
        if details or a.scope != "link":
            new = (ns, link.name, a.cidr) in changed.new_addrs
            lines.append(say("draw.address.new", cidr=a.cidr) if new else a.cidr)
            touched |= new
    lines += [
        say("draw.address.removed", cidr=cidr) for cidr in sorted(changed.gone_addrs.get(ref, []))
    ]
    lines.append(_state(link, changed.was.get(ref)))
    if details:
        lines.append(say("draw.details.index", index=link.index, mtu=link.mtu))
        lines.append(say("draw.details.mac", mac=link.mac))
        if link.peer:
            lines.append(say("draw.details.peer", index=link.peer.index))
    mistakes = [e for e in errors if not e.pending]
    lines += [say("draw.mistake", label=e.label(ref)) for e in mistakes]
    lines += [say("draw.pending", label=e.label(ref)) for e in errors if e.pending]

    fill = _fill(link)
    style = "filled" if link.kind == "bridge" else "rounded,filled"
    if fill in STYLE_OF_FILL:
        style += "," + STYLE_OF_FILL[fill]
    attrs = {"fillcolor": fill, "shape": "box3d" if link.kind == "bridge" else "box",
             "style": style, "color": OUTLINE}
    if touched:
        attrs.update(color=BLUE, penwidth="3")
    if errors:  # a mistake is red; a step not done yet (and nothing worse) brown
        if mistakes:
            attrs.update(color=RED, fontcolor=RED, penwidth="3")
        else:
            attrs.update(color=BROWN, penwidth="3")
        attrs["style"] += ",bold"
        attrs["tooltip"] = _text(" ".join(e.text for e in errors))
    g.node(_node_id(*ref), _label(lines), **attrs)
    return lines


def _notes(ns: Namespace, *, details: bool, marks: _Marks, host_too: bool) -> list[str]:
    """Routes worth showing, forwarding and NAT of one namespace.

    The host's own routes and forwarding are machine-specific: shown only with `host_too`.
    """
    lines = []
    mine = ns.key is not None or host_too
    routes = [r for r in ns.routes if mine and (details or r.dst == "default" or r.gateway)]
    routes += [r for r in ns.routes if mine and r not in routes and r.protocol != "kernel"]
    gone = marks.gone_routes.get(ns.key, []) if mine else []
    if routes or gone:
        lines.append(say("draw.routes"))
        for r in sorted(routes, key=route_text):
            key = "draw.route.new" if (ns.key, r) in marks.new_routes else "draw.route"
            lines.append("  " + say(key, route=route_text(r)))
        lines += [
            "  " + say("draw.route.removed", route=route_text(r))
            for r in sorted(gone, key=route_text)
        ]
    if ns.forwarding and mine:
        lines.append(say("draw.forwarding"))
    for rule in sorted(ns.nat_rules):
        key = "draw.nat.new" if (ns.key, rule) in marks.new_rules else "draw.nat"
        lines.append(say(key, rule=rule))
    return lines


def _cluster_attrs(key: NsKey, *, new: bool, gone: bool, extra: list[str]) -> dict[str, str]:
    """The box of a namespace; its plain label (for the text alternative) under "text"."""
    if key is None:
        label, style, fill, color = say("draw.host"), "rounded,filled", FILL_HOST, "#777777"
    elif key.startswith("@pid"):
        label = say("draw.ns.unlisted", ns=ns_label(key))
        style, fill, color = "dashed,rounded,filled", FILL_HIDDEN, "#4a6fb5"
    elif key.startswith("@"):
        label = say("draw.ns.hidden", ns=ns_label(key))
        style, fill, color = "dashed,rounded,filled", FILL_HIDDEN, "#4a6fb5"
    else:
        label, style, fill, color = say("draw.ns", ns=key), "rounded,filled", FILL_NS, "#777777"
    attrs = {"style": style, "fillcolor": fill, "color": color}
    if new:
        label = say("draw.ns.new", label=label)
        attrs.update(color=BLUE, penwidth="3")
    if gone:
        label = say("draw.ns.removed", label=label)
        attrs.update(style="dashed,rounded", color=GHOST, fontcolor=GHOST)
    attrs["label"] = _label([label, *extra])
    attrs["text"] = label
    return attrs


def _ghost(g: graphviz.Graph, ns: NsKey, name: str, why: str, ghosts: set[_Ref]) -> list[str]:
    """A faded node for a link that is no longer here; returns its lines."""
    ghosts.add((ns, name))
    lines = [name, say("draw.ghost", why=why)]
    g.node(
        _node_id(ns, name) + "#gone",
        _label(lines),
        shape="box",
        style="dashed,rounded",
        color=GHOST,
        fontcolor=GHOST,
    )
    return lines


def draw(
    snapshot: Snapshot,
    *,
    all_host_links: bool = False,
    changes: Changes | None = None,
    details: bool = False,
    title: str | None = None,
    marks: bool = True,
    infrastructure: Iterable[NsKey] = (),
    findings: Iterable[Finding] = (),
) -> Drawing:
    """Draw `snapshot`: namespaces as boxes, interfaces as nodes, veth pairs as edges.

    all_host_links: also draw the host links this lab did not create.
    changes: a `Changes` (``after - before``) to mark new (blue) and removed (faded) things.
    details: show MACs, ifindexes, MTUs and every route.
    marks: mark the faults nslab.diagnosis finds in red (False: an exercise before a hint).
    infrastructure: the kit's own namespaces, never marked (notebook 05's `internet`).
    findings: more faults to mark (with `marks`), e.g. those a goal's packet path shows
    (nslab.paths); marked like diagnose's own.
    The result's `.alt` is the same drawing in words (see TextAlt).
    """
    changed = _Marks.of(changes)
    sep = say("a11y.sep")
    boxes: list[tuple[str, tuple[str, ...]]] = []  # (namespace label, what it holds)
    errors: dict[_Ref, list[Finding]] = {}
    red_edges: set[frozenset[_Ref]] = set()
    found = list(dict.fromkeys(
        [*diagnose(snapshot, infrastructure=infrastructure), *findings])) if marks else []
    for f in found:
        if not f.drawn:
            continue
        for ref in f.marked:
            errors.setdefault(ref, []).append(f)
        if f.pair and f.others:
            red_edges.add(frozenset(f.objects[:2]))

    g = _graph("nslab")
    g.attr(rankdir="TB", newrank="true")
    if title:
        g.attr(label=_label([title]), labelloc="t", fontsize="16")

    host_keep = _host_drawn(snapshot, all_host_links)
    drawn: dict[_Ref, Link] = {}
    ghosts: set[_Ref] = set()
    for ns in sorted(snapshot.namespaces, key=lambda n: ns_order(n.key)):
        with g.subgraph(name="cluster_" + _ns_id(ns.key)) as c:
            extra = [say("draw.inode", inode=ns.inode)] + [
                say("draw.pid", pid=p) for p in ns.pids
            ] if details else []
            attrs = _cluster_attrs(ns.key, new=ns.key in changed.new_ns, gone=False, extra=extra)
            held: list[str] = []
            boxes.append((attrs.pop("text"), ()))
            c.attr(**attrs)
            if not ns.links_read:
                c.node(_ns_id(ns.key) + "/#unread", _label([say("draw.unread")]), shape="plaintext")
                boxes[-1] = (boxes[-1][0], (say("draw.unread"),))
                continue
            links = sorted(ns.links, key=link_order)
            shown = [lk for lk in links if ns.key is not None or lk.name in host_keep]
            for lk in shown:
                node = _link_node(
                    c,
                    ns.key,
                    lk,
                    details=details,
                    changed=changed,
                    errors=errors.get((ns.key, lk.name), []),
                )
                held.append(sep.join(node))
                drawn[(ns.key, lk.name)] = lk
            for name, why, owned in sorted(changed.ghosts.get(ns.key, [])):
                if ns.key is not None or owned or all_host_links:
                    held.append(sep.join(_ghost(c, ns.key, name, why, ghosts)))
            hidden = len(links) - len(shown)
            if hidden or (ns.kind == "host" and not all_host_links):
                text = say("draw.host-hidden")  # their count varies per machine
                c.node("host/#hidden", _label([text]), shape="plaintext", fontcolor=MUTED)
                held.append(text)
            elif not links:
                c.node(_ns_id(ns.key) + "/#empty", _label([say("draw.empty")]), shape="plaintext")
                held.append(say("draw.empty"))
            notes = _notes(ns, details=details, marks=changed, host_too=all_host_links)
            if notes:
                c.node(
                    _ns_id(ns.key) + "/#notes",
                    _label(notes, left=True),
                    shape="note",
                    style="filled",
                    fillcolor=FILL_NOTE,
                )
                held.append(" ".join(x.strip() for x in notes))
            boxes[-1] = (boxes[-1][0], tuple(held))

    for key in sorted((k for k in changed.gone_ns if snapshot.ns(k) is None), key=ns_order):
        with g.subgraph(name="cluster_" + _ns_id(key)) as c:
            attrs = _cluster_attrs(key, new=False, gone=True, extra=[])
            head = attrs.pop("text")
            c.attr(**attrs)
            gone_links = sorted(changed.ghosts.get(key, []))
            held = [sep.join(_ghost(c, key, name, why, ghosts)) for name, why, _ in gone_links]
            if not gone_links:
                c.node(_ns_id(key) + "/#empty", _label([say("draw.empty")]), shape="plaintext")
                held.append(say("draw.empty"))
            boxes.append((head, tuple(held)))

    cables = _edges(g, snapshot, drawn, ghosts, red_edges, changed)
    g.alt = _text_alt(title, boxes, cables, [f for f in found if f.drawn], marks)
    return g


def _text_alt(
    title: str | None,
    boxes: list[tuple[str, tuple[str, ...]]],
    cables: list[str],
    findings: list[Finding],
    marks: bool,
) -> TextAlt:
    """The drawing in words, from the same labels, edges and findings as the picture."""
    names = say("a11y.sep").join(head for head, _ in boxes)
    heading = (say("a11y.title.titled", title=title, namespaces=names) if title
               else say("a11y.title", namespaces=names))
    entries = list(boxes)
    if cables:
        entries.append((say("a11y.cables"), tuple(cables)))
    wrong = tuple(f.text for f in findings if not f.pending)
    todo = tuple(f.text for f in findings if f.pending)
    if wrong:
        entries.append((say("a11y.mistakes"), wrong))
    elif marks:
        entries.append((say("a11y.no-mistakes"), ()))
    if todo:
        entries.append((say("a11y.pending"), todo))
    return TextAlt(heading, tuple(entries))


def _edges(
    g: graphviz.Graph,
    snap: Snapshot,
    drawn: dict[_Ref, Link],
    ghosts: set[_Ref],
    red_edges: set[frozenset[_Ref]],
    marks: _Marks,
) -> list[str]:
    """Draw the cables (veth pairs, bridge ports, moves); return them in words."""
    edges: dict[tuple[str, str], dict[str, str]] = {}
    words: dict[tuple[str, str], str] = {}
    for ref in sorted(drawn, key=lambda r: _ref_order(r, drawn[r])):
        ns, link = ref[0], drawn[ref]
        me = _node_id(*ref)
        if link.kind == "veth" and link.peer:
            far = peer(snap, link)
            if far and (far[0], far[1].name) in drawn:
                other = (far[0], far[1].name)
                pair = tuple(sorted((me, _node_id(*other))))
                red = frozenset({ref, other}) in red_edges
                words.setdefault(pair, say("a11y.cable", a=link.name, a_ns=ns_label(ns),
                                           b=far[1].name, b_ns=ns_label(far[0])))
                edges.setdefault(
                    pair,
                    {
                        "color": RED if red else OUTLINE,
                        "penwidth": "3" if red else "2",
                        "tooltip": _text(say("draw.edge.veth", a=link.name, b=far[1].name)),
                    },
                )
            else:
                p = link.peer
                pns = snap.ns(p.ns)
                if pns is not None and not pns.links_read:
                    target = _ns_id(p.ns) + "/#unread"
                else:
                    target = f"{_ns_id(p.ns)}/#if{p.index}"
                    g.node(
                        target,
                        _label([say("draw.details.peer", index=p.index), say("draw.invisible")]),
                        style="dashed",
                        shape="box",
                        fontcolor=MUTED,
                    )
                edges[(me, target)] = {"style": "dashed", "color": OUTLINE}
                words[(me, target)] = say("a11y.cable.unseen", a=link.name, a_ns=ns_label(ns),
                                          index=p.index)
        if link.master and (ns, link.master) in drawn:
            words[(me, _node_id(ns, link.master))] = say(
                "a11y.port", a=link.name, ns=ns_label(ns), bridge=link.master
            )
            edges[(me, _node_id(ns, link.master))] = {
                "color": PORT,
                "tooltip": _text(say("draw.edge.port", ifname=link.name, bridge=link.master)),
            }
    for ghost, new in sorted(marks.moves, key=lambda p: (_ref_order(p[0]), _ref_order(p[1]))):
        if ghost in ghosts and new in drawn:
            words[(_node_id(*ghost) + "#gone", _node_id(*new))] = say(
                "a11y.moved", a=new[1], src=ns_label(ghost[0]), dst=ns_label(new[0])
            )
            edges[(_node_id(*ghost) + "#gone", _node_id(*new))] = {
                "style": "dashed",
                "color": BLUE,
                "label": say("draw.edge.moved"),
                "fontcolor": BLUE,
            }
    for (tail, head), attrs in sorted(edges.items()):
        g.edge(tail, head, **attrs)
    return [words[k] for k in sorted(words)]


def to_svg(graph: graphviz.Graph) -> str:
    """Render `graph` with `dot` as an SVG string; a Drawing's is the accessible one
    (role="img", <title>, <desc>, ids unique to it; see accessible_svg)."""
    svg = graph.pipe(format="svg", encoding="utf-8")
    alt = getattr(graph, "alt", None)
    return accessible_svg(svg, alt) if isinstance(alt, TextAlt) and alt.title else svg

"""Snapshot -> graphviz.Graph (pure: no I/O besides `dot` in `to_svg`).

    draw(snapshot)             one box per namespace, one node per interface
    draw(snapshot, marks=False)    the same without mistake marks (an exercise before a hint)
    mistakes(snapshot)         the faults the drawing marks, as sentences ending with the fix
    legend(), draw_legend()    every colour of the drawing, as data and as a small graph
    to_svg(draw(snapshot))     the drawing rendered by `dot`

Boxes come in a fixed order: the host, then named namespaces (`ip netns list`),
then hidden ones (containers), dashed. The host box shows only the links this
lab created unless ``all_host_links=True``. Node colours follow the link state
(LEGEND): `state UP` green, `state UNKNOWN` amber (`lo` once set up),
`NO-CARRIER, state LOWERLAYERDOWN` orange (set up, the other end DOWN), `state DOWN`
grey. A veth pair is one edge; a bridge port has an edge to its bridge. The faults
nslab.diagnosis finds are red and bold, with the explanation and fix as tooltip;
namespaces passed as ``infrastructure`` (the kit's own) are never marked. Every text
uses FONT, which has CJK glyphs; every label comes from nslab.messages.

Node ids are ``<namespace id>/<interface>`` with every character outside
``[A-Za-z0-9_.@-]`` percent-encoded, so any name is safe in DOT and ids stay
stable from one drawing to the next.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass, field

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

__all__ = ["LEGEND", "LegendEntry", "draw", "draw_legend", "legend", "mistakes", "to_svg"]

FONT = "Noto Sans CJK SC"  # has Latin and CJK glyphs: the Chinese edition needs it
RED = "#d62728"
BLUE = "#1f5fbf"
GHOST = "#9e9e9e"
FILL_UP = "#c8efc4"  # green
FILL_UNKNOWN = "#ffe49a"  # amber: lo after `ip link set lo up`
FILL_DOWN = "#e2e2e2"  # grey
FILL_NO_CARRIER = "#ffd0a1"  # orange: set up, but NO-CARRIER (state LOWERLAYERDOWN)


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
    LegendEntry(FILL_UP, "#555555", "rounded,filled", "legend.up", "legend.up.means"),
    LegendEntry(FILL_UNKNOWN, "#555555", "rounded,filled", "legend.unknown",
                "legend.unknown.means"),
    LegendEntry(FILL_NO_CARRIER, "#555555", "rounded,filled", "legend.no-carrier",
                "legend.no-carrier.means"),
    LegendEntry(FILL_DOWN, "#555555", "rounded,filled", "legend.down", "legend.down.means"),
    LegendEntry("", BLUE, "rounded,bold", "legend.changed", "legend.changed.means"),
    LegendEntry("", RED, "rounded,bold", "legend.mistake", "legend.mistake.means"),
    LegendEntry("", GHOST, "dashed,rounded", "legend.removed", "legend.removed.means"),
)


def legend() -> list[tuple[str, str, str]]:
    """The legend as data: (colour, what `ip` shows, what it means), one row per entry."""
    return [(e.fill or e.color, say(e.shows), say(e.means)) for e in LEGEND]


def draw_legend() -> graphviz.Graph:
    """The legend drawn with the drawing's own styles, one node per entry."""
    g = _graph("nslab-legend")
    g.attr(rankdir="LR")
    for i, e in enumerate(LEGEND):
        attrs = {"shape": "box", "style": e.style, "color": e.color}
        if e.fill:
            attrs["fillcolor"] = e.fill
        if e.color in (BLUE, RED):
            attrs["penwidth"] = "3"
        g.node(f"legend{i}", _label([say(e.shows), say(e.means)]), **attrs)
    return g


def _graph(name: str) -> graphviz.Graph:
    """A graph whose every text uses FONT (graph, node and edge defaults)."""
    g = graphviz.Graph(name)
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
    """The faults the drawing marks, as sentences that name the objects and the fix."""
    return [f.text for f in diagnose(snapshot, infrastructure=infrastructure) if f.drawn]


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
) -> None:
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
    lines += [say("draw.mistake", label=e.label(ref)) for e in errors]

    attrs = {
        "fillcolor": _fill(link),
        "shape": "box3d" if link.kind == "bridge" else "box",
        "style": "filled" if link.kind == "bridge" else "rounded,filled",
    }
    if touched:
        attrs.update(color=BLUE, penwidth="3")
    if errors:
        attrs.update(color=RED, fontcolor=RED, penwidth="3")
        attrs["style"] += ",bold"
        attrs["tooltip"] = _text(" ".join(e.text for e in errors))
    g.node(_node_id(*ref), _label(lines), **attrs)


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
    if key is None:
        label, style, fill, color = say("draw.host"), "rounded,filled", "#f5f5f5", "#777777"
    elif key.startswith("@pid"):
        label = say("draw.ns.unlisted", ns=ns_label(key))
        style, fill, color = "dashed,rounded,filled", "#eef2fb", "#4a6fb5"
    elif key.startswith("@"):
        label = say("draw.ns.hidden", ns=ns_label(key))
        style, fill, color = "dashed,rounded,filled", "#eef2fb", "#4a6fb5"
    else:
        label, style, fill, color = say("draw.ns", ns=key), "rounded,filled", "#fbfbf3", "#777777"
    attrs = {"style": style, "fillcolor": fill, "color": color}
    if new:
        label = say("draw.ns.new", label=label)
        attrs.update(color=BLUE, penwidth="3")
    if gone:
        label = say("draw.ns.removed", label=label)
        attrs.update(style="dashed,rounded", color=GHOST, fontcolor=GHOST)
    attrs["label"] = _label([label, *extra])
    return attrs


def _ghost(g: graphviz.Graph, ns: NsKey, name: str, why: str, ghosts: set[_Ref]) -> None:
    """A faded node for a link that is no longer here."""
    ghosts.add((ns, name))
    g.node(
        _node_id(ns, name) + "#gone",
        _label([name, say("draw.ghost", why=why)]),
        shape="box",
        style="dashed,rounded",
        color=GHOST,
        fontcolor=GHOST,
    )


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
) -> graphviz.Graph:
    """Draw `snapshot`: namespaces as boxes, interfaces as nodes, veth pairs as edges.

    all_host_links: also draw the host links this lab did not create.
    changes: a `Changes` (``after - before``) to mark new (blue) and removed (faded) things.
    details: show MACs, ifindexes, MTUs and every route.
    marks: mark the faults nslab.diagnosis finds in red (False: an exercise before a hint).
    infrastructure: the kit's own namespaces, never marked (notebook 05's `internet`).
    findings: more faults to mark (with `marks`), e.g. those a goal's packet path shows
    (nslab.paths); marked like diagnose's own.
    """
    changed = _Marks.of(changes)
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
            c.attr(**_cluster_attrs(ns.key, new=ns.key in changed.new_ns, gone=False, extra=extra))
            if not ns.links_read:
                c.node(_ns_id(ns.key) + "/#unread", _label([say("draw.unread")]), shape="plaintext")
                continue
            links = sorted(ns.links, key=link_order)
            shown = [lk for lk in links if ns.key is not None or lk.name in host_keep]
            for lk in shown:
                _link_node(
                    c,
                    ns.key,
                    lk,
                    details=details,
                    changed=changed,
                    errors=errors.get((ns.key, lk.name), []),
                )
                drawn[(ns.key, lk.name)] = lk
            for name, why, owned in sorted(changed.ghosts.get(ns.key, [])):
                if ns.key is not None or owned or all_host_links:
                    _ghost(c, ns.key, name, why, ghosts)
            hidden = len(links) - len(shown)
            if hidden or (ns.kind == "host" and not all_host_links):
                text = say("draw.host-hidden")  # their count varies per machine
                c.node("host/#hidden", _label([text]), shape="plaintext", fontcolor="#666666")
            elif not links:
                c.node(_ns_id(ns.key) + "/#empty", _label([say("draw.empty")]), shape="plaintext")
            notes = _notes(ns, details=details, marks=changed, host_too=all_host_links)
            if notes:
                c.node(
                    _ns_id(ns.key) + "/#notes",
                    _label(notes, left=True),
                    shape="note",
                    style="filled",
                    fillcolor="#fffbe6",
                )

    for key in sorted((k for k in changed.gone_ns if snapshot.ns(k) is None), key=ns_order):
        with g.subgraph(name="cluster_" + _ns_id(key)) as c:
            c.attr(**_cluster_attrs(key, new=False, gone=True, extra=[]))
            gone_links = sorted(changed.ghosts.get(key, []))
            for name, why, _owned in gone_links:
                _ghost(c, key, name, why, ghosts)
            if not gone_links:
                c.node(_ns_id(key) + "/#empty", _label([say("draw.empty")]), shape="plaintext")

    _edges(g, snapshot, drawn, ghosts, red_edges, changed)
    return g


def _edges(
    g: graphviz.Graph,
    snap: Snapshot,
    drawn: dict[_Ref, Link],
    ghosts: set[_Ref],
    red_edges: set[frozenset[_Ref]],
    marks: _Marks,
) -> None:
    edges: dict[tuple[str, str], dict[str, str]] = {}
    for ref in sorted(drawn, key=lambda r: _ref_order(r, drawn[r])):
        ns, link = ref[0], drawn[ref]
        me = _node_id(*ref)
        if link.kind == "veth" and link.peer:
            far = peer(snap, link)
            if far and (far[0], far[1].name) in drawn:
                other = (far[0], far[1].name)
                pair = tuple(sorted((me, _node_id(*other))))
                red = frozenset({ref, other}) in red_edges
                edges.setdefault(
                    pair,
                    {
                        "color": RED if red else "#555555",
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
                        fontcolor="#666666",
                    )
                edges[(me, target)] = {"style": "dashed", "color": "#555555"}
        if link.master and (ns, link.master) in drawn:
            edges[(me, _node_id(ns, link.master))] = {
                "color": "#9c6b00",
                "tooltip": _text(say("draw.edge.port", ifname=link.name, bridge=link.master)),
            }
    for ghost, new in sorted(marks.moves, key=lambda p: (_ref_order(p[0]), _ref_order(p[1]))):
        if ghost in ghosts and new in drawn:
            edges[(_node_id(*ghost) + "#gone", _node_id(*new))] = {
                "style": "dashed",
                "color": BLUE,
                "label": say("draw.edge.moved"),
                "fontcolor": BLUE,
            }
    for (tail, head), attrs in sorted(edges.items()):
        g.edge(tail, head, **attrs)


def to_svg(graph: graphviz.Graph) -> str:
    """Render `graph` with `dot` as an SVG string (nothing stripped)."""
    return graph.pipe(format="svg", encoding="utf-8")

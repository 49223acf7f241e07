"""Snapshot -> graphviz.Graph (pure: no I/O besides `dot` in `to_svg`).

    draw(snapshot)             one box per namespace, one node per interface
    mistakes(snapshot)         the classic slips, as sentences that end with the fix
    to_svg(draw(snapshot))     the drawing rendered by `dot`

Boxes come in a fixed order: the host, then named namespaces (`ip netns list`),
then hidden ones (containers), dashed. The host box shows only the links this
lab created unless ``all_host_links=True``. Node colours follow the link state:
UP green, UNKNOWN amber (`lo` once set up), DOWN grey, up-without-carrier orange.
A veth pair is one edge; a bridge port has an edge to its bridge. Mistakes are
red and bold, with the explanation as tooltip.

Node ids are ``<namespace id>/<interface>`` with every character outside
``[A-Za-z0-9_.@-]`` percent-encoded, so any name is safe in DOT and ids stay
stable from one drawing to the next.
"""

from __future__ import annotations

import ipaddress
import string
from dataclasses import dataclass, field

import graphviz

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
from .snapshot import Link, Namespace, NsKey, Route, Snapshot, ns_label

__all__ = ["draw", "mistakes", "to_svg"]

FONT = "Helvetica"
RED = "#d62728"
BLUE = "#1f5fbf"
GHOST = "#9e9e9e"
FILL_UP = "#c8efc4"  # green
FILL_UNKNOWN = "#ffe49a"  # amber: lo after `ip link set lo up`
FILL_DOWN = "#e2e2e2"  # grey
FILL_NO_CARRIER = "#ffd0a1"  # orange: set up, but LOWERLAYERDOWN / NO-CARRIER

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


def _where(ns: NsKey, ifname: str) -> str:
    return f"{ifname} in {ns_label(ns)}"


# ---------------------------------------------------------------- mistakes


@dataclass(frozen=True)
class _Mistake:
    text: str  # the sentence, ending with the fix
    short: str  # a few words on the node
    nodes: tuple[_Ref, ...]  # drawn red
    edge: frozenset[_Ref] | None = None  # veth edge drawn red


def _peer(snap: Snapshot, link: Link) -> tuple[NsKey, Link] | None:
    """The other end of a veth, when its namespace is visible and was read."""
    p = link.peer
    if p is None or not p.visible:
        return None
    ns = snap.ns(p.ns)
    if ns is None or not ns.links_read:
        return None
    found = ns.link(p.ifname) if p.ifname else None
    found = found or next((lk for lk in ns.links if lk.index == p.index), None)
    return (p.ns, found) if found else None


def _guess_ns(snap: Snapshot, ifname: str) -> str:
    """'test1' for 'veth-test1' when test1 exists; a placeholder otherwise."""
    fits = [k for k in snap.named() if ifname.endswith(k)]
    return max(fits, key=len) if fits else "NAMESPACE"


def _ifaces(link: Link, family: int) -> list[ipaddress.IPv4Interface | ipaddress.IPv6Interface]:
    out = []
    for a in sorted(link.addresses):
        if a.family == family and a.scope == "global":
            try:
                out.append(ipaddress.ip_interface(a.cidr))
            except ValueError:
                continue
    return out


def _suggest(mine, theirs) -> str:
    """An address for the peer in `mine`'s subnet, keeping the peer's host part if it fits."""
    net = mine.network
    offset = int(theirs.ip) - int(theirs.network.network_address)
    if 0 < offset < net.num_addresses - 1:
        cand = net.network_address + offset
        if cand != mine.ip:
            return f"{cand}/{net.prefixlen}"
    host = next((h for h in net.hosts() if h != mine.ip), mine.ip)
    return f"{host}/{net.prefixlen}"


def _pair_mistakes(ns: NsKey, link: Link, pns: NsKey, peer: Link) -> list[_Mistake]:
    """Addresses of the two ends of one veth pair (reported once per pair)."""
    out = []
    pair = frozenset({(ns, link.name), (pns, peer.name)})
    for family in (4, 6):
        mine, theirs = _ifaces(link, family), _ifaces(peer, family)
        if not (mine and theirs):
            continue
        fix = f"lab.add_addr({pns!r}, {peer.name!r}, {_suggest(mine[0], theirs[0])!r})"
        same = sorted({str(a.ip) for a in mine} & {str(b.ip) for b in theirs})
        if same:
            text = (
                f"{_where(ns, link.name)} and its peer {_where(pns, peer.name)} both have "
                f"{same[0]}, so each one only reaches itself: give the peer its own address, "
                f"e.g. {fix}"
            )
            out.append(_Mistake(text, f"same address as peer {peer.name}", tuple(pair), pair))
        elif not any(a.ip in b.network and b.ip in a.network for a in mine for b in theirs):
            text = (
                f"{_where(ns, link.name)} ({', '.join(map(str, mine))}) and its peer "
                f"{_where(pns, peer.name)} ({', '.join(map(str, theirs))}) are in different "
                f"subnets, so they cannot reach each other: put both ends in one subnet, "
                f"e.g. {fix}"
            )
            out.append(_Mistake(text, "peer is in another subnet", tuple(pair), pair))
    return out


def _find_mistakes(snap: Snapshot) -> list[_Mistake]:
    out: list[_Mistake] = []
    for ns in sorted(snap.namespaces, key=lambda n: ns_order(n.key)):
        if not ns.links_read:
            continue
        k = ns.key
        for link in sorted(ns.links, key=link_order):
            if k is None and not link.owned:
                continue  # never blame the user for the host's own links
            here = (k, link.name)
            if k is not None and link.kind == "loopback" and not link.up and len(ns.links) > 1:
                label = ns_label(k)
                text = (
                    f"lo in {label} is DOWN while {label} has other links: programs there "
                    f"cannot reach 127.0.0.1, nor even {label}'s own addresses: bring it up "
                    f"with lab.set_up({k!r}, 'lo')"
                )
                out.append(_Mistake(text, "lo is DOWN", (here,)))
            if k is None and link.kind == "veth" and link.master is None:
                text = (
                    f"{link.name} is still in the host namespace, so no namespace of the lab "
                    f"can use it: move it with lab.move({link.name!r}, "
                    f"{_guess_ns(snap, link.name)!r})"
                )
                out.append(_Mistake(text, "still in host: move it", (here,)))
            peer = _peer(snap, link) if link.kind == "veth" else None
            fix_up = f"bring it up with lab.set_up({k!r}, {link.name!r})"
            if peer and not link.up and peer[1].up:
                text = (
                    f"{_where(k, link.name)} is DOWN, so its peer "
                    f"{_where(peer[0], peer[1].name)} has no carrier: {fix_up}"
                )
                edge = frozenset({here, (peer[0], peer[1].name)})
                out.append(
                    _Mistake(text, f"DOWN: peer {peer[1].name} has no carrier", (here,), edge)
                )
            elif not link.up and link.kind != "loopback":
                cidrs = [a.cidr for a in sorted(link.addresses) if a.scope != "link"]
                if cidrs:
                    text = (
                        f"{_where(k, link.name)} has {', '.join(cidrs)} but is DOWN, so nothing "
                        f"can reach that address: {fix_up}"
                    )
                    out.append(_Mistake(text, "has an address but is DOWN", (here,)))
            # once per pair: from the end that sorts first, or the only end we look at
            if peer and (
                _ref_order(here, link) < _ref_order((peer[0], peer[1].name), peer[1])
                or (peer[0] is None and not peer[1].owned)
            ):
                out.extend(_pair_mistakes(k, link, peer[0], peer[1]))
    return out


def _ref_order(ref: _Ref, link: Link | None = None) -> tuple:
    return (ns_order(ref[0]), link_order(link) if link else (1, ref[1]))


def mistakes(snapshot: Snapshot) -> list[str]:
    """The classic slips in `snapshot`, as sentences that name the objects and the fix."""
    return [m.text for m in _find_mistakes(snapshot)]


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
                m.ghosts.setdefault(i.ns, []).append((i.ifname, "removed", i.link.owned))
            elif isinstance(i, AddrItem):
                m.gone_addrs.setdefault((i.ns, i.ifname), []).append(i.address.cidr)
            elif isinstance(i, RouteItem):
                m.gone_routes.setdefault(i.ns, []).append(i.route)
        for c in changes.changed:
            if isinstance(c, Moved) and c.src != c.dst:
                m.arrived[(c.dst, c.new_ifname)] = f"moved here from {ns_label(c.src)}"
                m.ghosts.setdefault(c.src, []).append(
                    (c.ifname, f"moved to {ns_label(c.dst)}", True)
                )
                m.moves.append(((c.src, c.ifname), (c.dst, c.new_ifname)))
            elif isinstance(c, Moved):
                m.arrived[(c.dst, c.new_ifname)] = f"renamed from {c.ifname}"
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
                peer = _peer(snap, lk)
                wanted = [peer[1].name] if peer and peer[0] is None else []
                if ns.key is None and lk.master:
                    wanted.append(lk.master)
                for name in wanted:
                    if name not in keep and host.link(name):
                        keep.add(name)
                        grew = True
    return keep


def _fill(link: Link) -> str:
    if not link.up:
        return FILL_DOWN
    return {"UP": FILL_UP, "UNKNOWN": FILL_UNKNOWN}.get(link.operstate, FILL_NO_CARRIER)


def _link_node(
    g: graphviz.Graph,
    ns: NsKey,
    link: Link,
    *,
    details: bool,
    marks: _Marks,
    errors: list[_Mistake],
) -> None:
    ref = (ns, link.name)
    lines = [link.name if link.kind == "loopback" else f"{link.name} ({link.kind})"]
    changed = ref in marks.new_links or ref in marks.arrived or ref in marks.was
    if ref in marks.new_links:
        lines.append("NEW")
    if ref in marks.arrived:
        lines.append(marks.arrived[ref])
    for a in sorted(link.addresses):
        if details or a.scope != "link":
            new = (ns, link.name, a.cidr) in marks.new_addrs
            lines.append(a.cidr + (" (new)" if new else ""))
            changed |= new
    lines += [f"{cidr} (removed)" for cidr in sorted(marks.gone_addrs.get(ref, []))]
    state = f"state {link.operstate}"
    if link.up and link.operstate not in ("UP", "UNKNOWN"):
        state += " (set up, no carrier)"
    if ref in marks.was:
        state += f", was {marks.was[ref]}"
    lines.append(state)
    if details:
        lines.append(f"ifindex {link.index}, mtu {link.mtu}")
        lines.append(f"mac {link.mac}")
        if link.peer:
            lines.append(f"peer ifindex {link.peer.index}")
    lines += [f"\u26a0 {e.short}" for e in errors]

    attrs = {
        "fillcolor": _fill(link),
        "shape": "box3d" if link.kind == "bridge" else "box",
        "style": "filled" if link.kind == "bridge" else "rounded,filled",
    }
    if changed:
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
        lines.append("routes:")
        for r in sorted(routes, key=route_text):
            lines.append(
                "  " + route_text(r) + (" (new)" if (ns.key, r) in marks.new_routes else "")
            )
        lines += [f"  {route_text(r)} (removed)" for r in sorted(gone, key=route_text)]
    if ns.forwarding and mine:
        lines.append("IP forwarding on")
    for rule in sorted(ns.nat_rules):
        lines.append(f"NAT: {rule}" + (" (new)" if (ns.key, rule) in marks.new_rules else ""))
    return lines


def _cluster_attrs(key: NsKey, *, new: bool, gone: bool, extra: list[str]) -> dict[str, str]:
    if key is None:
        label, style, fill, color = "host", "rounded,filled", "#f5f5f5", "#777777"
    elif key.startswith("@pid"):
        label = f"{ns_label(key)} (not in ip netns list)"
        style, fill, color = "dashed,rounded,filled", "#eef2fb", "#4a6fb5"
    elif key.startswith("@"):
        label = f"{ns_label(key)} (hidden: not in ip netns list)"
        style, fill, color = "dashed,rounded,filled", "#eef2fb", "#4a6fb5"
    else:
        label, style, fill, color = f"netns {key}", "rounded,filled", "#fbfbf3", "#777777"
    attrs = {"style": style, "fillcolor": fill, "color": color}
    if new:
        label += " (new)"
        attrs.update(color=BLUE, penwidth="3")
    if gone:
        label += " (removed)"
        attrs.update(style="dashed,rounded", color=GHOST, fontcolor=GHOST)
    attrs["label"] = _label([label, *extra])
    return attrs


def _ghost(g: graphviz.Graph, ns: NsKey, name: str, why: str, ghosts: set[_Ref]) -> None:
    """A faded node for a link that is no longer here."""
    ghosts.add((ns, name))
    g.node(
        _node_id(ns, name) + "#gone",
        _label([name, f"({why})"]),
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
) -> graphviz.Graph:
    """Draw `snapshot`: namespaces as boxes, interfaces as nodes, veth pairs as edges.

    all_host_links: also draw the host links this lab did not create.
    changes: a `Changes` (``after - before``) to mark new (blue) and removed (faded) things.
    details: show MACs, ifindexes, MTUs and every route.
    """
    marks = _Marks.of(changes)
    errors: dict[_Ref, list[_Mistake]] = {}
    red_edges: set[frozenset[_Ref]] = set()
    for m in _find_mistakes(snapshot):
        for ref in m.nodes:
            errors.setdefault(ref, []).append(m)
        if m.edge:
            red_edges.add(m.edge)

    g = graphviz.Graph("nslab")
    g.attr(rankdir="TB", fontname=FONT, newrank="true")
    if title:
        g.attr(label=_label([title]), labelloc="t", fontsize="16")
    g.attr("node", fontname=FONT, fontsize="11")
    g.attr("edge", fontname=FONT, fontsize="10")

    host_keep = _host_drawn(snapshot, all_host_links)
    drawn: dict[_Ref, Link] = {}
    ghosts: set[_Ref] = set()
    for ns in sorted(snapshot.namespaces, key=lambda n: ns_order(n.key)):
        with g.subgraph(name="cluster_" + _ns_id(ns.key)) as c:
            extra = [f"inode {ns.inode}"] + [f"PID {p}" for p in ns.pids] if details else []
            c.attr(**_cluster_attrs(ns.key, new=ns.key in marks.new_ns, gone=False, extra=extra))
            if not ns.links_read:
                c.node(_ns_id(ns.key) + "/#unread", _label(["links not read"]), shape="plaintext")
                continue
            links = sorted(ns.links, key=link_order)
            shown = [lk for lk in links if ns.key is not None or lk.name in host_keep]
            for lk in shown:
                _link_node(
                    c,
                    ns.key,
                    lk,
                    details=details,
                    marks=marks,
                    errors=errors.get((ns.key, lk.name), []),
                )
                drawn[(ns.key, lk.name)] = lk
            for name, why, owned in sorted(marks.ghosts.get(ns.key, [])):
                if ns.key is not None or owned or all_host_links:
                    _ghost(c, ns.key, name, why, ghosts)
            hidden = len(links) - len(shown)
            if hidden or (ns.kind == "host" and not all_host_links):
                text = "(the host's own links are hidden)"  # their count varies per machine
                c.node("host/#hidden", _label([text]), shape="plaintext", fontcolor="#666666")
            elif not links:
                c.node(_ns_id(ns.key) + "/#empty", _label(["no links"]), shape="plaintext")
            notes = _notes(ns, details=details, marks=marks, host_too=all_host_links)
            if notes:
                c.node(
                    _ns_id(ns.key) + "/#notes",
                    _label(notes, left=True),
                    shape="note",
                    style="filled",
                    fillcolor="#fffbe6",
                )

    for key in sorted((k for k in marks.gone_ns if snapshot.ns(k) is None), key=ns_order):
        with g.subgraph(name="cluster_" + _ns_id(key)) as c:
            c.attr(**_cluster_attrs(key, new=False, gone=True, extra=[]))
            gone_links = sorted(marks.ghosts.get(key, []))
            for name, why, _owned in gone_links:
                _ghost(c, key, name, why, ghosts)
            if not gone_links:
                c.node(_ns_id(key) + "/#empty", _label(["no links"]), shape="plaintext")

    _edges(g, snapshot, drawn, ghosts, red_edges, marks)
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
            peer = _peer(snap, link)
            if peer and (peer[0], peer[1].name) in drawn:
                other = (peer[0], peer[1].name)
                pair = tuple(sorted((me, _node_id(*other))))
                red = frozenset({ref, other}) in red_edges
                edges.setdefault(
                    pair,
                    {
                        "color": RED if red else "#555555",
                        "penwidth": "3" if red else "2",
                        "tooltip": _text(f"veth pair {link.name} <-> {peer[1].name}"),
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
                        _label([f"peer ifindex {p.index}", "(namespace not visible)"]),
                        style="dashed",
                        shape="box",
                        fontcolor="#666666",
                    )
                edges[(me, target)] = {"style": "dashed", "color": "#555555"}
        if link.master and (ns, link.master) in drawn:
            edges[(me, _node_id(ns, link.master))] = {
                "color": "#9c6b00",
                "tooltip": _text(f"{link.name} is a port of bridge {link.master}"),
            }
    for ghost, new in sorted(marks.moves, key=lambda p: (_ref_order(p[0]), _ref_order(p[1]))):
        if ghost in ghosts and new in drawn:
            edges[(_node_id(*ghost) + "#gone", _node_id(*new))] = {
                "style": "dashed",
                "color": BLUE,
                "label": "moved",
                "fontcolor": BLUE,
            }
    for (tail, head), attrs in sorted(edges.items()):
        g.edge(tail, head, **attrs)


def to_svg(graph: graphviz.Graph) -> str:
    """Render `graph` with `dot` as an SVG string (nothing stripped)."""
    return graph.pipe(format="svg", encoding="utf-8")

"""What changed between two snapshots (pure): ``after - before`` -> Changes.

    >>> changes = lab.snapshot() - before          # Snapshot.__sub__ calls diff()
    >>> changes.describe()
    ['veth-test1 moved from host to test1', ...]

Links are matched by namespace and name. A link that leaves one namespace and
appears in another with the same name and kind (and the same MAC, when both
are known) is reported as *moved*, not as removed + added; a link whose name
changed but whose kind and MAC did not is reported as *renamed*.

`Changes` keeps every difference (`added`, `removed`, `changed`); `describe()`
turns them into sentences and folds the obvious consequences into one line
(the links of a new namespace, the addresses a move drops, IPv6 link-local
addresses, which the kernel derives from random MACs).
"""

from __future__ import annotations

import html
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

from .messages import say, say_n
from .snapshot import Address, Link, NsKey, Route, Snapshot, ns_label

__all__ = [
    "AddrItem",
    "Changes",
    "changes_html",
    "LinkItem",
    "Modified",
    "Moved",
    "NatItem",
    "NsItem",
    "RouteItem",
    "diff",
    "link_order",
    "ns_order",
    "route_text",
]

_ZERO_MAC = "00:00:00:00:00:00"
_NETNS_LOCAL = ("loopback", "bridge")  # the kernel never moves these between namespaces


# ---------------------------------------------------------------- helpers shared with draw.py


def ns_order(key: NsKey) -> tuple[int, str]:
    """Sort key for namespaces: host first, then named ones, then hidden ones."""
    if key is None:
        return (0, "")
    return (2, key) if key.startswith("@") else (1, key)


def link_order(link: Link) -> tuple[int, str]:
    """Sort key for links: `lo` first, then by name."""
    return (0 if link.kind == "loopback" else 1, link.name)


def route_text(route: Route) -> str:
    """A route the way `ip route` prints it: 'default via 172.17.0.1 dev eth0'."""
    parts = [route.dst]
    if route.gateway:
        parts += ["via", route.gateway]
    if route.dev:
        parts += ["dev", route.dev]
    if route.protocol == "kernel":
        parts += ["proto", "kernel"]
    if route.scope not in ("universe", "global"):
        parts += ["scope", route.scope]
    return " ".join(parts)


# ---------------------------------------------------------------- items


@dataclass(frozen=True)
class NsItem:
    """A namespace that appeared or disappeared."""

    ns: NsKey
    kind: str  # "named" or "hidden"


@dataclass(frozen=True)
class LinkItem:
    """A link that appeared or disappeared (moves are `Moved`, not LinkItems)."""

    ns: NsKey
    ifname: str
    kind: str
    link: Link = field(compare=False, repr=False)


@dataclass(frozen=True)
class AddrItem:
    ns: NsKey
    ifname: str
    address: Address


@dataclass(frozen=True)
class RouteItem:
    ns: NsKey
    route: Route


@dataclass(frozen=True)
class NatItem:
    ns: NsKey
    rule: str  # in `nft` syntax


@dataclass(frozen=True)
class Moved:
    """A link that changed namespace and/or name (`ip link set X netns N` / `name Y`)."""

    ifname: str
    kind: str
    src: NsKey
    dst: NsKey
    new_ifname: str  # == ifname unless it was renamed


@dataclass(frozen=True)
class Modified:
    """One field of a link (ifname set) or of a namespace (ifname None) that changed."""

    ns: NsKey
    ifname: str | None
    field: str  # "state", "admin", "master", "mtu", "mac" or "forwarding"
    old: object
    new: object


Item = NsItem | LinkItem | AddrItem | RouteItem | NatItem


@dataclass(frozen=True)
class Changes:
    """The difference between two snapshots; falsy when nothing changed."""

    added: tuple[Item, ...] = ()
    removed: tuple[Item, ...] = ()
    changed: tuple[Moved | Modified, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)

    def describe(self) -> list[str]:
        """The changes as plain English sentences, in a fixed order."""
        return _describe(self)

    def __str__(self) -> str:
        lines = self.describe()
        return "\n".join(f"- {line}" for line in lines) if lines else say("changes.none")

    def _repr_pretty_(self, p, cycle: bool) -> None:  # IPython's text/plain
        p.text(str(self))

    def _repr_html_(self) -> str:
        return changes_html(self)


# ---------------------------------------------------------------- diff

_Ref = tuple[NsKey, str]  # (namespace key, link name)


def _ref_order(ref: _Ref) -> tuple[tuple[int, str], str]:
    return (ns_order(ref[0]), ref[1])


def _item_order(item: Item) -> tuple:
    kinds = (NsItem, LinkItem, AddrItem, RouteItem, NatItem)
    rank = kinds.index(type(item))
    if isinstance(item, NsItem):
        rest: tuple = ()
    elif isinstance(item, LinkItem):
        rest = (link_order(item.link),)
    elif isinstance(item, AddrItem):
        rest = (item.ifname, item.address.family, item.address.cidr)
    elif isinstance(item, RouteItem):
        rest = (route_text(item.route),)
    else:
        rest = (item.rule,)
    return (rank, ns_order(item.ns), rest)


_FIELDS = ("state", "admin", "master", "mtu", "mac", "forwarding")


def _change_order(c: Moved | Modified) -> tuple:
    if isinstance(c, Moved):
        return (0, ns_order(c.src), c.ifname, 0)
    return (1, ns_order(c.ns), c.ifname or "", _FIELDS.index(c.field))


def _readable(before: Snapshot, after: Snapshot) -> set[NsKey]:
    """Namespaces whose links can be compared: read in every snapshot that has them."""
    keys = set()
    for key in {n.key for n in before.namespaces} | {n.key for n in after.namespaces}:
        found = [n for n in (before.ns(key), after.ns(key)) if n is not None]
        if all(n.links_read for n in found):
            keys.add(key)
    return keys


def _links(snap: Snapshot, keys: set[NsKey]) -> dict[_Ref, Link]:
    return {(n.key, lk.name): lk for n in snap.namespaces if n.key in keys for lk in n.links}


def _real_mac(mac: str) -> bool:
    return bool(mac) and mac != _ZERO_MAC


def _pair_moves(
    gone: list[_Ref], new: list[_Ref], b_links: dict[_Ref, Link], a_links: dict[_Ref, Link]
) -> list[tuple[_Ref, _Ref]]:
    """Pair vanished links with appeared ones: first same name+kind, then same MAC+kind."""
    pairs: list[tuple[_Ref, _Ref]] = []
    used: set[_Ref] = set()

    def macs_agree(old: Link, cur: Link) -> bool:
        return not (_real_mac(old.mac) and _real_mac(cur.mac)) or old.mac == cur.mac

    def by_name(g: _Ref, n: _Ref) -> bool:
        old, cur = b_links[g], a_links[n]
        if old.kind in _NETNS_LOCAL or old.kind != cur.kind:
            return False
        return g[0] != n[0] and g[1] == n[1] and macs_agree(old, cur)

    def by_mac(g: _Ref, n: _Ref) -> bool:
        old, cur = b_links[g], a_links[n]
        if old.kind != cur.kind or (old.kind in _NETNS_LOCAL and g[0] != n[0]):
            return False
        return _real_mac(old.mac) and old.mac == cur.mac

    for match in (by_name, by_mac):
        for g in sorted(gone, key=_ref_order):
            if g in used:
                continue
            for n in sorted(new, key=_ref_order):
                if n not in used and match(g, n):
                    pairs.append((g, n))
                    used.update((g, n))
                    break
    return pairs


def _link_fields(ns: NsKey, name: str, old: Link, cur: Link) -> list[Modified]:
    out = []
    if old.operstate != cur.operstate:
        out.append(Modified(ns, name, "state", old.operstate, cur.operstate))
    elif old.up != cur.up:
        out.append(Modified(ns, name, "admin", old.up, cur.up))
    recreated = old.index != cur.index  # removed and made again: a new MAC is no news
    for attr in ("master", "mtu", "mac"):
        if attr == "mac" and recreated:
            continue
        if getattr(old, attr) != getattr(cur, attr):
            out.append(Modified(ns, name, attr, getattr(old, attr), getattr(cur, attr)))
    return out


def _set_diff(before: Iterable[Item], after: Iterable[Item]) -> tuple[set[Item], set[Item]]:
    b, a = set(before), set(after)
    return a - b, b - a


def diff(before: Snapshot, after: Snapshot) -> Changes:
    """Everything that differs between two snapshots (`after - before` calls this)."""
    added: set[Item] = set()
    removed: set[Item] = set()
    changed: list[Moved | Modified] = []

    b_ns = {n.key: n for n in before.namespaces}
    a_ns = {n.key: n for n in after.namespaces}
    added |= {NsItem(k, a_ns[k].kind) for k in a_ns.keys() - b_ns.keys()}
    removed |= {NsItem(k, b_ns[k].kind) for k in b_ns.keys() - a_ns.keys()}

    # links, with moves and renames
    keys = _readable(before, after)
    b_links, a_links = _links(before, keys), _links(after, keys)
    gone = [r for r in b_links if r not in a_links]
    new = [r for r in a_links if r not in b_links]
    pairs = _pair_moves(gone, new, b_links, a_links)
    paired = {r for pair in pairs for r in pair}
    for g, n in pairs:
        changed.append(Moved(g[1], a_links[n].kind, g[0], n[0], n[1]))
        changed.extend(_link_fields(n[0], n[1], b_links[g], a_links[n]))
    removed |= {LinkItem(*r, b_links[r].kind, b_links[r]) for r in gone if r not in paired}
    added |= {LinkItem(*r, a_links[r].kind, a_links[r]) for r in new if r not in paired}
    for ref in sorted(b_links.keys() & a_links.keys(), key=_ref_order):
        changed.extend(_link_fields(*ref, b_links[ref], a_links[ref]))

    # addresses, routes, NAT rules: plain set differences
    def addrs(links: dict[_Ref, Link]) -> list[Item]:
        return [AddrItem(*r, a) for r, lk in links.items() for a in lk.addresses]

    def routes(snap: Snapshot) -> list[Item]:
        return [RouteItem(n.key, r) for n in snap.namespaces if n.key in keys for r in n.routes]

    def rules(snap: Snapshot) -> list[Item]:
        return [NatItem(n.key, r) for n in snap.namespaces for r in n.nat_rules]

    for b_items, a_items in (
        (addrs(b_links), addrs(a_links)),
        (routes(before), routes(after)),
        (rules(before), rules(after)),
    ):
        plus, minus = _set_diff(b_items, a_items)
        added |= plus
        removed |= minus

    for key in sorted(b_ns.keys() & a_ns.keys(), key=ns_order):
        old, cur = b_ns[key].forwarding, a_ns[key].forwarding
        if old is not None and cur is not None and old != cur:
            changed.append(Modified(key, None, "forwarding", old, cur))

    return Changes(
        added=tuple(sorted(added, key=_item_order)),
        removed=tuple(sorted(removed, key=_item_order)),
        changed=tuple(sorted(changed, key=_change_order)),
    )


# ---------------------------------------------------------------- prose

_LINK_LOCAL = ipaddress.ip_network("fe80::/10")


def _shown(address: Address) -> bool:
    """Addresses worth a sentence: not IPv6 link-local (fe80::/10, derived from a random
    MAC, so it changes whenever a link is re-created)."""
    if address.scope == "link":
        return False
    try:
        return ipaddress.ip_interface(address.cidr).ip not in _LINK_LOCAL
    except ValueError:
        return True


def _ns_text(key: NsKey, event: str, links: str) -> str:
    """'namespace test1 added with lo (DOWN)', 'container web removed', ..."""
    named = key is not None and not key.startswith("@")
    label = key if named else ns_label(key)
    if event == "added":
        if named:
            return say("changes.ns-added-with", ns=label, links=links) if links else say(
                "changes.ns-added", ns=label)
        return say("changes.hidden-added-with", ns=label, links=links) if links else say(
            "changes.hidden-added", ns=label)
    if named:
        return say("changes.ns-removed-with", ns=label, links=links) if links else say(
            "changes.ns-removed", ns=label)
    return say("changes.hidden-removed-with", ns=label, links=links) if links else say(
        "changes.hidden-removed", ns=label)


def _link_summary(link: Link) -> str:
    bits = [link.kind, link.operstate] + [a.cidr for a in sorted(link.addresses) if _shown(a)]
    return ", ".join(bits)


def _onoff(flag: object) -> str:
    return say("changes.up") if flag else say("changes.down")


def _modified_text(m: Modified) -> str:
    if m.ifname is None:  # a namespace setting
        key = "changes.forwarding-on" if m.new else "changes.forwarding-off"
        return say(key, ns=ns_label(m.ns))
    where = {"ifname": m.ifname, "ns": ns_label(m.ns)}
    if m.field == "state":
        return say("changes.state", old=m.old, new=m.new, **where)
    if m.field == "admin":
        return say("changes.admin", old=_onoff(m.old), new=_onoff(m.new), **where)
    if m.field == "master":
        if m.old is None:
            return say("changes.attached", bridge=m.new, **where)
        if m.new is None:
            return say("changes.detached", bridge=m.old, **where)
        return say("changes.bridge-moved", old=m.old, new=m.new, **where)
    if m.field == "mac":
        return say("changes.mac", old=m.old, new=m.new, **where)
    return say("changes.mtu", old=m.old, new=m.new, **where)


def _moved_text(m: Moved, dropped: list[str]) -> str:
    where = {"ifname": m.ifname, "src": ns_label(m.src), "dst": ns_label(m.dst)}
    if m.src == m.dst:
        return say("changes.renamed", new=m.new_ifname, **where)
    renamed = m.new_ifname != m.ifname
    if dropped:
        key = "changes.moved-renamed-dropped" if renamed else "changes.moved-dropped"
        return say_n(key, len(dropped), new=m.new_ifname, addresses=", ".join(dropped), **where)
    if renamed:
        return say("changes.moved-renamed", new=m.new_ifname, **where)
    return say("changes.moved", **where)


def _describe(ch: Changes) -> list[str]:
    new_ns = {i.ns for i in ch.added if isinstance(i, NsItem)}
    gone_ns = {i.ns for i in ch.removed if isinstance(i, NsItem)}
    new_links = {(i.ns, i.ifname) for i in ch.added if isinstance(i, LinkItem)}
    gone_links = {(i.ns, i.ifname) for i in ch.removed if isinstance(i, LinkItem)}
    moved_out = {(m.src, m.ifname) for m in ch.changed if isinstance(m, Moved)}

    def links_of(items: tuple[Item, ...], key: NsKey) -> list[LinkItem]:
        return [i for i in items if isinstance(i, LinkItem) and i.ns == key]

    out: list[str] = []
    for i in ch.added:
        if isinstance(i, NsItem):
            held = say("a11y.sep").join(
                say("changes.link-state", ifname=x.ifname, state=x.link.operstate)
                for x in links_of(ch.added, i.ns)
            )
            out.append(_ns_text(i.ns, "added", held))
    for i in ch.added:
        if isinstance(i, LinkItem) and i.ns not in new_ns:
            out.append(say("changes.link-added", ifname=i.ifname, ns=ns_label(i.ns),
                           summary=_link_summary(i.link)))
    for m in ch.changed:
        if not isinstance(m, Moved):
            continue
        dropped = [
            i.address.cidr
            for i in ch.removed
            if isinstance(i, AddrItem)
            and (i.ns, i.ifname) == (m.src, m.ifname)
            and _shown(i.address)
        ] if m.src != m.dst else []
        out.append(_moved_text(m, dropped))
    out += [_modified_text(m) for m in ch.changed if isinstance(m, Modified) and m.ifname]

    for items, key, skip in (
        (ch.added, "changes.addr-added", new_links),
        (ch.removed, "changes.addr-removed", gone_links | moved_out),
    ):
        for i in items:
            if (
                isinstance(i, AddrItem)
                and (i.ns, i.ifname) not in skip
                and i.ns not in gone_ns
                and _shown(i.address)
            ):
                out.append(say(key, cidr=i.address.cidr, ifname=i.ifname, ns=ns_label(i.ns)))
    for items, key in ((ch.added, "changes.route-added"), (ch.removed, "changes.route-removed")):
        for i in items:
            if isinstance(i, RouteItem) and i.ns not in gone_ns:
                out.append(say(key, route=route_text(i.route), ns=ns_label(i.ns)))
    out += [_modified_text(m) for m in ch.changed if isinstance(m, Modified) and not m.ifname]
    for items, key in ((ch.added, "changes.nat-added"), (ch.removed, "changes.nat-removed")):
        for i in items:
            if isinstance(i, NatItem):
                out.append(say(key, ns=ns_label(i.ns), rule=i.rule))

    for i in ch.removed:
        if isinstance(i, LinkItem) and i.ns not in gone_ns:
            out.append(say("changes.link-removed", ifname=i.ifname, ns=ns_label(i.ns)))
    for i in ch.removed:
        if isinstance(i, NsItem):
            held = say("a11y.sep").join(x.ifname for x in links_of(ch.removed, i.ns))
            out.append(_ns_text(i.ns, "removed", held))
    return out


def changes_html(changes: Changes | None, heading: str = "") -> str:
    """The one HTML form of "what changed" (notebooks, StepView, the widgets): a titled
    list, or a titled "no changes"; empty for None (nothing to compare yet). `heading`
    (e.g. "S17 undone") goes above it."""
    if changes is None:
        return ""
    head = f"<b>{html.escape(heading)}</b><br>" if heading else ""
    title = html.escape(say("changes.title"))
    lines = changes.describe()
    if not lines:
        return (f'<div class="nslab-changes">{head}<b>{title}</b> '
                f'{html.escape(say("changes.none"))}</div>')
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return f'<div class="nslab-changes">{head}<b>{title}</b><ul>{items}</ul></div>'

"""Exercise goals, checked against what the kernel really holds.

    from nslab.checks import check, reachable, link_up, in_namespace
    goals = [in_namespace("veth-test1", "test1"), link_up("test2", "veth-test2"),
             reachable("test1", "192.168.1.2")]
    report = check(lab, goals)   # ONE snapshot of the kernel, plus a real ping per reachable()
    report                       # a checklist: ✔ met; ✘ not met, with the reason and the fix
    report.passed                # True when every goal is met

A goal is data (a frozen dataclass): compare it, hash it, list it in an exercise.
``goal.judge(snapshot)`` is pure: it returns the reasons the goal is not met, each
in the tutorial's terms and ending with the fix as a Lab call and as the `ip`
command, so the diagnosis is tested without root. The faults themselves are
nslab.diagnosis findings (one engine for checks, drawings and hints): a `reachable`
goal lists every fault on the way, not only the first. Only ``reachable`` also asks
the kernel, with one ping: the kernel has the last word, the snapshot explains why.

The diagnosis follows a packet the way the kernel would: the route in the sending
namespace, the wire (veth pair, bridge ports) and the state of every end on it,
the neighbour that holds the next hop, forwarding in a router, and the route back
for the replies. A goal that names a namespace or an interface that does not exist
is a failed goal with a hint, never an exception.

Goals: ``has_netns``, ``lo_up``, ``link_up``, ``has_addr``, ``in_namespace``,
``connected``, ``route_to``, ``forwards``, ``reachable``, ``unique_addresses``.
"""

from __future__ import annotations

import difflib
import html
import ipaddress
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .diagnosis import (
    Finding,
    Fix,
    IPAddr,
    IPIface,
    diagnose,
    duplicate,
    end_in_host,
    fix_add_addr,
    fix_add_netns,
    fix_add_route,
    fix_add_veth,
    fix_del_addr,
    fix_exec,
    fix_move,
    fix_set_master,
    forwarding_off,
    free_address,
    home_of,
    ifaces,
    link_down,
    links_of,
    lo_down,
    lookup,
    no_address,
    peer,
    stranded,
    subnet_mismatch,
)
from .messages import say, say_n
from .snapshot import Link, Namespace, NsKey, Route, Snapshot, ns_label

if TYPE_CHECKING:
    from .lab import Lab

__all__ = [
    "Connected",
    "Forwards",
    "Goal",
    "HasAddr",
    "HasNetns",
    "InNamespace",
    "LinkUp",
    "LoUp",
    "Reachable",
    "Report",
    "RouteTo",
    "UniqueAddresses",
    "Verdict",
    "check",
    "connected",
    "forwards",
    "has_addr",
    "has_netns",
    "in_namespace",
    "link_up",
    "lo_up",
    "reachable",
    "route_to",
    "settled_snapshot",
    "unique_addresses",
]

Ref = tuple[NsKey, Link]  # an interface and the namespace that holds it

MAX_HOPS = 8


# ------------------------------------------------------------------ small words


def _in(ns: NsKey) -> str:
    """'test1' or 'the host namespace', for prose."""
    return say("check.host") if ns is None else ns_label(ns)


def _close(name: str, options: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(name, sorted(o for o in options if o), n=1, cutoff=0.6)
    return found[0] if found else None


# ------------------------------------------------------------------ sentences


def _fixes(*fixes: Fix) -> dict[str, str]:
    """The `call` and `command` fields of a sentence that ends with its fix."""
    return {"call": "; ".join(f.call for f in fixes),
            "command": "; ".join(f.command for f in fixes)}


def _no_ns(snap: Snapshot, ns: NsKey) -> str | None:
    """Why a goal cannot even look: the namespace it names does not exist."""
    if ns is None or snap.ns(ns) is not None:
        return None
    close = _close(ns, snap.named())
    if close:
        return say("check.no-ns.close", ns=ns, close=repr(close))
    return say("check.no-ns", ns=ns, **_fixes(fix_add_netns(ns)))


def _lo_down(snap: Snapshot, ns: NsKey) -> str:
    return lo_down(snap, ns).text


def _down(snap: Snapshot, ns: NsKey, link: Link) -> str:
    return link_down(snap, ns, link).text


def _move_it(snap: Snapshot, link: Link, into: str | None = None, peer_ns: NsKey = None) -> str:
    return end_in_host(snap, link, into, exclude=[peer_ns] if peer_ns else []).text


def _forwarding(snap: Snapshot, ns: NsKey) -> str:
    """forwarding-off for NS, naming who routes through it when someone does."""
    found = [f for f in diagnose(snap) if f.code == "forwarding-off" and f.ns == ns]
    return (found[0] if found else forwarding_off(snap, ns)).text


def _locate(snap: Snapshot, ns: NsKey, ifname: str) -> tuple[Link | None, str | None]:
    """The link IFNAME in NS, or why it is not there (elsewhere, stranded, a typo)."""
    missing = _no_ns(snap, ns)
    if missing:
        return None, missing
    here = snap.ns(ns) or Namespace(ns, "host", 0)
    found = here.link(ifname)
    if found is not None:
        return found, None
    elsewhere = [
        (n.key, lk) for n in snap.namespaces if n.key != ns
        for lk in links_of(n) if lk.name == ifname
    ]
    if elsewhere:
        key, link = elsewhere[0]
        if key is None:
            return None, _move_it(snap, link, into=ns)
        fix = _fixes(fix_move(snap, ifname, ns, src=key))
        return None, say("check.elsewhere", ifname=ifname, where=_in(key), ns=_in(ns), **fix)
    names = [lk.name for lk in links_of(here)]
    close = _close(ifname, names)
    if close:
        return None, say("check.no-iface.close", ifname=ifname, ns=_in(ns), close=repr(close))
    fix = _fixes(fix_add_veth(snap, ifname, "PEER", ns))
    if not names:
        return None, say("check.no-iface.none", ifname=ifname, ns=_in(ns), **fix)
    return None, say("check.no-iface", ifname=ifname, ns=_in(ns), has=", ".join(names), **fix)


# ------------------------------------------------------------------ the wire (layer 2)


def _neighbours(snap: Snapshot, ns: NsKey, link: Link) -> list[Ref]:
    out = []
    here = snap.ns(ns)
    if link.kind == "veth":
        p = peer(snap, link)
        if p:
            out.append(p)
    if here is not None and link.master:
        bridge = here.link(link.master)
        if bridge:
            out.append((ns, bridge))
    if here is not None and link.kind == "bridge":
        out += [(ns, lk) for lk in here.links if lk.master == link.name]
    return out


def _wire(snap: Snapshot, ns: NsKey, link: Link) -> dict[tuple[NsKey, str], list[Ref]]:
    """Everything on the same wire as LINK, each with the path from LINK to it."""
    start: Ref = (ns, link)
    paths: dict[tuple[NsKey, str], list[Ref]] = {(ns, link.name): [start]}
    todo = [start]
    while todo:
        k, lk = todo.pop(0)
        for nk, nl in _neighbours(snap, k, lk):
            if (nk, nl.name) not in paths:
                paths[(nk, nl.name)] = paths[(k, lk.name)] + [(nk, nl)]
                todo.append((nk, nl))
    return paths


def _wire_problems(snap: Snapshot, path: list[Ref]) -> list[str]:
    """What stops packets along a wire: an end left in the host, an end that is DOWN."""
    out = []
    first = path[0][0]
    for k, lk in path:
        if stranded(k, lk):
            out.append(_move_it(snap, lk, peer_ns=first))
        elif not lk.up:
            out.append(_down(snap, k, lk))
    return out


def _endpoints(snap: Snapshot, ns: NsKey, link: Link) -> list[tuple[Ref, list[Ref]]]:
    """The interfaces across the wire that can hold addresses (not bridge ports)."""
    return [
        (path[-1], path)
        for (k, _name), path in _wire(snap, ns, link).items()
        if k != ns and path[-1][1].master is None
    ]


# ------------------------------------------------------------------ routing (layer 3)


@dataclass(frozen=True)
class _Holder:
    ns: NsKey
    link: Link
    iface: IPIface


def _holders(snap: Snapshot, ip: IPAddr) -> list[_Holder]:
    return [
        _Holder(n.key, lk, i)
        for n in snap.namespaces for lk in links_of(n) for i in ifaces(lk) if i.ip == ip
    ]


def _route_net(route: Route) -> Any:
    if route.dst == "default":
        return ipaddress.ip_network("0.0.0.0/0")
    return ipaddress.ip_network(route.dst, strict=False)


def _first_iface(ns: Namespace, prefer: Link | None = None, toward: Any = None) -> IPIface | None:
    links = ([prefer] if prefer else []) + [lk for lk in ns.links if lk is not prefer]
    for lk in links:
        for i in ifaces(lk, 4):
            if toward is None or toward in i.network:
                return i
    return None if toward is None else _first_iface(ns, prefer)


def _gateway(
    snap: Snapshot, ns: NsKey, dst: IPAddr
) -> tuple[NsKey, IPAddr, IPIface, Any] | None:
    """A neighbour of NS that leads to DST: (router, its address, ours, DST's subnet there)."""
    here = snap.ns(ns)
    if here is None:
        return None
    for lk in here.links:
        if lk.kind == "loopback" or not lk.up:
            continue
        for (rk, rl), _path in _endpoints(snap, ns, lk):
            router = snap.ns(rk)
            if router is None or rk == ns:
                continue
            ours = {i.ip for x in here.links for i in ifaces(x)}
            onward = lookup(router, dst)
            there = [i.network for x in router.links for i in ifaces(x, 4) if dst in i.network]
            if onward is not None and (onward.gateway is None or
                                       ipaddress.ip_address(onward.gateway) not in ours):
                there.append(_route_net(onward))
            if not there:
                continue
            for mine in ifaces(lk, 4):
                for theirs in ifaces(rl, 4):
                    if theirs.ip in mine.network:
                        return rk, theirs.ip, mine, there[0]
    return None


def _prefix_problem(snap: Snapshot, ns: NsKey, link: Link, mine: IPIface, other: _Holder,
                    target: str, replies: bool) -> str:
    better = f"{mine.ip}/{other.iface.network.prefixlen}"
    fields = {
        "mine": mine, "ifname": link.name, "prefix": mine.network.prefixlen,
        "peer": other.link.name, "peer_ns": _in(other.ns), "theirs": other.iface,
        "ns": _in(ns), "target": target,
        **_fixes(fix_del_addr(snap, ns, link.name, str(mine)),
                 fix_add_addr(snap, ns, link.name, better)),
    }
    if mine.network.prefixlen == 32:
        key = "check.prefix.slash32-replies" if replies else "check.prefix.slash32"
        return say(key, ip=mine.ip, want=other.iface.network.prefixlen, **fields)
    return say("check.prefix.replies" if replies else "check.prefix", **fields)


def _no_route(
    snap: Snapshot, ns: NsKey, dst: IPAddr, *, target: str | None = None, replies: bool = False
) -> list[str]:
    """Why NS has no route to DST, and what would give it one."""
    here = snap.ns(ns)
    assert here is not None
    target = target or str(dst)
    own = [lk for lk in here.links if lk.kind != "loopback"]
    if not own:
        host = snap.host
        meant = [
            lk for lk in (links_of(host) if host else [])
            if stranded(None, lk) and home_of(snap, lk.name) == ns
        ]
        if meant:
            return [_move_it(snap, lk, into=ns) for lk in meant]
        fix = _fixes(fix_add_veth(snap, "veth-x", "veth-y", ns, "OTHER"))
        key = "check.only-lo.replies" if replies else "check.only-lo"
        return [say(key, ns=_in(ns), target=target, **fix)]
    for lk in own:
        if not lk.up and any(dst in i.network for i in ifaces(lk)):
            return [_down(snap, ns, lk)]
    holders = [h for h in _holders(snap, dst) if h.ns != ns]
    for lk in own:
        across = {(k, link.name) for (k, link), _path in _endpoints(snap, ns, lk)}
        for h in holders:
            if (h.ns, h.link.name) not in across:
                continue
            mine = ifaces(lk, h.iface.version)
            if not mine:
                return [no_address(snap, (ns, lk.name), (h.ns, h.link.name), h.iface).text]
            if not lk.up:
                return [_down(snap, ns, lk)]
            if mine[0].ip in h.iface.network:
                return [_prefix_problem(snap, ns, lk, mine[0], h, target, replies)]
            far = peer(snap, lk)
            if far and (far[0], far[1].name) == (h.ns, h.link.name):
                theirs = ifaces(h.link, h.iface.version)
                return [subnet_mismatch(snap, (ns, lk.name), mine, (h.ns, h.link.name),
                                        theirs).text]
            better = free_address(snap, mine[0].network, h.iface.ip)
            fix = _fixes(fix_del_addr(snap, h.ns, h.link.name, str(h.iface)),
                         fix_add_addr(snap, h.ns, h.link.name, better))
            key = "check.subnets.replies" if replies else "check.subnets"
            return [say(key, mine=mine[0], theirs=h.iface, ns=_in(ns), target=target, **fix)]
    subnet = holders[0].iface.network if holders else ipaddress.ip_network(f"{dst}/32")
    if target != str(dst):
        subnet = ipaddress.ip_network(target, strict=False)
    gw = _gateway(snap, ns, dst)
    if gw:
        router, via, mine, near = gw
        if not holders and target == str(dst) and near.prefixlen:
            subnet = near
        fix = _fixes(fix_add_route(snap, ns, str(subnet), str(via)))
        fields = {"ns": _in(ns), "target": target, "router": _in(router), **fix}
        if holders:
            key = ("check.via-router.subnets.replies" if replies else "check.via-router.subnets")
            return [say(key, mine=mine, theirs=holders[0].iface, **fields)]
        return [say(("check.via-router.replies" if replies else "check.via-router"), **fields)]
    if holders:
        mine = _first_iface(here)
        fields = {"ns": _in(ns), "target": target,
                  **_fixes(fix_add_route(snap, ns, str(subnet), "GATEWAY"))}
        if mine:
            key = ("check.no-neighbour.subnets.replies" if replies
                   else "check.no-neighbour.subnets")
            return [say(key, mine=mine, theirs=holders[0].iface, **fields)]
        return [say(("check.no-neighbour.replies" if replies else "check.no-neighbour"), **fields)]
    if target != str(dst):
        fix = _fixes(fix_add_route(snap, ns, target, "GATEWAY"))
        key = "check.empty-subnet.replies" if replies else "check.empty-subnet"
        return [say(key, ns=_in(ns), target=target, **fix)]
    key = "check.nobody-has-target.replies" if replies else "check.nobody-has-target"
    return [say(key, ns=_in(ns), target=target)]


def _duplicate(snap: Snapshot, a: _Holder, b: _Holder, *, pinger: bool = False) -> str:
    first, second = (a.ns, a.link.name), (b.ns, b.link.name)
    return duplicate(snap, first, second, b.link, b.iface, pinger=pinger).text


def _nobody_has(
    snap: Snapshot, ns: NsKey, link: Link, hop: IPAddr, dst: IPAddr, gateway: bool
) -> list[str]:
    """Nothing across LINK's wire holds the next hop HOP."""
    ends = _endpoints(snap, ns, link)
    mine = ifaces(link, hop.version)
    out = []
    for (k, far), _path in ends:
        for i in ifaces(far, hop.version):
            for m in mine:
                if i.ip == m.ip:
                    out.append(_duplicate(snap, _Holder(ns, link, m), _Holder(k, far, i)))
    if gateway:
        out.append(say("check.gateway-nobody", ns=_in(ns), dst=dst, hop=hop, ifname=link.name))
        return out
    elsewhere = [h for h in _holders(snap, hop) if h.ns != ns]
    if elsewhere:
        h = elsewhere[0]
        out.append(say("check.not-wired", hop=hop, far=h.link.name, far_ns=_in(h.ns),
                       ifname=link.name, ns=_in(ns)))
        return out
    prefix = mine[0].network.prefixlen if mine else 24
    if ends:
        (k, far), _path = ends[0]
        home = home_of(snap, far.name, exclude=[ns]) if stranded(k, far) else k
        fix = _fixes(fix_add_addr(snap, home, far.name, f"{hop}/{prefix}"))
        key = "check.give-far-end.later" if home != k else "check.give-far-end"
        out.append(say(key, hop=hop, **fix))
    else:
        out.append(say("check.leads-nowhere", hop=hop, ifname=link.name, ns=_in(ns)))
    return out


def _follow(
    snap: Snapshot, src: NsKey, dst: IPAddr, *, replies: bool = False
) -> tuple[list[str], NsKey, IPAddr | None, bool]:
    """Follow a packet from SRC to DST hop by hop, as the kernel would route it.

    Returns (problems, namespace reached, source address used, arrived).
    """
    key, source = src, None
    seen: set[NsKey] = set()
    for hop_no in range(MAX_HOPS):
        here = snap.ns(key)
        if here is None:
            return [], key, source, False
        if any(i.ip == dst for lk in here.links for i in ifaces(lk)):
            return [], key, source, True
        if key in seen:
            return [say("check.loop", dst=dst, ns=_in(key))], key, source, False
        seen.add(key)
        route = lookup(here, dst)
        if route is None:
            return _no_route(snap, key, dst, replies=replies), key, source, False
        link = here.link(route.dev) if route.dev else None
        if link is None:
            gone = say("check.route-dev-gone", ns=_in(key), dst=dst, dev=route.dev)
            return [gone], key, source, False
        hop = ipaddress.ip_address(route.gateway) if route.gateway else dst
        if hop_no == 0:
            chosen = _first_iface(here, link, toward=hop)
            source = chosen.ip if chosen else None
        wire = _wire(snap, key, link)
        holder = next(
            (
                (k, lk) for (k, _n), path in wire.items() if k != key
                for lk in [path[-1][1]] if any(i.ip == hop for i in ifaces(lk))
            ),
            None,
        )
        if holder is None:
            problems = []
            for (_k, _n), path in wire.items():
                problems += [p for p in _wire_problems(snap, path) if p not in problems]
            return problems + _nobody_has(
                snap, key, link, hop, dst, route.gateway is not None
            ), key, source, False
        problems = _wire_problems(snap, wire[(holder[0], holder[1].name)])
        if problems:
            return problems, key, source, False
        key = holder[0]
        if hop == dst:
            return [], key, source, True
        router = snap.ns(key)
        if router is not None and router.forwarding is False:
            return [_forwarding(snap, key)], key, source, False
    too_far = say("check.too-far", dst=dst, hops=MAX_HOPS)
    return [too_far], key, source, False


def _explain_unreachable(snap: Snapshot, src: NsKey, dst: IPAddr) -> tuple[list[str], bool]:
    """Why SRC cannot ping DST, from one snapshot. Returns (reasons, answers_itself)."""
    here = snap.ns(src)
    if here is None:
        return [_no_ns(snap, src) or say("check.not-in-snapshot", ns=src)], False
    lo = here.link("lo")
    if dst.is_loopback:
        return ([_lo_down(snap, src)] if lo is not None and not lo.up else []), False
    holders = _holders(snap, dst)
    mine = [h for h in holders if h.ns == src]
    if mine:
        others = [h for h in holders if h.ns != src]
        if others:
            return [_duplicate(snap, others[0], mine[0], pinger=True)], True
        return ([_lo_down(snap, src)] if lo is not None and not lo.up else []), False
    if src is None or dst.version != 4:
        return [], False  # the host's own routes are not the lab's to judge
    problems, reached, source, arrived = _follow(snap, src, dst)
    if problems or not arrived:
        return problems, False
    if source is None:
        return [], False
    back, _at, _src, _ok = _follow(snap, reached, source, replies=True)
    return back, False


def _on_the_way(snap: Snapshot, src: NsKey, dst: IPAddr) -> list[Finding]:
    """The faults diagnose() sees in the namespaces a ping from SRC to DST goes through:
    SRC, everything wired to it (and onward), and the holders of DST."""
    involved = {src} | {h.ns for h in _holders(snap, dst)}
    todo = list(involved)
    while todo:
        n = snap.ns(todo.pop())
        for lk in n.links if n else ():
            for (k, _name) in _wire(snap, n.key, lk):
                if k not in involved:
                    involved.add(k)
                    todo.append(k)
    out = []
    for f in diagnose(snap):
        if f.code == "lo-down":
            continue  # lo matters for the namespace's own addresses only (judged above)
        if f.code == "end-in-host":
            meant = home_of(snap, f.ifname or "")
            if meant not in involved and not (f.namespaces - {None}) & involved:
                continue
        elif not f.namespaces & involved:
            continue
        out.append(f)
    return out


# ------------------------------------------------------------------ goals


class Goal:
    """What an exercise asks for. Subclasses are frozen dataclasses (plain data)."""

    def describe(self) -> str:  # pragma: no cover - every goal overrides it
        raise NotImplementedError

    def judge(self, snap: Snapshot) -> tuple[str, ...]:  # pragma: no cover
        """The reasons the goal is not met in SNAP (empty: met). Pure."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True)
class HasNetns(Goal):
    ns: str

    def describe(self) -> str:
        return say("check.goal.has-netns", ns=self.ns)

    def judge(self, snap: Snapshot) -> tuple[str, ...]:
        missing = _no_ns(snap, self.ns)
        return (missing,) if missing else ()


@dataclass(frozen=True)
class LoUp(Goal):
    ns: str

    def describe(self) -> str:
        return say("check.goal.lo-up", ns=self.ns)

    def judge(self, snap: Snapshot) -> tuple[str, ...]:
        link, why = _locate(snap, self.ns, "lo")
        if why:
            return (why,)
        return () if link and link.up else (_lo_down(snap, self.ns),)


@dataclass(frozen=True)
class LinkUp(Goal):
    """IFNAME is UP in NS: set up, and with a carrier (its veth peer is up too)."""

    ns: NsKey
    ifname: str

    def describe(self) -> str:
        return say("check.goal.link-up", ifname=self.ifname, ns=_in(self.ns))

    def judge(self, snap: Snapshot) -> tuple[str, ...]:
        link, why = _locate(snap, self.ns, self.ifname)
        if why or link is None:
            return (why or "",)
        if link.kind == "loopback":
            return () if link.up else (_lo_down(snap, self.ns),)
        if not link.up:
            return (_down(snap, self.ns, link),)
        if link.carrier:
            return ()
        far = peer(snap, link)
        if far:
            pk, pl = far
            if stranded(pk, pl):
                return (_move_it(snap, pl, peer_ns=self.ns),)
            if not pl.up:
                return (_down(snap, pk, pl),)
        if link.kind == "bridge":
            fix = _fixes(fix_set_master(snap, self.ns, "PORT", link.name))
            return (say("check.bridge-no-port", ifname=link.name, ns=_in(self.ns), **fix),)
        return (say("check.no-carrier", ifname=link.name, ns=_in(self.ns)),)


@dataclass(frozen=True)
class HasAddr(Goal):
    ns: NsKey
    ifname: str
    cidr: str

    def describe(self) -> str:
        return say("check.goal.has-addr", ifname=self.ifname, ns=_in(self.ns), cidr=self.cidr)

    def judge(self, snap: Snapshot) -> tuple[str, ...]:
        try:
            want = ipaddress.ip_interface(self.cidr)
        except ValueError:
            return (say("check.bad-cidr", cidr=repr(self.cidr)),)
        link, why = _locate(snap, self.ns, self.ifname)
        if why or link is None:
            return (why or "",)
        have = ifaces(link, want.version)
        if want in have:
            return ()
        ns, name = self.ns, self.ifname
        add = fix_add_addr(snap, ns, name, str(want))
        same_ip = [i for i in have if i.ip == want.ip]
        if same_ip:
            wrong = same_ip[0]
            fix = _fixes(fix_del_addr(snap, ns, name, str(wrong)), add)
            fields = {"ifname": name, "ns": _in(ns), "wrong": wrong, "want": want, **fix}
            if wrong.network.prefixlen == 32:
                return (say("check.wrong-prefix.slash32", ip=want.ip,
                            prefix=want.network.prefixlen, **fields),)
            return (say("check.wrong-prefix", **fields),)
        elsewhere = [h for h in _holders(snap, want.ip) if (h.ns, h.link.name) != (ns, name)]
        if elsewhere:
            h = elsewhere[0]
            fix = _fixes(fix_del_addr(snap, h.ns, h.link.name, str(h.iface)), add)
            return (say("check.addr-elsewhere", ip=want.ip, far=h.link.name, far_ns=_in(h.ns),
                        ifname=name, ns=_in(ns), **fix),)
        if have:
            taken = [
                h for i in have for h in _holders(snap, i.ip)
                if (h.ns, h.link.name) != (ns, name)
            ]
            fields = {"ifname": name, "ns": _in(ns), "have": ", ".join(map(str, have)),
                      "want": want, **_fixes(fix_del_addr(snap, ns, name, str(have[0])), add)}
            if taken:
                return (say("check.other-addr.taken", ip=taken[0].iface.ip,
                            owner=taken[0].link.name, owner_ns=_in(taken[0].ns), **fields),)
            return (say("check.other-addr", **fields),)
        return (say("check.no-addr-yet", ifname=name, ns=_in(ns), **_fixes(add)),)


@dataclass(frozen=True)
class InNamespace(Goal):
    ifname: str
    ns: NsKey

    def describe(self) -> str:
        return say("check.goal.in-namespace", ifname=self.ifname, ns=_in(self.ns))

    def judge(self, snap: Snapshot) -> tuple[str, ...]:
        _link, why = _locate(snap, self.ns, self.ifname)
        return (why,) if why else ()


@dataclass(frozen=True)
class Connected(Goal):
    """A veth pair (directly, or through a bridge) joins NS_A and NS_B, every end up."""

    ns_a: str
    ns_b: str

    def describe(self) -> str:
        return say("check.goal.connected", a=self.ns_a, b=self.ns_b)

    def judge(self, snap: Snapshot) -> tuple[str, ...]:
        a, b = self.ns_a, self.ns_b
        missing = [m for m in (_no_ns(snap, a), _no_ns(snap, b)) if m]
        if missing:
            return tuple(missing)
        here = snap.ns(a)
        there = snap.ns(b)
        assert here is not None and there is not None
        best: list[str] | None = None
        for lk in here.links:
            if lk.kind == "loopback":
                continue
            for (k, _far), path in _endpoints(snap, a, lk):
                if k != b:
                    continue
                problems = _wire_problems(snap, path)
                if not problems:
                    return ()
                if best is None or len(problems) < len(best):
                    best = problems
        if best:
            return tuple(best)
        for mine, other in ((here, b), (there, a)):
            for lk in mine.links:
                far = peer(snap, lk)
                if far and stranded(*far):
                    return (_move_it(snap, far[1], into=other),)
        host = snap.host
        loose = [lk for lk in (links_of(host) if host else []) if stranded(None, lk)]
        if loose:
            return tuple(_move_it(snap, lk, peer_ns=None) for lk in loose[:2])
        fix = _fixes(fix_add_veth(snap, f"veth-{a}"[:15], f"veth-{b}"[:15], a, b))
        return (say("check.not-connected", a=a, b=b, **fix),)


@dataclass(frozen=True)
class RouteTo(Goal):
    ns: str
    cidr: str

    def describe(self) -> str:
        return say("check.goal.route-to", ns=self.ns, cidr=self.cidr)

    def judge(self, snap: Snapshot) -> tuple[str, ...]:
        try:
            net = ipaddress.ip_network(self.cidr, strict=False)
        except ValueError:
            return (say("check.bad-network", cidr=repr(self.cidr)),)
        missing = _no_ns(snap, self.ns)
        if missing:
            return (missing,)
        here = snap.ns(self.ns)
        assert here is not None
        for r in sorted(here.routes, key=lambda r: -_route_net(r).prefixlen):
            rnet = _route_net(r)
            if rnet.version == net.version and net.subnet_of(rnet):
                link = here.link(r.dev) if r.dev else None
                if link is not None and not link.up:
                    return (_down(snap, self.ns, link),)
                return ()
        probe = next(
            (h.iface.ip for h in _holders(snap, net.network_address + 1) if h.ns != self.ns),
            None,
        ) or next(
            (
                i.ip for n in snap.namespaces if n.key != self.ns for lk in links_of(n)
                for i in ifaces(lk) if i.ip in net
            ),
            net.network_address + (1 if net.num_addresses > 1 else 0),
        )
        return tuple(_no_route(snap, self.ns, probe, target=str(net)))


@dataclass(frozen=True)
class Forwards(Goal):
    """NS forwards packets between its interfaces: a router (net.ipv4.ip_forward = 1)."""

    ns: str

    def describe(self) -> str:
        return say("check.goal.forwards", ns=self.ns)

    def judge(self, snap: Snapshot) -> tuple[str, ...]:
        missing = _no_ns(snap, self.ns)
        if missing:
            return (missing,)
        here = snap.ns(self.ns)
        if here is not None and here.forwarding:
            return ()
        return (_forwarding(snap, self.ns),)


@dataclass(frozen=True)
class Reachable(Goal):
    """A ping from NS to ADDR gets its reply (checked with a real ping by `check`)."""

    ns: NsKey
    addr: str

    def describe(self) -> str:
        return say("check.goal.reachable", ns=_in(self.ns), addr=self.addr)

    def _ip(self) -> IPAddr | None:
        try:
            return ipaddress.ip_address(self.addr)
        except ValueError:
            return None

    def analyse(self, snap: Snapshot) -> tuple[tuple[str, ...], bool]:
        """(reasons from the snapshot, whether NS would only answer itself)."""
        ip = self._ip()
        if ip is None:
            return (say("check.bad-ip", addr=repr(self.addr)),), True
        missing = _no_ns(snap, self.ns)
        if missing:
            return (missing,), True
        reasons, itself = _explain_unreachable(snap, self.ns, ip)
        if reasons and not itself:  # every other fault on the way, not only the first
            for f in _on_the_way(snap, self.ns, ip):
                if not any(f.call in r for r in reasons):  # the same repair: said already
                    reasons.append(f.text)
        return tuple(dict.fromkeys(reasons)), itself

    def judge(self, snap: Snapshot) -> tuple[str, ...]:
        return self.analyse(snap)[0]


@dataclass(frozen=True)
class UniqueAddresses(Goal):
    """No IP address is on two interfaces of the lab (in NAMESPACES, or anywhere)."""

    namespaces: tuple[NsKey, ...] = ()

    def describe(self) -> str:
        if self.namespaces:
            return say("check.goal.unique-in", namespaces=", ".join(map(_in, self.namespaces)))
        return say("check.goal.unique")

    def judge(self, snap: Snapshot) -> tuple[str, ...]:
        seen: dict[IPAddr, _Holder] = {}
        out = []
        for n in snap.namespaces:
            if self.namespaces and n.key not in self.namespaces:
                continue
            for lk in links_of(n):
                for i in ifaces(lk):
                    h = _Holder(n.key, lk, i)
                    if i.ip in seen:
                        out.append(_duplicate(snap, seen[i.ip], h))
                    else:
                        seen[i.ip] = h
        return tuple(out)


# The names the exercises use: goals read like sentences.
has_netns = HasNetns
lo_up = LoUp
link_up = LinkUp
has_addr = HasAddr
in_namespace = InNamespace
connected = Connected
route_to = RouteTo
forwards = Forwards
reachable = Reachable


def unique_addresses(*namespaces: NsKey) -> UniqueAddresses:
    return UniqueAddresses(tuple(namespaces))


# ------------------------------------------------------------------ the report


@dataclass(frozen=True)
class Verdict:
    goal: Goal
    ok: bool
    reasons: tuple[str, ...] = ()

    def __str__(self) -> str:
        lines = [f"{'✔' if self.ok else '✘'} {self.goal.describe()}"]
        lines += [f"    {r}" for r in self.reasons]
        return "\n".join(lines)


# Lab calls, `quoted` commands, and the `ip` command of a fix ("(ip: ...)")
_CODE = re.compile(r"(lab\.\w+\((?:[^()']|'[^']*')*\)|`[^`]+`|(?<=\(ip: )[^()]+(?=\)))")


def _html_text(text: str) -> str:
    parts = _CODE.split(text)
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(f"<code>{html.escape(part.strip('`'))}</code>")
        else:
            out.append(html.escape(part))
    return "".join(out)


@dataclass(frozen=True)
class Report:
    """The checklist `check` returns: one Verdict per goal, in order."""

    verdicts: tuple[Verdict, ...]
    explain: bool = True  # False: show only ✔/✘ (troubleshooting: find the cause yourself)

    @property
    def passed(self) -> bool:
        return all(v.ok for v in self.verdicts)

    @property
    def failed(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.ok]

    @property
    def reasons(self) -> list[str]:
        """Every explanation, each once, in order."""
        return list(dict.fromkeys(r for v in self.verdicts for r in v.reasons))

    def __iter__(self) -> Iterator[Verdict]:
        return iter(self.verdicts)

    def __len__(self) -> int:
        return len(self.verdicts)

    def __getitem__(self, i: int) -> Verdict:
        return self.verdicts[i]

    def summary(self) -> str:
        met = sum(v.ok for v in self.verdicts)
        if self.passed:
            return say_n("check.summary.all", len(self.verdicts))
        return say_n("check.summary.some", len(self.verdicts), met=met)

    def explained(self) -> Report:
        """The same report, with every explanation shown."""
        return replace(self, explain=True)

    def __str__(self) -> str:
        lines = [
            str(v) if self.explain else f"{'✔' if v.ok else '✘'} {v.goal.describe()}"
            for v in self.verdicts
        ]
        return "\n".join([*lines, self.summary()])

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))

    def _repr_html_(self) -> str:
        rows = []
        for v in self.verdicts:
            mark = (
                '<span style="color:#0b6e0b;font-weight:bold">✔</span>' if v.ok
                else '<span style="color:#b00020;font-weight:bold">✘</span>'
            )
            why = "".join(
                f'<div style="margin-left:1.5em;color:#555">{_html_text(r)}</div>'
                for r in (v.reasons if self.explain else ())
            )
            rows.append(f"<li>{mark} {html.escape(v.goal.describe())}{why}</li>")
        colour = "#0b6e0b" if self.passed else "#b00020"  # 4.5:1 or more on white
        return (
            '<div class="nslab-report">'
            '<ul style="list-style:none;padding-left:0;margin:0">' + "".join(rows) + "</ul>"
            f'<div style="font-weight:bold;color:{colour}">{html.escape(self.summary())}</div>'
            "</div>"
        )


# ------------------------------------------------------------------ checking


def _world(snap: Snapshot, goals: list[Goal]) -> Snapshot:
    """The lab's own namespaces (plus any a goal names): others' labs never interfere."""
    named = {
        getattr(g, f) for g in goals for f in ("ns", "ns_a", "ns_b") if hasattr(g, f)
    }
    keep = tuple(
        n for n in snap.namespaces if n.kind == "host" or n.owned or n.key in named
    )
    return Snapshot(keep)


def _unsettled(snap: Snapshot) -> list[str]:
    """Links whose operstate does not yet say what their flags and carrier imply.

    The kernel updates operstate asynchronously (linkwatch batches some events for up
    to a second), so right after `set_up` the *other* end of a veth may still read
    LOWERLAYERDOWN. The checks themselves use the admin flag and the carrier, which are
    exact; settling keeps a drawing made right after a check from showing stale states.
    """
    out = []
    for n in snap.lab_only().namespaces:
        for lk in links_of(n):
            if lk.kind == "loopback":
                continue
            if not lk.up:
                ok = lk.operstate == "DOWN"
            elif lk.carrier:
                ok = lk.operstate in ("UP", "UNKNOWN")
            else:
                ok = lk.operstate in ("DOWN", "LOWERLAYERDOWN")
            if not ok:
                out.append(f"{lk.name} in {_in(n.key)}")
    return out


def settled_snapshot(lab: Lab, timeout: float = 1.5) -> Snapshot:
    """lab.snapshot(), once every link of the lab shows its final state (or at TIMEOUT)."""
    deadline = time.monotonic() + timeout
    snap = lab.snapshot()
    while _unsettled(snap) and time.monotonic() < deadline:
        time.sleep(0.02)
        snap = lab.snapshot()
    return snap


def _with_forwarding(lab: Lab, snap: Snapshot) -> Snapshot:
    """Fill in `forwarding` where the snapshot did not read it."""
    reader = getattr(lab, "forwarding", None)
    if reader is None:
        return snap
    out = []
    for n in snap.namespaces:
        if n.forwarding is None and n.kind == "named" and n.owned:
            try:
                n = replace(n, forwarding=bool(reader(n.key)))
            except Exception:  # noqa: BLE001 - a namespace that vanished reads as unknown
                pass
        out.append(n)
    return Snapshot(tuple(out))


RETRY_SECONDS = 5.0  # how long a "can ping" goal with nothing to explain a loss is retried


def _ping(lab: Lab, goal: Reachable, snap: Snapshot) -> Verdict:
    from .errors import NslabError

    reasons, itself = goal.analyse(snap)
    if itself:  # its sender holds the address: a ping would answer itself and prove nothing
        return Verdict(goal, False, reasons)
    try:
        result = lab.ping(goal.ns, goal.addr, count=1, timeout=1)
        # Nothing explains a lost reply: give ARP time. A ping sent before the fix left
        # the neighbour entry INCOMPLETE; its last probes went out while the path was
        # still broken, so the kernel marks it FAILED a moment later and answers every
        # packet queued on it with "Destination Host Unreachable". The next ping after
        # that starts a fresh resolution, which the fixed path answers.
        retry_until = time.monotonic() + RETRY_SECONDS
        while not result.ok and not reasons and time.monotonic() < retry_until:
            time.sleep(0.2)
            result = lab.ping(goal.ns, goal.addr, count=1, timeout=1)
    except NslabError as exc:
        return Verdict(goal, False, reasons or (str(exc),))
    if result.ok:
        return Verdict(goal, True)
    fix = _fixes(fix_exec(snap, goal.ns, f"ip route get {goal.addr}"))
    return Verdict(goal, False, reasons or (
        say("check.no-reply", ns=_in(goal.ns), addr=goal.addr, **fix),
    ))


def check(
    lab: Lab | Snapshot,
    goals: Goal | Iterable[Goal],
    *,
    ping: bool = True,
    explain: bool = True,
) -> Report:
    """Check GOALS against ONE snapshot of LAB (plus a real ping per `reachable` goal).

    Pass a Snapshot instead of a Lab to judge without touching the kernel (no pings:
    `reachable` is then judged from the routes, links and addresses alone).
    `explain=False` shows only the checklist (the reasons are still in the report:
    `report.reasons`, `report.explained()`), for exercises where finding the cause
    is the point.
    """
    goal_list = [goals] if isinstance(goals, Goal) else list(goals)
    for g in goal_list:
        if not isinstance(g, Goal):
            raise TypeError(say("check.not-a-goal", what=repr(g)))
    if isinstance(lab, Snapshot):
        snap, live = _world(lab, goal_list), None
    else:
        snap, live = _with_forwarding(lab, _world(settled_snapshot(lab), goal_list)), lab
    verdicts = []
    for g in goal_list:
        if isinstance(g, Reachable) and live is not None and ping:
            verdicts.append(_ping(live, g, snap))
        else:
            reasons = tuple(dict.fromkeys(g.judge(snap)))
            verdicts.append(Verdict(g, not reasons, reasons))
    return Report(tuple(verdicts), explain=explain)

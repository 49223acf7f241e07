"""The packet's path: why a goal is not met, as diagnosis Findings (pure: no kernel, no I/O).

    from nslab.paths import unreachable
    found, itself = unreachable(snapshot, "test1", ipaddress.ip_address("192.168.1.2"))
    found[0].code, found[0].text     # 'no-route', "test1 has no route to ... Fix: ..."

The reasoning follows a packet the way the kernel would: the route in the sending
namespace, the wire (veth pair, bridge ports) and the state of every end on it, the
neighbour that holds the next hop, forwarding in a router, and the route back for the
replies. Every fault is a `diagnosis.Finding` with a code, the objects it concerns and
its fix as a Lab call and as the `ip` command, built by the constructors of
`nslab.diagnosis` where one exists (a DOWN end, an end left in the host, a duplicate
address...), else here. The checks (nslab.checks), the drawing's marks and the hints
render these findings; none of them has words of its own for a fault.

Codes besides diagnosis.CODES (`PATH_CODES`):

    no-namespace       a namespace a goal names does not exist
    wrong-namespace    an interface is in another namespace than the goal's
    no-interface       an interface a goal names does not exist
    bad-value          a goal's address or network is not one
    no-carrier         an interface is set up but its other end gives it no carrier
    bridge-no-port     a bridge has no port that is up
    wrong-address      an interface has another address (or prefix) than the goal's
    missing-address    an interface has no address yet
    not-connected      no veth pair joins two namespaces
    not-wired          the next hop is on an interface the sender is not wired to
    not-plugged        the sender's wire ends beside the bridge that reaches the next hop,
                       on a veth end that is not a port of it
    next-hop-missing   nothing across the wire holds the next hop (gateway or target)
    routing-loop       packets go round in circles
    stale-route        a route uses an interface that is gone
    too-many-hops      packets take more than MAX_HOPS hops
    no-reply           the kernel got no reply, and nothing in the snapshot explains why

A path fault of an existing kind keeps its diagnosis code: a missing route is
`no-route` (`no-return-route` for the replies), two ends in different subnets
`subnet-mismatch`, a forgotten /24 `prefix-mismatch`.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import verbspec
from .findings import (
    Finding,
    Fix,
    IPAddr,
    IPIface,
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
    scan,
    stranded,
    subnet_mismatch,
)
from .messages import say
from .snapshot import Link, Namespace, NsKey, Route, Snapshot, ns_label

__all__ = [
    "MAX_HOPS",
    "PATH_CODES",
    "address_faults",
    "bad_value",
    "connection_faults",
    "duplicate_faults",
    "forwarding_faults",
    "interface_faults",
    "link_faults",
    "lo_faults",
    "missing_namespace",
    "no_reply",
    "reach",
    "route_faults",
    "unreachable",
]

PATH_CODES = (
    "no-namespace",
    "wrong-namespace",
    "no-interface",
    "bad-value",
    "no-carrier",
    "bridge-no-port",
    "wrong-address",
    "missing-address",
    "not-connected",
    "not-wired",
    "not-plugged",
    "next-hop-missing",
    "routing-loop",
    "stale-route",
    "too-many-hops",
    "no-reply",
)

Ref = tuple[NsKey, Link]  # an interface and the namespace that holds it

MAX_HOPS = 8


# ------------------------------------------------------------------ small words


def _in(ns: NsKey) -> str:
    """'test1' or 'the host namespace', for prose."""
    return say("check.host") if ns is None else ns_label(ns)


def _close(name: str, options: Iterable[str]) -> str | None:
    found = difflib.get_close_matches(name, sorted(o for o in options if o), n=1, cutoff=0.6)
    return found[0] if found else None


def _path(code: str, key: str, ns: NsKey, ifname: str | None = None, /, *,
          fixes: tuple[Fix, ...] = (), others: tuple[tuple[NsKey, str], ...] = (),
          address: str | None = None, severity: str = "error", **fields: Any) -> Finding:
    """A path finding: its sentence (KEY) names its fix itself ({call}, {command})."""
    return Finding(code, key, tuple(sorted((k, str(v)) for k, v in fields.items())), ns,
                   ifname, address=address, severity=severity, fixes=fixes, others=others,
                   inline=True)


def bad_value(key: str, **fields: Any) -> Finding:
    """A goal whose address or network is not one (check.bad-ip, -cidr, -network)."""
    return _path("bad-value", key, None, **fields)


def missing_namespace(snap: Snapshot, ns: NsKey) -> Finding | None:
    """Why a goal cannot even look: the namespace it names does not exist."""
    if ns is None or snap.ns(ns) is not None:
        return None
    if ns.startswith("@"):  # a container: started, never made with `ip netns add`
        name = ns[1:]
        fix = Fix(verbspec.python("run_container", (name,), {}),
                  f"docker run -d --name {name} busybox")
        key = "check.no-container.named" if name in snap.named() else "check.no-container"
        return _path("no-namespace", key, ns, fixes=(fix,), name=name)
    close = _close(ns, snap.named())
    if close:
        return _path("no-namespace", "check.no-ns.close", ns, ns=ns, close=repr(close))
    return _path("no-namespace", "check.no-ns", ns, fixes=(fix_add_netns(ns),), ns=ns)


def _forwarding(snap: Snapshot, ns: NsKey) -> Finding:
    """forwarding-off for NS, naming who routes through it when someone does."""
    found = [f for f in scan(snap) if f.code == "forwarding-off" and f.ns == ns]
    return found[0] if found else forwarding_off(snap, ns)


def locate(snap: Snapshot, ns: NsKey, ifname: str) -> tuple[Link | None, Finding | None]:
    """The link IFNAME in NS, or why it is not there (elsewhere, stranded, a typo)."""
    missing = missing_namespace(snap, ns)
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
            return None, end_in_host(snap, link, ns)
        return None, _path("wrong-namespace", "check.elsewhere", key, ifname,
                           fixes=(fix_move(snap, ifname, ns, src=key),),
                           ifname=ifname, where=_in(key), ns=_in(ns))
    names = [lk.name for lk in links_of(here)]
    close = _close(ifname, names)
    if close:
        return None, _path("no-interface", "check.no-iface.close", ns, ifname=ifname,
                           ns=_in(ns), close=repr(close))
    fix = (fix_add_veth(snap, ifname, "PEER", ns),)
    if not names:
        return None, _path("no-interface", "check.no-iface.none", ns, fixes=fix,
                           ifname=ifname, ns=_in(ns))
    return None, _path("no-interface", "check.no-iface", ns, fixes=fix, ifname=ifname,
                       ns=_in(ns), has=", ".join(names))


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


def wire(snap: Snapshot, ns: NsKey, link: Link) -> dict[tuple[NsKey, str], list[Ref]]:
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


def _wire_problems(snap: Snapshot, path: list[Ref]) -> list[Finding]:
    """What stops packets along a wire: an end left in the host, an end that is DOWN."""
    out = []
    first = path[0][0]
    for k, lk in path:
        if stranded(k, lk):
            out.append(end_in_host(snap, lk, exclude=[first] if first else []))
        elif not lk.up:
            out.append(link_down(snap, k, lk))
    return out


def _endpoints(snap: Snapshot, ns: NsKey, link: Link) -> list[tuple[Ref, list[Ref]]]:
    """The interfaces across the wire that can hold addresses (not bridge ports)."""
    return [
        (path[-1], path)
        for (k, _name), path in wire(snap, ns, link).items()
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


_REPLIES = {  # the sentence of a fault on the way back, for the replies
    "check.only-lo": "check.only-lo.replies",
    "check.subnets": "check.subnets.replies",
    "check.via-router.subnets": "check.via-router.subnets.replies",
    "check.via-router": "check.via-router.replies",
    "check.no-neighbour.subnets": "check.no-neighbour.subnets.replies",
    "check.no-neighbour": "check.no-neighbour.replies",
    "check.empty-subnet": "check.empty-subnet.replies",
    "check.nobody-has-target": "check.nobody-has-target.replies",
}


def _key(key: str, replies: bool) -> str:
    return _REPLIES[key] if replies else key


def _route_code(replies: bool) -> str:
    return "no-return-route" if replies else "no-route"


def _prefix_problem(snap: Snapshot, ns: NsKey, link: Link, mine: IPIface, other: _Holder,
                    target: str, replies: bool) -> Finding:
    better = f"{mine.ip}/{other.iface.network.prefixlen}"
    fixes = (fix_del_addr(snap, ns, link.name, str(mine)),
             fix_add_addr(snap, ns, link.name, better))
    fields: dict[str, Any] = {
        "mine": mine, "ifname": link.name, "prefix": mine.network.prefixlen,
        "peer": other.link.name, "peer_ns": _in(other.ns), "theirs": other.iface,
        "ns": _in(ns), "target": target,
    }
    if mine.network.prefixlen == 32:
        key = "check.prefix.slash32-replies" if replies else "check.prefix.slash32"
        fields |= {"ip": mine.ip, "want": other.iface.network.prefixlen}
    else:
        key = "check.prefix.replies" if replies else "check.prefix"
    return _path("prefix-mismatch", key, ns, link.name, fixes=fixes, address=str(mine),
                 others=((other.ns, other.link.name),), **fields)


def _no_route(
    snap: Snapshot, ns: NsKey, dst: IPAddr, *, target: str | None = None, replies: bool = False
) -> list[Finding]:
    """Why NS has no route to DST, and what would give it one."""
    here = snap.ns(ns)
    assert here is not None
    target = target or str(dst)
    code = _route_code(replies)
    own = [lk for lk in here.links if lk.kind != "loopback"]
    if not own:
        host = snap.host
        meant = [
            lk for lk in (links_of(host) if host else [])
            if stranded(None, lk) and home_of(snap, lk.name) == ns
        ]
        if meant:
            return [end_in_host(snap, lk, ns) for lk in meant]
        fix = (fix_add_veth(snap, "veth-x", "veth-y", ns, "OTHER"),)
        return [_path(code, _key("check.only-lo", replies), ns, fixes=fix, ns=_in(ns),
                      target=target)]
    for lk in own:
        if not lk.up and any(dst in i.network for i in ifaces(lk)):
            return [link_down(snap, ns, lk)]
    holders = [h for h in _holders(snap, dst) if h.ns != ns]
    for lk in own:
        across = {(k, link.name) for (k, link), _path_ in _endpoints(snap, ns, lk)}
        for h in holders:
            if (h.ns, h.link.name) not in across:
                continue
            mine = ifaces(lk, h.iface.version)
            if not mine:
                return [no_address(snap, (ns, lk.name), (h.ns, h.link.name), h.iface)]
            if not lk.up:
                return [link_down(snap, ns, lk)]
            if mine[0].ip in h.iface.network:
                return [_prefix_problem(snap, ns, lk, mine[0], h, target, replies)]
            far = peer(snap, lk)
            if far and (far[0], far[1].name) == (h.ns, h.link.name):
                theirs = ifaces(h.link, h.iface.version)
                return [subnet_mismatch(snap, (ns, lk.name), mine, (h.ns, h.link.name), theirs)]
            better = free_address(snap, mine[0].network, h.iface.ip)
            fix = (fix_del_addr(snap, h.ns, h.link.name, str(h.iface)),
                   fix_add_addr(snap, h.ns, h.link.name, better))
            return [_path("subnet-mismatch", _key("check.subnets", replies), h.ns, h.link.name,
                          fixes=fix, address=str(h.iface), others=((ns, lk.name),),
                          mine=mine[0], theirs=h.iface, ns=_in(ns), target=target)]
    subnet = holders[0].iface.network if holders else ipaddress.ip_network(f"{dst}/32")
    if target != str(dst):
        subnet = ipaddress.ip_network(target, strict=False)
    gw = _gateway(snap, ns, dst)
    if gw:
        router, via, mine_if, near = gw
        if not holders and target == str(dst) and near.prefixlen:
            subnet = near
        fix = (fix_add_route(snap, ns, str(subnet), str(via)),)
        fields = {"ns": _in(ns), "target": target, "router": _in(router)}
        if holders:
            return [_path(code, _key("check.via-router.subnets", replies), ns, fixes=fix,
                          mine=mine_if, theirs=holders[0].iface, **fields)]
        return [_path(code, _key("check.via-router", replies), ns, fixes=fix, **fields)]
    if holders:
        first = _first_iface(here)
        fix = (fix_add_route(snap, ns, str(subnet), "GATEWAY"),)
        fields = {"ns": _in(ns), "target": target}
        if first:
            return [_path(code, _key("check.no-neighbour.subnets", replies), ns, fixes=fix,
                          mine=first, theirs=holders[0].iface, **fields)]
        return [_path(code, _key("check.no-neighbour", replies), ns, fixes=fix, **fields)]
    if target != str(dst):
        fix = (fix_add_route(snap, ns, target, "GATEWAY"),)
        return [_path(code, _key("check.empty-subnet", replies), ns, fixes=fix, ns=_in(ns),
                      target=target)]
    return [_path(code, _key("check.nobody-has-target", replies), ns, ns=_in(ns), target=target)]


def _duplicate(snap: Snapshot, a: _Holder, b: _Holder, *, pinger: bool = False) -> Finding:
    first, second = (a.ns, a.link.name), (b.ns, b.link.name)
    return duplicate(snap, first, second, b.link, b.iface, pinger=pinger)


def _nobody_has(
    snap: Snapshot, ns: NsKey, link: Link, hop: IPAddr, dst: IPAddr, gateway: bool
) -> list[Finding]:
    """Nothing across LINK's wire holds the next hop HOP."""
    ends = _endpoints(snap, ns, link)
    mine = ifaces(link, hop.version)
    out = []
    for (k, far), _p in ends:
        for i in ifaces(far, hop.version):
            for m in mine:
                if i.ip == m.ip:
                    out.append(_duplicate(snap, _Holder(ns, link, m), _Holder(k, far, i)))
    if gateway:
        out.append(_path("next-hop-missing", "check.gateway-nobody", ns, link.name,
                         ns=_in(ns), dst=dst, hop=hop, ifname=link.name))
        return out
    elsewhere = [h for h in _holders(snap, hop) if h.ns != ns]
    plug = _unplugged(snap, ns, link, ends, elsewhere)
    if plug is not None:
        return [*out, plug]
    if elsewhere:
        h = elsewhere[0]
        out.append(_path("not-wired", "check.not-wired", ns, link.name,
                         others=((h.ns, h.link.name),), hop=hop, far=h.link.name,
                         far_ns=_in(h.ns), ifname=link.name, ns=_in(ns)))
        return out
    prefix = mine[0].network.prefixlen if mine else 24
    if ends:
        (k, far), _p = ends[0]
        home = home_of(snap, far.name, exclude=[ns]) if stranded(k, far) else k
        key = "check.give-far-end.later" if home != k else "check.give-far-end"
        out.append(_path("next-hop-missing", key, k, far.name,
                         fixes=(fix_add_addr(snap, home, far.name, f"{hop}/{prefix}"),),
                         hop=hop))
    else:
        out.append(_path("next-hop-missing", "check.leads-nowhere", ns, link.name,
                         hop=hop, ifname=link.name, ns=_in(ns)))
    return out


def _unplugged(snap: Snapshot, ns: NsKey, link: Link, ends: list[tuple[Ref, list[Ref]]],
               holders: list[_Holder]) -> Finding | None:
    """One side's wire ends on a veth end with no address and no bridge, in a namespace
    whose bridge the other side's wire reaches: the end is a port never plugged in (a
    container's pair without `ip link set ... master docker0`). LINK in NS is the sender's
    side; HOLDERS hold the next hop."""

    def bridges(k: NsKey, side: NsKey, lk: Link) -> list[str]:
        return sorted({p[-1][1].master for (hk, _n), p in wire(snap, side, lk).items()
                       if hk == k and p[-1][1].master})

    def loose(found: list[tuple[Ref, list[Ref]]]) -> list[tuple[NsKey, Link]]:
        return [(k, far) for (k, far), _p in found
                if far.kind == "veth" and far.master is None and not ifaces(far)]

    for h in holders:
        sides = [(k, far, bridges(k, h.ns, h.link)) for k, far in loose(ends)]
        sides += [(k, far, bridges(k, ns, link))
                  for k, far in loose(_endpoints(snap, h.ns, h.link))]
        for k, far, found in sides:
            if found:
                mine = link.name if any(far is f for _k, f in loose(ends)) else h.link.name
                return _path("not-plugged", "check.not-plugged", k, far.name,
                             fixes=(fix_set_master(snap, k, far.name, found[0]),),
                             hop=h.iface.ip, far=h.link.name, far_ns=_in(h.ns),
                             bridge=found[0], port=far.name, ns=_in(k), ifname=mine)
    return None


def _follow(
    snap: Snapshot, src: NsKey, dst: IPAddr, *, replies: bool = False
) -> tuple[list[Finding], NsKey, IPAddr | None, bool]:
    """Follow a packet from SRC to DST hop by hop, as the kernel would route it.

    Returns (problems, namespace reached, source address used, arrived). A fault that
    does not change the packet's way (an end DOWN on the wire, a router that does not
    forward) is noted and the packet followed on, so every fault on the way is listed
    at once; "arrived" is then where it would arrive once they are fixed.
    """
    key, source = src, None
    noted: list[Finding] = []
    seen: set[NsKey] = set()
    for hop_no in range(MAX_HOPS):
        here = snap.ns(key)
        if here is None:
            return noted, key, source, False
        if any(i.ip == dst for lk in here.links for i in ifaces(lk)):
            return noted, key, source, True
        if key in seen:
            return noted + [_path("routing-loop", "check.loop", key, dst=dst, ns=_in(key))], \
                key, source, False
        seen.add(key)
        route = lookup(here, dst)
        if route is None:
            return noted + _no_route(snap, key, dst, replies=replies), key, source, False
        link = here.link(route.dev) if route.dev else None
        if link is None:
            gone = _path("stale-route", "check.route-dev-gone", key, ns=_in(key), dst=dst,
                         dev=route.dev)
            return noted + [gone], key, source, False
        hop = ipaddress.ip_address(route.gateway) if route.gateway else dst
        if hop_no == 0:
            chosen = _first_iface(here, link, toward=hop)
            source = chosen.ip if chosen else None
        paths = wire(snap, key, link)
        holder = next(
            (
                (k, lk) for (k, _n), path in paths.items() if k != key
                for lk in [path[-1][1]] if any(i.ip == hop for i in ifaces(lk))
            ),
            None,
        )
        if holder is None:
            problems: list[Finding] = []
            for path in paths.values():
                problems += [p for p in _wire_problems(snap, path) if p not in problems]
            return noted + problems + _nobody_has(
                snap, key, link, hop, dst, route.gateway is not None
            ), key, source, False
        noted += [p for p in _wire_problems(snap, paths[(holder[0], holder[1].name)])
                  if p not in noted]
        key = holder[0]
        if hop == dst:
            return noted, key, source, True
        router = snap.ns(key)
        if router is not None and router.forwarding is False:
            noted.append(_forwarding(snap, key))
    too_far = _path("too-many-hops", "check.too-far", key, dst=dst, hops=MAX_HOPS)
    return noted + [too_far], key, source, False


def unreachable(snap: Snapshot, src: NsKey, dst: IPAddr) -> tuple[list[Finding], bool]:
    """Why SRC cannot ping DST, from one snapshot. Returns (findings, answers_itself)."""
    here = snap.ns(src)
    if here is None:
        missing = missing_namespace(snap, src) or _path(
            "no-namespace", "check.not-in-snapshot", src, ns=src)
        return [missing], False
    lo = here.link("lo")
    if dst.is_loopback:
        return ([lo_down(snap, src)] if lo is not None and not lo.up else []), False
    holders = _holders(snap, dst)
    mine = [h for h in holders if h.ns == src]
    if mine:
        others = [h for h in holders if h.ns != src]
        if others:
            return [_duplicate(snap, others[0], mine[0], pinger=True)], True
        return ([lo_down(snap, src)] if lo is not None and not lo.up else []), False
    if src is None or dst.version != 4:
        return [], False  # the host's own routes are not the lab's to judge
    problems, reached, source, arrived = _follow(snap, src, dst)
    if not arrived or source is None:
        return problems, False
    back, _at, _src, _ok = _follow(snap, reached, source, replies=True)
    return problems + [f for f in back if f not in problems], False


def _on_the_way(snap: Snapshot, src: NsKey, dst: IPAddr) -> list[Finding]:
    """The faults the snapshot's scan sees in the namespaces a ping from SRC to DST goes
    through: SRC, everything wired to it (and onward), and the holders of DST."""
    involved = {src} | {h.ns for h in _holders(snap, dst)}
    todo = list(involved)
    while todo:
        n = snap.ns(todo.pop())
        for lk in n.links if n else ():
            for (k, _name) in wire(snap, n.key, lk):
                if k not in involved:
                    involved.add(k)
                    todo.append(k)
    here = snap.ns(src)
    on_link = here is not None and any(dst in i.network for lk in here.links for i in ifaces(lk))
    out = []
    for f in scan(snap):
        if f.code == "lo-down":
            continue  # lo matters for the namespace's own addresses only (judged above)
        if f.code == "forwarding-off" and on_link:
            continue  # DST is on SRC's own subnet: no router forwards this ping
        if f.code == "end-in-host":
            meant = home_of(snap, f.ifname or "")
            if meant not in involved and not (f.namespaces - {None}) & involved:
                continue
        elif not f.namespaces & involved:
            continue
        out.append(f)
    return out


def reach(snap: Snapshot, src: NsKey, addr: str) -> tuple[list[Finding], bool]:
    """Every fault that stops a ping from SRC to ADDR, and whether SRC would only answer
    itself (it holds ADDR too). The first faults are the packet's path; then every other
    fault on the way whose repair is not one of theirs already."""
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return [bad_value("check.bad-ip", addr=repr(addr))], True
    missing = missing_namespace(snap, src)
    if missing:
        return [missing], True
    found, itself = unreachable(snap, src, ip)
    if found and not itself:
        repaired = {fix for f in found for fix in f.fixes}
        for f in _on_the_way(snap, src, ip):
            if f.fixes and not set(f.fixes) <= repaired:
                found.append(f)
                repaired |= set(f.fixes)
    return _unique(found), itself


def _unique(found: Iterable[Finding]) -> list[Finding]:
    """Each finding once (by its sentence), in order."""
    seen: dict[str, Finding] = {}
    for f in found:
        seen.setdefault(f.text, f)
    return list(seen.values())


def no_reply(snap: Snapshot, ns: NsKey, addr: str) -> Finding:
    """The kernel got no reply and the snapshot shows no fault: look closer."""
    return _path("no-reply", "check.no-reply", ns,
                 fixes=(fix_exec(snap, ns, f"ip route get {addr}"),), ns=_in(ns), addr=addr)


# ------------------------------------------------------------------ one object each


def lo_faults(snap: Snapshot, ns: str) -> list[Finding]:
    """Why lo is not up in NS."""
    link, why = locate(snap, ns, "lo")
    if why:
        return [why]
    return [] if link and link.up else [lo_down(snap, ns)]


def interface_faults(snap: Snapshot, ns: NsKey, ifname: str) -> list[Finding]:
    """Why IFNAME is not in NS."""
    _link, why = locate(snap, ns, ifname)
    return [why] if why else []


def link_faults(snap: Snapshot, ns: NsKey, ifname: str) -> list[Finding]:
    """Why IFNAME in NS is not UP: not set up, or without carrier (its peer)."""
    link, why = locate(snap, ns, ifname)
    if why or link is None:
        return [why] if why else []
    if link.kind == "loopback":
        return [] if link.up else [lo_down(snap, ns)]
    if not link.up:
        return [link_down(snap, ns, link)]
    if link.carrier:
        return []
    far = peer(snap, link)
    if far:
        pk, pl = far
        if stranded(pk, pl):
            return [end_in_host(snap, pl, exclude=[ns] if ns else [])]
        if not pl.up:
            return [link_down(snap, pk, pl)]
    if link.kind == "bridge":
        fix = (fix_set_master(snap, ns, "PORT", link.name),)
        return [_path("bridge-no-port", "check.bridge-no-port", ns, link.name, fixes=fix,
                      ifname=link.name, ns=_in(ns))]
    return [_path("no-carrier", "check.no-carrier", ns, link.name, ifname=link.name,
                  ns=_in(ns))]


def address_faults(snap: Snapshot, ns: NsKey, name: str, cidr: str) -> list[Finding]:
    """Why IFNAME (NAME) in NS does not have CIDR."""
    try:
        want = ipaddress.ip_interface(cidr)
    except ValueError:
        return [bad_value("check.bad-cidr", cidr=repr(cidr))]
    link, why = locate(snap, ns, name)
    if why or link is None:
        return [why] if why else []
    have = ifaces(link, want.version)
    if want in have:
        return []
    add = fix_add_addr(snap, ns, name, str(want))
    same_ip = [i for i in have if i.ip == want.ip]
    if same_ip:
        wrong = same_ip[0]
        fixes = (fix_del_addr(snap, ns, name, str(wrong)), add)
        fields: dict[str, Any] = {"ifname": name, "ns": _in(ns), "wrong": wrong, "want": want}
        if wrong.network.prefixlen == 32:
            return [_path("wrong-address", "check.wrong-prefix.slash32", ns, name, fixes=fixes,
                          address=str(wrong), ip=want.ip, prefix=want.network.prefixlen,
                          **fields)]
        return [_path("wrong-address", "check.wrong-prefix", ns, name, fixes=fixes,
                      address=str(wrong), **fields)]
    elsewhere = [h for h in _holders(snap, want.ip) if (h.ns, h.link.name) != (ns, name)]
    if elsewhere:
        h = elsewhere[0]
        fixes = (fix_del_addr(snap, h.ns, h.link.name, str(h.iface)), add)
        return [_path("wrong-address", "check.addr-elsewhere", ns, name, fixes=fixes,
                      others=((h.ns, h.link.name),), ip=want.ip, far=h.link.name,
                      far_ns=_in(h.ns), ifname=name, ns=_in(ns))]
    if have:
        taken = [
            h for i in have for h in _holders(snap, i.ip)
            if (h.ns, h.link.name) != (ns, name)
        ]
        fixes = (fix_del_addr(snap, ns, name, str(have[0])), add)
        fields = {"ifname": name, "ns": _in(ns), "have": ", ".join(map(str, have)),
                  "want": want}
        if taken:
            return [_path("wrong-address", "check.other-addr.taken", ns, name, fixes=fixes,
                          address=str(have[0]), ip=taken[0].iface.ip, owner=taken[0].link.name,
                          owner_ns=_in(taken[0].ns), **fields)]
        return [_path("wrong-address", "check.other-addr", ns, name, fixes=fixes,
                      address=str(have[0]), **fields)]
    return [_path("missing-address", "check.no-addr-yet", ns, name, fixes=(add,),
                  ifname=name, ns=_in(ns))]


def connection_faults(snap: Snapshot, a: str, b: str) -> list[Finding]:
    """Why no veth pair (directly, or through a bridge) joins A and B with every end up."""
    missing = [m for m in (missing_namespace(snap, a), missing_namespace(snap, b)) if m]
    if missing:
        return missing
    here = snap.ns(a)
    there = snap.ns(b)
    assert here is not None and there is not None
    best: list[Finding] | None = None
    for lk in here.links:
        if lk.kind == "loopback":
            continue
        for (k, _far), path in _endpoints(snap, a, lk):
            if k != b:
                continue
            problems = _wire_problems(snap, path)
            if not problems:
                return []
            if best is None or len(problems) < len(best):
                best = problems
    if best:
        return best
    for mine, other in ((here, b), (there, a)):
        for lk in mine.links:
            far = peer(snap, lk)
            if far and stranded(*far):
                return [end_in_host(snap, far[1], other)]
    host = snap.host
    loose = [lk for lk in (links_of(host) if host else []) if stranded(None, lk)]
    if loose:
        return [end_in_host(snap, lk) for lk in loose[:2]]
    fix = (fix_add_veth(snap, f"veth-{a}"[:15], f"veth-{b}"[:15], a, b),)
    return [_path("not-connected", "check.not-connected", a, fixes=fix, a=a, b=b)]


def route_faults(snap: Snapshot, ns: str, cidr: str) -> list[Finding]:
    """Why NS has no (usable) route to CIDR."""
    try:
        net = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return [bad_value("check.bad-network", cidr=repr(cidr))]
    missing = missing_namespace(snap, ns)
    if missing:
        return [missing]
    here = snap.ns(ns)
    assert here is not None
    for r in sorted(here.routes, key=lambda r: -_route_net(r).prefixlen):
        rnet = _route_net(r)
        if rnet.version == net.version and net.subnet_of(rnet):
            link = here.link(r.dev) if r.dev else None
            if link is not None and not link.up:
                return [link_down(snap, ns, link)]
            return []
    probe = next(
        (h.iface.ip for h in _holders(snap, net.network_address + 1) if h.ns != ns),
        None,
    ) or next(
        (
            i.ip for n in snap.namespaces if n.key != ns for lk in links_of(n)
            for i in ifaces(lk) if i.ip in net
        ),
        net.network_address + (1 if net.num_addresses > 1 else 0),
    )
    return _no_route(snap, ns, probe, target=str(net))


def forwarding_faults(snap: Snapshot, ns: str) -> list[Finding]:
    """Why NS does not forward packets."""
    missing = missing_namespace(snap, ns)
    if missing:
        return [missing]
    here = snap.ns(ns)
    if here is not None and here.forwarding:
        return []
    return [_forwarding(snap, ns)]


def duplicate_faults(snap: Snapshot, namespaces: tuple[NsKey, ...] = ()) -> list[Finding]:
    """Every address that is on two interfaces (in NAMESPACES, or anywhere)."""
    seen: dict[IPAddr, _Holder] = {}
    out = []
    for n in snap.namespaces:
        if namespaces and n.key not in namespaces:
            continue
        for lk in links_of(n):
            for i in ifaces(lk):
                h = _Holder(n.key, lk, i)
                if i.ip in seen:
                    out.append(_duplicate(snap, seen[i.ip], h))
                else:
                    seen[i.ip] = h
    return out

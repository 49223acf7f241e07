"""The findings: what a fault is, its fix, one constructor per kind, and the scan of a
snapshot (pure: no kernel, no I/O).

This is the base of the one explanation engine (nslab.diagnosis): the scan below finds
what a snapshot shows by itself, nslab.paths follows a ping's packet with the same
constructors, and `diagnosis.diagnose` joins the two. The codes, the severities and the
rule for "pending" are documented in nslab.diagnosis.
"""


from __future__ import annotations

import functools
import ipaddress
import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from . import verbspec
from .messages import say
from .snapshot import Link, Namespace, NsKey, Route, Snapshot, ns_label

__all__ = [
    "CODES",
    "Finding",
    "Fix",
    "concerning",
    "free_address",
    "home_of",
    "ifaces",
    "peer",
    "scan",
]

IPAddr = ipaddress.IPv4Address | ipaddress.IPv6Address
IPIface = ipaddress.IPv4Interface | ipaddress.IPv6Interface
Ref = tuple[NsKey, str]  # (namespace key, interface name)

CODES = (
    "lo-down",
    "end-in-host",
    "peer-down",
    "down-with-address",
    "bridge-down",
    "link-down",
    "duplicate-address",
    "subnet-mismatch",
    "prefix-mismatch",
    "no-address",
    "forwarding-off",
    "no-route",
    "no-return-route",
)

# the few words a drawing puts on a node, per code ({other}: the other interface)
_SHORT = {
    "lo-down": "diag.short.lo-down",
    "end-in-host": "diag.short.end-in-host",
    "peer-down": "diag.short.peer-down",
    "down-with-address": "diag.short.down-with-address",
    "bridge-down": "diag.short.bridge-down",
    "duplicate-address": "diag.short.duplicate-address",
    "subnet-mismatch": "diag.short.subnet-mismatch",
    "prefix-mismatch": "diag.short.prefix-mismatch",
    # faults a goal's packet path shows (nslab.paths)
    "wrong-namespace": "diag.short.wrong-namespace",
    "no-carrier": "diag.short.no-carrier",
    "bridge-no-port": "diag.short.bridge-no-port",
    "wrong-address": "diag.short.wrong-address",
    "missing-address": "diag.short.missing-address",
    "not-wired": "diag.short.not-wired",
    "not-plugged": "diag.short.not-plugged",
    "next-hop-missing": "diag.short.next-hop-missing",
}


# ---------------------------------------------------------------- fixes


@dataclass(frozen=True)
class Fix:
    """One repair, as a Lab call and as the `ip` command that does the same."""

    call: str  # "lab.set_up('test2', 'veth-test2')"
    command: str  # "ip netns exec test2 ip link set dev veth-test2 up"


def _enter(snap: Snapshot, ns: NsKey) -> str:
    """The prefix that runs a command inside NS, the way the article writes it."""
    if ns is None:
        return ""
    if ns.startswith("@"):
        found = snap.ns(ns)
        pid = found.pids[0] if found and found.pids else "PID"
        return f"nsenter -t {pid} -n "
    return f"ip netns exec {shlex.quote(ns)} "


def _in_ns(snap: Snapshot, ns: NsKey, *argv: str) -> str:
    """A command run inside NS, the way the article writes it."""
    return _enter(snap, ns) + shlex.join(argv)


def _fix(snap: Snapshot, verb: str, *args: Any, **kwargs: Any) -> Fix:
    """A verb call as a fix: its Python and its `ip` command, both from the verb's
    declaration (nslab.verbspec), so a fix reads exactly like the transcript."""

    def ns_arg(ns: NsKey) -> str:
        if ns is not None and ns.startswith("@"):
            found = snap.ns(ns)
            return str(found.pids[0]) if found and found.pids else "PID"
        return verbspec.default_ns_arg(ns)

    return Fix(verbspec.python(verb, args, kwargs),
               verbspec.render_ip(verb, args, kwargs, enter=lambda ns: _enter(snap, ns),
                                   ns_arg=ns_arg))


def fix_set_up(snap: Snapshot, ns: NsKey, ifname: str) -> Fix:
    return _fix(snap, "set_up", ns, ifname)


def fix_move(snap: Snapshot, ifname: str, into: NsKey, src: NsKey = None) -> Fix:
    """Move IFNAME from SRC into INTO (None: the host, written as the script's own
    namespace: `netns 1` is not the host inside the rootless sandbox)."""
    return _fix(snap, "move", ifname, into, src=src)


def fix_add_addr(snap: Snapshot, ns: NsKey, ifname: str, cidr: str) -> Fix:
    return _fix(snap, "add_addr", ns, ifname, cidr)


def fix_del_addr(snap: Snapshot, ns: NsKey, ifname: str, cidr: str) -> Fix:
    return _fix(snap, "del_addr", ns, ifname, cidr)


def fix_add_route(snap: Snapshot, ns: NsKey, dst: str, via: str) -> Fix:
    return _fix(snap, "add_route", ns, dst, via=via)


def fix_add_netns(name: str) -> Fix:
    return _fix(Snapshot(()), "add_netns", name)


def fix_add_veth(snap: Snapshot, name: str, peer_name: str, ns: NsKey,
                 peer_ns: NsKey = None) -> Fix:
    """A pair with NAME in NS and PEER_NAME in PEER_NS (None: beside NAME)."""
    where = {"peer_ns": peer_ns} if peer_ns is not None else {}
    return _fix(snap, "add_veth", name, peer_name, ns=ns, **where)


def fix_set_master(snap: Snapshot, ns: NsKey, port: str, bridge: str) -> Fix:
    return _fix(snap, "set_master", ns, port, bridge)


def fix_exec(snap: Snapshot, ns: NsKey, command: str) -> Fix:
    return Fix(f"lab.exec({ns!r}, {command!r})", _in_ns(snap, ns, *shlex.split(command)))


def fix_forwarding(snap: Snapshot, ns: NsKey) -> Fix:
    return _fix(snap, "set_forwarding", ns, True)


# ---------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding:
    """One fault: what it is, what it concerns, and how to repair it."""

    code: str  # one of CODES
    key: str  # message key of the sentence that explains it
    fields: tuple[tuple[str, str], ...]  # the sentence's named fields
    ns: NsKey  # the namespace it concerns first
    ifname: str | None = None  # the interface it concerns first (None: the namespace)
    address: str | None = None
    severity: str = "error"  # "error": breaks traffic for sure; "warning": likely;
    # "pending": a step not done yet (see the module docstring)
    fixes: tuple[Fix, ...] = ()
    others: tuple[Ref, ...] = ()  # other interfaces concerned (a peer, a duplicate)
    pair: bool = False  # the fault is on the veth edge between (ns, ifname) and others[0]
    mark_others: bool = True  # False: the drawing marks only the first interface
    inline: bool = False  # the sentence names its fix itself ({call}, {command}): nslab.paths

    @property
    def pending(self) -> bool:
        """A step not done yet (drawn brown), not a mistake (drawn red)."""
        return self.severity == "pending"

    @property
    def objects(self) -> tuple[Ref, ...]:
        """Every interface the finding concerns (drawn red)."""
        first = ((self.ns, self.ifname),) if self.ifname is not None else ()
        return first + self.others

    @property
    def marked(self) -> tuple[Ref, ...]:
        """The interfaces the drawing marks in red."""
        return self.objects if self.mark_others else self.objects[:1]

    @property
    def namespaces(self) -> set[NsKey]:
        return {self.ns} | {k for k, _ in self.others}

    @property
    def problem(self) -> str:
        """The sentence: what is wrong and why it matters."""
        if self.inline:
            return say(self.key, **dict(self.fields), call=self.call, command=self.command)
        return say(self.key, **dict(self.fields))

    @property
    def call(self) -> str:
        return "; ".join(f.call for f in self.fixes)

    @property
    def command(self) -> str:
        return "; ".join(f.command for f in self.fixes)

    @property
    def text(self) -> str:
        """The sentence followed by its fix, as a Lab call and as the `ip` command."""
        if not self.fixes or self.inline:
            return self.problem
        key = "diag.with-next" if self.pending else "diag.with-fix"
        return say(key, problem=self.problem, call=self.call, command=self.command)

    @property
    def drawn(self) -> bool:
        """Whether the drawing marks it on a node (the others are for checks and hints)."""
        return self.code in _SHORT and self.ifname is not None

    def label(self, ref: Ref) -> str:
        """The few words for the node REF of the drawing."""
        objects = self.objects
        other = next((o for o in objects if o != ref), ref)
        return say(_SHORT[self.code], other=other[1])

    def __str__(self) -> str:
        return self.text


def _finding(code: str, key: str, ns: NsKey, ifname: str | None = None, **kw: Any) -> Finding:
    fields = tuple(sorted((k, str(v)) for k, v in kw.pop("fields", {}).items()))
    return Finding(code, key, fields, ns, ifname, **kw)


# ---------------------------------------------------------------- shared helpers


@functools.lru_cache(maxsize=4096)
def _parse(cidr: str) -> IPIface | None:
    """ipaddress is slow to parse; a redraw sees the same few addresses again and again."""
    try:
        return ipaddress.ip_interface(cidr)
    except ValueError:
        return None


def ifaces(link: Link, family: int | None = None) -> list[IPIface]:
    """The link's global addresses (no link-local, no 127.0.0.1), in a stable order."""
    out = []
    for a in sorted(link.addresses):
        if a.scope != "global" or (family is not None and a.family != family):
            continue
        parsed = _parse(a.cidr)
        if parsed is not None:
            out.append(parsed)
    return out


def peer(snap: Snapshot, link: Link) -> tuple[NsKey, Link] | None:
    """The other end of a veth, when its namespace is in the snapshot and was read."""
    p = link.peer
    if link.kind != "veth" or p is None or not p.visible:
        return None
    ns = snap.ns(p.ns)
    if ns is None or not ns.links_read:
        return None
    found = (ns.link(p.ifname) if p.ifname else None) or next(
        (lk for lk in ns.links if lk.index == p.index), None
    )
    return (p.ns, found) if found else None


def stranded(ns: NsKey, link: Link) -> bool:
    """A veth end the lab made that still sits in the host (S13/S14 not done)."""
    return ns is None and link.kind == "veth" and link.owned and link.master is None


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _common_suffix(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def home_of(snap: Snapshot, ifname: str, exclude: Iterable[NsKey] = ()) -> str:
    """The namespace a stranded interface was meant for: veth-test2 -> test2.

    The named namespace whose name ends like the interface's (ignoring dashes), else
    the only one that has nothing but lo, else the placeholder NAMESPACE.
    """
    skip = set(exclude)
    named = [n for n in snap.namespaces if n.kind == "named" and n.key and n.key not in skip]
    scored = sorted(
        ((_common_suffix(_norm(ifname), _norm(n.key or "")), n.key or "") for n in named),
        reverse=True,
    )
    if scored and scored[0][0] > 0 and (len(scored) == 1 or scored[1][0] < scored[0][0]):
        return scored[0][1]
    empty = [n.key for n in named if all(lk.kind == "loopback" for lk in n.links)]
    return empty[0] if len(empty) == 1 and empty[0] else "NAMESPACE"


def links_of(ns: Namespace) -> list[Link]:
    """The links the lab may be blamed for: in the host, only the ones it created."""
    return [lk for lk in ns.links if ns.key is not None or lk.owned]


def free_address(snap: Snapshot, net: Any, prefer: Any = None) -> str:
    """An unused address in NET, keeping PREFER's host part when that one is free."""
    used = {i.ip for n in snap.namespaces for lk in links_of(n) for i in ifaces(lk)}
    if prefer is not None and prefer.version == net.version:
        cand = net.network_address + (int(prefer) & int(net.hostmask))
        edge = net.num_addresses > 2 and cand in (net.network_address, net.broadcast_address)
        if not edge and cand not in used:
            return f"{cand}/{net.prefixlen}"
    for host in net.hosts():
        if host not in used:
            return f"{host}/{net.prefixlen}"
    return f"{net.network_address}/{net.prefixlen}"


def _route_net(route: Route) -> Any:
    if route.dst == "default":
        return ipaddress.ip_network("0.0.0.0/0")
    return ipaddress.ip_network(route.dst, strict=False)


def lookup(ns: Namespace, ip: IPAddr) -> Route | None:
    """The route the kernel would pick in NS for IP: the longest prefix that holds it."""
    best: tuple[int, Route] | None = None
    for r in ns.routes:
        try:
            net = _route_net(r)
        except ValueError:
            continue
        if net.version == ip.version and ip in net and (best is None or net.prefixlen > best[0]):
            best = (net.prefixlen, r)
    return best[1] if best else None


def _order(ref: Ref) -> tuple:
    ns, name = ref
    return (0, "") if ns is None else ((2, ns) if ns.startswith("@") else (1, ns)), name


# ---------------------------------------------------------------- one finding each
# (the scan below and nslab.checks build findings only through these)


def lo_down(snap: Snapshot, ns: NsKey) -> Finding:
    return _finding(
        "lo-down", "diag.lo-down", ns, "lo", severity="warning",
        fields={"ns": ns_label(ns)}, fixes=(fix_set_up(snap, ns, "lo"),),
    )


def link_down(snap: Snapshot, ns: NsKey, link: Link) -> Finding:
    """The finding for an interface that is not set up, in the words its kind needs."""
    if link.kind == "loopback":
        return lo_down(snap, ns)
    fix = (fix_set_up(snap, ns, link.name),)
    far = peer(snap, link)
    if far and far[1].up:
        return _finding(
            "peer-down", "diag.peer-down", ns, link.name,
            fields={"ifname": link.name, "ns": ns_label(ns), "peer": far[1].name,
                    "peer_ns": ns_label(far[0])},
            fixes=fix, others=((far[0], far[1].name),), pair=True, mark_others=False,
        )
    if link.kind == "bridge":
        return _finding("bridge-down", "diag.bridge-down", ns, link.name,
                        fields={"ifname": link.name, "ns": ns_label(ns)}, fixes=fix)
    cidrs = [a.cidr for a in sorted(link.addresses) if a.scope != "link"]
    if cidrs:
        return _finding(
            "down-with-address", "diag.down-with-address", ns, link.name, address=cidrs[0],
            fields={"ifname": link.name, "ns": ns_label(ns), "addresses": ", ".join(cidrs)},
            fixes=fix, severity="pending",
        )
    return _finding("link-down", "diag.link-down", ns, link.name,
                    fields={"ifname": link.name, "ns": ns_label(ns)}, fixes=fix)


def end_in_host(snap: Snapshot, link: Link, into: str | None = None,
                exclude: Iterable[NsKey] = ()) -> Finding:
    home = into or home_of(snap, link.name, exclude)
    far = peer(snap, link)
    return _finding(
        "end-in-host", "diag.end-in-host", None, link.name,
        fields={"ifname": link.name, "home": home}, fixes=(fix_move(snap, link.name, home),),
        others=((far[0], far[1].name),) if far else (), mark_others=False,
    )


def duplicate(snap: Snapshot, first: Ref, second: Ref, link: Link, i: IPIface,
              *, pinger: bool = False) -> Finding:
    """I's address, on FIRST already, is also on SECOND (LINK): SECOND gets another one.

    pinger: SECOND's namespace is the one that pings the address (it answers itself)."""
    far = peer(snap, link)
    better = free_address(snap, i.network, i.ip)
    fields = {"ip": i.ip, "first": first[1], "first_ns": ns_label(first[0]),
              "second": second[1], "second_ns": ns_label(second[0])}
    return _finding(
        "duplicate-address", "diag.duplicate-address.self" if pinger else "diag.duplicate-address",
        second[0], second[1], address=str(i), fields=fields,
        fixes=(fix_del_addr(snap, second[0], second[1], str(i)),
               fix_add_addr(snap, second[0], second[1], better)),
        others=(first,), pair=bool(far and (far[0], far[1].name) == first),
    )


def subnet_mismatch(snap: Snapshot, a: Ref, mine: list[IPIface], b: Ref,
                    theirs: list[IPIface]) -> Finding:
    """The two ends A and B of a pair share no subnet: B moves into A's."""
    better = free_address(snap, mine[0].network, theirs[0].ip)
    return _finding(
        "subnet-mismatch", "diag.subnet-mismatch", b[0], b[1], address=str(theirs[0]),
        fields={
            "ifname": a[1], "ns": ns_label(a[0]), "mine": ", ".join(map(str, mine)),
            "peer": b[1], "peer_ns": ns_label(b[0]), "theirs": ", ".join(map(str, theirs)),
        },
        fixes=(fix_del_addr(snap, b[0], b[1], str(theirs[0])),
               fix_add_addr(snap, b[0], b[1], better)),
        others=(a,), pair=True,
    )


def prefix_mismatch(snap: Snapshot, end: Ref, mine: IPIface, far: Ref,
                    theirs: IPIface) -> Finding:
    """END's prefix (MINE) leaves out FAR's address THEIRS, which counts END as a neighbour."""
    better = f"{mine.ip}/{theirs.network.prefixlen}"
    return _finding(
        "prefix-mismatch", "diag.prefix-mismatch", end[0], end[1], address=str(mine),
        fields={"ifname": end[1], "ns": ns_label(end[0]), "mine": mine, "peer": far[1],
                "peer_ns": ns_label(far[0]), "theirs": theirs,
                "prefix": mine.network.prefixlen},
        fixes=(fix_del_addr(snap, end[0], end[1], str(mine)),
               fix_add_addr(snap, end[0], end[1], better)),
        others=(far,), pair=True, mark_others=False,  # the far end's prefix is fine
    )


def no_address(snap: Snapshot, end: Ref, far: Ref, far_iface: IPIface) -> Finding:
    """END has no address; FAR, across its wire, is in FAR_IFACE's subnet."""
    cidr = free_address(snap, far_iface.network, far_iface.ip)
    return _finding(
        "no-address", "diag.no-address", end[0], end[1], severity="warning",
        fields={"ifname": end[1], "ns": ns_label(end[0]), "peer": far[1],
                "peer_ns": ns_label(far[0]), "net": far_iface.network},
        fixes=(fix_add_addr(snap, end[0], end[1], cidr),), others=(far,),
    )


def forwarding_off(snap: Snapshot, ns: NsKey, user: NsKey = None) -> Finding:
    """NS does not forward; USER (when known) routes through it."""
    if user is None:
        return _finding("forwarding-off", "diag.forwarding-off.alone", ns,
                        fields={"ns": ns_label(ns)}, fixes=(fix_forwarding(snap, ns),))
    return _finding(
        "forwarding-off", "diag.forwarding-off", ns,
        fields={"ns": ns_label(ns), "user": ns_label(user)}, fixes=(fix_forwarding(snap, ns),),
    )


# ---------------------------------------------------------------- the scan


def _lo_down(snap: Snapshot, n: Namespace) -> list[Finding]:
    lo = next((lk for lk in n.links if lk.kind == "loopback"), None)
    if n.key is None or lo is None or lo.up or len(n.links) < 2:
        return []
    return [lo_down(snap, n.key)]


def _link_rules(snap: Snapshot, n: Namespace, link: Link) -> list[Finding]:
    if stranded(n.key, link):  # its state and addresses matter once it is moved
        return [end_in_host(snap, link)]
    out = []
    if link.kind == "loopback" or link.up:
        return out
    found = link_down(snap, n.key, link)
    ports = link.kind == "bridge" and any(lk.master == link.name for lk in n.links)
    if found.code in ("peer-down", "down-with-address") or (ports and found.code == "bridge-down"):
        out.append(found)
    return out


def _pair_rules(snap: Snapshot, a: Ref, la: Link, b: Ref, lb: Link) -> list[Finding]:
    """The addresses of the two ends of one veth pair (reported once per pair)."""
    out = []
    if stranded(a[0], la) or stranded(b[0], lb):
        return out  # end-in-host says it; the move drops the addresses anyway
    both_counted = all(
        (ns := snap.ns(ref[0])) is not None and _counted(ns) and (ref[0] is not None or lk.owned)
        for ref, lk in ((a, la), (b, lb))
    )
    for family in (4, 6):
        mine, theirs = ifaces(la, family), ifaces(lb, family)
        if not (mine and theirs):
            continue
        same = [y for y in theirs if y.ip in {x.ip for x in mine}]
        if same:
            if not both_counted:  # else _duplicates says it
                out.append(duplicate(snap, a, b, lb, same[0]))
            continue
        if any(x.ip in y.network and y.ip in x.network for x in mine for y in theirs):
            continue
        odd = next(
            ((end, x, y) for end, ours, other in ((a, mine, theirs), (b, theirs, mine))
             for x in ours for y in other if x.ip in y.network and y.ip not in x.network),
            None,
        )
        if odd:
            end, x, y = odd
            out.append(prefix_mismatch(snap, end, x, b if end == a else a, y))
        else:
            out.append(subnet_mismatch(snap, a, mine, b, theirs))
    for end, link, far, far_link in ((a, la, b, lb), (b, lb, a, la)):
        theirs = ifaces(far_link, 4)
        if link.master or far_link.master or ifaces(link) or not theirs:
            continue  # bridge ports carry frames without addresses
        if end[0] is None and not link.owned:
            continue
        if _bridge_serves(snap.ns(end[0]), theirs[0]):
            continue  # a port not plugged in yet (nslab.paths says so), not an address
        out.append(no_address(snap, end, far, theirs[0]))
    return out


def _bridge_serves(ns: Namespace | None, iface: IPIface) -> bool:
    """Whether NS holds a bridge in IFACE's subnet (docker0 in 172.17.0.0/16): an end
    beside it without an address is meant to be its port."""
    return ns is not None and any(
        lk.kind == "bridge" and any(iface.ip in i.network for i in ifaces(lk, 4))
        for lk in ns.links)


def _counted(n: Namespace) -> bool:
    """Namespaces whose addresses must be unique: the host and the lab's own."""
    return n.key is None or n.owned


def _duplicates(snap: Snapshot, skip: set[NsKey]) -> list[Finding]:
    seen: dict[IPAddr, Ref] = {}
    out = []
    for n in snap.namespaces:
        if n.key in skip or not _counted(n):
            continue
        for lk in links_of(n):
            for i in ifaces(lk):
                here = (n.key, lk.name)
                if i.ip in seen:
                    out.append(duplicate(snap, seen[i.ip], here, lk, i))
                else:
                    seen[i.ip] = here
    return out


def _routers(snap: Snapshot, skip: set[NsKey]) -> list[Finding]:
    """Namespaces that another one routes through, but that do not forward."""
    out = []
    for n in snap.namespaces:
        if n.key is None or n.key in skip or n.forwarding is not False:
            continue
        mine = {i.ip for lk in n.links for i in ifaces(lk)}
        users = sorted(
            m.key for m in snap.namespaces if m.key != n.key and m.key is not None
            for r in m.routes if r.gateway and ipaddress.ip_address(r.gateway) in mine
        )
        if users:
            out.append(forwarding_off(snap, n.key, users[0]))
    return out


def scan(snapshot: Snapshot, *, infrastructure: Iterable[NsKey] = ()) -> list[Finding]:
    """Every fault SNAPSHOT shows by itself, in a stable order (namespaces, then
    interfaces); infrastructure: namespaces of the kit itself, never blamed."""
    skip = set(infrastructure)
    out: list[Finding] = []
    pairs_done: set[frozenset[Ref]] = set()
    spaces = sorted(snapshot.namespaces, key=lambda n: _order((n.key, "")))
    for n in spaces:
        if not n.links_read or n.key in skip:
            continue
        out += _lo_down(snapshot, n)
        for link in sorted(links_of(n), key=lambda lk: (lk.kind != "loopback", lk.name)):
            out += _link_rules(snapshot, n, link)
            far = peer(snapshot, link)
            if far is None or far[0] in skip:
                continue
            a, b = (n.key, link.name), (far[0], far[1].name)
            pair = frozenset({a, b})
            if pair in pairs_done:
                continue
            pairs_done.add(pair)
            if _order(b) < _order(a) and (b[0] is not None or far[1].owned):
                out += _pair_rules(snapshot, b, far[1], a, link)
            else:
                out += _pair_rules(snapshot, a, link, b, far[1])
    out += _duplicates(snapshot, skip)
    out += _routers(snapshot, skip)
    return list(dict.fromkeys(out))


def concerning(findings: Iterable[Finding], ns: NsKey, ifname: str | None = None) -> list[Finding]:
    """The findings about namespace NS (and interface IFNAME, when given): what an error
    message or a hint about that object should add."""
    return [
        f for f in findings
        if (ns, ifname) in f.objects or (ifname is None and ns in f.namespaces)
    ]

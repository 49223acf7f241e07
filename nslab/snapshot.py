"""Kernel state as immutable dataclasses: what the kernel holds right now.

A Snapshot is read from the kernel every time (`Lab.snapshot()`); nothing here
keeps a model of the network in memory. Namespaces are identified by a *key*:

- ``None``          the namespace the kernel itself runs in (the article's "host")
- ``"test1"``       a named namespace, as `ip netns list` shows it
- ``"@test1"``      an unnamed (hidden) namespace of an emulated container
- ``"@pid1234"``    any other unnamed namespace, by one process inside it
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ._netlink import settled_operstate
from .journal import is_alive

if TYPE_CHECKING:
    from .diff import Changes
    from .lab import Lab

NsKey = str | None


def ns_label(key: NsKey) -> str:
    """How a namespace key reads in prose and drawings."""
    if key is None:
        return "host"
    if key.startswith("@pid"):
        return f"hidden namespace of PID {key[4:]}"
    if key.startswith("@"):
        return f"container {key[1:]}"
    return key


@dataclass(frozen=True, order=True)
class Address:
    cidr: str  # "192.168.1.1/24"
    family: int  # 4 or 6
    scope: str = "global"  # "global", "link" or "host"


@dataclass(frozen=True)
class Peer:
    """The other end of a veth pair, resolved across namespaces."""

    ns: NsKey  # key of the namespace that holds it (see module docstring)
    ifname: str | None  # None when that namespace is not visible to us
    index: int
    visible: bool = True


@dataclass(frozen=True)
class Link:
    name: str
    index: int
    kind: str  # "loopback", "veth", "bridge", "device", ...
    up: bool  # the admin flag, what `ip link set ... up` sets
    operstate: str  # "UP", "DOWN", "UNKNOWN" (lo), "LOWERLAYERDOWN", ... as settled:
    # the kernel's own value lags the flag and carrier by up to a second (linkwatch)
    carrier: bool
    mac: str
    mtu: int
    master: str | None = None  # the bridge this link is a port of
    peer: Peer | None = None  # veth only
    addresses: tuple[Address, ...] = ()
    owned: bool = False  # created by this lab (host links: the only ones drawn by default)


@dataclass(frozen=True)
class Route:
    dst: str  # "default" or "192.168.1.0/24"
    dev: str | None
    gateway: str | None = None
    scope: str = "universe"  # "link" for connected subnets
    protocol: str = "static"  # "kernel" for the ones an address brings


@dataclass(frozen=True)
class Namespace:
    key: NsKey
    kind: str  # "host", "named" or "hidden"
    inode: int
    links: tuple[Link, ...] = ()
    routes: tuple[Route, ...] = ()
    pids: tuple[int, ...] = ()  # processes inside (hidden namespaces)
    owned: bool = False  # created by this lab
    forwarding: bool | None = None  # net.ipv4.ip_forward inside it, when read
    nat_rules: tuple[str, ...] = ()  # nftables rules the lab added, in `nft` syntax
    links_read: bool = True  # False for hidden namespaces we only list

    @property
    def label(self) -> str:
        return ns_label(self.key)

    def link(self, name: str) -> Link | None:
        return next((lk for lk in self.links if lk.name == name), None)


@dataclass(frozen=True)
class Snapshot:
    namespaces: tuple[Namespace, ...] = field(default_factory=tuple)

    def ns(self, key: NsKey) -> Namespace | None:
        return next((n for n in self.namespaces if n.key == key), None)

    @property
    def host(self) -> Namespace | None:
        return self.ns(None)

    def link(self, ns: NsKey, name: str) -> Link | None:
        found = self.ns(ns)
        return found.link(name) if found else None

    def where(self, ifname: str) -> list[NsKey]:
        """Keys of the namespaces that hold a link called `ifname`."""
        return [n.key for n in self.namespaces if n.link(ifname)]

    def named(self) -> list[str]:
        """Names of the named namespaces, sorted (what `ip netns list` shows)."""
        return sorted(n.key for n in self.namespaces if n.kind == "named" and n.key)

    def lab_only(self) -> Snapshot:
        """What drawings and diffs show: the lab's namespaces, and of the host only the
        links the lab created (plus the routes through them)."""
        kept = []
        for n in self.namespaces:
            if n.kind == "host":
                links = tuple(lk for lk in n.links if lk.owned)
                mine = {lk.name for lk in links}
                routes = tuple(r for r in n.routes if r.dev in mine)
                kept.append(replace(n, links=links, routes=routes))
            elif n.owned:
                kept.append(n)
        return Snapshot(tuple(kept))

    def __sub__(self, before: Snapshot) -> Changes:
        from .diff import diff

        return diff(before, self)


# -- reading the kernel ---------------------------------------------------------------


def hidden_namespaces(exclude: set[int]) -> dict[int, list[int]]:
    """Unnamed network namespaces found through /proc: inode -> PIDs inside, sorted."""
    found: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            target = os.readlink(f"/proc/{entry.name}/ns/net")  # "net:[4026531840]"
        except OSError:
            continue  # the process ended, or we may not look
        inode = int(target[5:-1])
        if inode not in exclude:
            found.setdefault(inode, []).append(int(entry.name))
    return {inode: sorted(pids) for inode, pids in found.items()}


def read_snapshot(lab: Lab, *, everything: bool = False, read_hidden: bool = False) -> Snapshot:
    """Read the kernel as `lab` sees it (ownership from its journal).

    By default: the host and the lab's own namespaces are read; other named namespaces
    are listed but not read. `everything=True` reads every named namespace and lists
    the hidden ones found through /proc (`read_hidden=True` reads those too).
    """
    journal = lab._journal
    owned_named = set(lab.owned_netns())
    keys: dict[NsKey, tuple[str, str | None, int]] = {}  # key -> (kind, path, inode)
    keys[None] = ("host", None, os.stat("/proc/self/ns/net").st_ino)
    for name in lab.list_netns():
        path = f"/run/netns/{name}"
        try:
            keys[name] = ("named", path, os.stat(path).st_ino)
        except OSError:
            continue  # deleted while we looked
    containers: dict[int, str] = {}
    hidden: dict[int, list[int]] = {}
    for entry in journal.of_kind("process"):
        pid = entry.get("pid")
        if is_alive(pid, entry.get("start")):
            try:
                inode = os.stat(f"/proc/{pid}/ns/net").st_ino
            except OSError:
                continue  # it ended while we looked
            containers[inode] = entry["name"]
            hidden[inode] = [pid]
    if everything:
        hidden = hidden_namespaces({inode for _, _, inode in keys.values()})
    for inode, pids in hidden.items():
        key = f"@{containers[inode]}" if inode in containers else f"@pid{pids[0]}"
        keys[key] = ("hidden", f"/proc/{pids[0]}/ns/net", inode)
    readable = [
        k for k, (kind, _, inode) in keys.items()
        if kind == "host" or k in owned_named or inode in containers
        or (everything and (kind == "named" or read_hidden))
    ]
    dumps = lab._nl.dump_many([keys[k][1] for k in readable])
    raw = {k: dumps[keys[k][1]] for k in readable if keys[k][1] in dumps}
    keys = {k: v for k, v in keys.items() if k in raw or k not in readable}  # vanished
    nsids: dict[tuple[NsKey, NsKey], int | None] = {}

    def nsid_of(key: NsKey, other: NsKey) -> int | None:
        if (key, other) not in nsids:
            nsids[key, other] = lab._nl.nsid(keys[key][1], keys[other][1])
        return nsids[key, other]

    def journal_hint(key: NsKey, ifname: str) -> tuple[NsKey, str] | None:
        """Where the lab put this veth's peer, if the lab made the pair."""
        entry = journal.find("link", ifname, ns=key)
        peer = journal.find("link", entry["peer"]) if entry and entry.get("peer") else None
        return (peer.get("ns"), peer["name"]) if peer else None

    peers = _resolve_peers(raw, nsid_of, journal_hint)
    lab._nl.link_peers(_linked_paths(peers, {k: keys[k][1] for k in raw}))
    owned_paths = [
        keys[k][1] for k in raw
        if k in owned_named or (keys[k][0] == "hidden" and keys[k][2] in containers)
    ]
    forwarding = lab._nl.sysctl_many(owned_paths, "net/ipv4/ip_forward")
    namespaces = []
    for key, (kind, _path, inode) in keys.items():
        owned = key in owned_named or (kind == "hidden" and inode in containers)
        if key not in raw:
            pids = tuple(hidden.get(inode, ()))
            namespaces.append(Namespace(key, kind, inode, pids=pids, links_read=False))
            continue
        found = _namespace(key, kind, inode, raw[key], peers, owned, journal, hidden)
        namespaces.append(_with_nat(lab, found, forwarding.get(_path)) if owned else found)
    order = {"host": 0, "named": 1, "hidden": 2}
    namespaces.sort(key=lambda n: (order[n.kind], n.key or ""))
    return Snapshot(tuple(namespaces))


def _namespace(key, kind, inode, dump, peers, owned, journal, hidden) -> Namespace:
    by_index = {lk["index"]: lk for lk in dump["links"]}
    addrs: dict[int, list[Address]] = {}
    for a in dump["addrs"]:
        cidr = f"{a['local'] or a['address']}/{a['prefixlen']}"
        addrs.setdefault(a["index"], []).append(Address(cidr, a["family"], a["scope"]))
    links = []
    for lk in sorted(dump["links"], key=lambda d: d["name"]):
        master = by_index.get(lk["master"], {}).get("name") if lk["master"] else None
        journaled = journal.find("link", lk["name"], ns=key) is not None
        links.append(Link(
            name=lk["name"], index=lk["index"], kind=lk["kind"], up=lk["up"],
            operstate=settled_operstate(lk), carrier=lk["carrier"], mac=lk["mac"], mtu=lk["mtu"],
            master=master, peer=peers.get((key, lk["index"])),
            addresses=tuple(sorted(addrs.get(lk["index"], []))), owned=owned or journaled,
        ))
    routes = tuple(
        Route(
            dst=r["dst"], dev=by_index.get(r["oif"], {}).get("name"), gateway=r["gateway"],
            scope=r["scope"], protocol=r["protocol"],
        )
        for r in dump["routes"]
        if r["family"] == 4 and r["type"] == 1  # IPv4 unicast, like `ip route`
    )
    pids = tuple(hidden.get(inode, ())) if kind == "hidden" else ()
    return Namespace(key, kind, inode, tuple(links), routes, pids, owned)


def _with_nat(lab: Lab, found: Namespace, forwarding: str | None) -> Namespace:
    """Fill `forwarding` (a sysctl read) and `nat_rules` (only where the lab added NAT)."""
    from .nat import read_nat_rules

    nat = any(
        e.get("ns") == found.key and e.get("inode") == found.inode
        for e in lab._journal.of_kind("nat")
    )
    return replace(
        found,
        forwarding=None if forwarding is None else forwarding == "1",
        nat_rules=read_nat_rules(lab, found.key) if nat else (),
    )


def _linked_paths(
    peers: dict[tuple[NsKey, int], Peer], paths: dict[NsKey, str | None]
) -> dict[str | None, set[str | None]]:
    """Which namespaces hold the peers of each namespace's veths (by path, both ways)."""
    linked: dict[str | None, set[str | None]] = {}
    for (key, _index), peer in peers.items():
        if peer.visible and peer.ns != key and key in paths and peer.ns in paths:
            linked.setdefault(paths[key], set()).add(paths[peer.ns])
            linked.setdefault(paths[peer.ns], set()).add(paths[key])
    return linked


def _resolve_peers(
    raw: dict[NsKey, dict[str, list[dict]]], nsid_of: Any = None, hint: Any = None
) -> dict[tuple[NsKey, int], Peer]:
    """Match each veth end with its peer, also across namespaces.

    A veth reports its peer's ifindex (IFLA_LINK) and, when the peer lives in another
    namespace, a netnsid that only means something inside this namespace. The peer
    is the veth in another namespace with that index whose own IFLA_LINK points back,
    in the namespace that this one knows by that netnsid (`nsid_of(key, other)`):
    ifindexes repeat across namespaces, so index and back-pointer alone can mislead.
    """
    peers: dict[tuple[NsKey, int], Peer] = {}
    # veths that live apart from their peer, by (own index, peer's index)
    remote: dict[tuple[int, int], list[tuple[NsKey, dict]]] = {}
    for key, dump in raw.items():
        for m in dump["links"]:
            if m["kind"] == "veth" and m["link"] and m["link_netnsid"] is not None:
                remote.setdefault((m["index"], m["link"]), []).append((key, m))
    for key, dump in raw.items():
        for lk in dump["links"]:
            if lk["kind"] != "veth" or not lk["link"]:
                continue
            if lk["link_netnsid"] is None:
                match = [(key, m) for m in dump["links"] if m["index"] == lk["link"]]
            else:  # the veth there that points back at us; the nsid settles a tie
                match = [c for c in remote.get((lk["link"], lk["index"]), []) if c[0] != key]
                where = hint(key, lk["name"]) if hint and len(match) > 1 else None
                if where:  # a pair the lab made: its journal knows (checked against the kernel)
                    match = [c for c in match if (c[0], c[1]["name"]) == where] or match
                if match and nsid_of is not None:  # even one lookalike: indexes repeat
                    match = [c for c in match if nsid_of(key, c[0]) == lk["link_netnsid"]]
            if match:
                other, m = match[0]
                peers[(key, lk["index"])] = Peer(other, m["name"], m["index"])
            else:
                peers[(key, lk["index"])] = Peer(None, None, lk["link"], visible=False)
    return peers

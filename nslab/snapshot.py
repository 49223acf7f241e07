"""Kernel state as immutable dataclasses: what the kernel holds right now.

The pure data model: a Snapshot is read from the kernel every time (`Lab.snapshot()`,
by the kernel layer, _kernel.py); nothing here reads the kernel or keeps a model of the
network in memory. `diff(before, after)` (diff.py) compares two. Namespaces are
identified by a *key*:

- ``None``          the namespace the kernel itself runs in (the article's "host")
- ``"test1"``       a named namespace, as `ip netns list` shows it
- ``"@test1"``      an unnamed (hidden) namespace of an emulated container
- ``"@pid1234"``    any other unnamed namespace, by one process inside it
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from .messages import say

NsKey = str | None

# `after - before` -> Changes. The comparison lives above this pure model (diff.py);
# nslab/__init__.py plugs it in with use_diff(), so this module imports nothing of nslab.
_differ: Callable[[Any, Any], Any] | None = None


def use_diff(differ: Callable[[Any, Any], Any]) -> None:
    """Make `after - before` call differ(before, after) (nslab.diff.diff)."""
    global _differ
    _differ = differ


def ns_label(key: NsKey) -> str:
    """How a namespace key reads in prose and drawings (in the user's language)."""
    if key is None:
        return say("ns.label.host")
    if key.startswith("@pid"):
        return say("ns.label.hidden", pid=key[4:])
    if key.startswith("@"):
        return say("ns.label.container", name=key[1:])
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

    def __sub__(self, before: Snapshot) -> Any:
        """after - before: what changed (a nslab.diff.Changes)."""
        if _differ is None:
            raise RuntimeError("import nslab first: it plugs nslab.diff into Snapshot")
        return _differ(before, self)


def steady(snap: Snapshot) -> Snapshot:
    """The snapshot without what the kernel makes up on its own: MACs, ifindexes and IPv6
    link-local addresses (derived from random MACs). "What changed" compares these, so a
    rebuilt lab reads as the same lab."""
    def link(lk: Link) -> Link:
        peer = replace(lk.peer, index=0) if lk.peer else None
        addrs = tuple(a for a in lk.addresses if not (a.family == 6 and a.scope == "link"))
        return replace(lk, mac="", index=0, peer=peer, addresses=addrs)

    return Snapshot(tuple(replace(n, inode=0, links=tuple(link(lk) for lk in n.links))
                          for n in snap.namespaces))

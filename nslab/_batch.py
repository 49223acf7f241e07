"""Runs of simple verbs done as one batch (`Lab.apply`, and so `restore` and a topology).

A run qualifies when every call is `add_netns`, `set_up`/`set_down`, `add_veth` or
`add_addr`, and every namespace it touches is created earlier in the same run: the
planner then knows the whole state the run starts from (fresh namespaces hold only
`lo`) and can tell, without asking the kernel, that every call would succeed. Anything
else ends the run and is done by the verb itself, with its own checks and messages.

A batch writes the journal entries of all it creates in one write *before* the first
namespace exists (crash safety as for single verbs), makes all its namespaces in one
trip to the netlink worker, and sends its requests back to back. If the kernel refuses
one, the batch removes what it made and raises that refusal: it changes nothing.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import names, verbspec
from ._kernel import Kernel
from ._netlink import netns_path
from .errors import NotFound, NslabError

Call = tuple[str, tuple, dict]
Iface = ipaddress.IPv4Interface | ipaddress.IPv6Interface


@dataclass
class Plan:
    """What a run of calls will create, in order, checked against the run's own state."""

    netns: list[str] = field(default_factory=list)
    links: dict[str, set[str]] = field(default_factory=dict)  # planned ns -> its links
    addrs: set[tuple[str, str, str]] = field(default_factory=set)
    ifaces: dict[str, Iface] = field(default_factory=dict)  # cidr -> parsed, checked
    ops: list[tuple[str, tuple]] = field(default_factory=list)  # (verb, bound arguments)

    def take(self, k: Kernel, verb: str, args: tuple, kwargs: dict) -> bool:
        """Add one call if it surely succeeds on the planned state; False ends the run."""
        if verb not in verbspec.batched():  # the declaration says which verbs batch
            return False
        try:  # bound as the verb binds them (a TypeError: the verb itself reports it)
            bound = tuple(verbspec.bind(verb, args, kwargs).values())
        except TypeError:
            return False
        try:
            ok = getattr(self, f"_{verb}")(k, *bound)
        except (NslabError, ValueError, TypeError):  # the verb will say what is wrong
            return False
        if ok:
            self.ops.append((verb, bound))
        return ok

    def _ours(self, ns: Any) -> bool:
        return isinstance(ns, str) and ns in self.links

    def _name_free(self, ns: str, ifname: str) -> bool:
        names.check_ifname(ifname)
        return ifname not in self.links[ns]

    def _add_netns(self, k: Kernel, name: str) -> bool:
        names.check_netns_name(name)
        if name in self.links or k.journal.find("netns", name):
            return False
        if os.path.exists(netns_path(name)):
            return False
        self.netns.append(name)
        self.links[name] = {"lo"}
        return True

    def _set_up(self, k: Kernel, ns: Any, ifname: str, force: bool) -> bool:
        return not force and self._ours(ns) and ifname in self.links[ns]

    _set_down = _set_up

    def _add_veth(self, k: Kernel, name: str, peer: str, ns: Any, peer_ns: Any,
                  force: bool) -> bool:
        if force or not (self._ours(ns) and self._ours(peer_ns)):
            return False
        if (name == peer and ns == peer_ns) or not (
            self._name_free(ns, name) and self._name_free(peer_ns, peer)
        ):
            return False
        self.links[ns].add(name)
        self.links[peer_ns].add(peer)
        return True

    def _add_addr(self, k: Kernel, ns: Any, ifname: str, cidr: str, force: bool) -> bool:
        if force or not self._ours(ns) or ifname not in self.links[ns]:
            return False
        iface = names.check_interface_address(cidr)
        key = (ns, ifname, str(iface.ip))
        if key in self.addrs:
            return False
        self.addrs.add(key)
        self.ifaces[cidr] = iface
        return True


def plan(k: Kernel, calls: Sequence[Call], start: int) -> tuple[Plan, int]:
    """The longest run of CALLS from START that one batch can do, and where it ends."""
    p = Plan()
    end = start
    while end < len(calls) and p.take(k, *calls[end]):
        end += 1
    return p, end


def run(k: Kernel, p: Plan) -> list[str]:
    """Do a planned run: journal, namespaces, requests. Returns the `ip` commands the
    verbs would have written, in the calls' order, for the transcript."""
    made: list[dict[str, Any]] = []  # the journal entries, in the order of the calls
    for verb, bound in p.ops:
        if verb == "add_netns":
            made.append({"kind": "netns", "name": bound[0]})
        elif verb == "add_veth":
            name, peer, ns, peer_ns, _ = bound
            made += [{"kind": "link", "name": name, "ns": ns, "peer": peer},
                     {"kind": "link", "name": peer, "ns": peer_ns, "peer": name}]
    entries = k.journal.add_many(made)  # on disk before the first namespace exists
    try:
        inodes = k.nl.create_netns_many(p.netns)
    except BaseException:  # nothing of it is left (create_netns_many undoes itself)
        k.journal.remove_many(entries)
        raise
    netns = [e for e in entries if e["kind"] == "netns"]  # in the order of p.netns
    k.journal.update_many([(e, {"inode": i}) for e, i in zip(netns, inodes, strict=True)])
    said: list[str] = []
    try:
        for verb, bound in p.ops:
            said.append(_request(k, p, verb, bound))
    except BaseException:
        failed = k.nl.delete_netns_many(p.netns)  # their links go with them
        k.journal.remove_many([e for e in entries
                               if (e["ns"] if e["kind"] == "link" else e["name"]) not in failed])
        raise
    return said


def _request(k: Kernel, p: Plan, verb: str, bound: tuple) -> str:
    """Send one planned call's request; the `ip` command it stands for. (Every
    namespace here is one the batch has just made: its path needs no look-up.)"""
    b = dict(zip((x.name for x in verbspec.VERBS[verb].params), bound, strict=True))
    said = verbspec.render_bound(verb, b, ns_arg=k.ns_arg)
    if verb in ("set_up", "set_down"):
        ns, ifname, _ = bound
        k.nl.set_state(netns_path(ns), verb[4:], ifname=ifname)
    elif verb == "add_veth":
        name, peer, ns, peer_ns, _ = bound
        if peer_ns != ns:
            k.nl.add_veth(netns_path(ns), name, peer, netns_path(peer_ns))
        else:
            k.nl.add_veth(netns_path(ns), name, peer)
    elif verb == "add_addr":
        ns, ifname, cidr, _ = bound
        iface = p.ifaces[cidr]
        path = netns_path(ns)
        index = k.nl.link_index(path, ifname)
        if index is None:  # planned, so only a namespace changed under us gets here
            raise NotFound(k.missing_link(ns, ifname), obj=ifname)
        k.nl.add_addr(path, index, str(iface.ip), iface.network.prefixlen)
        said = verbspec.render_bound(verb, {**b, "cidr": str(iface)}, ns_arg=k.ns_arg)
    return said

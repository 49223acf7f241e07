"""The link verbs of Lab: up/down, veth pairs, moves, addresses, bridges, routes.

Each verb validates its input, checks ownership through the kernel layer, journals
what it is about to create, asks the kernel, and writes the equivalent `ip` command.
"""

from __future__ import annotations

import errno
import ipaddress
import os
from typing import TYPE_CHECKING, Any

from . import names, verbspec
from ._record import recorded
from ._verbs import Verbs
from .errors import AlreadyExists, InvalidAddress, InvalidName, KernelError, NotFound, NotOwned
from .messages import say
from .snapshot import Namespace, NsKey, ns_label
from .verbspec import render_ip

if TYPE_CHECKING:
    from .bridge import Fdb


class LinkVerbs(Verbs):
    """ip link / ip addr / ip route, inside the lab's namespaces (or the host, journaled)."""

    @recorded
    def set_up(self, ns: NsKey, ifname: str, *, force: bool = False) -> None:
        """ip netns exec NS ip link set dev IFNAME up"""
        self._set_state(ns, ifname, "up", force)

    @recorded
    def set_down(self, ns: NsKey, ifname: str, *, force: bool = False) -> None:
        """ip netns exec NS ip link set dev IFNAME down"""
        self._set_state(ns, ifname, "down", force)

    def _set_state(self, ns: NsKey, ifname: str, state: str, force: bool) -> None:
        k = self.kernel
        if k.owns(ns):  # any link in it is the lab's: let the kernel find it by name
            names.check_ifname(ifname)
            try:
                k.nl.set_state(k.path(ns), state, ifname=ifname)
            except NotFound:
                raise NotFound(k.missing_link(ns, ifname), obj=ifname) from None
        else:
            index = k.link(ns, ifname, force=force, action=state)
            k.nl.set_state(k.path(ns), state, index=index)
        self._say(render_ip(f"set_{state}", (ns, ifname)))

    @recorded
    def add_veth(
        self,
        name: str,
        peer: str,
        *,
        ns: NsKey = None,
        peer_ns: Any = ...,
        force: bool = False,
    ) -> None:
        """ip link add NAME type veth peer name PEER (both ends in `ns`, or PEER in peer_ns)"""
        k = self.kernel
        if peer_ns is ...:  # not given: the peer goes where NAME goes (None is the host)
            peer_ns = ns
        names.check_ifname(name)
        names.check_ifname(peer)
        if name == peer and ns == peer_ns:
            fix = verbspec.fix("add_veth", name, name + "-peer"[: 15 - len(name)])
            raise AlreadyExists(say("veth.same_names", name=name, call=fix["fix_call"]),
                                obj=name, **fix)
        for where in (ns, peer_ns):
            k.require_owned(where, force, "add_veth")
        first, second = k.journal.add_many([
            {"kind": "link", "name": name, "ns": ns, "peer": peer},
            {"kind": "link", "name": peer, "ns": peer_ns, "peer": name},
        ])
        try:
            if peer_ns != ns:
                k.nl.add_veth(k.path(ns), name, peer, k.path(peer_ns))
            else:
                k.nl.add_veth(k.path(ns), name, peer)
        except BaseException as exc:
            k.journal.remove_many([first, second])
            if isinstance(exc, AlreadyExists):  # the kernel's EEXIST: say which end clashes
                for where, ifname in ((ns, name), (peer_ns, peer)):
                    if k.nl.link_index(k.path(where), ifname) is not None:
                        fix = verbspec.fix("delete_link", where, ifname)
                        raise AlreadyExists(say(
                            "link.exists_delete", name=ifname, where=ns_label(where),
                            call=fix["fix_call"],
                        ), obj=ifname, **fix) from None
            raise
        k.remember_index(first, ns)
        k.remember_index(second, peer_ns)
        self._say(render_ip("add_veth", (name, peer), {"ns": ns, "peer_ns": peer_ns},
                            ns_arg=k.ns_arg))

    @recorded
    def delete_link(self, ns: NsKey, ifname: str, *, force: bool = False) -> None:
        """ip link delete dev IFNAME (a veth takes its peer with it)"""
        k = self.kernel
        index = k.link(ns, ifname, force=force, action="delete")
        k.nl.call(k.path(ns), "link", "del", index=index)
        entry = k.journal.find("link", ifname, ns=ns)
        if entry:
            peer = k.journal.find("link", entry.get("peer", ""))
            k.journal.remove(entry)
            if peer and peer.get("peer") == ifname:
                k.journal.remove(peer)
        self._say(render_ip("delete_link", (ns, ifname)))

    @recorded
    def move(self, ifname: str, ns: NsKey, *, src: NsKey = None, force: bool = False) -> None:
        """ip link set IFNAME netns NS (from `src`, the host by default)"""
        k = self.kernel
        index = k.link(src, ifname, force=force, action="move", target=ns)
        if ns == src:
            raise AlreadyExists(say("link.already_there", name=ifname, where=ns_label(ns)),
                                obj=ifname)
        k.require_owned(ns, force, "move_into")
        target = k.path(ns)
        try:
            k.nl.move_link(k.path(src), index, target)
        except AlreadyExists:
            raise AlreadyExists(say("link.move_clash", name=ifname, where=ns_label(ns))) from None
        except KernelError as exc:
            if exc.errno != errno.EINVAL:
                raise
            raise KernelError(
                errno.EINVAL, say("link.cannot_leave", name=ifname, where=ns_label(src))
            ) from None
        entry = k.journal.find("link", ifname, ns=src)
        if entry:
            k.journal.update(entry, ns=ns)
        elif ns is None:  # a link of a lab namespace now lives in the host: remember it
            entry = k.journal.add("link", ifname, ns=None)
        if entry:
            k.remember_index(entry, ns)
        self._say(render_ip("move", (ifname, ns), {"src": src}, ns_arg=k.ns_arg))

    # -- addresses ------------------------------------------------------------------
    @recorded
    def add_addr(self, ns: NsKey, ifname: str, cidr: str, *, force: bool = False) -> None:
        """ip netns exec NS ip addr add CIDR dev IFNAME"""
        k = self.kernel
        iface = names.check_interface_address(cidr)
        index = k.link(ns, ifname, force=force, action="add_addr")
        try:
            k.nl.add_addr(k.path(ns), index, str(iface.ip), iface.network.prefixlen)
        except AlreadyExists:
            fix = verbspec.fix("del_addr", ns, ifname, str(iface))
            raise AlreadyExists(say(
                "addr.exists", addr=str(iface), name=ifname, where=ns_label(ns),
                call=fix["fix_call"],
            ), obj=str(iface), **fix) from None
        self._say(render_ip("add_addr", (ns, ifname, str(iface))))

    @recorded
    def del_addr(self, ns: NsKey, ifname: str, cidr: str, *, force: bool = False) -> None:
        """ip netns exec NS ip addr del CIDR dev IFNAME"""
        k = self.kernel
        iface = names.check_interface_address(cidr)
        index = k.link(ns, ifname, force=force, action="del_addr")
        present = [
            ipaddress.ip_interface(f"{a['local'] or a['address']}/{a['prefixlen']}")
            for a in k.nl.dump(k.path(ns))["addrs"]
            if a["index"] == index
        ]
        if iface not in present:
            have = ", ".join(str(a) for a in present)
            raise NotFound(say("addr.missing", addr=str(iface), name=ifname,
                               where=ns_label(ns), have=have or say("word.none")),
                           obj=str(iface))
        k.nl.add_addr(k.path(ns), index, str(iface.ip), iface.network.prefixlen, delete=True)
        self._say(render_ip("del_addr", (ns, ifname, str(iface))))

    # -- bridges and routes ------------------------------------------------------
    @recorded
    def add_bridge(self, ns: NsKey, name: str, *, force: bool = False) -> None:
        """ip netns exec NS ip link add name NAME type bridge"""
        k = self.kernel
        names.check_ifname(name)
        k.require_owned(ns, force, "add_bridge")
        if k.nl.link_index(k.path(ns), name) is not None:
            raise AlreadyExists(say("link.exists", name=name, where=ns_label(ns)), obj=name)
        entry = k.journal.add("link", name, ns=ns)
        try:
            # a fixed MAC, as Docker gives docker0: else the bridge takes its lowest
            # port's MAC and changes it whenever a port comes or goes
            mac = "02:" + ":".join(f"{b:02x}" for b in os.urandom(5))
            k.nl.call(k.path(ns), "link", "add", ifname=name, kind="bridge", address=mac)
        except BaseException:
            k.journal.remove(entry)
            raise
        k.remember_index(entry, ns)
        self._say(render_ip("add_bridge", (ns, name)))

    @recorded
    def set_master(
        self, ns: NsKey, ifname: str, master: str | None, *, force: bool = False
    ) -> None:
        """ip netns exec NS ip link set dev IFNAME master BRIDGE (None: nomaster)"""
        k = self.kernel
        index = k.link(ns, ifname, force=force, action="set_master")
        if master is None:
            k.nl.call(k.path(ns), "link", "set", index=index, master=0)
            self._say(render_ip("set_master", (ns, ifname, None)))
            return
        bridge = k.link(ns, master, force=force, action="use_as_bridge")
        kinds = {d["index"]: d["kind"] for d in k.nl.dump(k.path(ns))["links"]}
        if kinds.get(bridge) != "bridge":
            fix = verbspec.fix("add_bridge", ns, "br0")
            raise InvalidName(say(
                "bridge.not_a_bridge", name=master, where=ns_label(ns), kind=kinds.get(bridge),
                call=fix["fix_call"],
            ), obj=master, **fix)
        k.nl.call(k.path(ns), "link", "set", index=index, master=bridge)
        self._say(render_ip("set_master", (ns, ifname, master)))

    @recorded
    def add_route(
        self,
        ns: NsKey,
        dst: str,
        *,
        via: str | None = None,
        dev: str | None = None,
        force: bool = False,
    ) -> None:
        """ip netns exec NS ip route add DST [via GATEWAY] [dev IFNAME]"""
        k = self.kernel
        network = names.check_network(dst)
        if ns is None:
            raise NotOwned(say("route.host", dst=dst))
        k.require_owned(ns, force, "add_route")
        if via is None and dev is None:
            raise InvalidAddress(say("route.needs_via_or_dev", dst=dst))
        spec: dict[str, Any] = {"dst": str(network), "proto": 3}  # boot, as `ip route add`
        said: dict[str, Any] = {}  # the options the command writes
        here = k.snapshot().ns(ns) or Namespace(None, "host", 0)
        if via is not None:
            gateway = names.check_ip(via)
            connected = [
                ipaddress.ip_interface(a.cidr).network
                for lk in here.links
                for a in lk.addresses
                if lk.up
            ]
            if not any(gateway in net for net in connected):
                have = ", ".join(sorted({str(n) for n in connected}))
                raise InvalidAddress(say(
                    "route.gateway_off_subnet", gateway=str(gateway), where=ns_label(ns),
                    have=have or say("word.none"),
                ))
            spec["gateway"] = str(gateway)
            said["via"] = str(gateway)
        if dev is not None:
            spec["oif"] = k.link(ns, dev, force=True, action="route_dev")
            said["dev"] = dev
            if via is None:  # as `ip route add DST dev X`: a directly connected route
                spec["scope"] = 253  # RT_SCOPE_LINK
        if any(r.dst == (dst if dst == "default" else str(network)) for r in here.routes):
            call = f"lab.exec({ns!r}, 'ip route del {dst}')"
            raise AlreadyExists(say("route.exists", where=ns_label(ns), dst=dst, call=call),
                                obj=dst, fix_call=call,
                                fix_ip=verbspec.default_enter(ns) + f"ip route del {dst}")
        k.nl.call(k.path(ns), "route", "add", **spec)
        shown = dst if dst == "default" else str(network)
        self._say(render_ip("add_route", (ns, shown), said))

    def fdb(self, ns: NsKey, bridge: str) -> Fdb:
        """bridge fdb show br BRIDGE: which MAC the bridge learned on which port."""
        from .bridge import read_fdb

        return read_fdb(self.kernel, ns, bridge)

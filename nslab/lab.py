"""Lab: the article's `ip` verbs on the real kernel, journaled and transcribed.

Each verb validates its input, checks that the object belongs to this lab,
records what it is about to create in the journal, asks the kernel (through
the netlink worker), and appends the equivalent `ip` command to the transcript.
Nothing about the network is kept in memory: `snapshot()` reads the kernel.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import os
import shlex
import shutil
import signal
import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import names
from ._netlink import NETNS_DIR, netns_path, nl
from ._record import recorded
from .containers import ContainerVerbs, _children
from .errors import (
    AlreadyExists,
    InvalidAddress,
    InvalidName,
    KernelError,
    NotFound,
    NotOwned,
    PrivilegeError,
    UnsafeTarget,
    did_you_mean,
)
from .journal import Entry, Journal, is_alive, process_start
from .nat import NatVerbs, remove_web_root
from .ping import PingResult, parse_ping
from .snapshot import Namespace, NsKey, Snapshot, ns_label
from .tutorial import explain_missing

if TYPE_CHECKING:
    from .bridge import Fdb
    from .capture import Capture
    from .diff import Changes

_EMPTY_NS = Namespace(None, "host", 0)

@dataclass(frozen=True)
class ExecResult:
    """What a command run inside a namespace printed. Shows its output as is."""

    command: str
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def __str__(self) -> str:
        return self.stdout + self.stderr

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self).rstrip("\n") or f"(no output; exit status {self.returncode})")


class Transcript:
    """The `ip` commands equivalent to what the lab did, in order."""

    def __init__(self) -> None:
        self._commands: list[str] = []

    def add(self, command: str) -> None:
        self._commands.append(command)

    def clear(self) -> None:
        self._commands.clear()

    def __iter__(self) -> Iterator[str]:
        return iter(self._commands)

    def __len__(self) -> int:
        return len(self._commands)

    def __getitem__(self, i: int) -> str:
        return self._commands[i]

    def script(self) -> str:
        """A bash script that rebuilds the lab from nothing."""
        return "#!/bin/bash\nset -euo pipefail\n" + "".join(c + "\n" for c in self._commands)

    def __str__(self) -> str:
        return "\n".join(self._commands)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self) or "(no commands yet)")


def _q(text: str) -> str:
    return shlex.quote(text)


def _in_ns(ns: NsKey, command: str) -> str:
    """The command as the article writes it: prefixed with `ip netns exec NS` if needed."""
    return command if ns is None else f"ip netns exec {_q(ns)} {command}"


class Lab(ContainerVerbs, NatVerbs):
    """A set of namespaces and links this process created, and the verbs to make them.

    `ns=None` everywhere means the namespace the kernel runs in (the article's host).
    """

    def __init__(self, name: str = "default") -> None:
        try:
            names.check_netns_name(name)
        except InvalidName as exc:
            raise InvalidName(str(exc).replace("Namespace name", "Lab name")) from None
        self.name = name
        self._nl = nl()
        self._journal = Journal.open(name)
        self.transcript = Transcript()
        self._history: list[tuple[str, tuple, dict]] = []
        self._checkpoints: dict[str, int] = {}
        self._replaying = False
        self._inner = 0  # >0 while a verb runs other verbs as its parts
        self._steps: Any = None  # a Tutorial, so errors can name the missing step
        self._seen = self.snapshot().lab_only()  # for what_changed()

    def _say(self, command: str) -> None:
        """Append to the transcript, unless this is a part of a bigger verb."""
        if not self._inner:
            self.transcript.add(command)

    @contextlib.contextmanager
    def _parts(self) -> Iterator[None]:
        """Run other verbs as parts of one: they record no history or transcript."""
        self._inner += 1
        try:
            yield
        finally:
            self._inner -= 1

    def __repr__(self) -> str:
        nss = self.owned_netns()
        return f"<Lab {self.name!r}: namespaces {nss}, {len(self.transcript)} commands>"

    # -- namespaces -----------------------------------------------------------------
    @recorded
    def add_netns(self, name: str) -> None:
        """ip netns add NAME"""
        names.check_netns_name(name)
        if os.path.exists(netns_path(name)):
            if self._journal.find("netns", name):
                step = self._steps.step_for("add_netns", name, done=True) if self._steps else None
                raise AlreadyExists(
                    f"Namespace {name!r} already exists (created by this lab"
                    f"{f' in step {step}' if step else ''}). Use it as it is, or start over "
                    "with lab.reset()."
                )
            other = next(
                (j for j in Journal.all() if j.lab != self.name and j.find("netns", name)), None
            )
            if other is not None:
                state = "still open" if other.owner_alive else "left by a process that ended"
                raise AlreadyExists(
                    f"Namespace {name!r} already exists: it belongs to lab {other.lab!r} "
                    f"({state}). Reset that lab first (its last cell: lab.reset()), or run "
                    "`nslab cleanup` for labs whose process ended."
                )
            raise AlreadyExists(
                f"Namespace {name!r} already exists (not created by this lab). Delete it with "
                f"lab.delete_netns({name!r}, force=True) or pick another name."
            )
        entry = self._journal.add("netns", name)
        try:
            inode = self._nl.create_netns(name)
        except BaseException:
            self._journal.remove(entry)
            raise
        self._journal.update(entry, inode=inode)
        self._say(f"ip netns add {_q(name)}")

    def list_netns(self) -> list[str]:
        """ip netns list: every named namespace on the machine, sorted."""
        try:
            return sorted(os.listdir(NETNS_DIR))
        except FileNotFoundError:
            return []

    def owned_netns(self) -> list[str]:
        """The named namespaces this lab created (and that still exist)."""
        return [e["name"] for e in self._journal.of_kind("netns")]

    @recorded
    def delete_netns(self, name: str, *, force: bool = False) -> None:
        """ip netns delete NAME"""
        self._path(name)  # validates and raises NotFound with a hint
        entry = self._journal.find("netns", name)
        if entry is None and not force:
            raise NotOwned(
                f"Namespace {name!r} was not created by this lab, so nslab will not delete "
                f"it. If you really mean to, use lab.delete_netns({name!r}, force=True)."
            )
        self._nl.delete_netns(name)
        if entry:
            self._journal.remove(entry)
        for link in [e for e in self._journal.of_kind("link") if e.get("ns") == name]:
            self._journal.remove(link)
        self._say(f"ip netns delete {_q(name)}")

    # -- running commands -------------------------------------------------------------
    def exec(self, ns: NsKey, command: str | Sequence[str], *, timeout: float = 30) -> ExecResult:
        """ip netns exec NS COMMAND: run a real command inside the namespace."""
        argv = shlex.split(command) if isinstance(command, str) else list(command)
        if not argv:
            raise ValueError("The command is empty. Pass one such as 'ip a'.")
        shown = command if isinstance(command, str) else shlex.join(argv)
        full = self._enter_argv(ns) + argv
        if ns is not None:  # so `ip a` shows the states the kernel settles on
            self._nl.settle(self._path(ns))
        try:
            if shutil.which(argv[0]) is None:  # else `ip netns exec` runs, and only fails
                raise FileNotFoundError(argv[0])
            proc = subprocess.run(full, capture_output=True, text=True, timeout=timeout)
        except FileNotFoundError:
            raise NotFound(
                f"Command {argv[0]!r} is not installed. Install it (e.g. apt-get install "
                "iproute2 iputils-ping) and try again."
            ) from None
        return ExecResult(_in_ns(ns, shown), proc.returncode, proc.stdout, proc.stderr)

    def _enter_argv(self, ns: NsKey) -> list[str]:
        path = self._path(ns)
        # nsenter, not `ip netns exec`: that one also remounts /sys, which fails in a
        # user namespace inside an unprivileged container (the rootless sandbox there)
        return [] if path is None else ["nsenter", f"--net={path}", "--"]

    def ping(
        self, ns: NsKey, target: str, *, count: int = 1, timeout: float = 2.0
    ) -> PingResult:
        """ip netns exec NS ping -c COUNT TARGET, only to addresses inside the lab."""
        ip = names.check_ip(target)
        if not 1 <= count <= 100:
            raise ValueError(f"count={count} is out of range. Use 1 to 100 pings.")
        self._check_target(ns, ip)
        argv = ["ping", "-n", "-c", str(count), "-i", "0.2", "-W", str(timeout), str(ip)]
        result = self.exec(ns, argv, timeout=timeout * count + 5)
        if "ping:" in result.stderr and "Operation not permitted" in result.stderr:
            raise PrivilegeError(
                f"ping in {ns_label(ns)} was refused: it needs CAP_NET_RAW. Run as root, or in "
                "Docker add `--cap-add NET_RAW`."
            )
        return parse_ping(result.stdout, str(ip))

    def _check_target(self, ns: NsKey, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
        """Refuse traffic that could leave the lab's own namespaces."""
        self._path(ns)
        if ip.is_loopback:
            return
        snap = self.snapshot()
        lab_links = [
            (n.key, lk) for n in snap.namespaces for lk in n.links if n.owned or lk.owned
        ]
        lab_addrs = {
            ipaddress.ip_interface(a.cidr) for _, lk in lab_links for a in lk.addresses
        }
        source = snap.ns(ns)
        source_owned = source is not None and source.owned
        in_lab = any(a.ip == ip for a in lab_addrs)
        on_lab_subnet = source_owned and any(
            ip in ipaddress.ip_interface(a.cidr).network
            for lk in source.links
            for a in lk.addresses
        )
        if not source_owned:
            try:
                out = self._nl.call(self._path(ns), "route", "get", dst=str(ip))
            except OSError:  # no route at all (ENETUNREACH): not through the lab either
                out = None
            oif = out[0].get_attr("RTA_OIF") if out else None
            via_lab = any(k == ns and lk.index == oif for k, lk in lab_links)
            if not (in_lab and via_lab):
                raise UnsafeTarget(
                    f"nslab will not send traffic from {ns_label(ns)} to {ip}: the route "
                    "there does not go through an interface of this lab, so packets could "
                    "leave the machine. Ping from one of the lab's namespaces instead, e.g. "
                    f"lab.ping({(self.owned_netns() or ['test1'])[0]!r}, ...)."
                )
            return
        host = snap.host or _EMPTY_NS
        if any(ipaddress.ip_interface(a.cidr).ip == ip
               for lk in host.links if not lk.owned for a in lk.addresses):
            raise UnsafeTarget(
                f"{ip} is an address of this machine's own network (host interface), not of "
                "the lab. nslab sends traffic only inside the lab: pick another address."
            )
        if not (in_lab or on_lab_subnet):
            known = ", ".join(sorted(str(a.ip) for a in lab_addrs)) or "none yet"
            raise UnsafeTarget(
                f"nslab sends traffic only to addresses inside this lab, and {ip} is not one "
                f"of them (lab addresses: {known}). Give it to an interface of the lab first, "
                "e.g. lab.add_addr(NS, IFNAME, 'ADDR/PREFIX')."
            )

    # -- links ------------------------------------------------------------------------
    @recorded
    def set_up(self, ns: NsKey, ifname: str, *, force: bool = False) -> None:
        """ip netns exec NS ip link set dev IFNAME up"""
        self._set_state(ns, ifname, "up", force)

    @recorded
    def set_down(self, ns: NsKey, ifname: str, *, force: bool = False) -> None:
        """ip netns exec NS ip link set dev IFNAME down"""
        self._set_state(ns, ifname, "down", force)

    def _set_state(self, ns: NsKey, ifname: str, state: str, force: bool) -> None:
        if self._owns_ns(ns):  # any link in it is the lab's: let the kernel find it by name
            names.check_ifname(ifname)
            try:
                self._nl.call(self._path(ns), "link", "set", ifname=ifname, state=state)
            except NotFound:
                raise NotFound(self._missing_link(ns, ifname)) from None
        else:
            index = self._link(ns, ifname, force=force, action=f"bring it {state}")
            self._nl.call(self._path(ns), "link", "set", index=index, state=state)
        self._say(_in_ns(ns, f"ip link set dev {_q(ifname)} {state}"))

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
        if peer_ns is ...:  # not given: the peer goes where NAME goes (None is the host)
            peer_ns = ns
        names.check_ifname(name)
        names.check_ifname(peer)
        if name == peer and ns == peer_ns:
            raise AlreadyExists(
                f"Both ends of the veth pair are called {name!r}. Give the peer another "
                f"name, e.g. lab.add_veth({name!r}, {name + '-peer'[: 15 - len(name)]!r})."
            )
        for where in (ns, peer_ns):
            self._require_ns_owned(where, force, "add a veth end to")
        first = self._journal.add("link", name, ns=ns, peer=peer)
        second = self._journal.add("link", peer, ns=peer_ns, peer=name)
        try:
            peer_spec: dict[str, Any] = {"ifname": peer}
            if peer_ns != ns:
                peer_spec["net_ns_fd"] = self._path(peer_ns)
            self._nl.call(self._path(ns), "link", "add", ifname=name, kind="veth", peer=peer_spec)
        except BaseException as exc:
            self._journal.remove(first)
            self._journal.remove(second)
            if isinstance(exc, AlreadyExists):  # the kernel's EEXIST: say which end clashes
                for where, ifname in ((ns, name), (peer_ns, peer)):
                    if self._nl.link_index(self._path(where), ifname) is not None:
                        raise AlreadyExists(
                            f"Interface {ifname!r} already exists in {ns_label(where)}. Pick "
                            f"another name, or delete it first with "
                            f"lab.delete_link({where!r}, {ifname!r})."
                        ) from None
            raise
        self._remember_index(first, ns)
        self._remember_index(second, peer_ns)
        where_peer = "" if peer_ns == ns else f" netns {_q(self._ns_arg(peer_ns))}"
        self._say(
            _in_ns(ns, f"ip link add name {_q(name)} type veth peer name {_q(peer)}{where_peer}")
        )

    @recorded
    def delete_link(self, ns: NsKey, ifname: str, *, force: bool = False) -> None:
        """ip link delete dev IFNAME (a veth takes its peer with it)"""
        index = self._link(ns, ifname, force=force, action="delete it")
        self._nl.call(self._path(ns), "link", "del", index=index)
        entry = self._journal.find("link", ifname, ns=ns)
        if entry:
            peer = self._journal.find("link", entry.get("peer", ""))
            self._journal.remove(entry)
            if peer and peer.get("peer") == ifname:
                self._journal.remove(peer)
        self._say(_in_ns(ns, f"ip link delete dev {_q(ifname)}"))

    @recorded
    def move(self, ifname: str, ns: NsKey, *, src: NsKey = None, force: bool = False) -> None:
        """ip link set IFNAME netns NS (from `src`, the host by default)"""
        index = self._link(src, ifname, force=force, action=f"move it to {ns_label(ns)}", target=ns)
        if ns == src:
            raise AlreadyExists(f"Interface {ifname!r} is already in {ns_label(ns)}.")
        self._require_ns_owned(ns, force, "move an interface into")
        target = self._path(ns)
        try:
            self._nl.call(self._path(src), "link", "set", index=index, net_ns_fd=target)
        except AlreadyExists:
            raise AlreadyExists(
                f"{ns_label(ns)} already has an interface named {ifname!r}, so {ifname!r} "
                f"cannot move there. Rename or delete one of them first."
            ) from None
        except KernelError as exc:
            if exc.errno != errno.EINVAL:
                raise
            raise KernelError(errno.EINVAL, (
                f"Interface {ifname!r} cannot leave {ns_label(src)}: the kernel keeps some "
                "interfaces (lo, bridges) in the namespace they were made in. Move a veth "
                "end instead."
            )) from None
        entry = self._journal.find("link", ifname, ns=src)
        if entry:
            self._journal.update(entry, ns=ns)
        elif ns is None:  # a link of a lab namespace now lives in the host: remember it
            entry = self._journal.add("link", ifname, ns=None)
        if entry:
            self._remember_index(entry, ns)
        self._say(
            _in_ns(src, f"ip link set dev {_q(ifname)} netns {_q(self._ns_arg(ns))}")
        )

    # -- addresses ------------------------------------------------------------------
    @recorded
    def add_addr(self, ns: NsKey, ifname: str, cidr: str, *, force: bool = False) -> None:
        """ip netns exec NS ip addr add CIDR dev IFNAME"""
        iface = names.check_interface_address(cidr)
        index = self._link(ns, ifname, force=force, action="add an address to it")
        try:
            self._nl.call(
                self._path(ns), "addr", "add",
                index=index, address=str(iface.ip), prefixlen=iface.network.prefixlen,
            )
        except AlreadyExists:
            raise AlreadyExists(
                f"{iface} is already on {ifname} in {ns_label(ns)}. Nothing to do; to change "
                f"it, remove it first with lab.del_addr({ns!r}, {ifname!r}, '{iface}')."
            ) from None
        self._say(_in_ns(ns, f"ip addr add {iface} dev {_q(ifname)}"))

    @recorded
    def del_addr(self, ns: NsKey, ifname: str, cidr: str, *, force: bool = False) -> None:
        """ip netns exec NS ip addr del CIDR dev IFNAME"""
        iface = names.check_interface_address(cidr)
        index = self._link(ns, ifname, force=force, action="remove an address from it")
        present = self._addresses(ns, index)
        if iface not in present:
            have = ", ".join(str(a) for a in present) or "none"
            raise NotFound(
                f"{iface} is not on {ifname} in {ns_label(ns)} (its addresses: {have}). "
                "Check the address and its prefix length."
            )
        self._nl.call(
            self._path(ns), "addr", "del",
            index=index, address=str(iface.ip), prefixlen=iface.network.prefixlen,
        )
        self._say(_in_ns(ns, f"ip addr del {iface} dev {_q(ifname)}"))

    def _addresses(self, ns: NsKey, index: int) -> list[ipaddress.IPv4Interface]:
        return [
            ipaddress.ip_interface(f"{a['local'] or a['address']}/{a['prefixlen']}")
            for a in self._nl.dump(self._path(ns))["addrs"]
            if a["index"] == index
        ]

    # -- bridges and routes ------------------------------------------------------
    @recorded
    def add_bridge(self, ns: NsKey, name: str, *, force: bool = False) -> None:
        """ip netns exec NS ip link add name NAME type bridge"""
        names.check_ifname(name)
        self._require_ns_owned(ns, force, "add a bridge to")
        if self._nl.link_index(self._path(ns), name) is not None:
            raise AlreadyExists(
                f"Interface {name!r} already exists in {ns_label(ns)}. Pick another name."
            )
        entry = self._journal.add("link", name, ns=ns)
        try:
            # a fixed MAC, as Docker gives docker0: else the bridge takes its lowest
            # port's MAC and changes it whenever a port comes or goes
            mac = "02:" + ":".join(f"{b:02x}" for b in os.urandom(5))
            self._nl.call(self._path(ns), "link", "add", ifname=name, kind="bridge", address=mac)
        except BaseException:
            self._journal.remove(entry)
            raise
        self._remember_index(entry, ns)
        self._say(_in_ns(ns, f"ip link add name {_q(name)} type bridge"))

    @recorded
    def set_master(
        self, ns: NsKey, ifname: str, master: str | None, *, force: bool = False
    ) -> None:
        """ip netns exec NS ip link set dev IFNAME master BRIDGE (None: nomaster)"""
        index = self._link(ns, ifname, force=force, action="attach it to a bridge")
        if master is None:
            self._nl.call(self._path(ns), "link", "set", index=index, master=0)
            self._say(_in_ns(ns, f"ip link set dev {_q(ifname)} nomaster"))
            return
        bridge = self._link(ns, master, force=force, action="use it as a bridge")
        kinds = {d["index"]: d["kind"] for d in self._nl.dump(self._path(ns))["links"]}
        if kinds.get(bridge) != "bridge":
            raise InvalidName(
                f"{master!r} in {ns_label(ns)} is a {kinds.get(bridge)}, not a bridge. Create "
                f"one with lab.add_bridge({ns!r}, 'br0') and attach ports to it."
            )
        self._nl.call(self._path(ns), "link", "set", index=index, master=bridge)
        self._say(_in_ns(ns, f"ip link set dev {_q(ifname)} master {_q(master)}"))

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
        network = names.check_network(dst)
        if ns is None:
            raise NotOwned(
                f"nslab never changes the host's routes, so it will not add a route to {dst} "
                "there. Add it inside one of the lab's namespaces instead."
            )
        self._require_ns_owned(ns, force, "add a route to")
        if via is None and dev is None:
            raise InvalidAddress(
                f"A route to {dst} needs a gateway or an interface: pass via='ADDR' (a "
                "neighbour on a connected subnet) or dev='IFNAME'."
            )
        spec: dict[str, Any] = {"dst": str(network), "proto": 3}  # boot, as `ip route add`
        words = [f"ip route add {dst if dst == 'default' else network}"]
        here = self.snapshot().ns(ns) or _EMPTY_NS
        if via is not None:
            gateway = names.check_ip(via)
            connected = [
                ipaddress.ip_interface(a.cidr).network
                for lk in here.links
                for a in lk.addresses
                if lk.up
            ]
            if not any(gateway in net for net in connected):
                have = ", ".join(sorted({str(n) for n in connected})) or "none"
                raise InvalidAddress(
                    f"Gateway {gateway} is not on a subnet connected to {ns_label(ns)} "
                    f"(connected: {have}), so the kernel cannot reach it. Add an address in "
                    "its subnet and bring that link up first, or pick a neighbour's address."
                )
            spec["gateway"] = str(gateway)
            words.append(f"via {gateway}")
        if dev is not None:
            spec["oif"] = self._link(ns, dev, force=True, action="route through it")
            words.append(f"dev {_q(dev)}")
        if any(r.dst == (dst if dst == "default" else str(network)) for r in here.routes):
            raise AlreadyExists(
                f"{ns_label(ns)} already has a route to {dst}. Remove it first with "
                f"lab.exec({ns!r}, 'ip route del {dst}') or choose another destination."
            )
        self._nl.call(self._path(ns), "route", "add", **spec)
        self._say(_in_ns(ns, " ".join(words)))

    def fdb(self, ns: NsKey, bridge: str) -> Fdb:
        """bridge fdb show br BRIDGE: which MAC the bridge learned on which port."""
        from .bridge import read_fdb

        return read_fdb(self, ns, bridge)

    # -- reading ----------------------------------------------------------------------
    def snapshot(self, *, everything: bool = False) -> Snapshot:
        """What the kernel holds now: the host and this lab's namespaces, with their
        links, addresses and routes (`everything=True`: every namespace on the machine)."""
        from .snapshot import read_snapshot

        return read_snapshot(self, everything=everything)

    def draw(self, *, everything: bool = False, **options: Any) -> Any:
        """The live topology as a graphviz.Graph: the host and this lab's namespaces
        (`everything=True`: every namespace on the machine). See nslab.draw.draw."""
        from .draw import draw

        snap = self.snapshot(everything=everything)
        return draw(snap if everything else snap.lab_only(), **options)

    def what_changed(self) -> Changes:
        """What changed in this lab's namespaces since the last call (or since Lab())."""
        now = self.snapshot().lab_only()
        before, self._seen = self._seen, now
        return now - before

    def show(self) -> Any:
        """The drawing with what changed since the last show() marked, and the list."""
        from .view import StepView

        changes = self.what_changed()
        return StepView(self.draw(changes=changes), changes)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        return self.draw()._repr_mimebundle_(include, exclude)

    def capture(
        self, ns: NsKey, ifname: str, *, filter: str | None = None, force: bool = False
    ) -> Capture:
        """tcpdump -i IFNAME inside NS, as a context manager: the packets that crossed
        the interface while the body ran, as a table and a sequence drawing."""
        from .capture import capture

        self._link(ns, ifname, force=force, action="capture on it")
        return capture(self._path(ns), ifname, label=ns_label(ns), filter=filter)

    # -- checkpoints ------------------------------------------------------------------
    def checkpoint(self, name: str) -> None:
        """Remember the lab as it is now; lab.restore(name) rebuilds it from a clean lab."""
        self._checkpoints[name] = len(self._history)

    def restore(self, name: str) -> None:
        """Reset, then replay every verb up to checkpoint `name`."""
        if name not in self._checkpoints:
            raise NotFound(
                f"No checkpoint called {name!r}.{did_you_mean(name, self._checkpoints)} "
                f"Save one first with lab.checkpoint({name!r})."
            )
        self.replay(self._history[: self._checkpoints[name]])

    def replay(self, calls: list[tuple[str, tuple, dict]]) -> None:
        """Reset, then perform `calls` (method name, args, kwargs) in order."""
        keep = dict(self._checkpoints)
        self.reset()
        self._checkpoints = keep
        self._replaying = True
        try:
            for method, args, kwargs in calls:
                getattr(self, method)(*args, **kwargs)
                self._history.append((method, args, kwargs))
        finally:
            self._replaying = False

    # -- cleanup ----------------------------------------------------------------------
    def reset(self) -> list[str]:
        """Remove everything THIS lab created, nothing else. Returns what was removed."""
        removed = teardown(self._journal)
        self._seen = self.snapshot().lab_only()
        self.transcript.clear()
        self._history.clear()
        self._checkpoints.clear()
        return removed

    # -- helpers ----------------------------------------------------------------------
    def _path(self, ns: NsKey) -> str | None:
        """The filesystem path of a namespace key; NotFound with a hint if it is missing."""
        if ns is None:
            return None
        if not isinstance(ns, str):
            raise InvalidName(
                f"Namespace {ns!r} is a {type(ns).__name__}; pass a name such as 'test1', "
                "or None for the host."
            )
        if ns.startswith("@"):
            return self._container_path(ns[1:])
        names.check_netns_name(ns)
        path = netns_path(ns)
        if not os.path.exists(path):
            step = explain_missing(self, "add_netns", ns)
            raise NotFound(
                f"Namespace {ns!r} does not exist.{did_you_mean(ns, self.list_netns())} "
                f"Create it with lab.add_netns({ns!r}).{step}"
            )
        return path

    def _container_path(self, name: str) -> str:
        entry = self._journal.find("process", name)
        if entry is None or not is_alive(entry.get("pid"), entry.get("start")):
            known = [e["name"] for e in self._journal.of_kind("process")]
            raise NotFound(
                f"Container {name!r} is not running in this lab.{did_you_mean(name, known)} "
                f"Start it with lab.run_container({name!r})."
            )
        return f"/proc/{entry['pid']}/ns/net"

    def _ns_arg(self, ns: NsKey) -> str:
        """How `ip link set ... netns X` names a namespace: its name, or a PID."""
        if ns is None:
            return "1"
        if ns.startswith("@"):
            return str(self._journal.find("process", ns[1:])["pid"])  # type: ignore[index]
        return ns

    def _remember_index(self, entry: Entry, ns: NsKey) -> None:
        """Journal the ifindex of a link in the host, so cleanup can tell it is ours.

        Links inside the lab's namespaces go with them; they need no identity check.
        """
        index = self._nl.link_index(None, entry["name"]) if ns is None else None
        if entry.get("index") != index:
            self._journal.update(entry, index=index)

    def _owns_ns(self, ns: NsKey) -> bool:
        if ns is None:
            return False
        if ns.startswith("@"):
            return self._journal.find("process", ns[1:]) is not None
        return self._journal.find("netns", ns) is not None

    def _require_ns_owned(self, ns: NsKey, force: bool, action: str) -> None:
        """Creating in the host is allowed (journaled); other namespaces must be ours."""
        self._path(ns)
        if ns is None or force or self._owns_ns(ns):
            return
        raise NotOwned(
            f"Namespace {ns!r} was not created by this lab, so nslab will not {action} it. "
            "Use a namespace of this lab, or pass force=True if you really mean it."
        )

    def _link(
        self, ns: NsKey, ifname: str, *, force: bool, action: str, target: NsKey = "",
    ) -> int:
        """The ifindex of IFNAME in NS, after checking that this lab may change it."""
        names.check_ifname(ifname)
        path = self._path(ns)
        index = self._nl.link_index(path, ifname)
        if index is None:
            raise NotFound(self._missing_link(ns, ifname, target))
        journaled = self._journal.find("link", ifname, ns=ns) is not None
        if not (force or journaled or self._owns_ns(ns)):
            raise NotOwned(
                f"Interface {ifname!r} in {ns_label(ns)} was not created by this lab, so "
                f"nslab will not {action}. Pass force=True if you really mean it."
            )
        return index

    def _missing_link(self, ns: NsKey, ifname: str, target: NsKey = "") -> str:
        """Why IFNAME is not in NS: it is elsewhere (say how to get on) or a typo.

        `target` is set when the caller was moving IFNAME out of NS to `target`.
        """
        elsewhere = [
            key for key in [None, *self.owned_netns()]
            if key != ns and self._nl.link_index(self._path(key), ifname) is not None
        ]
        if elsewhere:
            at = elsewhere[0]
            src = "" if at is None else f", src={at!r}"
            if target != "":  # a move from the wrong place: name the right source
                fix = f"Move it from there with lab.move({ifname!r}, {target!r}{src})."
            else:
                step = explain_missing(self, "move", ifname, ns).strip()
                fix = f"{step or 'Move it first:'} lab.move({ifname!r}, {ns!r}{src})."
                if step:
                    fix = f"{step[:-1]}: lab.move({ifname!r}, {ns!r}{src})."
            yet = "" if target != "" else " yet"
            return (
                f"Interface {ifname!r} is not in {ns_label(ns)}{yet}: it is in "
                f"{ns_label(at)}. {fix}"
            )
        here = [d["name"] for d in self._nl.dump(self._path(ns))["links"]]
        step = explain_missing(self, "add_veth", ifname)
        return (
            f"Interface {ifname!r} does not exist in {ns_label(ns)}."
            f"{did_you_mean(ifname, here)} Create it with lab.add_veth(...) first.{step}"
        )

    # -- the article's commands as typed (branch browser: nslab/shell.py) -------------
    def sh(self, commands: str) -> Any:
        """Run `ip ...` lines as the article writes them, each through one verb of this
        lab (`lab.sh("ip netns add test1")`); see nslab.shell."""
        from .shell import run

        return run(self, commands)


def teardown(journal: Journal) -> list[str]:
    """Remove exactly what `journal` lists, newest first, checking each object's identity."""
    netlink = nl()
    removed: list[str] = []
    done: list[Entry] = []
    doomed = {e["name"] for e in journal.of_kind("netns")}
    try:
        for entry in reversed(list(journal.entries)):
            # a link inside a namespace that goes too needs no delete of its own (~20 ms)
            if not (entry["kind"] == "link" and entry.get("ns") in doomed):
                what = _remove_entry(netlink, entry)
                if what:
                    removed.append(what)
            done.append(entry)
    finally:  # one write at the end; after a crash half-way, cleanup skips what is gone
        journal.entries = [e for e in journal.entries if not any(e is d for d in done)]
        journal.save()
    return removed


def _remove_entry(netlink: Any, entry: Entry) -> str | None:
    kind, name = entry["kind"], entry["name"]
    if kind in ("process", "server"):  # a container, or a web server (nat.serve_http)
        pid = entry.get("pid")  # missing if the lab died between journaling and starting it
        alive = pid is not None and is_alive(pid, entry.get("start"))
        if alive:
            os.killpg(pid, signal.SIGKILL)  # its own session: the shell and its sleep
            child = _children.pop(pid, None)
            if child is not None:
                child.wait()  # ours: reap it; a crashed lab's is reaped by its new parent
        if kind == "server":
            remove_web_root(entry)
            return f"web server {name} (PID {pid})" if alive else None
        return f"container {name} (PID {pid})" if alive else None
    if kind == "netns":
        path = netns_path(name)
        try:
            inode = os.stat(path).st_ino
        except FileNotFoundError:
            return None
        if entry.get("inode") not in (None, inode):
            return None  # the name now belongs to another namespace: not ours
        netlink.delete_netns(name)
        return f"namespace {name}"
    if kind == "link":
        ns = entry.get("ns")
        path = None if ns is None else netns_path(ns)
        if ns is not None and (ns.startswith("@") or not os.path.exists(path)):
            return None  # died with its namespace
        index = netlink.link_index(path, name)
        if index is None or entry.get("index") not in (None, index):
            return None
        try:
            netlink.call(path, "link", "del", index=index)
        except NotFound:
            return None  # its veth peer went first and took it along
        return f"link {name} in {ns_label(ns)}"
    return None


def cleanup(*, include_live: bool = False) -> list[str]:
    """Remove the leftovers of crashed labs (journals whose owner process is gone)."""
    from .journal import Journal as _J

    removed: list[str] = []
    for journal in _J.all():
        if journal.owner_alive and not include_live:
            continue
        removed += [f"{journal.lab}: {what}" for what in teardown(journal)]
        journal.delete()
    return removed


__all__ = ["Lab", "ExecResult", "Transcript", "cleanup", "teardown", "process_start"]

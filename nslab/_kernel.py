"""The kernel layer (private): the only door from the Lab verbs to the kernel.

It owns, for one lab:

- the journal (what the lab made, on disk, written before each create);
- the netlink worker handle (`_netlink.py`, the only pyroute2 user, sits below);
- namespace keys -> paths (`None` host, `"test1"`, `"@web"` a container's hidden one);
- ownership: may this lab change that namespace or link?
- reading the kernel into a `Snapshot` (snapshot.py is only the data model);
- removal: teardown of exactly what a journal lists, and the settled-state wait after it.

The verb modules (lab, links, containers, nat, bridge, capture) call only this
layer's public names; none reaches into another's privates.
"""

from __future__ import annotations

import ipaddress
import os
import shlex
import signal
import subprocess
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import _tools, names
from ._netlink import NETNS_DIR, Netlink, netns_path, nl, settled_operstate
from ._wait import Patience
from .errors import CorruptJournal, InvalidName, NotFound, NotOwned, UnsafeTarget, did_you_mean
from .journal import Entry, Journal, is_alive
from .messages import say
from .snapshot import Address, Link, Namespace, NsKey, Peer, Route, Snapshot, ns_label
from .verbspec import HOST_NETNS, fix, refusal_key

NAT_TABLE = "nslab"  # nft table `ip nslab`, inside a lab namespace
WWW = "www"  # web roots live in state_dir()/www/LAB-NS-PORT
# How long to wait, at most, on an idle machine, for the kernel to remove what a deletion took
# along: usually milliseconds; the bound stretches with the load (nslab._wait.Patience).
SETTLE_TIMEOUT = 5.0

# Popen objects of the processes this Python process started (containers, web servers),
# by PID, so they are reaped when removed (and raise no ResourceWarning).
children: dict[int, subprocess.Popen] = {}


def q(text: str) -> str:
    """A word of an `ip` command, quoted for the shell if it needs it."""
    return shlex.quote(text)


def in_ns(ns: NsKey, command: str) -> str:
    """The command as the article writes it: prefixed with `ip netns exec NS` if needed."""
    return command if ns is None else f"ip netns exec {q(ns)} {command}"


def list_netns() -> list[str]:
    """ip netns list: every named namespace on the machine, sorted."""
    try:
        return sorted(os.listdir(NETNS_DIR))
    except FileNotFoundError:
        return []


def refusal_ns(action: str, **fields: Any) -> str:
    """Why the lab will not ACT in a namespace it did not create (one sentence per act,
    declared in nslab.verbspec)."""
    return say(refusal_key("netns", action), **fields)


def refusal_link(action: str, **fields: Any) -> str:
    """Why the lab will not ACT on a link it did not create (one sentence per act,
    declared in nslab.verbspec)."""
    return say(refusal_key("link", action), **fields)


class Kernel:
    """One lab's view of the kernel: its journal, the worker, paths and ownership."""

    def __init__(self, lab: str) -> None:
        self.nl: Netlink = nl()
        self.journal = Journal.open(lab)
        # who can name the step that makes a missing object (a Tutorial), or None
        self.steps: Any = None

    # -- steps ------------------------------------------------------------------------
    def step_for(self, verb: str, *args: Any, done: bool = False) -> str | None:
        return self.steps.step_for(verb, *args, done=done) if self.steps else None

    def run_step_first(self, verb: str, *args: Any) -> str:
        """'Run step S13 first.' when a tutorial is attached and a step makes it, else ''."""
        step = self.step_for(verb, *args)
        return say("lab.run_step_first", step=step) if step else ""

    # -- namespaces: keys, paths, ownership -------------------------------------------
    def owned_netns(self) -> list[str]:
        """The named namespaces this lab created."""
        return [e["name"] for e in self.journal.of_kind("netns")]

    def path(self, ns: NsKey) -> str | None:
        """The filesystem path of a namespace key; NotFound with a hint if it is missing."""
        if ns is None:
            return None
        if not isinstance(ns, str):
            raise InvalidName(say("netns.key_type", key=ns, type=type(ns).__name__))
        if ns.startswith("@"):
            return self.container_path(ns[1:])
        names.check_netns_name(ns)
        path = netns_path(ns)
        if not os.path.exists(path):
            raise NotFound(say(
                "netns.missing", name=ns, hint=did_you_mean(ns, list_netns()),
                step=self.run_step_first("add_netns", ns),
            ), obj=ns, **fix("add_netns", ns))
        return path

    def container_path(self, name: str) -> str:
        entry = self.journal.find("process", name)
        if entry is None or not is_alive(entry.get("pid"), entry.get("start")):
            known = [e["name"] for e in self.journal.of_kind("process")]
            raise NotFound(say("container.missing", name=name, hint=did_you_mean(name, known)))
        return f"/proc/{entry['pid']}/ns/net"

    def ns_arg(self, ns: NsKey) -> str:
        """How `ip link set ... netns X` names a namespace in the transcript.

        The host is written as the script's own namespace, `/proc/$$/ns/net` (left
        unquoted, so bash fills in its PID): `netns 1` would be PID 1's namespace, which
        is not the host inside the rootless sandbox.
        """
        if ns is None:
            return HOST_NETNS
        if ns.startswith("@"):
            return str(self.journal.find("process", ns[1:])["pid"])  # type: ignore[index]
        return q(ns)

    def enter_argv(self, ns: NsKey) -> list[str]:
        """The argv prefix that runs a command inside NS."""
        path = self.path(ns)
        # nsenter, not `ip netns exec`: that one also remounts /sys, which fails in a
        # user namespace inside an unprivileged container (the rootless sandbox there)
        return [] if path is None else [_tools.tool("nsenter"), f"--net={path}", "--"]

    def owns(self, ns: NsKey) -> bool:
        if ns is None:
            return False
        if ns.startswith("@"):
            return self.journal.find("process", ns[1:]) is not None
        return self.journal.find("netns", ns) is not None

    def require_owned(self, ns: NsKey, force: bool, action: str) -> None:
        """Creating in the host is allowed (journaled); other namespaces must be ours."""
        self.path(ns)
        if ns is None or force or self.owns(ns):
            return
        raise NotOwned(refusal_ns(action, name=ns), obj=ns)

    # -- links ------------------------------------------------------------------------
    def link(
        self, ns: NsKey, ifname: str, *, force: bool, action: str, target: NsKey = "",
    ) -> int:
        """The ifindex of IFNAME in NS, after checking that this lab may change it."""
        names.check_ifname(ifname)
        path = self.path(ns)
        index = self.nl.link_index(path, ifname)
        if index is None:
            raise NotFound(self.missing_link(ns, ifname, target), obj=ifname)
        journaled = self.journal.find("link", ifname, ns=ns) is not None
        if not (force or journaled or self.owns(ns)):
            raise NotOwned(refusal_link(action, name=ifname, where=ns_label(ns),
                                        target=ns_label(target or None)), obj=ifname)
        return index

    def missing_link(self, ns: NsKey, ifname: str, target: NsKey = "") -> str:
        """Why IFNAME is not in NS: it is elsewhere (say how to get on) or a typo.

        `target` is set when the caller was moving IFNAME out of NS to `target`.
        """
        elsewhere = [
            key for key in [None, *self.owned_netns()]
            if key != ns and self.nl.link_index(self.path(key), ifname) is not None
        ]
        if elsewhere:
            at = elsewhere[0]
            src = "" if at is None else f", src={at!r}"
            if target != "":  # a move from the wrong place: name the right source
                return say("link.elsewhere_move", name=ifname, where=ns_label(ns),
                           at=ns_label(at), call=f"lab.move({ifname!r}, {target!r}{src})")
            step = self.step_for("move", ifname, ns)
            call = f"lab.move({ifname!r}, {ns!r}{src})"
            if step:
                return say("link.elsewhere_step", name=ifname, where=ns_label(ns),
                           at=ns_label(at), step=step, call=call)
            return say("link.elsewhere", name=ifname, where=ns_label(ns), at=ns_label(at),
                       call=call)
        here = [d["name"] for d in self.nl.dump(self.path(ns))["links"]]
        return say("link.missing", name=ifname, where=ns_label(ns),
                   hint=did_you_mean(ifname, here), step=self.run_step_first("add_veth", ifname))

    def remember_index(self, entry: Entry, ns: NsKey) -> None:
        """Journal the ifindex of a link in the host, so cleanup can tell it is ours.

        Links inside the lab's namespaces go with them; they need no identity check.
        """
        index = self.nl.link_index(None, entry["name"]) if ns is None else None
        if entry.get("index") != index:
            self.journal.update(entry, index=index)

    # -- safety -----------------------------------------------------------------------
    def check_target(self, ns: NsKey, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> None:
        """Refuse traffic that could leave the lab's own namespaces."""
        self.path(ns)
        if ip.is_loopback:
            return
        snap = self.snapshot()
        lab_links = [
            (n.key, lk) for n in snap.namespaces for lk in n.links if n.owned or lk.owned
        ]
        lab_addrs = {ipaddress.ip_interface(a.cidr) for _, lk in lab_links for a in lk.addresses}
        source = snap.ns(ns)
        source_owned = source is not None and source.owned
        in_lab = any(a.ip == ip for a in lab_addrs)
        on_lab_subnet = source_owned and any(
            ip in ipaddress.ip_interface(a.cidr).network for lk in source.links
            for a in lk.addresses
        )
        if not source_owned:
            try:
                out = self.nl.call(self.path(ns), "route", "get", dst=str(ip))
            except OSError:  # no route at all (ENETUNREACH): not through the lab either
                out = None
            oif = out[0].get_attr("RTA_OIF") if out else None
            via_lab = any(k == ns and lk.index == oif for k, lk in lab_links)
            if not (in_lab and via_lab):
                example = (self.owned_netns() or ["test1"])[0]
                raise UnsafeTarget(say("target.off_lab_route", where=ns_label(ns), ip=ip,
                                       call=f"lab.ping({example!r}, ...)"))
            return
        host = snap.host or Namespace(None, "host", 0)
        if any(ipaddress.ip_interface(a.cidr).ip == ip
               for lk in host.links if not lk.owned for a in lk.addresses):
            raise UnsafeTarget(say("target.host_address", ip=ip))
        if not (in_lab or on_lab_subnet):
            known = ", ".join(sorted(str(a.ip) for a in lab_addrs))
            raise UnsafeTarget(say("target.not_in_lab", ip=ip, known=known or say("word.none_yet")))

    # -- reading ----------------------------------------------------------------------
    def snapshot(self, *, everything: bool = False, read_hidden: bool = False) -> Snapshot:
        """Read the kernel as this lab sees it (ownership from its journal).

        By default: the host and the lab's own namespaces are read; other named namespaces
        are listed but not read. `everything=True` reads every named namespace and lists
        the hidden ones found through /proc (`read_hidden=True` reads those too).
        """
        return read_snapshot(self, everything=everything, read_hidden=read_hidden)

    def nat_rules(self, ns: NsKey) -> tuple[str, ...]:
        """The rules of table `ip nslab` in NS, as `nft list` prints them (for snapshots)."""
        path = self.path(ns)
        if path is None:
            return ()
        try:
            proc = subprocess.run(
                [_tools.tool("nsenter"), f"--net={path}", "--", _tools.tool("nft"), "list", "table",
                 "ip", NAT_TABLE],
                capture_output=True, text=True, timeout=10,
            )
        except (FileNotFoundError, subprocess.TimeoutExpired):
            return ()
        if proc.returncode != 0:
            return ()
        return tuple(
            line.strip() for line in proc.stdout.splitlines()
            if line.strip() and not line.strip().startswith(("table ", "chain ", "}", "type "))
        )

    # -- removal ----------------------------------------------------------------------
    def remove(self, entry: Entry) -> str | None:
        """Remove one journaled object (checked against its identity) and its entry."""
        what = remove_entry(self.nl, entry)
        self.journal.remove(entry)
        return what

    def forget_links_in(self, ns: NsKey) -> None:
        """Drop the journal entries of links that lived in NS (gone with it)."""
        self.journal.remove_many([e for e in self.journal.of_kind("link") if e.get("ns") == ns])

    def outside_peers(self, ns: NsKey) -> list[tuple[str | None, str]]:
        """(path, ifname) of the veth ends in other namespaces whose peer is in NS:
        the kernel deletes them when NS goes."""
        snap = self.snapshot()
        here = snap.ns(ns)
        if here is None:
            return []
        seen = {n.key for n in snap.namespaces}
        found = []
        for lk in here.links:
            peer = lk.peer
            if peer and peer.visible and peer.ns != ns and peer.ns in seen and peer.ifname:
                found.append((self.path(peer.ns), peer.ifname))
        return found

    def wait_removed(self, ns_path: str | None, links: list[tuple[str | None, str]],
                     timeout: float = SETTLE_TIMEOUT) -> None:
        """After a namespace was let go: close nslab's cached socket into it (an open socket
        keeps a namespace alive) and wait, bounded, until the kernel has removed the veth
        ends that depended on it, so the next observation shows the settled state."""
        if ns_path is not None:
            self.nl.forget(ns_path)
        patience = Patience(timeout)  # stretched by the load: a kernel worker removes them
        pending = list(links)
        while pending and not patience.expired():
            pending = [(p, name) for p, name in pending if self._still_there(p, name)]
            if pending:
                patience.pause()

    def _still_there(self, path: str | None, ifname: str) -> bool:
        try:
            return self.nl.link_index(path, ifname) is not None
        except NotFound:
            return False  # its namespace went too


# -- reading the kernel into a Snapshot ---------------------------------------------------


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


def read_snapshot(kernel: Kernel, *, everything: bool = False,
                  read_hidden: bool = False) -> Snapshot:
    """See `Kernel.snapshot`."""
    journal, netlink = kernel.journal, kernel.nl
    owned_named = set(kernel.owned_netns())
    keys: dict[NsKey, tuple[str, str | None, int]] = {}  # key -> (kind, path, inode)
    keys[None] = ("host", None, os.stat("/proc/self/ns/net").st_ino)
    for name in list_netns():
        path = f"{NETNS_DIR}/{name}"
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
    dumps = netlink.dump_many([keys[k][1] for k in readable])
    raw = {k: dumps[keys[k][1]] for k in readable if keys[k][1] in dumps}
    keys = {k: v for k, v in keys.items() if k in raw or k not in readable}  # vanished
    nsids: dict[tuple[NsKey, NsKey], int | None] = {}

    def nsid_of(key: NsKey, other: NsKey) -> int | None:
        if (key, other) not in nsids:
            nsids[key, other] = netlink.nsid(keys[key][1], keys[other][1])
        return nsids[key, other]

    def journal_hint(key: NsKey, ifname: str) -> tuple[NsKey, str] | None:
        """Where the lab put this veth's peer, if the lab made the pair."""
        entry = journal.find("link", ifname, ns=key)
        peer = journal.find("link", entry["peer"]) if entry and entry.get("peer") else None
        return (peer.get("ns"), peer["name"]) if peer else None

    peers = resolve_peers(raw, nsid_of, journal_hint)
    netlink.link_peers(linked_paths(peers, {k: keys[k][1] for k in raw}))
    owned_paths = [
        keys[k][1] for k in raw
        if k in owned_named or (keys[k][0] == "hidden" and keys[k][2] in containers)
    ]
    forwarding = netlink.sysctl_many(owned_paths, "net/ipv4/ip_forward")
    nat_inodes = {(e.get("ns"), e.get("inode")) for e in journal.of_kind("nat")}
    namespaces = []
    for key, (kind, path, inode) in keys.items():
        owned = key in owned_named or (kind == "hidden" and inode in containers)
        if key not in raw:
            pids = tuple(hidden.get(inode, ()))
            namespaces.append(Namespace(key, kind, inode, pids=pids, links_read=False))
            continue
        found = namespace_of(key, kind, inode, raw[key], peers, owned, journal.find,
                             hidden.get(inode, []))
        if owned:
            on = forwarding.get(path)
            found = replace(
                found,
                forwarding=None if on is None else on == "1",
                nat_rules=kernel.nat_rules(key) if (key, inode) in nat_inodes else (),
            )
        namespaces.append(found)
    order = {"host": 0, "named": 1, "hidden": 2}
    namespaces.sort(key=lambda n: (order[n.kind], n.key or ""))
    return Snapshot(tuple(namespaces))


def namespace_of(
    key: NsKey, kind: str, inode: int, dump: dict[str, list[dict]],
    peers: dict[tuple[NsKey, int], Peer], owned: bool,
    find: Callable[..., Entry | None], pids: list[int],
) -> Namespace:
    """One namespace's dump (from the worker) as the data model's Namespace."""
    by_index = {lk["index"]: lk for lk in dump["links"]}
    addrs: dict[int, list[Address]] = {}
    for a in dump["addrs"]:
        cidr = f"{a['local'] or a['address']}/{a['prefixlen']}"
        addrs.setdefault(a["index"], []).append(Address(cidr, a["family"], a["scope"]))
    links = []
    for lk in sorted(dump["links"], key=lambda d: d["name"]):
        master = by_index.get(lk["master"], {}).get("name") if lk["master"] else None
        journaled = find("link", lk["name"], ns=key) is not None
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
    shown_pids = tuple(pids) if kind == "hidden" else ()
    return Namespace(key, kind, inode, tuple(links), routes, shown_pids, owned)


def linked_paths(
    peers: dict[tuple[NsKey, int], Peer], paths: dict[NsKey, str | None]
) -> dict[str | None, set[str | None]]:
    """Which namespaces hold the peers of each namespace's veths (by path, both ways)."""
    linked: dict[str | None, set[str | None]] = {}
    for (key, _index), peer in peers.items():
        if peer.visible and peer.ns != key and key in paths and peer.ns in paths:
            linked.setdefault(paths[key], set()).add(paths[peer.ns])
            linked.setdefault(paths[peer.ns], set()).add(paths[key])
    return linked


def resolve_peers(
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


# -- removal ------------------------------------------------------------------------------


def remove_web_root(entry: Entry) -> None:
    """Delete a server's web root and log, if they are where serve_http puts them."""
    root = entry.get("dir")
    if not root or Path(root).parent.name != WWW:
        return  # not one of ours: leave it
    import shutil

    shutil.rmtree(root, ignore_errors=True)
    log = entry.get("log")
    if log and Path(log).parent == Path(root).parent:
        Path(log).unlink(missing_ok=True)


def stop_process(pid: int | None, start: int | None) -> bool:
    """End a process this or a crashed lab started (its whole session), by PID and start
    time; reap it if it is ours. False if it was not running."""
    if pid is None or not is_alive(pid, start):
        return False
    os.killpg(pid, signal.SIGKILL)  # its own session: the shell and its sleep
    child = children.pop(pid, None)
    if child is not None:
        child.wait()  # ours: reap it; a crashed lab's is reaped by its new parent
    return True


def netns_still_ours(entry: Entry, notes: list[str]) -> bool:
    """True if the named namespace of a netns entry is still the one the lab made (its
    journaled inode); else the mismatch is said in `notes`."""
    name = entry["name"]
    try:
        inode = os.stat(netns_path(name)).st_ino
    except FileNotFoundError:
        notes.append(say("mismatch.netns_gone", name=name))
        return False
    if entry.get("inode") not in (None, inode):  # the name belongs to another one now
        notes.append(say("mismatch.netns_replaced", name=name, inode=inode,
                         journaled=entry.get("inode")))
        return False
    return True


def remove_entry(netlink: Netlink, entry: Entry, notes: list[str] | None = None) -> str | None:
    """Remove the object one journal entry names, if it is still the one the lab made.
    Returns what was removed, in words, or None if there was nothing (left) to remove;
    an entry that does not match the kernel any more is said in `notes`."""
    said = notes if notes is not None else []
    kind, name = entry["kind"], entry["name"]
    if kind in ("process", "server"):  # a container, or a web server (nat.serve_http)
        pid = entry.get("pid")  # missing if the lab died between journaling and starting it
        alive = stop_process(pid, entry.get("start"))
        if kind == "server":
            remove_web_root(entry)
            return say("removed.server", name=name, pid=pid) if alive else None
        return say("removed.container", name=name, pid=pid) if alive else None
    if kind == "netns":
        if not netns_still_ours(entry, said):
            return None
        netlink.delete_netns(name)
        return say("removed.netns", name=name)
    if kind == "link":
        ns = entry.get("ns")
        path = None if ns is None else netns_path(ns)
        if ns is not None and (ns.startswith("@") or not os.path.exists(path)):
            return None  # died with its namespace
        index = netlink.link_index(path, name)
        if index is None:
            said.append(say("mismatch.link_gone", name=name, where=ns_label(ns)))
            return None
        if entry.get("index") not in (None, index):
            said.append(say("mismatch.link_replaced", name=name, where=ns_label(ns),
                            index=index, journaled=entry.get("index")))
            return None
        try:
            netlink.call(path, "link", "del", index=index)
        except NotFound:
            return None  # its veth peer went first and took it along
        return say("removed.link", name=name, where=ns_label(ns))
    return None


def teardown(journal: Journal, notes: list[str] | None = None) -> list[str]:
    """Remove exactly what `journal` lists, newest first, checking each object's identity.

    Returns what was removed; what did not match the kernel is said in `notes`.
    The named namespaces go last, all in one trip to the worker (after the processes
    that ran in them and the host links that pointed into them)."""
    netlink = nl()
    removed: list[str] = []
    done: list[Entry] = []
    doomed = {e["name"] for e in journal.of_kind("netns")}
    said = notes if notes is not None else []
    namespaces: list[Entry] = []  # checked, to delete at the end
    try:
        taken: set[str] = set()  # veth ends that went with their removed peer
        for entry in reversed(list(journal.entries)):
            if entry["kind"] == "netns":
                if netns_still_ours(entry, said):
                    namespaces.append(entry)
                    continue
            # a link inside a namespace that goes too needs no delete of its own (~20 ms)
            elif not (entry["kind"] == "link" and entry.get("ns") in doomed):
                quiet = entry["kind"] == "link" and entry["name"] in taken
                what = remove_entry(netlink, entry, None if quiet else notes)
                if what:
                    removed.append(what)
                    if entry["kind"] == "link" and entry.get("peer"):
                        taken.add(entry["peer"])
            done.append(entry)
        failed = netlink.delete_netns_many([e["name"] for e in namespaces])
        for entry in namespaces:
            if entry["name"] not in failed:
                removed.append(say("removed.netns", name=entry["name"]))
                done.append(entry)
        if failed:
            raise next(iter(failed.values()))
    finally:  # one write at the end; after a crash half-way, cleanup skips what is gone
        gone = {id(d) for d in done}
        journal.entries = [e for e in journal.entries if id(e) not in gone]
        journal.save()  # and compacted back to one line
    return removed


def cleanup(*, include_live: bool = False, notes: list[str] | None = None) -> list[str]:
    """Remove the leftovers of crashed labs (journals whose owner process is gone).

    Returns what was removed. Entries that no longer match the kernel (deleted by hand,
    or the name now taken by another object) are not touched; they are said in `notes`.
    Journals that cannot be read are left as they are, and raise CorruptJournal (with
    `.removed`) after the others were cleaned.
    """
    journals, broken = Journal.scan()
    removed: list[str] = []
    for journal in journals:
        if journal.owner_alive and not include_live:
            continue
        removed += [
            say("cleanup.removed_from", lab=journal.lab, what=what)
            for what in teardown(journal, notes)
        ]
        journal.delete()
    if broken:
        raise CorruptJournal("\n".join(str(e) for e in broken), removed)
    return removed

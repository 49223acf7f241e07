"""The only module that imports pyroute2.

pyroute2 0.9's synchronous IPRoute fails inside a running asyncio loop (every
Jupyter cell and widget callback; upstream issue #1342), so one worker thread
owns every netlink socket and every call runs there. That thread also keeps one
open socket per namespace (opening one costs ~6 ms through pyroute2's netns
helper, a call on an open one well under 1 ms) and creates namespaces itself
with unshare + bind mount, then returns to its own namespace with setns.

The hot verbs (link up/down, veth add, address add/del, link lookup) skip pyroute2:
each is one pre-built rtnetlink message on a plain netlink socket cached per namespace,
with only the ACK parsed (`Netlink.request`), sent from the caller's thread under a
lock (a socket stays bound to its namespace whichever thread uses it). pyroute2 costs
0.3-0.5 ms of Python per call, the thread hop ~60 us; this costs ~30 us. pyroute2's
own socket into a namespace is opened on first use (dumps, routes, bridges).

Namespaces are addressed by *path*: None is the namespace the process runs in,
"/run/netns/NAME" a named one, "/proc/PID/ns/net" a hidden one.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import shlex
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pyroute2 import IPRoute
from pyroute2.netlink.exceptions import NetlinkError

from . import _tools
from ._wait import Patience
from .errors import (
    AlreadyExists,
    KernelError,
    NotFound,
    NotOwned,
    PrivilegeError,
    privilege_fixes,
)
from .messages import say

NETNS_DIR = "/run/netns"
# What every namespace nslab creates starts with, whatever the host has (_lesson_defaults).
LESSON_DEFAULTS = {"net/ipv4/ip_forward": "0"}
NETNS_LIMIT = "/proc/sys/user/max_net_namespaces"
CLONE_NEWNET = 0x40000000
MS_BIND, MS_REC, MS_SHARED = 0x1000, 0x4000, 1 << 20
MNT_DETACH = 2

_libc = ctypes.CDLL(None, use_errno=True)
T = TypeVar("T")

# rtnetlink, as in <linux/netlink.h>, <linux/rtnetlink.h>, <linux/if_link.h>, <linux/veth.h>
NLMSG_ERROR = 2
NLM_F_REQUEST, NLM_F_ACK, NLM_F_EXCL, NLM_F_CREATE = 0x1, 0x4, 0x200, 0x400
RTM_NEWLINK, RTM_GETLINK, RTM_SETLINK = 16, 18, 19
RTM_NEWADDR, RTM_DELADDR = 20, 21
IFLA_IFNAME, IFLA_LINKINFO, IFLA_NET_NS_FD, IFLA_EXT_MASK = 3, 18, 28, 29
IFLA_INFO_KIND, IFLA_INFO_DATA, VETH_INFO_PEER = 1, 2, 1
IFA_ADDRESS, IFA_LOCAL = 1, 2
IFF_UP = 0x1
_NLMSGHDR = struct.Struct("=IHHII")  # length, type, flags, sequence, port
_IFINFO = struct.Struct("=BxHiII")  # family, type, index, flags, change (ifinfomsg)
_IFADDR = struct.Struct("=BBBBi")  # family, prefixlen, flags, scope, index (ifaddrmsg)


def _attr(kind: int, payload: bytes) -> bytes:
    """One netlink attribute (rtattr), padded to 4 bytes."""
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * (-length % 4)


def _name(ifname: str) -> bytes:
    return ifname.encode() + b"\0"


def _transact(raw: socket.socket, msg_type: int, flags: int, body: bytes,
              seq: int) -> tuple[int, list[bytes]]:
    """Send one request with NLM_F_ACK; read until its ACK. Returns (errno, replies)."""
    header = _NLMSGHDR.pack(16 + len(body), msg_type, flags | NLM_F_REQUEST | NLM_F_ACK, seq, 0)
    raw.send(header + body)
    replies: list[bytes] = []
    while True:
        data = raw.recv(65536)
        at = 0
        while at + 16 <= len(data):
            length, kind, _flags, got, _port = _NLMSGHDR.unpack_from(data, at)
            if length < 16:
                break
            if got == seq:  # an answer to an earlier, abandoned request is skipped
                if kind == NLMSG_ERROR:
                    return -struct.unpack_from("=i", data, at + 16)[0], replies
                replies.append(data[at + 16: at + length])
            at += (length + 3) & ~3


def netns_path(name: str) -> str:
    return os.path.join(NETNS_DIR, name)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        code = ctypes.get_errno()
        raise os_error(code, what)


def os_error(code: int, what: str) -> Exception:
    """Turn an errno into the matching nslab error."""
    if code in (errno.EPERM, errno.EACCES):
        return PrivilegeError(say("kernel.no_privilege", what=what, fix=privilege_fixes()))
    if code == errno.EEXIST:
        return AlreadyExists(say("kernel.exists", what=what))
    if code in (errno.ENODEV, errno.ENOENT, errno.ESRCH):
        return NotFound(say("kernel.missing", what=what))
    return KernelError(code, say("kernel.refused", what=what, error=os.strerror(code)))


def limit_error(code: int, name: str, limit: str) -> KernelError:
    """ENOSPC from a per-user-namespace limit: which one, its value, how to free or raise it."""
    try:
        value = Path(limit).read_text().strip()
    except OSError:
        value = "?"
    key = limit.removeprefix("/proc/sys/").replace("/", ".")
    return KernelError(code, say("kernel.limit", name=name, limit=limit, value=value, key=key))


@dataclass
class _Socket:
    inode: int
    fd: int  # an open fd on the namespace: it also keeps its inode from being reused
    raw: socket.socket  # plain rtnetlink socket for the hot verbs (see `Netlink.request`)
    # the kernel's change notifications in that namespace, from its first dump on (a
    # listener makes the kernel build a notification for every change: a build that
    # nobody looks at is faster without one)
    events: socket.socket | None = None
    ipr: IPRoute | None = None  # pyroute2, opened on first use (`Netlink._ipr`): ~1 ms
    nsids: dict[int, int] = field(default_factory=dict)  # inode of a peer ns -> its nsid here
    dump: dict | None = None  # the last dump, good until a notification arrives
    seq: int = 0  # the sequence number of the last raw request

    @classmethod
    def open_here(cls, inode: int, fd: int) -> _Socket:
        """Sockets into the namespace the calling thread is in right now."""
        raw = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC,
                            socket.NETLINK_ROUTE)
        raw.bind((0, 0))
        return cls(inode, fd, raw)

    def close(self) -> None:
        if self.ipr is not None:
            self.ipr.close()
        self.raw.close()
        if self.events is not None:
            self.events.close()

    def changed(self) -> bool:
        """True if the kernel announced a change here since the last call (drains them);
        always True before the first dump (nobody listened)."""
        if self.events is None:
            return True
        seen = False
        while True:
            try:
                if not self.events.recv(65536):
                    return True
                seen = True
            except BlockingIOError:
                return seen
            except OSError:  # ENOBUFS: so many that some were dropped
                seen = True


# Link, address and IPv4 route changes: everything a dump shows (RTMGRP_* bits).
_EVENT_GROUPS = 0x1 | 0x10 | 0x40 | 0x100


def _event_socket() -> socket.socket:
    kind = socket.SOCK_RAW | socket.SOCK_NONBLOCK | socket.SOCK_CLOEXEC
    sock = socket.socket(socket.AF_NETLINK, kind, socket.NETLINK_ROUTE)
    sock.bind((0, _EVENT_GROUPS))
    return sock


class Netlink:
    """One thread, all netlink calls. Use `nl()` to get the process-wide one."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nslab-netlink")
        self._thread: threading.Thread | None = None
        self._sockets: dict[str | None, _Socket] = {}  # touched only by the worker
        self._linked: dict[str | None, set[str | None]] = {}  # see dump_many
        self._home_fd = -1
        self._shared_done = False
        self._swept = 0.0
        # held while a raw request uses a cached socket, and while one is closed: the
        # hot verbs run in the caller's thread (no hop to the worker, ~60 us), and a
        # closed fd's number may be reused at once by a socket into another namespace
        self._raw_lock = threading.Lock()
        self.run(self._init_worker)

    # -- plumbing ---------------------------------------------------------------
    def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run fn in the worker thread and return its result (or raise its error)."""
        if threading.current_thread() is self._thread:
            return fn(*args, **kwargs)
        return self._pool.submit(fn, *args, **kwargs).result()

    def _init_worker(self) -> None:
        self._thread = threading.current_thread()
        self._home_fd = os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC)

    def _socket(self, path: str | None) -> _Socket:
        """The cached socket into `path`, reopened if the namespace was replaced."""
        self._sweep()
        try:
            inode = os.stat(path).st_ino if path else os.fstat(self._home_fd).st_ino
        except FileNotFoundError:
            self._forget(path)
            raise NotFound(say("kernel.no_netns_path", path=path)) from None
        cached = self._sockets.get(path)
        if cached and cached.inode == inode:
            return cached
        self._forget(path)
        if path is None:
            sock = _Socket.open_here(inode, self._home_fd)
        else:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            try:
                if _libc.setns(fd, CLONE_NEWNET) != 0:
                    code = ctypes.get_errno()
                    if code == errno.EINVAL:  # a plain file: being created (not yet mounted)
                        raise NotFound(say("kernel.not_netns_yet", path=path))
                    raise os_error(code, f"enter namespace {path}")
                try:
                    sock = _Socket.open_here(inode, fd)
                finally:
                    _check(_libc.setns(self._home_fd, CLONE_NEWNET), "return to own namespace")
            except BaseException:
                os.close(fd)
                raise
        self._sockets[path] = sock
        return sock

    def _sweep(self) -> None:
        """Close sockets into namespaces that are gone (deleted by `ip netns delete` or
        another process): an open socket keeps a deleted namespace alive, and with it
        the veth ends inside and their peers. At most once a second."""
        now = time.monotonic()
        if now - self._swept < 1.0:
            return
        self._swept = now
        for p, sock in list(self._sockets.items()):
            try:
                gone = p is not None and os.stat(p).st_ino != sock.inode
            except OSError:
                gone = True
            if gone:
                self._forget(p)

    def forget(self, path: str | None) -> None:
        """Close the cached socket into `path` (it keeps a namespace alive)."""
        self.run(self._forget, path)

    def _ipr(self, sock: _Socket) -> IPRoute:
        """The pyroute2 socket of `sock`'s namespace, opened there on first use."""
        if sock.ipr is None:
            sock.ipr = self._in_ns(sock, IPRoute)
        return sock.ipr

    def _in_ns(self, sock: _Socket, opener: Callable[[], T]) -> T:
        """opener() run inside `sock`'s namespace (sockets bind to the opener's)."""
        if sock.fd == self._home_fd:
            return opener()
        _check(_libc.setns(sock.fd, CLONE_NEWNET), "enter namespace")
        try:
            return opener()
        finally:
            _check(_libc.setns(self._home_fd, CLONE_NEWNET), "return to own namespace")

    def _forget(self, path: str | None) -> None:
        with self._raw_lock:
            old = self._sockets.pop(path, None)
            if old:
                old.close()
                if old.fd != self._home_fd:
                    os.close(old.fd)
        self._linked.pop(path, None)
        for others in self._linked.values():
            others.discard(path)
        if old:
            for sock in self._sockets.values():  # its inode may be reused from now on
                sock.nsids.pop(old.inode, None)

    def call(self, path: str | None, method: str, *args: Any, **kwargs: Any) -> Any:
        """ipr.METHOD(*args, **kwargs) inside the namespace at `path`, in the worker."""
        return self.run(self._call, path, method, args, kwargs)

    def _call(self, path: str | None, method: str, args: tuple, kwargs: dict) -> Any:
        sock = self._socket(path)
        kwargs = {k: (self._socket(v).fd if k == "net_ns_fd" else v) for k, v in kwargs.items()}
        if "peer" in kwargs and "net_ns_fd" in kwargs["peer"]:
            peer = dict(kwargs["peer"])
            peer["net_ns_fd"] = self._socket(peer["net_ns_fd"]).fd
            kwargs["peer"] = peer
        try:
            return getattr(self._ipr(sock), method)(*args, **kwargs)
        except NetlinkError as exc:
            raise os_error(exc.code, f"{method} {args} in {path or 'host'}") from None

    # -- the hot verbs: pre-built rtnetlink messages, only the ACK parsed ----------
    def request(self, what: str, path: str | None, build: Callable[..., bytes],
                *peers: str | None, msg_type: int, flags: int = 0) -> list[bytes]:
        """Send one rtnetlink request on the cached raw socket of `path` and wait for its
        ACK, in the caller's thread. `build(*fds)` makes the message body, given the
        namespace fds of `peers`. Returns the replies' bodies (a GET's answer); a refusal
        raises the nslab error for its errno, as `call` does (`what` names the request).

        pyroute2 costs 0.3-0.5 ms of Python per call; this ~30 us. A namespace whose
        socket is not open yet (or was replaced) is opened by the worker first.
        """
        for _ in range(3):
            with self._raw_lock:
                socks = [self._cached(p) for p in (path, *peers)]
                if all(socks):
                    sock = socks[0]
                    sock.seq = sock.seq % 0x7FFFFFFF + 1
                    body = build(*(x.fd for x in socks[1:]))  # type: ignore[union-attr]
                    code, replies = _transact(sock.raw, msg_type, flags, body, sock.seq)
                    break
            for p, x in zip((path, *peers), socks, strict=True):
                if x is None:
                    self.run(self._socket, p)  # opens it, or raises NotFound
        else:  # replaced again and again under us: let the worker's path say why
            raise NotFound(say("kernel.no_netns_path", path=path))
        if code:
            raise os_error(code, f"{what} in {path or 'host'}")
        return replies

    def _cached(self, path: str | None) -> _Socket | None:
        """The cached socket into `path` if it is still that namespace (lock held)."""
        sock = self._sockets.get(path)
        if sock is None or path is None:
            return sock
        try:
            same = os.stat(path).st_ino == sock.inode
        except FileNotFoundError:
            return None
        return sock if same else None

    def set_state(self, path: str | None, state: str, *, index: int = 0,
                  ifname: str | None = None) -> None:
        """ip link set dev IFNAME up|down (by index, or by name when index is 0)."""
        flags = IFF_UP if state == "up" else 0
        attrs = _attr(IFLA_IFNAME, _name(ifname)) if ifname and not index else b""
        self.request("link ('set',)", path,
                     lambda: _IFINFO.pack(0, 0, index, flags, IFF_UP) + attrs,
                     msg_type=RTM_SETLINK)

    def move_link(self, path: str | None, index: int, target: str | None) -> None:
        """ip link set dev INDEX netns TARGET (RTM_SETLINK with IFLA_NET_NS_FD)."""
        self.request(
            "link ('set',)", path,
            lambda fd: _IFINFO.pack(0, 0, index, 0, 0) + _attr(IFLA_NET_NS_FD,
                                                            struct.pack("=I", fd)),
            target, msg_type=RTM_SETLINK,
        )

    def add_veth(self, path: str | None, name: str, peer: str, peer_path: Any = ...) -> None:
        """ip link add NAME type veth peer name PEER [netns PEER_PATH]."""
        def build(*fds: int) -> bytes:
            peer_attrs = _attr(IFLA_IFNAME, _name(peer))
            if fds:
                peer_attrs += _attr(IFLA_NET_NS_FD, struct.pack("=I", fds[0]))
            data = _attr(VETH_INFO_PEER, _IFINFO.pack(0, 0, 0, 0, 0) + peer_attrs)
            info = _attr(IFLA_INFO_KIND, b"veth\0") + _attr(IFLA_INFO_DATA, data)
            return (_IFINFO.pack(0, 0, 0, 0, 0) + _attr(IFLA_IFNAME, _name(name))
                    + _attr(IFLA_LINKINFO, info))

        peers = () if peer_path is ... else (peer_path,)
        self.request("link ('add',)", path, build, *peers, msg_type=RTM_NEWLINK,
                     flags=NLM_F_CREATE | NLM_F_EXCL)

    def add_addr(self, path: str | None, index: int, address: str, prefixlen: int,
                 delete: bool = False) -> None:
        """ip addr add|del ADDRESS/PREFIXLEN dev INDEX (IPv4: IFA_LOCAL too, like `ip`)."""
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        packed = socket.inet_pton(family, address)
        attrs = _attr(IFA_ADDRESS, packed)
        if family == socket.AF_INET:
            attrs += _attr(IFA_LOCAL, packed)
        body = _IFADDR.pack(family, prefixlen, 0, 0, index) + attrs
        verb = "del" if delete else "add"
        self.request(f"addr ('{verb}',)", path, lambda: body,
                     msg_type=RTM_DELADDR if delete else RTM_NEWADDR,
                     flags=0 if delete else NLM_F_CREATE | NLM_F_EXCL)

    # -- namespaces ---------------------------------------------------------------
    def create_netns(self, name: str) -> int:
        """`ip netns add NAME`, done in the worker thread; returns the namespace's inode."""
        return self.create_netns_many([name])[0]

    def create_netns_many(self, names: list[str]) -> list[int]:
        """`create_netns` for several namespaces in one trip to the worker; their inodes.
        If one fails, the ones made by this call are deleted again before the error; if
        the caller is interrupted (Ctrl-C in a notebook) while the worker makes them, the
        worker finishes, then what it made is deleted: either way, nothing is left."""

        def create_all() -> list[int]:
            inodes: list[int] = []
            try:
                for name in names:
                    inodes.append(self._create_netns(name))
            except BaseException:
                for name in names[: len(inodes)]:
                    with contextlib.suppress(Exception):
                        self._delete_netns(name)
                raise
            return inodes

        if not names:
            return []
        if threading.current_thread() is self._thread:
            return create_all()
        future = self._pool.submit(create_all)
        try:
            return future.result()
        except KeyboardInterrupt:
            with contextlib.suppress(Exception):  # the worker's own failure undid itself
                future.result()
                self.delete_netns_many(names)
            raise

    def _name_file(self, name: str) -> str:
        """Create the empty file /run/netns/NAME that a namespace gets bind-mounted on."""
        self._make_netns_dir()
        path = netns_path(name)
        try:
            os.close(os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL, 0o444))
        except FileExistsError:
            raise AlreadyExists(say("kernel.netns_exists", name=name)) from None
        except PermissionError:
            raise os_error(errno.EPERM, f"create namespace {name!r}") from None
        return path

    def attach_netns(self, name: str, source: str) -> None:
        """`ip netns attach NAME PID`: give the namespace at `source` a name (a bind mount)."""
        self.run(self._attach_netns, name, source)

    def _attach_netns(self, name: str, source: str) -> None:
        path = self._name_file(name)
        if _libc.mount(source.encode(), path.encode(), b"none", MS_BIND, None) != 0:
            code = ctypes.get_errno()
            os.unlink(path)
            raise os_error(code, f"name namespace {source} as {name!r}")

    def _create_netns(self, name: str) -> int:
        path = self._name_file(name)
        try:
            if _libc.unshare(CLONE_NEWNET) != 0:
                code = ctypes.get_errno()
                if code == errno.ENOSPC:  # unshare(2): max_net_namespaces would be exceeded
                    raise limit_error(code, name, NETNS_LIMIT)
                raise os_error(code, f"create namespace {name!r}")
            try:
                src = b"/proc/thread-self/ns/net"
                _check(
                    _libc.mount(src, path.encode(), b"none", MS_BIND, None),
                    f"mount namespace {name!r}",
                )
                inode = os.stat(path).st_ino
                self._sockets[path] = _Socket.open_here(inode, os.open(path, os.O_RDONLY))
            finally:
                _check(_libc.setns(self._home_fd, CLONE_NEWNET), "return to own namespace")
            self._lesson_defaults(path)
        except BaseException:
            _libc.umount2(path.encode(), MNT_DETACH)
            os.unlink(path)
            raise
        return inode

    def _lesson_defaults(self, path: str) -> None:
        """Forwarding off in a new namespace, as the lessons assume: the kernel copies
        net.ipv4.ip_forward from the initial namespace (devconf_inherit_init_net=0), so on
        a Docker host a new namespace would forward before the student turns it on."""
        for key, off in LESSON_DEFAULTS.items():
            if self._sysctl_direct(path, key, None) != off:
                self._sysctl(path, key, off)

    def _make_netns_dir(self) -> None:
        """Like iproute2: /run/netns is a shared mount, so bind mounts propagate."""
        if self._shared_done:
            return
        try:
            os.makedirs(NETNS_DIR, mode=0o755, exist_ok=True)
        except PermissionError:
            raise os_error(errno.EPERM, f"create {NETNS_DIR}") from None
        d = NETNS_DIR.encode()
        if _libc.mount(b"", d, b"none", MS_SHARED | MS_REC, None) != 0:
            if ctypes.get_errno() == errno.EINVAL:  # not a mount point yet
                _check(_libc.mount(d, d, b"none", MS_BIND | MS_REC, None), f"bind {NETNS_DIR}")
                _check(_libc.mount(b"", d, b"none", MS_SHARED | MS_REC, None), "share netns dir")
            else:
                _check(-1, f"prepare {NETNS_DIR}")
        self._shared_done = True

    def delete_netns(self, name: str) -> None:
        """`ip netns delete NAME`: unmount and remove; the kernel frees it when unused."""
        self.run(self._delete_netns, name)

    def delete_netns_many(self, names: list[str]) -> dict[str, Exception]:
        """`delete_netns` for several namespaces in one trip; the ones that failed, with
        their errors (the others are deleted)."""

        def delete_all() -> dict[str, Exception]:
            failed: dict[str, Exception] = {}
            for name in names:
                try:
                    self._delete_netns(name)
                except Exception as exc:  # noqa: BLE001 - handed back to the caller
                    failed[name] = exc
            return failed

        return self.run(delete_all) if names else {}

    def _delete_netns(self, name: str) -> None:
        path = netns_path(name)
        self._forget(path)
        if _libc.umount2(path.encode(), MNT_DETACH) != 0:
            code = ctypes.get_errno()
            if code != errno.EINVAL:  # EINVAL: not mounted (a stale file)
                raise os_error(code, f"delete namespace {name!r}")
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass

    # -- reading ------------------------------------------------------------------
    def dump(self, path: str | None) -> dict[str, list[dict]]:
        """Links, addresses and main-table IPv4/IPv6 routes of one namespace, as dicts."""
        return self.run(self._dump, path)

    def _dump(self, path: str | None) -> dict[str, list[dict]]:
        """Read afresh only when the kernel announced a change since the last dump.

        Parsing three dumps costs ~2.5 ms of pyroute2 per namespace; a namespace nothing
        happened in is answered from its last dump. Notifications are drained before
        dumping, so a change during the dump makes the next call read again.
        """
        sock = self._socket(path)
        if sock.events is None:  # listen from now on, then read: no change is missed
            sock.events = self._in_ns(sock, _event_socket)
            sock.dump = None
        if not sock.changed() and sock.dump is not None:
            return sock.dump
        ipr = self._ipr(sock)
        links = [_link_dict(m) for m in ipr.link("dump")]
        addrs = [_addr_dict(m) for m in ipr.get_addr()]
        # IPv4 only, like `ip route`: asking the kernel for both families costs 2x
        routes = [_route_dict(m) for m in ipr.route("dump", family=socket.AF_INET, table=254)]
        sock.dump = {"links": links, "addrs": addrs, "routes": routes}
        return sock.dump

    def link_peers(self, linked: dict[str | None, set[str | None]]) -> None:
        """Remember which namespaces hold the peers of each one's veths (see dump_many)."""

        def merge() -> None:
            for path, others in linked.items():
                self._linked.setdefault(path, set()).update(others)

        self.run(merge)

    def dump_many(self, paths: list[str | None]) -> dict[str | None, dict[str, list[dict]]]:
        """`dump` for several namespaces in one trip (one deleted meanwhile is left out).

        When a namespace changed, those holding the peers of its veths are read afresh
        too: a veth's carrier follows its peer at once, but the kernel announces that
        only when linkwatch runs, up to a second later.
        """

        def dump_all() -> dict[str | None, dict[str, list[dict]]]:
            dirty = set()
            for p in paths:
                sock = self._reachable(p)
                if sock is not None and (sock.changed() or sock.dump is None):
                    sock.dump = None
                    dirty.add(p)
            for p in list(dirty):
                dirty |= self._linked.get(p, set())
            out = {}
            for p in paths:
                sock = self._reachable(p)
                if sock is None:
                    continue  # deleted between listing and reading: another process's
                if p in dirty:
                    sock.dump = None
                try:
                    out[p] = self._dump(p)
                except (NotFound, FileNotFoundError):
                    continue  # deleted meanwhile
            return out

        return self.run(dump_all)

    def _reachable(self, path: str | None) -> _Socket | None:
        """The socket into `path`, or None if another process deleted it or is still
        making it (the file exists but is not mounted yet: EINVAL)."""
        try:
            return self._socket(path)
        except (NotFound, FileNotFoundError):
            return None
        except KernelError as exc:
            if exc.errno != errno.EINVAL:
                raise
            return None

    def nsid(self, path: str | None, target: str | None) -> int | None:
        """The id the namespace at `path` gives the one at `target` (IFLA_LINK_NETNSID)."""

        def ask() -> int | None:
            try:
                here, there = self._socket(path), self._socket(target)
                if there.inode in here.nsids:  # stable while we hold both namespaces open
                    return here.nsids[there.inode]
                found = self._ipr(here).get_netnsid(fd=there.fd) or {}
            except (NotFound, KernelError):  # deleted (or not yet mounted) by another process
                return None
            nsid = found.get("nsid")
            if nsid is None or nsid >= 2**31:  # -1: none assigned (yet): do not remember
                return None
            here.nsids[there.inode] = nsid
            return nsid

        return self.run(ask)

    def fdb(self, path: str | None) -> list[dict]:
        """The bridge forwarding database entries (`bridge fdb show`), as dicts."""
        msgs = self.call(path, "neigh", "dump", family=socket.AF_BRIDGE)
        return [
            {
                "port": m["ifindex"],
                "mac": m.get_attr("NDA_LLADDR"),
                "master": m.get_attr("NDA_MASTER"),
                "permanent": bool(m["state"] & 0x80),  # NUD_PERMANENT: a port's own MAC
            }
            for m in msgs
        ]

    def settle(self, path: str | None, timeout: float = 1.5) -> None:
        """Wait until every veth's and bridge's operstate in the namespace agrees with its
        flag and carrier (see `_settled`); at once when they already do. The kernel sets
        operstate asynchronously (linkwatch: up to a second later), and `ip a` right
        after `up` would otherwise still say DOWN."""

        def wait() -> None:
            patience = Patience(timeout)  # on an idle machine; stretched by the load
            while not patience.expired() and not all(
                _settled(_link_dict(m)) for m in self._links_or_none(path)
            ):
                patience.pause()

        self.run(wait)

    def _links_or_none(self, path: str | None) -> list:
        try:
            return list(self._ipr(self._socket(path)).link("dump"))
        except (NotFound, KernelError):
            return []  # gone meanwhile: nothing to wait for

    def link_index(self, path: str | None, ifname: str) -> int | None:
        """The ifindex of IFNAME in the namespace at `path`, None if there is none there
        (RTM_GETLINK by name, like pyroute2's link_lookup: any refusal means none)."""
        try:
            replies = self.request(
                "link ('get',)", path,
                lambda: _IFINFO.pack(0, 0, 0, 0, 0) + _attr(IFLA_IFNAME, _name(ifname))
                + _attr(IFLA_EXT_MASK, struct.pack("=I", 0)),
                msg_type=RTM_GETLINK,
            )
        except (KernelError, NotFound, AlreadyExists, PrivilegeError):
            return None
        for body in replies:
            return _IFINFO.unpack_from(body)[2]
        return None

    # -- per-namespace sysctls ------------------------------------------------------
    def sysctl(self, path: str | None, key: str, value: str | None = None) -> str:
        """Read /proc/sys/KEY inside the namespace at `path` (after writing `value`, if given).

        /proc/sys/net belongs to the network namespace of the thread that opens it, so
        the worker enters the namespace, opens the file there and returns. Writing in
        the host (`path` None) is refused: nslab never changes the host's sysctls.
        """
        _check_sysctl_key(key)
        if value is not None and path is None:
            raise NotOwned(say("kernel.host_sysctl", key=key))
        return self.run(self._sysctl, path, key, value)

    def sysctl_many(self, paths: list[str | None], key: str) -> dict[str | None, str | None]:
        """`sysctl` reads for several namespaces in one trip (None where one vanished)."""
        _check_sysctl_key(key)

        def read_all() -> dict[str | None, str | None]:
            out: dict[str | None, str | None] = {}
            for p in paths:
                try:
                    out[p] = self._sysctl(p, key, None)
                except (NotFound, FileNotFoundError):
                    out[p] = None
            return out

        return self.run(read_all)

    def _sysctl(self, path: str | None, key: str, value: str | None) -> str:
        try:
            return self._sysctl_direct(path, key, value)
        except OSError as exc:
            if exc.errno != errno.EROFS or value is None or path is None:
                raise
        # In a container /proc/sys is mounted read-only. In a mount namespace of its own,
        # a helper remounts it read-write and writes the namespace's own sysctl there.
        target = shlex.quote(f"/proc/sys/{key}")
        script = f"mount -o remount,rw,bind /proc/sys && echo {int(value)} > {target}"
        proc = subprocess.run(
            [_tools.tool("nsenter"), f"--net={path}", _tools.tool("unshare"), "--mount", "sh", "-c",
             script],
            capture_output=True, text=True,
        )
        if proc.returncode != 0:
            raise os_error(errno.EROFS, f"set {key} in {path} ({proc.stderr.strip()})")
        return self._sysctl_direct(path, key, None)

    def _sysctl_direct(self, path: str | None, key: str, value: str | None) -> str:
        sock = self._socket(path)
        if path is not None:
            _check(_libc.setns(sock.fd, CLONE_NEWNET), f"enter namespace {path}")
        try:
            flags = os.O_RDWR if value is not None else os.O_RDONLY
            fd = os.open(f"/proc/sys/{key}", flags | os.O_CLOEXEC)
            try:
                if value is not None:
                    os.write(fd, value.encode())
                    os.lseek(fd, 0, os.SEEK_SET)
                return os.read(fd, 4096).decode().strip()
            finally:
                os.close(fd)
        except PermissionError:
            raise os_error(errno.EPERM, f"set {key} in {path or 'host'}") from None
        finally:
            if path is not None:
                _check(_libc.setns(self._home_fd, CLONE_NEWNET), "return to own namespace")


def _check_sysctl_key(key: str) -> None:
    """Only network sysctls (per namespace), and only plain paths under /proc/sys/net."""
    parts = key.split("/")
    if parts[0] != "net" or any(p in ("", ".", "..") for p in parts):
        raise ValueError(say("kernel.bad_sysctl", key=key))


def _settled(link: dict) -> bool:
    """True when a veth's or bridge's operstate is what its flag and carrier imply.

    Other kinds report states of their own (lo and dummy say UNKNOWN): taken as they are.
    """
    if link["kind"] not in ("veth", "bridge"):
        return True
    state = link["operstate"]
    if not link["up"]:
        return state == "DOWN"
    if link["carrier"]:
        return state == "UP"
    return state in ("DOWN", "LOWERLAYERDOWN")


def settled_operstate(link: dict) -> str:
    """The operstate the kernel settles on, known at once from the flag and carrier.

    For veth and bridge links the kernel's own operstate lags the admin flag and the
    carrier (which change at once) by up to a second (linkwatch). Others: as reported.
    """
    if _settled(link):
        return link["operstate"]
    if not link["up"]:
        return "DOWN"
    if link["carrier"]:
        return "UP"
    return "LOWERLAYERDOWN" if link["kind"] == "veth" else "DOWN"


def _link_dict(msg: Any) -> dict:
    info = msg.get_attr("IFLA_LINKINFO")
    kind = info.get_attr("IFLA_INFO_KIND") if info else None
    name = msg.get_attr("IFLA_IFNAME")
    return {
        "name": name,
        "index": msg["index"],
        "kind": kind or ("loopback" if msg["flags"] & 0x8 else "device"),
        "up": bool(msg["flags"] & 0x1),
        "operstate": msg.get_attr("IFLA_OPERSTATE") or "UNKNOWN",
        "carrier": bool(msg.get_attr("IFLA_CARRIER")),
        "mac": msg.get_attr("IFLA_ADDRESS") or "",
        "mtu": msg.get_attr("IFLA_MTU") or 0,
        "master": msg.get_attr("IFLA_MASTER"),
        "link": msg.get_attr("IFLA_LINK"),
        "link_netnsid": msg.get_attr("IFLA_LINK_NETNSID"),
    }


_SCOPES = {0: "global", 200: "site", 253: "link", 254: "host"}
_ROUTE_SCOPES = {0: "universe", 200: "site", 253: "link", 254: "host"}
_PROTOS = {2: "kernel", 3: "boot", 4: "static"}


def _addr_dict(msg: Any) -> dict:
    return {
        "index": msg["index"],
        "address": msg.get_attr("IFA_ADDRESS"),
        "local": msg.get_attr("IFA_LOCAL"),
        "prefixlen": msg["prefixlen"],
        "family": 4 if msg["family"] == 2 else 6,
        "scope": _SCOPES.get(msg["scope"], str(msg["scope"])),
    }


def _route_dict(msg: Any) -> dict:
    dst = msg.get_attr("RTA_DST")
    return {
        "dst": f"{dst}/{msg['dst_len']}" if dst else "default",
        "family": 4 if msg["family"] == 2 else 6,
        "oif": msg.get_attr("RTA_OIF"),
        "gateway": msg.get_attr("RTA_GATEWAY"),
        "scope": _ROUTE_SCOPES.get(msg["scope"], str(msg["scope"])),
        "protocol": _PROTOS.get(msg["proto"], str(msg["proto"])),
        "type": msg["type"],
    }


_instance: Netlink | None = None
_instance_lock = threading.Lock()


def nl() -> Netlink:
    """The process-wide Netlink worker, started on first use."""
    global _instance
    with _instance_lock:
        if _instance is None:
            _instance = Netlink()
        return _instance

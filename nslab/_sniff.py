"""A tiny packet recorder for where tcpdump cannot run: the rootless sandbox.

    nsenter --net=PATH python3 -m nslab._sniff IFNAME OUTFILE [FILTER...]

tcpdump started as uid 0 always switches to its own `tcpdump` user, and in a user
namespace that maps only uid 0 and denies setgroups (the sandbox) that fails. This
recorder does what `capture.py` needs from tcpdump and nothing more:

- an AF_PACKET raw socket (ETH_P_ALL) bound to IFNAME, which sees frames in both
  directions in the order the kernel handles them (like libpcap, outgoing frames on a
  loopback device are skipped: they come back as incoming ones);
- the filter compiled to classic BPF by ``tcpdump -y LINKTYPE -ddd FILTER`` (that
  compiles without capturing, so it works in the sandbox) and attached with
  SO_ATTACH_FILTER *before* the socket starts receiving, so no unfiltered frame slips in;
- every frame appended to OUTFILE with `dpkt.pcap.Writer` and flushed at once;
- "listening on IFNAME, ..." on stderr once ready, and tcpdump's wording for errors
  ("No such device exists", "That device is not up", "can't parse filter expression",
  "You don't have permission"), so the caller reads it exactly like tcpdump's;
- a clean stop on SIGINT/SIGTERM: frames already queued are written, then exit 0.

Only the standard library and dpkt: it is run with the caller's interpreter.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
from collections.abc import Sequence

import dpkt

PROG = "nslab._sniff"
# `python -c LAUNCH THIS_FILE ARGS...`: run this file as __main__ without importing the
# package (runpy leaves sys.path as it is: nslab's own modules cannot shadow the stdlib)
LAUNCH = "import runpy, sys; del sys.argv[0]; runpy.run_path(sys.argv[0], run_name='__main__')"
SNAPLEN = 262144  # tcpdump's default snapshot length
ETH_P_ALL = 0x0003
SO_ATTACH_FILTER = getattr(socket, "SO_ATTACH_FILTER", 26)
SO_TIMESTAMP = getattr(socket, "SO_TIMESTAMP", 29)
SIOCGIFFLAGS = 0x8913
IFF_UP = 0x1
PACKET_OUTGOING = 4
ARPHRD_LOOPBACK = 772

# ARPHRD_* (the device's hardware type) -> (tcpdump -y name, pcap LINKTYPE, description);
# the same mapping libpcap makes for these devices.
_ETHERNET = ("EN10MB", 1, "Ethernet")
_RAW = ("RAW", 101, "Raw IP")
LINKTYPES: dict[int, tuple[str, int, str]] = {
    1: _ETHERNET,  # ARPHRD_ETHER: veth, bridge, dummy, ...
    ARPHRD_LOOPBACK: _ETHERNET,  # lo
    519: _RAW,  # ARPHRD_RAWIP
    768: _RAW,  # ARPHRD_TUNNEL (ipip)
    769: _RAW,  # ARPHRD_TUNNEL6
    776: _RAW,  # ARPHRD_SIT
    0xFFFE: _RAW,  # ARPHRD_NONE: tun, wireguard
}


class SniffError(Exception):
    """A failure to report on stderr (in tcpdump's words) before exiting with status 1."""


# --- pure helpers (unit-tested) ----------------------------------------------------------


def argv(
    ifname: str,
    outfile: str,
    filter: str | None = None,
    *,
    prefix: Sequence[str] = (),
    python: str | None = None,
) -> list[str]:
    """The command line that runs this recorder, e.g. behind `nsenter --net=PATH`. It runs
    this file by its path (LAUNCH), not `-m nslab._sniff`, which would first import the whole
    package (pyroute2 included: ~0.4 s of CPU, on every capture of every student)."""
    return [
        *prefix,
        python or sys.executable,
        "-c",
        LAUNCH,
        __file__,
        ifname,
        outfile,
        *([filter] if filter else []),
    ]


def parse_ddd(text: str) -> list[tuple[int, int, int, int]]:
    """`tcpdump -ddd` output (a count, then "code jt jf k" per line) -> instructions."""
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if not lines or len(lines[0]) != 1:
        raise ValueError(f"not tcpdump -ddd output: {text[:80]!r}")
    count = int(lines[0][0])
    insns = []
    for fields in lines[1:]:
        if len(fields) != 4:
            raise ValueError(f"bad BPF instruction line: {' '.join(fields)!r}")
        code, jt, jf, k = (int(f) for f in fields)
        if not (0 <= code < 1 << 16 and 0 <= jt < 256 and 0 <= jf < 256 and 0 <= k < 1 << 32):
            raise ValueError(f"BPF instruction out of range: {' '.join(fields)!r}")
        insns.append((code, jt, jf, k))
    if count != len(insns) or not insns:
        raise ValueError(f"tcpdump -ddd announced {count} instructions, gave {len(insns)}")
    return insns


def pack_filter(insns: Sequence[tuple[int, int, int, int]]) -> bytes:
    """The instructions as an array of `struct sock_filter` (u16 code, u8 jt, u8 jf, u32 k)."""
    return b"".join(struct.pack("=HBBI", *insn) for insn in insns)


def tcpdump_path() -> str | None:
    """tcpdump on PATH, or in the sbin directories an ordinary user's PATH may lack."""
    extra = os.pathsep.join(("/usr/sbin", "/sbin", "/usr/bin"))
    return shutil.which("tcpdump") or shutil.which("tcpdump", path=extra)


def compile_filter(expr: str, linktype: str = "EN10MB") -> list[tuple[int, int, int, int]]:
    """Compile a pcap-filter expression with `tcpdump -y LINKTYPE -ddd` (captures nothing)."""
    tcpdump = tcpdump_path()
    if tcpdump is None:
        raise SniffError(f"{PROG}: a filter needs tcpdump to compile it; install tcpdump")
    r = subprocess.run(
        [tcpdump, "-y", linktype, "-ddd", expr], capture_output=True, text=True, timeout=30
    )
    if r.returncode != 0:  # e.g. "tcpdump: can't parse filter expression: syntax error"
        raise SniffError(r.stderr.strip() or f"tcpdump -ddd failed (status {r.returncode})")
    try:
        return parse_ddd(r.stdout)
    except ValueError as e:
        raise SniffError(f"{PROG}: {e}") from None


# --- the socket ----------------------------------------------------------------------------


def _attach_filter(sock: socket.socket, insns: Sequence[tuple[int, int, int, int]]) -> None:
    prog = ctypes.create_string_buffer(pack_filter(insns))
    fprog = struct.pack("@HP", len(insns), ctypes.addressof(prog))  # struct sock_fprog
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)  # the kernel copies it


def _is_up(sock: socket.socket, ifname: str) -> bool:
    ifreq = struct.pack("16sh14x", ifname.encode(), 0)
    flags = struct.unpack_from("16sh", fcntl.ioctl(sock.fileno(), SIOCGIFFLAGS, ifreq))[1]
    return bool(flags & IFF_UP)


def open_socket(ifname: str, filter: str | None) -> tuple[socket.socket, tuple[str, int, str]]:
    """A packet socket on `ifname` with `filter` attached, receiving from now on."""
    try:
        # Protocol 0: the socket receives nothing until bound with ETH_P_ALL below,
        # after the filter is in place.
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    except PermissionError as e:
        raise SniffError(
            f"{PROG}: {ifname}: You don't have permission to capture on that device "
            f"(socket: {e.strerror})"
        ) from None
    try:
        try:
            sock.bind((ifname, 0))
        except OSError as e:
            raise SniffError(f"{PROG}: {ifname}: No such device exists ({e.strerror})") from None
        hatype = sock.getsockname()[3]
        if not _is_up(sock, ifname):
            raise SniffError(f"{PROG}: {ifname}: That device is not up")
        link = LINKTYPES.get(hatype)
        if link is None:
            raise SniffError(
                f"{PROG}: {ifname}: unsupported device type (ARPHRD {hatype}); "
                "nslab records Ethernet-like and raw-IP devices"
            )
        if filter:
            _attach_filter(sock, compile_filter(filter, link[0]))
        sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMP, 1)
        sock.bind((ifname, ETH_P_ALL))
        sock.setblocking(False)
        return sock, link
    except BaseException:
        sock.close()
        raise


def _timestamp(ancdata: list[tuple[int, int, bytes]]) -> float | None:
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMP:
            sec, usec = struct.unpack("qq" if len(data) >= 16 else "ii", data[:16])
            return sec + usec / 1e6
    return None


def record(sock: socket.socket, writer: dpkt.pcap.Writer, out: object, loopback: bool) -> int:
    """Write every frame queued on the socket now; the number written."""
    n = 0
    cmsg = socket.CMSG_SPACE(16)
    while True:
        try:
            frame, ancdata, _flags, addr = sock.recvmsg(SNAPLEN, cmsg)
        except (BlockingIOError, InterruptedError):
            return n
        if loopback and addr[2] == PACKET_OUTGOING:
            continue  # on lo each frame shows up twice; keep the incoming copy
        ts = _timestamp(ancdata)
        writer.writepkt(frame, ts=ts)
        out.flush()  # type: ignore[attr-defined]
        n += 1


def main(args: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if args is None else args)
    if len(args) < 2:
        print(f"usage: python3 -m {PROG} IFNAME OUTFILE [FILTER...]", file=sys.stderr)
        return 2
    ifname, outfile = args[0], args[1]
    expr = " ".join(args[2:]) or None

    stop_r, stop_w = os.pipe()  # the signal handlers wake the select() below
    for fd in (stop_r, stop_w):
        os.set_blocking(fd, False)
    signal.set_wakeup_fd(stop_w)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)

    try:
        sock, (dltname, linktype, description) = open_socket(ifname, expr)
    except SniffError as e:
        print(e, file=sys.stderr, flush=True)
        return 1
    total = 0
    with sock, open(outfile, "wb") as out:
        writer = dpkt.pcap.Writer(out, snaplen=SNAPLEN, linktype=linktype)
        out.flush()
        loopback = sock.getsockname()[3] == ARPHRD_LOOPBACK
        print(
            f"{PROG}: listening on {ifname}, link-type {dltname} ({description}), "
            f"snapshot length {SNAPLEN} bytes",
            file=sys.stderr,
            flush=True,
        )
        while True:
            ready, _, _ = select.select([sock, stop_r], [], [])
            total += record(sock, writer, out, loopback)
            if stop_r in ready:
                break
    print(f"{total} packet{'' if total == 1 else 's'} captured", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Packet capture inside a network namespace: tcpdump records, dpkt decodes.

    with capture("/run/netns/test1", "veth-test1") as cap:   # tcpdump starts, listening
        ...                                                  # e.g. a ping
    cap.packets        # -> list[Packet], decoded by dpkt after tcpdump stopped
    cap                # a table in Jupyter (HTML), a plain table as text
    cap.sequence()     # -> graphviz.Digraph: one lifeline per host, one arrow per packet

On enter, ``tcpdump -i IFNAME -U -n --immediate-mode -w FILE`` starts inside the
namespace (``nsenter --net=PATH``; ``None`` is the namespace this process runs in)
and the context waits until tcpdump says "listening on". ``--immediate-mode``
matters: without it libpcap's TPACKET_V3 ring hands packets over in blocks, and a
capture stopped right after a ping loses the ARP and ICMP frames still in the ring.
On exit, tcpdump is stopped by its PID (SIGINT, then SIGTERM/SIGKILL if it does not
exit), the pcap is decoded by `decode_pcap` and the temporary directory is removed.

Outputs are deterministic for notebooks: MAC addresses live only in
``Packet.src_mac``/``dst_mac`` (besides the constant `BROADCAST`), the text repr has no
times, and ICMP echo ids (random per ping run) are left out of the summaries.

Every row names the host a frame was sent *to*. An ARP request asks about an address
but is not sent to it: it goes to every host on the link, so its destination is
`BROADCAST` (ff:ff:ff:ff:ff:ff), shown as the word "broadcast" in the text table, the
HTML table, the sequence diagram (a lifeline of its own, drawn last) and its text
alternative; the address it asks about is in the summary ("who-has 192.168.1.2 ...").
An ARP reply is sent to the asker: its destination is the asker's address. (A request
sent to one MAC, as the kernel does to re-check a neighbour it knows, is addressed to
that neighbour; a cooked capture, which records no destination MAC, counts a request as
broadcast, the usual case.)

tcpdump, when started as uid 0, always drops privileges to its own user; inside the
rootless sandbox (a user namespace that maps only uid 0 and denies setgroups) that
fails. There the recorder is `nslab._sniff` instead (``nsenter --net=PATH PYTHON -c LAUNCH
.../_sniff.py IFNAME FILE [FILTER]``, run by its file so the package is not imported: a
packet socket with the filter tcpdump compiles to BPF), which speaks the same protocol:
"listening on", SIGINT, a pcap file. Only `Capture.argv` differs; `Capture.command`
always shows the tcpdump command to type.
"""

from __future__ import annotations

import html
import io
import os
import pwd
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import unicodedata
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import dpkt
import graphviz

from . import _sniff, _tools
from ._wait import Patience
from .draw import TextAlt, accessible_svg, figure_html
from .errors import (
    InvalidFilter,
    KernelError,
    NotFound,
    NslabError,
    PrivilegeError,
    StepOrderError,
    did_you_mean,
    privilege_fixes,
)
from .messages import say, say_n

__all__ = ["BROADCAST", "Capture", "InvalidFilter", "Packet", "capture", "decode_pcap"]

FONT = "Noto Sans CJK SC"
# Bounds on an idle machine; each stretches with the load (nslab._wait.Patience), and each
# wait ends at its event: tcpdump's "listening on" line, the recorder asleep with nothing
# left to write, the recorder's exit.
START_TIMEOUT = 10.0  # for "listening on" on stderr (the socket is bound and filtering)
STOP_TIMEOUT = 3.0  # per signal (SIGINT, SIGTERM) before the next one
SETTLE_MAX = 1.0  # for the recorder to write what the kernel queued (busy traffic: less)
BROADCAST = "ff:ff:ff:ff:ff:ff"  # Packet.dst of a frame sent to every host on the link


# --- decoding (pure) ---------------------------------------------------------------------


@dataclass(frozen=True)
class Packet:
    """One captured frame, as a sentence. MACs and times stay out of the repr."""

    time: float = field(repr=False)  # seconds since the first packet of the capture
    src: str  # IP address (ARP: sender IP); a MAC only for non-IP frames
    dst: str  # IP address it is sent to (ARP: BROADCAST, or the IP of the MAC it goes to)
    protocol: str  # "ARP", "ICMP", "ICMPv6", "TCP", "UDP", ...
    summary: str  # "who-has 10.0.0.2 tell 10.0.0.1", "echo request seq=1", ...
    length: int = field(default=0, repr=False)  # frame length in bytes
    src_mac: str = field(default="", repr=False)
    dst_mac: str = field(default="", repr=False)

    @property
    def label(self) -> str:
        """The summary with the protocol in front ("ARP who-has ...", "ICMP echo ...")."""
        if self.summary.startswith(self.protocol):
            return self.summary
        return f"{self.protocol} {self.summary}"


# LINKTYPE_RAW (101) in files; 12/14: DLT_RAW on some BSDs
_LINKTYPE_RAW = {101, dpkt.pcap.DLT_RAW, 12, 14, 228, 229}
_TCP_FLAGS = (
    (dpkt.tcp.TH_SYN, "SYN"),
    (dpkt.tcp.TH_FIN, "FIN"),
    (dpkt.tcp.TH_RST, "RST"),
    (dpkt.tcp.TH_PUSH, "PSH"),
    (dpkt.tcp.TH_ACK, "ACK"),
    (dpkt.tcp.TH_URG, "URG"),
    (dpkt.tcp.TH_ECE, "ECE"),
    (dpkt.tcp.TH_CWR, "CWR"),
)
_UNREACH = {
    0: "net",
    1: "host",
    2: "protocol",
    3: "port",
    4: "fragmentation-needed",
    9: "net-prohibited",
    10: "host-prohibited",
    13: "admin-prohibited",
}
_ICMP = {
    dpkt.icmp.ICMP_SRCQUENCH: "source quench",
    dpkt.icmp.ICMP_REDIRECT: "redirect",
    dpkt.icmp.ICMP_RTRADVERT: "router advertisement",
    dpkt.icmp.ICMP_RTRSOLICIT: "router solicitation",
    dpkt.icmp.ICMP_PARAMPROB: "parameter problem",
    dpkt.icmp.ICMP_TSTAMP: "timestamp request",
    dpkt.icmp.ICMP_TSTAMPREPLY: "timestamp reply",
}
_ICMP6 = {
    1: "destination unreachable",
    2: "packet too big",
    3: "time exceeded",
    4: "parameter problem",
    130: "multicast listener query",
    131: "multicast listener report",
    132: "multicast listener done",
    133: "router solicitation",
    134: "router advertisement",
    135: "neighbor solicitation",
    136: "neighbor advertisement",
    137: "redirect",
    143: "multicast listener report v2",
}
_IP_PROTOS = {
    1: "ICMP",
    2: "IGMP",
    4: "IPIP",
    6: "TCP",
    17: "UDP",
    41: "IPv6",
    47: "GRE",
    50: "ESP",
    51: "AH",
    58: "ICMPv6",
    89: "OSPF",
    112: "VRRP",
    132: "SCTP",
}


def _mac(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


def _ip(raw: bytes) -> str:
    return socket.inet_ntop(socket.AF_INET6 if len(raw) == 16 else socket.AF_INET, raw)


def _tcp_flags(flags: int) -> str:
    return ",".join(name for bit, name in _TCP_FLAGS if flags & bit)


def _describe_arp(arp: dpkt.arp.ARP, dst_mac: str = "") -> tuple[str, str, str, str]:
    """(src, dst, protocol, summary) of an ARP packet; a reply names the MAC it answers
    with, as tcpdump does (the one MAC a summary shows: it is what ARP is for).

    dst is where the frame goes, not the address asked about: BROADCAST for a request
    to every host (or of unknown destination MAC: a cooked capture), else the target IP
    (a reply's target is the asker)."""
    request = arp.op == dpkt.arp.ARP_OP_REQUEST
    everyone = dst_mac == BROADCAST or (request and not dst_mac)
    if arp.pro != dpkt.arp.ARP_PRO_IP or arp.pln != 4:
        return "", BROADCAST if everyone else "", "ARP", f"op {arp.op} (non-IPv4)"
    spa, tpa = _ip(arp.spa), _ip(arp.tpa)
    dst = BROADCAST if everyone else tpa
    if request:
        return spa, dst, "ARP", f"who-has {tpa} tell {spa}"
    if arp.op == dpkt.arp.ARP_OP_REPLY:
        return spa, dst, "ARP", f"{spa} is-at {_mac(arp.sha)}"
    return spa, dst, "ARP", f"op {arp.op}"


def _describe_icmp(icmp: dpkt.icmp.ICMP) -> str:
    t, c = icmp.type, icmp.code
    if t in (dpkt.icmp.ICMP_ECHO, dpkt.icmp.ICMP_ECHOREPLY) and isinstance(
        icmp.data, dpkt.icmp.ICMP.Echo
    ):
        kind = "request" if t == dpkt.icmp.ICMP_ECHO else "reply"
        return f"echo {kind} seq={icmp.data.seq}"
    if t == dpkt.icmp.ICMP_UNREACH:
        return f"destination unreachable ({_UNREACH.get(c, f'code {c}')})"
    if t == dpkt.icmp.ICMP_TIMEXCEED:
        return "time exceeded (TTL)" if c == 0 else "time exceeded (reassembly)"
    return _ICMP.get(t, f"type {t} code {c}")


def _describe_icmp6(icmp: dpkt.icmp6.ICMP6) -> str:
    t = icmp.type
    if t in (128, 129) and isinstance(icmp.data, dpkt.icmp6.ICMP6.Echo):
        return f"echo {'request' if t == 128 else 'reply'} seq={icmp.data.seq}"
    text = _ICMP6.get(t, f"type {t} code {icmp.code}")
    raw = bytes(icmp.data)
    if t in (135, 136) and len(raw) >= 20:  # 4 bytes flags/reserved, then the target
        text += f" {'who-has' if t == 135 else 'tgt-is'} {_ip(raw[4:20])}"
    return text


def _describe_ip(ip: dpkt.ip.IP | dpkt.ip6.IP6) -> tuple[str, str, str, str]:
    """(src, dst, protocol, summary) of an IPv4/IPv6 packet."""
    src, dst = _ip(ip.src), _ip(ip.dst)
    l4 = ip.data
    if isinstance(l4, dpkt.tcp.TCP):
        text = f"TCP {l4.sport} -> {l4.dport} [{_tcp_flags(l4.flags)}]"
        return src, dst, "TCP", text + (f" len={len(l4.data)}" if len(l4.data) else "")
    if isinstance(l4, dpkt.udp.UDP):
        return src, dst, "UDP", f"UDP {l4.sport} -> {l4.dport} len={len(l4.data)}"
    if isinstance(l4, dpkt.icmp.ICMP):
        return src, dst, "ICMP", _describe_icmp(l4)
    if isinstance(l4, dpkt.icmp6.ICMP6):
        return src, dst, "ICMPv6", _describe_icmp6(l4)
    proto = ip.p if isinstance(ip, dpkt.ip.IP) else ip.nxt
    name = _IP_PROTOS.get(proto, f"IP proto {proto}")
    return src, dst, name, name


def _layer3(linktype: int, buf: bytes) -> tuple[Any, str, str]:
    """(network-layer dpkt object or raw frame, src MAC, dst MAC) for one frame."""
    if linktype == dpkt.pcap.DLT_EN10MB:
        eth = dpkt.ethernet.Ethernet(buf)
        return eth.data, _mac(eth.src), _mac(eth.dst)
    if linktype in (dpkt.pcap.DLT_LINUX_SLL, dpkt.pcap.DLT_LINUX_SLL2):
        cls = dpkt.sll.SLL if linktype == dpkt.pcap.DLT_LINUX_SLL else dpkt.sll2.SLL2
        sll = cls(buf)
        return sll.data, _mac(sll.hdr[: min(sll.hlen, 8)]), ""
    if linktype in _LINKTYPE_RAW:
        return (dpkt.ip6.IP6(buf) if buf[:1] and buf[0] >> 4 == 6 else dpkt.ip.IP(buf)), "", ""
    raise ValueError(say("capture.linktype", linktype=linktype))


def _decode_frame(linktype: int, t: float, buf: bytes) -> Packet:
    try:
        l3, smac, dmac = _layer3(linktype, buf)
    except (dpkt.UnpackError, IndexError):
        return Packet(t, "", "", "?", f"undecodable frame ({len(buf)} bytes)", len(buf))
    if isinstance(l3, dpkt.arp.ARP):
        src, dst, proto, text = _describe_arp(l3, dmac)
    elif isinstance(l3, (dpkt.ip.IP, dpkt.ip6.IP6)):
        src, dst, proto, text = _describe_ip(l3)
    else:  # no IP layer to name the hosts: fall back to the MACs
        proto = "frame" if isinstance(l3, bytes) else type(l3).__name__.upper()
        src, dst, text = smac, dmac, f"{proto} ({len(buf)} bytes)"
    return Packet(t, src, dst, proto, text, len(buf), smac, dmac)


def decode_pcap(data: bytes) -> list[Packet]:
    """Decode a pcap (or pcapng) file's bytes into Packets, in capture order.

    Times are seconds since the first packet. A truncated last record (a file still
    being written) is skipped; a frame dpkt cannot parse becomes an "undecodable" Packet.
    """
    if not data:
        return []
    reader = dpkt.pcap.UniversalReader(io.BytesIO(data))
    linktype = reader.datalink()
    packets: list[Packet] = []
    t0: Any = None
    it = iter(reader)
    while True:
        try:
            ts, buf = next(it)  # ts: float (µs files) or Decimal (ns files)
        except StopIteration:
            break
        except dpkt.NeedData:  # a record header cut short
            break
        t0 = ts if t0 is None else t0
        digits = 9 if isinstance(ts, Decimal) else 6  # µs pcap: drop float noise
        packets.append(_decode_frame(linktype, round(float(ts - t0), digits), buf))
    return packets


# --- presentation (pure) -----------------------------------------------------------------


def host_name(address: str) -> str:
    """How a row names a host: its address, or "broadcast" (in the reader's language) for
    a frame sent to every host on the link."""
    return say("capture.broadcast") if address == BROADCAST else address


def _table_rows(packets: list[Packet]) -> list[tuple[str, str, str, str, str]]:
    return [(str(i), host_name(p.src), host_name(p.dst), p.protocol, p.summary)
            for i, p in enumerate(packets, 1)]


def _width(text: str) -> int:
    """Columns TEXT takes in a monospace font (a CJK character takes two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


# the HTML table's column headings (in the notebook's language; the text table stays as is)
CAPTURE_COLUMNS = ("capture.col.time", "capture.col.source", "capture.col.destination",
                   "capture.col.protocol", "capture.col.summary")


def text_table(packets: list[Packet]) -> str:
    """The packets as an aligned plain-text table, without times (deterministic)."""
    head = ("#", "source", "destination", "protocol", "summary")
    rows = [head, *_table_rows(packets)]
    widths = [max(_width(r[i]) for r in rows) for i in range(4)]
    lines = []
    for r in rows:
        cells = [r[0].rjust(widths[0])] + [_pad(r[i], widths[i]) for i in (1, 2, 3)]
        lines.append("  ".join([*cells, r[4]]).rstrip())
    return "\n".join(lines)


def sequence_diagram(
    packets: list[Packet], *, title: str = "", limit: int | None = 50
) -> graphviz.Digraph:
    """One lifeline per host (columns in order of first appearance), one arrow per packet.

    A frame sent to every host (an ARP request) ends on a lifeline of its own, "broadcast",
    dashed and drawn last, so that no arrow seems to reach a host it was not sent to.
    An arrow always runs between the two rows' points of the same rank; right-to-left
    arrows are drawn as `dir=back` edges so every flat edge points left to right, which
    keeps the columns in order. Node ids are column/row numbers: the DOT is deterministic.
    """
    shown = packets if limit is None else packets[:limit]
    hosts: list[str] = []
    for p in shown:
        for h in (p.src, p.dst):
            if h not in hosts:
                hosts.append(h)
    hosts.sort(key=lambda h: h == BROADCAST)  # stable: only the broadcast lifeline moves
    col = {h: i for i, h in enumerate(hosts)}
    g = graphviz.Digraph("sequence")
    caption = title
    if len(shown) < len(packets):
        caption = say_n("capture.first_of", len(packets), title=title, shown=len(shown))
    g.attr(rankdir="TB", fontname=FONT, nodesep="2.5", ranksep="0.3", newrank="true")
    if caption:
        g.attr(label=caption.strip(), labelloc="t", fontsize="14")
    g.attr("node", fontname=FONT, fontsize="11")
    g.attr("edge", fontname=FONT, fontsize="10")
    rows = len(shown) + 1  # one row per packet, plus one to end the lifelines
    with g.subgraph(name="hosts") as s:
        s.attr(rank="same")
        for h, c in col.items():
            style = "rounded,filled,dashed" if h == BROADCAST else "rounded,filled"
            s.node(f"h{c}", host_name(h) or "?", shape="box", style=style, fillcolor="#e8eefc")
    for r in range(1, rows + 1):
        with g.subgraph(name=f"row{r}") as s:
            s.attr(rank="same")
            for c in range(len(hosts)):
                s.node(f"p{c}_{r}", "", shape="point", width="0.03", color="#767676")
    for c in range(len(hosts)):  # lifelines
        chain = [f"h{c}"] + [f"p{c}_{r}" for r in range(1, rows + 1)]
        for a, b in zip(chain, chain[1:], strict=False):
            g.edge(a, b, style="dashed", arrowhead="none", color="#767676", weight="100")
    for r in range(rows + 1):  # keep the columns in order on every row
        for c in range(len(hosts) - 1):
            a, b = (f"h{c}", f"h{c + 1}") if r == 0 else (f"p{c}_{r}", f"p{c + 1}_{r}")
            g.edge(a, b, style="invis")
    for r, p in enumerate(shown, 1):
        a, b = col[p.src], col[p.dst]
        if a == b:
            g.edge(f"p{a}_{r}", f"p{a}_{r}", label=p.label)
        elif a < b:
            g.edge(f"p{a}_{r}", f"p{b}_{r}", label=p.label)
        else:
            g.edge(f"p{b}_{r}", f"p{a}_{r}", label=p.label, dir="back")
    return g


class SequenceDiagram:
    """A sequence drawing that shows itself: the SVG, and a short text (not an object's
    repr with its memory address) where no image can be shown. Anything else, such as
    `.source` or `.pipe()`, is the graphviz.Digraph's."""

    def __init__(self, graph: graphviz.Digraph, packets: int, alt: TextAlt | None = None) -> None:
        self.graph = graph
        self.packets = packets  # how many arrows it draws
        self.alt = alt or TextAlt(str(self))  # the diagram in words (nslab.draw.TextAlt)

    def __getattr__(self, name: str) -> Any:
        if name == "graph":  # not set yet (copy, pickle): no recursion
            raise AttributeError(name)
        return getattr(self.graph, name)

    def __str__(self) -> str:
        return say_n("capture.sequence_text", self.packets)

    def __repr__(self) -> str:
        return str(self)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """The accessible SVG, and HTML with the diagram in words under it (never a bare
        image: JupyterLab shows an SVG output as an <img> without alt)."""
        svg = accessible_svg(self.graph.pipe(format="svg", encoding="utf-8"), self.alt)
        return {"image/svg+xml": svg, "text/html": figure_html(svg, self.alt),
                "text/plain": str(self)}


def _sequence_alt(packets: list[Packet], title: str) -> TextAlt:
    """The sequence diagram in words: who talks to whom, one line per arrow (a broadcast
    is to every host on the link, not a host of its own)."""
    hosts = list(dict.fromkeys(h for p in packets for h in (p.src, p.dst) if h != BROADCAST))
    head = say_n("a11y.sequence", len(packets), title=title, hosts=say("a11y.sep").join(hosts))
    rows = [say("a11y.packet.broadcast" if p.dst == BROADCAST else "a11y.packet",
                i=i, src=host_name(p.src), dst=p.dst, label=p.label)
            for i, p in enumerate(packets, 1)]
    return TextAlt(head, tuple((r, ()) for r in rows))


# --- the live capture --------------------------------------------------------------------


def _namespace_label(netns_path: str | None) -> str:
    if netns_path is None:
        return say("ns.label.host")
    m = re.fullmatch(r"/(?:var/)?run/netns/([^/]+)", netns_path)
    if m:
        return m.group(1)
    m = re.fullmatch(r"/proc/(\d+)/ns/net", netns_path)
    if m:
        return say("ns.label.hidden", pid=m.group(1))
    return netns_path


def _in_ns_prefix(netns_path: str | None) -> list[str]:
    """How the commands the student may type enter the namespace."""
    if netns_path is None:
        return []
    m = re.fullmatch(r"/(?:var/)?run/netns/([^/]+)", netns_path)
    if m:
        return ["ip", "netns", "exec", m.group(1)]
    return ["nsenter", f"--net={netns_path}"]


def _id_mapped(map_path: str, ident: int) -> bool:
    """Whether `ident` appears in a /proc/self/{uid,gid}_map (inside-namespace ids)."""
    try:
        rows = [line.split() for line in Path(map_path).read_text().splitlines()]
    except OSError:
        return True
    return any(int(a) <= ident < int(a) + int(n) for a, _b, n in (r for r in rows if len(r) == 3))


def tcpdump_cannot_drop_privileges() -> bool:
    """True where tcpdump, started as uid 0, would fail to switch to its `tcpdump` user:
    the sandbox kernel, or any user namespace that denies setgroups or leaves that user
    (or its group) unmapped. Elsewhere (real root, Docker, an ordinary user) it works."""
    from ._userns import in_sandbox, userns_is_initial

    if in_sandbox():
        return True
    if os.geteuid() != 0 or userns_is_initial():
        return False
    try:
        if Path("/proc/self/setgroups").read_text().strip() == "deny":
            return True
        user = pwd.getpwnam("tcpdump")
    except (OSError, KeyError):
        return False
    return not (
        _id_mapped("/proc/self/uid_map", user.pw_uid)
        and _id_mapped("/proc/self/gid_map", user.pw_gid)
    )


def _drop_failed(stderr: str) -> bool:
    """tcpdump's words when it cannot switch to its own user."""
    return "Couldn't change to" in stderr or "ownership of savefile" in stderr


def recorder_argv(
    prefix: list[str],
    ifname: str,
    pcap: str,
    filter: str | None,
    *,
    tcpdump: str = "tcpdump",
    sniff: bool = False,
) -> list[str]:
    """What records the capture: tcpdump, or (where it cannot run) nslab._sniff."""
    if sniff:
        return _sniff.argv(ifname, pcap, filter, prefix=prefix)
    return [
        *prefix,
        tcpdump,
        "-i",
        ifname,
        "-U",
        "-n",
        "--immediate-mode",
        "-w",
        pcap,
        *([filter] if filter else []),
    ]


def _asleep(pid: int) -> bool:
    """Whether process PID is in an interruptible sleep (S: waiting in poll/select for the
    next frame), not runnable or running (R: it has frames to write) — /proc/PID/stat."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2 :].startswith("S")


def _stop_process(proc: subprocess.Popen) -> None:
    """Stop our own child by its PID: SIGINT (tcpdump flushes), then SIGTERM, then SIGKILL."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        if proc.poll() is not None:
            return
        proc.send_signal(sig)  # Popen signals only a child it has not reaped yet
        patience = Patience(STOP_TIMEOUT)
        while proc.poll() is None and not patience.expired():
            patience.pause()
        if proc.poll() is not None:
            return
    proc.kill()
    proc.wait()


def _cleanup(proc: subprocess.Popen | None, tmpdir: str) -> None:
    """Finalizer: also runs if a running Capture is garbage-collected or at exit."""
    if proc is not None:
        _stop_process(proc)
        if proc.stderr is not None:
            proc.stderr.close()
    shutil.rmtree(tmpdir, ignore_errors=True)


# Capture.state is an identifier; what a heading shows is the word in the reader's language.
_STATE_WORDS = {"stopped": "capture.state.stopped", "running": "capture.state.running",
                "not started": "capture.state.not_started"}


class Capture:
    """A tcpdump (or nslab._sniff) session on one interface of one namespace; see the
    module docstring."""

    def __init__(
        self,
        netns_path: str | None,
        ifname: str,
        *,
        label: str | None = None,
        filter: str | None = None,
        timeout: float = START_TIMEOUT,
    ) -> None:
        # timeout: seconds to wait for "listening on" on an idle machine, stretched by load
        self.netns_path = netns_path
        self.ifname = ifname
        self.label = label or _namespace_label(netns_path)
        self.filter = filter
        self.timeout = timeout
        self.pid: int | None = None  # the recorder's PID once started
        self.argv: list[str] = []  # exactly what was run
        self._proc: subprocess.Popen | None = None
        self._tmpdir: str | None = None
        self._finalizer: weakref.finalize | None = None
        self._packets: list[Packet] | None = None
        self._stopped = False

    @classmethod
    def from_pcap(cls, data: bytes, *, label: str = "pcap", ifname: str = "") -> Capture:
        """A finished Capture made from pcap bytes (for tests and saved captures)."""
        cap = cls(None, ifname, label=label)
        cap._packets = decode_pcap(data)
        cap._stopped = True
        return cap

    # the equivalent command, deterministic (for transcripts and teaching)
    @property
    def command(self) -> str:
        prefix = _in_ns_prefix(self.netns_path)
        return shlex.join(recorder_argv(prefix, self.ifname, "capture.pcap", self.filter))

    @property
    def running(self) -> bool:
        return self._proc is not None and not self._stopped and self._proc.poll() is None

    @property
    def state(self) -> str:
        if self._stopped:
            return "stopped"
        return "running" if self._proc is not None else "not started"

    @property
    def where(self) -> str:
        return f"{self.label}/{self.ifname}" if self.ifname else self.label

    # --- start ---------------------------------------------------------------------------

    def start(self) -> Capture:
        """Start tcpdump and return once it is listening; raise a clear error otherwise."""
        if self._proc is not None or self._stopped:
            raise StepOrderError(say("capture.started_twice", where=self.where))
        tcpdump = _tools.find("tcpdump")
        if tcpdump is None:
            raise NotFound(say("capture.no_tcpdump"))
        prefix: list[str] = []
        if self.netns_path is not None:
            nsenter = _tools.find("nsenter")
            if nsenter is None:
                raise NotFound(say("capture.no_nsenter"))
            if not os.path.exists(self.netns_path):
                raise NotFound(say("capture.no_netns", name=self.label, path=self.netns_path))
            prefix = [nsenter, f"--net={self.netns_path}"]
        try:
            return self._launch(prefix, tcpdump, sniff=tcpdump_cannot_drop_privileges())
        except _CannotDropPrivileges:  # predicted wrong: same steps, the other recorder
            self._proc, self._stopped = None, False
            return self._launch(prefix, tcpdump, sniff=True)

    def _launch(self, prefix: list[str], tcpdump: str, *, sniff: bool) -> Capture:
        self._tmpdir = tempfile.mkdtemp(prefix="nslab-capture-")
        pcap = os.path.join(self._tmpdir, "capture.pcap")
        self.argv = recorder_argv(
            prefix, self.ifname, pcap, self.filter, tcpdump=tcpdump, sniff=sniff
        )
        # New session: a Jupyter interrupt (SIGINT to the kernel's group) must not
        # stop tcpdump behind our back; we stop it ourselves, by PID. Its stderr is a pipe:
        # the wait below wakes when it writes, not on a polling tick.
        self._proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        self.pid = self._proc.pid
        self._finalizer = weakref.finalize(self, _cleanup, self._proc, self._tmpdir)
        try:
            self._wait_listening()
        except BaseException:
            self._stopped = True
            self._finalizer()  # stop tcpdump (if still alive) and remove the temp files
            raise
        return self

    def _wait_listening(self) -> None:
        """Until the recorder says "listening on" (printed once its packet socket is bound
        with the filter attached) or exits; bounded by `timeout` stretched by the load."""
        assert self._proc is not None and self._proc.stderr is not None
        fd = self._proc.stderr.fileno()
        patience = Patience(self.timeout)
        said = b""
        while b"listening on" not in said:
            ready, _, _ = select.select([fd], [], [], patience.left())
            chunk = os.read(fd, 4096) if ready else b""
            said += chunk
            if ready and not chunk:  # end of file: the recorder exited
                self._proc.wait()
                raise self._start_error(said.decode(errors="replace"))
            if not ready and patience.expired():
                text = said.decode(errors="replace").strip() or say("word.nothing")
                raise KernelError(say("capture.not_listening", where=self.where,
                                      waited=patience.describe(), said=text))

    def _start_error(self, stderr: str) -> NslabError:
        said = " ".join(line.strip() for line in stderr.splitlines() if line.strip())
        said = said or say("capture.said_nothing",
                           status=self._proc.returncode if self._proc else "?")
        listing = shlex.join([*_in_ns_prefix(self.netns_path), "ip", "link"])
        if "No such device" in stderr:
            hint = did_you_mean(self.ifname, self._interfaces())
            return NotFound(say("capture.no_link", name=self.ifname, where=self.label,
                                hint=hint, command=listing))
        if "not up" in stderr:
            up = shlex.join(
                [*_in_ns_prefix(self.netns_path), "ip", "link", "set", "dev", self.ifname, "up"]
            )
            return StepOrderError(say("capture.link_down", name=self.ifname, where=self.label,
                                      command=up))
        if "parse filter expression" in stderr or "syntax error" in stderr:
            return InvalidFilter(say("capture.bad_filter", filter=self.filter, said=said))
        if _drop_failed(stderr):
            return _CannotDropPrivileges(say("capture.cannot_drop", said=said))
        if "ermission" in stderr or "not permitted" in stderr:
            return PrivilegeError(
                say("capture.not_allowed", where=self.where, said=said, fix=privilege_fixes())
            )
        return KernelError(say("capture.failed", where=self.where, said=said))

    def _interfaces(self) -> list[str]:
        """Interface names in the namespace (for "did you mean"), [] if unknown."""
        prefix = ["nsenter", f"--net={self.netns_path}"] if self.netns_path else []
        try:
            out = subprocess.run(
                [*prefix, "ip", "-o", "link", "show"], capture_output=True, text=True, timeout=5
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return []
        return [m.group(1) for m in re.finditer(r"^\d+: ([^:@\s]+)", out, re.M)]

    # --- stop ----------------------------------------------------------------------------

    def stop(self) -> Capture:
        """Stop tcpdump (by PID), decode what it wrote, remove the temp files. Idempotent."""
        if self._stopped:
            return self
        if self._proc is None:
            raise StepOrderError(say("capture.never_started", where=self.where))
        assert self._tmpdir is not None and self._finalizer is not None
        pcap = Path(self._tmpdir, "capture.pcap")
        try:
            self._settle(pcap)
            _stop_process(self._proc)
            data = pcap.read_bytes() if pcap.exists() else b""
            self._packets = decode_pcap(data)
        finally:
            self._stopped = True
            self._finalizer()
        return self

    def _settle(self, pcap: Path) -> None:
        """Wait until the recorder has written what the kernel queued for it: it is asleep
        (waiting for the next frame) twice in a row with the pcap the same size. Under load
        it is runnable, not asleep, until it has had the CPU to write. A capture of busy
        traffic never settles: it stops after SETTLE_MAX (stretched by load) with what the
        recorder wrote by then."""
        assert self._proc is not None
        patience = Patience(SETTLE_MAX, step=0.002, max_step=0.02)
        last = -1
        while self._proc.poll() is None and not patience.expired():
            size = pcap.stat().st_size if pcap.exists() else 0
            if _asleep(self._proc.pid):
                if size == last:
                    return
                last = size
            else:
                last = -1
            patience.pause()

    def __enter__(self) -> Capture:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- results -------------------------------------------------------------------------

    @property
    def packets(self) -> list[Packet]:
        """The decoded packets; while running, what tcpdump has written so far."""
        if self._packets is not None:
            return list(self._packets)
        if self._tmpdir is not None and self.running:
            pcap = Path(self._tmpdir, "capture.pcap")
            try:
                return decode_pcap(pcap.read_bytes())
            except (OSError, ValueError):
                return []
        return []

    def __len__(self) -> int:
        return len(self.packets)

    def __iter__(self) -> Iterator[Packet]:
        return iter(self.packets)

    def sequence(self, *, limit: int | None = 50) -> SequenceDiagram:
        """A sequence diagram of the capture: hosts as lifelines, one arrow per packet."""
        graph = sequence_diagram(self.packets, title=say("capture.title", where=self.where),
                                 limit=limit)
        shown = len(self.packets) if limit is None else min(limit, len(self.packets))
        alt = _sequence_alt(self.packets[:shown], say("capture.title", where=self.where))
        return SequenceDiagram(graph, shown, alt)

    def _heading(self, n: int) -> str:
        return say_n("capture.heading", n, where=self.where, state=say(_STATE_WORDS[self.state]))

    def __repr__(self) -> str:
        packets = self.packets
        body = text_table(packets) if packets else say("capture.no_packets")
        return f"{self._heading(len(packets))}\n{body}"

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self) if not cycle else f"Capture({self.where!r})")

    def _repr_html_(self) -> str:
        packets = self.packets
        esc = html.escape
        head = "".join(
            f"<th style='text-align:left'>{h}</th>"
            for h in ("#", *(html.escape(say(k)) for k in CAPTURE_COLUMNS))
        )
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td style='text-align:left'>{esc(str(v))}</td>"
                for v in (i, f"{p.time:.3f}", host_name(p.src), host_name(p.dst), p.protocol,
                          p.summary)
            )
            + "</tr>"
            for i, p in enumerate(packets, 1)
        )
        return (
            f"<div><b>{esc(self._heading(len(packets)))}</b>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
        )


class _CannotDropPrivileges(PrivilegeError):
    """tcpdump could not switch to its own user; `Capture.start` retries with nslab._sniff."""


def capture(
    netns_path: str | None,
    ifname: str,
    *,
    label: str | None = None,
    filter: str | None = None,
    timeout: float = START_TIMEOUT,
) -> Capture:
    """A Capture of `ifname` in the namespace at `netns_path` (None: this process's own).

    Use it as a context manager (tcpdump runs inside the ``with`` block), or call
    ``start()``/``stop()``. `filter` is a tcpdump/pcap-filter expression such as
    ``"arp or icmp"``; `label` names the namespace in outputs (default: from the path).
    """
    return Capture(netns_path, ifname, label=label, filter=filter, timeout=timeout)

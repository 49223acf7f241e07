"""decode_pcap and the Capture outputs, on pcap bytes built with dpkt (no root, no tcpdump)."""

from __future__ import annotations

import io
import socket
import struct
import subprocess
import sys

import dpkt
import pytest

from nslab import _sniff
from nslab import capture as capture_mod
from nslab.capture import (
    Capture,
    Packet,
    capture,
    decode_pcap,
    recorder_argv,
    sequence_diagram,
)
from nslab.errors import NotFound, StepOrderError

A, B = "192.168.1.1", "192.168.1.2"
MAC_A, MAC_B = b"\x02\x00\x00\x00\x00\x0a", b"\x02\x00\x00\x00\x00\x0b"
BROADCAST = b"\xff" * 6


def _eth(src: bytes, dst: bytes, etype: int, data: dpkt.Packet) -> bytes:
    return bytes(dpkt.ethernet.Ethernet(src=src, dst=dst, type=etype, data=data))


def _arp(op: int, sha: bytes, spa: str, tha: bytes, tpa: str) -> dpkt.arp.ARP:
    return dpkt.arp.ARP(
        op=op, sha=sha, spa=socket.inet_aton(spa), tha=tha, tpa=socket.inet_aton(tpa)
    )


def _ip(src: str, dst: str, proto: int, data: dpkt.Packet) -> dpkt.ip.IP:
    return dpkt.ip.IP(src=socket.inet_aton(src), dst=socket.inet_aton(dst), p=proto, data=data)


def _echo(icmp_type: int, seq: int) -> dpkt.icmp.ICMP:
    echo = dpkt.icmp.ICMP.Echo(id=0x1234, seq=seq, data=b"\x00" * 56)
    return dpkt.icmp.ICMP(type=icmp_type, data=echo)


def _pcap(frames: list[bytes], *, start: float = 1_700_000_000.0, step: float = 0.001) -> bytes:
    buf = io.BytesIO()
    writer = dpkt.pcap.Writer(buf)
    for i, frame in enumerate(frames):
        writer.writepkt(frame, ts=start + i * step)
    return buf.getvalue()


def _ping_frames() -> list[bytes]:
    syn_ack = dpkt.tcp.TCP(sport=80, dport=51234, flags=dpkt.tcp.TH_SYN | dpkt.tcp.TH_ACK)
    return [
        _eth(MAC_A, BROADCAST, dpkt.ethernet.ETH_TYPE_ARP, _arp(1, MAC_A, A, b"\0" * 6, B)),
        _eth(MAC_B, MAC_A, dpkt.ethernet.ETH_TYPE_ARP, _arp(2, MAC_B, B, MAC_A, A)),
        _eth(MAC_A, MAC_B, dpkt.ethernet.ETH_TYPE_IP, _ip(A, B, 1, _echo(8, 1))),
        _eth(MAC_B, MAC_A, dpkt.ethernet.ETH_TYPE_IP, _ip(B, A, 1, _echo(0, 1))),
        _eth(MAC_B, MAC_A, dpkt.ethernet.ETH_TYPE_IP, _ip(B, A, 6, syn_ack)),
    ]


PING_PCAP = _pcap(_ping_frames())


def test_decode_ping_exchange():
    packets = decode_pcap(PING_PCAP)
    assert [(p.src, p.dst, p.protocol, p.summary) for p in packets] == [
        (A, capture_mod.BROADCAST, "ARP", "who-has 192.168.1.2 tell 192.168.1.1"),
        (B, A, "ARP", "192.168.1.2 is-at 02:00:00:00:00:0b"),
        (A, B, "ICMP", "echo request seq=1"),
        (B, A, "ICMP", "echo reply seq=1"),
        (B, A, "TCP", "TCP 80 -> 51234 [SYN,ACK]"),
    ]
    assert [p.time for p in packets] == pytest.approx([0.0, 0.001, 0.002, 0.003, 0.004])
    assert packets[0].src_mac == "02:00:00:00:00:0a"
    assert packets[0].dst_mac == "ff:ff:ff:ff:ff:ff"
    assert packets[1].src_mac == "02:00:00:00:00:0b"
    assert [p.length for p in packets] == [42, 42, 98, 98, 54]


def test_packet_repr_has_no_times_and_only_the_mac_an_arp_reply_carries():
    text = repr(decode_pcap(PING_PCAP)[1])
    assert text == (
        "Packet(src='192.168.1.2', dst='192.168.1.1', protocol='ARP', "
        "summary='192.168.1.2 is-at 02:00:00:00:00:0b')"
    )
    assert "02:00" not in repr(decode_pcap(PING_PCAP)[2])  # an echo request: no MAC


def test_decode_udp_tcp_payload_icmp_errors_and_ipv6():
    unreach = dpkt.icmp.ICMP(type=3, code=3, data=dpkt.icmp.ICMP.Unreach(data=b""))
    udp = dpkt.udp.UDP(sport=40000, dport=53, data=b"abc")
    psh = dpkt.tcp.TCP(sport=51234, dport=80, flags=dpkt.tcp.TH_PUSH | dpkt.tcp.TH_ACK, data=b"GET")
    ns_target = socket.inet_pton(socket.AF_INET6, "fe80::1")
    nsol = dpkt.icmp6.ICMP6(type=135, data=b"\0" * 4 + ns_target)
    ip6 = dpkt.ip6.IP6(
        src=socket.inet_pton(socket.AF_INET6, "::"),
        dst=socket.inet_pton(socket.AF_INET6, "ff02::1:ff00:1"),
        nxt=58,
        hlim=255,
        data=nsol,
    )
    frames = [
        _eth(MAC_A, MAC_B, dpkt.ethernet.ETH_TYPE_IP, _ip(A, B, 17, udp)),
        _eth(MAC_A, MAC_B, dpkt.ethernet.ETH_TYPE_IP, _ip(A, B, 6, psh)),
        _eth(MAC_B, MAC_A, dpkt.ethernet.ETH_TYPE_IP, _ip(B, A, 1, unreach)),
        _eth(MAC_A, MAC_B, dpkt.ethernet.ETH_TYPE_IP6, ip6),
    ]
    packets = decode_pcap(_pcap(frames))
    assert [(p.protocol, p.summary) for p in packets] == [
        ("UDP", "UDP 40000 -> 53 len=3"),
        ("TCP", "TCP 51234 -> 80 [PSH,ACK] len=3"),
        ("ICMP", "destination unreachable (port)"),
        ("ICMPv6", "neighbor solicitation who-has fe80::1"),
    ]
    assert (packets[3].src, packets[3].dst) == ("::", "ff02::1:ff00:1")


def test_decode_linux_cooked_and_raw_ip():
    ip = _ip(A, B, 1, _echo(8, 7))
    sll = dpkt.sll.SLL(type=4, hlen=6, hdr=MAC_A + b"\0\0", ethtype=0x0800, data=ip)
    cooked = io.BytesIO()
    dpkt.pcap.Writer(cooked, linktype=dpkt.pcap.DLT_LINUX_SLL).writepkt(bytes(sll), ts=1.0)
    raw = io.BytesIO()
    dpkt.pcap.Writer(raw, linktype=dpkt.pcap.DLT_RAW).writepkt(bytes(ip), ts=1.0)
    for data in (cooked.getvalue(), raw.getvalue()):
        (p,) = decode_pcap(data)
        assert (p.src, p.dst, p.protocol, p.summary) == (A, B, "ICMP", "echo request seq=7")
    assert decode_pcap(cooked.getvalue())[0].src_mac == "02:00:00:00:00:0a"


def test_decode_empty_header_only_and_truncated():
    assert decode_pcap(b"") == []
    header_only = _pcap([])
    assert len(header_only) == 24 and decode_pcap(header_only) == []
    assert len(decode_pcap(PING_PCAP[:-10])) == 5  # last frame cut short: still listed
    assert len(decode_pcap(PING_PCAP[: 24 + 8])) == 0  # a record header cut short: skipped


def test_decode_garbage_frame_and_bad_file():
    (p,) = decode_pcap(_pcap([b"\x01\x02"]))
    assert p.protocol == "?" and p.summary == "undecodable frame (2 bytes)"
    with pytest.raises(ValueError):
        decode_pcap(b"this is not a pcap file at all")


def test_text_repr_is_a_table_without_times():
    cap = Capture.from_pcap(PING_PCAP, label="test1", ifname="veth-test1")
    assert repr(cap) == (
        "Capture on test1/veth-test1 (stopped): 5 packets\n"
        "#  source       destination  protocol  summary\n"
        "1  192.168.1.1  broadcast    ARP       who-has 192.168.1.2 tell 192.168.1.1\n"
        "2  192.168.1.2  192.168.1.1  ARP       192.168.1.2 is-at 02:00:00:00:00:0b\n"
        "3  192.168.1.1  192.168.1.2  ICMP      echo request seq=1\n"
        "4  192.168.1.2  192.168.1.1  ICMP      echo reply seq=1\n"
        "5  192.168.1.2  192.168.1.1  TCP       TCP 80 -> 51234 [SYN,ACK]"
    )
    assert repr(cap).count("02:00") == 1  # only the MAC the ARP reply carries
    empty = Capture.from_pcap(b"", label="test1", ifname="veth-test1")
    assert repr(empty) == "Capture on test1/veth-test1 (stopped): 0 packets\n(no packets)"


def test_pretty_repr_matches_repr():
    from IPython.lib.pretty import pretty

    cap = Capture.from_pcap(PING_PCAP, label="test1", ifname="veth-test1")
    assert pretty(cap) == repr(cap)


def test_html_repr():
    out = Capture.from_pcap(PING_PCAP, label="t<1>", ifname="v")._repr_html_()
    assert out.count("<tr>") == 6  # header + 5 packets
    assert "<td style='text-align:left'>0.002</td>" in out  # time in seconds, ms precision
    assert "t&lt;1&gt;/v" in out
    assert "TCP 80 -&gt; 51234 [SYN,ACK]" in out
    assert out.count("02:00") == 1  # only the MAC the ARP reply carries


def test_sequence_dot():
    dot = Capture.from_pcap(PING_PCAP, label="test1", ifname="veth-test1").sequence().source
    # two lifelines, in order of first appearance, then the broadcast one (dashed), last
    assert 'h0 [label="192.168.1.1"' in dot and 'h1 [label="192.168.1.2"' in dot
    assert 'h2 [label=broadcast fillcolor="#e8eefc" shape=box style="rounded,filled,dashed"]' in dot
    arrows = [line.strip() for line in dot.splitlines() if "label=" in line and "->" in line]
    assert arrows == [  # the ARP request goes to every host, not to the address it asks about
        'p0_1 -> p2_1 [label="ARP who-has 192.168.1.2 tell 192.168.1.1"]',
        'p0_2 -> p1_2 [label="ARP 192.168.1.2 is-at 02:00:00:00:00:0b" dir=back]',
        'p0_3 -> p1_3 [label="ICMP echo request seq=1"]',
        'p0_4 -> p1_4 [label="ICMP echo reply seq=1" dir=back]',
        'p0_5 -> p1_5 [label="TCP 80 -> 51234 [SYN,ACK]" dir=back]',
    ]
    assert 'label="capture on test1/veth-test1"' in dot
    assert "p0_5 -> p0_6" in dot  # the lifeline runs past the last arrow
    # deterministic: the same packets give the same DOT
    again = Capture.from_pcap(PING_PCAP, label="test1", ifname="veth-test1").sequence().source
    assert again == dot


def test_arp_destination_is_where_the_frame_goes_not_the_address_asked_about():
    unicast_probe = _eth(MAC_A, MAC_B, dpkt.ethernet.ETH_TYPE_ARP,
                         _arp(1, MAC_A, A, b"\0" * 6, B))  # the kernel re-checking a neighbour
    broadcast_reply = _eth(MAC_B, BROADCAST, dpkt.ethernet.ETH_TYPE_ARP,
                           _arp(2, MAC_B, B, BROADCAST, B))  # a gratuitous ARP reply
    request, reply = decode_pcap(_pcap(_ping_frames()[:2]))
    probe, gratuitous = decode_pcap(_pcap([unicast_probe, broadcast_reply]))
    assert (request.dst, reply.dst) == (capture_mod.BROADCAST, A)  # the reply: to the asker
    assert probe.dst == B and gratuitous.dst == capture_mod.BROADCAST
    # a cooked capture records no destination MAC: a request counts as broadcast
    sll = dpkt.sll.SLL(type=4, hlen=6, hdr=MAC_A + b"\0\0", ethtype=0x0806,
                       data=_arp(1, MAC_A, A, b"\0" * 6, B))
    cooked = io.BytesIO()
    dpkt.pcap.Writer(cooked, linktype=dpkt.pcap.DLT_LINUX_SLL).writepkt(bytes(sll), ts=1.0)
    (p,) = decode_pcap(cooked.getvalue())
    assert (p.src, p.dst, p.summary) == (A, capture_mod.BROADCAST, f"who-has {B} tell {A}")


def test_broadcast_reads_the_same_in_every_view_and_language():
    import nslab

    cap = Capture.from_pcap(PING_PCAP, label="test1", ifname="veth-test1")
    assert "<td style='text-align:left'>broadcast</td>" in cap._repr_html_()
    alt = str(cap.sequence().alt)
    assert "1. 192.168.1.1 to every host on the link (broadcast): ARP who-has" in alt
    assert "2. 192.168.1.2 to 192.168.1.1: ARP 192.168.1.2 is-at" in alt
    assert "between 192.168.1.1, 192.168.1.2" in alt  # broadcast is not a host
    nslab.set_language("zh-CN")
    try:
        text, page = repr(cap), cap._repr_html_()
        alt = str(cap.sequence().alt)
        dot = cap.sequence().source
    finally:
        nslab.set_language("en")
    lines = text.splitlines()
    assert lines[2] == "1  192.168.1.1  广播         ARP       who-has 192.168.1.2 tell 192.168.1.1"
    # the CJK word takes two columns per character: the next column stays aligned
    assert lines[3].index("ARP") == lines[2].index("ARP") + len("广播")
    assert "<td style='text-align:left'>广播</td>" in page
    assert "1. 192.168.1.1 广播给链路上的所有主机：ARP who-has 192.168.1.2" in alt
    assert "h2 [label=\"广播\"" in dot


def test_sequence_shows_itself_without_an_object_repr():
    from IPython.core.formatters import DisplayFormatter

    cap = Capture.from_pcap(PING_PCAP, label="test1", ifname="veth-test1")
    diagram = cap.sequence()
    data, _ = DisplayFormatter().format(diagram)  # what Jupyter stores in the notebook
    assert data["text/plain"] == "sequence diagram: 5 packets"
    assert data["image/svg+xml"].lstrip().startswith(("<?xml", "<svg", "<!--"))
    assert "at 0x" not in data["text/plain"] and str(diagram) == repr(diagram)
    assert str(cap.sequence(limit=2)) == "sequence diagram: 2 packets"
    assert str(Capture.from_pcap(PING_PCAP, label="t", ifname="v").sequence(limit=None)) == (
        "sequence diagram: 5 packets")
    assert diagram.source == cap.sequence().source  # still the graphviz graph's DOT


def test_sequence_limit_and_self_arrow():
    packets = [Packet(0.0, "127.0.0.1", "127.0.0.1", "UDP", "UDP 1 -> 2 len=0")] * 3
    dot = sequence_diagram(packets, title="lo", limit=2).source
    assert 'p0_1 -> p0_1 [label="UDP 1 -> 2 len=0"]' in dot
    assert "p0_2 -> p0_3" in dot and "p0_4" not in dot
    assert 'label="lo (first 2 of 3 packets)"' in dot


def test_labels_from_paths_and_command():
    assert capture("/run/netns/test1", "veth-test1").label == "test1"
    assert capture(None, "lo").label == "host"
    assert capture("/proc/42/ns/net", "eth0").label == "hidden namespace of PID 42"
    assert capture("/run/netns/x", "v", label="box").where == "box/v"
    assert (
        capture("/run/netns/test1", "veth-test1", filter="arp or icmp").command
        == "ip netns exec test1 tcpdump -i veth-test1 -U -n --immediate-mode"
        " -w capture.pcap 'arp or icmp'"
    )
    assert capture("/proc/42/ns/net", "eth0").command.startswith("nsenter --net=/proc/42/ns/net ")


def test_missing_tcpdump_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no tcpdump
    monkeypatch.setattr("nslab._tools.SYSTEM_DIRS", ())  # nor where Debian installs it
    cap = capture(None, "lo")
    with pytest.raises(NotFound, match=r"tcpdump is not installed.*apt-get install tcpdump"):
        with cap:
            pass
    assert cap.pid is None


def test_missing_namespace_is_not_found_and_starts_nothing(tmp_path):
    cap = capture(str(tmp_path / "no-such-ns"), "veth0", label="nope")
    with pytest.raises(NotFound, match=r"Network namespace 'nope' not found.*ip netns list"):
        cap.start()
    assert cap.pid is None


def test_stop_before_start_and_double_start():
    cap = capture(None, "lo")
    with pytest.raises(StepOrderError, match="never started"):
        cap.stop()
    done = Capture.from_pcap(PING_PCAP)
    assert done.stop() is done  # stopping twice is harmless
    with pytest.raises(StepOrderError, match="already started"):
        done.start()
    assert len(done) == 5 and [p.protocol for p in done][:2] == ["ARP", "ARP"]


# --- the recorder: tcpdump, or nslab._sniff where tcpdump cannot drop privileges ----------

ARP_OR_ICMP_DDD = (
    "7\n40 0 0 12\n21 3 0 2054\n21 0 3 2048\n48 0 0 23\n21 0 1 1\n6 0 0 262144\n6 0 0 0\n"
)


def test_recorder_argv_tcpdump_and_sniff():
    prefix = ["/usr/bin/nsenter", "--net=/run/netns/test1"]
    tcpdump = recorder_argv(
        prefix, "veth-test1", "/tmp/x/capture.pcap", "arp or icmp", tcpdump="/usr/bin/tcpdump"
    )
    assert tcpdump == [
        *prefix,
        "/usr/bin/tcpdump",
        "-i",
        "veth-test1",
        "-U",
        "-n",
        "--immediate-mode",
        "-w",
        "/tmp/x/capture.pcap",
        "arp or icmp",
    ]
    sniff = recorder_argv(prefix, "veth-test1", "/tmp/x/capture.pcap", "arp or icmp", sniff=True)
    assert sniff == [
        *prefix,
        sys.executable,
        "-c",
        _sniff.LAUNCH,
        _sniff.__file__,
        "veth-test1",
        "/tmp/x/capture.pcap",
        "arp or icmp",
    ]
    assert recorder_argv([], "lo", "f.pcap", None, sniff=True) == [
        sys.executable,
        "-c",
        _sniff.LAUNCH,
        _sniff.__file__,
        "lo",
        "f.pcap",
    ]
    assert _sniff.argv("lo", "f.pcap", python="/py") == [
        "/py",
        "-c",
        _sniff.LAUNCH,
        _sniff.__file__,
        "lo",
        "f.pcap",
    ]


def test_command_shows_tcpdump_even_where_sniff_records(monkeypatch):
    monkeypatch.setattr(capture_mod, "tcpdump_cannot_drop_privileges", lambda: True)
    cap = capture("/run/netns/test1", "veth-test1", filter="icmp")
    assert cap.command == (
        "ip netns exec test1 tcpdump -i veth-test1 -U -n --immediate-mode -w capture.pcap icmp"
    )


def test_parse_ddd():
    insns = _sniff.parse_ddd(ARP_OR_ICMP_DDD)
    assert len(insns) == 7
    assert insns[0] == (40, 0, 0, 12)  # ldh [12]: the ethertype
    assert insns[1] == (21, 3, 0, 2054)  # jeq #0x806 (ARP)
    assert insns[-2:] == [(6, 0, 0, 262144), (6, 0, 0, 0)]  # accept (snaplen) / drop
    packed = _sniff.pack_filter(insns)
    assert len(packed) == 8 * 7  # struct sock_filter is 8 bytes
    assert packed[:8] == struct.pack("=HBBI", 40, 0, 0, 12)
    for bad in ("", "3\n6 0 0 0\n", "1\n6 0 0\n", "x\n", "1\n6 0 0 4294967296\n"):
        with pytest.raises(ValueError):
            _sniff.parse_ddd(bad)


needs_tcpdump = pytest.mark.skipif(_sniff.tcpdump_path() is None, reason="tcpdump not installed")


@needs_tcpdump
def test_compile_filter_with_tcpdump_and_the_kernel_accepts_it():
    assert _sniff.compile_filter("arp or icmp") == _sniff.parse_ddd(ARP_OR_ICMP_DDD)
    syn = _sniff.compile_filter("tcp[tcpflags] & tcp-syn != 0")
    assert (177, 0, 0, 14) in syn  # ldxb 4*([14]&0xf): the IP header length
    raw = _sniff.compile_filter("icmp", "RAW")
    assert raw != _sniff.compile_filter("icmp")  # no Ethernet header to skip
    # SO_ATTACH_FILTER also works on an ordinary UDP socket, without privileges: the
    # kernel checks the program, so this proves the struct sock_fprog is packed right.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        _sniff._attach_filter(s, syn)


@needs_tcpdump
def test_compile_filter_error_has_tcpdumps_words():
    with pytest.raises(_sniff.SniffError, match="can't parse filter expression"):
        _sniff.compile_filter("arp or or")


def test_sniff_usage_and_timestamps(capsys):
    assert _sniff.main([]) == 2
    assert "usage: python3 -m nslab._sniff IFNAME OUTFILE" in capsys.readouterr().err
    tv = struct.pack("qq", 1_700_000_000, 250_000)
    assert _sniff._timestamp([(socket.SOL_SOCKET, _sniff.SO_TIMESTAMP, tv)]) == 1_700_000_000.25
    assert _sniff._timestamp([]) is None


def test_decode_linktype_raw_as_tcpdump_writes_it():
    ip = bytes(_ip(A, B, 1, _echo(8, 3)))
    buf = io.BytesIO()
    dpkt.pcap.Writer(buf, linktype=101).writepkt(ip, ts=1.0)  # LINKTYPE_RAW in files
    (p,) = decode_pcap(buf.getvalue())
    assert (p.src, p.protocol, p.summary) == (A, "ICMP", "echo request seq=3")


def test_when_tcpdump_cannot_drop_privileges(monkeypatch, tmp_path):
    from nslab import _userns

    monkeypatch.setattr(_userns, "in_sandbox", lambda: True)
    assert capture_mod.tcpdump_cannot_drop_privileges()
    monkeypatch.setattr(_userns, "in_sandbox", lambda: False)
    monkeypatch.setattr(_userns, "userns_is_initial", lambda: True)
    assert not capture_mod.tcpdump_cannot_drop_privileges()  # real root, Docker: tcpdump works
    uid_map = tmp_path / "uid_map"
    uid_map.write_text("         0       1001          1\n")
    assert capture_mod._id_mapped(str(uid_map), 0)
    assert not capture_mod._id_mapped(str(uid_map), 102)
    uid_map.write_text("0 0 4294967295\n")
    assert capture_mod._id_mapped(str(uid_map), 102)
    assert capture_mod._drop_failed("tcpdump: Couldn't change to 'tcpdump' uid=102 gid=109: x")
    assert capture_mod._drop_failed("tcpdump: Couldn't change ownership of savefile")
    assert not capture_mod._drop_failed("tcpdump: listening on lo")


def test_sniff_runs_without_importing_the_package():
    """The recorder starts on every capture of every sandbox student: run by its file, it
    imports dpkt and the stdlib only, not nslab (pyroute2: ~0.4 s of CPU per capture)."""
    argv = _sniff.argv("lo", "f.pcap")
    python, rest = argv[0], argv[1:4]  # python -c LAUNCH FILE, no arguments: usage, exit 2
    r = subprocess.run([python, "-X", "importtime", *rest], capture_output=True, text=True)
    assert r.returncode == 2 and "usage:" in r.stderr, r.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in r.stderr.splitlines() if "|" in line}
    assert "dpkt" in imported
    assert not {m for m in imported if m.split(".")[0] in ("nslab", "pyroute2")}, imported

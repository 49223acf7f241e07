"""capture() against the real kernel: tcpdump in a namespace, one ping over a veth pair.

The fixture builds its own pair of namespaces with `ip` (unique names, addresses in
10.200.<random>.0/24) and deletes exactly those two namespaces afterwards, which also
removes the veth pair. Traffic goes only between those two namespaces.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import uuid
from dataclasses import dataclass

import pytest

from nslab.capture import Capture, InvalidFilter, capture
from nslab.errors import NotFound, StepOrderError

pytestmark = [
    pytest.mark.kernel,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create namespaces and capture"),
    pytest.mark.skipif(
        shutil.which("tcpdump") is None, reason="tcpdump is not installed (apt-get install tcpdump)"
    ),
]


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


@dataclass(frozen=True)
class Pair:
    a: str  # namespace names
    b: str
    veth_a: str  # the veth end in a, and its peer in b
    veth_b: str
    addr_a: str  # without prefix
    addr_b: str

    @property
    def path_a(self) -> str:
        return f"/run/netns/{self.a}"

    def ping_b(self) -> subprocess.CompletedProcess:
        """One ping from a to b's address (inside our own namespaces only)."""
        argv = ["ip", "netns", "exec", self.a, "ping", "-c1", "-W2", self.addr_b]
        return subprocess.run(argv, capture_output=True, text=True, timeout=10)


@pytest.fixture
def pair():
    tag = uuid.uuid4().hex[:6]
    net = random.randint(1, 254)
    p = Pair(
        a=f"nslabcap-{tag}-a",
        b=f"nslabcap-{tag}-b",
        veth_a="cap-a",
        veth_b="cap-b",
        addr_a=f"10.200.{net}.1",
        addr_b=f"10.200.{net}.2",
    )
    made: list[str] = []
    try:
        for ns in (p.a, p.b):
            ip("netns", "add", ns)
            made.append(ns)
        ip("-n", p.a, "link", "add", "name", p.veth_a, "type", "veth", "peer", "name", p.veth_b,
           "netns", p.b)  # fmt: skip
        ip("-n", p.a, "addr", "add", f"{p.addr_a}/24", "dev", p.veth_a)
        ip("-n", p.b, "addr", "add", f"{p.addr_b}/24", "dev", p.veth_b)
        ip("-n", p.a, "link", "set", "dev", p.veth_a, "up")
        ip("-n", p.b, "link", "set", "dev", p.veth_b, "up")
        yield p
    finally:
        for ns in made:  # exactly what this fixture created; the veths go with them
            subprocess.run(["ip", "netns", "delete", ns], capture_output=True)


def _gone(pid: int | None) -> bool:
    assert pid is not None
    return not os.path.exists(f"/proc/{pid}")


def test_ping_shows_arp_then_icmp_in_order(pair: Pair):
    with capture(pair.path_a, pair.veth_a) as cap:
        assert cap.running and cap.state == "running"
        assert pair.ping_b().returncode == 0
    assert not cap.running and _gone(cap.pid)
    assert cap._tmpdir is not None and not os.path.exists(cap._tmpdir)
    a, b = pair.addr_a, pair.addr_b
    # IPv6 (DAD, MLD) chatter of freshly-up links may be interleaved: look at ARP/ICMP only
    seen = [(p.src, p.dst, p.protocol, p.summary) for p in cap.packets if p.protocol != "ICMPv6"]
    assert seen == [
        (a, b, "ARP", f"who-has {b} tell {a}"),
        (b, a, "ARP", f"{b} is-at"),
        (a, b, "ICMP", "echo request seq=1"),
        (b, a, "ICMP", "echo reply seq=1"),
    ]
    times = [p.time for p in cap.packets]
    assert times[0] == 0.0 and times == sorted(times)
    assert cap.packets[0].src_mac.count(":") == 5  # the MAC is kept, outside the summary


def test_filter_and_deterministic_outputs(pair: Pair):
    with capture(pair.path_a, pair.veth_a, filter="arp or icmp") as cap:
        assert pair.ping_b().returncode == 0
    a, b = pair.addr_a, pair.addr_b
    assert [p.summary for p in cap.packets] == [
        f"who-has {b} tell {a}",
        f"{b} is-at",
        "echo request seq=1",
        "echo reply seq=1",
    ]
    text = repr(cap)
    assert text.splitlines()[0] == f"Capture on {pair.a}/{pair.veth_a} (stopped): 4 packets"
    assert ":" not in text.split("\n", 1)[1]  # no MACs, no clock times
    dot = cap.sequence().source
    assert f'h0 [label="{a}"' in dot and f'h1 [label="{b}"' in dot
    assert f'p0_2 -> p1_2 [label="ARP {b} is-at" dir=back]' in dot
    assert "<td style='text-align:left'>echo reply seq=1</td>" in cap._repr_html_()


def test_start_stop_by_hand_and_a_second_capture(pair: Pair):
    cap = capture(pair.path_a, pair.veth_a, filter="icmp").start()
    assert pair.ping_b().returncode == 0
    cap.stop()
    assert cap.stop() is cap  # idempotent
    assert [p.summary for p in cap.packets] == ["echo request seq=1", "echo reply seq=1"]
    assert _gone(cap.pid)
    with pytest.raises(StepOrderError, match="already started"):
        cap.start()
    with capture(pair.path_a, pair.veth_a, filter="icmp") as again:  # a fresh one works
        assert pair.ping_b().returncode == 0
    assert len(again.packets) == 2 and again.pid != cap.pid


def test_missing_interface_is_a_clear_error_and_nothing_keeps_running(pair: Pair):
    cap = capture(pair.path_a, "cap-z")
    with pytest.raises(NotFound) as err:
        with cap:
            pytest.fail("the body must not run")
    msg = str(err.value)
    assert f"Interface 'cap-z' not found in {pair.a}." in msg
    assert "Did you mean 'cap-a'?" in msg
    assert f"ip netns exec {pair.a} ip link" in msg
    assert _gone(cap.pid)  # tcpdump was started, then reaped
    assert cap._tmpdir is not None and not os.path.exists(cap._tmpdir)
    assert not cap.running and cap.packets == []


def test_missing_namespace_starts_nothing(pair: Pair):
    cap = capture(f"/run/netns/{pair.a}-missing", pair.veth_a)
    with pytest.raises(NotFound, match=r"Network namespace '.*-missing' not found"):
        cap.start()
    assert cap.pid is None


def test_down_interface_says_to_bring_it_up(pair: Pair):
    ip("-n", pair.a, "link", "set", "dev", pair.veth_a, "down")
    cap = capture(pair.path_a, pair.veth_a)
    with pytest.raises(StepOrderError, match=r"is down.*ip link set dev cap-a up"):
        cap.start()
    assert _gone(cap.pid)


def test_bad_filter_is_refused(pair: Pair):
    cap = capture(pair.path_a, pair.veth_a, filter="arp or or")
    with pytest.raises(InvalidFilter, match=r"tcpdump refused the filter 'arp or or'"):
        cap.start()
    assert _gone(cap.pid)


def test_unused_running_capture_is_stopped_when_collected(pair: Pair):
    import gc

    cap: Capture | None = capture(pair.path_a, pair.veth_a).start()
    assert cap is not None
    pid, tmpdir = cap.pid, cap._tmpdir
    assert not _gone(pid)
    cap = None
    gc.collect()
    assert _gone(pid) and tmpdir is not None and not os.path.exists(tmpdir)

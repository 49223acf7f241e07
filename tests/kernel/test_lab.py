"""Every Lab verb on the real kernel: the article end to end, ownership, bad input, ping safety.

All names carry the test's unique tag, so tests of other developers running at the same
time never collide with ours; everything made here is removed by exact name.
"""

from __future__ import annotations

import copy
import re
import subprocess
import time
import uuid

import pytest

from nslab import (
    AlreadyExists,
    ExecResult,
    InvalidAddress,
    InvalidName,
    Lab,
    NotFound,
    NotOwned,
    NslabError,
    PingResult,
    UnsafeTarget,
)
from nslab.checks import check, reachable
from tests.conftest import needs_root
from tests.helpers import addrs, ipj, link, link_names, netns_list, wait_for

pytestmark = [needs_root, pytest.mark.kernel]

OUTSIDE = "192.0.2.77"  # TEST-NET-1: only ever an argument that must be refused


# -- helpers --------------------------------------------------------------------------------

def state(lab: Lab, tag: str) -> dict:
    """What the kernel holds of this test's objects (plus the host's lo/eth0), for
    before/after comparisons. Read with `ip -j`, independent of the library."""

    def mine(name: str) -> bool:
        return tag in name or name in ("lo", "eth0")

    keep = ("ifname", "ifindex", "flags", "mtu", "address", "operstate", "link_index",
            "link_netnsid", "master", "linkinfo")
    out: dict = {"netns": [n for n in netns_list() if tag in n]}
    for ns in [None, *out["netns"]]:
        out[ns] = {
            "links": [{k: lk.get(k) for k in keep} for lk in ipj(ns, "-d", "link")
                      if ns or mine(lk["ifname"])],
            "addrs": [(a["ifname"], sorted((i["local"], i["prefixlen"]) for i in a["addr_info"]))
                      for a in ipj(ns, "addr") if ns or mine(a["ifname"])],
            "routes": [r for r in ipj(ns, "route") if ns or mine(r.get("dev", ""))],
        }
    return out


def lab_record(lab: Lab) -> tuple:
    return (copy.deepcopy(lab.journal.entries), list(lab.transcript), list(lab._history))


def forbid_sending(monkeypatch: pytest.MonkeyPatch, lab: Lab) -> list:
    """Make sure no ping process is ever started: the library must refuse before."""
    started: list = []

    def no_exec(*args, **kwargs):
        started.append(args)
        raise AssertionError(f"nslab tried to run {args} although the target is unsafe")

    monkeypatch.setattr(lab, "exec", no_exec)
    return started


class Names:
    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.t1, self.t2, self.hand = f"t1-{tag}", f"t2-{tag}", f"hand-{tag}"
        self.va, self.vb = f"va{tag}", f"vb{tag}"
        self.vc, self.vd = f"vc{tag}", f"vd{tag}"
        self.vx, self.vy, self.vz = f"vx{tag}", f"vy{tag}", f"vz{tag}"

    def typo(self, name: str) -> str:  # one character off
        return name[:-1] + ("x" if name[-1] != "x" else "y")


def build_article(lab: Lab, n: Names) -> None:
    """S8-S18, quietly."""
    lab.add_netns(n.t1)
    lab.add_netns(n.t2)
    lab.set_up(n.t1, "lo")
    lab.set_up(n.t2, "lo")
    lab.add_veth(n.va, n.vb)
    lab.move(n.va, n.t1)
    lab.move(n.vb, n.t2)
    lab.add_addr(n.t1, n.va, "192.168.1.1/24")
    lab.add_addr(n.t2, n.vb, "192.168.1.2/24")
    lab.set_up(n.t1, n.va)
    lab.set_up(n.t2, n.vb)


def hand_netns(name: str) -> None:
    subprocess.run(["ip", "netns", "add", name], check=True)


def drop_hand_netns(lab: Lab, name: str) -> None:
    """Delete a namespace we made by hand, by its exact name."""
    if name in netns_list():
        lab.delete_netns(name, force=True)
    assert name not in netns_list()


@pytest.fixture
def n(unique: str) -> Names:
    return Names(unique)


# -- the article, S6-S19 ---------------------------------------------------------------------

def test_s6_add_list_delete(lab: Lab, n: Names) -> None:
    lab.add_netns(n.t1)
    assert n.t1 in lab.list_netns()
    assert n.t1 in netns_list()
    assert lab.owned_netns() == [n.t1]
    lab.delete_netns(n.t1)
    assert n.t1 not in lab.list_netns() and n.t1 not in netns_list()
    assert lab.owned_netns() == []
    assert list(lab.transcript) == [f"ip netns add {n.t1}", f"ip netns delete {n.t1}"]


def test_list_netns_is_ip_netns_list(lab: Lab, n: Names) -> None:
    lab.add_netns(n.t2)
    lab.add_netns(n.t1)
    listed = lab.list_netns()
    assert listed == sorted(listed)
    # other developers may add or delete namespaces meanwhile: compare ours exactly
    assert [x for x in listed if n.tag in x] == [n.t1, n.t2]
    assert [x for x in netns_list() if n.tag in x] == [n.t1, n.t2]


def test_article_s8_to_s19(lab: Lab, n: Names) -> None:
    # S8
    lab.add_netns(n.t1)
    lab.add_netns(n.t2)
    # S9: only lo, no address, DOWN
    out = lab.exec(n.t1, "ip a")
    assert isinstance(out, ExecResult) and out.ok
    assert out.command == f"ip netns exec {n.t1} ip a"
    assert re.findall(r"^\d+: (\S+):", out.stdout, re.M) == ["lo"]
    assert "state DOWN" in out.stdout and "inet" not in out.stdout
    # S10: the host has more links than the namespace
    assert len(lab.exec(None, "ip link").stdout.splitlines()) > 2
    assert re.findall(r"^\d+: (\S+):", lab.exec(n.t1, "ip link").stdout, re.M) == ["lo"]
    # S11: lo up shows UNKNOWN, with 127.0.0.1
    lab.set_up(n.t1, "lo")
    out = lab.exec(n.t1, ["ip", "a"]).stdout
    assert "state UNKNOWN" in out and "inet 127.0.0.1/8" in out
    assert link(n.t1, "lo")["operstate"] == "UNKNOWN"
    # S12: the pair in the host, with MACs, no IP, DOWN
    lab.add_veth(n.va, n.vb)
    for name, other in ((n.va, n.vb), (n.vb, n.va)):
        lk = link(None, name)
        assert lk["linkinfo"]["info_kind"] == "veth"
        assert re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", lk["address"])
        assert "UP" not in lk["flags"] and lk["operstate"] == "DOWN"
        assert lk["link"] == other  # peer in the same namespace
        assert addrs(None, name) == []
    # S13, S14
    lab.move(n.va, n.t1)
    assert n.va in link_names(n.t1) and n.va not in link_names(None)
    lab.move(n.vb, n.t2)
    assert n.vb in link_names(n.t2) and n.vb not in link_names(None)
    # S15, S16: addresses, still DOWN
    lab.add_addr(n.t1, n.va, "192.168.1.1/24")
    lab.add_addr(n.t2, n.vb, "192.168.1.2/24")
    assert addrs(n.t1, n.va) == ["192.168.1.1/24"]
    assert addrs(n.t2, n.vb) == ["192.168.1.2/24"]
    assert "UP" not in link(n.t1, n.va)["flags"]
    assert "inet " not in lab.exec(n.t1, "ip link").stdout
    # S17, S18
    lab.set_up(n.t1, n.va)
    lab.set_up(n.t2, n.vb)
    wait_for(lambda: link(n.t1, n.va)["operstate"] == "UP", what="veth operstate UP")
    out = lab.exec(n.t2, "ip a").stdout
    assert "inet 192.168.1.2/24" in out and "state UP" in out
    # S19: real pings both ways
    r1 = lab.ping(n.t1, "192.168.1.2")
    r2 = lab.ping(n.t2, "192.168.1.1", count=2)
    assert isinstance(r1, PingResult)
    assert (r1.ok, r1.sent, r1.received, len(r1.rtts_ms)) == (True, 1, 1, 1)
    assert (r2.ok, r2.sent, r2.received, len(r2.rtts_ms)) == (True, 2, 2, 2)
    assert all(0 <= t < 1000 for t in r1.rtts_ms + r2.rtts_ms)
    # the transcript is the article's commands, in its syntax
    assert list(lab.transcript) == [
        f"ip netns add {n.t1}",
        f"ip netns add {n.t2}",
        f"ip netns exec {n.t1} ip link set dev lo up",
        f"ip link add name {n.va} type veth peer name {n.vb}",
        f"ip link set dev {n.va} netns {n.t1}",
        f"ip link set dev {n.vb} netns {n.t2}",
        f"ip netns exec {n.t1} ip addr add 192.168.1.1/24 dev {n.va}",
        f"ip netns exec {n.t2} ip addr add 192.168.1.2/24 dev {n.vb}",
        f"ip netns exec {n.t1} ip link set dev {n.va} up",
        f"ip netns exec {n.t2} ip link set dev {n.vb} up",
    ]
    # reset removes everything, at once and by exact name
    removed = lab.reset()
    assert f"namespace {n.t1}" in removed and f"namespace {n.t2}" in removed
    assert not [x for x in netns_list() if n.tag in x]
    assert not [x for x in link_names(None) if n.tag in x]
    assert lab.journal.entries == [] and len(lab.transcript) == 0


def test_exec_results(lab: Lab, n: Names) -> None:
    lab.add_netns(n.t1)
    res = lab.exec(n.t1, "sh -c 'echo out; echo err >&2; exit 3'")
    assert (res.returncode, res.stdout, res.stderr, res.ok) == (3, "out\n", "err\n", False)
    assert str(res) == "out\nerr\n"
    # it really runs inside: the namespace's own inode
    inode = lab.exec(n.t1, "readlink /proc/self/ns/net").stdout.strip()
    assert inode == f"net:[{lab.snapshot().ns(n.t1).inode}]"
    host = lab.exec(None, "readlink /proc/self/ns/net").stdout.strip()
    assert host != inode


def test_veth_peer_created_directly_in_another_namespace(lab: Lab, n: Names) -> None:
    lab.add_netns(n.t1)
    lab.add_netns(n.t2)
    lab.add_veth(n.va, n.vb, ns=n.t1, peer_ns=n.t2)
    assert n.va in link_names(n.t1) and n.vb in link_names(n.t2)
    assert not {n.va, n.vb} & link_names(None)
    a, b = link(n.t1, n.va), link(n.t2, n.vb)
    assert a["link_index"] == b["ifindex"] and b["link_index"] == a["ifindex"]
    assert lab.transcript[-1] == (
        f"ip netns exec {n.t1} ip link add name {n.va} type veth peer name {n.vb} netns {n.t2}"
    )
    snap = lab.snapshot()
    assert snap.link(n.t1, n.va).peer.ns == n.t2 and snap.link(n.t1, n.va).peer.ifname == n.vb
    # a host end with its peer straight in a namespace (the Docker way)
    lab.add_veth(n.vc, n.vd, peer_ns=n.t1)
    assert n.vc in link_names(None) and n.vd in link_names(n.t1)
    lab.reset()
    assert n.vc not in link_names(None)


def test_add_veth_in_a_namespace_puts_both_ends_there(lab: Lab, n: Names) -> None:
    """`ns=` without `peer_ns=`: the whole pair is made in that namespace, like
    `ip netns exec NS ip link add ...` (not the peer in the host)."""
    lab.add_netns(n.t1)
    lab.add_veth(n.va, n.vb, ns=n.t1)
    assert {n.va, n.vb} <= link_names(n.t1)
    assert not {n.va, n.vb} & link_names(None)
    assert link(n.t1, n.va)["link"] == n.vb
    assert [e["ns"] for e in lab.journal.of_kind("link")] == [n.t1, n.t1]
    assert lab.transcript[-1] == (
        f"ip netns exec {n.t1} ip link add name {n.va} type veth peer name {n.vb}"
    )


def test_move_back_to_host_then_reset_removes_it(lab: Lab, n: Names) -> None:
    lab.add_netns(n.t1)
    lab.add_veth(n.va, n.vb, ns=n.t1)
    lab.move(n.va, None, src=n.t1)
    assert n.va in link_names(None) and n.va not in link_names(n.t1)
    # the script's own namespace, right in the rootless sandbox too (not PID 1's)
    host = "/proc/$$/ns/net"
    assert lab.transcript[-1] == f"ip netns exec {n.t1} ip link set dev {n.va} netns {host}"
    assert lab.snapshot().link(None, n.va).owned
    lab.set_up(None, n.va)  # a lab link in the host: ours to change
    assert "UP" in link(None, n.va)["flags"]
    lab.reset()
    assert n.va not in link_names(None), "reset removes the lab's link from the host at once"


def test_add_and_del_addr(lab: Lab, n: Names) -> None:
    lab.add_netns(n.t1)
    lab.add_veth(n.va, n.vb, ns=n.t1)
    lab.add_addr(n.t1, n.va, "10.1.2.3/24")
    lab.add_addr(n.t1, n.va, "10.9.0.1/16")
    assert addrs(n.t1, n.va) == ["10.1.2.3/24", "10.9.0.1/16"]
    lab.del_addr(n.t1, n.va, "10.1.2.3/24")
    assert addrs(n.t1, n.va) == ["10.9.0.1/16"]
    assert lab.transcript[-1] == f"ip netns exec {n.t1} ip addr del 10.1.2.3/24 dev {n.va}"
    with pytest.raises(NotFound, match=r"its addresses: 10\.9\.0\.1/16"):
        lab.del_addr(n.t1, n.va, "10.1.2.3/24")


def test_delete_link_takes_the_peer_along(lab: Lab, n: Names) -> None:
    lab.add_netns(n.t1)
    lab.add_netns(n.t2)
    lab.add_veth(n.va, n.vb, ns=n.t1, peer_ns=n.t2)
    lab.delete_link(n.t1, n.va)
    assert n.va not in link_names(n.t1) and n.vb not in link_names(n.t2)
    assert lab.journal.of_kind("link") == []
    assert lab.transcript[-1] == f"ip netns exec {n.t1} ip link delete dev {n.va}"
    # and a host veth
    lab.add_veth(n.vc, n.vd)
    lab.delete_link(None, n.vd)
    assert not {n.vc, n.vd} & link_names(None)


def test_set_down(lab: Lab, n: Names) -> None:
    lab.add_netns(n.t1)
    lab.set_up(n.t1, "lo")
    lab.set_down(n.t1, "lo")
    assert "UP" not in link(n.t1, "lo")["flags"]
    assert lab.transcript[-1] == f"ip netns exec {n.t1} ip link set dev lo down"


# -- ownership ---------------------------------------------------------------------------------

def test_hand_made_namespace_is_not_ours(lab: Lab, n: Names) -> None:
    hand_netns(n.hand)
    try:
        lab.add_netns(n.t1)
        lab.add_veth(n.va, n.vb, ns=n.t1)
        before = state(lab, n.tag), lab_record(lab)
        for call in (
            lambda: lab.delete_netns(n.hand),
            lambda: lab.set_up(n.hand, "lo"),
            lambda: lab.set_down(n.hand, "lo"),
            lambda: lab.add_veth(n.vc, n.vd, ns=n.hand),
            lambda: lab.add_veth(n.vc, n.vd, peer_ns=n.hand),
            lambda: lab.move(n.va, n.hand, src=n.t1),
            lambda: lab.add_addr(n.hand, "lo", "10.0.0.1/8"),
        ):
            with pytest.raises(NotOwned) as info:
                call()
            assert n.hand in str(info.value) and "force=True" in str(info.value)
            assert isinstance(info.value, PermissionError)
        with pytest.raises(AlreadyExists, match="not created by this lab"):
            lab.add_netns(n.hand)
        assert (state(lab, n.tag), lab_record(lab)) == before
        assert n.hand in netns_list()
        # with force=True the lab acts
        lab.set_up(n.hand, "lo", force=True)
        assert "UP" in link(n.hand, "lo")["flags"]
        lab.move(n.va, n.hand, src=n.t1, force=True)
        assert n.va in link_names(n.hand)
        lab.delete_netns(n.hand, force=True)
        assert n.hand not in netns_list()
    finally:
        drop_hand_netns(lab, n.hand)


def test_host_lo_and_eth0_are_refused_and_unchanged(lab: Lab, n: Names) -> None:
    host_links = [x for x in ("lo", "eth0") if x in link_names(None)]
    lab.add_netns(n.t1)

    def host() -> list:
        return [(link(None, x), addrs(None, x)) for x in host_links] + [ipj(None, "route")]

    before = host(), lab_record(lab)
    for name in host_links:
        for call in (
            lambda name=name: lab.set_down(None, name),
            lambda name=name: lab.set_up(None, name),
            lambda name=name: lab.delete_link(None, name),
            lambda name=name: lab.add_addr(None, name, "10.77.0.1/24"),
            lambda name=name: lab.del_addr(None, name, "10.77.0.1/24"),
            lambda name=name: lab.move(name, n.t1),
        ):
            with pytest.raises(NotOwned) as info:
                call()
            msg = str(info.value)
            assert repr(name) in msg and "host" in msg and "force=True" in msg
    assert (host(), lab_record(lab)) == before
    assert lab.snapshot().link(None, "lo").owned is False


# -- bad input: a clear error, and nothing changed -------------------------------------------

@pytest.fixture(scope="module")
def built():
    """The article's topology plus a hand-made namespace, shared by the bad-input cases
    (they must change nothing, so sharing is fine)."""
    n = Names(uuid.uuid4().hex[:6])
    lab = Lab(name=f"test-bad-{n.tag}")
    hand_netns(n.hand)
    try:
        build_article(lab, n)
        lab.add_veth(n.vx, n.vy, ns=n.t1)  # a name in both namespaces
        lab.add_veth(n.vx, n.vz, ns=n.t2)
        yield lab, n
    finally:
        drop_hand_netns(lab, n.hand)
        lab.reset()
        lab.journal.delete()
        assert not [x for x in netns_list() if n.tag in x]


BAD = [
    # (id, call, error, fragments of the message; {t1} etc. filled in)
    ("netns-empty", lambda L, n: L.add_netns(""), InvalidName, ["''", "is empty", "'test1'"]),
    ("netns-dot", lambda L, n: L.add_netns(".."), InvalidName, ["reserved"]),
    ("netns-slash", lambda L, n: L.add_netns("a/b"), InvalidName, ["'/'"]),
    ("netns-space", lambda L, n: L.add_netns("a b"), InvalidName, ["whitespace"]),
    ("netns-nul", lambda L, n: L.add_netns("a\0b"), InvalidName, ["NUL"]),
    ("netns-long", lambda L, n: L.add_netns("x" * 65), InvalidName, ["longer than 64"]),
    ("netns-dash", lambda L, n: L.add_netns("-x"), InvalidName, ["'-'"]),
    ("netns-notstr", lambda L, n: L.add_netns(1), InvalidName, ["not a string"]),
    ("netns-at", lambda L, n: L.add_netns(f"@{n.tag}"), InvalidName, ["'@"]),
    ("netns-dup-own", lambda L, n: L.add_netns(n.t1), AlreadyExists,
     ["{t1!r}", "created by this lab", "lab.reset()"]),
    ("netns-dup-hand", lambda L, n: L.add_netns(n.hand), AlreadyExists,
     ["{hand!r}", "not created by this lab", "force=True"]),
    ("delete-typo", lambda L, n: L.delete_netns(n.typo(n.t1)), NotFound,
     ["does not exist", "Did you mean {t1!r}?"]),
    ("delete-hand", lambda L, n: L.delete_netns(n.hand), NotOwned, ["force=True"]),
    ("exec-typo", lambda L, n: L.exec(n.typo(n.t2), "ip a"), NotFound, ["Did you mean {t2!r}?"]),
    ("exec-empty", lambda L, n: L.exec(n.t1, ""), ValueError, ["empty"]),
    ("exec-nocmd", lambda L, n: L.exec(n.t1, "nslab-no-such-command"), NotFound,
     ["not installed"]),
    ("up-badname", lambda L, n: L.set_up(n.t1, "a/b"), InvalidName, ["'a/b'", "'/'"]),
    ("up-longname", lambda L, n: L.set_up(n.t1, "x" * 16), InvalidName, ["16 bytes"]),
    ("up-ns-typo", lambda L, n: L.set_up(n.typo(n.t1), "lo"), NotFound,
     ["Did you mean {t1!r}?", "lab.add_netns("]),
    ("up-link-typo", lambda L, n: L.set_up(n.t1, n.typo(n.va)), NotFound,
     ["does not exist in {t1}", "Did you mean {va!r}?"]),
    ("up-link-elsewhere", lambda L, n: L.set_up(n.t1, n.vb), NotFound,
     ["{vb!r}", "it is in {t2}", "lab.move({vb!r}, {t1!r}, src={t2!r})"]),
    ("down-host-lo", lambda L, n: L.set_down(None, "lo"), NotOwned, ["'lo'", "host"]),
    ("down-hand", lambda L, n: L.set_down(n.hand, "lo"), NotOwned, ["{hand}", "force=True"]),
    ("veth-dup-in-ns", lambda L, n: L.add_veth(n.va, n.vc, ns=n.t1), AlreadyExists,
     ["{va!r} already exists in {t1}"]),
    ("veth-dup-peer", lambda L, n: L.add_veth(n.vc, n.vb, peer_ns=n.t2), AlreadyExists,
     ["{vb!r} already exists in {t2}"]),
    ("veth-dup-host", lambda L, n: L.add_veth(n.vc, "lo"), AlreadyExists,
     ["'lo' already exists in host"]),
    ("veth-same-name", lambda L, n: L.add_veth(n.vc, n.vc), AlreadyExists, ["Both ends"]),
    ("veth-badname", lambda L, n: L.add_veth(n.vc, "a:b"), InvalidName, ["':'"]),
    ("veth-long", lambda L, n: L.add_veth("x" * 16, n.vc), InvalidName, ["at most 15"]),
    ("veth-peer-ns-typo", lambda L, n: L.add_veth(n.vc, n.vd, peer_ns=n.typo(n.t2)), NotFound,
     ["Did you mean {t2!r}?"]),
    ("veth-hand", lambda L, n: L.add_veth(n.vc, n.vd, ns=n.hand), NotOwned, ["{hand!r}"]),
    ("move-from-wrong-place", lambda L, n: L.move(n.va, n.t2), NotFound,
     ["{va!r}", "it is in {t1}", "lab.move({va!r}, {t2!r}, src={t1!r})"]),
    ("move-missing", lambda L, n: L.move(n.vc, n.t1), NotFound, ["{vc!r}", "does not exist"]),
    ("move-to-typo", lambda L, n: L.move(n.va, n.typo(n.t2), src=n.t1), NotFound,
     ["Did you mean {t2!r}?"]),
    ("move-to-hand", lambda L, n: L.move(n.va, n.hand, src=n.t1), NotOwned, ["{hand!r}"]),
    ("move-same", lambda L, n: L.move(n.va, n.t1, src=n.t1), AlreadyExists, ["already in"]),
    ("move-name-taken", lambda L, n: L.move(n.vx, n.t2, src=n.t1), AlreadyExists,
     ["{t2} already has an interface named {vx!r}"]),
    ("move-lo", lambda L, n: L.move("lo", n.t2, src=n.t1), NslabError, ["'lo'"]),
    ("move-host-eth0", lambda L, n: L.move("eth0", n.t1), NotOwned, ["'eth0'"]),
    ("addr-no-prefix", lambda L, n: L.add_addr(n.t1, n.va, "192.168.1.5"), InvalidAddress,
     ["no prefix length", "'192.168.1.5/24'"]),
    ("addr-dup", lambda L, n: L.add_addr(n.t1, n.va, "192.168.1.1/24"), AlreadyExists,
     ["192.168.1.1/24 is already on {va}", "lab.del_addr("]),
    ("addr-network", lambda L, n: L.add_addr(n.t1, n.va, "192.168.1.0/24"), InvalidAddress,
     ["network address"]),
    ("addr-junk", lambda L, n: L.add_addr(n.t1, n.va, "192.168.1.300/24"), InvalidAddress,
     ["not valid"]),
    ("addr-elsewhere", lambda L, n: L.add_addr(n.t1, n.vb, "10.0.0.1/24"), NotFound,
     ["it is in {t2}"]),
    ("addr-host-lo", lambda L, n: L.add_addr(None, "lo", "10.77.0.1/8"), NotOwned, ["'lo'"]),
    ("deladdr-absent", lambda L, n: L.del_addr(n.t1, n.va, "192.168.1.9/24"), NotFound,
     ["its addresses: 192.168.1.1/24"]),
    ("deladdr-prefix", lambda L, n: L.del_addr(n.t1, n.va, "192.168.1.1/16"), NotFound,
     ["192.168.1.1/16 is not on"]),
    ("dellink-typo", lambda L, n: L.delete_link(n.t1, n.typo(n.va)), NotFound,
     ["Did you mean {va!r}?"]),
    ("dellink-host", lambda L, n: L.delete_link(None, "lo"), NotOwned, ["'lo'"]),
    ("ping-prefix", lambda L, n: L.ping(n.t1, "192.168.1.2/24"), InvalidAddress,
     ["'192.168.1.2'"]),
    ("ping-junk", lambda L, n: L.ping(n.t1, "192.168.1"), InvalidAddress, ["not an IP"]),
    ("ping-count", lambda L, n: L.ping(n.t1, "192.168.1.2", count=0), ValueError, ["count=0"]),
    ("ping-ns-typo", lambda L, n: L.ping(n.typo(n.t1), "192.168.1.2"), NotFound,
     ["Did you mean {t1!r}?"]),
    ("ping-outside", lambda L, n: L.ping(n.t1, OUTSIDE), UnsafeTarget,
     [OUTSIDE, "lab addresses: ", "192.168.1.1, 192.168.1.2", "lab.add_addr("]),
    ("ping-from-host-outside", lambda L, n: L.ping(None, OUTSIDE), UnsafeTarget,
     ["from host", "leave the machine"]),
    ("ping-from-host-lab", lambda L, n: L.ping(None, "192.168.1.2"), UnsafeTarget,
     ["from host"]),
    ("ping-from-hand", lambda L, n: L.ping(n.hand, "192.168.1.2"), UnsafeTarget, ["{hand}"]),
]


@pytest.mark.parametrize(("case", "call", "error", "fragments"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_and_changes_nothing(built, monkeypatch, case, call, error,
                                                  fragments):
    lab, n = built
    started = forbid_sending(monkeypatch, lab) if case.startswith("ping") else []
    before = state(lab, n.tag), lab_record(lab)
    with pytest.raises(error) as info:
        call(lab, n)
    msg = str(info.value)
    for frag in fragments:
        frag = frag.format(**vars(n))
        assert frag in msg, f"{frag!r} not in {msg!r}"
    assert (state(lab, n.tag), lab_record(lab)) == before, "a refused call changed something"
    assert not started


def test_lab_name_is_validated() -> None:
    with pytest.raises(InvalidName, match="Lab name 'a/b'"):
        Lab(name="a/b")


def test_failed_kernel_call_leaves_no_half_made_object(lab: Lab, n: Names, monkeypatch) -> None:
    """When the kernel itself refuses (here: the peer's name is taken in the peer's
    namespace, and the library's own check is bypassed to get that far), no end of the
    pair is left and the journal forgets both entries."""
    lab.add_netns(n.t1)
    lab.add_veth(n.vc, n.vd, ns=n.t1)
    before = state(lab, n.tag), lab_record(lab)
    monkeypatch.setattr(lab.kernel.nl, "link_index", lambda path, name: None)
    with pytest.raises(AlreadyExists):
        lab.add_veth(n.va, n.vd, peer_ns=n.t1)
    monkeypatch.undo()
    assert (state(lab, n.tag), lab_record(lab)) == before
    assert n.va not in link_names(None)


# -- ping safety and failed pings --------------------------------------------------------------

def test_failed_ping_is_a_result(lab: Lab, n: Names) -> None:
    build_article(lab, n)
    assert lab.ping(n.t1, "192.168.1.2").ok
    lab.set_down(n.t2, n.vb)
    t0 = time.monotonic()
    res = lab.ping(n.t1, "192.168.1.2", timeout=0.5)
    assert isinstance(res, PingResult)
    assert (res.ok, res.sent, res.received, res.rtts_ms) == (False, 1, 0, ())
    assert "FAILED" in str(res)
    assert time.monotonic() - t0 < 5  # -W 0.5: no long wait for a reply
    # an unused address on the lab's own subnet is allowed, and fails
    assert not lab.ping(n.t1, "192.168.1.3", timeout=0.3).ok
    # loopback inside a lab namespace
    assert lab.ping(n.t1, "127.0.0.1").ok


def test_check_of_a_repaired_path_outlasts_the_arp_entry_failed_before(lab: Lab, n: Names
                                                                      ) -> None:
    """A ping before the repair leaves the neighbour entry probing a dead link; the kernel
    marks it FAILED after the repair and answers the check's first ping with "Destination
    Host Unreachable". The check must try again, not report a fault that is gone."""
    build_article(lab, n)
    lab.set_down(n.t2, n.vb)
    assert not lab.ping(n.t1, "192.168.1.2", timeout=1).ok  # the entry: INCOMPLETE
    time.sleep(1.5)  # its last probe goes out while the peer is still down
    lab.set_up(n.t2, n.vb)
    report = check(lab, reachable(n.t1, "192.168.1.2"))
    assert report.passed, report.reasons


def test_unsafe_targets_never_sent(lab: Lab, n: Names, monkeypatch) -> None:
    build_article(lab, n)
    started = forbid_sending(monkeypatch, lab)
    for ns, target in ((n.t1, OUTSIDE), (None, OUTSIDE), (None, "192.168.1.2"),
                       (n.t1, "10.0.0.1"), (n.t1, "fd00::1")):
        with pytest.raises(UnsafeTarget) as info:
            lab.ping(ns, target)
        assert isinstance(info.value, ValueError)
        assert target in str(info.value)
    assert started == []


def test_namespace_deleted_by_hand_is_really_freed(lab: Lab, n: Names) -> None:
    """`ip netns delete` of a lab namespace: the kernel frees it once nothing uses it, and
    the veth end left in the host vanishes. nslab's cached netlink socket into the
    namespace must not keep it alive."""
    lab.add_netns(n.t1)
    lab.add_veth(n.va, n.vb, peer_ns=n.t1)
    lab.snapshot()  # reads (and caches a socket into) every namespace
    subprocess.run(["ip", "netns", "delete", n.t1], check=True)
    time.sleep(1.1)
    lab.snapshot()  # any later call lets go of namespaces that are gone
    wait_for(lambda: n.va not in link_names(None), timeout=10,
             what=f"{n.va} to vanish with {n.t1}")

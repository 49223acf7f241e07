"""snapshot() against `ip -j` in every namespace, on random topologies; hidden namespaces.

The random topologies are seeded (a few fixed seeds, so a failure reproduces): N namespaces,
veth pairs among them and the host, some addresses, some links up, a few routes. Each is
read twice, by the library and by `ip -j -d link` / `ip -j addr` / `ip -j route` /
`ip -j netns list-id` run in each namespace, and the two must agree.
"""

from __future__ import annotations

import os
import random
import subprocess
import time

import pytest

from nslab import Lab
from nslab._kernel import read_snapshot
from tests.conftest import needs_root
from tests.helpers import ipj

pytestmark = [needs_root, pytest.mark.kernel]


def build_random(lab: Lab, rng: random.Random, tag: str) -> tuple[list[str], list[str]]:
    """A random topology; returns (namespaces, host links) it made."""
    nss = [f"r{i}-{tag}" for i in range(rng.randint(2, 4))]  # 2-4 namespaces
    for ns in nss:
        lab.add_netns(ns)
        if rng.random() < 0.7:
            lab.set_up(ns, "lo")
    host_links: list[str] = []
    places: list[str | None] = [None, *nss]
    for k in range(rng.randint(3, 6)):
        a, b = f"r{tag}{k}a", f"r{tag}{k}b"
        ns_a, ns_b = rng.choice(places), rng.choice(places)
        if rng.random() < 0.3 and ns_a is not None:
            lab.add_veth(a, b, peer_ns=ns_b)  # made in the host, then moved
            lab.move(a, ns_a)
        else:
            lab.add_veth(a, b, ns=ns_a, peer_ns=ns_b)
        host_links += [name for name, where in ((a, ns_a), (b, ns_b)) if where is None]
        subnet = f"10.{k}.{rng.randint(0, 255)}"
        # addresses only inside lab namespaces: the host's routes are never touched
        ready = []
        for name, where, host in ((a, ns_a, 1), (b, ns_b, 2)):
            addressed = where is not None and rng.random() < 0.7
            if addressed:
                lab.add_addr(where, name, f"{subnet}.{host}/24")
            if rng.random() < 0.6:
                lab.set_up(where, name)
                ready.append(addressed)
            else:
                ready.append(False)
        # sometimes a route through the neighbour
        if ready[0] and ns_a != ns_b and rng.random() < 0.6:
            lab.add_route(ns_a, f"172.16.{k}.0/24", via=f"{subnet}.2")
    return nss, host_links


def _kind(lk: dict) -> str:
    kind = lk.get("linkinfo", {}).get("info_kind")
    return kind or ("loopback" if "LOOPBACK" in lk["flags"] else "device")


def _dst(r: dict) -> str:
    dst = r["dst"]
    return dst if dst == "default" or "/" in dst else f"{dst}/32"


def from_ip(nss: list[str], host_links: list[str]) -> dict:
    """The same facts as the snapshot, read with iproute2 only."""
    keys: list[str | None] = [None, *nss]
    links = {k: ipj(k, "-d", "link") for k in keys}
    addrs = {k: ipj(k, "addr") for k in keys}
    routes = {k: ipj(k, "route") for k in keys}
    list_id = {k: {e["nsid"]: e.get("name") for e in ipj(k, "netns", "list-id")} for k in keys}
    by_index = {k: {lk["ifindex"]: lk for lk in links[k]} for k in keys}

    def peer(k, lk):
        if lk.get("linkinfo", {}).get("info_kind") != "veth":
            return None
        nsid = lk.get("link_netnsid")
        if nsid is None:  # same namespace: `ip` names it in "link"
            return (k, lk["link"])
        other = list_id[k].get(nsid)
        if other is not None:  # a named namespace
            return (other, by_index[other][lk["link_index"]]["ifname"])
        # an unnamed id: only the host is unnamed among ours; check it points back
        back = by_index[None].get(lk["link_index"])
        assert back is not None and list_id[None].get(back.get("link_netnsid")) == k
        assert back["link_index"] == lk["ifindex"]
        return (None, back["ifname"])

    out = {}
    for k in keys:
        per_link = {}
        for lk in links[k]:
            if k is None and lk["ifname"] not in host_links:
                continue
            a = next(x for x in addrs[k] if x["ifindex"] == lk["ifindex"])
            per_link[lk["ifname"]] = {
                "index": lk["ifindex"],
                "kind": _kind(lk),
                "up": "UP" in lk["flags"],
                "operstate": lk["operstate"],
                "mtu": lk["mtu"],
                "mac": lk["address"],
                "addresses": sorted(f"{i['local']}/{i['prefixlen']}" for i in a["addr_info"]),
                "peer": peer(k, lk),
            }
        out[k] = {
            "links": per_link,
            "routes": sorted(
                (_dst(r), r.get("dev"), r.get("gateway"), r.get("scope", "universe"))
                for r in routes[k]
            ) if k is not None else None,
        }
    return out


def from_snapshot(lab: Lab, nss: list[str], host_links: list[str]) -> dict:
    snap = lab.snapshot()
    out = {}
    for k in [None, *nss]:
        ns = snap.ns(k)
        assert ns is not None, f"{k} missing from the snapshot"
        per_link = {}
        for lk in ns.links:
            if k is None and lk.name not in host_links:
                continue
            per_link[lk.name] = {
                "index": lk.index,
                "kind": lk.kind,
                "up": lk.up,
                "operstate": lk.operstate,
                "mtu": lk.mtu,
                "mac": lk.mac,
                "addresses": sorted(a.cidr for a in lk.addresses),
                "peer": (lk.peer.ns, lk.peer.ifname) if lk.peer else None,
            }
            assert lk.owned, f"{lk.name} in {k} was made by the lab"
        out[k] = {
            "links": per_link,
            "routes": sorted((r.dst, r.dev, r.gateway, r.scope) for r in ns.routes)
            if k is not None else None,
        }
    return out


@pytest.mark.parametrize("seed", [3, 5, 7, 11])
def test_snapshot_matches_ip(lab: Lab, unique: str, seed: int) -> None:
    rng = random.Random(seed)
    nss, host_links = build_random(lab, rng, unique)
    assert lab.owned_netns() == nss
    # link state settles asynchronously (operstate, IPv6 link-local addresses): compare
    # until both readings agree, a few times at most
    for _ in range(10):
        mine, theirs = from_snapshot(lab, nss, host_links), from_ip(nss, host_links)
        if mine == theirs:
            break
        time.sleep(0.2)
    assert mine == theirs
    # and every veth has a peer, both ways
    snap = lab.snapshot()
    pairs = 0
    for ns in [snap.ns(k) for k in [None, *nss]]:
        for lk in ns.links:
            if lk.kind == "veth" and (ns.key is not None or lk.name in host_links):
                back = snap.link(lk.peer.ns, lk.peer.ifname)
                assert back.peer.ns == ns.key and back.peer.ifname == lk.name
                assert back.peer.index == lk.index and lk.peer.visible
                pairs += 1
    assert pairs == len(lab.journal.of_kind("link"))  # every end the lab made


def test_peer_in_another_namespace_with_colliding_indexes(lab: Lab, unique: str) -> None:
    """Fresh namespaces number their links from 1, so indexes collide everywhere: peers
    must be resolved through the netnsid, not the index alone."""
    nss = [f"c{i}-{unique}" for i in range(4)]
    for ns in nss:
        lab.add_netns(ns)
    # the same index pattern (2 <-> 2) in two pairs of namespaces
    lab.add_veth(f"ca{unique}", f"cb{unique}", ns=nss[0], peer_ns=nss[1])
    lab.add_veth(f"cc{unique}", f"cd{unique}", ns=nss[2], peer_ns=nss[3])
    snap = lab.snapshot()
    a = snap.link(nss[0], f"ca{unique}")
    c = snap.link(nss[2], f"cc{unique}")
    assert a.index == c.index and a.peer.index == c.peer.index  # the trap is set
    assert (a.peer.ns, a.peer.ifname) == (nss[1], f"cb{unique}")
    assert (c.peer.ns, c.peer.ifname) == (nss[3], f"cd{unique}")


# -- hidden namespaces -------------------------------------------------------------------------

def _start(argv: list[str]) -> subprocess.Popen:
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _netns_inode(pid: int) -> int:
    return os.stat(f"/proc/{pid}/ns/net").st_ino


def test_hidden_namespaces(lab: Lab, unique: str) -> None:
    named = f"h-{unique}"
    lab.add_netns(named)
    mine = os.stat("/proc/self/ns/net").st_ino
    procs: list[subprocess.Popen] = []
    try:
        hidden = _start(["unshare", "-n", "sleep", "60"])
        procs.append(hidden)
        # a second process in the same unnamed namespace, and one in the named one
        deadline = time.monotonic() + 5
        while _netns_inode(hidden.pid) == mine:
            assert time.monotonic() < deadline, "unshare did not start"
            time.sleep(0.01)
        inode = _netns_inode(hidden.pid)
        twin = _start(["nsenter", f"--net=/proc/{hidden.pid}/ns/net", "sleep", "60"])
        procs.append(twin)
        inside_named = _start(["ip", "netns", "exec", named, "sleep", "60"])
        procs.append(inside_named)
        named_inode = lab.snapshot().ns(named).inode
        deadline = time.monotonic() + 5
        while not (_netns_inode(twin.pid) == inode and
                   _netns_inode(inside_named.pid) == named_inode):
            assert time.monotonic() < deadline, "nsenter/ip netns exec did not start"
            time.sleep(0.01)

        assert inode not in [n.inode for n in lab.snapshot().namespaces], (
            "by default only the host and the lab's own namespaces are shown")
        snap = lab.snapshot(everything=True)
        inodes = [n.inode for n in snap.namespaces]
        assert len(inodes) == len(set(inodes)), "one entry per namespace inode"
        entry = next(n for n in snap.namespaces if n.inode == inode)
        assert entry.kind == "hidden"
        assert hidden.pid in entry.pids and twin.pid in entry.pids
        assert entry.key == f"@pid{min(entry.pids)}"
        assert not entry.owned and not entry.links_read
        # a process inside a named namespace does not make it hidden too
        assert [n.kind for n in snap.namespaces if n.inode == named_inode] == ["named"]
        assert entry.key not in lab.list_netns()  # `ip netns list` does not show it (S7)
        # read in full on request: only lo inside
        full = read_snapshot(lab.kernel, everything=True, read_hidden=True)
        entry = next(n for n in full.namespaces if n.inode == inode)
        assert entry.links_read and [lk.name for lk in entry.links] == ["lo"]
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
    # gone with its processes
    assert inode not in [n.inode for n in lab.snapshot(everything=True).namespaces]


def test_single_lookalike_is_not_taken_for_the_peer(lab: Lab, unique: str) -> None:
    """A lab veth whose peer is in a namespace the snapshot does not read (one made by
    hand, used with force=True) must not be matched with a veth elsewhere that merely has
    the mirrored index pair (here B's b1: 2 -> 3 while A's a1 is 3 -> 2)."""
    a, b, c, foreign = (f"{x}-{unique}" for x in ("la", "lb", "lc", "lf"))
    subprocess.run(["ip", "netns", "add", foreign], check=True)
    try:
        for ns in (a, b, c):
            lab.add_netns(ns)
        lab.add_bridge(a, "br")  # index 2, so the next link is 3
        lab.add_bridge(c, "br")
        lab.add_veth("a1", "f1", ns=a, peer_ns=foreign, force=True)  # a1: 3 -> 2 (foreign)
        lab.add_veth("b1", "c1", ns=b, peer_ns=c)  # b1: 2 -> 3, c1: 3 -> 2
        snap = lab.snapshot()
        a1, b1 = snap.link(a, "a1"), snap.link(b, "b1")
        assert (a1.index, a1.peer.index, b1.index, b1.peer.index) == (3, 2, 2, 3), "setup"
        assert (b1.peer.ns, b1.peer.ifname) == (c, "c1")
        assert (a1.peer.ns, a1.peer.ifname) != (b, "b1"), "b1 is c1's peer, not a1's"
        full = lab.snapshot(everything=True).link(a, "a1").peer
        assert (full.ns, full.ifname) == (foreign, "f1")
    finally:
        if foreign in lab.list_netns():
            lab.delete_netns(foreign, force=True)

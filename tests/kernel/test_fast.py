"""The fast paths: raw rtnetlink for the hot verbs, the append-only journal.

Each result is compared with what `ip -j` reports for the same topology built by the
`ip` CLI itself; errors still name the object; a lab killed in the middle of a build
leaves a journal from which `cleanup` removes everything it made.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nslab import AlreadyExists, Lab, NotFound, cleanup
from nslab.journal import Journal
from tests.conftest import needs_root
from tests.helpers import ip, ipj, netns_list, wait_for

pytestmark = [needs_root, pytest.mark.kernel]

REPO = Path(__file__).resolve().parents[2]


def shape(ns: str) -> list[dict]:
    """What `ip -j -d addr` says of a namespace, without what differs between twins
    (ifindexes, MACs, counters, timestamps, the peer's netnsid number)."""
    out = []
    for lk in sorted(ipj(ns, "-d", "addr"), key=lambda d: d["ifname"]):
        out.append({
            "ifname": lk["ifname"],
            "kind": lk.get("linkinfo", {}).get("info_kind"),
            "up": "UP" in lk["flags"],
            "peer_elsewhere": "link_netnsid" in lk,
            "mtu": lk["mtu"],
            "addrs": sorted(
                (a["family"], a["local"], a["prefixlen"], a.get("scope"), a.get("broadcast"))
                for a in lk["addr_info"]
                if not (a["family"] == "inet6" and a["local"].startswith("fe80"))
            ),
        })
    return out


def build_with_ip(a: str, b: str) -> None:
    for ns in (a, b):
        ip(None, "netns", "add", ns)
        ip(ns, "link", "set", "dev", "lo", "up")
    ip(a, "link", "add", "name", "x0", "type", "veth", "peer", "name", "y0", "netns", b)
    ip(a, "addr", "add", "10.9.0.1/30", "dev", "x0")
    ip(a, "addr", "add", "fd00:9::1/64", "dev", "x0")
    ip(b, "addr", "add", "10.9.0.2/30", "dev", "y0")
    ip(a, "link", "set", "dev", "x0", "up")
    ip(b, "link", "set", "dev", "y0", "up")
    ip(a, "link", "add", "name", "d0", "type", "veth", "peer", "name", "d1")  # same ns
    ip(a, "link", "set", "dev", "d1", "up")


def test_in_place_pair_matches_the_ip_cli(lab: Lab, unique: str) -> None:
    a, b, ia, ib = f"fa-{unique}", f"fb-{unique}", f"fia-{unique}", f"fib-{unique}"
    try:
        build_with_ip(ia, ib)
        for ns in (a, b):
            lab.add_netns(ns)
            lab.set_up(ns, "lo")
        lab.add_veth("x0", "y0", ns=a, peer_ns=b)
        lab.add_addr(a, "x0", "10.9.0.1/30")
        lab.add_addr(a, "x0", "fd00:9::1/64")
        lab.add_addr(b, "y0", "10.9.0.2/30")
        lab.set_up(a, "x0")
        lab.set_up(b, "y0")
        lab.add_veth("d0", "d1", ns=a)
        lab.set_up(a, "d1")
        assert shape(a) == shape(ia)
        assert shape(b) == shape(ib)
        assert lab.ping(a, "10.9.0.2").ok
        # ... and so does the way back
        lab.set_down(a, "d1")
        lab.del_addr(a, "x0", "fd00:9::1/64")
        ip(ia, "link", "set", "dev", "d1", "down")
        ip(ia, "addr", "del", "fd00:9::1/64", "dev", "x0")
        assert shape(a) == shape(ia)
        assert list(lab.transcript)[-2:] == [
            f"ip netns exec {a} ip link set dev d1 down",
            f"ip netns exec {a} ip addr del fd00:9::1/64 dev x0",
        ]
    finally:
        for ns in (ia, ib):
            if ns in netns_list():
                ip(None, "netns", "delete", ns)


def test_host_side_links_by_index(lab: Lab, unique: str) -> None:
    """A link in the host: found by the raw lookup, its index journaled, set up by index."""
    h, p, ns = f"fh{unique}", f"fp{unique}", f"fc-{unique}"
    lab.add_netns(ns)
    lab.add_veth(h, p, peer_ns=ns)
    entry = lab.journal.find("link", h, ns=None)
    assert entry["index"] == ipj(None, "link", "show", h)[0]["ifindex"]
    lab.set_up(None, h)
    assert "UP" in ipj(None, "link", "show", h)[0]["flags"]
    assert lab.kernel.nl.link_index(None, f"nx{unique}") is None


def test_errors_still_name_the_object(lab: Lab, unique: str) -> None:
    a, b = f"fe-{unique}", f"ff-{unique}"
    lab.add_netns(a)
    lab.add_netns(b)
    lab.add_veth("v0", "w0", ns=a, peer_ns=b)
    with pytest.raises(NotFound, match=rf"'v1' does not exist in {a}.*'v0'"):
        lab.set_up(a, "v1")
    with pytest.raises(NotFound, match=rf"'w0' .*{b}"):
        lab.add_addr(a, "w0", "10.8.0.1/24")
    lab.add_addr(a, "v0", "10.8.0.1/24")
    with pytest.raises(AlreadyExists,
                       match=rf"10\.8\.0\.1/24 is already on v0 in {a}.*lab\.del_addr"):
        lab.add_addr(a, "v0", "10.8.0.1/24")
    with pytest.raises(NotFound, match=rf"10\.8\.0\.9/24 is not on v0 in {a}"):
        lab.del_addr(a, "v0", "10.8.0.9/24")
    before = list(lab.journal.entries)
    with pytest.raises(AlreadyExists, match=rf"'w0' .*{b}.*lab\.delete_link"):
        lab.add_veth("u0", "w0", ns=a, peer_ns=b)  # the kernel's EEXIST, through the raw path
    assert lab.journal.entries == before, "the refused pair is not journaled"
    assert Journal.load(lab.journal.path).entries == before
    assert "u0" not in {lk["ifname"] for lk in ipj(a, "link")}


def test_a_namespace_replaced_under_its_name_is_not_written_to(lab: Lab, unique: str) -> None:
    """The raw path checks the cached socket's inode: after `ip netns delete` and `add` by
    hand, it opens the new namespace instead of sending into the old one."""
    ns = f"fr-{unique}"
    lab.add_netns(ns)
    lab.set_up(ns, "lo")
    ip(None, "netns", "delete", ns)
    ip(None, "netns", "add", ns)
    try:
        assert "UP" not in ipj(ns, "link", "show", "lo")[0]["flags"]
        lab.set_up(ns, "lo", force=True)
        assert "UP" in ipj(ns, "link", "show", "lo")[0]["flags"]
    finally:
        lab.delete_netns(ns, force=True)


def test_gone_namespace_is_not_found(lab: Lab, unique: str) -> None:
    ns = f"fg-{unique}"
    lab.add_netns(ns)
    path = lab.kernel.path(ns)
    ip(None, "netns", "delete", ns)
    with pytest.raises(NotFound):
        lab.kernel.nl.set_state(path, "up", ifname="lo")


CHILD = textwrap.dedent(
    """
    import sys
    import nslab

    tag = sys.argv[1]
    lab = nslab.Lab(name=f"fastcrash-{tag}")
    for i in range(400):
        a, b = f"k{i}a-{tag}", f"k{i}b-{tag}"
        lab.add_netns(a)
        lab.add_netns(b)
        lab.add_veth("x", "y", ns=a, peer_ns=b)
        lab.add_addr(a, "x", "10.7.0.1/30")
        lab.set_up(a, "x")
        if i == 2:
            print("READY", flush=True)
    """
)


def test_sigkill_in_the_middle_of_a_build_leaves_nothing(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         unique: str) -> None:
    """Killed while it appends to its journal and creates namespaces: every namespace that
    exists is listed (journal before create), and cleanup removes them all."""
    monkeypatch.setenv("NSLAB_STATE_DIR", str(tmp_path))
    env = {**os.environ, "NSLAB_STATE_DIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, unique], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    journal = tmp_path / f"fastcrash-{unique}.json"
    try:
        assert proc.stdout.readline().strip() == "READY", proc.stderr.read()
        wait_for(lambda: len([n for n in netns_list() if unique in n]) >= 12, what="a build")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        made = {n for n in netns_list() if unique in n}
        listed = {e["name"] for e in Journal.load(journal).of_kind("netns")}
        assert made <= listed, "a namespace the journal does not list"
        assert len(journal.read_text().splitlines()) > 1, "changes were appended"
        removed = cleanup()
        assert {r.split("namespace ", 1)[1] for r in removed if "namespace " in r} >= made
        assert not {n for n in netns_list() if unique in n}
        assert not journal.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if journal.exists():
            Lab(name=f"fastcrash-{unique}").reset()
            journal.unlink(missing_ok=True)
    assert not {n for n in netns_list() if unique in n}


def test_move_there_and_back(lab: Lab, unique: str) -> None:
    """The raw RTM_SETLINK + IFLA_NET_NS_FD: into a lab namespace, and back to the host;
    a clash with a name already there is refused naming both."""
    ns, h, p = f"fm-{unique}", f"fm{unique}", f"fn{unique}"
    lab.add_netns(ns)
    lab.add_veth(h, p)
    lab.move(h, ns)
    assert h in {lk["ifname"] for lk in ipj(ns, "link")}
    assert h not in {lk["ifname"] for lk in ipj(None, "link")}
    peer = ipj(None, "-d", "link", "show", p)[0]
    assert "link_netnsid" in peer, "the host end now points into another namespace"
    lab.move(h, None, src=ns)
    assert h in {lk["ifname"] for lk in ipj(None, "link")}
    assert lab.journal.find("link", h, ns=None)["index"] == \
        ipj(None, "link", "show", h)[0]["ifindex"]
    lab.add_veth(f"fo{unique}", h, ns=ns)  # now `h` exists in ns too
    with pytest.raises(AlreadyExists, match=rf"{ns} already has an interface named '{h}'"):
        lab.move(h, ns)
    assert h in {lk["ifname"] for lk in ipj(None, "link")}, "nothing moved"

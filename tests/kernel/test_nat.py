"""Forwarding, NAT, published ports and the tiny web server, on the real kernel (issue 5).

The topology, all inside namespaces of the test's lab, every name with a unique tag:

    ctr-TAG  eth0 172.17.0.2/16, default via 172.17.0.1
      |  veth
    rtr-TAG  br0 172.17.0.1/16 (port vc1) ... wan0 203.0.113.1/24   (the docker-host)
      |  veth
    inet-TAG up0 203.0.113.10/24                                      ("the internet")

Every test also checks that the host's nft ruleset, forwarding sysctls, links and
routes are exactly as before.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from nslab import (
    AlreadyExists,
    InvalidAddress,
    InvalidName,
    Lab,
    NotFound,
    NotOwned,
    UnsafeTarget,
)
from nslab.nat import FetchResult, Server, parse_access_log
from tests.conftest import needs_root

pytestmark = [needs_root, pytest.mark.kernel]

UPLINK, INET, CONTAINER = "203.0.113.1", "203.0.113.10", "172.17.0.2"
OUTSIDE = "192.0.2.77"  # TEST-NET-1: only ever an argument that must be refused


# -- the host must not change ---------------------------------------------------------------

def _run(*argv: str) -> str:
    return subprocess.run(argv, capture_output=True, text=True).stdout


MY_IFNAMES = {"wan0", "up0", "vc1", "br0", "uplink"}  # what these tests create (never in the host)


def host_view() -> dict[str, object]:
    """What these verbs must never touch in the host: nft rules, forwarding, links, routes."""
    keep = ("ifname", "ifindex", "flags", "mtu", "master", "address", "linkinfo")
    links = json.loads(_run("ip", "-j", "-d", "link") or "[]")
    return {
        "nft": _run("nft", "list", "ruleset"),
        "sysctls": [
            Path(f"/proc/sys/net/{k}").read_text()
            for k in ("ipv4/ip_forward", "ipv4/conf/all/forwarding", "ipv6/conf/all/forwarding")
        ],
        "links": {lk["ifname"]: {k: lk.get(k) for k in keep} for lk in links},
        "routes": json.loads(_run("ip", "-j", "route", "show", "table", "all") or "[]"),
    }


def _machine_links(view: dict) -> dict:
    """The host's own links; veths and bridges come and go with other developers' tests."""
    return {
        name: lk for name, lk in view["links"].items()
        if (lk.get("linkinfo") or {}).get("info_kind") not in ("veth", "bridge")
    }


@pytest.fixture(autouse=True)
def host_unchanged(unique: str):
    """Strict about the host's own links; other developers' tests add and remove veths in
    the host meanwhile (conftest.py's session guard is strict about all when run alone)."""
    before = host_view()
    yield
    after = host_view()
    assert after["nft"] == before["nft"], "the host's nft ruleset changed"
    assert after["sysctls"] == before["sysctls"], "the host's forwarding sysctls changed"
    assert _machine_links(after) == _machine_links(before), "the host's links changed"
    new = set(after["links"]) - set(before["links"])
    assert not new & MY_IFNAMES and not any(unique in n for n in new), f"new host links {new}"
    old_devs = set(_machine_links(before))
    assert [r for r in after["routes"] if r.get("dev") in old_devs] == [
        r for r in before["routes"] if r.get("dev") in old_devs
    ], "the host's routes changed"


# -- topology -------------------------------------------------------------------------------

class Topo:
    def __init__(self, lab: Lab, tag: str) -> None:
        self.lab = lab
        self.inet, self.rtr, self.ctr = f"inet-{tag}", f"rtr-{tag}", f"ctr-{tag}"
        for ns in (self.inet, self.rtr, self.ctr):
            lab.add_netns(ns)
            lab.set_up(ns, "lo")
        lab.add_veth("wan0", "up0", ns=self.rtr, peer_ns=self.inet)
        lab.add_addr(self.rtr, "wan0", f"{UPLINK}/24")
        lab.set_up(self.rtr, "wan0")
        lab.add_addr(self.inet, "up0", f"{INET}/24")
        lab.set_up(self.inet, "up0")
        lab.add_bridge(self.rtr, "br0")
        lab.add_addr(self.rtr, "br0", "172.17.0.1/16")
        lab.set_up(self.rtr, "br0")
        lab.add_veth("vc1", "eth0", ns=self.rtr, peer_ns=self.ctr)
        lab.set_master(self.rtr, "vc1", "br0")
        lab.set_up(self.rtr, "vc1")
        lab.add_addr(self.ctr, "eth0", f"{CONTAINER}/16")
        lab.set_up(self.ctr, "eth0")
        lab.add_route(self.ctr, "default", via="172.17.0.1")
        lab.set_forwarding(self.rtr, False)  # new namespaces may inherit the host's value
        self.settle()

    def settle(self, timeout: float = 5) -> None:
        """Wait until links are UP with their IPv6 link-local address (the kernel adds it
        a moment after carrier), so "nothing changed" compares settled states."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            snap = self.lab.snapshot()
            links = [lk for n in self.names for lk in snap.ns(n).links if lk.kind != "loopback"]
            if all(
                lk.operstate == "UP" and any(a.cidr.startswith("fe80:") for a in lk.addresses)
                for lk in links
            ):
                return
            time.sleep(0.05)
        raise AssertionError(f"links did not settle within {timeout} s: {links}")

    @property
    def names(self) -> tuple[str, str, str]:
        return self.inet, self.rtr, self.ctr

    def ruleset(self, ns: str) -> str:
        result = self.lab.exec(ns, ["nft", "list", "ruleset"])
        assert result.ok, result.stderr
        return result.stdout

    def state(self) -> tuple:
        """Everything a refused verb must leave alone, inside the lab."""
        snap = self.lab.snapshot()
        return (
            tuple(snap.ns(n) for n in self.names),
            tuple(self.ruleset(n) for n in self.names),
            tuple(self.lab.forwarding(n) for n in self.names),
        )


@pytest.fixture
def topo(lab: Lab, unique: str) -> Topo:
    return Topo(lab, unique)


def nat_rules(topo: Topo, ns: str) -> tuple[str, ...]:
    return topo.lab.snapshot().ns(ns).nat_rules


# -- forwarding -----------------------------------------------------------------------------

def test_set_forwarding_changes_one_namespace_only(topo: Topo) -> None:
    lab = topo.lab
    assert lab.forwarding(topo.rtr) is False
    others = {ns: lab.forwarding(ns) for ns in (topo.inet, topo.ctr)}
    lab.set_forwarding(topo.rtr)
    assert lab.forwarding(topo.rtr) is True
    assert lab.exec(topo.rtr, "sysctl -n net.ipv4.ip_forward").stdout.strip() == "1"
    assert {ns: lab.forwarding(ns) for ns in (topo.inet, topo.ctr)} == others
    snap = lab.snapshot()
    assert snap.ns(topo.rtr).forwarding is True
    assert snap.host.forwarding is None  # the snapshot reads lab namespaces only
    assert lab.transcript[-1] == f"ip netns exec {topo.rtr} sysctl -w net.ipv4.ip_forward=1"
    lab.set_forwarding(topo.rtr, False)
    assert lab.forwarding(topo.rtr) is False
    assert lab.transcript[-1].endswith("net.ipv4.ip_forward=0")
    with pytest.raises(ValueError, match="True or False"):
        lab.set_forwarding(topo.rtr, "yes")  # type: ignore[arg-type]


# -- MASQUERADE: the container reaches the internet, which sees the router -------------------

def test_fetch_needs_forwarding_and_masquerade(topo: Topo) -> None:
    lab = topo.lab
    server = lab.serve_http(topo.inet, 80)
    assert isinstance(server, Server) and str(server).startswith(f"web server in {topo.inet}")
    url = f"http://{INET}/"

    blocked = lab.fetch(topo.ctr, url, timeout=1)  # the router does not forward
    assert isinstance(blocked, FetchResult)
    assert not blocked.ok and blocked.status is None and blocked.error
    assert "failed" in str(blocked)

    lab.set_forwarding(topo.rtr)
    no_way_back = lab.fetch(topo.ctr, url, timeout=1)  # the internet has no route to 172.17/16
    assert not no_way_back.ok and no_way_back.status is None
    assert server.clients() == []

    lab.enable_masquerade(topo.rtr, "wan0")
    got = lab.fetch(topo.ctr, url)
    assert got.ok and got.status == 200 and got.error is None
    assert got.body == f"Hello from {topo.inet} ({INET})\n"
    assert server.clients() == [UPLINK]  # the router's uplink address, not 172.17.0.2
    assert CONTAINER not in server.clients()
    assert lab.http_log(topo.inet, 80)[0].path == "/"

    assert nat_rules(topo, topo.rtr) == ('oifname "wan0" masquerade',)
    assert nat_rules(topo, topo.inet) == () and nat_rules(topo, topo.ctr) == ()
    assert list(lab.transcript)[-3:] == [
        f"ip netns exec {topo.rtr} nft 'add table ip nslab'",
        f"ip netns exec {topo.rtr} nft 'add chain ip nslab postrouting "
        "{ type nat hook postrouting priority srcnat; policy accept; }'",
        f"ip netns exec {topo.rtr} nft 'add rule ip nslab postrouting oifname \"wan0\" "
        "masquerade'",
    ]


# -- DNAT: -p 8080:80 -----------------------------------------------------------------------

def test_publish_port_reaches_the_container(topo: Topo) -> None:
    lab = topo.lab
    lab.serve_http(topo.ctr, 80, text="container page\n")
    lab.set_forwarding(topo.rtr)
    url = f"http://{UPLINK}:8080/"
    assert not lab.fetch(topo.inet, url, timeout=1).ok  # nothing listens on the router

    lab.publish_port(topo.rtr, 8080, CONTAINER, 80)
    got = lab.fetch(topo.inet, url)
    assert got.ok and got.body == "container page\n"
    assert lab.http_server(topo.ctr, 80).clients() == [INET]  # DNAT keeps the source
    assert nat_rules(topo, topo.rtr) == (
        f"fib daddr type local tcp dport 8080 dnat to {CONTAINER}:80",
    )
    assert lab.transcript[-1] == (
        f"ip netns exec {topo.rtr} nft 'add rule ip nslab prerouting fib daddr type local "
        f"tcp dport 8080 dnat to {CONTAINER}:80'"
    )
    # a second rule in the same table: no new table or chain in the transcript
    lab.enable_masquerade(topo.rtr, "wan0")
    lab.publish_port(topo.rtr, 5353, CONTAINER, 53, proto="udp")
    assert len(nat_rules(topo, topo.rtr)) == 3
    assert lab.transcript[-1].endswith(f"udp dport 5353 dnat to {CONTAINER}:53'")
    assert "add table" not in lab.transcript[-2] and "add table" not in lab.transcript[-1]


# -- bad input: a clear error, and nothing changed -------------------------------------------

def test_publishing_a_port_twice_changes_nothing(topo: Topo) -> None:
    lab = topo.lab
    lab.publish_port(topo.rtr, 8080, CONTAINER, 80)
    before, commands = topo.state(), len(lab.transcript)
    with pytest.raises(AlreadyExists, match=r"8080/tcp .* already published \(to 172\.17\.0\.2:80\)"
                       r".*lab\.publish_port\(.*8081"):
        lab.publish_port(topo.rtr, 8080, "172.17.0.3", 81)
    assert topo.state() == before and len(lab.transcript) == commands
    lab.publish_port(topo.rtr, 8080, CONTAINER, 80, proto="udp")  # another protocol is free


def test_masquerade_on_a_missing_interface_changes_nothing(topo: Topo) -> None:
    lab = topo.lab
    before = topo.state()
    with pytest.raises(NotFound, match=r"'wan9' does not exist in rtr-.*Did you mean 'wan0'") as e:
        lab.enable_masquerade(topo.rtr, "wan9")
    assert str(e.value) == (
        f"Interface 'wan9' does not exist in {topo.rtr}. Did you mean 'wan0'? Create it with "
        f"lab.add_veth(...) first. Then masquerade on it: "
        f"lab.enable_masquerade({topo.rtr!r}, 'wan9')."
    )
    with pytest.raises(NotFound, match=r"'up0' is not in rtr-.*: it is in inet-"):
        lab.enable_masquerade(topo.rtr, "up0")
    with pytest.raises(InvalidName, match="cannot match"):
        lab.enable_masquerade(topo.rtr, 'we"ird')
    assert topo.state() == before
    assert not lab.journal.of_kind("nat")

    lab.enable_masquerade(topo.rtr, "wan0")
    before = topo.state()
    with pytest.raises(AlreadyExists, match="already enabled"):
        lab.enable_masquerade(topo.rtr, "wan0")
    assert topo.state() == before


def test_route_via_an_unconnected_gateway_changes_nothing(topo: Topo) -> None:
    before = topo.state()
    with pytest.raises(InvalidAddress, match=r"Gateway 10\.9\.9\.1 is not on a subnet connected"):
        topo.lab.add_route(topo.inet, "172.17.0.0/16", via="10.9.9.1")
    assert topo.state() == before
    topo.lab.add_route(topo.inet, "172.17.0.0/16", via=UPLINK)  # the right gateway works


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((0, CONTAINER, 80), {}, "host_port=0 is not a port number"),
        ((8080, CONTAINER, 70000), {}, "container_port=70000"),
        ((True, CONTAINER, 80), {}, "host_port=True"),
        (("8080", CONTAINER, 80), {}, "host_port='8080'"),
        ((8080, "172.17.0.2/16", 80), {}, "has a prefix length"),
        ((8080, "2001:db8::2", 80), {}, "is IPv6"),
        ((8080, CONTAINER, 80), {"proto": "icmp"}, "proto='icmp' is not supported"),
    ],
)
def test_bad_ports_change_nothing(topo: Topo, args, kwargs, match) -> None:
    before = topo.state()
    with pytest.raises(ValueError, match=match):
        topo.lab.publish_port(topo.rtr, *args, **kwargs)
    assert topo.state() == before


def test_publish_port_only_to_lab_addresses(topo: Topo) -> None:
    before = topo.state()
    with pytest.raises(UnsafeTarget, match=OUTSIDE):
        topo.lab.publish_port(topo.rtr, 8080, OUTSIDE, 80)
    assert topo.state() == before


def test_the_host_is_always_refused(topo: Topo) -> None:
    lab = topo.lab
    before, host_fwd = topo.state(), Path("/proc/sys/net/ipv4/ip_forward").read_text()
    with pytest.raises(NotOwned, match="never changes the host's IPv4 forwarding"):
        lab.set_forwarding(None)
    with pytest.raises(NotOwned, match="never changes the host's IPv4 forwarding"):
        lab.set_forwarding(None, False)
    with pytest.raises(NotOwned, match="never changes the host's firewall"):
        lab.enable_masquerade(None, "lo")
    with pytest.raises(NotOwned, match="never changes the host's firewall"):
        lab.publish_port(None, 8080, CONTAINER, 80)
    with pytest.raises(NotOwned):
        lab.serve_http(None, 8080)
    with pytest.raises(NotOwned, match="host's sysctls"):
        lab.kernel.nl.sysctl(None, "net/ipv4/ip_forward", "1")  # the worker refuses too
    with pytest.raises(ValueError, match="not a network sysctl"):
        lab.kernel.nl.sysctl(lab.kernel.path(topo.rtr), "kernel/hostname", "x")
    with pytest.raises(NotOwned):
        lab._nft(None, ["list", "ruleset"])
    assert topo.state() == before
    assert Path("/proc/sys/net/ipv4/ip_forward").read_text() == host_fwd
    assert not lab.journal.of_kind("nat") and not lab.journal.of_kind("server")


def test_namespaces_of_others_are_refused(topo: Topo, unique: str) -> None:
    other = Lab(name=f"test-{unique}-other")
    try:
        foreign = f"other-{unique}"
        other.add_netns(foreign)
        other.add_bridge(foreign, "br0")
        rules = other.exec(foreign, ["nft", "list", "ruleset"]).stdout
        fwd = other.forwarding(foreign)
        with pytest.raises(NotOwned, match=f"{foreign!r} was not created by this lab"):
            topo.lab.set_forwarding(foreign, not fwd)
        with pytest.raises(NotOwned, match="not created by this lab"):
            topo.lab.enable_masquerade(foreign, "br0")
        with pytest.raises(NotOwned, match="not created by this lab"):
            topo.lab.publish_port(foreign, 8080, CONTAINER, 80)
        with pytest.raises(NotOwned, match="not created by this lab"):
            topo.lab.serve_http(foreign, 80)
        assert other.exec(foreign, ["nft", "list", "ruleset"]).stdout == rules
        assert other.forwarding(foreign) == fwd
    finally:
        other.reset()
        other.journal.delete()


# -- the web server and the client ----------------------------------------------------------

def test_server_lifecycle(topo: Topo) -> None:
    lab = topo.lab
    server = lab.serve_http(topo.inet, 8000, text="hi\n")
    entry = lab.journal.find("server", f"{topo.inet}:8000")
    root = Path(entry["dir"])
    assert (root / "index.html").read_text() == "hi\n"
    assert lab.exec(topo.inet, ["ss", "-Hltn", "sport = :8000"]).stdout.strip()
    with pytest.raises(AlreadyExists, match="already listens on port 8000"):
        lab.serve_http(topo.inet, 8000)
    with pytest.raises(ValueError, match="port=0"):
        lab.serve_http(topo.inet, 0)

    got = lab.fetch(topo.inet, f"http://{INET}:8000/missing")  # from its own namespace
    assert got.status == 404 and not got.ok and got.error.startswith("HTTP 404")
    assert [(r.client, r.path, r.status) for r in server.requests()] == [
        (INET, "/missing", 404)
    ]

    lab.stop_http(topo.inet, 8000)
    assert not os.path.exists(f"/proc/{server.pid}")
    assert not root.exists()
    refused = lab.fetch(topo.inet, f"http://{INET}:8000/")
    assert not refused.ok and refused.error == "Connection refused"
    with pytest.raises(NotFound, match="No web server"):
        lab.stop_http(topo.inet, 8000)

    again = lab.serve_http(topo.inet, 8000)
    removed = lab.reset()
    assert f"web server {topo.inet}:8000 (PID {again.pid})" in removed
    assert not os.path.exists(f"/proc/{again.pid}")
    assert not root.exists()


def test_fetch_goes_only_to_lab_addresses(topo: Topo) -> None:
    lab = topo.lab
    with pytest.raises(UnsafeTarget, match=OUTSIDE):
        lab.fetch(topo.ctr, f"http://{OUTSIDE}/")
    with pytest.raises(InvalidAddress, match="no DNS inside the lab"):
        lab.fetch(topo.ctr, "http://example.com/")
    with pytest.raises(InvalidAddress, match="not an http:// URL"):
        lab.fetch(topo.ctr, f"https://{INET}/")
    with pytest.raises(InvalidAddress, match="not valid"):
        lab.fetch(topo.ctr, f"http://{INET}:99999/")


def test_parse_access_log() -> None:
    text = (
        "Serving HTTP on 0.0.0.0 port 80 (http://0.0.0.0:80/) ...\n"
        '203.0.113.1 - - [01/Jan/2025 10:00:00] "GET / HTTP/1.1" 200 -\n'
        '203.0.113.10 - - [01/Jan/2025 10:00:01] code 404, message File not found\n'
        '203.0.113.10 - - [01/Jan/2025 10:00:01] "GET /x HTTP/1.1" 404 -\n'
    )
    assert [(r.client, r.method, r.path, r.status) for r in parse_access_log(text)] == [
        ("203.0.113.1", "GET", "/", 200),
        ("203.0.113.10", "GET", "/x", 404),
    ]


# -- replay and the transcript --------------------------------------------------------------

def test_checkpoint_restore_replays_nat(topo: Topo) -> None:
    lab = topo.lab
    lab.set_forwarding(topo.rtr)
    lab.enable_masquerade(topo.rtr, "wan0")
    lab.serve_http(topo.inet, 80)
    lab.checkpoint("nat")
    lab.restore("nat")
    assert lab.forwarding(topo.rtr) is True
    assert nat_rules(topo, topo.rtr) == ('oifname "wan0" masquerade',)
    assert lab.fetch(topo.ctr, f"http://{INET}/").ok
    assert lab.http_log(topo.inet)[-1].client == UPLINK


def test_transcript_script_rebuilds_the_nat(topo: Topo) -> None:
    lab = topo.lab
    lab.set_forwarding(topo.rtr)
    lab.enable_masquerade(topo.rtr, "wan0")
    lab.publish_port(topo.rtr, 8080, CONTAINER, 80)
    script, rules = lab.transcript.script(), topo.ruleset(topo.rtr)
    lab.reset()
    assert not any(os.path.exists(f"/run/netns/{n}") for n in topo.names)
    try:
        proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert _run("ip", "netns", "exec", topo.rtr, "nft", "list", "ruleset") == rules
        assert _run("ip", "netns", "exec", topo.rtr, "sysctl", "-n",
                    "net.ipv4.ip_forward").strip() == "1"
    finally:
        for name in topo.names:  # exactly the namespaces the script made
            subprocess.run(["ip", "netns", "delete", name], capture_output=True)


# -- with a real emulated container (the notebook's setup) ----------------------------------

def test_container_behind_docker_host(lab: Lab, unique: str) -> None:
    from nslab.containers import DOCKER_HOST

    if os.path.exists(f"/run/netns/{DOCKER_HOST}"):
        pytest.skip(f"namespace {DOCKER_HOST!r} exists (another test run is using it)")
    inet, name = f"inet-{unique}", f"c{unique}"
    try:
        box = lab.run_container(name)
    except AlreadyExists:
        pytest.skip(f"namespace {DOCKER_HOST!r} was taken meanwhile")
    lab.add_netns(inet)
    lab.add_veth("uplink", "eth0", ns=DOCKER_HOST, peer_ns=inet)
    lab.add_addr(DOCKER_HOST, "uplink", f"{UPLINK}/24")
    lab.set_up(DOCKER_HOST, "uplink")
    lab.add_addr(inet, "eth0", f"{INET}/24")
    lab.set_up(inet, "eth0")
    web = lab.serve_http(inet, 80)
    lab.set_forwarding(DOCKER_HOST)
    lab.enable_masquerade(DOCKER_HOST, "uplink")
    assert lab.fetch(box.key, f"http://{INET}/").ok
    assert web.clients() == [UPLINK]

    inner = lab.serve_http(box.key, 80)  # a server inside the hidden namespace
    assert "container" in inner.__str__()
    lab.publish_port(DOCKER_HOST, 8080, box.ip, 80)
    got = lab.fetch(inet, f"http://{UPLINK}:8080/")
    assert got.ok and got.body == f"Hello from container {name} ({box.ip})\n"
    assert inner.clients() == [INET]
    snap = lab.snapshot()
    assert snap.ns(DOCKER_HOST).forwarding is True
    assert len(snap.ns(DOCKER_HOST).nat_rules) == 2
    assert snap.ns(box.key).forwarding is not None
    lab.reset()
    assert not os.path.exists(f"/proc/{inner.pid}") and not os.path.exists(f"/proc/{web.pid}")


def test_port_taken_by_another_program(topo: Topo) -> None:
    import sys

    squatter = subprocess.Popen(
        ["ip", "netns", "exec", topo.inet, sys.executable, "-m", "http.server", "9000",
         "--bind", "0.0.0.0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 10
        while not topo.lab.exec(topo.inet, ["ss", "-Hltn", "sport = :9000"]).stdout.strip():
            assert time.monotonic() < deadline, "the squatter did not listen"
            time.sleep(0.05)
        with pytest.raises(AlreadyExists, match="9000 .* already in use by another program"):
            topo.lab.serve_http(topo.inet, 9000)
        assert not topo.lab.journal.of_kind("server")
        assert not list(Path("/run/nslab/www").glob(f"{topo.lab.name}-*"))
    finally:
        squatter.kill()  # ours, by PID
        squatter.wait()

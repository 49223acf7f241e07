"""lab.transcript.script() rebuilds the lab from nothing, even with odd (but valid) names.

`ip` reads some words as keywords (`ip link add a type veth` fails: "a" is `address`),
so the transcript must use unambiguous forms. Build a lab with such names, snapshot it,
reset, run the script with bash on the now clean kernel, snapshot again, compare
(ignoring MACs and ifindexes, which the kernel picks anew).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time

import pytest

from nslab import AlreadyExists, KernelError, Lab
from tests.conftest import needs_root
from tests.replay import end_processes, kernel_view, remove, run_script

pytestmark = [needs_root, pytest.mark.kernel]

# interface names that are also words of the `ip` command; they only ever live inside
# the test's own namespaces, so they cannot collide with anything of other developers
ODD = ["a", "help", "dev", "name", "type", "peer", "netns", "up", "group", "0", "é"]


def essence(lab: Lab, nss: list[str], host_links: list[str]) -> dict:
    """The snapshot without what the kernel chooses anew (MACs, indexes, link-local v6)."""
    snap = lab.snapshot(everything=True)  # the script's namespaces are not `lab`'s own
    out: dict = {}
    for key in [None, *nss]:
        ns = snap.ns(key)
        if ns is None:
            out[key] = None
            continue
        links = {}
        for lk in ns.links:
            if key is None and lk.name not in host_links:
                continue
            links[lk.name] = (
                lk.kind, lk.up, lk.operstate, lk.mtu, lk.master,
                (lk.peer.ns, lk.peer.ifname) if lk.peer else None,
                tuple(a.cidr for a in lk.addresses if not a.cidr.startswith("fe80:")),
            )
        routes = sorted((r.dst, r.dev, r.gateway, r.scope, r.protocol) for r in ns.routes)
        out[key] = (links, routes if key is not None else None)
    return out


def _operstate_settled(ess: dict) -> bool:
    """Operstate follows admin state through the kernel's linkwatch, up to a second late:
    settled when every veth's operstate agrees with its own and its peer's admin flag."""
    ups = {}
    for key, value in ess.items():
        for name, (_kind, up, *_rest) in (value[0].items() if value else ()):
            ups[key, name] = up
    for value in ess.values():
        for kind, up, operstate, _mtu, _master, peer, _addrs in (
            value[0].values() if value else ()
        ):
            if kind != "veth":
                continue
            if peer not in ups and up:
                continue  # its peer is in a namespace we do not compare
            want = {"DOWN"} if not up else (
                {"UP"} if ups.get(peer) else {"DOWN", "LOWERLAYERDOWN"}  # no carrier
            )
            if operstate not in want:
                return False
    return True


def settled(lab: Lab, nss: list[str], host_links: list[str]) -> dict:
    """essence() once the operstates have caught up (3 s at most)."""
    deadline = time.monotonic() + 3
    while True:
        now = essence(lab, nss, host_links)
        if _operstate_settled(now) or time.monotonic() > deadline:
            return now
        time.sleep(0.05)


def build(lab: Lab, dotted: str, uni: str, host_a: str, host_b: str) -> None:
    a, help_, dev, name, type_, peer, netns, up, all_, zero, e = ODD
    lab.add_netns(dotted)
    lab.add_netns(uni)
    lab.set_up(dotted, "lo")
    lab.add_veth(a, help_, ns=dotted, peer_ns=uni)
    lab.add_addr(dotted, a, "10.20.0.1/24")
    lab.add_addr(uni, help_, "10.20.0.2/24")
    lab.set_up(dotted, a)
    lab.set_up(uni, help_)
    lab.add_veth(dev, name, ns=dotted)  # both ends in one namespace
    lab.move(name, uni, src=dotted)
    lab.add_addr(uni, name, "10.21.0.2/24")
    lab.add_addr(uni, name, "10.21.0.9/24")
    lab.del_addr(uni, name, "10.21.0.9/24")
    lab.set_up(uni, name)
    lab.add_veth(type_, peer, ns=uni, peer_ns=dotted)
    lab.delete_link(dotted, peer)  # takes `type` along
    lab.add_veth(netns, up, ns=dotted)
    lab.add_veth(all_, zero, ns=uni)
    lab.set_up(uni, zero)
    lab.set_down(uni, zero)
    lab.add_veth(e, "x", ns=uni)
    lab.add_route(dotted, "172.16.9.0/24", via="10.20.0.2")
    # the host: one pair made there with its peer sent away, one link brought back home
    lab.add_veth(host_a, "eth9", peer_ns=uni)
    lab.set_up(None, host_a)
    lab.add_veth(host_b, "home", ns=dotted, peer_ns=uni)
    lab.move(host_b, None, src=dotted)


def test_script_rebuilds_the_lab(lab: Lab, unique: str) -> None:
    dotted, uni = f"ns.{unique}", f"ñs-名-{unique}"
    host_a, host_b = f"ha{unique}", f"hb{unique}"
    nss, host_links = [dotted, uni], [host_a, host_b]
    build(lab, dotted, uni, host_a, host_b)
    before = settled(lab, nss, host_links)
    assert before[dotted] and before[uni]
    assert set(before[None][0]) == {host_a, host_b}
    script = lab.transcript.script()
    assert script.startswith("#!/bin/bash\nset -euo pipefail\n")
    assert script.endswith("/proc/$$/ns/net\nexit 0\n")  # the host, also in the sandbox
    assert len(lab.transcript) == script.count("\n") - 3

    lab.reset()
    assert essence(lab, nss, host_links) == {None: ({}, None), dotted: None, uni: None}

    fixer = Lab(name=f"test-fix-{unique}")
    try:
        proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                              env={**os.environ, "LC_ALL": "C.UTF-8"})
        assert proc.returncode == 0, f"the script failed:\n{proc.stderr}\n{script}"
        after = settled(fixer, nss, host_links)
        assert after == before
    finally:
        # remove what the script made, by exact name, whatever happened
        for name in host_links:
            if fixer.snapshot().link(None, name):
                fixer.delete_link(None, name, force=True)
        for ns in nss:
            if ns in fixer.list_netns():
                fixer.delete_netns(ns, force=True)
        fixer.reset()
        fixer.journal.delete()
    assert not [n for n in fixer.list_netns() if unique in n]
    assert not {host_a, host_b} & {lk.name for lk in fixer.snapshot().host.links}


def test_transcript_quotes_what_the_shell_would_split(lab: Lab, unique: str) -> None:
    dotted = f"ns.{unique}"
    lab.add_netns(dotted)
    lab.add_veth("a", "help", ns=dotted)
    assert list(lab.transcript) == [
        f"ip netns add {dotted}",
        f"ip netns exec {dotted} ip link add name a type veth peer name help",
    ]
    uni = f"ñs-名-{unique}"
    lab.add_netns(uni)
    assert lab.transcript[-1] == f"ip netns add '{uni}'"


# -- containers: the script starts real processes and keeps their PIDs -------------------------

def _fetch_inside(pid: int, port: int) -> str:
    """GET http://127.0.0.1:PORT/ inside the container's namespace (loopback only)."""
    code = ("import sys, urllib.request as u; "
            "print(u.urlopen(f'http://127.0.0.1:{sys.argv[1]}/', timeout=2).read().decode())")
    for _ in range(100):  # the script does not wait for the server to listen
        out = subprocess.run(["nsenter", "-t", str(pid), "-n", "--", sys.executable, "-c", code,
                              str(port)], capture_output=True, text=True)
        if out.returncode == 0:
            return out.stdout
        time.sleep(0.05)
    return out.stderr


def test_container_script_rebuilds_the_lab(lab: Lab, unique: str, tmp_path) -> None:
    from nslab.containers import DOCKER_HOST

    if DOCKER_HOST in lab.list_netns():
        pytest.skip(f"namespace {DOCKER_HOST!r} exists (another run is using it)")
    odd, shown, inet = "ñ-名", f"web-{unique}", f"in.{unique}"
    lab.run_container("web")
    lab.run_container(odd)  # a name the shell must quote, also as an array subscript
    lab.run_container("db")
    lab.stop_container("db")  # the script must wait until veth-db is gone
    lab.reveal("web", as_name=shown)
    lab.add_netns(inet)
    lab.add_veth("uplink", "isp", ns=DOCKER_HOST, peer_ns=inet)
    lab.add_addr(DOCKER_HOST, "uplink", "203.0.113.1/24")
    lab.add_addr(inet, "isp", "203.0.113.10/24")
    lab.set_up(DOCKER_HOST, "uplink")
    lab.set_up(inet, "isp")
    lab.set_forwarding(DOCKER_HOST)
    lab.enable_masquerade(DOCKER_HOST, "uplink")
    lab.set_down(f"@{odd}", "lo")
    lab.add_route(f"@{odd}", "198.51.100.0/24", via="172.17.0.1")
    lab.serve_http("@web", 80, text="hello from web\n")
    lab.serve_http(inet, 8080)
    lab.stop_http(inet, 8080)
    named = [DOCKER_HOST, inet, shown]
    running = {c.name: c.pid for c in lab.containers()}
    assert set(running) == {"web", odd}
    servers = [e for e in lab.journal.of_kind("server")]
    files = [p for e in servers for p in (e["dir"], e["log"])]
    before = kernel_view(named, running)
    assert ("eth0", "172.17.0.2/16") in before["@web"]["addrs"]
    assert before["@web"]["hostname"] == "web"
    assert ("lo", "loopback", False, None) in before[f"@{odd}"]["links"]
    assert ("198.51.100.0/24", "eth0", "172.17.0.1", None) in before[f"@{odd}"]["routes"]
    assert before[shown] == {k: v for k, v in before["@web"].items() if k != "hostname"}
    assert ("veth-web", "veth", True, "docker0") in before[DOCKER_HOST]["links"]
    assert "masquerade" in before[DOCKER_HOST]["nft"]
    script = lab.transcript.script()
    assert "# docker run -d --name web busybox" in script
    assert "ip netns exec @" not in script and "netns @" not in script
    assert f"PID['{odd}']=$!" in script and f"ip netns attach {shown} \"${{PID[web]}}\"" in script
    assert "kill -KILL -- -\"${PID[db]}\"" in script

    lab.reset()
    assert not [n for n in named if n in lab.list_netns()]
    assert not any(os.path.exists(f"/proc/{pid}") for pid in running.values())

    replay = None
    try:
        replay = run_script(script, tmp_path)
        assert replay.returncode == 0, f"the script failed:\n{replay.stderr}\n{script}"
        assert set(replay.containers) == {"web", odd, "db"}
        assert not os.path.exists(f"/proc/{replay.containers['db']}/ns")  # stopped
        alive = {n: p for n, p in replay.containers.items() if n != "db"}
        assert kernel_view(named, alive) == before
        assert _fetch_inside(alive["web"], 80) == "hello from web\n\n"
        assert set(replay.servers) == {"@web:80", f"{inet}:8080"}
        assert not os.path.exists(f"/proc/{replay.servers[f'{inet}:8080']}/ns")  # stopped
    finally:
        if replay is not None:
            end_processes(replay)
        remove(named, [], files)
    assert not [n for n in named if n in lab.list_netns()]


def test_a_container_that_fails_half_way_leaves_no_transcript(lab: Lab, unique: str,
                                                               monkeypatch) -> None:
    from nslab.containers import DOCKER_HOST

    if DOCKER_HOST in lab.list_netns():
        pytest.skip(f"namespace {DOCKER_HOST!r} exists (another run is using it)")
    other = Lab(name=f"test-other-{unique}")
    try:  # docker-host taken by another lab: refused before anything, no heading left
        other.add_netns(DOCKER_HOST)
        with pytest.raises(AlreadyExists):
            lab.run_container("web")
        assert list(lab.transcript) == [] and lab.containers() == []
    finally:
        other.reset()
        other.journal.delete()
    lab.run_container("web")
    commands = list(lab.transcript)

    def refuse(*args, **kwargs):
        raise KernelError(1, "refused for the test")

    monkeypatch.setattr(lab, "add_route", refuse)
    with pytest.raises(KernelError, match="refused for the test"):
        lab.run_container("db")
    assert list(lab.transcript) == commands  # nothing of the failed container
    assert [c.name for c in lab.containers()] == ["web"]
    with pytest.raises(AlreadyExists):
        lab.run_container("web")
    assert list(lab.transcript) == commands


def test_container_script_replays_in_the_rootless_sandbox(tmp_path) -> None:
    """The sandbox's "host" is a fresh namespace and PID 1 is outside it: the script's
    container and its `nsenter -t PID` commands must work there too."""
    from tests.kernel.test_settle import in_sandbox

    code = textwrap.dedent("""
        import pathlib
        from nslab import Lab
        from tests.replay import end_processes, kernel_view, run_script
        lab = Lab(name="box")
        lab.run_container("web")
        lab.serve_http("@web", 8080)
        before = kernel_view(["docker-host"], {c.name: c.pid for c in lab.containers()})
        script = lab.transcript.script()
        lab.reset()
        replay = run_script(script, pathlib.Path(__import__("tempfile").mkdtemp()))
        try:
            print("RC", replay.returncode, replay.stderr.strip())
            print("SAME", kernel_view(["docker-host"], replay.containers) == before)
            print("KEPT", sorted(replay.containers), sorted(replay.servers))
        finally:
            end_processes(replay)
    """)
    out = in_sandbox(code, tmp_path)
    assert out.returncode == 0, out.stderr
    assert "RC 0" in out.stdout, out.stdout
    assert "SAME True" in out.stdout, out.stdout
    assert "KEPT ['web'] ['@web:8080']" in out.stdout, out.stdout

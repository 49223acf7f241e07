"""Every verb's rendered `ip` command (nslab.verbspec.render_ip) does in bash what the verb
does: build a lab with each verb that has an `ip` form (names that are `ip` keywords
included), check that the transcript is exactly the rendered commands, remove it all,
run the rendered commands with bash on the clean kernel, and compare the kernel states
(links, states, peers, masters, addresses, routes, forwarding).
"""

from __future__ import annotations

import os
import subprocess

import pytest

from nslab import Lab, verbspec
from tests.conftest import needs_root
from tests.kernel.test_transcript import essence, settled

pytestmark = [needs_root, pytest.mark.kernel]


def _calls(a: str, b: str, gone: str, host_a: str, host_b: str) -> list[tuple]:
    return [
        ("add_netns", (a,), {}), ("add_netns", (b,), {}), ("add_netns", (gone,), {}),
        ("delete_netns", (gone,), {}),
        ("set_up", (a, "lo"), {}),
        ("add_veth", ("name", "peer"), {"ns": a, "peer_ns": b}),
        ("add_addr", (a, "name", "10.30.0.1/24"), {}),
        ("add_addr", (b, "peer", "10.30.0.2/24"), {}),
        ("add_addr", (b, "peer", "10.30.0.9/24"), {}),
        ("del_addr", (b, "peer", "10.30.0.9/24"), {}),
        ("set_up", (a, "name"), {}), ("set_up", (b, "peer"), {}),
        ("add_bridge", (b, "br0"), {}),
        ("add_veth", ("dev", "netns"), {"ns": b}),
        ("set_master", (b, "dev", "br0"), {}),
        ("add_veth", ("type", "up"), {"ns": b}),
        ("set_master", (b, "type", "br0"), {}), ("set_master", (b, "type", None), {}),
        ("set_up", (b, "type"), {}), ("set_down", (b, "type"), {}),
        ("delete_link", (b, "up"), {}),
        ("move", ("netns", a), {"src": b}),
        ("add_route", (a, "172.16.9.0/24"), {"via": "10.30.0.2"}),
        ("add_route", (a, "default"), {"dev": "name"}),
        ("set_forwarding", (b, True), {}),
        ("add_veth", (host_a, "eth9"), {"peer_ns": a}),  # made in the host, peer sent away
        ("add_veth", (host_b, "home"), {"ns": a, "peer_ns": b}),
        ("move", (host_b, None), {"src": a}),  # back to the host: `netns /proc/$$/ns/net`
    ]


def _forwarding(ns: str) -> str:
    return subprocess.run(["ip", "netns", "exec", ns, "sysctl", "-n", "net.ipv4.ip_forward"],
                          capture_output=True, text=True).stdout.strip()


def test_rendered_commands_replay_to_the_same_kernel_state(lab: Lab, unique: str) -> None:
    a, b, gone = f"vs.{unique}", f"vs-名-{unique}", f"vc-{unique}"
    host_a, host_b = f"va{unique}", f"vb{unique}"
    calls = _calls(a, b, gone, host_a, host_b)
    spoken = {v.name for v in verbspec.VERBS.values() if v.forms}
    assert {c[0] for c in calls} == spoken  # every verb with an `ip` form is replayed

    for verb, args, kwargs in calls:
        getattr(lab, verb)(*args, **kwargs)
    rendered = [verbspec.render_ip(verb, args, kwargs) for verb, args, kwargs in calls]
    assert list(lab.transcript) == rendered  # the verbs write exactly the declared form
    nss, host_links = [a, b], [host_a, host_b]
    before = settled(lab, nss, host_links)
    assert before[a] and before[b] and set(before[None][0]) == set(host_links)
    forwarding = _forwarding(b)
    assert forwarding == "1"

    lab.reset()
    assert essence(lab, nss, host_links) == {None: ({}, None), a: None, b: None}

    fixer = Lab(name=f"test-vs-{unique}")
    script = "set -euo pipefail\n" + "".join(c + "\n" for c in rendered) + "exit 0\n"
    try:
        proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True,
                              env={**os.environ, "LC_ALL": "C.UTF-8"})
        assert proc.returncode == 0, f"the commands failed:\n{proc.stderr}\n{script}"
        assert settled(fixer, nss, host_links) == before
        assert _forwarding(b) == forwarding
        assert gone not in fixer.list_netns()
    finally:
        # remove what bash made, by exact name, whatever happened
        for name in host_links:
            if fixer.snapshot().link(None, name):
                fixer.delete_link(None, name, force=True)
        for ns in [*nss, gone]:
            if ns in fixer.list_netns():
                fixer.delete_netns(ns, force=True)
        fixer.reset()
        fixer.journal.delete()
    assert not [n for n in fixer.list_netns() if unique in n]

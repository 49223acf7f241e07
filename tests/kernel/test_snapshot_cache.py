"""Snapshots reuse a namespace's last dump only until the kernel announces a change:
changes made behind nslab's back (with the `ip` command) show at the next snapshot."""

from __future__ import annotations

import os
import subprocess

import pytest

from nslab import Lab

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create namespaces")


def ip(ns: str, *args: str) -> None:
    subprocess.run(["ip", "-n", ns, *args], check=True)


def test_changes_made_with_ip_show_at_the_next_snapshot(lab: Lab, unique: str) -> None:
    a, b = f"ca-{unique}", f"cb-{unique}"
    lab.add_netns(a)
    lab.add_netns(b)
    lab.add_veth("c-x", "c-y", ns=a, peer_ns=b)
    first = lab.snapshot()
    assert first is not lab.snapshot() and first == lab.snapshot()  # nothing changed
    ip(a, "link", "set", "dev", "lo", "up")
    ip(a, "addr", "add", "10.44.0.1/24", "dev", "c-x")
    ip(a, "link", "set", "dev", "c-x", "up")
    ip(b, "link", "set", "dev", "c-y", "up")
    ip(a, "route", "add", "10.45.0.0/24", "via", "10.44.0.2")
    snap = lab.snapshot()
    assert snap.link(a, "lo").up
    assert [x.cidr for x in snap.link(a, "c-x").addresses if x.family == 4] == ["10.44.0.1/24"]
    assert snap.link(b, "c-y").up and snap.link(a, "c-x").operstate == "UP"
    assert "10.45.0.0/24" in [r.dst for r in snap.ns(a).routes]
    ip(b, "link", "set", "dev", "c-y", "down")  # the peer's carrier goes: a changes too
    assert lab.snapshot().link(a, "c-x").operstate == "LOWERLAYERDOWN"
    ip(b, "link", "del", "dev", "c-y")  # takes c-x along
    assert lab.snapshot().link(a, "c-x") is None

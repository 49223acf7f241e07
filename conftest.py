"""The session guard: the host looks the same after the whole suite as before it.

It runs around every pytest session of this repository (tests/ and the nbval run over
notebooks/) and fails the session if the host's links, addresses, routes, rules,
nftables/iptables rules, forwarding sysctls, `ip netns list`, or the Unix users and groups
(/etc/passwd, /etc/group) changed: a test that makes a user removes it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

collect_ignore_glob = ["tests/browser/*.ipynb", "**/.ipynb_checkpoints/*", "build/*"]

_VOLATILE_LINK_KEYS = {"stats", "stats64", "operstate"}
_SYSCTLS = ["net/ipv4/ip_forward", "net/ipv6/conf/all/forwarding", "net/ipv4/conf/all/rp_filter"]


def _run(argv: list[str]) -> str:
    if not shutil.which(argv[0]):
        return f"({argv[0]} not installed)"
    proc = subprocess.run(argv, capture_output=True, text=True)
    return proc.stdout + proc.stderr


def _links() -> list[dict]:
    links = json.loads(_run(["ip", "-j", "-d", "link"]) or "[]")
    keep = ("ifname", "ifindex", "flags", "mtu", "master", "link_type", "address", "linkinfo")
    return [{k: lk.get(k) for k in keep} for lk in links]


def host_state() -> dict[str, object]:
    """What the safety rules promise to leave alone, read from the host namespace."""
    return {
        "links": _links(),
        "addresses": json.loads(_run(["ip", "-j", "addr"]) or "[]"),
        "routes": _run(["ip", "route", "show", "table", "all"]),
        "rules": _run(["ip", "rule"]),
        "netns": sorted(_run(["ip", "netns", "list"]).split("\n")),
        "nft": _run(["nft", "list", "ruleset"]),
        "iptables": _run(["iptables-save"]).split("\n")[1:-2] if shutil.which("iptables-save")
        else "",
        "sysctls": {s: open(f"/proc/sys/{s}").read() for s in _SYSCTLS},
        "users": _lines("/etc/passwd"),
        "groups": _lines("/etc/group"),
    }


def _lines(path: str) -> list[str]:
    """A system database as sorted lines (so a change names the user or group)."""
    with open(path) as f:
        return sorted(f.read().splitlines())


def _strip_volatile(state: dict) -> dict:
    for addr in state["addresses"]:
        for info in addr.get("addr_info", []):
            info.pop("valid_life_time", None)
            info.pop("preferred_life_time", None)
        for k in _VOLATILE_LINK_KEYS:
            addr.pop(k, None)
    return state


def _guard_on() -> bool:
    # Developers running several checkouts at once may turn the guard off for a unit-only
    # run (NSLAB_HOST_GUARD=off); CI never sets it.
    return os.environ.get("NSLAB_HOST_GUARD", "on") != "off"


def pytest_sessionstart(session: pytest.Session) -> None:
    if not _guard_on():
        return
    session.config._nslab_host_before = _strip_volatile(host_state())  # type: ignore[attr-defined]


@pytest.hookimpl(trylast=True)  # after pytest's own: on Ctrl-C the fixtures are torn down there
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _guard_on():
        return
    before = session.config._nslab_host_before  # type: ignore[attr-defined]
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    # A notebook that failed mid-way leaves its kernel's lab behind, as a crash would:
    # what `nslab cleanup` is for. Say what it removed; the comparison follows.
    from nslab import cleanup

    for line in cleanup():
        if reporter:
            reporter.write_line(f"nslab cleanup after the run: removed {line}", yellow=True)
    after = _strip_volatile(host_state())
    changed = [k for k in before if before[k] != after[k]]
    if changed:
        if reporter:
            what = ", ".join(changed)
            reporter.write_line(f"HOST GUARD FAILED: the host's {what} changed", red=True)
            for k in changed:
                if isinstance(before[k], list) and k in ("users", "groups"):
                    gone = sorted(set(before[k]) - set(after[k]))
                    new = sorted(set(after[k]) - set(before[k]))
                    reporter.write_line(f"  {k} left behind: {new}; removed: {gone}")
                    continue
                reporter.write_line(f"  before {k}: {before[k]}")
                reporter.write_line(f"  after  {k}: {after[k]}")
        session.exitstatus = 1
    elif reporter:
        reporter.write_line(
            "host guard: links, addresses, routes, rules, netns, nft/iptables, sysctls, "
            "users and groups unchanged"
        )



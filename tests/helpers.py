"""What the tests read from the kernel on their own, with the `ip` CLI (not the library).

One module for every test: `ip()` and friends were written four times before.
`ns=None` is the namespace the tests run in (the host, or the sandbox's "host").
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Callable
from typing import Any


def ip(ns: str | None, *args: str, check: bool = True) -> str:
    """`ip [-n NS] ARGS...`; its stdout (AssertionError with stderr if it fails and check)."""
    argv = ["ip", *(["-n", ns] if ns else []), *args]
    proc = subprocess.run(argv, capture_output=True, text=True)
    if check and proc.returncode:
        raise AssertionError(f"{argv} failed: {proc.stderr}")
    return proc.stdout


def ipj(ns: str | None, *args: str) -> list[dict]:
    """`ip -j ...` parsed."""
    return json.loads(ip(ns, "-j", *args) or "[]")


def netns_list() -> list[str]:
    """`ip netns list`, names only, sorted."""
    return sorted(line.split()[0] for line in ip(None, "netns", "list").splitlines() if line)


def link_names(ns: str | None) -> set[str]:
    return {lk["ifname"] for lk in ipj(ns, "link")}


def link(ns: str | None, name: str) -> dict | None:
    """`ip -d link` of one link, or None."""
    return next((lk for lk in ipj(ns, "-d", "link") if lk["ifname"] == name), None)


def addrs(ns: str | None, name: str) -> list[str]:
    """The IPv4 addresses of one link, as CIDR strings, sorted."""
    for a in ipj(ns, "addr"):
        if a["ifname"] == name:
            return sorted(f"{i['local']}/{i['prefixlen']}" for i in a["addr_info"]
                          if i["family"] == "inet")
    return []


def wait_for(predicate: Callable[[], Any], timeout: float = 3.0, what: str = "condition") -> Any:
    """Poll `predicate` until it is truthy (returned) or `timeout` passes (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 just now (for a server of the test's own)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

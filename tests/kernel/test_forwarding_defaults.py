"""Lessons do not depend on the host's sysctls (issue 19): every namespace the lab creates
starts with forwarding off, even where the kernel hands it forwarding on.

The kernel copies net.ipv4.ip_forward into a new namespace from the initial one
(net.core.devconf_inherit_init_net=0), so on a Docker host docker-host and an exercise's
router would forward before the student turns it on. This host forwards nothing, and turning
its forwarding on is not ours to do; so the tests put the inherited value in the new
namespace themselves: they wrap the worker's `_lesson_defaults` so that it first writes
ip_forward=1 into the brand-new namespace, exactly what the kernel would have copied there
on such a host, and then does its own work. The real host is compared before and after.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nslab import _netlink
from tests.conftest import needs_root

pytestmark = [pytest.mark.kernel, needs_root]

HOST_FORWARD = Path("/proc/sys/net/ipv4/ip_forward")


@pytest.fixture
def forwarding_host(monkeypatch):
    """Every namespace nslab creates starts as it would on a host with forwarding on."""
    original = _netlink.Netlink._lesson_defaults
    seen: list[str] = []

    def inherit_then_defaults(self, path: str) -> None:
        self._sysctl(path, "net/ipv4/ip_forward", "1")  # what the kernel would copy
        assert self._sysctl_direct(path, "net/ipv4/ip_forward", None) == "1"
        seen.append(path)
        original(self, path)

    monkeypatch.setattr(_netlink.Netlink, "_lesson_defaults", inherit_then_defaults)
    before = HOST_FORWARD.read_text()
    yield seen
    assert HOST_FORWARD.read_text() == before, "the host's ip_forward changed"


def test_a_new_namespace_does_not_forward(lab, unique, forwarding_host):
    lab.add_netns(f"f{unique}")
    assert forwarding_host, "the namespace was not made through _lesson_defaults"
    assert lab.forwarding(f"f{unique}") is False
    assert lab.exec(f"f{unique}", "sysctl -n net.ipv4.ip_forward").stdout.strip() == "0"


def test_docker_host_starts_without_forwarding(lab, forwarding_host):
    lab.run_container("web")
    assert "/docker-host" in " ".join(forwarding_host)
    assert lab.forwarding("docker-host") is False  # notebook 05: "times out unless forwarding"
    lab.set_forwarding("docker-host", True)  # the student's step still works
    assert lab.forwarding("docker-host") is True


def test_exercise_router_waits_for_the_student(unique, forwarding_host):
    from nslab import exercises
    from nslab.checks import check, forwards

    lab = exercises.start("router", tag=f"r{unique[:4]}")
    try:
        router = exercises.names("router", tag=f"r{unique[:4]}")["router"]
        assert lab.forwarding(router) is False
        assert not check(lab, [forwards(router)]).passed  # the hidden goal is not met for free
        exercises.solve(lab, "router", tag=f"r{unique[:4]}")
        assert check(lab, [forwards(router)]).passed
    finally:
        lab.reset()
        lab.journal.delete()


def test_a_batch_of_namespaces_does_not_forward(lab, unique, forwarding_host):
    calls = [("add_netns", (f"b{unique}{i}",), {}) for i in range(3)]
    lab.apply(calls)
    assert len(forwarding_host) == 3
    assert not any(lab.forwarding(f"b{unique}{i}") for i in range(3))

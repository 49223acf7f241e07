"""A student's PATH on Debian has no /usr/sbin, where nft and sysctl live (issue 15): the
library finds them where the distribution installs them, in the lab's own namespaces."""

from __future__ import annotations

import pytest

from tests.conftest import needs_root

pytestmark = [pytest.mark.kernel, needs_root]

ORDINARY_PATH = "/usr/local/bin:/usr/bin:/bin"


def test_sbin_tools_work_with_an_ordinary_users_path(lab, unique, monkeypatch):
    monkeypatch.setenv("PATH", ORDINARY_PATH)
    ns = f"p{unique}"
    lab.add_netns(ns)
    out = lab.exec(ns, "sysctl -n net.ipv4.ip_forward")  # /usr/sbin/sysctl
    assert out.ok and out.stdout.strip() == "0", out
    lab.add_veth("up0", "up1", ns=ns, peer_ns=ns)
    lab.enable_masquerade(ns, "up0")  # nft, /usr/sbin/nft, inside the namespace
    assert "masquerade" in lab.exec(ns, "nft list ruleset").stdout


def test_a_missing_tool_names_its_package(lab, unique, monkeypatch):
    from nslab import NotFound
    from nslab._tools import PACKAGES

    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr("nslab._tools.SYSTEM_DIRS", ())
    ns = f"q{unique}"
    lab.add_netns(ns)
    with pytest.raises(NotFound, match=PACKAGES["sysctl"]):
        lab.exec(ns, "sysctl -n net.ipv4.ip_forward")

"""doctor, _tools and the sandbox's start failure, with a faked /proc/sys and faked probes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from nslab import _tools, doctor, sandbox


def fake_proc_sys(tmp_path: Path, **values: str) -> Path:
    """A /proc/sys tree with the given settings, e.g. apparmor='1'."""
    files = {
        "apparmor": "kernel/apparmor_restrict_unprivileged_userns",
        "clone": "kernel/unprivileged_userns_clone",
        "maxns": "user/max_user_namespaces",
    }
    for key, value in values.items():
        path = tmp_path / files[key]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(value + "\n")
    return tmp_path


@pytest.fixture
def userns_works(monkeypatch: pytest.MonkeyPatch) -> None:
    """`unshare -Urn true` succeeds, as it still does under Ubuntu's AppArmor restriction."""
    monkeypatch.setattr(doctor, "_userns_probe", lambda: (True, ""))
    monkeypatch.setattr(doctor, "in_sandbox", lambda: False)


def no_caps() -> tuple[bool, str]:
    return False, "RTNETLINK answers: Operation not permitted"


def test_apparmor_restriction_is_detected_with_the_fix(tmp_path: Path, userns_works) -> None:
    root = fake_proc_sys(tmp_path, apparmor="1", maxns="15000")
    check = doctor.check_userns(required=True, proc_sys=root, caps_probe=no_caps)
    assert not check.ok and check.required
    assert "kernel.apparmor_restrict_unprivileged_userns=1" in check.detail
    assert "Operation not permitted" in check.detail, "the probe's own answer is shown"
    assert "nslab doctor --apparmor-profile > /etc/apparmor.d/nslab-sandbox" in check.fix
    assert "apparmor_parser -r /etc/apparmor.d/nslab-sandbox" in check.fix
    assert "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0" in check.fix
    assert "FAIL" in str(doctor.Report([check]))


def test_apparmor_restriction_with_a_profile_that_allows_it(tmp_path: Path, userns_works) -> None:
    root = fake_proc_sys(tmp_path, apparmor="1")
    check = doctor.check_userns(required=True, proc_sys=root, caps_probe=lambda: (True, ""))
    assert check.ok, check


@pytest.mark.parametrize("values", [{"apparmor": "0"}, {}])
def test_no_apparmor_restriction(tmp_path: Path, userns_works, values) -> None:
    root = fake_proc_sys(tmp_path, **values)

    def must_not_probe() -> tuple[bool, str]:
        raise AssertionError("the capability probe runs only when AppArmor restricts")

    assert doctor.check_userns(required=True, proc_sys=root, caps_probe=must_not_probe).ok
    assert doctor.apparmor_problem(root) is None


REPO = Path(__file__).resolve().parents[2]


def test_the_shipped_profile_names_the_launcher(capsys: pytest.CaptureFixture[str]) -> None:
    text = (REPO / "deploy" / "apparmor" / "nslab-sandbox").read_text()
    assert text == doctor.APPARMOR_PROFILE, "deploy/apparmor/nslab-sandbox = the doctor's copy"
    assert "profile nslab-sandbox /usr/bin/unshare" in text and "userns," in text
    assert Path(_tools.find("unshare") or "/usr/bin/unshare").name == "unshare"
    assert sandbox.kernel_argv()[0] == "unshare", "the profile confines the kernelspec's launcher"
    assert doctor.main(["--apparmor-profile"]) == 0
    assert capsys.readouterr().out == text


def test_sandbox_kernel_explains_apparmor_instead_of_a_raw_error(tmp_path: Path) -> None:
    msg = sandbox.cannot_start_message(fake_proc_sys(tmp_path, apparmor="1"))
    check_fix = doctor.apparmor_problem(fake_proc_sys(tmp_path, apparmor="1"), no_caps).fix
    assert msg.startswith("The nslab sandbox kernel cannot start")
    assert check_fix in msg, "the kernel says the same fix as `nslab doctor`"
    generic = sandbox.cannot_start_message(fake_proc_sys(tmp_path / "other", apparmor="0"))
    assert "nslab doctor" in generic


def test_kernelspec_falls_back_to_the_explanation() -> None:
    inner = sandbox.kernel_argv("/usr/bin/python3")[4]
    assert "-m nslab.sandbox --cannot-start" in inner and "ipykernel_launcher" in inner
    # the shell falls through to the explanation when mount fails (here: a fake mount)
    fake = Path(os.environ.get("TMPDIR", "/tmp"))
    script = inner.replace("mount -t tmpfs tmpfs /run", "false").replace(
        "/usr/bin/python3 -m nslab.sandbox --cannot-start", "echo explained")
    out = subprocess.run(["sh", "-c", script, str(fake / "conn.json")], capture_output=True,
                         text=True)
    assert out.stdout.strip() == "explained"


def test_cannot_start_entry_point_prints_and_fails() -> None:
    env = dict(os.environ, PYTHONPATH=str(Path(sandbox.__file__).parent.parent))
    r = subprocess.run([sys.executable, "-m", "nslab.sandbox", "--cannot-start"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 1 and "cannot start" in r.stderr and "Traceback" not in r.stderr


# -- _tools ------------------------------------------------------------------------------

def test_tools_are_found_off_an_ordinary_users_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/usr/local/bin:/usr/bin:/bin")
    for name in ("nft", "sysctl"):
        where = _tools.find(name, path="/usr/sbin:/sbin")  # where this machine has it
        if where is None:
            pytest.skip(f"{name} is not installed here")
        assert _tools.tool(name) == where


def test_a_really_missing_tool_names_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.setattr(_tools, "SYSTEM_DIRS", ())
    with pytest.raises(_tools.MissingTool) as info:
        _tools.tool("nft")
    msg = str(info.value)
    assert "'nft' is not installed" in msg and "sudo apt-get install nftables" in msg
    assert isinstance(info.value, LookupError)
    with pytest.raises(_tools.MissingTool, match="'no-such-tool' is not installed"):
        _tools.tool("no-such-tool")


@pytest.mark.parametrize(("installed", "fix"), [(False, "apt-get install nftables"),
                                                 (True, "apt-get install --reinstall nftables"),
                                                 (None, "apt-get install nftables")])
def test_check_binary_asks_dpkg_not_path(monkeypatch: pytest.MonkeyPatch, installed, fix) -> None:
    monkeypatch.setattr(_tools, "find", lambda name, path=None: None)
    monkeypatch.setattr(_tools, "dpkg_installed", lambda package: installed)
    check = doctor.check_binary("nft")
    assert not check.ok and check.fix == fix
    assert "nftables" in check.detail


def test_check_binary_ok_when_found_in_sbin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/usr/local/bin:/usr/bin:/bin")
    if _tools.find("nft") is None:
        pytest.skip("nft is not installed here")
    assert doctor.check_binary("nft").ok


def test_dpkg_knows_an_installed_package() -> None:
    if _tools.find("dpkg-query") is None:
        pytest.skip("no dpkg here")
    assert _tools.dpkg_installed("dpkg") is True
    assert _tools.dpkg_installed("nslab-no-such-package") is False

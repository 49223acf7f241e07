"""The throw-away unprivileged user and its venv, shared by the sandbox tests.

Root sets the stage: a user with a fresh name for the session, removed afterwards with its
home (`userdel -r`, by that exact name; the session guard fails if /etc/passwd or /etc/group
changed), and a venv made from Debian's /usr/bin/python3 under /var/tmp (/root is mode 700).
The fixtures `sandbox_user` and `sandbox_venv` live in tests/kernel/conftest.py.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
USER_PREFIX = "nslabt"  # + 6 hex digits: a name no real user has
ORDINARY_PATH = "/usr/local/bin:/usr/bin:/bin"  # Debian's default PATH for a normal user
VENV = Path(os.environ.get("NSLAB_SANDBOX_VENV", "/var/tmp/nslab-sandbox-venv"))
SYSTEM_PYTHON = "/usr/bin/python3"
EXTRA = ["nbclient>=0.10", "ipykernel>=6", "nbformat>=5"]

def _run(argv: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, **kw)  # type: ignore[call-overload]


def host_network_state() -> dict[str, set]:
    """What the sandbox must never touch, read from the host's namespaces."""

    def j(argv: list[str]) -> list:
        return json.loads(_run(argv).stdout or "[]")

    netns = {line.split(" (id:")[0] for line in _run(["ip", "netns", "list"]).stdout.split("\n")}
    return {
        "netns": netns - {""},
        "links": {lk["ifname"] for lk in j(["ip", "-j", "link"])},
        "addresses": {
            f"{i['local']}/{i['prefixlen']}"
            for a in j(["ip", "-j", "addr"])
            for i in a.get("addr_info", [])
        },
        "routes": set(_run(["ip", "route", "show", "table", "all"]).stdout.splitlines()),
    }


# What the sandboxed notebooks create; none of it may ever show up on the host.
OURS = {"test1", "test2", "veth-test1", "veth-test2", "192.168.1.1/24", "192.168.1.2/24"}


def assert_host_untouched(before: dict[str, set], after: dict[str, set]) -> None:
    """Nothing of ours appeared on the host. (Other tests may run concurrently on this
    machine and add or remove their own objects, so only our names are compared; the
    session's host guard in conftest.py compares everything at the end.)"""
    for key in before:
        added = after[key] - before[key]
        assert not {x for x in added if x in OURS or "192.168.1." in x}, (key, added)


def remove_user(user: pwd.struct_passwd) -> None:
    """Remove exactly this user, its group and its home, and the per-user state dir."""
    # any process still running as the user (a server a failed test left) ends first, by PID
    pids = [int(p) for p in os.listdir("/proc") if p.isdigit()]
    for pid in pids:
        with contextlib.suppress(OSError):
            if os.stat(f"/proc/{pid}").st_uid == user.pw_uid:
                os.kill(pid, 9)
    r = _run(["userdel", "-r", user.pw_name])
    assert r.returncode in (0, 12), r.stderr  # 12: home already gone
    state = Path(f"/tmp/nslab-{user.pw_uid}")  # journal.state_dir()'s fallback for the user
    if state.is_dir() and state.stat().st_uid == user.pw_uid:
        shutil.rmtree(state, ignore_errors=True)


def _source_copy() -> Path:
    """Copy the package sources so pip's in-tree build never writes into the repository."""
    dst = Path(tempfile.mkdtemp(prefix="nslab-src-"))
    shutil.copytree(REPO / "nslab", dst / "nslab", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, dst / name)
    return dst


def as_user(
    user: pwd.struct_passwd, venv: Path, argv: list[str], *, timeout: float = 300,
    path: str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
) -> subprocess.CompletedProcess[str]:
    """Run argv as the unprivileged user with a clean environment (PATH = venv + `path`)."""
    env = [
        f"HOME={user.pw_dir}",
        f"USER={user.pw_name}",
        f"PATH={venv}/bin:{path}",
        "LANG=C.UTF-8",
    ]
    cmd = ["runuser", "-u", user.pw_name, "--", "env", "-i", *env, *argv]
    return _run(cmd, timeout=timeout, cwd="/")




def make_user() -> Iterator[pwd.struct_passwd]:
    """Create a user with a fresh name, yield it, then remove it with its home."""
    if os.geteuid() != 0:
        pytest.skip("needs root to create the unprivileged test user")
    for tool in ("useradd", "userdel", "runuser", "unshare"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is missing")
    name = f"{USER_PREFIX}{uuid.uuid4().hex[:6]}"
    with contextlib.suppress(KeyError):
        pwd.getpwnam(name)
        pytest.fail(f"user {name} already exists; this test only removes users it created")
    r = _run(["useradd", "--create-home", "--shell", "/bin/sh", "--user-group", name])
    assert r.returncode == 0, r.stderr
    user = pwd.getpwnam(name)
    try:
        yield user
    finally:
        remove_user(user)


def make_venv() -> Path:
    """A venv from /usr/bin/python3 the user can run; deps reinstalled only when they change."""

    if not os.access(SYSTEM_PYTHON, os.X_OK):
        pytest.skip(f"{SYSTEM_PYTHON} is missing (apt-get install python3 python3-venv)")
    py = VENV / "bin" / "python"
    if not py.exists():
        r = _run([SYSTEM_PYTHON, "-m", "venv", str(VENV)])
        if r.returncode:
            pytest.skip(f"cannot make a venv ({r.stderr.strip()}); apt-get install python3-venv")
    src = _source_copy()
    try:
        deps = (REPO / "pyproject.toml").read_bytes() + repr(EXTRA).encode()
        stamp = VENV / ".nslab-deps"
        digest = hashlib.sha256(deps).hexdigest()
        pip = [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        if not stamp.exists() or stamp.read_text() != digest:
            r = _run(pip + [str(src), *EXTRA], timeout=900)
            assert r.returncode == 0, r.stdout + r.stderr
            stamp.write_text(digest)
        # Always the current code, without touching the dependencies.
        r = _run(pip + ["--no-deps", "--force-reinstall", str(src)], timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        shutil.rmtree(src, ignore_errors=True)
    return VENV



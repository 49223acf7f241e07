"""The throw-away unprivileged user and its venv, shared by the sandbox and classroom tests.

Root sets the stage: a user with a fresh name for the session, removed afterwards with its
home (`userdel -r`, by that exact name; the session guard fails if /etc/passwd or /etc/group
changed), and a venv made from Debian's /usr/bin/python3 under /var/tmp (/root is mode 700).
The fixtures `sandbox_user` and `sandbox_venv` live in tests/kernel/conftest.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
USER_PREFIX = "nslabt"  # + 6 hex digits: a name no real user has
ORDINARY_PATH = "/usr/local/bin:/usr/bin:/bin"  # Debian's default PATH for a normal user
VENV = Path(os.environ.get("NSLAB_SANDBOX_VENV", "/var/tmp/nslab-sandbox-venv"))
SYSTEM_PYTHON = "/usr/bin/python3"
# nbval and pytest: the notebooks' own regression run, in the sandbox kernel as the user
EXTRA = ["nbclient>=0.10", "ipykernel>=6", "nbformat>=5", "nbval>=0.11", "pytest>=8"]


def run(argv: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, **kw)  # type: ignore[call-overload]


def host_network_state() -> dict[str, set]:
    """What the sandbox must never touch, read from the host's namespaces."""

    def j(argv: list[str]) -> list:
        return json.loads(run(argv).stdout or "[]")

    netns = {line.split(" (id:")[0] for line in run(["ip", "netns", "list"]).stdout.split("\n")}
    return {
        "netns": netns - {""},
        "links": {lk["ifname"] for lk in j(["ip", "-j", "link"])},
        "addresses": {
            f"{i['local']}/{i['prefixlen']}"
            for a in j(["ip", "-j", "addr"])
            for i in a.get("addr_info", [])
        },
        "routes": set(run(["ip", "route", "show", "table", "all"]).stdout.splitlines()),
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


def _pids_of(uid: int) -> list[int]:
    """Every process with UID as real, effective or saved user ID, zombies included: what
    userdel counts (from /proc/PID/status; the owner of /proc/PID is root for a
    non-dumpable process, so it would miss some)."""
    pids = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError, StopIteration):  # gone meanwhile
                status = Path(f"/proc/{name}/status").read_text()
                uids = next(ln for ln in status.splitlines() if ln.startswith("Uid:"))
                if str(uid) in uids.split()[1:4]:
                    pids.append(int(name))
    return pids


def end_processes_of(user: pwd.struct_passwd, timeout: float = 15.0) -> None:
    """SIGKILL each process the user still runs, by PID, until none is left (a server may
    still be spawning children while we kill, and SIGKILL is asynchronous)."""
    deadline = time.monotonic() + timeout
    while pids := _pids_of(user.pw_uid):
        assert time.monotonic() < deadline, f"{user.pw_name} still runs {pids}"
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
        time.sleep(0.1)


def remove_user(user: pwd.struct_passwd) -> None:
    """Remove exactly this user, its group and its home, and the per-user state dir."""
    # any process still running as the user (a server a failed test left) ends first, by PID
    for _ in range(5):
        end_processes_of(user)
        r = run(["userdel", "-r", user.pw_name])
        if "currently used by process" not in r.stderr:
            break
    assert r.returncode in (0, 12), r.stderr  # 12: home already gone
    state = Path(f"/tmp/nslab-{user.pw_uid}")  # journal.state_dir()'s fallback for the user
    if state.is_dir() and state.stat().st_uid == user.pw_uid:
        shutil.rmtree(state, ignore_errors=True)


def source_copy() -> Path:
    """Copy what the package is built from (setup.py compiles the catalogues and puts the
    course in), so pip's in-tree build never writes into the repository."""
    dst = Path(tempfile.mkdtemp(prefix="nslab-src-"))
    skip = shutil.ignore_patterns("__pycache__", "*.mo", ".ipynb_checkpoints")
    for name in ("nslab", "notebooks", "docs"):
        shutil.copytree(REPO / name, dst / name, ignore=skip)
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, dst / name)
    return dst


def as_user(
    user: pwd.struct_passwd, venv: Path, argv: list[str], *, cwd: str | Path = "/",
    timeout: float = 300, env: dict[str, str] | None = None,
    path: str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
) -> subprocess.CompletedProcess[str]:
    """Run argv as USER with a clean environment (PATH = venv + `path`, then `env`)."""
    base = {
        "HOME": user.pw_dir,
        "USER": user.pw_name,
        "PATH": f"{venv}/bin:{path}",
        "LANG": "C.UTF-8",
    } | (env or {})
    cmd = ["runuser", "-u", user.pw_name, "--", "env", "-i",
           *[f"{k}={v}" for k, v in base.items()], *argv]
    return run(cmd, timeout=timeout, cwd=str(cwd))


def need_root_and(why: str, *tools: str) -> None:
    """Skip unless root (`why` says what for) and every tool is on PATH."""
    if os.geteuid() != 0:
        pytest.skip(f"needs root to create {why}")
    for tool in tools:
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is missing")


def create_user(name: str) -> pwd.struct_passwd:
    """`useradd` a user of that exact name, with a home and a group of its own."""
    r = run(["useradd", "--create-home", "--shell", "/bin/sh", "--user-group", name])
    assert r.returncode == 0, r.stderr
    return pwd.getpwnam(name)


def make_user() -> Iterator[pwd.struct_passwd]:
    """Create a user with a fresh name, yield it, then remove it with its home."""
    need_root_and("the unprivileged test user", "useradd", "userdel", "runuser", "unshare")
    name = f"{USER_PREFIX}{uuid.uuid4().hex[:6]}"
    with contextlib.suppress(KeyError):
        pwd.getpwnam(name)
        pytest.fail(f"user {name} already exists; this test only removes users it created")
    user = create_user(name)
    try:
        yield user
    finally:
        remove_user(user)


def make_venv(venv: Path = VENV, extra: list[str] = EXTRA) -> Path:
    """A venv from /usr/bin/python3 the user can run, with this tree's nslab and `extra`;
    the dependencies are reinstalled only when they change."""
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        pytest.skip(f"{SYSTEM_PYTHON} is missing (apt-get install python3 python3-venv)")
    py = venv / "bin" / "python"
    if not py.exists():
        r = run([SYSTEM_PYTHON, "-m", "venv", str(venv)])
        if r.returncode:
            pytest.skip(f"cannot make a venv ({r.stderr.strip()}); apt-get install python3-venv")
    src = source_copy()
    try:
        deps = (REPO / "pyproject.toml").read_bytes() + repr(extra).encode()
        stamp = venv / ".nslab-deps"
        digest = hashlib.sha256(deps).hexdigest()
        pip = [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        if not stamp.exists() or stamp.read_text() != digest:
            r = run(pip + [str(src), *extra], timeout=900)
            assert r.returncode == 0, r.stdout + r.stderr
            stamp.write_text(digest)
        # Always the current code, without touching the dependencies.
        r = run(pip + ["--no-deps", "--force-reinstall", str(src)], timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        shutil.rmtree(src, ignore_errors=True)
    return venv


async def execute(ws: Any, code: str, timeout: float = 120) -> tuple[str, str | None]:
    """Run code over a kernel websocket: (its stdout and results, its error or None)."""
    msg_id = uuid.uuid4().hex
    await ws.write_message(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "session": uuid.uuid4().hex,
                   "username": "test", "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True},
    }))
    out, error = [], None
    while True:
        raw = await asyncio.wait_for(ws.read_message(), timeout=timeout)
        assert raw is not None, "kernel websocket closed"
        msg = json.loads(raw)
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind = msg["header"]["msg_type"]
        if kind == "stream":
            out.append(msg["content"]["text"])
        elif kind == "execute_result":
            out.append(msg["content"]["data"].get("text/plain", ""))
        elif kind == "error":
            error = f"{msg['content']['ename']}: {msg['content']['evalue']}"
        elif kind == "status" and msg["content"]["execution_state"] == "idle":
            return "".join(out), error

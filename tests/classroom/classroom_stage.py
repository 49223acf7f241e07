"""Shared stage for the classroom tests: throw-away Unix users and a venv they can run.

Root sets the stage only: it creates users (removed afterwards, by exact name, with their
homes) and a venv made from Debian's /usr/bin/python3 under /var/tmp (reused between runs;
/root is mode 700, so the project's own venv is out of an ordinary user's reach). Every
notebook, nbgrader and Jupyter server then runs as one of those users.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VENV = Path(os.environ.get("NSLAB_CLASSROOM_VENV", "/var/tmp/nslab-grader-venv"))
SYSTEM_PYTHON = "/usr/bin/python3"
EXTRA = ["nbgrader>=0.9,<0.10", "nbclient>=0.10", "ipykernel>=6", "nbformat>=5",
         "jupyterhub>=5,<6"]


def run(argv: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, **kw)  # type: ignore[call-overload]


def _need_root_and(*tools: str) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to create the throw-away Unix users")
    for tool in tools:
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is missing")


def _source_copy() -> Path:
    """The package sources, copied so pip's build never writes into the repository."""
    dst = Path(tempfile.mkdtemp(prefix="nslab-src-"))
    shutil.copytree(REPO / "nslab", dst / "nslab", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy2(REPO / name, dst / name)
    return dst


@pytest.fixture(scope="session")
def classroom_venv() -> Path:
    """nslab (this tree's code) + nbgrader + jupyterhub-singleuser, for ordinary users."""
    _need_root_and("useradd", "userdel", "runuser", "unshare")
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        pytest.skip(f"{SYSTEM_PYTHON} is missing (apt-get install python3 python3-venv)")
    py = VENV / "bin" / "python"
    if not py.exists():
        r = run([SYSTEM_PYTHON, "-m", "venv", str(VENV)])
        if r.returncode:
            pytest.skip(f"cannot make a venv ({r.stderr.strip()}); apt-get install python3-venv")
    src = _source_copy()
    try:
        pip = [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
        digest = hashlib.sha256((REPO / "pyproject.toml").read_bytes() + repr(EXTRA).encode())
        stamp = VENV / ".nslab-deps"
        if not stamp.exists() or stamp.read_text() != digest.hexdigest():
            r = run(pip + [str(src), *EXTRA], timeout=900)
            assert r.returncode == 0, r.stdout + r.stderr
            stamp.write_text(digest.hexdigest())
        r = run(pip + ["--no-deps", "--force-reinstall", str(src)], timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        shutil.rmtree(src, ignore_errors=True)
    return VENV


UserFactory = Callable[[str], pwd.struct_passwd]


@pytest.fixture(scope="module")
def make_user() -> Iterator[UserFactory]:
    """Create throw-away users (nslab-PREFIX-xxxx); remove exactly those, homes included."""
    _need_root_and("useradd", "userdel")
    made: list[str] = []

    def make(prefix: str) -> pwd.struct_passwd:
        name = f"nsl{prefix}{uuid.uuid4().hex[:5]}"[:31]
        r = run(["useradd", "--create-home", "--shell", "/bin/sh", "--user-group", name])
        assert r.returncode == 0, r.stderr
        made.append(name)
        return pwd.getpwnam(name)

    yield make
    for name in made:
        user = pwd.getpwnam(name)
        # Whatever the user still runs (a kernel a test left) goes first, by its PIDs.
        for pid in run(["pgrep", "-u", name]).stdout.split():
            run(["kill", "-9", pid])
        r = run(["userdel", "--remove", name])
        assert r.returncode in (0, 12), r.stderr  # 12: home already gone
        assert not Path(user.pw_dir).exists(), user.pw_dir
        with pytest.raises(KeyError):
            pwd.getpwnam(name)


def as_user(
    user: pwd.struct_passwd, venv: Path, argv: list[str], *, cwd: str | Path = "/",
    timeout: float = 300, env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run argv as USER with a clean environment (and the venv first on PATH)."""
    base = {
        "HOME": user.pw_dir,
        "USER": user.pw_name,
        "PATH": f"{venv}/bin:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
    } | (env or {})
    cmd = ["runuser", "-u", user.pw_name, "--", "env", "-i",
           *[f"{k}={v}" for k, v in base.items()], *argv]
    return run(cmd, timeout=timeout, cwd=str(cwd))


def chown_tree(path: Path, user: pwd.struct_passwd) -> None:
    for p in [path, *path.rglob("*")]:
        os.chown(p, user.pw_uid, user.pw_gid, follow_symlinks=False)

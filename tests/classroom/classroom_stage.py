"""Shared stage for the classroom tests: throw-away Unix users and a venv they can run.

Root sets the stage only: it creates users (removed afterwards, by exact name, with their
homes) and a venv made from Debian's /usr/bin/python3 under /var/tmp (reused between runs;
/root is mode 700, so the project's own venv is out of an ordinary user's reach). Every
notebook, nbgrader and Jupyter server then runs as one of those users. The user, venv and
runuser code is tests/sandboxing.py's, which the sandbox tests use too.
"""

from __future__ import annotations

import os
import pwd
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests import sandboxing
from tests.sandboxing import ORDINARY_PATH, REPO, need_root_and, run

__all__ = ["REPO", "as_user", "chown_tree", "classroom_venv", "make_user", "run"]

VENV = Path(os.environ.get("NSLAB_CLASSROOM_VENV", "/var/tmp/nslab-grader-venv"))
# rfc3987: jsonschema (every Jupyter server imports it, through jupyter_events) prefers it to
# rfc3987-syntax, whose import compiles ~35 Earley parsers: ~1 CPU-s of each student server's
# start here (GPL-3.0-or-later; nothing of nslab imports it: see deploy/hub/README.md).
EXTRA = ["nbgrader>=0.9,<0.10", "nbclient>=0.10", "ipykernel>=6", "nbformat>=5",
         "jupyterhub>=5,<6", "rfc3987>=1.3"]


@pytest.fixture(scope="session")
def classroom_venv() -> Path:
    """nslab (this tree's code) + nbgrader + jupyterhub-singleuser, for ordinary users."""
    need_root_and("the throw-away Unix users", "useradd", "userdel", "runuser", "unshare")
    return sandboxing.make_venv(VENV, EXTRA)


UserFactory = Callable[[str], pwd.struct_passwd]


@pytest.fixture(scope="module")
def make_user() -> Iterator[UserFactory]:
    """Create throw-away users (nslab-PREFIX-xxxx); remove exactly those, homes included."""
    need_root_and("the throw-away Unix users", "useradd", "userdel")
    made: list[pwd.struct_passwd] = []

    def make(prefix: str) -> pwd.struct_passwd:
        made.append(sandboxing.create_user(f"nsl{prefix}{uuid.uuid4().hex[:5]}"[:31]))
        return made[-1]

    yield make
    failures = []
    for user in made:  # every one, even after one failed
        try:
            # Whatever the user still runs (a kernel a test left) goes first, by its PIDs.
            sandboxing.remove_user(user)
            assert not Path(user.pw_dir).exists(), user.pw_dir
            with pytest.raises(KeyError):
                pwd.getpwnam(user.pw_name)
        except (AssertionError, pytest.fail.Exception) as e:
            failures.append(f"{user.pw_name}: {e}")
    assert not failures, failures


def as_user(
    user: pwd.struct_passwd, venv: Path, argv: list[str], *, cwd: str | Path = "/",
    timeout: float = 300, env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run argv as USER with a clean environment (and the venv first on an ordinary PATH)."""
    return sandboxing.as_user(user, venv, argv, cwd=cwd, timeout=timeout, env=env,
                              path=ORDINARY_PATH)


def chown_tree(path: Path, user: pwd.struct_passwd) -> None:
    for p in [path, *path.rglob("*")]:
        os.chown(p, user.pw_uid, user.pw_gid, follow_symlinks=False)

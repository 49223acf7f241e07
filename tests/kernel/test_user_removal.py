"""The throw-away users the tests make go away even while their processes are still busy.

A CI run once failed in teardown: `userdel: user … is currently used by process …`. The
hub had been asked to stop the student's server, which was still exiting (SIGKILL is
asynchronous, and a server spawns children while it goes). `remove_user` now kills the
user's processes by PID until none is left, zombies included, before `userdel`.
"""

from __future__ import annotations

import pwd
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests import sandboxing

pytestmark = pytest.mark.kernel


def test_a_user_whose_processes_keep_spawning_children_is_removed() -> None:
    sandboxing.need_root_and("a throw-away user", "useradd", "userdel", "runuser")
    user = sandboxing.create_user(f"{sandboxing.USER_PREFIX}{uuid.uuid4().hex[:6]}")
    # A shell that forks a new child every 50 ms, like a server that spawns while it stops.
    busy = subprocess.Popen(
        ["runuser", "-u", user.pw_name, "--", "sh", "-c",
         "sleep 0.01 & while :; do sleep 0.05 & wait $!; done"],
    )
    try:
        deadline = time.monotonic() + 5
        while not sandboxing._pids_of(user.pw_uid):
            assert time.monotonic() < deadline, "the user's shell never started"
            time.sleep(0.05)
        sandboxing.remove_user(user)
        with pytest.raises(KeyError):
            pwd.getpwnam(user.pw_name)
        assert not Path(user.pw_dir).exists()
        assert not sandboxing._pids_of(user.pw_uid)
    finally:
        if sandboxing._pids_of(user.pw_uid) or Path(user.pw_dir).exists():
            sandboxing.remove_user(user)  # the test failed before; clean up all the same
        busy.wait(timeout=10)  # runuser (root) ends once its child was killed

"""Ctrl-C in the middle of the Slurm test removes everything it made.

tests/classroom/test_slurm.py runs in a pytest of its own, in a session of its own, with
NSLAB_SLURM_TRACE set: it writes a line at each stage it reaches, with what exists by then
(namespaces and their inodes, daemon PIDs, its temp dir, its users, the hub). When the stage
this test waits for is reached, the whole process group gets SIGINT, as a terminal's Ctrl-C
sends it (pytest and every daemon it started). Then every user, daemon, namespace and file
named in the trace must be gone, nothing may run in those namespaces or as those users, and
the host's links, routes, namespaces and users must be as before.

Stages: "slurmd" (the cluster half made: slurmctld up, the nodes' slurmd just started) and
"servers" (two students logged in, their servers running as Slurm jobs on two nodes).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from classroom_stage import REPO
from slurm_cluster import pids_in, wait_for

from tests import sandboxing

pytestmark = pytest.mark.kernel

TEST = REPO / "tests" / "classroom" / "test_slurm.py"


def _host() -> dict[str, Any]:
    return {"net": sandboxing.host_network_state(),
            "users": sorted(u.pw_name for u in pwd.getpwall())}


def _trace(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _ours(pid: int, inodes: set[int], tmp: str) -> bool:
    """Is PID (still) one of the run's processes: in one of its namespaces, or started with
    its temp dir in its command line (munged)? A reused PID is neither."""
    try:
        if os.stat(f"/proc/{pid}/ns/net").st_ino in inodes:
            return True
        return tmp in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def _ctrl_c_as_in_a_terminal() -> None:
    """A command started in the background by a shell (as CI and `cmd &` do) inherits
    SIGINT ignored, and Python then never raises KeyboardInterrupt: put back the default, as
    a terminal's foreground job has it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("stage", ["slurmd", "servers"])
def test_ctrl_c_removes_everything(stage: str, tmp_path: Path) -> None:
    for tool in ("slurmctld", "slurmd", "munged", "sbatch", "nsenter", "configurable-http-proxy"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is missing (tests/tools/sysdeps.sh installs it)")
    sandboxing.need_root_and("the throw-away Unix users", "useradd", "userdel", "runuser")
    before = _host()
    trace, out = tmp_path / "trace.jsonl", tmp_path / "pytest.out"
    with open(out, "wb") as log:
        child = subprocess.Popen(
            [sys.executable, "-m", "pytest", str(TEST), "-q", "-x", "-s", "-p",
             "no:cacheprovider"],
            cwd=str(REPO), env=os.environ | {"NSLAB_SLURM_TRACE": str(trace)},
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=_ctrl_c_as_in_a_terminal)
    try:
        def reached() -> bool:
            if child.poll() is not None:
                raise AssertionError(f"test_slurm.py ended before the stage {stage!r}:\n"
                                     + out.read_text(errors="replace")[-4000:])
            return any(t["stage"] == stage for t in _trace(trace))

        # A bound only against a hang: the venv, users and cluster come first.
        wait_for(f"test_slurm.py to reach the stage {stage!r}", reached, timeout=1200,
                 log=lambda: out.read_text(errors="replace")[-4000:])
        os.killpg(child.pid, signal.SIGINT)  # Ctrl-C: the whole foreground group
        child.wait(timeout=600)
    finally:
        if child.poll() is None:  # never left running: SIGTERM (it cleans up), then the group
            os.kill(child.pid, signal.SIGTERM)
            try:
                child.wait(timeout=300)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)  # the group we started, by its id
                child.wait()
    text = out.read_text(errors="replace")
    assert "KeyboardInterrupt" in text, text[-4000:]  # interrupted, not finished
    assert "HOST GUARD FAILED" not in text, text[-4000:]  # its own guard is green too

    made = _trace(trace)
    assert made[-1]["stage"] == stage, f"it went on after Ctrl-C: {[t['stage'] for t in made]}"
    namespaces = {ns for t in made for ns in t.get("namespaces", [])}
    inodes = {i for t in made for i in t.get("netns_inodes", [])}
    tmps = {t["tmp"] for t in made if "tmp" in t}
    daemons = {pid for t in made for pid in t.get("daemons", {}).values()}
    daemons |= {t["hub"] for t in made if "hub" in t}
    users = {name: uid for t in made for name, uid in t.get("users", {}).items()}
    assert namespaces and len(tmps) == 1 and daemons and len(users) == 2, made
    (tmp,) = tmps
    if stage == "servers":
        assert any(t["stage"] == "hub" for t in made) and len(daemons) >= 6, made

    assert not [ns for ns in namespaces if Path("/run/netns", ns).exists()], namespaces
    assert not pids_in(inodes), "something still runs in the cluster's namespaces"
    assert not [p for p in daemons if _ours(p, inodes, tmp)], (daemons, text[-3000:])
    assert not Path(tmp).exists(), tmp
    for name, uid in users.items():
        with pytest.raises(KeyError):
            pwd.getpwnam(name)
        assert not Path("/home", name).exists(), name
        assert not sandboxing._pids_of(uid), f"{name} ({uid}) still runs processes"
    assert _host() == before

"""bench/classroom.py with a class of 5: every student logs in at the same moment through the
real hub, gets a server (started a few at a time by deploy/hub's ClassroomSpawner), and runs
notebook 03 in the sandbox kernel; the cells meant to fail fail as errors, no other does.
The users, the hub and its proxy are gone afterwards and the host is unchanged."""

from __future__ import annotations

import math
import pwd
import shutil
import sys
import threading
from pathlib import Path

import pytest
from classroom_stage import REPO

pytestmark = pytest.mark.kernel

sys.path.insert(0, str(REPO / "bench"))
import classroom as bench  # noqa: E402


def test_a_class_of_five_at_once(classroom_venv: Path) -> None:
    if shutil.which("configurable-http-proxy") is None:
        pytest.skip("configurable-http-proxy is missing (npm install -g configurable-http-proxy)")
    py = classroom_venv / "bin" / "python"
    r = bench.sandboxing.run([str(py), "-c", "import sys; from nslab import sandbox; "
                              "sandbox.install_kernelspec(sys.prefix)"])
    assert r.returncode == 0, r.stderr
    row = bench.one_class(5, py, threading.Event())
    print(bench.HEADER + "\n" + bench.table_row(row))
    failures = {s["name"]: s["error"] or s["cell_errors"] for s in row["students"]
                if s["error"] or s["cell_errors"]}
    assert row["ok"] == 5, failures
    assert row["host_unchanged"]
    for s in row["students"]:  # the users went, homes included
        with pytest.raises(KeyError):
            pwd.getpwnam(s["name"])
        assert not Path("/home", s["name"]).exists()
        # every student paid for a server and a kernel, and holds memory while it runs
        assert s["server_cpu"] > 0.5 and s["total_cpu"] > s["server_cpu"], s
        assert s["pss_mb"] > 50, s
        assert s["start"] <= s["ready"] <= s["done"]
    assert not math.isnan(row["lesson"]) and row["lesson"] >= row["spawn_p95"]
    assert row["hub_cpu"] > 0 and row["hub_pss_mb"] > 0
    assert bench.table_row(row).startswith("| 5 | 5 |")

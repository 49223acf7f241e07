"""The benches measure what they claim: the floor client's topology really carries a ping,
and a (small) burst of labs in parallel processes all succeed with their journals intact."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.conftest import needs_root

pytestmark = [pytest.mark.kernel, needs_root]

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import burst  # noqa: E402
import floor  # noqa: E402


def _ip(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
@pytest.mark.parametrize("mode", ["inplace", "move"])
def test_floor_builds_a_pair_that_pings(mode: str) -> None:
    tag = "f" + uuid.uuid4().hex[:4]
    names = [f"{tag}a0", f"{tag}b0"]
    try:
        result = floor.floor(mode, 1, tag, keep=True)
        assert result["build"] > 0
        for ns, dev, addr in ((names[0], f"{tag}x0", "10.0.0.1/30"),
                              (names[1], f"{tag}y0", "10.0.0.2/30")):
            out = _ip("-n", ns, "-o", "addr", "show", "dev", dev).stdout
            assert addr in out and "UP" in _ip("-n", ns, "link", "show", dev).stdout
            assert "UP" in _ip("-n", ns, "link", "show", "lo").stdout
        ping = subprocess.run(["ip", "netns", "exec", names[0], "ping", "-c", "1", "-W", "2",
                               "10.0.0.2"], capture_output=True, text=True, timeout=30)
        assert ping.returncode == 0, ping.stdout + ping.stderr
    finally:
        for ns in names:  # exactly the two this test made
            _ip("netns", "delete", ns)
    assert not set(names) & set(_ip("netns", "list").stdout.split())


def test_floor_refuses_an_existing_name() -> None:
    tag = "f" + uuid.uuid4().hex[:4]
    try:
        floor.floor("inplace", 1, tag, keep=True)
        with pytest.raises(RuntimeError, match="File exists"):
            floor.floor("inplace", 1, tag)
    finally:
        for ns in (f"{tag}a0", f"{tag}b0"):
            _ip("netns", "delete", ns)


def test_a_small_burst_all_succeeds() -> None:
    wall, results = burst.at_once(3, sandbox=False)
    assert len(results) == 3 and all(r["ok"] for r in results), results
    assert all(r["ping"] and r["journal"] for r in results)


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler")
def test_build_bench_prints_every_row_with_its_ratios() -> None:
    """bench/build.py runs end to end (small) and prints build and teardown for every
    topology, with both ratios; what it made is gone afterwards."""
    before = set(_ip("netns", "list").stdout.split())
    out = subprocess.run(
        [sys.executable, str(BENCH / "build.py"), "--pairs", "2", "--repeat", "1",
         "--settle", "0"], capture_output=True, text=True, timeout=120, check=True,
    ).stdout.splitlines()
    rows = [line for line in out if line.rstrip().endswith("x")]
    titles = ["article S8-S18", "2 pairs moved", "2 in place", "2 in place, apply"]
    assert [(r[:22].strip(), r[23:32].strip()) for r in rows] == [
        (t, step) for t in titles for step in ("build", "teardown")
    ], out
    assert all(len(r.split("x")) == 3 for r in rows)  # ip/nslab and nslab/floor
    assert set(_ip("netns", "list").stdout.split()) == before


def test_publish_bench_runs_every_mode_with_its_paired_ratio() -> None:
    """bench/publish.py runs end to end (small): a real kernel, the in-process modes, the
    paired ratio with its interval, the events counted during the verbs, a verdict per mode;
    what it made is gone afterwards."""
    before = set(_ip("netns", "list").stdout.split())
    out = subprocess.run(
        [sys.executable, str(BENCH / "publish.py"), "--verbs", "16", "--student-verbs", "16",
         "--gap", "0.35"], capture_output=True, text=True, timeout=300, check=True,
    ).stdout
    for mode in ("kernel", "student", "run-all", "script"):
        row = next(line for line in out.splitlines() if line.startswith(mode + " "))
        assert re.search(r"\d\.\d{3} \[\d\.\d{3}, \d\.\d{3}\]$", row), row
        assert re.search(rf"^{mode}: paired ratio \d\.\d{{3}}, at most", out, re.M), out
    for mode in ("student", "run-all", "script"):
        assert re.search(rf"^{mode}, publishing on: during 6 verbs, \d+ garbage", out, re.M), out
    assert set(_ip("netns", "list").stdout.split()) == before

"""A lab killed with SIGKILL is cleaned up from its journal; a live lab is left alone.

The journals of this test live in a private state directory (NSLAB_STATE_DIR), so
cleanup sees only the labs made here, never another developer's.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nslab import Lab, cleanup
from nslab.journal import Journal
from tests.conftest import needs_root
from tests.helpers import link_names, netns_list

pytestmark = [needs_root, pytest.mark.kernel]

REPO = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import sys, time
    import nslab

    tag = sys.argv[1]
    lab = nslab.Lab(name=f"crashy-{tag}")
    lab.add_netns(f"cr1-{tag}")
    lab.add_netns(f"cr2-{tag}")
    lab.set_up(f"cr1-{tag}", "lo")
    lab.add_veth(f"cx{tag}", f"cy{tag}")                       # a pair in the host
    lab.add_veth(f"cz{tag}", "eth0", peer_ns=f"cr1-{tag}")     # host end, peer inside
    lab.add_veth("a", "b", ns=f"cr1-{tag}", peer_ns=f"cr2-{tag}")
    lab.add_addr(f"cr1-{tag}", "a", "10.30.0.1/24")
    print("READY", flush=True)
    time.sleep(120)
    """
)


def netns() -> set[str]:
    return set(netns_list())


def host_links() -> set[str]:
    return link_names(None)


def start_crashy(tag: str, env: dict) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", CHILD, tag], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    line = proc.stdout.readline()  # the child prints READY or dies (EOF)
    if line.strip() != "READY":
        proc.kill()
        proc.wait()
        raise AssertionError(f"the child did not get ready: {line!r} {proc.stderr.read()}")
    return proc


@pytest.mark.parametrize("how", ["api", "cli"])
def test_cleanup_after_sigkill(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, unique: str,
                               how: str) -> None:
    monkeypatch.setenv("NSLAB_STATE_DIR", str(tmp_path))
    env = {**os.environ, "NSLAB_STATE_DIR": str(tmp_path)}
    crashed_ns = {f"cr1-{unique}", f"cr2-{unique}"}
    crashed_links = {f"cx{unique}", f"cy{unique}", f"cz{unique}"}
    decoy = f"cr3-{unique}"  # same pattern, made by hand: not in any journal

    live = Lab(name=f"live-{unique}")
    proc = None
    try:
        live.add_netns(f"lv1-{unique}")
        live.add_netns(f"lv2-{unique}")
        live.add_veth(f"lx{unique}", f"ly{unique}", ns=f"lv1-{unique}", peer_ns=f"lv2-{unique}")
        live.add_veth(f"lh{unique}", "eth0", peer_ns=f"lv1-{unique}")
        subprocess.run(["ip", "netns", "add", decoy], check=True)

        proc = start_crashy(unique, env)
        assert crashed_ns <= netns() and crashed_links <= host_links()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL
        proc = None
        journal = tmp_path / f"crashy-{unique}.json"
        assert journal.exists() and not Journal.load(journal).owner_alive
        live_entries = list(Journal.load(tmp_path / f"live-{unique}.json").entries)

        if how == "api":
            removed = cleanup()
        else:
            cli = subprocess.run([sys.executable, "-m", "nslab.cli", "cleanup"], env=env,
                                 capture_output=True, text=True, cwd=REPO)
            assert cli.returncode == 0, cli.stderr
            removed = [line.removeprefix("removed ") for line in cli.stdout.splitlines()
                       if line.startswith("removed ")]
            assert f"nslab cleanup: {len(removed)} objects removed" in cli.stdout

        # exactly the crashed lab's objects are gone
        assert all(r.startswith(f"crashy-{unique}: ") for r in removed), removed
        for name in crashed_ns:
            assert f"crashy-{unique}: namespace {name}" in removed
        assert not crashed_ns & netns()
        assert not crashed_links & host_links()
        assert not journal.exists()
        # ... and nothing else
        assert decoy in netns()
        assert {f"lv1-{unique}", f"lv2-{unique}"} <= netns()
        assert f"lh{unique}" in host_links()
        assert Journal.load(tmp_path / f"live-{unique}.json").entries == live_entries
        snap = live.snapshot()
        assert snap.link(f"lv1-{unique}", f"lx{unique}").peer.ifname == f"ly{unique}"
        # a second cleanup finds nothing to do
        assert cleanup() == []
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
        live.reset()
        live.journal.delete()
        if decoy in netns():
            live.delete_netns(decoy, force=True)
        # if the test failed half way, the crashed lab's journal still lists its objects
        leftover = tmp_path / f"crashy-{unique}.json"
        if leftover.exists():
            Lab(name=f"crashy-{unique}").reset()
            leftover.unlink(missing_ok=True)
    assert not {n for n in netns() if unique in n}
    assert not {n for n in host_links() if unique in n}

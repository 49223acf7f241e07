"""The kernel layer on the real kernel: settled state after removals, journals that no
longer match, the namespace limit, and transcripts that replay in the rootless sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from nslab import KernelError, Lab
from nslab._kernel import SETTLE_TIMEOUT
from nslab.journal import Journal
from tests.conftest import needs_root
from tests.helpers import ip, link_names, netns_list

pytestmark = [needs_root, pytest.mark.kernel]

ROOT = Path(__file__).resolve().parents[2]


def test_stopped_container_is_gone_from_the_next_snapshot(lab: Lab, unique: str) -> None:
    web = f"w{unique}"
    lab.run_container(web)
    assert lab.snapshot().link("docker-host", f"veth-{web}") is not None
    started = time.monotonic()
    lab.stop_container(web)
    took = time.monotonic() - started
    snap = lab.snapshot()
    assert snap.link("docker-host", f"veth-{web}") is None, "its veth went with it"
    assert snap.ns(f"@{web}") is None
    assert f"veth-{web}" not in link_names("docker-host")  # the kernel agrees
    # the wait ended because the kernel settled, not at its bound
    assert took < SETTLE_TIMEOUT, f"stop_container took {took:.2f} s"


def test_deleted_namespace_takes_its_peers_before_the_next_snapshot(lab: Lab, unique: str) -> None:
    a, b = f"sa-{unique}", f"sb-{unique}"
    lab.add_netns(a)
    lab.add_netns(b)
    lab.add_veth(f"va{unique}", f"vb{unique}", ns=a, peer_ns=b)
    lab.add_veth(f"ha{unique}", f"hb{unique}", peer_ns=b)  # one end in the host
    started = time.monotonic()
    lab.delete_netns(b)
    took = time.monotonic() - started
    snap = lab.snapshot()
    assert snap.link(a, f"va{unique}") is None
    assert snap.link(None, f"ha{unique}") is None
    assert f"ha{unique}" not in link_names(None)
    # the wait ended because the kernel settled, not at its bound
    assert took < SETTLE_TIMEOUT, f"delete_netns took {took:.2f} s"


def test_cleanup_reports_entries_that_no_longer_match(tmp_path: Path, unique: str) -> None:
    """One namespace deleted by hand, one replaced by another of the same name: both are
    said, neither is guessed at; the replacement survives."""
    gone, taken = f"cg-{unique}", f"ct-{unique}"
    state = tmp_path / "state"
    env = {**os.environ, "NSLAB_STATE_DIR": str(state), "PYTHONPATH": str(ROOT)}
    make = textwrap.dedent(f"""
        from nslab import Lab
        lab = Lab(name="crashed")
        lab.add_netns({gone!r})
        lab.add_netns({taken!r})
    """)
    subprocess.run([sys.executable, "-c", make], env=env, check=True)  # ends: a dead owner
    try:
        ip(None, "netns", "delete", gone)
        ip(None, "netns", "delete", taken)
        ip(None, "netns", "add", taken)  # someone else's now, same name
        cli = subprocess.run([sys.executable, "-m", "nslab.cli", "cleanup"], env=env,
                             capture_output=True, text=True)
        assert cli.returncode == 0, cli.stderr
        assert f"Namespace {gone!r} was already gone (deleted outside nslab)" in cli.stdout
        assert f"Namespace {taken!r} is not the one the lab made" in cli.stdout
        assert "nslab cleanup: 0 objects removed" in cli.stdout
        assert taken in netns_list(), "the other namespace of that name is left alone"
    finally:
        if taken in netns_list():
            ip(None, "netns", "delete", taken)


def test_corrupt_journal_blocks_cleanup_and_the_lab(tmp_path: Path, unique: str) -> None:
    state = tmp_path / "state"
    state.mkdir()
    bad = state / "broken.json"
    bad.write_text('{"lab": "broken", "owner_pid": 1, "entries": [')  # a truncated write
    env = {**os.environ, "NSLAB_STATE_DIR": str(state), "PYTHONPATH": str(ROOT)}
    cli = subprocess.run([sys.executable, "-m", "nslab.cli", "cleanup"], env=env,
                         capture_output=True, text=True)
    assert cli.returncode == 1
    assert f"The journal of lab 'broken' ({bad}) cannot be read" in cli.stderr
    assert "removed nothing of it" in cli.stderr
    assert bad.exists(), "the evidence stays"
    opened = subprocess.run(
        [sys.executable, "-c", "from nslab import Lab; Lab(name='broken')"], env=env,
        capture_output=True, text=True,
    )
    assert opened.returncode == 1
    assert "CorruptJournal" in opened.stderr
    assert f"The journal of lab 'broken' ({bad}) cannot be read" in opened.stderr
    assert bad.read_text().endswith('"entries": [')


SANDBOX = "mount -t tmpfs tmpfs /run && mkdir -p /run/netns && exec \"$0\" \"$@\""


def in_sandbox(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run Python code as root of a fresh user+net+mount namespace (the rootless sandbox's
    kernel): its "host" is a new namespace, PID 1 is not in it."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NSLAB_STATE_DIR": str(tmp_path / "st")}
    return subprocess.run(
        ["unshare", "-Urnm", "sh", "-c", SANDBOX, sys.executable, "-c", code],
        env=env, capture_output=True, text=True, timeout=60,
    )


def test_namespace_limit_says_which_limit_and_how_to_free_it(tmp_path: Path) -> None:
    """ENOSPC from user.max_net_namespaces, lowered where it is ours: inside unshare -Ur."""
    code = textwrap.dedent("""
        from pathlib import Path
        from nslab import KernelError, Lab
        Path("/proc/sys/user/max_net_namespaces").write_text("1")  # the sandbox's own
        lab = Lab(name="lim")
        try:
            lab.add_netns("lim2")
        except KernelError as exc:
            print("REFUSED", exc)
        print("LEFT", lab.list_netns(), lab.journal.entries)
    """)
    out = in_sandbox(code, tmp_path)
    assert out.returncode == 0, out.stderr
    assert "The kernel refused to create namespace 'lim2': the limit on network" in out.stdout
    assert "user.max_net_namespaces = 1 here, read from /proc/sys/user/max_net" in out.stdout
    assert "sysctl -w user.max_net_namespaces=NUMBER" in out.stdout
    assert "LEFT [] []" in out.stdout, "nothing half-made, nothing journaled"
    assert issubclass(KernelError, OSError)


def test_transcript_moving_home_replays_in_the_rootless_sandbox(tmp_path: Path) -> None:
    """`netns 1` is PID 1's namespace, not the sandbox's host: the script must say
    /proc/$$/ns/net, and replay to the same place."""
    code = textwrap.dedent("""
        import subprocess
        from nslab import Lab
        lab = Lab(name="home")
        lab.add_netns("t1")
        lab.add_veth("va", "vb", ns="t1")
        lab.move("va", None, src="t1")
        script = lab.transcript.script()
        lab.reset()
        out = subprocess.run(["bash", "-c", script], capture_output=True, text=True)
        print("RC", out.returncode, out.stderr.strip())
        here = subprocess.run(["ip", "-br", "link"], capture_output=True, text=True).stdout
        print("HOST", sorted(line.split()[0].split("@")[0] for line in here.splitlines()))
    """)
    out = in_sandbox(code, tmp_path)
    assert out.returncode == 0, out.stderr
    assert "RC 0" in out.stdout, out.stdout
    assert "HOST ['lo', 'va']" in out.stdout, out.stdout


def test_journal_files_are_json_the_cli_can_read(lab: Lab, unique: str) -> None:
    lab.add_netns(f"j-{unique}")
    lines = [json.loads(line) for line in lab.journal.path.read_text().splitlines()]
    assert lines[0]["lab"] == lab.name  # JSON lines: the journal, then appended changes
    assert [e["name"] for e in Journal.load(lab.journal.path).entries] == [f"j-{unique}"]

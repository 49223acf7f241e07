"""Every exercise on the real kernel: broken labs fail with the expected explanation,
every solution passes its check, checkpoints rebuild the broken lab, nothing is left behind.

Each test runs its exercise under its own short tag ("t" + 4 hex digits), so it never
collides with a notebook, or another developer's test, running the same exercise.
"""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest

from nslab import exercises
from nslab.checks import check, reachable
from nslab.exercises import EXERCISES, broken, goals, solve, start
from tests.conftest import needs_root

pytestmark = [needs_root, pytest.mark.kernel]

TROUBLE = [name for name, ex in EXERCISES.items() if ex.troubleshooting]
BUILD = [name for name, ex in EXERCISES.items() if not ex.troubleshooting]


def host_links() -> set[str]:
    out = subprocess.run(["ip", "-j", "link"], capture_output=True, text=True).stdout
    return {lk["ifname"] for lk in json.loads(out or "[]")}


def netns() -> set[str]:
    out = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


@pytest.fixture
def tag():
    return "t" + uuid.uuid4().hex[:4]


@pytest.fixture
def cleanup():
    """Labs made by a test are reset, and their journals deleted, whatever happens."""
    labs = []
    yield labs.append
    for lab in labs:
        lab.reset()
        lab._journal.delete()


def assert_gone(tag: str, ex_name: str) -> None:
    names = exercises.names(ex_name, tag=tag)
    ours = {v for k, v in names.items() if k != "tag" and v.startswith(tag)}
    assert not ours & netns(), "a namespace of the exercise was left behind"
    assert not ours & host_links(), "an interface of the exercise was left in the host"


@pytest.mark.parametrize("name", TROUBLE)
def test_broken_lab_fails_with_its_explanation_then_passes_after_the_fix(name, tag, cleanup):
    lab = broken(name, tag=tag)
    cleanup(lab)
    ex = EXERCISES[name]
    goal = goals(name, tag=tag)
    before = check(lab, goal)
    assert not before.passed
    for expected in ex.expect:
        text = ex.fill(expected, tag)
        assert any(text in r for r in before.reasons), (text, before.reasons)
    # the same diagnosis from the snapshot alone (no pings): the kernel agrees with it
    static = check(lab.snapshot().lab_only(), goal)
    assert [v.ok for v in static] == [v.ok for v in before], str(static)
    solve(lab, name, tag=tag)
    after = check(lab, goal)
    assert after.passed, str(after)
    lab.reset()
    assert_gone(tag, name)


@pytest.mark.parametrize("name", BUILD)
def test_build_exercise_fails_empty_then_passes_with_the_solution(name, tag, cleanup):
    lab = start(name, tag=tag)
    cleanup(lab)
    goal = goals(name, tag=tag)
    before = check(lab, goal)
    assert not before.passed and before.reasons
    solve(lab, name, tag=tag)
    after = check(lab, goal)
    assert after.passed, str(after)
    lab.reset()
    assert_gone(tag, name)


@pytest.mark.parametrize("name", ["down-end", "left-in-host", "missing-route"])
def test_restore_start_rebuilds_the_broken_lab(name, tag, cleanup):
    lab = broken(name, tag=tag)
    cleanup(lab)
    goal = goals(name, tag=tag)
    before = check(lab, goal, ping=False)
    solve(lab, name, tag=tag)
    assert check(lab, goal).passed
    lab.restore("start")
    again = check(lab, goal, ping=False)
    assert not again.passed
    assert again.reasons == before.reasons


def test_broken_again_starts_over(tag, cleanup):
    lab = broken("down-end", tag=tag)
    cleanup(lab)
    solve(lab, "down-end", tag=tag)
    lab = broken("down-end", tag=tag)  # the same lab name: it is reset and built again
    cleanup(lab)
    assert not check(lab, goals("down-end", tag=tag), ping=False).passed
    assert len(lab.transcript) == 0  # the student's transcript starts empty


def test_the_wrong_prefix_really_breaks_the_replies(tag, cleanup):
    """What the diagnosis claims, measured: the request arrives, the reply cannot leave."""
    lab = broken("wrong-prefix", tag=tag)
    cleanup(lab)
    n = exercises.names("wrong-prefix", tag=tag)
    assert not lab.ping(n["a"], "192.168.1.2", timeout=1).ok
    out = lab.exec(n["b"], "ip route get 192.168.1.1")
    assert not out.ok and "unreachable" in out.stderr.lower()


def test_duplicate_address_answers_itself(tag, cleanup):
    """The trap the check avoids: the ping 'works', answered by the sender itself."""
    lab = broken("duplicate-address", tag=tag)
    cleanup(lab)
    n = exercises.names("duplicate-address", tag=tag)
    assert lab.ping(n["b"], "192.168.1.1", timeout=1).ok
    report = check(lab, reachable(n["b"], "192.168.1.1"))
    assert not report.passed and "answers its own ping" in report.reasons[0]


def test_goals_naming_missing_things_are_failed_goals_not_errors(tag, cleanup):
    lab = broken("down-end", tag=tag)
    cleanup(lab)
    from nslab.checks import has_addr, link_up, lo_up

    report = check(lab, [
        lo_up(f"{tag}-nope"),
        link_up(f"{tag}-a", "veth-zz"),
        has_addr(f"{tag}-b", "veth-a", "192.168.1.1/24"),
        reachable(f"{tag}-nope", "192.168.1.2"),
    ])
    assert [v.ok for v in report] == [False] * 4
    assert report[0].reasons[0].startswith(f"Namespace {tag}-nope does not exist")
    assert "There is no interface veth-zz" in report[1].reasons[0]
    assert report[2].reasons[0] == (
        f"veth-a is in {tag}-a, not in {tag}-b — move it: "
        f"lab.move('veth-a', '{tag}-b', src='{tag}-a')  "
        f"(ip: ip netns exec {tag}-a ip link set dev veth-a netns {tag}-b)"
    )

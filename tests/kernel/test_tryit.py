"""Every tutorial's "Try it yourself" task, solved for real on the live kernel.

For each tutorial (00-05) the test builds the state the tutorial leaves before its task, reads
the task's goals from the course text itself (the code cell under "## Try it yourself" in
course/NN-*.md: the data the student's check cell runs), shows the goals to achieve unmet,
makes one wrong attempt that a student might make (the goals stay unmet, and the check names
what is wrong and the call that fixes it), then completes a correct solution through the
library and shows every goal met. Goals that already hold (a constraint such as "test1 must
still reach test2") hold before and after.

The tutorials use the article's fixed names (test1, docker-host, ...): a tutorial is skipped
if one of its namespaces exists already on this machine. Everything made is removed by the
lab's journal (`lab.reset()`), whatever happens. Run it under the kernel lock.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from nslab import Lab
from nslab.checks import Goal, Report, check
from nslab.tutorial import CONTAINERS, IP_NETNS, VETH, Tutorial

pytestmark = [
    pytest.mark.kernel,
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create namespaces"),
]

COURSE = Path(__file__).resolve().parents[2] / "course"


def task_of(tutorial: str) -> list[Goal]:
    """The goals of TUTORIAL's task, as its course text declares them: the first code cell
    under "## Try it yourself", run without its final `check(...)` line."""
    (path,) = COURSE.glob(f"{tutorial}-*.md")
    section = path.read_text().split("## Try it yourself", 1)[1]
    cell = re.search(r"```\{code-cell\}\n(.*?)```", section, re.S)
    assert cell, f"{path.name}: no code cell under 'Try it yourself'"
    source = cell.group(1)
    assert source.rstrip().endswith("check(lab, task, explain=False)"), source
    scope: dict = {}
    exec(source.rsplit("check(", 1)[0], scope)  # the imports and `task = [...]`
    task = scope["task"]
    assert task and all(isinstance(g, Goal) for g in task)
    return task


@dataclass(frozen=True)
class Task:
    tutorial: str
    names: tuple[str, ...]  # the namespaces it makes (skip if one exists on this machine)
    build: Callable[[Lab], None]  # the state the tutorial leaves before its task
    holds: tuple[int, ...]  # goals (indexes) that hold already: constraints to keep
    wrong: Callable[[Lab], None]  # a plausible wrong attempt
    says: str  # what the check says about the wrong attempt (a regex)
    fix: Callable[[Lab], None]  # what completes a correct solution after the wrong attempt


# ---------------------------------------------------------------- the tutorials' states


def build_00(lab: Lab) -> None:
    lab.add_netns("hello")


def build_01(lab: Lab) -> None:
    Tutorial(lab, CONTAINERS).run_all()


def build_02(lab: Lab) -> None:
    Tutorial(lab, IP_NETNS).run_all()


def build_03(lab: Lab) -> None:
    for ns in ("test1", "test2"):
        lab.add_netns(ns)
        lab.set_up(ns, "lo")
    Tutorial(lab, VETH).run_all()


def build_04(lab: Lab) -> None:
    for name in ("web", "db", "app"):
        lab.run_container(name)
    lab.set_master("docker-host", "veth-app", None)  # the notebook unplugs app ...
    lab.set_master("docker-host", "veth-app", "docker0")  # ... and plugs it back


def build_05(lab: Lab) -> None:
    lab.run_container("app")
    lab.add_netns("internet")
    lab.set_up("internet", "lo")
    lab.add_veth("uplink", "isp", ns="docker-host", peer_ns="internet")
    lab.add_addr("docker-host", "uplink", "203.0.113.1/24")
    lab.add_addr("internet", "isp", "203.0.113.10/24")
    lab.set_up("docker-host", "uplink")
    lab.set_up("internet", "isp")
    lab.serve_http("internet", 80)
    lab.set_forwarding("docker-host", True)
    lab.add_route("internet", "172.17.0.0/16", via="203.0.113.1")
    lab.enable_masquerade("docker-host", "uplink")
    lab.serve_http("@app", 80)
    lab.publish_port("docker-host", 8080, "172.17.0.2", 80)


# ---------------------------------------------------------------- attempts


def pair_03(lab: Lab) -> None:
    """test3 and a second pair, both ends addressed, but test3's end never set up."""
    lab.add_netns("test3")
    lab.add_veth("veth-1to3", "veth-3to1", ns="test1", peer_ns="test3")
    lab.add_addr("test1", "veth-1to3", "192.168.2.1/24")
    lab.add_addr("test3", "veth-3to1", "192.168.2.3/24")
    lab.set_up("test1", "veth-1to3")


def unplugged_04(lab: Lab) -> None:
    """test3's pair, addressed and up, but its docker-host end not on the bridge."""
    lab.add_netns("test3")
    lab.add_veth("veth-test3", "eth0", ns="docker-host", peer_ns="test3")
    lab.add_addr("test3", "eth0", "172.17.0.10/16")
    lab.set_up("docker-host", "veth-test3")
    lab.set_up("test3", "eth0")


def no_default_05(lab: Lab) -> None:
    """office wired to docker-host, but without a default route."""
    lab.add_netns("office")
    lab.add_veth("veth-office", "eth0", ns="docker-host", peer_ns="office")
    lab.add_addr("docker-host", "veth-office", "10.0.0.1/24")
    lab.add_addr("office", "eth0", "10.0.0.2/24")
    lab.set_up("docker-host", "veth-office")
    lab.set_up("office", "eth0")


TASKS = [
    Task("00", ("hello", "world"), build_00, (),
         wrong=lambda lab: lab.add_netns("world"),
         says=r"lo in world is DOWN.*lab\.set_up\('world', 'lo'\)",
         fix=lambda lab: lab.set_up("world", "lo")),
    Task("01", ("docker-host", "test3"), build_01, (),
         wrong=lambda lab: lab.add_netns("test3"),  # a named namespace is not a container
         says=r"There is no container test3: the test3 here is a namespace made with "
              r"`ip netns add`.*lab\.run_container\('test3'\)",
         fix=lambda lab: (lab.delete_netns("test3"), lab.run_container("test3"))),
    Task("02", ("test1", "test2", "test3"), build_02, (),
         wrong=lambda lab: lab.add_netns("test3"),
         says=r"lo in test3 is DOWN.*lab\.set_up\('test3', 'lo'\)",
         fix=lambda lab: lab.set_up("test3", "lo")),
    Task("03", ("test1", "test2", "test3"), build_03, (2,),
         wrong=pair_03,
         says=r"veth-3to1.*lab\.set_up\('test3', 'veth-3to1'\)",
         fix=lambda lab: lab.set_up("test3", "veth-3to1")),
    Task("04", ("docker-host", "test3"), build_04, (),
         wrong=unplugged_04,
         says=r"veth-test3 in docker-host, the other end of eth0's veth pair, is not a port "
              r"of the bridge docker0.*lab\.set_master\('docker-host', 'veth-test3', 'docker0'\)",
         fix=lambda lab: lab.set_master("docker-host", "veth-test3", "docker0")),
    Task("05", ("docker-host", "internet", "office"), build_05, (),
         wrong=no_default_05,
         says=r"office.*route.*203\.0\.113\.10|203\.0\.113\.10.*office.*route",
         fix=lambda lab: lab.add_route("office", "default", via="10.0.0.1")),
]


def _verdicts(report: Report) -> list[bool]:
    return [v.ok for v in report.verdicts]


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.tutorial)
def test_try_it_yourself_is_solvable(task: Task, unique: str) -> None:
    taken = [n for n in task.names if os.path.exists(f"/run/netns/{n}")]
    if taken:
        pytest.skip(f"namespaces {taken} already exist on this machine (a notebook is open?)")
    goals = task_of(task.tutorial)
    lab = Lab(name=f"tryit-{task.tutorial}-{unique}")
    try:
        task.build(lab)
        before = check(lab, goals)
        expected = [i in task.holds for i in range(len(goals))]
        assert _verdicts(before) == expected, str(before)
        assert all(v.reasons for v in before.failed), str(before)  # each says why

        task.wrong(lab)
        wrong = check(lab, goals)
        assert not wrong.passed, f"the wrong attempt of {task.tutorial} passes:\n{wrong}"
        assert all(wrong.verdicts[i].ok for i in task.holds), str(wrong)  # nothing broken
        assert re.search(task.says, " ".join(wrong.reasons), re.S), (
            f"{task.tutorial}: the check does not say {task.says!r}:\n{wrong}")
        # no wrong attempt here is about forwarding: a reason that says so would mislead
        assert "ip_forward" not in " ".join(wrong.reasons), str(wrong)

        task.fix(lab)
        after = check(lab, goals)
        assert after.passed, f"the solution of {task.tutorial} does not pass:\n{after}"
        # the student's own check cell (explain=False) says the same: every goal ✔
        shown = str(check(lab, goals, explain=False))
        assert "✘" not in shown and shown.count("✔") == len(goals), shown
    finally:
        lab.reset()
        lab.journal.delete()
    assert not [n for n in task.names if os.path.exists(f"/run/netns/{n}")]

"""The article's steps: order checks, messages that name the missing step, Back."""

from __future__ import annotations

import os

import pytest

from nslab import AlreadyExists, Lab, NotFound, StepOrderError
from nslab.tutorial import IP_NETNS, VETH, Tutorial

pytestmark = [
    pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create namespaces"),
    pytest.mark.skipif(
        any(os.path.exists(f"/run/netns/{n}") for n in ("test1", "test2")),
        reason="the article's namespaces test1/test2 already exist on this machine",
    ),
]


@pytest.fixture
def tutorial(unique: str):
    lab = Lab(name=f"tut-{unique}")
    yield Tutorial(lab, {**IP_NETNS, **VETH})
    lab.reset()
    lab.journal.delete()


def test_steps_in_order_end_with_a_ping(tutorial: Tutorial) -> None:
    results = tutorial.run_all()
    assert [r.step.id for r in results] == tutorial.ids
    last = results[-1]
    assert all("1 received" in str(out) for out in last.outputs)
    assert "veth-test1 moved from host to test1" in str(results[tutorial.ids.index("S13")])


def test_out_of_order_names_the_missing_step(tutorial: Tutorial) -> None:
    tutorial.run("S8")
    before = tutorial.lab.snapshot()
    with pytest.raises(StepOrderError, match="run step S12 first"):
        tutorial.run("S13")
    # a notebook cell that calls the verb directly gets the step from the lab's own error
    with pytest.raises(NotFound, match=r"Run step S12 first"):
        tutorial.lab.set_up("test1", "veth-test1")
    tutorial.run("S12")
    with pytest.raises(NotFound, match=r"not in test1 yet: it is in host\. Run step S13 first"):
        tutorial.lab.add_addr("test1", "veth-test1", "192.168.1.1/24")
    assert tutorial.lab.snapshot().lab_only().ns("test1") == before.lab_only().ns("test1")


def test_a_cell_run_twice_says_which_step_made_it(tutorial: Tutorial) -> None:
    tutorial.run("S8")
    with pytest.raises(StepOrderError, match="Step S8 already ran. Go on with S9"):
        tutorial.run("S8")
    with pytest.raises(AlreadyExists, match=r"created by this lab in step S8"):
        tutorial.lab.add_netns("test1")


def test_back_restores_the_state_before_the_last_step(tutorial: Tutorial) -> None:
    for step in ("S8", "S12"):
        tutorial.run(step)
    before = tutorial.lab.snapshot().lab_only()
    tutorial.run("S13")
    assert tutorial.lab.snapshot().link("test1", "veth-test1") is not None
    tutorial.back()
    after = tutorial.lab.snapshot().lab_only()
    assert tutorial.done == ["S8", "S12"]
    assert after.link(None, "veth-test1") is not None  # back in the host, as before S13
    assert after.link("test1", "veth-test1") is None
    assert sorted(n.key or "" for n in after.namespaces) == sorted(
        n.key or "" for n in before.namespaces
    )
    fresh = Tutorial(tutorial.lab, VETH)  # a new tutorial reads what is done from the kernel
    assert fresh.done == ["S12"]
    assert str(fresh.back()).startswith("S12 undone")  # by deleting the pair, not a rebuild
    assert tutorial.lab.snapshot().where("veth-test1") == []
    with pytest.raises(StepOrderError):
        fresh.back()  # nothing of VETH is left to undo


def test_s7_lists_the_lab_s_docker_host_but_not_the_container(tutorial: Tutorial) -> None:
    result = tutorial.run("S7")
    listed = str(result.outputs[0]).split()
    assert "docker-host" in listed
    assert "web" not in listed
    assert "@web" in [n.key for n in tutorial.lab.snapshot().lab_only().namespaces]

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
from nslab.exercises import EXERCISES, broken, check_file, goals, grade, solve, start
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
        lab.journal.delete()


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
    goal = goals(name, tag=tag, hidden=True)
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
    goal = goals(name, tag=tag, hidden=True)
    before = check(lab, goal)
    assert not before.passed and before.reasons
    solve(lab, name, tag=tag)
    after = check(lab, goal)
    assert after.passed, str(after)
    lab.reset()
    assert_gone(tag, name)


@pytest.mark.parametrize("name", ["cannot-talk", "silent-neighbour", "across-a-router"])
def test_restore_start_rebuilds_the_broken_lab(name, tag, cleanup):
    lab = broken(name, tag=tag)
    cleanup(lab)
    goal = goals(name, tag=tag, hidden=True)
    before = check(lab, goal, ping=False)
    solve(lab, name, tag=tag)
    assert check(lab, goal).passed
    lab.restore("start")
    again = check(lab, goal, ping=False)
    assert not again.passed
    assert again.reasons == before.reasons


def test_broken_again_starts_over(tag, cleanup):
    lab = broken("cannot-talk", tag=tag)
    cleanup(lab)
    solve(lab, "cannot-talk", tag=tag)
    lab = broken("cannot-talk", tag=tag)  # the same lab name: it is reset and built again
    cleanup(lab)
    assert not check(lab, goals("cannot-talk", tag=tag), ping=False).passed
    assert len(lab.transcript) == 0  # the student's transcript starts empty


def test_listen_with_blanks_lists_places_then_captures_where_asked(tag, cleanup):
    from nslab.exercises import listen

    lab = broken("no-reply", tag=tag)
    cleanup(lab)
    n = exercises.names("no-reply", tag=tag)
    where = str(listen(lab, ns="", ifname="", ping=""))
    assert where.startswith("Fill in where to listen")
    assert f"  {n['a']}: lo, veth-a" in where and f"  {n['b']}: lo, veth-b" in where
    cap = listen(lab, n["b"], "veth-b", sender=n["a"], ping="192.168.1.2")
    assert len(cap) >= 1 and "192.168.1.2" in repr(cap)  # the request arrives at b


def test_the_wrong_prefix_really_breaks_the_replies(tag, cleanup):
    """What the diagnosis claims, measured: the request arrives, the reply cannot leave."""
    lab = broken("no-reply", tag=tag)
    cleanup(lab)
    n = exercises.names("no-reply", tag=tag)
    assert not lab.ping(n["a"], "192.168.1.2", timeout=1).ok
    out = lab.exec(n["b"], "ip route get 192.168.1.1")
    assert not out.ok and "unreachable" in out.stderr.lower()


def test_duplicate_address_answers_itself(tag, cleanup):
    """The trap the check avoids: the ping 'works', answered by the sender itself."""
    lab = broken("misleading-ping", tag=tag)
    cleanup(lab)
    n = exercises.names("misleading-ping", tag=tag)
    assert lab.ping(n["b"], "192.168.1.1", timeout=1).ok
    report = check(lab, reachable(n["b"], "192.168.1.1"))
    assert not report.passed and "answers its own ping" in report.reasons[0]


def test_goals_naming_missing_things_are_failed_goals_not_errors(tag, cleanup):
    lab = broken("cannot-talk", tag=tag)
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


TWO_FAULTS = [name for name, ex in EXERCISES.items() if len(ex.spec.faults) >= 2]


def test_there_are_two_fault_labs():
    assert len(TWO_FAULTS) >= 2, TWO_FAULTS


@pytest.mark.parametrize("name", TWO_FAULTS)
def test_two_fault_lab_reports_both_faults_and_one_fix_is_not_enough(name, tag, cleanup):
    """Both faults are in the report at once; with one fixed, the other is still there."""
    lab = broken(name, tag=tag)
    cleanup(lab)
    ex = EXERCISES[name]
    every = goals(name, tag=tag, hidden=True)
    reasons = "\n".join(check(lab, every).reasons)
    expected = [ex.fill(f.expect, tag) for f in ex.spec.faults]
    assert all(e in reasons for e in expected), (expected, reasons)
    first = ex.spec.faults[0]
    exercises.run(lab, ex.steps("fix", tag)[: len(first.fix)])
    half = check(lab, every)
    assert not half.passed
    assert expected[0] not in "\n".join(half.reasons)
    assert all(e in "\n".join(half.reasons) for e in expected[1:]), half.reasons
    # the grade: partial credit, a number strictly between 0 and the points
    points = grade(lab, name, tag=tag)
    assert 0 < points < ex.points, points
    assert points == sum(v.ok for v in check(lab, ex.graded(tag)))


@pytest.mark.parametrize("name", list(EXERCISES))
def test_grade_is_zero_untouched_and_full_after_the_fix(name, tag, cleanup):
    """Points only for work: as handed out, every graded goal fails and every constraint
    holds; after the reference fix every goal is met."""
    ex = EXERCISES[name]
    lab = start(name, tag=tag)
    cleanup(lab)
    before = grade(lab, name, tag=tag)
    assert isinstance(before, float) and before == 0.0
    assert not any(v.ok for v in check(lab, ex.graded(tag)))
    assert check(lab, ex.constraints(tag)).passed
    solve(lab, name, tag=tag)
    after = grade(lab, name, tag=tag)
    every = goals(name, tag=tag, hidden=True)
    assert after == float(ex.points), check(lab, every).reasons  # which goal, and why
    assert grade(lab, name, tag=tag, points=2) == 2.0


def test_breaking_a_constraint_costs_a_point(tag, cleanup):
    """unanswered-at-home: the pings between a and b work as handed out (constraints);
    a fixed lab that breaks them loses one graded goal's worth per constraint broken."""
    ex = EXERCISES["unanswered-at-home"]
    assert len(ex.constraints()) == 2 and ex.points == 3
    lab = broken("unanswered-at-home", tag=tag)
    cleanup(lab)
    solve(lab, "unanswered-at-home", tag=tag)
    assert grade(lab, "unanswered-at-home", tag=tag) == 3.0
    n = exercises.names("unanswered-at-home", tag=tag)
    lab.set_down(n["b"], n["vb"])  # both pings between a and b now fail
    assert not check(lab, ex.constraints(tag)).passed
    # a's own address and 127.0.0.1 still answer: 3 graded goals met, 2 constraints broken
    assert grade(lab, "unanswered-at-home", tag=tag) == 1.0


def test_old_names_still_work(tag, cleanup):
    """A teacher's notebook written before the rename: broken("lo-down") is an alias."""
    assert exercises.exercise("lo-down") is EXERCISES["unanswered-at-home"]
    lab = broken("down-end", tag=tag)
    cleanup(lab)
    assert grade(lab, "down-end", tag=tag) == 0.0
    solve(lab, "down-end", tag=tag)
    assert grade(lab, "down-end", tag=tag) == float(EXERCISES["cannot-talk"].points)


def test_review_shows_only_verdicts_until_the_last_hint(tag, cleanup, monkeypatch):
    """The student's check cell is no oracle: no hidden goal, no reason, no fix, until
    the student has asked for every hint; then every goal, explained."""
    from nslab.exercises import _core, hints, review

    monkeypatch.delenv("NSLAB_GRADING", raising=False)
    monkeypatch.setattr(_core, "_REVEALED", set())
    lab = broken("cannot-talk", tag=tag)
    cleanup(lab)
    n = exercises.names("cannot-talk", tag=tag)
    shown = review(lab, "cannot-talk", tag=tag)
    text = str(shown)
    assert [v.goal for v in shown] == goals("cannot-talk", tag=tag)
    assert "lab.set_up" not in text and f"veth-b is up in {n['b']}" not in text
    assert "lab.set_up" not in shown._repr_html_()
    widget = hints("cannot-talk")
    while widget.reveal() is not None:
        pass
    explained = review(lab, "cannot-talk", tag=tag)
    assert f"veth-b is up in {n['b']}" in str(explained)
    assert f"lab.set_up('{n['b']}', 'veth-b')" in str(explained)
    monkeypatch.setattr(_core, "_REVEALED", set())
    monkeypatch.setenv("NSLAB_GRADING", "1")  # the grading kernel: the teacher's report
    assert f"lab.set_up('{n['b']}', 'veth-b')" in str(review(lab, "cannot-talk", tag=tag))


def test_grade_of_a_lab_that_is_gone_is_zero_not_an_error(tag, cleanup):
    lab = broken("cannot-talk", tag=tag)
    cleanup(lab)
    lab.reset()  # the student deleted everything
    assert grade(lab, "cannot-talk", tag=tag) == 0.0


@pytest.mark.parametrize("path", sorted(exercises.FOLDER.glob("[0-9][0-9]-*.toml")),
                         ids=lambda p: p.stem)
def test_every_exercise_file_passes_nslab_exercise_check(path):
    result = check_file(path)
    assert result.ok, str(result)
    assert "every goal is met" in str(result)


def test_check_file_fails_a_fault_that_breaks_nothing(tmp_path):
    """A teacher's mistake: the injected fault does not break any goal."""
    text = exercises.template("no-op", 1).replace(
        '{ do = "set_down", ns = "{b}", ifname = "{vb}" }',
        '{ do = "set_up", ns = "{b}", ifname = "{vb}" }',
    )
    path = tmp_path / "01-no-op.toml"
    path.write_text(text)
    result = check_file(path, tag="knoop")
    assert not result.ok
    assert "already meets every goal" in str(result)
    assert "never says" in str(result)  # its expect is not in a report that has no ✘
    assert not {"knoop-a", "knoop-b"} & netns()


def test_check_file_refuses_a_graded_goal_that_already_holds(tmp_path):
    """Points only for work: a goal met as handed out would score an untouched lab."""
    own = '  { goal = "reachable", ns = "{a}", addr = "192.168.1.1" },\n'
    text = exercises.template("freebie", 1).replace("goals = [\n", "goals = [\n" + own, 1)
    path = tmp_path / "01-freebie.toml"
    path.write_text(text)
    result = check_file(path, tag="kfree")
    assert not result.ok
    assert 'already meets the graded goal "kfree-a can ping 192.168.1.1"' in str(result)
    assert "constraints = [...]" in str(result)
    assert not {"kfree-a", "kfree-b"} & netns()
    # moved to the constraints, the same goal is fine
    kept = exercises.template("freebie", 1).replace("# constraints = [", "constraints = [")
    path.write_text(kept)
    assert check_file(path, tag="kfree").ok


def test_cli_exercise_new_then_check(tmp_path, capsys):
    from nslab.cli import main

    assert main(["exercise", "new", "my-lab", "--dir", str(tmp_path)]) == 0
    written = tmp_path / "01-my-lab.toml"
    assert written.exists() and "wrote" in capsys.readouterr().out
    assert main(["exercise", "new", "my-lab", "--dir", str(tmp_path)]) == 1
    assert "exists already" in capsys.readouterr().err
    assert main(["exercise", "check", str(written)]) == 0
    assert "The exercise works" in capsys.readouterr().out
    bad = tmp_path / "02-bad.toml"
    bad.write_text(written.read_text().replace("number = 1", "number = 2")
                   .replace("hints =", "hintz ="))
    assert main(["exercise", "check", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "02-bad.toml, line" in err and "Did you mean 'hints'?" in err


def test_first_drawing_of_every_exercise_carries_no_mistake_mark(tag, cleanup, monkeypatch):
    from nslab.exercises import _core, drawing, hints

    monkeypatch.setattr(_core, "_REVEALED", set())
    for name in TROUBLE:
        lab = broken(name, tag=tag)
        cleanup(lab)
        assert "⚠" not in drawing(lab).pipe(format="svg").decode(), name
        if name == "cannot-talk":  # asked for before the last hint: held back, and said so
            held = drawing(lab, marks=True)
            assert "⚠" not in held.pipe(format="svg").decode()
            assert "they come with the last hint" in repr(held)
            widget = hints(name)
            while widget.reveal() is not None:
                pass
            assert "⚠" in drawing(lab, marks=True).pipe(format="svg").decode()
        lab.reset()

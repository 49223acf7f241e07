"""The real nbgrader on nslab's exercises, as an unprivileged grader, in the grading kernel.

A course directory is built in /var/tmp from notebooks/exercises/ (and the zh-CN ones when
they exist): `nbgrader generate_assignment` must accept every exercise and leave no solution
in the release; `nbgrader autograde` then grades, in the sandbox grading kernel, four
students of an assignment of every exercise: a fully solved, an untouched, a half-solved
and a hostile submission; `nbgrader export` writes the CSV. Points only for work: the
untouched release scores 0 in every exercise, the solved one full points, the half-solved
one (the first step of the reference fix, or a build exercise's first part) the points of
the goals that step meets, strictly between 0 and full where one step is not the whole fix.
Everything nbgrader runs, runs as a throw-away Unix user; root only creates the user, the
venv and one veth pair for the hostile student to aim at.

What this expects of the exercise notebooks (branch `exercises` makes them so): no literal
solution marker in any cell that is not a solution cell, and each code grade cell's only
execute_result is one number (the goals met, scaled to the cell's points); the full checklist
(one "✔/✘ goal" line per goal, the hidden ones too: the grading kernel sets NSLAB_GRADING)
printed by a later, ungraded cell.
`NSLAB_EXERCISES=DIR` points the test at another folder of exercise notebooks.
"""

from __future__ import annotations

import csv
import json
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path
from typing import Any

import nbformat
import pytest
from classroom_stage import REPO, as_user, chown_tree, run

from nslab import report
from nslab.exercises import exercise

pytestmark = pytest.mark.kernel

EXERCISES = Path(os.environ.get("NSLAB_EXERCISES", REPO / "notebooks" / "exercises"))
ZH_EXERCISES = REPO / "notebooks" / "zh-CN" / "exercises"
GRADED = sorted(p.name for p in EXERCISES.glob("*.ipynb"))  # every exercise, four students
# the first step of the reference fix is the whole fix (full points), or half of a
# replacement that leaves the address missing (0); elsewhere it earns part of the points
HALF_IS_FULL = {"cannot-talk", "unanswered-at-home", "across-a-router"}
HALF_IS_ZERO = {"no-reply"}
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS")
DUMMY = f"nslgrd{uuid.uuid4().hex[:6]}"  # a host veth the hostile student tries to delete

HOSTILE = f"""\
import os, signal, subprocess
for argv in (["ip", "link", "del", "{DUMMY}"], ["ip", "link", "del", "eth0"]):
    r = subprocess.run(argv, capture_output=True, text=True)
    print("HOSTILE", argv[-1], r.returncode)
for path in ("/etc/nslab-hostile", "/etc/hostname"):
    try:
        with open(path, "a") as f:
            f.write("owned")
        print("HOSTILE wrote", path)
    except OSError as exc:
        print("HOSTILE etc", type(exc).__name__)
try:
    os.kill(1, signal.SIGKILL)
    print("HOSTILE killed 1")
except OSError as exc:
    print("HOSTILE kill", type(exc).__name__)
written = 0
try:
    with open("/tmp/nslab-hostile-fill", "wb") as f:
        while written < 256 << 20:
            f.write(b"x" * (1 << 20))
            f.flush()
            written += 1 << 20
except OSError as exc:
    print("HOSTILE fill", type(exc).__name__)
print("HOSTILE filled MiB", written >> 20)
"""


def _cells(nb: Any) -> list[Any]:
    return list(nb.cells)


def _meta(cell: Any) -> dict[str, Any]:
    return dict(cell.get("metadata", {}).get("nbgrader", {}))


def _pre_merge_form(folder: Path) -> list[str]:
    """Notebooks still quoting nbgrader's markers in prose (before branch exercises' fix)."""
    bad = []
    for path in sorted(folder.glob("*.ipynb")):
        for cell in _cells(nbformat.read(path, as_version=4)):
            if not _meta(cell).get("solution") and any(m in cell.source for m in MARKERS):
                bad.append(path.name)
                break
    return bad


def _solution_text(cell: Any) -> str:
    """A teacher's solution cell without nbgrader's markers (what a good student writes)."""
    return "\n".join(line for line in cell.source.splitlines() if line.strip() not in MARKERS)


def _fill(release: Path, source: Path, answers: dict[str, str | None]) -> nbformat.NotebookNode:
    """The release notebook with solution cells filled: answers[grade_id] is the code to
    write (None: the teacher's solution; a missing id: left as released)."""
    teacher = {_meta(c).get("grade_id"): c for c in _cells(nbformat.read(source, as_version=4))}
    nb = nbformat.read(release, as_version=4)
    for cell in _cells(nb):
        gid = _meta(cell).get("grade_id")
        if _meta(cell).get("solution") and gid in answers:
            given = answers[gid]
            cell.source = _solution_text(teacher[gid]) if given is None else given
    return nb


def _half(path: Path) -> dict[str, str | None]:
    """A half-solved submission: a build exercise's first part (the teacher's solution),
    or the first step of a troubleshooting exercise's one solution cell."""
    code = [c for c in _cells(nbformat.read(path, as_version=4))
            if _meta(c).get("solution") and c.cell_type == "code"]  # not the written answer
    first = _meta(code[0])["grade_id"]
    if len(code) > 1:
        return {first: None}
    return {first: _solution_text(code[0]).strip().splitlines()[0]}


def _solution_ids(path: Path) -> list[str]:
    return [_meta(c)["grade_id"] for c in _cells(nbformat.read(path, as_version=4))
            if _meta(c).get("solution")]


def _auto_points(path: Path) -> float:
    return sum(float(_meta(c)["points"]) for c in _cells(nbformat.read(path, as_version=4))
               if _meta(c).get("grade") and c.cell_type == "code")


def _host_state() -> dict[str, Any]:
    etc = {p.name: p.stat().st_mtime_ns for p in Path("/etc").iterdir()}
    return {
        "dummy": run(["ip", "-br", "link", "show", "dev", DUMMY]).returncode == 0,
        "etc": etc,
        "pid1": Path("/proc/1/stat").read_text().split()[21],  # its start time
        "tmp_fill": Path("/tmp/nslab-hostile-fill").exists(),
    }


@pytest.fixture(scope="module", autouse=True)
def _fixed_form() -> None:
    bad = _pre_merge_form(EXERCISES)
    # nbgrader's ClearSolutions scans every cell and crashes on a quoted marker (issue 14)
    assert not bad, f"exercise notebooks quote nbgrader's markers in prose: {bad}"


@pytest.fixture(scope="module")
def course(_fixed_form: None, classroom_venv: Path, make_user: Any) -> dict[str, Any]:
    """Build, release, submit, autograde and export one nslab course, as a grader user."""
    if not EXERCISES.is_dir() or not sorted(EXERCISES.glob("*.ipynb")):
        pytest.fail(f"no exercise notebooks in {EXERCISES}")
    grader = make_user("grd")
    root = Path(tempfile.mkdtemp(prefix="nslab-course-", dir="/var/tmp"))
    try:
        shutil.copy(REPO / "deploy" / "nbgrader" / "nbgrader_config.py", root)
        sources = {"all": EXERCISES, "ps1": EXERCISES}
        if ZH_EXERCISES.is_dir():
            sources["all-zh"] = ZH_EXERCISES
        for assignment, folder in sources.items():
            dest = root / "source" / assignment
            dest.mkdir(parents=True)
            names = GRADED if assignment == "ps1" else [p.name for p in folder.glob("*.ipynb")]
            for name in names:
                shutil.copy(folder / name, dest / name)
        chown_tree(root, grader)
        venv = classroom_venv

        def nbgrader(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
            return as_user(grader, venv, ["nbgrader", *args], cwd=root, timeout=timeout)

        r = as_user(grader, venv, ["python", "-m", "nslab.report", "--install-kernel"])
        assert r.returncode == 0, r.stderr
        generated = {a: nbgrader("generate_assignment", a, "--force") for a in sources}

        # The submissions, written from the release as students would hand them in.
        rel = root / "release" / "ps1"
        src = root / "source" / "ps1"
        first = {name: _solution_ids(src / name)[0] for name in GRADED}
        subs: dict[str, dict[str, dict[str, str | None]]] = {
            "alice": {n: dict.fromkeys(_solution_ids(src / n)) for n in GRADED},  # solved
            "bob": {n: {} for n in GRADED},  # untouched
            "carol": {n: _half(src / n) for n in GRADED},  # half-solved
            "mallory": {GRADED[0]: {first[GRADED[0]]: HOSTILE}},  # hostile
        }
        if generated["ps1"].returncode == 0:
            for student, notebooks in subs.items():
                d = root / "submitted" / student / "ps1"
                d.mkdir(parents=True)
                for name, answers in notebooks.items():
                    nbformat.write(_fill(rel / name, src / name, answers), d / name)
            chown_tree(root / "submitted", grader)

        r = run(["ip", "link", "add", DUMMY, "type", "veth", "peer", "name", DUMMY + "p"])
        assert r.returncode == 0, r.stderr
        try:
            before = _host_state()
            autograde = nbgrader("autograde", "ps1", "--force", timeout=600)
            after = _host_state()
        finally:
            run(["ip", "link", "del", DUMMY])
        export = nbgrader("export", "--to", str(root / "grades.csv"))
        stray = run(["pgrep", "-u", grader.pw_name]).stdout.split()
        data = {"root": root, "grader": grader, "sources": sources, "generated": generated,
                "autograde": autograde, "export": export, "before": before, "after": after,
                "stray": stray}
        yield data
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _gradebook(root: Path) -> Any:
    from nbgrader.api import Gradebook

    return Gradebook(f"sqlite:///{root / 'gradebook.db'}")


def _score(root: Path, student: str, name: str) -> float:
    with _gradebook(root) as gb:
        return gb.find_submission_notebook(name.removesuffix(".ipynb"), "ps1", student).score


def test_every_exercise_survives_generate_assignment(course: dict[str, Any]) -> None:
    for assignment, result in course["generated"].items():
        assert result.returncode == 0, f"{assignment}:\n{result.stdout}\n{result.stderr}"
        released = sorted(p.name for p in (course["root"] / "release" / assignment).iterdir())
        assert released == sorted(p.name for p in course["sources"][assignment].glob("*.ipynb")
                                  if assignment != "ps1" or p.name in GRADED)


def test_release_has_no_solution_left(course: dict[str, Any]) -> None:
    root = course["root"]
    for assignment in course["sources"]:
        for path in sorted((root / "release" / assignment).glob("*.ipynb")):
            text = path.read_text()
            assert not any(m in text for m in MARKERS), path.name
            teacher = nbformat.read(root / "source" / assignment / path.name, as_version=4)
            for cell in _cells(teacher):
                if _meta(cell).get("solution"):
                    for line in _solution_text(cell).splitlines():
                        if len(line.strip()) > 12:  # a line of the answer, not a bracket
                            assert line.strip() not in text, (path.name, line)


def test_autograde_scores_full_empty_and_partial(course: dict[str, Any]) -> None:
    root, r = course["root"], course["autograde"]
    assert r.returncode == 0, r.stdout + r.stderr
    src = root / "source" / "ps1"
    full = {name: _auto_points(src / name) for name in GRADED}
    rows = list(report.collect(root))
    for name in GRADED:
        assert _score(root, "alice", name) == pytest.approx(full[name]), name
        assert _score(root, "bob", name) == 0, name  # points only for work
        # carol did the first step: the points of the graded goals it meets, minus one
        # per constraint it broke (the checklist her check cell printed says which)
        ex = exercise(re.sub(r"^\d+-|\.ipynb$", "", name))
        mine = {r.goal: r.met for r in rows if r.student == "carol" and r.exercise == ex.name}
        graded = [g.describe() for g in ex.graded()]
        kept = [g.describe() for g in ex.constraints()]
        assert set(graded + kept) <= set(mine), (name, mine)
        met = sum(mine[g] for g in graded) - sum(not mine[g] for g in kept)
        half = _score(root, "carol", name)
        assert half == pytest.approx(round(full[name] * max(0, met) / len(graded), 2)), name
        if ex.name in HALF_IS_FULL:
            assert half == pytest.approx(full[name]), name
        elif ex.name in HALF_IS_ZERO:
            assert half == 0, name
        else:
            assert 0 < half < full[name], (name, mine)


def test_export_writes_the_csv(course: dict[str, Any]) -> None:
    r = course["export"]
    assert r.returncode == 0, r.stdout + r.stderr
    with open(course["root"] / "grades.csv", newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert set(rows) >= {"alice", "bob", "carol", "mallory"}
    full = sum(_auto_points(course["root"] / "source" / "ps1" / n) for n in GRADED)
    assert float(rows["alice"]["score"]) == pytest.approx(full)
    assert float(rows["bob"]["score"]) == 0
    assert 0 < float(rows["carol"]["score"]) < full
    assert float(rows["mallory"]["score"]) == 0


def test_hostile_submission_changes_nothing_and_scores_zero(course: dict[str, Any]) -> None:
    root, before, after = course["root"], course["before"], course["after"]
    assert before["dummy"] and after["dummy"], "the host veth was deleted"
    assert after["etc"] == before["etc"], "the host's /etc changed"
    assert after["pid1"] == before["pid1"], "PID 1 was restarted"
    assert not after["tmp_fill"], "the submission wrote into the host's /tmp"
    assert course["stray"] == [], "a grading process outlived nbgrader"
    assert _score(root, "mallory", GRADED[0]) == 0
    graded = nbformat.read(root / "autograded" / "mallory" / "ps1" / GRADED[0], as_version=4)
    out = "".join(o.get("text", "") for c in _cells(graded) for o in c.get("outputs", [])
                  if o.get("output_type") == "stream")
    # It really tried, and each attempt failed inside the sandbox.
    assert f"HOSTILE {DUMMY} 1" in out and "HOSTILE eth0 1" in out, out
    assert "HOSTILE wrote" not in out and "HOSTILE etc PermissionError" in out, out
    assert "HOSTILE kill PermissionError" in out, out
    filled = int(re.search(r"HOSTILE filled MiB (\d+)", out).group(1))
    assert "HOSTILE fill OSError" in out and filled <= int(report.GRADING_TMP_SIZE[:-1]), out


def test_teachers_report_from_the_course(course: dict[str, Any]) -> None:
    root = course["root"]
    csv_path, html_path = report.report(root)
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    students = {r["student"] for r in rows}
    assert students == {"alice", "bob", "carol", "mallory"}
    alice = [r for r in rows if r["student"] == "alice"]
    assert alice and all(r["met"] == "yes" for r in alice)
    bob = [r for r in rows if r["student"] == "bob"]
    kept = {g.describe() for n in GRADED
            for g in exercise(re.sub(r"^\d+-|\.ipynb$", "", n)).constraints()}
    graded = [r for r in bob if r["goal"] not in kept]  # a constraint holds untouched
    assert graded and all(r["met"] == "no" and r["reason"] for r in graded)
    page = html_path.read_text()
    assert "4 students" in page and "Most common faults" in page
    json.dumps(rows)  # plain strings only
    owner = pwd.getpwuid(csv_path.stat().st_uid).pw_name
    assert owner == "root"  # written by the test process, not by the grader user

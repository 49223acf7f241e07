"""`nslab report` on autograded notebooks (no kernel: the committed exercise notebooks carry
real outputs of `check`), and its bad inputs: clear errors, nothing written."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from nslab import report
from nslab.exercises import goals

REPO = Path(__file__).resolve().parents[2]
EXERCISES = REPO / "notebooks" / "exercises"
NB = "02-cannot-talk.ipynb"


def _grade_cell(nb: dict) -> dict:
    return next(c for c in nb["cells"] if report._is_grade_code(c))


@pytest.fixture()
def course(tmp_path: Path) -> Path:
    """A course with a source and two autograded students: one solved, one not."""
    (tmp_path / "source" / "ps1").mkdir(parents=True)
    shutil.copy(EXERCISES / NB, tmp_path / "source" / "ps1" / NB)
    solved = json.loads((EXERCISES / NB).read_text())
    failed = json.loads((EXERCISES / NB).read_text())
    review = next(c for c in solved["cells"] if "".join(c["source"]).startswith("review("))
    review["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "".join(
        f"✔ {g.describe()}\n" for g in goals("cannot-talk", hidden=True))}]  # as graded
    cell = _grade_cell(failed)  # what an unfixed lab's grade cell shows
    cell["outputs"] = [{"output_type": "error", "ename": "AssertionError", "evalue": "",
                        "traceback": []},
                       {"output_type": "stream", "name": "stdout", "text":
                        "✘ veth-b is up in ex2-b\n    veth-b is DOWN — lab.set_up('ex2-b', "
                        "'veth-b')\n✔ veth-a is up in ex2-a\n"}]
    for student, nb in (("alice", solved), ("bob", failed)):
        d = tmp_path / "autograded" / student / "ps1"
        d.mkdir(parents=True)
        (d / NB).write_text(json.dumps(nb))
    return tmp_path


def test_rows_per_student_exercise_goal(course: Path) -> None:
    csv_path, html_path = report.report(course)
    assert csv_path == course / "nslab-report" / "goals.csv"
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    expected = [g.describe() for g in goals("cannot-talk", hidden=True)]
    assert [r["goal"] for r in rows if r["student"] == "alice"] == expected
    assert all(r["met"] == "yes" and r["exercise"] == "cannot-talk" for r in rows
               if r["student"] == "alice")
    bob = {r["goal"]: r for r in rows if r["student"] == "bob"}
    assert bob["veth-b is up in ex2-b"]["met"] == "no"
    assert "lab.set_up('ex2-b', 'veth-b')" in bob["veth-b is up in ex2-b"]["reason"]
    assert bob["veth-a is up in ex2-a"]["met"] == "yes"
    assert bob["veth-b is up in ex2-b"]["score"] == "0"  # an error scores the cell 0
    points = _grade_cell(json.loads((EXERCISES / NB).read_text()))["metadata"]["nbgrader"]
    assert rows[0]["max_score"] == f"{float(points['points']):g}"
    page = html_path.read_text()
    assert "2 students" in page and "1 of 2" in page and "veth-b is DOWN" in page


def test_partial_credit_is_read_as_nbgrader_reads_it() -> None:
    cell = {"metadata": {"nbgrader": {"points": 4}}, "outputs": [
        {"output_type": "execute_result", "data": {"text/plain": "2.5"}}]}
    assert report.grade_score(cell) == 2.5
    cell["outputs"].insert(0, {"output_type": "stream", "name": "stderr", "text": "warning"})
    assert report.grade_score(cell) == 0
    assert report.grade_score({"metadata": {"nbgrader": {"points": 4}}, "outputs": []}) == 4


def test_checklist_parsing() -> None:
    text = "✔ a is up\n✘ b can ping 1.2.3.4\n    no route\n    second\n2 of 3 goals met."
    assert report.checklist(text) == {"a is up": (True, []),
                                      "b can ping 1.2.3.4": (False, ["no route", "second"])}
    assert report.checklist("42") is None


def _unchanged_after_error(course: Path, match: str) -> None:
    out = course / "nslab-report"
    out.mkdir(exist_ok=True)
    (out / "goals.csv").write_text("the teacher's old report\n")
    with pytest.raises(report.ReportError, match=match):
        report.report(course)
    assert (out / "goals.csv").read_text() == "the teacher's old report\n"
    assert not (out / "summary.html").exists()


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(report.ReportError, match="is not a directory"):
        report.report(tmp_path / "nope")
    assert not (tmp_path / "nope").exists()


def test_course_without_autograded(tmp_path: Path) -> None:
    with pytest.raises(report.ReportError, match="no autograded/ folder"):
        report.report(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_course_without_the_exercises(tmp_path: Path) -> None:
    (tmp_path / "autograded" / "alice" / "ps1").mkdir(parents=True)
    _unchanged_after_error(tmp_path, "no autograded nslab exercise notebook")


def test_notebook_from_another_course(course: Path) -> None:
    other = course / "autograded" / "carol" / "hw3"
    other.mkdir(parents=True)
    (other / "01-pandas-basics.ipynb").write_text(json.dumps({"cells": []}))
    _unchanged_after_error(course, r"carol/hw3/01-pandas-basics.ipynb is not an nslab exercise")


def test_submission_with_a_deleted_grade_cell(course: Path) -> None:
    path = course / "autograded" / "bob" / "ps1" / NB
    nb = json.loads(path.read_text())
    gid = _grade_cell(nb)["metadata"]["nbgrader"]["grade_id"]
    nb["cells"] = [c for c in nb["cells"] if not report._is_grade_code(c)]
    path.write_text(json.dumps(nb))
    _unchanged_after_error(course, rf"bob/ps1/{NB} lacks the grade cell\(s\) {gid}")


def test_every_problem_at_once(course: Path) -> None:
    (course / "autograded" / "bob" / "ps1" / NB).write_text("{not json")
    (course / "autograded" / "alice" / "ps1" / "notes.ipynb").write_text("{}")
    with pytest.raises(report.ReportError) as err:
        report.collect(course)
    text = str(err.value)
    assert text.startswith("No report written: 2 problems to fix first:")
    assert "bob/ps1/02-cannot-talk.ipynb cannot be read" in text and "notes.ipynb" in text


def test_cli(course: Path, tmp_path: Path) -> None:
    cli = [sys.executable, "-m", "nslab.cli", "report"]
    r = subprocess.run([*cli, str(course), "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stderr
    assert "wrote" in r.stdout and (tmp_path / "out" / "summary.html").exists()
    r = subprocess.run([*cli, str(tmp_path / "missing")], capture_output=True, text=True,
                       check=False)
    assert r.returncode == 1 and "is not a directory" in r.stderr and not r.stdout


def test_grading_kernel_is_the_sandbox_with_a_private_tmp(tmp_path: Path) -> None:
    from nslab import sandbox

    spec = report.grading_kernelspec("/usr/bin/python3")
    base = sandbox.kernelspec("/usr/bin/python3")
    assert spec["argv"][:4] == ["unshare", "-Urnm", "sh", "-c"]
    assert spec["argv"][4].startswith("mount -t tmpfs -o size=64m tmpfs /tmp && ")
    assert spec["argv"][4].endswith(base["argv"][4])
    assert spec["env"] == base["env"] | {"TMPDIR": "/tmp", "NSLAB_GRADING": "1"}
    assert spec["metadata"]["nslab"]["transport"] == "ipc"
    dest = report.install_grading_kernelspec(tmp_path / "kernels")
    assert json.loads((dest / "kernel.json").read_text())["argv"][0] == "unshare"
    assert dest.name == report.GRADING_KERNEL

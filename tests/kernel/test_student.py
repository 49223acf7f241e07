"""Student versions (nbgrader's conventions), and the committed exercise notebooks.

(In tests/kernel: the last test runs the student versions, which needs root.)

- make_student / `nslab student`: solution regions become stubs, hidden tests and mark
  schemes go, outputs are cleared, no solution text survives;
- the committed teacher notebooks are the generator's, executed, with clean outputs;
- student versions "Run All" without error up to the first unsolved cell (root only).
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from nslab import exercises
from nslab.student import CODE_STUB, TEXT_STUB, StudentVersionError, main, make_student
from tests.conftest import needs_root

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / "notebooks" / "exercises"
TEACHER = sorted(FOLDER.glob("*.ipynb"))


def solution_cell(src: str, kind: str = "code") -> nbformat.NotebookNode:
    cell = new_code_cell(src) if kind == "code" else new_markdown_cell(src)
    cell.metadata["nbgrader"] = {"solution": True, "grade": False, "locked": False,
                                 "grade_id": f"c{uuid.uuid4().hex[:6]}", "schema_version": 3}
    return cell


def executed(src: str) -> nbformat.NotebookNode:
    cell = new_code_cell(src)
    cell.execution_count = 3
    cell.outputs = [new_output("execute_result", {"text/plain": "42"}, execution_count=3)]
    return cell


# ------------------------------------------------------------------ make_student


def test_code_region_becomes_the_nbgrader_stub_with_its_indent():
    nb = new_notebook(cells=[solution_cell(
        "def f(x):\n    ### BEGIN SOLUTION\n    return x + 1\n    ### END SOLUTION\nprint(f(1))"
    )])
    out = make_student(nb)
    assert out.cells[0].source == (
        "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\nprint(f(1))"
    )
    assert "### BEGIN SOLUTION" in nb.cells[0].source  # the teacher's copy is untouched


def test_markdown_region_becomes_your_answer_here():
    nb = new_notebook(cells=[solution_cell(
        "Answer:\n\n### BEGIN SOLUTION\nveth-b was DOWN.\n### END SOLUTION", "markdown"
    )])
    assert make_student(nb).cells[0].source == "Answer:\n\nYOUR ANSWER HERE"


def test_solution_cell_without_delimiters_is_replaced_whole():
    nb = new_notebook(cells=[solution_cell("lab.set_up('a', 'b')"),
                             solution_cell("It was DOWN.", "markdown")])
    out = make_student(nb)
    assert out.cells[0].source == CODE_STUB
    assert out.cells[1].source == TEXT_STUB


def test_unmarked_cells_keep_their_text_but_lose_regions_anyway():
    nb = new_notebook(cells=[new_code_cell("x = 1\n### BEGIN SOLUTION\nx = 2\n### END SOLUTION"),
                             new_code_cell("print('keep me')")])
    out = make_student(nb)
    assert out.cells[0].source == "x = 1\n" + CODE_STUB  # never leak, even if unmarked
    assert out.cells[1].source == "print('keep me')"


def test_hidden_tests_and_mark_schemes_are_removed():
    nb = new_notebook(cells=[
        new_code_cell("assert ok\n### BEGIN HIDDEN TESTS\nassert secret\n### END HIDDEN TESTS"),
        new_markdown_cell("Q?\n=== BEGIN MARK SCHEME ===\n2 points for DOWN\n"
                          "=== END MARK SCHEME ==="),
    ])
    out = make_student(nb)
    assert out.cells[0].source == "assert ok"
    assert out.cells[1].source == "Q?"


def test_outputs_and_counts_are_cleared():
    nb = new_notebook(cells=[executed("6 * 7")])
    nb.metadata["celltoolbar"] = "Create Assignment"
    out = make_student(nb)
    assert out.cells[0].outputs == [] and out.cells[0].execution_count is None
    assert "celltoolbar" not in out.metadata
    assert nb.cells[0].outputs  # the teacher's copy keeps its outputs


def test_source_given_as_a_list_of_lines():
    nb = new_notebook(cells=[solution_cell("")])
    nb.cells[0].source = ["a = 1\n", "### BEGIN SOLUTION\n", "a = 2\n", "### END SOLUTION"]
    assert make_student(nb).cells[0].source == "a = 1\n" + CODE_STUB


@pytest.mark.parametrize("src, words", [
    ("### BEGIN SOLUTION\nx = 1", "never closed"),
    ("x = 1\n### END SOLUTION", "without a matching BEGIN"),
    ("### BEGIN SOLUTION\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS\n### END SOLUTION",
     "begins inside"),
])
def test_broken_regions_are_errors_naming_the_cell(src, words):
    nb = new_notebook(cells=[new_markdown_cell("intro"), solution_cell(src)])
    with pytest.raises(StudentVersionError, match=words) as info:
        make_student(nb, name="ex.ipynb")
    assert "ex.ipynb, cell 1 (code)" in str(info.value)


# ------------------------------------------------------------------ the command line


def write_teacher(path: Path, *cells: nbformat.NotebookNode) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=list(cells)), path)
    return path


def test_main_writes_a_folder_of_student_versions(tmp_path, capsys):
    src = tmp_path / "teacher"
    write_teacher(src / "01-a.ipynb", solution_cell("### BEGIN SOLUTION\nsecret = 1\n"
                                                    "### END SOLUTION"))
    write_teacher(src / "sub" / "02-b.ipynb", executed("1 + 1"))
    write_teacher(src / ".ipynb_checkpoints" / "01-a-checkpoint.ipynb", executed("x"))
    assert main([str(src), str(tmp_path / "student")]) == 0
    written = sorted(p.relative_to(tmp_path / "student").as_posix()
                     for p in (tmp_path / "student").rglob("*.ipynb"))
    assert written == ["01-a.ipynb", "sub/02-b.ipynb"]
    assert "secret" not in (tmp_path / "student" / "01-a.ipynb").read_text()
    assert "wrote" in capsys.readouterr().out


def test_main_writes_one_notebook_into_a_folder_or_to_a_file(tmp_path):
    src = write_teacher(tmp_path / "t.ipynb", executed("1"))
    assert main([str(src), str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "t.ipynb").exists()
    assert main([str(src), str(tmp_path / "s.ipynb")]) == 0
    assert nbformat.read(tmp_path / "s.ipynb", as_version=4).cells[0].outputs == []


def test_main_refuses_to_overwrite_the_teacher_version(tmp_path, capsys):
    src = write_teacher(tmp_path / "t.ipynb", executed("1"))
    assert main([str(src), str(src)]) == 1
    assert main([str(tmp_path), str(tmp_path)]) == 1
    assert "is the teacher notebook itself" in capsys.readouterr().err
    assert nbformat.read(src, as_version=4).cells[0].outputs  # untouched


def test_main_writes_nothing_when_one_notebook_is_broken(tmp_path, capsys):
    src = tmp_path / "teacher"
    write_teacher(src / "01-ok.ipynb", executed("1"))
    write_teacher(src / "02-bad.ipynb", solution_cell("### BEGIN SOLUTION\nx = 1"))
    assert main([str(src), str(tmp_path / "student")]) == 1
    assert "never closed" in capsys.readouterr().err
    assert not (tmp_path / "student").exists()


def test_main_usage_and_missing_source(tmp_path, capsys):
    assert main([]) == 2
    assert main(["only-one"]) == 2
    assert "usage: nslab student SRC DEST" in capsys.readouterr().err
    assert main([str(tmp_path / "nope"), str(tmp_path / "out")]) == 1
    assert main([str(tmp_path), str(tmp_path / "out")]) == 1  # a folder without notebooks
    assert "does not exist" in capsys.readouterr().err


def test_cli_dispatches_to_student(tmp_path):
    from nslab.cli import main as cli_main

    src = write_teacher(tmp_path / "t.ipynb", executed("1"))
    assert cli_main(["student", str(src), str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "t.ipynb").exists()


# ------------------------------------------------------------------ the exercise notebooks


def solution_lines(nb: nbformat.NotebookNode) -> list[str]:
    """Every non-blank line inside a solution region of the teacher notebook."""
    lines, inside = [], False
    for cell in nb.cells:
        for line in cell.source.split("\n"):
            bare = line.strip()
            if bare.endswith("BEGIN SOLUTION"):
                inside = True
            elif bare.endswith("END SOLUTION"):
                inside = False
            elif inside and bare:
                lines.append(bare)
    return lines


def test_there_are_enough_exercises():
    assert len(TEACHER) >= 6
    trouble = [ex for ex in exercises.EXERCISES.values() if ex.troubleshooting]
    assert len(trouble) >= 3
    assert any(len([r for r in ex.names if r in ("left", "router", "right")]) == 3
               for ex in exercises.EXERCISES.values())
    assert [p.name for p in TEACHER] == [ex.filename for ex in exercises.EXERCISES.values()]


@pytest.mark.parametrize("path", TEACHER, ids=lambda p: p.name)
def test_no_solution_text_survives(path):
    teacher = nbformat.read(path, as_version=4)
    secrets = solution_lines(teacher)
    assert secrets, "a teacher notebook without any solution"
    student = make_student(teacher, name=path.name)
    text = json.dumps(student)  # sources, metadata, everything that is handed out
    for line in secrets:
        assert line not in text, f"{line!r} survived in the student version of {path.name}"
    assert all(c.get("outputs", []) == [] for c in student.cells)
    assert CODE_STUB in "\n".join(c.source for c in student.cells)
    assert TEXT_STUB in "\n".join(c.source for c in student.cells)


@pytest.mark.parametrize("name", list(exercises.EXERCISES))
def test_committed_notebook_is_the_generators_and_was_run(name):
    ex = exercises.EXERCISES[name]
    committed = nbformat.read(FOLDER / ex.filename, as_version=4)
    fresh = exercises.notebook(name)
    assert [c.source for c in committed.cells] == [c.source for c in fresh.cells], (
        "regenerate: python -c \"from nslab.exercises import write_notebooks; "
        "write_notebooks('notebooks/exercises')\", then execute them"
    )
    code = [c for c in committed.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code), "execute the notebook (nbconvert --execute)"
    assert committed.cells[0].source.split("\n")[2] == "In this notebook you will:"
    assert "**Prerequisites:**" in committed.cells[0].source
    assert committed.cells[-2].source.startswith("## Summary")
    assert committed.cells[-1].source.startswith("## Self-check")
    assert "lab.reset()" in [c.source for c in code]
    graded = [c for c in code if c.metadata.get("nbgrader", {}).get("grade")]
    assert [c.source for c in graded] == [f'grade(lab, "{name}")']
    # nbgrader 0.9's partial credit: one execute_result, a number, nothing on stderr
    points = graded[0].metadata["nbgrader"]["points"]
    outputs = graded[0].outputs
    assert [o["output_type"] for o in outputs] == ["execute_result"], outputs
    assert float(outputs[0]["data"]["text/plain"]) == points  # the teacher version passes
    solutions = [c for c in committed.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert {c.cell_type for c in solutions} == {"code", "markdown"}
    assert len({c.metadata["nbgrader"]["grade_id"] for c in committed.cells
                if "nbgrader" in c.metadata}) == len(
        [c for c in committed.cells if "nbgrader" in c.metadata])


VOLATILE = {
    "MAC address": re.compile(r"\b([0-9a-f]{2}:){5}[0-9a-f]{2}\b"),
    "ifindex": re.compile(r"^\d+: ", re.M),  # `@ifN` is sanitized (tests/nbval-sanitize.cfg)
    "PID": re.compile(r"\bPID \d+|\bpid \d+"),
    "RTT": re.compile(r"time[=<][\d.]+ ?ms|rtt min"),
    "object address": re.compile(r"at 0x[0-9a-f]+"),
    "inode": re.compile(r"\binode \d+"),
}


@pytest.mark.parametrize("path", TEACHER, ids=lambda p: p.name)
def test_outputs_are_deterministic(path):
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        if "nbval-ignore-output" in cell.metadata.get("tags", []):
            continue  # e.g. `ip neigh`: its states follow the clock; nbval skips it too
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"code cell {i} of {path.name} failed"
            texts = [out.get("text", "")] + [
                v for k, v in out.get("data", {}).items()
                if k.startswith("text/") or k == "image/svg+xml"
            ]
            for text in texts:
                for what, pattern in VOLATILE.items():
                    assert not pattern.search(text), f"{what} in code cell {i} of {path.name}"


# ------------------------------------------------------------------ student "Run All"


def retag(source: str, ex: exercises.Exercise, tag: str) -> str:
    """The student's code under another tag, so this run never meets a teacher run."""
    source = re.sub(rf"\b{ex.tag}-", f"{tag}-", source)
    source = source.replace(f'Lab("{ex.tag}")', f'Lab("{tag}")')
    for verb in ("broken(", "goals(", "hints(", "grade(lab, "):
        source = re.sub(rf'\b{re.escape(verb)}"{ex.name}"', f'{verb}"{ex.name}", tag="{tag}"',
                        source)
    return source


@needs_root
@pytest.mark.kernel
@pytest.mark.parametrize("name", list(exercises.EXERCISES))
def test_student_version_runs_until_the_first_unsolved_cell(name):
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    ex = exercises.EXERCISES[name]
    tag = "s" + uuid.uuid4().hex[:4]
    student = make_student(nbformat.read(FOLDER / ex.filename, as_version=4))
    for cell in student.cells:
        if cell.cell_type == "code":
            cell.source = retag(cell.source, ex, tag)
    first_stub = next(i for i, c in enumerate(student.cells)
                      if c.cell_type == "code" and "raise NotImplementedError()" in c.source)
    client = NotebookClient(student, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": str(FOLDER)}})
    failed = None
    with client.setup_kernel():
        try:
            for index, cell in enumerate(student.cells):
                if cell.cell_type != "code":
                    continue
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError as exc:
                    failed = (index, exc.ename)
                    break
        finally:  # whatever happened: remove what the run made, by its journal
            student.cells.append(new_code_cell(
                f"from nslab import Lab as _L\n_l = _L({tag!r})\n_l.reset()\n_l.journal.delete()"
            ))
            client.execute_cell(student.cells[-1], len(student.cells) - 1)
    assert failed == (first_stub, "NotImplementedError"), failed

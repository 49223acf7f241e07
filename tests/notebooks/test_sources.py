"""Every notebook is written from its text, and carries the outputs of its last real run.

No kernel needed: these read course/, the committed notebooks and the writer (tools/course.py).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0*.ipynb"))
EVERY = sorted((ROOT / "notebooks").rglob("*.ipynb"))


def _tool(name: str):
    if name in sys.modules:
        return sys.modules[name]
    sys.path.insert(0, str(ROOT / "tools"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


course = _tool("course")
make = _tool("make_notebooks")


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def test_every_tutorial_notebook_has_its_text():
    assert [course.notebook_path(t).name for t in course.tutorials()] == [
        p.name for p in NOTEBOOKS]
    for text in course.tutorials():
        assert text.read_text().startswith("---\njupytext:"), text  # a MyST notebook
        assert course.notebook_path(text, "zh_CN").exists(), text


def test_committed_cells_are_what_the_texts_give():
    assert make.stale() == [], (
        "run `make notebooks-prose` (prose only) or `flock /tmp/nslab-kernel.lock make "
        "notebooks`, and commit the notebooks")


@pytest.mark.parametrize("path", EVERY, ids=[str(p.relative_to(ROOT / "notebooks"))
                                             for p in EVERY])
def test_outputs_are_those_of_the_last_real_run(path: Path):
    nb = _read(path)
    stamped = nb.metadata.get("nslab", {}).get("run")
    assert stamped, f"{path.relative_to(ROOT)} carries no run: execute it (`make notebooks`)"
    assert course.run_digest(nb) == stamped, (
        f"{path.relative_to(ROOT)}: its code or outputs are not those of its last real run")


def test_one_kernel_for_every_notebook():
    assert {_read(p).metadata["kernelspec"]["name"] for p in EVERY} == {"python3"}
    assert all(_read(p).metadata["kernelspec"] == course.KERNELSPEC for p in EVERY)


# -- the prose-only build --------------------------------------------------------------------
def _copy_text(tmp_path: Path, change) -> Path:
    text = course.tutorials()[2]  # 02-ip-netns
    out = tmp_path / text.name
    out.write_text(change(text.read_text()))
    return out


def test_a_prose_fix_keeps_the_outputs_of_the_last_run(tmp_path):
    text = course.tutorials()[2]
    fixed = _copy_text(tmp_path, lambda s: s.replace("the kernel freed the namespace",
                                                     "the kernel released the namespace"))
    last = _read(course.notebook_path(text))
    nb, _ = course.build(fixed)
    course.keep_outputs(nb, last, "test")
    assert course.run_digest(nb) == course.run_digest(last)
    assert nb.metadata["nslab"]["run"] == last.metadata["nslab"]["run"]
    pairs = zip(nb.cells, last.cells, strict=True)
    changed = [(a.source, b.source) for a, b in pairs if a.source != b.source]
    assert len(changed) == 1 and "released" in changed[0][0]
    for a, b in zip(nb.cells, last.cells, strict=True):
        if a.cell_type == "code":
            assert a.outputs == b.outputs


def test_a_code_change_needs_a_real_run(tmp_path):
    text = course.tutorials()[2]
    changed = _copy_text(tmp_path, lambda s: s.replace('lab.delete_netns("web")\n',
                                                       'lab.delete_netns("test2")\n', 1))
    nb, _ = course.build(changed)
    with pytest.raises(course.CourseError, match=r"code cell \d+ .*delete_netns.*make notebooks"):
        course.keep_outputs(nb, _read(course.notebook_path(text)), "course/02-ip-netns.md")


def test_one_changed_sentence_reopens_one_paragraph():
    text = course.tutorials()[3].read_text()  # 03-veth-pair
    before = course.messages(text)
    after = course.messages(text.replace("a link lives in exactly one namespace",
                                         "a link lives in one namespace only"))
    assert len(before) == len(after)
    assert sum(a != b for a, b in zip(before, after, strict=True)) == 1


def test_paragraphs_lists_and_fences():
    text = ("# Title\n\nOne paragraph\non two lines.\n\n- item one\n- item two\n\n"
            "```bash\nip link\n```\n\n1. Question?\n\n   <details><summary>Answer</summary>\n\n"
            "   Yes.\n\n   </details>")
    assert course.messages(text) == ["# Title", "One paragraph\non two lines.", "item one",
                                     "item two", "Question?",
                                     "<details><summary>Answer</summary>", "Yes."]
    table = {m: f"T:{m}" for m in course.messages(text)}
    out = course.translate_text(text, table.get)
    assert "- T:item one\n- T:item two" in out and "   T:Yes." in out
    assert "```bash\nip link\n```" in out and "   </details>" in out  # kept verbatim


def test_untranslated_paragraphs_stay_english_and_are_reported():
    nb, missing = course.build(course.tutorials()[0], "zh_CN", translations={})
    en, _ = course.build(course.tutorials()[0])
    assert missing and all(m in "\n".join(c.source for c in en.cells) for m in missing)
    assert course.code_cells(nb) == course.code_cells(en)


def test_a_translation_that_drops_a_marker_is_refused():
    text = "### BEGIN SOLUTION\nThe answer.\n### END SOLUTION"
    [message] = course.messages(text)
    with pytest.raises(course.CourseError, match="BEGIN SOLUTION"):
        course.translate_text(text, {message: "答案：去掉了标记"}.get)


def test_an_unknown_step_names_itself(tmp_path):
    bad = _copy_text(tmp_path, lambda s: s.replace("```{step} S6", "```{step} S66"))
    with pytest.raises(course.CourseError, match="no step S66"):
        course.build(bad)


# -- the shape of a tutorial -----------------------------------------------------------------
def test_step_cells_come_from_the_library():
    from nslab.steps import ARTICLE

    cells = [c for p in NOTEBOOKS for c in _read(p).cells]
    text = "\n".join(c.source for c in cells)
    for sid, step in ARTICLE.items():
        assert f"## {sid} · {step.title}\n\n{step.intro}" in text, sid
        assert f"```bash\n{step.command}\n```" in text, sid
        assert step.explained_markdown() in text, sid
        for c in step.calls:
            assert course.python_call(c) in text, (sid, c)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_ends_with_a_summary_and_a_self_check(path: Path):
    cells = _read(path).cells
    assert cells[-2].cell_type == cells[-1].cell_type == "markdown"
    assert cells[-2].source.startswith("## Summary\n")
    quiz = cells[-1].source
    assert quiz.startswith("## Self-check\n")
    questions = re.findall(r"^\d+\. ", quiz, re.M)
    assert 3 <= len(questions) <= 5
    assert quiz.count("<details>") == len(questions), "every answer is collapsed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_prediction_has_its_answer_after_the_cell(path: Path):
    cells = _read(path).cells
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown" and cell.source.startswith("> **Predict:**"):
            assert cells[i + 1].cell_type == "code", f"cell {i}: a prompt precedes a cell"
            later = [c.source for c in cells[i + 1:i + 4] if c.cell_type == "markdown"]
            assert any(s.startswith("<details><summary>Answer") for s in later), f"cell {i}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_test_markers_stay_out_of_the_code_students_read(path: Path):
    for cell in _read(path).cells:
        if cell.cell_type == "code":
            assert "NBVAL" not in cell.source
            assert "(this cell shows a mistake on purpose)" not in cell.source
            assert not course.CODE_LINE.match(cell.source.splitlines()[0] if cell.source else "")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_object_reprs_in_outputs(path: Path):
    for i, cell in enumerate(_read(path).cells):
        for out in cell.get("outputs", []):
            text = out.get("text", "") + out.get("data", {}).get("text/plain", "")
            assert not re.search(r"<[^<>]* at 0x[0-9a-f]+>", text), f"cell {i}: {text[:80]}"


def test_every_step_of_the_article_is_in_a_notebook_in_order():
    text = "\n".join(c.source for p in NOTEBOOKS for c in _read(p).cells)
    found = [int(m) for m in re.findall(r"^## S(\d+) · ", text, re.M)]
    assert found == list(range(1, 20))


def test_the_runner_reads_the_same_step_data():
    from nslab import steps, tutorial
    from nslab.messages import CATALOGUE

    assert tutorial.ARTICLE is steps.ARTICLE and tutorial.VETH is steps.VETH
    assert list(tutorial.IP_NETNS) == ["S6", "S7", "S8", "S9", "S10", "S11"]
    for step in steps.ARTICLE.values():
        for key in (step.title_key, step.explain_key, step.makes_key, step.intro_key,
                    step.answer_key):
            assert key is None or key in CATALOGUE, key
    assert steps.MAKES["S8"] == "namespaces test1 and test2"
    assert "S9" not in steps.MAKES


def test_the_build_is_deterministic_and_leaves_the_text_alone():
    text = course.tutorials()[0]
    before = text.read_bytes()
    first, _ = course.build(text, "zh_CN")
    second, _ = course.build(text, "zh_CN")
    assert text.read_bytes() == before
    assert nbformat.writes(first) == nbformat.writes(second)  # ids included: small diffs


def test_an_ip_cell_types_the_article_command_and_shows_its_python():
    cell = course.expand_code("{ip S15 1}\nip netns exec test2 ip a")
    assert cell.split("\n") == [
        "%%ip",
        "ip netns exec test2 ip addr add 192.168.1.2/24 dev veth-test2",
        "ip netns exec test2 ip a",
        '# Python: lab.add_addr("test2", "veth-test2", "192.168.1.2/24")',
        '# Python: lab.exec("test2", "ip a")',
    ]
    with pytest.raises(course.CourseError):
        course.expand_code("{ip S6 0}\nlab.show()")


# -- the exercises: the same writer ----------------------------------------------------------
EXERCISE_TEXTS = sorted((ROOT / "course" / "exercises").glob("*.md"))


def test_every_exercise_notebook_has_its_text():
    from nslab.exercises import EXERCISES

    assert [t.stem for t in course.exercise_texts()] == [
        p.stem for p in sorted((ROOT / "notebooks" / "exercises").glob("*.ipynb"))]
    assert len(course.exercise_texts()) == len(EXERCISES)
    for text in course.exercise_texts():
        assert text.read_text().startswith("---\njupytext:"), text  # a MyST notebook
        books = [b for b in make.books([text.stem]) if b.exercise]
        assert [b.path.relative_to(ROOT).as_posix() for b in books] == [
            f"notebooks/exercises/{text.stem}.ipynb",
            f"notebooks/zh-CN/exercises/{text.stem}.ipynb"]


@pytest.mark.parametrize("text", EXERCISE_TEXTS, ids=[t.stem for t in EXERCISE_TEXTS])
def test_an_exercise_text_holds_prose_and_calls_its_data_comes_from_the_library(text: Path):
    """The solution, the goals, the points are the exercise file's: the text names them by
    placeholder, and nbgrader's metadata (ids, points) is written, never typed."""
    from nslab.exercises import code, exercise

    raw = text.read_text()
    name = course.exercise_name(text)
    ex = exercise(name)
    assert "{solution" in raw and "{goals}" in raw and "{grade}" in raw
    assert "BEGIN SOLUTION\nlab." not in raw and "grade_id" not in raw and "points" not in raw
    nb, _ = course.build_exercise(text)
    joined = "\n".join(c.source for c in nb.cells)
    assert code(ex.steps("fix")) in joined or all(
        code(ex.part_steps(i)) in joined for i in range(len(ex.spec.parts)))
    assert all(g.describe() in joined for g in ex.goal_list())
    meta = [c.metadata["nbgrader"] for c in nb.cells if "nbgrader" in c.metadata]
    assert [m["grade_id"] for m in meta] == [c.id for c in nb.cells if "nbgrader" in c.metadata]
    [grade] = [m for m in meta if m["locked"]]
    assert grade["points"] == ex.points and grade["grade"] and not grade["solution"]
    assert all(c.id == f"{ex.tag}-{i:02d}" for i, c in enumerate(nb.cells))


def _exercise_copy(tmp_path: Path, change) -> Path:
    text = course.exercise_texts()[0]  # 01-two-namespaces: a build exercise, three parts
    out = tmp_path / text.name
    out.write_text(change(text.read_text()))
    return out


def test_an_exercise_text_with_a_bad_placeholder_or_cell_kind_names_it(tmp_path):
    bad = _exercise_copy(tmp_path, lambda s: s.replace("{solution 3}", "{solution 9}", 1))
    with pytest.raises(course.CourseError, match=r"no part 9 .*has 3 parts.*\{solution N\}"):
        course.build_exercise(bad)
    bad = _exercise_copy(tmp_path, lambda s: s.replace(":nbgrader: grade", ":nbgrader: graded"))
    with pytest.raises(course.CourseError, match=r"nbgrader: 'graded'.*solution, answer, grade"):
        course.build_exercise(bad)
    stray = tmp_path / "99-nowhere.md"
    stray.write_text(course.exercise_texts()[0].read_text())
    with pytest.raises(course.CourseError, match=r"no exercise file 99-nowhere.toml"):
        course.build_exercise(stray)


def test_an_exercise_prose_fix_keeps_the_outputs_and_reopens_one_paragraph(tmp_path):
    text = course.exercise_texts()[1]  # 02-cannot-talk
    fixed = tmp_path / text.name
    fixed.write_text(text.read_text().replace("Change as little as you can.",
                                              "Change as little as possible."))
    last = _read(ROOT / "notebooks" / "exercises" / f"{text.stem}.ipynb")
    nb, _ = course.build_exercise(fixed)
    course.keep_outputs(nb, last, "test")
    assert course.run_digest(nb) == course.run_digest(last)
    changed = [a.source for a, b in zip(nb.cells, last.cells, strict=True)
               if a.source.rstrip("\n") != b.source.rstrip("\n")]
    assert len(changed) == 1 and "as possible" in changed[0]
    zh, missing = course.build_exercise(fixed, "zh_CN")
    assert missing == ["Fix the lab so that every goal is met. Change as little as possible."]
    assert course.code_cells(zh) == course.code_cells(nb)

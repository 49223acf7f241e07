"""Exercise files (no root): every shipped file validates; bad files name file, line, fix;
the notebooks written from them have nbgrader's form and no solution marker in prose."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from nslab import exercises
from nslab.checks import Reachable
from nslab.exercises import EXERCISES, ExerciseFileError, load, notebook, template
from nslab.snapshot import Snapshot

FILES = sorted(exercises.FOLDER.glob("[0-9][0-9]-*.toml"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_every_shipped_file_validates(path):
    spec = load(path)
    assert spec.name == path.stem[3:] and spec.number == int(path.stem[:2])
    assert spec.goals and spec.hints
    quiz = notebook(spec.name).cells[-1].source  # the prose is the notebook's text
    assert quiz.startswith("## Self-check") and quiz.count("<details>") >= 3
    assert exercises.goals(spec.name)  # the goals build from the file


def test_the_set_of_exercises():
    assert len(EXERCISES) >= 10
    trouble = [ex for ex in EXERCISES.values() if ex.troubleshooting]
    assert len([ex for ex in trouble if len(ex.spec.faults) >= 2]) >= 2
    for ex in trouble:  # visible goals are behavioural; structure is hidden
        assert all(isinstance(g, Reachable) for g in ex.goal_list()), ex.name
        assert ex.spec.hidden_goals and ex.spec.capture, ex.name


def test_no_python_is_executed_from_strings():
    for path in Path(exercises.__file__).parent.glob("*.py"):
        calls = [n.func.id for n in ast.walk(ast.parse(path.read_text()))
                 if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
        assert not {"exec", "eval", "compile"} & set(calls), path.name


def test_solution_is_lab_calls_and_a_missing_translation_falls_back():
    assert exercises.solution("down-end", tag="t1") == 'lab.set_up("t1-b", "veth-b")\n'
    assert exercises.text({"en": "hello"}, "zh_CN") == "hello"
    assert exercises.text({"en": "hello", "zh_CN": "你好"}, "zh_CN") == "你好"


def test_the_template_is_a_valid_exercise(tmp_path):
    path = tmp_path / "01-mine.toml"
    path.write_text(template("mine", 1))
    spec = load(path)
    assert spec.faults and spec.faults[0].inject


def _bad(tmp_path, old, new, name="01-mine.toml"):
    text = template("mine", int(name[:2]))
    assert old in text, old
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ExerciseFileError) as info:
        load(path)
    return str(info.value), path.read_text().split("\n")


@pytest.mark.parametrize("old, new, words, on_line", [
    ("hints =", "hint =", "There is no key 'hint' in the file. Fix the name. Did you mean "
     "'hints'?", "hint ="),
    ('cidr = "192.168.1.1/24"', 'cdir = "192.168.1.1/24"', "add_addr has no argument 'cdir'",
     "cdir"),
    ('"set_down"', '"set_dwn"', "Did you mean 'set_down'?", "set_dwn"),
    ('{ goal = "link_up", ns = "{b}", ifname = "{vb}" }',
     '{ goal = "link_up", ns = "{b}", ifname = "veth-c" }',
     "The interface 'veth-c' is never created by the steps of this file (they create: "
     "veth-a, veth-b)", "veth-c"),
    ('{ goal = "reachable", ns = "{a}", addr = "192.168.1.2" }',
     '{ goal = "reachable", ns = "{a}" }', "reachable needs the argument 'addr'", "reachable"),
    ('story = "`{a}`', 'story = "`{c}`', "{c} is not a role of [names]", "story"),
    ('title = "Two namespaces', 'title = Two namespaces', "This is not valid TOML", "title"),
    ('title = "Two namespaces that cannot talk"', 'title = { en = "A", fr = "B" }',
     "translation 'fr'", "title"),
    ("number = 1", "number = 4", "does not match the file name", "number"),
    ('{ do = "add_netns", name = "{b}" }', '{ do = "add_netns", name = "test2" }',
     "The namespace 'test2' has no {tag} in its name", "test2"),
])
def test_bad_files_name_the_file_the_line_and_the_fix(tmp_path, old, new, words, on_line):
    message, lines = _bad(tmp_path, old, new)
    assert message.startswith(f"{tmp_path / '01-mine.toml'}, line ")
    assert words in message, message
    line = int(message.split(", line ")[1].split(":")[0])
    assert on_line in lines[line - 1], (line, lines[line - 1])


def test_missing_key_and_bad_file_name(tmp_path):
    message, _ = _bad(tmp_path, "\ntitle =", "\n# title =")
    assert "has no 'title'" in message and "Add title = ..." in message
    path = tmp_path / "mine.toml"
    path.write_text(template("mine", 1))
    with pytest.raises(ExerciseFileError, match="Name it NN-name.toml"):
        load(path)
    with pytest.raises(ExerciseFileError, match="Cannot read the exercise file"):
        load(tmp_path / "02-none.toml")


def test_new_file_numbers_and_never_overwrites(tmp_path):
    from nslab.errors import AlreadyExists, InvalidName

    first = exercises.new_file("one", tmp_path)
    second = exercises.new_file("two", tmp_path)
    assert (first.name, second.name) == ("01-one.toml", "02-two.toml")
    before = first.read_text()
    with pytest.raises(AlreadyExists, match="nothing was written"):
        exercises.new_file("one", tmp_path)
    assert first.read_text() == before
    with pytest.raises(InvalidName, match="cannot name an exercise"):
        exercises.new_file("Bad Name", tmp_path)


# ------------------------------------------------------------------ the notebooks' form


@pytest.mark.parametrize("name", list(EXERCISES))
def test_notebook_form(name):
    nb = notebook(name)
    ex = EXERCISES[name]
    for cell in nb.cells:  # nbgrader's ClearSolutions scans every cell for its markers
        marked = cell.metadata.get("nbgrader", {}).get("solution")
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS"):
            if not marked:
                assert marker not in cell.source, (name, cell.source[:80])
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
              and c.cell_type == "code"]
    assert [c.source for c in graded] == [f'grade(lab, "{name}")']
    assert graded[0].metadata["nbgrader"]["points"] == ex.points
    assert graded[0].metadata["nbgrader"]["locked"]
    assert nb.cells[-2].source.startswith("## Summary")
    assert nb.cells[-1].source.startswith("## Self-check")
    assert nb.cells[-1].source.count("<details>") >= 3
    first_drawing = next(c for c in nb.cells if c.cell_type == "code" and "drawing(" in c.source
                         or c.source.strip() == "lab")
    assert "drawing(lab)" in first_drawing.source  # no mistake marks until a hint asks
    if ex.troubleshooting:
        sources = [c.source for c in nb.cells]
        for command in ("ip -br a", "ip route", "ip neigh"):
            assert f'toolkit(lab, "{command}")' in sources
        # the student chooses where to capture: blanks in the cell, the place in a hint
        assert 'listen(lab, ns="", ifname="", ping="")' in sources
        assert not any("lab.capture(" in s for s in sources)
        assert any("check(lab, goal, explain=False)" in s for s in sources)
        assert f'review(lab, "{name}")' in sources  # not check(..., hidden=True): no oracle
        assert not any("hidden=True" in s for s in sources if "check(" in s)
        items = exercises.hints(name).items
        if ex.spec.capture:
            assert items[-2].startswith("Listen where the fault shows: `listen(lab, ")


def test_grade_without_a_kernel_is_a_number():
    """On an empty snapshot every goal fails: the grade is 0.0, not an error."""
    assert exercises.grade(Snapshot(()), "down-end") == 0.0
    assert exercises.grade(object(), "down-end") == 0.0  # not even a lab: still a number


def test_a_teachers_folder_adds_exercises_without_python(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "42-my-own.toml").write_text(template("my-own", 42))
    env = dict(os.environ, NSLAB_EXERCISES=str(tmp_path))
    code = ("from nslab.exercises import EXERCISES, notebook; "
            "print(list(EXERCISES)[-1], len(notebook('my-own').cells))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0] == "my-own"
    (tmp_path / "43-cannot-talk.toml").write_text(template("cannot-talk", 43))  # a clash
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert "there is already an exercise 'cannot-talk'" in out.stderr
    (tmp_path / "43-cannot-talk.toml").unlink()
    # a teacher's own exercise called like a former name wins over the alias
    (tmp_path / "44-down-end.toml").write_text(template("down-end", 44))
    code = "from nslab.exercises import exercise; print(exercise('down-end').number)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.split() == ["44"], out.stderr


# ------------------------------------------------------------------ symptoms, not causes

OLD_NAMES = {"down-end": "cannot-talk", "left-in-host": "silent-neighbour",
             "wrong-prefix": "no-reply", "lo-down": "unanswered-at-home",
             "duplicate-address": "misleading-ping", "missing-route": "across-a-router",
             "down-and-prefix": "still-no-ping", "no-way-back": "router-no-answer"}
CAUSES = ("down", "lo ", "lo-", "prefix", "duplicate", "missing", "left in", "way back",
          "carrier", "127.0.0.1", "forgot", "knows the way", "stopped")


@pytest.mark.parametrize("name", [n for n, e in EXERCISES.items() if e.troubleshooting])
def test_a_troubleshooting_exercise_names_its_symptom_not_its_cause(name):
    ex = EXERCISES[name]
    cells = notebook(name).cells  # the heading and "you will" list, then the lab's story
    story = cells[2].source.split("\n\n")[1]
    said = " ".join([name, cells[0].source.split("**Prerequisites:**")[0], story]).lower()
    assert not [w for w in CAUSES if w in said], said
    for lang in ("zh_CN",):  # the Chinese title exists and is not the English one
        assert exercises.text(ex.spec.title, lang) != exercises.text(ex.spec.title, "en")


def test_old_names_are_aliases():
    assert exercises.ALIASES == OLD_NAMES
    for old, new in OLD_NAMES.items():
        assert exercises.exercise(old) is EXERCISES[new]
        assert exercises.goals(old, tag="t1") == exercises.goals(new, tag="t1")


def test_bad_aliases_name_the_line_and_the_fix(tmp_path):
    message, lines = _bad(tmp_path, "number = 1\n", 'number = 1\naliases = ["Old Name"]\n')
    assert "aliases" in message and "lowercase letters" in message


def test_review_is_no_oracle_until_the_last_hint(monkeypatch):
    """Judged on an empty snapshot (no kernel): only the goals a student sees, ✔/✘ and no
    fix, until every hint is out; then every goal, hidden ones too, with its fix."""
    from nslab.exercises import _core

    monkeypatch.delenv("NSLAB_GRADING", raising=False)
    monkeypatch.setattr(_core, "_REVEALED", set())
    empty = Snapshot(())
    shown = exercises.review(empty, "cannot-talk")
    assert [v.goal for v in shown] == exercises.goals("cannot-talk")
    assert not shown.explain and "Fix:" not in str(shown) and "lab." not in str(shown)
    widget = exercises.hints("cannot-talk")
    assert widget.items[-1].startswith("Still stuck? From now on the check cell explains")
    while widget.reveal() is not None:
        pass
    full = exercises.review(empty, "cannot-talk")
    assert [v.goal for v in full] == exercises.goals("cannot-talk", hidden=True)
    assert full.explain and "lab.add_netns" in str(full)


def test_points_count_graded_goals_only():
    for ex in EXERCISES.values():
        assert ex.points == len(ex.spec.goals) + len(ex.spec.hidden_goals)
        assert not set(ex.graded()) & set(ex.constraints()), ex.name
    home = EXERCISES["unanswered-at-home"]
    assert [g.describe() for g in home.constraints()] == [
        "ex5-a can ping 192.168.1.2", "ex5-b can ping 192.168.1.1"]
    text = "\n".join(c.source for c in notebook("unanswered-at-home").cells)
    assert "ex5-a can ping 192.168.1.2 (it holds already: keep it so)" in text
    assert "breaking it costs a point" in text


def test_the_hints_button_stays_enabled_and_says_when_all_are_out():
    """A disabled button drops the keyboard focus (WCAG 2.4.3): after the last hint it stays
    enabled, says so, and a further click announces it in the live region (tests/browser/
    test_exercise_hints.py presses the keys in a real JupyterLab)."""
    from nslab.exercises import Hints

    widget = Hints(["First.", "Second `x`."])
    assert widget.button.description == "Show a hint (1 of 2)"
    assert widget.reveal() == "First." and widget.button.description == "Show a hint (2 of 2)"
    assert widget.reveal() == "Second `x`."
    assert widget.button.description == "No more hints" and not widget.button.disabled
    assert "nslab-hints-done" in widget.button._dom_classes
    assert "No more hints" not in widget.text.value
    assert widget.reveal() is None and not widget.button.disabled
    live = widget.text.value
    assert live.startswith("<div role='status' aria-live='polite'>"), live
    assert live.count("Hint 1.") == 1 and "<code>x</code>" in live
    assert "No more hints: all 2 are shown above." in live
    one = Hints(["Only."])
    one.reveal()
    one.reveal()
    assert "No more hints: the only one is shown above." in one.text.value


# ------------------------------------------------------------------ one translation channel


def test_the_kits_exercise_files_hold_english_only():
    """Their translations live in the course's catalogue (notebooks.po), like the tutorials'
    paragraphs: a translator edits one kind of file."""
    for ex in EXERCISES.values():
        if ex.spec.path.parent != exercises.FOLDER:
            continue
        raw = ex.spec.path.read_text(encoding="utf-8")
        assert "zh_CN =" not in raw and not re.search(r"[\u4e00-\u9fff]", raw), ex.spec.path.name
        prose = re.findall(r"^(learn|prerequisites|story|question|answer|lesson|selfcheck|task)"
                           r" *=", raw, re.M)
        assert not prose, f"{ex.spec.path.name}: {prose} belong in course/exercises/"


def test_the_hints_and_titles_are_translated_in_the_course_catalogue():
    from babel.messages.pofile import read_po

    from nslab import i18n

    po = i18n.LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "notebooks.po"
    with po.open("rb") as f:
        table = {m.id: m.string for m in read_po(f) if m.id and m.string and not m.fuzzy}
    with (i18n.LOCALE_DIR / "notebooks.pot").open("rb") as f:
        template = {m.id for m in read_po(f) if m.id}
    for ex in EXERCISES.values():
        for english in ex.runtime_texts():
            assert english in template, f"{english!r} is not in notebooks.pot: make messages"
            assert table.get(english), f"{english!r} has no zh_CN translation in {po.name}"
            assert exercises.text({"en": english}, "zh_CN") == table[english]
    i18n.set_language("zh_CN")
    try:
        items = exercises.hints("across-a-router").items
        ex = EXERCISES["across-a-router"]
        first = table[ex.spec.hints[0]["en"]].format(**ex.names_for())
        assert items[0] == first and "ex7-left" in first, items
        assert exercises.text(ex.spec.title) == "隔着路由器互不相通的两个子网"
    finally:
        i18n.set_language(None)
    assert exercises.text(ex.spec.title, "en") == ex.spec.title["en"]


def test_a_teachers_file_may_still_carry_its_translation_inline():
    assert exercises.text({"en": "Two faults", "zh_CN": "两处故障"}, "zh_CN") == "两处故障"
    assert exercises.text({"en": "Not in any catalogue"}, "zh_CN") == "Not in any catalogue"


def test_a_file_without_a_text_gets_its_notebook_from_its_prose_or_says_what_is_missing(
        tmp_path, monkeypatch):
    """The kit's exercises have their text in course/exercises/; a teacher's own file has
    its prose (the template's) or a text beside it, NN-name.md; with neither, a clear error."""
    import jupytext

    from nslab.errors import NotFound
    from nslab.exercises import _core, _notebook

    mine = tmp_path / "44-mine.toml"
    mine.write_text(template("mine", 44))
    spec = load(mine)
    monkeypatch.setitem(_core.EXERCISES, "mine", _core.Exercise(spec))
    nb = notebook("mine")
    assert nb.cells[0].source.startswith("# Troubleshooting exercise 44:")
    assert _notebook.text_path("mine") is None
    grade = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("locked")]
    assert grade[0].metadata["nbgrader"]["points"] == _core.Exercise(spec).points
    # a text beside the file wins
    text = _notebook.skeleton("mine")
    text.cells[0].source = "# My own words"
    (tmp_path / "44-mine.md").write_text(jupytext.writes(text, fmt="md:myst"))
    assert _notebook.text_path("mine") == tmp_path / "44-mine.md"
    assert notebook("mine").cells[0].source == "# My own words"
    # no prose and no text: nothing written, the error names the file and the fix
    (tmp_path / "44-mine.md").unlink()
    bare = tmp_path / "45-bare.toml"
    raw = mine.read_text().replace("number = 44", "number = 45")
    bare.write_text("\n".join(line for line in raw.split("\n")
                              if not line.startswith(("story =", "lesson ="))))
    monkeypatch.setitem(_core.EXERCISES, "bare", _core.Exercise(load(bare)))
    with pytest.raises(NotFound, match=r"45-bare.toml leaves out its prose.*45-bare.md"):
        notebook("bare")

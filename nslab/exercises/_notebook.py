"""An exercise's notebook (nbgrader's teacher form): its text with the exercise's data in it.

The prose and the cells of each of the kit's exercises are a MyST Markdown notebook,
course/exercises/NN-name.md, which tools/course.py writes into notebooks/exercises/ like the
tutorials (a teacher's own exercise may put NN-name.md beside its NN-name.toml). What the
exercise file (TOML) holds comes from the library, through these placeholders:

    {goals}                a markdown line: the goals a student sees, one bullet each
    {hidden}               in a paragraph: " The grade cell also checks N hidden goals ..."
    {grade}                a markdown line: the Grade section, with its points
    {topology}             a code line: the Lab calls that build the given part of the lab
    {solution} {solution 2}  a code line: the reference fix (or part 2's), between nbgrader's
                             ### BEGIN SOLUTION / ### END SOLUTION
    nbgrader: solution | answer | grade    a cell's metadata: nbgrader's full metadata
                                           (ids, points: one per graded goal)

Every cell gets the id TAG-NN (its position), which nbgrader's grade ids repeat. An exercise
file without a text still gets a notebook, written from its texts (`skeleton`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import NotFound
from ..messages import say, say_n
from ._core import EXERCISES, Exercise, code, exercise
from ._schema import ExerciseFileError

_KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
TOOLKIT = ("ip -br a", "ip route", "ip neigh")
VOLATILE = {"ip neigh"}  # neighbour states (REACHABLE, STALE...) follow the clock: not compared
# where the kit's exercise texts are, in a checkout (an installed nslab ships the notebooks)
TEXTS = Path(__file__).resolve().parents[2] / "course" / "exercises"
_NBGRADER = {  # the cell kinds of a text -> nbgrader's metadata (grade ids and points added)
    "solution": {"grade": False, "locked": False, "solution": True},
    "answer": {"grade": True, "locked": False, "solution": True, "points": 1},
    "grade": {"grade": True, "locked": True, "solution": False},
}
_CODE_LINE = re.compile(r"^\{(topology|solution)(?:[ \t]+(\d+))?\}$")


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


# ------------------------------------------------------------------ text -> notebook


def text_path(name: str) -> Path | None:
    """The text of exercise NAME: NN-name.md beside its file, else in course/exercises/."""
    ex = exercise(name)
    for path in (ex.spec.path.with_suffix(".md"), TEXTS / f"{ex.spec.path.stem}.md"):
        if path.exists():
            return path
    return None


def _code(ex: Exercise, source: str, where: str) -> str:
    lines: list[str] = []
    for line in source.split("\n"):
        m = _CODE_LINE.match(line.strip())
        if not m:
            lines.append(line)
            continue
        kind, part = m.groups()
        if kind == "topology":
            lines.append(code(ex.steps("topology")).rstrip("\n"))
            continue
        if part is None:
            steps = ex.steps("fix")
        elif 1 <= int(part) <= len(ex.spec.parts):
            steps = ex.part_steps(int(part) - 1)
        else:
            raise ExerciseFileError(say("classroom.nb.no_part", where=where, part=part,
                               parts=len(ex.spec.parts)))
        lines.append(f"### BEGIN SOLUTION\n{code(steps)}### END SOLUTION")
    return "\n".join(lines)


def _goals(ex: Exercise) -> str:
    kept = set(ex.constraints())
    return "\n".join("- " + (say("classroom.nb.kept", goal=g.describe()) if g in kept
                              else g.describe()) for g in ex.goal_list())


def _markdown(ex: Exercise, source: str) -> str:
    hidden = len(ex.spec.hidden_goals)
    grade = say_n("classroom.nb.grade", ex.points) + (
        say("classroom.nb.grade_kept") if ex.spec.constraints else "")
    out = []
    for line in source.split("\n"):
        if line.strip() == "{goals}":
            out.append(_goals(ex))
        elif line.strip() == "{grade}":
            out.append(grade)
        else:
            out.append(line.replace("{hidden}", say_n("classroom.nb.hidden", hidden)
                                    if hidden else ""))
    return "\n".join(out)


def fill_in(name: str, text: Any, where: str = "") -> Any:
    """The notebook TEXT (a MyST notebook read by jupytext, or `skeleton`) with exercise
    NAME's data in it: placeholders replaced, cell ids and nbgrader's metadata set."""
    import nbformat

    ex = exercise(name)
    where = where or ex.name
    cells = []
    for i, cell in enumerate(text.cells):
        cell_id = f"{ex.tag}-{i:02d}"
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(_code(ex, cell.source, where).rstrip("\n"))
        else:
            new = nbformat.v4.new_markdown_cell(_markdown(ex, cell.source))
        new["id"] = cell_id
        tags = cell.metadata.get("tags")
        if tags:
            new.metadata["tags"] = list(tags)
        kind = cell.metadata.get("nbgrader")
        if kind is not None:
            if kind not in _NBGRADER:
                raise ExerciseFileError(say("classroom.nb.bad_kind", where=where, cell=i + 1,
                                            kind=kind, known=", ".join(_NBGRADER)))
            meta: dict[str, Any] = {"grade": False, "locked": False, "solution": False,
                                    "schema_version": 3, "task": False, "grade_id": cell_id}
            meta.update(_NBGRADER[kind])
            if kind == "grade":
                meta["points"] = ex.points
            new.metadata["nbgrader"] = meta
        cells.append(new)
    book = nbformat.v4.new_notebook(cells=cells)
    book.metadata["kernelspec"] = dict(_KERNEL)
    book.metadata["language_info"] = {"name": "python"}
    return book


# ------------------------------------------------------------------ a text from the TOML


@dataclass
class _Cells:
    cells: list[Any] = field(default_factory=list)

    def md(self, source: str, kind: str = "") -> None:
        import nbformat

        self._add(nbformat.v4.new_markdown_cell(source), kind)

    def code(self, source: str, *, tags: Sequence[str] = (), kind: str = "") -> None:
        import nbformat

        cell = nbformat.v4.new_code_cell(source.rstrip("\n"))
        if tags:
            cell.metadata["tags"] = list(tags)
        self._add(cell, kind)

    def _add(self, cell: Any, kind: str) -> None:
        if kind:
            cell.metadata["nbgrader"] = kind
        self.cells.append(cell)


def _bullets(items: Sequence[str]) -> str:
    return "\n".join(f"- {x}" for x in items)


def _intro(ex: Exercise) -> str:
    spec = ex.spec
    prerequisites = spec.prerequisites or (
        {"en": say("classroom.nb.prereq_steps")}, {"en": say("classroom.nb.prereq_kernel")})
    key = "classroom.nb.intro_trouble" if ex.troubleshooting else "classroom.nb.intro_build"
    return say(key, number=ex.number, title=ex.fill(spec.title),
               learn=_bullets([ex.fill(x) for x in spec.learn]),
               prerequisites=_bullets([ex.fill(x) for x in prerequisites]))


def _selfcheck(ex: Exercise) -> str:
    items = "\n".join(
        say("classroom.nb.selfcheck_item", n=i, question=ex.fill(q), answer=ex.fill(a))
        for i, (q, a) in enumerate(ex.spec.selfcheck, 1)
    )
    return say("classroom.nb.selfcheck", items=items)


def skeleton(name: str) -> Any:
    """The text of an exercise written from the texts of its file, placeholders left in (how
    course/exercises/ began; what an exercise of a teacher's own with no text gets)."""
    import nbformat

    ex = exercise(name)
    spec, nb, f = ex.spec, _Cells(), ex.fill
    if not (spec.learn and spec.story and spec.question and spec.answer and spec.lesson):
        raise NotFound(say("classroom.nb.no_text", name=ex.name, file=str(spec.path),
                           text=f"{spec.path.stem}.md"))
    nb.md(_intro(ex))
    if ex.troubleshooting:
        nb.code("from nslab.checks import check\n"
                "from nslab.exercises import broken, drawing, goals, grade, hints, listen, "
                "review, toolkit")
        nb.md(say("classroom.nb.lab_trouble", story=f(spec.story), call=f"broken({_q(ex.name)})"))
        nb.code(f"lab = broken({_q(ex.name)})\ndrawing(lab)")
    else:
        nb.code("from nslab import Lab\nfrom nslab.checks import check\n"
                "from nslab.exercises import drawing, goals, grade, hints, review")
        nb.md(say("classroom.nb.lab_build", story=f(spec.story)))
        nb.code(f"lab = Lab({_q(ex.tag)})\n"
                "leftovers = lab.reset()  # start clean, if it ran before")
        if spec.topology:
            nb.md(say("classroom.nb.given"))
            nb.code("{topology}")
            nb.code("drawing(lab)")
    if ex.troubleshooting:
        nb.md(say("classroom.nb.goal_trouble", goals="{goals}", hidden="{hidden}"))
        nb.code(f"goal = goals({_q(ex.name)})\ncheck(lab, goal, explain=False)")
        nb.md(say("classroom.nb.toolkit"))
        for command in TOOLKIT:
            tags = ["nbval-ignore-output"] if command in VOLATILE else []
            nb.code(f"toolkit(lab, {_q(command)})", tags=tags)
        if spec.capture:  # the student chooses where (the place is a hint)
            nb.md(say("classroom.nb.listen"))
            nb.code('listen(lab, ns="", ifname="", ping="")')
    else:
        nb.md(say("classroom.nb.goal_build", goals="{goals}", hidden="{hidden}"))
        nb.code(f"goal = goals({_q(ex.name)})\ncheck(lab, goal)")
    nb.md(say("classroom.nb.hints_trouble") if ex.troubleshooting else say("classroom.nb.hints"))
    nb.code(f"hints({_q(ex.name)})")
    if ex.troubleshooting:
        task = f(spec.task) if spec.task else say("classroom.nb.task_fix")
        nb.md(say("classroom.nb.exercise", number=ex.number, task=task))
        nb.code("{solution}", kind="solution")
    else:
        for i, part in enumerate(spec.parts, 1):
            number = f"{ex.number}.{i}" if len(spec.parts) > 1 else f"{ex.number}"
            nb.md(say("classroom.nb.exercise", number=number, task=f(part.task)))
            nb.code(f"{{solution {i}}}", kind="solution")
            # The other end of a veth pair shows its new state a moment after `set_up`
            # (the kernel's linkwatch): such steps are drawn after the check, which waits.
            if part.draw:
                nb.code("drawing(lab)")
    nb.md(say("classroom.nb.check_trouble") if ex.troubleshooting else say("classroom.nb.check"))
    nb.code(f"review(lab, {_q(ex.name)})")
    nb.md(say("classroom.nb.drawing_marks_trouble") if ex.troubleshooting
          else say("classroom.nb.drawing_marks"))
    nb.code("drawing(lab, marks=True)")
    nb.md(say("classroom.nb.question", question=f(spec.question)))
    nb.md(f"### BEGIN SOLUTION\n{f(spec.answer)}\n### END SOLUTION", kind="answer")
    nb.md("{grade}")
    nb.code(f"grade(lab, {_q(ex.name)})", kind="grade")
    key = "classroom.nb.cleanup_trouble" if ex.troubleshooting else "classroom.nb.cleanup"
    nb.md(say(key))
    nb.code("lab.reset()")
    nb.md(say("classroom.nb.summary", lesson=f(spec.lesson)))
    nb.md(_selfcheck(ex))
    book = nbformat.v4.new_notebook(cells=nb.cells)
    book.metadata["kernelspec"] = dict(_KERNEL)
    return book


def notebook(name: str) -> Any:
    """The teacher version of an exercise notebook (nbformat v4, not yet executed): its text
    (`text_path`) with the exercise's data in it, or without a text, `skeleton`'s."""
    path = text_path(name)
    if path is None:
        return fill_in(name, skeleton(name))
    import jupytext

    return fill_in(name, jupytext.read(path, fmt="md:myst"), str(path))


def write_notebooks(
    folder: str | Path, *, run: bool = False, only: Sequence[str] = ()
) -> list[Path]:
    """Write the exercises' teacher notebooks into FOLDER (`only`: these exercises).

    run=True executes each one for real (needs root, or the sandbox kernel), so the
    written notebook carries the outputs that nbval compares.
    """
    import nbformat

    unknown = [name for name in only if name not in EXERCISES]
    if unknown:
        exercise(unknown[0])  # raises NotFound, with a did-you-mean
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for ex in EXERCISES.values():
        if only and ex.name not in only:
            continue
        book = notebook(ex.name)
        if run:
            from nbclient import NotebookClient

            NotebookClient(
                book, kernel_name="python3", timeout=600, record_timing=False,
                resources={"metadata": {"path": str(out)}},
            ).execute()
        path = out / ex.filename
        nbformat.write(book, path)
        written.append(path)
    return written

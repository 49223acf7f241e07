"""The teacher notebooks (nbgrader's form), written from the exercise files."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..messages import say, say_n
from ._core import EXERCISES, Exercise, code, exercise

_KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
TOOLKIT = ("ip -br a", "ip route", "ip neigh")
VOLATILE = {"ip neigh"}  # neighbour states (REACHABLE, STALE...) follow the clock: not compared


def _q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


@dataclass
class _Cells:
    ex: Exercise
    cells: list[Any] = field(default_factory=list)

    def md(self, source: str, **nbgrader: Any) -> None:
        import nbformat

        self._add(nbformat.v4.new_markdown_cell(source), nbgrader)

    def code(self, source: str, *, tags: Sequence[str] = (), **nbgrader: Any) -> None:
        import nbformat

        cell = nbformat.v4.new_code_cell(source.rstrip("\n"))
        if tags:
            cell.metadata["tags"] = list(tags)
        self._add(cell, nbgrader)

    def _add(self, cell: Any, nbgrader: dict[str, Any]) -> None:
        cell["id"] = f"{self.ex.tag}-{len(self.cells):02d}"
        if nbgrader:
            meta = {"grade": False, "locked": False, "solution": False, "schema_version": 3,
                    "task": False, "grade_id": cell["id"]}
            meta.update(nbgrader)
            cell.metadata["nbgrader"] = meta
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


def notebook(name: str) -> Any:
    """The teacher version of an exercise notebook (nbformat v4, not yet executed)."""
    import nbformat

    ex = exercise(name)
    spec, nb, f = ex.spec, _Cells(ex), ex.fill
    visible = ex.goal_list()
    kept = set(ex.constraints())
    hidden = len(ex.spec.hidden_goals)
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
            nb.code(code(ex.steps("topology")))
            nb.code("drawing(lab)")
    goal_list = _bullets([say("classroom.nb.kept", goal=g.describe()) if g in kept
                          else g.describe() for g in visible])
    hidden_note = say_n("classroom.nb.hidden", hidden) if hidden else ""
    if ex.troubleshooting:
        nb.md(say("classroom.nb.goal_trouble", goals=goal_list, hidden=hidden_note))
        nb.code(f"goal = goals({_q(ex.name)})\ncheck(lab, goal, explain=False)")
        nb.md(say("classroom.nb.toolkit"))
        for command in TOOLKIT:
            tags = ["nbval-ignore-output"] if command in VOLATILE else []
            nb.code(f"toolkit(lab, {_q(command)})", tags=tags)
        if spec.capture:  # the student chooses where (the place is a hint)
            nb.md(say("classroom.nb.listen"))
            nb.code('listen(lab, ns="", ifname="", ping="")')
    else:
        nb.md(say("classroom.nb.goal_build", goals=goal_list, hidden=hidden_note))
        nb.code(f"goal = goals({_q(ex.name)})\ncheck(lab, goal)")
    nb.md(say("classroom.nb.hints_trouble") if ex.troubleshooting else say("classroom.nb.hints"))
    nb.code(f"hints({_q(ex.name)})")
    if ex.troubleshooting:
        task = f(spec.task) if spec.task else say("classroom.nb.task_fix")
        nb.md(say("classroom.nb.exercise", number=ex.number, task=task))
        nb.code(f"### BEGIN SOLUTION\n{code(ex.steps('fix'))}### END SOLUTION", solution=True)
    else:
        for i, part in enumerate(spec.parts, 1):
            number = f"{ex.number}.{i}" if len(spec.parts) > 1 else f"{ex.number}"
            nb.md(say("classroom.nb.exercise", number=number, task=f(part.task)))
            steps = code(ex.part_steps(i - 1))
            nb.code(f"### BEGIN SOLUTION\n{steps}### END SOLUTION", solution=True)
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
    nb.md(f"### BEGIN SOLUTION\n{f(spec.answer)}\n### END SOLUTION", solution=True, grade=True,
          points=1)
    kept_note = say("classroom.nb.grade_kept") if kept else ""
    nb.md(say_n("classroom.nb.grade", ex.points) + kept_note)
    nb.code(f"grade(lab, {_q(ex.name)})", grade=True, locked=True, points=ex.points)
    key = "classroom.nb.cleanup_trouble" if ex.troubleshooting else "classroom.nb.cleanup"
    nb.md(say(key))
    nb.code("lab.reset()")
    nb.md(say("classroom.nb.summary", lesson=f(spec.lesson)))
    nb.md(_selfcheck(ex))
    book = nbformat.v4.new_notebook(cells=nb.cells)
    book.metadata["kernelspec"] = dict(_KERNEL)
    book.metadata["language_info"] = {"name": "python"}
    return book


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

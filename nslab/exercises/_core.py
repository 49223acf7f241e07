"""The exercises as objects, and the verbs notebooks call (re-exported by the package)."""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from .. import checks as c
from .. import i18n
from ..errors import InvalidName, NotFound, did_you_mean
from ..messages import say
from ._schema import ExerciseFileError, GoalSpec, Spec, Step, Text, load

if TYPE_CHECKING:
    from ..lab import Lab


FOLDER = Path(__file__).resolve().parent
Names = dict[str, str]


def text(value: Text, language: str | None = None) -> str:
    """VALUE in `language` (default: the one nslab speaks, see nslab.i18n), else in English."""
    return value.get(language or i18n.language().code) or value["en"]


class Exercise:
    """One exercise file, read and validated; every text is a template over its names."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.name, self.number = spec.name, spec.number

    def __repr__(self) -> str:
        return f"<Exercise {self.number}: {self.name}>"

    @property
    def troubleshooting(self) -> bool:
        return bool(self.spec.faults)

    @property
    def tag(self) -> str:
        return f"ex{self.number}"

    @property
    def filename(self) -> str:
        return f"{self.number:02d}-{self.name}.ipynb"

    @property
    def names(self) -> dict[str, str]:
        return dict(self.spec.names)

    def names_for(self, tag: str | None = None) -> Names:
        tag = self.tag if tag is None else tag
        if not isinstance(tag, str) or not re.fullmatch(r"[a-z][a-z0-9]{0,4}", tag):
            raise InvalidName(say("classroom.tag.bad", tag=tag))
        return {role: t.format(tag=tag) for role, t in self.spec.names.items()} | {"tag": tag}

    def fill(self, value: str | Text, tag: str | None = None) -> str:
        """A text of the exercise with its names filled in (in the language nslab speaks)."""
        raw = value if isinstance(value, str) else text(value)
        return raw.format(**self.names_for(tag))

    @property
    def expect(self) -> tuple[str, ...]:
        """What the check must report before the fix, one piece per fault (templates)."""
        return tuple(text(f.expect) for f in self.spec.faults)

    def steps(self, which: str, tag: str | None = None) -> list[Step]:
        """The steps, names filled in: "setup" (topology and faults), "fix", or "topology"."""
        if which == "topology":
            raw = list(self.spec.topology)
        elif which == "setup":
            raw = [*self.spec.topology, *(s for f in self.spec.faults for s in f.inject)]
        elif which == "fix":
            raw = [s for f in self.spec.faults for s in f.fix] or [
                s for p in self.spec.parts for s in p.solution]
        else:
            raise ValueError(f"no steps called {which!r}")
        n = self.names_for(tag)
        return [_fill_step(s, n) for s in raw]

    def part_steps(self, index: int, tag: str | None = None) -> list[Step]:
        """The solution steps of part INDEX (from 0) of a build exercise, names filled in."""
        n = self.names_for(tag)
        return [_fill_step(s, n) for s in self.spec.parts[index].solution]

    def goal_list(self, tag: str | None = None, *, hidden: bool = False) -> list[c.Goal]:
        n = self.names_for(tag)
        specs = [*self.spec.goals, *(self.spec.hidden_goals if hidden else ())]
        return [_goal(g, n) for g in specs]


def _fill(value: Any, names: Names) -> Any:
    return value.format(**names) if isinstance(value, str) else value


def _fill_step(step: Step, names: Names) -> Step:
    return Step(step.verb, tuple(_fill(a, names) for a in step.args),
                tuple((k, _fill(v, names)) for k, v in step.kwargs), step.line)


def _goal(spec: GoalSpec, names: Names) -> c.Goal:
    fields = {k: _fill(v, names) for k, v in spec.fields}
    return getattr(c, spec.kind)(**fields)


def code(steps: Iterable[Step]) -> str:
    """The steps as the Lab calls a student would type, one per line."""
    def lit(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False) if isinstance(v, str) else repr(v)
    lines = []
    for s in steps:
        args = [lit(a) for a in s.args] + [f"{k}={lit(v)}" for k, v in s.kwargs]
        lines.append(f"lab.{s.verb}({', '.join(args)})")
    return "".join(line + "\n" for line in lines)


def run(lab: Lab, steps: Iterable[Step]) -> None:
    """Call each step's Lab verb on LAB, in order (runs of simple verbs as one batch:
    `Lab.apply`)."""
    lab.apply([(s.verb, tuple(s.args), dict(s.kwargs)) for s in steps])


# ------------------------------------------------------------------ the exercises


def folders() -> list[Path]:
    """Where exercise files are read from: the kit's own, then $NSLAB_EXERCISES (a teacher's
    folders, separated by ":"), so a course adds labs without touching the package."""
    extra = [Path(p) for p in os.environ.get("NSLAB_EXERCISES", "").split(os.pathsep) if p]
    return [FOLDER, *extra]


def _load_all() -> dict[str, Exercise]:
    found: dict[str, Exercise] = {}
    for folder in folders():
        for path in sorted(folder.glob("[0-9][0-9]-*.toml")):
            ex = Exercise(load(path))
            if ex.name in found:
                raise ExerciseFileError(say("classroom.file.duplicate", file=str(path),
                                            name=ex.name, other=str(found[ex.name].spec.path)))
            found[ex.name] = ex
    return dict(sorted(found.items(), key=lambda item: item[1].number))


EXERCISES: dict[str, Exercise] = _load_all()


def exercise(name: str) -> Exercise:
    """The exercise called NAME (see EXERCISES)."""
    try:
        return EXERCISES[name]
    except (KeyError, TypeError):
        raise NotFound(say("classroom.exercise.missing", name=name,
                           hint=did_you_mean(str(name), EXERCISES),
                           known=", ".join(EXERCISES))) from None


def names(name: str, *, tag: str | None = None) -> Names:
    """The namespace and interface names of an exercise, e.g. {'a': 'ex2-a', ...}."""
    return exercise(name).names_for(tag)


def goals(name: str, *, tag: str | None = None, hidden: bool = False) -> list[c.Goal]:
    """The visible goals of an exercise (hidden=True: and its hidden, structural ones)."""
    return exercise(name).goal_list(tag, hidden=hidden)


def solution(name: str, *, tag: str | None = None) -> str:
    """The teacher's solution, as Lab calls on a `lab` variable."""
    return code(exercise(name).steps("fix", tag))


def start(name: str, *, tag: str | None = None) -> Lab:
    """A fresh lab for the exercise: empty, or as given (or as broken) as the exercise says."""
    from ..lab import Lab

    ex = exercise(name)
    lab = Lab(ex.names_for(tag)["tag"])
    lab.reset()
    setup = ex.steps("setup", tag)
    if setup:
        run(lab, setup)
        c.settled_snapshot(lab)  # so that the first drawing shows every link's final state
    lab.checkpoint("start")
    return lab


def broken(name: str, *, tag: str | None = None) -> Lab:
    """A lab with the exercise's faults in it, for a troubleshooting exercise.

    The lab is named after the exercise's tag ("ex2"); building it again starts over.
    `lab.restore("start")` rebuilds it as it was handed out.
    """
    ex = exercise(name)
    if not ex.troubleshooting:
        trouble = [e.name for e in EXERCISES.values() if e.troubleshooting]
        raise NotFound(say("classroom.exercise.not_broken", name=name,
                           trouble=", ".join(trouble), tag=ex.tag))
    lab = start(name, tag=tag)
    lab.transcript.clear()  # the student's transcript starts with the student's commands
    return lab


def solve(lab: Lab, name: str, *, tag: str | None = None) -> None:
    """Apply the teacher's reference fix to LAB (tests, and teachers in a hurry)."""
    run(lab, exercise(name).steps("fix", tag))


def grade(lab: Any, name: str, *, tag: str | None = None, points: float | None = None) -> float:
    """The grade cell's score: the goals met (visible and hidden), scaled to POINTS.

    Always a single number between 0 and POINTS (default: one point per goal), never an
    exception or a warning: nbgrader reads that number as partial credit. The check
    cell, not this, shows the student why.
    """
    ex = exercise(name)
    goal_list = ex.goal_list(tag, hidden=True)
    total = float(len(goal_list) if points is None else points)
    try:
        report = c.check(lab, goal_list)
        met = sum(v.ok for v in report)
    except Exception:  # noqa: BLE001 - a lab so broken it cannot be read scores 0
        met = 0
    return round(total * met / len(goal_list), 2)


class Drawing:
    """A lab's drawing that shows as SVG alone (no `<Graph at 0x...>` text beside it)."""

    def __init__(self, graph: Any, lab_name: str) -> None:
        self.graph, self.lab_name = graph, lab_name

    def __repr__(self) -> str:  # the text/plain beside the SVG, deterministic
        return say("classroom.drawing.text", name=self.lab_name)

    def __getattr__(self, name: str) -> Any:  # .source, .pipe(), .render() ...
        return getattr(self.graph, name)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        return self.graph._repr_mimebundle_(include, exclude)


def drawing(lab: Lab, *, marks: bool = False) -> Drawing:
    """The lab's drawing; without the kit's mistake marks unless MARKS (asked for as a hint)."""
    return Drawing(lab.draw(marks=marks), lab.name)


# ------------------------------------------------------------------ the toolkit


@dataclass(frozen=True)
class Survey:
    """One command run in every namespace of a lab: the outputs, side by side."""

    command: str
    outputs: tuple[tuple[str, str], ...]  # (namespace, what the command printed)

    def __str__(self) -> str:
        return "\n".join(f"$ ip netns exec {ns} {self.command}\n{out.rstrip()}"
                         for ns, out in self.outputs)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


def toolkit(lab: Lab, command: str) -> Survey:
    """COMMAND (e.g. "ip -br a", "ip route", "ip neigh") in every namespace of LAB."""
    outputs = []
    for ns in lab.owned_netns():
        result = lab.exec(ns, command)
        outputs.append((ns, result.stdout + result.stderr or say("classroom.toolkit.empty")))
    return Survey(command, tuple(outputs))


# ------------------------------------------------------------------ hints


def _hint_html(value: str) -> str:
    parts = re.split(r"(`[^`]+`)", value)
    return "".join(
        f"<code>{html.escape(p[1:-1])}</code>" if i % 2 else html.escape(p)
        for i, p in enumerate(parts)
    )


class Hints(widgets.VBox):
    """A button that reveals one hint per click, and the hints shown so far."""

    def __init__(self, items: Sequence[str]) -> None:
        button = widgets.Button(description="", icon="lightbulb-o")
        shown = widgets.HTML(value="")
        super().__init__(children=(button, shown))
        self.items = tuple(items)
        self.shown = 0
        self.button, self.text = button, shown
        button.on_click(lambda _b: self.reveal())
        self._label()

    def _label(self) -> None:
        left = len(self.items) - self.shown
        self.button.description = (
            say("classroom.hints.button", n=self.shown + 1, total=len(self.items)) if left
            else say("classroom.hints.none_left")
        )
        self.button.disabled = not left

    def reveal(self) -> str | None:
        """Show the next hint (what a click does). Returns it, or None when all are out."""
        if self.shown >= len(self.items):
            return None
        hint = self.items[self.shown]
        self.shown += 1
        self.text.value = "<div role='status' aria-live='polite'>" + "".join(  # announced
            say("classroom.hints.item", n=i + 1, text=_hint_html(h))
            for i, h in enumerate(self.items[: self.shown])
        ) + "</div>"
        self._label()
        return hint


def hints(items: str | Sequence[str], *, tag: str | None = None) -> Hints:
    """A widget that reveals one hint per click: of an exercise (by name), or of a list."""
    if isinstance(items, str):
        ex = exercise(items)
        items = [ex.fill(h, tag) for h in ex.spec.hints]
        if ex.troubleshooting:
            items.append(say("classroom.hints.marks"))
            items.append(say("classroom.hints.explain", name=ex.name))
    return Hints(items)


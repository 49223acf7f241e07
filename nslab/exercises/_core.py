"""The exercises as objects, and the verbs notebooks call (re-exported by the package)."""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from .. import checks as c
from .. import i18n
from ..errors import InvalidName, NotFound, did_you_mean
from ..messages import say, say_n
from ._schema import ExerciseFileError, GoalSpec, Spec, Step, Text, load

if TYPE_CHECKING:
    from ..lab import Lab


FOLDER = Path(__file__).resolve().parent
Names = dict[str, str]


def text(value: Text, language: str | None = None) -> str:
    """VALUE in `language` (default: the one nslab speaks, see nslab.i18n), else in English.

    The translation is the one of the course's catalogue, where the tutorials' paragraphs
    are translated too (nslab/locale/LANG/LC_MESSAGES/notebooks.po, by the English text;
    `make messages` extracts every text of `runtime_texts`); a teacher's own exercise file,
    outside that catalogue, may carry one inline ({ en = "...", zh_CN = "..." })."""
    lang = language or i18n.language().code
    english = value["en"]
    if lang == i18n.DEFAULT:
        return english
    return value.get(lang) or i18n.catalogue(lang, "notebooks").gettext(english)


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

    def runtime_texts(self) -> list[str]:
        """The English texts the library shows while a notebook runs, not written into it:
        the title and the hints (templates, before the names are filled in). They are
        translated in the course's catalogue like every paragraph (see `text`)."""
        return [self.spec.title["en"], *(h["en"] for h in self.spec.hints)]

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
        """The goals a student sees (the graded behavioural ones, then the constraints);
        hidden=True: and the hidden, structural ones."""
        n = self.names_for(tag)
        specs = [*self.spec.goals, *self.spec.constraints,
                 *(self.spec.hidden_goals if hidden else ())]
        return [_goal(g, n) for g in specs]

    def graded(self, tag: str | None = None) -> list[c.Goal]:
        """The goals that earn points: each fails as handed out (`nslab exercise check`)."""
        n = self.names_for(tag)
        return [_goal(g, n) for g in (*self.spec.goals, *self.spec.hidden_goals)]

    def constraints(self, tag: str | None = None) -> list[c.Goal]:
        """The goals that hold as handed out and must still hold: never a point."""
        n = self.names_for(tag)
        return [_goal(g, n) for g in self.spec.constraints]

    @property
    def points(self) -> int:
        """The grade cell's points: one per graded goal."""
        return len(self.spec.goals) + len(self.spec.hidden_goals)


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
# former names (an exercise's `aliases`): a teacher's old notebook still finds its exercise;
# an exercise that has the name itself (a teacher's own) wins
ALIASES: dict[str, str] = {a: e.name for e in EXERCISES.values() for a in e.spec.aliases
                           if a not in EXERCISES}


def exercise(name: str) -> Exercise:
    """The exercise called NAME (see EXERCISES)."""
    try:
        return EXERCISES[ALIASES.get(name, name)]
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
    _LABS[lab.name] = ex.name
    return lab


def solve(lab: Lab, name: str, *, tag: str | None = None) -> None:
    """Apply the teacher's reference fix to LAB (tests, and teachers in a hurry)."""
    run(lab, exercise(name).steps("fix", tag))


def grade(lab: Any, name: str, *, tag: str | None = None, points: float | None = None) -> float:
    """The grade cell's score: the graded goals met (visible and hidden), scaled to POINTS.

    Points only for work: every graded goal fails as handed out (`nslab exercise check`
    proves it), so an untouched lab scores 0. A constraint (a goal that already holds as
    handed out) earns nothing, and each one broken costs as much as one graded goal.
    Always a single number between 0 and POINTS (default: one point per graded goal),
    never an exception or a warning: nbgrader reads that number as partial credit. The
    check cell, not this, shows the student why.
    """
    ex = exercise(name)
    graded, kept = ex.graded(tag), ex.constraints(tag)
    total = float(len(graded) if points is None else points)
    try:
        report = c.check(lab, [*graded, *kept])
        met = sum(v.ok for v in report.verdicts[:len(graded)])
        broken_ = sum(not v.ok for v in report.verdicts[len(graded):])
    except Exception:  # noqa: BLE001 - a lab so broken it cannot be read scores 0
        met, broken_ = 0, 0
    return round(total * max(0, met - broken_) / len(graded), 2)


def review(lab: Lab, name: str, *, tag: str | None = None) -> c.Report:
    """The check cell of an exercise: its goals and their verdicts.

    In a troubleshooting exercise, only the goals a student sees and ✔/✘, until the
    student has asked for the last hint (`hints(NAME)`): from then on every goal, the
    hidden ones too, each ✘ with its explanation and fix. A build exercise explains
    from the start, and so does the grading kernel (NSLAB_GRADING=1, see nslab.report):
    the teacher's report reads every goal from the checklist the submission printed.
    """
    ex = exercise(name)
    grading = os.environ.get("NSLAB_GRADING") == "1"
    if ex.troubleshooting and ex.name not in _REVEALED and not grading:
        return c.check(lab, ex.goal_list(tag), explain=False)
    return c.check(lab, ex.goal_list(tag, hidden=True))


class Drawing:
    """A lab's drawing that shows as SVG alone (no `<Graph at 0x...>` text beside it)."""

    def __init__(self, graph: Any, lab_name: str, *, held_back: bool = False) -> None:
        self.graph, self.lab_name, self.held_back = graph, lab_name, held_back

    def __repr__(self) -> str:  # the text/plain beside the SVG, deterministic
        key = "classroom.drawing.unmarked" if self.held_back else "classroom.drawing.text"
        return say(key, name=self.lab_name)

    def __getattr__(self, name: str) -> Any:  # .source, .pipe(), .render() ...
        return getattr(self.graph, name)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        return self.graph._repr_mimebundle_(include, exclude)


# per kernel: the troubleshooting labs `broken()` handed out (lab name -> exercise), and
# the exercises whose last hint the student has asked for
_LABS: dict[str, str] = {}
_REVEALED: set[str] = set()


def drawing(lab: Lab, *, marks: bool = False) -> Drawing:
    """The lab's drawing; without the kit's mistake marks unless MARKS. In a troubleshooting
    lab the marks come with the last hint (`hints(NAME)`): before, the drawing says so.

    The marks are the diagnosis findings of the lab, and those the exercise's goals find
    on their packets' paths (nslab.paths): what the check cell explains, drawn."""
    name = _LABS.get(lab.name)
    held_back = bool(marks and name is not None and name not in _REVEALED)
    if not marks or held_back:
        return Drawing(lab.draw(marks=False), lab.name, held_back=held_back)
    ex = EXERCISES.get(name or "") or next(
        (e for e in EXERCISES.values() if e.tag == lab.name), None)
    found = []
    if ex is not None:
        snap = lab.snapshot().lab_only()
        found = [f for g in ex.goal_list(lab.name, hidden=True) for f in g.findings(snap)]
    return Drawing(lab.draw(marks=True, findings=found), lab.name)


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


@dataclass(frozen=True)
class Where:
    """What `listen` says when a blank is left: where a capture could listen."""

    places: tuple[tuple[str, tuple[str, ...]], ...]  # (namespace, its interfaces)

    def __str__(self) -> str:
        rows = "\n".join(say("classroom.listen.place", ns=ns, ifnames=", ".join(names))
                         for ns, names in self.places)
        return say("classroom.listen.blank", places=rows)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


def listen(lab: Lab, ns: str = "", ifname: str = "", *, ping: str = "",
           sender: str = "") -> Any:
    """A capture (ICMP only) on IFNAME in NS while SENDER (default: NS) pings PING: the
    investigation toolkit's capture, aimed where the student chooses. With a blank left,
    it captures nothing and lists where it could listen."""
    if not (ns and ifname and ping):
        places = tuple((n, tuple(lk.name for lk in (lab.snapshot().ns(n) or _NoLinks()).links))
                       for n in lab.owned_netns())
        return Where(places)
    with lab.capture(ns, ifname, filter="icmp") as cap:
        lab.ping(sender or ns, ping)
    return cap


class _NoLinks:
    links: tuple = ()


# ------------------------------------------------------------------ hints


def _hint_html(value: str) -> str:
    parts = re.split(r"(`[^`]+`)", value)
    return "".join(
        f"<code>{html.escape(p[1:-1])}</code>" if i % 2 else html.escape(p)
        for i, p in enumerate(parts)
    )


class Hints(widgets.VBox):
    """A button that reveals one hint per click, and the hints shown so far.

    The button is never disabled: a disabled button that holds the keyboard focus drops it
    to the page (WCAG 2.4.3). Once every hint is out it says so, keeps the focus, and a
    further click announces in the live region that all the hints are shown above."""

    def __init__(self, items: Sequence[str], *, on_last: Callable[[], None] | None = None
                 ) -> None:
        button = widgets.Button(description="", icon="lightbulb-o")
        shown = widgets.HTML(value="")
        super().__init__(children=(button, shown))
        self.items = tuple(items)
        self.on_last = on_last  # called once the last hint is out
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
        if not left:
            self.button.add_class("nslab-hints-done")

    def _show(self, note: str = "") -> None:
        """The hints out so far (and NOTE), in one live region: announced as they change."""
        self.text.value = "<div role='status' aria-live='polite'>" + "".join(
            say("classroom.hints.item", n=i + 1, text=_hint_html(h))
            for i, h in enumerate(self.items[: self.shown])
        ) + note + "</div>"

    def reveal(self) -> str | None:
        """Show the next hint (what a click does). Returns it, or None when all are out
        (then the live region says so, and the button keeps the focus)."""
        if self.shown >= len(self.items):
            self._show(say_n("classroom.hints.all_shown", len(self.items)))
            return None
        hint = self.items[self.shown]
        self.shown += 1
        self._show()
        self._label()
        if self.shown == len(self.items) and self.on_last is not None:
            self.on_last()
        return hint


def hints(items: str | Sequence[str], *, tag: str | None = None) -> Hints:
    """A widget that reveals one hint per click: of an exercise (by name), or of a list."""
    if isinstance(items, str):
        ex = exercise(items)
        items = [ex.fill(h, tag) for h in ex.spec.hints]
        if ex.spec.capture:  # where the fault shows in a capture: a hint, not a given
            cns, cif, addr, sender = (v.format(**ex.names_for(tag)) for v in ex.spec.capture)
            items.append(say("classroom.hints.capture", ns=cns, ifname=cif, addr=addr,
                             sender=sender))
        if ex.troubleshooting:  # the last hint opens the explanations and the marks
            items.append(say("classroom.hints.explain"))
            return Hints(items, on_last=lambda: _REVEALED.add(ex.name))
    return Hints(items)


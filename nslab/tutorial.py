"""The article's steps as plain data, and a runner that checks their order.

A Step names the article's command, explains it, lists the Lab verbs that
perform it and the commands whose output shows the result. The same data runs
from notebook cells, from "Run All", from nbval and from the Stepper widget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import verbspec
from .errors import NotFound, StepOrderError, did_you_mean
from .messages import say
from .snapshot import NsKey, Snapshot, steady

# The step data lives in nslab.steps (one source for the Stepper and the notebooks).
from .steps import ARTICLE, CONTAINERS, IP_NETNS, MAKES, VETH, Call, Step, call

if TYPE_CHECKING:
    from .diff import Changes
    from .lab import ExecResult, Lab


@dataclass
class StepResult:
    step: Step
    outputs: list[ExecResult] = field(default_factory=list)
    changes: Changes | None = None
    prerequisites: tuple[str, ...] = ()  # earlier steps run first, because it needed them

    def __str__(self) -> str:
        lines = [f"{self.step.id} {self.step.title}", f"$ {self.step.command}"]
        for out in self.outputs:
            lines += [f"$ {out.command}", str(out).rstrip("\n")]
        if self.changes is not None:
            lines += ["what changed:", str(self.changes)]
        return "\n".join(lines)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


# ---------------------------------------------------------------- what a step leaves in the kernel


@dataclass(frozen=True)
class Expect:
    """One thing a step leaves in the kernel, checked against a snapshot.

    what: "netns" (namespace exists), "link" (a link of that name exists somewhere),
    "in" (link in that namespace), "up"/"down" (admin state), "addr" (address on link).
    """

    what: str
    ns: NsKey = None
    ifname: str = ""
    cidr: str = ""

    def holds(self, snap: Snapshot) -> bool:
        if self.what == "netns":
            return snap.ns(self.ns) is not None
        if self.what == "link":
            return bool(snap.where(self.ifname))
        link = snap.link(self.ns, self.ifname)
        if link is None:
            return False
        if self.what == "up":
            return link.up
        if self.what == "down":
            return not link.up
        if self.what == "addr":
            return any(a.cidr == self.cidr for a in link.addresses)
        return True  # "in": the link is there


def expectations(step: Step) -> tuple[Expect, ...] | None:
    """What the step's calls leave in the kernel, net of each other (S6 adds and deletes
    test1: nothing). None when a call has no known effect, or the net effect is empty:
    then only having run the step says it is done. Each verb's effect is declared in
    nslab.verbspec."""
    found = verbspec.effects(step.calls)
    if found is None:
        return None
    return tuple(Expect(e.what, e.ns, e.ifname, e.cidr) for e in found)


def _inverse(call_: Call, snap: Snapshot) -> Call | None:
    """The call that undoes `call_` in the kernel as `snap` shows it, or None (each verb's
    inverse is declared in nslab.verbspec)."""
    return verbspec.inverse(call_, snap.where)


@dataclass
class UndoResult:
    """What Back did: the step undone, and what changed in the kernel (churn left out)."""

    step: Step
    changes: Changes
    replayed: bool = False  # True when a checkpoint was rebuilt instead of inverse calls

    def __str__(self) -> str:
        return "\n".join([say("step.undone", step=self.step.id), str(self.changes)])

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


# ---------------------------------------------------------------- the runner


class Tutorial:
    """Runs the article's steps on a lab. Which steps are done is read from the kernel
    every time (each step's expectations against a snapshot), so notebook cells and the
    Stepper can be mixed in any order; a step that only shows output is done once it ran
    and what it needs is still there."""

    def __init__(self, lab: Lab, steps: dict[str, Step]) -> None:
        self.lab = lab
        self.steps = steps
        self._ran: list[str] = []  # steps run or marked here, in order
        lab.use_steps(self)  # the lab's own errors can name the missing step

    @property
    def ids(self) -> list[str]:
        return list(self.steps)

    # -- what is done: read from the kernel -------------------------------------------
    def is_done(self, step_id: str, snap: Snapshot | None = None) -> bool:
        """True when the kernel shows what step `step_id` makes (or, for a step that only
        shows output, when it ran and what it needs is still there)."""
        step = self.steps.get(step_id) or ARTICLE[step_id]
        snap = snap if snap is not None else self.lab.snapshot()
        expect = expectations(step)
        if expect is not None:
            return all(e.holds(snap) for e in expect)
        return step_id in self._ran and all(self.is_done(n, snap) for n in step.needs)

    @property
    def done(self) -> list[str]:
        """The steps the kernel shows done, in the article's order."""
        snap = self.lab.snapshot()
        return [i for i in self.ids if self.is_done(i, snap)]

    @done.setter
    def done(self, ids: list[str]) -> None:  # `tutorial.done += ["S8"]` still works
        for step_id in ids:
            if step_id not in self._ran:
                self.mark_done(step_id)

    def mark_done(self, step_id: str) -> None:
        """Say that step `step_id` was done by other means (notebook cells). A step the
        kernel can check is done only when the kernel shows it; marking it changes nothing."""
        if step_id not in ARTICLE:  # an earlier notebook's step is fine (S8 in VETH)
            self._check_id(step_id)
        if step_id not in self._ran:
            self._ran.append(step_id)

    def next_id(self) -> str | None:
        snap = self.lab.snapshot()
        return next((i for i in self.ids if not self.is_done(i, snap)), None)

    # -- running ------------------------------------------------------------------------
    def _check_id(self, step_id: str) -> Step:
        if step_id in self.steps:
            return self.steps[step_id]
        raise NotFound(say("step.unknown", step=step_id, hint=did_you_mean(step_id, self.ids),
                           steps=", ".join(self.ids)))

    def missing(self, step_id: str, snap: Snapshot | None = None) -> list[str]:
        """The earlier steps step `step_id` needs that the kernel does not show, in order."""
        snap = snap if snap is not None else self.lab.snapshot()
        step = self.steps.get(step_id) or ARTICLE[step_id]
        out: list[str] = []
        for need in step.needs:
            if need in ARTICLE and not self.is_done(need, snap):
                out += [m for m in self.missing(need, snap) if m not in out]
                if need not in out:
                    out.append(need)
        return out

    def run(self, step_id: str | None = None, *, prerequisites: bool = False) -> StepResult:
        """Run one step (the next one the kernel does not show by default); return its
        outputs and what changed. Earlier steps it needs that the kernel does not show
        run first when they belong to an earlier notebook (S8 before S12 in VETH, say
        after Run All reset the lab); of this tutorial's own steps, the first missing
        one is named (StepOrderError), or with prerequisites=True run too."""
        step_id = step_id or self.next_id()
        if step_id is None:
            raise StepOrderError(say("step.all_done"))
        step = self._check_id(step_id)
        snap = self.lab.snapshot()
        if expectations(step) is not None and self.is_done(step_id, snap):
            later = self.ids[self.ids.index(step_id) + 1:]
            nxt = next((i for i in later if not self.is_done(i, snap)), None)
            if nxt is None:
                raise StepOrderError(say("step.already_done_last", step=step_id))
            raise StepOrderError(say("step.already_done", step=step_id, next=nxt))
        missing = self.missing(step_id, snap)
        mine = [m for m in missing if m in self.steps]  # the others belong to earlier
        if mine and not prerequisites:  # notebooks: they run first, on their own
            what = MAKES.get(mine[0], say("step.what_it_needs"))
            raise StepOrderError(say("step.needs", step=step_id, what=what, missing=mine[0]))
        before = self.lab.snapshot()
        for need in missing:
            self._perform(ARTICLE[need])
        outputs = self._perform(step)
        changes = steady(self.lab.snapshot()) - steady(before)
        return StepResult(step, outputs, changes, tuple(missing))

    def _perform(self, step: Step) -> list[ExecResult]:
        self.lab.checkpoint(f"before {step.id}")  # what back() rebuilds if it must
        for verb, args, kwargs in step.calls:
            getattr(self.lab, verb)(*args, **kwargs)
        if step.id in self._ran:
            self._ran.remove(step.id)
        self._ran.append(step.id)
        return [self._show(ns, cmd) for ns, cmd in step.show]

    def _show(self, ns: Any, command: str) -> ExecResult:
        if isinstance(ns, str) and ns.startswith("@"):
            return self.lab.container_exec(ns[1:], command)
        return self.lab.exec(ns, command)

    # -- going back ---------------------------------------------------------------------
    def last_done(self) -> str | None:
        """The step Back undoes: the last done step that changed the kernel (or, if none
        did, the last one that ran)."""
        done = self.done
        changing = [i for i in done if self.steps[i].calls]
        return (changing or done or [None])[-1]

    def back(self) -> UndoResult:
        """Undo the last done step: its own calls' inverses, in reverse order (delete_netns,
        set_down, move back, del_addr, delete_link...); a checkpoint is rebuilt only where
        no inverse exists. Show-only steps after it count as not run any more."""
        step_id = self.last_done()
        if step_id is None:
            raise StepOrderError(say("step.nothing_to_undo"))
        step = self.steps[step_id]
        before = self.lab.snapshot()
        replayed = False
        inverses = [_inverse(c, before) for c in reversed(step.calls)]
        if all(inv is not None for inv in inverses):
            for verb, args, kwargs in inverses:  # type: ignore[misc]
                getattr(self.lab, verb)(*args, **kwargs)
        else:
            try:
                self.lab.restore(f"before {step_id}")
            except NotFound as exc:
                raise StepOrderError(say("step.undo_failed", step=step_id, problem=exc)) from None
            replayed = True
        later = self.ids[self.ids.index(step_id):]
        self._ran = [i for i in self._ran if i not in later]
        return UndoResult(step, steady(self.lab.snapshot()) - steady(before), replayed)

    def restart(self) -> None:
        self.lab.reset()
        self._ran.clear()

    def run_all(self) -> list[StepResult]:
        results = []
        for step_id in self.ids:
            step = self.steps[step_id]
            if expectations(step) is None or not self.is_done(step_id):
                results.append(self.run(step_id))
        return results

    def step_for(self, verb: str, *args: Any, done: bool = False) -> str | None:
        """The id of the step whose calls include verb(*args), for error messages:
        the first one not done yet, or with done=True the last one done."""
        ids = self.done
        order = reversed(ids) if done else (i for i in self.ids if i not in ids)
        for step_id in order:
            if any(
                v == verb and (a[: len(args)] == args or (len(args) == 1 and args[0] in a))
                for v, a, _ in self.steps[step_id].calls
            ):
                return step_id
        return None


def explain_missing(lab: Lab, verb: str, *args: Any) -> str:
    """' Run step S13 first.' when a tutorial is attached and a step makes it, else ''."""
    tutorial = lab.steps
    step = tutorial.step_for(verb, *args) if tutorial else None
    return say("step.run_first", step=step) if step else ""


__all__ = [
    "ARTICLE", "CONTAINERS", "IP_NETNS", "MAKES", "VETH", "Call", "Expect", "Step", "StepResult",
    "Tutorial", "UndoResult", "call", "expectations", "steady",
]

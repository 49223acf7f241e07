"""The article's steps as plain data, and a runner that checks their order.

A Step names the article's command, explains it, lists the Lab verbs that
perform it and the commands whose output shows the result. The same data runs
from notebook cells, from "Run All", from nbval and from the Stepper widget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import NotFound, StepOrderError

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

    def __str__(self) -> str:
        lines = [f"{self.step.id} {self.step.title}", f"$ {self.step.command}"]
        for out in self.outputs:
            lines += [f"$ {out.command}", str(out).rstrip("\n")]
        if self.changes is not None:
            lines += ["what changed:", str(self.changes)]
        return "\n".join(lines)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


class Tutorial:
    """Runs steps on a lab in order, saying plainly which earlier step is missing."""

    def __init__(self, lab: Lab, steps: dict[str, Step]) -> None:
        self.lab = lab
        self.steps = steps
        self.done: list[str] = []
        lab.use_steps(self)  # the lab's own errors can name the missing step

    @property
    def ids(self) -> list[str]:
        return list(self.steps)

    def next_id(self) -> str | None:
        return next((i for i in self.ids if i not in self.done), None)

    def run(self, step_id: str | None = None) -> StepResult:
        """Run one step (the next one by default); return its outputs and what changed."""
        step_id = step_id or self.next_id()
        if step_id is None:
            raise StepOrderError("Every step has run. Start over with tutorial.restart().")
        if step_id not in self.steps:
            raise NotFound(f"There is no step {step_id!r} here. Steps: {', '.join(self.ids)}.")
        step = self.steps[step_id]
        if step.calls and step_id in self.done:
            later = self.ids[self.ids.index(step_id) + 1:]
            nxt = next((i for i in later if i not in self.done), None)
            raise StepOrderError(
                f"Step {step_id} already ran. Go on with {nxt or 'the next notebook'}, or "
                "start over with tutorial.restart()."
            )
        missing = [n for n in step.needs if n in self.steps and n not in self.done]
        if missing:
            what = MAKES.get(missing[0], "what it needs")
            raise StepOrderError(
                f"Step {step_id} needs {what} first: run step {missing[0]} first."
            )
        before = self.lab.snapshot()
        self.lab.checkpoint(f"before {step_id}")  # what back() returns to
        for verb, args, kwargs in step.calls:
            getattr(self.lab, verb)(*args, **kwargs)
        outputs = [self._show(ns, cmd) for ns, cmd in step.show]
        if step_id not in self.done:
            self.done.append(step_id)
        return StepResult(step, outputs, self.lab.snapshot() - before)

    def _show(self, ns: Any, command: str) -> ExecResult:
        if isinstance(ns, str) and ns.startswith("@"):
            return self.lab.container_exec(ns[1:], command)
        return self.lab.exec(ns, command)

    def back(self) -> None:
        """Undo the last step: rebuild, from a clean lab, the state before it
        (lab.restore of the checkpoint taken when that step ran)."""
        if not self.done:
            raise StepOrderError("No step has run yet, so there is nothing to go back to.")
        last = self.done.pop()
        self.lab.restore(f"before {last}")

    def restart(self) -> None:
        self.lab.reset()
        self.done.clear()

    def run_all(self) -> list[StepResult]:
        return [self.run(i) for i in self.ids if i not in self.done]

    def step_for(self, verb: str, *args: Any, done: bool = False) -> str | None:
        """The id of the step whose calls include verb(*args), for error messages:
        the first one not run yet, or with done=True the last one that ran."""
        order = reversed(self.done) if done else (i for i in self.ids if i not in self.done)
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
    return f" Run step {step} first." if step else ""


__all__ = ["ARTICLE", "CONTAINERS", "IP_NETNS", "MAKES", "VETH", "Call", "Step", "StepResult",
           "Tutorial", "call"]

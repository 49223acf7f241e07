"""The article's steps as plain data, and a runner that checks their order.

A Step names the article's command, explains it, lists the Lab verbs that
perform it and the commands whose output shows the result. The same data runs
from notebook cells, from "Run All", from nbval and from the Stepper widget.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .errors import NotFound, StepOrderError

if TYPE_CHECKING:
    from .diff import Changes
    from .lab import ExecResult, Lab

Call = tuple[str, tuple, dict]


def call(verb: str, *args: Any, **kwargs: Any) -> Call:
    return (verb, args, kwargs)


@dataclass(frozen=True)
class Step:
    id: str  # "S13", as in ARTICLE-STEPS.md
    title: str
    command: str  # the article's command(s), one per line
    explain: str
    calls: tuple[Call, ...] = ()
    show: tuple[tuple[Any, str], ...] = ()  # (namespace key, command) to run afterwards
    needs: tuple[str, ...] = ()  # steps that must have run before this one


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


def _steps(*steps: Step) -> dict[str, Step]:
    return {s.id: s for s in steps}


CONTAINERS = _steps(
    Step("S1", "Run a long-lived container",
         'docker run -d --name test1 busybox /bin/sh -c "while true; do sleep 3600; done"',
         "A container is a process with its own namespaces. nslab starts a real process in "
         "a new, unnamed network namespace and wires it to a docker0 bridge, as Docker does.",
         (call("run_container", "test1"),)),
    Step("S2", "Look inside the container", "docker exec -it test1 /bin/sh\nip a",
         "Inside: `lo` and `eth0@ifN` with 172.17.0.2/16 (the article's 127.17.0.2 is a typo).",
         show=(("@test1", "ip a"),), needs=("S1",)),
    Step("S3", "Compare with the host", "exit\nip a",
         "The host shows its own, different interfaces: the two are isolated.",
         show=((None, "ip -br link"),), needs=("S1",)),
    Step("S4", "A second container", "docker run -d --name test2 busybox ...\n"
         "docker exec test2 ip a",
         "test2 gets the next address, 172.17.0.3.",
         (call("run_container", "test2"),), show=(("@test2", "ip a"),), needs=("S1",)),
    Step("S5", "The containers can talk", "docker exec test1 ping 172.17.0.3",
         "Both hang off the same bridge, so test1 reaches test2 (the article's 127.0.0.3 is "
         "a typo for 172.17.0.3).",
         show=(("@test1", "ping -c 1 -W 2 172.17.0.3"),), needs=("S4",)),
)

IP_NETNS = _steps(
    Step("S6", "Add, list and delete a namespace",
         "ip netns add test1\nip netns list\nip netns delete test1",
         "`ip netns add` creates a named network namespace (a file under /run/netns).",
         (call("add_netns", "test1"), call("delete_netns", "test1"))),
    Step("S8", "Two namespaces", "ip netns add test1\nip netns add test2",
         "Create the two namespaces the rest of the article uses.",
         (call("add_netns", "test1"), call("add_netns", "test2")),
         show=((None, "ip netns list"),)),
    Step("S9", "Inside a new namespace", "ip netns exec test1 ip a",
         "Only `lo`, with no address, and DOWN.", show=(("test1", "ip a"),), needs=("S8",)),
    Step("S10", "Host links vs namespace links", "ip link\nip netns exec test1 ip link",
         "The host has many links; test1 has only `lo`.",
         show=(("test1", "ip link"),), needs=("S8",)),
    Step("S11", "Bring lo up", "ip netns exec test1 ip link set dev lo up",
         "`lo` now says UNKNOWN: the loopback driver reports no operstate. It is up and works.",
         (call("set_up", "test1", "lo"),), show=(("test1", "ip link"),), needs=("S8",)),
)

VETH = _steps(
    Step("S12", "Create a veth pair", "ip link add veth-test1 type veth peer name veth-test2",
         "A veth pair is a virtual cable: what enters one end leaves the other. Both ends "
         "start in the host, DOWN, with MACs and no IP.",
         (call("add_veth", "veth-test1", "veth-test2"),), show=((None, "ip link show type veth"),),
         needs=("S8",)),
    Step("S13", "Move one end into test1", "ip link set veth-test1 netns test1",
         "veth-test1 leaves the host and appears in test1.",
         (call("move", "veth-test1", "test1"),), show=(("test1", "ip link"),), needs=("S12",)),
    Step("S14", "Move the other end into test2", "ip link set veth-test2 netns test2",
         "Likewise for veth-test2: the host no longer shows either end.",
         (call("move", "veth-test2", "test2"),), show=(("test2", "ip link"),), needs=("S12",)),
    Step("S15", "Give each end an address",
         "ip netns exec test1 ip addr add 192.168.1.1/24 dev veth-test1\n"
         "ip netns exec test2 ip addr add 192.168.1.2/24 dev veth-test2",
         "Both ends get an address in the same /24 subnet.",
         (call("add_addr", "test1", "veth-test1", "192.168.1.1/24"),
          call("add_addr", "test2", "veth-test2", "192.168.1.2/24")),
         needs=("S13", "S14")),
    Step("S16", "Still DOWN", "ip netns exec test1 ip link\nip netns exec test2 ip link",
         "The links are still DOWN, and `ip link` shows no IP (it lists links, not addresses).",
         show=(("test1", "ip link"), ("test2", "ip link")), needs=("S15",)),
    Step("S17", "Bring both ends up",
         "ip netns exec test1 ip link set dev veth-test1 up\n"
         "ip netns exec test2 ip link set dev veth-test2 up",
         "Up on both sides: the cable has carrier.",
         (call("set_up", "test1", "veth-test1"), call("set_up", "test2", "veth-test2")),
         needs=("S13", "S14")),
    Step("S18", "Addresses and state UP", "ip netns exec test1 ip a\nip netns exec test2 ip a",
         "`ip a` shows the addresses and state UP.",
         show=(("test1", "ip a"), ("test2", "ip a")), needs=("S17",)),
    Step("S19", "Ping across", "ip netns exec test1 ping 192.168.1.2\n"
         "ip netns exec test2 ping 192.168.1.1",
         "Each namespace reaches the other over the veth pair.",
         show=(("test1", "ping -c 1 -W 2 192.168.1.2"), ("test2", "ping -c 1 -W 2 192.168.1.1")),
         needs=("S15", "S17")),
)

ARTICLE: dict[str, Step] = {**CONTAINERS, **IP_NETNS, **VETH}

# What each step makes, so an error can name the step that is missing.
MAKES: dict[str, str] = {"S8": "namespaces test1 and test2", "S12": "the veth pair",
                         "S13": "veth-test1 in test1", "S14": "veth-test2 in test2",
                         "S15": "the addresses", "S17": "both ends UP", "S1": "container test1",
                         "S4": "container test2"}


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


__all__ = ["ARTICLE", "CONTAINERS", "IP_NETNS", "VETH", "Step", "StepResult", "Tutorial"]

"""Exercise goals, checked against what the kernel really holds.

    from nslab.checks import check, reachable, link_up, in_namespace
    goals = [in_namespace("veth-test1", "test1"), link_up("test2", "veth-test2"),
             reachable("test1", "192.168.1.2")]
    report = check(lab, goals)   # ONE snapshot of the kernel, plus a real ping per reachable()
    report                       # a checklist: ✔ met; ✘ not met, with the reason and the fix
    report.passed                # True when every goal is met

A goal is data (a frozen dataclass): compare it, hash it, list it in an exercise.
``goal.findings(snapshot)`` is pure: why the goal is not met, as nslab.diagnosis
findings (codes, objects, the fix as a Lab call and as the `ip` command), which
nslab.paths reasons out by following the packet; ``goal.judge(snapshot)`` gives their
sentences. The checks have no words of their own for a fault: the drawing, the hints
and the checks render the same findings. A `reachable` goal lists every fault on the
way, not only the first. Only ``reachable`` also asks the kernel, with one ping: the
kernel has the last word, the snapshot explains why. A goal that names a namespace or
an interface that does not exist is a failed goal with a hint, never an exception.

Goals: ``has_netns``, ``lo_up``, ``link_up``, ``has_addr``, ``in_namespace``,
``connected``, ``route_to``, ``forwards``, ``reachable``, ``unique_addresses``.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from . import paths, publish
from ._wait import Patience
from .findings import Finding, Fix, links_of
from .messages import say, say_n
from .snapshot import NsKey, Snapshot, ns_label

if TYPE_CHECKING:
    from .lab import Lab

__all__ = [
    "Connected",
    "Forwards",
    "Goal",
    "HasAddr",
    "HasNetns",
    "InNamespace",
    "LinkUp",
    "LoUp",
    "Reachable",
    "Report",
    "RouteTo",
    "UniqueAddresses",
    "Verdict",
    "check",
    "connected",
    "forwards",
    "has_addr",
    "has_netns",
    "in_namespace",
    "link_up",
    "lo_up",
    "reachable",
    "route_to",
    "settled_snapshot",
    "unique_addresses",
]

MAX_HOPS = paths.MAX_HOPS


# ------------------------------------------------------------------ goals


def _in(ns: NsKey) -> str:
    """'test1' or 'the host namespace', for prose."""
    return say("check.host") if ns is None else ns_label(ns)


class Goal:
    """What an exercise asks for. Subclasses are frozen dataclasses (plain data)."""

    def describe(self) -> str:  # pragma: no cover - every goal overrides it
        raise NotImplementedError

    def findings(self, snap: Snapshot) -> tuple[Finding, ...]:  # pragma: no cover
        """Why the goal is not met in SNAP, as diagnosis findings (empty: met). Pure."""
        raise NotImplementedError

    def judge(self, snap: Snapshot) -> tuple[str, ...]:
        """The reasons the goal is not met in SNAP (empty: met): the findings' sentences."""
        return tuple(dict.fromkeys(f.text for f in self.findings(snap)))

    def __str__(self) -> str:
        return self.describe()


@dataclass(frozen=True)
class HasNetns(Goal):
    ns: str

    def describe(self) -> str:
        return say("check.goal.has-netns", ns=self.ns)

    def findings(self, snap: Snapshot) -> tuple[Finding, ...]:
        missing = paths.missing_namespace(snap, self.ns)
        return (missing,) if missing else ()


@dataclass(frozen=True)
class LoUp(Goal):
    ns: str

    def describe(self) -> str:
        return say("check.goal.lo-up", ns=self.ns)

    def findings(self, snap: Snapshot) -> tuple[Finding, ...]:
        return tuple(paths.lo_faults(snap, self.ns))


@dataclass(frozen=True)
class LinkUp(Goal):
    """IFNAME is UP in NS: set up, and with a carrier (its veth peer is up too)."""

    ns: NsKey
    ifname: str

    def describe(self) -> str:
        return say("check.goal.link-up", ifname=self.ifname, ns=_in(self.ns))

    def findings(self, snap: Snapshot) -> tuple[Finding, ...]:
        return tuple(paths.link_faults(snap, self.ns, self.ifname))


@dataclass(frozen=True)
class HasAddr(Goal):
    ns: NsKey
    ifname: str
    cidr: str

    def describe(self) -> str:
        return say("check.goal.has-addr", ifname=self.ifname, ns=_in(self.ns), cidr=self.cidr)

    def findings(self, snap: Snapshot) -> tuple[Finding, ...]:
        return tuple(paths.address_faults(snap, self.ns, self.ifname, self.cidr))


@dataclass(frozen=True)
class InNamespace(Goal):
    ifname: str
    ns: NsKey

    def describe(self) -> str:
        return say("check.goal.in-namespace", ifname=self.ifname, ns=_in(self.ns))

    def findings(self, snap: Snapshot) -> tuple[Finding, ...]:
        return tuple(paths.interface_faults(snap, self.ns, self.ifname))


@dataclass(frozen=True)
class Connected(Goal):
    """A veth pair (directly, or through a bridge) joins NS_A and NS_B, every end up."""

    ns_a: str
    ns_b: str

    def describe(self) -> str:
        return say("check.goal.connected", a=self.ns_a, b=self.ns_b)

    def findings(self, snap: Snapshot) -> tuple[Finding, ...]:
        return tuple(paths.connection_faults(snap, self.ns_a, self.ns_b))


@dataclass(frozen=True)
class RouteTo(Goal):
    ns: str
    cidr: str

    def describe(self) -> str:
        return say("check.goal.route-to", ns=self.ns, cidr=self.cidr)

    def findings(self, snap: Snapshot) -> tuple[Finding, ...]:
        return tuple(paths.route_faults(snap, self.ns, self.cidr))


@dataclass(frozen=True)
class Forwards(Goal):
    """NS forwards packets between its interfaces: a router (net.ipv4.ip_forward = 1)."""

    ns: str

    def describe(self) -> str:
        return say("check.goal.forwards", ns=self.ns)

    def findings(self, snap: Snapshot) -> tuple[Finding, ...]:
        return tuple(paths.forwarding_faults(snap, self.ns))


@dataclass(frozen=True)
class Reachable(Goal):
    """A ping from NS to ADDR gets its reply (checked with a real ping by `check`)."""

    ns: NsKey
    addr: str

    def describe(self) -> str:
        return say("check.goal.reachable", ns=_in(self.ns), addr=self.addr)

    def analyse(self, snap: Snapshot) -> tuple[tuple[str, ...], bool]:
        """(reasons from the snapshot, whether NS would only answer itself)."""
        found, itself = paths.reach(snap, self.ns, self.addr)
        return tuple(f.text for f in found), itself

    def findings(self, snap: Snapshot) -> tuple[Finding, ...]:
        return tuple(paths.reach(snap, self.ns, self.addr)[0])


@dataclass(frozen=True)
class UniqueAddresses(Goal):
    """No IP address is on two interfaces of the lab (in NAMESPACES, or anywhere)."""

    namespaces: tuple[NsKey, ...] = ()

    def describe(self) -> str:
        if self.namespaces:
            return say("check.goal.unique-in", namespaces=", ".join(map(_in, self.namespaces)))
        return say("check.goal.unique")

    def findings(self, snap: Snapshot) -> tuple[Finding, ...]:
        return tuple(paths.duplicate_faults(snap, self.namespaces))


# The names the exercises use: goals read like sentences.
has_netns = HasNetns
lo_up = LoUp
link_up = LinkUp
has_addr = HasAddr
in_namespace = InNamespace
connected = Connected
route_to = RouteTo
forwards = Forwards
reachable = Reachable


def unique_addresses(*namespaces: NsKey) -> UniqueAddresses:
    return UniqueAddresses(tuple(namespaces))


# ------------------------------------------------------------------ the report


@dataclass(frozen=True)
class Verdict:
    goal: Goal
    ok: bool
    reasons: tuple[str, ...] = ()  # the findings' sentences, each once
    findings: tuple[Finding, ...] = ()  # why the goal is not met, as diagnosis findings

    def __str__(self) -> str:
        lines = [f"{'✔' if self.ok else '✘'} {self.goal.describe()}"]
        lines += [f"    {r}" for r in self.reasons]
        return "\n".join(lines)


_QUOTED = re.compile(r"`([^`]+)`")  # a message template's own `command`, as markdown
_CODE_FIELDS = re.compile("\0(call|command)\0")


def _html_text(text: str) -> str:
    """A sentence as HTML: escaped, its `backticked` words as <code>."""
    return _QUOTED.sub(r"<code>\1</code>", html.escape(text))


def _finding_html(f: Finding) -> str:
    """A finding's sentence and its fix as HTML, from its fields: the fix's Lab call and
    `ip` command go in as <code> where the sentence places them, never found in the text."""
    holes = replace(f, fixes=(Fix("\0call\0", "\0command\0"),)) if f.fixes else f
    text = holes.text  # the finding's own sentence, with holes where its fix goes
    code = {"call": f.call, "command": f.command}
    return _CODE_FIELDS.sub(lambda m: f"<code>{html.escape(code[m[1]])}</code>",
                            _html_text(text))


@dataclass(frozen=True)
class Report:
    """The checklist `check` returns: one Verdict per goal, in order."""

    verdicts: tuple[Verdict, ...]
    explain: bool = True  # False: show only ✔/✘ (troubleshooting: find the cause yourself)

    @property
    def passed(self) -> bool:
        return all(v.ok for v in self.verdicts)

    @property
    def failed(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.ok]

    @property
    def reasons(self) -> list[str]:
        """Every explanation, each once, in order."""
        return list(dict.fromkeys(r for v in self.verdicts for r in v.reasons))

    def __iter__(self) -> Iterator[Verdict]:
        return iter(self.verdicts)

    def __len__(self) -> int:
        return len(self.verdicts)

    def __getitem__(self, i: int) -> Verdict:
        return self.verdicts[i]

    def summary(self) -> str:
        met = sum(v.ok for v in self.verdicts)
        if self.passed:
            return say_n("check.summary.all", len(self.verdicts))
        return say_n("check.summary.some", len(self.verdicts), met=met)

    def explained(self) -> Report:
        """The same report, with every explanation shown."""
        return replace(self, explain=True)

    def __str__(self) -> str:
        lines = [
            str(v) if self.explain else f"{'✔' if v.ok else '✘'} {v.goal.describe()}"
            for v in self.verdicts
        ]
        return "\n".join([*lines, self.summary()])

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))

    def _repr_html_(self) -> str:
        rows = []
        for v in self.verdicts:
            mark = (
                '<span style="color:#0b6e0b;font-weight:bold">✔</span>' if v.ok
                else '<span style="color:#b00020;font-weight:bold">✘</span>'
            )
            why = "".join(
                f'<div style="margin-left:1.5em;color:#555">{r}</div>'
                for r in (_reasons_html(v) if self.explain else ())
            )
            rows.append(f"<li>{mark} {html.escape(v.goal.describe())}{why}</li>")
        colour = "#0b6e0b" if self.passed else "#b00020"  # 4.5:1 or more on white
        return (
            '<div class="nslab-report">'
            '<ul style="list-style:none;padding-left:0;margin:0">' + "".join(rows) + "</ul>"
            f'<div style="font-weight:bold;color:{colour}">{html.escape(self.summary())}</div>'
            "</div>"
        )


def _reasons_html(v: Verdict) -> list[str]:
    """The verdict's reasons as HTML: each finding once, from its fields; a reason with
    no finding (a refused ping: the error's sentence) as text."""
    if not v.findings:
        return [_html_text(r) for r in v.reasons]
    seen: dict[str, str] = {}
    for f in v.findings:
        seen.setdefault(f.text, _finding_html(f))
    return list(seen.values())


# ------------------------------------------------------------------ checking


def _world(snap: Snapshot, goals: list[Goal]) -> Snapshot:
    """The lab's own namespaces (plus any a goal names): others' labs never interfere."""
    named = {
        getattr(g, f) for g in goals for f in ("ns", "ns_a", "ns_b") if hasattr(g, f)
    }
    keep = tuple(
        n for n in snap.namespaces if n.kind == "host" or n.owned or n.key in named
    )
    return Snapshot(keep)


def _unsettled(snap: Snapshot) -> list[str]:
    """Links whose operstate does not yet say what their flags and carrier imply.

    The kernel updates operstate asynchronously (linkwatch batches some events for up
    to a second), so right after `set_up` the *other* end of a veth may still read
    LOWERLAYERDOWN. The checks themselves use the admin flag and the carrier, which are
    exact; settling keeps a drawing made right after a check from showing stale states.
    """
    out = []
    for n in snap.lab_only().namespaces:
        for lk in links_of(n):
            if lk.kind == "loopback":
                continue
            if not lk.up:
                ok = lk.operstate == "DOWN"
            elif lk.carrier:
                ok = lk.operstate in ("UP", "UNKNOWN")
            else:
                ok = lk.operstate in ("DOWN", "LOWERLAYERDOWN")
            if not ok:
                out.append(f"{lk.name} in {_in(n.key)}")
    return out


def settled_snapshot(lab: Lab, timeout: float = 1.5) -> Snapshot:
    """lab.snapshot(), once every link of the lab shows its final state (or at TIMEOUT)."""
    patience = Patience(timeout, step=0.02)  # on an idle machine; stretched by the load
    snap = lab.snapshot()
    while _unsettled(snap) and not patience.expired():
        patience.pause()
        snap = lab.snapshot()
    return snap


def _with_forwarding(lab: Lab, snap: Snapshot) -> Snapshot:
    """Fill in `forwarding` where the snapshot did not read it."""
    reader = getattr(lab, "forwarding", None)
    if reader is None:
        return snap
    out = []
    for n in snap.namespaces:
        if n.forwarding is None and n.kind == "named" and n.owned:
            try:
                n = replace(n, forwarding=bool(reader(n.key)))
            except Exception:  # noqa: BLE001 - a namespace that vanished reads as unknown
                pass
        out.append(n)
    return Snapshot(tuple(out))


RETRY_SECONDS = 5.0  # how long a "can ping" goal with nothing to explain a loss is retried


def _ping(lab: Lab, goal: Reachable, snap: Snapshot) -> Verdict:
    from .errors import NslabError

    found, itself = paths.reach(snap, goal.ns, goal.addr)
    if itself:  # its sender holds the address: a ping would answer itself and prove nothing
        return replace(_verdict(goal, found), ok=False)
    try:
        result = lab.ping(goal.ns, goal.addr, count=1, timeout=1)
        # Nothing explains a lost reply: give ARP time. A ping sent before the fix left
        # the neighbour entry INCOMPLETE; its last probes went out while the path was
        # still broken, so the kernel marks it FAILED a moment later and answers every
        # packet queued on it with "Destination Host Unreachable". The next ping after
        # that starts a fresh resolution, which the fixed path answers.
        # The wait is for the kernel's neighbour timers (wall clock, not CPU): not stretched.
        retry_until = time.monotonic() + RETRY_SECONDS
        while not result.ok and not found and time.monotonic() < retry_until:
            time.sleep(0.2)
            result = lab.ping(goal.ns, goal.addr, count=1, timeout=1)
    except NslabError as exc:
        if found:
            return _verdict(goal, found)
        return Verdict(goal, False, (str(exc),))
    if result.ok:
        return Verdict(goal, True)
    return _verdict(goal, found or [paths.no_reply(snap, goal.ns, goal.addr)])


def _verdict(goal: Goal, found: Iterable[Finding]) -> Verdict:
    """The verdict of GOAL given why it is not met (FOUND; empty: met)."""
    found = tuple(found)
    reasons = tuple(dict.fromkeys(f.text for f in found))
    return Verdict(goal, not reasons, reasons, found)


def check(
    lab: Lab | Snapshot,
    goals: Goal | Iterable[Goal],
    *,
    ping: bool = True,
    explain: bool = True,
) -> Report:
    """Check GOALS against ONE snapshot of LAB (plus a real ping per `reachable` goal).

    Pass a Snapshot instead of a Lab to judge without touching the kernel (no pings:
    `reachable` is then judged from the routes, links and addresses alone).
    `explain=False` shows only the checklist (the reasons are still in the report:
    `report.reasons`, `report.explained()`), for exercises where finding the cause
    is the point.
    """
    goal_list = [goals] if isinstance(goals, Goal) else list(goals)
    for g in goal_list:
        if not isinstance(g, Goal):
            raise TypeError(say("check.not-a-goal", what=repr(g)))
    if isinstance(lab, Snapshot):
        snap, live = _world(lab, goal_list), None
    else:
        snap, live = _with_forwarding(lab, _world(settled_snapshot(lab), goal_list)), lab
    if live is not None:
        publish.watch_goals(live, goal_list)  # the class page shows how many hold now
    verdicts = []
    for g in goal_list:
        if isinstance(g, Reachable) and live is not None and ping:
            verdicts.append(_ping(live, g, snap))
        else:
            verdicts.append(_verdict(g, g.findings(snap)))
    return Report(tuple(verdicts), explain=explain)

"""A teacher's side of exercise files: a commented template, and a real check of one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from .. import checks as c
from ..messages import say
from ._core import Exercise, run
from ._schema import load

TEMPLATE = '''\
# An nslab exercise: one file, data only. `nslab exercise check THIS_FILE` builds it in a
# throw-away lab, proves that its faults break its goals and that its fix repairs them.
# The file name is NN-name.toml: NN is the exercise's number, name its name.
#
# Every text is a string in English. The kit's own exercises are translated in the course's
# catalogue (nslab/locale/zh_CN/LC_MESSAGES/notebooks.po, `make messages`); a file of your
# own may carry its translation inline instead:
#   title = { en = "Two faults", zh_CN = "..." }     (a missing zh_CN falls back to English)
# The notebook's prose below (learn, story, question, answer, lesson, selfcheck, the parts'
# task) may instead be the notebook's own text: a MyST Markdown notebook NN-name.md beside
# this file, as the kit's exercises have in course/exercises/ (its placeholders {goals},
# {solution}, {grade} ... take their data from this file: see nslab/exercises/_notebook.py).
# {a}, {b}, ... below are the roles of [names]; {tag} is the exercise's tag ("ex{number}").

number = {number}
title = "Two namespaces that cannot talk"
names = { a = "{tag}-a", b = "{tag}-b", va = "veth-a", vb = "veth-b" }

# "In this notebook you will:"
learn = ["diagnose a lab someone else built"]
# optional: prerequisites = ["..."]
story = "`{a}` and `{b}` are joined by a veth pair, yet they cannot ping each other."

# The lab, as Lab verbs: { do = VERB, ARGUMENT = VALUE, ... }, called in this order.
# Verbs: add_netns, set_up, set_down, add_veth, move, add_addr, del_addr, add_bridge,
# set_master, add_route, set_forwarding, delete_link (their arguments: help(nslab.Lab)).
topology = [
  { do = "add_netns", name = "{a}" },
  { do = "add_netns", name = "{b}" },
  { do = "set_up", ns = "{a}", ifname = "lo" },
  { do = "set_up", ns = "{b}", ifname = "lo" },
  { do = "add_veth", name = "{va}", peer = "{vb}", ns = "{a}", peer_ns = "{b}" },
  { do = "add_addr", ns = "{a}", ifname = "{va}", cidr = "192.168.1.1/24" },
  { do = "add_addr", ns = "{b}", ifname = "{vb}", cidr = "192.168.1.2/24" },
  { do = "set_up", ns = "{a}", ifname = "{va}" },
  { do = "set_up", ns = "{b}", ifname = "{vb}" },
]

# What the student sees, and what earns points: behaviour. Every goal (and hidden goal)
# must fail as handed out: points only for work.
# { goal = KIND, FIELD = VALUE }; kinds: reachable (ns, addr),
# has_netns (ns), lo_up (ns), link_up (ns, ifname), has_addr (ns, ifname, cidr),
# in_namespace (ifname, ns), connected (ns_a, ns_b), route_to (ns, cidr), forwards (ns),
# unique_addresses ().
goals = [
  { goal = "reachable", ns = "{a}", addr = "192.168.1.2" },
  { goal = "reachable", ns = "{b}", addr = "192.168.1.1" },
]
# What the grade cell checks besides: structure, never shown in the goal list.
hidden_goals = [
  { goal = "link_up", ns = "{b}", ifname = "{vb}" },
]
# optional: goals that already hold as handed out and must still hold at the end (shown,
# never a point; breaking one costs a point), e.g.
# constraints = [ { goal = "reachable", ns = "{a}", addr = "192.168.1.1" } ]
# optional: aliases = ["old-name"]   (the names the exercise had before)

# The investigation toolkit's capture: on IFNAME in NS, while FROM (default NS) pings PING.
capture = { ns = "{a}", ifname = "{va}", ping = "192.168.1.2" }

hints = [
  "Read the state column of `ip -br a` in both namespaces.",
  "A veth pair carries packets only when both ends are up.",
]
question = "What was wrong?"
answer = "`{vb}` was DOWN, so `{va}` had no carrier."
lesson = "A veth pair works only when both ends are up."
selfcheck = [
  { q = "What does LOWERLAYERDOWN mean?", a = "Set up, but the layer below (the peer) is down." },
]

# Each fault: injected after the topology; `expect` is a piece of what the checker must
# report before the fix (e.g. the fix it proposes); `fix` is the reference fix.
# A build-from-scratch exercise has [[parts]] (task, solution, draw) instead of faults.
[[faults]]
about = "{vb} is left DOWN"
inject = [ { do = "set_down", ns = "{b}", ifname = "{vb}" } ]
expect = "lab.set_up('{b}', '{vb}')"
fix = [ { do = "set_up", ns = "{b}", ifname = "{vb}" } ]
'''


def template(name: str, number: int = 99) -> str:
    """A commented exercise file to start from (valid as it is: check it, then edit it)."""
    return TEMPLATE.replace("{number}", str(number))


@dataclass(frozen=True)
class FileCheck:
    """What `check_file` proved, sentence by sentence (ok: every proof held)."""

    ok: bool
    lines: tuple[str, ...]

    def __str__(self) -> str:
        return "\n".join(self.lines)


def check_file(path: str | Path, *, tag: str | None = None) -> FileCheck:
    """Build the exercise file PATH in a throw-away lab and prove it works as an exercise.

    As handed out (the faults, or a build exercise's start) every graded goal must fail
    (points only for work) and every constraint hold, each fault's `expect` must be in
    the checker's report, and the reference fix must meet every goal and keep every
    constraint. The lab is removed afterwards, whatever happens.
    """
    from ..journal import Journal
    from ..lab import Lab

    ex = Exercise(load(path))
    tag = tag or "k" + uuid.uuid4().hex[:4]
    every = ex.goal_list(tag, hidden=True)
    lines = [say("classroom.check.valid", file=str(path), goals=len(every))]
    ok = True
    lab = Lab(tag)
    try:
        lab.reset()
        run(lab, ex.steps("setup", tag))
        before = c.check(lab, every)
        if before.passed:
            ok = False
            lines.append(say("classroom.check.start_passes"))
        else:
            lines.append(say("classroom.check.start_fails", summary=before.summary()))
            graded, kept = set(ex.graded(tag)), set(ex.constraints(tag))
            held = [v for v in before if v.ok and v.goal in graded]
            lost = [v for v in before if not v.ok and v.goal in kept]
            for v in held:
                lines.append(say("classroom.check.graded_holds", goal=v.goal.describe()))
            for v in lost:
                lines.append(say("classroom.check.constraint_fails", goal=v.goal.describe()))
            if held or lost:
                ok = False
            else:
                lines.append(say("classroom.check.graded_fail", n=len(graded)))
        reasons = "\n".join(before.reasons)
        for fault in ex.spec.faults:
            expected = ex.fill(fault.expect, tag)
            found = expected in reasons
            ok &= found
            lines.append(say("classroom.check.expect_found" if found
                             else "classroom.check.expect_missing",
                             about=ex.fill(fault.about, tag), expect=expected))
        run(lab, ex.steps("fix", tag))
        after = c.check(lab, every)
        ok &= after.passed
        lines.append(say("classroom.check.fix_passes") if after.passed
                     else say("classroom.check.fix_fails", report=str(after)))
    finally:
        lab.reset()
        Journal.open(tag).delete()
    lines.append(say("classroom.check.ok" if ok else "classroom.check.failed"))
    return FileCheck(ok, tuple(lines))


def new_file(name: str, folder: str | Path = ".") -> Path:
    """Write the template as FOLDER/NN-NAME.toml (NN: the next free number); never overwrite."""
    import re

    from ..errors import AlreadyExists, InvalidName

    if not re.fullmatch(r"[a-z][a-z0-9-]*", name):
        raise InvalidName(say("classroom.new.bad_name", name=name))
    folder = Path(folder)
    used = [int(p.name[:2]) for p in folder.glob("[0-9][0-9]-*.toml")]
    number = max(used, default=0) + 1
    path = folder / f"{number:02d}-{name}.toml"
    existing = list(folder.glob(f"[0-9][0-9]-{name}.toml"))
    if existing:
        raise AlreadyExists(say("classroom.new.exists", file=str(existing[0])))
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(template(name, number), encoding="utf-8")
    return path

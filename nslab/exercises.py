"""Classroom exercises: faulty labs to troubleshoot, their goals, hints and solutions.

    from nslab.checks import check
    from nslab.exercises import broken, goals, hints
    lab = broken("down-end")           # a lab with one classic mistake in it
    check(lab, goals("down-end"))      # fails, and says why in the tutorial's terms
    hints("down-end")                  # a button that reveals one hint per click

Troubleshooting labs (``broken(name)``): ``down-end``, ``left-in-host``,
``wrong-prefix``, ``lo-down``, ``duplicate-address`` and ``missing-route`` (three
namespaces, a router between two subnets). Build-from-scratch exercises:
``two-namespaces`` and ``router``. Each exercise is data (`Exercise`): its goals,
the code that builds its starting lab, its solution, hints, and the explanation
`check` gives before the fix. The notebooks in ``notebooks/exercises/`` are written
from this data, as nbgrader-style teacher versions, and run for real::

    python -c "from nslab.exercises import write_notebooks as w; w('notebooks/exercises', run=True)"

`nslab student notebooks/exercises/ student/` then writes the student versions.

Every exercise has a *tag*, its lab's name and its namespaces' prefix: "ex2" for
exercise 2. Pass another tag (``broken("down-end", tag="t1a2b")``, at most five
characters) to run an exercise next to a notebook that runs the same one.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets

from . import checks as c
from .errors import InvalidName, NotFound, did_you_mean

if TYPE_CHECKING:
    from .lab import Lab

__all__ = [
    "EXERCISES",
    "Exercise",
    "Hints",
    "Part",
    "broken",
    "exercise",
    "goals",
    "hints",
    "names",
    "notebook",
    "solution",
    "solve",
    "start",
    "write_notebooks",
]

Names = dict[str, str]


@dataclass(frozen=True)
class Part:
    """One step of an exercise: what to do (markdown) and the teacher's code."""

    task: str
    code: str
    draw: bool = True  # draw the lab right after it (not after a veth is set up: see below)


@dataclass(frozen=True)
class Exercise:
    """An exercise as data. Every text is a template over its names ({a}, {vb}, ...)."""

    name: str
    number: int
    title: str
    names: dict[str, str]  # role -> name template, with {tag}
    goals: Callable[[Names], list[c.Goal]]
    parts: tuple[Part, ...]
    hints: tuple[str, ...]
    learn: tuple[str, ...]  # "In this notebook you will:"
    story: str  # the situation, in markdown
    question: str  # a written question ...
    answer: str  # ... and the teacher's answer (a markdown solution region)
    lesson: str  # what to remember (no solution code in it: students see it)
    setup: str = ""  # code that builds the starting lab (hidden in broken(), shown otherwise)
    expect: tuple[str, ...] = ()  # what check() explains before the fix
    investigate: tuple[str, ...] = ()  # code cells that look at the lab
    prerequisites: tuple[str, ...] = ()

    @property
    def troubleshooting(self) -> bool:
        return bool(self.expect)

    @property
    def tag(self) -> str:
        return f"ex{self.number}"

    @property
    def filename(self) -> str:
        return f"{self.number:02d}-{self.name}.ipynb"

    def names_for(self, tag: str | None = None) -> Names:
        tag = self.tag if tag is None else tag
        if not re.fullmatch(r"[a-z][a-z0-9]{0,4}", tag):
            raise InvalidName(
                f"Tag {tag!r} does not fit: use 1 to 5 lowercase letters or digits, starting "
                "with a letter (interface names keep to 15 characters), e.g. tag='t1a2b'."
            )
        return {role: tmpl.format(tag=tag) for role, tmpl in self.names.items()} | {"tag": tag}

    def fill(self, text: str, tag: str | None = None) -> str:
        return text.format(**self.names_for(tag))


# ------------------------------------------------------------------ the exercises

_PREREQ = (
    "the article's steps S8–S19 (`ip netns add`, a veth pair, addresses, `ip link set up`, "
    "ping): the tutorial notebooks before this one",
    "a kernel that may create namespaces: root, or the sandbox kernel "
    "\"Python 3 (nslab sandbox)\" that `nslab lab` starts",
)

_PAIR_NAMES = {"a": "{tag}-a", "b": "{tag}-b", "va": "veth-a", "vb": "veth-b"}

_PAIR_SETUP = """\
lab.add_netns("{a}")
lab.add_netns("{b}")
lab.set_up("{a}", "lo")
lab.set_up("{b}", "lo")
lab.add_veth("{va}", "{vb}", ns="{a}", peer_ns="{b}")
"""


def _pair_goals(n: Names) -> list[c.Goal]:
    return [c.reachable(n["a"], "192.168.1.2"), c.reachable(n["b"], "192.168.1.1")]


_ROUTER_NAMES = {"left": "{tag}-left", "router": "{tag}-router", "right": "{tag}-right"}

_ROUTER_WIRING = """\
lab.add_netns("{left}")
lab.add_netns("{router}")
lab.add_netns("{right}")
for ns in ["{left}", "{router}", "{right}"]:
    lab.set_up(ns, "lo")
lab.add_veth("eth0", "eth-left", ns="{left}", peer_ns="{router}")
lab.add_veth("eth-right", "eth0", ns="{router}", peer_ns="{right}")
"""

_ROUTER_ADDRESSES = """\
lab.add_addr("{left}", "eth0", "10.0.1.1/24")
lab.add_addr("{router}", "eth-left", "10.0.1.254/24")
lab.add_addr("{router}", "eth-right", "10.0.2.254/24")
lab.add_addr("{right}", "eth0", "10.0.2.1/24")
lab.set_up("{left}", "eth0")
lab.set_up("{router}", "eth-left")
lab.set_up("{router}", "eth-right")
lab.set_up("{right}", "eth0")
"""


def _router_goals(n: Names) -> list[c.Goal]:
    return [
        c.has_addr(n["left"], "eth0", "10.0.1.1/24"),
        c.has_addr(n["router"], "eth-left", "10.0.1.254/24"),
        c.has_addr(n["router"], "eth-right", "10.0.2.254/24"),
        c.has_addr(n["right"], "eth0", "10.0.2.1/24"),
        c.connected(n["left"], n["router"]),
        c.connected(n["router"], n["right"]),
        c.forwards(n["router"]),
        c.route_to(n["left"], "10.0.2.0/24"),
        c.route_to(n["right"], "10.0.1.0/24"),
        c.reachable(n["left"], "10.0.2.1"),
        c.reachable(n["right"], "10.0.1.1"),
    ]


_EXERCISES: list[Exercise] = [
    Exercise(
        name="two-namespaces",
        number=1,
        title="Connect two namespaces",
        names={"a": "{tag}-test1", "b": "{tag}-test2", "va": "{tag}-veth1", "vb": "{tag}-veth2"},
        goals=lambda n: [
            c.has_netns(n["a"]),
            c.has_netns(n["b"]),
            c.lo_up(n["a"]),
            c.lo_up(n["b"]),
            c.in_namespace(n["va"], n["a"]),
            c.in_namespace(n["vb"], n["b"]),
            c.has_addr(n["a"], n["va"], "192.168.1.1/24"),
            c.has_addr(n["b"], n["vb"], "192.168.1.2/24"),
            c.link_up(n["a"], n["va"]),
            c.link_up(n["b"], n["vb"]),
            c.connected(n["a"], n["b"]),
            c.reachable(n["a"], "192.168.1.2"),
            c.reachable(n["b"], "192.168.1.1"),
        ],
        parts=(
            Part(
                "Create the namespaces `{a}` and `{b}` (S8) and bring `lo` up in both (S11).",
                'lab.add_netns("{a}")\nlab.add_netns("{b}")\nlab.set_up("{a}", "lo")\n'
                'lab.set_up("{b}", "lo")\n',
            ),
            Part(
                "Create the veth pair `{va}`/`{vb}` in the host (S12), then move each end "
                "into its namespace: `{va}` into `{a}`, `{vb}` into `{b}` (S13, S14).",
                'lab.add_veth("{va}", "{vb}")\nlab.move("{va}", "{a}")\nlab.move("{vb}", "{b}")\n',
            ),
            Part(
                "Give `{va}` the address 192.168.1.1/24 and `{vb}` 192.168.1.2/24 (S15), "
                "then bring both ends up (S17).",
                'lab.add_addr("{a}", "{va}", "192.168.1.1/24")\n'
                'lab.add_addr("{b}", "{vb}", "192.168.1.2/24")\n'
                'lab.set_up("{a}", "{va}")\nlab.set_up("{b}", "{vb}")\n',
                draw=False,
            ),
        ),
        hints=(
            "Each of the article's commands is one lab verb: `ip netns add X` is "
            "`lab.add_netns(\"X\")`; `ip link set dev lo up` inside X is "
            "`lab.set_up(\"X\", \"lo\")`.",
            "A veth pair is born in the host with both ends: `lab.add_veth(NAME, PEER)`. "
            "`lab.move(NAME, NS)` is `ip link set NAME netns NS`.",
            "Addresses and `up` are set inside the namespace that holds the interface: "
            "`lab.add_addr(NS, IFNAME, \"ADDR/24\")`, `lab.set_up(NS, IFNAME)`.",
            "Run the check cell after each step: its ✘ lines say what is still missing.",
        ),
        learn=(
            "rebuild the article's experiment yourself: two namespaces joined by a veth pair",
            "check your work against the live kernel after every step",
            "read the checker's explanations: each one names the article's step that is missing",
        ),
        story=(
            "Two empty rooms and a cable: build the article's lab. The namespaces are "
            "`{a}` and `{b}` (the article's test1 and test2, prefixed so that they never "
            "collide with another lab), the veth ends `{va}` and `{vb}`."
        ),
        question="Why does a ping fail while one end of the veth pair is still DOWN?",
        answer=(
            "A veth pair is a cable: it carries packets only when both ends are up. With "
            "one end DOWN the other end has no carrier (state LOWERLAYERDOWN), so nothing "
            "gets across."
        ),
        lesson=(
            "The kernel holds exactly what the article's commands create, step by step: a "
            "namespace starts with only `lo` (DOWN), a veth pair starts in the host, and an "
            "interface carries packets only once it has an address and both ends are up."
        ),
        prerequisites=_PREREQ[1:] + ("the article's steps S8–S19, read once",),
    ),
    Exercise(
        name="down-end",
        number=2,
        title="A cable with one end down",
        names=_PAIR_NAMES,
        setup=_PAIR_SETUP + (
            'lab.add_addr("{a}", "{va}", "192.168.1.1/24")\n'
            'lab.add_addr("{b}", "{vb}", "192.168.1.2/24")\n'
            'lab.set_up("{a}", "{va}")\n'
        ),
        goals=lambda n: [c.link_up(n["a"], n["va"]), c.link_up(n["b"], n["vb"]),
                         *_pair_goals(n)],
        parts=(Part(
            "Fix the lab so that every goal is met. Change as little as you can.",
            'lab.set_up("{b}", "{vb}")\n',
        ),),
        expect=(
            "{vb} is DOWN, so the pair has no carrier — bring it up in {b}: "
            "lab.set_up('{b}', '{vb}')",
        ),
        investigate=('lab.ping("{a}", "192.168.1.2")', 'lab.exec("{a}", "ip route")'),
        hints=(
            "Look at the drawing: grey means DOWN, orange means up but without a carrier.",
            "In `ip route`, `linkdown` marks a route whose link has no carrier.",
            "A veth pair carries packets only when BOTH ends are up (S17).",
        ),
        learn=(
            "diagnose a lab someone else built, with ping, `ip route` and the drawing",
            "see what \"no carrier\" means for a veth pair",
        ),
        story=(
            "`{a}` has 192.168.1.1/24 on `{va}`, `{b}` has 192.168.1.2/24 on `{vb}`, a "
            "veth pair joins them, `lo` is up on both sides. Yet the two cannot ping each "
            "other."
        ),
        question="What was wrong, and why did it break the ping in both directions?",
        answer=(
            "`{vb}` was DOWN. A veth pair is one cable: with one end down the other end "
            "has no carrier either, so neither side can send."
        ),
        lesson=(
            "`ip link set ... up` on one end is not enough: the pair works only when both "
            "ends are up, and a DOWN end shows on the other side as *no carrier* "
            "(`LOWERLAYERDOWN`, routes marked `linkdown`)."
        ),
    ),
    Exercise(
        name="left-in-host",
        number=3,
        title="A veth end left in the host",
        names={"a": "{tag}-a", "b": "{tag}-b", "va": "{tag}-veth-a", "vb": "{tag}-veth-b"},
        setup=(
            'lab.add_netns("{a}")\nlab.add_netns("{b}")\n'
            'lab.set_up("{a}", "lo")\nlab.set_up("{b}", "lo")\n'
            'lab.add_veth("{va}", "{vb}")\nlab.move("{va}", "{a}")\n'
            'lab.add_addr("{a}", "{va}", "192.168.1.1/24")\nlab.set_up("{a}", "{va}")\n'
        ),
        goals=lambda n: [
            c.in_namespace(n["vb"], n["b"]),
            c.has_addr(n["b"], n["vb"], "192.168.1.2/24"),
            c.link_up(n["b"], n["vb"]),
            *_pair_goals(n),
        ],
        parts=(Part(
            "Finish the lab so that every goal is met: `{vb}` should be the end in `{b}`, "
            "with 192.168.1.2/24.",
            'lab.move("{vb}", "{b}")\nlab.add_addr("{b}", "{vb}", "192.168.1.2/24")\n'
            'lab.set_up("{b}", "{vb}")\n',
        ),),
        expect=(
            "{vb} is still in the host namespace — move it into {b} (S13): "
            "lab.move('{vb}', '{b}')",
        ),
        investigate=('lab.exec("{b}", "ip route")', 'lab.ping("{a}", "192.168.1.2")'),
        hints=(
            "Which box of the drawing holds `{vb}`?",
            "`ip link set IFNAME netns NS` (S13) is `lab.move(IFNAME, NS)`.",
            "Moving an interface resets it: after the move it has no address and is DOWN "
            "(S15–S17).",
        ),
        learn=(
            "find an interface that is in the wrong namespace",
            "finish the article's steps S14–S17 on your own",
        ),
        story=(
            "Someone started the article: created `{a}` and `{b}`, made the veth pair "
            "`{va}`/`{vb}`, moved `{va}` into `{a}` and configured it. Then they stopped."
        ),
        question="Why could `{a}` not reach 192.168.1.2 even though `{va}` was up?",
        answer=(
            "The other end, `{vb}`, was still in the host namespace, DOWN and without an "
            "address: `{b}` had nothing but `lo`, and nothing in the lab had 192.168.1.2."
        ),
        lesson=(
            "A veth pair is created in one namespace; each end has to be moved to where it "
            "belongs, and an interface moved to another namespace arrives DOWN and without "
            "addresses."
        ),
    ),
    Exercise(
        name="wrong-prefix",
        number=4,
        title="A wrong prefix length",
        names=_PAIR_NAMES,
        setup=_PAIR_SETUP + (
            'lab.add_addr("{a}", "{va}", "192.168.1.1/24")\n'
            'lab.add_addr("{b}", "{vb}", "192.168.1.2/32")\n'
            'lab.set_up("{a}", "{va}")\nlab.set_up("{b}", "{vb}")\n'
        ),
        goals=lambda n: [c.has_addr(n["b"], n["vb"], "192.168.1.2/24"), *_pair_goals(n)],
        parts=(Part(
            "Fix the lab so that every goal is met.",
            'lab.del_addr("{b}", "{vb}", "192.168.1.2/32")\n'
            'lab.add_addr("{b}", "{vb}", "192.168.1.2/24")\n',
        ),),
        expect=(
            "192.168.1.2/32 on {vb} has prefix length /32 while its neighbour {va} in {a} "
            "has 192.168.1.1/24",
        ),
        investigate=('lab.exec("{a}", "ip route")', 'lab.exec("{b}", "ip route")'),
        hints=(
            "Compare `ip route` in the two namespaces: which one knows the subnet "
            "192.168.1.0/24?",
            "The number after the slash says how many addresses are \"on the link\". "
            "/32 means: only me.",
            "A ping needs a route both ways: the request there, and the reply back.",
        ),
        learn=(
            "see how the prefix length decides which addresses are on the link",
            "find out why a ping needs a route in both directions",
        ),
        story=(
            "The same two namespaces as in the article, the veth pair up on both sides, "
            "192.168.1.1 on `{va}` and 192.168.1.2 on `{vb}`. Still, no ping gets an "
            "answer."
        ),
        question="Why did `{a}`'s ping reach `{b}` but never get a reply?",
        answer=(
            "`{vb}` had 192.168.1.2/32, as if the `/24` had been left out of `ip addr add`. "
            "With /32 `{b}` has no route to 192.168.1.0/24, so it could not send the reply "
            "to 192.168.1.1."
        ),
        lesson=(
            "An address always comes with a prefix length, and the kernel adds a route for "
            "the whole subnet it implies. `ip addr add 192.168.1.2 dev X` without `/24` "
            "means /32: a subnet of one."
        ),
    ),
    Exercise(
        name="lo-down",
        number=5,
        title="lo is down",
        names=_PAIR_NAMES,
        setup=(
            'lab.add_netns("{a}")\nlab.add_netns("{b}")\nlab.set_up("{b}", "lo")\n'
            'lab.add_veth("{va}", "{vb}", ns="{a}", peer_ns="{b}")\n'
            'lab.add_addr("{a}", "{va}", "192.168.1.1/24")\n'
            'lab.add_addr("{b}", "{vb}", "192.168.1.2/24")\n'
            'lab.set_up("{a}", "{va}")\nlab.set_up("{b}", "{vb}")\n'
        ),
        goals=lambda n: [
            c.lo_up(n["a"]),
            c.reachable(n["a"], "127.0.0.1"),
            c.reachable(n["a"], "192.168.1.1"),
            *_pair_goals(n),
        ],
        parts=(Part("Fix the lab so that every goal is met.", 'lab.set_up("{a}", "lo")\n'),),
        expect=("lo is down in {a} (S11)",),
        investigate=('lab.ping("{a}", "192.168.1.2")', 'lab.ping("{a}", "192.168.1.1")'),
        hints=(
            "Which pings work, and which fail? Compare pings to the other namespace with "
            "pings that stay inside `{a}`.",
            "Traffic from a namespace to itself goes through the loopback interface.",
            "Step S11 of the article.",
        ),
        learn=(
            "tell traffic that leaves a namespace from traffic that stays inside it",
            "see why the article brings `lo` up (S11)",
        ),
        story=(
            "`{a}` and `{b}` can ping each other. But a program in `{a}` that talks to "
            "127.0.0.1, or to `{a}`'s own address, gets nothing."
        ),
        question="Why did the ping to `{b}` work while the ping to `{a}`'s own address failed?",
        answer=(
            "`lo` was down in `{a}`. Packets to 127.0.0.1 and to the namespace's own "
            "addresses go through `lo`; packets to `{b}` go out through `{va}`, which was up."
        ),
        lesson=(
            "Every namespace has its own `lo`, and it starts DOWN. Local traffic, even to the "
            "namespace's own veth address, needs it: bring it up first (S11)."
        ),
    ),
    Exercise(
        name="duplicate-address",
        number=6,
        title="A duplicate address",
        names=_PAIR_NAMES,
        setup=_PAIR_SETUP + (
            'lab.add_addr("{a}", "{va}", "192.168.1.1/24")\n'
            'lab.add_addr("{b}", "{vb}", "192.168.1.1/24")\n'
            'lab.set_up("{a}", "{va}")\nlab.set_up("{b}", "{vb}")\n'
        ),
        goals=lambda n: [
            c.unique_addresses(),
            c.has_addr(n["b"], n["vb"], "192.168.1.2/24"),
            *_pair_goals(n),
        ],
        parts=(Part(
            "Fix the lab so that every goal is met.",
            'lab.del_addr("{b}", "{vb}", "192.168.1.1/24")\n'
            'lab.add_addr("{b}", "{vb}", "192.168.1.2/24")\n',
        ),),
        expect=("192.168.1.1 is on both {va} in {a} and {vb} in {b} (a duplicate address)",),
        investigate=('lab.ping("{b}", "192.168.1.1")', 'lab.exec("{b}", "ip route")'),
        hints=(
            "`lab.ping(\"{b}\", \"192.168.1.1\")` works. Who answers it?",
            "Compare the addresses in the two boxes of the drawing.",
            "`lab.del_addr` removes an address, `lab.add_addr` adds one.",
        ),
        learn=(
            "recognise a duplicate address, and why a successful ping can be misleading",
        ),
        story=(
            "Both ends of the veth pair are up, both namespaces have 192.168.1.x/24. From "
            "`{b}`, `ping 192.168.1.1` even works. Yet `{a}` never hears from `{b}`."
        ),
        question="Why did the ping from `{b}` to 192.168.1.1 succeed, and why was that "
                 "misleading?",
        answer=(
            "`{vb}` also had 192.168.1.1, so `{b}` answered its own ping without sending "
            "anything over the pair; nothing had 192.168.1.2."
        ),
        lesson=(
            "A ping that works proves only that *someone* answered. When an address is on "
            "two interfaces, each namespace answers for itself."
        ),
    ),
    Exercise(
        name="missing-route",
        number=7,
        title="A missing route through a router",
        names=_ROUTER_NAMES,
        setup=_ROUTER_WIRING + _ROUTER_ADDRESSES + (
            'lab.set_forwarding("{router}", True)\n'
            'lab.add_route("{right}", "10.0.1.0/24", via="10.0.2.254")\n'
        ),
        goals=_router_goals,
        parts=(Part(
            "Fix the lab so that every goal is met.",
            'lab.add_route("{left}", "10.0.2.0/24", via="10.0.1.254")\n',
        ),),
        expect=(
            "10.0.1.1/24 and 10.0.2.1/24 are in different subnets and no route joins them: "
            "{left} has no route to 10.0.2.1 — send it through the router {router}: "
            "lab.add_route('{left}', '10.0.2.0/24', via='10.0.1.254')",
        ),
        investigate=('lab.exec("{left}", "ip route")', 'lab.exec("{right}", "ip route")'),
        hints=(
            "Compare `ip route` in `{left}` and in `{right}`.",
            "A namespace reaches another subnet only through a gateway: a neighbour on its "
            "own subnet that forwards.",
            "The ping from `{right}` arrives in `{left}`: why does its reply never get back?",
        ),
        learn=(
            "follow a packet across a router, hop by hop",
            "see that replies need a route back, too",
        ),
        story=(
            "Three namespaces: `{left}` (10.0.1.1/24) and `{right}` (10.0.2.1/24) sit on "
            "two subnets, and `{router}` has a leg in each (10.0.1.254 and 10.0.2.254) and "
            "forwards packets. `{right}` knows the way to 10.0.1.0/24. The two ends cannot "
            "ping each other, in either direction."
        ),
        question="Why did the ping from `{right}` to `{left}` fail, although `{right}` had "
                 "its route?",
        answer=(
            "The request got to `{left}`, but `{left}` had no route to 10.0.2.0/24, so "
            "its reply had nowhere to go. It needs a route via the router, 10.0.1.254."
        ),
        lesson=(
            "Addresses in different subnets are joined only by routes. Every namespace on "
            "the way needs one, in both directions, and the router must forward "
            "(`net.ipv4.ip_forward = 1`)."
        ),
        prerequisites=_PREREQ + ("exercise 1 (two namespaces), or the same steps by hand",),
    ),
    Exercise(
        name="router",
        number=8,
        title="Build a router between two subnets",
        names=_ROUTER_NAMES,
        setup=_ROUTER_WIRING,
        goals=_router_goals,
        parts=(
            Part(
                "Give the four interfaces their addresses (10.0.1.1/24 on `eth0` in "
                "`{left}`, 10.0.1.254/24 on `eth-left` and 10.0.2.254/24 on `eth-right` in "
                "`{router}`, 10.0.2.1/24 on `eth0` in `{right}`) and bring them all up.",
                _ROUTER_ADDRESSES,
                draw=False,
            ),
            Part(
                "Make `{router}` forward packets, and give `{left}` and `{right}` a route to "
                "each other's subnet through it.",
                'lab.set_forwarding("{router}", True)\n'
                'lab.add_route("{left}", "10.0.2.0/24", via="10.0.1.254")\n'
                'lab.add_route("{right}", "10.0.1.0/24", via="10.0.2.254")\n',
                draw=False,
            ),
        ),
        hints=(
            "Two subnets: 10.0.1.0/24 between `{left}` and `{router}`, 10.0.2.0/24 between "
            "`{router}` and `{right}`.",
            "`lab.set_forwarding(NS, True)` is `sysctl -w net.ipv4.ip_forward=1` inside NS.",
            "`lab.add_route(NS, \"SUBNET\", via=\"GATEWAY\")`: the gateway is the router's "
            "address on NS's own subnet.",
            "Routes are needed both ways: the reply travels back as a packet of its own.",
        ),
        learn=(
            "build three namespaces: two hosts and a router between two subnets",
            "turn a namespace into a router with forwarding and routes",
        ),
        story=(
            "Two hosts on two different subnets, `{left}` and `{right}`, and a router "
            "`{router}` with one leg in each. The namespaces and cables are given below; "
            "you add the addresses, the forwarding and the routes."
        ),
        question="Why does `{left}` need a route to 10.0.2.0/24, but no route to 10.0.1.0/24?",
        answer=(
            "10.0.1.0/24 is its own subnet: the kernel adds that route itself with the "
            "address. Any other subnet is reached only through a gateway, so it needs a "
            "route via 10.0.1.254."
        ),
        lesson=(
            "A router is just a namespace with two legs that forwards. Hosts reach other "
            "subnets through routes via a gateway on their own subnet, and the replies need "
            "the same in the other direction."
        ),
        prerequisites=_PREREQ + ("exercise 7 (a missing route) helps",),
    ),
]

EXERCISES: dict[str, Exercise] = {ex.name: ex for ex in _EXERCISES}


# ------------------------------------------------------------------ the API


def exercise(name: str) -> Exercise:
    """The exercise called NAME (see EXERCISES)."""
    try:
        return EXERCISES[name]
    except (KeyError, TypeError):
        hint = did_you_mean(str(name), EXERCISES)  # no leading space of its own
        raise NotFound(
            f"There is no exercise {name!r}.{' ' + hint if hint else ''} "
            f"Known: {', '.join(EXERCISES)}."
        ) from None


def names(name: str, *, tag: str | None = None) -> Names:
    """The namespace and interface names of an exercise, e.g. {'a': 'ex2-a', ...}."""
    return exercise(name).names_for(tag)


def goals(name: str, *, tag: str | None = None) -> list[c.Goal]:
    """The goals of an exercise: pass them to nslab.checks.check(lab, ...)."""
    ex = exercise(name)
    return ex.goals(ex.names_for(tag))


def solution(name: str, *, tag: str | None = None) -> str:
    """The teacher's solution, as code that expects a `lab` variable."""
    ex = exercise(name)
    return "".join(ex.fill(p.code, tag) for p in ex.parts)


def start(name: str, *, tag: str | None = None) -> Lab:
    """A fresh lab for the exercise: empty, or as broken as the exercise says."""
    from .lab import Lab

    ex = exercise(name)
    lab = Lab(ex.names_for(tag)["tag"])
    lab.reset()
    if ex.setup:
        exec(ex.fill(ex.setup, tag), {"lab": lab})  # noqa: S102 - our own code, from above
        c.settled_snapshot(lab)  # so that the first drawing shows every link's final state
    lab.checkpoint("start")
    return lab


def broken(name: str, *, tag: str | None = None) -> Lab:
    """A lab with one classic mistake in it, for a troubleshooting exercise.

    The lab is named after the exercise's tag ("ex2"); building it again starts over.
    `lab.restore("start")` rebuilds it as it was handed out.
    """
    ex = exercise(name)
    if not ex.troubleshooting:
        trouble = [e.name for e in _EXERCISES if e.troubleshooting]
        raise NotFound(
            f"Exercise {name!r} is built from scratch, not broken. Troubleshooting labs: "
            f"{', '.join(trouble)}. For this one start with lab = Lab({ex.tag!r})."
        )
    lab = start(name, tag=tag)
    lab.transcript.clear()  # the student's transcript starts with the student's commands
    return lab


def solve(lab: Lab, name: str, *, tag: str | None = None) -> None:
    """Apply the teacher's solution to LAB (tests, and teachers in a hurry)."""
    exec(solution(name, tag=tag), {"lab": lab})  # noqa: S102 - our own code, from above


# ------------------------------------------------------------------ hints


def _hint_html(text: str) -> str:
    parts = re.split(r"(`[^`]+`)", text)
    return "".join(
        f"<code>{html.escape(p[1:-1])}</code>" if i % 2 else html.escape(p)
        for i, p in enumerate(parts)
    )


class Hints(widgets.VBox):
    """A button that reveals one hint per click, and the hints shown so far."""

    def __init__(self, items: Sequence[str]) -> None:
        button = widgets.Button(description="Show a hint", icon="lightbulb-o")
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
            f"Show a hint ({self.shown + 1} of {len(self.items)})" if left else "No more hints"
        )
        self.button.disabled = not left

    def reveal(self) -> str | None:
        """Show the next hint (what a click does). Returns it, or None when all are out."""
        if self.shown >= len(self.items):
            return None
        hint = self.items[self.shown]
        self.shown += 1
        self.text.value = "".join(
            f"<p><b>Hint {i + 1}.</b> {_hint_html(h)}</p>"
            for i, h in enumerate(self.items[: self.shown])
        )
        self._label()
        return hint


def hints(items: str | Sequence[str], *, tag: str | None = None) -> Hints:
    """A widget that reveals one hint per click: of an exercise (by name), or of a list."""
    if isinstance(items, str):
        ex = exercise(items)
        items = [ex.fill(h, tag) for h in ex.hints]
        if ex.troubleshooting:
            items.append(
                "Still stuck? Let the checker explain: `check(lab, goal)`, without "
                "`explain=False`."
            )
    return Hints(items)


# ------------------------------------------------------------------ teacher notebooks

_KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


@dataclass
class _Cells:
    ex: Exercise
    cells: list[Any] = field(default_factory=list)

    def md(self, text: str, **nbgrader: Any) -> None:
        import nbformat

        cell = nbformat.v4.new_markdown_cell(text)
        self._mark(cell, nbgrader)
        self.cells.append(cell)

    def code(self, text: str, **nbgrader: Any) -> None:
        import nbformat

        cell = nbformat.v4.new_code_cell(text.rstrip("\n"))
        self._mark(cell, nbgrader)
        self.cells.append(cell)

    def _mark(self, cell: Any, nbgrader: dict[str, Any]) -> None:
        cell["id"] = f"{self.ex.tag}-{len(self.cells):02d}"
        if nbgrader:
            meta = {"grade": False, "locked": False, "solution": False, "schema_version": 3,
                    "task": False, "grade_id": cell["id"]}
            meta.update(nbgrader)
            cell.metadata["nbgrader"] = meta


def _intro(ex: Exercise) -> str:
    kind = "Troubleshooting exercise" if ex.troubleshooting else "Exercise"
    learn = "\n".join(f"- {ex.fill(x)}" for x in ex.learn)
    pre = "\n".join(f"- {ex.fill(x)}" for x in (ex.prerequisites or _PREREQ))
    return (
        f"# {kind} {ex.number}: {ex.fill(ex.title)}\n\n"
        f"In this notebook you will:\n{learn}\n\n"
        f"**Prerequisites:**\n{pre}\n\n"
        "Cells marked with a solution (`### BEGIN SOLUTION`) are yours to write; the "
        "check cells below them tell you, from the live kernel, whether you got there."
    )


def notebook(name: str) -> Any:
    """The teacher version of an exercise notebook (nbformat v4, not yet executed)."""
    import nbformat

    ex = exercise(name)
    nb = _Cells(ex)
    f = ex.fill
    goal_list = "\n".join(f"- {g.describe()}" for g in ex.goals(ex.names_for()))
    nb.md(_intro(ex))
    if ex.troubleshooting:
        nb.code(
            "from nslab.checks import check\nfrom nslab.exercises import broken, goals, hints"
        )
        nb.md(
            f"## The lab\n\n{f(ex.story)}\n\n`broken({ex.name!r})` builds it for you, in "
            "real namespaces. Here it is, drawn from what the kernel holds now:"
        )
        nb.code(f"lab = broken({ex.name!r})\nlab")
    else:
        nb.code(
            "from nslab import Lab\nfrom nslab.checks import check\n"
            "from nslab.exercises import goals, hints"
        )
        nb.md(f"## The lab\n\n{f(ex.story)}")
        nb.code(f"lab = Lab({ex.tag!r})\nleftovers = lab.reset()  # start clean, if it ran before")
        if ex.setup:
            nb.md("The namespaces and cables are given:")
            nb.code(f(ex.setup))
            nb.code("lab")
    asks = "The check asks the kernel (one snapshot, and a real ping for each *can ping* goal)"
    if ex.troubleshooting:
        nb.md(
            f"## The goal\n\n{goal_list}\n\n{asks}. Here it only says ✔ or ✘: finding out "
            "why is your job."
        )
        nb.code(f"goal = goals({ex.name!r})\ncheck(lab, goal, explain=False)")
    else:
        nb.md(f"## The goal\n\n{goal_list}\n\n{asks} and explains every ✘:")
        nb.code(f"goal = goals({ex.name!r})\ncheck(lab, goal)")
    if ex.investigate:
        nb.md("## Investigate\n\nLook with the article's own tools before you change anything:")
        for cell in ex.investigate:
            nb.code(f(cell))
    nb.md("Stuck? Reveal the hints one at a time:")
    nb.code(f"hints({ex.name!r})")
    for i, part in enumerate(ex.parts, 1):
        number = f"{ex.number}.{i}" if len(ex.parts) > 1 else f"{ex.number}"
        nb.md(f"#### Exercise {number}\n\n{f(part.task)}")
        nb.code(f"### BEGIN SOLUTION\n{f(part.code)}### END SOLUTION", solution=True)
        # The other end of a veth pair shows its new state a moment after `set_up`
        # (the kernel's linkwatch): such steps are drawn after the check, which waits.
        if part.draw and not ex.troubleshooting:
            nb.code("lab")
    nb.md(f"#### Question\n\n{f(ex.question)}")
    nb.md(f"### BEGIN SOLUTION\n{f(ex.answer)}\n### END SOLUTION", solution=True, grade=True,
          points=1)
    nb.md("## Check\n\nThe autograder cell: it passes when every goal is met.")
    nb.code("report = check(lab, goal)\nassert report.passed, report\nreport", grade=True,
            locked=True, points=len(ex.goals(ex.names_for())))
    nb.md("The lab as the kernel holds it now:")
    nb.code("lab")
    restore = (
        ' If you got lost on the way, `lab.restore("start")` rebuilds the lab as it was '
        "handed out." if ex.troubleshooting else ""
    )
    nb.md(f"## What to remember\n\n{f(ex.lesson)}\n\nClean up: remove everything this lab "
          f"created, and nothing else.{restore}")
    nb.code("lab.reset()")
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

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for ex in _EXERCISES:
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

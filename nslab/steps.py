"""The article's steps as plain data: the one source for the Stepper and the notebooks.

A Step names the article's command, the Lab calls that perform it, the commands whose
output shows the result, and the steps it needs. Its title, explanation and "what it
makes" are message keys (nslab/messages/steps.py), so every sentence goes through the
catalogue. tools/make_notebooks.py writes the notebooks' step cells from this data;
nslab.tutorial runs it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .messages import say

Call = tuple[str, tuple, dict]


def call(verb: str, *args: Any, **kwargs: Any) -> Call:
    """One Lab call: call("add_netns", "test1") stands for lab.add_netns("test1")."""
    return (verb, args, kwargs)


@dataclass(frozen=True)
class Step:
    id: str  # "S13", as in docs/article-steps.md
    title_key: str
    command: str  # the article's command(s), one per line, verbatim
    explain_key: str
    calls: tuple[Call, ...] = ()
    show: tuple[tuple[Any, str], ...] = ()  # (namespace key, command) to run afterwards
    needs: tuple[str, ...] = ()  # steps that must have run before this one
    makes_key: str | None = None  # what it leaves behind, for "run step S8 first"

    @property
    def title(self) -> str:
        return say(self.title_key)

    @property
    def explain(self) -> str:
        return say(self.explain_key)

    @property
    def makes(self) -> str | None:
        return say(self.makes_key) if self.makes_key else None


def _steps(*steps: Step) -> dict[str, Step]:
    return {s.id: s for s in steps}


CONTAINERS = _steps(
    Step("S1", "steps.s1.title",
         'docker run -d --name test1 busybox /bin/sh -c "while true; do sleep 3600; done"',
         "steps.s1.explain", (call("run_container", "test1"),), makes_key="steps.s1.makes"),
    Step("S2", "steps.s2.title", "docker exec -it test1 /bin/sh\nip a", "steps.s2.explain",
         show=(("@test1", "ip a"),), needs=("S1",)),
    Step("S3", "steps.s3.title", "exit\nip a", "steps.s3.explain",
         show=((None, "ip -br link"),), needs=("S1",)),
    Step("S4", "steps.s4.title",
         'docker run -d --name test2 busybox /bin/sh -c "while true; do sleep 3600; done"\n'
         "docker exec test2 ip a",
         "steps.s4.explain", (call("run_container", "test2"),), show=(("@test2", "ip a"),),
         needs=("S1",), makes_key="steps.s4.makes"),
    Step("S5", "steps.s5.title", "docker exec test1 ping 172.17.0.3", "steps.s5.explain",
         show=(("@test1", "ping -c 1 -W 2 172.17.0.3"),), needs=("S4",)),
)

IP_NETNS = _steps(
    Step("S6", "steps.s6.title", "ip netns add test1\nip netns list\nip netns delete test1",
         "steps.s6.explain", (call("add_netns", "test1"), call("delete_netns", "test1")),
         show=((None, "ip netns list"),)),
    Step("S7", "steps.s7.title", "ip netns list", "steps.s7.explain",
         (call("run_container", "web"),), show=((None, "ip netns list"),),
         makes_key="steps.s7.makes"),
    Step("S8", "steps.s8.title", "ip netns add test1\nip netns add test2", "steps.s8.explain",
         (call("add_netns", "test1"), call("add_netns", "test2")),
         show=((None, "ip netns list"),), makes_key="steps.s8.makes"),
    Step("S9", "steps.s9.title", "ip netns exec test1 ip a", "steps.s9.explain",
         show=(("test1", "ip a"),), needs=("S8",)),
    Step("S10", "steps.s10.title", "ip link\nip netns exec test1 ip link", "steps.s10.explain",
         show=((None, "ip link"), ("test1", "ip link")), needs=("S8",)),
    Step("S11", "steps.s11.title", "ip netns exec test1 ip link set dev lo up",
         "steps.s11.explain", (call("set_up", "test1", "lo"),), show=(("test1", "ip link"),),
         needs=("S8",)),
)

VETH = _steps(
    Step("S12", "steps.s12.title", "ip link add veth-test1 type veth peer name veth-test2",
         "steps.s12.explain", (call("add_veth", "veth-test1", "veth-test2"),),
         show=((None, "ip link show dev veth-test1"), (None, "ip link show dev veth-test2")),
         needs=("S8",), makes_key="steps.s12.makes"),
    Step("S13", "steps.s13.title", "ip link set veth-test1 netns test1", "steps.s13.explain",
         (call("move", "veth-test1", "test1"),), show=(("test1", "ip link"),),
         needs=("S12",), makes_key="steps.s13.makes"),
    Step("S14", "steps.s14.title", "ip link set veth-test2 netns test2", "steps.s14.explain",
         (call("move", "veth-test2", "test2"),), show=(("test2", "ip link"),),
         needs=("S12",), makes_key="steps.s14.makes"),
    Step("S15", "steps.s15.title",
         "ip netns exec test1 ip addr add 192.168.1.1/24 dev veth-test1\n"
         "ip netns exec test2 ip addr add 192.168.1.2/24 dev veth-test2",
         "steps.s15.explain",
         (call("add_addr", "test1", "veth-test1", "192.168.1.1/24"),
          call("add_addr", "test2", "veth-test2", "192.168.1.2/24")),
         needs=("S13", "S14"), makes_key="steps.s15.makes"),
    Step("S16", "steps.s16.title", "ip netns exec test1 ip link\nip netns exec test2 ip link",
         "steps.s16.explain", show=(("test1", "ip link"), ("test2", "ip link")),
         needs=("S15",)),
    Step("S17", "steps.s17.title",
         "ip netns exec test1 ip link set dev veth-test1 up\n"
         "ip netns exec test2 ip link set dev veth-test2 up",
         "steps.s17.explain",
         (call("set_up", "test1", "veth-test1"), call("set_up", "test2", "veth-test2")),
         show=(("test1", "ip link show dev veth-test1"),), needs=("S13", "S14"),
         makes_key="steps.s17.makes"),
    Step("S18", "steps.s18.title", "ip netns exec test1 ip a\nip netns exec test2 ip a",
         "steps.s18.explain", show=(("test1", "ip a"), ("test2", "ip a")), needs=("S17",)),
    Step("S19", "steps.s19.title",
         "ip netns exec test1 ping 192.168.1.2\nip netns exec test2 ping 192.168.1.1",
         "steps.s19.explain",
         show=(("test1", "ping -c 1 -W 2 192.168.1.2"), ("test2", "ping -c 1 -W 2 192.168.1.1")),
         needs=("S15", "S17")),
)

ARTICLE: dict[str, Step] = {**CONTAINERS, **IP_NETNS, **VETH}


class _Makes(Mapping[str, str]):
    """What each step leaves behind, in the active language: MAKES["S8"]."""

    def __getitem__(self, step_id: str) -> str:
        step = ARTICLE[step_id]
        if step.makes is None:
            raise KeyError(step_id)
        return step.makes

    def __iter__(self) -> Iterator[str]:
        return (i for i, s in ARTICLE.items() if s.makes_key)

    def __len__(self) -> int:
        return sum(1 for _ in self)


MAKES: Mapping[str, str] = _Makes()

__all__ = ["ARTICLE", "CONTAINERS", "IP_NETNS", "MAKES", "VETH", "Call", "Step", "call"]

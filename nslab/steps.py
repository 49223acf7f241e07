"""The article's steps as plain data: the one source for the Stepper and the notebooks.

A Step names the article's command, the Lab calls that perform it, the commands whose
output shows the result, and the steps it needs. Its title, introduction, explanation and
"what it makes" are message keys (nslab/messages/steps.py), so every sentence goes through
the catalogue. Predict first: the introduction (what to do) is shown before the run, the
explanation (what happened) only after it; `answer` and `answer_words` are the words of the
answer, which no text before the Predict prompt may contain (tests/notebooks/test_predict.py).
tools/make_notebooks.py writes the notebooks' step cells from this data (course/*.md name the
steps); nslab.tutorial runs it.
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
    answer: tuple[str, ...] = ()  # words of the answer that read the same in every language
    intro_key: str = ""  # what to do, before the run
    answer_key: str | None = None  # words of the answer in the reader's language, '|' between

    @property
    def title(self) -> str:
        return say(self.title_key)

    @property
    def intro(self) -> str:
        """What to do, shown before the run: never the answer."""
        return say(self.intro_key)

    @property
    def answer_words(self) -> tuple[str, ...]:
        """Every word of the answer in the active language: `answer`, then the translated
        words of `answer_key`."""
        words = say(self.answer_key).split("|") if self.answer_key else []
        return self.answer + tuple(w.strip() for w in words if w.strip())

    def heading_markdown(self, note: str = "") -> str:
        """The notebook cell before the Predict prompt: the step's id and title (an action),
        what to do, a NOTE (already in the reader's language) and the article's command."""
        note = f"\n\n{note.strip()}" if note.strip() else ""
        return (f"## {self.id} · {self.title}\n\n{self.intro}{note}\n\n"
                f"{say('steps.article_runs')}\n\n```bash\n{self.command}\n```")

    def explained_markdown(self) -> str:
        """The notebook cell after the step's output: what happened."""
        return say("steps.what_happened", step=self.id, text=self.explain)

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
         "steps.s1.explain", (call("run_container", "test1"),), makes_key="steps.s1.makes",
         answer=("172.17.0.2", "@test1"),
         intro_key="steps.s1.intro"),
    Step("S2", "steps.s2.title", "docker exec -it test1 /bin/sh\nip a", "steps.s2.explain",
         show=(("@test1", "ip a"),), needs=("S1",),
         answer=("172.17.0.2/16", "eth0@if"),
         intro_key="steps.s2.intro"),
    Step("S3", "steps.s3.title", "exit\nip a", "steps.s3.explain",
         show=((None, "ip -br link"),), needs=("S1",),
         intro_key="steps.s3.intro", answer_key="steps.s3.answer"),
    Step("S4", "steps.s4.title",
         'docker run -d --name test2 busybox /bin/sh -c "while true; do sleep 3600; done"\n'
         "docker exec test2 ip a",
         "steps.s4.explain", (call("run_container", "test2"),), show=(("@test2", "ip a"),),
         needs=("S1",), makes_key="steps.s4.makes",
         answer=("172.17.0.3",),
         intro_key="steps.s4.intro"),
    Step("S5", "steps.s5.title", "docker exec test1 ping 172.17.0.3", "steps.s5.explain",
         show=(("@test1", "ping -c 1 -W 2 172.17.0.3"),), needs=("S4",),
         intro_key="steps.s5.intro", answer_key="steps.s5.answer"),
)

IP_NETNS = _steps(
    Step("S6", "steps.s6.title", "ip netns add test1\nip netns list\nip netns delete test1",
         "steps.s6.explain", (call("add_netns", "test1"), call("delete_netns", "test1")),
         show=((None, "ip netns list"),),
         answer=("/run/netns",),
         intro_key="steps.s6.intro"),
    Step("S7", "steps.s7.title", "ip netns list", "steps.s7.explain",
         (call("run_container", "web"),), show=((None, "ip netns list"),),
         makes_key="steps.s7.makes",
         intro_key="steps.s7.intro", answer_key="steps.s7.answer"),
    Step("S8", "steps.s8.title", "ip netns add test1\nip netns add test2", "steps.s8.explain",
         (call("add_netns", "test1"), call("add_netns", "test2")),
         show=((None, "ip netns list"),), makes_key="steps.s8.makes",
         intro_key="steps.s8.intro", answer_key="steps.s8.answer"),
    Step("S9", "steps.s9.title", "ip netns exec test1 ip a", "steps.s9.explain",
         show=(("test1", "ip a"),), needs=("S8",),
         answer=("qdisc noop", "state DOWN"),
         intro_key="steps.s9.intro", answer_key="steps.s9.answer"),
    Step("S10", "steps.s10.title", "ip link\nip netns exec test1 ip link", "steps.s10.explain",
         show=((None, "ip link"), ("test1", "ip link")), needs=("S8",),
         answer=("UNKNOWN",),
         intro_key="steps.s10.intro"),
    Step("S11", "steps.s11.title", "ip netns exec test1 ip link set dev lo up",
         "steps.s11.explain", (call("set_up", "test1", "lo"),), show=(("test1", "ip link"),),
         needs=("S8",),
         answer=("UNKNOWN",),
         intro_key="steps.s11.intro"),
)

VETH = _steps(
    Step("S12", "steps.s12.title", "ip link add veth-test1 type veth peer name veth-test2",
         "steps.s12.explain", (call("add_veth", "veth-test1", "veth-test2"),),
         show=((None, "ip link show dev veth-test1"), (None, "ip link show dev veth-test2")),
         needs=("S8",), makes_key="steps.s12.makes",
         answer=("M-DOWN", "state DOWN"),
         intro_key="steps.s12.intro", answer_key="steps.s12.answer"),
    Step("S13", "steps.s13.title", "ip link set veth-test1 netns test1", "steps.s13.explain",
         (call("move", "veth-test1", "test1"),), show=(("test1", "ip link"),),
         needs=("S12",), makes_key="steps.s13.makes",
         answer=("link-netnsid",),
         intro_key="steps.s13.intro", answer_key="steps.s13.answer"),
    Step("S14", "steps.s14.title", "ip link set veth-test2 netns test2", "steps.s14.explain",
         (call("move", "veth-test2", "test2"),), show=(("test2", "ip link"),),
         needs=("S12",), makes_key="steps.s14.makes",
         answer=("link-netns test1",),
         intro_key="steps.s14.intro"),
    Step("S15", "steps.s15.title",
         "ip netns exec test1 ip addr add 192.168.1.1/24 dev veth-test1\n"
         "ip netns exec test2 ip addr add 192.168.1.2/24 dev veth-test2",
         "steps.s15.explain",
         (call("add_addr", "test1", "veth-test1", "192.168.1.1/24"),
          call("add_addr", "test2", "veth-test2", "192.168.1.2/24")),
         needs=("S13", "S14"), makes_key="steps.s15.makes",
         intro_key="steps.s15.intro", answer_key="steps.s15.answer"),
    Step("S16", "steps.s16.title", "ip netns exec test1 ip link\nip netns exec test2 ip link",
         "steps.s16.explain", show=(("test1", "ip link"), ("test2", "ip link")),
         needs=("S15",),
         intro_key="steps.s16.intro", answer_key="steps.s16.answer"),
    Step("S17", "steps.s17.title",
         "ip netns exec test1 ip link set dev veth-test1 up\n"
         "ip netns exec test2 ip link set dev veth-test2 up",
         "steps.s17.explain",
         (call("set_up", "test1", "veth-test1"), call("set_up", "test2", "veth-test2")),
         show=(("test1", "ip link show dev veth-test1"),), needs=("S13", "S14"),
         makes_key="steps.s17.makes",
         answer=("NO-CARRIER", "LOWERLAYERDOWN"),
         intro_key="steps.s17.intro"),
    Step("S18", "steps.s18.title", "ip netns exec test1 ip a\nip netns exec test2 ip a",
         "steps.s18.explain", show=(("test1", "ip a"), ("test2", "ip a")), needs=("S17",),
         answer=("fe80",),
         intro_key="steps.s18.intro", answer_key="steps.s18.answer"),
    Step("S19", "steps.s19.title",
         "ip netns exec test1 ping 192.168.1.2\nip netns exec test2 ping 192.168.1.1",
         "steps.s19.explain",
         show=(("test1", "ping -c 1 -W 2 192.168.1.2"), ("test2", "ping -c 1 -W 2 192.168.1.1")),
         needs=("S15", "S17"),
         answer=("ARP", "who-has"),
         intro_key="steps.s19.intro"),
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

"""What one network namespace holds, as a drawing (pure: no kernel, no I/O).

    from nslab.anatomy import anatomy
    anatomy("test1")      # Jupyter shows the drawing (SVG); its text lists the same parts
    anatomy("test1").graph   # the graphviz graph itself

Each part is a box with the command that shows it inside the namespace; outside the box,
what is not part of it but attaches to it: the processes that run in it and the name under
/run/netns that `ip netns add` gives it. Every label comes from nslab.messages.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import graphviz

from .draw import BLUE, FONT, GHOST, TextAlt, figure_html
from .messages import say

__all__ = ["PARTS", "Anatomy", "anatomy"]

# (message key of the part, the command that shows it, run inside the namespace)
PARTS: tuple[tuple[str, str], ...] = (
    ("anatomy.lo", "ip link show dev lo"),
    ("anatomy.links", "ip link"),
    ("anatomy.addresses", "ip addr"),
    ("anatomy.routes", "ip route"),
    ("anatomy.neighbours", "ip neigh"),
    ("anatomy.firewall", "nft list ruleset"),
    ("anatomy.sockets", "ss -tuna"),
    ("anatomy.sysctl", "sysctl net.ipv4.ip_forward"),
)


def _box(title: str, command: str) -> str:
    """An HTML-like label: the part in bold, its command in monospace."""
    return (f"<<b>{html.escape(title)}</b><br/>"
            f'<font face="monospace" point-size="9">{html.escape(command)}</font>>')


@dataclass(frozen=True)
class Anatomy:
    """The drawing, with a text version of it (what a screen reader, or a diff, reads)."""

    ns: str
    graph: graphviz.Digraph

    def __str__(self) -> str:
        lines = [say("anatomy.title", ns=self.ns)]
        lines += [f"- {say(key)}: {command}" for key, command in PARTS]
        lines += [f"  {say('anatomy.processes')}: ip netns exec {self.ns} COMMAND",
                  f"  {say('anatomy.name')}: /run/netns/{self.ns}"]
        return "\n".join(lines)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))

    @property
    def alt(self) -> TextAlt:
        """The same drawing in words, for the SVG's title and description (screen readers)
        and the collapsed "drawing as text" under it."""
        title, *lines = str(self).splitlines()
        return TextAlt(title, tuple((line.strip().removeprefix("- "), ()) for line in lines))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        svg = self.graph.pipe(format="svg", encoding="utf-8")
        return {"image/svg+xml": svg, "text/html": figure_html(svg, self.alt),
                "text/plain": str(self)}


def anatomy(ns: str = "test1") -> Anatomy:
    """A drawing of what the network namespace NS holds, and what attaches to it."""
    return Anatomy(ns, _graph(ns))


def _graph(ns: str) -> graphviz.Digraph:
    g = graphviz.Digraph("anatomy")
    g.attr(fontname=FONT, rankdir="LR", nodesep="0.15")
    g.attr("node", fontname=FONT, fontsize="11", shape="box", style="rounded,filled",
           fillcolor="#ffffff")
    g.attr("edge", fontname=FONT, fontsize="10", color=GHOST)
    with g.subgraph(name="cluster_ns") as c:
        c.attr(label=say("anatomy.title", ns=ns), color=BLUE, style="rounded",
               fontcolor=BLUE)
        for i, (key, command) in enumerate(PARTS):
            c.node(f"part{i}", _box(say(key), command))
        half = (len(PARTS) + 1) // 2
        for i in range(len(PARTS) - half):  # two columns, read down
            c.edge(f"part{i}", f"part{i + half}", style="invis")
    outside = (
        ("processes", say("anatomy.processes"), f"ip netns exec {ns} COMMAND"),
        ("name", say("anatomy.name"), f"/run/netns/{ns}"),
    )
    for node, title, command in outside:
        g.node(node, _box(title, command), style="rounded,dashed", color=GHOST)
        g.edge(node, "part0", lhead="cluster_ns", style="dashed")
    g.attr(compound="true")
    return g

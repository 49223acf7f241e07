"""What a bridge has learned: its forwarding database (FDB), in the lab's own words.

`bridge fdb show` prints MAC addresses; a student needs to know whose they are. Each
learned entry is matched with the interface that owns the MAC, anywhere in the lab.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .errors import InvalidName
from .messages import say
from .snapshot import NsKey, ns_label

if TYPE_CHECKING:
    from ._kernel import Kernel


@dataclass(frozen=True)
class FdbEntry:
    port: str  # the bridge port the MAC was seen on
    mac: str
    owner: str  # "eth0 in container test1", or "?" when not an interface of the lab
    learned: bool  # False: the port's own (permanent) address


@dataclass(frozen=True)
class Fdb:
    bridge: str
    ns: NsKey
    entries: tuple[FdbEntry, ...]

    def learned(self) -> list[FdbEntry]:
        return [e for e in self.entries if e.learned]

    def __str__(self) -> str:
        rows = [say("fdb.title", bridge=self.bridge, where=ns_label(self.ns))]
        port = say("fdb.port")
        width = max([len(e.port) for e in self.learned()] + [len(port)])
        rows.append(f"{port:<{width}}  " + say("fdb.learned_of"))
        rows += [f"{e.port:<{width}}  {e.owner}" for e in self.learned()]
        if not self.learned():
            rows.append(say("fdb.empty"))
        return "\n".join(rows)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # no MACs: outputs diff cleanly
        p.text(str(self))


def read_fdb(kernel: Kernel, ns: NsKey, bridge: str) -> Fdb:
    """The learned MAC table of `bridge` in `ns`, with each MAC's owner named."""
    snap = kernel.snapshot()
    here = snap.ns(ns)
    link = here.link(bridge) if here else None
    if link is None or link.kind != "bridge":
        kernel.link(ns, bridge, force=True, action="read")  # NotFound with a hint
        bridges = ", ".join(repr(lk.name) for lk in here.links if lk.kind == "bridge")
        raise InvalidName(say("fdb.not_a_bridge", name=bridge, where=ns_label(ns),
                              kind=link.kind if link else say("word.missing_link"),
                              bridges=bridges or say("word.none")))
    names = {lk.index: lk.name for lk in here.links}
    owners = {
        lk.mac: say("fdb.owner", name=lk.name, where=n.label)
        for n in snap.namespaces for lk in n.links if lk.mac
    }
    entries = [
        FdbEntry(names.get(e["port"], str(e["port"])), e["mac"],
                 owners.get(e["mac"], "?"), not e["permanent"])
        for e in kernel.nl.fdb(kernel.path(ns))
        if e["master"] == link.index
    ]
    entries.sort(key=lambda e: (not e.learned, e.port, e.owner))
    return Fdb(bridge, ns, tuple(entries))

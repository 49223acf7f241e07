"""One diagnosis engine: a Snapshot (plus targets to reach) -> every fault it shows.

    from nslab.diagnosis import diagnose
    for f in diagnose(lab.snapshot(), reach=[("test1", "192.168.1.2")]):
        print(f.code, f.text)        # 'peer-down', "veth-test2 in test2 is DOWN, ..."
        f.fixes[0].call              # "lab.set_up('test2', 'veth-test2')"
        f.fixes[0].command           # 'ip netns exec test2 ip link set dev veth-test2 up'

Pure: no kernel, no I/O. Every fault the snapshot shows is listed, not only the first: a
DOWN peer and a subnet mismatch on the same pair are two findings. With `reach`, each
ping that should work is followed by nslab.paths, the engine the checks use, so
`diagnose` and `check` explain a failed ping in the same findings and words. The drawing's marks
(nslab.draw), the checks' explanations (nslab.checks) and hints render these.

Finding codes (stable strings, tested one by one):

    lo-down            lo is DOWN in a namespace that has other links (S11)
    end-in-host        a veth end the lab made still sits in the host (S13/S14)
    peer-down          a veth end is DOWN while its peer is up: the peer has NO-CARRIER
    down-with-address  an interface with an address is not up yet (severity "pending")
    bridge-down        a bridge with ports is DOWN: it passes no frames between them
    link-down          (checks only) an interface on a packet's path is DOWN
    duplicate-address  one IP address on two interfaces
    subnet-mismatch    the two ends of a veth pair are in different subnets
    prefix-mismatch    one end's prefix length leaves out the other end (a forgotten /24)
    no-address         a veth end has no address while its peer has one
    forwarding-off     a namespace others route through does not forward (ip_forward 0)
    no-route           (with `reach`) the sender has no route to the target
    no-return-route    (with `reach`) the target's namespace has no route back
    ... and, with `reach`, every code of `paths.PATH_CODES` a ping's path can show

Severity: "error" (breaks traffic for sure), "warning" (likely to), or "pending": a step
not done yet rather than a mistake. The rule: `down-with-address` is always "pending". An
interface that has an address but is DOWN is what the article's own order leaves between
giving the ends their addresses (S15) and setting them up (S17); nothing about it is wrong
except that the next step has not run. It is still a finding like any other: `diagnose`
lists it, and the checks explain a failed ping by it ("... is not up yet ..."). Only its
rendering differs: the drawing marks it brown ("→ has an address, not up yet") instead of
red ⚠, and its text alternative lists it under "Steps not done yet", not under "Mistakes".
A DOWN end whose peer is up (`peer-down`) stays an error: it has no carrier now.

Namespaces listed in `infrastructure` (the kit's own helpers, such as notebook 05's
`internet`) are never blamed.

Where things live: the `Finding` and `Fix` types, one constructor per kind of fault and
the scan of a snapshot are in nslab.findings (re-exported here); the faults only a
packet's path shows (a missing next hop, a route back, an interface in the wrong
namespace...) are built by nslab.paths with those constructors; this module joins the two.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import paths
from .findings import CODES, Finding, Fix, concerning, free_address, home_of, ifaces, peer, scan
from .snapshot import NsKey, Snapshot

__all__ = [
    "CODES",
    "Finding",
    "Fix",
    "concerning",
    "diagnose",
    "free_address",
    "home_of",
    "ifaces",
    "peer",
]



def diagnose(
    snapshot: Snapshot,
    *,
    reach: Iterable[tuple[NsKey, str]] = (),
    infrastructure: Iterable[NsKey] = (),
) -> list[Finding]:
    """Every fault in SNAPSHOT, in a stable order (namespaces, then interfaces).

    reach: (namespace, address) pings that should work; adds the faults that stop each
    one, as `check(..., reachable(namespace, address))` finds them (nslab.paths), except
    one whose every fix a finding listed already makes (each repair once: running all
    the printed commands repairs the lab).
    infrastructure: namespaces of the kit itself, never blamed.
    """
    skip = set(infrastructure)
    out = scan(snapshot, infrastructure=skip)
    repaired = {fix for f in out for fix in f.fixes}
    for src, target in reach:
        found, _answers_itself = paths.reach(snapshot, src, target)
        for f in found:
            if f.ns in skip or f in out or (f.fixes and set(f.fixes) <= repaired):
                continue  # each repair once: a finding listed already repairs this one
            out.append(f)
            repaired |= set(f.fixes)
    return out

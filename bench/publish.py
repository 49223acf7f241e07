"""What publishing the class page's state record (nslab.publish) adds to a verb's time.

    python bench/publish.py [--verbs 200] [--student-verbs 40] [--gap 1]   # as root (namespaces)

The lab is notebook 03's (two namespaces, a veth pair with addresses, everything up). The verb
is `set_down`/`set_up` of one veth end, alternately. Each mode runs twice, side by side:
publishing off (no $NSLAB_CLASS_RECORD) and on (a record in a temporary folder):

- student: as in Jupyter, each verb is a cell on a running asyncio loop (the kernel's), the
  next one --gap seconds later. The time is the cell's (the verb, and any wait for a record
  being written when the cell arrives).
- run-all: the same cells back to back (Run All): the record waits for the burst to end.
- script: no event loop (a plain Python script): the record is written at exit.

Printed: the mean verb time of each (records written meanwhile included), the ratio on/off
(target: at most 1.05), and what building and writing one record costs (snapshot, diagnosis,
drawing with `dot`, JSON, rename), which runs while the kernel is idle.
Everything the lab made is removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from nslab import Lab, publish


def build(tag: str) -> tuple[Lab, str, str]:
    lab = Lab(f"bench-publish-{tag}")
    a, b = f"{tag}1", f"{tag}2"
    lab.add_netns(a)
    lab.add_netns(b)
    lab.add_veth(f"{tag}-v1", f"{tag}-v2", ns=a, peer_ns=b)
    lab.add_addr(a, f"{tag}-v1", "192.168.1.1/24")
    lab.add_addr(b, f"{tag}-v2", "192.168.1.2/24")
    for ns, ifname in ((a, "lo"), (b, "lo"), (a, f"{tag}-v1"), (b, f"{tag}-v2")):
        lab.set_up(ns, ifname)
    return lab, b, f"{tag}-v2"


def verb(lab: Lab, ns: str, ifname: str, i: int) -> float:
    start = time.perf_counter()
    (lab.set_down if i % 2 == 0 else lab.set_up)(ns, ifname)
    return (time.perf_counter() - start) * 1000


def publishing(p: publish.Publisher, on: bool, record: Path) -> None:
    """Publishing on or off for the next verb: the record's path, or None (no variable)."""
    p.path = record if on else None


def is_on(i: int) -> bool:
    """Verbs in pairs (down, up), off and on alternately: 0-1 off, 2-3 on, 4-5 off..."""
    return (i // 2) % 2 == 1


async def cells(p: publish.Publisher, record: Path, lab: Lab, ns: str, ifname: str, n: int,
                gap: float) -> list[tuple[bool, float]]:
    """Each verb as a cell of a kernel: it starts when the loop is free (a record being
    written delays it, as it would delay the student's next cell)."""
    times = []
    for i in range(n):
        publishing(p, is_on(i), record)
        asked = time.perf_counter()
        await asyncio.sleep(0)  # the loop runs what is due (a record) before the cell
        waited = (time.perf_counter() - asked) * 1000
        times.append((is_on(i), waited + verb(lab, ns, ifname, i)))
        await asyncio.sleep(gap)
    publishing(p, True, record)
    await asyncio.sleep(publish.IDLE_DELAY + 0.2)  # let the last record be written
    return times


def compare(mode: str, args: argparse.Namespace, folder: Path) -> tuple[float, float]:
    """The mean verb time off and on, interleaved on one lab (pairs of verbs off, then on:
    a loaded machine's drift hits both alike)."""
    record = folder / f"{mode}.json"
    p = publish.use(None)
    lab, ns, ifname = build(uuid.uuid4().hex[:4])
    n = 4 * ((args.student_verbs if mode == "student" else args.verbs) // 4)
    try:
        if mode == "script":
            times = []
            for i in range(n):
                publishing(p, is_on(i), record)
                times.append((is_on(i), verb(lab, ns, ifname, i)))
            publishing(p, True, record)
            p.flush()  # what the script's exit does
        else:
            times = asyncio.run(cells(p, record, lab, ns, ifname, n,
                                      args.gap if mode == "student" else 0))
        assert record.exists(), mode
    finally:
        publish.use(None)
        lab.reset()
    off = statistics.fmean(t for on, t in times if not on)
    on = statistics.fmean(t for on, t in times if on)
    return off, on


def record_cost(folder: Path, repeat: int = 10) -> float:
    lab, ns, ifname = build(uuid.uuid4().hex[:4])
    p = publish.use(folder / "cost.json")
    try:
        times = []
        for i in range(repeat):
            verb(lab, ns, ifname, i)
            p.changed(lab)
            p.scheduled = False
            start = time.perf_counter()
            p.flush()
            times.append((time.perf_counter() - start) * 1000)
    finally:
        publish.use(None)
        lab.reset()
    return statistics.median(times)


def hook_cost(lab: Lab) -> float:
    """What a verb pays for publishing, alone: Publisher.changed on an enabled publisher
    (µs per call, best of 5 runs of 10,000; the script path, which is the longer one)."""
    p = publish.Publisher(Path("/nonexistent/never-written.json"))
    p.changed(lab)  # the first call looks for the event loop (none here) ...
    runs = []
    for _ in range(5):  # ... the next ones only note the time
        start = time.perf_counter()
        for _ in range(10_000):
            p.changed(lab)
        runs.append((time.perf_counter() - start) / 10_000 * 1e6)
    p.pending = False  # nothing to write at exit
    return min(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--verbs", type=int, default=200, help="verbs per mode (half of them on)")
    parser.add_argument("--student-verbs", type=int, default=40,
                        help="verbs of the student mode (one cell every --gap seconds)")
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between two cells")
    args = parser.parse_args()
    os.environ.pop(publish.ENV, None)
    with tempfile.TemporaryDirectory(prefix="nslab-publish-bench-") as tmp:
        folder = Path(tmp)
        print(f"{'mode':<9} {'off ms':>8} {'on ms':>8} {'ratio':>6}  (means, half of the verbs "
              "each, interleaved; target ratio <= 1.05)")
        worst, fastest = 0.0, float("inf")
        for mode in ("student", "run-all", "script"):
            off, on = compare(mode, args, folder)
            worst, fastest = max(worst, on / off), min(fastest, off)
            print(f"{mode:<9} {off:8.3f} {on:8.3f} {on / off:6.2f}")
        lab, _, _ = build(uuid.uuid4().hex[:4])
        try:
            hook = hook_cost(lab)
        finally:
            lab.reset()
        print(f"the hook a verb calls: {hook:.2f} µs, {hook / 1000 / fastest:.1%} of the fastest "
              f"verb above ({fastest * 1000:.0f} µs)")
        cost = record_cost(folder)
        size = (folder / "cost.json").stat().st_size
        print(f"one record: {cost:.1f} ms to build and write ({size // 1024} KiB), "
              "while the kernel is idle")
        print(f"worst ratio: {worst:.2f} ({'meets' if worst <= 1.05 else 'MISSES'} 1.05)")


if __name__ == "__main__":
    main()

"""What publishing the class page's state record (nslab.publish) adds to a verb's time.

    python bench/publish.py [--verbs 30] [--rounds 5] [--gap 0.4]   # as root (namespaces)

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


async def cells(lab: Lab, ns: str, ifname: str, n: int, gap: float) -> list[float]:
    """Each verb as a cell of a kernel: it starts when the loop is free (a record being
    written delays it, as it would delay the student's next cell)."""
    times = []
    for i in range(n):
        asked = time.perf_counter()
        await asyncio.sleep(0)  # the loop runs what is due (a record) before the cell
        waited = (time.perf_counter() - asked) * 1000
        times.append(waited + verb(lab, ns, ifname, i))
        await asyncio.sleep(gap)
    await asyncio.sleep(publish.IDLE_DELAY + 0.2)  # let the last record be written
    return times


def run(mode: str, on: bool, n: int, gap: float, folder: Path, lab: Lab, ns: str,
        ifname: str) -> float:
    """The mean time of N verbs in MODE, publishing ON or off."""
    record = folder / f"{mode}.json"
    publish.use(record if on else None)
    if mode == "script":
        times = [verb(lab, ns, ifname, i) for i in range(n)]
        if on:
            publish.flush()  # what the script's exit does
    else:
        times = asyncio.run(cells(lab, ns, ifname, n, gap if mode == "student" else 0))
    assert record.exists() == on, (mode, on)
    record.unlink(missing_ok=True)
    return statistics.fmean(times)


def compare(mode: str, args: argparse.Namespace, folder: Path) -> tuple[float, float]:
    """Off and on, alternately, --rounds times on one lab: the median of each one's means
    (a loaded machine drifts; alternating spreads the drift over both)."""
    lab, ns, ifname = build(uuid.uuid4().hex[:4])
    try:
        off, on = [], []
        for _ in range(args.rounds):
            off.append(run(mode, False, args.verbs, args.gap, folder, lab, ns, ifname))
            on.append(run(mode, True, args.verbs, args.gap, folder, lab, ns, ifname))
    finally:
        publish.use(None)
        lab.reset()
    return statistics.median(off), statistics.median(on)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--verbs", type=int, default=30, help="verbs per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds off and on, alternately")
    parser.add_argument("--gap", type=float, default=0.4, help="seconds between two cells")
    args = parser.parse_args()
    os.environ.pop(publish.ENV, None)
    with tempfile.TemporaryDirectory(prefix="nslab-publish-bench-") as tmp:
        folder = Path(tmp)
        print(f"{'mode':<9} {'off ms':>8} {'on ms':>8} {'ratio':>6}  (mean of {args.verbs} "
              f"verbs, median of {args.rounds} rounds; target ratio <= 1.05)")
        worst = 0.0
        for mode in ("student", "run-all", "script"):
            off, on = compare(mode, args, folder)
            worst = max(worst, on / off)
            print(f"{mode:<9} {off:8.3f} {on:8.3f} {on / off:6.2f}")
        cost = record_cost(folder)
        size = (folder / "cost.json").stat().st_size
        print(f"one record: {cost:.1f} ms to build and write ({size // 1024} KiB), "
              "while the kernel is idle")
        print(f"worst ratio: {worst:.2f} ({'meets' if worst <= 1.05 else 'MISSES'} 1.05)")


if __name__ == "__main__":
    main()

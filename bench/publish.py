"""What publishing the class page's state record (nslab.publish) adds to a verb's time.

    python bench/publish.py [--verbs 2000] [--student-verbs 240] [--gap 1] [--modes ...]  # root

The lab is notebook 03's (two namespaces, a veth pair with addresses, everything up). The verb
is `set_down`/`set_up` of one veth end, alternately. Each mode runs publishing off (no
$NSLAB_CLASS_RECORD) and on (a record in a temporary folder) interleaved on one lab, in blocks
of 4 verbs (off, on, off, on...), so a loaded machine's drift hits both alike. The first verb
of each block is not counted: it follows the other block's last verb (and its record, or the
lack of one), so each counted verb follows a verb of its own kind.

- kernel: the student's path itself. Each verb is a real cell that jupyter_client sends to a
  real IPython kernel, --gap seconds apart; the kernel's own publisher writes the record on
  its own loop. A cell's time runs from the execute request to its reply.
- student: the same in one process, to see the bare verb: each verb is a cell on a running
  asyncio loop (as the kernel's), the next one --gap seconds later. A cell's time is the
  verb's plus any wait for the loop (a record being written when the cell arrives). With
  publishing on, every cell is followed by a record (0.3 s later), so the next cell
  measures what a record leaves behind.
- run-all: the same cells back to back (Run All): the record waits for the burst to end.
- script: no event loop (a plain Python script): the record is written at exit.

Printed per mode: the median and the 10 % trimmed mean of the counted verbs' times (the
machine is shared: single verbs stall for milliseconds when another job runs, and the trimmed
mean drops the tenth slowest and fastest of each side alike), the ratios on/off, and the
paired ratio (each on-block against the off-blocks beside it) with its 90 % bootstrap interval
(target: at most 1.05), and how many records were written; then what a verb's hook costs alone,
and what one record costs part by part (snapshot, findings, drawing with `dot`, the record's
data, JSON and rename), which runs while the kernel is idle.
Everything the lab made is removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import random
import resource
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from nslab import Lab, publish

BLOCK = 4  # verbs per block of one kind (off or on); the first of each is not counted
TRIM = 0.10  # the share of the slowest and of the fastest times the trimmed mean drops


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


# what happened during each verb besides the verb: (on, garbage collections, minor page
# faults, voluntary and involuntary context switches), counted outside the timed part
EVENTS: list[tuple[bool, int, int, int]] = []


def collections() -> int:
    """Garbage collections so far in this process, all generations."""
    return sum(generation["collections"] for generation in gc.get_stats())


def verb(lab: Lab, ns: str, ifname: str, i: int) -> float:
    before, gcs = resource.getrusage(resource.RUSAGE_SELF), collections()
    start = time.perf_counter()
    (lab.set_down if i % 2 == 0 else lab.set_up)(ns, ifname)
    took = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_SELF)
    if counted(i):
        EVENTS.append((is_on(i), collections() - gcs, after.ru_minflt - before.ru_minflt,
                       after.ru_nvcsw + after.ru_nivcsw - before.ru_nvcsw - before.ru_nivcsw))
    return took


def is_on(i: int) -> bool:
    """Blocks of BLOCK verbs, off and on alternately: 0-3 off, 4-7 on, 8-11 off..."""
    return (i // BLOCK) % 2 == 1


def counted(i: int) -> bool:
    return i % BLOCK != 0


def publishing(p: publish.Publisher, on: bool, record: Path) -> None:
    """Publishing on or off for the next verb: the record's path, or None (no variable)."""
    p.path = record if on else None


def stamp(record: Path) -> int:
    return record.stat().st_mtime_ns if record.exists() else 0


async def cells(p: publish.Publisher, record: Path, lab: Lab, ns: str, ifname: str, n: int,
                gap: float) -> tuple[list[tuple[bool, float]], int]:
    """Each verb as a cell of a kernel: it starts when the loop is free (a record being
    written delays it, as it would delay the student's next cell)."""
    times, records, last = [], 0, stamp(record)
    for i in range(n):
        publishing(p, is_on(i), record)
        asked = time.perf_counter()
        await asyncio.sleep(0)  # the loop runs what is due (a record) before the cell
        waited = (time.perf_counter() - asked) * 1000
        took = verb(lab, ns, ifname, i)
        if counted(i):
            times.append((i, waited + took))
        await asyncio.sleep(gap)
        if (now := stamp(record)) != last:
            records, last = records + 1, now
    publishing(p, True, record)
    await asyncio.sleep(publish.IDLE_DELAY + 0.2)  # let the last record be written
    return times, records + (stamp(record) != last)


KERNEL_SETUP = """
import importlib.util
from pathlib import Path
from nslab import publish as _publish
_spec = importlib.util.spec_from_file_location("publish_bench", {bench!r})
_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_bench)
lab, ns, ifname = _bench.build({tag!r})
P, REC = _publish.use(None), Path({record!r})
"""
KERNEL_CELL = "P.path = REC if {on} else None\nlab.{verb}(ns, ifname)"


def kernel_cells(record: Path, n: int, gap: float) -> tuple[list[tuple[int, float]], int]:
    """Each verb as a real cell of a real IPython kernel (jupyter_client, as JupyterLab
    sends it): the time from the execute request to its reply, seen by the client. The
    record is written by the kernel's own publisher on the kernel's own loop."""
    from jupyter_client.manager import start_new_kernel

    def run(code: str) -> float:
        start = time.perf_counter()
        reply = client.execute_interactive(code, store_history=False, timeout=60,
                                           output_hook=lambda msg: None)
        took = (time.perf_counter() - start) * 1000
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"the kernel failed a cell: {reply['content']}\n{code}")
        return took

    manager, client = start_new_kernel(kernel_name="python3")
    times, records, last = [], 0, stamp(record)
    try:
        run(KERNEL_SETUP.format(bench=__file__, tag=uuid.uuid4().hex[:4], record=str(record)))
        for i in range(n):
            took = run(KERNEL_CELL.format(on=is_on(i), verb="set_down" if i % 2 == 0
                                          else "set_up"))
            if counted(i):
                times.append((i, took))
            time.sleep(gap)
            if (now := stamp(record)) != last:
                records, last = records + 1, now
        run("P.path = REC\nlab.set_up(ns, ifname)")
        time.sleep(publish.IDLE_DELAY + 0.2)  # let the last record be written
        records += stamp(record) != last
    finally:
        try:
            run("_publish.use(None)\nlab.reset()")
        finally:
            client.stop_channels()
            manager.shutdown_kernel(now=False)
    return times, records


def trimmed_mean(values: list[float]) -> float:
    values = sorted(values)
    cut = int(len(values) * TRIM)
    return statistics.fmean(values[cut:len(values) - cut])


def paired_ratio(times: list[tuple[int, float]], resamples: int = 2000
                 ) -> tuple[float, float, float]:
    """The median over the on-blocks of (block median / median of the off-blocks on either
    side), and its 90 % bootstrap interval: each on-block is compared with its neighbours
    only, so a machine whose speed drifts during the run hits both sides alike."""
    blocks: dict[int, list[float]] = {}
    for i, t in times:
        blocks.setdefault(i // BLOCK, []).append(t)
    med = {b: statistics.median(ts) for b, ts in blocks.items()}
    ratios = [
        med[b] / statistics.fmean(med[n] for n in (b - 1, b + 1) if n in med)
        for b in med if b % 2 == 1 and (b - 1 in med or b + 1 in med)
    ]
    rng = random.Random(0)
    boot = sorted(statistics.median(rng.choices(ratios, k=len(ratios)))
                  for _ in range(resamples))
    return statistics.median(ratios), boot[resamples // 20], boot[-resamples // 20 - 1]


def compare(mode: str, args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    """Run MODE, off and on interleaved; its summary() and the records written."""
    record = folder / f"{mode}.json"
    n = 2 * BLOCK * max(1, (args.student_verbs if mode in ("student", "kernel") else args.verbs)
                        // (2 * BLOCK))
    if mode == "kernel":  # the lab is the kernel's own
        times, records = kernel_cells(record, n, args.gap)
        assert record.exists(), mode
        return summary(times, records)
    p = publish.use(None)
    lab, ns, ifname = build(uuid.uuid4().hex[:4])
    try:
        if mode == "script":
            times = []
            for i in range(n):
                publishing(p, is_on(i), record)
                took = verb(lab, ns, ifname, i)
                if counted(i):
                    times.append((i, took))
            publishing(p, True, record)
            p.flush()  # what the script's exit does
            records = 1
        else:
            times, records = asyncio.run(cells(p, record, lab, ns, ifname, n,
                                               args.gap if mode == "student" else 0))
        assert record.exists(), mode
    finally:
        publish.use(None)
        lab.reset()
    events = []
    for on in (False, True):
        seen = [e for e in EVENTS if e[0] == on]
        events.append(f"{mode}, publishing {'on' if on else 'off'}: during {len(seen)} verbs, "
                      f"{sum(e[1] for e in seen)} garbage collections, {sum(e[2] for e in seen)} "
                      f"page faults, {sum(e[3] for e in seen)} context switches")
    EVENTS.clear()
    return summary(times, records, events)


def summary(times: list[tuple[int, float]], records: int, events: list[str] | None = None
            ) -> dict[str, Any]:
    """The figures of one mode: medians, trimmed means, the paired ratio and its interval."""
    off = [t for i, t in times if not is_on(i)]
    on = [t for i, t in times if is_on(i)]
    paired, low, high = paired_ratio(times)
    return {"off_med": statistics.median(off), "on_med": statistics.median(on),
            "off_tm": trimmed_mean(off), "on_tm": trimmed_mean(on), "records": records,
            "n": len(on), "paired": paired, "low": low, "high": high, "events": events or []}


def record_cost(folder: Path, repeat: int = 10) -> tuple[dict[str, float], dict[str, float]]:
    """What one record costs, part by part (median ms): after a verb that changes the
    drawing, and after one that does not (a check, a ping: `dot` does not run again)."""
    lab, ns, ifname = build(uuid.uuid4().hex[:4])
    p = publish.use(folder / "cost.json")
    changed, same = [], []
    try:
        for i in range(repeat):
            verb(lab, ns, ifname, i)
            for costs in (changed, same):
                p.changed(lab)
                p.scheduled = False
                p.flush()
                costs.append(dict(p.costs))
    finally:
        publish.use(None)
        lab.reset()

    def median(runs: list[dict[str, float]]) -> dict[str, float]:
        return {part: statistics.median(r[part] for r in runs) * 1000 for part in runs[0]}

    return median(changed), median(same)


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
    parser.add_argument("--verbs", type=int, default=2000,
                        help="verbs of the run-all and script modes (half of them on)")
    parser.add_argument("--student-verbs", type=int, default=240,
                        help="verbs of the student mode (one cell every --gap seconds)")
    parser.add_argument("--gap", type=float, default=1.0, help="seconds between two cells")
    parser.add_argument("--modes", nargs="+", default=["kernel", "student", "run-all", "script"],
                        choices=["kernel", "student", "run-all", "script"],
                        help="the modes to run")
    args = parser.parse_args()
    os.environ.pop(publish.ENV, None)
    print(f"{platform.node()}: {os.cpu_count()} CPUs, Linux {platform.release()}, "
          f"load {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="nslab-publish-bench-") as tmp:
        folder = Path(tmp)
        print(f"{'mode':<9} {'verbs':>7} {'records':>7}  {'median off/on ms':>16} {'ratio':>5}  "
              f"{'trimmed mean off/on ms':>22} {'ratio':>5}  {'paired ratio [90 % interval]':>28}")
        verdicts, events, fastest = [], [], float("inf")
        for mode in args.modes:
            r = compare(mode, args, folder)
            med, tm = r["on_med"] / r["off_med"], r["on_tm"] / r["off_tm"]
            fastest = min(fastest, r["off_med"])
            verdicts.append((mode, r["paired"], r["high"]))
            events += r["events"]
            print(f"{mode:<9} {r['n']:>3}+{r['n']:<3} {r['records']:>7}  "
                  f"{r['off_med']:7.3f} {r['on_med']:7.3f} {med:6.3f}  "
                  f"{r['off_tm']:10.3f} {r['on_tm']:10.3f} {tm:6.3f}  "
                  f"{r['paired']:14.3f} [{r['low']:.3f}, {r['high']:.3f}]")
        for line in events:
            print(line)
        lab, _, _ = build(uuid.uuid4().hex[:4])
        try:
            hook = hook_cost(lab)
        finally:
            lab.reset()
        print(f"the hook a verb calls: {hook:.2f} µs, {hook / 1000 / fastest:.1%} of the fastest "
              f"verb above ({fastest * 1000:.0f} µs)")
        changed, same = record_cost(folder)
        size = (folder / "cost.json").stat().st_size
        for label, parts in (("after a verb that changes the drawing", changed),
                             ("after one that does not (check, ping)", same)):
            each = ", ".join(f"{part} {ms:.1f}" for part, ms in parts.items())
            print(f"one record {label}: {sum(parts.values()):.1f} ms = {each} (ms, while the "
                  "kernel is idle)")
        print(f"the record: {size // 1024} KiB")
        for mode, paired, high in verdicts:
            verdict = ("meets 1.05" if high <= 1.05 else
                       "meets 1.05, within the noise" if paired <= 1.05 else "MISSES 1.05")
            print(f"{mode}: paired ratio {paired:.3f}, at most {high:.3f} (90 %): {verdict}")


if __name__ == "__main__":
    main()

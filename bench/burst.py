"""A classroom burst: 30 students press Run All at the same moment.

    python bench/burst.py [--labs 30] [--sandbox]

Starts N processes at once, each building the article's topology in its own Lab
(namespaces, a veth moved into them, addresses, links up), pinging across it (only
between that lab's own namespaces), checking that the journal on disk lists every object
the lab made, and resetting. Then the same N labs one after another. Prints how many
succeeded, the wall time of each way and their ratio (target: at once <= 1.3x one after
another), and p50/p95 per lab. Process starts are included, as for a student.

--sandbox runs each lab as the rootless sandbox kernel does: `unshare -Urnm` with a
private /run, so every lab has its own user, network and mount namespaces.
Run as root, under the kernel lock.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

# One student's notebook: the article S8-S18, a ping across, reset. Prints one JSON line.
WORKER = r"""
import json, sys, time
t0 = time.perf_counter()
from nslab import Lab
from nslab.journal import Journal
tag = sys.argv[1]
lab = Lab(name=f"burst-{tag}")
a, b, va, vb = f"{tag}t1", f"{tag}t2", f"{tag}v1", f"{tag}v2"
lab.add_netns(a); lab.add_netns(b)
lab.set_up(a, "lo"); lab.set_up(b, "lo")
lab.add_veth(va, vb); lab.move(va, a); lab.move(vb, b)
lab.add_addr(a, va, "192.168.1.1/24"); lab.add_addr(b, vb, "192.168.1.2/24")
lab.set_up(a, va); lab.set_up(b, vb)
ping = lab.ping(a, "192.168.1.2", count=1)
journal = lab.journal
on_disk = Journal.load(journal.path).entries
journal_ok = on_disk == journal.entries and len(on_disk) >= 3
lab.reset()
journal.delete()
print(json.dumps({"ok": bool(ping.ok) and journal_ok, "ping": bool(ping.ok),
                  "journal": journal_ok, "seconds": time.perf_counter() - t0}))
"""

SANDBOX = ["unshare", "-Urnm", "sh", "-c",
           'mount -t tmpfs tmpfs /run && mkdir -p /run/netns && exec "$0" "$@"']


def command(tag: str, sandbox: bool) -> list[str]:
    argv = [sys.executable, "-c", WORKER, tag]
    return SANDBOX + argv if sandbox else argv


def finish(proc: subprocess.Popen, started: float) -> dict:
    out, err = proc.communicate(timeout=120)
    wall = time.perf_counter() - started
    try:
        result = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        result = {"ok": False, "error": (err or out).strip()[-300:]}
    result["wall"] = wall
    return result


def at_once(n: int, sandbox: bool) -> tuple[float, list[dict]]:
    start = time.perf_counter()
    procs = [subprocess.Popen(command(uuid.uuid4().hex[:5], sandbox), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(n)]
    # one waiting thread per lab, so each lab's own finishing time is seen
    with ThreadPoolExecutor(max_workers=n) as pool:
        results = list(pool.map(lambda p: finish(p, start), procs))
    return time.perf_counter() - start, results


def one_after_another(n: int, sandbox: bool) -> tuple[float, list[dict]]:
    start = time.perf_counter()
    results = []
    for _ in range(n):
        t = time.perf_counter()
        proc = subprocess.Popen(command(uuid.uuid4().hex[:5], sandbox), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        results.append(finish(proc, t))
    return time.perf_counter() - start, results


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def report(title: str, wall: float, results: list[dict]) -> None:
    ok = sum(r["ok"] for r in results)
    walls = [r["wall"] for r in results]
    print(f"{title:<24} {ok:>3}/{len(results)} ok  wall {wall:6.2f} s  "
          f"per lab p50 {pct(walls, 50):5.2f} s  p95 {pct(walls, 95):5.2f} s")
    for r in results:
        if not r["ok"]:
            print(f"    failed: {r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labs", type=int, default=30)
    parser.add_argument("--sandbox", action="store_true",
                        help="run every lab in its own `unshare -Urnm` (the sandbox kernel)")
    args = parser.parse_args()
    env_note = " through the sandbox (unshare -Urnm)" if args.sandbox else ""
    print(f"{args.labs} labs{env_note}, {os.cpu_count()} CPUs")
    burst_wall, burst = at_once(args.labs, args.sandbox)
    serial_wall, serial = one_after_another(args.labs, args.sandbox)
    report("at once", burst_wall, burst)  # per lab: from the common start to its end
    report("one after another", serial_wall, serial)
    ratio = burst_wall / serial_wall
    print(f"at once / one after another: {ratio:.2f}x (target <= 1.3x)")
    if not all(r["ok"] for r in burst + serial) or ratio > 1.3:
        sys.exit(1)


if __name__ == "__main__":
    main()

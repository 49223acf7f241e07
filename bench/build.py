"""Build and tear down the same topologies through nslab, the `ip` CLI and the kernel floor.

    python bench/build.py [--pairs 50] [--repeat 3]

Prints, side by side in one run, the best-of-N times, the ratio ip/nslab (how much faster
nslab is than a user typing `ip`) and nslab/floor (how far nslab is from the kernel's own
cost, measured by bench/floor.py's minimal netlink client). Absolute times on shared
machines are noisy; the ratios are what we track. Run as root, under the kernel lock.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from nslab import Lab

sys.path.insert(0, str(Path(__file__).parent))
from floor import floor  # noqa: E402  (bench/ is not a package)


def article_steps(tag: str) -> list[tuple[str, tuple, dict]]:
    """S8-S18 of the article, with names made unique for this run."""
    a, b, va, vb = f"{tag}t1", f"{tag}t2", f"{tag}v1", f"{tag}v2"
    return [
        ("add_netns", (a,), {}), ("add_netns", (b,), {}),
        ("set_up", (a, "lo"), {}), ("set_up", (b, "lo"), {}),
        ("add_veth", (va, vb), {}), ("move", (va, a), {}), ("move", (vb, b), {}),
        ("add_addr", (a, va, "192.168.1.1/24"), {}), ("add_addr", (b, vb, "192.168.1.2/24"), {}),
        ("set_up", (a, va), {}), ("set_up", (b, vb), {}),
    ]


def pairs_steps(tag: str, n: int, *, in_place: bool = False) -> list[tuple[str, tuple, dict]]:
    """n independent copies of the article's pair: 2n namespaces, n veth pairs.

    in_place: create each veth with its ends already in their namespaces (one
    `ip link add ... netns` command) instead of creating it in the host and moving
    both ends, as the article does. The kernel spends ~20 ms per move here.
    """
    steps = []
    for i in range(n):
        a, b, va, vb = f"{tag}a{i}", f"{tag}b{i}", f"{tag}x{i}", f"{tag}y{i}"
        net = f"10.{i // 64}.{(i % 64) * 4}"
        steps += [
            ("add_netns", (a,), {}), ("add_netns", (b,), {}),
            ("set_up", (a, "lo"), {}), ("set_up", (b, "lo"), {}),
        ]
        if in_place:
            steps += [("add_veth", (va, vb), {"ns": a, "peer_ns": b})]
        else:
            steps += [("add_veth", (va, vb), {}), ("move", (va, a), {}), ("move", (vb, b), {})]
        steps += [
            ("add_addr", (a, va, f"{net}.1/30"), {}), ("add_addr", (b, vb, f"{net}.2/30"), {}),
            ("set_up", (a, va), {}), ("set_up", (b, vb), {}),
        ]
    return steps


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run_nslab(steps: list, lab: Lab, batched: bool = False) -> tuple[float, float, list[str]]:
    """One verb call per step (a notebook's cells), or all steps through `lab.apply`
    (the bulk path of restore and of a teacher's topology, which batches runs of steps)."""
    if batched:
        build = timed(lambda: lab.apply(steps))
    else:
        build = timed(lambda: [getattr(lab, m)(*a, **k) for m, a, k in steps])
    script = list(lab.transcript)
    teardown = timed(lab.reset)
    return build, teardown, script


def run_ip(script: list[str], namespaces: list[str]) -> tuple[float, float]:
    """The same commands as one bash script: a fork and exec per command, like a user."""
    build = timed(lambda: subprocess.run(["bash", "-ec", "\n".join(script)], check=True))
    delete = "\n".join(f"ip netns delete {ns}" for ns in namespaces)
    teardown = timed(lambda: subprocess.run(["bash", "-ec", delete], check=True))
    return build, teardown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--settle", type=float, default=1.0,
                        help="seconds to wait before each timed build: the kernel frees "
                        "deleted namespaces in the background, which slows whoever runs next")
    args = parser.parse_args()
    lab = Lab(name=f"bench-{uuid.uuid4().hex[:6]}")
    lab.list_netns()  # start the netlink worker outside the timings
    rows = []
    floors: dict[tuple[str, int], list[dict[str, float]]] = {}  # per topology: its runs
    try:
        def in_place(tag: str) -> list[tuple[str, tuple, dict]]:
            return pairs_steps(tag, args.pairs, in_place=True)

        for title, make, mode, n, batched in (
            ("article S8-S18", article_steps, "move", 1, False),
            (f"{args.pairs} pairs moved", lambda tag: pairs_steps(tag, args.pairs), "move",
             args.pairs, False),
            (f"{args.pairs} in place", in_place, "inplace", args.pairs, False),
            (f"{args.pairs} in place, apply", in_place, "inplace", args.pairs, True),
        ):
            best = {k: 1e9 for k in ("nb", "nt", "ib", "it")}
            # the in-place builds take 0.1 s: more runs for the same wall time, a steadier best
            for _ in range(args.repeat * (3 if mode == "inplace" else 1)):
                tag = uuid.uuid4().hex[:4]
                steps = make(tag)
                time.sleep(args.settle)
                nb, nt, script = run_nslab(steps, lab, batched)
                namespaces = [a[0] for m, a, _ in steps if m == "add_netns"]
                time.sleep(args.settle)
                ib, it = run_ip(script, namespaces)
                time.sleep(args.settle)
                f = floor(mode, n)
                for k, v in (("nb", nb), ("nt", nt), ("ib", ib), ("it", it)):
                    best[k] = min(best[k], v)
                floors.setdefault((mode, n), []).append(f)
            rows.append((title, (mode, n), best))
    finally:
        lab.reset()
        lab.journal.delete()
    print(f"{'topology':<22} {'step':<9} {'nslab ms':>9} {'ip CLI ms':>10} {'floor ms':>9} "
          f"{'ip/nslab':>9} {'nslab/floor':>12}")
    for title, topology, b in rows:  # the floor of a topology: its best run in any row
        b["fb"] = min(f["build"] for f in floors[topology])
        b["ft"] = min(f["teardown"] for f in floors[topology])
        for step, n, i, f in (("build", b["nb"], b["ib"], b["fb"]),
                              ("teardown", b["nt"], b["it"], b["ft"])):
            print(f"{title:<22} {step:<9} {n * 1e3:>9.1f} {i * 1e3:>10.1f} {f * 1e3:>9.2f} "
                  f"{i / n:>8.1f}x {n / f:>11.1f}x")


if __name__ == "__main__":
    main()

"""Where nslab's time goes for N in-place pairs: cProfile's top functions, or a plain run
to put under `strace -c -f` (count stat calls and journal renames per pair).

    python bench/profile_pairs.py [--pairs 20] [--cprofile] [--moves]
    strace -f -c -o /tmp/s.txt python bench/profile_pairs.py --pairs 20

Run as root, under the kernel lock.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
import uuid
from pathlib import Path

from nslab import Lab

sys.path.insert(0, str(Path(__file__).parent))
from build import pairs_steps  # noqa: E402  (bench/ is not a package)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--cprofile", action="store_true")
    parser.add_argument("--sort", default="cumulative", choices=("cumulative", "tottime"))
    parser.add_argument("--moves", action="store_true", help="create then move (the article)")
    args = parser.parse_args()
    lab = Lab(name=f"prof-{uuid.uuid4().hex[:6]}")
    lab.list_netns()  # start the worker outside the measurement
    steps = pairs_steps(uuid.uuid4().hex[:4], args.pairs, in_place=not args.moves)
    per_verb: dict[str, float] = {}
    profiler = cProfile.Profile() if args.cprofile else None
    try:
        if profiler:
            profiler.enable()
        for method, a, k in steps:
            t = time.perf_counter()
            getattr(lab, method)(*a, **k)
            per_verb[method] = per_verb.get(method, 0.0) + time.perf_counter() - t
        t = time.perf_counter()
        lab.reset()
        per_verb["reset"] = time.perf_counter() - t
        if profiler:
            profiler.disable()
    finally:
        lab.reset()
        lab.journal.delete()
    for verb, seconds in per_verb.items():
        print(f"{verb:<10} {seconds / args.pairs * 1e3:7.2f} ms per pair")
    if profiler:
        pstats.Stats(profiler).sort_stats(args.sort).print_stats(30)


if __name__ == "__main__":
    main()

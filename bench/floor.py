"""The kernel's own cost of the benchmark topologies, measured with a minimal client.

    python bench/floor.py [--pairs 50]

Compiles floor.c (beside this file) with `cc` and runs it as a subprocess: raw rtnetlink,
one pre-built request per kernel object, each acknowledged. It builds the same topologies
as build.py (the article's pair, N pairs created in place, N pairs created then moved) and
deletes the namespaces as `ip netns delete` does. No client can be faster than this; the
ratio nslab/floor is the client's own overhead. Must run as root (under the kernel lock).
"""

from __future__ import annotations

import argparse
import atexit
import json
import shutil
import subprocess
import tempfile
import uuid
from functools import cache
from pathlib import Path

SOURCE = Path(__file__).with_name("floor.c")


@cache
def binary() -> Path:
    """floor.c compiled once per process, into a private temporary directory."""
    cc = shutil.which("cc")
    if cc is None:
        raise SystemExit("bench/floor.py needs a C compiler: sudo apt-get install gcc")
    build_dir = Path(tempfile.mkdtemp(prefix="nslab-floor-"))
    atexit.register(shutil.rmtree, build_dir, ignore_errors=True)  # leave no trace in /tmp
    out = build_dir / "floor"
    subprocess.run([cc, "-O2", "-Wall", "-o", str(out), str(SOURCE)], check=True)
    return out


def floor(mode: str, pairs: int, tag: str | None = None, *, keep: bool = False
          ) -> dict[str, float]:
    """Build and tear down `pairs` pairs; mode 'inplace' or 'move' (the article's recipe).

    Returns {"build": s, "teardown": s}; the process start is not included. keep=True
    leaves the namespaces TAGa0, TAGb0, ... in place (for a test to ping and delete).
    """
    tag = tag or uuid.uuid4().hex[:4]
    argv = [str(binary()), mode, str(pairs), tag] + (["keep"] if keep else [])
    proc = subprocess.run(argv, capture_output=True,
                          text=True, check=False)
    if proc.returncode:
        raise RuntimeError(f"floor {mode} {pairs}: {proc.stderr.strip()}")
    result = json.loads(proc.stdout)
    return {"build": result["build"], "teardown": result["teardown"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'topology':<16} {'build ms':>9} {'teardown ms':>12}  (best of {args.repeat})")
    for title, mode, n in (("article pair", "move", 1), (f"{args.pairs} in place", "inplace",
                           args.pairs), (f"{args.pairs} with moves", "move", args.pairs)):
        runs = [floor(mode, n) for _ in range(args.repeat)]
        build = min(r["build"] for r in runs)
        teardown = min(r["teardown"] for r in runs)
        print(f"{title:<16} {build * 1e3:>9.2f} {teardown * 1e3:>12.2f}")


if __name__ == "__main__":
    main()

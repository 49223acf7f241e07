"""Time from a Panel click to the new SVG, at 2, 20 and 100 namespaces.

    python bench/redraw.py [--sizes 2 20 100] [--repeat 15]

The lab is built with unique names: N namespaces with `lo` up, joined in pairs by veths
with addresses (N/2 pairs), as the article does for two. Then, for each size:

- refresh: what every Panel click ends with: lab.snapshot() + diff + draw + `dot` + the
  widget updates (dropdowns, transcript). Its parts are timed on their own too.
- click: a real Button.click() on "set down"/"set up" of one veth end: the verb itself
  and the refresh.

Targets (issue #3): at most 50 ms at 20 namespaces and 250 ms at 100 (ratio = time /
target; below 1.0 meets it). Medians of --repeat runs. Namespaces of other programs on
the machine are read too (the snapshot lists every namespace), so a busy host is slower.
Everything the lab made is removed at the end (lab.reset(), by its journal).
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable

from nslab import Lab
from nslab.draw import draw, to_svg
from nslab.widgets import Panel

TARGETS_MS = {20: 50.0, 100: 250.0}


def ms(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def grow(lab: Lab, tag: str, have: int, want: int) -> None:
    """Add namespaces have..want-1; every odd one is joined to the one before it."""
    for i in range(have, want):
        ns = f"{tag}n{i}"
        lab.add_netns(ns)
        lab.set_up(ns, "lo")
        if i % 2 == 1:
            prev, a, b = f"{tag}n{i - 1}", f"{tag}a{i}", f"{tag}b{i}"
            lab.add_veth(a, b, ns=prev, peer_ns=ns)
            net = f"10.{200 + i // 128}.{(i // 2) % 64 * 4}"
            lab.add_addr(prev, a, f"{net}.1/30")
            lab.add_addr(ns, b, f"{net}.2/30")
            lab.set_up(prev, a)
            lab.set_up(ns, b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[2, 20, 100])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    if min(args.sizes) < 2:
        parser.error("sizes start at 2 (the clicked veth joins the first two namespaces)")

    tag = "rd" + uuid.uuid4().hex[:5]
    lab = Lab(name=f"bench-redraw-{tag}")
    rows = []
    try:
        have = 0
        panel = None
        for n in sorted(args.sizes):
            grow(lab, tag, have, n)
            have = n
            panel = Panel(lab) if panel is None else panel
            panel.refresh()
            snap = lab.snapshot().lab_only()
            graph = draw(snap)
            t_snap = ms(lab.snapshot, args.repeat)
            t_diff = ms(lambda s=snap: s - s, args.repeat)
            t_draw = ms(lambda s=snap: draw(s), args.repeat)
            t_dot = ms(lambda g=graph: to_svg(g), args.repeat)

            def full_refresh(p: Panel = panel) -> None:
                p._drawn = None  # as after a change: no reuse of the last SVG
                p.refresh()

            t_refresh = ms(full_refresh, args.repeat)

            form = panel.forms["set_state"]
            form.fields["link"].value = (f"{tag}n1", f"{tag}b1")  # made by the 2nd namespace
            flip = iter(["set down", "set up"] * args.repeat)
            t_click = ms(lambda f=form, it=flip: f.buttons[next(it)].click(), args.repeat)
            assert form.error == "", form.error
            assert f"{tag}n{n - 1}" in lab.list_netns()
            rows.append((n, t_snap, t_diff, t_draw, t_dot, t_refresh, t_click))
    finally:
        lab.reset()
        lab.journal.delete()

    head = ("namespaces", "snapshot", "diff", "draw", "dot", "refresh", "click", "target",
            "ratio")
    print("Panel click -> new SVG, median ms (refresh = snapshot + diff + draw + dot + "
          "widgets; click = verb + refresh)")
    print(" ".join(f"{h:>10}" for h in head))
    for n, *times in rows:
        target = TARGETS_MS.get(n)
        ratio = f"{times[-1] / target:.2f}" if target else "-"
        cells = [f"{n:>10}"] + [f"{t:>10.1f}" for t in times]
        cells += [f"{target:>10.0f}" if target else f"{'-':>10}", f"{ratio:>10}"]
        print(" ".join(cells))
    print("ratio = click / target; at most 1.0 meets the target of issue #3.")


if __name__ == "__main__":
    main()

"""The diagnosis engine on the real kernel: several faults at once, all found, all fixed by
the fixes it prints (as Lab calls and as `ip` commands), then a ping that works.

Names carry the test's unique tag; everything is removed by the lab's journal.
"""

from __future__ import annotations

import shlex
import subprocess

import pytest

from nslab.checks import check, reachable, settled_snapshot
from nslab.diagnosis import diagnose
from nslab.draw import draw
from tests.conftest import needs_root

pytestmark = [needs_root, pytest.mark.kernel]


def test_three_faults_found_at_once_and_the_printed_fixes_repair_them(lab, unique):
    a, b = f"da{unique}", f"db{unique}"
    va, vb = f"va{unique}", f"vb{unique}"
    lab.add_netns(a)
    lab.add_netns(b)
    lab.add_veth(va, vb, ns=a, peer_ns=b)
    lab.add_addr(a, va, "10.77.1.1/24")
    lab.add_addr(b, vb, "10.77.2.2/24")  # fault 1: another subnet
    lab.set_up(a, va)  # fault 2: vb stays DOWN, so va has NO-CARRIER
    lab.set_up(b, "lo")  # fault 3: lo in `a` stays DOWN

    snap = settled_snapshot(lab)
    found = diagnose(snap.lab_only(), reach=[(a, "10.77.1.2")])
    assert sorted(f.code for f in found) == ["lo-down", "peer-down", "subnet-mismatch"]
    kernel = snap.link(a, va)
    assert kernel is not None and kernel.up and not kernel.carrier  # what peer-down says
    marks = draw(snap.lab_only()).source
    assert marks.count("\u26a0") == 4

    report = check(lab, reachable(a, "10.77.1.2"))
    assert not report.passed
    text = "\n".join(report.reasons)
    assert f"lab.set_up({b!r}, {vb!r})" in text  # both faults on the pair, not only one
    assert f"lab.del_addr({b!r}, {vb!r}, '10.77.2.2/24')" in text

    # the printed `ip` commands are real commands: run them as printed
    for f in found:
        for cmd in f.command.split("; "):
            subprocess.run(shlex.split(cmd), check=True, capture_output=True, text=True)
    assert diagnose(settled_snapshot(lab).lab_only(), reach=[(a, "10.77.1.2")]) == []
    assert check(lab, reachable(a, "10.77.1.2")).passed

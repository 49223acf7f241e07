"""Which findings a tutorial's step expects (nslab.publish.expected_by): pure, no kernel.

Mid-way through notebook 03 a lab has findings that the next steps fix (a veth end in the
host until S14, the ends DOWN until S17); the class page shows them apart and does not count
them as the student being stuck."""

from __future__ import annotations

from nslab.diagnosis import Finding, Fix
from nslab.publish import expected_by
from nslab.steps import VETH


def finding(code: str, ns: str | None, ifname: str, fix: str) -> Finding:
    return Finding(code, f"diag.{code}", (), ns, ifname, fixes=(Fix(fix, "ip ..."),))


def after(step: str) -> list:
    """The steps of notebook 03 not done yet once STEP is done."""
    ids = list(VETH)
    return [VETH[i] for i in ids[ids.index(step) + 1:]]


def test_a_veth_end_in_the_host_is_expected_until_its_move() -> None:
    in_host = finding("end-in-host", None, "veth-test2", "lab.move('veth-test2', 'test2')")
    assert expected_by(in_host, after("S12")) == "S14"
    assert expected_by(in_host, after("S13")) == "S14"
    assert expected_by(in_host, after("S14")) is None  # S14 is done: a fault now


def test_down_ends_are_expected_until_s17_brings_them_up() -> None:
    down = finding("down-with-address", "test1", "veth-test1", "lab.set_up('test1', 'veth-test1')")
    peer = finding("peer-down", "test2", "veth-test2", "lab.set_up('test2', 'veth-test2')")
    assert expected_by(down, after("S15")) == "S17"
    assert expected_by(peer, after("S16")) == "S17"
    assert expected_by(peer, after("S17")) is None


def test_the_same_verb_on_another_object_is_no_excuse() -> None:
    # S17 brings up the veth ends, not lo, and not the same name in another namespace
    lo = finding("lo-down", "test1", "lo", "lab.set_up('test1', 'lo')")
    elsewhere = finding("peer-down", "test9", "veth-test2", "lab.set_up('test9', 'veth-test2')")
    typo = finding("peer-down", "test2", "veth-test3", "lab.set_up('test2', 'veth-test3')")
    for f in (lo, elsewhere, typo):
        assert expected_by(f, after("S12")) is None
    # a fix by another verb (delete, say) is not what the step does
    dup = finding("duplicate-address", "test2", "veth-test2",
                  "lab.del_addr('test2', 'veth-test2', '192.168.1.1/24')")
    assert expected_by(dup, after("S12")) is None
    # a finding about a whole namespace (no interface) is never expected
    ns_only = Finding("forwarding-off", "diag.forwarding-off", (), "test1", None)
    assert expected_by(ns_only, after("S12")) is None

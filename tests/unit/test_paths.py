"""nslab.paths: every path fault is a diagnosis Finding with its code, its objects and its
fix, positive and negative, over hand-built Snapshots (no root). The sentences themselves
are tested in test_checks.py; here, the data the drawing, the checks and the hints use."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from nslab import paths
from nslab.checks import (
    check,
    connected,
    has_addr,
    has_netns,
    in_namespace,
    link_up,
    reachable,
    route_to,
)
from nslab.diagnosis import CODES, Finding
from tests.unit.test_checks import L, pair, router, world


def _not_wired():
    return world({"a": [L("va", "10.0.0.1/24")], "b": [L("vb", "10.0.0.2/24")],
                  "c": [L("vc", "10.0.0.3/24")]}, pairs=[("a", "va", "c", "vc")])


def _gateway_nobody():
    return world({"left": [L("eth0", "10.0.1.1/24")], "router": [L("eth-left", "10.0.1.254/24")],
                  "right": [L("eth0", "10.0.2.1/24")]},
                 pairs=[("left", "eth0", "router", "eth-left")],
                 routes={"left": [("10.0.2.0/24", "10.0.1.99", "eth0")]})


def _loop():
    return world({"a": [L("va", "10.0.0.1/24")], "b": [L("vb", "10.0.0.2/24")]},
                 pairs=[("a", "va", "b", "vb")],
                 routes={"a": [("10.9.0.0/24", "10.0.0.2", "va")],
                         "b": [("10.9.0.0/24", "10.0.0.1", "vb")]},
                 forwarding={"a": True, "b": True})


def _chain(n=10):
    spaces = {f"n{i}": [] for i in range(n)}
    pairs, routes = [], {}
    for i in range(n - 1):
        spaces[f"n{i}"].append(L(f"up{i}", f"10.{i}.0.1/24"))
        spaces[f"n{i + 1}"].append(L(f"down{i + 1}", f"10.{i}.0.2/24"))
        pairs.append((f"n{i}", f"up{i}", f"n{i + 1}", f"down{i + 1}"))
        routes[f"n{i}"] = [("default", f"10.{i}.0.2", f"up{i}")]
    return world(spaces, pairs=pairs, routes=routes, forwarding={f"n{i}": True for i in range(n)})


# (name, broken snapshot, goal, the code, the object (ns, ifname), a fix call or None,
#  a snapshot where the same goal is met)
CASES = [
    ("no-namespace", pair(), has_netns("nope"), "no-namespace", ("nope", None),
     "lab.add_netns('nope')", None),
    ("wrong-namespace", pair(), in_namespace("veth-test1", "test2"), "wrong-namespace",
     ("test1", "veth-test1"), "lab.move('veth-test1', 'test2', src='test1')", None),
    ("no-interface", pair(), link_up("test1", "eth9"), "no-interface", ("test1", None),
     "lab.add_veth('eth9', 'PEER', ns='test1')", None),
    ("bad-value", pair(), reachable("test1", "not-an-ip"), "bad-value", (None, None), None,
     None),
    ("no-carrier", world({"a": [L("dummy0", kind="device", carrier=False)]}),
     link_up("a", "dummy0"), "no-carrier", ("a", "dummy0"), None,
     world({"a": [L("dummy0", kind="device")]})),
    ("bridge-no-port", world({"sw": [L("br0", kind="bridge")]}), link_up("sw", "br0"),
     "bridge-no-port", ("sw", "br0"), "lab.set_master('sw', 'PORT', 'br0')", None),
    ("wrong-address", pair(ca="192.168.1.1/32"),
     has_addr("test1", "veth-test1", "192.168.1.1/24"), "wrong-address", ("test1", "veth-test1"),
     "lab.del_addr('test1', 'veth-test1', '192.168.1.1/32'); "
     "lab.add_addr('test1', 'veth-test1', '192.168.1.1/24')", pair()),
    ("missing-address", pair(ca=None), has_addr("test1", "veth-test1", "192.168.1.1/24"),
     "missing-address", ("test1", "veth-test1"),
     "lab.add_addr('test1', 'veth-test1', '192.168.1.1/24')", pair()),
    ("not-connected", world({"a": [], "b": []}), connected("a", "b"), "not-connected",
     ("a", None), "lab.add_veth('veth-a', 'veth-b', ns='a', peer_ns='b')", None),
    ("no-route", router(left_route=False), reachable("left", "10.0.2.1"), "no-route",
     ("left", None), "lab.add_route('left', '10.0.2.0/24', via='10.0.1.254')", router()),
    ("no-return-route", router(right_route=False), reachable("left", "10.0.2.1"),
     "no-return-route", ("right", None), "lab.add_route('right', '10.0.1.0/24', "
     "via='10.0.2.254')", router()),
    ("route-to", router(left_route=False), route_to("left", "10.0.2.0/24"), "no-route",
     ("left", None), "lab.add_route('left', '10.0.2.0/24', via='10.0.1.254')", router()),
    ("prefix-mismatch", pair(cb="192.168.1.2/32"), reachable("test1", "192.168.1.2"),
     "prefix-mismatch", ("test2", "veth-test2"),
     "lab.del_addr('test2', 'veth-test2', '192.168.1.2/32'); "
     "lab.add_addr('test2', 'veth-test2', '192.168.1.2/24')", pair()),
    ("subnet-mismatch", pair(cb="192.168.2.2/24"), reachable("test1", "192.168.2.2"),
     "subnet-mismatch", ("test2", "veth-test2"), None, None),
    ("not-wired", _not_wired(), reachable("a", "10.0.0.2"), "not-wired", ("a", "va"), None,
     None),
    ("next-hop-missing", _gateway_nobody(), reachable("left", "10.0.2.1"), "next-hop-missing",
     ("left", "eth0"), None, None),
    ("routing-loop", _loop(), reachable("a", "10.9.0.1"), "routing-loop", ("a", None), None,
     None),
    ("stale-route", world({"a": [L("va", "10.0.0.1/24")]},
                          routes={"a": [("10.9.0.0/24", None, "vz")]}),
     reachable("a", "10.9.0.1"), "stale-route", ("a", None), None, None),
    ("too-many-hops", _chain(), reachable("n0", "172.16.0.1"), "too-many-hops", ("n8", None),
     None, None),
    ("peer-down (a diagnosis code)", pair(up_b=False), reachable("test1", "192.168.1.2"),
     "peer-down", ("test2", "veth-test2"), "lab.set_up('test2', 'veth-test2')", pair()),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_each_path_fault_is_a_finding(case):
    _name, snap, goal, code, (ns, ifname), call, fixed = case
    found = goal.findings(snap)
    assert found and all(isinstance(f, Finding) for f in found)
    first = next((f for f in found if f.code == code), None)
    assert first is not None, [f.code for f in found]
    assert code in CODES + paths.PATH_CODES
    assert (first.ns, first.ifname) == (ns, ifname)
    if call is not None:
        assert first.call == call
        assert all(fix.command for fix in first.fixes)  # the same repair as an `ip` command
        assert call in first.text  # the sentence names its fix: nothing to merge later
    # the checks render the same findings: the verdict carries them, the reasons are theirs
    verdict = check(snap, goal)[0]
    assert not verdict.ok and verdict.findings == found
    assert verdict.reasons == tuple(dict.fromkeys(f.text for f in found))
    if fixed is not None:  # negative: where the goal is met, no finding at all
        assert goal.findings(fixed) == ()


def test_goals_that_hold_have_no_finding():
    assert has_netns("test1").findings(pair()) == ()
    assert in_namespace("veth-test1", "test1").findings(pair()) == ()
    assert link_up("test1", "veth-test1").findings(pair()) == ()
    assert connected("test1", "test2").findings(pair()) == ()
    assert reachable("left", "10.0.2.1").findings(router()) == ()


def test_no_reply_is_a_finding_with_a_closer_look():
    f = paths.no_reply(pair(), "test1", "192.168.1.2")
    assert f.code == "no-reply" and f.ns == "test1"
    assert f.call == "lab.exec('test1', 'ip route get 192.168.1.2')"
    assert f.command == "ip netns exec test1 ip route get 192.168.1.2"


def test_the_other_faults_on_the_way_are_merged_by_their_fixes():
    """Both ends DOWN: the path names one, diagnosis adds the other; the same repair is
    never said twice (compared as Fix data, not as text)."""
    found, itself = paths.reach(pair(up_a=False, up_b=False), "test1", "192.168.1.2")
    assert not itself
    calls = [f.call for f in found]
    assert len(calls) == len(set(calls))
    assert {"lab.set_up('test1', 'veth-test1')", "lab.set_up('test2', 'veth-test2')"} <= set(
        calls)


def test_codes_are_unique_and_documented():
    assert len(set(paths.PATH_CODES)) == len(paths.PATH_CODES)
    assert not set(paths.PATH_CODES) & set(CODES)
    doc = paths.__doc__ or ""
    assert all(f"    {code} " in doc for code in paths.PATH_CODES)


def test_checks_have_no_words_of_their_own_for_a_fault():
    """checks.py says only what a goal is and how many are met: every fault's sentence
    comes from a finding."""
    src = Path(paths.__file__).with_name("checks.py").read_text()
    keys = {
        node.args[0].value for node in ast.walk(ast.parse(src))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") in ("say", "say_n")
        and node.args and isinstance(node.args[0], ast.Constant)
    }
    own = {k for k in keys if not k.startswith(("check.goal.", "check.summary."))}
    assert own <= {"check.host", "check.not-a-goal"}, own


def test_the_drawing_marks_path_findings_it_is_given():
    """A prefix the diagnosis scan cannot blame alone (the far end is fine): the path
    finding of a goal marks the end at fault, with its short label."""
    from nslab.draw import draw

    snap = pair(ca="192.168.1.1/24", cb="192.168.1.2/32")
    found = list(reachable("test1", "192.168.1.2").findings(snap))
    assert [f.code for f in found][:1] == ["prefix-mismatch"]
    missing = has_addr("test1", "veth-test1", "192.168.1.1/24").findings(pair(ca=None))
    src = draw(pair(ca=None), findings=missing).source
    assert "no address yet" in src
    assert "no address yet" not in draw(pair(ca=None), findings=missing, marks=False).source
    assert missing[0].drawn and missing[0].label(("test1", "veth-test1")) == "no address yet"

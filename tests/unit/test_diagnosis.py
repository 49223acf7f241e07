"""The diagnosis engine over hand-built Snapshots: every finding code, positive and
negative, every fault at once, and fixes that run as written (no root)."""

from __future__ import annotations

import shlex

import pytest
from test_checks import L, pair, router, world

from nslab.checks import check, reachable
from nslab.diagnosis import CODES, Finding, concerning, diagnose
from nslab.draw import draw
from nslab.findings import fix_move, fix_set_up
from nslab.snapshot import Namespace, Snapshot


def codes(snap, **kw) -> list[str]:
    return [f.code for f in diagnose(snap, **kw)]


def only(snap, code, **kw) -> Finding:
    (found,) = [f for f in diagnose(snap, **kw) if f.code == code]
    return found


# ------------------------------------------------------------------ the working lab


def test_the_article_lab_has_no_finding():
    assert diagnose(pair(), reach=[("test1", "192.168.1.2"), ("test2", "192.168.1.1")]) == []
    assert diagnose(router(), reach=[("left", "10.0.2.1"), ("right", "10.0.1.1")]) == []


def test_every_code_is_documented_and_rendered():
    import nslab.diagnosis as d

    for code in CODES:
        assert f"    {code} " in d.__doc__, code


# ------------------------------------------------------------------ one code each


def test_lo_down():
    f = only(pair(lo_down=("test1",)), "lo-down")
    assert (f.ns, f.ifname, f.severity) == ("test1", "lo", "warning")
    assert f.call == "lab.set_up('test1', 'lo')"
    assert f.command == "ip netns exec test1 ip link set dev lo up"
    assert "lo-down" not in codes(pair())
    # a namespace with nothing but lo: nothing to blame yet (S8-S10)
    assert "lo-down" not in codes(world({"test1": []}, lo_down=("test1",)))


def test_end_in_host():
    snap = world({None: [L("veth-test2", up=False)], "test1": [L("veth-test1", "10.0.0.1/24")],
                  "test2": []}, pairs=[("test1", "veth-test1", None, "veth-test2")])
    f = only(snap, "end-in-host")
    assert (f.ns, f.ifname) == (None, "veth-test2")
    assert f.call == "lab.move('veth-test2', 'test2')"
    assert f.command == "ip link set dev veth-test2 netns test2"
    assert codes(snap) == ["end-in-host"]  # its state and addresses wait for the move
    assert "end-in-host" not in codes(pair())


def test_peer_down():
    f = only(pair(up_b=False), "peer-down")
    assert (f.ns, f.ifname, f.others, f.pair) == ("test2", "veth-test2",
                                                   (("test1", "veth-test1"),), True)
    assert "NO-CARRIER on it, and state DOWN or LOWERLAYERDOWN" in f.problem
    assert f.marked == (("test2", "veth-test2"),)  # the drawing blames the DOWN end only
    assert "peer-down" not in codes(pair(up_a=False, up_b=False))  # nobody has a carrier


def test_down_with_address():
    assert codes(pair(up_a=False, up_b=False)) == ["down-with-address", "down-with-address"]
    assert "down-with-address" not in codes(pair(up_a=False, up_b=False, ca=None, cb=None))


def test_bridge_down():
    snap = world({"a": [L("ea", "10.0.0.1/24")], "sw": [L("br0", kind="bridge", up=False),
                                                       L("pa", master="br0")]},
                 pairs=[("a", "ea", "sw", "pa")])
    f = only(snap, "bridge-down")
    assert f.call == "lab.set_up('sw', 'br0')"
    idle = world({"sw": [L("br0", kind="bridge", up=False)]})  # no port: nothing to pass
    assert "bridge-down" not in codes(idle)


def test_duplicate_address():
    f = only(pair(cb="192.168.1.1/24"), "duplicate-address")
    assert (f.ns, f.ifname, f.others) == ("test2", "veth-test2", (("test1", "veth-test1"),))
    assert f.call == ("lab.del_addr('test2', 'veth-test2', '192.168.1.1/24'); "
                      "lab.add_addr('test2', 'veth-test2', '192.168.1.2/24')")
    # also between namespaces that are not wired together
    apart = world({"a": [L("x", "10.0.0.1/24")], "b": [L("y", "10.0.0.1/24")]})
    assert codes(apart) == ["duplicate-address"]
    assert "duplicate-address" not in codes(pair())


def test_subnet_mismatch():
    f = only(pair(cb="192.168.2.2/24"), "subnet-mismatch")
    assert f.call.endswith("lab.add_addr('test2', 'veth-test2', '192.168.1.2/24')")
    assert "subnet-mismatch" not in codes(pair(ca="10.0.0.1/16", cb="10.0.5.2/16"))


def test_prefix_mismatch():
    f = only(pair(cb="192.168.1.2/32"), "prefix-mismatch")
    assert (f.ns, f.ifname) == ("test2", "veth-test2")
    assert f.call == ("lab.del_addr('test2', 'veth-test2', '192.168.1.2/32'); "
                      "lab.add_addr('test2', 'veth-test2', '192.168.1.2/24')")
    assert "subnet-mismatch" not in codes(pair(cb="192.168.1.2/32"))
    assert "prefix-mismatch" not in codes(pair())


def test_no_address():
    f = only(pair(cb=None), "no-address")
    assert (f.ns, f.ifname, f.severity) == ("test2", "veth-test2", "warning")
    assert f.call == "lab.add_addr('test2', 'veth-test2', '192.168.1.2/24')"
    # issue 11: bridge ports carry frames without addresses; no finding there
    bridged = world({"a": [L("ea", "10.0.0.1/24")], "sw": [L("br0", kind="bridge"),
                                                          L("pa", master="br0")]},
                    pairs=[("a", "ea", "sw", "pa")])
    assert "no-address" not in codes(bridged)
    assert "no-address" not in codes(pair(ca=None, cb=None))


def test_forwarding_off():
    f = only(router(fwd=False), "forwarding-off")
    assert (f.ns, f.ifname) == ("router", None)
    assert f.command == "ip netns exec router sysctl -w net.ipv4.ip_forward=1"
    # nobody routes through it: it may keep forwarding off
    assert "forwarding-off" not in codes(router(fwd=False, left_route=False, right_route=False))
    assert "forwarding-off" not in codes(router())


def test_no_route_and_no_return_route():
    """With `reach`, diagnose follows the ping as the checks do (nslab.paths): the first
    route missing on the packet's way, then, once it is added, the route back."""
    snap = router(left_route=False, right_route=False)
    reach = [("left", "10.0.2.1")]
    assert codes(snap) == []  # routes are only judged for a ping that should work
    found = diagnose(snap, reach=reach)
    assert [f.code for f in found] == ["no-route"]
    assert found[0].call == "lab.add_route('left', '10.0.2.0/24', via='10.0.1.254')"
    back = diagnose(router(right_route=False), reach=reach)
    assert [f.code for f in back] == ["no-return-route"]
    assert back[0].call == "lab.add_route('right', '10.0.1.0/24', via='10.0.2.254')"
    assert codes(router(), reach=reach) == []


def test_diagnose_explains_a_ping_in_the_checks_own_findings():
    """One engine: diagnose(reach=) lists the findings check() gives for the ping, or one
    that makes all of a finding's fixes (each repair once)."""
    for snap in (router(left_route=False), router(right_route=False), router(fwd=False),
                 pair(up_b=False, cb="192.168.2.2/24")):
        src, target = ("left", "10.0.2.1") if snap.ns("left") else ("test1", "192.168.2.2")
        report = check(snap, reachable(src, target))
        found = diagnose(snap, reach=[(src, target)])
        fixes = {fix for f in found for fix in f.fixes}
        wanted = [f for v in report.failed for f in v.findings]
        assert wanted
        for f in wanted:
            assert f in found or set(f.fixes) <= fixes, f.text


def test_each_repair_is_printed_once():
    """The ping test1 -> 192.168.1.2 meets a typo (192.168.2.2): the subnet mismatch's fix
    (del + add) already gives test2 the address the path misses, so it is not repeated."""
    snap = pair(up_b=False, cb="192.168.2.2/24")
    found = diagnose(snap, reach=[("test1", "192.168.1.2")])
    assert sorted(f.code for f in found) == ["peer-down", "subnet-mismatch"]
    calls = [c for f in found for c in f.call.split("; ")]
    assert len(calls) == len(set(calls)) == 3


def test_reach_with_a_bad_address_is_a_finding_not_silence():
    found = diagnose(router(), reach=[("left", "not an address")])
    assert [f.code for f in found] == ["bad-value"]
    assert "'not an address'" in found[0].text


# ------------------------------------------------------------------ every fault at once


def test_two_faults_on_one_pair_both_listed():
    # issue 15 item 4: a DOWN peer and a subnet mismatch used to yield only the subnet
    snap = pair(up_b=False, cb="192.168.2.2/24")
    assert sorted(codes(snap)) == ["peer-down", "subnet-mismatch"]
    report = check(snap, reachable("test1", "192.168.2.2"))
    text = "\n".join(report.reasons)
    assert "lab.set_up('test2', 'veth-test2')" in text
    assert "lab.del_addr('test2', 'veth-test2', '192.168.2.2/24')" in text


def test_three_faults_all_listed_by_diagnosis_checks_and_drawing():
    snap = pair(up_b=False, cb="192.168.2.2/24", lo_down=("test1",))
    assert sorted(codes(snap)) == ["lo-down", "peer-down", "subnet-mismatch"]
    src = draw(snap).source
    assert src.count("\u26a0") == 4  # lo; veth-test2 DOWN; the mismatch on both ends
    reasons = check(snap, reachable("test1", "192.168.2.2")).reasons
    assert len(reasons) == 2  # lo in test1 does not stop a ping to test2
    assert any("peer-down" in f.code for f in diagnose(snap))


def test_three_faults_on_a_routed_lab():
    snap = router(fwd=False, right_route=False, lo_down=("left",))
    found = diagnose(snap, reach=[("left", "10.0.2.1")])
    assert [f.code for f in found] == ["lo-down", "forwarding-off", "no-return-route"]
    reasons = check(snap, reachable("left", "10.0.2.1")).reasons
    assert any("lab.set_forwarding('router', True)" in r for r in reasons)
    # the path engine follows the packet past the router that does not forward, so the
    # check names the missing route back at once, not after forwarding is fixed
    assert any("lab.add_route('right', '10.0.1.0/24', via='10.0.2.254')" in r for r in reasons)


def test_findings_are_stable_and_unique():
    snap = pair(up_b=False, cb="192.168.2.2/24", lo_down=("test1", "test2"))
    first = diagnose(snap)
    assert first == diagnose(snap) and len(set(first)) == len(first)


# ------------------------------------------------------------------ fixes


ODD = ["veth a", "x;rm -rf", "ve'th", "-dash"]


@pytest.mark.parametrize("name", ODD)
def test_ip_commands_quote_odd_names(name):
    snap = world({"my ns": [L(name)]})
    cmd = fix_set_up(snap, "my ns", name).command
    argv = shlex.split(cmd)
    assert argv[:4] == ["ip", "netns", "exec", "my ns"]
    assert argv[4:] == ["ip", "link", "set", "dev", name, "up"]  # `dev` guards `-dash`
    assert fix_set_up(snap, "my ns", name).call == f"lab.set_up('my ns', {name!r})"


def test_ip_command_for_host_and_containers():
    snap = Snapshot((Namespace(None, "host", 1), Namespace("@web", "hidden", 2, pids=(4242,))))
    assert fix_set_up(snap, None, "v").command == "ip link set dev v up"
    assert fix_set_up(snap, "@web", "eth0").command == (
        "nsenter -t 4242 -n ip link set dev eth0 up"
    )
    assert fix_move(snap, "v", "test1").command == "ip link set dev v netns test1"


# ------------------------------------------------------------------ the kit's own namespaces


def test_infrastructure_namespaces_are_never_blamed():
    snap = world({"docker-host": [L("uplink", "203.0.113.1/24")],
                  "internet": [L("isp", "203.0.113.10/24")]},
                 pairs=[("docker-host", "uplink", "internet", "isp")], lo_down=("internet",))
    assert codes(snap) == ["lo-down"]
    assert codes(snap, infrastructure=["internet"]) == []
    assert "\u26a0" not in draw(snap, infrastructure=["internet"]).source
    assert "\u26a0" in draw(snap).source


def test_drawing_without_marks():
    snap = pair(up_b=False, cb="192.168.2.2/24")
    src = draw(snap, marks=False).source
    assert "\u26a0" not in src and "#b00020" not in src
    assert "NO-CARRIER, state LOWERLAYERDOWN" in src  # the state itself is still shown


# ------------------------------------------------------------------ which faults a check adds


def two_labs(**faults):
    """The article's pair twice: test1/test2 and far1/far2 (unrelated to the first)."""
    spaces = {
        "test1": [L("veth-test1", "192.168.1.1/24")],
        "test2": [L("veth-test2", faults.get("cb", "192.168.1.2/24"),
                    up=faults.get("up_b", True))],
        "far1": [L("veth-far1", "10.9.0.1/24")],
        "far2": [L("veth-far2", "10.8.0.2/24", up=False)],  # two faults, elsewhere
    }
    return world(spaces, pairs=[("test1", "veth-test1", "test2", "veth-test2"),
                                ("far1", "veth-far1", "far2", "veth-far2")])


def test_a_check_adds_only_the_faults_on_the_way():
    snap = two_labs(up_b=False, cb="192.168.2.2/24")
    assert len(diagnose(snap)) == 4
    reasons = check(snap, reachable("test1", "192.168.2.2")).reasons
    assert len(reasons) == 2 and not any("far" in r for r in reasons)


def test_a_working_ping_is_not_failed_by_faults_elsewhere():
    snap = two_labs()
    assert diagnose(snap) and check(snap, reachable("test1", "192.168.1.2")).passed


def test_concerning_picks_the_findings_about_one_object():
    found = diagnose(two_labs(up_b=False, cb="192.168.2.2/24"))
    about = concerning(found, "test2", "veth-test2")
    assert sorted(f.code for f in about) == ["peer-down", "subnet-mismatch"]
    assert sorted(f.code for f in concerning(found, "far2")) == ["peer-down", "subnet-mismatch"]
    assert concerning(found, "nowhere") == []

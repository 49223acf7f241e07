"""Goals judged over hand-built Snapshots: every explanation a check can give (no root).

`world()` builds a Snapshot the way the kernel would report it: carriers follow the
state of both veth ends, and every UP link gets the connected routes of its addresses.
"""

from __future__ import annotations

import html
import ipaddress
import re

import pytest

from nslab import checks
from nslab.checks import (
    Report,
    Verdict,
    check,
    connected,
    forwards,
    has_addr,
    has_netns,
    in_namespace,
    link_up,
    lo_up,
    reachable,
    route_to,
    unique_addresses,
)
from nslab.diagnosis import diagnose
from nslab.snapshot import Address, Link, Namespace, Peer, Route, Snapshot

# ------------------------------------------------------------------ building snapshots


def L(name, *cidrs, up=True, kind="veth", master=None, carrier=True):  # noqa: N802
    """A link spec: name, addresses, admin state (carrier: for kinds without a peer)."""
    return {"name": name, "cidrs": cidrs, "up": up, "kind": kind, "master": master,
            "carrier": carrier}


def world(spaces, pairs=(), routes=None, forwarding=None, lo_down=()):
    """A Snapshot from {ns: [L(...)]}, veth pairs [(ns, if, ns, if)], extra routes.

    Each namespace but the host gets `lo` (up unless listed in lo_down). Host links are
    the lab's own (owned=True), as if the lab had created them there.
    """
    routes = routes or {}
    forwarding = forwarding or {}
    specs = {}
    for key, links in spaces.items():
        ls = list(links)
        if key is not None:
            ls.insert(0, L("lo", up=key not in lo_down, kind="loopback"))
        specs[key] = {lk["name"]: dict(lk, index=i + 1) for i, lk in enumerate(ls)}
    peer_of = {}
    for a, ai, b, bi in pairs:
        peer_of[(a, ai)] = (b, bi)
        peer_of[(b, bi)] = (a, ai)
    namespaces = []
    for key, links in specs.items():
        built = []
        kernel_routes = []
        for name, sp in links.items():
            peer = None
            carrier = sp["up"] and sp["carrier"]
            if sp["kind"] == "veth":
                other = peer_of.get((key, name))
                if other:
                    o = specs[other[0]][other[1]]
                    peer = Peer(other[0], other[1], o["index"])
                    carrier = sp["up"] and o["up"]
                else:
                    carrier = False
            elif sp["kind"] == "bridge":
                carrier = sp["up"] and any(
                    x["master"] == name and x["up"] for x in links.values()
                )
            if sp["kind"] == "loopback":
                oper = "UNKNOWN" if sp["up"] else "DOWN"
                addrs = (Address("127.0.0.1/8", 4, "host"),)
            else:
                oper = ("UP" if carrier else "LOWERLAYERDOWN") if sp["up"] else "DOWN"
                addrs = tuple(sorted(Address(c, 4, "global") for c in sp["cidrs"]))
            built.append(Link(
                name=name, index=sp["index"], kind=sp["kind"], up=sp["up"], operstate=oper,
                carrier=carrier, mac="00:00:00:00:00:00", mtu=1500, master=sp["master"],
                peer=peer, addresses=addrs, owned=True,
            ))
            if sp["up"] and sp["kind"] != "loopback":
                for c in sp["cidrs"]:
                    iface = ipaddress.ip_interface(c)
                    if iface.network.prefixlen < 32:
                        kernel_routes.append(
                            Route(str(iface.network), name, None, "link", "kernel")
                        )
        extra = tuple(
            Route(dst, dev, gw) for dst, gw, dev in routes.get(key, ())
        )
        namespaces.append(Namespace(
            key, "host" if key is None else "named", 0, tuple(built),
            tuple(kernel_routes) + extra, owned=key is not None,
            forwarding=forwarding.get(key, False if key is not None else None),
        ))
    if None not in specs:
        namespaces.insert(0, Namespace(None, "host", 0))
    return Snapshot(tuple(namespaces))


def pair(a="test1", b="test2", ca="192.168.1.1/24", cb="192.168.1.2/24", up_a=True, up_b=True,
         va="veth-test1", vb="veth-test2", **kw):
    """The article's lab (S8-S19), in any state."""
    return world(
        {a: [L(va, *([ca] if ca else []), up=up_a)], b: [L(vb, *([cb] if cb else []), up=up_b)]},
        pairs=[(a, va, b, vb)], **kw,
    )


def router(left_route=True, right_route=True, fwd=True, **kw):
    """left 10.0.1.1/24 -- 10.0.1.254 router 10.0.2.254 -- 10.0.2.1/24 right."""
    routes = {}
    if left_route:
        routes["left"] = [("10.0.2.0/24", "10.0.1.254", "eth0")]
    if right_route:
        routes["right"] = [("default", "10.0.2.254", "eth0")]
    return world(
        {
            "left": [L("eth0", "10.0.1.1/24")],
            "router": [L("eth-left", "10.0.1.254/24"), L("eth-right", "10.0.2.254/24")],
            "right": [L("eth0", "10.0.2.1/24")],
        },
        pairs=[("left", "eth0", "router", "eth-left"), ("router", "eth-right", "right", "eth0")],
        routes=routes, forwarding={"router": fwd}, **kw,
    )


def why(snap, goal):
    """The reasons GOAL is not met in SNAP, as one string (empty when met)."""
    return "\n".join(goal.judge(snap))


# ------------------------------------------------------------------ the working lab


GOOD_GOALS = [
    has_netns("test1"),
    lo_up("test1"),
    in_namespace("veth-test1", "test1"),
    in_namespace("veth-test2", "test2"),
    has_addr("test1", "veth-test1", "192.168.1.1/24"),
    has_addr("test2", "veth-test2", "192.168.1.2/24"),
    link_up("test1", "veth-test1"),
    link_up("test2", "veth-test2"),
    connected("test1", "test2"),
    reachable("test1", "192.168.1.2"),
    reachable("test2", "192.168.1.1"),
    reachable("test1", "192.168.1.1"),
    reachable("test1", "127.0.0.1"),
    route_to("test1", "192.168.1.0/24"),
    unique_addresses(),
]


def test_the_article_lab_meets_every_goal():
    report = check(pair(), GOOD_GOALS)
    assert report.passed, str(report)
    assert report.reasons == []
    assert str(report).endswith(f"All {len(GOOD_GOALS)} goals met.")


def test_goals_are_data():
    assert reachable("test1", "192.168.1.2") == reachable("test1", "192.168.1.2")
    assert len({link_up("a", "x"), link_up("a", "x"), lo_up("a")}) == 2
    with pytest.raises(AttributeError):
        reachable("a", "1.2.3.4").ns = "b"  # type: ignore[misc]
    assert str(has_addr("test1", "veth-test1", "192.168.1.1/24")) == (
        "veth-test1 in test1 has 192.168.1.1/24"
    )


# ------------------------------------------------------------------ the tutorial's mistakes


def test_down_end_has_no_carrier():
    snap = pair(up_b=False)
    text = ("veth-test2 in test2 is DOWN, so its peer veth-test1 in test1 has no carrier (ip "
            "shows NO-CARRIER on it, and state DOWN or LOWERLAYERDOWN): bring veth-test2 up. Fix: "
            "lab.set_up('test2', 'veth-test2')  "
            "(ip: ip netns exec test2 ip link set dev veth-test2 up)")
    assert why(snap, link_up("test2", "veth-test2")) == text
    # the end that IS up has no carrier either, for the same reason
    assert why(snap, link_up("test1", "veth-test1")) == text
    assert why(snap, reachable("test1", "192.168.1.2")) == text  # across the wire
    assert why(snap, reachable("test2", "192.168.1.1")) == text  # no route: its link is down
    assert why(snap, connected("test1", "test2")) == text


def test_both_ends_down():
    snap = pair(up_a=False, up_b=False)
    got = why(snap, connected("test1", "test2"))
    assert "veth-test1 in test1 has 192.168.1.1/24 but is not up yet (state DOWN)" in got
    assert "veth-test2 in test2 has 192.168.1.2/24 but is not up yet (state DOWN)" in got


def test_veth_end_still_in_the_host():
    snap = world(
        {None: [L("veth-test2", up=False)], "test1": [L("veth-test1", "192.168.1.1/24")],
         "test2": []},
        pairs=[("test1", "veth-test1", None, "veth-test2")],
    )
    moved = ("veth-test2 is still in the host namespace, so no namespace of the lab can use "
             "it: move it into test2 (S13/S14). Fix: lab.move('veth-test2', 'test2')  "
             "(ip: ip link set dev veth-test2 netns test2)")
    assert why(snap, in_namespace("veth-test2", "test2")) == moved
    assert why(snap, link_up("test2", "veth-test2")) == moved
    assert why(snap, has_addr("test2", "veth-test2", "192.168.1.2/24")) == moved
    assert why(snap, connected("test1", "test2")) == moved
    assert why(snap, reachable("test2", "192.168.1.1")) == moved
    got = why(snap, reachable("test1", "192.168.1.2")).split("\n")
    assert got[0] == moved
    assert got[1] == ("nothing in the lab has 192.168.1.2 — give it to the far end of the pair "
                      "once it is there: lab.add_addr('test2', 'veth-test2', '192.168.1.2/24')  "
                      "(ip: ip netns exec test2 ip addr add 192.168.1.2/24 dev veth-test2)")


def test_step_s13_named_for_the_first_end():
    snap = world({None: [L("veth-test1"), L("veth-test2")], "test1": [], "test2": []},
                 pairs=[(None, "veth-test1", None, "veth-test2")])
    assert why(snap, in_namespace("veth-test1", "test1")) == (
        "veth-test1 is still in the host namespace, so no namespace of the lab can use it: "
        "move it into test1 (S13/S14). Fix: lab.move('veth-test1', 'test1')  "
        "(ip: ip link set dev veth-test1 netns test1)"
    )
    got = why(snap, connected("test1", "test2"))
    assert "lab.move('veth-test1', 'test1')" in got and "lab.move('veth-test2', 'test2')" in got


def test_stranded_end_guesses_its_namespace():
    snap = world({None: [L("ex3-veth-b", up=False)], "ex3-a": [L("ex3-veth-a", "10.0.0.1/24")],
                  "ex3-b": []}, pairs=[("ex3-a", "ex3-veth-a", None, "ex3-veth-b")])
    assert "move it into ex3-b (S13/S14). Fix: lab.move('ex3-veth-b', 'ex3-b')" in why(
        snap, reachable("ex3-a", "10.0.0.2"))


def test_interface_in_the_wrong_namespace():
    snap = world({"test1": [], "test2": [L("veth-test1"), L("veth-test2")]},
                 pairs=[("test2", "veth-test1", "test2", "veth-test2")])
    assert why(snap, in_namespace("veth-test1", "test1")) == (
        "veth-test1 is in test2, not in test1 — move it: "
        "lab.move('veth-test1', 'test1', src='test2')  (ip: ip netns exec test2 ip link set dev "
        "veth-test1 netns test1)"
    )


def test_wrong_prefix_forgotten_slash_24():
    snap = pair(cb="192.168.1.2/32")
    fix = ("lab.del_addr('test2', 'veth-test2', '192.168.1.2/32'); "
           "lab.add_addr('test2', 'veth-test2', '192.168.1.2/24')  (ip: ip netns exec test2 ip "
           "addr del 192.168.1.2/32 dev veth-test2; ip netns exec test2 ip addr add "
           "192.168.1.2/24 dev veth-test2)")
    assert why(snap, has_addr("test2", "veth-test2", "192.168.1.2/24")) == (
        "veth-test2 in test2 has 192.168.1.2/32, not 192.168.1.2/24: the prefix length decides "
        "which addresses test2 sees as neighbours on the link (a /32 is what `ip addr add "
        f"192.168.1.2 dev veth-test2` gives when the /24 is left out) — replace it: {fix}"
    )
    # test1 reaches test2, but test2 cannot answer: it has no route back
    assert why(snap, reachable("test1", "192.168.1.2")) == (
        "192.168.1.2/32 on veth-test2 has prefix length /32 while its neighbour veth-test1 in "
        "test1 has 192.168.1.1/24: test2 has no route to 192.168.1.1 for its replies (a /32 is "
        "what `ip addr add 192.168.1.2 dev veth-test2` gives when the /24 is left out) — give "
        f"both ends the same prefix length: {fix}"
    )
    assert "test2 has no route to 192.168.1.1 (a /32" in why(snap, reachable("test2",
                                                                          "192.168.1.1"))


def test_prefix_too_short_on_one_side():
    snap = pair(ca="10.0.0.1/24", cb="10.0.1.2/16")
    got = why(snap, reachable("test1", "10.0.1.2"))
    assert got.startswith("10.0.0.1/24 on veth-test1 has prefix length /24 while its neighbour "
                          "veth-test2 in test2 has 10.0.1.2/16")
    assert "lab.add_addr('test1', 'veth-test1', '10.0.0.1/16')" in got


def test_different_subnets_and_no_route_joins_them():
    snap = pair(cb="192.168.2.2/24")
    assert why(snap, reachable("test1", "192.168.2.2")) == (
        "veth-test1 in test1 (192.168.1.1/24) and its peer veth-test2 in test2 (192.168.2.2/24) "
        "are in different subnets, so neither has a route to the other: put both ends in one "
        "subnet. Fix: lab.del_addr('test2', 'veth-test2', '192.168.2.2/24'); "
        "lab.add_addr('test2', 'veth-test2', '192.168.1.2/24')  (ip: ip netns exec test2 ip "
        "addr del 192.168.2.2/24 dev veth-test2; ip netns exec test2 ip addr add "
        "192.168.1.2/24 dev veth-test2)"
    )


def test_lo_is_down():
    snap = pair(lo_down=("test1",))
    lo = ("lo in test1 is DOWN (S11), so programs in test1 cannot reach 127.0.0.1, nor even "
          "test1's own addresses. Fix: lab.set_up('test1', 'lo')  "
          "(ip: ip netns exec test1 ip link set dev lo up)")
    assert why(snap, lo_up("test1")) == lo
    assert why(snap, link_up("test1", "lo")) == lo
    assert why(snap, reachable("test1", "127.0.0.1")) == lo
    assert why(snap, reachable("test1", "192.168.1.1")) == lo
    assert why(snap, reachable("test1", "192.168.1.2")) == ""  # other namespaces: no lo needed
    assert why(snap, reachable("test2", "192.168.1.1")) == ""


def test_duplicate_address():
    snap = pair(cb="192.168.1.1/24")
    fix = ("lab.del_addr('test2', 'veth-test2', '192.168.1.1/24'); "
           "lab.add_addr('test2', 'veth-test2', '192.168.1.2/24')")
    ip = ("(ip: ip netns exec test2 ip addr del 192.168.1.1/24 dev veth-test2; "
          "ip netns exec test2 ip addr add 192.168.1.2/24 dev veth-test2)")
    assert why(snap, unique_addresses()) == (
        "192.168.1.1 is on both veth-test1 in test1 and veth-test2 in test2 (a duplicate "
        "address): each one answers for itself, so they never talk to each other. Give "
        f"veth-test2 its own address. Fix: {fix}  {ip}"
    )
    assert why(snap, unique_addresses("test1")) == ""
    # test2 pings "the other" .1 and gets an answer from itself: a failed goal, not a pass
    reasons, itself = reachable("test2", "192.168.1.1").analyse(snap)
    assert itself and reasons == (
        "192.168.1.1 is on both veth-test1 in test1 and veth-test2 in test2 (a duplicate "
        "address): test2 answers its own ping and never reaches test1. Give veth-test2 its "
        f"own address. Fix: {fix}  {ip}",
    )
    got = why(snap, reachable("test1", "192.168.1.2")).split("\n")
    assert got[0].startswith("192.168.1.1 is on both veth-test1 in test1 and veth-test2 in "
                             "test2 (a duplicate address): each one answers for itself")
    assert got[1].startswith("nothing in the lab has 192.168.1.2 — give it to the far end")
    assert why(snap, has_addr("test2", "veth-test2", "192.168.1.2/24")) == (
        "veth-test2 in test2 has 192.168.1.1/24, not 192.168.1.2/24 (192.168.1.1 is already "
        "veth-test1's address in test1) — replace it: " + fix + "  " + ip
    )


# ------------------------------------------------------------------ addresses


def test_no_address_yet():
    snap = pair(cb=None)
    assert why(snap, has_addr("test2", "veth-test2", "192.168.1.2/24")) == (
        "veth-test2 in test2 has no address yet (S15) — add it: "
        "lab.add_addr('test2', 'veth-test2', '192.168.1.2/24')  (ip: ip netns exec test2 ip "
        "addr add 192.168.1.2/24 dev veth-test2)"
    )
    assert why(snap, reachable("test1", "192.168.1.2")) == (
        "nothing in the lab has 192.168.1.2 — give it to the far end of the pair: "
        "lab.add_addr('test2', 'veth-test2', '192.168.1.2/24')  "
        "(ip: ip netns exec test2 ip addr add 192.168.1.2/24 dev veth-test2)"
    )


def test_sender_without_address():
    snap = pair(ca=None)
    assert why(snap, reachable("test1", "192.168.1.2")) == (
        "veth-test1 in test1 has no IP address while its peer veth-test2 in test2 is in "
        "192.168.1.0/24, so nothing in test1 can talk IP over this pair: give veth-test1 an "
        "address in 192.168.1.0/24. Fix: lab.add_addr('test1', 'veth-test1', '192.168.1.1/24')"
        "  (ip: ip netns exec test1 ip addr add 192.168.1.1/24 dev veth-test1)"
    )


def test_address_on_the_wrong_interface():
    snap = pair(ca=None, cb="192.168.1.1/24")
    assert why(snap, has_addr("test1", "veth-test1", "192.168.1.1/24")) == (
        "192.168.1.1 is on veth-test2 in test2, not on veth-test1 in test1 — move it: "
        "lab.del_addr('test2', 'veth-test2', '192.168.1.1/24'); "
        "lab.add_addr('test1', 'veth-test1', '192.168.1.1/24')  (ip: ip netns exec test2 ip "
        "addr del 192.168.1.1/24 dev veth-test2; ip netns exec test1 ip addr add "
        "192.168.1.1/24 dev veth-test1)"
    )


def test_another_address_than_asked():
    snap = pair(ca="10.1.1.1/24")
    assert why(snap, has_addr("test1", "veth-test1", "192.168.1.1/24")) == (
        "veth-test1 in test1 has 10.1.1.1/24, not 192.168.1.1/24 — replace it: "
        "lab.del_addr('test1', 'veth-test1', '10.1.1.1/24'); "
        "lab.add_addr('test1', 'veth-test1', '192.168.1.1/24')  (ip: ip netns exec test1 ip "
        "addr del 10.1.1.1/24 dev veth-test1; ip netns exec test1 ip addr add "
        "192.168.1.1/24 dev veth-test1)"
    )


def test_nothing_has_the_address_and_nothing_leads_there():
    snap = world({"test1": [L("veth-test1", "192.168.1.1/24")]})
    assert why(snap, reachable("test1", "192.168.1.2")) == (
        "nothing in the lab has 192.168.1.2, and veth-test1 in test1 leads nowhere — connect it "
        "with a veth pair (S12–S14)"
    )
    assert why(snap, reachable("test1", "10.9.9.9")) == (
        "test1 has no route to 10.9.9.9, and nothing in the lab has 10.9.9.9 — give 10.9.9.9 to "
        "an interface first"
    )


def test_only_lo():
    snap = world({"test1": [], "test2": [L("veth-test2", "192.168.1.2/24")]})
    assert why(snap, reachable("test1", "192.168.1.2")) == (
        "test1 has no route to 192.168.1.2: test1 has nothing but lo, no cable leads out of it — "
        "connect it with a veth pair (S12–S14): lab.add_veth('veth-x', 'veth-y', ns='test1', "
        "peer_ns='OTHER')  (ip: ip netns exec test1 ip link add name veth-x type veth peer name "
        "veth-y netns OTHER)"
    )
    assert why(snap, connected("test1", "test2")) == (
        "no veth pair joins test1 and test2 — create one (S12–S14): "
        "lab.add_veth('veth-test1', 'veth-test2', ns='test1', peer_ns='test2')  (ip: ip netns "
        "exec test1 ip link add name veth-test1 type veth peer name veth-test2 netns test2)"
    )


def test_not_wired_together():
    snap = world({"a": [L("va", "10.0.0.1/24")], "b": [L("vb", "10.0.0.2/24")],
                  "c": [L("vc", "10.0.0.3/24")]}, pairs=[("a", "va", "c", "vc")])
    assert why(snap, reachable("a", "10.0.0.2")) == (
        "10.0.0.2 is on vb in b, but va in a is not wired to it — join them with a veth pair "
        "(S12–S14)"
    )


# ------------------------------------------------------------------ three namespaces: a router


def test_router_lab_works():
    snap = router()
    goals = [reachable("left", "10.0.2.1"), reachable("right", "10.0.1.1"),
             route_to("left", "10.0.2.0/24"), route_to("right", "10.0.1.0/24"),
             forwards("router"), connected("left", "router")]
    assert check(snap, goals).passed, str(check(snap, goals))


def test_missing_route_through_the_router():
    snap = router(left_route=False)
    text = ("10.0.1.1/24 and 10.0.2.1/24 are in different subnets and no route joins them: "
            "left has no route to 10.0.2.1 — send it through the router router: "
            "lab.add_route('left', '10.0.2.0/24', via='10.0.1.254')  "
            "(ip: ip netns exec left ip route add 10.0.2.0/24 via 10.0.1.254)")
    assert why(snap, reachable("left", "10.0.2.1")) == text
    assert why(snap, route_to("left", "10.0.2.0/24")) == text.replace(
        "no route to 10.0.2.1", "no route to 10.0.2.0/24")
    # the other way the request arrives, but the reply cannot come back
    assert why(snap, reachable("right", "10.0.1.1")) == text.replace(
        "no route to 10.0.2.1 — send it", "no route to 10.0.2.1 for its replies — send them")


def test_route_to_a_subnet_nobody_has_yet():
    snap = router(left_route=False)
    assert why(snap, route_to("left", "10.0.7.0/24")) == (
        "left has no route to 10.0.7.0/24, and nothing in the lab has an address in "
        "10.0.7.0/24 yet — give one to an interface, then route through its namespace: "
        "lab.add_route('left', '10.0.7.0/24', via='GATEWAY')  (ip: ip netns exec left ip route "
        "add 10.0.7.0/24 via GATEWAY)"
    )


def test_router_that_does_not_forward():
    snap = router(fwd=False)
    text = ("left sends packets through router, but router does not forward packets between "
            "its interfaces (net.ipv4.ip_forward is 0): it drops what is not addressed to "
            "itself. Fix: lab.set_forwarding('router', True)  "
            "(ip: ip netns exec router sysctl -w net.ipv4.ip_forward=1)")
    assert why(snap, forwards("router")) == text
    assert why(snap, reachable("left", "10.0.2.1")) == text


def test_router_without_the_onward_route():
    snap = world(
        {"left": [L("eth0", "10.0.1.1/24")], "router": [L("eth-left", "10.0.1.254/24")],
         "far": [L("eth0", "10.0.3.1/24")]},
        pairs=[("left", "eth0", "router", "eth-left")],
        routes={"left": [("default", "10.0.1.254", "eth0")]}, forwarding={"router": True},
    )
    assert why(snap, reachable("left", "10.0.3.1")) == (
        "10.0.1.254/24 and 10.0.3.1/24 are in different subnets and no route joins them: router "
        "has no route to 10.0.3.1, and no neighbour of router leads there — connect the two (a "
        "veth pair, S12–S14) or add a route through a namespace that forwards: "
        "lab.add_route('router', '10.0.3.0/24', via='GATEWAY')  "
        "(ip: ip netns exec router ip route add 10.0.3.0/24 via GATEWAY)"
    )


def test_gateway_nobody_has():
    snap = world({"left": [L("eth0", "10.0.1.1/24")], "router": [L("eth-left", "10.0.1.254/24")],
                  "right": [L("eth0", "10.0.2.1/24")]},
                 pairs=[("left", "eth0", "router", "eth-left")],
                 routes={"left": [("10.0.2.0/24", "10.0.1.99", "eth0")]})
    assert why(snap, reachable("left", "10.0.2.1")) == (
        "the route in left to 10.0.2.1 goes via 10.0.1.99, but nothing across eth0 has "
        "10.0.1.99 — use a neighbour's address as the gateway"
    )


def test_routing_loop():
    snap = world(
        {"a": [L("va", "10.0.0.1/24")], "b": [L("vb", "10.0.0.2/24")]},
        pairs=[("a", "va", "b", "vb")],
        routes={"a": [("10.9.0.0/24", "10.0.0.2", "va")], "b": [("10.9.0.0/24", "10.0.0.1",
                                                                   "vb")],
                "c": []},
        forwarding={"a": True, "b": True},
    )
    assert "go round in circles" in why(snap, reachable("a", "10.9.0.1"))


def test_route_through_a_down_link():
    snap = world({"a": [L("va", "10.0.0.1/24", up=False)]},
                 routes={"a": [("10.0.0.0/24", None, "va")]})
    assert why(snap, route_to("a", "10.0.0.0/24")) == (
        "va in a has 10.0.0.1/24 but is not up yet (state DOWN): nothing can reach that address "
        "until it is brought up. Next step: lab.set_up('a', 'va')  "
        "(ip: ip netns exec a ip link set dev va up)"
    )


# ------------------------------------------------------------------ bridges


def bridged(up_br=True, up_port=True):
    return world(
        {"a": [L("eth0", "10.0.0.1/24")], "b": [L("eth0", "10.0.0.2/24")],
         "sw": [L("br0", kind="bridge", up=up_br), L("pa", master="br0", up=up_port),
                L("pb", master="br0")]},
        pairs=[("a", "eth0", "sw", "pa"), ("b", "eth0", "sw", "pb")],
    )


def test_bridge_joins_two_namespaces():
    snap = bridged()
    assert check(snap, [connected("a", "b"), reachable("a", "10.0.0.2")]).passed


def test_bridge_down():
    text = ("bridge br0 in sw is DOWN, so it passes no frames between its ports: bring it up. "
            "Fix: lab.set_up('sw', 'br0')  (ip: ip netns exec sw ip link set dev br0 up)")
    assert why(bridged(up_br=False), connected("a", "b")) == text
    assert why(bridged(up_br=False), reachable("a", "10.0.0.2")) == text
    assert why(bridged(up_port=False), connected("a", "b")) == (
        "pa in sw is DOWN, so its peer eth0 in a has no carrier (ip shows NO-CARRIER on it, "
        "and state DOWN or LOWERLAYERDOWN): bring pa up. Fix: lab.set_up('sw', 'pa')  "
        "(ip: ip netns exec sw ip link set dev pa up)"
    )


def test_a_pair_end_beside_the_bridge_but_not_plugged_in():
    """Notebook 04's task done halfway: the pair is there, but its end is not a port."""
    snap = world(  # a routes through sw, which does not forward: no matter on one subnet
        {"a": [L("eth0", "10.0.0.1/24")], "b": [L("eth0", "10.0.0.2/24")],
         "sw": [L("br0", "10.0.0.254/24", kind="bridge"), L("pa", master="br0"), L("pb")]},
        pairs=[("a", "eth0", "sw", "pa"), ("b", "eth0", "sw", "pb")],
        routes={"a": [("10.0.0.0/24", None, "eth0"), ("default", "10.0.0.254", "eth0")]},
        forwarding={"sw": False},
    )
    assert "forwarding-off" in [f.code for f in diagnose(snap)]
    fix = "lab.set_master('sw', 'pb', 'br0')  (ip: ip netns exec sw ip link set dev pb master br0)"
    assert why(snap, reachable("b", "10.0.0.1")) == (
        "pb in sw, the other end of eth0's veth pair, is not a port of the bridge br0, so no "
        f"frame crosses between br0 and 10.0.0.1 on eth0 in a — plug it in: {fix}")
    assert why(snap, reachable("a", "10.0.0.2")) == (  # the same fault, seen from a
        "pb in sw, the other end of eth0's veth pair, is not a port of the bridge br0, so no "
        f"frame crosses between br0 and 10.0.0.2 on eth0 in b — plug it in: {fix}")


def test_a_missing_container_is_started_not_created_with_ip_netns():
    """Notebook 01's task: a container test3, not `ip netns add test3`."""
    made = world({"test3": [L("eth0", "172.17.0.9/16")]})
    assert why(made, reachable("@test3", "172.17.0.2")) == (
        "There is no container test3: the test3 here is a namespace made with `ip netns add`, "
        "not a container (its network namespace held by a process) — start one: "
        "lab.run_container('test3')  (docker run -d --name test3 busybox)")
    assert why(world({}), reachable("@web", "172.17.0.2")) == (
        "There is no container web — start it: lab.run_container('web')  "
        "(docker run -d --name web busybox)")


def test_bridge_without_ports_up_has_no_carrier():
    snap = world({"sw": [L("br0", kind="bridge")]})
    assert why(snap, link_up("sw", "br0")) == (
        "bridge br0 in sw has no carrier because none of its ports is up — attach a veth end "
        "and bring it up: lab.set_master('sw', 'PORT', 'br0')  (ip: ip netns exec sw ip link set "
        "dev PORT master br0)"
    )


def test_link_without_carrier_of_unknown_cause():
    snap = world({"a": [L("dummy0", kind="device", carrier=False)]})
    assert why(snap, link_up("a", "dummy0")) == (
        "dummy0 in a is set up but has no carrier (NO-CARRIER): its other end is down or gone "
        "— bring the "
        "other end up"
    )
    snap = world({"a": [L("dummy0", kind="device", up=False)]})
    assert why(snap, link_up("a", "dummy0")) == (
        "dummy0 in a is DOWN, so no packet crosses it: bring it up. "
        "Fix: lab.set_up('a', 'dummy0')  (ip: ip netns exec a ip link set dev dummy0 up)"
    )


# ------------------------------------------------------------------ bad input: failed goals


def test_missing_namespace_is_a_failed_goal():
    snap = pair()
    assert why(snap, has_netns("tset1")) == (
        "Namespace tset1 does not exist — did you mean 'test1'?"
    )
    snap = world({"alpha": []})
    create = ("Namespace test1 does not exist — create it (S8): lab.add_netns('test1')  "
              "(ip: ip netns add test1)")
    for goal in [has_netns("test1"), lo_up("test1"), link_up("test1", "veth-test1"),
                 has_addr("test1", "veth-test1", "192.168.1.1/24"),
                 in_namespace("veth-test1", "test1"), route_to("test1", "10.0.0.0/24"),
                 forwards("test1"), reachable("test1", "192.168.1.2")]:
        assert why(snap, goal) == create, goal
    assert why(snap, connected("alpha", "test1")) == create


def test_missing_interface_is_a_failed_goal():
    snap = pair()
    assert why(snap, link_up("test1", "veth-tset1")) == (
        "There is no interface veth-tset1 in test1 — did you mean 'veth-test1'?"
    )
    assert why(snap, link_up("test1", "eth9")) == (
        "There is no interface eth9 in test1 (it has lo, veth-test1) — create the veth pair "
        "first (S12): lab.add_veth('eth9', 'PEER', ns='test1')  (ip: ip netns exec test1 ip link "
        "add name eth9 type veth peer name PEER)"
    )


def test_malformed_goals_are_failed_goals():
    snap = pair()
    assert "is not an IP address" in why(snap, reachable("test1", "192.168.1"))
    assert "is not an address with a prefix length" in why(
        snap, has_addr("test1", "veth-test1", "nope"))
    assert "is not a network" in why(snap, route_to("test1", "10.0.0.0/33"))


def test_check_refuses_things_that_are_not_goals():
    with pytest.raises(TypeError, match="is not a goal"):
        check(pair(), ["reachable test1"])  # type: ignore[list-item]


def test_host_links_the_lab_did_not_make_are_invisible():
    host_eth0 = Link("eth0", 2, "device", True, "UP", True, "00:00:00:00:00:00", 1500,
                     addresses=(Address("192.168.1.2/24", 4, "global"),), owned=False)
    snap = pair(cb=None)
    snap = Snapshot((Namespace(None, "host", 0, (host_eth0,)),) + snap.namespaces[1:])
    got = why(snap, reachable("test1", "192.168.1.2"))
    assert "eth0" not in got and "nothing in the lab has 192.168.1.2" in got
    assert why(snap, in_namespace("eth0", "test1")).startswith("There is no interface eth0")


def test_world_keeps_only_the_lab_and_named_namespaces():
    others = Namespace("someone-else", "named", 0, owned=False)
    snap = Snapshot(pair().namespaces + (others,))
    kept = checks._world(snap, [has_netns("test1")])
    assert kept.ns("someone-else") is None
    assert checks._world(snap, [has_netns("someone-else")]).ns("someone-else") is not None


# ------------------------------------------------------------------ the report


def test_report_text_is_a_checklist():
    report = check(pair(up_b=False), [has_netns("test1"), link_up("test2", "veth-test2")])
    assert str(report) == (
        "✔ namespace test1 exists\n"
        "✘ veth-test2 is up in test2\n"
        "    veth-test2 in test2 is DOWN, so its peer veth-test1 in test1 has no carrier (ip "
        "shows NO-CARRIER on it, and state DOWN or LOWERLAYERDOWN): bring veth-test2 up. Fix: "
        "lab.set_up('test2', 'veth-test2')  "
        "(ip: ip netns exec test2 ip link set dev veth-test2 up)\n"
        "1 of 2 goals met."
    )
    assert not report.passed
    assert [v.goal for v in report.failed] == [link_up("test2", "veth-test2")]
    assert len(report) == 2 and report[0].ok and list(report)[1] is report[1]


def test_report_html_marks_and_code():
    report = check(pair(up_b=False), [has_netns("test1"), link_up("test2", "veth-test2")])
    page = report._repr_html_()
    assert "✔" in page and "✘" in page
    assert "<code>lab.set_up(&#x27;test2&#x27;, &#x27;veth-test2&#x27;)</code>" in page
    assert "(ip: <code>ip netns exec test2 ip link set dev veth-test2 up</code>)" in page
    assert "1 of 2 goals met." in page
    assert check(pair(), [has_netns("test1")])._repr_html_().count("✘") == 0


def test_report_pretty_matches_text():
    report = check(pair(), [has_netns("test1")])

    class P:
        def text(self, s):
            self.out = s

    p = P()
    report._repr_pretty_(p, False)
    assert p.out == str(report) == "✔ namespace test1 exists\nThe goal is met."


def test_check_accepts_one_goal():
    assert check(pair(), has_netns("test1")).passed
    assert isinstance(check(pair(), has_netns("test1")), Report)
    assert Verdict(has_netns("x"), True).ok


class FakeLab:
    """Enough of a Lab for check(): a snapshot, ping results, forwarding reads."""

    def __init__(self, snap, ok=True, fwd=None):
        self.snap, self.ok, self.fwd, self.pings = snap, ok, fwd or {}, []

    def snapshot(self):
        return self.snap

    def ping(self, ns, addr, *, count=1, timeout=2.0):
        from nslab.ping import PingResult

        self.pings.append((ns, addr, count))
        return PingResult(addr, count, count if self.ok else 0)

    def forwarding(self, ns):
        return self.fwd.get(ns, False)


def test_check_pings_for_reachable_and_the_kernel_has_the_last_word(monkeypatch):
    import nslab.checks

    monkeypatch.setattr(nslab.checks, "RETRY_SECONDS", 0.5)
    lab = FakeLab(pair(up_b=False), ok=True)
    assert check(lab, reachable("test1", "192.168.1.2")).passed  # the ping got through
    lab = FakeLab(pair(), ok=False)
    report = check(lab, reachable("test1", "192.168.1.2"))
    assert not report.passed
    assert report.reasons[0].startswith("test1 gets no reply from 192.168.1.2, although")
    # nothing explains the lost reply: tried again (every 0.2 s) until RETRY_SECONDS
    assert 2 <= len(lab.pings) <= 4 and set(lab.pings) == {("test1", "192.168.1.2", 1)}
    lab = FakeLab(pair(up_b=False), ok=False)
    assert check(lab, reachable("test1", "192.168.1.2")).reasons == [
        "veth-test2 in test2 is DOWN, so its peer veth-test1 in test1 has no carrier (ip shows "
        "NO-CARRIER on it, and state DOWN or LOWERLAYERDOWN): bring veth-test2 up. Fix: "
        "lab.set_up('test2', 'veth-test2')  (ip: ip netns exec test2 ip link set dev veth-test2 up)"
    ]
    assert len(lab.pings) == 1  # explained: no second try


def test_check_does_not_trust_a_ping_answered_by_itself():
    lab = FakeLab(pair(cb="192.168.1.1/24"), ok=True)
    report = check(lab, reachable("test2", "192.168.1.1"))
    assert not report.passed and "answers its own ping" in report.reasons[0]
    assert lab.pings == []  # a ping its sender answers itself is not sent


def test_check_turns_refused_pings_into_failed_goals():
    from nslab.errors import UnsafeTarget

    class Refusing(FakeLab):
        def ping(self, ns, addr, **kw):
            raise UnsafeTarget("nslab sends traffic only to addresses inside this lab")

    report = check(Refusing(pair()), reachable("test1", "8.8.8.8"))
    assert not report.passed
    assert "nothing in the lab has 8.8.8.8" in report.reasons[0]


def test_check_reads_forwarding_when_the_snapshot_did_not():
    snap = router()
    snap = Snapshot(tuple(
        Namespace(n.key, n.kind, n.inode, n.links, n.routes, owned=n.owned)
        for n in snap.namespaces
    ))
    assert check(FakeLab(snap, fwd={"router": True}), forwards("router")).passed
    assert not check(FakeLab(snap, fwd={}), forwards("router")).passed


# ------------------------------------------------------------------ the remaining sentences


def test_interface_elsewhere_when_the_host_is_asked_for():
    snap = world({None: [], "test1": [L("veth-test1")]})
    assert why(snap, in_namespace("veth-test1", None)) == (
        "veth-test1 is in test1, not in the host namespace — move it: "
        "lab.move('veth-test1', None, src='test1')  (ip: ip netns exec test1 ip link set dev "
        "veth-test1 netns /proc/$$/ns/net)"
    )


def test_up_end_whose_peer_is_stranded_in_the_host():
    snap = world({None: [L("veth-test2", up=False)], "test1": [L("veth-test1", "10.0.0.1/24")],
                  "test2": []}, pairs=[("test1", "veth-test1", None, "veth-test2")])
    assert why(snap, link_up("test1", "veth-test1")) == (
        "veth-test2 is still in the host namespace, so no namespace of the lab can use it: "
        "move it into test2 (S13/S14). Fix: lab.move('veth-test2', 'test2')  "
        "(ip: ip link set dev veth-test2 netns test2)"
    )


def test_down_sender_facing_another_subnet():
    snap = pair(ca="10.0.0.1/24", cb="192.168.1.2/24", up_a=False)
    # both faults at once: the DOWN end and the subnets
    assert why(snap, reachable("test1", "192.168.1.2")).split("\n") == [
        "veth-test1 in test1 is DOWN, so its peer veth-test2 in test2 has no carrier (ip shows "
        "NO-CARRIER on it, and state DOWN or LOWERLAYERDOWN): bring veth-test1 up. Fix: "
        "lab.set_up('test1', 'veth-test1')  (ip: ip netns exec test1 ip link set dev veth-test1 "
        "up)",
        "veth-test1 in test1 (10.0.0.1/24) and its peer veth-test2 in test2 (192.168.1.2/24) "
        "are in different subnets, so neither has a route to the other: put both ends in one "
        "subnet. Fix: lab.del_addr('test2', 'veth-test2', '192.168.1.2/24'); "
        "lab.add_addr('test2', 'veth-test2', '10.0.0.2/24')  (ip: ip netns exec test2 ip "
        "addr del 192.168.1.2/24 dev veth-test2; ip netns exec test2 ip addr add "
        "10.0.0.2/24 dev veth-test2)",
    ]


def test_router_suggested_for_an_address_nobody_has_yet():
    snap = router(left_route=False)
    assert why(snap, reachable("left", "10.0.2.77")) == (
        "left has no route to 10.0.2.77 — send it through the router router: "
        "lab.add_route('left', '10.0.2.0/24', via='10.0.1.254')  (ip: ip netns exec left ip "
        "route add 10.0.2.0/24 via 10.0.1.254)"
    )


def test_route_through_an_interface_that_is_gone():
    snap = world({"a": [L("va", "10.0.0.1/24")]}, routes={"a": [("10.9.0.0/24", None, "vz")]})
    assert why(snap, reachable("a", "10.9.0.1")) == (
        "the route in a to 10.9.0.1 uses vz, which is gone — add the route again"
    )


def test_too_many_hops():
    n = 10
    spaces = {f"n{i}": [] for i in range(n)}
    pairs, routes = [], {}
    for i in range(n - 1):
        spaces[f"n{i}"].append(L(f"up{i}", f"10.{i}.0.1/24"))
        spaces[f"n{i + 1}"].append(L(f"down{i + 1}", f"10.{i}.0.2/24"))
        pairs.append((f"n{i}", f"up{i}", f"n{i + 1}", f"down{i + 1}"))
        routes[f"n{i}"] = [("default", f"10.{i}.0.2", f"up{i}")]
    snap = world(spaces, pairs=pairs, routes=routes,
                 forwarding={f"n{i}": True for i in range(n)})
    assert why(snap, reachable("n0", "172.16.0.1")) == (
        "packets to 172.16.0.1 take more than 8 hops — check the routes"
    )


def test_the_host_is_not_judged_by_its_routes():
    assert why(pair(), reachable(None, "192.168.1.2")) == ""


def test_report_without_explanations():
    report = check(pair(up_b=False), [has_netns("test1"), link_up("test2", "veth-test2")],
                   explain=False)
    assert str(report) == "✔ namespace test1 exists\n✘ veth-test2 is up in test2\n1 of 2 goals met."
    assert "DOWN" not in report._repr_html_()
    assert report.reasons and "DOWN" in str(report.explained())


def test_report_html_takes_each_fix_from_the_finding_fields():
    """The HTML is each finding's own sentence, with its fix's Lab call and `ip` command
    put in as <code> from the finding's fields (inline path findings too), not found in
    the text: stripped of its tags, it reads as the text report."""
    goals = [link_up("test2", "veth-test2"), route_to("test1", "10.9.0.0/24"),
             reachable("test1", "10.9.0.1"), has_netns("test3")]
    report = check(pair(up_b=False), goals)
    page = report._repr_html_()
    findings = [f for v in report.failed for f in v.findings]
    assert any(f.inline and f.fixes for f in findings), "an inline path finding is covered"
    for f in findings:
        for fix in f.fixes:
            assert f"<code>{html.escape(fix.call)}</code>" in page or \
                f"<code>{html.escape(f.call)}</code>" in page, f.code
    rows = re.findall(r'<div style="margin-left:1.5em;color:#555">(.*?)</div>', page)
    assert [html.unescape(re.sub("<[^>]+>", "", r)) for r in rows] == [
        r for v in report.verdicts for r in v.reasons]

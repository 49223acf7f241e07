"""nslab.diff: what changed between two hand-made snapshots (no root, no kernel)."""

from __future__ import annotations

import random

import graphviz

from nslab.diff import (
    AddrItem,
    Changes,
    LinkItem,
    Modified,
    Moved,
    NatItem,
    NsItem,
    RouteItem,
    changes_html,
    diff,
    route_text,
)
from nslab.snapshot import Address, Link, Namespace, Peer, Route, Snapshot

# ---------------------------------------------------------------- builders


def lo(up: bool = False) -> Link:
    addrs = (Address("127.0.0.1/8", 4, "host"),) if up else ()
    state = "UNKNOWN" if up else "DOWN"
    return Link("lo", 1, "loopback", up, state, up, "00:00:00:00:00:00", 65536, addresses=addrs)


def veth(name: str, index: int, peer_ns=None, *, up=False, addrs=(), mac=None, **kw) -> Link:
    return Link(
        name, index, "veth", up, "UP" if up else "DOWN", up, mac or f"02:00:00:00:00:{index:02x}",
        1500, peer=Peer(peer_ns, None, 0), addresses=tuple(addrs), **kw,
    )  # fmt: skip


def v4(cidr: str) -> Address:
    return Address(cidr, 4)


def ns(key, *links: Link, **kw) -> Namespace:
    kind = "host" if key is None else ("hidden" if key.startswith("@") else "named")
    return Namespace(key, kind, 100 + len(key or ""), links=(lo(key is None), *links), **kw)


def snap(*namespaces: Namespace) -> Snapshot:
    return Snapshot(namespaces)


# the article, S12 -> S17
S12 = snap(ns(None, veth("veth-test1", 10), veth("veth-test2", 11)), ns("test1"), ns("test2"))
S13 = snap(ns(None, veth("veth-test2", 11)), ns("test1", veth("veth-test1", 10)), ns("test2"))
S14 = snap(ns(None), ns("test1", veth("veth-test1", 10)), ns("test2", veth("veth-test2", 11)))
S15 = snap(
    ns(None),
    ns("test1", veth("veth-test1", 10, addrs=[v4("192.168.1.1/24")])),
    ns("test2", veth("veth-test2", 11, addrs=[v4("192.168.1.2/24")])),
)
S17 = snap(
    ns(None),
    ns("test1", veth("veth-test1", 10, up=True, addrs=[v4("192.168.1.1/24")])),
    ns("test2", veth("veth-test2", 11, up=True, addrs=[v4("192.168.1.2/24")])),
)


class Printer:
    """Just enough of IPython's pretty printer."""

    def __init__(self) -> None:
        self.out = ""

    def text(self, s: str) -> None:
        self.out += s


# ---------------------------------------------------------------- nothing changed


def test_empty_diff_is_falsy_everywhere():
    changes = S17 - S17
    assert changes == Changes()
    assert not changes and changes.describe() == []
    assert str(changes) == "No changes."
    assert changes._repr_html_() == (
        '<div class="nslab-changes"><b>What changed:</b> No changes.</div>'
    )
    assert changes_html(None) == ""
    assert not diff(Snapshot(), Snapshot())


# ---------------------------------------------------------------- namespaces


def test_namespaces_added_with_their_links():
    changes = snap(ns(None), ns("test1"), ns("@c1")) - snap(ns(None))
    assert changes.added == (
        NsItem("test1", "named"),
        NsItem("@c1", "hidden"),
        LinkItem("test1", "lo", "loopback", lo()),
        LinkItem("@c1", "lo", "loopback", lo()),
    )
    assert changes.describe() == [
        "namespace test1 added with lo (DOWN)",
        "container c1 added with lo (DOWN)",
    ]


def test_namespace_removed_takes_its_links_and_the_peer():
    changes = S14 - S17
    assert NsItem("test1", "named") not in changes.removed
    before = S17
    after = snap(ns(None), ns("test2"))
    changes = after - before
    assert changes.describe() == [
        "veth-test2 removed from test2",
        "namespace test1 removed with lo, veth-test1",
    ]
    assert AddrItem("test1", "veth-test1", v4("192.168.1.1/24")) in changes.removed


def test_unread_namespace_links_are_not_compared():
    hidden = Namespace("@pid7", "hidden", 5, links_read=False)
    read = Namespace("@pid7", "hidden", 5, links=(lo(True),))
    assert not (snap(hidden) - snap(read))
    assert (snap(hidden) - snap()).describe() == ["hidden namespace of PID 7 added"]


# ---------------------------------------------------------------- links


def test_links_added_in_host():
    changes = S12 - snap(ns(None), ns("test1"), ns("test2"))
    assert changes.describe() == [
        "veth-test1 added in host (veth, DOWN)",
        "veth-test2 added in host (veth, DOWN)",
    ]
    assert [i.ifname for i in changes.added] == ["veth-test1", "veth-test2"]


def test_move_is_not_add_plus_remove():
    changes = S13 - S12
    assert changes.added == () and changes.removed == ()
    assert changes.changed == (Moved("veth-test1", "veth", None, "test1", "veth-test1"),)
    assert changes.describe() == ["veth-test1 moved from host to test1"]
    assert (S14 - S13).describe() == ["veth-test2 moved from host to test2"]


def test_move_drops_addresses_and_state():
    before = snap(ns("a", veth("v", 5, up=True, addrs=[v4("10.0.0.1/24")])), ns("b"))
    after = snap(ns("a"), ns("b", veth("v", 5)))
    changes = after - before
    assert changes.changed == (
        Moved("v", "veth", "a", "b", "v"),
        Modified("b", "v", "state", "UP", "DOWN"),
    )
    assert changes.removed == (AddrItem("a", "v", v4("10.0.0.1/24")),)
    assert changes.describe() == [
        "v moved from a to b (its address 10.0.0.1/24 was dropped)",
        "v in b: state UP -> DOWN",
    ]


def test_same_name_different_mac_is_not_a_move():
    before = snap(ns("@c1", veth("eth0", 2, mac="02:aa:00:00:00:01")), ns("@c2"))
    after = snap(ns("@c1"), ns("@c2", veth("eth0", 2, mac="02:bb:00:00:00:02")))
    changes = after - before
    assert not any(isinstance(c, Moved) for c in changes.changed)
    assert changes.describe() == [
        "eth0 added in container c2 (veth, DOWN)",
        "eth0 removed from container c1",
    ]


def test_rename_and_move_with_rename_found_by_mac():
    before = snap(ns(None, veth("veth0", 5, mac="02:aa:00:00:00:05")), ns("@c1"))
    moved = snap(ns(None), ns("@c1", veth("eth0", 5, mac="02:aa:00:00:00:05")))
    assert (moved - before).describe() == ["veth0 moved from host to container c1 and renamed eth0"]
    renamed = snap(ns(None, veth("eth9", 5, mac="02:aa:00:00:00:05")), ns("@c1"))
    assert (renamed - before).describe() == ["veth0 in host renamed to eth9"]


def test_lo_and_bridges_never_move():
    br = Link("br0", 4, "bridge", True, "UP", True, "02:00:00:00:00:09", 1500)
    changes = snap(ns("new", br)) - snap(ns("old", br))
    assert not any(isinstance(c, Moved) for c in changes.changed)
    assert changes.describe() == [
        "namespace new added with lo (DOWN), br0 (UP)",
        "namespace old removed with lo, br0",
    ]


def test_state_admin_master_mtu_mac_changes():
    assert (S17 - S15).describe() == [
        "veth-test1 in test1: state DOWN -> UP",
        "veth-test2 in test2: state DOWN -> UP",
    ]
    base = Link("v", 3, "veth", False, "DOWN", False, "02:00:00:00:00:01", 1500)
    admin = Link("v", 3, "veth", True, "DOWN", False, "02:00:00:00:00:02", 1400, master="br0")
    changes = snap(ns("x", admin)) - snap(ns("x", base))
    assert changes.describe() == [
        "v in x: admin flag down -> up",
        "v in x: attached to bridge br0",
        "v in x: mtu 1500 -> 1400",
        "v in x: MAC 02:00:00:00:00:01 -> 02:00:00:00:00:02",
    ]
    assert (snap(ns("x", base)) - snap(ns("x", admin))).describe()[1] == (
        "v in x: detached from bridge br0"
    )
    other = Link("v", 3, "veth", True, "DOWN", False, "02:00:00:00:00:02", 1400, master="br1")
    assert (
        "v in x: moved from bridge br0 to bridge br1"
        in (snap(ns("x", other)) - snap(ns("x", admin))).describe()
    )


def test_lo_up_in_test1():
    changes = snap(ns(None), Namespace("test1", "named", 1, links=(lo(True),))) - snap(
        ns(None), Namespace("test1", "named", 1, links=(lo(),))
    )
    assert changes.describe() == [
        "lo in test1: state DOWN -> UNKNOWN",
        "127.0.0.1/8 added to lo in test1",
    ]


# ---------------------------------------------------------------- addresses, routes, NAT


def test_addresses_added_and_removed():
    changes = S15 - S14
    assert changes.added == (
        AddrItem("test1", "veth-test1", v4("192.168.1.1/24")),
        AddrItem("test2", "veth-test2", v4("192.168.1.2/24")),
    )
    assert changes.describe() == [
        "192.168.1.1/24 added to veth-test1 in test1",
        "192.168.1.2/24 added to veth-test2 in test2",
    ]
    assert (S14 - S15).describe() == [
        "192.168.1.1/24 removed from veth-test1 in test1",
        "192.168.1.2/24 removed from veth-test2 in test2",
    ]


def test_ipv6_link_local_is_kept_but_not_described():
    ll = Address("fe80::1/64", 6, "link")
    up = snap(ns("t", veth("v", 5, up=True, addrs=[ll])))
    changes = up - snap(ns("t", veth("v", 5, up=True)))
    assert changes and changes.added == (AddrItem("t", "v", ll),)
    assert changes.describe() == []


def test_routes_added_and_removed():
    eth0 = veth("eth0", 2, up=True, addrs=[v4("172.17.0.2/16")])
    kernel = Route("172.17.0.0/16", "eth0", scope="link", protocol="kernel")
    default = Route("default", "eth0", "172.17.0.1")
    before = snap(ns("@test1", eth0, routes=(kernel,)))
    after = snap(ns("@test1", eth0, routes=(kernel, default)))
    assert (after - before).added == (RouteItem("@test1", default),)
    assert (after - before).describe() == [
        "route default via 172.17.0.1 dev eth0 added in container test1"
    ]
    assert (before - after).describe() == [
        "route default via 172.17.0.1 dev eth0 removed in container test1"
    ]
    assert route_text(kernel) == "172.17.0.0/16 dev eth0 proto kernel scope link"


def test_forwarding_and_nat():
    rule = 'ip saddr 172.17.0.0/16 oifname != "docker0" masquerade'
    before = snap(ns("docker-host", forwarding=False))
    after = snap(ns("docker-host", forwarding=True, nat_rules=(rule,)))
    changes = after - before
    assert changes.added == (NatItem("docker-host", rule),)
    assert changes.changed == (Modified("docker-host", None, "forwarding", False, True),)
    assert changes.describe() == [
        "IP forwarding turned on in docker-host",
        f"NAT rule added in docker-host: {rule}",
    ]
    unknown = snap(ns("docker-host", forwarding=None))
    assert not (unknown - before)  # forwarding not read: no claim


# ---------------------------------------------------------------- determinism and display


def test_order_of_input_does_not_matter():
    rng = random.Random(3)
    big_before = snap(ns(None, veth("a", 3), veth("b", 4)), ns("x"), ns("@y"), ns("z"))
    big_after = snap(
        ns(None, veth("b", 4, up=True)),
        ns("x", veth("a", 3, addrs=[v4("10.1.1.1/24"), v4("10.2.2.2/24")])),
        ns("q"),
        ns("@w"),
    )

    def shuffled(s: Snapshot) -> Snapshot:
        return Snapshot(
            tuple(
                Namespace(n.key, n.kind, n.inode, tuple(rng.sample(n.links, len(n.links))))
                for n in rng.sample(s.namespaces, len(s.namespaces))
            )
        )

    expected = big_after - big_before
    assert expected.describe() == [
        "namespace q added with lo (DOWN)",
        "container w added with lo (DOWN)",
        "a moved from host to x",
        "b in host: state DOWN -> UP",
        "10.1.1.1/24 added to a in x",
        "10.2.2.2/24 added to a in x",
        "namespace z removed with lo",
        "container y removed with lo",
    ]
    for _ in range(5):
        got = shuffled(big_after) - shuffled(big_before)
        assert got == expected and str(got) == str(expected)


def test_text_pretty_and_html():
    changes = S13 - S12
    assert str(changes) == "- veth-test1 moved from host to test1"
    p = Printer()
    changes._repr_pretty_(p, False)
    assert p.out == str(changes)
    odd = snap(ns("<b>&"))
    assert (odd - snap())._repr_html_() == (
        '<div class="nslab-changes"><b>What changed:</b>'
        "<ul><li>namespace &lt;b&gt;&amp; added with lo (DOWN)</li></ul></div>"
    )


def test_one_html_for_what_changed():
    from nslab.view import StepView

    changes = S13 - S12
    view = StepView(graphviz.Graph("g"), changes)
    assert view._repr_mimebundle_()["text/html"].endswith(changes_html(changes))
    assert str(view).startswith("What changed:\n- veth-test1 moved")


# ---------------------------------------------------------------- churn stays out


def test_recreated_link_mac_and_ifindex_churn_is_not_described():
    # Back after S19 re-creates a link: same name, new ifindex, new random MAC
    before = snap(ns("t", veth("v", 5, up=True, mac="ee:00:00:00:00:01")))
    after = snap(ns("t", veth("v", 9, up=True, mac="1e:00:00:00:00:02")))
    assert (after - before).describe() == []
    assert not (after - before)
    # the same link (same ifindex) whose MAC was changed by hand: that is news
    changed = snap(ns("t", veth("v", 5, up=True, mac="1e:00:00:00:00:02")))
    assert (changed - before).describe() == [
        "v in t: MAC ee:00:00:00:00:01 -> 1e:00:00:00:00:02"
    ]


def test_ipv6_link_local_is_left_out_even_when_the_scope_says_global():
    ll = Address("fe80::a8c1:abff:fe12:3456/64", 6, "global")
    up = snap(ns("t", veth("v", 5, up=True, addrs=[ll])))
    assert (up - snap(ns("t", veth("v", 5, up=True)))).describe() == []
    real = Address("fd00::1/64", 6, "global")
    up = snap(ns("t", veth("v", 5, up=True, addrs=[real])))
    assert (up - snap(ns("t", veth("v", 5, up=True)))).describe() == [
        "fd00::1/64 added to v in t"
    ]


def test_dropped_addresses_follow_the_count():
    one = snap(ns(None, veth("v", 5, addrs=[v4("10.0.0.1/24")])), ns("t"))
    two = snap(ns(None, veth("v", 5, addrs=[v4("10.0.0.1/24"), v4("10.0.1.1/24")])), ns("t"))
    moved = snap(ns(None), ns("t", veth("v", 5)))
    assert (moved - one).describe() == [
        "v moved from host to t (its address 10.0.0.1/24 was dropped)"
    ]
    assert (moved - two).describe() == [
        "v moved from host to t (its addresses 10.0.0.1/24, 10.0.1.1/24 were dropped)"
    ]


def test_subtraction_is_after_minus_before():
    assert (S15 - S14) == diff(S14, S15)
    assert (S15 - S14).added and not (S15 - S14).removed

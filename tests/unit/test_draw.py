"""nslab.draw: Snapshot -> DOT, built from hand-made snapshots (no root, no kernel)."""

from __future__ import annotations

import html
import random
import re

import pytest

from nslab.diagnosis import diagnose
from nslab.diff import diff
from nslab.draw import (
    BROWN,
    FILL_DOWN,
    FILL_UNKNOWN,
    FILL_UP,
    RED,
    draw,
    draw_legend,
    mistakes,
    to_svg,
)
from nslab.snapshot import Address, Link, Namespace, Peer, Route, Snapshot

# ---------------------------------------------------------------- builders

ETH0 = Link(
    "eth0", 2, "device", True, "UP", True, "52:54:00:12:34:56", 1500,
    addresses=(Address("10.0.2.15/24", 4),),
)  # fmt: skip


def lo(up: bool = False) -> Link:
    addrs = (Address("127.0.0.1/8", 4, "host"),) if up else ()
    state = "UNKNOWN" if up else "DOWN"
    return Link("lo", 1, "loopback", up, state, up, "00:00:00:00:00:00", 65536, addresses=addrs)


def veth(name, index, peer_ns, peer_name, peer_index, *, up=False, peer_up=False, addrs=(),
         owned=True, master=None) -> Link:  # fmt: skip
    state = "DOWN" if not up else ("UP" if peer_up else "LOWERLAYERDOWN")
    return Link(
        name, index, "veth", up, state, up and peer_up, f"02:00:00:00:00:{index:02x}", 1500,
        master=master, peer=Peer(peer_ns, peer_name, peer_index),
        addresses=tuple(Address(a, 6 if ":" in a else 4) for a in addrs), owned=owned,
    )  # fmt: skip


def host(*links: Link) -> Namespace:
    routes = (
        Route("default", "eth0", "10.0.2.2"),
        Route("10.0.2.0/24", "eth0", scope="link", protocol="kernel"),
    )
    return Namespace(None, "host", 4026531840, links=(lo(True), ETH0, *links), routes=routes)


def netns(key: str, *links: Link, lo_up: bool = False, **kw) -> Namespace:
    kind = "hidden" if key.startswith("@") else "named"
    return Namespace(key, kind, 4026532000 + len(key), links=(lo(lo_up), *links), owned=True, **kw)


def article(step: str) -> Snapshot:
    """The kernel right after one of the article's steps (S8 ... S17)."""
    n = int(step[1:])
    lo1 = n >= 11
    if n < 12:
        return Snapshot((host(), netns("test1", lo_up=lo1), netns("test2")))
    up = n >= 17
    ns1 = "test1" if n >= 13 else None
    ns2 = "test2" if n >= 14 else None
    a1 = ("192.168.1.1/24",) if n >= 15 else ()
    a2 = ("192.168.1.2/24",) if n >= 15 else ()
    v1 = veth("veth-test1", 10, ns2, "veth-test2", 11, up=up, peer_up=up, addrs=a1)
    v2 = veth("veth-test2", 11, ns1, "veth-test1", 10, up=up, peer_up=up, addrs=a2)
    in_host = [v for v, k in ((v1, ns1), (v2, ns2)) if k is None]
    return Snapshot(
        (
            host(*in_host),
            netns("test1", *([v1] if ns1 else []), lo_up=lo1),
            netns("test2", *([v2] if ns2 else []), lo_up=n >= 18),
        )
    )


def pair(ns1, name1, ns2, name2, *, up1=False, up2=False, a1=(), a2=()) -> tuple[Link, Link]:
    return (
        veth(name1, 20, ns2, name2, 21, up=up1, peer_up=up2, addrs=a1),
        veth(name2, 21, ns1, name1, 20, up=up2, peer_up=up1, addrs=a2),
    )


def paired_lab(ns1, name1, ns2, name2, **kw) -> Snapshot:
    """Two namespaces (loopback up) joined by one veth pair; `kw` as for pair()."""
    v1, v2 = pair(ns1, name1, ns2, name2, **kw)
    return Snapshot((netns(ns1, v1, lo_up=True), netns(ns2, v2, lo_up=True)))


def node_line(source: str, node_id: str) -> str:
    """The DOT statement of one node."""
    lines = [ln for ln in source.splitlines() if ln.strip().startswith(f'"{node_id}" [')]
    assert len(lines) == 1, (node_id, source)
    return lines[0]


def edges(source: str) -> list[str]:
    return [ln.strip() for ln in source.splitlines() if " -- " in ln]


# ---------------------------------------------------------------- the article, step by step


def test_s8_two_empty_namespaces_in_order():
    src = draw(article("S8")).source
    clusters = re.findall(r"subgraph (\S+) \{", src)
    assert clusters == ["cluster_host", '"cluster_ns.test1"', '"cluster_ns.test2"']
    assert 'label="netns test1"' in src
    lo1 = node_line(src, "ns.test1/lo")
    assert "state DOWN" in lo1 and f'fillcolor="{FILL_DOWN}"' in lo1
    assert "#b00020" not in src  # only lo: nothing to blame
    assert mistakes(article("S8")) == []
    assert edges(src) == []


def test_s11_lo_up_is_amber_unknown():
    src = draw(article("S11")).source
    lo1 = node_line(src, "ns.test1/lo")
    assert "state UNKNOWN" in lo1 and f'fillcolor="{FILL_UNKNOWN}"' in lo1
    assert "127.0.0.1/8" in lo1
    assert "state DOWN" in node_line(src, "ns.test2/lo")


def test_s12_pair_in_host_is_one_edge_and_flagged():
    snap = article("S12")
    src = draw(snap).source
    assert edges(src) == [
        '"host/veth-test1" -- "host/veth-test2" '
        '[color="#555555" penwidth=2 tooltip="veth pair veth-test1 <-> veth-test2"]'
    ]
    assert mistakes(snap) == [
        "veth-test1 is still in the host namespace, so no namespace of the lab can use it: "
        "move it into test1 (S13/S14). Fix: lab.move('veth-test1', 'test1')  "
        "(ip: ip link set dev veth-test1 netns test1)",
        "veth-test2 is still in the host namespace, so no namespace of the lab can use it: "
        "move it into test2 (S13/S14). Fix: lab.move('veth-test2', 'test2')  "
        "(ip: ip link set dev veth-test2 netns test2)",
    ]
    v1 = node_line(src, "host/veth-test1")
    assert "still in host: move it" in v1 and 'color="#b00020"' in v1 and "bold" in v1
    assert "lab.move('veth-test1', 'test1')" in v1  # in the tooltip
    assert "52:54" not in src and "02:00:00" not in src  # no MACs without details


def test_s13_cross_namespace_edge_drawn_once():
    src = draw(article("S13")).source
    assert edges(src) == [
        '"host/veth-test2" -- "ns.test1/veth-test1" '
        '[color="#555555" penwidth=2 tooltip="veth pair veth-test2 <-> veth-test1"]'
    ]
    assert '"host/veth-test1"' not in src
    assert [m.split(",")[0] for m in mistakes(article("S13"))] == [
        "veth-test2 is still in the host namespace"
    ]


def test_s14_both_moved_host_only_shows_note():
    snap = article("S14")
    src = draw(snap).source
    assert len(edges(src)) == 1
    assert '"ns.test1/veth-test1" -- "ns.test2/veth-test2"' in edges(src)[0]
    host_block = src.split("subgraph cluster_host {")[1].split("}")[0]
    assert "(the host's own links are hidden)" in host_block
    assert '"host/' in host_block and "host/eth0" not in host_block
    assert "default via 10.0.2.2" not in src  # the host's own routes are not the lab's
    assert mistakes(snap) == [
        "lo in test2 is DOWN (S11), so programs in test2 cannot reach 127.0.0.1, nor even "
        "test2's own addresses. Fix: lab.set_up('test2', 'lo')  "
        "(ip: ip netns exec test2 ip link set dev lo up)"
    ]


def test_s15_addresses_on_down_links_are_a_step_not_done_yet_not_a_mistake():
    """The article's own order (address, then up) is not drawn as a mistake: brown and →,
    listed under "Steps not done yet"; the checks still explain a failed ping by it."""
    snap = article("S15")
    src = draw(snap).source
    v1 = node_line(src, "ns.test1/veth-test1")
    assert "192.168.1.1/24" in v1 and "state DOWN" in v1
    assert "→ has an address, not up yet" in v1 and "⚠" not in v1
    assert f'color="{BROWN}"' in v1 and RED not in v1 and "fontcolor" not in v1
    assert "lab.set_up('test1', 'veth-test1')" in v1  # in the tooltip
    assert [m.split(" is DOWN")[0] for m in mistakes(snap)] == ["lo in test2"]  # a real one
    alt = str(draw(snap).alt)
    todo = alt.split("Steps not done yet")[1]
    assert (
        "veth-test1 in test1 has 192.168.1.1/24 but is not up yet (state DOWN): nothing can "
        "reach that address until it is brought up. Next step: lab.set_up('test1', 'veth-test1')  "
        "(ip: ip netns exec test1 ip link set dev veth-test1 up)"
    ) in todo
    assert "veth-test2 in test2 has 192.168.1.2/24" in todo
    assert "veth-test1 in test1" not in alt.split("Mistakes and their fixes")[1].split(
        "Steps not done yet")[0]
    # with lo up in both (notebook 03's start), nothing is a mistake, two steps are to do
    calm = str(draw(paired_lab("test1", "veth-test1", "test2", "veth-test2",
                               a1=("192.168.1.1/24",), a2=("192.168.1.2/24",))).alt)
    assert "No mistakes found." in calm and calm.count("not up yet (state DOWN)") == 2
    codes = [(f.code, f.severity) for f in diagnose(snap) if f.code == "down-with-address"]
    assert codes == [("down-with-address", "pending")] * 2


def test_pending_and_a_mistake_on_one_node_is_red():
    snap = paired_lab("test1", "veth-test1", "test2", "veth-test2", up1=True)
    v2 = node_line(draw(snap).source, "ns.test2/veth-test2")
    assert RED in v2 and "⚠" in v2  # the peer is up: no carrier now, a real fault


def test_s17_up_is_green_and_clean_once_lo_is_up():
    src = draw(article("S17")).source
    for node in ("ns.test1/veth-test1", "ns.test2/veth-test2"):
        line = node_line(src, node)
        assert "state UP" in line and f'fillcolor="{FILL_UP}"' in line
        assert "#b00020" not in line
    assert "penwidth=2" in edges(src)[0] and "#b00020" not in edges(src)[0]
    assert mistakes(article("S18")) == []
    assert "#b00020" not in draw(article("S18")).source


# ---------------------------------------------------------------- mistakes


def test_veth_up_with_peer_down():
    snap = paired_lab("test1", "veth-test1", "test2", "veth-test2", up1=True)
    assert mistakes(snap) == [
        "veth-test2 in test2 is DOWN, so its peer veth-test1 in test1 has no carrier "
        "(ip shows NO-CARRIER on it, and state DOWN or LOWERLAYERDOWN): bring veth-test2 up. "
        "Fix: lab.set_up('test2', 'veth-test2')  "
        "(ip: ip netns exec test2 ip link set dev veth-test2 up)"
    ]
    src = draw(snap).source
    assert "DOWN: peer veth-test1 has NO-CARRIER" in node_line(src, "ns.test2/veth-test2")
    assert "NO-CARRIER, state LOWERLAYERDOWN" in node_line(src, "ns.test1/veth-test1")
    assert "\u26a0" not in node_line(src, "ns.test1/veth-test1")  # the fault is veth-test2's
    assert 'color="#b00020" penwidth=3' in edges(src)[0]


def test_peer_down_takes_precedence_over_address_on_down_link():
    snap = paired_lab("t1", "a", "t2", "b", up1=True, a1=("10.0.0.1/24",), a2=("10.0.0.2/24",))
    assert [m.split(" (ip shows")[0] for m in mistakes(snap)] == [
        "b in t2 is DOWN, so its peer a in t1 has no carrier"
    ]


def test_different_subnets_reported_once_with_a_fix():
    snap = paired_lab("test1", "veth-test1", "test2", "veth-test2", up1=True, up2=True,
                      a1=("192.168.1.1/24",), a2=("192.168.2.2/24",))  # fmt: skip
    assert mistakes(snap) == [
        "veth-test1 in test1 (192.168.1.1/24) and its peer veth-test2 in test2 "
        "(192.168.2.2/24) are in different subnets, so neither has a route to the other: put "
        "both ends in one subnet. Fix: lab.del_addr('test2', 'veth-test2', '192.168.2.2/24'); "
        "lab.add_addr('test2', 'veth-test2', '192.168.1.2/24')  (ip: ip netns exec test2 ip "
        "addr del 192.168.2.2/24 dev veth-test2; ip netns exec test2 ip addr add "
        "192.168.1.2/24 dev veth-test2)"
    ]
    src = draw(snap).source
    assert "other subnet than veth-test2" in node_line(src, "ns.test1/veth-test1")
    assert "other subnet than veth-test1" in node_line(src, "ns.test2/veth-test2")
    assert "#b00020" in edges(src)[0]


def test_overlapping_prefixes_are_fine_and_ipv6_checked_too():
    snap = paired_lab("a", "x", "b", "y", up1=True, up2=True,
                      a1=("10.0.0.1/16", "fd00::1/64"),
                      a2=("10.0.5.2/16", "fd01::2/64"))  # fmt: skip
    (only,) = mistakes(snap)
    assert "(fd00::1/64)" in only and "'fd00::2/64'" in only


def test_same_address_on_both_ends():
    snap = paired_lab("t1", "a", "t2", "b", up1=True, up2=True,
                      a1=("10.0.0.1/24",), a2=("10.0.0.1/24",))  # fmt: skip
    assert mistakes(snap) == [
        "10.0.0.1 is on both a in t1 and b in t2 (a duplicate address): each one answers for "
        "itself, so they never talk to each other. Give b its own address. "
        "Fix: lab.del_addr('t2', 'b', '10.0.0.1/24'); lab.add_addr('t2', 'b', '10.0.0.2/24')  "
        "(ip: ip netns exec t2 ip addr del 10.0.0.1/24 dev b; "
        "ip netns exec t2 ip addr add 10.0.0.2/24 dev b)"
    ]
    src = draw(snap).source  # issue 11 (E6): each end names the *other* end
    assert "same address as b" in node_line(src, "ns.t1/a")
    assert "same address as a" in node_line(src, "ns.t2/b")
    assert "same address as a" not in node_line(src, "ns.t1/a")


def test_subnet_mistake_found_from_the_lab_end_of_a_foreign_host_veth():
    theirs = veth("vethab", 30, "@c", "eth0", 2, up=True, peer_up=True, owned=False,
                  addrs=("10.9.0.1/24",))  # fmt: skip
    mine = veth("eth0", 2, None, "vethab", 30, up=True, peer_up=True, addrs=("10.8.0.2/24",))
    (only,) = mistakes(Snapshot((host(theirs), netns("@c", mine, lo_up=True))))
    assert only.startswith("eth0 in container c (10.8.0.2/24) and its peer vethab in host")


def test_host_links_not_made_by_the_lab_are_never_blamed():
    theirs = veth("vethabc", 30, "@pid7", "eth0", 2, owned=False)
    snap = Snapshot((host(theirs),))
    assert mistakes(snap) == []
    ours = veth("v-nowhere", 31, None, "v-other", 32)
    assert "lab.move('v-nowhere', 'NAMESPACE')" in mistakes(Snapshot((host(ours),)))[0]


def test_hidden_namespace_lo_down_is_flagged_with_its_key():
    v1, v2 = pair(None, "veth1", "@test1", "eth0")
    snap = Snapshot((netns("@test1", v2),))
    assert "lab.set_up('@test1', 'lo')" in mistakes(snap)[0]
    assert mistakes(snap)[0].endswith("(ip: nsenter -t PID -n ip link set dev lo up)")
    assert mistakes(snap)[0].startswith("lo in container test1 is DOWN")


# ---------------------------------------------------------------- styles and filtering


def test_hidden_namespaces_after_named_with_dashed_style():
    snap = Snapshot(
        (
            Namespace("@pid42", "hidden", 9, links_read=False, pids=(42,)),
            netns("@test1"),
            netns("zeta"),
            host(),
            netns("alpha"),
        )
    )
    src = draw(snap).source
    clusters = re.findall(r"subgraph (\S+) \{", src)
    assert clusters == [
        "cluster_host",
        '"cluster_ns.alpha"',
        '"cluster_ns.zeta"',
        '"cluster_ns.@pid42"',
        '"cluster_ns.@test1"',
    ]
    block = src.split('subgraph "cluster_ns.@test1" {')[1]
    assert 'label="container test1 (hidden: not in ip netns list)"' in block
    assert 'style="dashed,rounded,filled"' in block
    unread = src.split('subgraph "cluster_ns.@pid42" {')[1].split("}")[0]
    assert 'label="hidden namespace of PID 42 (not in ip netns list)"' in unread
    assert '"ns.@pid42/#unread" [label="links not read"' in unread
    assert "rounded,filled" in src.split('subgraph "cluster_ns.alpha" {')[1].split("\n")[1]
    assert "dashed" not in src.split('subgraph "cluster_ns.alpha" {')[1].split("\n")[1]


def test_veth_into_unread_namespace_points_at_its_box():
    mine = veth("veth0", 5, "@pid42", None, 2)
    snap = Snapshot((netns("lab", mine), Namespace("@pid42", "hidden", 9, links_read=False)))
    assert '"ns.lab/veth0" -- "ns.@pid42/#unread" [color="#555555" style=dashed]' in edges(
        draw(snap).source
    )


def test_veth_with_invisible_peer_gets_a_placeholder():
    mine = Link("eth0", 2, "veth", False, "DOWN", False, "", 1500, peer=Peer(None, None, 9, False))
    src = draw(Snapshot((netns("@c1", mine),))).source
    assert '"host/#if9" [label="peer ifindex 9\\n(namespace not visible)"' in src
    assert edges(src) == ['"ns.@c1/eth0" -- "host/#if9" [color="#555555" style=dashed]']


def test_all_host_links_shows_everything_and_host_routes():
    snap = article("S14")
    src = draw(snap, all_host_links=True).source
    assert '"host/eth0"' in src and '"host/lo"' in src
    assert "hidden)" not in src
    assert "default via 10.0.2.2 dev eth0" in src
    assert "10.0.2.15/24" in node_line(src, "host/eth0")


def test_host_peer_of_a_drawn_link_is_drawn_even_if_not_owned():
    theirs = veth("vethab", 30, "@test1", "eth0", 2, up=True, peer_up=True, owned=False)
    eth0 = veth("eth0", 2, None, "vethab", 30, up=True, peer_up=True, addrs=("172.17.0.2/16",))
    snap = Snapshot((host(theirs), netns("@test1", eth0, lo_up=True)))
    src = draw(snap).source
    assert '"host/vethab"' in src and "(the host's own links are hidden)" in src
    assert len(edges(src)) == 1


def test_bridge_ports_routes_forwarding_and_nat():
    br = Link("docker0", 3, "bridge", True, "UP", True, "02:42:00:00:00:01", 1500,
              addresses=(Address("172.17.0.1/16", 4),), owned=True)  # fmt: skip
    p1 = veth("veth1", 4, "@test1", "eth0", 2, up=True, peer_up=True, master="docker0")
    c1 = veth("eth0", 2, "docker-host", "veth1", 4, up=True, peer_up=True,
              addrs=("172.17.0.2/16",))  # fmt: skip
    dh = netns(
        "docker-host", br, p1, lo_up=True, forwarding=True,
        nat_rules=('ip saddr 172.17.0.0/16 oifname != "docker0" masquerade',),
        routes=(Route("172.17.0.0/16", "docker0", scope="link", protocol="kernel"),),
    )  # fmt: skip
    ct = netns("@test1", c1, lo_up=True, routes=(
        Route("default", "eth0", "172.17.0.1"),
        Route("172.17.0.0/16", "eth0", scope="link", protocol="kernel"),
    ))  # fmt: skip
    snap = Snapshot((ct, dh))
    src = draw(snap).source
    assert '"ns.docker-host/docker0" -- "ns.docker-host/veth1"' not in src
    assert any(
        e.startswith('"ns.docker-host/veth1" -- "ns.docker-host/docker0"') for e in edges(src)
    )
    assert any(e.startswith('"ns.@test1/eth0" -- "ns.docker-host/veth1"') for e in edges(src))
    assert "shape=box3d" in node_line(src, "ns.docker-host/docker0")
    notes = node_line(src, "ns.docker-host/#notes")
    assert "IP forwarding on" in notes and "NAT: ip saddr 172.17.0.0/16" in notes
    assert "routes" not in notes  # kernel routes only with details
    assert "default via 172.17.0.1 dev eth0\\l" in node_line(src, "ns.@test1/#notes")
    assert "proto kernel" in draw(snap, details=True).source
    assert mistakes(snap) == []


def test_details_show_macs_ifindexes_inodes():
    src = draw(article("S17"), details=True).source
    v1 = node_line(src, "ns.test1/veth-test1")
    assert (
        "mac 02:00:00:00:00:0a" in v1 and "ifindex 10, mtu 1500" in v1 and "peer ifindex 11" in v1
    )
    assert "inode 4026532005" in src


def test_title_and_svg():
    graph = draw(article("S17"), title="After S17")
    assert 'label="After S17" labelloc=t' in graph.source
    svg = to_svg(graph)
    assert svg.startswith("<svg") and 'role="img"' in svg  # no XML prolog: it goes inline
    assert "veth&#45;test1 (veth)" in svg  # `dot`'s own text, nothing stripped
    svg = html.unescape(svg)
    assert "veth-test1 (veth)" in svg and "192.168.1.2/24" in svg


# ---------------------------------------------------------------- escaping and determinism

ODD_NS = 'n"s\\{ü}'
ODD_IF = 'a"b\\c{ü}<x>'


def odd_snapshot() -> Snapshot:
    v1, v2 = pair(ODD_NS, ODD_IF, "plain", "é-端", up1=True, up2=True)
    return Snapshot((netns(ODD_NS, v1, lo_up=True), netns("plain", v2, lo_up=True)))


def test_odd_names_are_escaped_in_ids_and_labels():
    src = draw(odd_snapshot(), title="<b>x</b>").source
    node_id = "ns.n%22s%5C%7B%C3%BC%7D/a%22b%5Cc%7B%C3%BC%7D%3Cx%3E"
    line = node_line(src, node_id)
    assert 'label="a\\"b\\\\c{ü}<x> (veth)' in line  # backslash doubled, quote escaped
    assert 'subgraph "cluster_ns.n%22s%5C%7B%C3%BC%7D" {' in src
    assert 'label="netns n\\"s\\\\{ü}"' in src
    assert 'label="<b>x</b>"' in src  # not an HTML label
    assert '"ns.plain/%C3%A9-%E7%AB%AF"' in src


def test_odd_names_render_with_dot():
    svg = html.unescape(to_svg(draw(odd_snapshot())))
    assert 'a"b\\c{ü}<x> (veth)' in svg
    assert 'netns n"s\\{ü}' in svg
    assert "é-端" in svg


def test_control_characters_do_not_break_dot():
    snap = Snapshot((netns("x\ny", Link("t\tab", 3, "dummy", False, "DOWN", False, "", 1500)),))
    svg = html.unescape(to_svg(draw(snap)))
    assert "x\\x0ay" in svg and "t\\x09ab" in svg


def test_same_source_twice_and_independent_of_input_order():
    snap = article("S17")
    assert draw(snap).source == draw(snap).source
    rng = random.Random(7)
    for _ in range(5):
        shuffled = Snapshot(
            tuple(
                Namespace(n.key, n.kind, n.inode, tuple(rng.sample(n.links, len(n.links))),
                          tuple(rng.sample(n.routes, len(n.routes))), owned=n.owned)
                for n in rng.sample(snap.namespaces, len(snap.namespaces))
            )
        )  # fmt: skip
        assert draw(shuffled).source == draw(snap).source
        assert mistakes(shuffled) == mistakes(snap)


# ---------------------------------------------------------------- changes


def test_changes_mark_moved_links_with_a_ghost():
    before, after = article("S12"), article("S13")
    src = draw(after, changes=after - before).source
    moved = node_line(src, "ns.test1/veth-test1")
    assert "moved here from host" in moved
    assert 'color="#1a4f9f"' in moved and "penwidth=3" in moved
    ghost = node_line(src, "host/veth-test1#gone")
    assert "(moved to test1)" in ghost and "dashed" in ghost
    assert '"host/veth-test1#gone" -- "ns.test1/veth-test1" [label=moved' in src


def test_changes_mark_new_links_addresses_and_state():
    src = draw(article("S12"), changes=article("S12") - article("S11")).source
    assert "\\nNEW\\n" in node_line(src, "host/veth-test1")
    src = draw(article("S15"), changes=article("S15") - article("S14")).source
    assert "192.168.1.1/24 (new)" in node_line(src, "ns.test1/veth-test1")
    src = draw(article("S17"), changes=article("S17") - article("S15")).source
    line = node_line(src, "ns.test2/veth-test2")
    assert "state UP, was DOWN" in line and "#1a4f9f" in line
    assert "#1a4f9f" not in node_line(src, "ns.test1/lo")


def test_changes_show_removed_links_and_namespaces_faded():
    before = article("S17")
    after = Snapshot((host(), netns("test1", lo_up=True)))
    src = draw(after, changes=after - before).source
    assert "(removed)" in node_line(src, "ns.test1/veth-test1#gone")
    block = src.split('subgraph "cluster_ns.test2" {')[1]
    assert 'label="netns test2 (removed)"' in block and "dashed,rounded" in block
    assert '"ns.test2/veth-test2#gone"' in block
    new = draw(article("S8"), changes=article("S8") - Snapshot((host(),))).source
    assert 'label="netns test1 (new)"' in new


def test_changes_mark_routes():
    ct_before = netns("@c", veth("eth0", 2, None, "v", 3, up=True, peer_up=True), lo_up=True)
    ct_after = Namespace(
        "@c", "hidden", ct_before.inode, ct_before.links,
        routes=(Route("default", "eth0", "172.17.0.1"),),
    )  # fmt: skip
    before, after = Snapshot((ct_before,)), Snapshot((ct_after,))
    assert "default via 172.17.0.1 dev eth0 (new)" in draw(after, changes=after - before).source
    assert (
        "default via 172.17.0.1 dev eth0 (removed)" in draw(before, changes=before - after).source
    )


@pytest.mark.parametrize("step", ["S8", "S11", "S12", "S13", "S14", "S15", "S17"])
def test_every_article_step_renders(step):
    svg = html.unescape(to_svg(draw(article(step), changes=diff(article("S8"), article(step)))))
    assert "<svg" in svg and "netns test1" in svg


# ---------------------------------------------------------------- font, legend, options


def test_every_text_uses_the_cjk_font():
    src = draw(article("S17"), title="标题").source
    head = src.split("subgraph")[0]
    assert '\tfontname="Noto Sans CJK SC"' in head  # the graph's own (labels, clusters)
    assert 'node [fontname="Noto Sans CJK SC"' in head
    assert 'edge [fontname="Noto Sans CJK SC"' in head
    assert "Helvetica" not in src


def test_legend_is_data_with_every_fill_the_drawing_uses():
    from nslab.draw import FILL_NO_CARRIER, LEGEND, draw_legend, legend

    rows = legend()
    assert len(rows) == len(LEGEND)
    fills = [colour for colour, _shows, _means in rows]
    for fill in (FILL_UP, FILL_UNKNOWN, FILL_NO_CARRIER, FILL_DOWN):
        assert fill in fills
    shows = {colour: text for colour, text, _ in rows}
    assert shows[FILL_NO_CARRIER] == "NO-CARRIER (state LOWERLAYERDOWN, or DOWN)"  # orange
    assert shows[FILL_UNKNOWN] == "state UNKNOWN"
    src = draw_legend().source
    assert src.count("fillcolor=") == 4 and "Noto Sans CJK SC" in src
    assert "<svg" in to_svg(draw_legend())


def test_states_in_the_kernels_words():
    src = draw(paired_lab("t1", "a", "t2", "b", up1=True)).source
    assert "NO-CARRIER, state LOWERLAYERDOWN" in node_line(src, "ns.t1/a")
    assert "state DOWN" in node_line(src, "ns.t2/b")
    assert "set up, no carrier" not in src
    assert "state UNKNOWN" in node_line(src, "ns.t1/lo")


def test_marks_false_draws_the_same_without_marks():
    snap = article("S12")
    plain, marked = draw(snap, marks=False).source, draw(snap).source
    assert "\u26a0" in marked and "\u26a0" not in plain
    assert "#b00020" not in plain
    assert len(edges(plain)) == len(edges(marked))


# ---------------------------------------------------------------- the text alternative


def _svg_parts(svg: str) -> tuple[str, str, str]:
    """(the <svg ...> tag, its <title>, its <desc>), unescaped."""
    tag = svg[: svg.find(">") + 1]
    title = re.search(r"<title id=\"[^\"]+\">(.*?)</title>", svg, re.S).group(1)
    desc = re.search(r"<desc id=\"[^\"]+\">(.*?)</desc>", svg, re.S).group(1)
    return tag, html.unescape(title), html.unescape(desc)


def test_text_alternative_says_what_the_drawing_shows():
    """S16: what each namespace holds, the cable, and every mistake with its fix."""
    snap = article("S16")
    g = draw(snap)
    text = str(g.alt)
    assert g.alt.title == "Drawing of the lab: host, netns test1, netns test2"
    assert "netns test1: lo, 127.0.0.1/8, state UNKNOWN; veth-test1 (veth), 192.168.1.1/24" in text
    assert "veth-test1 in test1 is cabled to veth-test2 in test2 (veth pair)" in text
    for sentence in mistakes(snap):  # each finding, with its fix, as the drawing marks it
        assert sentence in text and "Fix: lab." in sentence
    tag, title, desc = _svg_parts(to_svg(g))
    assert 'role="img"' in tag and "aria-labelledby" in tag and "max-width:none" in tag
    assert title == g.alt.title
    assert desc.splitlines() == g.alt.lines()


def test_text_alternative_of_a_sound_lab_and_of_an_exercise():
    assert "No mistakes found." in str(draw(article("S18")).alt)
    before_hint = str(draw(article("S16"), marks=False).alt)  # an exercise: nothing given away
    assert "Mistakes" not in before_hint and "No mistakes" not in before_hint


def test_text_alternative_says_what_changed_and_what_moved():
    g = draw(article("S14"), changes=diff(article("S12"), article("S14")))
    text = str(g.alt)
    assert "veth-test1 moved from host to test1" in text
    assert "veth-test2 moved from host to test2" in text


def test_drawing_shows_as_html_with_the_drawing_as_text():
    g = draw(article("S17"), title="After S17")
    bundle = g._repr_mimebundle_()
    page = bundle["text/html"]
    assert '<details class="nslab-alt"><summary>Drawing as text</summary>' in page
    assert page.count("<svg") == 1 and "<?xml" not in page
    assert 'tabindex="0"' in page and "overflow:auto" in page  # scrolls, never shrunk
    assert bundle["text/plain"].startswith("After S17: drawing of the lab: host, netns test1")
    assert 'role="img"' in bundle["image/svg+xml"]


def test_ids_are_unique_per_drawing_and_deterministic():
    a, b = to_svg(draw(article("S17"))), to_svg(draw(article("S17")))
    ids_a = re.findall(r'\bid="([^"]+)"', a)
    ids_b = re.findall(r'\bid="([^"]+)"', b)
    assert len(ids_a) == len(set(ids_a)) and not set(ids_a) & set(ids_b)
    prefix = ids_a[0].rsplit("-", 1)[0]
    assert re.fullmatch(r"nslab-[0-9a-f]{10}(-\d+)?", prefix)
    assert all(i.startswith(prefix + "-") for i in ids_a)
    assert re.search(r'aria-labelledby="([^"]+)"', a).group(1) in ids_a


def test_text_alternative_is_in_the_notebook_language():
    import nslab

    nslab.set_language("zh_CN")
    try:
        g = draw(article("S16"))
        text = str(g.alt)
        page = g._repr_mimebundle_()["text/html"]
    finally:
        nslab.set_language("en")
    assert g.alt.title.startswith("实验拓扑图：")
    assert "test1 中的 veth-test1 与 test2 中的 veth-test2 相连（veth pair）" in text
    assert "错误及修正方法" in text and "<summary>拓扑图的文字版</summary>" in page


def test_legend_and_sequence_diagram_have_text_too():
    from nslab.capture import Packet, SequenceDiagram, _sequence_alt, sequence_diagram

    assert "state UP: set up, with a carrier" in str(draw_legend().alt)
    packets = [Packet(0.0, "10.0.0.1", "10.0.0.2", "ICMP", "echo request seq=1"),
               Packet(0.1, "10.0.0.2", "10.0.0.1", "ICMP", "echo reply seq=1")]
    seq = SequenceDiagram(sequence_diagram(packets), 2, _sequence_alt(packets, "test1"))
    bundle = seq._repr_mimebundle_()
    assert "1. 10.0.0.1 to 10.0.0.2: ICMP echo request seq=1" in bundle["text/html"]
    assert "test1: 2 packets between 10.0.0.1, 10.0.0.2" in bundle["text/html"]
    assert 'role="img"' in bundle["image/svg+xml"] and "<details" in bundle["text/html"]

"""The pure parts of reading the kernel: settled operstates, veth peers across namespaces."""

from __future__ import annotations

import pytest

from nslab._kernel import in_ns, linked_paths, refusal_link, refusal_ns, resolve_peers
from nslab._netlink import settled_operstate
from nslab.snapshot import Peer


def link(**fields) -> dict:
    base = {"name": "v", "index": 2, "kind": "veth", "up": True, "operstate": "UP",
            "carrier": True, "link": None, "link_netnsid": None}
    return {**base, **fields}


@pytest.mark.parametrize(("fields", "settled"), [
    ({"up": False, "operstate": "UP"}, "DOWN"),  # admin-down is always DOWN
    ({"up": True, "carrier": True, "operstate": "DOWN"}, "UP"),  # linkwatch lags
    ({"up": True, "carrier": False, "operstate": "UP"}, "LOWERLAYERDOWN"),  # peer went down
    ({"up": True, "carrier": False, "operstate": "LOWERLAYERDOWN"}, "LOWERLAYERDOWN"),
    ({"up": True, "carrier": False, "operstate": "DOWN"}, "DOWN"),  # as the kernel says
    ({"kind": "bridge", "up": True, "carrier": False, "operstate": "UP"}, "DOWN"),
    ({"kind": "loopback", "up": True, "operstate": "UNKNOWN"}, "UNKNOWN"),  # taken as is
    ({"kind": "device", "up": False, "operstate": "UP"}, "UP"),  # not a veth/bridge
])
def test_settled_operstate(fields: dict, settled: str) -> None:
    assert settled_operstate(link(**fields)) == settled


def dump(*links: dict) -> dict:
    return {"links": list(links), "addrs": [], "routes": []}


def test_a_pair_in_one_namespace() -> None:
    raw = {"a": dump(link(name="x", index=2, link=3), link(name="y", index=3, link=2))}
    assert resolve_peers(raw) == {("a", 2): Peer("a", "y", 3), ("a", 3): Peer("a", "x", 2)}


def test_a_pair_across_namespaces_is_told_apart_by_nsid() -> None:
    """Indexes repeat across namespaces: b and c both hold a veth 5 pointing at index 2;
    a knows b by nsid 0 and c by nsid 1, and its veth says its peer is at nsid 1."""
    raw = {
        "a": dump(link(name="va", index=2, link=5, link_netnsid=1)),
        "b": dump(link(name="lookalike", index=5, link=2, link_netnsid=0)),
        "c": dump(link(name="vc", index=5, link=2, link_netnsid=0)),
    }
    ids = {("a", "b"): 0, ("a", "c"): 1, ("b", "a"): 0, ("c", "a"): 0}
    peers = resolve_peers(raw, lambda k, o: ids.get((k, o)))
    assert peers[("a", 2)] == Peer("c", "vc", 5)
    assert peers[("c", 5)] == Peer("a", "va", 2)


def test_the_journal_settles_a_tie_the_nsid_cannot() -> None:
    raw = {
        "a": dump(link(name="va", index=2, link=5, link_netnsid=0)),
        "b": dump(link(name="vb", index=5, link=2, link_netnsid=0)),
        "c": dump(link(name="vc", index=5, link=2, link_netnsid=0)),
    }
    peers = resolve_peers(raw, None, lambda key, name: ("c", "vc") if name == "va" else None)
    assert peers[("a", 2)] == Peer("c", "vc", 5)


def test_a_peer_we_cannot_see_is_marked_invisible() -> None:
    raw = {"a": dump(link(name="va", index=2, link=9, link_netnsid=4))}
    assert resolve_peers(raw, lambda k, o: None) == {("a", 2): Peer(None, None, 9, visible=False)}


def test_linked_paths_both_ways_and_only_visible_peers() -> None:
    peers = {("a", 2): Peer("b", "vb", 5), ("b", 5): Peer("a", "va", 2),
             ("a", 3): Peer(None, None, 9, visible=False), ("a", 4): Peer("a", "y", 6)}
    paths = {"a": "/run/netns/a", "b": "/run/netns/b"}
    assert linked_paths(peers, paths) == {"/run/netns/a": {"/run/netns/b"},
                                          "/run/netns/b": {"/run/netns/a"}}


def test_in_ns_writes_the_article_form_and_quotes() -> None:
    assert in_ns(None, "ip a") == "ip a"
    assert in_ns("test1", "ip a") == "ip netns exec test1 ip a"
    assert in_ns("ñs 1", "ip a") == "ip netns exec 'ñs 1' ip a"


@pytest.mark.parametrize("action", ["up", "down", "delete", "move", "add_addr", "del_addr",
                                    "set_master", "use_as_bridge", "route_dev", "capture",
                                    "read"])
def test_every_link_refusal_is_a_whole_sentence(action: str) -> None:
    text = refusal_link(action, name="veth0", where="host", target="test1")
    assert text.startswith("Interface 'veth0' in host was not created by this lab")
    assert text.endswith("Pass force=True if you really mean it.")


@pytest.mark.parametrize("action", ["add_veth", "move_into", "add_bridge", "add_route"])
def test_every_namespace_refusal_is_a_whole_sentence(action: str) -> None:
    text = refusal_ns(action, name="other")
    assert text.startswith("Namespace 'other' was not created by this lab")
    assert "force=True" in text

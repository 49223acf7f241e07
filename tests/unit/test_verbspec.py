"""nslab.verbspec: one declaration per verb, and everything derived from it (pure).

The round trip: for every verb with an `ip` form and generated arguments,
`parse(render_ip(call)) == call` (through %ip's own parser, `nslab.shell.parse`), and the
Python text agrees. The kernel half (the rendered commands replay in bash to the same
kernel state) is tests/kernel/test_verbspec_replay.py.
"""

from __future__ import annotations

import inspect
import ipaddress
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nslab import Lab, names, verbspec
from nslab.errors import InvalidName
from nslab.exercises import _schema
from nslab.shell import parse
from nslab.snapshot import Link, Namespace, Snapshot
from nslab.steps import ARTICLE
from nslab.tutorial import _inverse, expectations

SPOKEN = [v for v in verbspec.VERBS.values() if v.forms]  # the verbs with an `ip` command


def _valid(check):
    def ok(name: str) -> bool:
        try:
            check(name)
        except InvalidName:
            return False
        return True

    return ok


# names as the library accepts them: any printable character the kernel allows, shell
# metacharacters and quotes included (the renderer quotes them, the parser unquotes)
_CHARS = st.characters(min_codepoint=33, max_codepoint=126)
ifnames = st.text(_CHARS, min_size=1, max_size=15).filter(_valid(names.check_ifname))
netns = st.text(_CHARS, min_size=1, max_size=20).filter(_valid(names.check_netns_name))
keywords = st.sampled_from(["name", "peer", "dev", "netns", "type", "up", "down", "master",
                            "nomaster", "via", "add", "del", "delete", "link", "ip", "exec"])
ifname = st.one_of(ifnames, keywords.filter(_valid(names.check_ifname)))
ns_name = st.one_of(netns, keywords)
ns_key = st.one_of(st.none(), ns_name)
ipv4 = st.ip_addresses(v=4).map(str)
ip = st.one_of(ipv4, st.ip_addresses(v=6).map(str))
cidr = st.tuples(st.ip_addresses(v=4), st.integers(1, 32)).map(
    lambda t: str(ipaddress.ip_interface(f"{t[0]}/{t[1]}")))
network = st.one_of(st.just("default"), cidr.map(
    lambda c: str(ipaddress.ip_interface(c).network)))

ARGS = {  # verb -> a strategy for (args, kwargs), every parameter the verb has
    "add_netns": st.tuples(ns_name).map(lambda a: (a, {})),
    "delete_netns": st.tuples(ns_name).map(lambda a: (a, {})),
    "set_up": st.tuples(ns_key, ifname).map(lambda a: (a, {})),
    "set_down": st.tuples(ns_key, ifname).map(lambda a: (a, {})),
    "add_veth": st.tuples(ifname, ifname, ns_key, st.one_of(st.just(...), ns_key)).map(
        lambda a: ((a[0], a[1]), {"ns": a[2], **({} if a[3] is ... else {"peer_ns": a[3]})})),
    "delete_link": st.tuples(ns_key, ifname).map(lambda a: (a, {})),
    "move": st.tuples(ifname, ns_key, ns_key).map(lambda a: ((a[0], a[1]), {"src": a[2]})),
    "add_addr": st.tuples(ns_key, ifname, cidr).map(lambda a: (a, {})),
    "del_addr": st.tuples(ns_key, ifname, cidr).map(lambda a: (a, {})),
    "add_bridge": st.tuples(ns_key, ifname).map(lambda a: (a, {})),
    "set_master": st.tuples(ns_key, ifname, st.one_of(st.none(), ifname)).map(
        lambda a: (a, {})),
    "add_route": st.tuples(ns_key, network, st.one_of(st.none(), ip),
                           st.one_of(st.none(), ifname)).map(
        lambda a: ((a[0], a[1]), {"via": a[2], "dev": a[3]})),
    "set_forwarding": st.tuples(ns_key, st.booleans()).map(lambda a: (a, {})),
}


def test_every_verb_with_an_ip_form_has_generated_arguments():
    assert set(ARGS) == {v.name for v in SPOKEN}


@pytest.mark.parametrize("verb", sorted(ARGS))
def test_parse_of_render_is_the_call(verb):
    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(ARGS[verb])
    def round_trip(call):
        args, kwargs = call
        want = verbspec.canonical(verb, args, kwargs)
        line = verbspec.render_ip(verb, args, kwargs)
        got = parse(line)
        assert (got.kind, got.verb, got.args, got.kwargs) == ("verb", *want), line
        assert got.python == verbspec.python(verb, args, kwargs)

    round_trip()


def test_the_declared_parameters_are_the_verbs_own():
    """A declaration that drifts from its verb's signature fails here, not in a student's
    notebook: same names, same order, same defaults, same keyword-only ones."""
    for spec in verbspec.VERBS.values():
        sig = inspect.signature(getattr(Lab, spec.name))
        params = [p for p in sig.parameters.values() if p.name != "self"]
        assert [p.name for p in params] == [p.name for p in spec.params], spec.name
        for mine, theirs in zip(spec.params, params, strict=True):
            assert mine.keyword == (theirs.kind is inspect.Parameter.KEYWORD_ONLY), mine
            if theirs.default is inspect.Parameter.empty:
                assert mine.required, mine
            elif not isinstance(mine.default, verbspec.Same):
                assert mine.default == theirs.default, mine


def test_render_writes_what_the_transcript_writes():
    r = verbspec.render_ip
    assert r("add_netns", ("test1",)) == "ip netns add test1"
    assert r("add_veth", ("veth-test1", "veth-test2")) == (
        "ip link add name veth-test1 type veth peer name veth-test2")
    assert r("add_veth", ("a", "b"), {"ns": "x", "peer_ns": None}) == (
        "ip netns exec x ip link add name a type veth peer name b netns /proc/$$/ns/net")
    assert r("move", ("v", None), {"src": "test1"}) == (
        "ip netns exec test1 ip link set dev v netns /proc/$$/ns/net")
    assert r("add_addr", ("test1", "veth-test1", "192.168.1.1/24")) == (
        "ip netns exec test1 ip addr add 192.168.1.1/24 dev veth-test1")
    assert r("set_master", ("n", "e", None)) == "ip netns exec n ip link set dev e nomaster"
    assert r("add_route", ("r", "default"), {"via": "10.0.0.1", "dev": "e"}) == (
        "ip netns exec r ip route add default via 10.0.0.1 dev e")
    assert r("set_forwarding", ("r", False)) == "ip netns exec r sysctl -w net.ipv4.ip_forward=0"
    assert r("add_netns", ("a b",)) == "ip netns add 'a b'"
    with pytest.raises(ValueError, match="no single ip command"):
        r("run_container", ("web",))


def test_python_text_writes_positional_and_changed_keywords():
    assert verbspec.python("add_veth", ("a", "b"), {"peer_ns": "t2"}) == (
        "lab.add_veth('a', 'b', peer_ns='t2')")
    assert verbspec.python("add_veth", ("a", "b"), {"ns": "t1", "peer_ns": "t1"}) == (
        "lab.add_veth('a', 'b', ns='t1')")
    assert verbspec.python("set_forwarding", ("r",)) == "lab.set_forwarding('r', True)"
    assert verbspec.python("move", ("v", "t1")) == "lab.move('v', 't1')"
    with pytest.raises(TypeError):
        verbspec.bind("add_veth", ("a",))
    with pytest.raises(TypeError):
        verbspec.bind("add_veth", ("a", "b", "c"))
    with pytest.raises(TypeError):
        verbspec.bind("set_up", ("t", "lo"), {"colour": 1})


def test_derived_tables():
    assert _schema.VERBS["add_veth"] == (("name", "peer"), ("ns", "peer_ns"))
    assert _schema.VERBS["move"] == (("ifname", "ns"), ("src",))
    assert _schema.POSITIONAL_OPTIONAL == {"set_forwarding": ("on",)}
    assert verbspec.batched() == {"add_netns", "set_up", "set_down", "add_veth", "add_addr"}
    assert verbspec.made("add_veth", ("a", "b"), {"ns": "x"}) == [("link", "a"), ("link", "b")]
    assert verbspec.made("add_bridge", ("x", "br0")) == [("link", "br0")]
    assert verbspec.made("add_netns", ("t",)) == [("netns", "t")]
    assert verbspec.made("set_up", ("t", "lo")) == []
    # every refusal a verb declares has its sentence
    for spec in verbspec.VERBS.values():
        for kind, action in spec.owner:
            assert verbspec.refusal_key(kind, action).startswith(f"{kind}.not_owned.")


def test_usage_and_mismatch_come_from_the_declarations():
    assert verbspec.usage("add_addr") == "ip addr add CIDR dev NAME"
    assert verbspec.usage("add_route") == "ip route add DST [via GW] [dev NAME]"
    miss = verbspec.parse_ip("ip link set dev v upp".split())
    assert isinstance(miss, verbspec.Mismatch)
    assert miss.expected == ("down", "master", "netns", "nomaster", "up")
    miss = verbspec.parse_ip("ip addr add 10.0.0.1/24".split())
    assert miss.incomplete == "ip addr add CIDR dev NAME"
    assert verbspec.parse_ip("sysctl -w net.ipv4.ip_forward=2".split(), "r") == \
        verbspec.Mismatch(2, ("net.ipv4.ip_forward=ON",))


def _snap(*where: tuple[str | None, str]) -> Snapshot:
    spaces: dict = {}
    for ns, ifname in where:
        spaces.setdefault(ns, []).append(Link(ifname, 1, "veth", False, "DOWN", False,
                                              "02:00:00:00:00:01", 1500))
    return Snapshot(tuple(Namespace(k, "host" if k is None else "named", 0, tuple(v))
                          for k, v in spaces.items()))


def test_inverse_and_effect_of_the_article_steps():
    snap = _snap(("test1", "veth-test1"))
    assert _inverse(("add_veth", ("veth-test1", "veth-test2"), {}), snap) == (
        "delete_link", ("test1", "veth-test1"), {})
    assert _inverse(("move", ("veth-test1", "test1"), {}), snap) == (
        "move", ("veth-test1", None), {"src": "test1"})
    assert _inverse(("set_up", ("test1", "lo"), {}), snap) == ("set_down", ("test1", "lo"), {})
    assert _inverse(("add_netns", ("t",), {}), snap) == ("delete_netns", ("t",), {})
    assert _inverse(("add_route", ("t", "default"), {"via": "1.1.1.1"}), snap) is None
    assert expectations(ARTICLE["S6"]) is None  # add then delete: nothing left
    assert [e.what for e in expectations(ARTICLE["S15"])] == ["addr", "addr"]
    assert expectations(ARTICLE["S12"])[0].ifname == "veth-test1"
    assert expectations(ARTICLE["S7"])[0].ns == "@web"


def test_container_verbs_declare_the_sibling_verbs_they_call():
    """ContainerVerbs runs other groups' verbs as its parts: the contract is PARTS."""
    import ast

    from nslab import containers

    tree = ast.parse(Path(containers.__file__).read_text())
    own = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    called = {n.func.attr for n in ast.walk(tree)
              if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
              and isinstance(n.func.value, ast.Name) and n.func.value.id == "self"}
    siblings = {name for name in called - own if hasattr(Lab, name)
                and not name.startswith("_")}
    assert siblings == set(containers.ContainerVerbs.PARTS)
    assert all(name in verbspec.VERBS for name in containers.ContainerVerbs.PARTS)


# The recorded Lab verbs with no declaration, and why: none is an `ip` command, none is
# offered by the Panel or used by exercises. reveal names a namespace another program
# made (a bind mount, no kernel object of the lab's own); serve_http/stop_http start and
# end a process (its PID in the script's ${SERVER[...]}), not kernel state a verb sets.
UNDECLARED = {"reveal", "serve_http", "stop_http"}
# The declared verbs with no single `ip` command (fix_ip is None): a container is a
# process and its namespace; notebook 05's NAT verbs write up to three `nft` commands,
# depending on what the namespace's table already holds (see verbspec).
NO_IP_FORM = {"run_container", "stop_container", "enable_masquerade", "publish_port"}


def test_every_recorded_verb_is_declared_or_said_why_not():
    recorded = {
        name for name in dir(Lab) if not name.startswith("_")
        and getattr(getattr(Lab, name), "__code__", None) is not None
        and getattr(Lab, name).__code__.co_filename.endswith("_record.py")
    }
    assert recorded - set(verbspec.VERBS) == UNDECLARED
    assert {v.name for v in verbspec.VERBS.values() if not v.forms} == NO_IP_FORM


def test_nat_verbs_are_declared_with_their_parameters_and_python_text():
    assert verbspec.python("enable_masquerade", ("docker-host", "uplink")) == (
        "lab.enable_masquerade('docker-host', 'uplink')")
    assert verbspec.python("publish_port", ("docker-host", 8080, "172.17.0.2", 80),
                           {"proto": "udp"}) == (
        "lab.publish_port('docker-host', 8080, '172.17.0.2', 80, proto='udp')")
    assert verbspec.canonical("publish_port", ("h", 8080, "172.17.0.2", 80), {"proto": "tcp"}) \
        == ("publish_port", ("h", 8080, "172.17.0.2", 80), {})
    assert verbspec.fix("enable_masquerade", "h", "uplink") == {
        "fix_call": "lab.enable_masquerade('h', 'uplink')", "fix_ip": None}
    for verb in ("enable_masquerade", "publish_port"):
        with pytest.raises(ValueError, match="no single ip command"):
            verbspec.render_ip(verb, *((("h", "uplink"),) if verb == "enable_masquerade"
                                       else (("h", 1, "10.0.0.2", 2),)))
        assert verbspec.effects([(verb, ("h", "uplink"), {})] if verb == "enable_masquerade"
                                else [(verb, ("h", 1, "10.0.0.2", 2), {})]) is None
    with pytest.raises(TypeError):
        verbspec.bind("publish_port", ("h", 8080, "172.17.0.2"))

"""nslab.shell.parse: the article's command lines -> one Lab call each (pure, no kernel)."""

from __future__ import annotations

import pytest

from nslab.shell import UnsupportedCommand, parse, parse_lines


@pytest.mark.parametrize(("line", "python"), [
    ("ip netns add test1", "lab.add_netns('test1')"),
    ("sudo ip netns add test1", "lab.add_netns('test1')"),
    ("netns add test1", "lab.add_netns('test1')"),  # `%ip netns add test1`
    ("ip netns delete test1", "lab.delete_netns('test1')"),
    ("ip netns del test1", "lab.delete_netns('test1')"),
    ("ip netns list", "lab.exec(None, 'ip netns list')"),
    ("ip link add veth-test1 type veth peer name veth-test2",
     "lab.add_veth('veth-test1', 'veth-test2')"),
    ("ip link add name a type veth peer name b netns test2",
     "lab.add_veth('a', 'b', peer_ns='test2')"),
    ("ip link set veth-test1 netns test1", "lab.move('veth-test1', 'test1')"),
    ("ip netns exec test1 ip link set veth-test1 netns test2",
     "lab.move('veth-test1', 'test2', src='test1')"),
    ("ip netns exec test1 ip link set dev lo up", "lab.set_up('test1', 'lo')"),
    ("ip netns exec test1 ip link set veth-test1 down", "lab.set_down('test1', 'veth-test1')"),
    ("ip netns exec test1 ip addr add 192.168.1.1/24 dev veth-test1",
     "lab.add_addr('test1', 'veth-test1', '192.168.1.1/24')"),
    ("ip -n test1 address del 192.168.1.1/24 dev veth-test1",
     "lab.del_addr('test1', 'veth-test1', '192.168.1.1/24')"),
    ("ip netns exec test1 ping 192.168.1.2", "lab.ping('test1', '192.168.1.2', count=3)"),
    ("ip netns exec test1 ping -c 1 192.168.1.2", "lab.ping('test1', '192.168.1.2', count=1)"),
    ("ip netns exec test1 ip a", "lab.exec('test1', 'ip a')"),
    ("ip -br link", "lab.exec(None, 'ip -br link')"),
    ("ip netns exec test1 ip route", "lab.exec('test1', 'ip route')"),
    ("ip netns exec r ip route add default via 10.0.0.1",
     "lab.add_route('r', 'default', via='10.0.0.1')"),
    ("ip netns exec r ip link add br0 type bridge", "lab.add_bridge('r', 'br0')"),
    ("ip netns exec r ip link set veth-a master br0", "lab.set_master('r', 'veth-a', 'br0')"),
    ("ip link delete veth-test1", "lab.delete_link(None, 'veth-test1')"),
])
def test_article_lines_become_one_lab_call(line, python):
    assert parse(line).python == python


@pytest.mark.parametrize(("line", "says"), [
    ("ip netns ad test1", "Did you mean 'add'?"),
    ("ip lnik", "Did you mean 'link'?"),
    ("ip netns exec test1 bash", "In Python: lab.exec('test1', 'bash')"),
    ("ifconfig -a", "Known: 'address'"),
    ("ip link set veth-test1 upp", "Did you mean 'up'?"),
    ("ip link add x type vxlan id 1", "Known: 'bridge', 'veth'"),
    ("ip addr add 192.168.1.1/24", "incomplete: ip addr add CIDR dev NAME"),
    ("ip netns exec test1 ip -x a", "not supported"),
    ("ip -4 addr add 10.0.0.1/24 dev x", "not supported"),  # options only for reading
    ("ip netns exec test1 ping -f 192.168.1.2", "incomplete: ping [-c N] [-W SECONDS] ADDRESS"),
    ("ip 'unclosed", "Cannot read the command"),
    ("sudo", "No command given"),
])
def test_bad_lines_say_what_and_how(line, says):
    with pytest.raises(UnsupportedCommand, match=None) as err:
        parse(line)
    assert says in str(err.value)


def test_a_cell_is_parsed_whole_before_anything_runs():
    assert [c.verb for c in parse_lines("# S8\nip netns add test1\n\nip netns add test2")] == [
        "add_netns", "add_netns"]
    with pytest.raises(UnsupportedCommand, match="Did you mean 'link'"):
        parse_lines("ip netns add test1\nip lnk")
    with pytest.raises(UnsupportedCommand, match="No command given"):
        parse_lines("# only a comment")


def test_the_magic_without_a_lab_says_how_to_make_one():
    from nslab._ipython import find_lab

    with pytest.raises(UnsupportedCommand, match=r"create one first with lab = Lab\(\)"):
        find_lab({"x": 1})

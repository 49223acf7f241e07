"""%ip takes what people type: every command of the article, and what beginners really type
(pure: nslab.shell.parse, nothing runs).

BEGINNERS is test data: lines seen from students who learn `ip` from the article and from
man pages and blog posts, with what %ip makes of each (the Python call it runs, or the
words its refusal must contain).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nslab import verbspec
from nslab.shell import UnsupportedCommand, parse, shell_syntax
from nslab.steps import ARTICLE

ROOT = Path(__file__).resolve().parents[2]


def _article_lines() -> list[str]:
    """Every `ip`/`ping` command of the article (docs/article-steps.md, S6-S19), as written."""
    text = (ROOT / "docs" / "article-steps.md").read_text()
    lines = []
    for row in text.splitlines():
        m = re.match(r"- S(\d+)\s", row)
        if not m or not 6 <= int(m.group(1)) <= 19:
            continue
        lines += [c for c in re.findall(r"`([^`]+)`", row)
                  if c.split()[0] in ("ip", "ping") and "..." not in c]
    return lines


ARTICLE_LINES = _article_lines()


def test_the_article_list_is_complete():
    assert len(ARTICLE_LINES) >= 18
    assert "ip link add veth-test1 type veth peer name veth-test2" in ARTICLE_LINES


@pytest.mark.parametrize("line", ARTICLE_LINES + [f"sudo {x}" for x in ARTICLE_LINES])
def test_every_article_command_parses(line):
    cmd = parse(line)
    assert cmd.kind in ("verb", "read", "ping")
    assert cmd.python.startswith("lab.")


@pytest.mark.parametrize("step", [s for s in ARTICLE.values()
                                  if s.command.startswith("ip") and s.id != "S7"])
def test_each_steps_commands_are_its_calls(step):
    """The Stepper's calls and the article's command lines are the same Lab calls."""
    parsed = [parse(line) for line in step.command.splitlines()]
    made = [(c.verb, c.args, c.kwargs) for c in parsed if c.kind == "verb"]
    assert made == [verbspec.canonical(*c) for c in step.calls]


# (what a beginner types, the Python call %ip runs)
BEGINNERS_OK = [
    ("ip a", "lab.exec(None, 'ip a')"),
    ("ip addr", "lab.exec(None, 'ip addr')"),
    ("ip addr show", "lab.exec(None, 'ip addr show')"),
    ("ip a show dev lo", "lab.exec(None, 'ip a show dev lo')"),
    ("ip -br a", "lab.exec(None, 'ip -br a')"),
    ("ip -4 a", "lab.exec(None, 'ip -4 a')"),
    ("ip -br -4 a", "lab.exec(None, 'ip -br -4 a')"),
    ("ip -c a", "lab.exec(None, 'ip -c a')"),
    ("ip l", "lab.exec(None, 'ip l')"),
    ("ip link show", "lab.exec(None, 'ip link show')"),
    ("ip r", "lab.exec(None, 'ip r')"),
    ("ip route show", "lab.exec(None, 'ip route show')"),
    ("ip n", "lab.exec(None, 'ip n')"),
    ("ip netns", "lab.exec(None, 'ip netns list')"),
    ("ip netns ls", "lab.exec(None, 'ip netns list')"),
    ("ip netns exec test1 ip -br a", "lab.exec('test1', 'ip -br a')"),
    ("ip -n test1 a", "lab.exec('test1', 'ip a')"),
    ("sudo ip netns add test1", "lab.add_netns('test1')"),
    ("sudo -E ip netns add test1", "lab.add_netns('test1')"),
    ("sudo -u root ip netns add test1", "lab.add_netns('test1')"),
    ("sudo -- ip netns add test1", "lab.add_netns('test1')"),
    ("ip netns del test1", "lab.delete_netns('test1')"),
    ("ip link add veth0 type veth peer veth1", "lab.add_veth('veth0', 'veth1')"),
    ("ip link add name veth0 type veth peer name veth1", "lab.add_veth('veth0', 'veth1')"),
    ("ip link add veth0 netns test1 type veth peer name veth1 netns test2",
     "lab.add_veth('veth0', 'veth1', ns='test1', peer_ns='test2')"),
    ("ip link set veth0 up", "lab.set_up(None, 'veth0')"),
    ("ip link set dev veth0 up", "lab.set_up(None, 'veth0')"),
    ("ip -n test1 link set lo up", "lab.set_up('test1', 'lo')"),
    ("ip netns exec test1 ip link set lo up", "lab.set_up('test1', 'lo')"),
    ("ip address add 192.168.1.1/24 dev veth0", "lab.add_addr(None, 'veth0', '192.168.1.1/24')"),
    ("ip a add 10.0.0.1/24 dev veth0", "lab.add_addr(None, 'veth0', '10.0.0.1/24')"),
    ("ip addr delete 10.0.0.1/24 dev veth0", "lab.del_addr(None, 'veth0', '10.0.0.1/24')"),
    ("ip link del veth0", "lab.delete_link(None, 'veth0')"),
    ("ip link delete dev veth0", "lab.delete_link(None, 'veth0')"),
    ("ip link set veth1 netns test2", "lab.move('veth1', 'test2')"),
    ("ip netns exec test1 ip link set veth1 netns /proc/$$/ns/net",
     "lab.move('veth1', None, src='test1')"),
    ("ip link add br0 type bridge", "lab.add_bridge(None, 'br0')"),
    ("ip link set veth0 master br0", "lab.set_master(None, 'veth0', 'br0')"),
    ("ip link set veth0 nomaster", "lab.set_master(None, 'veth0', None)"),
    ("ip netns exec test1 ip route add default via 192.168.1.2",
     "lab.add_route('test1', 'default', via='192.168.1.2')"),
    ("ip netns exec test1 ip r add 10.0.0.0/24 dev veth-test1",
     "lab.add_route('test1', '10.0.0.0/24', dev='veth-test1')"),
    ("ip netns exec r sysctl -w net.ipv4.ip_forward=1", "lab.set_forwarding('r', True)"),
    ("ping 192.168.1.2", "lab.ping(None, '192.168.1.2', count=3)"),
    ("ping -c1 192.168.1.2", "lab.ping(None, '192.168.1.2', count=1)"),
    ("ping -c 1 192.168.1.2", "lab.ping(None, '192.168.1.2', count=1)"),
    ("ping -W1 -c1 192.168.1.2", "lab.ping(None, '192.168.1.2', count=1, timeout=1.0)"),
    ("ping -c 3 -W 1 192.168.1.2", "lab.ping(None, '192.168.1.2', count=3, timeout=1.0)"),
    ("ping -n -c 2 192.168.1.2", "lab.ping(None, '192.168.1.2', count=2)"),
    ("ip netns exec test1 ping -c1 192.168.1.2", "lab.ping('test1', '192.168.1.2', count=1)"),
    ("sudo ip netns exec test1 ping -c 1 -W 2 192.168.1.2",
     "lab.ping('test1', '192.168.1.2', count=1, timeout=2.0)"),
]


@pytest.mark.parametrize(("line", "python"), BEGINNERS_OK)
def test_what_beginners_type_runs(line, python):
    assert parse(line).python == python


def test_sudo_is_taken_and_said():
    cmd = parse("sudo -E ip netns add test1")
    assert cmd.note == "# sudo is not needed here: the lab ran this with its own privileges."
    assert parse("ip netns add test1").note == ""


NOT_A_SHELL = "Cells run one `ip` command, not a shell"

# (what a beginner types, words the refusal must contain)
BEGINNERS_REFUSED = [
    ("ip a | grep lo", [NOT_A_SHELL, "'|' is shell syntax", "ip a show dev lo"]),
    ("ip netns exec test1 ip a | grep inet", [NOT_A_SHELL, "'|'"]),
    ("ip netns add test1; ip netns add test2", [NOT_A_SHELL, "';'", "one command per line"]),
    ("ip netns add test1 && ip netns add test2", [NOT_A_SHELL, "'&&'"]),
    ("ip a > out.txt", [NOT_A_SHELL, "'>'"]),
    ("ip a 2>/dev/null", [NOT_A_SHELL, "'>'"]),
    ("echo $(ip netns list)", [NOT_A_SHELL, "'$('"]),
    ("ip netns exec `ip netns list` ip a", [NOT_A_SHELL, "'`'"]),
    ('ip netns exec "$(ip netns list)" ip a', [NOT_A_SHELL, "'$('"]),
    ("ping 192.168.1.2 &", [NOT_A_SHELL, "'&'"]),
    ("sudo -u nobody ip netns add test1",
     ["as user 'nobody'", "own privileges", "without `sudo -u nobody`: ip netns add test1"]),
    ("sudo -unobody ip a", ["as user 'nobody'"]),
    ("sudo --user=alice ip a", ["as user 'alice'"]),
    ("sudo -u", ["incomplete: sudo [-u USER] ip ..."]),
    ("sudo -i", ["No command given"]),
    ("ip netns ad test1", ["Did you mean 'add'?"]),
    ("ip link add veth0", ["incomplete", "ip link add name NAME type veth peer name PEER",
                           "ip link add name NAME type bridge"]),
    ("ip link set veth0", ["incomplete"]),
    ("ip link set veth0 enable",
     ["not supported", "Known: 'down', 'master', 'netns', 'nomaster', 'up'"]),
    ("ip addr add 10.0.0.1/24 veth0", ["not supported", "Known: 'dev'"]),
    ("ip route add default via", ["incomplete", "ip route add DST [via GW] [dev NAME]"]),
    ("ip netns exec test1", ["incomplete: ip netns exec NAME COMMAND ..."]),
    ("ip netns exec test1 bash", ["In Python: lab.exec('test1', 'bash')"]),
    ("ip netns exec test1 ifconfig", ["In Python: lab.exec('test1', 'ifconfig')"]),
    ("ip netns exec r sysctl net.ipv4.ip_forward",
     ["In Python: lab.exec('r', 'sysctl net.ipv4.ip_forward')"]),
    ("ping -c", ["incomplete: ping [-c N] [-W SECONDS] ADDRESS"]),
    ("ping -c one 192.168.1.2", ["incomplete"]),
    ("ping -W soon 192.168.1.2", ["incomplete"]),
    ("ip link add veth0 type vxlan id 42", ["Known: 'bridge', 'veth'"]),
    ("ip neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev veth0", ["Known: 'show'"]),
    ("ip route del default", ["Known: 'add', 'show'"]),
    ("ip netns attach web 1234", ["Known: 'add', 'delete', 'exec', 'list'"]),
]


@pytest.mark.parametrize(("line", "says"), BEGINNERS_REFUSED)
def test_what_beginners_type_is_refused_clearly(line, says):
    with pytest.raises(UnsupportedCommand) as err:
        parse(line)
    for words in says:
        assert words in str(err.value), str(err.value)


@pytest.mark.parametrize(("line", "found"), [
    ("ip a", None), ("ip netns add 'a|b'", None), ("ip netns add 'a;b'", None),
    ("ip link set dev v netns /proc/$$/ns/net", None), ('ip netns add "a b"', None),
    ('ip netns add "a|b"', None), ('ip netns add "$(x)"', "$("), ("ip a|grep x", "|"),
    ("ip netns add a\\;b", None),
])
def test_shell_syntax_outside_quotes_only(line, found):
    assert shell_syntax(line) == found

"""The article's commands typed into cells of a real kernel (%ip, %%ip, lab.sh) build the
same lab as the Python verbs; refused commands change nothing.

The article uses the fixed names test1/test2: the test skips when either exists.
"""

from __future__ import annotations

import json
import subprocess

import nbformat
import pytest
from nbclient import NotebookClient

from nslab import Lab
from nslab.shell import UnsupportedCommand
from tests.conftest import needs_root

pytestmark = [pytest.mark.kernel, needs_root]

# S6-S19 of ARTICLE-STEPS.md, in order, as the article writes them (some with sudo).
ARTICLE = [
    "ip netns add test1", "ip netns list", "sudo ip netns delete test1",       # S6
    "ip netns list",                                                           # S7
    "sudo ip netns add test1", "sudo ip netns add test2",                      # S8
    "ip netns exec test1 ip a",                                                # S9
    "ip link", "ip netns exec test1 ip link",                                  # S10
    "ip netns exec test1 ip link set dev lo up",                               # S11
    "ip link add veth-test1 type veth peer name veth-test2",                   # S12
    "ip link set veth-test1 netns test1",                                      # S13
    "ip link set veth-test2 netns test2",                                      # S14
    "ip netns exec test1 ip addr add 192.168.1.1/24 dev veth-test1",           # S15
    "ip netns exec test2 ip addr add 192.168.1.2/24 dev veth-test2",
    "ip netns exec test1 ip link", "ip netns exec test2 ip link",              # S16
    "ip netns exec test1 ip link set dev veth-test1 up",                       # S17
    "ip netns exec test2 ip link set dev veth-test2 up",
    "ip netns exec test1 ip a", "ip netns exec test2 ip a",                    # S18
    "ip netns exec test1 ping 192.168.1.2", "ip netns exec test2 ping 192.168.1.1",  # S19
]

SHAPE = '''
def shape(snap):
    out = {}
    for ns in snap.lab_only().namespaces:
        out[str(ns.key)] = sorted(
            [lk.name, lk.kind, lk.up, sorted(a.cidr for a in lk.addresses if a.scope != "link"),
             lk.peer and [lk.peer.ns, lk.peer.ifname]]
            for lk in ns.links if ns.key is not None or lk.owned)
    return out
'''


def shape(snap):
    scope: dict = {}
    exec(SHAPE, scope)
    return scope["shape"](snap)


@pytest.fixture
def free_article_names():
    taken = set(subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
                .stdout.split())
    if {"test1", "test2"} & taken:
        pytest.skip("test1/test2 exist already (another test is running the article)")


def test_article_typed_into_cells_equals_the_python_verbs(free_article_names, unique, tmp_path):
    name = f"sh-{unique}"
    cells = [f"from nslab import Lab\nlab = Lab(name={name!r})"]
    cells += [f"%ip {line}" for line in ARTICLE[:-4]]
    cells.append("%%ip\n" + "\n".join(ARTICLE[-4:-2]))  # the cell form, two lines
    cells += [f"lab.sh({line!r})" for line in ARTICLE[-2:]]  # the function form
    cells.append(SHAPE + "import json\nprint(json.dumps({'shape': shape(lab.snapshot()), "
                 "'transcript': list(lab.transcript)}))\nlab.reset()\nlab.journal.delete()")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()  # a real ipykernel; it inherits PYTHONPATH, so this worktree's nslab
    outs = {i: "".join(o.get("text", "") + json.dumps(o.get("data", {}))
                       for o in c.outputs) for i, c in enumerate(nb.cells)}
    assert all("error" != o.get("output_type") for c in nb.cells for o in c.outputs), outs
    text = outs
    # the real `ip` output the article shows, and the drawing after a change
    assert "test1" in text[2]                                  # ip netns list
    assert "lo:" in text[7] and "state DOWN" in text[7]        # S9: only lo, DOWN
    assert "UNKNOWN" not in text[7]
    assert "<svg" in text[5] and "netns test1" in text[5]      # a drawing after S8
    assert "veth-test1@veth-test2" in text[11] or "veth-test1" in text[11]
    assert "192.168.1.1/24" in text[19] and "state UP" in text[19]   # S18
    assert "0% packet loss" in text[21] and "0% packet loss" in text[22]  # S19 both ways
    typed = json.loads(nb.cells[-1].outputs[0]["text"])

    lab = Lab(name=f"py-{unique}")  # the same steps, as Python calls
    try:
        lab.add_netns("test1")
        lab.delete_netns("test1")
        lab.add_netns("test1")
        lab.add_netns("test2")
        lab.set_up("test1", "lo")
        lab.add_veth("veth-test1", "veth-test2")
        lab.move("veth-test1", "test1")
        lab.move("veth-test2", "test2")
        lab.add_addr("test1", "veth-test1", "192.168.1.1/24")
        lab.add_addr("test2", "veth-test2", "192.168.1.2/24")
        lab.set_up("test1", "veth-test1")
        lab.set_up("test2", "veth-test2")
        assert lab.ping("test1", "192.168.1.2").ok
        assert typed["shape"] == json.loads(json.dumps(shape(lab.snapshot())))
        verbs = [c for c in lab.transcript if "ping" not in c]
        assert [c for c in typed["transcript"] if "ping" not in c] == verbs
    finally:
        lab.reset()
        lab.journal.delete()


def test_refused_commands_change_nothing(lab, unique):
    ns = f"sh-{unique}"
    lab.sh(f"ip netns add {ns}")
    before = shape(lab.snapshot())
    said = list(lab.transcript)
    bad = [
        f"ip netns ad {ns}-x",                      # a typo: did you mean 'add'?
        f"ip netns add {ns}-y\nip lnk",             # the second line is bad: the first waits
        f"ip netns exec {ns} bash",                 # not an ip command: the Python call
        f"ip link set veth-{unique} down",          # a link the lab did not make
        "ip link set lo down",                      # the host's loopback
        f"ip netns exec {ns} ping 198.51.100.1",    # an address outside the lab
    ]
    for text in bad:
        with pytest.raises(Exception) as err:
            lab.sh(text)
        assert str(err.value)
    with pytest.raises(UnsupportedCommand, match="Did you mean 'add'"):
        lab.sh(f"ip netns ad {ns}-x")
    with pytest.raises(UnsupportedCommand, match=r"In Python: lab.exec\("):
        lab.sh(f"ip netns exec {ns} bash")
    assert shape(lab.snapshot()) == before
    assert list(lab.transcript) == said
    assert f"{ns}-y" not in lab.list_netns()

"""Panel and Stepper driven headlessly with Button.click(), against the real kernel.

Panel tests use unique names (other developers test on this machine at the same time).
The Stepper plays the article's steps, which use the fixed names test1/test2: those
tests skip when either name is already taken.
"""

from __future__ import annotations

import html
import re
import subprocess

import pytest

from nslab import InvalidAddress, InvalidName, NotFound, StepOrderError, names
from nslab.snapshot import Snapshot
from nslab.tutorial import IP_NETNS, VETH, Tutorial
from nslab.widgets import HOST, Panel, Stepper
from tests.conftest import needs_root

pytestmark = [pytest.mark.kernel, needs_root]


def svg_texts(svg: str) -> list[str]:
    """The text of every <text> element of a graphviz SVG, unescaped (dot writes '-' as
    &#45;)."""
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", svg, re.S)]


def shown(svg: str, text: str) -> bool:
    """True when some text of the drawing contains `text` (labels may add '(new)')."""
    return any(text in t for t in svg_texts(svg))


def shape(snap: Snapshot) -> dict:
    """What the lab holds, without kernel-assigned numbers (inodes, ifindexes, MACs):
    its namespaces, and in each the links it may touch, with state and addresses."""
    out = {}
    for ns in snap.lab_only().namespaces:
        links = {
            lk.name: (lk.kind, lk.up, lk.master, lk.addresses,
                      lk.peer and (lk.peer.ns, lk.peer.ifname))
            for lk in ns.links
            if ns.key is not None or lk.owned  # the host's own links belong to others
        }
        out[ns.key] = links
    return out


def lab_state(lab) -> dict:
    for _ in range(3):  # another developer's namespace may vanish while it is read
        try:
            return shape(lab.snapshot())
        except NotFound:
            continue
    return shape(lab.snapshot())


def out_text(output) -> str:
    return "".join(o.get("text", "") for o in output.outputs)


# ---------------------------------------------------------------- Panel


def test_panel_adds_namespace_and_veth(lab, unique):
    panel = Panel(lab)
    ns, a, b = f"wp-{unique}", f"wa{unique}", f"wb{unique}"

    form = panel.forms["add_netns"]
    form.fields["name"].value = ns
    form.buttons["add namespace"].click()
    assert form.error == ""
    assert ns in lab.list_netns()
    assert shown(panel.svg, f"netns {ns}")
    assert panel.svg in panel.drawing.value  # with the drawing as text under it
    assert f"$ ip netns add {ns}" in out_text(panel.output)
    assert f"namespace {ns} added" in html.unescape(panel.changes_view.value)
    # the dropdowns now offer the new namespace
    assert (ns, ns) in panel.forms["add_veth"].fields["peer_ns"].options
    assert (ns, ns) in panel.forms["delete_netns"].fields["name"].options

    veth = panel.forms["add_veth"]
    veth.fields["name"].value = a
    veth.fields["ns"].value = HOST
    veth.fields["peer"].value = b
    veth.fields["peer_ns"].value = ns
    veth.buttons["add veth"].click()
    assert veth.error == ""
    assert shown(panel.svg, a) and shown(panel.svg, b)
    snap = lab.snapshot()
    assert snap.link(None, a) is not None and snap.link(ns, b) is not None
    assert f"{a} in host" in dict(panel.forms["move"].fields["link"].options)

    # move the host end in, give it an address, bring it up: one click each
    move = panel.forms["move"]
    move.fields["link"].value = (HOST, a)
    move.fields["to"].value = ns
    move.buttons["move"].click()
    assert move.error == ""
    assert f"{a} moved from host to {ns}" in html.unescape(panel.changes_view.value)
    addr = panel.forms["add_addr"]
    addr.fields["link"].value = (ns, a)
    addr.fields["cidr"].value = "10.201.0.1/24"
    addr.buttons["add address"].click()
    state = panel.forms["set_state"]
    state.fields["link"].value = (ns, a)
    state.buttons["set up"].click()
    assert addr.error == state.error == ""
    link = lab.snapshot().link(ns, a)
    assert link.up and any(x.cidr == "10.201.0.1/24" for x in link.addresses)
    assert shown(panel.svg, "10.201.0.1/24")

    transcript = html.unescape(panel.transcript_view.value)
    for command in (f"ip netns add {ns}", f"veth peer name {b} netns {ns}",
                    f"ip link set dev {a} netns {ns}",
                    f"ip netns exec {ns} ip addr add 10.201.0.1/24 dev {a}",
                    f"ip netns exec {ns} ip link set dev {a} up"):
        assert command in transcript


def test_bad_input_shows_library_message_and_changes_nothing(lab, unique):
    panel = Panel(lab)
    ns = f"wq-{unique}"
    lab.add_netns(ns)  # made outside the panel: refresh() must pick it up
    panel.refresh()
    before = lab_state(lab)
    svg_before = panel.svg

    # a bad namespace name: the message appears as it is typed, and again on click
    with pytest.raises(InvalidName) as expected:
        names.check_netns_name("bad name")
    form = panel.forms["add_netns"]
    form.fields["name"].value = "bad name"
    assert form.error == str(expected.value)
    form.buttons["add namespace"].click()
    assert form.error == str(expected.value)
    assert str(expected.value) in form.message.value  # shown under the add_netns row
    assert all(f.error == "" for v, f in panel.forms.items() if v != "add_netns")
    assert lab_state(lab) == before

    # a bad veth name (16 bytes) and a bare address without a prefix
    veth = panel.forms["add_veth"]
    veth.fields["name"].value = "x" * 16
    veth.fields["peer"].value = f"wz{unique}"
    veth.buttons["add veth"].click()
    with pytest.raises(InvalidName) as expected:
        names.check_ifname("x" * 16)
    assert veth.error == str(expected.value)
    assert form.error == ""  # each click clears the other forms' messages

    addr = panel.forms["add_addr"]
    addr.fields["link"].value = (ns, "lo")
    addr.fields["cidr"].value = "10.0.0.1"
    addr.buttons["add address"].click()
    with pytest.raises(InvalidAddress) as expected:
        names.check_interface_address("10.0.0.1")
    assert addr.error == str(expected.value)
    assert "ip addr add" not in str(lab.transcript)
    assert lab_state(lab) == before
    assert shape(panel.snapshot) == before  # what the panel drew after the failed clicks
    assert not panel.changes  # and it marks nothing as changed
    assert svg_before != ""
    assert out_text(panel.output) == ""


def test_failed_verb_redraws_the_true_state(lab, unique):
    panel = Panel(lab)
    ns = f"wr-{unique}"
    form = panel.forms["add_netns"]
    form.fields["name"].value = ns
    form.buttons["add namespace"].click()
    assert shown(panel.svg, f"netns {ns}")

    lab.delete_netns(ns)  # behind the panel's back: its dropdowns still offer ns
    bridge = panel.forms["add_bridge"]
    bridge.fields["ns"].value = ns
    bridge.fields["name"].value = "br0"
    bridge.buttons["add bridge"].click()
    assert f"Namespace {ns!r} does not exist" in bridge.error
    # redrawn from the kernel anyway: ns is gone (at most a faded ghost of it remains)
    assert panel.snapshot.ns(ns) is None
    assert shown(panel.svg, ns)
    assert (ns, ns) not in panel.forms["add_bridge"].fields["ns"].options
    assert f"namespace {ns} removed" in html.unescape(panel.changes_view.value)


def test_panel_buttons_need_something_to_act_on(lab):
    panel = Panel(lab)
    assert panel.forms["delete_netns"].buttons["delete namespace"].disabled
    assert not panel.forms["add_netns"].buttons["add namespace"].disabled


# ---------------------------------------------------------------- Stepper


@pytest.fixture
def tutorial(lab):
    taken = set(subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
                .stdout.split())
    busy = sorted({"test1", "test2"} & taken)
    if busy:
        pytest.skip(f"namespace {', '.join(busy)} exists already (another test or user is "
                    "running the article's steps, which use these fixed names)")
    return Tutorial(lab, {**IP_NETNS, **VETH})


def test_stepper_runs_steps_and_back_restores(tutorial):
    lab = tutorial.lab
    stepper = Stepper(tutorial)
    assert stepper.choice.value == "S6"
    assert "S6" in stepper.heading.value and "ip netns add test1" in stepper.command.value

    stepper.choice.value = "S8"
    stepper.run_button.click()
    assert stepper.error == ""
    assert tutorial.done == ["S8"]
    assert shown(stepper.svg, "netns test1") and shown(stepper.svg, "netns test2")
    assert "namespace test1 added" in html.unescape(stepper.changes_view.value)
    assert "test1" in out_text(stepper.output)  # `ip netns list`
    assert stepper.choice.value == "S9"  # the cursor moves on

    stepper.choice.value = "S12"
    stepper.run_button.click()
    assert stepper.error == ""
    assert stepper.choice.value == "S13"
    assert shown(stepper.svg, "veth-test1") and shown(stepper.svg, "veth-test2")
    before_s13 = lab_state(lab)

    stepper.run_button.click()  # S13
    assert stepper.error == ""
    assert tutorial.done == ["S8", "S12", "S13"]
    assert lab.snapshot().link("test1", "veth-test1") is not None
    assert "veth-test1 moved from host to test1" in html.unescape(stepper.changes_view.value)
    assert lab_state(lab) != before_s13

    stepper.back_button.click()
    assert stepper.error == ""
    assert tutorial.done == ["S8", "S12"]
    assert lab_state(lab) == before_s13  # rebuilt from a clean lab, as before S13
    assert lab.snapshot().link(None, "veth-test1") is not None
    assert stepper.choice.value == "S13"
    assert "veth-test1" in html.unescape(stepper.changes_view.value)

    stepper.reset_button.click()
    assert tutorial.done == []
    assert stepper.snapshot.ns("test1") is None
    assert "namespace test1 removed" in html.unescape(stepper.changes_view.value)
    assert not ({"test1", "test2"} & set(lab.list_netns()))
    assert stepper.back_button.disabled


def test_stepper_out_of_order_shows_the_error(tutorial):
    lab = tutorial.lab
    stepper = Stepper(tutorial)
    before = lab_state(lab)
    with pytest.raises(StepOrderError) as expected:
        tutorial.run("S13")  # the library's own message; it checks before touching anything
    assert tutorial.done == []

    stepper.choice.value = "S13"
    stepper.run_button.click()  # must not raise
    assert stepper.error == str(expected.value)
    assert "run step S8 first" in stepper.error  # the earliest missing one
    assert str(expected.value) in stepper.message.value
    assert tutorial.done == []
    assert lab_state(lab) == before

    stepper.back_button.click()  # nothing to go back from: said, not raised
    assert "nothing to go back" in stepper.error


def test_stepper_follows_the_kernel_in_any_order(tutorial):
    lab = tutorial.lab
    stepper = Stepper(tutorial)
    lab.add_netns("test1")  # notebook cells, behind the Stepper's back
    lab.add_netns("test2")
    lab.add_veth("veth-test1", "veth-test2")
    stepper.refresh()
    assert tutorial.done == ["S8", "S12"]
    assert "S8, S12" in stepper.progress.value
    for step in ("S13", "S14", "S15", "S17", "S19"):
        stepper.choice.value = step
        stepper.run_button.click()
        assert stepper.error == "", step
    assert "1 received" in out_text(stepper.output)
    assert tutorial.done[-3:] == ["S15", "S17", "S19"]

    stepper.back_button.click()  # S19 only showed; the last step that changed is S17
    changes = html.unescape(stepper.changes_view.value)
    assert stepper.error == "" and "S17 undone" in changes
    assert "MAC" not in changes and "fe80" not in changes  # no churn, by inverse calls
    assert not lab.snapshot().link("test1", "veth-test1").up
    assert stepper.choice.value == "S17"
    stepper.back_button.click()
    changes = html.unescape(stepper.changes_view.value)
    assert "S15 undone" in changes and "192.168.1.1/24" in changes and "MAC" not in changes
    assert lab.snapshot().link("test1", "veth-test1").addresses == ()
    assert "S15" not in tutorial.done and "S14" in tutorial.done

    lab.reset()  # the notebook's last cell, behind its back: the Stepper claims nothing
    stepper.refresh()
    assert tutorial.done == [] and "none yet" in stepper.progress.value


def test_run_step_after_run_all_reset_runs_the_earlier_notebooks_step(tutorial):
    lab = tutorial.lab
    lab.add_netns("test1")
    lab.add_netns("test2")
    veth = Tutorial(lab, VETH)  # notebook 03: S8 belongs to notebook 02
    stepper = Stepper(veth)
    assert stepper.choice.value == "S12"
    lab.reset()  # Run All ends with lab.reset()
    stepper.run_button.click()
    assert stepper.error == ""
    assert "Ran S8 first" in out_text(stepper.output)
    assert veth.done == ["S12"] and set(lab.list_netns()) >= {"test1", "test2"}
    assert stepper.choice.value == "S13"
    veth.mark_done("S16")  # a show step marked by hand counts only while S15 holds
    assert "S16" not in veth.done
    with pytest.raises(NotFound, match="no step 'S99'"):
        veth.mark_done("S99")

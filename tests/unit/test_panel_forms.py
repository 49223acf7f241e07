"""The Panel's forms come from the verb declarations (nslab.verbspec): a form for each
verb the declarations offer, with a field for each parameter the form asks for, a
button that calls that one Lab method with them, and an error shown with its fix taken
from the error's fields. No kernel: the lab here is a stand-in that records its calls."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

import nslab
from nslab import Lab, verbspec
from nslab.errors import NotFound
from nslab.snapshot import Link, Namespace, Snapshot
from nslab.widgets import HOST, NOMASTER, PANEL_BUTTONS, Panel


def _link(name: str, kind: str = "veth") -> Link:
    return Link(name, 1, kind, False, "DOWN", False, "00:00:00:00:00:00", 1500, owned=True)


SNAP = Snapshot((
    Namespace(None, "host", 1, links=(_link("veth-a"),)),
    Namespace("test1", "named", 2, links=(_link("veth-b"), _link("br0", "bridge")), owned=True),
))


class FakeLab:
    """What the Panel uses of a Lab: name, transcript, snapshot(), and the verbs."""

    name = "fake"

    def __init__(self, fail: Exception | None = None) -> None:
        self.calls: list[tuple[str, tuple, dict]] = []
        self.transcript: list[str] = []
        self.fail = fail

    def snapshot(self) -> Snapshot:
        return SNAP

    def __getattr__(self, verb: str):
        if verb not in verbspec.VERBS and verb not in verbspec.PANEL_ONLY:
            raise AttributeError(verb)

        def call(*args, **kwargs):
            self.calls.append((verb, args, kwargs))
            if self.fail is not None:
                raise self.fail

        return call


@pytest.fixture
def english():
    nslab.set_language("en")
    yield
    nslab.set_language(None)


def test_a_form_for_each_offered_verb_with_fields_equal_to_its_parameters(english):
    panel = Panel(FakeLab())
    offered = verbspec.panel_verbs()
    assert {v.form_key for v in offered} == set(panel.forms)
    for verb in offered:
        form = panel.forms[verb.form_key]
        layout = verbspec.panel_fields(verb)
        assert list(form.fields) == list(layout), verb.name
        asked = {name for params in layout.values() for name in params}
        shown = {p.name for p in verb.params if p.ui}
        linked = any(p.ui == "link" for p in verb.params)
        # the fields give the parameters the declaration shows (a link field gives the
        # verb's scope too); every other one has a default (force, src, timeout)
        assert asked == shown | ({verb.scope} if linked else set()), verb.name
        assert all(not p.required for p in verb.params if p.name not in asked), verb.name
        assert verb.panel.button in form.buttons
        for name, w in form.fields.items():  # an accessible name in the form's words
            assert w.description.endswith(nslab.messages.say(f"panel.field.{name}"))
            assert f"nslab-{verb.form_key}-{name}" in w._dom_classes
    assert [k for k in panel.forms][:3] == ["add_netns", "delete_netns", "add_veth"]
    assert set(PANEL_BUTTONS) == {v.panel.button for v in offered}


def test_the_offered_verbs_are_lab_methods_and_their_declarations_match():
    for verb in verbspec.panel_verbs():
        sig = inspect.signature(getattr(Lab, verb.name))
        assert [p.name for p in verb.params] == [p for p in sig.parameters if p != "self"]
        for p in verb.params:
            assert not p.ui or p.ui in verbspec.UI, p


def test_dropdowns_are_filled_from_the_snapshot():
    panel = Panel(FakeLab())
    f = panel.forms
    assert f["move"].fields["link"].options == (("veth-a in host", (HOST, "veth-a")),
                                                 ("veth-b in test1", ("test1", "veth-b")),
                                                 ("br0 in test1", ("test1", "br0")))
    assert f["delete_netns"].fields["name"].options == (("test1", "test1"),)
    assert f["add_veth"].fields["peer_ns"].options == (("host", HOST), ("test1", "test1"))
    assert f["exec"].fields["ns"].options == (("test1", "test1"),)  # not the host
    assert f["set_master"].fields["master"].options == (("nomaster", NOMASTER),
                                                        ("br0 in test1", "br0"))


def test_each_button_makes_one_call_with_the_fields_as_arguments():
    lab = FakeLab()
    panel = Panel(lab)
    f = panel.forms
    f["add_netns"].fields["name"].value = "test2"
    f["add_netns"].buttons["add namespace"].click()
    veth = f["add_veth"].fields
    veth["name"].value, veth["peer"].value = "v1", "v2"
    veth["peer_ns"].value = "test1"
    f["add_veth"].buttons["add veth"].click()
    f["move"].fields["link"].value = (HOST, "veth-a")
    f["move"].fields["to"].value = "test1"
    f["move"].buttons["move"].click()
    f["add_addr"].fields["link"].value = ("test1", "veth-b")
    f["add_addr"].fields["cidr"].value = "10.0.0.1/24"
    f["add_addr"].buttons["add address"].click()
    f["set_state"].fields["link"].value = ("test1", "veth-b")
    f["set_state"].buttons["set down"].click()
    f["set_master"].fields["link"].value = ("test1", "veth-b")
    f["set_master"].buttons["set master"].click()  # nomaster is chosen first
    f["ping"].fields["target"].value = "10.0.0.2"
    f["ping"].buttons["ping"].click()
    f["exec"].fields["command"].value = "ip a"
    f["exec"].buttons["run"].click()
    f["reset"].buttons["reset lab"].click()
    assert lab.calls == [
        ("add_netns", ("test2",), {}),
        ("add_veth", ("v1", "v2"), {"ns": None, "peer_ns": "test1"}),
        ("move", ("veth-a", "test1"), {"src": None}),
        ("add_addr", ("test1", "veth-b", "10.0.0.1/24"), {}),
        ("set_down", ("test1", "veth-b"), {}),
        ("set_master", ("test1", "veth-b", None), {}),
        ("ping", (None, "10.0.0.2"), {}),
        ("exec", ("test1", "ip a"), {}),
        ("reset", (), {}),
    ]


def test_an_error_is_shown_with_its_fix_from_the_error_fields(english):
    err = NotFound("There is no namespace 'test9'. Create it first.", obj="test9",
                   **verbspec.fix("add_netns", "test9"))
    panel = Panel(FakeLab(fail=err))
    form = panel.forms["add_netns"]
    form.fields["name"].value = "test9"
    form.buttons["add namespace"].click()
    assert form.error.startswith("There is no namespace 'test9'.")
    shown = form.message.value
    assert 'role="alert"' in shown
    assert "<code>lab.add_netns(&#x27;test9&#x27;)</code>" in shown or \
        "<code>lab.add_netns('test9')</code>" in shown
    assert "<code>ip netns add test9</code>" in shown


def test_an_error_without_a_fix_shows_only_its_sentence(english):
    panel = Panel(FakeLab(fail=ValueError("bad")))
    form = panel.forms["add_netns"]
    form.fields["name"].value = "x"
    form.buttons["add namespace"].click()
    assert form.error == "ValueError: bad"
    assert "<code>" not in form.message.value


def test_the_fix_line_speaks_the_notebooks_language():
    """Panel and Stepper show an error the same way (widgets._error_html): the sentence,
    then the fix from the error's fields, in the notebook's language; <, & escaped."""
    from nslab.widgets import _error_html

    err = NotFound("No 'a<b'.", obj="a<b", fix_call="lab.add_netns('a<b')",
                   fix_ip="ip netns add 'a<b'")
    nslab.set_language("zh_CN")
    try:
        shown = _error_html(str(err), err)
    finally:
        nslab.set_language(None)
    assert "修正方法：<code>lab.add_netns('a&lt;b')</code>" in shown
    assert "或  <code>ip netns add 'a&lt;b'</code>" in shown
    assert "No 'a&lt;b'." in shown
    only_call = NotFound("x", fix_call="lab.run_container('web')")
    nslab.set_language("en")
    try:
        assert "Fix: <code>lab.run_container('web')</code></div>" in _error_html("x", only_call)
    finally:
        nslab.set_language(None)


def test_a_verb_declared_with_an_offer_gets_its_form(monkeypatch):
    """Adding a verb to the declarations adds its form: no widget code names it."""
    old = verbspec.VERBS["del_addr"]
    cidr = dataclasses.replace(old.param("cidr"), ui="cidr", example="192.168.1.1/24")
    spec = dataclasses.replace(
        old, params=tuple(cidr if p.name == "cidr" else p for p in old.params),
        form="ip addr del", panel=verbspec.Offer("set up", "panel.button.set_up", 4.5))
    monkeypatch.setitem(verbspec.VERBS, "del_addr", spec)
    lab = FakeLab()
    panel = Panel(lab)
    form = panel.forms["del_addr"]
    assert list(form.fields) == ["link", "cidr"]
    assert list(panel.forms).index("del_addr") == list(panel.forms).index("add_addr") + 1
    form.fields["link"].value = ("test1", "veth-b")
    form.fields["cidr"].value = "10.0.0.1/24"
    form.buttons["set up"].click()
    assert lab.calls == [("del_addr", ("test1", "veth-b", "10.0.0.1/24"), {})]

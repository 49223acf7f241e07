"""One declaration per Lab verb that changes the kernel (pure: no kernel, no I/O).

Each `Verb` says, once:

- its parameters (names, defaults, which are keyword-only), so a call can be bound
  (`bind`) and written as Python (`python`);
- its `ip` command as a template (`forms`), the ONE renderer (`render_ip`) and the
  ONE reader (`parse_ip`) of that command;
- its inverse (the call that undoes it, for the Stepper's Back), its effect (what the
  kernel shows after it, for "is this step done?");
- whether a run of it can be batched (`Lab.apply`), whether exercise files may use it,
  and its ownership rule (which refusal it raises on an object the lab did not create);
- its Panel form (`Offer`, and each parameter's `ui`): the control of each parameter,
  its example, the button, the form's place; `panel_verbs` lists what the Panel offers.

Derived from it: `_batch.py` (the planner's signatures and `ip` text),
`exercises/_schema.py` (the signature mirror), `tutorial.py` (inverse and effect),
`shell.py` (`%ip`), the Panel's forms (`widgets.py`), `_kernel.py`'s refusal sentences
and `diagnosis.py`'s fixes.

Template words: a literal (`link`), a value (`{ifname}`, or a word that holds one, as in
`net.ipv4.ip_forward={on}`), and trailing optional groups (`[via {via}]`), which the
reader takes in any order, as `ip` does. The namespace a command runs in (`scope`) is
written `ip netns exec NS ...` in front.
"""

from __future__ import annotations

import functools
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

NsKey = str | None
Call = tuple[str, tuple, dict]
Bound = dict[str, Any]

# How a script names the host as the target of `ip link set ... netns X`: the script's
# own namespace (bash fills in its PID). `netns 1` would be PID 1's namespace, which is
# not the host inside the rootless sandbox.
HOST_NETNS = "/proc/$$/ns/net"


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


@dataclass(frozen=True)
class Same:
    """A default that is the value of another parameter (add_veth's peer_ns: where NAME goes)."""

    param: str


@dataclass(frozen=True)
class Param:
    """One parameter of a verb, in the verb's own order.

    kind: "name" (a word: namespace or link name), "ns" (a namespace key; the target
    of `netns`, None is the host), "bool01" (True/False written 1/0), "int", "text".
    ui: the Panel's control for it (one of UI; "" : the Panel does not ask for it),
    example: the text field's placeholder, field: the form field's key (the name if "").
    """

    name: str
    kind: str = "name"
    default: Any = REQUIRED
    keyword: bool = False
    meta: str = ""  # how a usage line shows it ("NAME"); the name in capitals if empty
    ui: str = ""
    example: str = ""
    field: str = ""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def shown(self) -> str:
        return self.meta or self.name.upper()


# The Panel's controls (Param.ui): what each shows and where its choices come from.
UI = {
    "ns": "a dropdown: the host, then the lab's namespaces",
    "lab_ns": "a dropdown of the lab's own namespaces (not the host)",
    "netns": "a dropdown of the lab's named namespaces",
    "link": "a dropdown of the lab's links; it gives the link's name and the verb's scope",
    "bridge": "a dropdown: nomaster, then the lab's bridges",
    "new_netns": "text: the name of a new namespace",
    "new_link": "text: the name of a new link",
    "cidr": "text: an address with its prefix",
    "addr": "text: an address",
    "text": "text",
}


@dataclass(frozen=True)
class Offer:
    """How the Panel offers a verb: its button (the key, also its CSS class and tests'
    handle) and the message of its label, the form's place among the Panel's forms, the
    form's key (verbs with the same key share one form and its fields, a button each:
    set_up and set_down), and its fields' order (default: the parameters' order)."""

    button: str
    label: str
    place: float
    form: str = ""
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class Form:
    """One way the verb is written in `ip` syntax; `fixed` are values this form implies
    (set_master's `nomaster` is master=None)."""

    template: str
    fixed: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class Effect:
    """One thing a verb leaves in the kernel: see tutorial.Expect (what, ns, ifname, cidr);
    `key` says which later effect replaces it."""

    key: tuple
    what: str
    ns: NsKey = None
    ifname: str = ""
    cidr: str = ""


@dataclass(frozen=True)
class Verb:
    name: str
    params: tuple[Param, ...]
    forms: tuple[Form, ...] = ()  # () : no single `ip` command (a container)
    scope: str | None = None  # the parameter written as `ip netns exec NS` in front
    inverse: Callable[[Bound, Callable[[str], list[NsKey]]], Call | None] | None = None
    effect: Callable[[Bound], tuple[Effect, ...]] | None = None
    cancels: Callable[[Bound], tuple] | None = None  # the effect key it removes
    batch: bool = False
    exercise: bool = False  # exercise files may call it (exercises/_schema.py)
    form: str = ""  # the Panel form's label
    panel: Offer | None = None  # how the Panel offers it (None: it does not)
    owner: tuple[tuple[str, str], ...] = ()  # (object kind, refusal action) it checks
    makes: tuple[tuple[str, str], ...] = ()  # ("netns"|"link", the parameter naming it)

    def __post_init__(self) -> None:  # look-ups the hot paths (a batch) need, made once
        object.__setattr__(self, "_by_name", {p.name: p for p in self.params})
        object.__setattr__(self, "_positional",
                           tuple(p.name for p in self.params if not p.keyword))

    def param(self, name: str) -> Param:
        return _by_name(self)[name]

    @property
    def form_key(self) -> str:
        """The key of its Panel form (`Panel.forms[...]`)."""
        return (self.panel.form if self.panel else "") or self.name


def _by_name(verb: Verb) -> dict[str, Param]:
    return verb.__dict__["_by_name"]


# ---------------------------------------------------------------- the declarations

_FORCE = Param("force", "bool", False, keyword=True)


def _p(name: str, kind: str = "name", default: Any = REQUIRED, *, keyword: bool = False,
       meta: str = "", ui: str = "", example: str = "", field: str = "") -> Param:
    return Param(name, kind, default, keyword, meta, ui, example, field)


def _one(verb: str, *args: Any, **kwargs: Any) -> Call:
    return (verb, args, kwargs)


def _veth_inverse(b: Bound, where: Callable[[str], list[NsKey]]) -> Call | None:
    found = where(b["name"])
    return _one("delete_link", found[0], b["name"]) if found else None


_NS = _p("ns", meta="NS", ui="ns")
_IFNAME = _p("ifname", meta="NAME", ui="link")

VERBS: dict[str, Verb] = {v.name: v for v in (
    Verb("add_netns", (_p("name", ui="new_netns", example="test1"),),
         (Form("ip netns add {name}"),),
         inverse=lambda b, w: _one("delete_netns", b["name"]),
         effect=lambda b: (Effect(("ns", b["name"]), "netns", b["name"]),),
         batch=True, exercise=True, form="ip netns add",
         panel=Offer("add namespace", "panel.button.add_namespace", 0),
         makes=(("netns", "name"),)),
    Verb("delete_netns", (_p("name", ui="netns"), _FORCE), (Form("ip netns delete {name}"),),
         cancels=lambda b: ("ns", b["name"]), form="ip netns delete",
         panel=Offer("delete namespace", "panel.button.delete_namespace", 1)),
    Verb("set_up", (_NS, _IFNAME, _FORCE), (Form("ip link set dev {ifname} up"),), "ns",
         inverse=lambda b, w: _one("set_down", b["ns"], b["ifname"]),
         effect=lambda b: (Effect(("state", b["ns"], b["ifname"]), "up", b["ns"], b["ifname"]),),
         batch=True, exercise=True, form="ip link set",
         panel=Offer("set up", "panel.button.set_up", 5, "set_state"),
         owner=(("link", "up"),)),
    Verb("set_down", (_NS, _IFNAME, _FORCE), (Form("ip link set dev {ifname} down"),), "ns",
         inverse=lambda b, w: _one("set_up", b["ns"], b["ifname"]),
         effect=lambda b: (Effect(("state", b["ns"], b["ifname"]), "down", b["ns"],
                                  b["ifname"]),),
         batch=True, exercise=True, form="ip link set",
         panel=Offer("set down", "panel.button.set_down", 5, "set_state"),
         owner=(("link", "down"),)),
    Verb("add_veth",
         (_p("name", ui="new_link", example="veth-test1"),
          _p("peer", ui="new_link", example="veth-test2"),
          _p("ns", "ns", None, keyword=True, ui="ns"),
          _p("peer_ns", "ns", Same("ns"), keyword=True, ui="ns"), _FORCE),
         (Form("ip link add name {name} type veth peer name {peer} [netns {peer_ns}]"),),
         "ns", inverse=_veth_inverse,
         effect=lambda b: tuple(Effect(("link", n), "link", ifname=n)
                                for n in (b["name"], b["peer"])),
         batch=True, exercise=True, form="ip link add veth",
         panel=Offer("add veth", "panel.button.add_veth", 2,
                     fields=("name", "ns", "peer", "peer_ns")),
         owner=(("netns", "add_veth"),), makes=(("link", "name"), ("link", "peer"))),
    Verb("delete_link", (_NS, _IFNAME, _FORCE), (Form("ip link delete dev {ifname}"),), "ns",
         exercise=True, form="ip link delete",
         panel=Offer("delete link", "panel.button.delete_link", 9),
         owner=(("link", "delete"),)),
    Verb("move", (_IFNAME, _p("ns", "ns", ui="ns", field="to"),
                  _p("src", "ns", None, keyword=True), _FORCE),
         (Form("ip link set dev {ifname} netns {ns}"),), "src",
         inverse=lambda b, w: _one("move", b["ifname"], b["src"], src=b["ns"]),
         effect=lambda b: (Effect(("where", b["ifname"]), "in", b["ns"], b["ifname"]),),
         exercise=True, form="ip link set netns",
         panel=Offer("move", "panel.button.move", 3),
         owner=(("link", "move"), ("netns", "move_into"))),
    Verb("add_addr", (_NS, _IFNAME, _p("cidr", ui="cidr", example="192.168.1.1/24"), _FORCE),
         (Form("ip addr add {cidr} dev {ifname}"),), "ns",
         inverse=lambda b, w: _one("del_addr", b["ns"], b["ifname"], b["cidr"]),
         effect=lambda b: (Effect(("addr", b["ns"], b["ifname"], b["cidr"]), "addr", b["ns"],
                                  b["ifname"], b["cidr"]),),
         batch=True, exercise=True, form="ip addr add",
         panel=Offer("add address", "panel.button.add_address", 4),
         owner=(("link", "add_addr"),)),
    Verb("del_addr", (_NS, _IFNAME, _p("cidr"), _FORCE),
         (Form("ip addr del {cidr} dev {ifname}"),), "ns",
         inverse=lambda b, w: _one("add_addr", b["ns"], b["ifname"], b["cidr"]),
         exercise=True, owner=(("link", "del_addr"),)),
    Verb("add_bridge", (_NS, _p("name", ui="new_link", example="br0"), _FORCE),
         (Form("ip link add name {name} type bridge"),),
         "ns", inverse=lambda b, w: _one("delete_link", b["ns"], b["name"]),
         effect=lambda b: (Effect(("where", b["name"]), "in", b["ns"], b["name"]),),
         exercise=True, form="ip link add bridge",
         panel=Offer("add bridge", "panel.button.add_bridge", 7),
         owner=(("netns", "add_bridge"),),
         makes=(("link", "name"),)),
    Verb("set_master", (_NS, _IFNAME, _p("master", meta="BR", ui="bridge"), _FORCE),
         (Form("ip link set dev {ifname} nomaster", (("master", None),)),
          Form("ip link set dev {ifname} master {master}")), "ns",
         exercise=True, form="ip link set master",
         panel=Offer("set master", "panel.button.set_master", 8),
         owner=(("link", "set_master"), ("link", "use_as_bridge"))),
    Verb("add_route",
         (_NS, _p("dst"), _p("via", default=None, keyword=True, meta="GW"),
          _p("dev", default=None, keyword=True, meta="NAME"), _FORCE),
         (Form("ip route add {dst} [via {via}] [dev {dev}]"),), "ns",
         exercise=True, owner=(("netns", "add_route"), ("link", "route_dev"))),
    Verb("set_forwarding", (_NS, _p("on", "bool01", True)),
         (Form("sysctl -w net.ipv4.ip_forward={on}"),), "ns", exercise=True),
    Verb("run_container", (_p("name"), _p("image", "text", "busybox", keyword=True)),
         inverse=lambda b, w: _one("stop_container", b["name"]),
         effect=lambda b: (Effect(("ns", "@" + b["name"]), "netns", "@" + b["name"]),)),
    Verb("stop_container", (_p("name"),)),
    # Notebook 05's NAT verbs. No `ip` form: they are `nft` commands, which the templates
    # cannot write (the rule is one shell word holding nft's own quotes: `oifname
    # "uplink"`) and %ip does not read; the transcript (nat.py) writes up to three of
    # them, the table `ip nslab` and its chain only when the namespace lacks them. One
    # form would need an nft renderer and reader of its own (one `nft 'add table ...;
    # add chain ...; add rule ...'` replays to the same state, `add` being idempotent).
    # No inverse: no Lab verb removes one rule (it goes with its namespace: delete_netns,
    # reset). No effect: the snapshot shows the rules (`Namespace.nat_rules`, as `nft`
    # prints them), but the tutorial's Expect has no kind for a rule, and no tutorial
    # step uses NAT.
    Verb("enable_masquerade", (_NS, _p("out_ifname", meta="NAME")), scope="ns"),
    Verb("publish_port",
         (_NS, _p("host_port", "int", meta="PORT"), _p("container_addr", "text", meta="ADDR"),
          _p("container_port", "int", meta="PORT"),
          _p("proto", "text", "tcp", keyword=True, meta="PROTO")), scope="ns"),
)}

# Lab calls the Panel offers besides the verbs above: a read (exec), a ping, and the
# journal's undo (reset). None changes the kernel the way a verb does, so none has an
# `ip` form, an inverse or an effect here; only their parameters and Panel forms.
PANEL_ONLY: dict[str, Verb] = {v.name: v for v in (
    Verb("ping", (_p("ns", "ns", ui="ns"), _p("target", "text", ui="addr", example="192.168.1.2"),
                  _p("count", "int", 1, keyword=True), _p("timeout", "text", 2.0, keyword=True)),
         scope="ns", form="ping",
         panel=Offer("ping", "panel.button.ping", 6)),
    Verb("exec", (_p("ns", "ns", ui="lab_ns"), _p("command", "text", ui="text", example="ip a"),
                  _p("timeout", "text", 30, keyword=True)),
         scope="ns", form="ip netns exec",
         panel=Offer("run", "panel.button.run", 10)),
    Verb("reset", (), form="lab.reset()",
         panel=Offer("reset lab", "panel.button.reset_lab", 11)),
)}


def panel_verbs() -> list[Verb]:
    """The verbs the Panel offers, in its forms' order (verbs sharing a form together)."""
    offered = [v for v in (*VERBS.values(), *PANEL_ONLY.values()) if v.panel is not None]
    return sorted(offered, key=lambda v: v.panel.place)  # type: ignore[union-attr]


def panel_fields(verb: Verb) -> dict[str, tuple[str, ...]]:
    """The fields of VERB's Panel form, in order: field key -> the parameters it gives
    (a `link` field gives the link's name and the verb's scope, its namespace)."""
    linked = any(p.ui == "link" for p in verb.params)
    out: dict[str, tuple[str, ...]] = {}
    for p in verb.params:
        if not p.ui or (linked and p.name == verb.scope and p.ui != "link"):
            continue  # not asked, or the scope a link field gives
        if p.ui == "link":
            out[p.field or "link"] = (verb.scope, p.name) if verb.scope else (p.name,)
        else:
            out[p.field or p.name] = (p.name,)
    order = verb.panel.fields if verb.panel else ()
    return {k: out[k] for k in (*order, *(k for k in out if k not in order))}

# Why the lab refuses to act on what it did not create: (object kind, action) -> the
# message key. The verbs' own actions are declared above (`owner`); the rest are the
# other readers and users of a link.
REFUSALS: dict[tuple[str, str], str] = {
    ("netns", "add_veth"): "netns.not_owned.add_veth",
    ("netns", "move_into"): "netns.not_owned.move_into",
    ("netns", "add_bridge"): "netns.not_owned.add_bridge",
    ("netns", "add_route"): "netns.not_owned.add_route",
    ("link", "up"): "link.not_owned.up",
    ("link", "down"): "link.not_owned.down",
    ("link", "delete"): "link.not_owned.delete",
    ("link", "move"): "link.not_owned.move",
    ("link", "add_addr"): "link.not_owned.add_addr",
    ("link", "del_addr"): "link.not_owned.del_addr",
    ("link", "set_master"): "link.not_owned.set_master",
    ("link", "use_as_bridge"): "link.not_owned.use_as_bridge",
    ("link", "route_dev"): "link.not_owned.route_dev",
    ("link", "capture"): "link.not_owned.capture",
    ("link", "read"): "link.not_owned.read",
}


def refusal_key(kind: str, action: str) -> str:
    """The message key that says why the lab will not ACT on a KIND it did not create."""
    return REFUSALS[(kind, action)]


# ---------------------------------------------------------------- binding and Python text


def bind(verb: str, args: Sequence[Any] = (), kwargs: dict[str, Any] | None = None) -> Bound:
    """Every parameter's value, as the verb would bind them (defaults filled in).
    TypeError when the verb would not accept these arguments."""
    spec = VERBS[verb]
    positional = _positional(spec)
    if len(args) > len(positional):
        raise TypeError(f"{verb}() takes {len(positional)} positional arguments")
    out: Bound = dict(zip(positional, args, strict=False))
    for name, value in (kwargs or {}).items():
        if name in out or name not in _by_name(spec):
            raise TypeError(f"{verb}() got an unexpected or repeated argument {name!r}")
        out[name] = value
    for p in spec.params:
        if p.name in out:
            continue
        if p.required:
            raise TypeError(f"{verb}() missing argument {p.name!r}")
        out[p.name] = out[p.default.param] if isinstance(p.default, Same) else p.default
    return {p.name: out[p.name] for p in spec.params}


def _positional(verb: Verb) -> tuple[str, ...]:
    return verb.__dict__["_positional"]


def _default(p: Param, b: Bound) -> Any:
    return b[p.default.param] if isinstance(p.default, Same) else p.default


def _given(p: Param, b: Bound) -> bool:
    """Whether an optional parameter differs from its default (so it must be written)."""
    return not p.required and b[p.name] != _default(p, b)


def canonical(verb: str, args: Sequence[Any] = (), kwargs: dict[str, Any] | None = None
              ) -> Call:
    """The call in one normal form: every positional parameter by position, keyword-only
    ones only when they differ from their default. Two calls that do the same compare equal."""
    b = bind(verb, args, kwargs)
    spec = VERBS[verb]
    pos = tuple(b[p.name] for p in spec.params if not p.keyword)
    # trailing positional defaults are left out (set_forwarding('r') is set_forwarding('r', True))
    params = [p for p in spec.params if not p.keyword]
    while params and not params[-1].required and not _given(params[-1], b):
        params.pop()
        pos = pos[:-1]
    kw = {p.name: b[p.name] for p in spec.params if p.keyword and _given(p, b)}
    return (verb, pos, kw)


def python(verb: str, args: Sequence[Any] = (), kwargs: dict[str, Any] | None = None) -> str:
    """The call as Python text on `lab`: "lab.add_veth('a', 'b', peer_ns='test2')".
    Positional parameters are all written (set_forwarding('r', True)), keyword-only ones
    only when they differ from their default."""
    b = bind(verb, args, kwargs)
    spec = VERBS[verb]
    parts = [repr(b[p.name]) for p in spec.params if not p.keyword]
    parts += [f"{p.name}={b[p.name]!r}" for p in spec.params if p.keyword and _given(p, b)]
    return f"lab.{verb}({', '.join(parts)})"


# ---------------------------------------------------------------- the `ip` command


@dataclass(frozen=True)
class _Word:
    text: str  # a literal, or the text around the value: "net.ipv4.ip_forward=" + "{on}"
    param: str = ""  # "" for a literal
    suffix: str = ""


@functools.cache
def _words(template: str) -> tuple[tuple[_Word, ...], tuple[tuple[str, str], ...]]:
    """A template's fixed words, and its optional groups as (keyword, parameter)."""
    fixed: list[_Word] = []
    groups: list[tuple[str, str]] = []
    tokens = template.split()
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.startswith("["):
            groups.append((t[1:], tokens[i + 1].strip("{}]")))
            i += 2
            continue
        if "{" in t:
            head, rest = t.split("{", 1)
            name, tail = rest.split("}", 1)
            fixed.append(_Word(head, name, tail))
        else:
            fixed.append(_Word(t))
        i += 1
    return tuple(fixed), tuple(groups)


def default_enter(ns: NsKey) -> str:
    """The prefix that runs a command in NS, as the article writes it."""
    return "" if ns is None else f"ip netns exec {shlex.quote(ns)} "


def default_ns_arg(ns: NsKey) -> str:
    """How `netns X` names a namespace: the host as the script's own namespace, a
    container by the PID the script keeps for it, a named namespace by its name."""
    if ns is None:
        return HOST_NETNS
    if ns.startswith("@"):
        return f'"${{PID[{shlex.quote(ns[1:])}]}}"'
    return shlex.quote(ns)


def _value(p: Param, value: Any, ns_arg: Callable[[NsKey], str]) -> str:
    if p.kind == "ns":
        return ns_arg(value)
    if p.kind == "bool01":
        return "1" if value else "0"
    return shlex.quote(str(value))


def render_ip(verb: str, args: Sequence[Any] = (), kwargs: dict[str, Any] | None = None, *,
              enter: Callable[[NsKey], str] = default_enter,
              ns_arg: Callable[[NsKey], str] = default_ns_arg) -> str:
    """The `ip` command that does what the call does, valid in bash (and in the rootless
    sandbox). `enter` writes the prefix that runs it in a namespace, `ns_arg` the target
    of `netns`; the defaults are the article's forms."""
    return render_bound(verb, bind(verb, args, kwargs), enter=enter, ns_arg=ns_arg)


def render_bound(verb: str, b: Bound, *, enter: Callable[[NsKey], str] = default_enter,
                 ns_arg: Callable[[NsKey], str] = default_ns_arg) -> str:
    """render_ip of a call already bound (every parameter by name)."""
    spec = VERBS[verb]
    if not spec.forms:
        raise ValueError(f"{verb} has no single ip command")
    form = next(f for f in spec.forms if all(b[k] == v for k, v in f.fixed))
    fixed, groups = _words(form.template)
    out = [w.text if not w.param else w.text + _value(spec.param(w.param), b[w.param], ns_arg)
           + w.suffix for w in fixed]
    for keyword, name in groups:
        p = spec.param(name)
        if _given(p, b):
            out += [keyword, _value(p, b[name], ns_arg)]
    prefix = enter(b[spec.scope]) if spec.scope else ""
    return prefix + " ".join(out)


def usage(verb: str) -> str:
    """The verb's `ip` forms as a usage line: "ip addr add CIDR dev NAME"."""
    spec = VERBS[verb]
    lines = []
    for form in spec.forms:
        fixed, groups = _words(form.template)
        words = [w.text + (spec.param(w.param).shown + w.suffix if w.param else "")
                 for w in fixed]
        words += [f"[{k} {spec.param(n).shown}]" for k, n in groups]
        lines.append(" ".join(words))
    return " | ".join(lines)


@dataclass(frozen=True)
class Mismatch:
    """Why a command line is none of the verbs: how far the best form matched, and then
    either the words expected at that place or the usage of a command left incomplete."""

    at: int
    expected: tuple[str, ...] = ()
    incomplete: str = ""  # the usage line, when the words ran out


def _from_text(p: Param, text: str) -> Any:
    if p.kind == "int":
        return int(text)
    if p.kind == "ns":
        return None if text == HOST_NETNS else text
    if p.kind == "bool01":
        if text not in ("0", "1"):
            raise ValueError(text)
        return text == "1"
    return text


def _match(spec: Verb, form: Form, words: list[str], ns: NsKey) -> Call | Mismatch:
    fixed, groups = _words(form.template)
    b: Bound = dict(form.fixed)
    for i, w in enumerate(fixed):
        if i >= len(words):
            return Mismatch(i, incomplete=usage(spec.name))
        word = words[i]
        if not w.param:
            if word != w.text:
                return Mismatch(i, (w.text,))
            continue
        inner = word[len(w.text):len(word) - len(w.suffix)]
        ok = word.startswith(w.text) and word.endswith(w.suffix) and inner
        try:
            b[w.param] = _from_text(spec.param(w.param), inner) if ok else None
        except ValueError:
            ok = False
        if not ok:
            return Mismatch(i, (w.text + spec.param(w.param).shown + w.suffix,))
    i = len(fixed)
    left = dict(groups)
    while i < len(words):
        if words[i] not in left:
            return Mismatch(i, tuple(left))
        if i + 1 >= len(words):
            return Mismatch(i + 1, incomplete=usage(spec.name))
        name = left.pop(words[i])
        b[name] = _from_text(spec.param(name), words[i + 1])
        i += 2
    if spec.scope:
        b[spec.scope] = ns
    positional = [p.name for p in spec.params if not p.keyword]
    args = tuple(b.pop(n) for n in positional if n in b)
    return canonical(spec.name, args, b)


def parse_ip(words: Sequence[str], ns: NsKey = None) -> Call | Mismatch:
    """Read one command (its words, without `ip netns exec NS`, which is NS) as a verb
    call in canonical form, or say how far it got. Only the forms `render_ip` writes
    are read; shell.py first turns the variants people type into them."""
    words = list(words)
    best: list[Mismatch] = []
    for spec in VERBS.values():
        for form in spec.forms:
            got = _match(spec, form, words, ns)
            if not isinstance(got, Mismatch):
                return got
            best.append(got)
    far = max(m.at for m in best)
    here = [m for m in best if m.at == far]
    done = next((m for m in here if m.incomplete), None)
    if done is not None and far >= len(words):
        uses = dict.fromkeys(m.incomplete for m in here if m.incomplete)
        return Mismatch(far, incomplete=" | ".join(uses))
    expected = tuple(sorted({e for m in here for e in m.expected}))
    return Mismatch(far, expected)


# ---------------------------------------------------------------- derived tables


def exercise_signatures() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """verb -> (required parameters, optional parameters), for exercise files."""
    return {
        v.name: (tuple(p.name for p in v.params if p.required),
                 tuple(p.name for p in v.params if not p.required and p.name != "force"))
        for v in VERBS.values() if v.exercise
    }


def positional_optional() -> dict[str, tuple[str, ...]]:
    """verb -> its optional parameters that are passed by position (set_forwarding's on)."""
    out = {}
    for v in VERBS.values():
        names = tuple(p.name for p in v.params
                      if v.exercise and not p.required and not p.keyword)
        if names:
            out[v.name] = names
    return out


@functools.cache
def batched() -> frozenset[str]:
    return frozenset(v.name for v in VERBS.values() if v.batch)


def inverse(call: Call, where: Callable[[str], list[NsKey]]) -> Call | None:
    """The call that undoes CALL; `where(ifname)` says which namespaces hold a link now."""
    verb, args, kwargs = call
    spec = VERBS.get(verb)
    if spec is None or spec.inverse is None:
        return None
    return spec.inverse(bind(verb, args, kwargs), where)


def effects(calls: Sequence[Call]) -> tuple[Effect, ...] | None:
    """What CALLS leave in the kernel, net of each other; None when one has no known
    effect or the net effect is empty."""
    found: dict[tuple, Effect] = {}
    for verb, args, kwargs in calls:
        spec = VERBS.get(verb)
        if spec is None:
            return None
        b = bind(verb, args, kwargs)
        if spec.cancels is not None:
            if found.pop(spec.cancels(b), None) is None:
                return None
        elif spec.effect is not None:
            for e in spec.effect(b):
                found[e.key] = e
        else:
            return None
    return tuple(found.values()) or None



def fix(verb: str, *args: Any, **kwargs: Any) -> dict[str, str | None]:
    """The `fix_call` and `fix_ip` fields of an error whose fix is this call (see
    nslab.errors.NslabError); `fix_ip` is None for a verb with no single `ip` command."""
    return {"fix_call": python(verb, args, kwargs),
            "fix_ip": render_ip(verb, args, kwargs) if VERBS[verb].forms else None}


def made(verb: str, args: Sequence[Any] = (), kwargs: dict[str, Any] | None = None
         ) -> list[tuple[str, Any]]:
    """What a call creates, as (kind, name): [("link", "veth-a"), ("link", "veth-b")]."""
    spec = VERBS.get(verb)
    if spec is None or not spec.makes:
        return []
    b = bind(verb, args, kwargs)
    return [(kind, b[name]) for kind, name in spec.makes]

"""The article's `ip` commands, typed as written, run through the Lab's own verbs.

    %ip netns add test1                       # a line magic (registered by `import nslab`)
    %%ip                                      # a cell magic: one command per line
    sudo ip link add veth-test1 type veth peer name veth-test2
    ip netns exec test1 ip addr add 192.168.1.1/24 dev veth-test1
    lab.sh("ip netns exec test1 ping 192.168.1.2")   # the same, from Python

Each line is split with shlex (never given to a shell) and becomes ONE Lab call:
`ip netns add test1` is `lab.add_netns("test1")`, so it is validated, journaled,
transcribed and drawn exactly like the Python call. Commands that only read
(`ip a`, `ip link`, `ip route`, `ip neigh`, `ip netns list`) run the real `ip` through
`lab.exec`; `ping` goes through `lab.ping`, which pings only addresses inside the lab.
Anything else is refused before anything runs, with "did you mean" and, where there
is one, the Python call that does it. A cell is parsed whole before its first line
runs, so a typo on the last line changes nothing.
"""

from __future__ import annotations

import html
import shlex
from dataclasses import dataclass, field
from typing import Any

from .errors import NslabError, did_you_mean
from .messages import say
from .snapshot import NsKey, steady
from .view import StepView

__all__ = ["Command", "ShellResult", "UnsupportedCommand", "parse", "parse_lines", "run"]


class UnsupportedCommand(NslabError, ValueError):
    """A command line %ip / lab.sh() cannot run: outside the article's vocabulary, or a typo."""


# What the article (and its follow-up chapters) change, in `ip` syntax.
SUPPORTED = (
    "ip netns add|delete|list|exec NS ...",
    "ip link add NAME type veth peer name PEER",
    "ip link add NAME type bridge",
    "ip link set [dev] NAME up|down|netns NS|master BR|nomaster",
    "ip link delete NAME",
    "ip addr add|del CIDR dev NAME",
    "ip route add DST [via GW] [dev NAME]",
    "ping [-c N] ADDRESS",
    "ip a|link|route|neigh [show ...] (read only)",
)

# `ip` accepts any prefix of an object's name; these are the ones people type.
_OBJECTS = {
    "a": "address", "ad": "address", "addr": "address", "address": "address",
    "l": "link", "li": "link", "lin": "link", "link": "link",
    "r": "route", "ro": "route", "rou": "route", "route": "route",
    "n": "neigh", "ne": "neigh", "nei": "neigh", "neigh": "neigh", "neighbor": "neigh",
    "neighbour": "neigh", "netns": "netns",
}
_SHOW = ("show", "list", "ls", "lst", "sh")
_DELETE = ("delete", "del")
_READ_OPTIONS = {"-br", "-brief", "-4", "-6", "-s", "-stats", "-d", "-details", "-o",
                 "-oneline", "-c", "-color", "-j", "-json", "-p", "-pretty"}
_ACTIONS = {
    "netns": ("add", "delete", "list", "exec"),
    "link": ("add", "set", "delete", "show"),
    "address": ("add", "del", "show"),
    "route": ("add", "show"),
    "neigh": ("show",),
}


@dataclass(frozen=True)
class Command:
    """One parsed line: a Lab call (`verb`), a read (`argv` run by lab.exec), or a ping."""

    line: str  # as typed
    kind: str  # "verb", "read" or "ping"
    verb: str = ""
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    ns: NsKey = None  # where a read or a ping runs
    argv: tuple[str, ...] = ()  # the real command of a read

    @property
    def python(self) -> str:
        """The same command as a Python call on `lab`."""
        if self.kind == "read":
            return f"lab.exec({self.ns!r}, {shlex.join(self.argv)!r})"
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"lab.{self.verb}({', '.join(parts)})"


def _refuse(line: str, word: str, candidates: tuple[str, ...] | list[str],
            python: str = "") -> UnsupportedCommand:
    hint = did_you_mean(word, candidates) if word else ""
    if python:
        return UnsupportedCommand(say("ip.unsupported_python", command=line, hint=hint,
                                      python=python))
    return UnsupportedCommand(say("ip.unsupported", command=line, hint=hint,
                                  supported="; ".join(SUPPORTED)))


def _incomplete(line: str, usage: str) -> UnsupportedCommand:
    return UnsupportedCommand(say("ip.missing_arg", command=line, usage=usage))


def parse(line: str) -> Command:
    """One command line -> a Command (pure: nothing runs). Raises UnsupportedCommand."""
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise UnsupportedCommand(say("ip.syntax", command=line, problem=exc)) from None
    if not words:
        raise UnsupportedCommand(say("ip.empty"))
    if words[0] == "sudo":
        words = words[1:]
    if words and words[0] not in ("ip", "ping"):
        words = ["ip", *words]  # `%ip netns add test1`: the magic's name is the `ip`
        line = shlex.join(words)
    return _parse(line, words, None)


def _parse(line: str, words: list[str], ns: NsKey) -> Command:
    if not words:
        raise UnsupportedCommand(say("ip.empty"))
    if words[0] == "ping":
        return _ping(line, words[1:], ns)
    if words[0] != "ip":
        raise UnsupportedCommand(say("ip.not_ip", word=words[0],
                                     hint=did_you_mean(words[0], ["ip", "ping"])))
    rest = words[1:]
    options = []
    while rest and rest[0].startswith("-"):
        if rest[0] in ("-n", "-netns") and len(rest) > 1:  # ip -n NS ... = ip netns exec NS ip
            ns = rest[1]
            rest = rest[2:]
            continue
        options.append(rest.pop(0))
    if not rest:
        raise _incomplete(line, "ip OBJECT ACTION ..., e.g. ip netns add test1")
    obj = _OBJECTS.get(rest[0])
    if obj is None:
        raise _refuse(line, rest[0], sorted(set(_OBJECTS.values())))
    args = rest[1:]
    action = args[0] if args else "show"
    if obj == "netns":
        return _netns(line, action, args[1:], ns)
    if action in _SHOW or (obj == "route" and action == "get"):
        return _read(line, ["ip", *options, rest[0], *args], ns)
    if options:  # options are for reading; a change is typed without them
        raise _refuse(line, "", [])
    if obj == "link":
        return _link(line, action, args[1:], ns)
    if obj == "address":
        return _address(line, action, args[1:], ns)
    if obj == "route" and action == "add":
        return _route(line, args[1:], ns)
    raise _refuse(line, action, _ACTIONS[obj])


def _read(line: str, argv: list[str], ns: NsKey) -> Command:
    bad = [o for o in argv[1:] if o.startswith("-") and o not in _READ_OPTIONS]
    if bad:
        raise _refuse(line, bad[0], sorted(_READ_OPTIONS))
    return Command(line, "read", ns=ns, argv=tuple(argv))


def _netns(line: str, action: str, args: list[str], ns: NsKey) -> Command:
    if action in ("list", "ls", "show"):
        return Command(line, "read", ns=None, argv=("ip", "netns", "list"))
    if action == "add":
        if len(args) != 1:
            raise _incomplete(line, "ip netns add NAME")
        return Command(line, "verb", "add_netns", (args[0],))
    if action in _DELETE:
        if len(args) != 1:
            raise _incomplete(line, "ip netns delete NAME")
        return Command(line, "verb", "delete_netns", (args[0],))
    if action == "exec":
        if len(args) < 2:
            raise _incomplete(line, "ip netns exec NAME COMMAND ...")
        inner = _parse(line, args[1:], args[0]) if args[1] in ("ip", "ping") else None
        if inner is None:
            raise _refuse(line, "", [], python=f"lab.exec({args[0]!r}, {shlex.join(args[1:])!r})")
        return inner
    raise _refuse(line, action, _ACTIONS["netns"])


def _take(args: list[str], key: str) -> str | None:
    """Remove `key VALUE` from args; return VALUE (None when key is absent)."""
    if key in args:
        i = args.index(key)
        if i + 1 < len(args):
            value = args[i + 1]
            del args[i:i + 2]
            return value
    return None


def _link(line: str, action: str, args: list[str], ns: NsKey) -> Command:
    args = list(args)
    if action == "add":
        if args and args[0] == "name":
            args.pop(0)
        if not args:
            raise _incomplete(line, "ip link add NAME type veth peer name PEER")
        name = args.pop(0)
        cut = args.index("peer") if "peer" in args else len(args)
        args, peer_args = args[:cut], args[cut + 1:]  # NAME's options, then PEER's
        where = _take(args, "netns")
        kind = _take(args, "type")
        if kind == "veth":
            if args or not peer_args:
                raise _incomplete(line, "ip link add NAME type veth peer name PEER")
            if peer_args[:1] == ["name"]:
                peer_args.pop(0)
            if not peer_args:
                raise _incomplete(line, "ip link add NAME type veth peer name PEER")
            peer = peer_args.pop(0)
            peer_where = _take(peer_args, "netns")
            if peer_args:
                raise _refuse(line, peer_args[0], ["netns"])
            here = where if where is not None else ns
            there = peer_where if peer_where is not None else here
            kwargs = {k: v for k, v in (("ns", here), ("peer_ns", there)) if v is not None}
            return Command(line, "verb", "add_veth", (name, peer), kwargs)
        if kind == "bridge" and not args and not peer_args and where is None:
            return Command(line, "verb", "add_bridge", (ns, name))
        raise _refuse(line, kind or "", ["veth", "bridge"])
    if action == "set":
        if args and args[0] == "dev":
            args.pop(0)
        if len(args) < 2:
            raise _incomplete(line, "ip link set [dev] NAME up|down|netns NS|master BR")
        name, what = args[0], args[1:]
        if what == ["up"]:
            return Command(line, "verb", "set_up", (ns, name))
        if what == ["down"]:
            return Command(line, "verb", "set_down", (ns, name))
        if len(what) == 2 and what[0] == "netns":
            kwargs = {"src": ns} if ns is not None else {}
            return Command(line, "verb", "move", (name, what[1]), kwargs)
        if len(what) == 2 and what[0] == "master":
            return Command(line, "verb", "set_master", (ns, name, what[1]))
        if what == ["nomaster"]:
            return Command(line, "verb", "set_master", (ns, name, None))
        raise _refuse(line, what[0], ["up", "down", "netns", "master", "nomaster"])
    if action in _DELETE:
        if args and args[0] == "dev":
            args.pop(0)
        if len(args) != 1:
            raise _incomplete(line, "ip link delete [dev] NAME")
        return Command(line, "verb", "delete_link", (ns, args[0]))
    raise _refuse(line, action, _ACTIONS["link"])


def _address(line: str, action: str, args: list[str], ns: NsKey) -> Command:
    args = list(args)
    dev = _take(args, "dev")
    if action not in ("add", *_DELETE):
        raise _refuse(line, action, _ACTIONS["address"])
    if dev is None or len(args) != 1:
        raise _incomplete(line, f"ip addr {action} CIDR dev NAME")
    verb = "add_addr" if action == "add" else "del_addr"
    return Command(line, "verb", verb, (ns, dev, args[0]))


def _route(line: str, args: list[str], ns: NsKey) -> Command:
    args = list(args)
    via, dev = _take(args, "via"), _take(args, "dev")
    if len(args) != 1:
        raise _incomplete(line, "ip route add DST [via GW] [dev NAME]")
    kwargs = {k: v for k, v in (("via", via), ("dev", dev)) if v is not None}
    return Command(line, "verb", "add_route", (ns, args[0]), kwargs)


def _ping(line: str, args: list[str], ns: NsKey) -> Command:
    args = list(args)
    count = _take(args, "-c")
    if len(args) != 1 or args[0].startswith("-") or (count is not None and not count.isdigit()):
        raise _incomplete(line, "ping [-c N] ADDRESS")
    kwargs = {"count": int(count) if count else 3}  # the article's ping runs until Ctrl-C
    return Command(line, "ping", "ping", (ns, args[0]), kwargs, ns=ns)


def parse_lines(text: str) -> list[Command]:
    """Every non-blank, non-comment line of `text` parsed; the first bad line raises."""
    lines = [ln.strip() for ln in text.splitlines()]
    commands = [parse(ln) for ln in lines if ln and not ln.startswith("#")]
    if not commands:
        raise UnsupportedCommand(say("ip.empty"))
    return commands


@dataclass
class ShellResult:
    """What a %ip cell shows: each command with its real output, then the drawing with
    what changed (when something changed)."""

    outputs: list[tuple[str, str]]  # (the command as typed, what it printed)
    view: Any = None  # lab.show() after the last change: drawing + what changed

    def text(self) -> str:
        lines = []
        for command, out in self.outputs:
            lines.append(f"$ {command}")
            if out.strip():
                lines.append(out.rstrip("\n"))
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.text() + (f"\n{self.view}" if self.view is not None else "")

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        pre = (f'<pre class="nslab-ip-output" style="margin:0 0 6px 0">'
               f"{html.escape(self.text(), quote=False)}</pre>")
        bundle = {"text/plain": str(self), "text/html": pre}
        if self.view is not None:
            view = self.view._repr_mimebundle_(include, exclude)
            bundle["text/html"] = pre + view.get("text/html", "")
            if "image/svg+xml" in view:
                bundle["image/svg+xml"] = view["image/svg+xml"]
        return bundle


def run(lab: Any, text: str) -> ShellResult:
    """Run `ip ...` lines through `lab`'s verbs, in order; parse them all first."""
    commands = parse_lines(text)
    outputs: list[tuple[str, str]] = []
    before = None
    for cmd in commands:
        if cmd.kind == "read":
            result = lab.exec(cmd.ns, list(cmd.argv))
            text = str(result)
            if not result.ok and not text.strip():
                text = say("stepper.exit_status", code=result.returncode)
            outputs.append((cmd.line, text))
        elif cmd.kind == "ping":
            ping = lab.ping(*cmd.args, **cmd.kwargs)
            outputs.append((cmd.line, ping.output or str(ping)))
        else:
            if before is None:
                before = lab.snapshot().lab_only()
            said = len(lab.transcript)
            getattr(lab, cmd.verb)(*cmd.args, **cmd.kwargs)
            ran = list(lab.transcript)[said:]
            note = "".join(say("ip.ran", command=c) + "\n" for c in ran if c != cmd.line)
            outputs.append((cmd.line, note))
    if before is None:  # only reads: the drawing has not changed
        return ShellResult(outputs)
    changes = steady(lab.snapshot().lab_only()) - steady(before)  # this cell's own changes
    return ShellResult(outputs, StepView(lab.draw(changes=changes), changes))

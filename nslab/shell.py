"""The article's `ip` commands, typed as written, run through the Lab's own verbs.

    %load_ext nslab                           # once: the magics (`import nslab` also adds them)
    %ip netns add test1                       # a line magic
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

The changing commands are read against the verbs' declarations (nslab.verbspec): this
module only turns what people type (`ip a add`, `ip link set X up`, `peer Y`) into the
declared form. A cell is not a shell: a pipe, `$(...)`, backticks, `;`, `&&` or a
redirection is refused with one sentence that says how to filter instead. `sudo` and
its options are taken and ignored (the lab runs everything with its own privileges, and
the output says so); `sudo -u USER` is refused, since a cell cannot run as someone else.
"""

from __future__ import annotations

import html
import shlex
from dataclasses import dataclass, field, replace
from typing import Any

from . import verbspec
from .errors import NslabError, did_you_mean
from .messages import say
from .snapshot import NsKey, steady
from .view import StepView

__all__ = ["Command", "ShellResult", "UnsupportedCommand", "parse", "parse_lines", "run"]


class UnsupportedCommand(NslabError, ValueError):
    """A command line %ip / lab.sh() cannot run: outside the article's vocabulary, or a typo."""


# What %ip runs: the verbs' `ip` forms (declared once, in nslab.verbspec), and reads.
SUPPORTED = (
    "ip netns add|delete|list|exec NS ...",
    "ip link add NAME type veth peer name PEER [netns NS]",
    "ip link add NAME type bridge",
    "ip link set [dev] NAME up|down|netns NS|master BR|nomaster",
    "ip link delete [dev] NAME",
    "ip addr add|del CIDR dev NAME",
    "ip route add DST [via GW] [dev NAME]",
    "sysctl -w net.ipv4.ip_forward=0|1",
    "ping [-c N] [-W SECONDS] ADDRESS",
    "ip [-br] [-4|-6] a|link|route|neigh [show [dev NAME]] (read only)",
)

# `ip` accepts any prefix of an object's name; these are the ones people type. The value
# is the object as the verbs' declarations write it.
_OBJECTS = {
    "a": "addr", "ad": "addr", "addr": "addr", "addre": "addr", "addres": "addr",
    "address": "addr",
    "l": "link", "li": "link", "lin": "link", "link": "link",
    "r": "route", "ro": "route", "rou": "route", "rout": "route", "route": "route",
    "n": "neigh", "ne": "neigh", "nei": "neigh", "neigh": "neigh", "neighbor": "neigh",
    "neighbour": "neigh", "netns": "netns",
}
_OBJECT_NAMES = ("address", "link", "neigh", "netns", "route")
_SHOW = ("show", "list", "ls", "lst", "sh")
# the action words each object takes, as the declarations write them
_ACTION_WORDS = {
    "netns": {"del": "delete"},
    "link": {"del": "delete", "a": "add", "s": "set"},
    "addr": {"delete": "del", "a": "add"},
    "route": {"a": "add"},
}
_READ_OPTIONS = {"-br", "-brief", "-4", "-6", "-s", "-stats", "-d", "-details", "-o",
                 "-oneline", "-c", "-color", "-j", "-json", "-p", "-pretty"}
_ACTIONS = {  # what each object can do here: a verb's form, or a read
    "netns": ("add", "delete", "list", "exec"),
    "link": ("add", "set", "delete", "show"),
    "addr": ("add", "del", "show"),
    "route": ("add", "show"),
    "neigh": ("show",),
}
# shell syntax a cell does not run: the first one found is named in the refusal
_SHELL = ("$(", "`", "&&", "||", "|", ";", "&", ">", "<")
# sudo's options: those that take a value; any other option is a flag
_SUDO_VALUE = {"-u", "--user", "-g", "--group", "-p", "--prompt", "-C", "--close-from",
               "-D", "--chdir", "-r", "--role", "-t", "--type", "-T", "--command-timeout",
               "-U", "--other-user", "-h", "--host"}
_ROOT = ("root", "0", "#0")


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
    note: str = ""  # a sentence shown with its output (what was done with `sudo`)

    @property
    def python(self) -> str:
        """The same command as a Python call on `lab`."""
        if self.kind == "read":
            return f"lab.exec({self.ns!r}, {shlex.join(self.argv)!r})"
        if self.verb in verbspec.VERBS:
            return verbspec.python(self.verb, self.args, self.kwargs)
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


def shell_syntax(line: str) -> str | None:
    """The first piece of shell syntax in LINE outside single quotes (a pipe, `$(...)`,
    backticks, `;`, `&&`, a redirection), or None. Quoted text is a word, not syntax."""
    quote = None
    i = 0
    while i < len(line):
        c = line[i]
        if quote == "'":
            quote = None if c == "'" else quote
        elif c == "\\":
            i += 1
        elif line.startswith("$(", i) or c == "`":
            return line[i:i + 2] if c == "$" else c
        elif quote == '"':
            quote = None if c == '"' else quote
        elif c in "'\"":
            quote = c
        else:
            op = next((s for s in _SHELL if line.startswith(s, i)), None)
            if op is not None:
                return op
        i += 1
    return None


def _sudo(line: str, words: list[str]) -> tuple[list[str], str]:
    """WORDS without `sudo` and its options, and the sentence that says what was done
    with it. Refuses a command to be run as another user: the lab cannot do that."""
    if not words or words[0] != "sudo":
        return words, ""
    rest = words[1:]
    while rest and rest[0].startswith("-"):
        option = rest.pop(0)
        if option == "--":
            break
        name, _, value = option.partition("=")
        if name in _SUDO_VALUE and not value:
            if not rest:
                raise _incomplete(line, "sudo [-u USER] ip ...")
            value = rest.pop(0)
        elif name not in _SUDO_VALUE and not name.startswith("--") and len(name) > 2:
            name, value = name[:2], name[2:]  # -unobody
            if name not in _SUDO_VALUE:
                value = ""
        if name in ("-u", "--user", "-g", "--group") and value not in _ROOT:
            raise UnsupportedCommand(say("ip.sudo_user", command=line, user=value,
                                         option=f"sudo {name} {value}", typed=shlex.join(rest)))
    if not rest:
        raise UnsupportedCommand(say("ip.empty"))
    return rest, say("ip.sudo")


def parse(line: str) -> Command:
    """One command line -> a Command (pure: nothing runs). Raises UnsupportedCommand."""
    syntax = shell_syntax(line)
    if syntax is not None:
        raise UnsupportedCommand(say("ip.not_a_shell", command=line, syntax=syntax))
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise UnsupportedCommand(say("ip.syntax", command=line, problem=exc)) from None
    if not words:
        raise UnsupportedCommand(say("ip.empty"))
    words, note = _sudo(line, words)
    if words and words[0] not in ("ip", "ping", "sysctl"):
        words = ["ip", *words]  # `%ip netns add test1`: the magic's name is the `ip`
        line = shlex.join(words)
    command = _parse(line, words, None)
    return replace(command, note=note) if note else command


def _parse(line: str, words: list[str], ns: NsKey) -> Command:
    if not words:
        raise UnsupportedCommand(say("ip.empty"))
    if words[0] == "ping":
        return _ping(line, words[1:], ns)
    if words[0] == "sysctl":
        return _verb(line, words, ns, python=f"lab.exec({ns!r}, {shlex.join(words)!r})")
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
        raise _refuse(line, rest[0], _OBJECT_NAMES)
    args = rest[1:]
    action = args[0] if args else "show"
    if obj == "netns" and action in ("list", "ls", "show"):
        return Command(line, "read", ns=None, argv=("ip", "netns", "list"))
    if obj == "netns" and action == "exec":
        return _exec(line, args[1:])
    if action in _SHOW or (obj == "route" and action == "get"):
        return _read(line, ["ip", *options, rest[0], *args], ns)
    if options:  # options are for reading; a change is typed without them
        raise _refuse(line, "", [])
    if obj == "netns":
        ns = None  # `ip netns add` names its namespace; it runs nowhere in particular
    return _verb(line, _normal(obj, _ACTION_WORDS.get(obj, {}).get(action, action), args[1:]),
                 ns, extra=_ACTIONS[obj])


def _normal(obj: str, action: str, args: list[str]) -> list[str]:
    """The words as the verbs' declarations write them: `ip link set veth-test1 up` is
    `ip link set dev veth-test1 up`, `ip address del` is `ip addr del`, and so on."""
    args = list(args)
    if obj == "link" and action == "add":
        if args[:1] != ["name"]:
            args.insert(0, "name")
        kind = next((i for i in range(2, len(args) - 1) if args[i] == "type"), None)
        peer = kind + 2 if kind is not None and args[kind + 1] == "veth" else None
        if peer is not None and args[peer:peer + 1] == ["peer"] \
                and args[peer + 1:peer + 2] != ["name"]:
            args.insert(peer + 1, "name")  # `peer veth-test2`: iproute2 takes it too
    if obj == "link" and action in ("set", "delete") and args[:1] != ["dev"]:
        args.insert(0, "dev")
    return ["ip", obj, action, *args]


def _verb(line: str, words: list[str], ns: NsKey, *, extra: tuple[str, ...] = (),
          python: str = "") -> Command:
    """The one verb whose declared `ip` form WORDS are, or the refusal that says how far
    they matched: the word expected there, or the usage of a command left incomplete."""
    if words[:2] == ["ip", "link"] and words[2:3] == ["add"] and len(words) > 6 \
            and words[5] == "netns" and ns is None:
        ns = words[6]  # `ip link add NAME netns NS type veth ...`: NAME made in NS
        words = words[:5] + words[7:]
    found = verbspec.parse_ip(words, ns)
    if not isinstance(found, verbspec.Mismatch):
        verb, args, kwargs = found
        return Command(line, "verb", verb, args, kwargs)
    if python:
        raise _refuse(line, "", [], python=python)
    if found.incomplete:
        raise _incomplete(line, found.incomplete)
    at = max(found.at, 2) if extra else found.at  # `ip neigh add`: the action is wrong
    word = words[at] if at < len(words) else ""
    expected = list(found.expected) if found.at == at else []
    if at == 2:  # the action: reads and `netns exec` are actions too
        expected = sorted({*expected, *extra})
    raise _refuse(line, word, expected)


def _read(line: str, argv: list[str], ns: NsKey) -> Command:
    bad = [o for o in argv[1:] if o.startswith("-") and o not in _READ_OPTIONS]
    if bad:
        raise _refuse(line, bad[0], sorted(_READ_OPTIONS))
    return Command(line, "read", ns=ns, argv=tuple(argv))


def _exec(line: str, args: list[str]) -> Command:
    if len(args) < 2:
        raise _incomplete(line, "ip netns exec NAME COMMAND ...")
    if args[1] in ("ip", "ping", "sysctl"):
        return _parse(line, args[1:], args[0])
    raise _refuse(line, "", [], python=f"lab.exec({args[0]!r}, {shlex.join(args[1:])!r})")


def _ping(line: str, args: list[str], ns: NsKey) -> Command:
    """ping as people type it: -c N, -cN, -W N, -WN (and -n, which changes nothing here)."""
    args = list(args)
    values: dict[str, str] = {}
    rest = []
    while args:
        word = args.pop(0)
        flag = word[:2]
        if flag in ("-c", "-W") and word.startswith("-"):
            value = word[2:] or (args.pop(0) if args else "")
            values[flag] = value
        elif word in ("-n", "-4"):
            continue
        else:
            rest.append(word)
    count, wait = values.get("-c"), values.get("-W")
    usage = "ping [-c N] [-W SECONDS] ADDRESS"
    if len(rest) != 1 or rest[0].startswith("-") or (count is not None and not count.isdigit()):
        raise _incomplete(line, usage)
    kwargs: dict[str, Any] = {"count": int(count) if count else 3}  # the article: until Ctrl-C
    if wait is not None:
        try:
            kwargs["timeout"] = float(wait)
        except ValueError:
            raise _incomplete(line, usage) from None
    return Command(line, "ping", "ping", (ns, rest[0]), kwargs, ns=ns)


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


def _noted(cmd: Command, output: str) -> str:
    return f"{cmd.note}\n{output}" if cmd.note else output


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
            outputs.append((cmd.line, _noted(cmd, text)))
        elif cmd.kind == "ping":
            ping = lab.ping(*cmd.args, **cmd.kwargs)
            outputs.append((cmd.line, _noted(cmd, ping.output or str(ping))))
        else:
            if before is None:
                before = lab.snapshot().lab_only()
            said = len(lab.transcript)
            getattr(lab, cmd.verb)(*cmd.args, **cmd.kwargs)
            ran = list(lab.transcript)[said:]
            note = "".join(say("ip.ran", command=c) + "\n" for c in ran if c != cmd.line)
            outputs.append((cmd.line, _noted(cmd, note)))
    if before is None:  # only reads: the drawing has not changed
        return ShellResult(outputs)
    changes = steady(lab.snapshot().lab_only()) - steady(before)  # this cell's own changes
    return ShellResult(outputs, StepView(lab.draw(changes=changes), changes))

"""Exercise files: read a TOML file, check it against the schema, turn it into data.

An exercise file holds only data: names, the steps that build the lab (Lab verbs as
tables, never Python), the faults to inject, the goals, hints and texts. Every error
names the file, the line and the fix; nothing is built from a file that has one.
Texts are a string in English; the kit's own exercises are translated in the course's
catalogue (notebooks.po, like every paragraph of the tutorials). A teacher's file outside
the kit may carry a table ``{ en = "...", zh_CN = "..." }`` instead: a missing translation
falls back to English.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomllib

from .. import verbspec
from ..errors import InvalidName, did_you_mean
from ..messages import say
from ..verbspec import exercise_signatures, positional_optional

LANGUAGES = ("en", "zh_CN")

# Lab verb -> (required parameters, optional parameters), in the verb's own order: read
# from the verbs' declarations (nslab.verbspec, `exercise=True`).
VERBS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = exercise_signatures()
POSITIONAL_OPTIONAL = positional_optional()  # optional, but passed by position

# nslab.checks goal -> (required fields, optional fields)
GOALS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "has_netns": (("ns",), ()),
    "lo_up": (("ns",), ()),
    "link_up": (("ns", "ifname"), ()),
    "has_addr": (("ns", "ifname", "cidr"), ()),
    "in_namespace": (("ifname", "ns"), ()),
    "connected": (("ns_a", "ns_b"), ()),
    "route_to": (("ns", "cidr"), ()),
    "forwards": (("ns",), ()),
    "reachable": (("ns", "addr"), ()),
    "unique_addresses": ((), ()),
}

TOP_KEYS = {
    # key: required? The notebook's prose (learn ... selfcheck, the parts' task) is for a
    # file with no notebook text of its own (NN-name.md, see _notebook): the kit's exercises
    # have theirs in course/exercises/, and their files hold data only.
    "number": True, "title": True, "names": True, "learn": False, "story": False,
    "goals": True, "hints": True, "question": False, "answer": False, "lesson": False,
    "selfcheck": False, "prerequisites": False, "topology": False, "hidden_goals": False,
    "faults": False, "parts": False, "task": False, "capture": False,
    "constraints": False, "aliases": False,
}
FAULT_KEYS = {"about": True, "expect": True, "fix": True, "inject": False}
PART_KEYS = {"task": False, "solution": True, "draw": False}
CAPTURE_KEYS = {"ns": True, "ifname": True, "ping": True, "from": False}
SELFCHECK_KEYS = {"q": True, "a": True}

Text = dict[str, str]  # language -> text


@dataclass(frozen=True)
class Step:
    """One Lab verb call: lab.<verb>(*args, **kwargs), with names still as templates."""

    verb: str
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...] = ()
    line: int = 0


@dataclass(frozen=True)
class GoalSpec:
    kind: str
    fields: tuple[tuple[str, Any], ...]
    line: int = 0


@dataclass(frozen=True)
class Fault:
    about: Text
    expect: Text
    fix: tuple[Step, ...]
    inject: tuple[Step, ...] = ()


@dataclass(frozen=True)
class PartSpec:
    task: Text  # {} when the notebook's text says it
    solution: tuple[Step, ...]
    draw: bool = True


@dataclass(frozen=True)
class Spec:
    """Everything an exercise file says, validated."""

    path: Path
    name: str
    number: int
    title: Text
    names: dict[str, str]
    goals: tuple[GoalSpec, ...]
    hints: tuple[Text, ...]
    # the notebook's prose, for a file without a notebook text (empty otherwise)
    learn: tuple[Text, ...] = ()
    story: Text = field(default_factory=dict)
    question: Text = field(default_factory=dict)
    answer: Text = field(default_factory=dict)
    lesson: Text = field(default_factory=dict)
    selfcheck: tuple[tuple[Text, Text], ...] = ()
    prerequisites: tuple[Text, ...] = ()
    topology: tuple[Step, ...] = ()
    hidden_goals: tuple[GoalSpec, ...] = ()
    faults: tuple[Fault, ...] = ()
    parts: tuple[PartSpec, ...] = ()
    task: Text = field(default_factory=dict)
    capture: tuple[str, str, str, str] | None = None  # ns, ifname, address, pinging ns
    # goals that already hold as handed out: never a point, breaking one costs (grade)
    constraints: tuple[GoalSpec, ...] = ()
    aliases: tuple[str, ...] = ()  # former names of the exercise (broken("lo-down") still works)


class ExerciseFileError(InvalidName):
    """An exercise file that does not follow the schema (the message gives file and line)."""


class _Reader:
    """Validates the parsed TOML of one file; finds lines in its text for the errors."""

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.lines = path, text.split("\n")

    @staticmethod
    def _code(line: str) -> str:
        """The line without its strings and comment: what TOML reads as keys and braces."""
        return _STRING.sub('""', line).split("#", 1)[0]

    def line_of(self, key: str, after: int = 0) -> int:
        k = re.escape(key)
        pattern = re.compile(rf"(^|[\s{{,\[])\"?{k}\"?\s*=|^\s*\[+\s*{k}\s*\]")
        for number, line in enumerate(self.lines[after:], after + 1):
            if pattern.search(self._code(line)):
                return number
        return after + 1 if after else 1

    def fail(self, line: int, problem: str, fix: str) -> ExerciseFileError:
        return ExerciseFileError(say("classroom.file.error", file=str(self.path), line=line,
                                     problem=problem, fix=fix))

    def keys(self, table: dict[str, Any], allowed: dict[str, bool], where: str,
             line: int) -> None:
        for key in table:
            if key not in allowed:
                at = self.line_of(key, max(line - 1, 0))
                raise self.fail(at, say("classroom.file.unknown_key", key=key, where=where),
                                say("classroom.file.known_keys", hint=did_you_mean(key, allowed)))
        for key, required in allowed.items():
            if required and key not in table:
                raise self.fail(line, say("classroom.file.missing_key", key=key, where=where),
                                say("classroom.file.add_key", key=key))

    def text(self, value: Any, key: str, line: int) -> Text:
        if isinstance(value, str):
            return {"en": value}
        if isinstance(value, dict) and isinstance(value.get("en"), str):
            for lang, text in value.items():
                if lang not in LANGUAGES or not isinstance(text, str):
                    raise self.fail(self.line_of(key, line - 1),
                                    say("classroom.file.bad_language", key=key, lang=lang),
                                    say("classroom.file.languages", known=", ".join(LANGUAGES)))
            return dict(value)
        raise self.fail(self.line_of(key, line - 1), say("classroom.file.not_text", key=key),
                        say("classroom.file.text_form", key=key))

    def texts(self, value: Any, key: str, line: int) -> tuple[Text, ...]:
        if not isinstance(value, list) or not value:
            raise self.fail(self.line_of(key, line - 1), say("classroom.file.not_list", key=key),
                            say("classroom.file.list_form", key=key))
        return tuple(self.text(v, key, line) for v in value)

    def _table_lines(self, key: str, count: int, start: int) -> list[int]:
        """The line of each inline table of the array KEY (its N-th "{")."""
        first = self.line_of(key, start)
        out = []
        for number, line in enumerate(self.lines[first - 1:], first):
            out += [number] * self._code(line).count("{")
            if len(out) >= count:
                break
        return (out + [first] * count)[:count]

    def calls(self, value: Any, key: str, line: int, kind_key: str,
              schema: dict[str, tuple[tuple[str, ...], tuple[str, ...]]]) -> list[tuple]:
        if not isinstance(value, list):
            raise self.fail(self.line_of(key, line - 1), say("classroom.file.not_list", key=key),
                            say("classroom.file.list_form", key=key))
        lines = self._table_lines(key, len(value), max(line - 1, 0))
        out = []
        for item, at in zip(value, lines, strict=True):
            if not isinstance(item, dict) or kind_key not in item:
                raise self.fail(at, say("classroom.file.no_kind", key=key, kind=kind_key),
                                say("classroom.file.kinds", kind=kind_key,
                                    known=", ".join(schema)))
            kind = item[kind_key]
            if kind not in schema:
                raise self.fail(at, say("classroom.file.unknown_kind", kind=kind_key, value=kind),
                                say("classroom.file.known_keys",
                                    hint=did_you_mean(str(kind), schema)))
            required, optional = schema[kind]
            args = {k: v for k, v in item.items() if k != kind_key}
            for arg in args:
                if arg not in required + optional:
                    raise self.fail(at, say("classroom.file.unknown_arg", arg=arg, kind=kind),
                                    say("classroom.file.known_keys",
                                        hint=did_you_mean(arg, required + optional)))
            for arg in required:
                if arg not in args:
                    raise self.fail(at, say("classroom.file.missing_arg", arg=arg, kind=kind),
                                    say("classroom.file.add_key", key=arg))
            out.append((kind, args, at))
        return out

    def steps(self, value: Any, key: str, line: int) -> tuple[Step, ...]:
        out = []
        for verb, args, at in self.calls(value, key, line, "do", VERBS):
            required, optional = VERBS[verb]
            positional = required + tuple(o for o in POSITIONAL_OPTIONAL.get(verb, ())
                                          if o in args)
            kwargs = tuple((k, args[k]) for k in optional if k in args and k not in positional)
            out.append(Step(verb, tuple(args[k] for k in positional), kwargs, at))
        return tuple(out)

    def goal_specs(self, value: Any, key: str, line: int) -> tuple[GoalSpec, ...]:
        return tuple(
            GoalSpec(kind, tuple(sorted(args.items())), at)
            for kind, args, at in self.calls(value, key, line, "goal", GOALS)
        )


_FIELD = re.compile(r"\{(\w+)\}")
_STRING = re.compile(r'"""[\s\S]*?"""|"(?:[^"\\]|\\.)*"')


def _placeholders(value: Any) -> list[str]:
    if isinstance(value, str):
        return [f for _, f, _, _ in string.Formatter().parse(value) if f]
    if isinstance(value, dict):
        return [p for v in value.values() for p in _placeholders(v)]
    if isinstance(value, (list, tuple)):
        return [p for v in value for p in _placeholders(v)]
    return []


def load(path: str | Path) -> Spec:
    """Read and validate the exercise file PATH (raises ExerciseFileError, with the line)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExerciseFileError(say("classroom.file.unreadable", file=str(path),
                                    reason=exc.strerror or str(exc))) from None
    r = _Reader(path, text)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        raise r.fail(int(found.group(1)) if found else 1, say("classroom.file.syntax",
                     reason=str(exc)), say("classroom.file.syntax_fix")) from None
    match = re.fullmatch(r"(\d\d)-([a-z][a-z0-9-]*)", path.stem)
    if not match:
        raise r.fail(1, say("classroom.file.bad_filename", name=path.name),
                     say("classroom.file.filename_form"))
    r.keys(data, TOP_KEYS, "the file", 1)
    number = data["number"]
    if not isinstance(number, int) or number != int(match.group(1)):
        raise r.fail(r.line_of("number"), say("classroom.file.bad_number", number=number,
                                              name=path.name),
                     say("classroom.file.number_fix", prefix=int(match.group(1))))
    names = data["names"]
    if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
        raise r.fail(r.line_of("names"), say("classroom.file.not_table", key="names"),
                     say("classroom.file.names_form"))
    # every {field} in the file names a role of [names] (or {tag})
    known = set(names) | {"tag"}
    for number_, line in enumerate(text.split("\n"), 1):
        for found in _FIELD.findall(line.split("#", 1)[0] if line.lstrip().startswith("#")
                                    else line):
            if found not in known and not line.lstrip().startswith("#"):
                raise r.fail(number_, say("classroom.file.unknown_name", name=found),
                             say("classroom.file.known_keys", hint=did_you_mean(found, known)))
    at = r.line_of
    faults = []
    if "faults" in data:
        if not isinstance(data["faults"], list):
            raise r.fail(at("faults"), say("classroom.file.not_list", key="faults"),
                         say("classroom.file.faults_form"))
        start = 0
        for item in data["faults"]:
            line = at("faults", start)
            start = line
            r.keys(item, FAULT_KEYS, "[[faults]]", line)
            faults.append(Fault(r.text(item["about"], "about", line),
                                r.text(item["expect"], "expect", line),
                                r.steps(item["fix"], "fix", line),
                                r.steps(item.get("inject", []), "inject", line)))
    parts = []
    if "parts" in data:
        start = 0
        for item in data["parts"]:
            line = at("parts", start)
            start = line
            r.keys(item, PART_KEYS, "[[parts]]", line)
            parts.append(PartSpec(r.text(item["task"], "task", line) if "task" in item else {},
                                  r.steps(item["solution"], "solution", line),
                                  bool(item.get("draw", True))))
    if bool(faults) == bool(parts):
        raise r.fail(1, say("classroom.file.faults_or_parts"), say("classroom.file.faults_fix"))
    capture = None
    if "capture" in data:
        line = at("capture")
        r.keys(data["capture"], CAPTURE_KEYS, "capture", line)
        cap = data["capture"]
        capture = (cap["ns"], cap["ifname"], cap["ping"], cap.get("from", cap["ns"]))
    selfcheck = []
    if "selfcheck" in data and (not isinstance(data["selfcheck"], list)
                                or not data["selfcheck"]):
        raise r.fail(at("selfcheck"), say("classroom.file.not_list", key="selfcheck"),
                     say("classroom.file.selfcheck_form"))
    for item in data.get("selfcheck", []):
        line = at("selfcheck")
        r.keys(item, SELFCHECK_KEYS, "selfcheck", line)
        selfcheck.append((r.text(item["q"], "q", line), r.text(item["a"], "a", line)))
    spec = Spec(
        path=path, name=match.group(2), number=number, title=r.text(data["title"], "title", 1),
        names=dict(names),
        learn=r.texts(data["learn"], "learn", 1) if "learn" in data else (),
        goals=r.goal_specs(data["goals"], "goals", 1),
        hints=r.texts(data["hints"], "hints", 1),
        **{key: r.text(data[key], key, 1) for key in ("story", "question", "answer", "lesson")
           if key in data},
        selfcheck=tuple(selfcheck),
        prerequisites=r.texts(data["prerequisites"], "prerequisites", 1)
        if "prerequisites" in data else (),
        topology=r.steps(data.get("topology", []), "topology", 1),
        hidden_goals=r.goal_specs(data.get("hidden_goals", []), "hidden_goals", 1),
        faults=tuple(faults), parts=tuple(parts),
        task=r.text(data["task"], "task", 1) if "task" in data else {},
        capture=capture,
        constraints=r.goal_specs(data.get("constraints", []), "constraints", 1),
        aliases=_aliases(r, data.get("aliases", [])),
    )
    if not spec.goals:
        raise r.fail(at("goals"), say("classroom.file.no_goals"), say("classroom.file.goals_fix"))
    _check_names(r, spec)
    return spec


def _aliases(r: _Reader, value: Any) -> tuple[str, ...]:
    """Former names: a list of names written like the file's own."""
    if not isinstance(value, list) or not all(
            isinstance(v, str) and re.fullmatch(r"[a-z][a-z0-9-]*", v) for v in value):
        raise r.fail(r.line_of("aliases"), say("classroom.file.not_list", key="aliases"),
                     say("classroom.file.aliases_form"))
    return tuple(value)


def _check_names(r: _Reader, spec: Spec) -> None:
    """Every namespace and interface a step or goal names is one the steps create."""
    tag = f"ex{spec.number}"
    filled = {role: t.format(tag=tag) for role, t in spec.names.items()} | {"tag": tag}

    def real(value: Any) -> Any:  # "{va}" and "veth-a" are the same interface
        return value.format(**filled) if isinstance(value, str) else value
    steps = [*spec.topology, *(s for f in spec.faults for s in (*f.inject, *f.fix)),
             *(s for p in spec.parts for s in p.solution)]
    for s in steps:  # tagged names never collide with another lab, nor with the tutorials
        if s.verb == "add_netns" and "{tag}" not in str(s.args[0]).format(
                **{role: t for role, t in spec.names.items()}, tag="{tag}"):
            raise r.fail(s.line, say("classroom.file.untagged", name=s.args[0]),
                         say("classroom.file.untagged_fix"))
    made = [m for s in steps for m in verbspec.made(s.verb, s.args, dict(s.kwargs))]
    netns = {real(name) for kind, name in made if kind == "netns"}
    links = {"lo"} | {real(name) for kind, name in made if kind == "link"}

    def known(value: Any, pool: set[str], what: str, line: int) -> None:
        value = real(value)
        if value is None or value in pool:
            return
        shown = ", ".join(sorted(str(p) for p in pool if p != "lo")) or "-"
        raise r.fail(line, say("classroom.file.never_created", what=what, name=value,
                               created=shown),
                     say("classroom.file.name_fix"))

    ns_fields = {"ns", "peer_ns", "src", "ns_a", "ns_b"}
    if_fields = {"ifname", "master", "dev"}
    for s in steps:
        params = dict(zip(VERBS[s.verb][0] + POSITIONAL_OPTIONAL.get(s.verb, ()), s.args,
                          strict=False)) | dict(s.kwargs)
        for k, v in params.items():
            if k in ns_fields:
                known(v, netns, "namespace", s.line)
            elif k in if_fields:
                known(v, links, "interface", s.line)
    for g in (*spec.goals, *spec.hidden_goals, *spec.constraints):
        for k, v in g.fields:
            if k in ns_fields:
                known(v, netns, "namespace", g.line)
            elif k in if_fields:
                known(v, links, "interface", g.line)
    if spec.capture:
        line = r.line_of("capture")
        known(spec.capture[0], netns, "namespace", line)
        known(spec.capture[1], links, "interface", line)
        known(spec.capture[3], netns, "namespace", line)

"""The message catalogue: every key used exists, every key defined is used, fields agree."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from nslab import messages
from nslab.messages import say, say_n

PKG = Path(messages.__file__).resolve().parent.parent


def _fields(template: str) -> set[str]:
    return {f.split(".")[0].split("[")[0] for _, f, _, _ in string.Formatter().parse(template) if f}


def _calls() -> list[tuple[str, int, str, str, set[str] | None]]:
    """(file, line, function, key, keyword names or None when **kwargs is passed)."""
    found = []
    for path in sorted(PKG.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute)):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            if name not in ("say", "say_n") or not node.args:
                continue
            key = node.args[0]
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            kws = {k.arg for k in node.keywords}
            found.append((str(path.relative_to(PKG)), node.lineno, name, key.value,
                          None if None in kws else kws))
    return found


def test_every_key_used_exists_with_its_fields():
    problems = []
    for where, line, fn, key, kws in _calls():
        template = messages.CATALOGUE.get(key)
        if template is None:
            problems.append(f"{where}:{line}: no message {key!r}")
            continue
        if (fn == "say_n") != isinstance(template, tuple):
            problems.append(f"{where}:{line}: {key!r} called with {fn} but has "
                            f"{'two forms' if isinstance(template, tuple) else 'one form'}")
            continue
        forms = template if isinstance(template, tuple) else (template,)
        need = set().union(*(_fields(t) for t in forms)) - ({"n"} if fn == "say_n" else set())
        if kws is not None and need != kws:
            problems.append(f"{where}:{line}: {key!r} needs fields {sorted(need)}, "
                            f"gets {sorted(kws)}")
    assert not problems, "\n".join(problems)


def test_every_key_defined_is_used():
    used = {key for *_, key, _ in _calls()}
    # keys chosen at run time are listed as string constants where they are chosen
    constants = {
        node.value
        for path in PKG.rglob("*.py")
        if "messages" not in path.parts
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    dead = sorted(set(messages.CATALOGUE) - used - constants)
    assert not dead, f"messages nobody shows: {dead}"


def test_plural_forms_follow_the_count():
    messages.CATALOGUE["_test.count"] = ("{n} command", "{n} commands")
    try:
        assert say_n("_test.count", 1) == "1 command"
        assert say_n("_test.count", 2) == "2 commands"
        with pytest.raises(TypeError):
            say("_test.count")
    finally:
        del messages.CATALOGUE["_test.count"]


def test_unknown_key_names_itself():
    with pytest.raises(KeyError, match="no-such-key"):
        say("no-such-key")

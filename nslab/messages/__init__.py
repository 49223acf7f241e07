"""Every sentence nslab shows a user, as a named template: one catalogue, gettext-ready.

    from .messages import say, say_n
    raise AlreadyExists(say("netns.exists", name="test1"))
    say_n("transcript.count", 2)             # "2 commands" (ngettext picks the form)

The templates live in the domain modules beside this file, each a dict of
key -> N_("template with {named} fields"), or, for plurals,
key -> Nn_("singular {n} form", "plural {n} form"). N_ and Nn_ only mark the
text for `pybabel extract -k N_ -k Nn_:1,2`; translation happens in `say`,
before the fields are filled in, so names, addresses, Lab calls and `ip`
commands stay verbatim in every language.

Rules: one template per sentence (or per group of sentences shown together);
never build a sentence by joining fragments from different functions; fields
carry names, numbers and commands, not prose. A list of finished sentences may
be joined with newlines.
"""

from __future__ import annotations

import gettext
import re
import string
from typing import Any

from . import classroom, diagnosis, language, names, report, steps, system, tools, ui, verbs
from . import classview as classview  # the teacher's class page

Template = str | tuple[str, str]

_DOMAINS = (verbs, names, diagnosis, steps, ui, report, classroom, tools, system, language)
_DOMAINS += (classview,)


def _merge() -> dict[str, Template]:
    merged: dict[str, Template] = {}
    for module in _DOMAINS:
        for key, template in module.MESSAGES.items():
            if key in merged:
                raise RuntimeError(f"message key {key!r} is defined twice (in {module.__name__})")
            merged[key] = template
    return merged


CATALOGUE: dict[str, Template] = _merge()

_translations: gettext.NullTranslations = gettext.NullTranslations()


def translations() -> gettext.NullTranslations:
    """The active translations (English until a language is chosen)."""
    return _translations


def use(translations: gettext.NullTranslations) -> None:
    """Make `translations` the active ones: the next message is in their language.
    (nslab.i18n chooses the language and loads the catalogue; see nslab.set_language.)"""
    global _translations
    _translations = translations


# Chinese typography (中文文案排版指北): no space between two CJK characters. A translated
# template puts spaces around fields that are usually Latin names ("{where} 中"); when the
# field itself is Chinese (主机, the host), the space goes.
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])")


def _fill(translated: str, english: str, fields: dict[str, Any]) -> str:
    """The translated template filled in; the English one if the translation's fields do not
    match the code's (a stale catalogue must not turn a message into a crash)."""
    if translated is english:  # no translation: English, as written
        return _format(english, fields)
    try:
        return _CJK_GAP.sub("", _format(translated, fields))
    except (KeyError, IndexError, ValueError):
        return _format(english, fields)


_FORMATTER = string.Formatter()
_SEPARATED = (" ", "。", "！", "？", "，", "：", "；")  # a field after these needs no space


def _format(template: str, fields: dict[str, Any]) -> str:
    """template.format(**fields), where the template owns the separators around a field:
    an empty field takes the space after it along ("exist. {hint} Create" -> "exist. Create";
    at the end, trailing spaces go), and a value's one leading space is dropped after a
    space or a Chinese punctuation mark (an indented block, two spaces or more, is kept)."""
    out, empty = "", False
    for literal, name, spec, conversion in _FORMATTER.parse(template):
        if empty and literal.startswith(" "):
            literal = literal[1:]
        out += literal
        empty = empty and not literal
        if name is None:
            continue
        value, _ = _FORMATTER.get_field(name, (), fields)
        text = _FORMATTER.format_field(_FORMATTER.convert_field(value, conversion), spec or "")
        if (not out or out.endswith(_SEPARATED)) and text[:1] == " " != text[1:2]:
            text = text[1:]
        out += text
        empty = not text
    return out.rstrip(" ") if empty else out


def _template(key: str) -> Template:
    try:
        return CATALOGUE[key]
    except KeyError:
        raise KeyError(f"no message {key!r} in nslab.messages; add it to a domain module") from None


def say(key: str, /, **fields: Any) -> str:
    """The message `key`, translated, with its named fields filled in."""
    template = _template(key)
    if isinstance(template, tuple):
        raise TypeError(f"message {key!r} has plural forms: use say_n({key!r}, n, ...)")
    return _fill(_translations.gettext(template), template, fields)


def say_n(key: str, n: int, /, **fields: Any) -> str:
    """The plural message `key` for the count `n` (also available as {n})."""
    template = _template(key)
    if not isinstance(template, tuple):
        raise TypeError(f"message {key!r} has one form: use say({key!r}, ...)")
    singular, plural = template
    english = singular if n == 1 else plural
    return _fill(_translations.ngettext(singular, plural, n), english, {"n": n, **fields})

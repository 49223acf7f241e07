"""Which language nslab speaks, and the gettext catalogues behind it.

    import nslab
    nslab.set_language("zh_CN")     # from the next message on, nslab speaks Chinese
    nslab.set_language(None)        # choose again, as at start

The language is the first of these that names a language nslab has:

1. an explicit ``set_language(...)`` (also ``Lab(lang=...)``);
2. the ``NSLAB_LANG`` environment variable;
3. the notebook's folder: a notebook under ``notebooks/zh-CN/`` speaks Chinese (its committed
   outputs are Chinese, so nbval and a student opening it get the same words);
4. JupyterLab's own language (Settings > Language, the ``locale`` of the user setting
   ``@jupyterlab/translation-extension:plugin``);
5. the locale: ``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``, as gettext reads them.

English is the fallback for anything missing: a language nslab lacks, or a message its
catalogue does not translate yet. Catalogues live in ``nslab/locale/LANG/LC_MESSAGES/``:
``nslab.po`` (the library's messages) and ``notebooks.po`` (the notebooks' prose, one message
per paragraph, used by tools/course.py). The ``.mo`` files are compiled at install time
(setup.py) or by ``make messages``; a checkout without them compiles the ``.po`` in memory
with Babel.
"""

from __future__ import annotations

import gettext
import io
import json
import os
import re
import sys
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from . import messages
from .errors import NotFound
from .messages import say

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "nslab"
DEFAULT = "en"
# A notebook folder named after a language (notebooks/zh-CN/...) speaks that language.
FOLDERS = {"zh-CN": "zh_CN"}
JUPYTERLAB_PLUGIN = "@jupyterlab/translation-extension/plugin.jupyterlab-settings"
LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


_CHOSEN = {
    "explicit": "language.chosen.explicit",
    "env": "language.chosen.env",
    "folder": "language.chosen.folder",
    "jupyterlab": "language.chosen.jupyterlab",
    "locale": "language.chosen.locale",
    "default": "language.chosen.default",
}


@dataclass(frozen=True)
class Language:
    """The language in use and what chose it; shows itself as one sentence in that language."""

    code: str
    source: str  # explicit, env, folder, jupyterlab, locale, default
    detail: str = ""  # the value that chose it (variable value, folder, call)
    variable: str = ""

    def __repr__(self) -> str:
        fields = {
            "explicit": {"call": f"nslab.set_language({self.code!r})"},
            "env": {"value": self.detail},
            "folder": {"folder": self.detail},
            "jupyterlab": {},
            "locale": {"variable": self.variable, "value": self.detail},
            "default": {},
        }[self.source]
        return say(_CHOSEN[self.source], lang=self.code, **fields)

    def __str__(self) -> str:
        return self.code


_current = Language(DEFAULT, "default")


def available() -> list[str]:
    """The languages nslab speaks: English and every language with a catalogue."""
    found = {p.parent.parent.name for p in LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return [DEFAULT, *sorted(found)]


def normalize(tag: str | None) -> str | None:
    """The language nslab has for a language tag or locale name, or None.

    'zh-CN', 'zh_CN.UTF-8', 'zh', 'zh_Hans_CN' -> 'zh_CN'; 'en_US', 'C', 'POSIX' -> 'en';
    a language nslab lacks ('fr_FR', 'zh_TW') -> None.
    """
    if not tag:
        return None
    tag = re.split(r"[.@]", tag.strip())[0].replace("-", "_")
    if tag in ("C", "POSIX") or tag.lower() == "en" or tag.lower().startswith("en_"):
        return DEFAULT
    langs = available()
    exact = {lang.lower(): lang for lang in langs}
    if tag.lower() in exact:
        return exact[tag.lower()]
    parts = tag.split("_")
    if parts[0].lower() == "zh":  # Simplified Chinese: zh, zh_Hans, zh_SG, zh_Hans_CN
        rest = {p.lower() for p in parts[1:]}
        if not rest or rest & {"hans", "cn", "sg"}:
            return "zh_CN" if "zh_CN" in langs else None
        return None
    same = [lang for lang in langs if lang.split("_")[0].lower() == parts[0].lower()]
    return same[0] if len(parts) == 1 and same else None


def _jupyterlab_locale() -> str | None:
    """The locale chosen in JupyterLab's Settings > Language menu, if one is set."""
    if os.environ.get("JUPYTERLAB_SETTINGS_DIR"):
        settings_dir = Path(os.environ["JUPYTERLAB_SETTINGS_DIR"])
    else:
        config = os.environ.get("JUPYTER_CONFIG_DIR") or Path.home() / ".jupyter"
        settings_dir = Path(config) / "lab" / "user-settings"
    candidates = [
        (settings_dir / JUPYTERLAB_PLUGIN, None),
        # the administrator's default for everyone (overrides.json, keyed by plugin id)
        (Path(sys.prefix) / "share/jupyter/lab/settings/overrides.json",
         "@jupyterlab/translation-extension:plugin"),
    ]
    for path, plugin in candidates:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            continue
        settings = _json5(text)
        if plugin is not None:
            settings = settings.get(plugin, {}) if isinstance(settings, dict) else {}
        locale = settings.get("locale") if isinstance(settings, dict) else None
        if isinstance(locale, str) and locale and locale != "default":
            return locale
    return None


def _json5(text: str) -> object:
    """JupyterLab writes its settings as JSON5 (comments allowed)."""
    try:
        import json5

        return json5.loads(text)
    except ImportError:  # pragma: no cover - json5 comes with jupyterlab
        text = re.sub(r"^\s*//.*$", "", text, flags=re.MULTILINE)
    except ValueError:
        return {}
    try:
        return json.loads(text)
    except ValueError:
        return {}


def _notebook_folder() -> tuple[str, str] | None:
    """(language, folder) when the notebook (or the kernel's directory) lies in a language
    folder. Jupyter Server tells the kernel its notebook as JPY_SESSION_NAME; nbval and
    nbclient start the kernel in the notebook's directory."""
    session = os.environ.get("JPY_SESSION_NAME")
    where = Path(session).parent if session else Path.cwd()
    for part in where.parts:
        if part in FOLDERS and FOLDERS[part] in available():
            return FOLDERS[part], part + "/"
    return None


def detect() -> Language:
    """The language nslab would choose now, without an explicit set_language()."""
    value = os.environ.get("NSLAB_LANG")
    if value:
        code = normalize(value)
        if code is not None:
            return Language(code, "env", value)
        warnings.warn(say("language.env_unknown", value=value, available=", ".join(available())),
                      stacklevel=3)
        return Language(DEFAULT, "default")
    folder = _notebook_folder()
    if folder:
        return Language(folder[0], "folder", folder[1])
    code = normalize(_jupyterlab_locale())
    if code is not None:
        return Language(code, "jupyterlab")
    for variable in LOCALE_VARIABLES:
        value = os.environ.get(variable)
        if not value:
            continue
        # LANGUAGE may list several, in order of preference: "zh_CN:en"
        for tag in value.split(":") if variable == "LANGUAGE" else [value]:
            code = normalize(tag)
            if code is not None:
                return Language(code, "locale", value, variable)
        break  # the first variable set decides, as in gettext
    return Language(DEFAULT, "default")


def set_language(lang: str | None) -> Language:
    """Speak `lang` ('zh_CN', 'zh-CN', 'en', ...) from the next message on; None chooses again
    (NSLAB_LANG, the notebook's folder, JupyterLab's setting, the locale).

    A language nslab lacks raises NotFound and changes nothing."""
    global _current
    if lang is None:
        chosen = detect()
    else:
        code = normalize(lang)
        if code is None:
            raise NotFound(say("language.unknown", lang=lang, available=", ".join(available()),
                               call="nslab.set_language('zh_CN')"))
        chosen = Language(code, "explicit", lang)
    messages.use(catalogue(chosen.code))
    _current = chosen
    return chosen


def language() -> Language:
    """The language nslab speaks now."""
    return _current


@cache
def _compiled(po: Path, mtime: float) -> bytes | None:
    """A .po compiled in memory (for a checkout where no .mo was built), or None without Babel."""
    try:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po
    except ImportError:
        return None
    with po.open("rb") as f:
        catalog = read_po(f)
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def catalogue(lang: str, domain: str = DOMAIN) -> gettext.NullTranslations:
    """The translations of `domain` into `lang` (English: none).

    The compiled .mo is used unless the .po is newer and Babel can compile it (a checkout being
    edited); an installed nslab needs no Babel. Without either, English, with a warning."""
    if lang == DEFAULT:
        return gettext.NullTranslations()
    base = LOCALE_DIR / lang / "LC_MESSAGES" / domain
    po, mo = base.with_suffix(".po"), base.with_suffix(".mo")
    fresh = mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime)
    data = None if fresh or not po.exists() else _compiled(po, po.stat().st_mtime)
    if data is not None:
        return gettext.GNUTranslations(io.BytesIO(data))
    if mo.exists():
        with mo.open("rb") as f:
            return gettext.GNUTranslations(f)
    if po.exists():
        warnings.warn(say("language.not_compiled", lang=lang, mo=str(mo)), stacklevel=2)
    return gettext.NullTranslations()


def untranslated(lang: str, domain: str = DOMAIN) -> list[str]:
    """The English texts in the .pot that `lang`'s catalogue lacks (or has only fuzzily)."""
    from babel.messages.pofile import read_po

    with (LOCALE_DIR / f"{domain}.pot").open("rb") as f:
        template = read_po(f)
    po = LOCALE_DIR / lang / "LC_MESSAGES" / f"{domain}.po"
    translated: dict[object, object] = {}
    if po.exists():
        with po.open("rb") as f:
            translated = {m.id: m for m in read_po(f) if m.id}
    missing = []
    for message in template:
        if not message.id:
            continue
        done = translated.get(message.id)
        strings = done.string if done is not None else None
        if isinstance(strings, tuple | list):
            ok = all(strings)
        else:
            ok = bool(strings)
        if done is None or not ok or done.fuzzy:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def status(langs: list[str] | None = None) -> str:
    """One line per language and catalogue: how many messages still lack a translation
    (`make messages` prints it; the coordinator reads it before declaring a catalogue complete)."""
    lines = []
    for lang in langs or available()[1:]:
        for domain in (DOMAIN, "notebooks"):
            if (LOCALE_DIR / f"{domain}.pot").exists():
                n = len(untranslated(lang, domain))
                lines.append(f"{lang}/{domain}.po: "
                             + messages.say_n("language.untranslated", n, lang=lang))
    return "\n".join(lines)


# Choose the language once at import; set_language() changes it later.
set_language(None)

"""The language choice and the gettext catalogues (no root needed).

The catalogue tests re-run the extraction that `make messages` runs and compare message ids, so
a message added, changed or removed in the code without `make messages` fails here.
"""

from __future__ import annotations

import os
import re
import string
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

import nslab
from nslab import i18n, messages
from nslab.messages import say, say_n

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "nslab" / "locale"
# The same extraction as `make messages` (Makefile, target messages).
EXTRACT = ["extract", "-F", "babel.cfg", "--no-default-keywords", "-k", "N_", "-k", "Nn_:1,2",
           "--sort-output", "--add-location=file", "--project=nslab", "--version=0.1.0"]
CJK = re.compile(r"[\u4e00-\u9fff]")


def complete_languages() -> set[str]:
    """The languages nslab/locale/COMPLETE declares complete (see that file)."""
    lines = (LOCALE / "COMPLETE").read_text(encoding="utf-8").splitlines()
    return {line.strip() for line in lines if line.strip() and not line.startswith("#")}


def _ids(path: Path) -> set[str | tuple[str, ...]]:
    with path.open("rb") as f:
        return {m.id if isinstance(m.id, str) else tuple(m.id) for m in read_po(f) if m.id}


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No language hint from the machine: no NSLAB_LANG, no locale, no JupyterLab setting,
    a neutral working directory; the language is restored afterwards."""
    for var in ("NSLAB_LANG", "JPY_SESSION_NAME", *i18n.LOCALE_VARIABLES):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(tmp_path / "lab-settings"))
    monkeypatch.chdir(tmp_path)
    before = i18n.language()
    yield tmp_path
    monkeypatch.undo()
    i18n.set_language(before.code if before.source == "explicit" else None)


# -- choosing the language ---------------------------------------------------------------

@pytest.mark.parametrize("tag, code", [
    ("zh_CN", "zh_CN"), ("zh-CN", "zh_CN"), ("zh_CN.UTF-8", "zh_CN"), ("zh", "zh_CN"),
    ("zh_Hans_CN", "zh_CN"), ("zh-Hans", "zh_CN"), ("ZH_cn", "zh_CN"),
    ("en", "en"), ("en_US.UTF-8", "en"), ("C", "en"), ("POSIX", "en"), ("C.UTF-8", "en"),
    ("zh_TW", None), ("zh-Hant", None), ("fr_FR", None), ("", None), (None, None),
])
def test_normalize(tag, code):
    assert i18n.normalize(tag) == code


def test_explicit_choice_switches_the_next_message(clean_env):
    assert "zh_CN" in i18n.available()
    english = say("language.chosen.default", lang="en")
    chosen = nslab.set_language("zh_CN")
    assert repr(chosen) == "nslab 使用 zh_CN，由 nslab.set_language('zh_CN') 指定。"
    assert CJK.search(say("language.chosen.default", lang="zh_CN"))
    nslab.set_language("en")
    assert say("language.chosen.default", lang="en") == english
    assert i18n.language().code == "en"


def test_unknown_language_is_refused_and_changes_nothing(clean_env):
    nslab.set_language("zh_CN")
    with pytest.raises(nslab.NotFound) as err:
        nslab.set_language("klingon")
    text = str(err.value)
    assert "'klingon'" in text and "nslab.set_language('zh_CN')" in text and CJK.search(text)
    assert i18n.language().code == "zh_CN"


def test_order_env_then_folder_then_jupyterlab_then_locale(clean_env, monkeypatch):
    tmp = clean_env
    assert i18n.detect().source == "default"
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert (i18n.detect().code, i18n.detect().source) == ("zh_CN", "locale")
    monkeypatch.setenv("LANGUAGE", "fr:en")  # LANGUAGE comes first and lists preferences
    assert (i18n.detect().code, i18n.detect().variable) == ("en", "LANGUAGE")
    settings = tmp / "lab-settings" / "@jupyterlab" / "translation-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(
        '{\n  // written by JupyterLab (JSON5)\n  "locale": "zh_CN",\n}\n', encoding="utf-8")
    assert (i18n.detect().code, i18n.detect().source) == ("zh_CN", "jupyterlab")
    folder = tmp / "notebooks" / "zh-CN" / "exercises"
    folder.mkdir(parents=True)
    monkeypatch.setenv("JPY_SESSION_NAME", str(folder / "01-two-namespaces.ipynb"))
    (settings / "plugin.jupyterlab-settings").write_text('{"locale": "en"}', encoding="utf-8")
    assert (i18n.detect().code, i18n.detect().source) == ("zh_CN", "folder")
    monkeypatch.setenv("NSLAB_LANG", "en")
    assert (i18n.detect().code, i18n.detect().source) == ("en", "env")


def test_jupyterlab_default_means_no_choice(clean_env, monkeypatch):
    settings = clean_env / "lab-settings" / "@jupyterlab" / "translation-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text('{"locale": "default"}')
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert i18n.detect().source == "locale"
    (settings / "plugin.jupyterlab-settings").write_text("{ not json")
    assert i18n.detect().source == "locale"


def test_kernel_in_a_language_folder(clean_env, monkeypatch):
    """nbval and nbclient start the kernel in the notebook's directory."""
    folder = clean_env / "zh-CN"
    folder.mkdir()
    monkeypatch.chdir(folder)
    assert (i18n.detect().code, i18n.detect().source) == ("zh_CN", "folder")


def test_unknown_nslab_lang_warns_and_stays_english(clean_env, monkeypatch):
    monkeypatch.setenv("NSLAB_LANG", "xx_YY")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        chosen = i18n.detect()
    assert chosen.code == "en"
    assert any("NSLAB_LANG='xx_YY'" in str(w.message) for w in caught)


def test_error_in_chinese_names_the_object_and_the_fix():
    """With NSLAB_LANG=zh_CN, in a fresh process, a library error is Chinese and still names
    the object and the fix as Python."""
    code = ("import nslab\n"
            "try:\n    nslab.set_language('fr_FR')\n"
            "except nslab.NotFound as e:\n    print(e)\n")
    env = {**os.environ, "NSLAB_LANG": "zh_CN", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True, cwd=ROOT).stdout
    assert CJK.search(out), out
    assert "'fr_FR'" in out and "nslab.set_language('zh_CN')" in out, out


def test_plural_in_chinese(clean_env):
    nslab.set_language("zh_CN")
    assert say_n("language.untranslated", 1, lang="zh_CN") == "还有 1 条消息没有 zh_CN 翻译。"
    assert say_n("language.untranslated", 3, lang="zh_CN") == "还有 3 条消息没有 zh_CN 翻译。"
    nslab.set_language("en")
    one = say_n("language.untranslated", 1, lang="zh_CN")
    assert one == "1 message has no zh_CN translation yet."
    assert say_n("language.untranslated", 3, lang="zh_CN").startswith("3 messages have")


def test_untranslated_message_falls_back_to_english(clean_env):
    nslab.set_language("zh_CN")
    messages.CATALOGUE["_test.new"] = "A message {name} nobody translated yet."
    try:
        assert say("_test.new", name="x") == "A message x nobody translated yet."
    finally:
        del messages.CATALOGUE["_test.new"]


def test_translation_with_wrong_fields_falls_back_to_english(clean_env):
    class Broken:
        def gettext(self, text):
            return "坏的 {wrong}"

    before = messages.translations()
    messages.use(Broken())  # type: ignore[arg-type]
    try:
        assert say("language.chosen.default", lang="en") == "nslab speaks en, its default language."
    finally:
        messages.use(before)


# -- the catalogues ----------------------------------------------------------------------

def test_template_is_up_to_date_with_the_code(tmp_path):
    """Re-extracting the messages gives the committed nslab.pot (else: run `make messages`)."""
    fresh = tmp_path / "nslab.pot"
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        CommandLineInterface().run(["pybabel", "-q", *EXTRACT, "-o", str(fresh), "."])
    finally:
        os.chdir(cwd)
    committed, extracted = _ids(LOCALE / "nslab.pot"), _ids(fresh)
    assert committed == extracted, (
        f"nslab/locale/nslab.pot is out of date: run `make messages`. "
        f"New: {sorted(map(str, extracted - committed))[:5]}; "
        f"gone: {sorted(map(str, committed - extracted))[:5]}")


@pytest.mark.parametrize("domain", ["nslab", "notebooks"])
def test_each_catalogue_follows_its_template(domain):
    """Every .po holds exactly the .pot's messages (`pybabel update` was run)."""
    pot = LOCALE / f"{domain}.pot"
    for po in sorted(LOCALE.glob(f"*/LC_MESSAGES/{domain}.po")):
        assert _ids(po) == _ids(pot), f"{po.relative_to(ROOT)} is out of date: run `make messages`"


@pytest.mark.parametrize("domain", ["nslab", "notebooks"])
def test_translations_keep_the_fields(domain):
    """A translation uses the same {fields} as its English text (names stay verbatim)."""
    problems = []
    for po in sorted(LOCALE.glob(f"*/LC_MESSAGES/{domain}.po")):
        with po.open("rb") as f:
            for m in read_po(f):
                ids = [m.id] if isinstance(m.id, str) else list(m.id)
                strings = [m.string] if isinstance(m.string, str) else list(m.string)
                for text in filter(None, strings):
                    if domain == "nslab" and _fields(text) != _fields(ids[-1]):
                        problems.append(f"{po.name}: {ids[0]!r} -> {text!r}")
    assert not problems, "\n".join(problems)


def _require_complete(lang: str) -> None:
    if lang not in complete_languages():
        pytest.skip(f"{lang} is not declared complete yet: add it to nslab/locale/COMPLETE "
                    "once `make messages` reports no untranslated message")


@pytest.mark.parametrize("lang", ["zh_CN"])
def test_every_message_is_translated(lang):
    _require_complete(lang)
    missing = i18n.untranslated(lang)
    assert not missing, f"{len(missing)} messages lack a {lang} translation: {missing[:5]}"


def test_untranslated_counts_what_is_missing(tmp_path, monkeypatch):
    """The check behind COMPLETE sees a missing and a fuzzy translation."""
    (tmp_path / "xx" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "nslab.pot").write_text(
        'msgid ""\nmsgstr ""\n\nmsgid "One"\nmsgstr ""\n\nmsgid "Two"\nmsgstr ""\n\n'
        'msgid "Three"\nmsgstr ""\n', encoding="utf-8")
    (tmp_path / "xx" / "LC_MESSAGES" / "nslab.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "One"\nmsgstr "Eins"\n\n#, fuzzy\nmsgid "Two"\nmsgstr "Zwo"\n',
        encoding="utf-8")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    assert i18n.untranslated("xx") == ["Two", "Three"]


def test_jupyterlab_admin_default_in_overrides(clean_env, monkeypatch):
    """An administrator's overrides.json (JupyterLab's app settings) counts like the user's."""
    prefix = clean_env / "prefix"
    settings = prefix / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True)
    (settings / "overrides.json").write_text(
        '{"@jupyterlab/translation-extension:plugin": {"locale": "zh_CN"}}')
    monkeypatch.setattr(sys, "prefix", str(prefix))
    assert (i18n.detect().code, i18n.detect().source) == ("zh_CN", "jupyterlab")
    user = clean_env / "lab-settings" / "@jupyterlab" / "translation-extension"
    user.mkdir(parents=True)
    (user / "plugin.jupyterlab-settings").write_text('{"locale": "en"}')
    assert i18n.detect().code == "en"  # the user's own choice wins


def test_lab_lang_refuses_an_unknown_language_before_touching_anything(tmp_path, monkeypatch):
    import nslab
    from nslab import Lab, NotFound

    monkeypatch.setenv("NSLAB_STATE_DIR", str(tmp_path))
    with pytest.raises(NotFound, match="fr"):
        Lab("langtest", lang="fr")
    assert not list(tmp_path.iterdir())  # no journal written
    nslab.set_language(None)


def test_no_space_between_two_chinese_characters_when_a_field_is_chinese():
    from nslab.snapshot import ns_label

    nslab.set_language("zh_CN")
    try:  # the template is "{ifname} 从 {src} 移到了 {dst}": 主机 is Chinese, test1 Latin
        text = say("changes.moved", ifname="veth-test1", src=ns_label(None), dst="test1")
        assert text == "veth-test1 从主机移到了 test1"
    finally:
        nslab.set_language(None)

"""The Chinese text keeps the glossary's words and the typography convention it names
(docs/translation/terms.zh-CN.md: 中文文案排版指北), and README.zh-CN.md gives README.md's two
commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted((ROOT / "nslab" / "locale").glob("zh_CN/LC_MESSAGES/*.po"))
# words the glossary decided against -> the glossary's word
AVOID = {"回环端口": "回环口", "虚拟网卡对": "veth pair", "命令空间": "命名空间",
         "名字空间": "命名空间", "网络名称空间": "网络命名空间", "桥接器": "网桥"}
CJK = "\u4e00-\u9fff"
# CJK next to Latin letters, digits or a {field} without a space
NO_SPACE = re.compile(rf"[{CJK}][A-Za-z0-9{{`]|[A-Za-z0-9}}`][{CJK}]")
HALF_WIDTH_AFTER_CJK = re.compile(rf"[{CJK}][,;:!?]|[{CJK}] [,;:!?。，]")


def _translations() -> list[tuple[str, str]]:
    out = []
    for po in CATALOGUES:
        with po.open("rb") as f:
            for m in read_po(f):
                strings = [m.string] if isinstance(m.string, str) else list(m.string)
                out += [(po.name, s) for s in strings if s]
    return out


# fields that carry a whole translated sentence: Chinese text, not Latin, for the spacing rules
SENTENCE_FIELDS = re.compile(r"\{(hint|fix)\}|(?:(?<=。)|^)\{(step|missing)\}")  # else: an id


def _prose(text: str) -> str:
    """The text without code spans, fenced code, links' targets and HTML."""
    text = SENTENCE_FIELDS.sub("。", text)
    text = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    text = re.sub(r"`[^`]*`", "`x`", text)
    return re.sub(r"\]\([^)]*\)", "]", text)


def test_there_is_chinese_to_check():
    assert len(_translations()) >= 10


@pytest.mark.parametrize("avoid, use", sorted(AVOID.items()))
def test_glossary_words(avoid, use):
    bad = [f"{where}: {text[:60]!r}" for where, text in _translations() if avoid in text]
    assert not bad, (f"write {use!r}, not {avoid!r} (docs/translation/terms.zh-CN.md):\n"
                     + "\n".join(bad))


def test_spaces_between_chinese_and_latin():
    bad = [f"{where}: {m.group(0)!r} in {text[:50]!r}" for where, text in _translations()
           for m in NO_SPACE.finditer(_prose(text))]
    assert not bad, "put a space between Chinese and Latin text or digits:\n" + "\n".join(bad)


def test_full_width_punctuation_after_chinese():
    bad = [f"{where}: {m.group(0)!r} in {text[:50]!r}" for where, text in _translations()
           for m in HALF_WIDTH_AFTER_CJK.finditer(_prose(text))]
    assert not bad, "use full-width punctuation after Chinese, with no space before:\n" + \
        "\n".join(bad)


def test_lint_catches_what_it_should():
    assert NO_SPACE.search("使用Docker") and NO_SPACE.search("共19步")
    assert not NO_SPACE.search(_prose("用 `ip netns` 创建，前缀长度 24"))
    assert HALF_WIDTH_AFTER_CJK.search("状态是 DOWN，没有载波。") is None
    assert HALF_WIDTH_AFTER_CJK.search("没有载波,") and HALF_WIDTH_AFTER_CJK.search("载波 。")


def _commands(readme: Path) -> list[str]:
    block = re.search(r"```bash\n(.*?)```", readme.read_text(encoding="utf-8"), re.DOTALL)
    assert block, f"{readme.name} has no bash block"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def test_chinese_readme_gives_the_same_two_commands():
    assert _commands(ROOT / "README.zh-CN.md") == _commands(ROOT / "README.md") == \
        ["pip install nslab", "nslab lab"]
    assert "README.zh-CN.md" in (ROOT / "README.md").read_text(encoding="utf-8")

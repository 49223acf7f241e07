"""The workbook in the student's language (issue 19): an English edition in the workbook's top
folder, a Chinese one in its zh-CN/ folder, every link inside the workbook, and the bad
inputs: a language the course lacks, a workbook from an older version, a home nobody can
write."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import nbformat
import pytest

from nslab.cli import main
from nslab.errors import NotFound, PrivilegeError
from nslab.workbook import EDITIONS, edition, editions, for_lab, prepare_edition

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
LINK = re.compile(r"\]\(([^)\s]+)\)|href=\"([^\"]+)\"|src=\"([^\"]+)\"")


@pytest.fixture(autouse=True)
def own_dirs(tmp_path, monkeypatch):
    """The notary's database and the default workbook in temporary folders; no language
    chosen by the environment."""
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter-data"))
    monkeypatch.setenv("NSLAB_WORKBOOK", str(tmp_path / "default-book"))
    for var in ("NSLAB_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(var, raising=False)
    yield
    monkeypatch.undo()  # then choose the language again, as the next test's environment says
    from nslab import i18n

    i18n.set_language(None)


def relative_links(book: Path) -> list[tuple[Path, str]]:
    """(notebook, target) for every relative link of every notebook under BOOK."""
    found = []
    for path in sorted(book.rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            for m in LINK.finditer(cell.source):
                target = next(g for g in m.groups() if g)
                if re.match(r"^[a-z][a-z0-9+.-]*:|^#|^/", target, re.I):
                    continue
                found.append((path, target.split("#")[0]))
    return found


def dead_links(book: Path) -> list[str]:
    return [f"{nb.relative_to(book)} -> {t}" for nb, t in relative_links(book)
            if not (nb.parent / t).exists() or book.resolve() not in
            [*(nb.parent / t).resolve().parents, (nb.parent / t).resolve()]]


def test_the_course_has_both_editions():
    assert editions(NOTEBOOKS) == ["en", "zh_CN"]


def test_english_and_chinese_editions_side_by_side(tmp_path):
    book = tmp_path / "book"
    en = prepare_edition(NOTEBOOKS, "en", book, quiet=True)
    zh = prepare_edition(NOTEBOOKS, "zh-CN", book, quiet=True)
    assert en == book and zh == book / "zh-CN"
    names = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert sorted(p.name for p in en.glob("*.ipynb")) == names
    assert sorted(p.name for p in zh.glob("*.ipynb")) == names
    assert len(list((zh / "exercises").glob("*.ipynb"))) == 10
    assert len(list((zh / "reference").glob("*.ipynb"))) == len(names)
    def cjk(path: Path) -> int:
        return len(re.findall("[\u4e00-\u9fff]", nbformat.read(path, as_version=4).cells[0].source))

    assert cjk(zh / "03-veth-pair.ipynb") > 100, "the Chinese edition holds Chinese notebooks"
    assert cjk(en / "03-veth-pair.ipynb") < 10  # (the English one names the article's title)
    # each edition has the docs its links need, the Chinese glossary in the Chinese one
    assert (zh / "docs" / "glossary.zh-CN.md").is_file() and (en / "docs" / "glossary.md").is_file()


def test_every_link_resolves_inside_the_workbook(tmp_path):
    book = tmp_path / "book"
    for lang in EDITIONS:
        prepare_edition(NOTEBOOKS, lang, book, quiet=True)
    links = relative_links(book)
    assert len(links) > 50, "the notebooks link the glossary, the article steps, each other"
    assert dead_links(book) == []
    zh_glossary = [t for nb, t in links if "zh-CN" in nb.parts and "glossary" in t]
    assert zh_glossary and all(t.endswith("glossary.zh-CN.md") for t in zh_glossary)
    ref = [t for nb, t in links if "reference" in nb.parts and "docs/" in t]
    assert ref and all(t.startswith("../docs/") for t in ref)


def test_language_chosen_like_nslab_speaks(tmp_path, monkeypatch):
    from nslab import i18n

    monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(tmp_path / "no-settings"))
    try:
        i18n.set_language(None)
        assert edition(None, NOTEBOOKS) == "en"
        monkeypatch.setenv("LANG", "zh_CN.UTF-8")  # the locale
        i18n.set_language(None)
        assert edition(None, NOTEBOOKS) == "zh_CN"
        monkeypatch.setenv("NSLAB_LANG", "en")  # NSLAB_LANG before the locale
        i18n.set_language(None)
        assert edition(None, NOTEBOOKS) == "en"
        monkeypatch.setenv("NSLAB_LANG", "zh_CN")
        i18n.set_language(None)
        assert edition(None, NOTEBOOKS) == "zh_CN"
        root, options = for_lab(NOTEBOOKS, [], dry_run=True)
        assert options[-1] == "zh-CN/00-start-here.ipynb"
        assert edition("en", NOTEBOOKS) == "en"  # --lang before everything
        # JupyterLab's Settings > Language (before the locale, after NSLAB_LANG)
        monkeypatch.delenv("NSLAB_LANG")
        monkeypatch.setenv("LANG", "C.UTF-8")
        plugin = tmp_path / "lab-settings" / "@jupyterlab" / "translation-extension"
        plugin.mkdir(parents=True)
        (plugin / "plugin.jupyterlab-settings").write_text('{"locale": "zh_CN"}')
        monkeypatch.setenv("JUPYTERLAB_SETTINGS_DIR", str(tmp_path / "lab-settings"))
        i18n.set_language(None)
        assert edition(None, NOTEBOOKS) == "zh_CN"
        monkeypatch.setenv("NSLAB_LANG", "en")
    finally:
        monkeypatch.undo()
        i18n.set_language(None)


def test_unknown_language_names_the_ones_there_are(tmp_path, capsys):
    with pytest.raises(NotFound) as err:
        prepare_edition(NOTEBOOKS, "xx", tmp_path / "book")
    assert "'xx'" in str(err.value) and "en, zh_CN" in str(err.value)
    assert not (tmp_path / "book").exists()
    assert main(["workbook", "--lang", "fr", "--dir", str(tmp_path / "b")]) == 1
    assert "en, zh_CN" in capsys.readouterr().err and not (tmp_path / "b").exists()
    from nslab.cli import main_lab

    assert main_lab(["--lang", "xx", "--dry-run"]) == 1
    assert "en, zh_CN" in capsys.readouterr().err


def test_a_workbook_from_an_older_version_gets_the_new_notebooks(tmp_path, capsys):
    book = tmp_path / "book"
    prepare_edition(NOTEBOOKS, "zh_CN", book, quiet=True)
    zh = book / "zh-CN"
    mine = zh / "03-veth-pair.ipynb"
    nb = nbformat.read(mine, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("我的笔记"))
    nbformat.write(nb, mine)
    # an older nslab had neither these notebooks nor docs/ in the workbook
    (zh / "05-nat-and-ports.ipynb").unlink()
    (zh / "exercises" / "10-router-no-answer.ipynb").unlink()
    for f in (zh / "docs").iterdir():
        f.unlink()
    (zh / "docs").rmdir()
    assert main(["workbook", "--lang", "zh_CN", "--dir", str(book)]) == 0
    out = capsys.readouterr()
    assert "我的笔记" in mine.read_text(encoding="utf-8"), "the student's work is kept"
    assert (zh / "05-nat-and-ports.ipynb").exists()
    assert (zh / "exercises" / "10-router-no-answer.ipynb").exists()
    assert (zh / "docs" / "glossary.zh-CN.md").exists()
    assert "2" in out.err and str(zh) in out.out
    assert dead_links(zh) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder anyway")
def test_a_read_only_home_is_a_clear_error(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(PrivilegeError) as err:
            prepare_edition(NOTEBOOKS, "en", home / "nslab-workbook")
    finally:
        home.chmod(0o700)
    text = str(err.value)
    assert str(home / "nslab-workbook") in text and "NSLAB_WORKBOOK" in text and "--dir" in text
    assert list(home.iterdir()) == []


def test_a_read_only_home_as_root_too(tmp_path, monkeypatch):
    """Root ignores file modes, so the refusal itself is exercised with the OS's error."""
    import errno

    import nslab.workbook as wb

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(wb, "_prepare", refuse)
    with pytest.raises(PrivilegeError, match="Read-only file system.*NSLAB_WORKBOOK"):
        prepare_edition(NOTEBOOKS, "en", tmp_path / "book")


def test_chinese_glossary_explains_every_word_the_english_one_does():
    def words(path: Path) -> list[str]:
        rows = [line for line in path.read_text(encoding="utf-8").splitlines()
                if line.startswith("| `") or line.startswith("| hidden") or "（`@web`）" in line]
        return [re.findall(r"`[^`]+`", row.split("|")[1]) for row in rows]

    en, zh = words(ROOT / "docs" / "glossary.md"), words(ROOT / "docs" / "glossary.zh-CN.md")
    assert len(en) == len(zh) >= 30
    assert en == zh, "the same words, in the same order"
    text = (ROOT / "docs" / "glossary.zh-CN.md").read_text(encoding="utf-8")
    assert len(re.findall("[\u4e00-\u9fff]", text)) > 800, "explained in Chinese"

"""The Chinese notebooks are the English ones translated: same cells, same code.

- a Chinese twin has exactly its English notebook's code cells (source, tags, nbgrader
  metadata) and the markdown that tools/course.py writes from the catalogue, paragraph by
  paragraph;
- nslab/locale/notebooks.pot holds the course's current paragraphs (a changed English
  paragraph shows up as a new, untranslated message);
- once zh_CN is declared complete (nslab/locale/COMPLETE), every English notebook has a twin
  and every markdown cell a translation;
- a translation may not drop nbgrader's marker lines, and `nslab student` works on a
  translated exercise notebook.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import nbformat
import pytest

from nslab.student import TEXT_STUB, make_student, write
from tests.unit.test_i18n import complete_languages

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
if "course" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("course", ROOT / "tools" / "course.py")
    sys.modules["course"] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules["course"])
tn = sys.modules["course"]


def _twin(english: Path) -> Path:
    return tn.NOTEBOOKS / tn.LANGS["zh_CN"] / english.relative_to(tn.NOTEBOOKS)


def _prose(nb) -> list[str]:
    return [m for c in nb.cells if c.cell_type == "markdown" for m in tn.messages(c.source)]


ENGLISH = sorted(tn.NOTEBOOKS.glob("0*.ipynb")) + tn.exercise_notebooks()
TWINS = [p for p in ENGLISH if _twin(p).exists()]


def _code(nb) -> list[tuple[str, object, object]]:
    return [(c.source, c.metadata.get("tags"), c.metadata.get("nbgrader"))
            for c in nb.cells if c.cell_type == "code"]


def _layout(nb) -> list[tuple[str, object]]:
    return [(c.cell_type, c.metadata.get("nbgrader")) for c in nb.cells]


def test_00_start_here_has_a_chinese_twin():
    assert ROOT / "notebooks" / "00-start-here.ipynb" in TWINS


@pytest.mark.parametrize("english", TWINS, ids=[p.stem for p in TWINS])
def test_twin_has_the_same_code_cells(english):
    en = nbformat.read(english, as_version=4)
    zh = nbformat.read(_twin(english), as_version=4)
    assert _layout(zh) == _layout(en), f"{_twin(english)}: cells differ from {english.name}"
    assert _code(zh) == _code(en), (
        f"{_twin(english).relative_to(ROOT)} has other code than {english.name}: run "
        "`flock /tmp/nslab-kernel.lock python tools/translate_notebooks.py build --execute "
        f"{english.relative_to(ROOT)}`")


@pytest.mark.parametrize("english", TWINS, ids=[p.stem for p in TWINS])
def test_twin_markdown_is_what_the_catalogue_gives(english):
    zh = nbformat.read(_twin(english), as_version=4)
    text = tn.COURSE / f"{english.stem}.md"
    if english.parent == tn.NOTEBOOKS:
        expected, _missing = tn.build(text, "zh_CN")
    else:
        en = nbformat.read(english, as_version=4)
        expected, _missing = tn.translate(en, tn.load_translations("zh_CN"))
    got = [c.source for c in zh.cells if c.cell_type == "markdown"]
    assert got == [c.source for c in expected.cells if c.cell_type == "markdown"], (
        f"{_twin(english).relative_to(ROOT)} is older than notebooks.po: rebuild it")


def test_notebook_template_is_up_to_date(tmp_path):
    fresh = tmp_path / "notebooks.pot"
    tn.write_pot(fresh)
    from tests.unit.test_i18n import _ids

    assert _ids(fresh) == _ids(tn.POT), (
        "nslab/locale/notebooks.pot is not the English notebooks' prose: run `make messages`")


def _require_complete() -> None:
    if "zh_CN" not in complete_languages():
        pytest.skip("zh_CN is not declared complete yet: add it to nslab/locale/COMPLETE")


@pytest.mark.parametrize("english", ENGLISH, ids=[p.stem for p in ENGLISH])
def test_every_english_notebook_has_a_translated_twin(english):
    _require_complete()
    assert _twin(english).exists(), f"no Chinese twin of {english.relative_to(ROOT)}"
    if english.parent == tn.NOTEBOOKS:
        _nb, missing = tn.build(tn.COURSE / f"{english.stem}.md", "zh_CN")
    else:
        _nb, missing = tn.translate(nbformat.read(english, as_version=4),
                                    tn.load_translations("zh_CN"))
    assert not missing, f"{len(missing)} paragraphs lack a translation: {missing[0][:80]!r}"


def test_translated_00_reads_as_chinese():
    zh = nbformat.read(_twin(ROOT / "notebooks" / "00-start-here.ipynb"), as_version=4)
    for cell in zh.cells:
        if cell.cell_type == "markdown":
            assert any("\u4e00" <= ch <= "\u9fff" for ch in cell.source), cell.source[:80]
    assert zh.metadata["nslab"]["language"] == "zh_CN"
    assert "](../../docs/article-steps.md)" in zh.cells[0].source  # links fixed for the folder


def _fake_translations(nb) -> dict[str, str]:
    """Every paragraph 'translated' (marker lines kept), as a translator would."""
    out = {}
    for text in _prose(nb):
        lines = text.splitlines()
        out[text] = "\n".join(line if tn.MARKERS.match(line) else f"译：{line}" for line in lines)
    return out


EXERCISE = ROOT / "notebooks" / "exercises" / "02-cannot-talk.ipynb"


@pytest.mark.skipif(not EXERCISE.exists(), reason="exercise notebook renamed")
def test_student_version_of_a_translated_exercise(tmp_path):
    en = nbformat.read(EXERCISE, as_version=4)
    zh, missing = tn.translate(en, _fake_translations(en))
    assert not missing
    teacher = tmp_path / "zh-CN" / "exercises" / EXERCISE.name
    teacher.parent.mkdir(parents=True)
    nbformat.write(zh, teacher)
    [written] = write(teacher.parent, tmp_path / "student")
    student = nbformat.read(written, as_version=4)
    en_student = make_student(en, name="en")
    assert _code(student) == _code(en_student)  # the same stubs in the same cells
    text = "\n".join(c.source for c in student.cells if c.cell_type == "markdown")
    assert TEXT_STUB in text and not tn.MARKERS.search(text)
    solution = [c.source for c in en.cells if c.cell_type == "markdown"
                and c.metadata.get("nbgrader", {}).get("solution")]
    for answer in solution:  # no solution text survives, in either language
        for line in answer.splitlines():
            if not tn.MARKERS.match(line) and line.strip():
                assert f"译：{line}" not in text and line not in text


def test_translation_that_drops_a_marker_is_refused():
    en = nbformat.read(EXERCISE, as_version=4)
    bad = _fake_translations(en)
    for text in bad:
        if "BEGIN SOLUTION" in text:
            bad[text] = "答案：去掉了标记"
    with pytest.raises(tn.CourseError, match="BEGIN SOLUTION"):
        tn.translate(en, bad)


def test_untranslated_paragraph_stays_english_and_is_reported():
    en = nbformat.read(ROOT / "notebooks" / "00-start-here.ipynb", as_version=4)
    zh, missing = tn.translate(en, {})
    assert missing == _prose(en)
    # kept in English, with its links made right for the deeper folder
    assert [c.source for c in zh.cells] == [tn.relink(c.source) if c.cell_type == "markdown"
                                             else c.source for c in en.cells]
    assert all(not c.outputs for c in zh.cells if c.cell_type == "code")


# CommonMark does not close "**前置条件：**无" (a closing ** after punctuation must be followed
# by a space or punctuation) nor open "的**《书名》**": the reader would see the asterisks.
def _punct(ch: str) -> bool:
    import unicodedata

    return unicodedata.category(ch).startswith("P")


def _broken_emphasis(text: str) -> list[str]:
    import re

    bad = []
    for m in re.finditer(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", text):
        before = text[m.start() - 1] if m.start() else " "
        after = text[m.end()] if m.end() < len(text) else " "
        inner = m.group(1)
        opens = not (_punct(inner[0]) and not (before.isspace() or _punct(before)))
        closes = not (_punct(inner[-1]) and not (after.isspace() or _punct(after)))
        if not (opens and closes):
            bad.append(text[max(0, m.start() - 3):m.end() + 3])
    return bad


def test_chinese_emphasis_renders():
    assert _broken_emphasis("**前置条件：**无") and _broken_emphasis("的**《书名》**")
    assert not _broken_emphasis("**前置条件**：无。内核的**网络命名空间**（network namespace）")
    problems = [f"{text[:30]!r}: {bad!r}" for text in tn.load_translations("zh_CN").values()
                for bad in _broken_emphasis(text)]
    assert not problems, "move the punctuation outside the ** markers:\n" + "\n".join(problems)

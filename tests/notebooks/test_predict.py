"""Predict first: nothing a student reads before a Predict prompt gives its answer away.

Each step declares the words of its answer (nslab/steps.py: `answer`, and `answer_key` in the
reader's language). Before each prompt, the prose since the previous code cell (the step's
heading and introduction, notes, the previous step's explanation) may contain none of them,
in English and in Chinese. The step's explanation comes only after its output.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

import nslab
from nslab.steps import ARTICLE

ROOT = Path(__file__).parents[2]
BOOKS = [(p, "en") for p in sorted((ROOT / "notebooks").glob("0*.ipynb"))] + [
    (p, "zh_CN") for p in sorted((ROOT / "notebooks" / "zh-CN").glob("0*.ipynb"))]
PROMPT = {"en": "> **Predict:**", "zh_CN": "> **预测**"}
HEADING = re.compile(r"^## (S\d+) · ", re.M)


@pytest.fixture
def language(request):
    nslab.set_language(request.param)
    yield request.param
    nslab.set_language(None)


def _prompts(cells) -> list[tuple[str, int, str]]:
    """(step id, cell index, the prose between the previous code cell and the prompt)."""
    found, step, since = [], None, []
    for i, cell in enumerate(cells):
        if cell.cell_type == "code":
            since = []
            continue
        m = HEADING.search(cell.source)
        if m:
            step = m.group(1)
        if cell.source.startswith(tuple(PROMPT.values())):
            if step:
                found.append((step, i, "\n".join(since)))
        else:
            since.append(cell.source)
    return found


@pytest.mark.parametrize(("path", "language"), BOOKS, indirect=["language"],
                         ids=[f"{lang}-{p.stem}" for p, lang in BOOKS])
def test_no_answer_before_the_prompt(path: Path, language: str):
    cells = nbformat.read(path, as_version=4).cells
    spoiled = []
    for sid, i, before in _prompts(cells):
        for word in ARTICLE[sid].answer_words:
            if word.lower() in before.lower():
                spoiled.append(f"{sid} (cell {i}): {word!r} before the prompt")
    assert not spoiled, "\n".join(spoiled)


@pytest.mark.parametrize(("path", "language"), BOOKS, indirect=["language"],
                         ids=[f"{lang}-{p.stem}" for p, lang in BOOKS])
def test_the_explanation_follows_the_output(path: Path, language: str):
    cells = nbformat.read(path, as_version=4).cells
    prompts = {}
    for sid, i, _ in _prompts(cells):
        prompts.setdefault(sid, i)
    for sid, first in prompts.items():
        said = ARTICLE[sid].explained_markdown()
        explained = [i for i, c in enumerate(cells) if c.source == said]
        assert len(explained) == 1, f"{sid}: its explanation is not in {path.name} once"
        ran = [i for i in range(first, explained[0]) if cells[i].cell_type == "code"]
        assert ran, f"{sid}: the explanation comes before the step runs"


def test_every_step_declares_its_answer_and_each_language_has_words():
    for lang in ("en", "zh_CN"):
        nslab.set_language(lang)
        try:
            for step in ARTICLE.values():
                assert step.answer_words, f"{step.id} declares no words of its answer"
                assert all(w.strip() for w in step.answer_words), step.id
        finally:
            nslab.set_language(None)


@pytest.mark.parametrize("language", ["en", "zh_CN"], indirect=True)
def test_headings_name_actions_not_results(language: str):
    words = {w.lower() for s in ARTICLE.values() for w in s.answer_words}
    for step in ARTICLE.values():
        title = step.title.lower()
        assert not [w for w in words if w in title], f"{step.id} · {step.title}"
        assert not [w for w in step.answer_words if w.lower() in step.intro.lower()], step.id
    assert ARTICLE["S16"].title != "Still DOWN"


def test_the_spoiler_check_finds_a_spoiler():
    md = nbformat.v4.new_markdown_cell
    cells = [nbformat.v4.new_code_cell("lab"), md("## S11 · Bring lo up\n\n`lo` now says UNKNOWN"),
             md("> **Predict:** what state?"), nbformat.v4.new_code_cell("x")]
    [(sid, _, before)] = _prompts(cells)
    assert sid == "S11" and "UNKNOWN" in before

"""The tutorial notebooks are generated from one source and teach in one shape.

No kernel needed: these read the committed notebooks and the generator.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("0*.ipynb"))


def _generator():
    spec = importlib.util.spec_from_file_location("make_notebooks",
                                                  ROOT / "tools" / "make_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEN = _generator()


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def test_every_tutorial_notebook_is_generated():
    assert sorted(name for name, _ in GEN.BOOKS.values()) == [p.name for p in NOTEBOOKS]


def test_committed_cells_are_what_the_generator_writes():
    assert GEN.stale() == [], "run `make notebooks` (as root, under the kernel lock)"


def test_step_cells_come_from_the_library():
    from nslab.steps import ARTICLE

    text = "\n".join(c.source for p in NOTEBOOKS for c in _read(p).cells)
    for sid, step in ARTICLE.items():
        assert f"## {sid} · {step.title}" in text, sid
        assert step.explain in text, sid
        assert f"```bash\n{step.command}\n```" in text, sid


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_ends_with_a_summary_and_a_self_check(path: Path):
    cells = _read(path).cells
    assert cells[-2].cell_type == cells[-1].cell_type == "markdown"
    assert cells[-2].source.startswith("## Summary\n")
    quiz = cells[-1].source
    assert quiz.startswith("## Self-check\n")
    questions = re.findall(r"^\d+\. ", quiz, re.M)
    assert 3 <= len(questions) <= 5
    assert quiz.count("<details>") == len(questions), "every answer is collapsed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_prediction_has_its_answer_after_the_cell(path: Path):
    cells = _read(path).cells
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown" and cell.source.startswith("> **Predict:**"):
            assert cells[i + 1].cell_type == "code", f"cell {i}: a prompt precedes a cell"
            later = [c.source for c in cells[i + 1:i + 4] if c.cell_type == "markdown"]
            assert any(s.startswith("<details><summary>Answer") for s in later), f"cell {i}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_test_markers_stay_out_of_the_code_students_read(path: Path):
    for cell in _read(path).cells:
        if cell.cell_type == "code":
            assert "NBVAL" not in cell.source
            assert "(this cell shows a mistake on purpose)" not in cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_object_reprs_in_outputs(path: Path):
    for i, cell in enumerate(_read(path).cells):
        for out in cell.get("outputs", []):
            text = out.get("text", "") + out.get("data", {}).get("text/plain", "")
            assert not re.search(r"<[^<>]* at 0x[0-9a-f]+>", text), f"cell {i}: {text[:80]}"


def test_every_step_of_the_article_is_in_a_notebook_in_order():
    text = "\n".join(c.source for p in NOTEBOOKS for c in _read(p).cells)
    found = [int(m) for m in re.findall(r"^## S(\d+) · ", text, re.M)]
    assert found == list(range(1, 20))


def test_the_runner_reads_the_same_step_data():
    from nslab import steps, tutorial
    from nslab.messages import CATALOGUE

    assert tutorial.ARTICLE is steps.ARTICLE and tutorial.VETH is steps.VETH
    assert list(tutorial.IP_NETNS) == ["S6", "S7", "S8", "S9", "S10", "S11"]
    for step in steps.ARTICLE.values():
        for key in (step.title_key, step.explain_key, step.makes_key):
            assert key is None or key in CATALOGUE, key
    assert steps.MAKES["S8"] == "namespaces test1 and test2"
    assert "S9" not in steps.MAKES

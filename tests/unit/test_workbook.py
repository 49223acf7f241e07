"""nslab.workbook: the student's copy has no outputs, keeps their work, restores fresh;
the reference copies are trusted, so their drawings show as pictures."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.sign import NotebookNotary

from nslab.cli import main
from nslab.errors import NotFound
from nslab.workbook import LAB_OPTIONS, for_lab, prepare

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.fixture(autouse=True)
def own_jupyter_dirs(tmp_path, monkeypatch):
    """The notary's secret and database in a temporary data dir, not the user's."""
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter-data"))
    monkeypatch.setenv("NSLAB_WORKBOOK", str(tmp_path / "default-book"))


def outputs(path: Path) -> int:
    nb = nbformat.read(path, as_version=4)
    return sum(len(c.get("outputs", [])) for c in nb.cells)


def test_first_run_copies_without_outputs(tmp_path, capsys):
    book = prepare(NOTEBOOKS, tmp_path / "book")
    copies = sorted(book.glob("*.ipynb"))
    assert [p.name for p in copies] == sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert outputs(NOTEBOOKS / "03-veth-pair.ipynb") > 0  # the reference has outputs...
    assert all(outputs(p) == 0 for p in copies)  # ...the student's copy none
    nb = nbformat.read(book / "03-veth-pair.ipynb", as_version=4)
    assert "widgets" not in nb.metadata
    assert all(c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    exercise = nbformat.read(book / "exercises" / "01-two-namespaces.ipynb", as_version=4)
    code = "".join(c.source for c in exercise.cells if c.cell_type == "code")
    assert "BEGIN SOLUTION" not in code  # the student version
    assert "copied" in capsys.readouterr().err


def test_reference_copies_are_trusted_with_their_outputs(tmp_path):
    repo = nbformat.read(NOTEBOOKS / "03-veth-pair.ipynb", as_version=4)
    assert not NotebookNotary().check_signature(repo)  # untrusted: SVG would show as text
    book = prepare(NOTEBOOKS, tmp_path / "book", quiet=True)
    ref = nbformat.read(book / "reference" / "03-veth-pair.ipynb", as_version=4)
    assert sum(len(c.get("outputs", [])) for c in ref.cells) > 0
    assert NotebookNotary().check_signature(ref)  # signed for this user: drawings show


def test_later_runs_keep_the_students_work_and_fresh_saves_it(tmp_path, capsys):
    book = prepare(NOTEBOOKS, tmp_path / "book", quiet=True)
    mine = book / "03-veth-pair.ipynb"
    nb = nbformat.read(mine, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("my notes"))
    nbformat.write(nb, mine)
    (book / "02-ip-netns.ipynb").unlink()  # lost one: copied again
    prepare(NOTEBOOKS, book)
    assert "my notes" in mine.read_text()
    assert (book / "02-ip-netns.ipynb").exists()
    assert "using your notebooks" in capsys.readouterr().err

    prepare(NOTEBOOKS, book, fresh=True)
    saved = [p for p in tmp_path.iterdir() if p.name.startswith("book-saved-")]
    assert len(saved) == 1 and "my notes" in (saved[0] / "03-veth-pair.ipynb").read_text()
    assert "my notes" not in mine.read_text()
    assert "saved your notebooks" in capsys.readouterr().err


def test_no_notebooks_is_a_clear_error_that_creates_nothing(tmp_path):
    with pytest.raises(NotFound, match="No notebooks to copy from"):
        prepare(tmp_path / "empty", tmp_path / "book")
    assert not (tmp_path / "book").exists()


def test_the_cli_and_nslab_lab(tmp_path, capsys):
    assert main(["workbook", "--dir", str(tmp_path / "b"), "--notebooks", str(NOTEBOOKS)]) == 0
    assert (tmp_path / "b" / "00-start-here.ipynb").exists()
    dest, options = for_lab(NOTEBOOKS, ["--port=1"], dry_run=True)
    assert dest == tmp_path / "default-book" and not dest.exists()  # a dry run writes nothing
    assert options == [*LAB_OPTIONS, "--port=1", "00-start-here.ipynb"]  # the edition's first
    assert "--LabApp.news_url=None" in options


def test_lab_config_turns_off_news_and_the_teachers_tools(tmp_path):
    import json

    from nslab import workbook

    config = workbook.lab_config(tmp_path) / "labconfig" / "page_config.json"
    page = json.loads(config.read_text())
    assert page["disabledExtensions"] == {
        "@jupyterlab/apputils-extension:announcements": True, "@jupyter/nbgrader": True}


def test_stepper_shows_backticks_as_code():
    from nslab.widgets import _inline_code

    assert _inline_code("the route `a < b` works") == "the route <code>a &lt; b</code> works"

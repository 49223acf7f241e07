"""deploy/hub/prepare_home.py's class template: the workbook made once per version of the
course, then copied for each student with its trust database; the copy is the workbook
`nslab.workbook.prepare` makes, its reference trusted; a changed course remakes it."""

from __future__ import annotations

import filecmp
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.sign import NotebookNotary

HUB = Path(__file__).resolve().parents[2] / "deploy" / "hub"
COURSE = Path(__file__).resolve().parents[2] / "notebooks"


@pytest.fixture()
def prepare_home():  # noqa: ANN201 - the module
    sys.path.insert(0, str(HUB))
    try:
        import prepare_home

        yield prepare_home
    finally:
        sys.path.remove(str(HUB))


def _course(tmp_path: Path) -> Path:
    """A small course: two notebooks of each edition and the docs they link."""
    course = tmp_path / "course" / "notebooks"
    (course / "zh-CN").mkdir(parents=True)
    for name in ("00-start-here.ipynb", "03-veth-pair.ipynb"):
        (course / name).write_bytes((COURSE / name).read_bytes())
        (course / "zh-CN" / name).write_bytes((COURSE / "zh-CN" / name).read_bytes())
    (tmp_path / "course" / "docs").mkdir()
    return course


def _same_tree(a: Path, b: Path) -> None:
    cmp = filecmp.dircmp(a, b)
    assert not (cmp.left_only or cmp.right_only or cmp.diff_files), (
        cmp.left_only, cmp.right_only, cmp.diff_files)
    for sub in cmp.common_dirs:
        _same_tree(a / sub, b / sub)


def test_each_student_gets_the_template_s_workbook_trusted(prepare_home, tmp_path: Path) -> None:
    from nslab.workbook import prepare

    course, template = _course(tmp_path), tmp_path / "state" / "workbook-template"
    for student in ("ann", "bo"):
        data = tmp_path / student / ".local/share/jupyter"
        prepare_home._workbook(course, tmp_path / student / "book", data, template)
    # made once: what `nslab lab` would make, for both students the same
    direct = tmp_path / "direct"
    prepare(course, direct, quiet=True, jupyter_data=tmp_path / "direct-data")
    prepare(course / "zh-CN", direct / "zh-CN", quiet=True, jupyter_data=tmp_path / "direct-data")
    for student in ("ann", "bo"):
        book = tmp_path / student / "book"
        for sub in ("", "zh-CN"):  # the reference is signed with another key: compare the rest
            for name in ("00-start-here.ipynb", "03-veth-pair.ipynb"):
                assert (book / sub / name).read_bytes() == (direct / sub / name).read_bytes()
        notary = NotebookNotary(data_dir=str(tmp_path / student / ".local/share/jupyter"))
        ref = nbformat.read(book / "reference" / "03-veth-pair.ipynb", as_version=4)
        assert notary.check_signature(ref), f"{student}'s reference is not trusted"
    _same_tree(tmp_path / "ann" / "book", tmp_path / "bo" / "book")
    assert (template / "fingerprint").exists()


def test_a_changed_course_remakes_the_template(prepare_home, tmp_path: Path) -> None:
    course, template = _course(tmp_path), tmp_path / "state" / "workbook-template"
    prepare_home.class_template(course, template)
    stamp = (template / "fingerprint").read_text()
    made = (template / "workbook" / "03-veth-pair.ipynb").stat().st_mtime_ns
    prepare_home.class_template(course, template)  # unchanged: kept
    assert (template / "workbook" / "03-veth-pair.ipynb").stat().st_mtime_ns == made
    nb = nbformat.read(course / "03-veth-pair.ipynb", as_version=4)
    nb.cells[0].source += "\n\nA new sentence."
    nbformat.write(nb, course / "03-veth-pair.ipynb")
    prepare_home.class_template(course, template)
    assert (template / "fingerprint").read_text() != stamp
    copy = nbformat.read(template / "workbook" / "03-veth-pair.ipynb", as_version=4)
    assert copy.cells[0].source.endswith("A new sentence.")


def test_a_student_with_a_trust_database_of_their_own_keeps_it(prepare_home,
                                                               tmp_path: Path) -> None:
    """A student who deleted their workbook but has their own trust database: the workbook
    is made for them (signed with their key), their database is not replaced."""
    course, template = _course(tmp_path), tmp_path / "state" / "workbook-template"
    data = tmp_path / "cy" / ".local/share/jupyter"
    data.mkdir(parents=True)
    NotebookNotary(data_dir=str(data)).sign(nbformat.v4.new_notebook())  # their own key
    secret = (data / "notebook_secret").read_bytes()
    prepare_home._workbook(course, tmp_path / "cy" / "book", data, template)
    assert (data / "notebook_secret").read_bytes() == secret
    assert not template.exists()  # not needed for them
    ref = nbformat.read(tmp_path / "cy" / "book" / "reference" / "03-veth-pair.ipynb",
                        as_version=4)
    assert NotebookNotary(data_dir=str(data)).check_signature(ref)

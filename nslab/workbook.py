"""A workbook per user: the student's own copy of the notebooks, without outputs.

    nslab workbook              # make it (first run) or keep it; print where it is
    nslab workbook --fresh      # save the current one aside, copy a fresh one
    nslab lab                   # opens JupyterLab on the workbook (see cli.main_lab)

The repository's notebooks are committed WITH their real outputs (nbval checks them):
they are the reference. A student who opened them would see every answer before
predicting it, and JupyterLab would show their SVG and HTML outputs as plain text,
because outputs the user did not produce are untrusted. So the workbook holds
copies with every output, execution count and widget state removed: nothing to
spoil, nothing untrusted. Exercises are copied as their student versions
(nslab.student: solutions and hidden tests removed).

Beside the copies, `reference/` holds the executed notebooks as they are in the
repository, *signed as trusted for this user* (Jupyter's notary), so their drawings
show as pictures when a student looks up an answer. This was chosen over a PNG
fallback in every drawing's mime bundle: the committed notebooks stay text-only
(nbval compares SVG as text and skips PNG, so PNGs would be unchecked bulk), and
the student's own runs are trusted anyway.

Later runs keep the student's work: only notebooks missing from the workbook are
copied in (new ones after an update); the reference is refreshed every time.

Editions. The course comes in languages (`EDITIONS`): the English notebooks fill the
workbook's top folder, the Chinese ones its `zh-CN/` folder, each with its own `exercises/`,
`reference/` and `docs/` (the glossary in that language and the article's steps), so a
student can have both. `nslab lab --lang zh_CN` (or NSLAB_LANG, JupyterLab's language, the
locale: nslab.i18n) picks the one `nslab lab` opens. A folder named `zh-CN` is also what
makes the kernel speak Chinese (nslab.i18n), so the notebooks and their outputs agree.

Links. The course's notebooks link each other and the repository's `docs/` (the glossary,
the article's steps). Every copy's relative links are rewritten to point inside the
workbook: to the student's copies and to the edition's own `docs/` (the Chinese glossary
for the Chinese edition).
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path

import nbformat

from .errors import NotFound, PrivilegeError
from .messages import say, say_n

__all__ = ["EDITIONS", "LAB_OPTIONS", "clean_copy", "default_dir", "edition", "editions",
           "for_lab", "lab_config", "prepare", "prepare_edition"]

REFERENCE = "reference"
EXERCISES = "exercises"
DOCS = "docs"
# language -> its folder, under the course's notebooks/ and in the workbook ("" = the top)
EDITIONS = {"en": "", "zh_CN": "zh-CN"}
# what the notebooks' links need from the course's docs/
DOC_FILES = ("glossary.md", "glossary.zh-CN.md", "article-steps.md")
GLOSSARY = {"zh_CN": "glossary.zh-CN.md"}  # a language's own glossary, instead of glossary.md
START_NOTEBOOK = "00-start-here.ipynb"

# JupyterLab 4: no news feed and no update check on the server (LabApp.news_url=None,
# NeverCheckForUpdate). The front end still asks "Would you like to get notified about
# official Jupyter news?" while its fetchNews setting is "none", so the plugin that asks,
# @jupyterlab/apputils-extension:announcements, is disabled in a page_config.json that
# `nslab lab` adds to JUPYTER_CONFIG_PATH (the user's own settings stay untouched).
LAB_OPTIONS = (
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
)
NBGRADER = "@jupyter/nbgrader"  # the whole extension: its menus and side panels
ANNOUNCEMENTS = "@jupyterlab/apputils-extension:announcements"
LAB_CONFIG = ".nslab-jupyter"  # in the workbook: hidden in JupyterLab's file browser


def default_dir() -> Path:
    """Where the workbook lives: $NSLAB_WORKBOOK, else ~/nslab-workbook."""
    return Path(os.environ.get("NSLAB_WORKBOOK") or Path.home() / "nslab-workbook")


def clean_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without outputs, execution counts or saved widget state."""
    nb = nbformat.from_dict(nb)  # a deep copy
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        cell.get("metadata", {}).pop("execution", None)
    nb.metadata.pop("widgets", None)
    nb.metadata.pop("signature", None)
    return nb


def _notebooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file())


def _language_of(source: Path) -> str:
    """The language of an edition folder: `zh-CN` is Chinese, anything else English."""
    return next((lang for lang, folder in EDITIONS.items() if folder and source.name == folder),
                "en")


def _course_root(source: Path) -> Path:
    """The folder holding `notebooks/` and `docs/` for an edition folder SOURCE."""
    return source.parent.parent if EDITIONS.get(_language_of(source)) else source.parent


# A markdown link's target, or an HTML href/src: what _relink rewrites.
_LINK = re.compile(r"(\]\(|href=\"|src=\")([^)\s\"#]+)")


def _relink(text: str, where: Callable[[str], str | None]) -> str:
    """TEXT with every relative link target T replaced by where(T) (None: kept)."""

    def one(m: re.Match[str]) -> str:
        target = m.group(2)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith("/"):
            return m.group(0)  # https:, mailto:, data:, an absolute path
        new = where(target)
        return m.group(1) + (target if new is None else new)

    return _LINK.sub(one, text)


class _Links:
    """Maps a link of a course notebook to the same file inside the workbook."""

    def __init__(self, source: Path, dest: Path) -> None:
        self.source, self.dest = source.resolve(), dest
        self.docs = _course_root(self.source) / DOCS
        self.lang = _language_of(self.source)

    def inside(self, src_nb: Path, dest_nb: Path) -> Callable[[str], str | None]:
        def where(target: str) -> str | None:
            slash = "/" if target.endswith("/") else ""
            aim = (src_nb.parent / target).resolve()
            if aim.parent == self.docs:
                name = GLOSSARY.get(self.lang, aim.name) if aim.name == "glossary.md" else aim.name
                if name not in DOC_FILES or not (self.docs / name).is_file():
                    return None  # a course without that file: the link is left as it was
                mapped = self.dest / DOCS / name
            elif aim == self.source or self.source in aim.parents:
                mapped = self.dest / aim.relative_to(self.source)
            else:
                return None
            return os.path.relpath(mapped, dest_nb.parent) + slash

        return where

    def apply(self, nb: nbformat.NotebookNode, src_nb: Path, dest_nb: Path) -> None:
        where = self.inside(src_nb, dest_nb)
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = _relink(cell.source, where)


def _write_clean(src: Path, dest: Path, links: _Links) -> None:
    nb = clean_copy(nbformat.read(src, as_version=4))
    links.apply(nb, src, dest)
    nbformat.write(nb, dest)


def _copy_missing(source: Path, dest: Path, links: _Links) -> int:
    """Copy into DEST the notebooks of SOURCE it lacks (exercises as student versions)."""
    dest.mkdir(parents=True, exist_ok=True)
    copied = 0
    for src in _notebooks(source):
        if not (dest / src.name).exists():
            _write_clean(src, dest / src.name, links)
            copied += 1
    exercises = source / EXERCISES
    if exercises.is_dir():
        from .student import make_student

        (dest / EXERCISES).mkdir(exist_ok=True)
        for src in _notebooks(exercises):
            target = dest / EXERCISES / src.name
            if not target.exists():
                nb = clean_copy(make_student(nbformat.read(src, as_version=4), name=src.name))
                links.apply(nb, src, target)
                nbformat.write(nb, target)
                copied += 1
    return copied


def _refresh_docs(links: _Links) -> None:
    """docs/: what the notebooks' links need (glossaries, the article's steps), refreshed."""
    if not links.docs.is_dir():
        return
    (links.dest / DOCS).mkdir(exist_ok=True)
    for name in DOC_FILES:
        if (links.docs / name).is_file():
            shutil.copyfile(links.docs / name, links.dest / DOCS / name)


def _refresh_reference(source: Path, dest: Path, links: _Links,
                       jupyter_data: Path | None = None) -> None:
    """reference/: the tutorials with their real outputs, trusted for this user (or for
    the user whose Jupyter data directory is JUPYTER_DATA: a hub preparing a student's)."""
    from nbformat.sign import NotebookNotary

    ref = dest / REFERENCE
    ref.mkdir(exist_ok=True)
    if jupyter_data is None:
        notary = NotebookNotary()
    else:
        jupyter_data.mkdir(parents=True, exist_ok=True)
        notary = NotebookNotary(data_dir=str(jupyter_data))
    for src in _notebooks(source):
        nb = nbformat.read(src, as_version=4)
        links.apply(nb, src, ref / src.name)
        notary.sign(nb)
        nbformat.write(nb, ref / src.name)


def prepare(source: Path, dest: Path | None = None, *, fresh: bool = False,
            quiet: bool = False, jupyter_data: Path | None = None) -> Path:
    """Make (or keep) the workbook DEST from the notebooks of one edition in SOURCE (the
    course's notebooks/, or its notebooks/zh-CN/); return DEST.
    fresh=True first moves the current workbook aside (DEST-saved-YYYYmmdd-HHMMSS);
    jupyter_data: whose trust database signs reference/ (default: this user's).
    A folder the user cannot write raises PrivilegeError, naming it and the fix."""
    dest = Path(dest or default_dir())
    if not _notebooks(source):
        raise NotFound(say("workbook.no_source", path=source))
    try:
        return _prepare(Path(source), dest, fresh=fresh, quiet=quiet, jupyter_data=jupyter_data)
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT):
            raise
        raise PrivilegeError(say("workbook.cannot_write", path=dest,
                                 reason=exc.strerror or str(exc))) from None


def _prepare(source: Path, dest: Path, *, fresh: bool, quiet: bool,
             jupyter_data: Path | None) -> Path:
    saved = None
    if fresh and dest.exists():
        saved = dest.with_name(f"{dest.name}-saved-{time.strftime('%Y%m%d-%H%M%S')}")
        shutil.move(str(dest), str(saved))
    new = not dest.exists() or not _notebooks(dest)
    links = _Links(source, dest)
    copied = _copy_missing(source, dest, links)
    _refresh_docs(links)
    _refresh_reference(source, dest, links, jupyter_data)
    if not quiet:
        if saved is not None:
            message = say("workbook.fresh", saved=saved, path=dest)
        elif new:
            message = say_n("workbook.created", copied, path=dest)
        elif copied:
            message = say_n("workbook.updated", copied, path=dest)
        else:
            message = say("workbook.kept", path=dest)
        print(message, file=sys.stderr)
    return dest


def editions(notebooks: Path) -> list[str]:
    """The languages whose notebooks the course folder NOTEBOOKS holds."""
    return [lang for lang, folder in EDITIONS.items() if _notebooks(notebooks / folder)]


def edition(lang: str | None, notebooks: Path) -> str:
    """The edition for LANG ('zh_CN', 'zh-CN', 'en', ...; None: the language nslab speaks:
    NSLAB_LANG, JupyterLab's language, the locale). An edition the course lacks raises
    NotFound naming the ones it has."""
    from . import i18n

    have = editions(notebooks)
    if lang is None:
        chosen = i18n.language().code
        return chosen if chosen in have else (have[0] if have else "en")
    code = i18n.normalize(lang)
    if code not in have:
        raise NotFound(say("workbook.unknown_lang", lang=lang, available=", ".join(have),
                           example=f"--lang {have[-1] if have else 'en'}"))
    return code


def prepare_edition(notebooks: Path, lang: str | None = None, root: Path | None = None, *,
                    fresh: bool = False, quiet: bool = False) -> Path:
    """Make (or keep) LANG's edition of the workbook ROOT (default: default_dir()) from the
    course folder NOTEBOOKS; return the edition's folder (ROOT, or ROOT/zh-CN)."""
    code = edition(lang, notebooks)
    root = Path(root or default_dir())
    folder = EDITIONS[code]
    return prepare(notebooks / folder, root / folder if folder else root, fresh=fresh,
                   quiet=quiet)


def lab_config(dest: Path) -> Path:
    """DEST/.nslab-jupyter, a Jupyter config dir whose labconfig/page_config.json disables
    the news consent prompt and nbgrader's teacher tools (a student's JupyterLab has no use
    for "Create Assignment"); return it (for JUPYTER_CONFIG_PATH)."""
    config = dest / LAB_CONFIG
    (config / "labconfig").mkdir(parents=True, exist_ok=True)
    page = {"disabledExtensions": {ANNOUNCEMENTS: True, NBGRADER: True}}
    (config / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=1) + "\n")
    return config


def for_lab(source: Path, extra: list[str], *, dry_run: bool = False, lang: str | None = None,
            root: Path | None = None) -> tuple[Path, list[str]]:
    """What `nslab lab` opens: the workbook ROOT (made or kept in the edition of LANG; only
    named on a dry run) and the JupyterLab options, news and update checks off first, then
    the edition's first notebook. Also puts the workbook's lab_config() first on
    JUPYTER_CONFIG_PATH, for the `jupyter lab` this process starts."""
    code = edition(lang, source)
    root = Path(root or default_dir())
    folder = EDITIONS[code]
    start = f"{folder}/{START_NOTEBOOK}" if folder else START_NOTEBOOK
    if dry_run:
        return root, [*LAB_OPTIONS, *extra, start]
    book = prepare_edition(source, code, root)
    try:
        config = lab_config(root)
    except OSError as exc:
        raise PrivilegeError(say("workbook.cannot_write", path=root,
                                 reason=exc.strerror or str(exc))) from None
    paths = [str(config), *filter(None, [os.environ.get("JUPYTER_CONFIG_PATH")])]
    os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    return root, [*LAB_OPTIONS, *extra, *([start] if (book / START_NOTEBOOK).exists() else [])]

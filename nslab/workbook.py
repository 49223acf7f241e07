"""A workbook per user: the student's own copy of the notebooks, without outputs.

    nslab workbook              # make it (first run) or keep it; print where it is
    nslab workbook --fresh      # save the current one aside, copy a fresh one
    nslab lab                   # opens JupyterLab on the workbook (see sandbox.main_lab)

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
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import nbformat

from .errors import NotFound
from .messages import say, say_n

__all__ = ["LAB_OPTIONS", "clean_copy", "default_dir", "for_lab", "lab_config", "prepare"]

REFERENCE = "reference"
EXERCISES = "exercises"

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


def _write_clean(src: Path, dest: Path) -> None:
    nbformat.write(clean_copy(nbformat.read(src, as_version=4)), dest)


def _copy_missing(source: Path, dest: Path) -> int:
    """Copy into DEST the notebooks of SOURCE it lacks (exercises as student versions)."""
    dest.mkdir(parents=True, exist_ok=True)
    copied = 0
    for src in _notebooks(source):
        if not (dest / src.name).exists():
            _write_clean(src, dest / src.name)
            copied += 1
    exercises = source / EXERCISES
    if exercises.is_dir():
        from .student import make_student

        (dest / EXERCISES).mkdir(exist_ok=True)
        for src in _notebooks(exercises):
            target = dest / EXERCISES / src.name
            if not target.exists():
                nb = make_student(nbformat.read(src, as_version=4), name=src.name)
                nbformat.write(clean_copy(nb), target)
                copied += 1
    return copied


def _refresh_reference(source: Path, dest: Path, jupyter_data: Path | None = None) -> None:
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
        notary.sign(nb)
        nbformat.write(nb, ref / src.name)


def prepare(source: Path, dest: Path | None = None, *, fresh: bool = False,
            quiet: bool = False, jupyter_data: Path | None = None) -> Path:
    """Make (or keep) the workbook DEST from the notebooks in SOURCE; return DEST.
    fresh=True first moves the current workbook aside (DEST-saved-YYYYmmdd-HHMMSS);
    jupyter_data: whose trust database signs reference/ (default: this user's)."""
    dest = Path(dest or default_dir())
    if not _notebooks(source):
        raise NotFound(say("workbook.no_source", path=source))
    saved = None
    if fresh and dest.exists():
        saved = dest.with_name(f"{dest.name}-saved-{time.strftime('%Y%m%d-%H%M%S')}")
        shutil.move(str(dest), str(saved))
    new = not dest.exists() or not _notebooks(dest)
    copied = _copy_missing(source, dest)
    _refresh_reference(source, dest, jupyter_data)
    if not quiet:
        if saved is not None:
            message = say("workbook.fresh", saved=saved, path=dest)
        elif new:
            message = say_n("workbook.created", copied, path=dest)
        else:
            message = say("workbook.kept", path=dest)
        print(message, file=sys.stderr)
    return dest


def lab_config(dest: Path) -> Path:
    """DEST/.nslab-jupyter, a Jupyter config dir whose labconfig/page_config.json disables
    the news consent prompt and nbgrader's teacher tools (a student's JupyterLab has no use
    for "Create Assignment"); return it (for JUPYTER_CONFIG_PATH)."""
    config = dest / LAB_CONFIG
    (config / "labconfig").mkdir(parents=True, exist_ok=True)
    page = {"disabledExtensions": {ANNOUNCEMENTS: True, NBGRADER: True}}
    (config / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=1) + "\n")
    return config


def for_lab(source: Path, extra: list[str], *, dry_run: bool = False) -> tuple[Path, list[str]]:
    """What `nslab lab` opens: the workbook (made or kept; only named on a dry run) and
    the JupyterLab options, news and update checks off first. Also puts the workbook's
    lab_config() first on JUPYTER_CONFIG_PATH, for the `jupyter lab` this process starts."""
    if dry_run:
        return default_dir(), [*LAB_OPTIONS, *extra]
    dest = prepare(source)
    paths = [str(lab_config(dest)), *filter(None, [os.environ.get("JUPYTER_CONFIG_PATH")])]
    os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join(paths)
    return dest, [*LAB_OPTIONS, *extra]

"""Prepare one student's home before their server starts (run by the hub, as root, in a
process of its own: never in the hub's event loop, where ~1 s per student froze the hub for
everyone when a class logged in at once).

    python prepare_home.py USER NOTEBOOKS

- the home made private (0700: many distributions create homes 0755, readable by every
  other student);
- the student's Jupyter config dir (~/.nslab-jupyter, first on JUPYTER_CONFIG_PATH): the
  JupyterLab page config without nbgrader's teacher tools and the news prompt, and a server
  config that does not load nbgrader's server extensions (a student needs none of them);
- on the first start, the course in ~/nslab-notebooks as `nslab lab`'s workbook has it:
  notebooks without outputs (no spoiled predictions, nothing untrusted), exercises as student
  versions (no solutions), and reference/ with the real outputs, trusted for this student.

The workbook is made ONCE per course version, in a class template (TEMPLATE, root's, in the
hub's 0700 state dir; remade when a file of the course changes, under a lock), with its own
trust database; each student then gets a plain copy of both (~0.1 CPU-s instead of ~1.9:
making it parses and signs 64 notebooks, and imports nbformat). Students share the template's
signing key: harmless, since a notebook is trusted only if its signature is in the student's
own database, which only the student (and root) can write.

Everything made is owned by the student. Exit status 0, or 1 with the reason on stderr.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import pwd
import shutil
import sys
from pathlib import Path

STUDENT_CONFIG = ".nslab-jupyter"
PAGE_CONFIG = {"disabledExtensions": {"@jupyter/nbgrader": True,
                                      "@jupyterlab/apputils-extension:announcements": True}}
# Server extensions a student's server does not load (nbgrader's formgrader alone takes
# ~1.4 s to import here): nbgrader's (formgrader, course and assignment lists, validation:
# the teacher's tools; its lab extension is off above too) and Notebook 7's pages, which
# nbgrader brings along (students work in JupyterLab, /lab); and jupyter_lsp, the language
# servers' bridge: JupyterLab's LSP features are off unless a user turns them on, no language
# server is installed, and at each start it looks for one by running `npm prefix -g` (node:
# ~0.5 CPU-s of a student server's ~1.7 here).
STUDENT_SKIPS = {
    "jupyter_lsp": False,
    "notebook": False,
    "nbgrader": False,
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.assignment_list": False,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.validate_assignment": False,
}
SERVER_CONFIG = {"ServerApp": {"jpserver_extensions": STUDENT_SKIPS}}


TRUST_FILES = ("nbsignatures.db", "notebook_secret")  # nbformat's NotebookNotary, per user


def _fingerprint(notebooks: Path) -> str:
    """Which version of the course: every file's path, size and modification time."""
    h = hashlib.sha256(str(notebooks.resolve()).encode())
    for p in sorted(notebooks.rglob("*")):
        if p.is_file():
            st = p.stat()
            h.update(f"{p.relative_to(notebooks)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    docs = notebooks.parent / "docs"  # the workbook copies the glossaries the notebooks link
    for p in sorted(docs.glob("*.md")) if docs.is_dir() else []:
        st = p.stat()
        h.update(f"docs/{p.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def class_template(notebooks: Path, template: Path) -> Path:
    """TEMPLATE/workbook and TEMPLATE/data (its trust database) for this version of the
    course, made if missing or stale; one process at a time (a lock beside it)."""
    template.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = _fingerprint(notebooks)
    with open(template / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = template / "fingerprint"
        if done.exists() and done.read_text() == stamp:
            return template
        from nslab.workbook import prepare

        for part in ("workbook", "data"):
            shutil.rmtree(template / part, ignore_errors=True)
        done.unlink(missing_ok=True)
        book, data = template / "workbook", template / "data"
        prepare(notebooks, book, quiet=True, jupyter_data=data)
        if (notebooks / "zh-CN").is_dir():
            prepare(notebooks / "zh-CN", book / "zh-CN", quiet=True, jupyter_data=data)
        done.write_text(stamp)
    return template


def _workbook(notebooks: Path, dest: Path, data: Path, template: Path | None) -> None:
    """The course into DEST, trusted in DATA: a copy of the class template when there is
    one and the student has no trust database of their own yet; else made here."""
    if template is not None and not any((data / f).exists() for f in TRUST_FILES):
        made = class_template(notebooks, template)
        shutil.copytree(made / "workbook", dest, symlinks=True)
        data.mkdir(parents=True, exist_ok=True)
        for f in TRUST_FILES:
            if (made / "data" / f).exists():
                shutil.copy2(made / "data" / f, data / f)
        return
    from nslab.workbook import prepare

    prepare(notebooks, dest, quiet=True, jupyter_data=data)
    if (notebooks / "zh-CN").is_dir():
        prepare(notebooks / "zh-CN", dest / "zh-CN", quiet=True, jupyter_data=data)


def prepare_home(name: str, notebooks: Path, template: Path | None = None) -> list[Path]:
    """Do it for user NAME (the workbook copied from the class TEMPLATE dir, if given); the
    paths made (all chowned to the student)."""
    user = pwd.getpwnam(name)
    home = Path(user.pw_dir)
    os.chmod(home, 0o700)
    config = home / STUDENT_CONFIG
    labconfig = config / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    (labconfig / "page_config.json").write_text(json.dumps(PAGE_CONFIG, indent=1) + "\n")
    (config / "jupyter_server_config.json").write_text(json.dumps(SERVER_CONFIG, indent=1) + "\n")
    made = [config, labconfig, labconfig / "page_config.json",
            config / "jupyter_server_config.json"]
    dest = home / "nslab-notebooks"
    if not dest.exists() and notebooks.is_dir():
        data = home / ".local" / "share" / "jupyter"  # the student's trust database
        _workbook(notebooks, dest, data, template)
        made += [home / ".local", home / ".local" / "share", data, *data.iterdir(),
                 dest, *dest.rglob("*")]
    for p in made:
        os.chown(p, user.pw_uid, user.pw_gid, follow_symlinks=False)
    return made


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print("usage: prepare_home.py USER NOTEBOOKS [TEMPLATE]", file=sys.stderr)
        return 2
    try:
        prepare_home(argv[0], Path(argv[1]), Path(argv[2]) if len(argv) == 3 else None)
    except (KeyError, OSError, ValueError) as e:
        print(f"nslab hub: could not prepare {argv[0]}'s home: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

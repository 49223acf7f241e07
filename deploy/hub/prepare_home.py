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

Everything made is owned by the student. Exit status 0, or 1 with the reason on stderr.
"""

from __future__ import annotations

import json
import os
import pwd
import sys
from pathlib import Path

STUDENT_CONFIG = ".nslab-jupyter"
PAGE_CONFIG = {"disabledExtensions": {"@jupyter/nbgrader": True,
                                      "@jupyterlab/apputils-extension:announcements": True}}
# Server extensions a student's server does not load (nbgrader's formgrader alone takes
# ~1.4 s to import here): nbgrader's (formgrader, course and assignment lists, validation:
# the teacher's tools; its lab extension is off above too) and Notebook 7's pages, which
# nbgrader brings along (students work in JupyterLab, /lab).
STUDENT_SKIPS = {
    "notebook": False,
    "nbgrader": False,
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.assignment_list": False,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.validate_assignment": False,
}
SERVER_CONFIG = {"ServerApp": {"jpserver_extensions": STUDENT_SKIPS}}


def prepare_home(name: str, notebooks: Path) -> list[Path]:
    """Do it for user NAME; the paths made (all chowned to the student)."""
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
        from nslab.workbook import prepare

        data = home / ".local" / "share" / "jupyter"  # the student's trust database
        prepare(notebooks, dest, quiet=True, jupyter_data=data)
        if (notebooks / "zh-CN").is_dir():
            prepare(notebooks / "zh-CN", dest / "zh-CN", quiet=True, jupyter_data=data)
        made += [home / ".local", home / ".local" / "share", data, *data.iterdir(),
                 dest, *dest.rglob("*")]
    for p in made:
        os.chown(p, user.pw_uid, user.pw_gid, follow_symlinks=False)
    return made


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: prepare_home.py USER NOTEBOOKS", file=sys.stderr)
        return 2
    try:
        prepare_home(argv[0], Path(argv[1]))
    except (KeyError, OSError, ValueError) as e:
        print(f"nslab hub: could not prepare {argv[0]}'s home: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

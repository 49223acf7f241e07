"""`nslab doctor | cleanup | lab | workbook | student | exercise | report`: the command line."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import NslabError
from .messages import say


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nslab", description=say("cli.description"))
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(  # its own options (and --help) are the doctor's
        "doctor", add_help=False, help=say("cli.doctor.help")
    )
    clean = sub.add_parser("cleanup", help="remove what crashed labs left (from their journals)")
    clean.add_argument(
        "--all", action="store_true", help="also labs whose process is still running"
    )
    sub.add_parser(  # its own options (and --help) are passed on
        "lab", add_help=False, help=say("cli.lab.help")
    )
    book = sub.add_parser("workbook", help=say("cli.workbook.help"))
    book.add_argument("--fresh", action="store_true", help=say("cli.workbook.fresh"))
    book.add_argument("--dir", help=say("cli.workbook.dir"))
    book.add_argument("--notebooks", help=say("cli.workbook.notebooks"))
    book.add_argument("--lang", help=say("cli.lang"))
    student = sub.add_parser("student", help=say("cli.student.help"))
    student.add_argument("src", help=say("cli.student.src"))
    student.add_argument("dest", help=say("cli.student.dest"))
    exercise = sub.add_parser("exercise", help=say("cli.exercise.help"))
    verbs = exercise.add_subparsers(dest="verb", required=True)
    new = verbs.add_parser("new", help=say("cli.exercise.new"))
    new.add_argument("name", help=say("cli.exercise.new.name"))
    new.add_argument("--dir", default=".", help=say("cli.exercise.new.dir"))
    verify = verbs.add_parser("check", help=say("cli.exercise.check"))
    verify.add_argument("file", help=say("cli.exercise.check.file"))
    sub.add_parser(  # its own options (and --help) are the report's
        "report", add_help=False, help=say("cli.report.help")
    )
    args, rest = parser.parse_known_args(argv)
    try:
        if args.command == "doctor":
            from . import doctor

            return doctor.main(rest)
        if args.command == "cleanup":
            return _cleanup(include_live=args.all)
        if args.command == "lab":
            return main_lab(rest)
        if args.command == "workbook":
            from .sandbox import find_notebooks
            from .workbook import prepare_edition

            print(prepare_edition(find_notebooks(args.notebooks), args.lang,
                                  args.dir and Path(args.dir), fresh=args.fresh))
            return 0
        if args.command == "student":
            from . import student as student_mod

            return student_mod.main([args.src, args.dest])
        if args.command == "exercise":
            from . import exercises

            if args.verb == "new":
                path = exercises.new_file(args.name, args.dir)
                print(say("classroom.new.wrote", file=str(path)))
                return 0
            result = exercises.check_file(args.file)
            print(result)
            return 0 if result.ok else 1
        if args.command == "report":
            from . import report

            return report.main(rest)
    except NslabError as exc:
        print(say("cli.error", command=args.command, error=exc), file=sys.stderr)
        return 1
    return 2


def _cleanup(*, include_live: bool) -> int:
    """`nslab cleanup`: what was removed, what no longer matched, what could not be read."""
    from .errors import CorruptJournal
    from .lab import cleanup
    from .messages import say, say_n

    notes: list[str] = []
    status = 0
    try:
        removed = cleanup(include_live=include_live, notes=notes)
    except CorruptJournal as exc:
        removed, status = exc.removed, 1
        print(f"nslab cleanup: {exc}", file=sys.stderr)
    for line in removed:
        print(say("cleanup.removed_line", what=line))
    for note in notes:
        print(note)
    print(say_n("cleanup.summary", len(removed)))
    return status


if __name__ == "__main__":
    sys.exit(main())


def main_lab(argv: Sequence[str] | None = None) -> int:
    """`nslab lab`: start JupyterLab on the notebooks; as an ordinary user, in the sandbox."""
    from ._tools import MissingTool, tool
    from .sandbox import (
        DISPLAY_NAME,
        find_notebooks,
        install_kernelspec,
        lab_command,
        user_kernels_dir,
    )

    parser = argparse.ArgumentParser(
        prog="nslab lab",
        description=say("sandbox.lab.description", kernel=DISPLAY_NAME),
    )
    parser.add_argument("--notebooks", help=say("sandbox.lab.notebooks"))
    parser.add_argument(
        "--sandbox",
        action=argparse.BooleanOptionalAction,
        default=None,
        help=say("sandbox.lab.sandbox"),
    )
    parser.add_argument("--dry-run", action="store_true", help=say("sandbox.lab.dry_run"))
    parser.add_argument("--lang", help=say("cli.lang"))
    parser.add_argument("--dir", help=say("cli.workbook.dir"))
    args, extra = parser.parse_known_args(list(sys.argv[1:] if argv is None else argv))

    from .doctor import has_caps

    sandbox = args.sandbox
    if sandbox is None:
        sandbox = os.geteuid() != 0 and not has_caps("CAP_NET_ADMIN", "CAP_SYS_ADMIN")
    notebooks = find_notebooks(args.notebooks)
    from .workbook import for_lab  # the student's own copy, without outputs (nslab.workbook)

    try:
        notebooks, extra = for_lab(notebooks, extra, dry_run=args.dry_run, lang=args.lang,
                                   root=args.dir and Path(args.dir))
    except NslabError as exc:
        print(say("cli.error", command="lab", error=exc), file=sys.stderr)
        return 1
    if sandbox:
        try:
            tool("unshare")
        except MissingTool as exc:
            print(say("cli.error", command="lab", error=exc), file=sys.stderr)
            return 1
        from .doctor import check_userns

        userns = check_userns(required=True)
        if not userns.ok:
            print(say("sandbox.lab.failed", detail=userns.detail, fix=userns.fix), file=sys.stderr)
            return 1
        try:
            spec = install_kernelspec(None)
        except OSError as exc:  # a home the user cannot write: say so, start nothing
            print(say("sandbox.lab.cannot_install", path=user_kernels_dir(),
                      reason=exc.strerror or str(exc)), file=sys.stderr)
            return 1
        print(say("sandbox.lab.installed", kernel=DISPLAY_NAME, path=spec), file=sys.stderr)
    cmd, env = lab_command(notebooks, extra, sandbox=sandbox)
    if sandbox:
        Path(env["JUPYTER_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    print(say("sandbox.lab.command", command=shlex.join(cmd)), file=sys.stderr)
    if args.dry_run:
        return 0
    os.chdir(notebooks)
    os.execvpe(cmd[0], cmd, env)  # replaces this process; Ctrl-C goes straight to Jupyter

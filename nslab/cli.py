"""`nslab doctor | cleanup | lab | workbook | student | exercise | report`: the command line."""

from __future__ import annotations

import argparse
import sys
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
            from . import sandbox

            return sandbox.main_lab(rest)
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

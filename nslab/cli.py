"""`nslab doctor | cleanup | lab | workbook | student`: the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import NslabError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nslab", description="Learn network namespaces.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser(  # its own options (and --help) are the doctor's
        "doctor", add_help=False, help="check privileges, kernel support and tools, with fixes"
    )
    clean = sub.add_parser("cleanup", help="remove what crashed labs left (from their journals)")
    clean.add_argument(
        "--all", action="store_true", help="also labs whose process is still running"
    )
    sub.add_parser(  # its own options (and --help) are passed on
        "lab", add_help=False, help="start JupyterLab on the notebooks (rootless sandbox if needed)"
    )
    book = sub.add_parser("workbook", help="make or keep your copy of the notebooks (no outputs)")
    book.add_argument("--fresh", action="store_true",
                      help="save your current copy aside and start from a fresh one")
    book.add_argument("--dir", help="where (default: $NSLAB_WORKBOOK or ~/nslab-workbook)")
    book.add_argument("--notebooks", help="copy from this folder (default: nslab's notebooks)")
    student = sub.add_parser("student", help="write student versions of exercise notebooks")
    student.add_argument("src", help="a teacher notebook or a folder of them")
    student.add_argument("dest", help="where to write the student versions")
    args, rest = parser.parse_known_args(argv)
    try:
        if args.command == "doctor":
            from . import doctor

            return doctor.main(rest)
        if args.command == "cleanup":
            from .lab import cleanup

            removed = cleanup(include_live=args.all)
            for line in removed:
                print(f"removed {line}")
            print(f"nslab cleanup: {len(removed)} object(s) removed")
            return 0
        if args.command == "lab":
            from . import sandbox

            return sandbox.main_lab(rest)
        if args.command == "workbook":
            from .sandbox import find_notebooks
            from .workbook import prepare

            print(prepare(find_notebooks(args.notebooks), args.dir and Path(args.dir),
                          fresh=args.fresh))
            return 0
        if args.command == "student":
            from . import student as student_mod

            return student_mod.main([args.src, args.dest])
    except NslabError as exc:
        print(f"nslab {args.command}: {exc}", file=sys.stderr)
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())

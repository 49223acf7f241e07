"""Student versions of teacher notebooks, made the way nbgrader makes them.

    nslab student notebooks/exercises/ student/      # every notebook in the folder
    nslab student notebooks/exercises/02-cannot-talk.ipynb student/

nbgrader's conventions (its ClearSolutions, ClearHiddenTests, ClearMarkScheme and
ClearOutput preprocessors), so a teacher who uses nbgrader can import the same
teacher notebooks:

- in a code cell, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` become
  ``# YOUR CODE HERE`` and ``raise NotImplementedError()``, indented like the delimiter;
- in a markdown cell, the same region becomes ``YOUR ANSWER HERE``;
- a cell marked as a solution in its nbgrader metadata but without delimiters is
  replaced whole by the same stub;
- ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` and
  ``=== BEGIN MARK SCHEME ===`` ... ``=== END MARK SCHEME ===`` regions are removed;
- every output and execution count is cleared.

The teacher notebook is never changed; a region that is opened and not closed is an
error (nothing is written), so no solution can leak through a typo.
"""

from __future__ import annotations

import copy
import re
import sys
from pathlib import Path
from typing import Any

__all__ = ["CODE_STUB", "TEXT_STUB", "StudentVersionError", "main", "make_student", "write"]

CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"

_REGIONS = {
    # name: (begin, end, replaced by a stub?)
    "solution": (re.compile(r"^#*\s*BEGIN SOLUTION\s*$"), re.compile(r"^#*\s*END SOLUTION\s*$"),
                 True),
    "hidden tests": (re.compile(r"^#*\s*BEGIN HIDDEN TESTS\s*$"),
                     re.compile(r"^#*\s*END HIDDEN TESTS\s*$"), False),
    "mark scheme": (re.compile(r"^=+\s*BEGIN MARK SCHEME\s*=+\s*$"),
                    re.compile(r"^=+\s*END MARK SCHEME\s*=+\s*$"), False),
}


class StudentVersionError(ValueError):
    """A teacher notebook whose solution regions cannot be cleared safely."""


def _source(cell: Any) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _clear_regions(text: str, stub: str, where: str) -> tuple[str, bool]:
    """Replace solution regions by STUB and drop hidden tests and mark schemes."""
    out: list[str] = []
    inside: str | None = None
    replaced = False
    for number, line in enumerate(text.split("\n"), 1):
        bare = line.strip()
        if inside is None:
            for name, (begin, end, stubbed) in _REGIONS.items():
                if begin.match(bare):
                    inside = name
                    if stubbed:
                        indent = line[: len(line) - len(line.lstrip())]
                        out += [indent + s for s in stub.split("\n")]
                        replaced = True
                    break
                if end.match(bare):
                    raise StudentVersionError(
                        f"{where}, line {number}: {bare!r} without a matching BEGIN. Fix the "
                        "teacher notebook: every region starts with BEGIN and ends with END."
                    )
            else:
                out.append(line)
            continue
        begin, end, _stubbed = _REGIONS[inside]
        if end.match(bare):
            inside = None
        elif any(b.match(bare) for b, _e, _s in _REGIONS.values()):
            raise StudentVersionError(
                f"{where}, line {number}: a region begins inside the {inside} region. Close "
                f"the {inside} region first (nbgrader does not nest them)."
            )
    if inside is not None:
        raise StudentVersionError(
            f"{where}: the {inside} region is never closed. Add its END line (e.g. "
            "### END SOLUTION), or nothing after it would be safe to hand out."
        )
    return "\n".join(out), replaced


def make_student(nb: Any, *, name: str = "notebook") -> Any:
    """The student version of teacher notebook NB (a copy: NB itself is unchanged)."""
    student = copy.deepcopy(nb)
    student.get("metadata", {}).pop("celltoolbar", None)
    for index, cell in enumerate(student.get("cells", [])):
        kind = cell.get("cell_type")
        stub = CODE_STUB if kind == "code" else TEXT_STUB
        where = f"{name}, cell {index} ({kind})"
        text, replaced = _clear_regions(_source(cell), stub, where)
        marked = bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))
        if marked and not replaced:
            text = stub
        cell["source"] = text
        if kind == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.get("metadata", {}).pop("execution", None)
    return student


def write(src: Path, dest: Path) -> list[Path]:
    """Write the student version of SRC (a notebook, or a folder of them) under DEST."""
    import nbformat

    if not src.exists():
        raise FileNotFoundError(f"{src} does not exist. Pass a teacher notebook or a folder.")
    if src.is_dir():
        pairs = [
            (p, dest / p.relative_to(src)) for p in sorted(src.rglob("*.ipynb"))
            if ".ipynb_checkpoints" not in p.parts
        ]
        if not pairs:
            raise FileNotFoundError(f"{src} holds no .ipynb notebooks.")
    else:
        target = dest if dest.suffix == ".ipynb" else dest / src.name
        pairs = [(src, target)]
    for teacher, student in pairs:
        if student.resolve() == teacher.resolve():
            raise StudentVersionError(
                f"{student} is the teacher notebook itself. Write the student versions "
                "somewhere else, e.g. `nslab student SRC student/`."
            )
    books = []
    for teacher, student in pairs:  # all converted before anything is written
        nb = nbformat.read(teacher, as_version=4)
        books.append((make_student(nb, name=str(teacher)), student))
    for book, student in books:
        student.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(book, student)
    return [student for _book, student in books]


def main(argv: list[str] | None = None) -> int:
    """`nslab student SRC DEST`: 0 when written, 1 on a bad notebook, 2 on bad usage."""
    args = sys.argv[1:] if argv is None else list(argv)
    if len(args) != 2:
        print("usage: nslab student SRC DEST  (SRC: a teacher notebook or a folder of them)",
              file=sys.stderr)
        return 2
    src, dest = Path(args[0]), Path(args[1])
    try:
        written = write(src, dest)
    except (OSError, ValueError) as exc:
        print(f"nslab student: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

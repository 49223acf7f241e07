"""Write every notebook from its text: the tutorials from course/*.md, the exercises from
course/exercises/*.md (with their data from nslab/exercises/*.toml), each in English and in
every translated language (notebooks/zh-CN/).

    python tools/make_notebooks.py            # execute every notebook for real (make notebooks)
    python tools/make_notebooks.py --prose    # prose only: keep the last real run's outputs
    python tools/make_notebooks.py --check    # which committed notebooks differ from the text
    ... [--only 03 --only 02-cannot-talk] [--lang en|zh_CN]

A real run touches the kernel: on a shared machine, `flock /tmp/nslab-kernel.lock make
notebooks`. `--prose` runs nothing: it writes the new markdown around the outputs of the
committed notebook, and refuses (naming the cell) when a code cell changed, since that needs a
real run. The words and calls of the article's steps come from nslab/steps.py; the writer is
tools/course.py.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import course  # noqa: E402

LANGUAGES = ["en", *course.LANGS]


@dataclass(frozen=True)
class Book:
    """One notebook to write from its text: a tutorial (course/03-veth-pair.md) or an
    exercise (course/exercises/02-cannot-talk.md)."""

    key: str  # "03" or "02-cannot-talk"
    lang: str
    text: Path
    exercise: bool = False

    @property
    def path(self) -> Path:
        if not self.exercise:
            return course.notebook_path(self.text, self.lang)
        folder = course.NOTEBOOKS if self.lang == "en" else course.NOTEBOOKS / course.LANGS[
            self.lang]
        return folder / "exercises" / f"{self.text.stem}.ipynb"

    def source(self) -> tuple[nbformat.NotebookNode, list[str]]:
        """The notebook without outputs, and the paragraphs still untranslated."""
        if self.exercise:
            return course.build_exercise(self.text, self.lang)
        return course.build(self.text, self.lang)


def books(only: list[str] | None = None, langs: list[str] | None = None) -> Iterator[Book]:
    for lang in langs or LANGUAGES:
        for text in course.tutorials():
            if not only or text.stem[:2] in only or text.stem in only:
                yield Book(text.stem[:2], lang, text)
        for text in course.exercise_texts():
            if not only or text.stem in only or text.stem[3:] in only:
                yield Book(text.stem, lang, text, exercise=True)


def stale(only: list[str] | None = None) -> list[str]:
    """The committed notebooks whose cells differ from what their text gives."""
    out = []
    for book in books(only):
        want, _ = book.source()
        if not book.path.exists() or course.sources(
                nbformat.read(book.path, as_version=4)) != course.sources(want):
            out.append(str(book.path.relative_to(ROOT)))
    return out


def write(book: Book, *, execute: bool) -> str:
    nb, missing = book.source()
    where = str(book.path.relative_to(ROOT))
    if execute:
        course.execute(nb, book.path.parent, book.lang)
    elif book.path.exists():
        source = book.text.relative_to(ROOT)
        course.keep_outputs(nb, nbformat.read(book.path, as_version=4),
                            f"{where} (from {source})", book.key)
    else:
        raise course.CourseError(f"{where} has never run: execute it for real first")
    book.path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, book.path)
    return f"wrote {where}" + (f" ({len(missing)} paragraphs still in English)" if missing
                               else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append",
                        help="a tutorial (03) or an exercise (02-cannot-talk); repeatable")
    parser.add_argument("--lang", action="append", choices=LANGUAGES)
    how = parser.add_mutually_exclusive_group()
    how.add_argument("--prose", action="store_true",
                     help="run nothing: keep the outputs of the last real run")
    how.add_argument("--check", action="store_true",
                     help="only say which committed notebooks differ from their text")
    args = parser.parse_args(argv)
    if args.check:
        names = stale(args.only)
        for name in names:
            print(f"{name} differs from its text: run `make notebooks-prose` (prose only) or "
                  "`flock /tmp/nslab-kernel.lock make notebooks`, and commit the result")
        return 1 if names else 0
    try:
        for book in books(args.only, args.lang):
            print(write(book, execute=not args.prose), flush=True)
    except course.CourseError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The notebooks' translations: one gettext message per paragraph (tools/course.py).

    python tools/translate_notebooks.py extract                 # -> nslab/locale/notebooks.pot
    python tools/translate_notebooks.py build [--execute] [KEY…] # -> notebooks/zh-CN/…

`extract` writes every paragraph, list item, table and blockquote of the course texts
(course/*.md, and course/exercises/*.md as their notebooks give them) and the exercises' hints
and titles into nslab/locale/notebooks.pot; `make
messages` merges it into nslab/locale/zh_CN/LC_MESSAGES/notebooks.po, where a translator writes
the msgstr. A changed English sentence reopens only its paragraph. The words of the article's
steps are library messages (nslab.po), like every other sentence nslab prints.

`build` writes the translated twins: `tools/make_notebooks.py --lang zh_CN --prose` (keep the
last real run's outputs), or with --execute run them for real, under the kernel lock:
`flock /tmp/nslab-kernel.lock python tools/translate_notebooks.py build --execute 03`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import make_notebooks  # noqa: E402

import course  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("extract", help="write nslab/locale/notebooks.pot from the course texts")
    b = sub.add_parser("build", help="write the translated notebooks under notebooks/zh-CN/")
    b.add_argument("only", nargs="*", help="tutorials (03) or exercises (02-cannot-talk)")
    b.add_argument("--execute", action="store_true", help="run them (under the kernel lock)")
    b.add_argument("--lang", default="zh_CN", choices=sorted(course.LANGS))
    args = parser.parse_args(argv)
    if args.command == "extract":
        course.write_pot()
        print("wrote", course.POT.relative_to(ROOT))
        return 0
    rest = [f"--only={key}" for key in args.only] + [f"--lang={args.lang}"]
    return make_notebooks.main(rest + ([] if args.execute else ["--prose"]))


if __name__ == "__main__":
    sys.exit(main())

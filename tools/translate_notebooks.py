"""The Chinese notebooks, made from the English ones: same cells, same code, translated prose.

    python tools/translate_notebooks.py extract                 # English prose -> notebooks.pot
    python tools/translate_notebooks.py build [--execute] [NB…] # -> notebooks/zh-CN/…

`extract` writes every markdown cell of the English notebooks (notebooks/0*.ipynb and
notebooks/exercises/*.ipynb) into nslab/locale/notebooks.pot, one message per cell, the msgid
being the cell's exact English text; `make messages` then merges it into
nslab/locale/zh_CN/LC_MESSAGES/notebooks.po, where a translator writes the msgstr. An English
cell that changes gets a new msgid, so it shows up as untranslated (or fuzzy) until translated.

`build` writes notebooks/zh-CN/<same path>: the English notebook with each markdown cell
replaced by its translation (kept in English when there is none, and reported) and every
code cell byte for byte, metadata and tags included. With --execute it runs the result for real
with NSLAB_LANG=zh_CN in the notebook's folder, as nbval will; that touches the kernel, so run it
under the kernel lock: `flock /tmp/nslab-kernel.lock python tools/translate_notebooks.py build
--execute notebooks/00-start-here.ipynb`.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import sys
from pathlib import Path

import nbformat
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
LOCALE = ROOT / "nslab" / "locale"
POT = LOCALE / "notebooks.pot"
LANGS = {"zh_CN": "zh-CN"}  # catalogue language -> notebook folder
# Lines nbgrader and `nslab student` act on: a translation must keep them as they are.
MARKERS = re.compile(r"^\s*#+\s*(?:BEGIN|END) (?:SOLUTION|HIDDEN TESTS)\s*$", re.MULTILINE)


# A link out of notebooks/ (to docs/, README.md, ...) needs one more "../" from the twin, which
# sits one folder deeper (notebooks/zh-CN/...); a link to another notebook finds its twin as is.
_OUTSIDE = re.compile(r"\]\(((?:\.\./)+)(?!notebooks/)(?=[^)\s]*)")


def relink(text: str) -> str:
    """TEXT with its links out of notebooks/ one level deeper (see _OUTSIDE)."""
    def deeper(m: re.Match[str]) -> str:
        rest = text[m.end():].split(")", 1)[0]
        top = rest.split("/", 1)[0]
        return f"]({m.group(1)}../" if (ROOT / top).exists() and top != "notebooks" else m.group(0)

    return _OUTSIDE.sub(deeper, text)


def english_notebooks() -> list[Path]:
    """The English notebooks the Chinese ones are made from."""
    return sorted(NOTEBOOKS.glob("0*.ipynb")) + sorted((NOTEBOOKS / "exercises").glob("*.ipynb"))


def twin(english: Path, lang: str = "zh_CN") -> Path:
    """notebooks/03-veth-pair.ipynb -> notebooks/zh-CN/03-veth-pair.ipynb (exercises alike)."""
    return NOTEBOOKS / LANGS[lang] / english.relative_to(NOTEBOOKS)


def prose(nb: nbformat.NotebookNode) -> list[str]:
    """The markdown cells' texts, in order (empty cells have nothing to translate)."""
    return [c.source for c in nb.cells if c.cell_type == "markdown" and c.source.strip()]


def extract(paths: list[Path]) -> Catalog:
    catalog = Catalog(project="nslab notebooks", version="0.1.0", fuzzy=False)
    for path in paths:
        where = str(path.relative_to(ROOT))
        for text in prose(nbformat.read(path, as_version=4)):
            catalog.add(text, locations=[(where, None)])
    return catalog


def write_pot(paths: list[Path], out: Path = POT) -> None:
    with out.open("wb") as f:
        write_po(f, extract(paths), width=0, omit_header=False, include_lineno=False)


def load_translations(lang: str, po: Path | None = None) -> dict[str, str]:
    """English cell text -> its translation (fuzzy and empty entries left out)."""
    po = po or LOCALE / lang / "LC_MESSAGES" / "notebooks.po"
    if not po.exists():
        return {}
    with po.open("rb") as f:
        return {m.id: m.string for m in read_po(f)
                if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


class TranslationError(ValueError):
    """A translation that would break the notebook (it drops an nbgrader marker line)."""


def translate(nb: nbformat.NotebookNode, translations: dict[str, str],
              lang: str = "zh_CN", source: str = "") -> tuple[nbformat.NotebookNode, list[str]]:
    """The translated copy of NB and the English texts that have no translation yet.
    Code cells (source, metadata, tags) are copied unchanged; outputs are cleared."""
    out = copy.deepcopy(nb)
    missing = []
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)
            continue
        if cell.cell_type != "markdown" or not cell.source.strip():
            continue
        text = translations.get(cell.source)
        if text is None:
            missing.append(cell.source)
            continue
        if MARKERS.findall(text) != MARKERS.findall(cell.source):
            raise TranslationError(
                f"the {lang} translation of the cell starting {cell.source[:60]!r} in {source} "
                "changes its nbgrader marker lines (### BEGIN SOLUTION, ### END SOLUTION): "
                "keep them exactly as in English, in the same order")
        cell.source = relink(text)
    out.metadata.pop("widgets", None)
    out.metadata["nslab"] = {"language": lang, "translated_from": source}
    return out, missing


def execute(nb: nbformat.NotebookNode, folder: Path, lang: str = "zh_CN") -> None:
    """Run NB for real in FOLDER with NSLAB_LANG=lang (the kernel inherits the environment)."""
    from nbclient import NotebookClient

    saved = os.environ.get("NSLAB_LANG")
    os.environ["NSLAB_LANG"] = lang
    try:
        NotebookClient(nb, timeout=120, kernel_name="python3",
                       resources={"metadata": {"path": str(folder)}}).execute()
    finally:
        if saved is None:
            os.environ.pop("NSLAB_LANG", None)
        else:
            os.environ["NSLAB_LANG"] = saved


def build(english: Path, lang: str = "zh_CN", run: bool = False) -> tuple[Path, list[str]]:
    nb = nbformat.read(english, as_version=4)
    source = os.path.relpath(english, twin(english, lang).parent)
    translated, missing = translate(nb, load_translations(lang), lang, source)
    dest = twin(english, lang)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if run:
        execute(translated, dest.parent, lang)
    nbformat.write(translated, dest)
    return dest, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("extract", help="write nslab/locale/notebooks.pot from the English notebooks")
    b = sub.add_parser("build", help="write the translated notebooks under notebooks/zh-CN/")
    b.add_argument("notebooks", nargs="*", type=Path, help="English notebooks (default: all)")
    b.add_argument("--execute", action="store_true", help="run them (under the kernel lock)")
    b.add_argument("--lang", default="zh_CN", choices=sorted(LANGS))
    args = parser.parse_args(argv)
    if args.command == "extract":
        write_pot(english_notebooks())
        print("wrote", POT.relative_to(ROOT))
        return 0
    for english in [p.resolve() for p in args.notebooks] or english_notebooks():
        dest, missing = build(english, args.lang, run=args.execute)
        note = f" ({len(missing)} markdown cells still in English)" if missing else ""
        print(f"wrote {dest.relative_to(ROOT)}{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

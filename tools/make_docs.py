"""The reading edition: every notebook with its real outputs, as static HTML.

    python tools/make_docs.py [--out docs/reading]

Renders the tutorials (notebooks/0*.ipynb), the exercises (notebooks/exercises/) and the
Chinese edition (notebooks/zh-CN/, when present) with nbconvert, exactly as they were
last executed, plus an index page. Drawings stay pictures (inline SVG); a live widget,
which has no view outside a running kernel, becomes a short note instead of its Python
repr. Nothing is executed: run `make notebooks` first to refresh the outputs.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
WIDGET = "application/vnd.jupyter.widget-view+json"
WIDGET_NOTE = (
    '<div class="nslab-widget-note"><em>An interactive widget ({name}) is here in the '
    "notebook. Open the notebook in JupyterLab (<code>make lab</code>) to use it.</em></div>"
)

SECTIONS = [
    ("Tutorials", "0*.ipynb"),
    ("Exercises", "exercises/*.ipynb"),
    ("中文版 (Chinese edition)", "zh-CN/**/*.ipynb"),
]


def notebooks() -> list[tuple[str, list[Path]]]:
    """The sections of the index and their notebooks, in order; empty sections left out."""
    found = [(title, sorted(NOTEBOOKS.glob(pattern))) for title, pattern in SECTIONS]
    return [(title, paths) for title, paths in found if paths]


def _widget_name(output: nbformat.NotebookNode) -> str:
    text = output.get("data", {}).get("text/plain", "")
    return text.split("(", 1)[0].strip() or "widget"


def readable(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Replace widget views (a repr outside a live kernel) by a note; keep everything else."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET in data:
                output["data"] = {"text/html": WIDGET_NOTE.format(name=_widget_name(output))}
    nb.metadata.pop("widgets", None)
    return nb


def title_of(nb: nbformat.NotebookNode, path: Path) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.splitlines()[0][2:].strip()
    return path.stem


def render(path: Path, out: Path, exporter: HTMLExporter) -> tuple[Path, str]:
    nb = readable(nbformat.read(path, as_version=4))
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
    target = out / path.relative_to(NOTEBOOKS).with_suffix(".html")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(_relink(body, path, target, out), encoding="utf-8")
    return target, title_of(nb, path)


def _relink(body: str, source: Path, target: Path, out: Path) -> str:
    """Relative links: a notebook's point at its rendered page, others at the file itself."""

    def fix(match: re.Match[str]) -> str:
        href = match.group(1)
        if re.match(r"^([a-z]+:|#|/)", href):
            return match.group(0)
        path, _, anchor = href.partition("#")
        where = (source.parent / path).resolve()
        if where.suffix == ".ipynb" and where.is_relative_to(NOTEBOOKS):
            where = out / where.relative_to(NOTEBOOKS).with_suffix(".html")
        elif where.is_dir() and where.is_relative_to(NOTEBOOKS):
            where = out / "index.html"  # a folder of notebooks: its section of the index
        new = os.path.relpath(where, target.parent) + (f"#{anchor}" if anchor else "")
        return f'href="{new}"'

    return re.sub(r'href="([^"]+)"', fix, body)


def _inline(title: str) -> str:
    """A title for the index: escaped, with `code` shown as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(title))


def build(out: Path) -> list[Path]:
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input_prompt = False
    pages: list[Path] = []
    index = ["<!doctype html><html><head><meta charset='utf-8'>",
             "<title>nslab: the reading edition</title></head><body>",
             "<h1>nslab: the reading edition</h1>",
             "<p>Every notebook with the outputs of its last real run. To run them "
             "yourself, open them in JupyterLab (<code>make lab</code>).</p>"]
    for section, paths in notebooks():
        index.append(f"<h2>{html.escape(section)}</h2><ul>")
        for path in paths:
            page, title = render(path, out, exporter)
            pages.append(page)
            href = page.relative_to(out).as_posix()
            index.append(f'<li><a href="{href}">{_inline(title)}</a></li>')
        index.append("</ul>")
    index.append("</body></html>")
    (out / "index.html").write_text("\n".join(index), encoding="utf-8")
    return pages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "reading")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    pages = build(args.out)
    print(f"wrote {len(pages)} pages and {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

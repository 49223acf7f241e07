"""The reading edition: every notebook with its real outputs, as static HTML.

    python tools/make_docs.py [--out docs/reading]

Renders the tutorials (notebooks/0*.ipynb), the exercises (notebooks/exercises/) and the
Chinese edition (notebooks/zh-CN/, when present) with nbconvert, exactly as they were
last executed, plus an index page per language. Drawings stay pictures (inline SVG, with
their text alternative); a live widget, which has no view outside a running kernel,
becomes a short note instead of its Python repr. Nothing is executed: run `make
notebooks` first to refresh the outputs.

Accessible and offline (WCAG 2.1 AA): every page has its language (`lang="zh-CN"` for the
Chinese edition: nbconvert itself takes two-letter codes only), the notebook's own title,
a link to its twin in the other language and back to its index, headings without skipped
levels, and no request to any host outside the pages (nbconvert's require.js and MathJax
from a CDN are dropped: no page uses either). A search box works offline: Pagefind
(npm `pagefind`, run after the pages are written) builds one index per language under
`pagefind/`; without it the pages are written and the search box says how to build it.
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
WIDGET = "application/vnd.jupyter.widget-view+json"
ZH = "zh-CN"  # the Chinese edition's folder and its `lang`
# Pagefind (npm): `make docs` installs it here; NSLAB_PAGEFIND names another binary.
PAGEFIND = ROOT / "tools" / "a11y" / "node_modules" / ".bin" / "pagefind"

# The few words of the edition's own frame, per language (the pages' prose is the notebooks').
WORDS = {
    "en": {
        "widget": "An interactive widget ({name}) is here in the notebook. Open the notebook "
                  "in JupyterLab (<code>make lab</code>) to use it.",
        "site": "nslab: the reading edition",
        "index": "Index of the reading edition",
        "twin": "中文版",
        "nav": "Reading edition",
        "search": "Search the reading edition",
        "no-search": "The search index is not built: run <code>make docs</code> (it needs npm).",
        "intro": "Every notebook with the outputs of its last real run. To run them yourself, "
                 "open them in JupyterLab (<code>make lab</code>).",
        "sections": ("Tutorials", "Exercises"),
    },
    ZH: {
        "widget": "笔记本中此处是一个交互控件（{name}）。请在 JupyterLab 中打开笔记本"
                  "（<code>make lab</code>）来使用它。",
        "site": "nslab：阅读版",
        "index": "阅读版目录",
        "twin": "English",
        "nav": "阅读版",
        "search": "搜索阅读版",
        "no-search": "搜索索引尚未生成：请运行 <code>make docs</code>（需要 npm）。",
        "intro": "每个笔记本及其最近一次真实运行的输出。要自己运行，请在 JupyterLab 中打开它们"
                 "（<code>make lab</code>）。",
        "sections": ("教程", "练习"),
    },
}
# Colours nbconvert's theme leaves below 4.5:1 on its grey (prompts, comments, numbers,
# operators), links told apart from text by more than colour, long lines wrapped rather
# than in a region that scrolls without a keyboard (WCAG 1.4.3, 1.4.1, 2.1.1); the frame.
STYLE = """<style>
:root{--jp-mirror-editor-comment-color:#2f6060;--jp-mirror-editor-number-color:#006400;
--jp-mirror-editor-operator-color:#7a1fbf;--jp-mirror-editor-meta-color:#7a1fbf;
--jp-mirror-editor-error-color:#b00020;--jp-cell-inprompt-font-color:#1a4f9f;
--jp-cell-outprompt-font-color:#8a2b00}
.jp-InputPrompt{color:#1a4f9f!important;opacity:1!important}
.jp-OutputPrompt{color:#8a2b00!important;opacity:1!important}
a:link,a:visited{text-decoration:underline!important}
pre{white-space:pre-wrap;overflow-wrap:anywhere}
.nslab-nav{display:flex;gap:1.5em;flex-wrap:wrap;padding:.5em 1em;border-bottom:1px solid #767676}
.nslab-nav a{color:#1a4f9f}
:focus-visible{outline:3px solid #1a4f9f;outline-offset:2px}
</style>"""

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


def lang_of(path: Path) -> str:
    """The language of a notebook: zh-CN under notebooks/zh-CN/, else en."""
    return ZH if ZH in path.relative_to(NOTEBOOKS).parts else "en"


def twin_of(path: Path) -> Path | None:
    """The same notebook in the other language, when it exists."""
    rel = path.relative_to(NOTEBOOKS)
    other = rel.relative_to(ZH) if lang_of(path) == ZH else Path(ZH) / rel
    return NOTEBOOKS / other if (NOTEBOOKS / other).exists() else None


def readable(nb: nbformat.NotebookNode, lang: str = "en") -> nbformat.NotebookNode:
    """Replace widget views (a repr outside a live kernel) by a note; keep everything else."""
    note = '<div class="nslab-widget-note"><em>' + WORDS[lang]["widget"] + "</em></div>"
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET in data:
                output["data"] = {"text/html": note.format(name=_widget_name(output))}
    nb.metadata.pop("widgets", None)
    return nb


def offline(page: str) -> str:
    """The page without nbconvert's scripts from a CDN (require.js, MathJax): nothing on
    these pages needs them, and a class behind a firewall would wait on them."""
    page = re.sub(r"<!-- Load mathjax -->\s*", "", page)
    page = re.sub(r'<script[^>]*\bsrc="(?:https?:)?//[^"]*"[^>]*>\s*</script>', "", page)
    return re.sub(r'<script type="text/x-mathjax-config">.*?</script>', "", page, flags=re.S)


def heading_order(page: str) -> str:
    """Headings without skipped levels (the exercises' `####` right under a `##`): each
    heading is at most one level below the one before it (WCAG 1.3.1)."""
    last = 0

    def fix(match: re.Match[str]) -> str:
        nonlocal last
        level = min(int(match.group(1)), last + 1)
        last = level
        return f"<h{level}{match.group(2)}>{match.group(3)}</h{level}>"

    return re.sub(r"<h([1-6])(\b[^>]*)>(.*?)</h\1>", fix, page, flags=re.S)


def _nav(lang: str, target: Path, out: Path, twin: Path | None) -> str:
    """The frame's links: back to the index, the twin in the other language."""
    words = WORDS[lang]
    index = out / (f"{ZH}/index.html" if lang == ZH else "index.html")
    links = [f'<a href="{os.path.relpath(index, target.parent)}">{words["index"]}</a>']
    if twin is not None:
        other = "en" if lang == ZH else ZH
        href = os.path.relpath(twin, target.parent)
        links.append(f'<a href="{href}" lang="{other}" hreflang="{other}">{words["twin"]}</a>')
    return f'<nav class="nslab-nav" aria-label="{words["nav"]}">' + "".join(links) + "</nav>"


def frame(page: str, *, lang: str, title: str, nav: str) -> str:
    """Language, title, the frame's style and links, and the search index's body mark."""
    page = re.sub(r'<html lang="[^"]*"', f'<html lang="{lang}"', page, count=1)
    page = re.sub(r"<title>.*?</title>", f"<title>{html.escape(title)}</title>", page,
                  count=1, flags=re.S)
    page = page.replace("</head>", STYLE + "</head>", 1)
    page = re.sub(r"(<body\b[^>]*>)", r"\1" + nav.replace("\\", "\\\\"), page, count=1)
    return page.replace("<main>", "<main data-pagefind-body>", 1)


def title_of(nb: nbformat.NotebookNode, path: Path) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.startswith("# "):
            return cell.source.splitlines()[0][2:].strip()
    return path.stem


def _page_of(path: Path, out: Path) -> Path:
    return out / path.relative_to(NOTEBOOKS).with_suffix(".html")


def render(path: Path, out: Path, exporter: HTMLExporter) -> tuple[Path, str]:
    lang = lang_of(path)
    nb = readable(nbformat.read(path, as_version=4), lang)
    title = title_of(nb, path)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    target = _page_of(path, out)
    twin = twin_of(path)
    nav = _nav(lang, target, out, _page_of(twin, out) if twin else None)
    body = heading_order(offline(_relink(body, path, target, out)))
    page = frame(body, lang=lang, title=f"{title} · nslab", nav=nav)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")
    return target, title


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


def _search(lang: str, root: str, built: bool) -> str:
    """Pagefind's search box (its index for this page's language), or how to build it."""
    words = WORDS[lang]
    if not built:
        return f'<p class="nslab-no-search">{words["no-search"]}</p>'
    return (
        f'<section aria-label="{words["search"]}" class="nslab-search">'
        f'<link href="{root}pagefind/pagefind-ui.css" rel="stylesheet">'
        f'<script src="{root}pagefind/pagefind-ui.js"></script><div id="search"></div>'
        "<script>window.addEventListener('DOMContentLoaded',()=>{new PagefindUI("
        "{element:'#search',showSubResults:true,resetStyles:false});});</script></section>"
    )


def _index(lang: str, groups: list[tuple[str, list[tuple[str, str]]]], *, root: str,
           twin: str, built: bool) -> str:
    """An index page: the notebooks by section, the search box, the other language."""
    words = WORDS[lang]
    other = "en" if lang == ZH else ZH
    page = [f"<!doctype html><html lang='{lang}'><head><meta charset='utf-8'>",
            "<meta name='viewport' content='width=device-width, initial-scale=1'>",
            f"<title>{words['site']}</title>{STYLE}</head><body>",
            f'<nav class="nslab-nav" aria-label="{words["nav"]}"><a href="{twin}" '
            f'lang="{other}" hreflang="{other}">{WORDS[lang]["twin"]}</a></nav><main>',
            f"<h1>{words['site']}</h1><p>{words['intro']}</p>", _search(lang, root, built)]
    for section, section_lang, links in ((g[0], g[0][1], g[1]) for g in groups):
        attr = f' lang="{section_lang}"' if section_lang != lang else ""
        page.append(f"<section{attr}><h2>{html.escape(section[0])}</h2><ul>")
        page += [f'<li><a href="{href}">{_inline(title)}</a></li>' for href, title in links]
        page.append("</ul></section>")
    page.append("</main></body></html>")
    return "\n".join(page)


def build(out: Path, *, search: bool = False) -> list[Path]:
    """Write every page and the two indexes; `search`: the Pagefind index is (to be) built."""
    exporter = HTMLExporter(template_name="lab")
    exporter.exclude_input_prompt = False
    pages: list[Path] = []
    done: dict[Path, str] = {}
    for _section, paths in notebooks():
        for path in paths:
            page, title = render(path, out, exporter)
            pages.append(page)
            done[path] = title
    groups: dict[str, list[tuple[tuple[str, str], list[tuple[Path, str]]]]] = {"en": [], ZH: []}
    for lang in ("en", ZH):
        mine = [(p, t) for p, t in done.items() if lang_of(p) == lang]
        tut = [(p, t) for p, t in mine if p.parent.name != "exercises"]
        ex = [(p, t) for p, t in mine if p.parent.name == "exercises"]
        for name, items in zip(WORDS[lang]["sections"], (tut, ex), strict=True):
            if items:
                groups[lang].append(((name, lang), items))
    (out / ZH).mkdir(parents=True, exist_ok=True)
    for lang, where in (("en", out / "index.html"), (ZH, out / ZH / "index.html")):
        # the English index lists the Chinese edition too (in its own language)
        shown = groups[lang] + (groups[ZH] if lang == "en" else [])
        listed = [(sec, [(os.path.relpath(_page_of(p, out), where.parent), t) for p, t in items])
                  for sec, items in shown]
        root = "" if lang == "en" else "../"
        twin = "zh-CN/index.html" if lang == "en" else "../index.html"
        text = _index(lang, listed, root=root, twin=twin, built=search)
        where.write_text(text, encoding="utf-8")
    return pages


def pagefind(out: Path) -> bool:
    """Build the offline search index (one per language) with Pagefind; False without it."""
    binary = os.environ.get("NSLAB_PAGEFIND") or (str(PAGEFIND) if PAGEFIND.exists() else
                                                   shutil.which("pagefind"))
    if not binary:
        print("pagefind not found: the pages have no search. Install it with "
              "`npm install --prefix tools/a11y --no-package-lock pagefind` (make docs does).",
              file=sys.stderr)
        return False
    subprocess.run([binary, "--site", str(out)], check=True, stdout=subprocess.DEVNULL)
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "reading")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    has_search = bool(os.environ.get("NSLAB_PAGEFIND") or PAGEFIND.exists()
                      or shutil.which("pagefind"))
    pages = build(args.out, search=has_search)
    if has_search:
        pagefind(args.out)
    print(f"wrote {len(pages)} pages and {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

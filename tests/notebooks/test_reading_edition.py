"""`make docs` renders every notebook with its outputs; drawings stay pictures."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import nbformat

ROOT = Path(__file__).parents[2]


def _make_docs():
    spec = importlib.util.spec_from_file_location("make_docs", ROOT / "tools" / "make_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _without_svg(page: str) -> str:
    return re.sub(r"<svg.*?</svg>", "", page, flags=re.S)


def test_every_notebook_is_rendered_with_its_drawings_as_pictures(tmp_path: Path):
    docs = _make_docs()
    pages = docs.build(tmp_path)
    sources = [p for _, paths in docs.notebooks() for p in paths]
    assert len(pages) == len(sources) >= 6
    index = (tmp_path / "index.html").read_text()
    for source, page in zip(sources, pages, strict=True):
        html = page.read_text()
        assert page.relative_to(tmp_path).as_posix() in index
        nb = nbformat.read(source, as_version=4)
        drawings = sum(1 for c in nb.cells for o in c.get("outputs", [])
                       if "image/svg+xml" in o.get("data", {}))
        pictures = len(re.findall(r"<svg\b", html)) + len(re.findall(r"<img\b", html))
        assert pictures >= drawings, f"{page.name}: {pictures} pictures for {drawings} drawings"
        text = _without_svg(html)
        # graphviz's own text (cluster ids, node titles) never shows as text soup
        assert "cluster_" not in text, page.name
        # a widget has no view outside a kernel: a note replaces its repr
        assert "(children=" not in text, page.name
        assert ".ipynb\"" not in html, f"{page.name}: links point at the rendered pages"


def test_a_notebook_with_a_drawing_has_svg_on_its_page(tmp_path: Path):
    docs = _make_docs()
    docs.build(tmp_path)
    page = (tmp_path / "03-veth-pair.html").read_text()
    assert page.count("<svg") >= 5
    assert "veth-test1" in page


def test_links_lead_to_rendered_pages_and_real_files(tmp_path: Path):
    docs = _make_docs()
    out = tmp_path / "docs" / "reading"
    docs.build(out)
    page = out / "03-veth-pair.html"
    html = page.read_text()
    hrefs = re.findall(r'href="([^"#]+)', html)
    local = [h for h in hrefs if not re.match(r"^[a-z]+:|/", h)]
    assert "04-bridge.html" in local
    for href in local:
        target = (page.parent / href).resolve()
        assert target.suffix != ".ipynb", href
        if target.is_relative_to(out):
            assert target.exists(), href

"""Every drawing in every committed notebook can be read without seeing it (issue 21):
an accessible name, a description that names every namespace it draws, and HTML with the
drawing as text beside the picture, never a bare image."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest

ROOT = Path(__file__).parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))
HOST = {"en": "host", "zh-CN": "主机"}


def _drawings(nb: nbformat.NotebookNode):
    for i, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "image/svg+xml" in data or "<svg" in data.get("text/html", ""):
                yield i, data


def _svgs(data: dict) -> list[str]:
    page = data.get("text/html") or data["image/svg+xml"]
    return re.findall(r"<svg\b.*?</svg>", page, flags=re.S)


def _namespaces(svg: str, lang: str) -> list[str]:
    """The namespaces the drawing draws, from graphviz's cluster ids (cluster_ns.NAME)."""
    names = []
    for cid in re.findall(r"<title>cluster_([^<]+)</title>", svg):
        cid = html.unescape(cid)
        if cid == "host":
            names.append(HOST[lang])
        elif cid.startswith("ns."):
            names.append(unquote(cid[3:]).lstrip("@"))
    return names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_drawing_has_a_name_and_a_description(path: Path):
    nb = nbformat.read(path, as_version=4)
    lang = "zh-CN" if "zh-CN" in path.parts else "en"
    problems = []
    for i, data in _drawings(nb):
        if "text/html" not in data:
            problems.append(f"cell {i}: a bare image (no HTML with the drawing as text)")
            continue
        if "<details" not in data["text/html"]:
            problems.append(f"cell {i}: no drawing as text under the drawing")
        for svg in _svgs(data):
            tag = svg[: svg.find(">")]
            title = re.search(r'<title id="[^"]+">(.*?)</title>', svg, re.S)
            desc = re.search(r'<desc id="[^"]+">(.*?)</desc>', svg, re.S)
            if 'role="img"' not in tag or not title or not title.group(1).strip():
                problems.append(f"cell {i}: an SVG without role=img and a title")
                continue
            if not desc or not desc.group(1).strip():
                problems.append(f"cell {i}: an SVG without a description")
                continue
            text = html.unescape(title.group(1) + "\n" + desc.group(1))
            missing = [n for n in _namespaces(svg, lang) if n not in text]
            if missing:
                problems.append(f"cell {i}: the description leaves out {missing}")
    assert not problems, "\n".join(problems)

"""The reading edition in real Chromium: zero axe-core violations (WCAG 2.1 A/AA) on every
page, no request to any host outside the pages, the offline search answers in each
language, and the drawings seen under protanopia and deuteranopia (screenshots in
tests/artifacts/ for a person to look at)."""

from __future__ import annotations

import functools
import http.server
import importlib.util
import os
import shutil
import threading
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.browser.a11y import axe, report
from tests.browser.jupyterlab import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

REPO = Path(__file__).resolve().parents[2]
if not os.access(CHROMIUM, os.X_OK):
    pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright")


def _make_docs():
    spec = importlib.util.spec_from_file_location("make_docs", REPO / "tools" / "make_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[str, Path, list[Path]]]:
    """The reading edition built into a temporary folder, with its search index, served
    on 127.0.0.1 (the search loads its index with fetch, which file:// pages cannot)."""
    docs = _make_docs()
    out = tmp_path_factory.mktemp("reading")
    if not (os.environ.get("NSLAB_PAGEFIND") or docs.PAGEFIND.exists()
            or shutil.which("pagefind")):
        pytest.fail("pagefind is missing: run `bash tests/tools/sysdeps.sh` (npm install "
                    "into tools/a11y) or set NSLAB_PAGEFIND")
    pages = docs.build(out, search=True)
    assert docs.pagefind(out)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(out))
    handler.log_message = lambda *a: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", out, pages
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _all_pages(out: Path, pages: list[Path]) -> list[str]:
    return [p.relative_to(out).as_posix() for p in [out / "index.html",
                                                     out / "zh-CN" / "index.html", *pages]]


def test_every_page_has_no_axe_violation_and_asks_no_other_host(site, browser):
    base, out, pages = site
    host = urlparse(base).netloc
    page = browser.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url)
            if urlparse(r.url).netloc not in (host, "") else None)
    failures = {}
    for rel in _all_pages(out, pages):
        page.goto(base + rel, wait_until="load")
        violations = axe(page)
        if violations:
            failures[rel] = report(violations)
    page.close()
    assert not outside, f"requests outside the reading edition: {sorted(set(outside))[:10]}"
    assert not failures, "\n".join(f"{k}:\n{v}" for k, v in failures.items())


def test_every_page_says_its_language_title_twin_and_index(site, browser):
    base, out, pages = site
    page = browser.new_page()
    titles: dict[str, str] = {}
    for rel in _all_pages(out, pages)[2:]:
        page.goto(base + rel, wait_until="domcontentloaded")
        lang = page.evaluate("document.documentElement.lang")
        assert lang == ("zh-CN" if rel.startswith("zh-CN/") else "en"), rel
        title = page.title()
        assert title.endswith(" · nslab") and not title.startswith(Path(rel).stem), rel
        titles[rel] = title
        nav = page.locator("nav.nslab-nav a")
        hrefs = [nav.nth(i).get_attribute("href") for i in range(nav.count())]
        assert any(h.endswith("index.html") for h in hrefs), rel
        twin = [h for h in hrefs if not h.endswith("index.html")]
        assert twin, f"{rel} has no link to its twin"
        assert (out / rel).parent.joinpath(twin[0]).resolve().exists(), rel
        levels = page.evaluate("[...document.querySelectorAll('main h1,main h2,main h3,"
                               "main h4,main h5,main h6')].map(h => +h.tagName[1])")
        assert levels[0] == 1 and all(b <= a + 1 for a, b in pairwise(levels)), rel
    for rel, title in titles.items():  # twins have their own language's title
        if rel.startswith("zh-CN/"):
            assert titles.get(rel.removeprefix("zh-CN/")) != title, rel
    page.close()


def test_offline_search_answers_in_each_language(site, browser):
    base, _out, _pages = site
    page = browser.new_page()
    for index, query, expected in (("index.html", "veth", "/03-veth-pair.html"),
                                   ("zh-CN/index.html", "网桥", "/zh-CN/04-bridge.html")):
        page.goto(base + index, wait_until="load")
        box = page.locator(".pagefind-ui__search-input")
        box.fill(query)
        first = page.locator(".pagefind-ui__result-link").first
        first.wait_for()
        links = page.locator(".pagefind-ui__result-link")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert any(h.endswith(expected) for h in hrefs), (index, hrefs)
        other = "/zh-CN/" if index == "index.html" else None
        if other:  # the English index searches the English pages only
            assert not any(other in h for h in hrefs), hrefs
        else:
            assert all("/zh-CN/" in h for h in hrefs), hrefs
    page.close()


@pytest.mark.parametrize("deficiency", ["protanopia", "deuteranopia"])
def test_drawings_under_colour_vision_deficiency(site, browser, deficiency):
    """Screenshots of notebook 04's drawings as a person with `deficiency` sees them
    (Chromium's own emulation), saved for a person to look at; the states must still read
    apart by line style: the drawings keep their dashed and dotted outlines."""
    base, _out, _pages = site
    page = browser.new_page(viewport={"width": 1200, "height": 1400})
    cdp = page.context.new_cdp_session(page)
    cdp.send("Emulation.setEmulatedVisionDeficiency", {"type": deficiency})
    page.goto(base + "04-bridge.html", wait_until="load")
    figure = page.locator(".nslab-figure").first  # the bridge, its ports and containers
    figure.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"04-bridge-drawing-{deficiency}.png"
    figure.screenshot(path=str(shot))
    assert shot.stat().st_size > 5000
    dashes = page.evaluate("[...document.querySelectorAll('.nslab-figure svg path, "
                           ".nslab-figure svg polygon')].filter(e => e.getAttribute("
                           "'stroke-dasharray')).length")
    assert dashes > 0
    page.close()

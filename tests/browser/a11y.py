"""What the accessibility tests share: axe-core injected into a page, run with the WCAG 2.1
A/AA rules, and a list of the rules left out with the reason for each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
AXE_SOURCES = (  # axe-core: bundled with the Python package (pip), or npm's (make docs)
    Path(__import__("axe_playwright_python").__file__).with_name("axe.min.js"),
    REPO / "tools" / "a11y" / "node_modules" / "axe-core" / "axe.min.js",
)
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Rules not run, each with its reason. Keep this list short: every entry is a judgement.
EXCLUDED: dict[str, str] = {}


def axe_source() -> str:
    for path in AXE_SOURCES:
        if path.exists():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError("axe-core is missing: pip install axe-playwright-python")


def axe(page: Any, context: Any = None) -> list[dict[str, Any]]:
    """The violations axe-core finds in `page` (or in `context`, an axe context object)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=axe_source())
    options = {"runOnly": {"type": "tag", "values": TAGS},
               "rules": {rule: {"enabled": False} for rule in EXCLUDED}}
    result = page.evaluate(
        "([context, options]) => axe.run(context || document, options)", [context, options]
    )
    return result["violations"]


def report(violations: list[dict[str, Any]]) -> str:
    """One line per failing element: the rule, the element, what axe says to fix."""
    lines = []
    for v in violations:
        for node in v["nodes"][:5]:
            lines.append(f"{v['id']}: {node['target']} {node.get('failureSummary', '')[:200]}")
    return "\n".join(lines)

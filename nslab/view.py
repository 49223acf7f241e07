"""What a notebook step shows: the live drawing plus "what changed" in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .diff import Changes, changes_html
from .draw import TextAlt, figure_html
from .messages import say


@dataclass(frozen=True)
class StepView:
    graph: Any  # graphviz.Graph
    changes: Changes

    def __str__(self) -> str:
        return say("changes.title") + "\n" + str(self.changes)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """The SVG (compared by nbval), the list as text, and both together as HTML,
        which JupyterLab prefers: the drawing (with its text alternative, see
        nslab.draw.figure_html) and what changed under it."""
        bundle = dict(self.graph._repr_mimebundle_(include, exclude))
        svg = bundle.get("image/svg+xml", "")
        alt = getattr(self.graph, "alt", None)
        if isinstance(alt, TextAlt) and svg:
            figure = figure_html(svg, alt)
        else:
            figure = f"<div>{svg[svg.find('<svg'):] if '<svg' in svg else ''}</div>"
        bundle["text/html"] = figure + changes_html(self.changes)
        bundle["text/plain"] = str(self)
        return bundle

"""What a notebook step shows: the live drawing plus "what changed" in words."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .diff import Changes


@dataclass(frozen=True)
class StepView:
    graph: Any  # graphviz.Graph
    changes: Changes

    def __str__(self) -> str:
        return "what changed:\n" + str(self.changes)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        bundle = dict(self.graph._repr_mimebundle_(include, exclude))
        bundle["text/plain"] = str(self)
        return bundle

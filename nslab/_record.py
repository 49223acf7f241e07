"""The decorator that records a lab's changing verbs, so checkpoints can replay them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def recorded(method: F) -> F:
    """Record a successful call (name, args, kwargs) in the lab's history, unless it
    runs as a part of a bigger verb or during a replay."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        if not (self._replaying or self._inner):
            self._history.append((method.__name__, args, kwargs))
        return result

    return wrapper  # type: ignore[return-value]

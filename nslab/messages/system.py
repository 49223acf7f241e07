"""Messages: system tools and packages (where each lives, who provides it), kernel limits."""

from ._mark import N_, Nn_  # noqa: F401

MESSAGES: dict[str, str | tuple[str, str]] = {
}

"""Messages: findings of the diagnosis engine, drawing labels, check results, 'what changed'."""

from ._mark import N_, Nn_  # noqa: F401

MESSAGES: dict[str, str | tuple[str, str]] = {
}

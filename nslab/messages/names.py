"""Messages: names and addresses the library refuses (namespace, interface, IP)."""

from ._mark import N_, Nn_  # noqa: F401

MESSAGES: dict[str, str | tuple[str, str]] = {
}

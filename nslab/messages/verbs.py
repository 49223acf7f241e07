"""Messages: the kernel layer and the Lab verbs (lab, bridge, nat, containers, capture)."""

from ._mark import N_, Nn_  # noqa: F401

MESSAGES: dict[str, str | tuple[str, str]] = {
}

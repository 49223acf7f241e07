"""Messages: the article's steps as the Stepper and the notebooks show them."""

from ._mark import N_, Nn_  # noqa: F401

MESSAGES: dict[str, str | tuple[str, str]] = {
}

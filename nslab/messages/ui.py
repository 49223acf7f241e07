"""Messages: widgets (Panel, Stepper, Hints), the %ip magic, the workbook."""

from ._mark import N_, Nn_  # noqa: F401

MESSAGES: dict[str, str | tuple[str, str]] = {
}

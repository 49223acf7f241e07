"""Messages: system tools and packages (where each lives, who provides it), kernel limits."""

from ._mark import N_, Nn_  # noqa: F401

MESSAGES: dict[str, str | tuple[str, str]] = {
    "tools.missing": N_(
        "{tool!r} is not installed (looked on PATH and in /usr/sbin, /sbin, /usr/bin, /bin). "
        "It comes with the Debian package {package}: {command}"
    ),
    "tools.missing_unknown": N_(
        "{tool!r} is not installed (looked on PATH and in {dirs}). Install the package that "
        "provides it."
    ),
}

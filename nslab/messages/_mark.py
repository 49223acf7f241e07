"""The extraction markers: they return their text unchanged (see the package docstring)."""


def N_(text: str) -> str:
    return text


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    return (singular, plural)

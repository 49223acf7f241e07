"""`nslab.__all__` exports the types that public methods return (issue 18): whoever gets
a Snapshot, a PingResult or a Capture from `lab` can name its type from `nslab`."""

from __future__ import annotations

import inspect
import re
import sys

import nslab

# What a public method may return besides nslab's own types: builtins, typing, graphviz.
OUTSIDE = {"None", "Any", "Iterator", "Iterable", "Sequence", "Callable", "Mapping",
           "Literal", "Path", "IPv4Address", "IPv6Address", "NsKey"}
_NAME = re.compile(r"(?<![\w.])([A-Z]\w*)(?![\w.])")


def _returned(owner: type) -> dict[str, set[str]]:
    """method -> the capitalised names in its return annotation (nslab's types)."""
    out: dict[str, set[str]] = {}
    for name, member in inspect.getmembers(owner):
        if name.startswith("_"):
            continue
        func = member.fget if isinstance(member, property) else member
        if not callable(func):
            continue
        try:
            ann = inspect.signature(func).return_annotation
        except (TypeError, ValueError):
            continue
        if isinstance(ann, str):
            module = vars(sys.modules[func.__module__])
            out[name] = {t for t in set(_NAME.findall(ann)) - OUTSIDE
                         if t not in module or inspect.isclass(module[t])}  # no aliases
    return out


def test_lab_methods_return_exported_types():
    missing = {f"Lab.{m} -> {t}" for m, types in _returned(nslab.Lab).items() for t in types
               if t not in nslab.__all__}
    assert not missing, sorted(missing)


def test_exported_types_methods_return_exported_types():
    """One level down: what the exported results' own methods return (Snapshot.ns ...)."""
    missing = set()
    for export in nslab.__all__:
        obj = getattr(nslab, export)
        if not inspect.isclass(obj) or issubclass(obj, BaseException) or obj is nslab.Lab:
            continue
        for m, types in _returned(obj).items():
            missing |= {f"{export}.{m} -> {t}" for t in types
                        if t not in nslab.__all__ and t != export}
    assert not missing, sorted(missing)

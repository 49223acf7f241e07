"""Shared fixtures. The host guard lives in the repository's top conftest.py."""

from __future__ import annotations

import os
import uuid

import pytest

IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(
    not IS_ROOT, reason="needs root (CAP_NET_ADMIN + CAP_SYS_ADMIN) to create namespaces"
)

@pytest.fixture
def unique() -> str:
    """A short unique tag for names, so tests never collide with anything on the host."""
    return uuid.uuid4().hex[:6]


@pytest.fixture
def lab(unique: str):
    """A fresh Lab that is reset afterwards, whatever the test did."""
    from nslab import Lab

    lab = Lab(name=f"test-{unique}")
    yield lab
    lab.reset()
    lab.journal.delete()

"""Shared fixtures. The host guard lives in the repository's top conftest.py."""

from __future__ import annotations

import os
import uuid

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

# Property tests: in CI the same examples every run (derandomize) and a failure prints the
# blob that replays it (@reproduce_failure); locally random, and a failing example is saved
# to .hypothesis/ and tried first next time. No deadline in either: two shared cores make
# timings noisy, and a slow example is not a wrong one.
settings.register_profile(
    "ci", derandomize=True, print_blob=True, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev", deadline=None, print_blob=True,
    database=DirectoryBasedExampleDatabase(".hypothesis/examples"),
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

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

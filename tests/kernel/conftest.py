"""Fixtures shared by the kernel tests: the sandbox's throw-away user and its venv."""

from __future__ import annotations

import pwd
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sandboxing import make_user, make_venv


@pytest.fixture(scope="session")
def sandbox_user() -> Iterator[pwd.struct_passwd]:
    """A throw-away unprivileged user for this session, removed (home included) afterwards."""
    yield from make_user()


@pytest.fixture(scope="session")
def sandbox_venv(sandbox_user: pwd.struct_passwd) -> Path:
    """A venv from /usr/bin/python3 the user can run; deps reinstalled only when they change."""
    return make_venv()

"""Fixtures of the classroom tests (see classroom_stage.py)."""

from classroom_stage import classroom_venv, make_user  # noqa: F401

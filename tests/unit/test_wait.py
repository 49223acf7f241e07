"""nslab._wait: a bound on an idle machine, stretched by the load, that says what it waited."""

from __future__ import annotations

import time

import pytest

from nslab import _wait


def test_load_factor_is_runnable_per_cpu_at_least_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_wait.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(_wait, "_runnable", lambda: 0.5)
    assert _wait.load_factor() == 1.0
    monkeypatch.setattr(_wait, "_runnable", lambda: 30.0)  # thirty students on two cores
    assert _wait.load_factor() == 15.0


def test_runnable_reads_the_burst_not_only_the_average() -> None:
    assert _wait._runnable() >= 0


def test_patience_stretches_with_the_highest_load_seen(monkeypatch: pytest.MonkeyPatch) -> None:
    load = [1.0]
    monkeypatch.setattr(_wait, "load_factor", lambda: load[0])
    p = _wait.Patience(0.05)
    assert p.limit() == pytest.approx(0.05)
    load[0] = 10.0
    p._checked -= 1  # the next limit() reads the load again
    assert p.limit() == pytest.approx(0.5)
    load[0] = 1.0  # the load went down: the bound stays (the wait may have been starved)
    p._checked -= 1
    assert p.limit() == pytest.approx(0.5)
    assert not p.expired()
    while not p.expired():
        p.pause()
    assert 0.5 <= p.elapsed() < 5
    assert p.describe().endswith("load 10.0 per CPU") and p.describe().startswith("0.")


def test_pause_never_oversleeps_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_wait, "load_factor", lambda: 1.0)
    p = _wait.Patience(0.02, step=5, max_step=5)
    t0 = time.monotonic()
    p.pause()
    assert time.monotonic() - t0 < 1

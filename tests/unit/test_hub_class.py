"""deploy/hub set for a class: the limits and timeouts, the student's server config, and
prepare_home.py's refusal (read without starting anything; the real hub with a class of 5
is tests/classroom/test_classroom_bench.py)."""

from __future__ import annotations

import inspect
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from traitlets.config import Config

HUB = Path(__file__).resolve().parents[2] / "deploy" / "hub"


def load(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> Config:
    for key in ("NSLAB_HUB_CLASS_SIZE", "NSLAB_HUB_START_SLOTS", "NSLAB_HUB_IDLE_HOURS",
                "NSLAB_HUB_ACTIVE_SERVER_LIMIT", "NSLAB_HUB_START_TIMEOUT", "NSLAB_HUB_BIND"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("NSLAB_HUB_STATE", str(tmp_path / "state"))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    c = Config()
    runpy.run_path(str(HUB / "jupyterhub_config.py"), init_globals={"get_config": lambda: c})
    return c


def test_limits_for_a_class(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    c = load(monkeypatch, tmp_path)
    assert c.JupyterHub.spawner_class.__name__ == "ClassroomSpawner"
    assert c.JupyterHub.concurrent_spawn_limit == 120  # never a 429 for a class of 60
    assert c.JupyterHub.active_server_limit == 120
    assert c.Spawner.start_timeout == 900 and c.Spawner.http_timeout == 300
    args = c.Spawner.args
    assert "--MappingKernelManager.cull_idle_timeout=14400" in args  # hours, not minutes
    assert "--MappingKernelManager.cull_connected=False" in args
    assert "--ServerApp.shutdown_no_activity_timeout=14400" in args
    # the workbook is prepared outside the hub's event loop
    assert inspect.iscoroutinefunction(c.Spawner.pre_spawn_hook)
    c = load(monkeypatch, tmp_path, NSLAB_HUB_CLASS_SIZE="200", NSLAB_HUB_IDLE_HOURS="8")
    assert c.JupyterHub.concurrent_spawn_limit == 400
    assert "--ServerApp.shutdown_no_activity_timeout=28800" in c.Spawner.args


def test_the_student_server_skips_the_teacher_extensions() -> None:
    sys.path.insert(0, str(HUB))
    try:
        import prepare_home
    finally:
        sys.path.remove(str(HUB))
    skips = prepare_home.SERVER_CONFIG["ServerApp"]["jpserver_extensions"]
    assert skips["nbgrader.server_extensions.formgrader"] is False
    assert skips["notebook"] is False
    assert not any(skips.values())
    assert "jupyterlab" not in skips  # the students' JupyterLab itself stays
    assert prepare_home.PAGE_CONFIG["disabledExtensions"]["@jupyter/nbgrader"] is True


def test_prepare_home_for_an_unknown_user_says_so_and_makes_nothing(tmp_path: Path) -> None:
    r = subprocess.run([sys.executable, str(HUB / "prepare_home.py"), "nslab-no-such-user",
                        str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1
    assert "could not prepare nslab-no-such-user's home" in r.stderr
    assert list(tmp_path.iterdir()) == []
    r = subprocess.run([sys.executable, str(HUB / "prepare_home.py")], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and "usage" in r.stderr


def test_servers_start_a_few_at_a_time_in_login_order(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    """ClassroomSpawner: at most START_SLOTS starting at once, each holding its slot until
    its server answers; the others queue in order and the spawn page says where they are."""
    import asyncio
    from types import SimpleNamespace

    from jupyterhub.spawner import LocalProcessSpawner

    cls = load(monkeypatch, tmp_path, NSLAB_HUB_START_SLOTS="2").JupyterHub.spawner_class
    starting, peak, order = 0, 0, []

    async def start(self):  # noqa: ANN001, ANN202 - stands in for launching the server
        nonlocal starting, peak
        starting += 1
        peak = max(peak, starting)
        order.append(self.user.name)
        await asyncio.sleep(0.01)
        return "127.0.0.1", 1

    async def answering(self, ip, port):  # noqa: ANN001, ANN202
        nonlocal starting
        await asyncio.sleep(0.02)
        starting -= 1

    monkeypatch.setattr(LocalProcessSpawner, "start", start)
    monkeypatch.setattr(cls, "_until_answering", answering)
    monkeypatch.setattr(cls, "_slots", None)
    monkeypatch.setattr(cls, "_waiting", [])
    spawners = [cls(user=SimpleNamespace(name=f"s{i}")) for i in range(7)]

    async def main() -> list[str]:
        tasks = [asyncio.create_task(s.start()) for s in spawners]
        await asyncio.sleep(0)  # all seven asked
        progress = spawners[-1].progress()
        event = await progress.__anext__()
        await progress.aclose()
        assert await asyncio.gather(*tasks) == [("127.0.0.1", 1)] * 7
        return event["message"]

    message = asyncio.run(main())
    assert peak == 2 and order == [f"s{i}" for i in range(7)]
    assert message.startswith("Waiting for a free start slot: ")
    assert cls._waiting == []

"""Lab verbs inside a running event loop: asyncio, and a real Jupyter kernel (nbclient).

pyroute2 0.9's synchronous IPRoute raises "This event loop is already running" when
called from a running loop, i.e. from every Jupyter cell and widget callback; nslab runs
every netlink call in its own worker thread, so the verbs must just work there.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from nslab import Lab
from tests.conftest import needs_root

pytestmark = [needs_root, pytest.mark.kernel]

REPO = Path(__file__).resolve().parents[2]


def _article(tag: str) -> str:
    """Code that builds the article's two namespaces and the veth pair, as `lab`."""
    return textwrap.dedent(
        f"""
        t1, t2, va, vb = "e1-{tag}", "e2-{tag}", "ea{tag}", "eb{tag}"
        lab.add_netns(t1)
        lab.add_netns(t2)
        lab.add_veth(va, vb, ns=t1, peer_ns=t2)
        lab.add_addr(t1, va, "192.168.1.1/24")
        lab.add_addr(t2, vb, "192.168.1.2/24")
        lab.set_up(t1, va)
        lab.set_up(t2, vb)
        """
    )


def test_verbs_inside_asyncio_run(lab: Lab, unique: str) -> None:
    async def main() -> tuple:
        loop = asyncio.get_running_loop()
        assert loop.is_running()
        exec(_article(unique), {"lab": lab})
        first = lab.ping(f"e1-{unique}", "192.168.1.2")
        # a callback of the loop (what a widget click is), calling verbs
        done: asyncio.Future = loop.create_future()

        def on_click() -> None:
            try:
                lab.set_up(f"e1-{unique}", "lo")
                done.set_result(lab.ping(f"e2-{unique}", "192.168.1.1"))
            except BaseException as exc:  # pragma: no cover - reported below
                done.set_exception(exc)

        loop.call_soon(on_click)
        second = await asyncio.wait_for(done, 10)
        snap = lab.snapshot()
        return first, second, snap

    first, second, snap = asyncio.run(main())
    assert first.ok and second.ok
    assert snap.link(f"e1-{unique}", "lo").up
    assert snap.link(f"e1-{unique}", f"ea{unique}").peer.ifname == f"eb{unique}"


def test_first_use_inside_a_running_loop(unique: str) -> None:
    """A fresh process whose very first nslab call happens inside asyncio.run (so the
    netlink worker itself starts under a running loop)."""
    code = (
        "import asyncio, nslab\n\n"
        "async def main():\n"
        f"    lab = nslab.Lab(name='loop-{unique}')\n"
        "    try:\n"
        + textwrap.indent(_article(unique), " " * 8)
        + "        print('PING', lab.ping(t1, '192.168.1.2').ok, flush=True)\n"
        "    finally:\n"
        "        lab.reset()\n"
        "        lab.journal.delete()\n\n"
        "asyncio.run(main())\n"
    )
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=60, cwd=REPO)
        assert proc.returncode == 0, proc.stderr
        assert "PING True" in proc.stdout
    finally:
        _adopt_and_reset(f"loop-{unique}")


def _adopt_and_reset(name: str) -> None:
    """If a child process died before its own reset, remove what its journal lists."""
    leftover = Lab(name=name)
    leftover.reset()
    leftover.journal.delete()


def _stream_text(cell: dict) -> str:
    return "".join(
        o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream"
    )


def test_verbs_in_a_real_jupyter_kernel(tmp_path: Path, unique: str) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    name = f"nb-{unique}"
    cells = [
        f"import asyncio\nimport nslab\nlab = nslab.Lab(name={name!r})\n" + _article(unique),
        # a cell: the kernel's loop is running while it executes
        "asyncio.get_running_loop().is_running()",
        'r = lab.ping(t1, "192.168.1.2")\nprint("PING", r.ok, r.sent, r.received)',
        # widget-style callbacks: one scheduled on the loop, one through a real Button
        textwrap.dedent(
            """
            import ipywidgets as widgets
            results = []

            def on_click(_=None):
                lab.set_up(t2, "lo")
                results.append(lab.ping(t2, "192.168.1.1").ok)

            asyncio.get_running_loop().call_soon(on_click)
            button = widgets.Button(description="ping")
            button.on_click(on_click)
            button.click()
            """
        ),
        "await asyncio.sleep(0.5)\nprint('CALLBACKS', results)",
        "print('SNAP', lab.snapshot().link(t2, 'lo').up)\nprint('RESET', len(lab.reset()))",
    ]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    client = nbclient.NotebookClient(
        nb, kernel_name="python3", timeout=60,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    try:
        client.execute()
    finally:
        _adopt_and_reset(name)  # the kernel is gone now: its journal is adopted
    out = [_stream_text(c) for c in nb.cells]
    running = nb.cells[1]["outputs"][0]["data"]["text/plain"]
    assert running == "True"
    assert out[2].strip() == "PING True 1 1"
    assert out[4].strip() == "CALLBACKS [True, True]"
    assert "SNAP True" in out[5]
    assert "RESET" in out[5] and not out[5].strip().endswith("RESET 0")
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    assert not errors

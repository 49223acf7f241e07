"""Every tutorial notebook's transcript rebuilds the same lab on a clean kernel.

The notebook runs for real up to its final clean-up cell; the test reads what the lab
built (named namespaces and containers: links, addresses, routes, forwarding, nft rules)
straight from the kernel with `ip -j`, takes `lab.transcript.script()`, lets the lab
reset, runs the script with bash, and reads the kernel again: both must be the same.
What the script made is then removed: its processes by the PIDs it kept (tests/replay.py),
namespaces, host links and web roots by the exact names the notebook used.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.replay import end_processes, kernel_view, remove, run_script

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("0*.ipynb"))

REPORT = """
import json as _json
_snap = lab.snapshot().lab_only()
print(_json.dumps({
    "script": lab.transcript.script(), "names": _snap.named(),
    "containers": {c.name: c.pid for c in lab.containers()},
    "files": [p for e in lab.journal.of_kind("server") for p in (e["dir"], e["log"])],
    "host_links": sorted(lk.name for lk in (_snap.host.links if _snap.host else ()))}))
"""


def _run(*args: str) -> str:
    return subprocess.run(list(args), capture_output=True, text=True).stdout


def _run_notebook_but_cleanup(path: Path) -> dict:
    nb = nbformat.read(path, as_version=4)
    codes = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    last = codes[-1]
    assert nb.cells[last].source.strip() == "lab.reset()", "the last code cell cleans up"
    client = NotebookClient(nb, timeout=180, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    with client.setup_kernel():
        for i in codes[:-1]:
            client.execute_cell(nb.cells[i], i)
        probe = nbformat.v4.new_code_cell(REPORT)
        nb.cells.append(probe)
        client.execute_cell(probe, len(nb.cells) - 1)
        report = json.loads(probe.outputs[0]["text"])
        report["built"] = kernel_view(report["names"], report["containers"])
        client.execute_cell(nb.cells[last], last)
    return report


@pytest.mark.kernel
@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create namespaces")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_transcript_rebuilds_the_same_lab(path: Path, tmp_path: Path) -> None:
    report = _run_notebook_but_cleanup(path)
    names, host_links = report["names"], report["host_links"]
    assert names, "the notebook builds at least one named namespace"
    taken = set(_run("ip", "netns", "list").split())
    if taken & set(names):
        pytest.skip(f"namespaces {sorted(taken & set(names))} exist already on this machine")
    assert not any(os.path.exists(f"/proc/{pid}") for pid in report["containers"].values())
    replay = None
    try:
        replay = run_script(report["script"], tmp_path)
        assert replay.returncode == 0, replay.stderr
        alive = {n: p for n, p in replay.containers.items() if n in report["containers"]}
        assert set(alive) == set(report["containers"]), "the same containers run"
        assert kernel_view(names, alive) == report["built"]
    finally:
        if replay is not None:
            end_processes(replay)  # by the PIDs the script kept, before their namespaces
        remove(names, host_links, report["files"])

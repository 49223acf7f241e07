"""Every tutorial notebook's transcript rebuilds the same lab on a clean kernel.

The notebook runs for real up to its final clean-up cell; the test reads what the lab
built (named namespaces: links, addresses, routes, forwarding, nft rules) straight from
the kernel with `ip -j`, takes `lab.transcript.script()`, lets the lab reset, runs the
script with bash, and reads the kernel again: both must be the same. What the script
made is then removed by the exact names the notebook used.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("0*.ipynb"))

# Scripts that cannot run yet: the transcript of a container (docker run, @NAME) is a
# comment or an unresolvable name (branch `kernel` fixes the transcript in lab.py).
CONTAINER_SCRIPTS = {"01-containers-have-their-own-network", "02-ip-netns", "04-bridge",
                     "05-nat-and-ports"}

REPORT = """
import json as _json
_snap = lab.snapshot().lab_only()
print(_json.dumps({"script": lab.transcript.script(), "names": _snap.named(),
                   "host_links": sorted(lk.name for lk in (_snap.host.links if _snap.host else ()))}))
"""


def _ip_json(*args: str) -> list[dict]:
    out = subprocess.run(["ip", "-j", *args], capture_output=True, text=True, check=True).stdout
    return json.loads(out or "[]")


def _run(*args: str) -> str:
    return subprocess.run(list(args), capture_output=True, text=True).stdout


def kernel_view(names: list[str]) -> dict:
    """What the named namespaces hold, in terms a script and a Lab must agree on."""
    view = {}
    for name in names:
        links = sorted((lk["ifname"], lk.get("linkinfo", {}).get("info_kind", lk["link_type"]),
                        "UP" in lk["flags"], lk.get("master"))
                       for lk in _ip_json("-n", name, "-d", "link", "show"))
        addrs = sorted((a["ifname"], f'{i["local"]}/{i["prefixlen"]}')
                       for a in _ip_json("-n", name, "addr", "show")
                       for i in a.get("addr_info", []) if i.get("scope") != "link")
        routes = sorted((r["dst"], r.get("dev"), r.get("gateway"), r.get("protocol"))
                        for r in _ip_json("-n", name, "route", "show"))
        forwarding = _run("ip", "netns", "exec", name, "cat", "/proc/sys/net/ipv4/ip_forward")
        nft = _run("ip", "netns", "exec", name, "nft", "list", "ruleset")
        view[name] = {"links": links, "addrs": addrs, "routes": routes,
                      "forwarding": forwarding.strip(), "nft": nft.strip()}
    return view


def _remove(names: list[str], host_links: list[str]) -> None:
    """Remove what the script made: exactly these namespaces, their processes, these links."""
    for name in names:
        for pid in _run("ip", "netns", "pids", name).split():
            try:
                os.kill(int(pid), 15)
            except ProcessLookupError:
                pass
        subprocess.run(["ip", "netns", "delete", name], capture_output=True)
    for link in host_links:
        subprocess.run(["ip", "link", "delete", "dev", link], capture_output=True)


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
        report["built"] = kernel_view(report["names"])
        client.execute_cell(nb.cells[last], last)
    return report


@pytest.mark.kernel
@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to create namespaces")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_transcript_rebuilds_the_same_lab(path: Path, tmp_path: Path) -> None:
    if path.stem in CONTAINER_SCRIPTS:
        pytest.xfail("the transcript of run_container cannot be replayed yet (branch kernel)")
    report = _run_notebook_but_cleanup(path)
    names, host_links = report["names"], report["host_links"]
    assert names, "the notebook builds at least one named namespace"
    taken = set(_run("ip", "netns", "list").split())
    if taken & set(names):
        pytest.skip(f"namespaces {sorted(taken & set(names))} exist already on this machine")
    script = tmp_path / "rebuild.sh"
    script.write_text(report["script"])
    try:
        done = subprocess.run(["bash", str(script)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert kernel_view(names) == report["built"]
    finally:
        _remove(names, host_links)

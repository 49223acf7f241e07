"""Run a transcript's script with bash, read what it built, and remove exactly that.

A script that starts containers or web servers keeps their PIDs in the bash
associative arrays `PID[NAME]` and `SERVER[NS:PORT]`. `run_script` sources the script
under a trap that reports both arrays when bash exits (also when the script fails
half-way), so `end_processes` can end exactly those processes, by PID, afterwards.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

# sources the script ($1); whatever happens, writes the PIDs it kept to the file $2
WRAPPER = r"""
declare -A PID SERVER
readonly REPORT="$2"
report() {
  for k in "${!PID[@]}"; do printf 'PID\t%s\t%s\n' "$k" "${PID[$k]}"; done
  for k in "${!SERVER[@]}"; do printf 'SERVER\t%s\t%s\n' "$k" "${SERVER[$k]}"; done
} >"$REPORT"
trap report EXIT
trap 'exit 143' TERM  # a timeout: report what was started before ending
source "$1"
"""


@dataclass
class Replay:
    returncode: int
    stdout: str
    stderr: str
    containers: dict[str, int] = field(default_factory=dict)  # name -> PID
    servers: dict[str, int] = field(default_factory=dict)  # "NS:PORT" -> PID


def run_script(script: str, tmp_path: Path, timeout: float = 120) -> Replay:
    """Run SCRIPT with bash (stopped after TIMEOUT seconds); the PIDs of the containers
    and servers it started, also when it failed."""
    path, pids = tmp_path / "rebuild.sh", tmp_path / "pids"
    path.write_text(script)
    proc = subprocess.Popen(
        ["bash", "-c", WRAPPER, "bash", str(path), str(pids)], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.terminate()  # bash's TERM trap exits, and its EXIT trap reports the PIDs
        out, err = proc.communicate(timeout=10)
        err += f"\n(timed out after {timeout} s)"
    done = Replay(proc.returncode, out, err)
    if not pids.exists():
        return done
    for line in pids.read_text().splitlines():
        kind, name, pid = line.split("\t")
        (done.containers if kind == "PID" else done.servers)[name] = int(pid)
    return done


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state == "Z"


def end_processes(replay: Replay) -> None:
    """End what the script started, by the PIDs it reported: a container's whole
    session (its shell and sleep; the script started it with setsid), a server alone."""
    pids = [*replay.servers.values(), *replay.containers.values()]
    for pid in replay.servers.values():
        if not _gone(pid):
            os.kill(pid, signal.SIGKILL)
    for pid in replay.containers.values():
        if not _gone(pid) and os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while not all(_gone(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert all(_gone(p) for p in pids), f"processes still running: {pids}"


def _ip_json(enter: list[str], *args: str) -> list[dict]:
    out = subprocess.run([*enter, "ip", "-j", *args], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out or "[]")


def _run(argv: list[str]) -> str:
    return subprocess.run(argv, capture_output=True, text=True).stdout.strip()


def view(enter: list[str]) -> dict:
    """What one namespace holds (entered with ENTER), in terms a script and a Lab share:
    links, addresses, routes, forwarding, nft rules."""
    links = sorted((lk["ifname"], lk.get("linkinfo", {}).get("info_kind", lk["link_type"]),
                    "UP" in lk["flags"], lk.get("master"))
                   for lk in _ip_json(enter, "-d", "link", "show"))
    addrs = sorted((a["ifname"], f'{i["local"]}/{i["prefixlen"]}')
                   for a in _ip_json(enter, "addr", "show")
                   for i in a.get("addr_info", []) if i.get("scope") != "link")
    routes = sorted((r["dst"], r.get("dev"), r.get("gateway"), r.get("protocol"))
                    for r in _ip_json(enter, "route", "show"))
    return {"links": links, "addrs": addrs, "routes": routes,
            "forwarding": _run([*enter, "cat", "/proc/sys/net/ipv4/ip_forward"]),
            "nft": _run([*enter, "nft", "list", "ruleset"])}


def kernel_view(names: list[str], containers: dict[str, int]) -> dict:
    """view() of each named namespace and of each container (by name, through its PID),
    with the container's hostname."""
    found = {name: view(["nsenter", f"--net=/run/netns/{name}", "--"]) for name in names}
    for name, pid in containers.items():
        found[f"@{name}"] = {**view(["nsenter", "-t", str(pid), "-n", "--"]),
                             "hostname": _run(["nsenter", "-t", str(pid), "-u", "--", "uname",
                                               "-n"])}
    return found


def remove(names: list[str], host_links: list[str], paths: list[str] = ()) -> None:
    """Remove what a script made by exact name: namespaces, host links, web roots."""
    for name in names:
        subprocess.run(["ip", "netns", "delete", name], capture_output=True)
    for link in host_links:
        subprocess.run(["ip", "link", "delete", "dev", link], capture_output=True)
    for path in paths:
        p = Path(path)
        if p.is_dir():
            for child in p.iterdir():
                child.unlink()
            p.rmdir()
        elif p.exists():
            p.unlink()

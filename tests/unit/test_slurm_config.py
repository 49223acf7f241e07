"""deploy/slurm/jupyterhub_config.py, read as JupyterHub reads it (with deploy/hub's config
under it), in a subprocess per case; nothing is started. The refusals say what to set; a good
setup gives the Slurm spawner, the hub's API on the cluster network and each node's address
from slurm.conf. (The real cluster: tests/classroom/test_slurm.py.)"""

from __future__ import annotations

import json
import os
import string
import subprocess
import sys
from pathlib import Path

import pytest

SLURM = Path(__file__).resolve().parents[2] / "deploy" / "slurm"
LOAD = (
    "import json, runpy, sys\n"
    "from traitlets.config import Config\n"
    "c = Config()\n"
    "g = {'get_config': lambda: c}\n"
    "g['load_subconfig'] = lambda path: runpy.run_path(path, init_globals=g)\n"
    "runpy.run_path(sys.argv[1], init_globals=g)\n"
    "s = c.MultiSlurmSpawner\n"
    "print(json.dumps({'spawner': c.JupyterHub.spawner_class, 'hub_ip': c.JupyterHub.hub_ip,"
    " 'nodes': s.daemon_resolver, 'prefix': s.exec_prefix, 'script': s.batch_script,"
    " 'singleuser': s.batchspawner_singleuser_cmd, 'ip': c.Spawner.ip,"
    " 'slurm_conf': c.Spawner.environment['SLURM_CONF']}))\n"
)


def slurm_conf(tmp_path: Path) -> Path:
    nodes = "\n".join(f"NodeName=node{i} NodeAddr=10.9.0.1{i} CPUs=1 RealMemory=1024"
                      for i in (1, 2))
    text = string.Template((SLURM / "slurm.conf").read_text()).substitute(
        CONTROLLER="head", CONTROLLER_ADDR="10.9.0.1", MUNGE_SOCKET="/run/munge/m.sock",
        STATE="/var/spool/slurm", SLURMD_TIMEOUT=300, NODES=nodes)
    path = tmp_path / "slurm.conf"
    path.write_text(text)
    return path


def load(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("NSLAB_HUB_", "NSLAB_SLURM_", "SLURM_"))}
    base |= {"NSLAB_HUB_STATE": str(tmp_path / "state"), "NSLAB_HUB_PORT": "8000"}
    return subprocess.run([sys.executable, "-c", LOAD, str(SLURM / "jupyterhub_config.py")],
                          env=base | env, capture_output=True, text=True, timeout=60,
                          check=False)


def test_a_good_setup(tmp_path: Path) -> None:
    conf = slurm_conf(tmp_path)
    r = load(tmp_path, NSLAB_SLURM_HUB_IP="10.9.0.1", SLURM_CONF=str(conf),
             NSLAB_HUB_PYTHON="/opt/nslab-hub-venv/bin/python")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["spawner"] == "batchspawner.MultiSlurmSpawner"
    assert out["hub_ip"] == "10.9.0.1"  # the nodes call the hub's API there
    assert out["nodes"] == {"node1": "10.9.0.11", "node2": "10.9.0.12"}
    assert out["prefix"].startswith("/usr/sbin/runuser -u {username}")
    assert out["singleuser"] == "/opt/nslab-hub-venv/bin/batchspawner-singleuser"
    assert out["ip"] == "0.0.0.0" and out["slurm_conf"] == str(conf)
    script = out["script"]
    assert "#SBATCH --no-requeue" in script and "exec {{cmd}}" in script
    assert 'export PATH="/opt/nslab-hub-venv/bin:$PATH"' in script


def test_the_batch_script_renders(tmp_path: Path) -> None:
    """Through batchspawner's own template function, as the hub fills it in."""
    batchspawner = pytest.importorskip("batchspawner.batchspawner")
    r = load(tmp_path, NSLAB_SLURM_HUB_IP="10.9.0.1", SLURM_CONF=str(slurm_conf(tmp_path)))
    script = json.loads(r.stdout)["script"]
    text = batchspawner.format_template(
        script, username="alice", homedir="/home/alice", keepvars="PATH,JUPYTERHUB_API_TOKEN",
        partition="class", runtime="", cmd="batchspawner-singleuser jupyterhub-singleuser")
    assert text.startswith("#!/bin/sh\n")
    assert "#SBATCH --partition=class\n" in text and "--time" not in text
    assert "#SBATCH --export=PATH,JUPYTERHUB_API_TOKEN\n" in text
    assert text.rstrip().endswith("exec batchspawner-singleuser jupyterhub-singleuser")


@pytest.mark.parametrize(("value", "says"), [
    ("", "is not an IP address"),
    ("hub.example", "is not an IP address"),
    ("127.0.0.1", "cannot be reached from a compute node"),
    ("0.0.0.0", "cannot be reached from a compute node"),
])
def test_the_hub_address_is_refused(tmp_path: Path, value: str, says: str) -> None:
    r = load(tmp_path, NSLAB_SLURM_HUB_IP=value, SLURM_CONF=str(slurm_conf(tmp_path)))
    assert r.returncode != 0
    assert says in r.stderr and "NSLAB_SLURM_HUB_IP" in r.stderr and "ip -br a" in r.stderr


def test_a_missing_slurm_conf_is_refused(tmp_path: Path) -> None:
    r = load(tmp_path, NSLAB_SLURM_HUB_IP="10.9.0.1", SLURM_CONF=str(tmp_path / "none.conf"))
    assert r.returncode != 0
    assert "no Slurm configuration at" in r.stderr and "SLURM_CONF" in r.stderr

# JupyterHub for a class bigger than one machine: each student's server is a Slurm job
# (batchspawner's SlurmSpawner), on whichever compute node Slurm picks. See README.md.
#
#   NSLAB_SLURM_HUB_IP=10.0.0.1 deploy/slurm/start.sh
#
# Everything else is the one-machine hub's (deploy/hub/jupyterhub_config.py, loaded first):
# PAM logins with the allow-list, the students' workbook made before each start, the sandbox
# kernel "Python 3 (nslab sandbox)" as the only kernel, HTTPS for the students' side
# (NSLAB_HUB_BIND, NSLAB_HUB_SSL_CERT/KEY). What changes:
#
# - the spawner: `sbatch` as the student (runuser; the hub runs as root), a job per server
#   that asks for one node of the default partition and is never requeued;
# - the hub's API listens on the cluster network (NSLAB_SLURM_HUB_IP, an address of this
#   machine that every compute node reaches): the servers on the nodes call it;
# - the proxy reaches each server at the address slurm.conf gives its node (NodeAddr), so the
#   nodes' names need not be in DNS.
#
# NSLAB_SLURM_HUB_IP: required, the hub's address on the cluster network.
# SLURM_CONF: the cluster's slurm.conf (default /etc/slurm/slurm.conf); passed on to sbatch
#   and to the job.
# NSLAB_SLURM_PARTITION: the partition the servers run in (default: the cluster's default).
# NSLAB_HUB_PYTHON: as for deploy/hub/, and installed at the same path on every node, with
#   batchspawner (`pip install batchspawner`), which the job runs (batchspawner-singleuser).

import ipaddress
import os
import re
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

HERE = Path(__file__).resolve().parent
load_subconfig(str(HERE.parent / "hub" / "jupyterhub_config.py"))  # noqa: F821 - JupyterHub's

SLURM_CONF = Path(os.environ.get("SLURM_CONF", "/etc/slurm/slurm.conf"))
PYTHON_BIN = Path(os.environ.get("NSLAB_HUB_PYTHON", sys.executable)).parent


def _hub_ip() -> str:
    value = os.environ.get("NSLAB_SLURM_HUB_IP", "")
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        raise SystemExit(
            f"nslab slurm hub: NSLAB_SLURM_HUB_IP={value!r} is not an IP address. Set it to "
            "this machine's address on the cluster network (the one the compute nodes reach, "
            "see `ip -br a`): the students' servers call the hub's API there.") from None
    if address.is_loopback or address.is_unspecified:
        raise SystemExit(
            f"nslab slurm hub: NSLAB_SLURM_HUB_IP={value} cannot be reached from a compute "
            "node. Set it to this machine's address on the cluster network (see `ip -br a`).")
    return value


def _node_addresses(conf: Path) -> dict[str, str]:
    """NodeName -> NodeAddr from slurm.conf (single names only; a node without NodeAddr is
    reached by its name)."""
    if not conf.is_file():
        raise SystemExit(f"nslab slurm hub: no Slurm configuration at {conf}. Install "
                         "slurm-client and the cluster's slurm.conf, or set SLURM_CONF.")
    nodes = {}
    for line in conf.read_text().splitlines():
        fields = dict(re.findall(r"(\w+)=(\S+)", line.split("#")[0]))
        if "NodeName" in fields and "NodeAddr" in fields and fields["NodeName"] != "DEFAULT":
            nodes[fields["NodeName"]] = fields["NodeAddr"]
    return nodes


# The hub's API on the cluster network; the proxy and its API stay on this machine.
c.JupyterHub.hub_ip = _hub_ip()

c.JupyterHub.spawner_class = "batchspawner.MultiSlurmSpawner"
c.MultiSlurmSpawner.daemon_resolver = _node_addresses(SLURM_CONF)
# The hub runs as root; sbatch, squeue and scancel run as the student.
c.MultiSlurmSpawner.exec_prefix = "/usr/sbin/runuser -u {username} --"
c.MultiSlurmSpawner.req_partition = os.environ.get("NSLAB_SLURM_PARTITION", "")
c.MultiSlurmSpawner.req_srun = ""  # the server is the job's batch step itself
# It reports its port to the hub, then starts jupyterhub-singleuser (Spawner.cmd).
c.MultiSlurmSpawner.batchspawner_singleuser_cmd = str(PYTHON_BIN / "batchspawner-singleuser")
# On the node the server listens on the node's addresses (the proxy connects from the hub).
c.Spawner.ip = "0.0.0.0"
c.Spawner.environment["SLURM_CONF"] = str(SLURM_CONF)
c.MultiSlurmSpawner.batch_script = """#!/bin/sh
#SBATCH --job-name=jupyterhub-{{username}}
#SBATCH --output={{homedir}}/.jupyterhub-slurm.log
#SBATCH --chdir={{homedir}}
#SBATCH --export={{keepvars}}
#SBATCH --nodes=1
#SBATCH --ntasks=1
#SBATCH --no-requeue
{% if partition %}#SBATCH --partition={{partition}}
{% endif %}{% if runtime %}#SBATCH --time={{runtime}}
{% endif %}
""" + f'export PATH="{PYTHON_BIN}:$PATH"\n' + """\
echo "nslab: {{username}}'s server on $(hostname), job $SLURM_JOB_ID"
exec {{cmd}}
"""
# Waiting in the queue counts against start_timeout; a class that starts together queues.
c.Spawner.start_timeout = 600
# A lost node: Slurm ends its jobs (NODE_FAIL) once it stops answering (SlurmdTimeout); the
# hub finds out at its next poll and the student can start again, on another node.
c.Spawner.poll_interval = 10

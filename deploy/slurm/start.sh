#!/bin/sh
# Start the hub whose students' servers run as Slurm jobs (run as root on the hub machine).
#   NSLAB_SLURM_HUB_IP=10.0.0.1 NSLAB_HUB_USERS="alice bob" \
#   NSLAB_HUB_PYTHON=/opt/nslab-hub-venv/bin/python deploy/slurm/start.sh
# NSLAB_HUB_PYTHON needs nslab, jupyterlab, jupyterhub and batchspawner, at the same path
# on every compute node; see README.md.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
py=${NSLAB_HUB_PYTHON:-python3}
command -v configurable-http-proxy >/dev/null || {
    echo "configurable-http-proxy is missing: npm install -g configurable-http-proxy" >&2; exit 1; }
command -v sbatch >/dev/null || {
    echo "sbatch is missing: apt-get install slurm-client (and the cluster's slurm.conf)" >&2; exit 1; }
"$py" -c 'import batchspawner' 2>/dev/null || {
    echo "batchspawner is missing: $py -m pip install batchspawner" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "run as root: the hub submits each student's job as that user" >&2; exit 1; }
cd "$here"
exec "$py" -m jupyterhub -f "$here/jupyterhub_config.py" "$@"

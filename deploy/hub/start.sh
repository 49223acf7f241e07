#!/bin/sh
# Start the one-machine hub on 127.0.0.1 (run as root: it switches to each student's uid).
#   NSLAB_HUB_USERS="alice bob" NSLAB_HUB_PYTHON=/opt/nslab-venv/bin/python deploy/hub/start.sh
# The students' Python needs nslab, jupyterlab and jupyterhub, and the sandbox kernelspec:
#   $NSLAB_HUB_PYTHON -c 'import sys; from nslab import sandbox; sandbox.install_kernelspec(sys.prefix)'
set -eu
here=$(cd "$(dirname "$0")" && pwd)
py=${NSLAB_HUB_PYTHON:-python3}
command -v configurable-http-proxy >/dev/null || {
    echo "configurable-http-proxy is missing: npm install -g configurable-http-proxy" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "run as root: the hub starts each student's server as that user" >&2; exit 1; }
cd "$here"
exec "$py" -m jupyterhub -f "$here/jupyterhub_config.py" "$@"

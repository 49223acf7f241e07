#!/usr/bin/env bash
# Install the system packages nslab needs, when root and when they are missing.
# `sysdeps.sh container` adds what `make test-container` needs.
set -euo pipefail
need=()
# A tool counts as present where the distribution installs it, not only on the caller's
# PATH (a normal user's PATH has no /usr/sbin, where Debian puts nft); a package counts as
# installed by dpkg's own status, where there is dpkg.
have() { PATH="$PATH:/usr/sbin:/sbin:/usr/bin:/bin" command -v "$1" >/dev/null 2>&1; }
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
has_dpkg() { PATH="$PATH:/usr/bin:/bin" command -v dpkg-query >/dev/null 2>&1; }
pkg() {  # pkg PACKAGE TOOL: PACKAGE is needed unless installed (dpkg) or TOOL is found
  if has_dpkg && installed "$1"; then return 0; fi
  have "$2" || need+=("$1")
}
pkg iproute2     ip
pkg iputils-ping ping
pkg graphviz     dot
pkg nftables     nft
pkg tcpdump      tcpdump
pkg util-linux   nsenter
pkg chromium     chromium
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
installed fonts-noto-cjk || need+=(fonts-noto-cjk)   # Chinese labels in drawings and pages
pkg nodejs       node                                 # configurable-http-proxy (JupyterHub)
pkg npm          npm
# deploy/slurm and its test: a Slurm cluster of network namespaces (no service is enabled:
# the test starts the daemons itself, with a config and a munge key of its own)
pkg slurmctld    slurmctld
pkg slurmd       slurmd
pkg slurm-client sbatch
pkg munge        munged
if [ "${1:-}" = "container" ]; then  # make test-container: podman builds from a debootstrap
  have docker && docker info >/dev/null 2>&1 || {
    have podman      || need+=(podman)
    have runc        || need+=(runc)
    have debootstrap || need+=(debootstrap)
  }
fi
proxy() {  # JupyterHub's proxy comes from npm, through npm's default registry
  have configurable-http-proxy && return 0
  [ "$(id -u)" -eq 0 ] || { echo "nslab's hub test needs: npm install -g configurable-http-proxy" >&2; return 0; }
  npm install -g --silent configurable-http-proxy
}
a11y() {  # the reading edition's offline search (pagefind) and axe-core, from npm
  local dir; dir="$(cd "$(dirname "$0")/../.." && pwd)/tools/a11y"
  [ -x "$dir/node_modules/.bin/pagefind" ] && [ -f "$dir/node_modules/axe-core/axe.min.js" ] && return 0
  have npm || return 0
  npm install --prefix "$dir" --no-package-lock --no-audit --no-fund --silent pagefind@1 axe-core@4
}
if [ ${#need[@]} -eq 0 ]; then proxy; a11y; exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "nslab needs these Debian packages: ${need[*]}" >&2
  echo "Install them with: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
echo "Installing: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${need[@]}"
proxy
a11y

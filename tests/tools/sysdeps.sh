#!/usr/bin/env bash
# Install the system packages nslab needs, when root and when they are missing.
# `sysdeps.sh container` adds what `make test-container` needs.
set -euo pipefail
need=()
have() { command -v "$1" >/dev/null 2>&1; }
have ip        || need+=(iproute2)
have ping      || need+=(iputils-ping)
have dot       || need+=(graphviz)
have nft       || need+=(nftables)
have tcpdump   || need+=(tcpdump)
have nsenter   || need+=(util-linux)
have chromium  || need+=(chromium)
python3 -c 'import ensurepip, venv' 2>/dev/null || need+=(python3-venv)
if [ "${1:-}" = "container" ]; then  # make test-container: podman builds from a debootstrap
  have docker && docker info >/dev/null 2>&1 || {
    have podman      || need+=(podman)
    have runc        || need+=(runc)
    have debootstrap || need+=(debootstrap)
  }
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "nslab needs these Debian packages: ${need[*]}" >&2
  echo "Install them with: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
echo "Installing: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${need[@]}"

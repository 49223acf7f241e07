#!/usr/bin/env bash
# Build a Debian bookworm base image for podman when no registry can be pulled from:
# debootstrap --variant=minbase into a temp dir, cache the tarball, `podman import` it.
# Usage: make-base.sh IMAGE_NAME CACHE_DIR   (prints nothing on success but progress to stderr)
set -euo pipefail

image=${1:-localhost/nslab-base:bookworm}
cache=${2:-.cache}
mirror=${NSLAB_DEBIAN_MIRROR:-}  # empty: debootstrap's own default mirror
tarball="$cache/debian-bookworm-minbase.tar"

log() { echo "[make-base] $*" >&2; }

if podman image exists "$image"; then
    log "base image $image already present"
    exit 0
fi

mkdir -p "$cache"
if [[ ! -s "$tarball" ]]; then
    command -v debootstrap >/dev/null || { log "debootstrap missing: apt-get install debootstrap"; exit 1; }
    root=$(mktemp -d "${TMPDIR:-/var/tmp}/nslab-debootstrap.XXXXXX")
    trap 'rm -rf --one-file-system "$root"' EXIT
    log "debootstrap bookworm minbase into $root (takes a few minutes)"
    debootstrap --variant=minbase bookworm "$root" ${mirror:+"$mirror"} >&2
    # Keep the image small and free of host-specific caches.
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
    tar --numeric-owner -C "$root" -cf "$tarball.part" .
    mv "$tarball.part" "$tarball"
    log "cached $tarball ($(du -h "$tarball" | cut -f1))"
fi

log "importing $tarball as $image"
podman import --change 'CMD ["/bin/bash"]' "$tarball" "$image" >/dev/null

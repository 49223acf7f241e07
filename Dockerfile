# nslab: learn Linux network namespaces in JupyterLab.
#
#   docker build -t nslab .
#   docker run --rm -p 8888:8888 --cap-add NET_ADMIN --cap-add SYS_ADMIN nslab
#
# NET_ADMIN + SYS_ADMIN let the notebooks create namespaces, veths and bridges inside the
# container's own network namespace (Docker's default set already has NET_RAW for ping;
# podman's does not: add --cap-add NET_RAW). On AppArmor hosts (Ubuntu) also pass
# --security-opt apparmor=unconfined, since docker-default forbids the mounts that
# `ip netns add` makes. Never --privileged. Open the URL with the token from the log.
#
# Chinese: fonts-noto-cjk lets graphviz and the browser draw Chinese labels (no tofu boxes);
# jupyterlab-language-pack-zh-CN puts JupyterLab's menus in Chinese (Settings > Language), and
# nslab then speaks Chinese too. The .mo catalogues are compiled when nslab is installed.
#
# Without registry access, build FROM a local base: --build-arg BASE=localhost/debian:bookworm
ARG BASE=debian:bookworm-slim
FROM ${BASE}

ENV DEBIAN_FRONTEND=noninteractive \
    LANG=C.UTF-8 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/nslab/venv/bin:$PATH \
    NSLAB_NOTEBOOKS=/opt/nslab/notebooks

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      iproute2 iputils-ping graphviz nftables tcpdump tini \
      python3 python3-venv ca-certificates \
      fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*

# Optional build-time pip settings (e.g. a proxy's CA bundle mounted into the build).
ARG PIP_INDEX_URL=""
ARG PIP_CERT=""

# Dependencies first (cached until pyproject.toml changes), then nslab itself.
COPY pyproject.toml /opt/nslab/pyproject.toml
RUN [ -n "$PIP_INDEX_URL" ] || unset PIP_INDEX_URL; [ -n "$PIP_CERT" ] || unset PIP_CERT; \
    set -e; \
    python3 -m venv /opt/nslab/venv; \
    python3 -c 'import tomllib; print("\n".join(tomllib.load(open("/opt/nslab/pyproject.toml", "rb"))["project"]["dependencies"]))' \
      > /tmp/requirements.txt; \
    pip install -r /tmp/requirements.txt ipykernel "nbclient>=0.10" "nbval>=0.11" "pytest>=8" \
      jupyterlab-language-pack-zh-CN; \
    rm /tmp/requirements.txt

COPY . /opt/nslab
RUN [ -n "$PIP_INDEX_URL" ] || unset PIP_INDEX_URL; [ -n "$PIP_CERT" ] || unset PIP_CERT; \
    set -e; \
    pip install --no-deps /opt/nslab; \
    rm -rf /opt/nslab/build /opt/nslab/*.egg-info; \
    mkdir -p /opt/nslab/notebooks /workbook; \
    python -c 'import nslab.doctor, nslab.sandbox'

WORKDIR /opt/nslab/notebooks
EXPOSE 8888
ENTRYPOINT ["tini", "--"]
# `nslab lab` opens the student's workbook: a copy of the notebooks without outputs, made on
# first start and kept after (mount a volume at $NSLAB_WORKBOOK to keep it across containers).
# Token authentication stays on: the URL with the token is printed at start.
ENV NSLAB_WORKBOOK=/workbook
CMD ["nslab", "lab", "--ip=0.0.0.0", "--port=8888", "--no-browser"]

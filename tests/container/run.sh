#!/usr/bin/env bash
# The real container test (`make test-container`):
#  1. build the image: docker if an engine answers, else podman FROM a debootstrapped
#     bookworm base (no registry is reachable here; see DESIGN.md);
#  2. with ONLY NET_ADMIN, SYS_ADMIN and NET_RAW: `nslab doctor`, a veth + ping smoke test,
#     the nbval suite of notebooks 01-05, and the default CMD (JupyterLab
#     with token auth);
#  3. without those capabilities: `nslab doctor` and a notebook cell must show the friendly
#     PrivilegeError (with "--cap-add NET_ADMIN"), not a traceback.
# Containers are removed by their exact names; the image is kept so the next run is warm.
#
# Environment: NSLAB_IMAGE (default localhost/nslab:test), NSLAB_ENGINE (docker|podman),
# NSLAB_NOTEBOOK_GLOBS (default "01-* ... 05-*"), NSLAB_NBVAL_ARGS (extra pytest args).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"

image=${NSLAB_IMAGE:-localhost/nslab:test}
base_image=localhost/nslab-base:bookworm
globs=${NSLAB_NOTEBOOK_GLOBS:-"01-* 02-* 03-* 04-* 05-*"}
run_id="nslab-ct-$$"
t_start=$SECONDS
failures=0

log() { echo "[test-container $((SECONDS - t_start))s] $*" >&2; }
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
pass() { echo "PASS: $*" >&2; }

# ------------------------------------------------------------------ engine
engine=${NSLAB_ENGINE:-}
if [[ -z $engine ]]; then
    if command -v docker >/dev/null && timeout 10 docker info >/dev/null 2>&1; then
        engine=docker
    elif command -v podman >/dev/null; then
        engine=podman
    else
        echo "No container engine: install docker or podman." >&2
        exit 1
    fi
fi

if [[ $engine == podman ]]; then
    # runc + cgroupfs: what works on hosts without systemd (see DESIGN.md "Containers").
    ctl=(podman --cgroup-manager=cgroupfs)
    if command -v runc >/dev/null; then
        ctl+=(--runtime runc)  # crun refuses hybrid cgroup hosts ("apt-get install runc")
    fi
    run_opts=(--ulimit nofile=4096:4096 --ulimit nproc=4096:4096 --network=none)
else
    ctl=(docker)
    run_opts=(--network=none)
    if docker info 2>/dev/null | grep -qi apparmor; then
        run_opts+=(--security-opt apparmor=unconfined)  # docker-default forbids netns mounts
    fi
fi
caps=(--cap-drop=ALL --cap-add=NET_ADMIN --cap-add=SYS_ADMIN --cap-add=NET_RAW)
nocaps=(--cap-drop=NET_ADMIN --cap-drop=SYS_ADMIN --cap-drop=NET_RAW)

containers=()
cleanup() {
    for c in "${containers[@]}"; do
        "${ctl[@]}" rm -f "$c" >/dev/null 2>&1 || true
    done
}
trap cleanup EXIT

# run NAME CAPS-ARRAY-NAME CMD... : a fresh --rm container; stdin is passed through.
crun() {
    local -n capv=$1
    shift
    "${ctl[@]}" run --rm -i "${run_opts[@]}" "${capv[@]}" "$image" "$@"
}

# ------------------------------------------------------------------ build
t0=$SECONDS
old_id=$("${ctl[@]}" image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
if [[ $engine == podman ]]; then
    log "podman: base image $base_image (debootstrap, cached under .cache/)"
    bash "$here/make-base.sh" "$base_image" "$repo/.cache"
    build_opts=(--isolation=chroot --network=host --build-arg "BASE=$base_image")
    if [[ -r /etc/ssl/certs/ca-certificates.crt ]]; then
        # pip inside the build trusts this machine's CA bundle (TLS-intercepting proxies).
        # Not mounted over /etc/ssl/certs: the image's ca-certificates package writes there.
        build_opts+=(-v /etc/ssl/certs:/tmp/host-certs:ro
                     --build-arg PIP_CERT=/tmp/host-certs/ca-certificates.crt)
    fi
    log "podman build -> $image"
    podman build "${build_opts[@]}" -t "$image" . >&2
else
    log "docker build -> $image"
    docker build -t "$image" . >&2
fi
t_build=$((SECONDS - t0))
log "image built in ${t_build}s"
new_id=$("${ctl[@]}" image inspect --format '{{.Id}}' "$image")
if [[ -n $old_id && $old_id != "$new_id" ]]; then
    "${ctl[@]}" rmi "$old_id" >/dev/null 2>&1 || true  # the previous build, by its exact ID
fi

# ------------------------------------------------------------------ with capabilities
doctor_cmd=(sh -c 'if python -c "import nslab.cli" 2>/dev/null; then exec nslab doctor;
                   else echo "(nslab.cli missing: python -m nslab.doctor)"; exec python -m nslab.doctor; fi')

log "with NET_ADMIN,SYS_ADMIN,NET_RAW only: nslab doctor"
if out=$(crun caps "${doctor_cmd[@]}" 2>&1); then
    echo "$out"
    pass "nslab doctor (with capabilities) reports ready"
else
    echo "$out"
    fail "nslab doctor (with capabilities) exited non-zero"
fi

log "with capabilities: namespaces + veth + ping smoke test"
if out=$(crun caps python - <"$here/smoke.py" 2>&1); then
    echo "$out"
    pass "smoke test: two namespaces, a veth pair, ping"
else
    echo "$out"
    fail "smoke test"
fi

notebooks=()
for g in $globs; do
    for nb in notebooks/$g.ipynb; do
        [[ -e $nb ]] && notebooks+=("$nb")
    done
done
if ((${#notebooks[@]})); then
    log "with capabilities: nbval ${notebooks[*]}"
    nbval_args=(-p no:cacheprovider --nbval)
    for s in tests/nbval-sanitize.cfg notebooks/sanitize.cfg tests/nbval_sanitize.cfg; do
        [[ -e $s ]] && nbval_args+=(--nbval-sanitize-with "/opt/nslab/$s")
    done
    # shellcheck disable=SC2206
    nbval_args+=(${NSLAB_NBVAL_ARGS:-})
    if crun caps sh -c 'cd /opt/nslab && exec python -m pytest "$@"' nbval \
        "${nbval_args[@]}" "${notebooks[@]/#//opt/nslab/}" >&2; then
        pass "nbval ${notebooks[*]}"
    else
        fail "nbval ${notebooks[*]}"
    fi
else
    log "no notebooks matching '$globs' yet: nbval skipped"
fi

log "with capabilities: default CMD serves JupyterLab with token auth"
lab_name="$run_id-lab"
containers+=("$lab_name")
"${ctl[@]}" run -d --name "$lab_name" "${run_opts[@]}" "${caps[@]}" "$image" >/dev/null
url=""
for _ in $(seq 1 60); do
    url=$("${ctl[@]}" logs "$lab_name" 2>&1 | grep -o 'http://127.0.0.1:8888/lab?token=[0-9a-f]*' \
        | head -n1 || true)
    [[ -n $url ]] && break
    sleep 1
done
if [[ -z $url ]]; then
    "${ctl[@]}" logs "$lab_name" >&2 || true
    fail "JupyterLab did not print a tokenized URL within 60 s"
else
    token=${url##*token=}
    probe='
import json, sys, urllib.error, urllib.request
base = "http://127.0.0.1:8888"
try:
    urllib.request.urlopen(base + "/api/kernelspecs")
    sys.exit("API answered without a token")
except urllib.error.HTTPError as e:
    assert e.code == 403, e.code
req = urllib.request.Request(base + "/api/kernelspecs", headers={"Authorization": "token " + sys.argv[1]})
specs = json.load(urllib.request.urlopen(req))
print("kernelspecs:", sorted(specs["kernelspecs"]), "default:", specs["default"])
'
    if "${ctl[@]}" exec "$lab_name" python -c "$probe" "$token" >&2; then
        pass "default CMD: JupyterLab on 8888, 403 without token, API with token"
    else
        fail "default CMD: token probe"
    fi
fi
"${ctl[@]}" rm -f "$lab_name" >/dev/null 2>&1 || true

# ------------------------------------------------------------------ without capabilities
log "without NET_ADMIN/SYS_ADMIN/NET_RAW: nslab doctor must name the fix"
set +e
out=$(crun nocaps "${doctor_cmd[@]}" 2>&1)
rc=$?
set -e
echo "$out"
if ((rc == 0)); then
    fail "nslab doctor without capabilities exited 0"
elif grep -q -- "--cap-add NET_ADMIN" <<<"$out" && ! grep -q "Traceback" <<<"$out"; then
    pass "nslab doctor without capabilities: exit $rc, names --cap-add NET_ADMIN, no traceback"
else
    fail "nslab doctor without capabilities: no friendly fix (or a traceback)"
fi

log "without capabilities: a notebook cell shows PrivilegeError with the fix"
nb_args=()
[[ -e ${notebooks[0]:-} ]] && nb_args=("/opt/nslab/${notebooks[0]}")
if out=$(crun nocaps python - "${nb_args[@]}" <"$here/nocaps_notebook.py" 2>&1); then
    echo "$out"
    pass "no capabilities: friendly PrivilegeError in the notebook, no traceback"
else
    echo "$out"
    fail "no capabilities: notebook output"
fi

total=$((SECONDS - t_start))
log "done in ${total}s (build ${t_build}s, tests $((total - t_build))s); failures: $failures"
((failures == 0))

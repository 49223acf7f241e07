"""deploy/jupyterhub/config.yaml: valid YAML, least privilege, never privileged.

The static checks always run. The render check builds each profile's real pod manifest
with KubeSpawner (as the hub would) when `jupyterhub-kubespawner` is installed; no cluster
is contacted (a dummy kubeconfig satisfies the client's loader).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from nslab.sandbox import KERNEL_NAME

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "jupyterhub" / "config.yaml"
LAB_CAPS = {"NET_ADMIN", "SYS_ADMIN", "NET_RAW"}


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    data = yaml.safe_load(CONFIG.read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def profiles(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["slug"]: p for p in values["singleuser"]["profileList"]}


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """Every (path, key, value) in the document."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield f"{path}.{k}", k, v
            yield from walk(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, f"{path}[{i}]")


def test_valid_yaml_with_two_profiles(profiles: dict[str, dict[str, Any]]) -> None:
    assert set(profiles) == {"nslab", "nslab-sandbox", "nslab-userns"}
    assert profiles["nslab"].get("default") is True


def test_nothing_is_privileged(values: dict[str, Any]) -> None:
    for path, key, value in walk(values):
        assert not (key == "privileged" and value is not False), path
        assert not (key == "allowPrivilegeEscalation" and value is not False), path
        assert key not in ("hostNetwork", "hostPID", "hostIPC", "hostPath"), path
    # The chart's metadata blocker would add a privileged init container.
    assert values["singleuser"]["cloudMetadata"]["blockWithIptables"] is False
    assert values["singleuser"]["allowPrivilegeEscalation"] is False


@pytest.mark.parametrize("slug", ["nslab", "nslab-sandbox", "nslab-userns"])
def test_security_context(profiles: dict[str, dict[str, Any]], slug: str) -> None:
    sc = profiles[slug]["kubespawner_override"]["container_security_context"]
    assert sc["privileged"] is False
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]
    added = set(sc["capabilities"].get("add", []))
    # Kubernetes expects names without the CAP_ prefix.
    assert not any(c.startswith("CAP_") for c in added)
    if slug == "nslab":
        assert added == LAB_CAPS
        assert sc["runAsUser"] == 0  # capabilities are only effective for uid 0
        assert sc["seccompProfile"]["type"] == "RuntimeDefault"
    else:
        assert added == set()
        assert sc["runAsNonRoot"] is True and sc["runAsUser"] != 0


@pytest.mark.parametrize("slug", ["nslab-sandbox", "nslab-userns"])
def test_sandbox_profile_uses_ipc_and_sandbox_kernel(
    profiles: dict[str, dict[str, Any]], slug: str
) -> None:
    override = profiles[slug]["kubespawner_override"]
    cmd = override["cmd"]
    assert "--KernelManager.transport=ipc" in cmd
    assert f"--MappingKernelManager.default_kernel_name={KERNEL_NAME}" in cmd
    assert f"--KernelSpecManager.allowed_kernelspecs={KERNEL_NAME}" in cmd
    assert not override["environment"]["JUPYTER_RUNTIME_DIR"].startswith("/run")


def test_userns_profile_is_restricted(profiles: dict[str, dict[str, Any]]) -> None:
    """Pod Security "restricted": own user namespace, non-root, drop ALL, Localhost seccomp
    whose file ships in deploy/jupyterhub/seccomp/ and allows what the sandbox needs."""
    override = profiles["nslab-userns"]["kubespawner_override"]
    assert override["extra_pod_config"] == {"hostUsers": False}
    sc = override["container_security_context"]
    assert sc["runAsNonRoot"] is True and sc["capabilities"] == {"drop": ["ALL"]}
    assert "appArmorProfile" not in sc  # Unconfined would leave "restricted"
    seccomp = sc["seccompProfile"]
    assert seccomp["type"] == "Localhost"
    local = CONFIG.parent / "seccomp" / Path(seccomp["localhostProfile"]).name
    profile = json.loads(local.read_text())
    denied = {n for rule in profile["syscalls"] for n in rule["names"]}
    assert {"unshare", "clone", "mount", "setns"}.isdisjoint(denied)
    assert {"init_module", "kexec_load", "bpf", "ptrace"} <= denied


# ---------------------------------------------------------------- render with KubeSpawner

DUMMY_KUBECONFIG = """
apiVersion: v1
kind: Config
clusters: [{name: none, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: none, user: {token: none}}]
contexts: [{name: none, context: {cluster: none, user: none}}]
current-context: none
"""


def render(values: dict[str, Any], slug: str) -> dict[str, Any]:
    """The pod KubeSpawner would create for `slug`, from the subset of z2jh's
    singleuser.* -> KubeSpawner mapping this config uses."""
    from kubernetes_asyncio.client import ApiClient
    from kubespawner import KubeSpawner
    from traitlets.config import Config

    su = values["singleuser"]
    c = Config()
    c.KubeSpawner.image = f"{su['image']['name']}:{su['image']['tag']}"
    c.KubeSpawner.cmd = su["cmd"]
    c.KubeSpawner.default_url = su["defaultUrl"]
    c.KubeSpawner.allow_privilege_escalation = su["allowPrivilegeEscalation"]
    c.KubeSpawner.lifecycle_hooks = su["lifecycleHooks"]
    c.KubeSpawner.profile_list = su["profileList"]
    for key, value in values["hub"]["config"]["KubeSpawner"].items():
        setattr(c.KubeSpawner, key, value)

    async def go() -> dict[str, Any]:
        spawner = KubeSpawner(config=c, _mock=True)
        spawner.user_options = {"profile": slug}
        await spawner.load_user_options()
        pod = await spawner.get_pod_manifest()
        async with ApiClient() as api:
            return api.sanitize_for_serialization(pod)

    return asyncio.run(go())


@pytest.mark.parametrize("slug", ["nslab", "nslab-sandbox", "nslab-userns"])
def test_rendered_pod(
    values: dict[str, Any], slug: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Before the import: kubernetes_asyncio reads $KUBECONFIG when it is first imported.
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(DUMMY_KUBECONFIG)
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    pytest.importorskip("kubespawner", reason="pip install jupyterhub-kubespawner to render")
    pod = render(values, slug)
    spec = pod["spec"]
    assert not spec.get("hostNetwork") and not spec.get("hostPID")
    for ctr in spec["containers"] + spec.get("initContainers", []):
        sc = ctr.get("securityContext", {})
        assert sc.get("privileged") is not True, ctr["name"]
    notebook = spec["containers"][0]
    sc = notebook["securityContext"]
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert set(sc["capabilities"].get("add", [])) == (LAB_CAPS if slug == "nslab" else set())
    assert notebook["args"][0] == "jupyterhub-singleuser"
    if slug == "nslab":
        assert sc["runAsUser"] == 0 and "--allow-root" in notebook["args"]
    else:
        assert sc["runAsUser"] == 1000 and "--KernelManager.transport=ipc" in notebook["args"]
        env = {e["name"]: e.get("value") for e in notebook["env"]}
        assert env["JUPYTER_RUNTIME_DIR"].startswith("/home/")
    assert spec.get("hostUsers") is (False if slug == "nslab-userns" else None)

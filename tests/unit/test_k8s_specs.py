"""deploy/jupyterhub/: every pod KubeSpawner renders from config.yaml, and the Kubernetes
objects inside the Helm values, validated against the Kubernetes API's own schemas
(kubernetes-validate, offline; strict: an unknown or misspelt field fails) for each version
deploy/jupyterhub/README.md names. No cluster is contacted: none runs here.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.test_jupyterhub_config import CONFIG, DUMMY_KUBECONFIG, render

kubernetes_validate = pytest.importorskip(
    "kubernetes_validate", reason="pip install kubernetes-validate (the test extra has it)")

README = CONFIG.parent / "README.md"
SLUGS = ["nslab", "nslab-sandbox", "nslab-userns"]


def readme_versions() -> list[str]:
    """The versions on the README's line 'Kubernetes API versions checked: 1.30, ...'."""
    line = re.search(r"Kubernetes API versions checked: ([0-9., ]+)", README.read_text())
    assert line, f"{README} must name the Kubernetes versions the specs are checked against"
    return [f"{v.strip()}.0" for v in line.group(1).split(",") if v.strip().strip(".")]


VERSIONS = readme_versions()


def values() -> dict[str, Any]:
    return yaml.safe_load(CONFIG.read_text())


def check(resource: dict[str, Any], version: str) -> None:
    try:
        kubernetes_validate.validate(resource, version, strict=True)
    except kubernetes_validate.ValidationError as err:
        where = ".".join(str(p) for p in err.path)
        pytest.fail(f"{resource['kind']} invalid for Kubernetes {version} at {where}: "
                    f"{err.message}")


def values_pod(profile: dict[str, Any], su: dict[str, Any]) -> dict[str, Any]:
    """The Kubernetes objects a profile's values hold (container securityContext, the
    lifecycle hooks, extra_pod_config), put where they land in a pod."""
    override = profile["kubespawner_override"]
    container = {"name": "notebook", "image": f"{su['image']['name']}:{su['image']['tag']}",
                 "args": override.get("cmd", [su["cmd"]]),
                 "securityContext": override["container_security_context"],
                 "lifecycle": su["lifecycleHooks"],
                 "env": [{"name": k, "value": v}
                         for k, v in override.get("environment", {}).items()]}
    spec = {"containers": [container]} | override.get("extra_pod_config", {})
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": profile["slug"]},
            "spec": spec}


@pytest.fixture()
def kubeconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "kubeconfig"  # before kubespawner's import reads $KUBECONFIG
    path.write_text(DUMMY_KUBECONFIG)
    monkeypatch.setenv("KUBECONFIG", str(path))


def test_the_readme_names_the_versions() -> None:
    assert len(VERSIONS) >= 2, VERSIONS
    assert "1.33.0" in VERSIONS  # user namespaces on by default: the nslab-userns profile


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("slug", SLUGS)
def test_rendered_pod_is_valid(slug: str, version: str, kubeconfig: None) -> None:
    pytest.importorskip("kubespawner", reason="pip install jupyterhub-kubespawner to render")
    pod = render(values(), slug)
    assert pod["kind"] == "Pod" and pod["spec"]["containers"], pod
    check(pod, version)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("slug", SLUGS)
def test_values_objects_are_valid(slug: str, version: str) -> None:
    su = values()["singleuser"]
    profile = next(p for p in su["profileList"] if p["slug"] == slug)
    check(values_pod(profile, su), version)


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("mistake", ["typo", "type", "enum"])
def test_the_validator_catches_mistakes(mistake: str, version: str) -> None:
    """The check is real: each kind of mistake a values file can hold is refused."""
    su = values()["singleuser"]
    profile = copy.deepcopy(su["profileList"][0])
    sc = profile["kubespawner_override"]["container_security_context"]
    if mistake == "typo":
        sc["capabilites"] = sc.pop("capabilities")  # misspelt: dropped silently by a cluster
    elif mistake == "type":
        sc["runAsUser"] = "root"
    else:
        sc["seccompProfile"] = {"type": "Unconfined", "localhostProfil": "x"}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(values_pod(profile, su), version, strict=True)

"""deploy/hub/jupyterhub_config.py decides where the hub listens before it listens: loopback
over HTTP by default, any other address only over HTTPS with a key only root can read, and
a clear refusal otherwise. Read here by executing the file as JupyterHub does (a `get_config`
in its globals), in a subprocess so each case gets its own environment; nothing is started."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "hub" / "jupyterhub_config.py"
LOAD = (
    "import json, runpy, sys\n"
    "from traitlets.config import Config\n"
    "c = Config()\n"
    "runpy.run_path(sys.argv[1], init_globals={'get_config': lambda: c})\n"
    "hub = c.JupyterHub\n"
    "print(json.dumps({'bind_url': hub.bind_url, 'ssl_cert': hub.get('ssl_cert', ''),"
    " 'ssl_key': hub.get('ssl_key', ''), 'hub_ip': hub.hub_ip,"
    " 'tornado': hub.get('tornado_settings', {})}))\n"
)


def load(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("NSLAB_HUB_")}
    base |= {"NSLAB_HUB_STATE": str(tmp_path / "state"), "NSLAB_HUB_PORT": "8443"}
    return subprocess.run([sys.executable, "-c", LOAD, str(CONFIG)], env=base | env,
                          capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture
def tls(tmp_path: Path) -> tuple[Path, Path]:
    """Stand-in files: the config checks that they exist and the key's mode, not their PEM
    (the real certificate is exercised by tests/classroom/test_hub.py)."""
    cert, key = tmp_path / "hub.crt", tmp_path / "hub.key"
    cert.write_text("certificate\n")
    key.write_text("key\n")
    key.chmod(0o600)
    return cert, key


def test_default_is_plain_http_on_loopback(tmp_path: Path) -> None:
    r = load(tmp_path)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["bind_url"] == "http://127.0.0.1:8443" and out["ssl_cert"] == ""
    assert out["tornado"] == {}
    assert out["hub_ip"] == "127.0.0.1"  # the hub itself never leaves loopback


def test_ipv6_loopback_is_bracketed(tmp_path: Path) -> None:
    r = load(tmp_path, NSLAB_HUB_BIND="::1")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["bind_url"] == "http://[::1]:8443"


def test_an_open_address_without_tls_is_refused_with_the_fix(tmp_path: Path) -> None:
    r = load(tmp_path, NSLAB_HUB_BIND="0.0.0.0")
    assert r.returncode == 1 and r.stdout == ""
    assert "refusing to serve 0.0.0.0:8443 over plain HTTP" in r.stderr
    assert "NSLAB_HUB_SSL_CERT and NSLAB_HUB_SSL_KEY" in r.stderr
    assert "Traceback" not in r.stderr


def test_an_address_that_is_not_one_is_refused(tmp_path: Path) -> None:
    r = load(tmp_path, NSLAB_HUB_BIND="classroom-pc")
    assert r.returncode == 1
    assert "NSLAB_HUB_BIND='classroom-pc' is not an IP address" in r.stderr
    assert "ip -br a" in r.stderr and "Traceback" not in r.stderr


def test_tls_on_an_open_address(tmp_path: Path, tls: tuple[Path, Path]) -> None:
    cert, key = tls
    r = load(tmp_path, NSLAB_HUB_BIND="0.0.0.0", NSLAB_HUB_SSL_CERT=str(cert),
             NSLAB_HUB_SSL_KEY=str(key))
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out == {"bind_url": "https://0.0.0.0:8443", "ssl_cert": str(cert),
                   "ssl_key": str(key), "hub_ip": "127.0.0.1",
                   "tornado": {"cookie_options": {"secure": True}}}


def test_a_missing_certificate_or_key_is_named(tmp_path: Path, tls: tuple[Path, Path]) -> None:
    cert, key = tls
    r = load(tmp_path, NSLAB_HUB_SSL_CERT=str(cert))  # no key given
    assert r.returncode == 1 and "NSLAB_HUB_SSL_KEY='' is not a file" in r.stderr
    gone = tmp_path / "nowhere.crt"
    r = load(tmp_path, NSLAB_HUB_SSL_CERT=str(gone), NSLAB_HUB_SSL_KEY=str(key))
    assert r.returncode == 1 and f"NSLAB_HUB_SSL_CERT='{gone}' is not a file" in r.stderr


def test_a_key_others_can_read_is_refused_with_chmod(tmp_path: Path,
                                                     tls: tuple[Path, Path]) -> None:
    cert, key = tls
    key.chmod(0o644)
    r = load(tmp_path, NSLAB_HUB_SSL_CERT=str(cert), NSLAB_HUB_SSL_KEY=str(key))
    assert r.returncode == 1
    assert f"the TLS key {key} can be read by other users (mode 644)" in r.stderr
    assert f"chmod 600 {key}" in r.stderr

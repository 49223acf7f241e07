# JupyterHub for an nslab class on ONE machine (the Littlest-JupyterHub model).
#
#   sudo make hub                      # or: sudo deploy/hub/start.sh   (127.0.0.1:8000)
#
# For students on other machines, serve HTTPS on the machine's address (plain HTTP is refused
# anywhere but loopback): NSLAB_HUB_BIND=192.0.2.10 NSLAB_HUB_PORT=443
# NSLAB_HUB_SSL_CERT=/etc/ssl/nslab/hub.crt NSLAB_HUB_SSL_KEY=/etc/ssl/nslab/hub.key (mode 600).
#
# Who may log in: real Unix users, checked by PAM (their own password), AND on the allow-list
# (NSLAB_HUB_USERS="alice bob" or one name a line in deploy/hub/allowed_users.txt). PAM,
# because a teacher's machine already has the accounts and passwords; the allow-list, because
# PAM alone would admit every account on the machine (root's helpers, the teacher...).
#
# Each student's server runs AS THAT USER (LocalProcessSpawner: the hub runs as root and
# switches uid), and every notebook runs in nslab's rootless sandbox kernel "Python 3 (nslab
# sandbox)": the student's namespaces, veths and journal live in user+network+mount
# namespaces of their own, out of the host's and every other student's reach.
#
# NSLAB_HUB_PYTHON: a Python the students can execute with nslab, jupyterlab and jupyterhub
# installed (not under /root, which is mode 700); default: the one running the hub.
# NSLAB_HUB_STATE: where the hub keeps its database, cookie secret and proxy pid (0700).

import ipaddress
import json
import os
import pwd
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - provided by JupyterHub when it loads this file

HERE = Path(__file__).resolve().parent
STATE = Path(os.environ.get("NSLAB_HUB_STATE", "/var/lib/nslab-hub"))
STATE.mkdir(mode=0o700, parents=True, exist_ok=True)
PORT = int(os.environ.get("NSLAB_HUB_PORT", "8000"))
PYTHON_BIN = Path(os.environ.get("NSLAB_HUB_PYTHON", sys.executable)).parent
NOTEBOOKS = Path(os.environ.get("NSLAB_HUB_NOTEBOOKS", HERE.parent.parent / "notebooks"))


def _allowed() -> set[str]:
    names = os.environ.get("NSLAB_HUB_USERS", "").split()
    listed = HERE / "allowed_users.txt"
    if listed.exists():
        names += [n.strip() for n in listed.read_text().splitlines()
                  if n.strip() and not n.startswith("#")]
    return set(names)


def _public_side() -> str:
    """The URL students open: loopback over plain HTTP by default; any other address only
    over HTTPS (passwords and notebooks cross the network), with a key only its owner can read.
    Anything wrong stops the hub here, before it listens, with what to do."""
    bind = os.environ.get("NSLAB_HUB_BIND", "127.0.0.1")
    try:
        address = ipaddress.ip_address(bind)
    except ValueError:
        raise SystemExit(f"nslab hub: NSLAB_HUB_BIND={bind!r} is not an IP address. Give the "
                         "address of one of this machine's interfaces (see `ip -br a`).") from None
    host = f"[{bind}]" if address.version == 6 else bind
    cert, key = os.environ.get("NSLAB_HUB_SSL_CERT", ""), os.environ.get("NSLAB_HUB_SSL_KEY", "")
    if not (cert or key):
        if not address.is_loopback:
            raise SystemExit(
                f"nslab hub: refusing to serve {bind}:{PORT} over plain HTTP: students' passwords "
                "would cross the network in clear text. Set NSLAB_HUB_SSL_CERT and "
                "NSLAB_HUB_SSL_KEY (a certificate and its key), or leave NSLAB_HUB_BIND unset "
                "(127.0.0.1) and put a TLS reverse proxy in front.")
        return f"http://{host}:{PORT}"
    for name, path in (("NSLAB_HUB_SSL_CERT", cert), ("NSLAB_HUB_SSL_KEY", key)):
        if not path or not os.path.isfile(path):
            raise SystemExit(f"nslab hub: {name}={path!r} is not a file. Set both "
                             "NSLAB_HUB_SSL_CERT and NSLAB_HUB_SSL_KEY to existing files.")
    if os.stat(key).st_mode & 0o077:
        raise SystemExit(f"nslab hub: the TLS key {key} can be read by other users (mode "
                         f"{os.stat(key).st_mode & 0o777:o}). Fix it with: chmod 600 {key}")
    c.JupyterHub.ssl_cert, c.JupyterHub.ssl_key = cert, key
    # Every cookie Secure, the login form's _xsrf too (JupyterHub marks its own session
    # cookies by the request's scheme; _xsrf follows this tornado setting).
    c.JupyterHub.tornado_settings = {"cookie_options": {"secure": True}}
    return f"https://{host}:{PORT}"


# The proxy's public side: see _public_side. Its API and the hub stay on loopback.
c.JupyterHub.bind_url = _public_side()
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("NSLAB_HUB_API_PORT", PORT + 1))
PROXY_API_PORT = int(os.environ.get("NSLAB_HUB_PROXY_API_PORT", PORT + 2))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{PROXY_API_PORT}"
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")

c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = _allowed()
c.Authenticator.admin_users = set()
c.PAMAuthenticator.open_sessions = False  # no systemd-logind session per server

c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(PYTHON_BIN / "jupyterhub-singleuser")]
c.Spawner.args = [
    "--KernelManager.transport=ipc",  # TCP on 127.0.0.1 does not reach a sandboxed kernel
    "--MappingKernelManager.default_kernel_name=nslab-sandbox",
    "--KernelSpecManager.allowed_kernelspecs=nslab-sandbox",
]
c.Spawner.notebook_dir = "~/nslab-notebooks"
c.Spawner.default_url = "/lab"
c.Spawner.ip = "127.0.0.1"
c.Spawner.http_timeout = 60
c.Spawner.start_timeout = 120


def _home(spawner) -> Path:  # noqa: ANN001 - JupyterHub's Spawner
    return Path(pwd.getpwnam(spawner.user.name).pw_dir)


# A student's JupyterLab without nbgrader's teacher tools (its menus and "Create Assignment"
# panel) or the news prompt: the page_config.json of `nslab lab`'s workbook, in a config
# dir of the student's own that comes first on JUPYTER_CONFIG_PATH.
STUDENT_CONFIG = ".nslab-jupyter"
PAGE_CONFIG = {"disabledExtensions": {"@jupyter/nbgrader": True,
                                      "@jupyterlab/apputils-extension:announcements": True}}

c.Spawner.environment = {
    "PATH": f"{PYTHON_BIN}:/usr/local/bin:/usr/bin:/bin",
    # Never under /run: the sandbox kernel mounts its own /run.
    "JUPYTER_RUNTIME_DIR": lambda spawner: str(_home(spawner) / ".local/share/jupyter/runtime"),
    "JUPYTER_CONFIG_PATH": lambda spawner: str(_home(spawner) / STUDENT_CONFIG),
}


def _prepare_home(spawner) -> None:  # noqa: ANN001
    """Before each start: a private home (many distributions create homes 0755, readable by
    every other student), the student's JupyterLab page config, and on the first start the
    course in ~/nslab-notebooks as `nslab lab`'s workbook has it: notebooks without outputs
    (no spoiled predictions, nothing untrusted), exercises as student versions (no
    solutions), and reference/ with the real outputs, trusted for this student."""
    user = pwd.getpwnam(spawner.user.name)
    home = Path(user.pw_dir)
    os.chmod(home, 0o700)
    labconfig = home / STUDENT_CONFIG / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    (labconfig / "page_config.json").write_text(json.dumps(PAGE_CONFIG, indent=1) + "\n")
    made = [labconfig.parent, labconfig, labconfig / "page_config.json"]
    dest = home / "nslab-notebooks"
    if not dest.exists() and NOTEBOOKS.is_dir():
        from nslab.workbook import prepare

        data = home / ".local" / "share" / "jupyter"  # the student's trust database
        prepare(NOTEBOOKS, dest, quiet=True, jupyter_data=data)
        if (NOTEBOOKS / "zh-CN").is_dir():
            prepare(NOTEBOOKS / "zh-CN", dest / "zh-CN", quiet=True, jupyter_data=data)
        made += [home / ".local", home / ".local" / "share", data, *data.iterdir(),
                 dest, *dest.rglob("*")]
    for p in made:
        os.chown(p, user.pw_uid, user.pw_gid, follow_symlinks=False)


c.Spawner.pre_spawn_hook = _prepare_home

# Optional: a service token for scripts (the classroom test uses it to start servers).
if os.environ.get("NSLAB_HUB_SERVICE_TOKEN"):
    c.JupyterHub.services = [
        {"name": "nslab-admin", "api_token": os.environ["NSLAB_HUB_SERVICE_TOKEN"]}
    ]
    c.JupyterHub.load_roles = [{
        "name": "nslab-admin",
        "scopes": ["admin:users", "admin:servers", "tokens", "access:servers"],
        "services": ["nslab-admin"],
    }]

# The teacher's class page (class_service.py, /services/nslab-class/): every student's lab,
# live, from the state record each lab writes in the student's own home (nslab.publish; 0600
# in a 0700 home). The hub runs the service as its own user, root, because only root can read
# into 0700 homes without making them readable to a group; the service reads that one file
# (no symbolic link, only a file the student owns) and nothing else. Who may open it: the
# hub's admins and the teachers in NSLAB_HUB_TEACHERS (hub users who log in like students);
# everyone else gets 403 from the hub's OAuth.
from nslab.publish import RECORD  # noqa: E402 - this block stays in one piece

TEACHERS = set(os.environ.get("NSLAB_HUB_TEACHERS", "").split())
c.Authenticator.allowed_users = _allowed() | TEACHERS
c.Spawner.environment["NSLAB_CLASS_RECORD"] = lambda spawner: str(_home(spawner) / RECORD)
c.JupyterHub.services.append({
    "name": "nslab-class",
    "url": f"http://127.0.0.1:{int(os.environ.get('NSLAB_HUB_CLASS_PORT', PORT + 3))}",
    "command": [sys.executable, str(HERE / "class_service.py")],
    "oauth_no_confirm": True,
    "environment": {"NSLAB_CLASS_TEACHERS": " ".join(sorted(TEACHERS))},  # not shown as tiles
})
c.JupyterHub.load_roles.append({
    "name": "nslab-class-service",  # the service lists who has a running server
    "scopes": ["list:users", "read:users:name", "read:servers"],
    "services": ["nslab-class"],
})
c.JupyterHub.load_roles.append({
    "name": "nslab-teacher",
    "scopes": ["access:services!service=nslab-class"],
    "users": sorted(TEACHERS),
})

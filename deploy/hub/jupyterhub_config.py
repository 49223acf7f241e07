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

import asyncio
import ipaddress
import os
import pwd
import sys
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from tornado.httpclient import AsyncHTTPClient, HTTPClientError

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

# --- A whole class at once (see README.md, "A class at once") ---------------------------
# A student's server costs a few CPU-seconds to start. Started together, thirty servers share
# the CPUs and all finish late together: past ~19 on two cores the whole wave used to miss
# http_timeout (60 s) at once. So servers start START_SLOTS at a time, in login order, each
# keeping its slot until it answers HTTP; a student further back waits on the spawn page,
# which shows their place in the queue. Nobody gets "too many users" (429): the hub's own
# throttle is set above any class, and the timeouts cover the queue of the largest class.
START_SLOTS = int(os.environ.get("NSLAB_HUB_START_SLOTS", os.cpu_count() or 2))
CLASS_SIZE = int(os.environ.get("NSLAB_HUB_CLASS_SIZE", "60"))  # the largest class expected
SERVER_MEMORY_MB = 175  # measured: a student's server and kernel after notebook 03 (PSS)


class ClassroomSpawner(LocalProcessSpawner):
    """LocalProcessSpawner that starts at most START_SLOTS servers at a time (first come,
    first served) and reports the queue to the spawn page."""

    _slots: asyncio.Semaphore | None = None
    _waiting: list[str] = []  # usernames in queue order

    @classmethod
    def _semaphore(cls) -> asyncio.Semaphore:
        if cls._slots is None:  # made in the hub's running event loop
            cls._slots = asyncio.Semaphore(START_SLOTS)
        return cls._slots

    async def start(self):  # noqa: ANN201 - JupyterHub's signature
        slots = self._semaphore()
        me = self.user.name
        self._waiting.append(me)
        try:
            await slots.acquire()
        finally:
            self._waiting.remove(me)
        try:
            ip, port = await super().start()
            await self._until_answering(ip, port)
            return ip, port
        finally:
            slots.release()

    async def _until_answering(self, ip: str, port: int) -> None:
        """Until the server answers HTTP (any status) or its process exits: the event the
        slot is held for. No limit of its own; start_timeout bounds the whole start."""
        url = f"http://{ip}:{port}{self.server.base_url}api"
        client = AsyncHTTPClient()
        delay = 0.05
        while True:
            try:
                await client.fetch(url, request_timeout=30)
                return
            except HTTPClientError as e:
                if e.code != 599:  # an HTTP answer (e.g. 403): the server is up
                    return
            except OSError:  # not listening yet
                pass
            if await self.poll() is not None:
                return  # exited: the hub reports it (with the server's log) as usual
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 0.5)

    async def progress(self):  # noqa: ANN201 - an async generator of progress events
        while True:
            waiting = self._waiting
            if self.user.name in waiting:
                ahead = waiting.index(self.user.name) + START_SLOTS
                yield {"progress": 10, "message": f"Waiting for a free start slot: {ahead} "
                       f"student servers are starting before yours (usually a few seconds "
                       f"each)."}
            else:
                yield {"progress": 50, "message": "Starting your JupyterLab server..."}
            await asyncio.sleep(1)


c.JupyterHub.spawner_class = ClassroomSpawner
# The hub's own throttle answers 429 "Too many users trying to log in right now": above any
# class, since the queue above already paces the starts without turning students away.
c.JupyterHub.concurrent_spawn_limit = 2 * CLASS_SIZE
# Servers running at once, at most: memory is the limit (~175 MB each; 24 GB holds >100).
c.JupyterHub.active_server_limit = int(os.environ.get(
    "NSLAB_HUB_ACTIVE_SERVER_LIMIT", 2 * CLASS_SIZE))
# Whole-start bound: the queue of the largest class (a few CPU-seconds per server, shared by
# the CPUs) with a wide margin; the server's own HTTP wait is inside ClassroomSpawner.start.
c.Spawner.start_timeout = int(os.environ.get("NSLAB_HUB_START_TIMEOUT", "900"))
c.Spawner.http_timeout = 300
c.Spawner.cmd = [str(PYTHON_BIN / "jupyterhub-singleuser")]
IDLE_HOURS = float(os.environ.get("NSLAB_HUB_IDLE_HOURS", "4"))
c.Spawner.args = [
    "--KernelManager.transport=ipc",  # TCP on 127.0.0.1 does not reach a sandboxed kernel
    "--MappingKernelManager.default_kernel_name=nslab-sandbox",
    "--KernelSpecManager.allowed_kernelspecs=nslab-sandbox",
    # Culling: only what was idle for hours (a culled kernel ends the student's lab: its
    # namespaces live in it). A kernel with a browser tab open is never culled; a server
    # with no kernel, terminal or request for IDLE_HOURS stops itself.
    f"--MappingKernelManager.cull_idle_timeout={int(IDLE_HOURS * 3600)}",
    "--MappingKernelManager.cull_interval=300",
    "--MappingKernelManager.cull_connected=False",
    f"--ServerApp.shutdown_no_activity_timeout={int(IDLE_HOURS * 3600)}",
]
c.Spawner.notebook_dir = "~/nslab-notebooks"
c.Spawner.default_url = "/lab"
c.Spawner.ip = "127.0.0.1"


def _home(spawner) -> Path:  # noqa: ANN001 - JupyterHub's Spawner
    return Path(pwd.getpwnam(spawner.user.name).pw_dir)


# A student's JupyterLab without nbgrader's teacher tools (its menus and "Create Assignment"
# panel, its server extensions) or the news prompt: prepare_home.py writes them in a config
# dir of the student's own that comes first on JUPYTER_CONFIG_PATH.
STUDENT_CONFIG = ".nslab-jupyter"

c.Spawner.environment = {
    "PATH": f"{PYTHON_BIN}:/usr/local/bin:/usr/bin:/bin",
    # Never under /run: the sandbox kernel mounts its own /run.
    "JUPYTER_RUNTIME_DIR": lambda spawner: str(_home(spawner) / ".local/share/jupyter/runtime"),
    "JUPYTER_CONFIG_PATH": lambda spawner: str(_home(spawner) / STUDENT_CONFIG),
}


async def _prepare_home(spawner) -> None:  # noqa: ANN001
    """Before each start: prepare_home.py (a private home, the student's Jupyter config, the
    course on the first start, copied from the class template in STATE), in a process of its
    own: the hub keeps serving meanwhile."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(HERE / "prepare_home.py"), spawner.user.name, str(NOTEBOOKS),
        str(STATE / "workbook-template"),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)
    _, err = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(err.decode(errors="replace").strip()
                           or f"prepare_home.py failed (status {proc.returncode})")


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

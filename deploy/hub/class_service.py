"""The teacher's class page: a JupyterHub service at /services/nslab-class/.

Started and stopped by the hub (jupyterhub_config.py registers it), as the hub's own user
(root), on loopback. Only hub users whose token carries `access:services!service=nslab-class`
(the teachers named in NSLAB_HUB_TEACHERS, and admins) get past the hub's OAuth; anyone else
gets 403.

Each page asks the hub's REST API which students have a running server, reads each one's
state record (~/.local/state/nslab/lab.json, written by the student's own lab: see
nslab.publish) and renders it with nslab.classview. It never runs code in a student's kernel
and never enters a student's namespaces; it only reads that one file, refusing a symbolic link,
anything but a regular file, a file the student does not own, and more than 1 MB. A missing or
damaged record is a tile saying "no data".
"""

from __future__ import annotations

import json
import os
import pwd
import stat
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

from jupyterhub.services.auth import HubOAuthCallbackHandler, HubOAuthenticated
from jupyterhub.utils import url_path_join
from tornado.httpclient import AsyncHTTPClient
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.web import Application, RequestHandler, authenticated

from nslab import classview
from nslab.publish import RECORD

MAX_BYTES = 1_000_000
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
       "form-action 'none'; base-uri 'none'; frame-ancestors 'none'")


def read_record(name: str) -> classview.Record | None:
    """The state record of Unix user NAME, or None (no such user, no file, not theirs...)."""
    try:
        user = pwd.getpwnam(name)
    except KeyError:
        return None
    return read_owned(Path(user.pw_dir) / RECORD, user.pw_uid)


def read_owned(path: Path, uid: int) -> classview.Record | None:
    """The record at PATH if it is a regular file (not a symbolic link, a FIFO...) that UID
    owns, of at most MAX_BYTES; else None. Root reads it: nothing else is opened."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != uid or st.st_size > MAX_BYTES:
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            return classview.parse(f.read(MAX_BYTES + 1))
    finally:
        os.close(fd)


async def running_students() -> list[str]:
    """The students with a running server: the hub's users with one, but the teachers."""
    api = os.environ["JUPYTERHUB_API_URL"]
    token = os.environ["JUPYTERHUB_API_TOKEN"]
    response = await AsyncHTTPClient().fetch(
        url_path_join(api, "users") + "?state=ready",
        headers={"Authorization": f"token {token}"})
    teachers = set(os.environ.get("NSLAB_CLASS_TEACHERS", "").split())
    return sorted(u["name"] for u in json.loads(response.body)
                  if u["name"] not in teachers and not u.get("admin"))


class Page(HubOAuthenticated, RequestHandler):
    def set_default_headers(self) -> None:
        self.set_header("Content-Security-Policy", CSP)
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("Cache-Control", "no-store")

    def language(self) -> str:
        """?lang=zh_CN or en; else the browser's first preference."""
        asked = self.get_argument("lang", "")
        if asked in ("en", "zh_CN"):
            return asked
        accept = self.request.headers.get("Accept-Language", "").lower()
        return "zh_CN" if accept.startswith("zh") else "en"


class ClassPage(Page):
    @authenticated
    async def get(self) -> None:
        names = await running_students()
        tiles = [(n, read_record(n)) for n in names]
        self.finish(classview.class_page(tiles, lang=self.language(), now=time.time()))


class StudentPage(Page):
    @authenticated
    async def get(self, name: str) -> None:
        name = unquote(name)
        lang = self.language()
        if name not in await running_students():
            self.set_status(404)
            self.finish(classview.unknown_page(name, lang=lang))
            return
        self.finish(classview.student_page(name, read_record(name), lang=lang, now=time.time()))


def main() -> None:
    prefix = os.environ["JUPYTERHUB_SERVICE_PREFIX"]
    app = Application([
        (prefix, ClassPage),
        (url_path_join(prefix, "student/([^/]+)"), StudentPage),
        (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
    ], cookie_secret=os.urandom(32))
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    classview.prepare()  # the teacher's first page as fast as the next ones
    HTTPServer(app, xheaders=True).listen(url.port, url.hostname)
    IOLoop.current().start()


if __name__ == "__main__":
    main()

"""Forwarding, NAT, published ports and a tiny web server: how a container reaches out (Q2).

What Docker builds on a host, built inside the lab's own namespaces::

    container 172.17.0.2 --default via 172.17.0.1--> docker-host --uplink--> internet
                                                       net.ipv4.ip_forward = 1
                                                       nft table ip nslab:
                                                         oifname "uplink" masquerade
                                                         ... tcp dport 8080 dnat to 172.17.0.2:80

`set_forwarding`, `enable_masquerade` and `publish_port` act only inside a namespace
this lab created, never in the host (`ns=None`) or anyone else's namespace, so the
host's sysctls and firewall are never touched. Their state lives in the namespace
and goes away with it. Rules go into one nftables table, `ip nslab`.

`serve_http` starts `python3 -m http.server` inside a namespace (a real process,
journaled, ended by PID on `reset()`); its access log tells which address each
request came from. `fetch` is an HTTP GET from inside a namespace (Python's urllib in
a subprocess there); a failed fetch is a result with `ok=False`, not an exception.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shlex
import subprocess
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import _tools, names
from ._kernel import NAT_TABLE as TABLE
from ._kernel import WWW, children, in_ns
from ._record import recorded
from ._verbs import SERVERS, Verbs, pid_var
from ._wait import Patience
from .errors import AlreadyExists, InvalidAddress, InvalidName, KernelError, NotFound, NotOwned
from .journal import process_start, state_dir
from .messages import say
from .snapshot import NsKey, ns_label

CHAINS = {
    "postrouting": "type nat hook postrouting priority srcnat; policy accept;",
    "prerouting": "type nat hook prerouting priority dstnat; policy accept;",
}
FORWARD_KEY = "net/ipv4/ip_forward"

# -- results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FetchResult:
    """What an HTTP GET from inside a namespace got. A failure is a result, not an error."""

    ns: NsKey
    url: str
    status: int | None  # the HTTP status, None if no answer came
    body: str
    error: str | None  # "timed out", "Connection refused", "HTTP 404 Not Found", ...

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    def __str__(self) -> str:
        if self.status is None:
            return say("fetch.failed", url=self.url, where=ns_label(self.ns), error=self.error)
        return say("fetch.ok", status=self.status, url=self.url, body=self.body).rstrip("\n")

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(str(self))


@dataclass(frozen=True)
class HttpRequest:
    """One line of a web server's access log."""

    client: str  # the source address the server saw
    method: str
    path: str
    status: int


_LOG_LINE = re.compile(r'^(\S+) - - \[[^\]]*\] "(\S+) (\S+)[^"]*" (\d{3})')


@dataclass(frozen=True)
class Server:
    """A `python3 -m http.server` running inside a namespace of the lab."""

    ns: NsKey
    port: int
    pid: int
    log_path: str

    def requests(self) -> list[HttpRequest]:
        """The requests it answered, oldest first (from its access log)."""
        return parse_access_log(_read(self.log_path))

    def clients(self) -> list[str]:
        """The client address of each request, as the server saw it (after any NAT)."""
        return [r.client for r in self.requests()]

    def __str__(self) -> str:
        return say("server.str", where=ns_label(self.ns), port=self.port)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # no PID: outputs stay deterministic
        p.text(str(self))


def _can_bind_low_ports() -> bool:
    """True if this process holds CAP_NET_BIND_SERVICE (bit 10 of CapEff)."""
    for line in _read("/proc/self/status").splitlines():
        if line.startswith("CapEff:"):
            return bool(int(line.split()[1], 16) & (1 << 10))
    return False


def parse_access_log(text: str) -> list[HttpRequest]:
    """The request lines of http.server's log (pure; other lines are skipped)."""
    found = []
    for line in text.splitlines():
        m = _LOG_LINE.match(line)
        if m:
            found.append(HttpRequest(m[1], m[2], m[3], int(m[4])))
    return found


def _read(path: str) -> str:
    try:
        return Path(path).read_text(errors="replace")
    except FileNotFoundError:
        return ""


# -- the verbs -------------------------------------------------------------------------


class NatVerbs(Verbs):
    """Forwarding, NAT, port publishing and HTTP verbs of Lab."""

    @recorded
    def set_forwarding(self, ns: NsKey, on: bool = True) -> None:
        """ip netns exec NS sysctl -w net.ipv4.ip_forward=1 (0 with on=False)"""
        if not isinstance(on, bool):
            raise ValueError(say("nat.forwarding_not_bool", on=on))
        path = self._nat_ns(ns, "forwarding", "set_forwarding")
        self.kernel.nl.sysctl(path, FORWARD_KEY, "1" if on else "0")
        self._say(in_ns(ns, f"sysctl -w net.ipv4.ip_forward={int(on)}"))

    def forwarding(self, ns: NsKey) -> bool:
        """Whether the namespace forwards IPv4 packets (net.ipv4.ip_forward; read only)."""
        return self.kernel.nl.sysctl(self.kernel.path(ns), FORWARD_KEY) == "1"

    @recorded
    def enable_masquerade(self, ns: NsKey, out_ifname: str) -> None:
        """ip netns exec NS nft 'add rule ip nslab postrouting oifname "IF" masquerade'

        Packets leaving NS through OUT_IFNAME get OUT_IFNAME's address as their source,
        like Docker's `-t nat -A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE`.
        """
        _check_nft_ifname(out_ifname)
        path = self._nat_ns(ns, "firewall", "enable_masquerade")
        if self.kernel.nl.link_index(path, out_ifname) is None:
            raise NotFound(say(
                "nat.then_masquerade", missing=self.kernel.missing_link(ns, out_ifname),
                call=f"lab.enable_masquerade({ns!r}, {out_ifname!r})",
            ))
        rules = self._nft_rules(ns)
        if any(_is_masquerade(r, out_ifname) for r in rules["rules"]):
            raise AlreadyExists(say("nat.masquerade_exists", name=out_ifname, where=ns_label(ns)))
        self._nft_add(ns, rules, "postrouting", f'oifname "{out_ifname}" masquerade')

    @recorded
    def publish_port(
        self,
        ns: NsKey,
        host_port: int,
        container_addr: str,
        container_port: int,
        *,
        proto: str = "tcp",
    ) -> None:
        """ip netns exec NS nft 'add rule ip nslab prerouting fib daddr type local
        tcp dport HOST_PORT dnat to ADDR:PORT' (like `docker run -p HOST_PORT:PORT`)

        Connections to any address of NS on HOST_PORT are sent on to ADDR:PORT. The
        namespace must forward (lab.set_forwarding(NS)) for the packets to get there.
        """
        if proto not in ("tcp", "udp"):
            raise InvalidAddress(say("nat.bad_proto", proto=proto))
        example = f"lab.publish_port({ns!r}, 8080, '172.17.0.2', 80)"
        for what, port in (("host_port", host_port), ("container_port", container_port)):
            _check_port(what, port, example)
        ip = names.check_ip(container_addr)
        if ip.version != 4:
            raise InvalidAddress(say("nat.ipv6_target", addr=container_addr, call=example))
        self._nat_ns(ns, "firewall", "publish_port")
        self.kernel.check_target(ns, ip)  # the rule may only lead to an address inside the lab
        rules = self._nft_rules(ns)
        taken = [r for r in rules["rules"] if _dnat_port(r) == (proto, host_port)]
        if taken:
            to = taken[0].get("to", "?")
            call = (f"lab.publish_port({ns!r}, {_free_hint(host_port)}, {container_addr!r}, "
                    f"{container_port})")
            raise AlreadyExists(say("nat.port_published", port=host_port, proto=proto,
                                    where=ns_label(ns), to=to, call=call))
        rule = f"fib daddr type local {proto} dport {host_port} dnat to {ip}:{container_port}"
        self._nft_add(ns, rules, "prerouting", rule)

    @recorded
    def serve_http(self, ns: NsKey, port: int = 80, *, text: str | None = None) -> Server:
        """ip netns exec NS python3 -m http.server PORT --bind 0.0.0.0 --directory DIR &

        A real web server process inside NS; its page says who it is (or `text`).
        Returns a Server whose .clients() lists the address each request came from.
        """
        _check_port("port", port, f"lab.serve_http({ns!r}, 80)")
        if text is not None and not isinstance(text, str):
            raise ValueError(say("http.text_not_str", text=text))
        path = self.kernel.path(ns)
        if not self.kernel.owns(ns):
            example = (self.kernel.owned_netns() or ["test1"])[0]
            raise NotOwned(say("http.not_owned", name=ns,
                               call=f"lab.serve_http({example!r}, 80)"))
        name = f"{ns}:{port}"
        old = self.kernel.journal.find("server", name)
        if old is not None and _alive(old):
            raise AlreadyExists(say("http.running", port=port, where=ns_label(ns),
                                    call=f"lab.stop_http({ns!r}, {port})"))
        if old is not None:
            self.kernel.journal.remove(old)  # it died: forget it
        if port < 1024 and not _can_bind_low_ports():
            # a container that dropped CAP_NET_BIND_SERVICE: let this lab namespace (only
            # it) bind low ports, as Docker does inside its containers
            self.kernel.nl.sysctl(path, "net/ipv4/ip_unprivileged_port_start", "0")
        root = state_dir() / WWW / f"{self.kernel.journal.lab}-{ns}-{port}"
        root.mkdir(parents=True, exist_ok=True)
        (root / "index.html").write_text(text if text is not None else self._greeting(ns, path))
        log = root.parent / f"{root.name}.log"
        entry = self.kernel.journal.add(
            "server", name, ns=ns, port=port, dir=str(root), log=str(log)
        )
        argv = [
            *self.kernel.enter_argv(ns), sys.executable, "-u", "-m", "http.server", str(port),
            "--bind", "0.0.0.0", "--directory", str(root),
        ]
        proc = None
        try:
            with open(log, "w") as out:
                proc = subprocess.Popen(
                    argv, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                    start_new_session=True,
                )
            children[proc.pid] = proc
            self.kernel.journal.update(entry, pid=proc.pid, start=process_start(proc.pid))
            _wait_listening(proc, str(log), ns, port)
        except BaseException:
            self.kernel.remove(entry)  # kills it by PID if it runs; removes its files
            if proc is not None:
                children.pop(proc.pid, None)
                proc.wait()
            raise
        self._say_served(name, ns, port, root, log, low_ports=port < 1024
                         and not _can_bind_low_ports())
        return Server(ns, port, proc.pid, str(log))

    @recorded
    def stop_http(self, ns: NsKey, port: int = 80) -> None:
        """kill PID: end the web server that serve_http started on PORT in NS."""
        entry = self.kernel.journal.find("server", f"{ns}:{port}")
        if entry is None:
            known = [e["name"] for e in self.kernel.journal.of_kind("server")]
            raise NotFound(say("http.missing_running", port=port, where=ns_label(ns),
                               running=", ".join(known) or say("word.none"),
                               call=f"lab.serve_http({ns!r}, {port})"))
        self.kernel.remove(entry)
        self._say(f"kill {pid_var(entry['name'], SERVERS)}")
        self._say(f"wait {pid_var(entry['name'], SERVERS)} || true")

    def http_server(self, ns: NsKey, port: int = 80) -> Server:
        """The web server serve_http started on PORT in NS."""
        entry = self.kernel.journal.find("server", f"{ns}:{port}")
        if entry is None or "pid" not in entry:
            raise NotFound(say("http.missing", port=port, where=ns_label(ns),
                               call=f"lab.serve_http({ns!r}, {port})"))
        return Server(ns, port, entry["pid"], entry["log"])

    def http_log(self, ns: NsKey, port: int = 80) -> list[HttpRequest]:
        """The access log of the web server on PORT in NS: who asked for what."""
        return self.http_server(ns, port).requests()

    def fetch(self, ns: NsKey, url: str, *, timeout: float = 3) -> FetchResult:
        """ip netns exec NS curl URL: an HTTP GET from inside NS, only to lab addresses."""
        ip, url = _check_url(url)
        if not 0 < timeout <= 60:
            raise ValueError(say("fetch.timeout", timeout=timeout))
        self.kernel.check_target(ns, ip)
        argv = [*self.kernel.enter_argv(ns), sys.executable, "-I", "-c", _FETCH, url, str(timeout)]
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout + 10)
        except subprocess.TimeoutExpired:
            return FetchResult(ns, url, None, "", "timed out")
        try:
            out = json.loads(proc.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise KernelError(say("fetch.no_client", where=ns_label(ns),
                                  error=proc.stderr.strip())) from None
        return FetchResult(ns, url, out["status"], out["body"], out["error"])

    # -- helpers --------------------------------------------------------------------
    def _say_served(self, name: str, ns: NsKey, port: int, root: Path, log: Path, *,
                    low_ports: bool) -> None:
        """The script's way of starting the same server: its page, the process in the
        background with its log, its PID kept in ${SERVER[NS:PORT]}."""
        page = (root / "index.html").read_text()
        self._say(f"mkdir -p {shlex.quote(str(root))}")
        self._say(f"printf '%s\\n' {shlex.join(page.splitlines())} > "
                  f"{shlex.quote(str(root / 'index.html'))}")
        if low_ports:
            self._say(in_ns(ns, "sysctl -w net.ipv4.ip_unprivileged_port_start=0"))
        shown = ["python3", "-u", "-m", "http.server", str(port), "--bind", "0.0.0.0",
                 "--directory", str(root)]
        self._say(in_ns(ns, shlex.join(shown)) + f" </dev/null >{shlex.quote(str(log))} 2>&1 &")
        self._say(f"{SERVERS}[{shlex.quote(name)}]=$!")

    def _nat_ns(self, ns: NsKey, what: str, verb: str) -> str:
        """The path of a namespace this lab created; the host and others are refused.
        `what`: "forwarding" (a sysctl) or "firewall" (nft rules); `verb` the Lab call."""
        call = f"lab.{verb}('docker-host', ...)"
        if ns is None:
            raise NotOwned(say("nat.host_forwarding", call=call) if what == "forwarding"
                           else say("nat.host_firewall", call=call))
        path = self.kernel.path(ns)
        if not self.kernel.owns(ns):
            mine = ", ".join(repr(n) for n in self.kernel.owned_netns()) or say("word.none_yet")
            raise NotOwned(say("nat.not_owned_forwarding", name=ns, mine=mine)
                           if what == "forwarding"
                           else say("nat.not_owned_firewall", name=ns, mine=mine))
        assert path is not None
        return path

    def _nft(self, ns: NsKey, args: list[str], stdin: str | None = None) -> Any:
        if ns is None:  # belt and braces: never the host's firewall
            raise NotOwned(say("nat.nft_host"))
        try:
            return subprocess.run(
                [*self.kernel.enter_argv(ns), _tools.tool("nft"), *args],
                input=stdin, capture_output=True, text=True, timeout=30,
            )
        except FileNotFoundError:
            raise NotFound(say("nat.no_nft")) from None

    def _nft_rules(self, ns: NsKey) -> dict[str, Any]:
        """The `ip nslab` table in NS: which chains exist, and its rules (JSON objects)."""
        proc = self._nft(ns, ["-j", "list", "table", "ip", TABLE])
        if proc.returncode != 0:
            if "No such file or directory" in proc.stderr:
                return {"table": False, "chains": set(), "rules": []}
            raise KernelError(say("nat.list_failed", where=ns_label(ns),
                                  error=proc.stderr.strip()))
        items = json.loads(proc.stdout)["nftables"]
        return {
            "table": True,
            "chains": {i["chain"]["name"] for i in items if "chain" in i},
            "rules": [i["rule"] for i in items if "rule" in i],
        }

    def _nft_add(self, ns: NsKey, current: dict[str, Any], chain: str, rule: str) -> None:
        """Add RULE to CHAIN in one nft transaction (creating table and chain if needed)."""
        commands = []
        if not current["table"]:
            commands.append(f"add table ip {TABLE}")
        if chain not in current["chains"]:
            commands.append(f"add chain ip {TABLE} {chain} {{ {CHAINS[chain]} }}")
        commands.append(f"add rule ip {TABLE} {chain} {rule}")
        path = self.kernel.path(ns)
        inode = os.stat(path).st_ino  # type: ignore[arg-type]
        entry = self.kernel.journal.add("nat", rule, ns=ns, chain=chain, inode=inode)
        proc = self._nft(ns, ["-f", "-"], stdin="\n".join(commands) + "\n")
        if proc.returncode != 0:
            self.kernel.journal.remove(entry)
            raise KernelError(say("nat.rule_refused", rule=rule, where=ns_label(ns),
                                  error=proc.stderr.strip()))
        for command in commands:
            self._say(in_ns(ns, "nft " + shlex.quote(command)))

    def _greeting(self, ns: NsKey, path: str | None) -> str:
        addrs = [
            a["local"] or a["address"]
            for a in self.kernel.nl.dump(path)["addrs"]
            if a["family"] == 4 and a["scope"] == "global"
        ]
        if addrs:
            return say("http.greeting_addrs", where=ns_label(ns), addrs=", ".join(addrs)) + "\n"
        return say("http.greeting", where=ns_label(ns)) + "\n"


# -- helpers ---------------------------------------------------------------------------


def _alive(entry: dict) -> bool:
    from .journal import is_alive

    return "pid" in entry and is_alive(entry["pid"], entry.get("start"))


def _check_port(what: str, port: object, example: str) -> None:
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise InvalidAddress(say("nat.bad_port", what=what, port=port, call=example))


def _free_hint(port: int) -> int:
    return port + 1 if port < 65535 else port - 1


def _check_nft_ifname(ifname: str) -> None:
    names.check_ifname(ifname)
    bad = sorted({c for c in ifname if c in '"\\*'})
    if bad:
        raise InvalidName(say("nat.ifname_chars", name=ifname,
                              chars=", ".join(repr(c) for c in bad)))


def _check_url(url: object) -> tuple[ipaddress.IPv4Address | ipaddress.IPv6Address, str]:
    """An http:// URL whose host is an IP address (there is no DNS inside the lab)."""
    example = "'http://203.0.113.10/' or 'http://172.17.0.2:8080/'"
    if not isinstance(url, str):
        raise InvalidAddress(say("fetch.url_not_str", url=url, example=example))
    try:
        parts = urllib.parse.urlsplit(url.strip())
        host, _port = parts.hostname, parts.port
    except ValueError as exc:
        raise InvalidAddress(say("fetch.url_invalid", url=url, error=str(exc),
                                 example=example)) from None
    if parts.scheme != "http" or not host:
        raise InvalidAddress(say("fetch.url_not_http", url=url, example=example))
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        raise InvalidAddress(say("fetch.url_hostname", url=url, host=host,
                                 example=example)) from None
    return ip, url.strip()


def _is_masquerade(rule: dict, ifname: str) -> bool:
    exprs = rule.get("expr", [])
    return rule.get("chain") == "postrouting" and any("masquerade" in e for e in exprs) and any(
        e.get("match", {}).get("left") == {"meta": {"key": "oifname"}}
        and e["match"].get("right") == ifname
        for e in exprs
    )


def _dnat_port(rule: dict) -> tuple[str, int] | None:
    """(proto, port) a prerouting DNAT rule matches, and note where it leads in rule['to']."""
    exprs = rule.get("expr", [])
    dnat = next((e["dnat"] for e in exprs if "dnat" in e), None)
    if rule.get("chain") != "prerouting" or dnat is None:
        return None
    for e in exprs:
        left = e.get("match", {}).get("left", {})
        payload = left.get("payload", {}) if isinstance(left, dict) else {}
        if payload.get("field") == "dport" and isinstance(e["match"].get("right"), int):
            rule["to"] = f"{dnat.get('addr')}:{dnat.get('port')}"
            return payload.get("protocol"), e["match"]["right"]
    return None


def _wait_listening(proc: subprocess.Popen, log: str, ns: NsKey, port: int) -> None:
    """Until http.server says it serves (it prints that after listen()), or fails."""
    patience = Patience(10)  # on an idle machine; stretched by the load
    while not patience.expired():
        text = _read(log)
        if "Serving HTTP on" in text:
            return
        if proc.poll() is not None:
            if "Address already in use" in text:
                raise AlreadyExists(say("http.port_in_use", port=port, where=ns_label(ns)))
            last = text.strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
            raise KernelError(say("http.not_started", where=ns_label(ns), error=last[0]))
        patience.pause()
    raise KernelError(say("http.not_listening", where=ns_label(ns), port=port,
                          waited=patience.describe()))


# The HTTP client run inside the namespace (Python's urllib; no proxies, no redirects).
_FETCH = r"""
import json, socket, sys, urllib.error, urllib.request
url, timeout = sys.argv[1], float(sys.argv[2])
class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)
out = {"status": None, "body": "", "error": None}
def why(exc):
    if isinstance(exc, (TimeoutError, socket.timeout)):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)
try:
    with opener.open(url, timeout=timeout) as r:
        out.update(status=r.status, body=r.read(65536).decode("utf-8", "replace"))
except urllib.error.HTTPError as exc:
    body = exc.read(65536).decode("utf-8", "replace")
    out.update(status=exc.code, body=body, error=f"HTTP {exc.code} {exc.reason}")
except urllib.error.URLError as exc:
    out["error"] = why(exc.reason) if isinstance(exc.reason, Exception) else str(exc.reason)
except Exception as exc:
    out["error"] = why(exc)
print(json.dumps(out))
"""

__all__ = ["FetchResult", "HttpRequest", "NatVerbs", "Server", "parse_access_log"]

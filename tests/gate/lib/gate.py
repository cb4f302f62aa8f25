"""Shared harness of the gatekeeper checks: start a real imserver process and talk to it.

Standard library only, so every check (whatever virtual environment it runs in) can import it:

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
    import gate
    with gate.Server() as srv:            # fresh SQLite file, free loopback port
        alice = srv.register_user("alice")  # -> User(user_id, token, username, password)
        srv.call("GET", "/user/profile", token=alice.token)

Environment read here:
  IMSERVER_BIN   the server binary (run_all.sh builds it and sets this)
  GATE_OUT       where checks write logs and artifacts (default tests/gate/out)
  GATE_DB        "sqlite" (default) or a PostgreSQL URL; with a URL each Server gets a
                 fresh database created with psql and dropped when it stops.
"""
import contextlib
import json
import os
import re
import secrets
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SPEC = os.path.join(ROOT, "openapi", "openapi.json")


def out_dir(*parts):
    """A directory under GATE_OUT (created)."""
    d = os.path.join(os.environ.get("GATE_OUT") or os.path.join(ROOT, "tests", "gate", "out"), *parts)
    os.makedirs(d, exist_ok=True)
    return d


def binary():
    b = os.environ.get("IMSERVER_BIN")
    if b:
        return b
    target = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
    return os.path.join(target, "debug", "imserver")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spec():
    with open(SPEC) as f:
        return json.load(f)


def has_route(spec_doc, method, path):
    """True when the spec documents `method path` (a check skips a step whose route does not exist)."""
    return method.lower() in spec_doc.get("paths", {}).get(path, {})


@dataclass
class User:
    user_id: int
    token: str
    username: str
    password: str


class GateError(AssertionError):
    pass


def _psql(url, sql):
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql], check=True,
                   stdout=subprocess.DEVNULL)


def fresh_pg_database(base_url):
    """Create an empty database next to `base_url`'s and return (its URL, a drop function)."""
    name = "imgate_" + secrets.token_hex(6)
    _psql(base_url, f"CREATE DATABASE {name}")
    url = re.sub(r"/[^/?]*(\?|$)", f"/{name}\\1", base_url.split("://", 1)[1], count=1)
    url = base_url.split("://", 1)[0] + "://" + url
    return url, (lambda: _psql(base_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


class Server:
    """One imserver process on a free loopback port.

    db: None (GATE_DB or SQLite), "sqlite", a PostgreSQL URL to create a fresh database next to,
    or database_url= to share an existing database (two instances, one database).
    """

    def __init__(self, name="server", db=None, database_url=None, env=None, args=()):
        self.name = name
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._drop = None
        self.app_id = None
        self.admin_token = None
        db = db or os.environ.get("GATE_DB") or "sqlite"
        if database_url:
            self.database_url = database_url
        elif db == "sqlite":
            d = out_dir("db")
            path = os.path.join(d, f"{name}-{os.getpid()}-{self.port}.db")
            for suffix in ("", "-wal", "-shm"):
                with contextlib.suppress(FileNotFoundError):
                    os.remove(path + suffix)
            self.database_url = f"sqlite://{path}?mode=rwc"
        else:
            self.database_url, self._drop = fresh_pg_database(db)
        self.log_path = os.path.join(out_dir("logs"), f"{name}-{self.port}.log")
        self._env = dict(os.environ, IMSERVER_DATABASE_URL=self.database_url,
                         IMSERVER_LISTEN=f"127.0.0.1:{self.port}",
                         IMSERVER_LOG=os.environ.get("GATE_SERVER_LOG", "info"),
                         NO_COLOR="1", **(env or {}))
        self._args = list(args)
        self.proc = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, timeout=60):
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen([binary(), *self._args, "serve"], env=self._env,
                                     stdout=subprocess.PIPE, stderr=self._log)
        deadline = time.monotonic() + timeout
        banner = []
        # The first start on an empty database prints the app and its admin token on stdout.
        os.set_blocking(self.proc.stdout.fileno(), False)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise GateError(f"{self.name} exited with {self.proc.returncode}; see {self.log_path}")
            try:
                chunk = os.read(self.proc.stdout.fileno(), 65536).decode(errors="replace")
            except BlockingIOError:
                chunk = ""
            if chunk:
                banner.append(chunk)
                self._log.write(chunk)
                self._log.flush()
            text = "".join(banner)
            m_app = re.search(r"app_id:\s+(\S+)", text)
            m_tok = re.search(r"admin token:\s+(\S+)", text)
            if m_app and m_tok:
                self.app_id, self.admin_token = m_app.group(1), m_tok.group(1)
            if self._ready() and (self.app_id or "First start" not in text):
                self._drain_stdout()
                return self
            time.sleep(0.05)
        raise GateError(f"{self.name} not ready within {timeout}s; see {self.log_path}")

    def _drain_stdout(self):
        """Copy the server's stdout (its banner; logs go to stderr) to the log file for the rest of its life: an
        undrained pipe fills after ~64 KiB of logs and then blocks every request of the server."""
        os.set_blocking(self.proc.stdout.fileno(), True)

        def pump(fd=self.proc.stdout.fileno(), log=self._log):
            with contextlib.suppress(OSError, ValueError):
                while chunk := os.read(fd, 65536):
                    log.write(chunk.decode(errors="replace"))
                    log.flush()

        self._pump = threading.Thread(target=pump, name=f"{self.name}-stdout", daemon=True)
        self._pump.start()

    def _ready(self):
        try:
            with urllib.request.urlopen(self.base + "/ready", timeout=2) as r:
                return r.status == 200
        except (urllib.error.URLError, ConnectionError, OSError):
            return False

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_pump", None):
            self._pump.join(timeout=5)
        elif self.proc and self.proc.stdout:
            with contextlib.suppress(Exception):
                rest = self.proc.stdout.read()
                if rest:
                    self._log.write(rest.decode(errors="replace"))
        if self.proc and self.proc.stdout:
            with contextlib.suppress(Exception):
                self.proc.stdout.close()
        if getattr(self, "_log", None):
            self._log.close()
        if self._drop:
            with contextlib.suppress(Exception):
                self._drop()
            self._drop = None

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()

    # -- database --------------------------------------------------------------------------
    def sql(self, query):
        """Rows of one read-only query run directly on the server's database, for checks of
        invariants behind the API: a list of tuples whose values are text (as psql prints them;
        integers as decimal strings, booleans as "t"/"f" on PostgreSQL and "1"/"0" on SQLite) and
        NULL as None. SQLite: Python's sqlite3 on the server's file (read-only); PostgreSQL:
        `psql -At` on database_url. Write portable SQL (no booleans, no backend functions)."""
        url = self.database_url
        if url.startswith("sqlite:"):
            path = re.sub(r"^sqlite:(//)?", "", url).split("?", 1)[0]
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
            try:
                return [tuple(None if v is None else str(v) for v in row) for row in con.execute(query)]
            finally:
                con.close()
        null, fs, rs = "\x01NULL\x01", "\x1f", "\x1e"
        out = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-F", fs, "-R", rs,
                              "-P", f"null={null}", url, "-c", query],
                             check=True, capture_output=True, text=True).stdout
        out = out[:-1] if out.endswith("\n") else out
        return [tuple(None if v == null else v for v in rec.split(fs)) for rec in out.split(rs) if rec != ""]

    # -- HTTP ------------------------------------------------------------------------------
    def request(self, method, path, body=None, token=None, headers=None, app_id=None, timeout=30):
        """(HTTP status, parsed JSON or raw text) of one call; app_id defaults to the server's app."""
        h = {"app_id": app_id or self.app_id or ""}
        if token:
            h["access-token"] = token
        h.update(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["content-type"] = "application/json"
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=h)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    def call(self, method, path, body=None, token=None, headers=None, expect=200):
        """The `data` of a call whose envelope code must be `expect`."""
        status, env = self.request(method, path, body, token, headers)
        if not isinstance(env, dict) or env.get("code") != expect:
            raise GateError(f"{method} {path}: HTTP {status}, expected code {expect}, got {env!r}")
        return env.get("data")

    def register_user(self, username=None, password="secret-pass-1", nickname=None):
        """Register a user and log in: a User with a user token."""
        username = username or "u" + secrets.token_hex(5)
        body = {"username": username, "password": password}
        if nickname:
            body["nickname"] = nickname
        self.call("POST", "/user/register/v2", body)
        data = self.call("POST", "/token/user",
                         {"name": username, "password": password, "device_guid": "gate-" + username})
        return User(int(data["user_id"]), data["token"], username, password)

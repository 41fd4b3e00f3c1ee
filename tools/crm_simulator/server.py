"""The simulator's HTTP side: 销售易's response shapes over a :class:`CrmStore`, faults on demand.

Routes (shapes as in 销售易's public SDK, xsy-neoui/neo-open-api):
  POST /oauth2/token.action                        password grant -> {"access_token", "token_type", "expires_in"}
  GET  /rest/data/v2/query?q=<XOQL>                {"code": 200, "msg", "result": {"records", "totalSize"}}
  GET  /rest/data/v2.0/xobjects/<apiKey>/description   {"code": 200, "msg", "data": {"apiKey", "fields": [...]}}
  GET  /rest/metadata/v2.0/xobjects/filter         {"code": 200, "data": {"records": [...], "totalSize"}}
An unknown or expired token is HTTP 401 {"code": 401}. Binds 127.0.0.1 only.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from tools.crm_simulator.store import CrmStore
from tools.crm_simulator.xoql import XoqlError, parse

DESCRIPTION_PREFIX = "/rest/data/v2.0/xobjects/"


@dataclass
class Faults:
    """What the next requests suffer; tests set these between or during pulls."""

    rate_limit_next: int = 0  # the next N API requests answer HTTP 429 (a burst)
    retry_after: float | None = None  # seconds, sent with each 429
    server_error_next: int = 0  # the next N API requests answer HTTP 503
    slow_seconds: float = 0.0  # how long a slowed answer waits
    slow_next: int = 0  # the next N API requests are slowed (-1: every request)
    token_ttl_seconds: float = 3600.0
    max_page_size: int | None = None  # a tenant's own cap on `limit`: larger pages come back shorter
    # called after the n-th query (1-based) was answered: change records between pages
    after_query: Callable[[int], None] | None = None


@dataclass
class Counters:
    tokens: int = 0
    queries: int = 0
    descriptions: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    unauthorized: int = 0
    by_query: list[str] = field(default_factory=list)


class CrmSimulator:
    """``with CrmSimulator(store) as sim:`` serves on ``sim.base_url`` until the block ends."""

    def __init__(self, store: CrmStore, *, port: int = 0, client_id: str = "demo-client",
                 client_secret: str = "demo-secret", username: str = "demo@example.com",
                 password: str = "demo-password") -> None:
        self.store = store
        self.faults = Faults()
        self.counters = Counters()
        self._credentials = (client_id, client_secret, username, password)
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def env(self) -> dict[str, str]:
        """The environment that points ``crmlake extract crm`` at this simulator."""
        cid, secret, user, password = self._credentials
        return {"CRMLAKE_CRM_BASE_URL": self.base_url, "CRMLAKE_CRM_CLIENT_ID": cid,
                "CRMLAKE_CRM_CLIENT_SECRET": secret, "CRMLAKE_CRM_USERNAME": user,
                "CRMLAKE_CRM_PASSWORD": password}

    def expire_tokens(self) -> None:
        """Every token handed out so far stops working (as at the end of its lifetime)."""
        with self._lock:
            self._tokens.clear()

    def start(self) -> CrmSimulator:
        self._thread = threading.Thread(target=self._server.serve_forever, name="crm-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread:
            self._thread.join(timeout=5)

    def __enter__(self) -> CrmSimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ request handling
    def _token(self, form: dict[str, str]) -> tuple[int, dict]:
        given = tuple(form.get(k, "") for k in ("client_id", "client_secret", "username", "password"))
        if form.get("grant_type") != "password" or given != self._credentials:
            return 400, {"error": "invalid_grant", "error_description": "wrong client or user credentials"}
        token = secrets.token_hex(16)
        with self._lock:
            self._tokens[token] = time.monotonic() + self.faults.token_ttl_seconds
            self.counters.tokens += 1
        return 200, {"access_token": token, "token_type": "Bearer",
                     "expires_in": int(self.faults.token_ttl_seconds), "instance_uri": self.base_url}

    def _authorized(self, header: str | None) -> bool:
        token = (header or "").removeprefix("Bearer ").strip()
        with self._lock:
            expires = self._tokens.get(token)
            return expires is not None and expires > time.monotonic()

    def _injected_fault(self) -> tuple[int, dict, dict] | None:
        with self._lock:
            if self.faults.rate_limit_next > 0:
                self.faults.rate_limit_next -= 1
                self.counters.rate_limited += 1
                headers = {} if self.faults.retry_after is None else {"Retry-After": str(self.faults.retry_after)}
                return 429, {"code": 429, "msg": "请求过于频繁"}, headers
            if self.faults.server_error_next > 0:
                self.faults.server_error_next -= 1
                self.counters.server_errors += 1
                return 503, {"code": 503, "msg": "服务暂时不可用"}, {}
        return None

    def _api(self, path: str, query: dict[str, list[str]]) -> tuple[int, dict]:
        if path == "/rest/data/v2/query":
            try:
                q = parse((query.get("q") or [""])[0])
                cap = self.faults.max_page_size
                if cap is not None and q.size is not None and q.size > cap:
                    q = replace(q, size=cap)
                records, total = self.store.query(q)
            except XoqlError as exc:
                return 400, {"code": 400, "msg": str(exc)}
            with self._lock:
                self.counters.queries += 1
                n = self.counters.queries
                self.counters.by_query.append(q.obj)
            if self.faults.after_query:
                self.faults.after_query(n)
            return 200, {"code": 200, "msg": "OK", "result": {"records": records, "totalSize": total}}
        if path.startswith(DESCRIPTION_PREFIX) and path.endswith("/description"):
            api_key = path[len(DESCRIPTION_PREFIX):-len("/description")]
            data = self.store.description(api_key)
            if data is None:
                return 404, {"code": 404, "msg": f"no object {api_key}"}
            with self._lock:
                self.counters.descriptions += 1
            return 200, {"code": 200, "msg": "OK", "data": data}
        if path == "/rest/metadata/v2.0/xobjects/filter":
            records = [{"apiKey": t.api_key, "label": t.entity, "custom": t.api_key.endswith("__c")}
                       for t in self.store.tables.values()]
            return 200, {"code": 200, "msg": "OK", "data": {"records": records, "totalSize": len(records)}}
        return 404, {"code": 404, "msg": f"no route {path}"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        sim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet: tests and the demo print their own lines
                pass

            def _send(self, status: int, body: dict, headers: dict | None = None) -> None:
                data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8") if length else ""
                if urlparse(self.path).path != "/oauth2/token.action":
                    self._send(404, {"code": 404, "msg": "no route"})
                    return
                form = {k: v[0] for k, v in parse_qs(raw, keep_blank_values=True).items()}
                self._send(*sim._token(form))

            def do_GET(self) -> None:  # noqa: N802
                url = urlparse(self.path)
                with sim._lock:
                    slow = sim.faults.slow_next != 0
                    if sim.faults.slow_next > 0:
                        sim.faults.slow_next -= 1
                if slow and sim.faults.slow_seconds:
                    time.sleep(sim.faults.slow_seconds)
                fault = sim._injected_fault()
                if fault:
                    self._send(*fault)
                    return
                if not sim._authorized(self.headers.get("Authorization")):
                    with sim._lock:
                        sim.counters.unauthorized += 1
                    self._send(401, {"code": 401, "msg": "access token is invalid or expired"})
                    return
                self._send(*sim._api(url.path, parse_qs(url.query, keep_blank_values=True)))

        return Handler

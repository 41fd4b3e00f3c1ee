"""A small, polite client of 销售易's OpenAPI: OAuth token, XOQL queries, object descriptions.

httpx does the HTTP, tenacity the retries: exponential back-off with jitter on timeouts,
connection errors, 429 and 5xx (a ``Retry-After`` is honoured up to the longest back-off); an
expired token (401) is fetched again once, without spending a retry. Every request first takes a
place in the per-minute budget. The shapes are those of 销售易's public SDK (xsy-neoui/neo-open-api):
``GET /rest/data/v2/query?q=<XOQL>`` answers ``{"code": 200, "msg", "result": {"records",
"totalSize"}}``; ``GET /rest/data/v2.0/xobjects/<apiKey>/description`` answers ``{"code": 200,
"data": {...}}``; the token comes from ``POST /oauth2/token.action`` (password grant).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import tenacity

from pipelines.sources.crm_api.budget import RequestBudget
from pipelines.sources.crm_api.secrets import Credentials

log = logging.getLogger("crmlake.crm_api")

TOKEN_PATH = "/oauth2/token.action"
QUERY_PATH = "/rest/data/v2/query"
DESCRIPTION_PATH = "/rest/data/v2.0/xobjects/{api_key}/description"


class ApiError(RuntimeError):
    """The API refused a request for good (a bad query, no permission, wrong credentials)."""

    def __init__(self, message: str, code: object = None) -> None:
        super().__init__(message)
        self.code = code


class RetryableError(ApiError):
    """Rate-limited or a server error: worth another try after a wait."""

    def __init__(self, message: str, code: object = None, retry_after: float | None = None) -> None:
        super().__init__(message, code)
        self.retry_after = retry_after


class _TokenExpired(Exception):
    pass


@dataclass
class ClientStats:
    requests: int = 0
    retries: int = 0
    token_fetches: int = 0
    rate_limited: int = 0
    server_errors: int = 0
    timeouts: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class XsyClient:
    """One tenant, one token, one request budget. Not thread-safe: one extraction at a time."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        timeout: float = 30.0,
        max_attempts: int = 6,
        backoff_initial: float = 1.0,
        backoff_max: float = 60.0,
        requests_per_minute: int = 300,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._credentials = credentials
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, transport=transport)
        self._budget = RequestBudget(requests_per_minute, sleep=sleep)
        self._token: str | None = None
        self._backoff_max = backoff_max
        self.stats = ClientStats()
        exponential = tenacity.wait_exponential_jitter(
            multiplier=backoff_initial, max=backoff_max, jitter=backoff_initial
        )

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            hinted = getattr(exc, "retry_after", None) or 0.0
            return max(exponential(state), min(hinted, self._backoff_max))

        def count_retry(state: tenacity.RetryCallState) -> None:
            self.stats.retries += 1
            exc = state.outcome.exception() if state.outcome else None
            log.info("retry %d after %s", state.attempt_number, type(exc).__name__ if exc else "?")

        self._retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(max_attempts),
            wait=wait,
            retry=tenacity.retry_if_exception_type((RetryableError, httpx.TimeoutException, httpx.TransportError)),
            before_sleep=count_retry,
            sleep=sleep,
            reraise=True,
        )

    # ------------------------------------------------------------ public calls
    def query(self, xoql: str) -> tuple[list[dict], int]:
        """Records and totalSize of one XOQL query (one page when it has a ``limit``)."""
        body = self._get(QUERY_PATH, {"q": xoql})
        result = body.get("result") or {}
        return list(result.get("records") or []), int(result.get("totalSize") or 0)

    def describe(self, api_key: str) -> dict:
        """An object's description: its fields (``fields[].apiKey``), label, ..."""
        return dict(self._get(DESCRIPTION_PATH.format(api_key=api_key), None).get("data") or {})

    @property
    def budget_waited(self) -> float:
        return self._budget.waited

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> XsyClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ token
    def _fetch_token(self) -> str:
        def attempt() -> str:
            self._budget.acquire()
            self.stats.requests += 1
            self.stats.token_fetches += 1
            response = self._http.post(TOKEN_PATH, data=self._credentials.token_form())
            self._raise_for_retryable(response)
            try:
                body = response.json()
            except ValueError:
                body = {}
            token = body.get("access_token")
            if response.status_code != 200 or not token:
                # the message names no credential; the API's own error text is kept
                raise ApiError(f"token refused (HTTP {response.status_code}): "
                               f"{body.get('error_description') or body.get('msg') or body.get('error') or ''}".rstrip())
            return str(token)

        self._token = self._retrying(attempt)
        return self._token

    # ------------------------------------------------------------ requests
    def _get(self, path: str, params: dict | None) -> dict:
        def attempt() -> dict:
            for _ in range(2):  # a second time only with a fresh token
                token = self._token or self._fetch_token()
                self._budget.acquire()
                self.stats.requests += 1
                try:
                    response = self._http.get(path, params=params, headers={"Authorization": f"Bearer {token}"})
                except httpx.TimeoutException:
                    self.stats.timeouts += 1
                    raise
                try:
                    return self._checked(response)
                except _TokenExpired:
                    log.info("access token expired: fetching a new one")
                    self._token = None
            raise ApiError("the API refused a freshly fetched token", 401)

        return self._retrying(attempt)

    def _raise_for_retryable(self, response: httpx.Response) -> None:
        status = response.status_code
        if status == 429:
            self.stats.rate_limited += 1
            raise RetryableError("rate limited (HTTP 429)", 429, _retry_after(response))
        if status >= 500:
            self.stats.server_errors += 1
            raise RetryableError(f"server error (HTTP {status})", status, _retry_after(response))

    def _checked(self, response: httpx.Response) -> dict:
        self._raise_for_retryable(response)
        if response.status_code == 401:
            raise _TokenExpired()
        try:
            body = response.json()
        except ValueError:
            raise RetryableError(f"not JSON (HTTP {response.status_code})", response.status_code) from None
        code = body.get("code")
        if str(code) == "401":
            raise _TokenExpired()
        if str(code) == "429":
            self.stats.rate_limited += 1
            raise RetryableError("rate limited", code, _retry_after(response))
        if response.status_code != 200 or str(code) not in ("200", "0"):
            raise ApiError(f"{response.request.url.path}: HTTP {response.status_code}, code {code}: {body.get('msg')}", code)
        return body


def client_for(config, env: dict[str, str] | None = None, **kwargs) -> XsyClient:
    """A client for crm_api.yml's tenant with the environment's credentials
    (``CRMLAKE_CRM_BASE_URL`` overrides the address, e.g. for the local simulator)."""
    import os

    from pipelines.sources.crm_api.secrets import BASE_URL_ENV, credentials_from_env

    env = dict(os.environ if env is None else env)
    return XsyClient(
        env.get(BASE_URL_ENV) or config.base_url,
        credentials_from_env(env),
        timeout=config.timeout_seconds,
        max_attempts=config.max_attempts,
        backoff_initial=config.backoff_initial_seconds,
        backoff_max=config.backoff_max_seconds,
        requests_per_minute=config.requests_per_minute,
        **kwargs,
    )

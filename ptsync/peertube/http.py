"""The transport under every PeerTube call: security, rate limit, retries, typed errors.

Retry policy, by what a repeat could do: GET, PUT and DELETE are idempotent and are retried
with exponential backoff and jitter on 5xx and connection errors; a POST that creates
something is never retried here (the caller checks for the video's marker first). A 429 is not
an error but an instruction: every thread waits out ``Retry-After`` and the request is sent
again, without using up a retry.

Failures to connect are judged by what came before: an instance that never answered in this
run is a wrong URL or a server that is down, reported at once in one line
(``ServerUnreachable.first_contact``); one that answered before and then cannot be reached
after the retries has gone away, and every later request fails at once too, so a run stops
within one retry budget instead of one per item.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential, wait_random

from ptsync import __version__
from ptsync.errors import (
    AuthenticationError,
    BadResponse,
    ConfigError,
    ErrorBody,
    ServerError,
    ServerUnreachable,
    TransportError,
    error_class_for_status,
)
from ptsync.peertube.auth import Authenticator, Credentials
from ptsync.peertube.failures import Attempt, Unreachable, error_for, loopback, one_line
from ptsync.peertube.ratelimit import DEFAULT_RATE_LIMIT, RateLimiter, reset_delay

log = logging.getLogger("ptsync.http")
IDEMPOTENT = frozenset({"GET", "PUT", "DELETE", "HEAD"})
STAFF_ROLES = frozenset({0, 1})  # PeerTube's Administrator and Moderator: not rate-limited
TOKEN_PATH = "/api/v1/users/token"  # answers with the login window's counters (15 per 5 min)
API_SUFFIX = "/api/v1"  # URLs copied from the API docs: the instance root is meant
FileParts = Mapping[str, Any]  # name -> (filename, bytes, type) or (None, value)


@dataclass(frozen=True)
class ClientSettings:
    rate_limit: tuple[int, float] | None = DEFAULT_RATE_LIMIT  # None: no client-side limit
    rate_limit_explicit: bool = False  # the user gave it: it caps administrators too
    parallelism_hint: int = 4
    timeout: tuple[float, float] = (10.0, 60.0)  # connect, read
    max_retries: int = 5
    retry_base: float = 0.5
    max_rate_limit_wait: float = 300.0
    insecure_http: bool = False
    chunk_size: int = 8 * 2**20
    use_token_cache: bool = True
    upload_processing_wait: float = 60.0  # see ptsync.peertube.upload.PROCESSING_WAIT


def check_transport(base_url: str, insecure_http: bool) -> str:
    """https, or http to a loopback host, or http with --insecure-http; else ConfigError."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{base_url!r} is not an http(s) URL")
    if parts.scheme == "http" and not insecure_http and not loopback(parts.hostname):
        raise ConfigError(
            f"refusing plain http to {parts.hostname}: credentials would cross the network "
            "unencrypted. Use https, or pass --insecure-http if you really mean it"
        )
    return base_url.rstrip("/")


def instance_root(url: str) -> str:
    """The instance URL without a trailing ``/api/v1`` (copied from the API docs)."""
    root = url.rstrip("/")
    if root.endswith(API_SUFFIX):
        root = root.removesuffix(API_SUFFIX).rstrip("/")
        log.info("%s: using the instance root %s (ptsync adds /api/v1 itself)", url, root)
    return root


class Sender(Protocol):
    """The one seam between ptsync and the network, like httpx's transport: every request of
    a client (login included) is one ``request`` call. The default is a pooled
    ``requests.Session``; tests and embedders pass their own (a recorder, canned answers)."""

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        json: Any = None,
        data: Any = None,
        files: Any = None,
        headers: Any = None,
        timeout: Any = None,
    ) -> requests.Response: ...

    def close(self) -> None: ...


def pooled_session(parallelism: int) -> requests.Session:
    """A thread-safe session with a connection pool as large as the work needs."""
    session = requests.Session()
    pool = max(10, parallelism * 2)
    adapter = HTTPAdapter(pool_connections=pool, pool_maxsize=pool)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class Transport:
    """One sender per instance; shared by threads (requests' pool is thread-safe)."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        settings: ClientSettings,
        sender: Sender | None = None,
    ):
        self.base_url = instance_root(check_transport(base_url, settings.insecure_http))
        self.settings = settings
        self.session: Sender = sender or pooled_session(settings.parallelism_hint)
        self._agent = f"ptsync/{__version__}"
        self.auth = Authenticator(self.base_url, credentials, use_cache=settings.use_token_cache)
        self.limiter = RateLimiter.shared(
            self.base_url, settings.rate_limit, explicit=settings.rate_limit_explicit
        )
        self._closed = False
        self.sent = 0
        self._count_lock = threading.Lock()
        self._exempt = False  # staff: PeerTube does not limit us, so neither do we
        self._answered = False  # the instance answered at least once in this run
        self._down: str | None = None  # why the instance is gone, once the retries ran out
        self._set_exempt(self.auth.role, "remembered from the last run")

    def close(self) -> None:
        self.session.close()
        if not self._closed:
            self._closed = True
            self.limiter.detach()

    def url(self, path: str) -> str:
        if path.startswith("//"):
            return f"{urlsplit(self.base_url).scheme}:{path}"
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    # ------------------------------------------------------------------------------ role

    def apply_role(self, role_id: int | None) -> None:
        """The account's PeerTube role (``/users/me`` → ``role.id``) decides the client-side
        limit: administrators and moderators get none unless ``--rate-limit`` was given.
        Remembered with the cached token, so the next run starts at the right speed."""
        self._set_exempt(role_id, "from /users/me")
        self.auth.remember_role(role_id)

    def _set_exempt(self, role_id: int | None, source: str) -> None:
        exempt = role_id in STAFF_ROLES and self.limiter.limited
        if exempt and not self._exempt:
            capped = " beyond --rate-limit" if self.limiter.explicit else ""
            log.info(
                "administrator or moderator (%s): PeerTube does not rate-limit it; "
                "no client-side limit%s",
                source,
                capped,
            )
        self._exempt = exempt

    # ------------------------------------------------------------------------------ calls

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        form: Mapping[str, Any] | None = None,
        files: FileParts | None = None,
        headers: Mapping[str, str] | None = None,
        data: Any = None,
        auth: bool = True,
        retry: bool | None = None,
        timeout: tuple[float, float] | None = None,
    ) -> requests.Response:
        """Send with retries (idempotent methods only unless ``retry``); raise typed errors."""
        should_retry = method in IDEMPOTENT if retry is None else retry
        attempts = self.settings.max_retries if should_retry else 1
        retrying = Retrying(
            stop=stop_after_attempt(max(1, attempts)),
            wait=wait_exponential(multiplier=self.settings.retry_base, max=20.0)
            + wait_random(0, self.settings.retry_base),
            retry=retry_if_exception(self._worth_retrying),
            reraise=True,
            before_sleep=lambda state: log.info(
                "%s %s failed (%s); retrying",
                method,
                path,
                state.outcome and state.outcome.exception(),
            ),
        )
        kwargs = dict(
            params=params, json_body=json_body, form=form, files=files, headers=headers, data=data
        )
        try:
            return retrying(self._once, method, path, auth=auth, timeout=timeout, **kwargs)
        except Unreachable as exc:
            self._down = exc.problem
            tried = int(retrying.statistics.get("attempt_number", 1))
            raise ServerUnreachable(method, _endpoint(path), exc.problem, attempts=tried) from None

    def _worth_retrying(self, exc: BaseException) -> bool:
        if isinstance(exc, ServerUnreachable) or self._down is not None:
            return False
        return isinstance(exc, ServerError | TransportError)

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        return decode(response, method, path)

    def _once(
        self,
        method: str,
        path: str,
        *,
        auth: bool,
        timeout: tuple[float, float] | None,
        **kwargs: Any,
    ) -> requests.Response:
        if self._down is not None:
            raise ServerUnreachable(method, _endpoint(path), self._down, attempts=0)
        waited = 0.0
        renewed = False
        while True:
            response, bearer = self._send(method, path, auth=auth, timeout=timeout, **kwargs)
            if response.status_code == 429:
                delay = _retry_after(response)
                waited += delay
                if waited > self.settings.max_rate_limit_wait:
                    raise _error(method, path, response)
                self._refused_anyway()
                log.info("rate limited on %s %s; waiting %.1fs", method, path, delay)
                self.limiter.pause_until(time.monotonic() + delay)
                continue
            if response.status_code == 401 and bearer and not renewed:
                if self.auth.credentials.token:
                    raise _error(method, path, response)
                self.auth.invalidate(bearer)
                renewed = True
                continue
            if response.status_code >= 400:
                raise _error(method, path, response)
            return response

    def _refused_anyway(self) -> None:
        """A 429 to a token believed exempt: its role changed; limit it like everyone else."""
        if self._exempt:
            log.info("rate limited although administrator or moderator: limiting again")
            self._exempt = False
            self.auth.remember_role(None)

    def _send(
        self,
        method: str,
        path: str,
        *,
        auth: bool,
        timeout: tuple[float, float] | None,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        form: Mapping[str, Any] | None = None,
        files: FileParts | None = None,
        headers: Mapping[str, str] | None = None,
        data: Any = None,
    ) -> tuple[requests.Response, str | None]:
        send_headers = {"User-Agent": self._agent, **(headers or {})}
        bearer = None
        if auth:
            bearer = self.auth.bearer(self._get_noauth, self._post_form_noauth)
            send_headers["Authorization"] = f"Bearer {bearer}"
        if hasattr(data, "rewind"):  # a chunk sent again after a 429 or 401 starts over
            data.rewind()
        sent = self.limiter.acquire(exempt=self._exempt)
        limits = timeout or self.settings.timeout
        try:
            response = self.session.request(
                method,
                self.url(path),
                params=params,
                json=json_body,
                data=form if form is not None else data,
                files=files,
                headers=send_headers,
                timeout=limits,
            )
        except requests.RequestException as exc:
            self.limiter.release()  # no answer to observe
            attempt = Attempt(method, _endpoint(path), self.url(path), limits, not self._answered)
            raise error_for(exc, attempt) from None
        except OSError as exc:  # e.g. REQUESTS_CA_BUNDLE names a file that does not exist
            self.limiter.release()
            raise ConfigError(f"{method} {_endpoint(path)}: {one_line(exc)}") from None
        except BaseException:
            self.limiter.release()
            raise
        finally:
            with self._count_lock:
                self.sent += 1
        self._answered, self._down = True, None
        elapsed = (time.monotonic() - sent) * 1000
        shown = response.request.path_url if response.request else path
        log.debug("%s %s -> %d (%.0f ms)", method, shown, response.status_code, elapsed)
        counters = {} if path.endswith(TOKEN_PATH) else response.headers
        self.limiter.observe(counters, sent)
        return response, bearer

    def _get_noauth(self, path: str) -> Any:
        return self.json("GET", path, auth=False)

    def _post_form_noauth(self, path: str, form: dict[str, str]) -> Any:
        response = self.call("POST", path, form=form, auth=False, retry=True)
        return decode(response, "POST", path)


def decode(response: requests.Response, method: str, path: str) -> Any:
    """The body as JSON, or BadResponse naming the endpoint (proxy pages, truncated bodies)."""
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        kind = response.headers.get("Content-Type", "no content type").split(";")[0]
        snippet = response.text[:80].replace("\n", " ").strip()
        raise BadResponse(method, path, f"not JSON ({kind}): {snippet!r}") from None


def role_id(user: Mapping[str, Any]) -> int | None:
    """``role.id`` of a ``/users/me`` answer (``role`` was a bare number in old versions)."""
    role = user.get("role")
    value = role.get("id") if isinstance(role, Mapping) else role
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _endpoint(path: str) -> str:
    return path.split("?")[0]


def _error(method: str, path: str, response: requests.Response) -> Exception:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text[:300]
    info = ErrorBody.from_json(response.status_code, body)
    cls = error_class_for_status(response.status_code, info.code)
    if cls is AuthenticationError and path.endswith("/users/token"):
        info.detail = info.detail or "login refused"
    return cls(method, _endpoint(path), info)


def _retry_after(response: requests.Response) -> float:
    headers = response.headers
    for name in ("Retry-After", "RateLimit-Reset"):
        value = headers.get(name)
        if value is not None:
            try:
                return max(0.0, min(float(value), 3600.0)) + 0.05
            except ValueError:
                continue
    try:
        reset = float(headers.get("X-RateLimit-Reset", ""))
    except ValueError:
        return 1.0
    return (reset_delay(reset) or 1.0) + 0.05

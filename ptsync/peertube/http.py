"""The transport under every PeerTube call: security, rate limit, retries, typed errors.

Retry policy, by what a repeat could do: GET, PUT and DELETE are idempotent and are retried
with exponential backoff and jitter on 5xx and connection errors; a POST that creates
something is never retried here (the caller checks for the video's marker first). A 429 is not
an error but an instruction: every thread waits out ``Retry-After`` and the request is sent
again, without using up a retry.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

from ptsync import __version__
from ptsync.errors import (
    AuthenticationError,
    BadResponse,
    ConfigError,
    ErrorBody,
    ServerError,
    TransportError,
    error_class_for_status,
)
from ptsync.peertube.auth import Authenticator, Credentials
from ptsync.peertube.ratelimit import RateLimiter, reset_delay

log = logging.getLogger("ptsync.http")
IDEMPOTENT = frozenset({"GET", "PUT", "DELETE", "HEAD"})
FileParts = Mapping[str, Any]  # name -> (filename, bytes, type) or (None, value)


@dataclass(frozen=True)
class ClientSettings:
    rate_limit: tuple[int, float] | None = (50, 10.0)
    parallelism_hint: int = 4
    timeout: tuple[float, float] = (10.0, 60.0)  # connect, read
    max_retries: int = 5
    retry_base: float = 0.5
    max_rate_limit_wait: float = 300.0
    insecure_http: bool = False
    chunk_size: int = 8 * 2**20
    use_token_cache: bool = True


def check_transport(base_url: str, insecure_http: bool) -> str:
    """https, or http to a loopback host, or http with --insecure-http; else ConfigError."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{base_url!r} is not an http(s) URL")
    if parts.scheme == "http" and not insecure_http and not _loopback(parts.hostname):
        raise ConfigError(
            f"refusing plain http to {parts.hostname}: credentials would cross the network "
            "unencrypted. Use https, or pass --insecure-http if you really mean it"
        )
    return base_url.rstrip("/")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Transport:
    """One session per instance; shared by threads (requests' pool is thread-safe)."""

    def __init__(self, base_url: str, credentials: Credentials, settings: ClientSettings):
        self.base_url = check_transport(base_url, settings.insecure_http)
        self.settings = settings
        self.session = requests.Session()
        pool = max(10, settings.parallelism_hint * 2)
        adapter = HTTPAdapter(pool_connections=pool, pool_maxsize=pool)
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.headers["User-Agent"] = f"ptsync/{__version__}"
        limit = settings.rate_limit
        self.limiter = RateLimiter(*limit) if limit else RateLimiter.unlimited()
        self.auth = Authenticator(self.base_url, credentials, use_cache=settings.use_token_cache)
        self.sent = 0
        self._count_lock = threading.Lock()
        self._exempt_checked = False

    def close(self) -> None:
        self.session.close()

    def url(self, path: str) -> str:
        if path.startswith("//"):
            return f"{urlsplit(self.base_url).scheme}:{path}"
        return path if path.startswith(("http://", "https://")) else self.base_url + path

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
            retry=retry_if_exception_type((ServerError, TransportError)),
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
        return retrying(self._once, method, path, auth=auth, timeout=timeout, **kwargs)

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
        waited = 0.0
        renewed = False
        while True:
            response, bearer = self._send(method, path, auth=auth, timeout=timeout, **kwargs)
            if response.status_code == 429:
                delay = _retry_after(response)
                waited += delay
                if waited > self.settings.max_rate_limit_wait:
                    raise _error(method, path, response)
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
        send_headers = dict(headers or {})
        bearer = None
        if auth:
            bearer = self.auth.bearer(self._get_noauth, self._post_form_noauth)
            send_headers["Authorization"] = f"Bearer {bearer}"
        if hasattr(data, "rewind"):  # a chunk sent again after a 429 or 401 starts over
            data.rewind()
        self.limiter.acquire()
        started = time.monotonic()
        try:
            try:
                response = self.session.request(
                    method,
                    self.url(path),
                    params=params,
                    json=json_body,
                    data=form if form is not None else data,
                    files=files,
                    headers=send_headers,
                    timeout=timeout or self.settings.timeout,
                )
            except BaseException:
                self.limiter.release()  # no answer to observe
                raise
        except requests.Timeout:
            raise TransportError(method, path, "timed out") from None
        except requests.exceptions.SSLError as exc:  # not transient: never retried
            raise ConfigError(
                f"{method} {path}: TLS certificate verification failed ({_reason(exc)}); "
                "for a private CA set REQUESTS_CA_BUNDLE"
            ) from None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            raise TransportError(method, path, f"connection failed ({_reason(exc)})") from None
        except OSError as exc:  # e.g. REQUESTS_CA_BUNDLE names a file that does not exist
            raise ConfigError(f"{method} {path}: {_reason(exc)}") from None
        finally:
            with self._count_lock:
                self.sent += 1
        elapsed = (time.monotonic() - started) * 1000
        shown = response.request.path_url if response.request else path
        log.debug("%s %s -> %d (%.0f ms)", method, shown, response.status_code, elapsed)
        # /users/token answers with the login window's counters (15 per 5 min), not the API's
        counters = response.headers if auth else {}
        if self.limiter.observe(counters) and auth and not self._exempt_checked:
            self._check_exempt()
        return response, bearer

    def _check_exempt(self) -> None:
        """The window ran out: if we are staff, PeerTube does not limit us, so neither do we."""
        self._exempt_checked = True
        try:
            response, _ = self._send("GET", "/api/v1/users/me", auth=True, timeout=None)
            me = response.json() if response.ok else {}
        except (TransportError, ValueError):
            return
        role = (me.get("role") or {}).get("id") if isinstance(me, dict) else None
        if role in (0, 1):
            log.info("admin or moderator token: PeerTube does not rate-limit it")
            self.limiter.make_unlimited()

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


def _error(method: str, path: str, response: requests.Response) -> Exception:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text[:300]
    info = ErrorBody.from_json(response.status_code, body)
    cls = error_class_for_status(response.status_code, info.code)
    if cls is AuthenticationError and path.endswith("/users/token"):
        info.detail = info.detail or "login refused"
    return cls(method, path.split("?")[0], info)


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


def _reason(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 160 else text[:157] + "..."

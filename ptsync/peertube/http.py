"""The transport under every PeerTube call: security, rate limit, retries, typed errors.

Retry policy, by what a repeat could do: GET, PUT and DELETE are idempotent and are retried
with exponential backoff and jitter on 5xx and connection errors; a POST that creates
something is never retried here (the caller checks for the video's marker first). A 429 is not
an error but an instruction: every thread waits out ``Retry-After`` and the request is sent
again, without using up a retry.

One retry budget per request: ``max_retries`` attempts, and logging in on the way (the OAuth
client, the token) is part of an attempt, never retried on its own. A failure while logging in
happened before the request went out, so it is retried whatever the method.

Failures to connect are judged by what came before: an instance that never answered in this
run is a wrong URL or a server that is down, reported at once in one line
(``ServerUnreachable.first_contact``); one that answered before and then cannot be reached
after the retries has gone away. A server that accepts connections but lets a request spend
all its retries on timeouts counts as not answering only when no other request got an answer
since that request's first timeout: a hung server ends the run within one retry budget, while
a slow one that still answers others fails just the request that waited too long (its item),
never the run. Either way a server found gone fails every later request at once, so a run
stops within one retry budget instead of one per item. ``deadline`` bounds the whole run.

Redirects are followed only for GET within the instance's origin (scheme, host and port): a
redirect anywhere else is an error naming the target, so the bearer token and the login form
(password, refresh token, client secret) never travel to another origin. Every answer is read
up to a cap (``ptsync.peertube.sender``).

Every wait and every measure of time here (backoff, a 429's pause, the rate limiter, the
deadline, token lifetimes) reads ``settings.clock`` (``ptsync.clock``: the real one unless a
test shares a ``FakeClock`` with the fake PeerTube); socket timeouts stay real.
"""

from __future__ import annotations

import logging
import math
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from ptsync import __version__, redact
from ptsync.clock import SYSTEM, Clock
from ptsync.errors import (
    AnswerTooLarge,
    AuthenticationError,
    ConfigError,
    DeadlineExceeded,
    PtsyncError,
    Redirected,
    ServerError,
    ServerUnreachable,
    TimedOut,
    TransportError,
    Unreachable,
)
from ptsync.options import DEFAULTS
from ptsync.peertube.answers import TOKEN_PATH, decode, endpoint, error_for_answer, retry_after
from ptsync.peertube.auth import Authenticator, Credentials
from ptsync.peertube.failures import Attempt, error_for, one_line
from ptsync.peertube.origins import MAX_HOPS, check_instance_url, instance_root, origin, resolve
from ptsync.peertube.ratelimit import RateLimiter
from ptsync.peertube.sender import (
    MAX_ANSWER,
    MAX_AUTH_ANSWER,
    Answer,
    RequestsSender,
    Sender,
    size_text,
)

__all__ = ["Answer", "ClientSettings", "Sender", "Transport", "decode"]

log = logging.getLogger("ptsync.http")
IDEMPOTENT = frozenset({"GET", "PUT", "DELETE", "HEAD"})
FOLLOWED = frozenset({"GET", "HEAD"})  # redirects followed (within the instance) only for these
STAFF_ROLES = frozenset({0, 1})  # PeerTube's Administrator and Moderator: not rate-limited
FileParts = Mapping[str, Any]  # name -> (filename, bytes, type) or (None, value)


@dataclass(frozen=True)
class ClientSettings:
    """How a client talks to its instance. A Run derives every field from its ``Options``
    (``ptsync.session.client_settings``); the defaults here are the same ones (``DEFAULTS``)."""

    rate_limit: tuple[int, float] | None = DEFAULTS.rate_limit  # None: no client-side limit
    rate_limit_explicit: bool = False  # the user gave it: it caps administrators too
    parallelism_hint: int = DEFAULTS.parallelism
    timeout: tuple[float, float] = (DEFAULTS.connect_timeout, DEFAULTS.timeout)  # connect, read
    max_retries: int = DEFAULTS.max_retries  # attempts per request, login included
    retry_base: float = DEFAULTS.retry_base  # backoff: base * 2^(attempt-1), at most 20 s, + base
    deadline: float | None = DEFAULTS.deadline  # seconds for every request of the client together
    max_rate_limit_wait: float = DEFAULTS.max_rate_limit_wait
    insecure_http: bool = DEFAULTS.insecure_http
    chunk_size: int = DEFAULTS.chunk_size
    use_token_cache: bool = DEFAULTS.use_cache
    upload_processing_wait: float = DEFAULTS.upload_processing_wait
    clock: Clock = field(default=SYSTEM, compare=False)  # backoff, rate limit, waits


class _LoginFailed(Exception):
    """Logging in failed on the way to a request, which therefore was not sent."""

    def __init__(self, error: PtsyncError):
        super().__init__(str(error))
        self.error = error


class Transport:
    """One sender per instance; shared by threads (requests' pool is thread-safe).

    ``credentials`` None: an anonymous transport (another instance's public API, listed for
    a mirror): it holds no token, logs in nowhere and sends no ``Authorization``; the rest
    (retries, rate limit, caps, redirects only within its origin) is the same."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials | None,
        settings: ClientSettings,
        sender: Sender | None = None,
    ):
        self.base_url = instance_root(check_instance_url(base_url, settings.insecure_http))
        self.settings = settings
        self.clock = settings.clock
        self.sender: Sender = sender or RequestsSender(settings.parallelism_hint)
        self._agent = f"ptsync/{__version__}"
        self.auth = (
            Authenticator(
                self.base_url, credentials, use_cache=settings.use_token_cache, clock=self.clock
            )
            if credentials is not None
            else None
        )
        self.limiter = RateLimiter.shared(
            self.base_url,
            settings.rate_limit,
            explicit=settings.rate_limit_explicit,
            clock=self.clock,
        )
        self._closed = False
        self._exempt = False  # staff: PeerTube does not limit us, so neither do we
        self._answered = False  # the instance answered at least once in this run
        self._answers = 0  # answers received so far (any request, any status)
        self._answers_lock = threading.Lock()
        self._down: str | None = None  # why the instance is gone, once the retries ran out
        self._started = self.clock.monotonic()
        self._set_exempt(self.auth.role if self.auth else None, "remembered from the last run")

    def close(self) -> None:
        self.sender.close()
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
        if self.auth is not None:
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

    def token_at_hand(self) -> bool:
        """A token can go with a request without logging in first (public requests go
        without one while a login is under way); none without credentials."""
        return self.auth is not None and self.auth.ready()

    # ------------------------------------------------------------------------------ calls

    def call(
        self,
        method: str,
        path: str,
        *,
        auth: bool = True,
        retry: bool | None = None,
        timeout: tuple[float, float] | None = None,
        limit: int = MAX_ANSWER,
        **parts: Any,
    ) -> Answer:
        """Send within one retry budget (idempotent methods only unless ``retry``); raise
        typed errors. ``parts``: params, json_body, form, files, headers, data."""
        idempotent = method in IDEMPOTENT if retry is None else retry
        budget = max(1, self.settings.max_retries)
        where = endpoint(path)
        attempt = timeouts = 0
        silent_since: int | None = None  # answers seen when this request's first timeout began
        while True:
            attempt += 1
            self._check_running(method, where)
            answers = self._answers
            try:
                return self._once(method, path, auth, timeout, limit, parts)
            except _LoginFailed as failed:
                error: PtsyncError = failed.error
                again = True  # the request itself was not sent
            except (ServerError, TransportError) as exc:
                error, again = exc, idempotent
            if isinstance(error, TimedOut):
                timeouts += 1
                silent_since = answers if silent_since is None else silent_since
            if not (again and attempt < budget and self._worth_retrying(error)):
                silent = silent_since is not None and self._answers == silent_since
                raise self._given_up(error, method, where, attempt, timeouts, silent) from None
            log.info("%s %s failed (%s); retrying", method, where, error)
            self._pause(attempt, error)

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        return decode(self.call(method, path, **kwargs), method, path)

    def _worth_retrying(self, error: PtsyncError) -> bool:
        if isinstance(error, ServerUnreachable) or self._down is not None:
            return False
        return isinstance(error, ServerError | TransportError)

    def _given_up(
        self,
        error: PtsyncError,
        method: str,
        where: str,
        attempts: int,
        timeouts: int,
        silent: bool,
    ) -> PtsyncError:
        """The error a request ends with; a server found gone or silent fails later ones.

        ``silent``: no request got an answer since this one first timed out. Without it, the
        server is slow, not gone: the timeout stays this request's own failure."""
        if isinstance(error, Unreachable):
            self._down = error.problem
            return ServerUnreachable(method, where, error.problem, attempts=attempts)
        if isinstance(error, TimedOut) and attempts > 1 and timeouts == attempts and silent:
            return self._not_answering(error, method, where, attempts)
        if isinstance(error, TimedOut) and attempts > 1:
            return TimedOut(method, where, error.seconds, attempts)
        return error

    def _not_answering(
        self, error: TimedOut, method: str, where: str, attempts: int
    ) -> ServerUnreachable:
        silence = f"no answer within {error.seconds:g} s"
        if not self._answered:
            self._down = f"{self.base_url} accepts connections but does not answer: {silence}"
            text = f"{self._down} ({method} {where}, {attempts} attempts)"
            return ServerUnreachable(method, where, text, first_contact=True)
        self._down = f"the server stopped answering: {silence}"
        return ServerUnreachable(method, where, self._down, attempts=attempts)

    def _check_running(self, method: str, where: str) -> None:
        if self._down is not None:
            raise ServerUnreachable(method, where, self._down, attempts=0)
        if self._remaining() <= 0:
            assert self.settings.deadline is not None
            raise DeadlineExceeded(method, where, self.settings.deadline)

    def _remaining(self) -> float:
        if self.settings.deadline is None:
            return math.inf
        return self.settings.deadline - (self.clock.monotonic() - self._started)

    def _pause(self, attempt: int, error: PtsyncError) -> None:
        """Exponential backoff with jitter; a lost serialisation race only a moment's jitter:
        the server is fine, another of this run's writes was in the way (PostgreSQL's advice
        is to retry at once), and every pause in a rate-limited run's last window is time
        added to the whole run."""
        base = self.settings.retry_base
        delay = min(20.0, base * 2 ** (attempt - 1)) + random.uniform(0, base)
        if lost_a_race(error):
            delay = random.uniform(0, base / 5)
        self.clock.sleep(max(0.0, min(delay, self._remaining())))

    def _once(
        self,
        method: str,
        path: str,
        auth: bool,
        timeout: tuple[float, float] | None,
        limit: int,
        parts: dict[str, Any],
    ) -> Answer:
        """One attempt: log in if needed, send, renew a refused token once. A token that
        cannot be renewed (``PEERTUBE_TOKEN``) or is refused right after its renewal makes the
        credentials refused for the rest of the run (``Authenticator.refuse``)."""
        renewed = False
        while True:
            bearer = self._bearer() if auth and self.auth is not None else None
            try:
                return self._exchange(method, path, bearer, timeout, limit, **parts)
            except AuthenticationError as exc:
                if exc.status != 401 or bearer is None or self.auth is None:
                    raise
                if renewed or self.auth.credentials.token:
                    raise self.auth.refuse(exc, self.base_url) from None
                self.auth.invalidate(bearer)
                renewed = True

    def _bearer(self) -> str:
        assert self.auth is not None
        try:
            return self.auth.bearer(self._login_get, self._login_post)
        except (ServerError, TransportError) as exc:
            raise _LoginFailed(exc) from None

    def _login_get(self, path: str) -> Any:
        answer = self._exchange("GET", path, None, None, MAX_AUTH_ANSWER)
        return decode(answer, "GET", path)

    def _login_post(self, path: str, form: dict[str, str]) -> Any:
        answer = self._exchange("POST", path, None, None, MAX_AUTH_ANSWER, form=form)
        return decode(answer, "POST", path)

    def _exchange(
        self,
        method: str,
        path: str,
        bearer: str | None,
        timeout: tuple[float, float] | None,
        limit: int,
        *,
        params: Mapping[str, Any] | None = None,
        **parts: Any,
    ) -> Answer:
        """Send until there is an answer to judge: 429s waited out, redirects within the
        instance followed (GET only); a typed error for anything but success."""
        url, waited, hops = self.url(path), 0.0, 0
        while True:
            answer = self._send(method, url, bearer, timeout, limit, params=params, **parts)
            if answer.status == 429:
                waited = self._wait_out(method, path, answer, waited, bearer is not None)
                continue
            if answer.redirect is not None:
                url, hops, params = self._follow(method, path, url, answer, hops), hops + 1, None
                continue
            if answer.status >= 400:
                raise error_for_answer(method, path, answer)
            if answer.truncated or len(answer.body) > limit:
                raise AnswerTooLarge(method, endpoint(path), size_text(limit))
            return answer

    def _wait_out(
        self, method: str, path: str, answer: Answer, waited: float, authenticated: bool
    ) -> float:
        delay = retry_after(answer, now=self.clock.time())
        if waited + delay > self.settings.max_rate_limit_wait:
            raise error_for_answer(method, path, answer)
        if authenticated:  # PeerTube limits a request without a token whoever sends it
            self._refused_anyway()
        log.info("rate limited on %s %s; waiting %.1fs", method, endpoint(path), delay)
        self.limiter.pause_until(self.clock.monotonic() + delay)
        return waited + delay

    def _follow(self, method: str, path: str, url: str, answer: Answer, hops: int) -> str:
        """The redirect's target, if it may be followed; else Redirected naming it."""
        assert answer.redirect is not None
        target = resolve(url, answer.redirect)
        why = None
        if origin(target) != origin(self.base_url):
            why = (
                f"another origin than {self.base_url}: not followed, so no credential leaves "
                "the instance (if the instance moved, use its new URL)"
            )
        elif method not in FOLLOWED:
            why = f"not followed for a {method} (only GETs are)"
        elif hops >= MAX_HOPS:
            why = f"not followed after {MAX_HOPS} redirects"
        if why is not None:
            raise Redirected(method, endpoint(path), answer.status, redact.url(target), why)
        log.debug("%s %s: redirected within the instance to %s", method, path, target)
        return target

    def _refused_anyway(self) -> None:
        """A 429 to a token believed exempt: its role changed; limit it like everyone else."""
        if self._exempt:
            log.info("rate limited although administrator or moderator: limiting again")
            self._exempt = False
            if self.auth is not None:
                self.auth.remember_role(None)

    def _send(
        self,
        method: str,
        url: str,
        bearer: str | None,
        timeout: tuple[float, float] | None,
        limit: int,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        form: Mapping[str, Any] | None = None,
        files: FileParts | None = None,
        headers: Mapping[str, str] | None = None,
        data: Any = None,
    ) -> Answer:
        send_headers = {"User-Agent": self._agent, **(headers or {})}
        if bearer is not None:
            send_headers["Authorization"] = f"Bearer {bearer}"
        if hasattr(data, "rewind"):  # a chunk sent again after a 429 or 401 starts over
            data.rewind()
        limits = self._limits(timeout)
        request = {
            "params": params,
            "json": json_body,
            "data": form if form is not None else data,
            "files": files,
            "headers": send_headers,
            "timeout": limits,
            "limit": limit,
        }
        with self.clock.exchange():  # a FakeClock holds time while the server works on it
            return self._counted(method, url, request)

    def _counted(self, method: str, url: str, request: dict[str, Any]) -> Answer:
        """One request under the rate limiter: acquired, sent, its answer's counters read."""
        where = endpoint(urlsplit(url).path)
        exempt = self._exempt and "Authorization" in request["headers"]  # staff's own requests
        sent = self.limiter.acquire(exempt=exempt)
        try:
            answer = self.sender.request(method, url, **request)
        except requests.RequestException as exc:
            self.limiter.release()  # no answer to observe
            attempt = Attempt(method, where, url, request["timeout"], not self._answered)
            raise error_for(exc, attempt) from None
        except OSError as exc:  # e.g. REQUESTS_CA_BUNDLE names a file that does not exist
            self.limiter.release()
            raise ConfigError(f"{method} {where}: {one_line(exc)}") from None
        except BaseException:
            self.limiter.release()
            raise
        with self._answers_lock:
            self._answers += 1
        self._answered, self._down = True, None
        if log.isEnabledFor(logging.DEBUG):
            elapsed = (self.clock.monotonic() - sent) * 1000
            shown = redact.text(_path_url(method, url, request["params"]))
            log.debug("%s %s -> %d (%.0f ms)", method, shown, answer.status, elapsed)
        counters = {} if where.endswith(TOKEN_PATH) else answer.headers
        self.limiter.observe(counters, sent)
        return answer

    def _limits(self, timeout: tuple[float, float] | None) -> tuple[float, float]:
        """The request's (connect, read) timeouts, shortened to what the deadline leaves."""
        connect, read = timeout or self.settings.timeout
        left = self._remaining()
        return (min(connect, left), min(read, left)) if left < math.inf else (connect, read)


def lost_a_race(error: PtsyncError) -> bool:
    """PostgreSQL aborted the request's SERIALIZABLE transaction for another one running
    beside it (PeerTube: 500 "could not serialize access due to read/write dependencies among
    transactions"); the same request succeeds when sent again."""
    return (
        isinstance(error, ServerError)
        and error.status == 500
        and "could not serialize access" in (error.body.detail or "")
    )


def role_id(user: Mapping[str, Any]) -> int | None:
    """``role.id`` of a ``/users/me`` answer (``role`` was a bare number in old versions)."""
    role = user.get("role")
    value = role.get("id") if isinstance(role, Mapping) else role
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _path_url(method: str, url: str, params: Mapping[str, Any] | None) -> str:
    prepared = requests.Request(method, url, params=params).prepare()
    return prepared.path_url

"""Every error ptsync raises on purpose, and the exit code each one maps to.

One tree, so that the CLI has exactly one handler and library users one thing to catch::

    PtsyncError                      exit 1 unless a subclass says otherwise
    ├── ManifestError                one or more manifest problems, each with file:line:col
    │   └── VocabularyMiss           a label or channel unknown to the (maybe stale) vocabulary
    ├── ConfigError                  missing credentials or URL, refused insecure transport
    │   ├── PasswordProblem          a video's passwords variable is unset or breaks the rules
    │   ├── CredentialsProblem       a source's credentials variable is unset or malformed
    │   └── MissingExtra             an optional extra is not installed (yt-dlp for mirrors)
    ├── PeerTubeError                the server answered with an error (RFC 7807 body kept)
    │   ├── AuthenticationError      401, invalid_grant, bad refresh token
    │   │   └── CredentialsRefused   the run's token or password is refused for good: stop
    │   ├── PermissionDenied         403
    │   │   └── SyncsDisabled        403: the instance disabled channel synchronisation
    │   ├── NotFound                 404
    │   ├── RequestRejected          400 / 409 / 413 / other 4xx: PeerTube refused the input
    │   │   └── QuotaExceeded        413 quota_reached
    │   ├── RateLimited              429 that could not be waited out
    │   └── ServerError              5xx after retries
    ├── UpstreamError                a mirror's source cannot be listed (kind: UpstreamFailure)
    ├── TransportError               connection refused / reset / timeout after retries
    │   ├── TimedOut                 no answer in time: the server may still have acted
    │   ├── ServerUnreachable        refused / unknown host / never answers: apply stops
    │   │   └── DeadlineExceeded     the run's deadline (Options.deadline) passed
    │   ├── Unreachable              one attempt could not connect (retried, then the above)
    │   └── UploadInterrupted        an upload's outcome is unknown: it may have created one
    │       ├── UploadSessionGone    the session is gone after its last chunk (video created)
    │       └── UploadWedged         the session stayed "being processed" past the wait
    ├── BadResponse                  not JSON, truncated, missing fields: names the endpoint
    │   ├── AnswerTooLarge           an answer over its size cap (reading stopped there)
    │   └── Redirected               a redirect ptsync does not follow (another origin)
    ├── NotifyFailed                 apply's changes were made, but the webhook failed
    ├── UnknownChannel               a change names a channel the account does not have
    ├── SourceMismatch               a create or replace names a URL its entry does not have
    ├── PlanFileError                unreadable or foreign plan file
    ├── ApplyFailed                  apply finished but some items failed (report has them)
    └── Refused                      exit 4: ptsync refused to act for safety
        ├── TooMuchChange            updates or deletes above the safety thresholds
        ├── StalePlan                saved plan no longer matches the server or manifest
        └── UntrustedPlan            saved plan edited, or aimed at videos not this system's

``Interrupted`` stands apart: a BaseException like KeyboardInterrupt (no ``except Exception``
swallows it), raised by the CLI's signal handler before any change was started; its exit code
is 128 + the signal number. Anything else escaping to the CLI is a bug: exit 3 with the
traceback in a log file.
"""

from __future__ import annotations

import signal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ptsync import redact
from ptsync.sourceref import SourceRef

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_CHANGES = 2
EXIT_BUG = 3
EXIT_REFUSED = 4
EXIT_INTERRUPTED = 130


class PtsyncError(Exception):
    """Base of every expected failure; ``str()`` is the one-line message users see."""

    exit_code = EXIT_ERROR


@dataclass(frozen=True)
class Problem:
    """One manifest problem: where it is and what is wrong, in the user's terms."""

    ref: SourceRef
    message: str

    def __str__(self) -> str:
        where = f"{self.ref}: " if self.ref.line else f"{self.ref.file}: "
        path = f"{self.ref.path}: " if self.ref.path else ""
        return f"{where}{path}{self.message}"


class ManifestError(PtsyncError):
    """All problems found in the manifests, reported together (users fix them in one pass)."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.ref.file, p.ref.line, p.ref.col))
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(PtsyncError):
    """The run cannot start: no instance URL, no credentials, insecure transport refused."""


@dataclass
class ErrorBody:
    """PeerTube's RFC 7807-like error body, kept whole so messages can quote it."""

    status: int
    title: str | None = None
    detail: str | None = None
    type: str | None = None
    code: str | None = None
    invalid_params: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, status: int, body: Any) -> ErrorBody:
        if not isinstance(body, Mapping):
            text = " ".join(body.split()) if isinstance(body, str) else None  # one line
            return cls(status=status, detail=text or None)
        params = body.get("invalid-params")
        return cls(
            status=int(body.get("status") or status),
            title=body.get("title"),
            detail=body.get("detail") or body.get("error"),
            type=body.get("type"),
            code=body.get("code"),
            invalid_params=params if isinstance(params, Mapping) else {},
        )

    def summary(self) -> str:
        """`detail`, plus each invalid parameter's message: what a user needs to fix it."""
        parts = [self.detail or self.title or f"HTTP {self.status}"]
        for name, info in self.invalid_params.items():
            msg = info.get("msg") if isinstance(info, Mapping) else info
            parts.append(f"{name}: {msg}")
        return " ".join("; ".join(str(p) for p in parts).split())


class PeerTubeError(PtsyncError):
    """The server answered a request with an error status."""

    def __init__(self, method: str, endpoint: str, body: ErrorBody):
        self.method = method
        self.endpoint = endpoint
        self.body = body
        self.status = body.status
        super().__init__(f"{method} {endpoint}: {body.status} {body.summary()}")


class AuthenticationError(PeerTubeError):
    pass


class CredentialsRefused(AuthenticationError):
    """The server no longer accepts the run's credentials: a ``PEERTUBE_TOKEN`` it revoked, a
    password it refuses (changed, account blocked...). Every later request would fail alike,
    so nothing more is sent with them and an apply stops; ``str()`` says what to do."""

    def __init__(self, refused: PeerTubeError, text: str):
        super().__init__(refused.method, refused.endpoint, refused.body)
        self.args = (text,)


class PermissionDenied(PeerTubeError):
    pass


class NotFound(PeerTubeError):
    pass


class RequestRejected(PeerTubeError):
    pass


class QuotaExceeded(RequestRejected):
    pass


class RateLimited(PeerTubeError):
    pass


class ServerError(PeerTubeError):
    pass


class TransportError(PtsyncError):
    """No usable answer: connection refused or reset, or timed out, after retries."""

    def __init__(self, method: str, endpoint: str, reason: str):
        self.method = method
        self.endpoint = endpoint
        super().__init__(f"{method} {endpoint}: {reason}")


class BadResponse(PtsyncError):
    """The server answered 2xx with something ptsync cannot read (proxy page, truncated JSON)."""

    def __init__(self, method: str, endpoint: str, reason: str):
        self.method = method
        self.endpoint = endpoint
        super().__init__(f"{method} {endpoint}: unexpected response: {reason}")


class PlanFileError(PtsyncError):
    pass


class ApplyFailed(PtsyncError):
    """Apply ran to the end but some items failed; the report lists them."""

    def __init__(self, failed: int, total: int):
        self.failed = failed
        super().__init__(f"{failed} of {total} changes failed")


class Refused(PtsyncError):
    exit_code = EXIT_REFUSED


class TooMuchChange(Refused):
    pass


class StalePlan(Refused):
    pass


class UntrustedPlan(Refused):
    """A saved plan that cannot be trusted as written: its digest does not fit its contents,
    or a change touches a video this system does not own (or names a file or a source its
    manifests do not). Unlike a stale plan, planning again is not just a formality."""


# OAuth's refusals, and PeerTube's own reasons to refuse a login (8.1+; 8.0: access_denied)
LOGIN_CODES = frozenset(
    {
        "invalid_grant",
        "invalid_token",
        "invalid_client",
        "access_denied",
        "account_blocked",
        "email_not_verified",
        "too_long_password",
    }
)


def error_class_for_status(status: int, code: str | None = None) -> type[PeerTubeError]:
    """Map an HTTP status (and PeerTube's error ``code``) to the exception to raise."""
    if status == 401 or code in LOGIN_CODES:
        return AuthenticationError
    if status == 403:
        return PermissionDenied
    if status == 404:
        return NotFound
    if status == 429:
        return RateLimited
    if status >= 500:
        return ServerError
    if code == "quota_reached":
        return QuotaExceeded
    return RequestRejected


# --- transport failures, by what the caller should do next (appended: see TransportError) ---


class TimedOut(TransportError):
    """No answer within the read timeout (``seconds``). The server may still finish the
    request (PeerTube answers an import only after fetching the URL): look for a create's
    result before sending it again."""

    def __init__(self, method: str, endpoint: str, seconds: float, attempts: int = 1):
        self.seconds, self.attempts = seconds, attempts
        tried = f", {attempts} attempts" if attempts > 1 else ""
        super().__init__(method, endpoint, f"timed out (no answer within {seconds:g} s{tried})")


class ServerUnreachable(TransportError):
    """The instance cannot be reached at all: connection refused, unknown host, no route, no
    answer to connect; or it accepts connections but let a request spend all its retries
    without an answer. Nothing else in this run can succeed, so stop starting new work.

    ``first_contact``: not one answer came from the instance in this run (a wrong URL, a server
    that is down), and the message is one line naming the URL. Otherwise the server went away
    mid-run: the message names the request that failed, after ``attempts`` tries (0: not sent,
    because an earlier request had already found the server gone).
    """

    def __init__(
        self,
        method: str,
        endpoint: str,
        problem: str,
        *,
        first_contact: bool = False,
        attempts: int = 1,
    ):
        self.method, self.endpoint, self.problem = method, endpoint, problem
        self.first_contact, self.attempts = first_contact, attempts
        if first_contact:
            text = problem
        elif attempts == 0:
            text = f"{method} {endpoint}: not sent: {problem}"
        else:
            tried = f" (gave up after {attempts} attempts)" if attempts > 1 else ""
            text = f"{method} {endpoint}: {problem}{tried}"
        PtsyncError.__init__(self, text)


class UnknownChannel(PtsyncError):
    """A change names a channel the account does not have (it was deleted since the plan)."""


class SyncsDisabled(PermissionDenied):
    """403 from a channel-sync route: the instance's admin has not enabled synchronisation."""

    SETTING = "import.video_channel_synchronization.enabled"

    def __init__(self, method: str, endpoint: str, body: ErrorBody):
        super().__init__(method, endpoint, body)
        PtsyncError.__init__(
            self,
            f"{method} {endpoint}: channel synchronisation is disabled on this instance "
            f"(its admin must set {self.SETTING}: true)",
        )


class DeadlineExceeded(ServerUnreachable):
    """The run's deadline (``ClientSettings.deadline``) has passed: nothing more is sent, and
    apply stops starting new work, as for a server that went away."""

    def __init__(self, method: str, endpoint: str, deadline: float):
        super().__init__(
            method, endpoint, f"the run's deadline of {deadline:g} s has passed", attempts=0
        )


class AnswerTooLarge(BadResponse):
    """An answer longer than its cap (``ptsync.peertube.sender``): reading stopped at the cap,
    so an endless or huge answer costs no more memory than that."""

    def __init__(self, method: str, endpoint: str, cap: str):
        super().__init__(method, endpoint, f"the answer is larger than {cap} (stopped reading)")


class Redirected(BadResponse):
    """The server answered with a redirect ptsync does not follow: to another origin (a
    credential would travel there), or for a request that is not a GET. ``target`` is shown
    redacted."""

    def __init__(self, method: str, endpoint: str, status: int, target: str, why: str):
        self.method, self.endpoint, self.status, self.target = method, endpoint, status, target
        PtsyncError.__init__(
            self, f"{method} {endpoint}: the server redirected ({status}) to {target}; {why}"
        )


class VocabularyMiss(ManifestError):
    """A label or channel the instance does not know (the cached vocabulary may be stale)."""


class PasswordProblem(ConfigError):
    """The variable is missing or its passwords break PeerTube's rules; the message names the
    variable and the password's position, never a value."""


class CredentialsProblem(ConfigError):
    """A source's credentials variable is unset or has neither form; the message never holds
    its value."""


class MissingExtra(ConfigError):
    """An optional dependency is not installed (yt-dlp, for mirrors): one line saying which
    extra brings it."""

    def __init__(self, url: str, extra: str = "mirrors"):
        self.url = redact.url(url)
        super().__init__(
            f"{self.url}: listing this source needs yt-dlp, which is not installed: "
            f"pip install 'ptsync[{extra}]'"
        )


class UpstreamFailure(StrEnum):
    UNSUPPORTED = "unsupported"  # no extractor (and not a feed) understands the URL
    UNREACHABLE = "unreachable"  # no answer, or an HTTP error answer
    NEEDS_SIGN_IN = "needs sign-in"  # the platform wants cookies or a login
    NO_GUIDS = "no guids"  # a feed whose items carry no guid: no stable identity
    FAILED = "failed"  # the platform answered something the extractor could not read


class UpstreamError(PtsyncError):
    """A mirror's source ``url`` could not be listed; ``str()`` is one line naming it
    (redacted). Nothing is known about its entries, so a plan must not treat them as gone."""

    def __init__(self, kind: UpstreamFailure, url: str, detail: str):
        self.kind = kind
        self.url = redact.url(url)
        self.detail = redact.line(detail)
        super().__init__(f"{self.url}: {kind.value}: {self.detail}")


class Unreachable(TransportError):
    """One attempt could not connect (retried); the transport turns the last one into
    ServerUnreachable once its retries are spent."""

    def __init__(self, method: str, endpoint: str, problem: str):
        super().__init__(method, endpoint, problem)
        self.problem = problem


class UploadInterrupted(TransportError):
    """The upload's outcome is unknown to this client: the server may have created the video
    (look for it by its marker before uploading again)."""

    def __init__(self, location: str, reason: str):
        super().__init__("PUT", location.split("?")[0], reason)
        self.location = location


class UploadSessionGone(UploadInterrupted):
    """The session answers 404 after its last chunk was sent: the server finished with it,
    usually by creating the video (look for it by its marker)."""


class UploadWedged(UploadInterrupted):
    """The session kept answering "already being processed" past the processing wait
    (``Options.upload_processing_wait``); it is cancelled, not resumed forever."""


class SourceMismatch(PtsyncError):
    """A create or a replace names a source URL its manifest entry does not have."""


class NotifyFailed(PtsyncError):
    """Apply made its changes, but the ``--notify`` webhook could not be told (exit 1, so a
    CI job that relies on the notification notices)."""

    def __init__(self, problem: str):
        self.problem = problem
        super().__init__(f"the changes were applied, but the notification failed: {problem}")


def exit_code_for(signum: int) -> int:
    """128 + the signal number: how shells report a process a signal ended."""
    return 128 + signum


class Interrupted(BaseException):
    """A signal before any change was started; ``exit_code`` is 128 + the signal number.

    A BaseException like KeyboardInterrupt (no ``except Exception`` swallows it), but not a
    KeyboardInterrupt: typer turns those into a silent exit 130."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.exit_code = exit_code_for(signum)

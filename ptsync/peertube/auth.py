"""OAuth2 for PeerTube: password grant once, then the cached token, refreshed when it expires.

PeerTube allows 15 logins per 5 minutes per IP, so CI jobs that log in on every run soon get
refused: tokens are cached in a 0600 file under the user cache dir and renewed with the
``refresh_token`` grant. The file is named by a keyed hash of instance, user *and password*
(``cachefiles.keyed_hash``): a changed password finds no token and logs in, so a wrong or
rotated-out password never works through the cache, and the successful login removes the
account's older token files. ``PEERTUBE_TOKEN`` is used as is. Secrets never reach logs,
exception messages or reprs. The cache also remembers the account's role, so that the next run
knows from its first request whether PeerTube rate-limits it.

Tokens end before their time: PeerTube 8.1.8 revoked every token of the instances it was
installed on, and 8.2.2 revokes a user's tokens when the password changes. A refused refresh
token is therefore met with one password grant, said once in the log; a password the server
refuses (or a revoked ``PEERTUBE_TOKEN``) is ``CredentialsRefused``, remembered, so that no
later request of the run tries again (no login loop against the 15-per-5-minutes limit).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ptsync.cachefiles import cache_dir, keyed_hash, read_json, write_json
from ptsync.clock import SYSTEM, Clock
from ptsync.errors import (
    AuthenticationError,
    BadResponse,
    ConfigError,
    CredentialsRefused,
    PeerTubeError,
)

log = logging.getLogger("ptsync.auth")
EARLY = 60.0  # renew this many seconds before the access token expires
REVOKED = (
    "the server refused the saved login (its tokens were revoked: an upgrade to PeerTube "
    "8.1.8 or later, or a password change, does that); logged in again with the password"
)
LOGIN_HINTS = {  # PeerTube's codes for a refused password grant, in the user's terms
    "invalid_grant": "wrong username or password: is PEERTUBE_PASSWORD the current one?",
    "account_blocked": "the account is blocked on this instance",
    "access_denied": "the account is blocked or not allowed to log in",
    "email_not_verified": "the account's email address is not verified yet",
    "too_long_password": "the password is longer than PeerTube accepts (50 characters)",
}


@dataclass(frozen=True)
class Credentials:
    username: str | None = None
    password: str | None = None
    token: str | None = None

    def __repr__(self) -> str:
        secret = "token" if self.token else ("password" if self.password else "none")
        return f"Credentials(username={self.username!r}, secret=<{secret} hidden>)"

    __str__ = __repr__


def credentials_from_env(env: Mapping[str, str], suffix: str | None = None) -> Credentials:
    """PEERTUBE_USERNAME / _PASSWORD / _TOKEN; ``__SUFFIX`` variants win for named instances.

    Variables fall back one by one to the unsuffixed ones, except that a named instance with
    its own username never gets the general ``PEERTUBE_TOKEN`` (meant for another instance).
    """
    tag = re.sub(r"[^A-Z0-9]", "_", suffix.upper()) if suffix else None

    def named(name: str) -> str | None:
        return (env.get(f"{name}__{tag}") or None) if tag else None

    def get(name: str) -> str | None:
        return named(name) or env.get(name) or None

    username, password = get("PEERTUBE_USERNAME"), get("PEERTUBE_PASSWORD")
    token = named("PEERTUBE_TOKEN")
    if token is None and not (named("PEERTUBE_USERNAME") and password):
        token = env.get("PEERTUBE_TOKEN") or None
    creds = Credentials(username, password, token)
    if creds.token or (creds.username and creds.password):
        return creds
    where = f" (or PEERTUBE_USERNAME__{tag} and PEERTUBE_PASSWORD__{tag}, ...)" if tag else ""
    raise ConfigError(
        f"no credentials: set PEERTUBE_USERNAME and PEERTUBE_PASSWORD, or PEERTUBE_TOKEN{where}"
    )


@dataclass
class Token:
    access: str
    refresh: str | None
    access_expires: float
    refresh_expires: float
    client_id: str | None = None
    client_secret: str | None = None
    role: int | None = None  # the account's PeerTube role id, once /users/me told it

    def fresh(self, now: float) -> bool:
        return now < self.access_expires

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: Any) -> Token | None:
        """The cached token, or None for anything malformed (a corrupt cache is ignored)."""
        if not isinstance(data, dict) or not isinstance(data.get("access"), str):
            return None
        expiries = (data.get("access_expires"), data.get("refresh_expires"))
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in expiries):
            return None
        optional = ("refresh", "client_id", "client_secret")
        if any(data.get(k) is not None and not isinstance(data.get(k), str) for k in optional):
            return None
        role = data.get("role")
        if role is not None and (not isinstance(role, int) or isinstance(role, bool)):
            return None
        try:
            return cls(**data)
        except TypeError:
            return None

    def __repr__(self) -> str:
        return "Token(<hidden>)"


Post = Callable[[str, dict[str, str]], Any]  # form POST returning JSON (raises PeerTubeError)
Get = Callable[[str], Any]


class Authenticator:
    """Hands out a valid bearer token; thread-safe, one login at a time."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        use_cache: bool = True,
        clock: Clock = SYSTEM,  # token lifetimes
    ):
        if not credentials.token and not (credentials.username and credentials.password):
            raise ConfigError("no credentials: need a username and password, or a token")
        self.credentials = credentials
        self._clock = clock
        self._lock = threading.RLock()  # remember_role may run inside a login (a 429 to it)
        self._token: Token | None = None
        self._role: int | None = None  # without a cached token (PEERTUBE_TOKEN, no cache)
        self._path: Path | None = None
        self._account: str | None = None  # names the user's token files, whatever password
        self._refused: CredentialsRefused | None = None  # the run's credentials, refused
        if use_cache and credentials.username and credentials.password and not credentials.token:
            self._open_cache(base_url, credentials.username, credentials.password)

    def _open_cache(self, base_url: str, username: str, password: str) -> None:
        key = keyed_hash(base_url, username, password)
        account = keyed_hash(base_url, username)
        if key is None or account is None:
            return  # no key for the cache folder: log in on every run, cache nothing
        folder = cache_dir() / "tokens"
        old = hashlib.sha256(f"{base_url}\0{username}".encode()).hexdigest()[:32]
        with contextlib.suppress(OSError):  # older releases keyed the file by user only
            (folder / f"{old}.json").unlink(missing_ok=True)
        self._path, self._account = folder / f"{key}.json", account
        data = read_json(self._path)
        if isinstance(data, dict) and data.pop("account", None) == account:
            self._token = Token.from_json(data)

    def bearer(self, get: Get, post: Post) -> str:
        if self._refused is not None:
            raise self._refused
        if self.credentials.token:
            return self.credentials.token
        with self._lock:
            if self._refused is not None:
                raise self._refused
            token = self._token
            if token is None or not token.fresh(self._clock.time()):
                token = self._renew(token, get, post)
            return token.access

    def ready(self) -> bool:
        """A token is at hand without logging in (looked at without waiting for a login)."""
        if self.credentials.token:
            return self._refused is None
        token = self._token
        return token is not None and token.fresh(self._clock.time())

    @property
    def role(self) -> int | None:
        """The account's role as remembered with the cached token (None: not known)."""
        token = self._token
        return token.role if token is not None else self._role

    def remember_role(self, role: int | None) -> None:
        """Keep the role for this run and, with a cached token, for the next ones."""
        with self._lock:
            self._role = role
            token = self._token
            if token is not None and token.role != role:
                token.role = role
                self._save(token)

    def refuse(self, error: PeerTubeError, base_url: str) -> CredentialsRefused:
        """The server refused a token this run cannot renew (``PEERTUBE_TOKEN``), or one it
        had just issued: the credentials are refused for the rest of the run."""
        if self.credentials.token:
            text = (
                f"PEERTUBE_TOKEN was refused by {base_url} ({error.status} "
                f"{error.body.summary()}): it was revoked or has expired; set a new token, or "
                "PEERTUBE_USERNAME and PEERTUBE_PASSWORD instead"
            )
        else:
            text = (
                f"{base_url} refused the token it had just issued ({error.status} "
                f"{error.body.summary()}); not logging in again"
            )
        with self._lock:
            self._refused = self._refused or CredentialsRefused(error, text)
            return self._refused

    def invalidate(self, used: str) -> None:
        """The server refused ``used`` (revoked, or the server restarted): renew next time."""
        with self._lock:
            if self._token is not None and self._token.access == used:
                self._token.access_expires = 0.0

    def _renew(self, token: Token | None, get: Get, post: Post) -> Token:
        revoked = False
        now = self._clock.time()
        if token is not None and token.refresh and now < token.refresh_expires - EARLY:
            try:
                return self._store(self._grant(token, get, post, refresh=token.refresh))
            except PeerTubeError as exc:
                if exc.status >= 500 or exc.status == 429:
                    raise
                revoked = True  # its refresh token is gone before its time
        renewed = self._store(self._grant(token, get, post, refresh=None), login=True)
        if revoked:
            log.warning(REVOKED)  # once: the new token is saved
        return renewed

    def _grant(self, old: Token | None, get: Get, post: Post, *, refresh: str | None) -> Token:
        client_id, client_secret = _oauth_client(old if refresh else None, get)
        form = {"client_id": client_id, "client_secret": client_secret}
        if refresh:
            form.update(grant_type="refresh_token", refresh_token=refresh)
        else:
            form.update(
                grant_type="password",
                username=str(self.credentials.username),
                password=str(self.credentials.password),
            )
        try:
            answer = post("/api/v1/users/token", form)
        except PeerTubeError as exc:
            if refresh is None and exc.status in (400, 401):
                self._refused = self._login_refused(exc)
                raise self._refused from None
            raise
        log.debug("obtained an access token by %s grant", "refresh" if refresh else "password")
        return _token_from(answer, client_id, client_secret, self._clock.time())

    def _login_refused(self, exc: PeerTubeError) -> CredentialsRefused:
        """The password grant refused: one line with PeerTube's reason in the user's terms."""
        refused = AuthenticationError(exc.method, exc.endpoint, exc.body)
        hint = LOGIN_HINTS.get(exc.body.code or "", "the server refused the login")
        return CredentialsRefused(refused, f"{refused} ({hint})")

    def _store(self, token: Token, *, login: bool = False) -> Token:
        token.role = self._token.role if self._token is not None else self._role
        self._token = token
        self._save(token)
        if login:
            self._forget_others()
        return token

    def _save(self, token: Token) -> None:
        if self._path is not None:
            write_json(self._path, {"account": self._account, **token.to_json()})

    def _forget_others(self) -> None:
        """A password grant succeeded: tokens cached under the account's other passwords
        are stale secrets at rest; remove them."""
        if self._path is None:
            return
        for path in self._path.parent.glob("*.json"):
            data = read_json(path) if path != self._path else None
            if isinstance(data, dict) and data.get("account") == self._account:
                with contextlib.suppress(OSError):
                    path.unlink(missing_ok=True)


def _oauth_client(old: Token | None, get: Get) -> tuple[str, str]:
    """A refresh reuses the OAuth client it was issued to (``old``); a login asks for it again,
    so a reinstalled instance (new client secret) cannot lock a stale cache out for good."""
    if old is not None and old.client_id and old.client_secret:
        return old.client_id, old.client_secret
    client = get("/api/v1/oauth-clients/local")
    if not isinstance(client, dict) or not client.get("client_id"):
        raise BadResponse("GET", "/api/v1/oauth-clients/local", "no client_id")
    return str(client["client_id"]), str(client.get("client_secret"))


def _token_from(answer: Any, client_id: str, client_secret: str, now: float) -> Token:
    """The token of ``/users/token``'s answer; BadResponse when it holds none."""
    try:
        access = answer["access_token"]
        lifetime = float(answer.get("expires_in") or 3600)
        refresh_lifetime = float(answer.get("refresh_token_expires_in") or 0)
    except (KeyError, TypeError, ValueError, AttributeError):
        access = None
    if not isinstance(access, str) or not access:
        raise BadResponse("POST", "/api/v1/users/token", "no access_token in the answer")
    new_refresh = answer.get("refresh_token")
    return Token(
        access=access,
        refresh=new_refresh if isinstance(new_refresh, str) else None,
        access_expires=now + lifetime - min(EARLY, lifetime / 10),
        refresh_expires=now + refresh_lifetime,
        client_id=client_id,
        client_secret=client_secret,
    )

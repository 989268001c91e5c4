"""OAuth (password and refresh grants), bearer authentication and the ``/users/me`` family.

Mirrors PeerTube's own token handler: form-encoded only, client credentials checked first, the
same ``invalid_*`` error names, and a refresh that revokes the previous token pair. Bearer
checks follow ``authenticate``/``optionalAuthenticate``: no header is
``unauthorized_request``, an unknown or expired token is ``invalid_token``.

Releases differ in what a refused login says (8.1: ``account_blocked`` and
``too_long_password`` where 8.0 said ``access_denied`` or compared the password anyway), in the
refresh token's lifetime (8.2: four weeks) and in what ends a token: ``revoke_all`` is an
instance-wide invalidation (8.1.8's upgrade did it), ``change_password`` ends the user's tokens
from 8.2 (``password_change_revokes``) and leaves them valid before.
"""

from __future__ import annotations

import math

from werkzeug.wrappers import Request, Response

from ptsync.testing.ids import token
from ptsync.testing.me import user_me
from ptsync.testing.memory import State
from ptsync.testing.problems import Problem, json_response
from ptsync.testing.records import Token, User
from ptsync.testing.routing import Ctx, Routes

MAX_PASSWORD_CHARS, MAX_PASSWORD_BYTES = 50, 72  # 8.1: longer is ``too_long_password``

routes = Routes()


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def user_for(state: State, request: Request) -> User | None:
    """The user a valid bearer token belongs to, or ``None`` (no header, unknown, expired)."""
    value = bearer_token(request)
    record = state.tokens.get(value) if value else None
    if record is None or record.access_expires <= state.clock.time():
        return None
    return state.users.get(record.user_id)


def authenticate(state: State, request: Request, mode: str) -> User | None:
    if mode == "none":
        return None
    if not request.headers.get("Authorization"):
        if mode == "required":
            raise Problem(401, "Token is invalid", code="unauthorized_request")
        return None
    user = user_for(state, request)
    if user is None:
        raise Problem(401, "Token is invalid", code="invalid_token")
    return user


def _oauth_error(name: str, message: str) -> Problem:
    return Problem(400, message, code=name)


def issue(state: State, user: User) -> Token:
    now = state.clock.time()
    record = Token(
        access=token(),
        refresh=token(),
        user_id=user.id,
        access_expires=now + state.settings.token_ttl,
        refresh_expires=now + state.profile.refresh_token_ttl,
    )
    state.tokens[record.access] = record
    state.refresh_tokens[record.refresh] = record
    return record


def revoke(state: State, record: Token) -> None:
    state.tokens.pop(record.access, None)
    state.refresh_tokens.pop(record.refresh, None)


def revoke_all(state: State, user_id: int | None = None) -> int:
    """End every token (of one user, or of everyone); how many pairs were ended."""
    ended = [t for t in state.tokens.values() if user_id is None or t.user_id == user_id]
    for record in ended:
        revoke(state, record)
    return len(ended)


def change_password(state: State, user: User, password: str) -> None:
    """An administrator's reset or the user's own change: 8.2.2 ends the user's tokens."""
    user.password = password
    if state.profile.password_change_revokes:
        revoke_all(state, user.id)


@routes("/api/v1/oauth-clients/local", "GET")
def oauth_client(ctx: Ctx) -> Response:
    return json_response(
        {"client_id": ctx.state.client_id, "client_secret": ctx.state.client_secret}
    )


@routes("/api/v1/users/token", "POST", docs="getOAuthToken")
def token_grant(ctx: Ctx) -> Response:
    state, form = ctx.state, ctx.fields
    if ctx.body.kind != "urlencoded":
        raise _oauth_error(
            "invalid_request", "Invalid request: content must be application/x-www-form-urlencoded"
        )
    if not form.get("client_id") or not form.get("client_secret"):
        raise _oauth_error("invalid_client", "Invalid client: cannot retrieve client credentials")
    if (form["client_id"], form["client_secret"]) != (state.client_id, state.client_secret):
        raise _oauth_error("invalid_client", "Invalid client: client is invalid")
    grant = form.get("grant_type")
    if not grant:
        raise _oauth_error("invalid_request", "Missing parameter: `grant_type`")
    if grant == "password":
        record = _password_grant(state, form)
    elif grant == "refresh_token":
        record = _refresh_grant(state, form)
    else:
        raise _oauth_error(
            "unsupported_grant_type", "Unsupported grant type: `grant_type` is invalid"
        )
    return _token_response(state, record)


def _token_response(state: State, record: Token) -> Response:
    response = json_response(
        {
            "token_type": "Bearer",
            "access_token": record.access,
            "refresh_token": record.refresh,
            "expires_in": math.ceil(state.settings.token_ttl),
            "refresh_token_expires_in": state.profile.refresh_token_ttl,
        }
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response


def _password_grant(state: State, form: dict[str, object]) -> Token:
    for name in ("username", "password"):
        if not form.get(name):
            raise _oauth_error("invalid_request", f"Missing parameter: `{name}`")
    password = str(form["password"])
    new_codes = state.profile.login_error_codes
    if new_codes and _too_long(password):
        raise Problem(400, "Password is too long", code="too_long_password")
    user = state.user_by_name(str(form["username"]))
    if user is None or user.password != password:
        raise _oauth_error("invalid_grant", "Invalid grant: user credentials are invalid")
    if user.blocked:
        raise _oauth_error("account_blocked" if new_codes else "access_denied", "User is blocked.")
    user.last_login = state.clock.now()
    return issue(state, user)


def _too_long(password: str) -> bool:
    return len(password) > MAX_PASSWORD_CHARS or len(password.encode()) > MAX_PASSWORD_BYTES


def _refresh_grant(state: State, form: dict[str, object]) -> Token:
    value = form.get("refresh_token")
    if not value:
        raise _oauth_error("invalid_request", "Missing parameter: `refresh_token`")
    record = state.refresh_tokens.get(str(value))
    if record is None:
        raise _oauth_error("invalid_grant", "Invalid grant: refresh token is invalid")
    if record.refresh_expires < state.clock.time():
        raise _oauth_error("invalid_grant", "Invalid grant: refresh token has expired")
    revoke(state, record)
    return issue(state, state.users[record.user_id])


@routes("/api/v1/users/me", "GET", auth="required")
def me(ctx: Ctx) -> Response:
    return json_response(user_me(ctx.state, ctx.me))


@routes("/api/v1/users/me/video-quota-used", "GET", auth="required")
def quota_used(ctx: Ctx) -> Response:
    state, user = ctx.state, ctx.me
    return json_response(
        {
            "videoQuotaUsed": state.quota_used(user.id),
            "videoQuotaUsedDaily": state.quota_used(user.id, since=state.clock.time() - 86400),
        }
    )

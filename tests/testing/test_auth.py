"""OAuth grants, token checks and the /users/me family, against the recorded bodies."""

from __future__ import annotations

import requests

from ptsync.clock import FakeClock
from ptsync.testing import FakePeerTube
from tests.testing.conftest import Api

ERRORS = "https://docs.joinpeertube.org/api-rest-reference.html#section/Errors/"
TOKEN_DOCS = "https://docs.joinpeertube.org/api-rest-reference.html#operation/getOAuthToken"


def _client(fake: FakePeerTube) -> dict[str, str]:
    return requests.get(f"{fake.url}/api/v1/oauth-clients/local", timeout=5).json()


def _token(fake: FakePeerTube, **form: str) -> requests.Response:
    return requests.post(f"{fake.url}/api/v1/users/token", data=form, timeout=5)


def test_oauth_client_is_public_and_stable(fake: FakePeerTube) -> None:
    first, second = _client(fake), _client(fake)
    assert set(first) == {"client_id", "client_secret"}
    assert first == second


def test_password_grant_returns_bearer_pair(fake: FakePeerTube) -> None:
    response = _token(
        fake, **_client(fake), grant_type="password", username="alice", password="secret"
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert list(body) == [
        "token_type",
        "access_token",
        "refresh_token",
        "expires_in",
        "refresh_token_expires_in",
    ]
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 86399
    assert body["refresh_token_expires_in"] == 1209599
    assert body["access_token"] != body["refresh_token"]


def test_bad_password_is_invalid_grant(fake: FakePeerTube) -> None:
    response = _token(fake, **_client(fake), grant_type="password", username="alice", password="no")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "application/problem+json; charset=utf-8"
    assert response.json() == {
        "type": ERRORS + "invalid_grant",
        "detail": "Invalid grant: user credentials are invalid",
        "status": 400,
        "docs": TOKEN_DOCS,
        "code": "invalid_grant",
        "error": "Invalid grant: user credentials are invalid",
    }


def test_bad_client_secret_is_invalid_client(fake: FakePeerTube) -> None:
    client = _client(fake)
    response = _token(
        fake,
        client_id=client["client_id"],
        client_secret="not-the-secret",
        grant_type="password",
        username="alice",
        password="secret",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_client"
    assert response.json()["detail"] == "Invalid client: client is invalid"


def test_json_body_is_refused_by_the_token_endpoint(fake: FakePeerTube) -> None:
    form = {**_client(fake), "grant_type": "password", "username": "alice", "password": "secret"}
    response = requests.post(f"{fake.url}/api/v1/users/token", json=form, timeout=5)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_request"


def test_refresh_issues_new_pair_and_revokes_previous_access_token(fake: FakePeerTube) -> None:
    api = Api(fake.url).login("bob", "secret")
    old_access, old_refresh = api.token, api.refresh
    assert api.get("/api/v1/users/me").status_code == 200
    response = _token(
        fake, **_client(fake), grant_type="refresh_token", refresh_token=str(old_refresh)
    )
    assert response.status_code == 200
    fresh = response.json()
    assert fresh["access_token"] not in (old_access, old_refresh)
    revoked = api.get("/api/v1/users/me")
    assert revoked.status_code == 401
    assert revoked.json()["code"] == "invalid_token"
    api.token = fresh["access_token"]
    assert api.get("/api/v1/users/me").json()["username"] == "bob"
    reused = _token(
        fake, **_client(fake), grant_type="refresh_token", refresh_token=str(old_refresh)
    )
    assert reused.status_code == 400
    assert reused.json()["detail"] == "Invalid grant: refresh token is invalid"


def test_unknown_refresh_token(fake: FakePeerTube) -> None:
    response = _token(fake, **_client(fake), grant_type="refresh_token", refresh_token="nope")
    assert response.status_code == 400
    assert response.json() == {
        "type": ERRORS + "invalid_grant",
        "detail": "Invalid grant: refresh token is invalid",
        "status": 400,
        "docs": TOKEN_DOCS,
        "code": "invalid_grant",
        "error": "Invalid grant: refresh token is invalid",
    }


def test_missing_token_is_unauthorized_request(anon: Api) -> None:
    response = anon.get("/api/v1/users/me")
    assert response.status_code == 401
    assert response.json() == {
        "type": ERRORS + "unauthorized_request",
        "detail": "Token is invalid",
        "status": 401,
        "code": "unauthorized_request",
        "error": "Token is invalid",
    }


def test_unknown_token_is_invalid_token(anon: Api) -> None:
    response = anon.get("/api/v1/users/me", headers={"Authorization": "Bearer garbage"})
    assert response.status_code == 401
    assert response.json() == {
        "type": ERRORS + "invalid_token",
        "detail": "Token is invalid",
        "status": 401,
        "code": "invalid_token",
        "error": "Token is invalid",
    }


def test_access_token_expires_after_ttl() -> None:
    clock = FakeClock(auto=False)
    with FakePeerTube(rate_limit=None, login_rate_limit=None, token_ttl=300, clock=clock) as fake:
        fake.add_user("alice", "secret")
        api = Api(fake.url).login("alice", "secret")
        clock.advance(299.9)
        assert api.get("/api/v1/users/me").status_code == 200
        clock.advance(0.1)
        expired = api.get("/api/v1/users/me")
        assert expired.status_code == 401
        assert expired.json()["code"] == "invalid_token"
        refreshed = _token(
            fake, **_client(fake), grant_type="refresh_token", refresh_token=str(api.refresh)
        )
        assert refreshed.status_code == 200


def test_users_me_shape(fake: FakePeerTube, alice: Api, root: Api) -> None:
    body = alice.get("/api/v1/users/me").json()
    assert body["username"] == "alice"
    assert body["role"] == {"id": 2, "label": "User"}
    assert body["videoQuota"] == -1 and body["videoQuotaDaily"] == -1
    assert body["account"]["name"] == "alice"
    assert body["account"]["userId"] == body["id"]
    assert [c["name"] for c in body["videoChannels"]] == ["alice_videos", "alice_archive"]
    assert "ownerAccount" not in body["videoChannels"][0]
    assert body["specialPlaylists"][0]["name"] == "Watch later"
    assert root.get("/api/v1/users/me").json()["role"] == {"id": 0, "label": "Administrator"}


def test_video_quota_used_counts_file_sizes(fake: FakePeerTube) -> None:
    fake.add_user("quota_user", "secret", video_quota=5000)
    fake.add_video("quota_user", name="Sized", size=1234)
    api = Api(fake.url).login("quota_user", "secret")
    assert api.get("/api/v1/users/me/video-quota-used").json() == {
        "videoQuotaUsed": 1234,
        "videoQuotaUsedDaily": 1234,
    }
    assert api.get("/api/v1/users/me").json()["videoQuota"] == 5000

"""Tokens that end before their time (issue 24.5): PeerTube 8.1.8 revoked every token of the
instances it was installed on, 8.2.2 revokes a user's tokens when the password changes.

A refused refresh token costs exactly one password grant, said in one info line, also when
several requests meet the revocation at once; a password the server refuses, or a revoked
``PEERTUBE_TOKEN``, is one clear line, the apply stops, and nothing logs in again in a loop.
No secret appears anywhere.

Everything runs on the fake's ``FakeClock`` (the library's ``Run(..., clock=)``, the CLI in
this process through ``clock.using``): backoff and pauses cost no time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from ptsync.clock import FakeClock
from ptsync.errors import CredentialsRefused
from ptsync.marker import Marker, compose_description
from ptsync.peertube.auth import REVOKED
from ptsync.session import Options, Run
from ptsync.testing import FakePeerTube
from tests.fakeenv import cli_runner

USER, PASSWORD, NEW_PASSWORD = "alice", "pw-alice-1", "pw-alice-2"
TOKEN = "/api/v1/users/token"
N = 8  # marked videos whose names the manifest changes: 8 PUTs, 4 at a time


@pytest.fixture(params=["8.1", "8.2"])
def fake(request, tmp_path, monkeypatch) -> Iterator[FakePeerTube]:
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    with FakePeerTube(
        rate_limit=None, login_rate_limit=None, version=request.param, clock=FakeClock()
    ) as server:
        server.add_user(USER, PASSWORD)
        for i in range(N):
            marker = Marker("nisv", f"v{i}")
            server.add_video(USER, name=f"Old {i}", description=compose_description(marker, "x"))
        yield server


@pytest.fixture
def cli(capsys, fake):
    return cli_runner(capsys, fake.clock)


def _manifest(tmp_path: Path) -> str:
    lines = ["apiVersion: ptsync/v1\nsystem: nisv\nvideos:\n"]
    lines += [
        f"  - {{id: v{i}, source: {{url: 'https://x.org/{i}.mp4'}}, name: New {i}}}\n"
        for i in range(N)
    ]
    path = tmp_path / "videos.yaml"
    path.write_text("".join(lines))
    return str(path)


def _env(fake: FakePeerTube, **secrets: str) -> dict[str, str]:
    return {"PEERTUBE_URL": fake.url, **secrets}


def _options(env: dict[str, str]) -> Options:
    return Options(env=env, rate_limit=None, parallelism=4, max_retries=2)


def _run(tmp_path: Path, fake: FakePeerTube, env: dict[str, str]) -> Run:
    """The library's run of the manifest, on the fake's clock."""
    return Run([_manifest(tmp_path)], _options(env), clock=fake.clock)


def _logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name.startswith("ptsync")]


def test_tokens_revoked_between_plan_and_apply_cost_one_login_said_once(fake, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="ptsync")
    env = _env(fake, PEERTUBE_USERNAME=USER, PEERTUBE_PASSWORD=PASSWORD)
    with _run(tmp_path, fake, env) as run:
        planned = run.plan()
        assert fake.revoke_tokens() == 1  # as the upgrade to 8.1.8 did
        fake.clear_requests()
        caplog.clear()
        report = run.apply(planned)[0]
    assert (report.count("update"), report.failed) == (N, 0)
    logins = [(r.method, r.status) for r in fake.requests if r.path == TOKEN]
    assert logins == [("POST", 400), ("POST", 200)]  # the refresh refused, one password grant
    assert _logged(caplog).count(REVOKED) == 1
    assert not [line for line in _logged(caplog) if PASSWORD in line]
    assert {v["name"] for v in fake.videos(USER)} == {f"New {i}" for i in range(N)}


def test_a_password_changed_mid_run_is_one_line_and_no_login_loop(fake, tmp_path, caplog):
    """8.2.2 ends the user's tokens on a password change; with the old password in the
    environment, the run cannot log in: one refused grant, the apply stops."""
    caplog.set_level(logging.DEBUG, logger="ptsync")
    env = _env(fake, PEERTUBE_USERNAME=USER, PEERTUBE_PASSWORD=PASSWORD)
    with _run(tmp_path, fake, env) as run:
        planned = run.plan()
        fake.change_password(USER, NEW_PASSWORD)
        if not fake.profile.password_change_revokes:  # 8.1: the token stays valid...
            fake.revoke_tokens()  # ...until something else revokes it
        fake.clear_requests()
        report = run.apply(planned)[0]
        stop = run.stop
    assert [r.status for r in fake.requests if r.path == TOKEN] == [400, 400]  # refresh, grant
    failed = [r for r in report.results if not r.success]
    assert failed and all(r.error == failed[0].error for r in failed)
    assert failed[0].error == (
        "POST /api/v1/users/token: 400 Invalid grant: user credentials are invalid "
        "(wrong username or password: is PEERTUBE_PASSWORD the current one?)"
    )
    assert stop.reason == failed[0].error and len(failed) + len(stop.not_started) == N
    assert {r.status for r in fake.requests if r.method == "PUT"} <= {401}  # none went through
    assert not [line for line in _logged(caplog) if PASSWORD in line or NEW_PASSWORD in line]


def test_the_new_password_logs_in_without_a_word(fake, tmp_path, cli, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="ptsync")
    manifest = _manifest(tmp_path)
    monkeypatch.setenv("PEERTUBE_URL", fake.url)
    monkeypatch.setenv("PEERTUBE_USERNAME", USER)
    monkeypatch.setenv("PEERTUBE_PASSWORD", PASSWORD)
    monkeypatch.delenv("PEERTUBE_TOKEN", raising=False)
    assert cli("plan", manifest).code == 0
    fake.change_password(USER, NEW_PASSWORD)
    monkeypatch.setenv("PEERTUBE_PASSWORD", NEW_PASSWORD)
    fake.clear_requests()
    caplog.clear()
    assert cli("plan", manifest).code == 0
    assert [r.status for r in fake.requests if r.path == TOKEN] == [200]  # a new key: a login
    assert REVOKED not in _logged(caplog)


def test_a_revoked_peertube_token_is_one_clear_line_and_the_apply_stops(fake, tmp_path, cli):
    client = requests.get(f"{fake.url}/api/v1/oauth-clients/local", timeout=10).json()
    form = {**client, "grant_type": "password", "username": USER, "password": PASSWORD}
    token = requests.post(fake.url + TOKEN, data=form, timeout=10).json()["access_token"]
    env = _env(fake, PEERTUBE_TOKEN=token)
    with _run(tmp_path, fake, env) as run:
        planned = run.plan()
        fake.revoke_tokens()
        fake.clear_requests()
        report = run.apply(planned)[0]
        stop = run.stop
    expected = (
        f"PEERTUBE_TOKEN was refused by {fake.url} (401 Token is invalid): it was revoked or "
        "has expired; set a new token, or PEERTUBE_USERNAME and PEERTUBE_PASSWORD instead"
    )
    failed = [r for r in report.results if not r.success]
    assert {r.error for r in failed} == {expected} and stop.reason == expected
    assert len(failed) <= 4 and len(failed) + len(stop.not_started) == N  # in flight at most
    assert fake.count("POST", TOKEN) == 0 and fake.count("PUT") <= 4
    assert token not in expected


def test_a_revoked_peertube_token_fails_a_plan_in_one_line(fake, tmp_path, cli, monkeypatch):
    client = requests.get(f"{fake.url}/api/v1/oauth-clients/local", timeout=10).json()
    form = {**client, "grant_type": "password", "username": USER, "password": PASSWORD}
    token = requests.post(fake.url + TOKEN, data=form, timeout=10).json()["access_token"]
    monkeypatch.setenv("PEERTUBE_URL", fake.url)
    monkeypatch.setenv("PEERTUBE_TOKEN", token)
    monkeypatch.delenv("PEERTUBE_USERNAME", raising=False)
    monkeypatch.delenv("PEERTUBE_PASSWORD", raising=False)
    fake.revoke_tokens()
    result = cli("plan", _manifest(tmp_path))
    assert result.code == 1 and result.out == ""
    assert result.err.startswith("Error: PEERTUBE_TOKEN was refused by")
    assert len(result.err.strip().splitlines()) == 1 and token not in result.text


def test_a_blocked_account_says_so(fake, tmp_path, cli, monkeypatch):
    monkeypatch.setenv("PEERTUBE_URL", fake.url)
    monkeypatch.setenv("PEERTUBE_USERNAME", USER)
    monkeypatch.setenv("PEERTUBE_PASSWORD", PASSWORD)
    monkeypatch.delenv("PEERTUBE_TOKEN", raising=False)
    fake.block_user(USER)
    result = cli("plan", _manifest(tmp_path))
    assert result.code == 1
    assert result.err.strip() == (
        "Error: POST /api/v1/users/token: 400 User is blocked. "
        "(the account is blocked on this instance)"
    )
    env = _env(fake, PEERTUBE_USERNAME=USER, PEERTUBE_PASSWORD=PASSWORD)
    with pytest.raises(CredentialsRefused), _run(tmp_path, fake, env) as run:
        run.plan()

"""A dead, wrong or slow server: fast, one-line, typed failures (issue 13, item 4).

Real sockets only: a port nobody listens on, the fake stopped mid-run, a plain-http server
asked for https. The only stand-in is the resolver for the unknown-host case (no DNS here).
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from ptsync.clock import FakeClock
from ptsync.errors import ConfigError, ServerUnreachable, TimedOut, TransportError
from ptsync.peertube import ClientSettings, Credentials, PeerTubeClient
from ptsync.testing import FakePeerTube

CREDS = Credentials("alice", "alice-secret-pw")
QUICK = ClientSettings(rate_limit=None, retry_base=0.01, max_retries=3)
URLLIB3 = ("HTTPConnectionPool", "Max retries", "urllib3", "object at 0x", "NewConnectionError")


@pytest.fixture
def fake(tmp_path, monkeypatch):
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    with FakePeerTube(rate_limit=None, login_rate_limit=None) as server:
        server.add_user("alice", "alice-secret-pw")
        yield server


@pytest.fixture
def closed_port() -> int:
    """A loopback port that refuses connections (bound once, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def assert_one_clean_line(text: str) -> None:
    assert "\n" not in text.strip() and not any(noise in text for noise in URLLIB3), text


def test_connection_refused_fails_at_once_in_one_line(closed_port, tmp_path, monkeypatch):
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    url = f"http://127.0.0.1:{closed_port}"
    clock = FakeClock()
    settings = ClientSettings(clock=clock)  # default settings: max_retries=5, retry_base=0.5
    with PeerTubeClient(url, CREDS, settings) as client, pytest.raises(ServerUnreachable) as info:
        client.me()
    assert clock.elapsed == 0  # not 5 attempts with backoff: no pause at all
    assert str(info.value) == f"cannot reach {url}: connection refused"
    assert info.value.first_contact and isinstance(info.value, TransportError)


def test_unknown_host_fails_at_once_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))

    def no_such_host(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    client = PeerTubeClient("https://videos.invalid", CREDS)
    with client, pytest.raises(ServerUnreachable) as info:
        client.me()
    assert str(info.value) == (
        "cannot resolve host videos.invalid (instance URL https://videos.invalid)"
    )


def test_server_gone_mid_run_names_the_request_and_stops_the_rest(fake):
    clock = FakeClock()
    with PeerTubeClient(fake.url, CREDS, replace(QUICK, clock=clock)) as client:
        client.me()
        fake.stop()
        with pytest.raises(ServerUnreachable) as info:
            client.quota_used()
        failed = info.value
        assert not failed.first_contact and failed.attempts == QUICK.max_retries
        assert str(failed).startswith("GET /api/v1/users/me/video-quota-used: cannot reach")
        assert str(failed).endswith("connection refused (gave up after 3 attempts)")
        assert_one_clean_line(str(failed))
        backoff = clock.elapsed
        with pytest.raises(ServerUnreachable) as later:
            client.server_config()  # not retried again: the server is known to be gone
        assert clock.elapsed == backoff  # no pause either
        assert later.value.attempts == 0
        assert str(later.value).startswith("GET /api/v1/config: not sent: cannot reach")


def test_a_create_is_not_retried_when_the_server_is_gone(fake):
    with PeerTubeClient(fake.url, CREDS, QUICK) as client:
        channel = client.channels()["alice_channel"]
        fake.stop()
        with pytest.raises(ServerUnreachable) as info:
            client.create_import(
                {"targetUrl": "https://x.org/a.mp4", "channelId": channel, "name": "A"}
            )
    assert str(info.value).startswith("POST /api/v1/videos/imports: cannot reach")
    assert info.value.attempts == 1


def test_https_to_a_plain_http_server_says_so(fake):
    url = fake.url.replace("http://", "https://")
    with PeerTubeClient(url, CREDS, QUICK) as client, pytest.raises(ConfigError) as info:
        client.me()
    assert str(info.value) == f"{url} speaks plain HTTP, not HTTPS: use {fake.url}"
    assert "CA" not in str(info.value)


@pytest.mark.parametrize("suffix", ["/api/v1", "/api/v1/", "/api/v1//"])
def test_an_api_v1_suffix_is_stripped(fake, suffix, caplog):
    caplog.set_level(logging.INFO, logger="ptsync.http")
    with PeerTubeClient(fake.url + suffix, CREDS, QUICK) as client:
        assert client.base_url == fake.url
        assert client.username() == "alice"
    assert fake.count("GET", "/api/v1/users/me") == 1
    assert f"using the instance root {fake.url}" in caplog.text


def test_a_request_whose_retries_all_time_out_stops_the_run(fake):
    """The server accepts but lets a GET spend its whole retry budget on timeouts: it counts
    as not answering, and later requests fail at once instead of spending their own."""
    settings = ClientSettings(rate_limit=None, retry_base=0.01, max_retries=2, timeout=(2, 0.2))
    with PeerTubeClient(fake.url, CREDS, settings) as client:
        client.me()
        fake.faults.inject("hang", method="GET", path="/api/v1/config", times=2)
        with pytest.raises(ServerUnreachable) as info:
            client.server_config()
        with pytest.raises(ServerUnreachable) as later:
            client.quota_used()
    assert str(info.value) == (
        "GET /api/v1/config: the server stopped answering: no answer within 0.2 s "
        "(gave up after 2 attempts)"
    )
    assert str(later.value) == (
        "GET /api/v1/users/me/video-quota-used: not sent: "
        "the server stopped answering: no answer within 0.2 s"
    )
    assert fake.count("GET", "/api/v1/config") == 2  # hung requests are logged on arrival
    assert fake.count("GET", "/api/v1/users/me/video-quota-used") == 0


def test_a_slow_answer_that_others_outpace_fails_only_its_own_request(fake):
    """Issue 24.1: a GET whose every attempt times out while another request of the run got
    an answer meanwhile: the server is slow, not gone. That GET fails (TimedOut, its item),
    and the run's later requests still go out.

    The client's time is a manual ``FakeClock``: the slow GET's first attempt times out (0.2 s,
    a real socket's timeout), then its backoff waits on the clock while the other request is
    answered; only then does time move on to its last two attempts."""
    clock = FakeClock(auto=False)
    settings = ClientSettings(
        rate_limit=None, retry_base=0.01, max_retries=3, timeout=(2, 0.2), clock=clock
    )
    with PeerTubeClient(fake.url, CREDS, settings) as client:
        client.me()
        fake.faults.inject("hang", method="GET", path="/api/v1/config", times=3)
        failed: list[BaseException] = []

        def slow() -> None:
            try:
                client.server_config()
            except BaseException as exc:  # handed to the test thread
                failed.append(exc)

        worker = threading.Thread(target=slow)
        worker.start()
        clock.wait_for_sleepers(1)  # its first attempt timed out: it waits to try again
        assert fake.count("GET", "/api/v1/config") == 1
        assert "videoQuotaUsed" in client.quota_used()  # answered meanwhile
        clock.auto = True  # its two other attempts, with their pauses
        worker.join()
        assert "videoQuotaUsed" in client.quota_used()  # not "not sent": the run goes on
    assert [type(e) for e in failed] == [TimedOut]
    assert str(failed[0]) == "GET /api/v1/config: timed out (no answer within 0.2 s, 3 attempts)"
    assert fake.count("GET", "/api/v1/config") == 3
    assert fake.count("GET", "/api/v1/users/me/video-quota-used") == 2


def test_a_create_that_times_out_is_timed_out_and_the_server_still_counts(fake):
    """One attempt timing out (a slow create) may still be acted on by the server: TimedOut,
    so the caller looks for the video; the run goes on."""
    settings = ClientSettings(rate_limit=None, retry_base=0.01, max_retries=3, timeout=(2, 0.2))
    with PeerTubeClient(fake.url, CREDS, settings) as client:
        channel = client.channels()["alice_channel"]
        fake.faults.inject("hang", method="POST", path="/api/v1/videos/imports")
        with pytest.raises(TimedOut) as info:
            client.create_import({"targetUrl": "https://x.org/a.mp4", "channelId": channel})
        assert "videoQuotaUsed" in client.quota_used()
    assert str(info.value) == "POST /api/v1/videos/imports: timed out (no answer within 0.2 s)"
    assert fake.count("POST", "/api/v1/videos/imports") == 1


def test_a_dropped_connection_is_one_clean_line(fake):
    with PeerTubeClient(fake.url, CREDS, QUICK) as client:
        client.me()
        fake.faults.inject("drop", method="GET", path="/api/v1/config", times=10)
        with pytest.raises(TransportError) as info:
            client.server_config()
    assert not isinstance(info.value, ServerUnreachable | TimedOut)
    assert str(info.value).startswith("GET /api/v1/config: ")
    assert_one_clean_line(str(info.value))


def test_cli_plan_against_a_closed_port_fails_fast_with_one_line(closed_port, tmp_path):
    manifest = tmp_path / "videos.yaml"
    manifest.write_text("apiVersion: ptsync/v1\nsystem: nisv\nvideos: []\n")
    env = {
        **os.environ,
        "PEERTUBE_URL": f"http://127.0.0.1:{closed_port}",
        "PEERTUBE_USERNAME": "alice",
        "PEERTUBE_PASSWORD": "alice-secret-pw",
        "PTSYNC_CACHE_DIR": str(tmp_path / "cache"),
        "NO_COLOR": "1",
    }
    for name in ("PEERTUBE_TOKEN", "GITHUB_ACTIONS"):  # no annotation lines on stdout
        env.pop(name, None)
    # (the library's own test above proves no backoff with default settings, on a FakeClock)
    done = subprocess.run(
        [sys.executable, "-m", "ptsync", "plan", str(manifest)],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == [f"Error: cannot reach http://127.0.0.1:{closed_port}: connection refused"]
    assert done.stdout == ""

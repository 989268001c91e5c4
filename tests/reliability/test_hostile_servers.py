"""A hostile or broken server must never get a secret, exhaust memory or hang a run (issue 19.1,
19.2, 19.3, 19.5, 19.6, 19.8; issue 21.4).

Against the fake PeerTube with its hostile fault kinds (a redirect to another origin, a hang,
an endless or huge body, a malformed answer to a create) and small servers of our own on
127.0.0.1 (a second origin that records what reaches it, a webhook, a download mirror). Tests
count requests; none measures time.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from ptsync import clock as clocks
from ptsync.clock import FakeClock
from ptsync.errors import (
    AnswerTooLarge,
    AuthenticationError,
    DeadlineExceeded,
    Redirected,
    ServerError,
    ServerUnreachable,
)
from ptsync.peertube import ClientSettings, Credentials, PeerTubeClient
from ptsync.session import Options, Run
from ptsync.testing import FakePeerTube
from tests.fakeenv import PASSWORD, USER, cli_runner, point_at

TOKEN = "/api/v1/users/token"
QUICK = ClientSettings(rate_limit=None, retry_base=0.01, max_retries=3)
IMPORT_MANIFEST = """apiVersion: ptsync/v1
system: nisv
videos:
  - id: hostile-1
    source: {url: https://archive.example.org/hostile-1.mp4}
    name: Hostile one
"""


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Origin:
    """Another origin on 127.0.0.1 that records everything reaching it. ``answer`` decides
    what it sends back: (status, headers, body)."""

    answer: Callable[[Seen], tuple[int, dict[str, str], bytes]] = lambda seen: (200, {}, b"{}")
    seen: list[Seen] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> Origin:
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            served: ClassVar[Origin] = origin

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(self.command, self.path, dict(self.headers), self.rfile.read(length))
                self.served.seen.append(seen)
                status, headers, body = self.served.answer(seen)
                self.send_response(status)
                for name, value in {"Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _any

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        serve = threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True)
        serve.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePeerTube]:
    clock = FakeClock()  # the fake's and (as the default) the in-process CLI's: webhook backoff
    with (
        FakePeerTube(
            rate_limit=None, login_rate_limit=None, import_duration=0.05, clock=clock
        ) as server,
        clocks.using(clock),
    ):
        server.add_user(USER, PASSWORD)
        point_at(monkeypatch, server, tmp_path / "cache")
        yield server


@pytest.fixture
def other() -> Iterator[Origin]:
    origin = Origin().start()
    yield origin
    origin.stop()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    return cli_runner(capsys)


def _client(fake: FakePeerTube, settings: ClientSettings = QUICK) -> PeerTubeClient:
    return PeerTubeClient(fake.url, Credentials(USER, PASSWORD), settings)


def _manifest(tmp_path: Path, text: str = IMPORT_MANIFEST) -> str:
    path = tmp_path / "manifests" / "m.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return str(path)


def _secrets_in(text: str, *secrets: str) -> list[str]:
    return [s for s in secrets if s in text]


# --- 19.1: credentials never follow a redirect to another origin ---------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_the_login_form_never_follows_a_redirect_to_another_port(fake, other, status):
    fake.faults.inject("redirect", method="POST", path=TOKEN, to=other.url, status=status)
    with _client(fake) as client, pytest.raises(Redirected) as info:
        client.me()
    assert str(info.value) == (
        f"POST {TOKEN}: the server redirected ({status}) to {other.url}{TOKEN}; another origin "
        f"than {fake.url}: not followed, so no credential leaves the instance (if the instance "
        "moved, use its new URL)"
    )
    assert other.seen == []  # neither the password nor the client secret went there
    assert fake.count("POST", TOKEN) == 1  # and nothing tried again


def test_the_login_form_never_follows_a_redirect_to_another_host_name(fake):
    """``localhost`` on the fake's own port is another origin than ``127.0.0.1``."""
    elsewhere = f"http://localhost:{fake.port}"
    fake.faults.inject("redirect", method="POST", path=TOKEN, to=elsewhere, status=307)
    with _client(fake) as client, pytest.raises(Redirected, match="another origin"):
        client.me()
    assert fake.count("POST", TOKEN) == 1  # the form was not posted to "localhost" again


def test_a_refresh_grant_is_not_sent_to_another_origin(fake, other, tmp_path):
    with _client(fake) as client:
        client.me()
    (path,) = (tmp_path / "cache" / "tokens").glob("*.json")
    cached = json.loads(path.read_text())
    path.write_text(json.dumps({**cached, "access_expires": 0}))  # due for a refresh
    fake.clear_requests()
    fake.faults.inject("redirect", method="POST", path=TOKEN, to=other.url, status=308)
    with _client(fake) as client, pytest.raises(Redirected):
        client.me()
    assert other.seen == []
    assert [(r.path, r.fault) for r in fake.requests] == [(TOKEN, "redirect")]  # no login GET


def _seeded(fake: FakePeerTube, tmp_path: Path) -> tuple[str, Path]:
    uuid = str(fake.add_video(USER, name="Seeded")["uuid"])
    media = tmp_path / "clip.mp4"
    media.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"x" * 2000)
    return uuid, media


CALLS: dict[str, Callable[[PeerTubeClient, str, Path], Any]] = {
    "GET /users/me/video-quota-used": lambda c, u, m: c.quota_used(),
    "GET /config": lambda c, u, m: c.server_config(),
    "GET /users/me/videos": lambda c, u, m: list(c.iter_my_videos()),
    "GET /videos/{id}": lambda c, u, m: c.get_video(u),
    "GET /users/me/videos/imports": lambda c, u, m: list(c.iter_my_imports()),
    "PUT /videos/{id}": lambda c, u, m: c.update_video(u, {"name": "Renamed"}),
    "PUT /videos/{id}/captions": lambda c, u, m: c.put_caption(u, "en", m),
    "DELETE /videos/{id}": lambda c, u, m: c.delete_video(u),
    "POST /videos/imports": lambda c, u, m: c.create_import(
        {"targetUrl": "https://archive.example.org/r.mp4", "channelId": 1, "name": "R"}
    ),
    "POST /videos/upload-resumable": lambda c, u, m: c.upload(m, {"name": "U", "channelId": 1}),
    "POST /video-playlists": lambda c, u, m: c.create_playlist({"displayName": "P"}),
    "POST /video-channels": lambda c, u, m: c.create_channel({"name": "c2", "displayName": "C"}),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_no_api_call_follows_a_redirect_to_another_origin(fake, other, tmp_path, call):
    uuid, media = _seeded(fake, tmp_path)
    with _client(fake) as client:
        client.me()  # logged in: every request below carries the bearer token
        fake.clear_requests()
        fake.faults.inject("redirect", to=other.url, status=307)
        with pytest.raises(Redirected) as info:
            CALLS[call](client, uuid, media)
    assert "the server redirected (307) to " + other.url in str(info.value)
    assert other.seen == []
    assert fake.count() == 1  # and not sent again


@pytest.mark.parametrize("target", ["http://127.0.0.1:99999", "http://[::1/x", "ftp://x.test/"])
def test_a_redirect_to_a_broken_location_is_refused_not_a_crash(fake, target):
    fake.faults.inject("redirect", method="GET", path="/api/v1/config", to=target)
    with _client(fake) as client, pytest.raises(Redirected, match="another origin"):
        client.server_config()


def test_a_get_redirected_within_the_instance_is_followed_other_methods_are_not(fake, tmp_path):
    uuid, _ = _seeded(fake, tmp_path)
    with _client(fake) as client:
        fake.faults.inject("redirect", method="GET", path="/api/v1/config", to=fake.url)
        assert "serverVersion" in client.server_config()
        fake.faults.inject("redirect", method="PUT", path=f"/api/v1/videos/{uuid}", to=fake.url)
        with pytest.raises(Redirected, match=r"not followed for a PUT \(only GETs are\)"):
            client.update_video(uuid, {"name": "Renamed"})
    assert fake.count("GET", "/api/v1/config") == 2  # the redirect, then its target
    assert fake.count("PUT", f"/api/v1/videos/{uuid}") == 1
    assert fake.video(uuid)["name"] == "Seeded"  # type: ignore[index]


def test_cli_plan_redirected_to_another_origin_is_one_line_naming_the_target(
    fake, other, tmp_path, cli
):
    fake.faults.inject("redirect", to=other.url + "/api/v1/?token=abc123secret", times=50)
    result = cli("plan", _manifest(tmp_path))
    assert result.code == 1
    (line,) = result.err.strip().splitlines()
    assert line.startswith("Error: GET /api/v1/oauth-clients/local: the server redirected (307)")
    assert f"to {other.url}/api/v1/?token=REDACTED; another origin" in line
    assert other.seen == [] and _secrets_in(result.text, PASSWORD, "abc123secret") == []


# --- 19.2: what is read from an answer is capped, streamed ---------------------------------


def test_an_endless_list_answer_fails_the_plan_in_one_line_without_growing_memory(
    fake, tmp_path, cli
):
    fake.faults.inject("endless", method="GET", path="/api/v1/users/me/videos")
    tracemalloc.start()
    try:
        result = cli("plan", _manifest(tmp_path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.code == 1, result.text
    assert result.err.strip().splitlines() == [
        "Error: GET /api/v1/users/me/videos: unexpected response: "
        "the answer is larger than 16 MiB (stopped reading)"
    ]
    assert peak < 48 * 2**20  # the cap and its copy, not the stream
    assert fake.count("GET", "/api/v1/users/me/videos") == 1  # a too-large answer is not retried


def test_a_huge_answer_with_an_honest_length_is_refused_too(fake):
    fake.faults.huge_bytes = 17 * 2**20
    fake.faults.inject("huge", method="GET", path="/api/v1/config")
    with _client(fake) as client, pytest.raises(AnswerTooLarge) as info:
        client.server_config()
    assert str(info.value) == (
        "GET /api/v1/config: unexpected response: the answer is larger than 16 MiB "
        "(stopped reading)"
    )


def test_an_endless_token_answer_is_cut_at_the_login_cap(fake):
    fake.faults.inject("endless", method="POST", path=TOKEN)
    with _client(fake) as client, pytest.raises(AnswerTooLarge, match="larger than 64 KiB"):
        client.me()


def test_an_endless_error_page_is_cut_and_summed_up(fake):
    fake.faults.inject("endless", method="GET", path="/api/v1/config", status=502, times=10)
    with _client(fake) as client:
        client.me()
        with pytest.raises(ServerError) as info:
            client.server_config()
    assert str(info.value).startswith("GET /api/v1/config: 502 {")
    assert len(str(info.value)) < 250
    assert fake.count("GET", "/api/v1/config") == QUICK.max_retries


# --- 19.3: one retry budget per request; a hung server ends the run ------------------------


def _options(**overrides: Any) -> Options:
    env = {"PEERTUBE_URL": os.environ["PEERTUBE_URL"], "PEERTUBE_USERNAME": USER}
    env["PEERTUBE_PASSWORD"] = PASSWORD
    return Options(env=env, rate_limit=None, max_retries=3, retry_base=0.01, **overrides)


def test_an_all_502_server_costs_one_retry_budget_and_shows_the_page_title(fake, tmp_path):
    fake.faults.inject(502, times=100)  # every request: the proxy's HTML page
    with Run([_manifest(tmp_path)], _options()) as run, pytest.raises(ServerError) as info:
        run.plan()
    assert str(info.value) == "GET /api/v1/oauth-clients/local: 502 Bad Gateway (an HTML page)"
    assert fake.count() == 3  # 3 attempts of the vocabulary GET, each logging in: not 3 x 3


def test_a_hung_server_fails_the_run_after_one_retry_budget_in_one_line(fake, tmp_path):
    fake.faults.inject("hang", times=100)
    run = Run([_manifest(tmp_path)], _options(timeout=0.3))
    with run, pytest.raises(ServerUnreachable) as info:
        run.plan()
    assert info.value.first_contact
    assert re.fullmatch(
        re.escape(f"{fake.url} accepts connections but does not answer: no answer within 0.3 s")
        + r" \(GET /api/v1/[a-z/-]+, 3 attempts\)",
        str(info.value),
    )
    assert fake.count() == 3  # one budget: the login's GET, three times, nothing nested


def test_the_run_deadline_stops_every_request(fake, tmp_path):
    fake.faults.inject("hang", times=100)
    # on the real clock: what the deadline bounds here is a socket's wait for a hung answer
    run = Run([_manifest(tmp_path)], _options(timeout=30.0, deadline=0.4), clock=clocks.SYSTEM)
    with run, pytest.raises(DeadlineExceeded) as info:
        run.plan()
    assert str(info.value).endswith(": not sent: the run's deadline of 0.4 s has passed")
    assert fake.count() == 1  # its read timeout was what the deadline left


# --- 19.5: the token cache is keyed by the credential --------------------------------------


def test_a_wrong_password_never_works_through_the_token_cache(fake, tmp_path, cli, monkeypatch):
    manifest = _manifest(tmp_path)
    assert cli("plan", manifest).code == 0
    monkeypatch.setenv("PEERTUBE_PASSWORD", "not-the-password")
    fake.clear_requests()
    wrong = cli("plan", manifest)
    assert wrong.code == 1 and "Error: POST /api/v1/users/token: 400" in wrong.err
    assert [r.status for r in fake.requests if r.path == TOKEN] == [400]
    assert "not-the-password" not in wrong.text
    monkeypatch.setenv("PEERTUBE_PASSWORD", PASSWORD)
    fake.clear_requests()
    assert cli("plan", manifest).code == 0
    assert fake.count("POST", TOKEN) == 0  # the good password's token is still cached


def test_no_cache_skips_the_token_cache(fake, tmp_path, cli, monkeypatch):
    manifest = _manifest(tmp_path)
    assert cli("plan", manifest).code == 0
    fake.clear_requests()
    assert cli("plan", manifest, "--no-cache").code == 0
    assert fake.count("POST", TOKEN) == 1  # logged in although a token was cached
    monkeypatch.setenv("PEERTUBE_PASSWORD", "not-the-password")
    assert cli("plan", manifest, "--no-cache").code == 1


def test_token_files_are_named_by_a_keyed_hash_and_a_new_password_replaces_them(
    tmp_path, monkeypatch
):
    cache = tmp_path / "cache"
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(cache))
    first = FakePeerTube(rate_limit=None, login_rate_limit=None).start()
    port, url = first.port, first.url
    first.add_user(USER, "first-password-1")
    with PeerTubeClient(url, Credentials(USER, "first-password-1"), QUICK) as client:
        client.me()
    first.stop()
    (old,) = (cache / "tokens").glob("*.json")
    key = cache / "hmac.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    plain = hashlib.sha256(f"{url}\0{USER}\0first-password-1".encode()).hexdigest()
    assert old.stem not in plain and "first-password-1" not in old.read_text()
    with FakePeerTube(rate_limit=None, login_rate_limit=None, port=port) as rotated:
        rotated.add_user(USER, "second-password-2")
        creds = Credentials(USER, "second-password-2")
        with PeerTubeClient(rotated.url, creds, QUICK) as client:
            client.me()
        (new,) = (cache / "tokens").glob("*.json")  # the old password's token is gone
        assert new != old
        with pytest.raises(AuthenticationError):
            PeerTubeClient(rotated.url, Credentials(USER, "first-password-1"), QUICK).me()
        assert rotated.count("POST", TOKEN) == 2  # the old password logged in, and failed


# --- 19.6: no credentials in the instance URL; a failing webhook --------------------------


def test_an_instance_url_with_credentials_is_refused_before_any_request(
    fake, tmp_path, cli, monkeypatch
):
    with_userinfo = fake.url.replace("http://", "http://alice:url-secret-9@")
    monkeypatch.setenv("PEERTUBE_URL", with_userinfo)
    result = cli("plan", _manifest(tmp_path))
    assert result.code == 1
    assert result.err.strip().splitlines() == [
        f"Error: the instance URL {fake.url.replace('http://', 'http://REDACTED@')} carries "
        "credentials (user:password@); remove them and set PEERTUBE_USERNAME and "
        "PEERTUBE_PASSWORD (or PEERTUBE_TOKEN)"
    ]
    assert "url-secret-9" not in result.text and fake.count() == 0


def test_a_failing_webhook_is_named_once_redacted_and_apply_exits_1(fake, tmp_path, cli):
    hook = Origin(answer=lambda seen: (500, {}, b"down")).start()
    try:
        url = f"{hook.url}/hook?token=hook-secret-77"
        result = cli("apply", _manifest(tmp_path), "--auto-approve", "--notify", url)
    finally:
        hook.stop()
    assert result.code == 1
    shown = f"{hook.url}/hook?token=REDACTED"
    assert result.err.count(hook.url) == 1 and "hook-secret-77" not in result.text
    assert result.err.strip().splitlines()[-1] == (
        "Error: the changes were applied, but the notification failed: "
        f"webhook {shown} failed after 3 attempts: HTTP 500"
    )
    assert len(hook.seen) == 3 and len(fake.videos()) == 1


def test_the_webhook_gets_no_token_and_its_redirect_is_not_followed(fake, other, tmp_path, cli):
    hook = Origin(answer=lambda seen: (307, {"Location": other.url + "/stolen"}, b"")).start()
    try:
        result = cli("apply", _manifest(tmp_path), "--auto-approve", "--notify", hook.url + "/h")
    finally:
        hook.stop()
    assert result.code == 1
    assert f"redirected (307) to {other.url}/stolen; not followed" in result.err
    (posted,) = hook.seen
    assert "Authorization" not in posted.headers and json.loads(posted.body)["summary"]
    assert other.seen == []


def test_an_endless_webhook_answer_is_read_no_further_than_its_cap(fake):
    from ptsync.peertube import webhook

    fake.faults.inject("endless", method="POST", path="/api/v1/hook")
    assert webhook.send(fake.url + "/api/v1/hook", {"summary": {}}, attempts=1) is None
    assert fake.count("POST", "/api/v1/hook") == 1


# --- 19.8: a malformed answer to a create is one line, exit 1 ------------------------------


UPLOAD_MANIFEST = IMPORT_MANIFEST.replace(
    "{url: https://archive.example.org/hostile-1.mp4}", "{file: clip.mp4}"
)
MALFORMED = {
    "import": (
        IMPORT_MANIFEST,
        ("POST", "/api/v1/videos/imports", {"id": 1, "video": {"id": 1}}),
        "POST /api/v1/videos/imports: unexpected response: no video uuid in the answer",
    ),
    "upload": (
        UPLOAD_MANIFEST,
        ("PUT", "/api/v1/videos/upload-resumable", {"video": {"id": 1}}),
        "PUT /api/v1/videos/upload-resumable: unexpected response: no video in the answer",
    ),
}


@pytest.mark.parametrize("kind", sorted(MALFORMED))
def test_a_create_answered_without_the_video_uuid_is_one_line_and_the_next_apply_converges(
    fake, tmp_path, cli, kind
):
    text, (method, path, body), line = MALFORMED[kind]
    manifest = _manifest(tmp_path, text)
    (tmp_path / "manifests" / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"c" * 900)
    fake.faults.inject("malformed", method=method, path=path, body=body, when="after")
    first = cli("apply", manifest, "--auto-approve")
    assert first.code == 1, first.text
    assert line in first.text  # the server made the video; its answer lacks the uuid
    assert "Traceback" not in first.text and "internal error" not in first.text
    again = cli("apply", manifest, "--auto-approve")
    assert again.code == 0, again.text
    assert len(fake.videos()) == 1  # found by its marker, not created again


def test_a_playlist_answer_without_an_id_is_one_line(fake, tmp_path, cli):
    manifest = _manifest(
        tmp_path,
        IMPORT_MANIFEST + "playlists:\n  - id: best\n    displayName: Best\n"
        "    videos: [hostile-1]\n",
    )
    fake.faults.inject("malformed", method="POST", path="/api/v1/video-playlists",
                       body={"videoPlaylist": {"uuid": "x"}})  # fmt: skip
    result = cli("apply", manifest, "--auto-approve")
    assert result.code == 1, result.text
    assert "POST /api/v1/video-playlists: unexpected response: no playlist id" in result.text
    assert "Traceback" not in result.text


# --- 21.4: the download of a URL source goes through the seam ------------------------------


def test_a_url_source_is_downloaded_through_redirects_without_the_instance_token(
    tmp_path, monkeypatch, cli
):
    content = b"\x00\x00\x00\x18ftypmp42" + b"replacement" * 5000
    store = Origin(answer=lambda seen: (200, {"Content-Type": "video/mp4"}, content)).start()
    mirror = Origin(answer=lambda seen: (302, {"Location": store.url + "/b.mp4"}, b"")).start()
    try:
        with FakePeerTube(
            rate_limit=None, login_rate_limit=None, video_file_update_enabled=True
        ) as fake:
            fake.add_user(USER, PASSWORD)
            point_at(monkeypatch, fake, tmp_path / "cache")
            manifest = _manifest(tmp_path)
            assert cli("apply", manifest, "--auto-approve").code == 0
            fake.complete_imports()
            moved = IMPORT_MANIFEST.replace(
                "https://archive.example.org/hostile-1.mp4", mirror.url + "/new.mp4"
            )
            Path(manifest).write_text(moved)
            result = cli("apply", manifest, "--auto-approve")
            assert result.code == 0, result.text
            (video,) = fake.videos()
            assert fake.source_file(video["uuid"])["data"] == content  # type: ignore[index]
            assert "No changes." in cli("plan", manifest).out
    finally:
        mirror.stop()
        store.stop()
    assert [s.path for s in mirror.seen] == ["/new.mp4"]
    assert [s.path for s in store.seen] == ["/b.mp4"]
    assert all("Authorization" not in s.headers for s in mirror.seen + store.seen)

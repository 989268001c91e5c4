"""The server's version picks behaviour on every run (issue 24.3-24.5), over HTTP.

A fake upgraded between two plans (7.3 → 8.0: a failed import is kept and retried in place
from 8.0) must give the warm plan exactly the ``--no-cache`` plan; 8.3 refuses a sixth retry,
8.2 a caption in a sign language: both are said by the plan, before any request that the
server would refuse.

Each fake and the CLI run in this process share one ``FakeClock``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator

import pytest

from ptsync.clock import FakeClock
from ptsync.testing import FakePeerTube
from tests.fakeenv import PASSWORD, USER, cli_runner, point_at

BAD = "https://archive.example.org/broken.mp4"
VOCABULARY_PATHS = {
    "/api/v1/videos/categories",
    "/api/v1/videos/licences",
    "/api/v1/videos/languages",
    "/api/v1/videos/privacies",
    "/api/v1/video-playlists/privacies",
}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def cli(capsys, clock):
    return cli_runner(capsys, clock)


def _server(version: str, clock: FakeClock) -> FakePeerTube:
    server = FakePeerTube(
        rate_limit=None, login_rate_limit=None, import_duration=None, version=version, clock=clock
    )
    server.start()
    server.add_user(USER, PASSWORD)
    server.set_import_target(BAD, "not-a-video")
    return server


@pytest.fixture
def upgraded(monkeypatch, tmp_path, clock) -> Iterator[FakePeerTube]:
    server = _server("7.3", clock)
    point_at(monkeypatch, server, tmp_path / "cache")
    try:
        yield server
    finally:
        server.stop()


def _manifest(tmp_path, extra: str = "") -> str:
    path = tmp_path / "videos.yaml"
    path.write_text(
        "apiVersion: ptsync/v1\nsystem: nisv\nvideos:\n"
        f"  - id: broken\n    source: {{url: '{BAD}'}}\n    name: Broken video\n{extra}"
    )
    return str(path)


def _plan(cli, manifest: str, *extra: str) -> dict:
    result = cli("plan", manifest, "--format", "json", *extra)
    assert result.code == 0, result.text
    return json.loads(result.out)


def _changes(document: dict) -> list[dict]:
    return [change for plan in document["plans"] for change in plan["changes"]]


def test_an_upgrade_between_two_plans_changes_the_plan_as_no_cache_would(upgraded, tmp_path, cli):
    manifest = _manifest(tmp_path)
    assert cli("apply", manifest, "--auto-approve", "--no-wait").code == 0  # import pending
    before = _plan(cli, manifest)  # warm: the 7.3 vocabularies and version are cached
    assert _changes(before) == []
    upgraded.upgrade("8.0")  # the import then fails on 8.0, which keeps its video
    upgraded.complete_imports()
    upgraded.clear_requests()
    warm = _plan(cli, manifest)
    sent = Counter(r.path for r in upgraded.requests)
    cold = _plan(cli, manifest, "--no-cache")
    assert warm == cold
    [retry] = _changes(warm)
    assert retry["action"] == "update" and retry["retry_import"] is not None
    assert not any("cannot retry" in n["message"] for p in warm["plans"] for n in p["notices"])
    assert sent["/api/v1/config"] == 1  # the version, read from the server
    assert {path for path in VOCABULARY_PATHS if sent[path] == 1} == VOCABULARY_PATHS  # refetched
    upgraded.clear_requests()
    assert _plan(cli, manifest) == cold
    assert not VOCABULARY_PATHS & {r.path for r in upgraded.requests}  # warm again


def test_8_3_refuses_a_retry_after_max_attempts_and_the_plan_says_delete(
    monkeypatch, tmp_path, cli, clock
):
    server = _server("8.3", clock)
    point_at(monkeypatch, server, tmp_path / "cache")
    try:
        manifest = _manifest(tmp_path)
        assert cli("apply", manifest, "--auto-approve", "--no-wait").code == 0
        for attempt in range(1, 6):
            server.complete_imports()  # fails again
            plan = _plan(cli, manifest)
            if attempt < 5:
                [retry] = _changes(plan)
                assert retry["retry_import"] is not None
                assert cli("apply", manifest, "--auto-approve", "--no-wait").code == 0
        assert _changes(plan) == []
        [notice] = [n for p in plan["plans"] for n in p["notices"]]
        assert "failed 5 times, as often as this server retries an import" in notice["message"]
        assert "delete the video in PeerTube and ptsync imports it again" in notice["message"]
        assert [row["attempts"] for row in server.imports()] == [5]
    finally:
        server.stop()


@pytest.mark.parametrize("version", ["8.0", "8.2"])
def test_a_caption_in_a_sign_language_is_refused_by_the_plan_from_8_2(
    monkeypatch, tmp_path, cli, clock, version
):
    server = _server(version, clock)
    point_at(monkeypatch, server, tmp_path / "cache")
    try:
        (tmp_path / "ase.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nHi\n")
        server.set_import_target("https://archive.example.org/ok.mp4")
        path = tmp_path / "videos.yaml"
        path.write_text(
            "apiVersion: ptsync/v1\nsystem: nisv\nvideos:\n"
            "  - id: signed\n    source: {url: 'https://archive.example.org/ok.mp4'}\n"
            "    name: Signed video\n    captions:\n      - {language: ase, file: ase.vtt}\n"
        )
        result = cli("apply", str(path), "--auto-approve", "--no-wait")
        if version == "8.2":
            assert result.code == 1
            assert (
                f"{path}:4:5: videos[0]: captions: ase (American Sign Language) is a sign language; "
                "PeerTube 8.2 and later accept captions in written languages only"
            ) in result.err
            assert server.count("POST", "/api/v1/videos/imports") == 0
        else:
            assert result.code == 0, result.text
            [video] = server.videos(USER)
            assert server.caption(video["uuid"], "ase") is not None
    finally:
        server.stop()

"""One video per external id on every server version, whatever the server finishes late.

Real PeerTube answers an import POST only after fetching the URL's metadata (3-4 s), finishes
creates whose client is gone, wedges upload sessions, and (8.x) keeps a failed import's video.
The fake does all of that on request (``create_delay``, ``wedge_uploads``, ``fail-once``).
Each test's fake and the ptsync runs in this process share one ``FakeClock``: delays, settle
pauses and polls are virtual.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ptsync import clock as clocks
from ptsync.clock import FakeClock
from ptsync.marker import Marker, compose_description
from ptsync.session import Options, Run
from ptsync.testing import FakePeerTube
from tests.integration.conftest import marked_videos

USER, PASSWORD = "alice", "alice-secret-pw"
URL = "https://archive.example.org/{}.mp4"
IMPORTS = "/api/v1/videos/imports"
VERSIONS = ["6.3", "8.3"]


@pytest.fixture(autouse=True)
def clock() -> Iterator[FakeClock]:
    """The test's clock: the fake's, and the default of every run in this process."""
    with clocks.using(FakeClock()) as virtual:
        assert isinstance(virtual, FakeClock)
        yield virtual


def _fake(version: str, **knobs) -> FakePeerTube:
    fake = FakePeerTube(
        rate_limit=None,
        login_rate_limit=None,
        import_duration=0.05,
        version=version,
        clock=clocks.default(),
        **knobs,
    ).start()
    fake.add_user(USER, PASSWORD)
    return fake


def _env(fake: FakePeerTube, cache: Path) -> dict[str, str]:
    return {
        "PEERTUBE_URL": fake.url,
        "PEERTUBE_USERNAME": USER,
        "PEERTUBE_PASSWORD": PASSWORD,
        "PTSYNC_CACHE_DIR": str(cache),
        "NO_COLOR": "1",
    }


def _manifest(folder: Path, imports: tuple[str, ...] = (), uploads: tuple[str, ...] = ()) -> Path:
    lines = ["apiVersion: ptsync/v1\nsystem: nisv\ndefaults: {privacy: Public}\nvideos:\n"]
    for ext_id in imports:
        lines.append(f"  - id: {ext_id}\n    source: {{url: '{URL.format(ext_id)}'}}\n")
        lines.append(f"    name: Video {ext_id}\n")
    media = folder / "media"
    media.mkdir(parents=True, exist_ok=True)
    for ext_id in uploads:
        (media / f"{ext_id}.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + os.urandom(300_000))
        lines.append(f"  - id: {ext_id}\n    source: {{file: media/{ext_id}.mp4}}\n")
        lines.append(f"    name: Video {ext_id}\n")
    path = folder / "videos.yaml"
    path.write_text("".join(lines))
    return path


def _run(path: Path, env: dict[str, str], **options):
    """plan + apply in this process; returns (plans, reports)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PTSYNC_CACHE_DIR", env["PTSYNC_CACHE_DIR"])
        with Run([str(path)], Options(env=env, rate_limit=None, **options)) as run:
            planned = run.plan()
            return [g.plan for g in planned], run.apply(planned)


def _counts(fake: FakePeerTube) -> dict[str, int]:
    return {ext_id: 1 for ext_id in marked_videos(fake)}  # marked_videos asserts one per id


@pytest.mark.parametrize("version", VERSIONS)
def test_apply_killed_while_the_server_still_creates_converges_without_a_second_create(
    tmp_path, version, clock
):
    """SIGKILL while the import POSTs are in flight: the server finishes them seconds later;
    the next apply (started at once) waits for them instead of importing again."""
    clock.auto = False  # the creates wait until the killed apply is gone
    fake = _fake(version, create_delay=1.5)
    try:
        path = _manifest(tmp_path, imports=("i1", "i2"))
        env = _env(fake, tmp_path / "cache")
        command = [sys.executable, "-m", "ptsync", "apply", str(path), "--auto-approve"]
        proc = subprocess.Popen(
            [*command, "--no-wait"],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        clock.wait_for_sleepers(2)  # both import POSTs reached the server, which is creating
        assert proc.poll() is None, "apply ended before it could be killed"
        proc.kill()
        proc.wait(timeout=10)
        assert fake.videos() == [], "the server must not show the videos before it is done"
        clock.auto = True  # the next apply's waits move time: the server finishes meanwhile
        _, reports = _run(path, env)
        assert all(r.failed == 0 for r in reports)
        assert sorted(marked_videos(fake)) == ["i1", "i2"]
        assert len(fake.imports()) == 2, "no URL imported twice"
        plans, _ = _run(path, env)
        assert not plans[0].has_changes
    finally:
        fake.stop()


@pytest.mark.parametrize("version", VERSIONS)
def test_a_stop_gives_a_running_create_its_grace_on_the_runs_clock_then_leaves_it(
    tmp_path, version, clock
):
    """A stop (what SIGTERM requests) while an import POST waits for the server: the run waits
    out the grace on its own clock, not a moment less, reports the create as in flight and
    starts nothing more; the server finishes it, and the next apply creates the rest."""
    clock.auto = False
    fake = _fake(version, create_delay=5.0)
    try:
        path = _manifest(tmp_path, imports=("i1", "i2"))
        env = _env(fake, tmp_path / "cache")
        seen: list[bool] = []
        returned = threading.Event()
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("PTSYNC_CACHE_DIR", env["PTSYNC_CACHE_DIR"])
            with Run([str(path)], Options(env=env, rate_limit=None, parallelism=1)) as run:
                run.stop.grace = 2.0
                planned = run.plan()

                def stop_while_the_server_creates() -> None:
                    clock.wait_for_sleepers(1)  # i1's import: the server takes 5 s
                    run.stop.request("SIGTERM")
                    clock.wait_for_sleepers(2)  # the run noticed: it waits out its grace
                    clock.advance(1.9)
                    seen.append(returned.is_set())  # still in its grace
                    clock.advance(0.6)
                    seen.append(returned.is_set())  # the grace is over

                stopper = threading.Thread(target=stop_while_the_server_creates, daemon=True)
                stopper.start()
                (report,) = run.apply(planned)
                returned.set()
                stopper.join(10)
        assert seen == [False, True]
        assert report.results == [] and fake.videos() == []  # the server is still at it
        assert [c.external_id for c in run.stop.in_flight] == ["i1"]
        assert [c.external_id for c in run.stop.not_started] == ["i2"]
        clock.auto = True  # the server finishes i1 (its answer is logged then) ...
        fake.wait_for_requests(lambda logged: any(r.path == IMPORTS for r in logged))
        _, reports = _run(path, env)  # ... and the next apply creates only i2
        assert [(r.action, r.external_id) for r in reports[0].results] == [("create", "i2")]
        assert sorted(marked_videos(fake)) == ["i1", "i2"]
        assert len(fake.imports()) == 2, "no URL imported twice"
    finally:
        fake.stop()


@pytest.mark.parametrize("version", VERSIONS)
def test_copies_carrying_one_marker_are_deleted_without_prune(tmp_path, cli_env, version):
    fake = _fake(version)
    try:
        marker = compose_description(Marker("nisv", "i1"), None)
        first = fake.add_video(USER, name="Video i1", description=marker, privacy=1)
        copies = [fake.add_video(USER, name="Video i1", description=marker) for _ in range(2)]
        quoted = fake.add_video(USER, name="Video i1", description="See <!-- ptsync:nisv/i1 -->")
        path = _manifest(tmp_path, imports=("i1",))
        env = _env(fake, tmp_path / "cache")
        code, out = cli_env(env, "plan", str(path), "--detailed-exitcode")
        assert code == 2, out
        for copy in copies:
            assert f"duplicate of {first['uuid']}" in out and copy["uuid"] in out
        plans, reports = _run(path, env)
        assert plans[0].summary.delete == 2 and reports[0].failed == 0
        left = {v["uuid"] for v in fake.videos()}
        assert left == {first["uuid"], quoted["uuid"]}  # never a copy without the marker
        code, _ = cli_env(env, "plan", str(path), "--detailed-exitcode")
        assert code == 0
    finally:
        fake.stop()


@pytest.mark.parametrize("version", VERSIONS)
def test_a_wedged_upload_session_is_cancelled_and_uploaded_again_in_the_same_run(tmp_path, version):
    fake = _fake(version)
    try:
        fake.wedge_uploads(count=1)
        path = _manifest(tmp_path, uploads=("u1",))
        env = _env(fake, tmp_path / "cache")
        _, reports = _run(path, env, upload_processing_wait=0.6, chunk_size=128 * 1024)
        (result,) = reports[0].results
        assert result.success and "wedged" in (result.note or ""), result
        assert sorted(marked_videos(fake)) == ["u1"]
        assert fake.count("POST", "/api/v1/videos/upload-resumable") == 2
        assert fake.count("DELETE", "/api/v1/videos/upload-resumable") == 1
        assert all(s["phase"] != "wedged" for s in fake.upload_sessions.values())
    finally:
        fake.stop()


@pytest.mark.parametrize("version", VERSIONS)
def test_a_failed_import_is_retried_on_8_and_imported_again_on_6(tmp_path, cli_env, version):
    fake = _fake(version)
    try:
        fake.set_import_target(URL.format("i1"), "fail-once")
        path = _manifest(tmp_path, imports=("i1",))
        env = _env(fake, tmp_path / "cache")
        _, reports = _run(path, env, wait=True, poll_interval=0.05, wait_timeout=20)
        assert reports[0].failed == 1
        first = [v["uuid"] for v in fake.videos()]
        code, out = cli_env(env, "plan", str(path), "--detailed-exitcode")
        assert code == 2
        code, status = cli_env(env, "status", str(path), "--format", "json")
        assert '"failed": 1' in status
        _, reports = _run(path, env, wait=True, poll_interval=0.05, wait_timeout=20)
        assert reports[0].failed == 0, reports[0].results
        videos = list(marked_videos(fake).values())
        assert len(videos) == 1 and videos[0]["state"]["id"] == 1
        if fake.profile.import_retry:
            assert "~ retry import i1" in out
            assert first == [videos[0]["uuid"]], "the same video, retried in place"
            assert fake.count("POST", "/api/v1/videos/imports/*/retry") == 1
        else:
            assert first == [] and "+ create i1" in out
        assert len(fake.videos()) == 1
        code, _ = cli_env(env, "plan", str(path), "--detailed-exitcode")
        assert code == 0
    finally:
        fake.stop()


@pytest.fixture
def cli_env(capsys):
    from ptsync.cli.app import main

    def run(env: dict[str, str], *args: str) -> tuple[int, str]:
        with pytest.MonkeyPatch.context() as mp:
            for key, value in env.items():
                mp.setenv(key, value)
            mp.delenv("PEERTUBE_TOKEN", raising=False)
            capsys.readouterr()
            code = main(list(args))
            return code, capsys.readouterr().out

    return run

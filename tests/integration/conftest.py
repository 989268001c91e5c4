"""Integration fixtures: the CLI run in-process against a PeerTube over real HTTP.

``backend`` is the bundled fake by default. With PTSYNC_LIVE_URL, PTSYNC_LIVE_USERNAME and
PTSYNC_LIVE_PASSWORD set, the tests marked ``live_ok`` also run against that real instance,
each with a fresh ``system`` name so they only see (and clean up) what they created.
"""

from __future__ import annotations

import os
import secrets
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ptsync.cli.app import main
from ptsync.clock import FakeClock
from ptsync.testing import FakePeerTube
from tests.fakeenv import cli_runner

LIVE = all(
    os.environ.get(k) for k in ("PTSYNC_LIVE_URL", "PTSYNC_LIVE_USERNAME", "PTSYNC_LIVE_PASSWORD")
)


@dataclass
class Backend:
    url: str
    username: str
    password: str
    channel: str
    system: str
    fake: FakePeerTube | None = None
    created: list[str] = field(default_factory=list)

    @property
    def is_fake(self) -> bool:
        return self.fake is not None


# Every integration test runs on the oldest and the newest profile; 7.3, 8.0 and 8.2 (the
# releases between them that real acceptance runs use) get a smoke run of the core loop, rule
# ownership, playlists, catalogues and mirrors, to keep CI short. 8.1's differences (thumbnails) are all
# in 8.3; tests/testing covers every profile field by field.
PROFILES = ("6.3", "8.3")
SMOKE_PROFILES = ("6.3", "7.3", "8.0", "8.2", "8.3")


SMOKE_ALL_PROFILES = (
    "test_core_loop",
    "test_rules_ownership",
    "test_playlists_channels",
    "test_catalogues",
    "test_mirrors_smoke",
)


def pytest_generate_tests(metafunc):
    if "fake" in metafunc.fixturenames:
        smoke = metafunc.module.__name__.rsplit(".", 1)[-1] in SMOKE_ALL_PROFILES
        versions = SMOKE_PROFILES if smoke else PROFILES
        metafunc.parametrize("fake", versions, indirect=True)


@pytest.fixture
def fake(request) -> Iterator[FakePeerTube]:
    version = getattr(request, "param", PROFILES[0])
    with FakePeerTube(
        rate_limit=None,
        login_rate_limit=None,
        import_duration=0.05,
        version=version,
        clock=FakeClock(),  # shared with the CLI run in-process (``cli``): waits are virtual
    ) as server:
        server.add_user("alice", "alice-secret-pw")
        yield server


def _fake_backend(fake: FakePeerTube) -> Backend:
    return Backend(fake.url, "alice", "alice-secret-pw", "alice_channel", "nisv", fake)


def _live_backend() -> Backend:
    return Backend(
        os.environ["PTSYNC_LIVE_URL"].rstrip("/"),
        os.environ["PTSYNC_LIVE_USERNAME"],
        os.environ["PTSYNC_LIVE_PASSWORD"],
        os.environ.get("PTSYNC_LIVE_CHANNEL", f"{os.environ['PTSYNC_LIVE_USERNAME']}_channel"),
        "live-" + secrets.token_hex(4),
    )


@pytest.fixture(params=["fake", pytest.param("live", marks=pytest.mark.live)] if LIVE else ["fake"])
def backend(request, tmp_path, monkeypatch, fake) -> Iterator[Backend]:
    chosen = _fake_backend(fake) if request.param == "fake" else _live_backend()
    monkeypatch.setenv("PEERTUBE_URL", chosen.url)
    monkeypatch.setenv("PEERTUBE_USERNAME", chosen.username)
    monkeypatch.setenv("PEERTUBE_PASSWORD", chosen.password)
    monkeypatch.delenv("PEERTUBE_TOKEN", raising=False)
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    yield chosen
    if not chosen.is_fake:
        _cleanup_live(chosen, tmp_path)


def _cleanup_live(backend: Backend, tmp_path: Path) -> None:
    """Delete every video this test's system created: prune against an empty manifest."""
    empty = tmp_path / "cleanup.yaml"
    empty.write_text(f"apiVersion: ptsync/v1\nsystem: {backend.system}\nvideos: []\n")
    main(["apply", str(empty), "--prune", "--force", "--auto-approve", "--no-wait"])


@pytest.fixture
def cli(capsys, request):
    """The CLI in this process, on the fake's clock when it talks to the fake (a real
    instance gets real time: its rate limit must really be waited for)."""
    names = request.fixturenames
    live = "backend" in names and not request.getfixturevalue("backend").is_fake
    fake = request.getfixturevalue("fake") if "fake" in names and not live else None
    return cli_runner(capsys, fake.clock if fake is not None else None)


@pytest.fixture
def write_manifest(tmp_path, backend):
    def write(body: str, name: str = "videos.yaml", **extra: Any) -> Path:
        path = tmp_path / "manifests" / name
        path.parent.mkdir(exist_ok=True)
        head = f"apiVersion: ptsync/v1\nsystem: {backend.system}\n"
        text = head + textwrap.dedent(body).format(channel=backend.channel, **extra)
        path.write_text(text)
        return path

    return write


@pytest.fixture
def media(tmp_path) -> Path:
    folder = tmp_path / "manifests" / "media"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + secrets.token_bytes(4096))
    return folder


def marked_videos(fake: FakePeerTube, system: str = "nisv") -> dict[str, dict[str, Any]]:
    """The fake's videos carrying ``system``'s marker at the start, by external id."""
    from ptsync.marker import parse_description

    found: dict[str, dict[str, Any]] = {}
    for video in fake.videos():
        parsed = parse_description(video.get("description"))
        if parsed.marker and parsed.marker.system == system and parsed.at_start:
            assert parsed.marker.external_id not in found, "duplicate video for one marker"
            found[parsed.marker.external_id] = video
    return found

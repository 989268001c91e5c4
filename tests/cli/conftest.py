"""Fixtures for the CLI as people meet it: a fake PeerTube over HTTP, the environment a user
exports, ``ptsync`` run in-process (``cli``) or as a real process (``command_env``)."""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from ptsync.testing import FakePeerTube
from tests.fakeenv import PASSWORD, USER, cli_runner, point_at

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fake(tmp_path, monkeypatch) -> Iterator[FakePeerTube]:
    with FakePeerTube(rate_limit=None, login_rate_limit=None, import_duration=0.05) as server:
        server.add_user(USER, PASSWORD)
        point_at(monkeypatch, server, tmp_path / "cache")
        monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
        yield server


@pytest.fixture
def cli(capsys):
    return cli_runner(capsys)


@pytest.fixture
def manifest(tmp_path):
    """Write a manifest (system nisv, alice's channel) and return its path."""

    def write(body: str, name: str = "videos.yaml", folder: Path | None = None) -> Path:
        path = (folder or tmp_path / "manifests") / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("apiVersion: ptsync/v1\nsystem: nisv\n" + textwrap.dedent(body))
        return path

    return write


def import_entries(count: int, prefix: str = "v") -> str:
    """``count`` URL-import entries in alice's channel."""
    return "videos:\n" + "".join(
        f"  - id: {prefix}{i:02d}\n"
        f"    source: {{url: 'https://archive.example.org/{prefix}{i:02d}.mp4'}}\n"
        f"    name: Video {prefix}{i:02d}\n"
        "    channel: alice_channel\n"
        for i in range(count)
    )


def command_env(fake: FakePeerTube, cache: Path, **extra: str) -> dict[str, str]:
    """The environment of a real ``ptsync`` process pointed at ``fake``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PEERTUBE_", "NO_COLOR"))}
    env.update(
        PEERTUBE_URL=fake.url,
        PEERTUBE_USERNAME=USER,
        PEERTUBE_PASSWORD=PASSWORD,
        PTSYNC_CACHE_DIR=str(cache),
        PYTHONPATH=str(ROOT),
        **extra,
    )
    env.pop("GITHUB_ACTIONS", None)
    return env


PYTHON = sys.executable

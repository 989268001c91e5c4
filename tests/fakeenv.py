"""Point the CLI at a fake PeerTube: the environment a user would export, in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from ptsync import clock as clocks
from ptsync.testing import FakePeerTube

USER, PASSWORD = "alice", "pw-alice-1"


def point_at(
    monkeypatch: pytest.MonkeyPatch,
    fake: FakePeerTube,
    cache: Path,
    *,
    user: str = USER,
    password: str = PASSWORD,
) -> None:
    monkeypatch.setenv("PEERTUBE_URL", fake.url)
    monkeypatch.setenv("PEERTUBE_USERNAME", user)
    monkeypatch.setenv("PEERTUBE_PASSWORD", password)
    monkeypatch.delenv("PEERTUBE_TOKEN", raising=False)
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(cache))


@dataclass
class Result:
    """One in-process CLI run: exit code, stdout, stderr."""

    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def cli_runner(
    capsys: pytest.CaptureFixture[str], clock: clocks.Clock | None = None
) -> Callable[..., Result]:
    """``ptsync ARGS`` in this process (ten times faster than a subprocess), output captured;
    on ``clock`` (the fake's ``FakeClock``: waits cost no time) when given."""
    from ptsync.cli.app import main

    def run(*args: str) -> Result:
        capsys.readouterr()
        with clocks.using(clock or clocks.default()):
            code = main(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run

"""Issue 13 item 3: SIGTERM (a cancelled CI job) or Ctrl-C during apply: no new change is
started, running ones finish, the summary and what may be in flight are printed, the
``--report`` is written, and the exit code names the signal (143, 130). A real process
against the fake PeerTube on a manual ``FakeClock``: its creates take a second of the fake's
time, which moves only when the test says, so the signal comes while two creates are done and
two are in flight."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ptsync.clock import FakeClock
from ptsync.testing import FakePeerTube
from tests.cli.conftest import PYTHON, command_env, import_entries
from tests.fakeenv import PASSWORD, USER, cli_runner, point_at
from tests.integration.conftest import marked_videos

VIDEOS = 10


def _wait_for(path: Path, needle: str, count: int, process: subprocess.Popen, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text(errors="replace").count(needle) >= count:
            return
        assert process.poll() is None, path.read_text()
        time.sleep(0.05)
    raise AssertionError(f"{needle!r} x{count} never appeared:\n{path.read_text()}")


@pytest.fixture
def slow_creates(tmp_path, monkeypatch) -> Iterator[FakePeerTube]:
    """A fake whose import POSTs take 1 s of its manual clock."""
    clock = FakeClock(auto=False)
    fake = FakePeerTube(
        rate_limit=None, login_rate_limit=None, import_duration=0.05, create_delay=1.0, clock=clock
    ).start()
    fake.add_user(USER, PASSWORD)
    point_at(monkeypatch, fake, tmp_path / "cache")
    try:
        yield fake
    finally:
        clock.auto = True  # anything still held finishes
        fake.stop()


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_mid_apply_stops_cleanly_with_summary_and_report(
    slow_creates, manifest, tmp_path, capsys, signum, code
):
    fake, clock = slow_creates, slow_creates.clock
    path = manifest(import_entries(VIDEOS))
    report, out, err = tmp_path / "report.json", tmp_path / "out.txt", tmp_path / "err.txt"
    argv = [PYTHON, "-m", "ptsync", "apply", str(path), "--auto-approve", "--no-wait"]
    argv += ["--parallelism", "2", "--report", str(report)]
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            argv, stdout=stdout, stderr=stderr, env=command_env(fake, tmp_path / "cache")
        )
        clock.wait_for_sleepers(2)  # two creates in progress on the server
        clock.advance(1.0)  # ... and done
        clock.wait_for_sleepers(2)  # the next two in progress
        process.send_signal(signum)
        _wait_for(err, "stopping", 1, process)
        clock.advance(1.0)  # the running ones finish; nothing new was started
        assert process.wait(timeout=60) == code, err.read_text()

    printed = out.read_text()
    assert "Apply interrupted:" in printed and "failed" in printed, printed
    assert "not started" in err.read_text()
    doc = json.loads(report.read_text())
    assert doc["interrupted"]["signal"] == signal.Signals(signum).name
    created = doc["summary"]["created"]
    assert created == 4
    assert len(doc["interrupted"]["not_started"]) + created == VIDEOS  # none lost, none twice
    assert len(marked_videos(fake)) == created  # nothing was started after the signal

    clock.auto = True
    again = cli_runner(capsys, clock)("apply", str(path), "--auto-approve", "--no-wait")
    assert again.code == 0, again.text
    assert len(marked_videos(fake)) == VIDEOS  # the next run converges, no duplicate


def test_a_second_signal_stops_waiting_and_names_what_may_be_in_flight(manifest, tmp_path):
    clock = FakeClock(auto=False)  # the fake's: time moves only when this test says
    fake = FakePeerTube(
        rate_limit=None, login_rate_limit=None, import_duration=0.05, clock=clock
    ).start()
    fake.add_user(USER, PASSWORD)
    try:
        _interrupt_twice(fake, clock, manifest, tmp_path)
    finally:
        clock.advance(3600)  # the held requests answer (nobody listens any more)
        fake.stop()


def _interrupt_twice(fake: FakePeerTube, clock: FakeClock, manifest, tmp_path: Path) -> None:
    path = manifest(import_entries(3))
    fake.faults.slow_seconds = 3600.0  # the import requests hang: they are still running
    fake.faults.inject("slow", method="POST", path="/api/v1/videos/imports", times=9)
    report, out, err = tmp_path / "report.json", tmp_path / "out.txt", tmp_path / "err.txt"
    argv = [PYTHON, "-m", "ptsync", "apply", str(path), "--auto-approve", "--no-wait"]
    argv += ["--parallelism", "2", "--report", str(report)]
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            argv, stdout=stdout, stderr=stderr, env=command_env(fake, tmp_path / "cache")
        )
        clock.wait_for_sleepers(2)  # both workers are inside a hanging request
        process.send_signal(signal.SIGTERM)
        _wait_for(err, "stopping", 1, process)
        process.send_signal(signal.SIGTERM)
        # it ends although its requests never will (the fake's time stands still)
        assert process.wait(timeout=30) == 143, err.read_text()
    shown = err.read_text()
    assert "no longer waiting" in shown
    assert "2 changes may still be in flight" in shown and "  create v00" in shown
    doc = json.loads(report.read_text())
    assert [c["key"] for c in doc["interrupted"]["in_flight"]] == ["v00", "v01"]
    assert [c["key"] for c in doc["interrupted"]["not_started"]] == ["v02"]

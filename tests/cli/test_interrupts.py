"""Issue 13 item 3: SIGTERM (a cancelled CI job) or Ctrl-C during apply: no new change is
started, running ones finish, the summary and what may be in flight are printed, the
``--report`` is written, and the exit code names the signal (143, 130). A real process
against the fake PeerTube with latency, so the apply is still running when the signal comes."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.cli.conftest import PYTHON, command_env, import_entries
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


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_mid_apply_stops_cleanly_with_summary_and_report(
    fake, manifest, tmp_path, cli, signum, code
):
    path = manifest(import_entries(VIDEOS))
    fake.faults.latency = 0.2  # every request takes 0.2 s: the apply takes seconds
    report, out, err = tmp_path / "report.json", tmp_path / "out.txt", tmp_path / "err.txt"
    argv = [PYTHON, "-m", "ptsync", "apply", str(path), "--auto-approve", "--no-wait"]
    argv += ["--parallelism", "2", "--report", str(report)]
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            argv, stdout=stdout, stderr=stderr, env=command_env(fake, tmp_path / "cache")
        )
        _wait_for(err, "✓ create", 2, process)
        process.send_signal(signum)
        assert process.wait(timeout=60) == code, err.read_text()

    printed = out.read_text()
    assert "Apply interrupted:" in printed and "failed" in printed, printed
    assert "not started" in err.read_text()
    doc = json.loads(report.read_text())
    assert doc["interrupted"]["signal"] == signal.Signals(signum).name
    created = doc["summary"]["created"]
    assert 2 <= created < VIDEOS
    assert len(doc["interrupted"]["not_started"]) + created == VIDEOS  # none lost, none twice
    assert len(marked_videos(fake)) == created  # nothing was started after the signal

    fake.faults.latency = 0.0
    again = cli("apply", str(path), "--auto-approve", "--no-wait")
    assert again.code == 0, again.text
    assert len(marked_videos(fake)) == VIDEOS  # the next run converges, no duplicate


def test_a_second_signal_stops_waiting_and_names_what_may_be_in_flight(fake, manifest, tmp_path):
    path = manifest(import_entries(3))
    fake.faults.slow_seconds = 20.0  # the import requests hang: they are still running
    fake.faults.inject("slow", method="POST", path="/api/v1/videos/imports", times=9)
    report, out, err = tmp_path / "report.json", tmp_path / "out.txt", tmp_path / "err.txt"
    argv = [PYTHON, "-m", "ptsync", "apply", str(path), "--auto-approve", "--no-wait"]
    argv += ["--parallelism", "2", "--report", str(report)]
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen(
            argv, stdout=stdout, stderr=stderr, env=command_env(fake, tmp_path / "cache")
        )
        _wait_for(out, "Plan: 3 to create", 1, process)
        deadline = time.monotonic() + 30
        while fake.faults.pending[0].times > 7 and time.monotonic() < deadline:
            time.sleep(0.05)  # both workers are inside a hanging request
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        _wait_for(err, "stopping", 1, process)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 143, err.read_text()
        assert time.monotonic() - started < 10  # not the 20 s the requests hang
    shown = err.read_text()
    assert "no longer waiting" in shown
    assert "2 changes may still be in flight" in shown and "  create v00" in shown
    doc = json.loads(report.read_text())
    assert [c["key"] for c in doc["interrupted"]["in_flight"]] == ["v00", "v01"]
    assert [c["key"] for c in doc["interrupted"]["not_started"]] == ["v02"]

"""Issue 21 item 1: a bug (any exception that is not one of ptsync's errors) exits 3 with one
short line on stderr and the traceback only in the crash log under the cache folder, in plan
and in apply, with or without --quiet; it is never reported as an ordinary failed item.

The bug is injected by making a pure internal function raise (the client and its HTTP are
real, against the fake PeerTube); ``main`` runs the CLI's top-level handler as a user's
``ptsync`` would, and one test runs a real process."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.cli.conftest import PYTHON, command_env, import_entries
from tests.integration.conftest import marked_videos


def _bug(*args, **kwargs):
    raise RuntimeError("injected bug: nothing to see at https://user:hunter2@example.org/x")


def _crash_logs(cache: Path) -> list[Path]:
    return sorted((cache / "crash").glob("ptsync-*.log"))


def _one_bug_line(err: str) -> str:
    assert err.count("\n") == 1, err
    assert "Traceback" not in err and 'File "' not in err, err
    assert err.startswith("ptsync hit a bug (RuntimeError: injected bug"), err
    assert "hunter2" not in err  # a URL in the message is redacted like everywhere else
    return err


def _assert_crash_log(cache: Path) -> str:
    logs = _crash_logs(cache)
    assert len(logs) == 1, logs
    text = logs[0].read_text()
    assert "Traceback (most recent call last)" in text and "RuntimeError: injected bug" in text
    assert "hunter2" not in text
    assert logs[0].stat().st_mode & 0o077 == 0  # owner-only
    return text


@pytest.mark.parametrize("quiet", [[], ["-q"]])
def test_a_bug_in_apply_exits_3_with_the_traceback_only_in_the_crash_log(
    fake, manifest, cli, tmp_path, monkeypatch, quiet
):
    path = manifest(import_entries(3))
    monkeypatch.setattr("ptsync.apply.videos.api_body", _bug)
    result = cli(*quiet, "apply", str(path), "--auto-approve", "--no-wait", "--parallelism", "1")
    assert result.code == 3, result.text
    line = _one_bug_line(result.err)
    assert f"the traceback is in {tmp_path / 'cache' / 'crash'}" in line
    assert "Apply complete" not in result.out  # not dressed up as a failed item
    text = _assert_crash_log(tmp_path / "cache")
    assert "api_body" in text
    assert fake.count("POST", "/api/v1/videos/imports") == 0  # stopped at the first bug
    assert marked_videos(fake) == {}


def test_a_bug_in_plan_exits_3(fake, manifest, cli, tmp_path, monkeypatch):
    path = manifest(import_entries(1))
    assert cli("apply", str(path), "--auto-approve", "--no-wait").code == 0
    monkeypatch.setattr("ptsync.plan.videos.diff_fields", _bug)
    result = cli("plan", str(path))
    assert result.code == 3, result.text
    _one_bug_line(result.err)
    assert result.out == ""
    assert "diff_fields" in _assert_crash_log(tmp_path / "cache")


def test_a_bug_in_one_item_starts_nothing_more_and_is_not_an_ordinary_failure(
    fake, manifest, cli, tmp_path, monkeypatch
):
    """The first item hits the bug; items not started yet are never started (the program is
    in a state nobody planned for); the next plan, without the bug, still has all of them."""
    from ptsync.apply import videos

    real = videos.api_body
    calls: list[str] = []

    def buggy_once(fields, channels):
        calls.append(fields.get("name"))
        if len(calls) == 1:
            _bug()
        return real(fields, channels)

    path = manifest(import_entries(4))
    monkeypatch.setattr("ptsync.apply.videos.api_body", buggy_once)
    result = cli("apply", str(path), "--auto-approve", "--no-wait", "--parallelism", "1")
    assert result.code == 3, result.text
    assert len(calls) == 1 and marked_videos(fake) == {}
    monkeypatch.setattr("ptsync.apply.videos.api_body", real)
    again = cli("plan", str(path))
    assert again.code == 0 and "Plan: 4 to create" in again.out, again.text


def test_a_real_process_with_a_bug_prints_one_line_and_exits_3(fake, manifest, tmp_path):
    path = manifest(import_entries(2))
    cache = tmp_path / "cache"
    script = textwrap.dedent(
        """\
        import sys
        import ptsync.apply.videos as videos
        def bug(*args, **kwargs):
            raise RuntimeError("injected bug in a real process")
        videos.api_body = bug
        from ptsync.cli import main
        sys.exit(main())
        """
    )
    done = subprocess.run(
        [PYTHON, "-c", script, "-q", "apply", str(path), "--auto-approve", "--no-wait"],
        env=command_env(fake, cache),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3, done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith("ptsync hit a bug (RuntimeError: injected bug in a real process)")
    logs = _crash_logs(cache)
    assert len(logs) == 1 and "Traceback" in logs[0].read_text()
    assert "apply" in logs[0].read_text().splitlines()[1]  # the command line is recorded

"""Issue 20 item 6, in a real pseudo-terminal, read back through a terminal emulator (pyte) so
the assertions are about what a person sees on the screen, not about escape codes:

- Ctrl-C while progress bars are drawn: the "stopping…" line is on the screen at the end, once,
  and the bars are gone (not left doubled above it);
- ``plan`` interrupted says nothing was changed (not "What was not applied…");
- with ``--log-format json`` every line on stderr is a JSON object, on a terminal too (no bars).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading

import pyte
import pytest

from ptsync.clock import FakeClock
from ptsync.testing import FakePeerTube
from tests.cli.conftest import PYTHON, command_env, import_entries
from tests.cli.test_terminal import HIDE_CURSOR, Terminal
from tests.fakeenv import PASSWORD, USER

ROWS, COLUMNS = 40, 120


def screen_of(output: str) -> list[str]:
    """The lines a terminal of ROWS x COLUMNS shows after ``output``, trailing blanks cut."""
    screen = pyte.Screen(COLUMNS, ROWS)
    pyte.Stream(screen).feed(output)
    lines = [line.rstrip() for line in screen.display]
    while lines and not lines[-1]:
        lines.pop()
    return lines


@pytest.fixture
def slow_imports(tmp_path):
    """Imports that take minutes: ``apply --wait`` is still following them (bars drawn)."""
    with FakePeerTube(rate_limit=None, login_rate_limit=None, import_duration=300) as server:
        server.add_user(USER, PASSWORD)
        yield server


def _terminal_env(fake, tmp_path, **extra):
    return command_env(
        fake, tmp_path / "cache", TERM="xterm-256color", COLUMNS=str(COLUMNS), **extra
    )


def test_ctrl_c_during_progress_bars_leaves_the_notice_and_no_bars(
    slow_imports, manifest, tmp_path
):
    path = manifest(import_entries(3))
    argv = [PYTHON, "-m", "ptsync", "apply", str(path), "--auto-approve", "--wait"]
    term = Terminal(argv, _terminal_env(slow_imports, tmp_path), tmp_path)
    term.read_until(HIDE_CURSOR)
    shown = term.read_until("(0 failed)")  # the imports bar, drawn and refreshed
    assert "imports" in shown
    term.process.send_signal(signal.SIGINT)
    assert term.finish() == 130, term.seen
    lines = screen_of(term.seen)
    stopping = [line for line in lines if "SIGINT: stopping." in line]
    assert len(stopping) == 1, "\n".join(lines)
    assert not [line for line in lines if "(0 failed)" in line], "\n".join(lines)  # bars gone
    assert any(line.startswith("Apply interrupted: 3 created") for line in lines), lines
    assert lines.index(stopping[0]) < lines.index(
        next(line for line in lines if line.startswith("Apply interrupted"))
    )


@pytest.fixture
def held_listing(tmp_path):
    """The video listing hangs: it is answered only when the fake's manual clock moves."""
    clock = FakeClock(auto=False)
    with FakePeerTube(rate_limit=None, login_rate_limit=None, clock=clock) as server:
        server.add_user(USER, PASSWORD)
        server.faults.slow_seconds = 30.0
        server.faults.inject("slow", method="GET", path="/api/v1/users/me/videos", times=5)
        try:
            yield server
        finally:
            clock.advance(60)  # let the held answers go


def test_plan_interrupted_says_nothing_was_changed(held_listing, manifest, tmp_path):
    fake = held_listing
    path = manifest(import_entries(2))
    argv = [PYTHON, "-m", "ptsync", "plan", str(path)]
    term = Terminal(argv, _terminal_env(fake, tmp_path), tmp_path)
    fake.clock.wait_for_sleepers(1)  # the plan reached the listing, which is held
    term.process.send_signal(signal.SIGINT)
    assert term.finish() == 130, term.seen
    lines = screen_of(term.seen)
    assert "Interrupted (SIGINT); nothing was changed." in lines, lines
    assert "applied" not in term.seen


def test_json_logs_are_json_on_every_stderr_line(fake, manifest, tmp_path):
    """Results (✓ and ✗), progress, log records at -v and the error line: all JSON; stdout
    keeps the plan and the summary. stderr is a terminal (bars would be drawn in text)."""
    fake.set_import_target("https://archive.example.org/v01.mp4", "not-a-video")
    path = manifest(import_entries(3))
    master, slave = os.openpty()
    argv = [PYTHON, "-m", "ptsync", "--log-format", "json", "-vv", "apply", str(path)]
    argv += ["--auto-approve", "--wait"]
    process = subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=_terminal_env(fake, tmp_path),
        cwd=tmp_path,
    )
    os.close(slave)
    chunks: list[bytes] = []

    def drain() -> None:  # read the terminal while the process writes (a full pty blocks it)
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=drain)
    reader.start()
    stdout, _ = process.communicate(timeout=120)
    reader.join(timeout=30)
    os.close(master)
    seen = b"".join(chunks)
    assert process.returncode == 1
    lines = [line for line in seen.decode().replace("\r\n", "\n").split("\n") if line]
    records = [json.loads(line) for line in lines]  # every line parses
    assert all({"time", "level", "logger", "message"} <= set(r) for r in records)
    results = [r for r in records if r.get("event") == "result"]
    assert {(r["item"], r["success"]) for r in results} >= {("v00", True), ("v01", False)}
    failed = next(r for r in results if not r["success"])
    assert failed["level"] == "error" and "ffprobe" in failed["error"]
    assert any(r.get("event") == "progress" for r in records)
    assert any(r["logger"].startswith("ptsync.") and r["logger"] != "ptsync.cli" for r in records)
    assert records[-1]["message"].startswith("Error: 1 of 3 changes failed")
    assert "\x1b[" not in seen.decode()  # no bars, no colour codes
    assert b"Apply complete: 2 created" in stdout

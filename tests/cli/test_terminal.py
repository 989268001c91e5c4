"""Issue 13 item 1: on a colour terminal the confirmation prompt shows, echoes what is typed,
and the progress display starts only after it. Run in a real pseudo-terminal: ``python -m
ptsync apply`` with TERM=xterm-256color against the fake PeerTube over HTTP."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import termios
import time
from pathlib import Path

import pytest

from tests.cli.conftest import PYTHON, command_env, import_entries
from tests.integration.conftest import marked_videos

PROMPT = "Only 'yes' is accepted:"
HIDE_CURSOR = "\x1b[?25l"  # rich hides the cursor when its live display starts


class Terminal:
    """A process on the slave side of a pty; what it writes is read from the master side."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path):
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd, close_fds=True
        )
        os.close(slave)
        self.seen = ""

    def read_until(self, needle: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while needle not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{needle!r} did not appear; the terminal shows:\n{self.seen}")
            ready, _, _ = select.select([self.master], [], [], min(left, 0.5))
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # the process closed the terminal
                    chunk = b""
                if not chunk and self.process.poll() is not None:
                    raise AssertionError(
                        f"{needle!r} never appeared; exit {self.process.poll()}:\n{self.seen}"
                    )
                self.seen += chunk.decode("utf-8", "replace")
        return self.seen

    def type(self, text: str) -> None:
        os.write(self.master, text.encode())

    def finish(self, timeout: float = 60.0) -> int:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.seen += os.read(self.master, 4096).decode("utf-8", "replace")
                except OSError:
                    break
        code = self.process.wait(timeout=max(1.0, deadline - time.monotonic()))
        os.close(self.master)
        return code


@pytest.fixture
def terminal_env(fake, tmp_path):
    env = command_env(fake, tmp_path / "cache", TERM="xterm-256color", COLUMNS="120")
    return env


def _apply(manifest_path: Path, env: dict[str, str], cwd: Path) -> Terminal:
    return Terminal([PYTHON, "-m", "ptsync", "apply", str(manifest_path)], env, cwd)


def test_prompt_is_visible_and_echoes_on_a_colour_terminal(fake, manifest, terminal_env, tmp_path):
    path = manifest(import_entries(2))
    term = _apply(path, terminal_env, tmp_path)
    before = term.read_until(PROMPT)
    assert "\x1b[" in before, "the plan is coloured: this is a colour terminal"
    assert "+ create" in before and "v01" in before
    assert HIDE_CURSOR not in before, "the progress display started before the prompt"
    term.type("no\n")
    shown = term.read_until("cancelled")
    assert re.search(re.escape(PROMPT) + r" no\r?\n", shown), "the typed answer is echoed"
    assert term.finish() == 1
    assert marked_videos(fake) == {} and fake.count("POST") == 1  # the login only

    term = _apply(path, terminal_env, tmp_path)
    term.read_until(PROMPT)
    term.type("yes\n")
    term.read_until("Apply complete")
    assert term.finish() == 0, term.seen
    assert re.search(re.escape(PROMPT) + r" yes\r?\n", term.seen)
    assert sorted(marked_videos(fake)) == ["v00", "v01"]

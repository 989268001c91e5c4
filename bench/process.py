"""One ``ptsync`` process as a user runs it, timed against the server's request log.

A run's time splits into what the server sees and what it does not:

- ``start_s``: from spawning the process to the first request's arrival (interpreter, imports,
  loading the manifest): a fixed cost;
- ``span_s``: from the first request's arrival to the last answer, which the rate limit's
  windows set for an ordinary user (``floor_s``), the server's speed for staff;
- ``exit_s``: from the last answer to the process's end: a fixed cost;
- ``process_s``: the whole, what a user or CI job waits for.

The fake stamps each request on arrival (``started``) and when its answer is ready
(``finished``, the moment a real PeerTube's request log stamps), on the same clock as this
process (``time.time``). The process runs as an installed ptsync does (bytecode compiled,
``PYTHONDONTWRITEBYTECODE`` unset: ``startup.as_installed``).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from startup import ptsync_command  # bench/startup.py

from ptsync.testing import FakePeerTube, RequestRecord


@dataclass(frozen=True)
class Process:
    """A finished ``ptsync`` process and the requests the server logged meanwhile."""

    code: int
    stdout: str
    stderr: str
    spawned: float
    exited: float
    rss_mb: float
    records: Sequence[RequestRecord]

    @property
    def first_arrival(self) -> float:
        return min(r.started for r in self.records)

    @property
    def last_answer(self) -> float:
        return max(r.finished or r.started for r in self.records)

    def figures(self) -> dict[str, Any]:
        """start_s, span_s, exit_s, process_s (seconds, rounded to the millisecond)."""
        figures: dict[str, Any] = {"process_s": round(self.exited - self.spawned, 3)}
        if self.records:
            figures["start_s"] = round(self.first_arrival - self.spawned, 3)
            figures["span_s"] = round(self.last_answer - self.first_arrival, 3)
            figures["exit_s"] = round(self.exited - self.last_answer, 3)
        return figures


def run_cli(
    args: Sequence[str], env: dict[str, str], fake: FakePeerTube, cwd: Path | None = None
) -> Process:
    """``ptsync ARGS`` in a process of its own; the fake's log is cleared first."""
    fake.clear_requests()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        spawned = time.time()
        proc = subprocess.Popen(
            [*ptsync_command(), *args], env=env, stdout=out, stderr=err, cwd=cwd
        )
        _, status, usage = os.wait4(proc.pid, 0)
        exited = time.time()
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    return Process(
        proc.returncode,
        stdout,
        stderr,
        spawned,
        exited,
        usage.ru_maxrss / 1024,  # KiB on Linux
        fake.requests,
    )

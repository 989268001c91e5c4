"""Every stderr line is written whole, in one call: apply's workers report results from their
own threads while log records are written, and a line written in two calls (text, then its
newline, as ``print`` does) can be split by another thread's line — a torn JSON line."""

from __future__ import annotations

import json
import logging
import sys
import threading

from ptsync.cli import console


class _Recorder:
    def __init__(self) -> None:
        self.writes: list[str] = []
        self.lock = threading.Lock()

    def write(self, text: str) -> int:
        with self.lock:
            self.writes.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def test_each_stderr_line_is_one_write_of_a_whole_json_line(monkeypatch):
    recorder = _Recorder()
    monkeypatch.setattr(sys, "stderr", recorder)
    console.setup_logging(1, False, "json")
    try:
        threads = [
            threading.Thread(target=lambda i=i: console.err(f"result {i}", level="info"))
            for i in range(8)
        ]
        for thread in threads:
            thread.start()
        logging.getLogger("ptsync.test").warning("a log record beside them")
        for thread in threads:
            thread.join()
    finally:
        console.setup_logging(0, False, "text")
    assert len(recorder.writes) == 9
    for written in recorder.writes:
        assert written.endswith("\n") and written.count("\n") == 1, written
        assert {"time", "level", "logger", "message"} <= set(json.loads(written))

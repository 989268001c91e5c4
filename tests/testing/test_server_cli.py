"""``python -m ptsync.testing.server`` as a user runs it."""

from __future__ import annotations

import re
import socket
import subprocess
import sys

import requests


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_module_serves_until_terminated() -> None:
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "ptsync.testing.server",
        "--port",
        str(port),
        "--user",
        "ann:pw1",
        "--seed-videos",
        "3",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)", first)
        assert match and int(match.group(1)) == port, first
        assert "ann / pw1" in process.stdout.readline()
        url = match.group(0)
        config = requests.get(f"{url}/api/v1/config", timeout=5)
        assert config.status_code == 200
        assert config.json()["serverVersion"] == "6.3.0"
        videos = requests.get(f"{url}/api/v1/video-channels/ann_channel/videos", timeout=5).json()
        assert videos["total"] == 3
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
    assert process.stderr is not None
    assert "Traceback" not in process.stderr.read()

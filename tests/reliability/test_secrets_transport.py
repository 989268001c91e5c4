"""No secret in any output, log, plan file, report or cache; transport security; ownership."""

from __future__ import annotations

import os
import ssl
import stat
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ptsync.cli import main
from ptsync.errors import ConfigError
from ptsync.marker import Marker, compose_description
from ptsync.peertube import Credentials, PeerTubeClient
from ptsync.testing import FakePeerTube
from tests.fakeenv import point_at

PASSWORD = "Pa55-UNIQUE-4242-secret"
ROOT = Path(__file__).resolve().parents[2]


def _files_text(folder: Path, skip: Path | None = None) -> str:
    chunks = []
    for path in folder.rglob("*"):
        if path.is_file() and (skip is None or skip not in path.parents):
            chunks.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(chunks)


def test_password_and_token_never_leak(tmp_path, monkeypatch, capsys, caplog):
    caplog.set_level("DEBUG")
    with FakePeerTube(rate_limit=None, login_rate_limit=None, import_duration=0.05) as fake:
        fake.add_user("alice", PASSWORD)
        folder = tmp_path / "manifests"
        folder.mkdir()
        (folder / "m.yaml").write_text(
            "apiVersion: ptsync/v1\nsystem: nisv\nvideos:\n"
            "  - {id: a, source: {url: 'https://archive.example.org/a.mp4'}, name: Video A}\n"
        )
        cache = tmp_path / "cache"
        monkeypatch.setenv("PEERTUBE_URL", fake.url)
        monkeypatch.setenv("PEERTUBE_USERNAME", "alice")
        monkeypatch.setenv("PEERTUBE_PASSWORD", PASSWORD)
        monkeypatch.setenv("PTSYNC_CACHE_DIR", str(cache))
        runs = [
            ["-vv", "plan", str(folder)],
            ["-vv", "--log-format", "json", "plan", str(folder), "--format", "json"],
            [
                "-v",
                "plan",
                str(folder),
                "--format",
                "markdown",
                "--out",
                str(tmp_path / "plan.bin"),
            ],
            [
                "-vv",
                "apply",
                str(folder),
                "--auto-approve",
                "--wait",
                "--report",
                str(tmp_path / "r.json"),
            ],
            ["-vv", "--log-format", "json", "status", str(folder), "--format", "json"],
        ]
        output = []
        for argv in runs:
            assert main(argv) == 0, argv
            captured = capsys.readouterr()
            output += [captured.out, captured.err]
        (token_file,) = (cache / "tokens").iterdir()
        assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
        token = __import__("json").loads(token_file.read_text())["access"]
        # the same again with PEERTUBE_TOKEN instead of a password
        monkeypatch.delenv("PEERTUBE_USERNAME")
        monkeypatch.delenv("PEERTUBE_PASSWORD")
        monkeypatch.setenv("PEERTUBE_TOKEN", token)
        assert main(["-vv", "plan", str(folder), "--format", "json"]) == 0
        captured = capsys.readouterr()
        output += [captured.out, captured.err]
    everything = "\n".join(output) + caplog.text + _files_text(tmp_path, skip=cache / "tokens")
    everything += _files_text(ROOT / "tests" / "peertube" / "cassettes")
    leaks = [s for s in (PASSWORD, token) if s in everything]
    assert leaks == [], "secret found in output, logs or files"


def test_plain_http_to_a_remote_host_is_refused_before_any_request(tmp_path, monkeypatch, capsys):
    path = tmp_path / "m.yaml"
    path.write_text("apiVersion: ptsync/v1\nsystem: nisv\nvideos: []\n")
    monkeypatch.setenv("PEERTUBE_URL", "http://videos.example.org")
    monkeypatch.setenv("PEERTUBE_TOKEN", "t0ken")
    assert main(["plan", str(path)]) == 1
    err = capsys.readouterr().err
    assert "refusing plain http to videos.example.org" in err and "--insecure-http" in err


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"videoQuotaUsed": 0, "videoQuotaUsedDaily": 0}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _self_signed(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    done = subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip("openssl cannot make a test certificate here")
    return cert, key


def test_tls_is_verified_and_a_custom_ca_bundle_is_honoured(tmp_path, monkeypatch):
    cert, key = _self_signed(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    try:
        monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
        monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
        client = PeerTubeClient(url, Credentials(token="t0ken"))
        with client, pytest.raises(ConfigError) as info:
            client.quota_used()
        assert "TLS certificate verification failed" in str(info.value)
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
        with PeerTubeClient(url, Credentials(token="t0ken")) as client:
            assert client.quota_used()["videoQuotaUsed"] == 0
    finally:
        server.shutdown()


def test_prune_only_deletes_videos_carrying_this_systems_first_line_marker(
    tmp_path, monkeypatch, capsys
):
    with FakePeerTube(rate_limit=None, login_rate_limit=None) as fake:
        fake.add_user("alice", "pw-alice-1")
        ours = fake.add_video(
            "alice", name="Ours", description=compose_description(Marker("nisv", "x"), "t")
        )
        fake.add_video(
            "alice", name="Other system", description=compose_description(Marker("other", "x"), "t")
        )
        fake.add_video("alice", name="Quoted marker", description="See <!-- ptsync:nisv/y --> here")
        fake.add_video("alice", name="Nobody's", description="plain")
        path = tmp_path / "m.yaml"
        path.write_text("apiVersion: ptsync/v1\nsystem: nisv\nvideos: []\n")
        point_at(monkeypatch, fake, tmp_path / "c")
        assert main(["apply", str(path), "--prune", "--auto-approve"]) == 4  # 1 of 1 owned: refused
        assert len(fake.videos()) == 4
        assert main(["apply", str(path), "--prune", "--force", "--auto-approve"]) == 0
        names = sorted(v["name"] for v in fake.videos())
        assert names == ["Nobody's", "Other system", "Quoted marker"]
        assert ours["uuid"] not in {v["uuid"] for v in fake.videos()}
        capsys.readouterr()

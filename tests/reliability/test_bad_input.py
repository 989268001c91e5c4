"""Hostile and malformed manifests, fuzzed: exit 1, one clear FILE:LINE message, no traceback,
no request sent. And bad server answers: a clear error naming the endpoint."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ptsync.cli import main
from ptsync.testing import FakePeerTube

VALID = """apiVersion: ptsync/v1
system: nisv
defaults: {privacy: Public}
videos:
  - id: a1
    source: {url: "https://archive.example.org/a1.mp4"}
    name: First video
    tags: [science, archive]
  - id: b2
    uuid: 9c9de5e8-0a1b-4ca3-9d1e-3a5b0c2d7f11
    category: 15
"""

NEAR_MISSES = ["nmae", "tagz", "descripton", "privcy", "chanel", "sorce", "thumbnial"]
WEIRD = st.sampled_from(
    ["\u202e", "\u200b", "🎬" * 40, "\x00", "\ufeff", "ǅ", "x" * 20_000, "é" * 121, "\n" * 3, "\t"]
)


def _mutations() -> st.SearchStrategy[str]:
    lines = VALID.splitlines(keepends=True)
    truncate = st.integers(1, len(VALID) - 1).map(lambda n: VALID[:n] + "\n  - [unclosed\n")
    unknown = st.sampled_from(NEAR_MISSES).map(lambda k: VALID + f"    {k}: something\n")
    wrong_type = st.sampled_from(
        ["name: [1, 2]", "tags: 5", "nsfw: maybe", "privacy: {a: 1}", "name: 12345", "tags: [a]"]
    ).map(lambda line: VALID + f"    {line}\n")
    duplicate = st.just(VALID + "  - id: a1\n    uuid: 11111111-0a1b-4ca3-9d1e-3a5b0c2d7f11\n")
    huge = WEIRD.map(lambda w: VALID.replace("First video", f'"{w}"'))
    bomb = st.integers(5, 9).map(
        lambda depth: (
            "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
            + "".join(
                f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]\n" for i in range(1, depth)
            )
            + VALID
        )
    )
    escape = st.sampled_from(
        ["../x.mp4", "/etc/passwd.mp4", "../../secret.mp4", "missing.mp4"]
    ).map(lambda p: VALID + f"  - id: c3\n    source: {{file: '{p}'}}\n")
    garbage = st.text(min_size=1, max_size=200).map(lambda t: "apiVersion: ptsync/v1\n" + t)
    swapped = st.integers(0, len(lines) - 2).map(
        lambda i: "".join([*lines[:i], lines[i + 1], lines[i], *lines[i + 2 :]])
    )
    return st.one_of(truncate, unknown, wrong_type, duplicate, huge, bomb, escape, garbage, swapped)


FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
seen = {"cases": 0, "rejected": 0}


@FUZZ
@given(text=_mutations())
def test_fuzzed_manifest_gives_one_clear_error_and_no_request(text, tmp_path_factory, capsys):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "m.yaml"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    with FakePeerTube(rate_limit=None, login_rate_limit=None) as fake:
        fake.add_user("alice", "pw-alice-1")
        env = {
            "PEERTUBE_URL": fake.url,
            "PEERTUBE_USERNAME": "alice",
            "PEERTUBE_PASSWORD": "pw-alice-1",
        }
        with pytest.MonkeyPatch.context() as mp:
            for key, value in env.items():
                mp.setenv(key, value)
            mp.setenv("PTSYNC_CACHE_DIR", str(folder / "cache"))
            capsys.readouterr()
            code = main(["validate", str(path)])
            err = capsys.readouterr().err
            assert "Traceback" not in err
            seen["cases"] += 1
            if code == 0:
                return  # the mutation happened to be valid
            seen["rejected"] += 1
            assert code == 1
            problems = [line for line in err.splitlines() if line.strip()]
            assert problems and all(p.startswith(f"{path}:") for p in problems), err
            assert main(["plan", str(path)]) == 1
            assert fake.count() == 0  # nothing was sent for an invalid manifest


def test_report_fuzz_figures():
    print(f"\nfuzzed manifests: {seen['cases']} cases, {seen['rejected']} rejected with file:line")


class _BadServer(BaseHTTPRequestHandler):
    """Answers the token dance, then breaks the video listing in the requested way."""

    mode = "html"

    def do_GET(self) -> None:
        bodies = {
            "html": (200, "text/html", b"<html><h1>502 Bad Gateway</h1></html>"),
            "truncated": (200, "application/json", b'{"total": 3, "data": [{"id": 1'),
            "missing": (200, "application/json", b'{"total": 1, "data": [{"id": 1}]}'),
            "proxy-502": (502, "text/html", b"<html>bad gateway</html>"),
        }
        if (
            "/videos/categories" in self.path
            or "/licences" in self.path
            or "/privacies" in self.path
        ):
            status, kind, body = 200, "application/json", b'{"1": "One"}'
        elif "/videos/languages" in self.path:
            status, kind, body = 200, "application/json", b'{"en": "English"}'
        elif self.path.startswith("/api/v1/users/me/videos"):
            status, kind, body = bodies[type(self).mode]
        elif self.path.startswith("/api/v1/users/me"):
            status, kind, body = (
                200,
                "application/json",
                b'{"username": "alice", "videoChannels": []}',
            )
        else:
            status, kind, body = 404, "application/json", b'{"status": 404}'
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.parametrize("mode", ["html", "truncated", "missing", "proxy-502"])
def test_bad_server_answers_are_one_clear_error(mode, tmp_path, monkeypatch, capsys):
    handler = type("Handler", (_BadServer,), {"mode": mode})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        path = tmp_path / "m.yaml"
        path.write_text("apiVersion: ptsync/v1\nsystem: nisv\nvideos: []\n")
        monkeypatch.setenv("PEERTUBE_URL", f"http://127.0.0.1:{server.server_address[1]}")
        monkeypatch.setenv("PEERTUBE_TOKEN", "t0ken-abc")
        monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
        capsys.readouterr()
        code = main(["plan", str(path), "--no-cache", "--timeout", "2"])
        err = capsys.readouterr().err
        assert code == 1
        assert "Traceback" not in err
        assert "/api/v1/users/me/videos" in err
        assert len([line for line in err.splitlines() if line.strip()]) == 1, err
    finally:
        server.shutdown()


def test_missing_manifest_file(capsys):
    assert main(["validate", str(Path("/nonexistent/ptsync.yaml"))]) == 1
    assert "no such file or folder" in capsys.readouterr().err

"""Secrets in source URLs: userinfo, signed query strings and credentials from the environment
reach PeerTube in the import request and nowhere else: not the plan (text, JSON, markdown),
the plan file, the report, the webhook body, status, stderr or log records. PeerTube's own
error texts and import rows quote the targetUrl, credentials included: never shown either.
A rotated signature is not a new source, and an import row whose URL carries credentials
still identifies its video once the marker is gone. On the 6.3 and 8.3 profiles."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from ptsync import clock as clocks
from ptsync.cli.app import main
from ptsync.clock import FakeClock
from ptsync.marker import parse_description
from ptsync.testing import FakePeerTube
from tests.reliability.test_secrets import LOGGERS, forms, leaks

SIGNATURE, SIGNATURE_2 = "SigSecret0001abcdef", "SigSecret0002fedcba"
CREDENTIAL = "AKIAQSECRET/20261201/us-east-1/s3/aws4_request"
USERINFO = "Userinfo-Secret-77"
ENV_SECRET = "Env-Secret wörd+&=/99"
BROKEN_SECRET = "Broken-Secret-55"
SECRETS = (SIGNATURE, SIGNATURE_2, CREDENTIAL, USERINFO, ENV_SECRET, BROKEN_SECRET)
SIGNED = (
    "https://bucket.example.org/s.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256"
    "&X-Amz-Credential={credential}&X-Amz-Date={date}&X-Amz-Expires=3600"
    "&X-Amz-SignedHeaders=host&X-Amz-Signature={signature}"
)
MANIFEST = """apiVersion: ptsync/v1
system: nisv
notify: {hook}
videos:
  - id: signed
    source: {{url: "{signed}"}}
    name: Signed
  - id: userinfo
    source: {{url: "https://archiver:{userinfo}@archive.example.org/u.mp4"}}
    name: With userinfo
  - id: private
    source:
      url: https://private.example.org/p.mp4
      credentials: {{env: ARCHIVE_CREDENTIALS}}
    name: Private
  - id: broken
    source: {{url: "https://archiver:{broken}@archive.example.org/gone.mp4"}}
    name: Broken
"""


class _Hook(BaseHTTPRequestHandler):
    bodies: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        _Hook.bodies.append(self.rfile.read(length).decode("utf-8", "replace"))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hook() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    _Hook.bodies = []
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


@pytest.fixture(params=["6.3", "8.3"])
def fake(request, tmp_path, monkeypatch) -> Iterator[FakePeerTube]:
    clock = FakeClock()  # the fake's and (as the default) the in-process CLI's
    with (
        FakePeerTube(
            rate_limit=None,
            login_rate_limit=None,
            import_duration=0.05,
            version=request.param,
            clock=clock,
        ) as server,
        clocks.using(clock),
    ):
        server.add_user("alice", "alice-secret-pw")
        server.set_import_target(
            f"https://archiver:{BROKEN_SECRET}@archive.example.org/gone.mp4", "unreachable"
        )
        monkeypatch.setenv("PEERTUBE_URL", server.url)
        monkeypatch.setenv("PEERTUBE_USERNAME", "alice")
        monkeypatch.setenv("PEERTUBE_PASSWORD", "alice-secret-pw")
        monkeypatch.delenv("PEERTUBE_TOKEN", raising=False)
        monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.setenv("ARCHIVE_CREDENTIALS", f"archiver:{ENV_SECRET}")
        yield server


@pytest.fixture
def logs(caplog):
    caplog.set_level("DEBUG")
    for name in LOGGERS:
        __import__("logging").getLogger(name).addHandler(caplog.handler)
    yield caplog
    for name in LOGGERS:
        __import__("logging").getLogger(name).removeHandler(caplog.handler)


def _write(path: Path, hook: str, signature: str = SIGNATURE, date: str = "20261201T000000Z"):
    signed = SIGNED.format(credential=CREDENTIAL, date=date, signature=signature)
    path.write_text(
        MANIFEST.format(hook=hook, signed=signed, userinfo=USERINFO, broken=BROKEN_SECRET)
    )


def _run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_source_secrets_reach_peertube_and_nothing_else(fake, hook, tmp_path, capsys, logs):
    manifest, plan_file, report = tmp_path / "m.yaml", tmp_path / "plan.json", tmp_path / "r.json"
    _write(manifest, hook)
    m = str(manifest)
    texts = []
    for argv in (
        ["-vv", "plan", m],
        ["-vv", "--log-format", "json", "plan", m, "--format", "json"],
        ["-v", "plan", m, "--format", "markdown", "--out", str(plan_file)],
    ):
        code, out, err = _run(capsys, *argv)
        assert code == 0, err
        texts += [out, err]
    assert "https://REDACTED@archive.example.org/u.mp4" in texts[0]
    assert (
        "X-Amz-Signature=REDACTED" in texts[0] and "https://private.example.org/p.mp4" in texts[0]
    )
    code, out, err = _run(capsys, "-vv", "apply", str(plan_file), "--report", str(report), "--wait")
    assert code == 1, err  # the broken source fails, named, with PeerTube's error redacted
    assert "Cannot fetch information from import for URL https://REDACTED@archive" in err
    texts += [out, err]
    for argv in (["-vv", "status", m], ["status", m, "--format", "json"]):
        _code, out, err = _run(capsys, *argv)
        texts += [out, err]
    # PeerTube got every URL whole, with the credentials the environment holds
    targets = {row["targetUrl"] for row in fake.imports()}
    assert f"https://archiver:{USERINFO}@archive.example.org/u.mp4" in targets
    assert "https://archiver:Env-Secret%20w%C3%B6rd%2B%26%3D%2F99@private.example.org/p.mp4" in (
        targets
    )
    assert any(SIGNATURE in t for t in targets)
    (body,) = _Hook.bodies
    assert json.loads(body)["summary"]["failed"] == 1
    files = "\n".join(  # plan file, report, caches: everything but the manifest itself
        p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file() and p != manifest
    )
    everything = "\n".join(texts) + logs.text + files + body
    found = leaks(everything, *SECRETS)
    assert found == [], _where(everything, found[0])
    assert not any(form in everything for form in forms("archiver:" + ENV_SECRET))


def test_a_rotated_signature_is_the_same_source(fake, hook, tmp_path, capsys):
    manifest = tmp_path / "m.yaml"
    _write(manifest, hook)
    code, _, err = _run(capsys, "apply", str(manifest), "--auto-approve", "--wait")
    assert code == 1, err  # the broken one
    _write(manifest, hook, signature=SIGNATURE_2, date="20261202T000000Z")
    code, out, err = _run(capsys, "plan", str(manifest))
    assert code == 0, err
    assert "~ update signed" not in out and "+ create signed" not in out  # same source


def test_an_import_row_with_credentials_still_finds_its_video(fake, hook, tmp_path, capsys):
    manifest = tmp_path / "m.yaml"
    _write(manifest, hook)
    _run(capsys, "apply", str(manifest), "--auto-approve", "--wait")
    (private,) = [v for v in fake.videos() if v["name"] == "Private"]
    text = parse_description(private["description"]).text
    fake.edit_video(private["uuid"], description=text)  # the marker deleted in the web UI
    code, out, err = _run(capsys, "plan", str(manifest))
    assert code == 0, err
    assert f'~ update private  "Private" ({private["uuid"]}, matched by import)' in out
    assert "+ create private" not in out
    assert ENV_SECRET not in out and "archiver" not in out


def test_credentials_are_needed_only_to_create(fake, hook, tmp_path, capsys, monkeypatch):
    manifest = tmp_path / "m.yaml"
    _write(manifest, hook)
    monkeypatch.delenv("ARCHIVE_CREDENTIALS")
    code, out, err = _run(capsys, "plan", str(manifest))
    assert code == 1 and out == ""
    (line,) = err.strip().splitlines()
    assert line.startswith(f"{manifest}:14:")
    assert (
        "videos[2].source.credentials.env: environment variable ARCHIVE_CREDENTIALS is not set"
        in line
    )
    monkeypatch.setenv("ARCHIVE_CREDENTIALS", "no-colon-here")
    code, _, err = _run(capsys, "plan", str(manifest))
    assert code == 1 and "$ARCHIVE_CREDENTIALS must be user:password" in err
    assert "no-colon-here" not in err
    monkeypatch.setenv("ARCHIVE_CREDENTIALS", f"archiver:{ENV_SECRET}")
    _run(capsys, "apply", str(manifest), "--auto-approve", "--wait")
    monkeypatch.delenv("ARCHIVE_CREDENTIALS")  # the video exists: a drift check needs none
    code, out, err = _run(capsys, "plan", str(manifest))
    assert code == 0, err
    assert "+ create private" not in out and "~ update private" not in out


def _where(everything: str, secret: str) -> str:
    at = everything.find(secret)
    return everything[max(0, at - 300) : at + 50]

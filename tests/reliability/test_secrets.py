"""No password or token in any output, log record, plan file, report, cache file or cassette.

Every command that talks to the server runs with ``-v``/``-vv`` and both log formats, with a
password (then a wrong one), and again with ``PEERTUBE_TOKEN`` (then a wrong one). Log records
are captured at DEBUG from every ``ptsync.*`` logger (ptsync's own handler does not propagate
to the root logger, so caplog's handler is attached to each logger). Secrets are searched
raw, URL-encoded and JSON-escaped. The token cache is the one file allowed to hold the token,
and it must be readable by its owner only. A password-protected video's passwords (issue 15,
``passwords: {env: VIDEO_PASSWORDS}``) are created, changed through a saved plan and a direct
apply, and never appear anywhere either.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
import yaml

from ptsync.cli.app import main
from ptsync.testing import FakePeerTube
from tests.reliability.figures import add

PASSWORD = "Pa55 wörd+%26&=/UNIQUE-4242"  # spaces, +, %, &, =, / and non-ASCII: every encoding
# video passwords (issue 15), from VIDEO_PASSWORDS: first two, then the third replaces one
VIDEO_SECRETS = ("Vid-Secret wörd+1&=/", "Vid-Secret-Two-2")
NEW_VIDEO_SECRET = "Vid-Secret-Three%3"
WRONG_PASSWORD = "Wr0ng-PASSWORD-9876-unique"
WRONG_TOKEN = "wrongtoken0123456789abcdef0123456789abcd"
TESTS = Path(__file__).resolve().parents[1]
LOGGERS = ["ptsync.http", "ptsync.auth", "ptsync.apply", "ptsync.upload", "ptsync.live.cache"]
LOGGERS += ["ptsync.plan", "ptsync.notify"]


def forms(secret: str) -> set[str]:
    """The ways a secret can appear in text: raw, form- and URL-encoded, JSON-escaped."""
    return {secret, quote_plus(secret), quote(secret, safe=""), json.dumps(secret)[1:-1]}


def leaks(text: str, *secrets: str) -> list[str]:
    return [form for secret in secrets for form in forms(secret) if form in text]


@pytest.fixture
def capture_logs(caplog):
    """caplog's handler on every ptsync logger, at DEBUG."""
    caplog.set_level(logging.DEBUG)
    attached = [logging.getLogger(name) for name in LOGGERS]
    for logger in attached:
        logger.addHandler(caplog.handler)
    yield caplog
    for logger in attached:
        logger.removeHandler(caplog.handler)


@pytest.fixture
def setup(tmp_path, monkeypatch):
    with FakePeerTube(rate_limit=None, login_rate_limit=None, import_duration=0.05) as fake:
        fake.add_user("alice", PASSWORD)
        folder = tmp_path / "manifests"
        (folder / "media").mkdir(parents=True)
        (folder / "media" / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"x" * 300_000)
        manifest = folder / "m.yaml"
        manifest.write_text(
            "apiVersion: ptsync/v1\nsystem: nisv\nvideos:\n"
            "  - {id: a, source: {url: 'https://archive.example.org/a.mp4'}, name: Video A}\n"
            "  - {id: b, source: {file: media/clip.mp4}, name: Video B, tags: [one, two]}\n"
            "  - {id: c, source: {url: 'https://archive.example.org/c.mp4'}, name: Video C,\n"
            "     privacy: Password protected, passwords: {env: VIDEO_PASSWORDS}}\n"
        )
        monkeypatch.setenv("VIDEO_PASSWORDS", "\n".join(VIDEO_SECRETS))
        monkeypatch.setenv("PEERTUBE_URL", fake.url)
        monkeypatch.setenv("PEERTUBE_USERNAME", "alice")
        monkeypatch.setenv("PEERTUBE_PASSWORD", PASSWORD)
        monkeypatch.delenv("PEERTUBE_TOKEN", raising=False)
        monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.setenv("NO_COLOR", "1")
        yield fake, manifest, tmp_path


def _run_all(capsys, runs: list[list[str]]) -> list[str]:
    texts = []
    for argv in runs:
        capsys.readouterr()
        code = main(argv)
        captured = capsys.readouterr()
        texts += [captured.out, captured.err]
        assert code == 0, (argv, captured.err[-2000:])
        add("secret-check runs")
    return texts


def _files(folder: Path, skip: Path | None = None) -> dict[Path, str]:
    return {
        path: path.read_bytes().decode("utf-8", "replace")
        for path in folder.rglob("*")
        if path.is_file() and (skip is None or skip not in path.parents)
    }


def _check_json_logs(texts: list[str]) -> int:
    """Every stderr line that looks like a JSON log line is one; returns how many."""
    count = 0
    for text in texts:
        for line in text.splitlines():
            if line.startswith('{"time"'):
                record = json.loads(line)
                assert set(record) >= {"time", "level", "logger", "message"}  # + event fields
                count += 1
    return count


def test_password_and_token_never_leak(setup, capsys, capture_logs, monkeypatch):
    fake, manifest, tmp = setup
    cache = tmp / "cache"
    plan_file, report, report2 = tmp / "plan.json", tmp / "report.json", tmp / "report2.json"
    m = str(manifest)
    texts = _run_all(
        capsys,
        [
            ["-vv", "plan", m],
            ["-vv", "--log-format", "json", "plan", m, "--format", "json"],
            ["-v", "plan", m, "--format", "markdown", "--out", str(plan_file)],
            ["-vv", "--log-format", "json", "apply", str(plan_file), "--report", str(report)],
            ["-vv", "status", m],
            ["-v", "--log-format", "json", "status", m, "--format", "json"],
        ],
    )
    (token_file,) = (cache / "tokens").iterdir()
    assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(token_file.parent).st_mode) & 0o077 == 0
    stored = json.loads(token_file.read_text())
    token, refresh = stored["access"], stored["refresh"]

    # the same with PEERTUBE_TOKEN, changing something so apply writes
    monkeypatch.delenv("PEERTUBE_USERNAME")
    monkeypatch.delenv("PEERTUBE_PASSWORD")
    monkeypatch.setenv("PEERTUBE_TOKEN", token)
    manifest.write_text(manifest.read_text().replace("name: Video A", "name: Video A2"))
    monkeypatch.setenv("VIDEO_PASSWORDS", f"{VIDEO_SECRETS[0]}, {NEW_VIDEO_SECRET}")
    texts += _run_all(
        capsys,
        [
            ["-vv", "--log-format", "json", "plan", m, "--format", "json"],
            ["-vv", "plan", m, "--format", "markdown"],
            ["-vv", "apply", m, "--auto-approve", "--report", str(report2)],
            ["-vv", "--log-format", "json", "status", m],
        ],
    )
    assert fake.videos() and all(
        v["name"] in ("Video A2", "Video B", "Video C") for v in fake.videos()
    )
    (protected,) = [v for v in fake.videos() if v["name"] == "Video C"]
    assert sorted(fake.passwords(protected["uuid"])) == sorted([VIDEO_SECRETS[0], NEW_VIDEO_SECRET])

    records = capture_logs.records
    debug = [r for r in records if r.levelno == logging.DEBUG]
    assert len(debug) >= 20, "too few DEBUG records captured to mean anything"
    assert any("/api/v1/users/token" in r.getMessage() for r in records)
    json_lines = _check_json_logs(texts)
    assert json_lines >= 20
    files = _files(tmp, skip=cache / "tokens")
    assert plan_file in files and report in files and report2 in files
    assert any(p.parent.name == "uploads" for p in files) or fake.upload_sessions
    everything = "\n".join(texts) + capture_logs.text + "\n".join(files.values())
    found = leaks(everything, PASSWORD, token, refresh, *VIDEO_SECRETS, NEW_VIDEO_SECRET)
    add("secret-check log records", len(records))
    add("secret-check files scanned", len(files))
    add("secret leaks found", len(found))
    assert found == [], "a secret leaked into output, logs or files"


def test_rejected_credentials_do_not_echo_the_secret(setup, capsys, capture_logs, monkeypatch):
    _fake, manifest, tmp = setup
    monkeypatch.setenv("PEERTUBE_PASSWORD", WRONG_PASSWORD)
    outputs = []
    for argv in (
        ["-vv", "plan", str(manifest)],
        ["-vv", "--log-format", "json", "status", str(manifest)],
    ):
        capsys.readouterr()
        assert main(argv) == 1
        outputs.append(capsys.readouterr().err)
    assert "/api/v1/users/token: 400" in outputs[0] or "login refused" in outputs[0], outputs[0]
    monkeypatch.delenv("PEERTUBE_USERNAME")
    monkeypatch.delenv("PEERTUBE_PASSWORD")
    monkeypatch.setenv("PEERTUBE_TOKEN", WRONG_TOKEN)
    capsys.readouterr()
    assert main(["-vv", "--log-format", "json", "apply", str(manifest), "--auto-approve"]) == 1
    outputs.append(capsys.readouterr().err)
    assert "401" in outputs[-1], outputs[-1]
    everything = "\n".join(outputs) + capture_logs.text + "\n".join(_files(tmp).values())
    found = leaks(everything, WRONG_PASSWORD, WRONG_TOKEN)
    add("secret leaks found", len(found))
    assert found == []


SECRETS_IN_TESTS = ["alice-secret-pw", "pw-alice-1", PASSWORD]


def test_cassettes_hold_no_secrets():
    cassettes = [
        path
        for path in TESTS.rglob("*.yaml")
        if "interactions:" in path.read_text(encoding="utf-8", errors="replace")
    ]
    if not cassettes:
        pytest.skip("no vcrpy cassette under tests/")
    for path in cassettes:
        text = path.read_text(encoding="utf-8")
        assert leaks(text, *SECRETS_IN_TESTS) == [], path
        for interaction in yaml.safe_load(text)["interactions"]:
            request, response = interaction["request"], interaction["response"]
            headers = {k.lower(): v for k, v in (request.get("headers") or {}).items()}
            assert "authorization" not in headers, f"{path}: Authorization header recorded"
            body = request.get("body") or ""
            for pair in str(body).split("&"):
                key, _, value = pair.partition("=")
                if key in ("password", "client_secret", "refresh_token"):
                    assert value in ("FILTERED", "CLIENT_SECRET", "REFRESH_TOKEN"), (path, key)
            answer = (response.get("body") or {}).get("string") or ""
            if "access_token" in answer:
                doc = json.loads(answer)
                assert doc["access_token"] == "ACCESS_TOKEN", f"{path}: real token recorded"
                assert doc.get("refresh_token") in (None, "REFRESH_TOKEN")
    add("cassettes scanned", len(cassettes))

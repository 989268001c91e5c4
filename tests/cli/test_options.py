"""Issue 13 item 6: options work where people type them, wrong values are refused with one
line (exit 1) before any request, --quiet keeps stderr for errors; ``--media-root`` reaches
every command that loads manifests."""

from __future__ import annotations

import json

import pytest

from ptsync.cli.options import hoist_globals
from tests.cli.conftest import import_entries


def test_verbose_and_log_format_after_the_command(fake, manifest, cli):
    path = manifest("videos: []\n")
    result = cli("plan", str(path), "-vv", "--log-format", "json")
    assert result.code == 0, result.text
    records = [json.loads(line) for line in result.err.splitlines() if line.startswith("{")]
    assert records and any("/api/v1/users/me/videos" in r["message"] for r in records)
    before = cli("plan", str(path), "-vv", "--log-format=json")  # the = form, cached this time
    lines = before.err.splitlines()
    assert before.code == 0 and lines and all(json.loads(line)["level"] for line in lines)


def test_quiet_after_the_command_prints_only_errors(fake, manifest, cli, tmp_path):
    path = manifest(import_entries(2))
    result = cli("apply", str(path), "--auto-approve", "--no-wait", "-q")
    assert result.code == 0 and result.err == "", result.err  # no ✓ lines
    assert "Apply complete: 2 created" in result.out  # stdout is the result: unchanged
    assert cli("validate", str(path), "--quiet").err == ""
    saved = cli("plan", str(path), "--out", str(tmp_path / "p.json"), "-q")
    assert saved.code == 0 and saved.err == ""
    fake.faults.inject(400, method="PUT", times=9)
    fake.edit_video(fake.videos()[0]["uuid"], name="Renamed by hand")
    failed = cli("apply", str(path), "--auto-approve", "--no-wait", "-q")
    assert failed.code == 1
    assert "✗ update" in failed.err and "✓" not in failed.err  # errors still shown


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--rate-limit", "0/10"], "REQUESTS must be at least 1"),
        (["--rate-limit", "10/0"], "SECONDS must be more than 0"),
        (["--rate-limit", "lots"], "expected REQUESTS/SECONDS"),
        (["--rate-limit", "-5/10"], "REQUESTS must be at least 1"),
        (["--log-format", "xml"], "'xml' is not one of"),
        (["--parallelism", "0"], "--parallelism"),
    ],
)
def test_invalid_values_are_one_line_errors_before_any_request(fake, manifest, cli, args, says):
    path = manifest(import_entries(1))
    result = cli("plan", str(path), *args)
    assert result.code == 1
    assert result.out == "" and result.err.count("\n") == 1, result.err
    assert result.err.startswith("Error: ") and says in result.err, result.err
    assert fake.count() == 0


def test_wait_timeout_must_not_be_negative(fake, manifest, cli):
    result = cli("apply", str(manifest(import_entries(1))), "--wait-timeout", "-5")
    assert result.code == 1 and "--wait-timeout" in result.err and result.err.count("\n") == 1
    assert fake.count() == 0


def test_status_refuses_markdown_instead_of_printing_text(fake, manifest, cli):
    result = cli("status", str(manifest(import_entries(1))), "--format", "markdown")
    assert result.code == 1 and result.out == ""
    assert "'markdown' is not one of" in result.err and result.err.count("\n") == 1
    assert fake.count() == 0


def test_a_value_is_never_taken_for_a_global_option():
    def valued(command: str) -> frozenset[str]:
        return frozenset({"--out", "-o"})

    assert hoist_globals(["plan", "m/", "-v"], valued) == ["-v", "plan", "m/"]
    assert hoist_globals(["plan", "--out", "-q", "-vv"], valued) == ["-vv", "plan", "--out", "-q"]
    assert hoist_globals(["-q", "plan", "--log-format", "json"], valued) == [
        "-q",
        "--log-format",
        "json",
        "plan",
    ]
    assert hoist_globals(["plan", "--", "-v"], valued) == ["plan", "--", "-v"]


def test_media_root_reaches_validate_plan_and_apply(fake, manifest, cli, tmp_path):
    media = tmp_path / "media-store"
    media.mkdir()
    (media / "clip.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"x" * 2048)
    path = manifest(
        f"""\
        videos:
          - id: up-1
            source: {{file: {media / "clip.mp4"}}}
            name: Uploaded clip
            channel: alice_channel
        """
    )
    refused = cli("validate", str(path))
    assert refused.code == 1 and "--media-root" in refused.err
    assert cli("validate", str(path), "--media-root", str(media)).code == 0
    assert cli("plan", str(path), "--media-root", str(media)).code == 0
    assert cli("status", str(path), "--media-root", str(media)).code == 0
    applied = cli("apply", str(path), "--media-root", str(media), "--auto-approve", "--no-wait")
    assert applied.code == 0 and "1 created" in applied.out, applied.text


def test_retry_options_set_the_attempts_and_the_backoff(fake, manifest, cli):
    """Retry timing is an option like any other (no test patches the client's settings)."""
    path = manifest(import_entries(1))
    fake.faults.inject(503, method="GET", path="/api/v1/users/me/videos", times=50)
    result = cli("plan", str(path), "--retries", "2", "--retry-backoff", "0", "--no-cache")
    assert result.code == 1 and "503" in result.err, result.text
    assert fake.count("GET", "/api/v1/users/me/videos") == 2
    refused = cli("plan", str(path), "--retries", "0")
    assert refused.code == 1 and "--retries: 0 is not allowed" in refused.err, refused.err


def test_the_client_settings_are_the_options_defaults():
    """One source of every default: the client's own defaults are the library's Options."""
    from ptsync.options import DEFAULTS, Options
    from ptsync.peertube import ClientSettings
    from ptsync.session import client_settings

    assert client_settings(Options()) == ClientSettings()
    assert ClientSettings().timeout == (DEFAULTS.connect_timeout, DEFAULTS.timeout)
    assert not Options(rate_limit=(5, 1.0)).rate_limit_explicit
    assert Options.typed(rate_limit=(5, 1.0)).rate_limit_explicit
    assert client_settings(Options.typed(rate_limit=(5, 1.0))).rate_limit_explicit

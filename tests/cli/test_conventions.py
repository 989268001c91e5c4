"""Issue 20 item 7: command-line conventions (Terraform, octoDNS): a version, help in words,
errors in ptsync's words, the shared options on every command that talks to a server,
--no-color, no folders created behind the user's back, saved plans applied as reviewed, and
the webhook URL checked before anything changes."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from ptsync import __version__
from ptsync.testing import FakePeerTube
from tests.cli.conftest import PYTHON, ROOT, command_env, import_entries
from tests.cli.test_terminal import Terminal
from tests.fakeenv import PASSWORD, USER
from tests.integration.conftest import marked_videos

COMMANDS = ("plan", "apply", "adopt", "export", "status", "validate", "schema", "forget", "demo")
PYDANTIC = ("Input should", "Value error", "valid integer", "valid number", "float range")
WRITES = ("POST", "PUT", "DELETE")


def _writes(fake: FakePeerTube) -> int:
    """Requests that change something (the login's POST is not one)."""
    return sum(
        1 for r in fake.requests if r.method in WRITES and not r.path.endswith("/users/token")
    )


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "ptsync", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**(env or {}), "PYTHONPATH": str(ROOT), "COLUMNS": "80", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )


@pytest.mark.parametrize("args", [["--version"], ["version"]])
def test_version(cli, args):
    result = cli(*args)
    assert result.code == 0 and result.out == f"ptsync {__version__}\n" and result.err == ""


def test_help_names_values_in_words_and_lists_every_command_whole():
    shown = _run("--help").stdout
    for line in shown.splitlines():
        assert len(line) <= 80, line
    summaries = " ".join(shown.split("Commands:")[1].split())
    assert "..." not in summaries  # nothing cut
    assert "Make the instance match the manifests, or carry out a saved plan." in summaries
    for command in COMMANDS:
        text = _run(command, "--help").stdout
        assert text.startswith(f"Usage: ptsync {command}"), text
        assert not re.search(r"<[a-zA-Z]", text), text  # <int>, <list[str]>, <float range>
        assert "range" not in text and "list[" not in text and "x>=" not in text, text


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["plan", "--parallelism", "0"], "--parallelism: 0 is not allowed: give a whole number"),
        (["plan", "--parallelism", "many"], "--parallelism: 'many' is not a whole number"),
        (["apply", "--timeout", "0"], "--timeout: 0 is not allowed: give a number of at least"),
        (["plan", "--max-update-fraction", "2"], "--max-update-fraction: 2 is not allowed"),
        (["apply", "--safety-min-existing", "-1"], "--safety-min-existing: -1 is not allowed"),
        (["apply", "--chunk-size", "0"], "--chunk-size: 0 is not allowed"),
        (["apply", "--wait-timeout", "-5"], "--wait-timeout: -5 is not allowed"),
        (["export", "--parallelism", "33"], "--parallelism: 33 is not allowed"),
        (["status", "--timeout", "soon"], "--timeout: 'soon' is not a number"),
    ],
)
def test_bad_values_are_said_in_ptsyncs_words(fake, cli, args, says):
    result = cli(*args)
    assert result.code == 1 and result.out == ""
    assert result.err.count("\n") == 1 and result.err.startswith("Error: " + says), result.err
    assert not any(word in result.err for word in PYDANTIC), result.err
    assert fake.count() == 0


def test_a_manifest_value_out_of_range_is_said_in_ptsyncs_words(fake, manifest, cli):
    path = manifest("safety: {maxUpdateFraction: 2, minExisting: -3}\nvideos: []\n")
    result = cli("validate", str(path))
    assert result.code == 1
    assert "safety.maxUpdateFraction: must be 1 or less (got 2)" in result.err, result.err
    assert "safety.minExisting: must be 0 or more (got -3)" in result.err, result.err
    assert not any(word in result.err for word in PYDANTIC), result.err


SHARED = ["--parallelism", "2", "--no-cache", "--timeout", "30", "--rate-limit", "off"]


def test_every_command_that_talks_to_a_server_takes_the_shared_options(
    fake, manifest, cli, tmp_path
):
    path = manifest(import_entries(2))
    assert cli("plan", str(path), *SHARED, "--insecure-http").code == 0
    applied = cli("apply", str(path), *SHARED, "--auto-approve", "--no-wait")
    assert applied.code == 0, applied.text
    status = cli("status", str(path), *SHARED, "--insecure-http", "--format", "json")
    assert status.code == 0 and json.loads(status.out)["total"] == 2, status.text
    exported = cli("export", *SHARED, "--insecure-http", "--system", "nisv")
    assert exported.code == 0 and "id: v00" in exported.out, exported.text
    adopted = cli("adopt", str(path), *SHARED, "--auto-approve")
    assert adopted.code == 0, adopted.text
    for command in ("status", "export", "adopt"):  # one definition: the same checks
        refused = cli(command, "--rate-limit", "0/10")
        assert refused.code == 1 and "REQUESTS must be at least 1" in refused.err


def test_no_color_on_a_colour_terminal(fake, manifest, tmp_path):
    path = manifest(import_entries(1))
    env = command_env(fake, tmp_path / "cache", TERM="xterm-256color", COLUMNS="120")
    coloured = Terminal([PYTHON, "-m", "ptsync", "plan", str(path)], env, tmp_path)
    assert coloured.finish() == 0 and "\x1b[" in coloured.seen  # the control: colour by default
    for args in (["--no-color", "plan", str(path)], ["plan", str(path), "--no-color"]):
        plain = Terminal([PYTHON, "-m", "ptsync", *args], env, tmp_path)
        assert plain.finish() == 0, plain.seen
        assert "+ create v00" in plain.seen and "\x1b[" not in plain.seen


def test_output_files_need_an_existing_folder(fake, cli, tmp_path):
    target = tmp_path / "nonexistent" / "dir" / "x.json"
    result = cli("schema", "-o", str(target))
    assert result.code == 1 and result.err.count("\n") == 1, result.err
    assert "the folder" in result.err and "does not exist" in result.err
    assert not (tmp_path / "nonexistent").exists()
    exported = cli("export", "-o", str(target))
    assert exported.code == 1 and "does not exist" in exported.err and fake.count() == 0


@pytest.fixture
def saved(fake, manifest, cli, tmp_path):
    path = manifest(import_entries(2))
    plan_file = tmp_path / "plan.json"
    assert cli("plan", str(path), "--out", str(plan_file)).code == 0
    fake.clear_requests()
    return path, plan_file


@pytest.mark.parametrize(
    "option",
    [["--prune"], ["--force"], ["--max-update-fraction", "0.9"], ["--safety-min-existing", "1"]],
)
def test_a_saved_plan_refuses_options_that_would_change_it(fake, saved, cli, option):
    _, plan_file = saved
    result = cli("apply", str(plan_file), *option)
    assert result.code == 1 and result.err.count("\n") == 1, result.err
    assert f"{option[0]} cannot change the saved plan" in result.err
    assert "ptsync plan --out" in result.err
    assert fake.count() == 0 and marked_videos(fake) == {}


def test_a_saved_plan_takes_options_that_do_not_change_it(fake, saved, cli, tmp_path):
    _, plan_file = saved
    report = tmp_path / "report.json"
    result = cli(
        "apply", str(plan_file), "--parallelism", "2", "--no-wait", "--report", str(report)
    )
    assert result.code == 0, result.text
    assert (
        len(marked_videos(fake)) == 2 and json.loads(report.read_text())["summary"]["created"] == 2
    )


def test_a_saved_plan_with_a_manifest_is_one_clear_line(fake, saved, cli):
    path, plan_file = saved
    for args in (["apply", str(plan_file), str(path)], ["apply", str(path), str(plan_file)]):
        result = cli(*args)
        assert result.code == 1 and result.err.count("\n") == 1, result.err
        assert f"{plan_file} is a saved plan: apply it alone" in result.err
    for command in ("plan", "validate", "status"):
        result = cli(command, str(plan_file))
        assert result.code == 1 and result.err.count("\n") == 1, result.err
        assert "is a saved plan, not a manifest" in result.err
    assert fake.count() == 0


def test_a_plan_for_another_instance_says_which(fake, saved, cli, monkeypatch, tmp_path):
    _, plan_file = saved
    with FakePeerTube(rate_limit=None, login_rate_limit=None) as other:
        other.add_user(USER, PASSWORD)
        monkeypatch.setenv("PEERTUBE_URL", other.url)
        result = cli("apply", str(plan_file))
        assert result.code == 1 and result.err.count("\n") == 1, result.err
        assert f"this plan is for {fake.url} (system nisv)" in result.err
        assert f"the manifests now point at {other.url}" in result.err
        assert _writes(other) == 0
    assert marked_videos(fake) == {}


@pytest.mark.parametrize(
    "where", ["option", "manifest"], ids=["--notify", "notify: in the manifest"]
)
def test_a_webhook_url_that_breaks_the_transport_rule_stops_before_any_change(
    fake, manifest, cli, where
):
    hook = "http://hooks.example.org/ptsync?token=s3cret"
    body = import_entries(2) if where == "option" else f"notify: '{hook}'\n" + import_entries(2)
    args = ["apply", str(manifest(body)), "--auto-approve", "--no-wait"]
    result = cli(*args, *(["--notify", hook] if where == "option" else []))
    assert result.code == 1 and result.err.count("\n") == 1, result.err
    assert "notify URL: refusing plain http to hooks.example.org" in result.err
    assert "nothing changed" in result.err and "s3cret" not in result.err
    assert _writes(fake) == 0 and marked_videos(fake) == {}

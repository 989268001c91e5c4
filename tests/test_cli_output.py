"""CI-facing output: GitHub annotations for manifest errors, JSON logs, --quiet."""

from __future__ import annotations

import json

from ptsync.cli.app import main
from ptsync.testing import FakePeerTube
from tests.fakeenv import point_at


def test_github_actions_gets_error_annotations_with_file_and_line(tmp_path, monkeypatch, capsys):
    path = tmp_path / "m.yaml"
    path.write_text(
        "apiVersion: ptsync/v1\nsystem: nisv\nvideos:\n  - id: a\n    uuid: u\n    tagz: [x]\n"
    )
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["validate", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"::error file={path},line=6,col=5::videos[0].tagz: unknown key 'tagz'" in out


def test_no_annotations_outside_github(tmp_path, monkeypatch, capsys):
    path = tmp_path / "m.yaml"
    path.write_text("apiVersion: ptsync/v1\nsystem: nisv\nvideos: 5\n")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    assert main(["validate", str(path)]) == 1
    captured = capsys.readouterr()
    assert "::error" not in captured.out + captured.err
    assert f"{path}:3:1: videos: expected a list" in captured.err


def test_json_logs_and_quiet(tmp_path, monkeypatch, capsys):
    with FakePeerTube(rate_limit=None, login_rate_limit=None) as fake:
        fake.add_user("alice", "pw-alice-1")
        path = tmp_path / "m.yaml"
        path.write_text("apiVersion: ptsync/v1\nsystem: nisv\nvideos: []\n")
        point_at(monkeypatch, fake, tmp_path / "c")
        assert main(["-vv", "--log-format", "json", "plan", str(path)]) == 0
        err_lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
        records = [json.loads(line) for line in err_lines]
        assert records and all({"level", "message"} <= set(r) for r in records)
        assert any("/api/v1/users/me/videos" in r["message"] for r in records)
        assert main(["--quiet", "plan", str(path)]) == 0
        captured = capsys.readouterr()
        assert captured.err == "" and "No changes." in captured.out

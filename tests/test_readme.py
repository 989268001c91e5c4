"""The README's task guide, run as written against the fake PeerTube."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from ptsync.cli.app import main
from ptsync.testing import FakePeerTube

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
GUIDE = README[README.index("## Task guide") :]


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", GUIDE, flags=re.S)


@pytest.fixture
def instance(tmp_path, monkeypatch):
    with FakePeerTube(rate_limit=None, login_rate_limit=None, import_duration=0.05) as fake:
        fake.add_user("archive", "archive-pw-1")
        monkeypatch.setenv("PEERTUBE_URL", fake.url)
        monkeypatch.setenv("PEERTUBE_USERNAME", "archive")
        monkeypatch.setenv("PEERTUBE_PASSWORD", "archive-pw-1")
        monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.chdir(tmp_path)
        (tmp_path / "manifests").mkdir()
        yield fake


def run(command: str, capsys) -> tuple[int, str]:
    argv = shlex.split(command.split("#")[0])
    assert argv[0] == "ptsync"
    capsys.readouterr()
    code = main(argv[1:])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("index", range(len(blocks("yaml"))))
def test_yaml_recipe_applies_and_converges(instance, capsys, index):
    instance.add_video("archive", name="Lecture 1 - Gravity")
    path = Path("manifests/recipe.yaml")
    path.write_text(blocks("yaml")[index])
    assert run("ptsync validate manifests/", capsys)[0] == 0
    code, output = run("ptsync apply manifests/ --auto-approve --wait", capsys)
    assert code == 0, output
    code, output = run("ptsync plan manifests/ --detailed-exitcode", capsys)
    assert code == 0 and "No changes." in output, output


def test_first_sync_commands_run_as_written(instance, capsys):
    instance.add_video("archive", name="Old lecture", tags=["physics"], category=15)
    commands = [c for c in blocks("sh")[0].splitlines() if c.strip()]
    for command in commands:
        code, output = run(command, capsys)
        assert code == 0, (command, output)
        if "ptsync plan" in command:
            assert "No changes." in output


def test_batch_commands_run_as_written(instance, capsys):
    Path("manifests/batch.yaml").write_text(blocks("yaml")[1])
    for command in [c for c in blocks("sh")[1].splitlines() if c.strip()]:
        code, output = run(command, capsys)
        assert code == 0, (command, output)
    assert Path("report.json").exists()

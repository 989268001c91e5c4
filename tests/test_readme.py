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


def files() -> dict[str, str]:
    """Blocks that show a file (```csv manifests/catalogue.csv): written where they say."""
    return dict(re.findall(r"```\w+ (\S+)\n(.*?)```", GUIDE, flags=re.S))


def write_files() -> None:
    """The files the recipes show, and the media files beside sidecars (a README cannot hold
    a video)."""
    for name, text in files().items():
        path = Path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if path.suffix in (".yaml", ".nfo") and path.parent.name == "incoming":
            path.with_suffix(".mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64)


def recipe(needle: str) -> str:
    return next(block for block in blocks("yaml") if needle in block)


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
    write_files()
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


def test_catalogue_recipe_runs_as_written(instance, capsys):
    write_files()
    Path("manifests/archive.yaml").write_text(recipe("catalogues:"))
    for command in [c for c in blocks("sh")[2].splitlines() if c.strip()]:
        code, output = run(command, capsys)
        assert code == 0, (command, output)
        if "ptsync plan" in command:
            assert "No changes." in output, output
    names = sorted(v["name"] for v in instance.videos("archive"))
    assert names == ["Harbour at dawn", "Polder in winter (restored)"]
    assert "uuid" in Path("archive.csv").read_text(encoding="utf-8-sig").splitlines()[0]


def test_folder_recipe_uploads_each_file_with_its_sidecar(instance, capsys):
    write_files()
    Path("manifests/uploads.yaml").write_text(recipe("folders:"))
    code, output = run("ptsync apply manifests/ --auto-approve --wait", capsys)
    assert code == 0, output
    names = sorted(v["name"] for v in instance.videos("archive"))
    assert names == ["Closing talk of the archive days", "Opening talk of the archive days"]
    code, output = run("ptsync plan manifests/ --detailed-exitcode", capsys)
    assert code == 0 and "No changes." in output, output

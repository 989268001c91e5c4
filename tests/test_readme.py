"""The README's task guide, run as written against the fake PeerTube."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from ptsync.cli.app import main
from ptsync.testing import FakePeerTube
from ptsync.testing.upstream import TestUpstream

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


MIRROR_URL = "https://www.youtube.com/@some-university/videos"
PLAIN = [i for i, block in enumerate(blocks("yaml")) if MIRROR_URL not in block]


@pytest.mark.parametrize("index", PLAIN)  # the mirror recipe needs its upstream: below
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


def test_mirror_recipe_runs_as_written_against_a_page_served_on_loopback(instance, capsys):
    """The recipe mirrors a YouTube channel; tests have no internet, so a page embedding the
    channel's two videos is served on 127.0.0.1 (yt-dlp lists it as it lists any page of
    embeds, by YouTube id, without visiting YouTube) and its URL replaces the channel's in the
    manifest. Everything else, and every command, is as written."""
    pytest.importorskip("yt_dlp")
    text = recipe("mirrors:")
    assert MIRROR_URL in text
    with TestUpstream() as youtube:
        youtube.add("welcome", youtube="dQw4w9WgXcQ", title="Welcome")
        youtube.add("gravity", youtube="9bZkp7q19f0", title="Gravity")
        Path("manifests/lectures.yaml").write_text(
            text.replace(MIRROR_URL, f"{youtube.url}/playlist.html")
        )
        commands = [c for c in blocks("sh")[3].splitlines() if c.strip()]
        for command in commands:
            code, output = run(command, capsys)
            assert code == 0, (command, output)
            if "--detailed-exitcode" in command:
                assert "No changes." in output, output
            elif "ptsync plan" in command:
                assert "+ create youtube:dQw4w9WgXcQ" in output, output
    videos = {v["name"]: v for v in instance.videos("archive")}
    # a page of embeds gives no titles (YouTube's own channel pages do): named by their ids
    assert sorted(videos) == ["Welcome lecture (start here)", "youtube:9bZkp7q19f0"]
    welcome = videos["Welcome lecture (start here)"]
    assert welcome["channel"]["name"] == "lectures_channel"
    assert welcome["category"]["id"] == 13 and sorted(welcome["tags"]) == ["lectures", "welcome"]
    (playlist,) = [p for p in instance.playlists("archive") if p["displayName"] == "Start here"]
    assert instance.playlist_videos(playlist["uuid"]) == [welcome["uuid"]]

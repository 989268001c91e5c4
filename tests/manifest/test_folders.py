"""A folder of media files as a manifest source: one upload per file, sidecar metadata
(YAML placed on its lines, Kodi NFO parsed without entities), captions and thumbnails by
name, every file contained in the allowed folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from ptsync.errors import ManifestError
from ptsync.manifest import load

HEAD = "apiVersion: ptsync/v1\nsystem: archive\n"
NFO = """<?xml version="1.0" encoding="UTF-8"?>
<movie>
  <title>Harbour at dawn</title>
  <plot>Boats leaving the harbour.</plot>
  <tag>harbour</tag>
  <genre>Documentary</genre>
  <premiered>1962-05-01</premiered>
</movie>
"""


def _folder(tmp_path: Path, template: str = "") -> Path:
    folder = tmp_path / "incoming"
    folder.mkdir()
    for name in ("talk.mp4", "harbour.mkv", "notes.txt", ".hidden.mp4"):
        (folder / name).write_bytes(b"\x00" * 32)
    (folder / "talk.yaml").write_text("name: A talk about archives\ntags: [archives, talks]\n")
    (folder / "talk.en.vtt").write_text("WEBVTT\n")
    (folder / "talk.pt-BR.srt").write_text("1\n")
    (folder / "talk.jpg").write_bytes(b"\xff\xd8")
    (folder / "harbour.nfo").write_text(NFO)
    manifest = tmp_path / "archive.yaml"
    manifest.write_text(
        HEAD + f"defaults: {{privacy: Public}}\nfolders:\n  - {{path: incoming/{template}}}\n"
    )
    return manifest


def _problems(manifest: Path, tmp_path: Path) -> list[str]:
    with pytest.raises(ManifestError) as caught:
        load([str(manifest)])
    return [str(p).replace(f"{tmp_path}/", "") for p in caught.value.problems]


def test_each_media_file_is_an_upload_with_its_sidecars(tmp_path):
    group = load([str(_folder(tmp_path))]).groups[0]
    videos = {v.id: v for v in group.videos}
    assert sorted(videos) == ["harbour", "talk"]
    talk, harbour = videos["talk"], videos["harbour"]
    assert talk.source is not None and talk.source.file == "talk.mp4"
    assert talk.name == "A talk about archives" and talk.tags == ["archives", "talks"]
    assert talk.thumbnail == "talk.jpg"
    assert [(c.language, c.file) for c in talk.captions or []] == [
        ("en", "talk.en.vtt"),
        ("pt-BR", "talk.pt-BR.srt"),
    ]
    assert harbour.name == "Harbour at dawn" and harbour.description == "Boats leaving the harbour."
    assert harbour.tags == ["harbour", "Documentary"]
    assert str(harbour.originallyPublishedAt) == "1962-05-01"


def test_id_template_and_curation(tmp_path):
    manifest = _folder(tmp_path, ", id: 'reel-{stem}'")
    manifest.write_text(manifest.read_text() + "videos:\n  - {id: reel-talk, name: Curated}\n")
    videos = {v.id: v for v in load([str(manifest)]).groups[0].videos}
    assert sorted(videos) == ["reel-harbour", "reel-talk"] and videos["reel-talk"].name == "Curated"
    manifest.write_text(HEAD + "folders:\n  - {path: incoming/, id: '{stem.upper}'}\n")
    assert _problems(manifest, tmp_path) == [
        "archive.yaml:4:23: folders[0].id: '{stem.upper}': unknown placeholder {stem.upper} (use {stem} or {parent})"
    ]


def test_sidecar_problems_are_placed_in_the_sidecar(tmp_path):
    manifest = _folder(tmp_path)
    folder = tmp_path / "incoming"
    (folder / "talk.yaml").write_text(
        "name: A talk\ntags: [aa, bb, cc, dd, ee, ff]\nid: other\nnmae: x\n"
    )
    (folder / "harbour.nfo").write_text(
        NFO.replace("<title>Harbour at dawn</title>", "<title>H</title>")
    )
    (folder / "My Film.mp4").write_bytes(b"\x00")
    assert _problems(manifest, tmp_path) == [
        "incoming/My Film.mp4: id: 'My Film' is not allowed here: use letters, digits and . _ : @ + -, starting with a letter or digit; no '--'",
        "incoming/harbour.nfo: title: name must be 3-120 characters (is 1)",
        "incoming/talk.yaml:2:1: tags: at most 5 tags (has 6)",
        "incoming/talk.yaml:3:1: id: id comes from the media file, not from a sidecar",
        "incoming/talk.yaml:4:1: nmae: unknown key 'nmae' (did you mean 'name'?)",
    ]


def test_nfo_entities_are_refused_never_expanded(tmp_path):
    manifest = _folder(tmp_path)
    bomb = '<?xml version="1.0"?><!DOCTYPE movie [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><movie><title>&b;</title></movie>'
    (tmp_path / "incoming" / "harbour.nfo").write_text(bomb)
    assert _problems(manifest, tmp_path) == [
        "incoming/harbour.nfo: refused: a document type or entity declaration (not expanded)"
    ]
    xxe = '<?xml version="1.0"?><!DOCTYPE movie [<!ENTITY x SYSTEM "file:///etc/passwd">]><movie><title>&x;</title></movie>'
    (tmp_path / "incoming" / "harbour.nfo").write_text(xxe)
    assert _problems(manifest, tmp_path) == [
        "incoming/harbour.nfo: refused: a document type or entity declaration (not expanded)"
    ]


def test_files_and_sidecars_must_resolve_into_the_allowed_folders(tmp_path):
    manifest = _folder(tmp_path)
    secret = tmp_path.parent / f"{tmp_path.name}-outside"
    secret.mkdir()
    (secret / "passwd.yaml").write_text("name: stolen\n")
    (secret / "movie.mp4").write_bytes(b"\x00")
    folder = tmp_path / "incoming"
    (folder / "talk.yaml").unlink()
    (folder / "talk.yaml").symlink_to(secret / "passwd.yaml")
    (folder / "leak.mp4").symlink_to(secret / "movie.mp4")
    problems = _problems(manifest, tmp_path)
    assert len(problems) == 2
    assert problems[0].startswith("incoming/leak.mp4: source.file: 'leak.mp4' resolves to")
    assert problems[1].startswith("incoming/talk.yaml: 'incoming/talk.yaml' resolves to")
    assert all("outside the allowed folders" in p for p in problems)
    manifest.write_text(HEAD + "folders:\n  - {path: ../}\n")
    (problem,) = _problems(manifest, tmp_path)
    assert problem.startswith("archive.yaml:4:6: folders[0].path: '../' resolves to")

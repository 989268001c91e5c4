"""Issue 12 item 2: local files stay in the allowed folders, symlinks resolved before the check.

The allowed folders are the manifest's own folder, ``files.roots`` and the caller's
``media_roots`` (``--media-root``). Every refusal is a FILE:LINE:COL problem that names the
resolved target and how to allow it; nothing outside is hashed or uploaded.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from ptsync.errors import ManifestError
from ptsync.manifest import load, resolve_group
from ptsync.state import FileSource, Vocabularies

VOCAB = Vocabularies(
    categories={}, licences={}, privacies={1: "Public"}, languages={"en": "English", "de": "German"}
)
VTT = b"WEBVTT\n\n00:00.000 --> 00:01.000\nhi\n"


@pytest.fixture
def tree(tmp_path: Path) -> tuple[Path, Path]:
    """``repo/`` holds the manifest; ``outside/`` is a folder of the runner next to it."""
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    repo.mkdir()
    outside.mkdir()
    (outside / "secret.vtt").write_bytes(VTT)
    (outside / "poster.png").write_bytes(b"\x89PNG")
    (outside / "clip.mp4").write_bytes(b"\x00" * 64)
    return repo.resolve(), outside.resolve()


def manifest(folder: Path, body: str) -> Path:
    path = folder / "m.yaml"
    path.write_text("apiVersion: ptsync/v1\nsystem: nisv\n" + textwrap.dedent(body))
    return path


def caption(file: str) -> str:
    return textwrap.dedent(f"""
    videos:
      - id: a
        source: {{url: https://x.example/a.mp4}}
        captions:
          - {{language: en, file: {file}}}
    """)


def problems(path: Path, **kwargs) -> list[str]:
    with pytest.raises(ManifestError) as info:
        load([str(path)], **kwargs)
    return [str(p) for p in info.value.problems]


def refusal(path: Path, where: str, target: Path, folders: str) -> str:
    return (
        f"{path}:{where} resolves to {target}, outside the allowed folders ({folders}); "
        "add it to files.roots or pass --media-root"
    )


def test_symlink_to_a_file_outside_is_refused_naming_the_target(tree) -> None:
    repo, outside = tree
    (repo / "link.vtt").symlink_to(outside / "secret.vtt")
    path = manifest(repo, caption("link.vtt"))
    (found,) = problems(path)
    assert found == (
        f"{path}:8:24: videos[0].captions[0].file: 'link.vtt' resolves to "
        f"{outside / 'secret.vtt'}, outside the allowed folders ({repo}); "
        "add it to files.roots or pass --media-root"
    )


def test_symlink_to_a_system_file_is_refused_before_its_type_or_existence(tree) -> None:
    repo, _ = tree
    (repo / "passwd.vtt").symlink_to("/etc/passwd")
    (repo / "gone.vtt").symlink_to("/nonexistent-ptsync/shadow.vtt")
    path = manifest(repo, caption("passwd.vtt") + "      - {language: de, file: gone.vtt}\n")
    found = problems(path)
    assert [p.split(": ", 2)[-1] for p in found] == [
        "'passwd.vtt' resolves to /etc/passwd, outside the allowed folders "
        f"({repo}); add it to files.roots or pass --media-root",
        "'gone.vtt' resolves to /nonexistent-ptsync/shadow.vtt, outside the allowed folders "
        f"({repo}); add it to files.roots or pass --media-root",
    ]


def test_symlink_to_a_folder_outside_is_refused(tree) -> None:
    repo, outside = tree
    (repo / "media").symlink_to(outside, target_is_directory=True)
    path = manifest(repo, caption("media/secret.vtt"))
    (found,) = problems(path)
    assert "'media/secret.vtt' resolves to " + str(outside / "secret.vtt") in found
    assert "outside the allowed folders" in found


def test_a_chain_of_links_ending_outside_is_refused(tree) -> None:
    repo, outside = tree
    (repo / "sub").mkdir()
    (repo / "sub" / "last.vtt").symlink_to(outside / "secret.vtt")
    (repo / "middle.vtt").symlink_to("sub/last.vtt")
    (repo / "first.vtt").symlink_to("middle.vtt")
    path = manifest(repo, caption("first.vtt"))
    (found,) = problems(path)
    assert f"'first.vtt' resolves to {outside / 'secret.vtt'}, outside" in found


def test_a_link_inside_the_folder_pointing_inside_is_allowed_and_resolved(tree) -> None:
    repo, _ = tree
    (repo / "captions").mkdir()
    (repo / "captions" / "real.vtt").write_bytes(VTT)
    (repo / "en.vtt").symlink_to("captions/real.vtt")
    (repo / "clips").mkdir()
    (repo / "clips" / "real.mp4").write_bytes(b"\x00" * 10)
    (repo / "clip.mp4").symlink_to(repo / "clips" / "real.mp4")
    body = caption("en.vtt").replace(
        "source: {url: https://x.example/a.mp4}", "source: {file: clip.mp4}"
    )
    (group,) = load([str(manifest(repo, body))]).groups
    state = resolve_group(group, VOCAB, instance_url="https://v.example.org")
    video = state.videos["a"]
    # the desired state carries the resolved paths: what apply reads is what was checked
    assert video.captions is not None and video.captions[0].path == repo / "captions" / "real.vtt"
    assert isinstance(video.source, FileSource) and video.source.path == repo / "clips" / "real.mp4"


def test_dotdot_out_of_the_folder_is_refused(tree) -> None:
    repo, outside = tree
    body = "videos:\n  - id: a\n    source: {url: https://x.example/a.mp4}\n"
    path = manifest(repo, body + "    thumbnail: ../outside/poster.png\n")
    assert problems(path) == [
        refusal(
            path,
            "6:5: videos[0].thumbnail: '../outside/poster.png'",
            outside / "poster.png",
            str(repo),
        )
    ]


@pytest.mark.parametrize("given", ["absolute", "relative"])
def test_a_listed_root_allows_paths_inside_it(tree, given: str) -> None:
    repo, outside = tree
    root = str(outside) if given == "absolute" else "../outside"
    body = f"""
    files:
      roots: [{root}]
    videos:
      - id: a
        source: {{file: {outside / "clip.mp4"}}}
        thumbnail: ../outside/poster.png
        captions:
          - {{language: en, file: {outside / "secret.vtt"}}}
    """
    (group,) = load([str(manifest(repo, body))]).groups
    state = resolve_group(group, VOCAB, instance_url="https://v.example.org")
    video = state.videos["a"]
    assert isinstance(video.source, FileSource) and video.source.path == outside / "clip.mp4"
    assert video.thumbnail is not None and video.thumbnail.path == outside / "poster.png"


def test_absolute_paths_outside_every_root_are_refused(tree) -> None:
    repo, outside = tree
    other = outside.parent / "other"
    other.mkdir()
    (other / "x.vtt").write_bytes(VTT)
    path = manifest(repo, f"files: {{roots: [{outside}]}}\n" + caption(str(other / "x.vtt")))
    (found,) = problems(path)
    assert (
        f"resolves to {other / 'x.vtt'}, outside the allowed folders ({repo}, {outside})" in found
    )


def test_a_root_from_the_caller_allows_paths_inside_it(tree) -> None:
    repo, outside = tree
    (repo / "link.vtt").symlink_to(outside / "secret.vtt")
    path = manifest(repo, caption("link.vtt"))
    assert "outside the allowed folders" in problems(path)[0]
    (group,) = load([str(path)], media_roots=[str(outside)]).groups
    state = resolve_group(group, VOCAB, instance_url="https://v.example.org")
    assert state.videos["a"].captions[0].path == outside / "secret.vtt"


def test_a_root_that_is_a_symlink_is_resolved_too(tree, tmp_path: Path) -> None:
    repo, outside = tree
    alias = tmp_path / "alias"
    alias.symlink_to(outside, target_is_directory=True)
    path = manifest(repo, caption(str(outside / "secret.vtt")))
    (group,) = load([str(path)], media_roots=[alias]).groups
    assert group.members[0].allowed.folders == (repo, outside)


def test_missing_roots_are_problems(tree) -> None:
    repo, _ = tree
    path = manifest(repo, "files:\n  roots: [/nonexistent-ptsync-media]\nvideos: []\n")
    assert problems(path) == [
        f"{path}:4:11: files.roots[0]: '/nonexistent-ptsync-media': no such folder"
    ]
    ok = manifest(repo, "videos: []\n")
    assert problems(ok, media_roots=["/nonexistent-ptsync-media"]) == [
        "--media-root: /nonexistent-ptsync-media: no such folder"
    ]


def test_a_symlink_loop_is_a_problem_not_a_crash(tree) -> None:
    repo, _ = tree
    (repo / "a.vtt").symlink_to("b.vtt")
    (repo / "b.vtt").symlink_to("a.vtt")
    (found,) = problems(manifest(repo, caption("a.vtt")))
    assert "videos[0].captions[0].file: 'a.vtt'" in found


def test_a_link_swapped_after_loading_is_checked_again_when_resolving(tree) -> None:
    repo, outside = tree
    (repo / "real.vtt").write_bytes(VTT)
    (repo / "link.vtt").symlink_to("real.vtt")
    (group,) = load([str(manifest(repo, caption("link.vtt")))]).groups
    os.remove(repo / "link.vtt")
    (repo / "link.vtt").symlink_to(outside / "secret.vtt")
    with pytest.raises(ManifestError, match=r"resolves to .*secret\.vtt, outside the allowed"):
        resolve_group(group, VOCAB, instance_url="https://v.example.org")


def test_source_and_playlist_thumbnail_are_checked_the_same_way(tree) -> None:
    repo, outside = tree
    (repo / "clip.mp4").symlink_to(outside / "clip.mp4")
    (repo / "cover.png").symlink_to(outside / "poster.png")
    body = """
    videos:
      - id: a
        source: {file: clip.mp4}
    playlists:
      - id: p
        displayName: P
        thumbnail: cover.png
    """
    found = problems(manifest(repo, body))
    assert [p.split(": ")[1] for p in found] == ["videos[0].source.file", "playlists[0].thumbnail"]
    assert all("outside the allowed folders" in p for p in found)

"""Issue 3 over HTTP: captions and thumbnails by content hash, resumable uploads, source replace."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from ptsync.errors import TransportError
from ptsync.peertube import ClientSettings, Credentials, PeerTubeClient
from ptsync.testing import FakePeerTube
from tests.fakeenv import point_at
from tests.integration.conftest import marked_videos

VTT = "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\n{text}\n"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415408d763f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)

FILES_MANIFEST = """
videos:
  - id: cap-1
    source: {{url: https://archive.example.org/cap-1.mp4}}
    name: Captioned video
    thumbnail: thumb.png
    captions:{captions}
"""


def _media_files(folder: Path, **captions: str) -> Path:
    """A thumbnail and one caption file per language next to the manifest."""
    folder.mkdir(exist_ok=True)
    (folder / "thumb.png").write_bytes(PNG)
    for language, text in captions.items():
        (folder / f"{language}.vtt").write_text(VTT.format(text=text))
    return folder


def _need_fake(backend) -> FakePeerTube:
    if backend.fake is None:
        pytest.skip("inspects the fake server's state")
    return backend.fake


def test_captions_and_thumbnail_are_sent_once_then_compared_by_hash(
    backend, cli, write_manifest, tmp_path
):
    fake = _need_fake(backend)
    folder = _media_files(tmp_path / "manifests", en="Hello", nl="Hallo")
    both = "\n      - {language: en, file: en.vtt}\n      - {language: nl, file: nl.vtt}"
    path = write_manifest(FILES_MANIFEST, captions=both)
    assert cli("apply", str(path), "--auto-approve", "--wait").code == 0
    video = marked_videos(fake)["cap-1"]
    assert fake.caption(video["uuid"], "en") == VTT.format(text="Hello").encode()
    assert fake.caption(video["uuid"], "nl") is not None
    assert fake.thumbnail(video["uuid"])

    fake.clear_requests()
    assert "No changes." in cli("plan", str(path)).out
    assert fake.count("PUT") == 0 and fake.count("POST") == 0

    (folder / "en.vtt").write_text(VTT.format(text="Hello again"))
    only_en = "\n      - {language: en, file: en.vtt}"
    path = write_manifest(FILES_MANIFEST, captions=only_en)
    plan = cli("plan", str(path)).out
    assert "captions.en" in plan and "captions.nl" in plan
    fake.clear_requests()
    assert cli("apply", str(path), "--auto-approve").code == 0
    assert fake.count("PUT", "/api/v1/videos/*/captions/en") == 1
    assert fake.count("DELETE", "/api/v1/videos/*/captions/nl") == 1
    assert fake.caption(video["uuid"], "en") == VTT.format(text="Hello again").encode()
    assert fake.caption(video["uuid"], "nl") is None
    assert "No changes." in cli("plan", str(path)).out


def test_thumbnail_change_is_one_multipart_put(backend, cli, write_manifest, tmp_path):
    fake = _need_fake(backend)
    folder = tmp_path / "manifests"
    folder.mkdir(exist_ok=True)
    (folder / "thumb.png").write_bytes(PNG)
    path = write_manifest(FILES_MANIFEST, captions=" []")
    assert cli("apply", str(path), "--auto-approve", "--wait").code == 0
    (folder / "thumb.png").write_bytes(PNG + b"\0" * 16)
    assert "thumbnail" in cli("plan", str(path)).out
    fake.clear_requests()
    assert cli("apply", str(path), "--auto-approve").code == 0
    assert fake.count("PUT", "/api/v1/videos/*") == 1
    assert "No changes." in cli("plan", str(path)).out


IMAGES = {
    "thumb.png": PNG,
    "thumb.webp": b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 24,
    "thumb.jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 24 + b"\xff\xd9",
}


@pytest.mark.parametrize("image", list(IMAGES))
def test_a_thumbnail_is_sent_once_where_the_server_makes_the_preview_from_it(
    backend, cli, write_manifest, tmp_path, image
):
    """Issue 24.6: PeerTube 8.1 makes the preview (the watch page's poster) from the
    thumbnail, so ``thumbnailfile`` goes alone; before, the same image also goes as
    ``previewfile``, or the poster keeps the old picture. png and webp like jpg."""
    fake = _need_fake(backend)
    folder = tmp_path / "manifests"
    folder.mkdir(exist_ok=True)
    (folder / image).write_bytes(IMAGES[image])
    path = write_manifest(FILES_MANIFEST.replace("thumb.png", image), captions=" []")
    assert cli("apply", str(path), "--auto-approve", "--wait").code == 0
    video = marked_videos(fake)["cap-1"]
    assert fake.thumbnail(video["uuid"]) == fake.preview(video["uuid"]) == IMAGES[image]
    if fake.profile.preview_is_thumbnail:
        assert fake.image_parts == {"thumbnailfile": 1}
    else:
        assert fake.image_parts == {"thumbnailfile": 1, "previewfile": 1}
    assert "No changes." in cli("plan", str(path)).out


UPLOAD_MANIFEST = """
videos:
  - id: big-1
    source: {{file: media/big.mp4}}
    name: Big upload
"""


def _big(tmp_path: Path, size: int = 2_500_000) -> Path:
    folder = tmp_path / "manifests" / "media"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "big.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + secrets.token_bytes(size))
    return path


def test_upload_resumes_after_a_dropped_chunk(backend, cli, write_manifest, tmp_path):
    fake = _need_fake(backend)
    _big(tmp_path)
    path = write_manifest(UPLOAD_MANIFEST)
    fake.faults.inject("drop", method="PUT", path="/api/v1/videos/upload-resumable", times=1)
    assert cli("apply", str(path), "--auto-approve", "--chunk-size", "1").code == 0
    assert len(marked_videos(fake)) == 1 and len(fake.videos()) == 1
    puts = [r for r in fake.requests if r.method == "PUT" and "upload-resumable" in r.path]
    assert puts[0].status == 0  # the dropped chunk
    assert len(puts) >= 4  # 3 chunks + the offset query after the drop
    assert fake.count("POST", "/api/v1/videos/upload-resumable") == 1


def test_upload_cut_by_a_dead_process_resumes_in_the_next_run(fake, tmp_path, monkeypatch):
    """The session URL survives the process: the next run continues, it does not restart."""
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    big = _big(tmp_path)
    settings = ClientSettings(rate_limit=None, chunk_size=1 << 20, max_retries=1, retry_base=0.01)
    creds = Credentials("alice", "alice-secret-pw")
    metadata = {"name": "Big upload", "channelId": 1, "privacy": 1}
    key = "nisv/big-1/abc"
    with PeerTubeClient(fake.url, creds, settings) as first:
        channel = first.channels()["alice_channel"]

        def progress(done: int, total: int) -> None:
            # the first chunk got through; from now on the connection breaks for good
            if done >= 1 << 20:
                fake.faults.inject(
                    "drop", method="PUT", path="/api/v1/videos/upload-resumable", times=100
                )

        with pytest.raises(TransportError):
            first.upload(
                big, {**metadata, "channelId": channel}, on_progress=progress, session_key=key
            )
    (session,) = fake.upload_sessions.values()
    assert session["offset"] == 1 << 20 and not session["completed"]
    fake.faults.clear()
    fake.clear_requests()
    with PeerTubeClient(fake.url, creds, settings) as second:
        video = second.upload(big, {**metadata, "channelId": channel}, session_key=key)
    assert fake.count("POST", "/api/v1/videos/upload-resumable") == 0  # resumed, not restarted
    assert len(fake.videos()) == 1 and fake.videos()[0]["uuid"] == video["uuid"]
    assert fake.source_file(video["uuid"])["size"] == big.stat().st_size


def test_changed_source_file_is_replaced_in_place_when_the_instance_allows(
    tmp_path, monkeypatch, cli
):
    with FakePeerTube(
        rate_limit=None, login_rate_limit=None, video_file_update_enabled=True
    ) as fake:
        fake.add_user("alice", "pw-alice-1")
        point_at(monkeypatch, fake, tmp_path / "cache")
        big = _big(tmp_path, 50_000)
        path = tmp_path / "manifests" / "m.yaml"
        path.write_text("apiVersion: ptsync/v1\nsystem: nisv\n" + UPLOAD_MANIFEST.format())
        assert cli("apply", str(path), "--auto-approve").code == 0
        (video,) = fake.videos()
        big.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"new" * 20_000)
        plan = cli("plan", str(path)).out
        assert "source" in plan
        assert cli("apply", str(path), "--auto-approve").code == 0
        assert (
            fake.count("POST", f"/api/v1/videos/{video['uuid']}/source/replace-resumable")
            + fake.count("POST", f"/api/v1/videos/{video['id']}/source/replace-resumable")
            == 1
        )
        assert fake.source_file(video["uuid"])["size"] == big.stat().st_size
        assert len(fake.videos()) == 1
        assert "No changes." in cli("plan", str(path)).out


def test_changed_source_is_reported_but_left_alone_when_replacing_is_disabled(
    backend, cli, write_manifest, tmp_path
):
    fake = _need_fake(backend)
    big = _big(tmp_path, 50_000)
    path = write_manifest(UPLOAD_MANIFEST)
    assert cli("apply", str(path), "--auto-approve").code == 0
    big.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"new" * 20_000)
    plan = cli("plan", str(path))
    assert "source" in plan.out and "the video is left as is" in plan.out
    fake.clear_requests()
    assert cli("apply", str(path), "--auto-approve").code == 0
    assert fake.count("POST") == 0


def test_a_create_whose_caption_fails_is_a_partial_success_replanned_for_the_caption(
    backend, cli, write_manifest, tmp_path
):
    fake = _need_fake(backend)
    _media_files(tmp_path / "manifests", en="Hello")
    path = write_manifest(FILES_MANIFEST, captions="\n      - {language: en, file: en.vtt}")
    fake.faults.inject(400, method="PUT", path="/api/v1/videos/*/captions/en")
    report = tmp_path / "report.json"
    first = cli("apply", str(path), "--auto-approve", "--no-wait", "--report", str(report))
    assert first.code == 1 and "1 created (1 partly)" in first.out, first.out + first.err
    import json

    (item,) = json.loads(report.read_text())["results"]
    assert item["success"] and item["partial"] and "follow-up step failed" in item["error"]
    assert len(fake.videos()) == 1
    plan = cli("plan", str(path)).out
    assert "~ update cap-1" in plan and "captions.en" in plan and "+ create" not in plan
    assert cli("apply", str(path), "--auto-approve", "--no-wait").code == 0
    video = marked_videos(fake)["cap-1"]
    assert fake.caption(video["uuid"], "en") == VTT.format(text="Hello").encode()
    assert fake.thumbnail(video["uuid"]) and len(fake.videos()) == 1
    assert "No changes." in cli("plan", str(path)).out

"""The heart of the product over HTTP: create → no changes → edit one field → one PUT."""

from __future__ import annotations

import json
import os

import pytest

from tests.integration.conftest import marked_videos

pytestmark = pytest.mark.timeout(60)
IMPORT_URL = os.environ.get("PTSYNC_LIVE_IMPORT_URL", "https://archive.example.org/one.mp4")

MANIFEST = """
defaults:
  channel: {channel}
  privacy: Public
videos:
  - id: imp-1
    source: {{url: {url}}}
    name: First import
    category: {category}
    tags: [science, archive]
  - id: up-1
    source: {{file: media/clip.mp4}}
    name: Uploaded clip
    licence: Attribution - Share Alike
    description: |
      An uploaded clip.

      Second paragraph.
"""


def test_create_converge_then_one_field_one_put(backend, cli, write_manifest, media):
    path = write_manifest(MANIFEST, url=IMPORT_URL, category="Science & Technology")
    first = cli("plan", str(path), "--detailed-exitcode")
    assert first.code == 2, first.err
    assert "+ create imp-1" in first.out and "+ create up-1" in first.out
    assert "Plan: 2 to create, 0 to update, 0 to delete, 0 unchanged." in first.out

    applied = cli("apply", str(path), "--auto-approve", "--wait")
    assert applied.code == 0, applied.err
    assert "Apply complete: 2 created, 0 updated, 0 deleted, 0 failed" in applied.out

    again = cli("plan", str(path), "--detailed-exitcode")
    assert again.code == 0, again.out + again.err
    assert "No changes. 2 videos match the manifest." in again.out

    path = write_manifest(MANIFEST, url=IMPORT_URL, category="Films")
    if backend.is_fake:
        backend.fake.clear_requests()
    edit = cli("apply", str(path), "--auto-approve", "--no-wait")
    assert edit.code == 0, edit.err
    assert "category: Science & Technology (15) → Films (2)" in edit.out
    assert "Apply complete: 0 created, 1 updated, 0 deleted, 0 failed" in edit.out
    if backend.is_fake:
        puts = [r for r in backend.fake.requests if r.method == "PUT"]
        assert len(puts) == 1 and puts[0].path.startswith("/api/v1/videos/")
        video = backend.fake.video(puts[0].path.rsplit("/", 1)[1])
        assert video["category"]["id"] == 2 and sorted(video["tags"]) == ["archive", "science"]
    final = cli("plan", str(path), "--detailed-exitcode")
    assert final.code == 0 and "No changes." in final.out


def test_created_videos_carry_marker_first_and_manifest_values(backend, cli, write_manifest, media):
    if not backend.is_fake:
        pytest.skip("inspects server state directly")
    path = write_manifest(MANIFEST, url=IMPORT_URL, category="Science & Technology")
    assert cli("apply", str(path), "--auto-approve", "--wait").code == 0
    upload = marked_videos(backend.fake)["up-1"]
    assert upload["description"].endswith("An uploaded clip.\n\nSecond paragraph.")
    assert upload["licence"]["id"] == 2 and upload["privacy"]["id"] == 1
    source = backend.fake.source_file(upload["uuid"])
    assert source["inputFilename"] == "clip~ptsync~nisv~up-1~.mp4"
    assert source["size"] == (media / "clip.mp4").stat().st_size


def test_second_apply_changes_nothing_and_sends_no_write(backend, cli, write_manifest, media):
    path = write_manifest(MANIFEST, url=IMPORT_URL, category="Science & Technology")
    assert cli("apply", str(path), "--auto-approve", "--wait").code == 0
    if backend.is_fake:
        backend.fake.clear_requests()
    second = cli("apply", str(path), "--auto-approve")
    assert second.code == 0 and "No changes." in second.out
    if backend.is_fake:
        assert [r.method for r in backend.fake.requests if r.method != "GET"] == []


def test_json_and_markdown_formats(backend, cli, write_manifest, media):
    path = write_manifest(MANIFEST, url=IMPORT_URL, category="Science & Technology")
    doc = json.loads(cli("plan", str(path), "--format", "json").out)
    assert doc["format_version"] == 1
    assert doc["summary"] == {"create": 2, "update": 0, "delete": 0, "unchanged": 0}
    assert {c["external_id"] for c in doc["plans"][0]["changes"]} == {"imp-1", "up-1"}
    markdown = cli("plan", str(path), "--format", "markdown").out
    assert (
        markdown.startswith("### ptsync plan")
        and "| ➕ create | `imp-1` First import |" in markdown
    )


def test_apply_without_terminal_needs_auto_approve(backend, cli, write_manifest, media):
    path = write_manifest(MANIFEST, url=IMPORT_URL, category="Films")
    result = cli("apply", str(path))
    assert result.code == 1
    assert "--auto-approve" in result.err
    if backend.is_fake:
        assert marked_videos(backend.fake) == {}


def test_report_file_has_per_item_results(backend, cli, write_manifest, media, tmp_path):
    path = write_manifest(MANIFEST, url=IMPORT_URL, category="Films")
    report = tmp_path / "report.json"
    assert cli("apply", str(path), "--auto-approve", "--wait", "--report", str(report)).code == 0
    doc = json.loads(report.read_text())
    assert doc["summary"] == {
        "created": 2,
        "updated": 0,
        "deleted": 0,
        "failed": 0,
        "partial": 0,
        "already_created": 0,
        "total": 2,
    }
    by_id = {r["external_id"]: r for r in doc["results"]}
    assert by_id["imp-1"]["method"] == "import" and by_id["imp-1"]["import_state"] == "success"
    assert by_id["up-1"]["success"] and by_id["up-1"]["uuid"] and by_id["up-1"]["url"]

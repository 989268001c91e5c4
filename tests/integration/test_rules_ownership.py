"""Two systems on one account: one sets ``nsfw: false`` on its video, the other has a rule
``{match: {all: true}, set: {nsfw: true}}``. Rules never change the other system's video, so both
converge to "No changes" (exit 0 with --detailed-exitcode) instead of undoing each other on
every apply; ``owner: any`` opts a rule in; a video let go is left alone after its marker is
gone. Over HTTP, on every profile of the fake."""

from __future__ import annotations

import json
from pathlib import Path

from ptsync.testing import FakePeerTube
from tests.integration.conftest import marked_videos

ALPHA = """apiVersion: ptsync/v1
system: alpha
videos:
  - id: a1
    source: {{url: "https://archive.example.org/a1.mp4"}}
    name: Alpha one
    channel: {channel}
    nsfw: false
"""
BETA = """apiVersion: ptsync/v1
system: beta
rules:
  - match: {{all: true{owner}}}
    set: {{nsfw: true}}
videos:
  - id: b1
    source: {{url: "https://archive.example.org/b1.mp4"}}
    name: Beta one
    channel: {channel}
  - id: b2
    source: {{url: "https://archive.example.org/b2.mp4"}}
    name: Beta two
    channel: {channel}
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _apply(cli, path: Path) -> None:
    result = cli("apply", str(path), "--auto-approve", "--wait")
    assert result.code == 0, result.text


def _converged(cli, path: Path) -> str:
    planned = cli("plan", str(path), "--detailed-exitcode")
    assert planned.code == 0, planned.text
    assert "No changes." in planned.out
    return " ".join(planned.out.split())  # text plans wrap at the width: read them unwrapped


def _nsfw(fake: FakePeerTube, system: str, ext_id: str) -> bool:
    return bool(marked_videos(fake, system)[ext_id]["nsfw"])


def test_two_systems_with_a_rule_and_a_field_both_converge(backend, cli, tmp_path):
    fake = backend.fake
    assert fake is not None
    alpha = _write(tmp_path, "alpha.yaml", ALPHA.format(channel=backend.channel))
    beta = _write(tmp_path, "beta.yaml", BETA.format(channel=backend.channel, owner=""))
    _apply(cli, alpha)
    _apply(cli, beta)
    assert not _nsfw(fake, "alpha", "a1") and _nsfw(fake, "beta", "b1")
    _converged(cli, alpha)
    shown = _converged(cli, beta)
    a1 = marked_videos(fake, "alpha")["a1"]["uuid"]
    notice = "! rules leave 1 video that they would change alone, as it is not beta's"
    assert f"{notice} (1 owned by alpha: {a1}); `owner: any` in a rule's match" in shown
    as_json = json.loads(cli("plan", str(beta), "--format", "json").out)
    (notice,) = as_json["plans"][0]["notices"]
    assert notice["kind"] == "rules-skipped"
    fake.clear_requests()
    for path in (alpha, beta, alpha, beta):  # each apply finds nothing to do
        result = cli("apply", str(path), "--auto-approve")
        assert result.code == 0 and "No changes." in result.out, result.text
    assert fake.count("PUT") == 0
    assert not _nsfw(fake, "alpha", "a1")


def test_owner_any_lets_a_rule_change_another_systems_video(backend, cli, tmp_path):
    fake = backend.fake
    assert fake is not None
    alpha = _write(tmp_path, "alpha.yaml", ALPHA.format(channel=backend.channel))
    beta = _write(tmp_path, "beta.yaml", BETA.format(channel=backend.channel, owner=", owner: any"))
    _apply(cli, alpha)
    _apply(cli, beta)
    a1 = marked_videos(fake, "alpha")["a1"]
    assert a1["nsfw"] is True and a1["description"].startswith("<!-- ptsync:alpha/a1")
    _converged(cli, beta)


def test_a_released_video_is_left_alone_by_the_rules(backend, cli, tmp_path):
    fake = backend.fake
    assert fake is not None
    beta = _write(tmp_path, "beta.yaml", BETA.format(channel=backend.channel, owner=""))
    _apply(cli, beta)
    b2 = marked_videos(fake, "beta")["b2"]["uuid"]
    assert cli("forget", "b2", "--manifest", str(beta)).code == 0
    _apply(cli, beta)  # the release: the marker is removed, nothing else
    assert "b2" not in marked_videos(fake, "beta")
    fake.edit_video(b2, nsfw=False)  # its new keeper unsets nsfw in the web UI
    shown = _converged(cli, beta)  # recognised by its import URL: not touched
    assert f"1 released by this manifest: {b2}" in shown
    assert fake.video(b2)["nsfw"] is False

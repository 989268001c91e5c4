"""Replay recorded-shape PeerTube answers: the client reads real responses, not just the fake's."""

from __future__ import annotations

from pathlib import Path

import vcr

from ptsync.peertube import ClientSettings, Credentials, PeerTubeClient

CASSETTES = Path(__file__).parent / "cassettes"


def test_login_and_first_page_from_a_real_instance_shape(tmp_path, monkeypatch):
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path))
    recorder = vcr.VCR(record_mode="none", match_on=["method", "path", "query"])
    with recorder.use_cassette(str(CASSETTES / "login_and_list.yaml")) as cassette:
        client = PeerTubeClient(
            "https://peertube.example.org",
            Credentials("alice", "FILTERED"),
            ClientSettings(rate_limit=None),
        )
        with client:
            (video,) = list(client.iter_my_videos())
        assert cassette.all_played
    assert video.marker is not None and video.marker.external_id == "123abc"
    assert video.fields["description"] == "Archive footage."
    assert video.fields["category"] == 15 and video.fields["language"] == "en"
    assert video.fields["originallyPublishedAt"] == "1969-07-21T00:00:00.000Z"
    assert "tags" not in video.fields  # lists do not carry tags: details are needed for them

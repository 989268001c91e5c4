"""Channel syncs through the client, over HTTP against the fake, on every profile."""

from __future__ import annotations

import pytest

from ptsync.errors import RequestRejected, SyncsDisabled
from ptsync.peertube import ClientSettings, Credentials, PeerTubeClient
from ptsync.peertube.syncs import SyncState
from ptsync.testing import PROFILES, FakePeerTube

FAST = ClientSettings(rate_limit=None, retry_base=0.01, max_retries=3)
CREDS = Credentials("alice", "alice-secret-pw")
FEED = "https://feeds.example.org/channel.xml"
SMUGGLED = (
    "https://media.example.org/{n}.mp4#__youtubedl_smuggle=%7B%22force_videoid%22%3A+%22g-{n}%22%7D"
)


def entries(*numbers: int) -> list[str]:
    return [SMUGGLED.format(n=n) for n in numbers]


def start(version: str, *, enabled: bool) -> FakePeerTube:
    server = FakePeerTube(
        version=version,
        rate_limit=None,
        login_rate_limit=None,
        import_duration=None,
        channel_sync_enabled=enabled,
    ).start()
    server.add_user("alice", "alice-secret-pw", channels=["lectures"])
    return server


@pytest.fixture(params=list(PROFILES))
def fake(request, tmp_path, monkeypatch):
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    server = start(request.param, enabled=True)
    yield server
    server.stop()


@pytest.fixture
def client(fake):
    with PeerTubeClient(fake.url, CREDS, FAST) as found:
        yield found


@pytest.mark.parametrize("version", list(PROFILES))
def test_disabled_syncs_are_one_line_naming_the_setting(version, tmp_path, monkeypatch):
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    fake = start(version, enabled=False)
    try:
        with PeerTubeClient(fake.url, CREDS, FAST) as client:
            channel = client.channels()["lectures"]
            with pytest.raises(SyncsDisabled) as caught:
                client.create_channel_sync(FEED, channel)
            message = str(caught.value)
            assert "\n" not in message
            assert "import.video_channel_synchronization.enabled" in message
            assert message.startswith("POST /api/v1/video-channel-syncs: ")
            with pytest.raises(SyncsDisabled):
                client.channel_syncs()
            assert fake.channel_syncs() == []
            # import-videos does not need syncs enabled (recorded on 6.3, 8.0.1 and 8.2)
            fake.set_upstream(FEED, entries(1, 2))
            client.import_channel_videos("lectures", FEED)
        assert sorted(i["targetUrl"] for i in fake.imports("alice")) == sorted(entries(1, 2))
    finally:
        fake.stop()


def test_create_list_import_and_delete(fake, client):
    channel = client.channels()["lectures"]
    first = client.create_channel_sync(FEED, channel)
    assert (first.state, first.last_sync_at, first.channel_name) == (
        SyncState.WAITING_FIRST_RUN,
        None,
        "lectures",
    )
    second = client.create_channel_sync(FEED, channel)  # the server keeps duplicates
    assert [s.id for s in client.channel_syncs()] == [first.id, second.id]

    fake.set_upstream(FEED, entries(3, 2, 1))
    client.import_channel_videos("lectures", FEED, first.id)
    made = list(client.iter_sync_imports(first.id))
    assert sorted(i.target_url for i in made) == sorted(entries(1, 2, 3))
    assert list(client.iter_sync_imports(second.id)) == []
    synced = {s.id: s for s in client.channel_syncs()}[first.id]
    assert synced.state == SyncState.SYNCHRONIZED and synced.last_sync_at

    fake.clear_requests()
    client.import_channel_videos("lectures", FEED, first.id)  # same strings: nothing new
    assert len(fake.imports("alice")) == 3
    assert fake.count("POST", "/api/v1/video-channels/lectures/import-videos") == 1

    client.delete_channel_sync(first.id)
    assert [s.id for s in client.channel_syncs()] == [second.id]
    assert len(fake.videos("alice")) == 3  # the videos stay


def test_bad_url_is_refused_naming_the_field(fake, client):
    with pytest.raises(RequestRejected, match="externalChannelUrl"):
        client.create_channel_sync("not a url", client.channels()["lectures"])

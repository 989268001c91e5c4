"""A video PeerTube's own sync imported is recognisable from the listing ptsync makes.

The fake's sync lists the loopback feed through ptsync's own listing (standing in for the
server's yt-dlp, which returns the same strings); the imports it makes must carry exactly the
import URLs ptsync would send, and ``identify`` must name each import as its entry.
"""

from __future__ import annotations

import pytest

from ptsync.live.upstream import identify, list_upstream
from ptsync.peertube import ClientSettings, Credentials, PeerTubeClient
from ptsync.testing import PROFILES, FakePeerTube

pytest.importorskip("yt_dlp")


@pytest.mark.parametrize("version", list(PROFILES))
def test_sync_imports_are_the_entries_ptsync_lists(version, upstream, tmp_path, monkeypatch):
    monkeypatch.setenv("PTSYNC_CACHE_DIR", str(tmp_path / "cache"))
    upstream.add("ep-1")
    upstream.add("ep-2")
    feed = upstream.url + "/feed.xml"
    with FakePeerTube(
        version=version,
        rate_limit=None,
        login_rate_limit=None,
        import_duration=None,
        channel_sync_enabled=True,
        allow_private_import_targets=True,  # the feed's media are on loopback
    ) as fake:
        fake.add_user("alice", "alice-secret-pw", channels=["podcast"])
        fake.set_upstream(feed, lambda: [e.import_url for e in list_upstream(feed).entries])
        settings = ClientSettings(rate_limit=None)
        with PeerTubeClient(fake.url, Credentials("alice", "alice-secret-pw"), settings) as client:
            sync = client.create_channel_sync(feed, client.channels()["podcast"])
            client.import_channel_videos("podcast", feed, sync.id)
            upstream.add("ep-3")  # published upstream after the first run
            fake.run_channel_syncs()
            imports = list(client.iter_sync_imports(sync.id))
        listing = list_upstream(feed)
    by_id = {e.external_id: e for e in listing.entries}
    assert sorted(by_id) == ["feed:ep-1", "feed:ep-2", "feed:ep-3"]
    assert sorted(identify(i.target_url or "") for i in imports) == sorted(by_id)
    for row in imports:
        assert row.target_url == by_id[identify(row.target_url or "")].import_url

"""Mirrors on every profile (6.3, 7.3, 8.0, 8.2, 8.3): a feed backfilled with ``limit`` and
curated, a new entry picked up, a video imported before adopted, and a server-side sync created,
backfilled and pruned; each apply followed by a plan that says "No changes."."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator

import pytest

from ptsync.live.upstream import list_upstream
from ptsync.testing.upstream import TestUpstream
from tests.integration.conftest import marked_videos
from tests.integration.test_mirrors import (  # noqa: F401 - the fixtures
    SYSTEM,
    USER,
    cli,
    client,
    converge,
    fake,
    manifest,
    upstream,
)

pytest.importorskip("yt_dlp")


@pytest.fixture
def talks() -> Iterator[TestUpstream]:
    with TestUpstream() as server:
        yield server


def test_mirror_and_server_sync_converge(fake, upstream, talks, cli, tmp_path):  # noqa: F811
    with fake.state.lock:  # the admin enables import.video_channel_synchronization
        fake.state.settings = dataclasses.replace(fake.state.settings, channel_sync_enabled=True)
    for n in range(1, 5):
        upstream.add(f"ep-{n}", title=f"Episode {n}")
    feed = f"{upstream.url}/feed.xml"
    talks.add("talk-1")
    atom = f"{talks.url}/atom.xml"
    fake.set_upstream(atom, lambda: [e.import_url for e in list_upstream(atom).entries])
    first = next(e for e in list_upstream(feed).entries if e.external_id == "feed:ep-4")
    with client(fake) as person:  # imported by hand before, from the enclosure's plain link
        person.create_import(
            {"targetUrl": first.match_urls[-1], "channelId": person.channels()["podcast"]}
        )
    path = manifest(
        tmp_path,
        f"""\
        channels:
          - name: podcast
            defaults: {{category: Education, privacy: Public}}
            mirrors:
              - {{url: "{feed}", limit: 2}}
          - name: talks
            mirrors:
              - {{url: "{atom}", sync: server}}
        videos:
          - {{id: "feed:ep-3", name: "Episode three, curated"}}
        """,
    )
    converge(cli, path)
    videos = marked_videos(fake, SYSTEM)
    assert sorted(videos) == ["feed:ep-3", "feed:ep-4"]
    assert videos["feed:ep-3"]["name"] == "Episode three, curated"
    assert {v["category"]["id"] for v in videos.values()} == {13}
    (sync,) = fake.channel_syncs()
    assert sync["externalChannelUrl"] == atom and sync["channel"]["name"] == "talks"

    upstream.add("ep-5", title="Episode 5")
    converge(cli, path, "--no-cache", "--prune")
    assert sorted(marked_videos(fake, SYSTEM)) == ["feed:ep-3", "feed:ep-4", "feed:ep-5"]
    podcast = [r for r in fake.imports(USER) if r["targetUrl"].startswith(f"{upstream.url}/media")]
    assert max(Counter(r["targetUrl"] for r in podcast).values()) == 1

    path.write_text(path.read_text().replace(f'\n      - {{url: "{atom}", sync: server}}', " []"))
    converge(cli, path, "--no-cache", "--prune")
    assert fake.channel_syncs() == []

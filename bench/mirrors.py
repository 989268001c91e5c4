"""Mirror figures: a 5 000-entry feed listed cold, planned cold and warm, and adopted.

    .venv/bin/python bench/mirrors.py [--entries 5000] [--undated]

A ``TestUpstream`` RSS feed of N items (dated, as real feeds are: yt-dlp parses every
``pubDate``) and a fake PeerTube on loopback, no latency, no rate limit (only counts and this
machine's seconds matter). Rows, each printed with its PeerTube requests, upstream requests and
wall-clock seconds:

- cold listing: ``list_upstream`` without the cache (one flat extraction);
- cold plan: the same feed mirrored, nothing on the server yet, empty cache dir (login,
  vocabularies, one listing, N creates planned);
- warm no-op plan: the N videos exist with their markers (seeded as an apply leaves them), the
  vocabulary cache warm: list pages, the playlist and channel-sync listings and ``/config``
  only; once with the feed listed again (the default, ``--listing-max-age 0``), once from the
  listing cache (opted in);
- adoption plan: the N videos were imported by PeerTube's own channel sync (no markers, the
  sync's ``targetUrl`` strings): the import rows are read once and matched without a request
  per entry, N updates (markers) planned.

Not a test: tests/integration/test_mirrors.py asserts the warm no-op plan's exact request
count. Wall-clock figures on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ptsync.live.upstream import list_upstream
from ptsync.marker import Marker, compose_description
from ptsync.options import Options
from ptsync.peertube import ClientSettings, Credentials, PeerTubeClient
from ptsync.session import Run
from ptsync.testing import FakePeerTube
from ptsync.testing.upstream import TestUpstream

USER, PASSWORD, SYSTEM, CHANNEL = "alice", "alice-secret-pw", "nisv", "podcast"


def measure(label: str, fake: FakePeerTube, upstream: TestUpstream, step: Callable[[], Any]) -> Any:
    fake.clear_requests()
    before = upstream.count()
    start = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - start
    print(f"| {label} | {fake.count()} | {upstream.count() - before} | {seconds:.2f} |")
    return result


CACHED = 3600.0  # --listing-max-age of the rows that reuse the listing cache


def plan(manifest: Path, **options: Any) -> Any:
    with Run([str(manifest)], Options(rate_limit=None, **options)) as run:
        (group,) = run.plan()
    return group.plan


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--undated", action="store_true", help="feed items without pubDate")
    args = parser.parse_args()
    n = args.entries
    with tempfile.TemporaryDirectory() as tmp, TestUpstream() as upstream:
        upstream.add_many(n, dated=not args.undated)
        feed = f"{upstream.url}/feed.xml"
        manifest = Path(tmp) / "mirror.yaml"
        manifest.write_text(
            f"apiVersion: ptsync/v1\nsystem: {SYSTEM}\nchannels:\n  - name: {CHANNEL}\n"
            f"    mirrors: [{{url: '{feed}'}}]\n"
        )
        print(
            f"{n} feed items ({'undated' if args.undated else 'dated'}); seconds on this machine\n"
        )
        print("| step | PeerTube requests | upstream requests | seconds |")
        print("|---|---|---|---|")
        with FakePeerTube(rate_limit=None, login_rate_limit=None, import_duration=None) as fake:
            fake.add_user(USER, PASSWORD, channels=[CHANNEL])
            os.environ.update(
                PEERTUBE_URL=fake.url,
                PEERTUBE_USERNAME=USER,
                PEERTUBE_PASSWORD=PASSWORD,
                PTSYNC_CACHE_DIR=str(Path(tmp) / "cache-cold"),
            )
            listing = measure(
                "cold listing (`list_upstream`, no cache)",
                fake,
                upstream,
                lambda: list_upstream(feed),
            )
            assert len(listing.entries) == n
            cold = measure(
                "cold plan (nothing on the server, empty cache)",
                fake,
                upstream,
                lambda: plan(manifest),
            )
            assert cold.summary.create == n
            for entry in listing.entries:  # as an apply leaves them
                fake.add_video(
                    USER,
                    channel=CHANNEL,
                    name=entry.title or entry.external_id,
                    description=compose_description(
                        Marker(SYSTEM, entry.external_id, {"src": "0" * 10}), None
                    ),
                )
            plan(manifest)  # warms the caches for what is now on the server
            listed = measure(
                "warm no-op plan (listed again: the default)",
                fake,
                upstream,
                lambda: plan(manifest),
            )
            assert listed.summary.create == 0 and listed.summary.unchanged == n, listed.summary
            warm = measure(
                "warm no-op plan (cached listing, --listing-max-age 3600)",
                fake,
                upstream,
                lambda: plan(manifest, listing_max_age=CACHED),
            )
            assert warm.summary.create == 0 and warm.summary.unchanged == n, warm.summary
        spellings = {
            "as PeerTube's sync lists them": lambda url: url,
            "another spelling: identified": lambda url: url.replace("%3A+", "%3A"),
        }
        for i, (how, spell) in enumerate(spellings.items()):
            adopt = adoption(
                manifest, feed, listing, upstream, Path(tmp) / f"adopt-{i}", spell, how
            )
            assert adopt.summary.create == 0 and adopt.summary.update == n, adopt.summary


def adoption(
    manifest: Path,
    feed: str,
    listing: Any,
    upstream: TestUpstream,
    cache: Path,
    spell: Callable[[str], str],
    how: str,
) -> Any:
    """The feed's entries imported beforehand by PeerTube's own sync (1 000 per full run),
    under the ``targetUrl`` spelling ``spell`` gives; then a warm plan that adopts them."""
    with FakePeerTube(
        rate_limit=None,
        login_rate_limit=None,
        import_duration=None,
        channel_sync_enabled=True,
        allow_private_import_targets=True,  # the feed's media are on loopback
    ) as fake:
        fake.add_user(USER, PASSWORD, channels=[CHANNEL])
        urls = [spell(e.import_url) for e in listing.entries]
        settings = ClientSettings(rate_limit=None)
        with PeerTubeClient(fake.url, Credentials(USER, PASSWORD), settings) as client:
            for start in range(0, len(urls), 1000):  # as if the feed grew between the runs
                fake.set_upstream(feed, urls[start : start + 1000])
                client.import_channel_videos(CHANNEL, feed)
        fake.complete_imports()
        os.environ.update(PEERTUBE_URL=fake.url, PTSYNC_CACHE_DIR=str(cache))
        plan(manifest)  # the vocabularies and the listing cached, as in a second run
        return measure(
            f"adoption plan ({how})",
            fake,
            upstream,
            lambda: plan(manifest, listing_max_age=CACHED),
        )


if __name__ == "__main__":
    main()

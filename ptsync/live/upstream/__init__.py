"""Listing a mirror's upstream (a channel, playlist or feed elsewhere): fetching, not planning.

Beside the live-state fetch (``ptsync.live``), because a listing is read from the network and may
be cached as an accelerator; the plan consumes its result as desired entries.

    list_upstream(url, since=, limit=, cache=)   → Listing(entries, problems)   (listing)
    identify(target_url)                          → external id | None           (identify)
    UpstreamError / MissingExtra / EntryProblem                                  (problems)

yt-dlp (the ``ptsync[mirrors]`` extra) is imported on first use only.
"""

from ptsync.errors import MissingExtra, UpstreamError, UpstreamFailure
from ptsync.live.upstream.cache import ListingCache
from ptsync.live.upstream.entries import Listing, UpstreamEntry, external_id
from ptsync.live.upstream.identify import identify
from ptsync.live.upstream.listing import list_upstream, match_urls
from ptsync.live.upstream.problems import EntryProblem, EntryProblemKind

__all__ = [
    "EntryProblem",
    "EntryProblemKind",
    "Listing",
    "ListingCache",
    "MissingExtra",
    "UpstreamEntry",
    "UpstreamError",
    "UpstreamFailure",
    "external_id",
    "identify",
    "list_upstream",
    "match_urls",
]

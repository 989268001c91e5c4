"""Leave the detail cache warm after an apply: the next plan needs no detail GET for what the
apply itself wrote.

PeerTube answers a PUT with 204 and no body, so the new ``updatedAt`` of an updated video is
not known, and the detail cache is keyed by it (so that any later edit misses the entry). The
details themselves are known: the entry the plan used, with what apply wrote on top. One walk
over ``/users/me/videos`` right after the writes shows every video's new ``updatedAt``:
ceil(N/100) requests now instead of one detail GET per updated video at the next plan. It is
made only when it is the cheaper of the two, never after a stop, and a failure there only
leaves the cache cold.

What it cannot tell apart: an edit made in the web UI to a video while this apply was changing
that same video (after the plan read it, before the listing) looks like the apply's own write;
its changes to fields the apply did not write then stay unseen until the video changes again
(or a plan with ``--no-cache``). An edit after the apply always shows.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from typing import Any, Protocol

from ptsync.errors import PtsyncError
from ptsync.fields import DETAIL_FIELDS
from ptsync.live.cache import DetailCache
from ptsync.marker import compose_description, parse_description
from ptsync.plan.changes import UpdateVideo
from ptsync.state import LiveVideo

log = logging.getLogger("ptsync.apply")
PAGE = 100  # videos per list page (PeerTube's maximum)


class VideoLister(Protocol):
    def iter_my_videos(self) -> Iterable[LiveVideo]: ...


def detail_writes(change: UpdateVideo) -> dict[str, Any]:
    """The detail-cache fields an applied update wrote, valued as a plan reads them."""
    written: dict[str, Any] = {c.field: c.new for c in change.changes if c.field in DETAIL_FIELDS}
    if change.release:
        written["description"] = parse_description(change.description).text
    elif change.marker is not None:  # the description is written with the marker
        text = compose_description(change.marker, change.description)
        written["description"] = parse_description(text).text
    return written


class DetailWarmer:
    """Collects the updates an apply made (``written``, from the workers), then files them in
    the detail cache under their new ``updatedAt`` (``finish``)."""

    def __init__(self, cache: DetailCache):
        self.cache = cache

    def written(self, change: UpdateVideo) -> None:
        self.cache.written(change.uuid, change.updated_at, detail_writes(change))

    def finish(self, client: VideoLister, videos_total: int) -> int:
        """List the videos once if that costs fewer requests than the details it saves;
        returns how many entries were kept warm."""
        waiting = self.cache.pending()
        if waiting <= math.ceil(videos_total / PAGE):
            self.cache.confirm({})
            return 0
        try:
            updated = {v.uuid: v.updated_at for v in client.iter_my_videos()}
        except PtsyncError as exc:
            log.info("the detail cache stays cold: listing after apply failed (%s)", exc)
            self.cache.confirm({})
            return 0
        kept = self.cache.confirm(updated)
        self.cache.save()
        log.info("detail cache: %d updated videos kept warm for the next plan", kept)
        return kept

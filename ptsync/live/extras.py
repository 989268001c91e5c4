"""Chapters and passwords of the videos whose manifest entries set them, and of no others.

Which videos those are is decided by ``ptsync.plan.needs.extras_needed``. Neither is cached:
a chapter or password change does not bump the video's ``updatedAt``, which the detail cache
is keyed by, and passwords are never written anywhere. The passwords are reduced to their
keyed digest (``ptsync.passwords``) as soon as they are read; the plaintext is dropped with
the answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from ptsync import passwords as pw
from ptsync.state import Chapter, LiveState, LiveVideo


class ExtrasClient(Protocol):
    def video_chapters(self, id_or_uuid: str) -> tuple[Chapter, ...]: ...
    def video_passwords(self, id_or_uuid: str) -> list[str]: ...


def fetch_extras(
    client: ExtrasClient,
    live: LiveState,
    chapters: set[str],
    passwords: set[str],
    parallelism: int,
) -> LiveState:
    """``live`` with the chapters of the ``chapters`` uuids and the password digests of the
    ``passwords`` uuids filled in."""
    found_chapters = _each(sorted(chapters), client.video_chapters, parallelism)
    digests = _each(sorted(passwords), lambda u: pw.digest(client.video_passwords(u)), parallelism)

    def completed(video: LiveVideo) -> LiveVideo:
        changes: dict[str, Any] = {}
        if video.uuid in found_chapters:
            changes["chapters"] = found_chapters[video.uuid]
        if video.uuid in digests:
            changes["password_digest"] = digests[video.uuid]
        return dataclasses.replace(video, **changes) if changes else video

    return dataclasses.replace(live, videos=tuple(completed(v) for v in live.videos))


def _each(uuids: Iterable[str], get: Callable[[str], Any], parallelism: int) -> dict[str, Any]:
    todo = list(uuids)
    if len(todo) <= 1 or parallelism <= 1:
        return {u: get(u) for u in todo}
    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="extras") as pool:
        return dict(zip(todo, pool.map(get, todo), strict=True))

"""Every default of ptsync, in one place: the library's ``Options``.

The command line shows these defaults in its help and leaves an option that was not typed to
them; the client's settings (``ptsync.peertube.ClientSettings``) are derived from them
(``ptsync.session.client_settings``), and its own defaults are these; low-level functions that
are also called on their own take their defaults from ``DEFAULTS``. Importing this module
costs nothing: the command line reads it at start-up.

An option a person set on purpose is named in ``explicit`` (the command line puts every typed
option there, ``Options.typed(...)`` does the same for a program): such a threshold wins over
a manifest's ``safety:`` even when it equals the default, and such a rate limit also caps
administrators and moderators (whom PeerTube does not limit). A threshold given a value other
than its default counts as set on purpose too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_PATHS = ("manifests/",)  # the manifests when no path is given
MAX_FRACTION = 0.3  # of the videos a plan can touch (octoDNS's MAX_SAFE_UPDATE_PCENT)


@dataclass(frozen=True)
class Options:
    # planning
    prune: bool = False  # delete owned videos and playlists the manifests no longer list
    force: bool = False  # allow more change than the thresholds
    max_update_fraction: float = MAX_FRACTION
    max_delete_fraction: float = MAX_FRACTION
    safety_min_existing: int = 10  # the fractions are checked from this many videos on
    adopt: bool = False  # also write markers on uuid-pinned videos that lack them
    media_roots: tuple[str, ...] = ()  # folders local files may come from (--media-root)
    # requests
    parallelism: int = 4  # requests at the same time
    use_cache: bool = True  # the token, vocabulary, detail and listing caches (accelerators)
    # seconds a mirror's upstream listing is reused from the cache: a plan and the apply
    # that follows it see one listing; a run after that lists the source again
    listing_max_age: float = 0.0  # 0: list every run, so deleting the cache changes no plan
    insecure_http: bool = False  # allow plain http:// to non-loopback hosts
    rate_limit: tuple[int, float] | None = (50, 10.0)  # PeerTube's default; None: no limit
    timeout: float = 60.0  # seconds to wait for an answer
    connect_timeout: float = 10.0  # seconds to connect, at most (less when timeout is less)
    max_retries: int = 5  # attempts per request, login included (1: never retried)
    retry_base: float = 0.5  # seconds of backoff before the second attempt, doubling
    deadline: float | None = None  # seconds every request of a client may take together
    max_rate_limit_wait: float = 300.0  # seconds a request may wait for the rate limit
    # uploads
    chunk_size: int = 8 * 2**20  # bytes per resumable-upload chunk
    # How long a session answering "already being processed" is waited out. Assembling even a
    # large file takes seconds on a real server; a wedged session answers so with Retry-After:
    # 300 for as long as anyone watched. 60 s covers the first, and leaves a CI job time to
    # start over.
    upload_processing_wait: float = 60.0
    # apply
    wait: bool = False  # follow imports to the end
    wait_timeout: float = 3600.0  # seconds imports are followed at most
    poll_interval: float = 2.0  # seconds between looks at the imports (after a quick first)
    notify_url: str | None = None  # overrides the manifests' notify:
    notify_timeout: float = 10.0  # seconds the webhook may take to answer
    notify_attempts: int = 3  # tries of the webhook
    # where credentials, passwords and instance URLs come from
    env: Mapping[str, str] = field(default_factory=lambda: os.environ)
    explicit: frozenset[str] = frozenset()  # options set on purpose (see the module's text)

    @classmethod
    def typed(cls, **values: Any) -> Options:
        """Options with ``values`` set on purpose, as if typed on the command line."""
        given = frozenset(values.pop("explicit", ()))
        return cls(**values, explicit=given | (set(values) - {"env"}))

    def chosen(self, name: str) -> bool:
        """The option ``name`` was set on purpose, or (a threshold) differs from its default."""
        return name in self.explicit or getattr(self, name) != getattr(DEFAULTS, name)

    @property
    def rate_limit_explicit(self) -> bool:
        """A rate limit set on purpose caps administrators and moderators too."""
        return "rate_limit" in self.explicit


DEFAULTS = Options(env={})

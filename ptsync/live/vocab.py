"""Vocabularies (and the user's channels) through the accelerator cache.

A warm plan must not spend requests on data that practically never changes, yet a cache must
never make a plan wrong: labels are resolved against the cached copy, and when a label (or a
channel) is missing from it the caller asks for a fresh copy once before reporting an error.
The server's version, which picks behaviour (``peertube.versions``), is read from the server on
every run (one ``/config`` request, warm or cold) and the cached copy is only used when it was
made for that same version: an upgrade between two runs refetches everything (it may bring new
licences and languages), so a warm plan equals a ``--no-cache`` one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ptsync.live.cache import VocabularyCache
from ptsync.state import Vocabularies


class VocabularyClient(Protocol):
    def vocabularies(self) -> Vocabularies: ...
    def server_config(self) -> dict[str, Any]: ...


def vocab_to_json(vocab: Vocabularies) -> dict[str, Any]:
    return {
        "categories": {str(k): v for k, v in vocab.categories.items()},
        "licences": {str(k): v for k, v in vocab.licences.items()},
        "languages": dict(vocab.languages),
        "privacies": {str(k): v for k, v in vocab.privacies.items()},
        "channels": dict(vocab.channels),
        "playlist_privacies": {str(k): v for k, v in vocab.playlist_privacies.items()},
        "server_version": vocab.server_version,
        "account": vocab.account,
    }


def vocab_from_json(data: Mapping[str, Any]) -> Vocabularies | None:
    try:
        return Vocabularies(
            categories={int(k): str(v) for k, v in data["categories"].items()},
            licences={int(k): str(v) for k, v in data["licences"].items()},
            languages={str(k): str(v) for k, v in data["languages"].items()},
            privacies={int(k): str(v) for k, v in data["privacies"].items()},
            channels={str(k): int(v) for k, v in data["channels"].items()},
            playlist_privacies={int(k): str(v) for k, v in data["playlist_privacies"].items()},
            server_version=str(data["server_version"]),
            account=str(data["account"]),  # absent from older caches: fetched again
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def load_vocabularies(
    client: VocabularyClient, cache: VocabularyCache, *, refresh: bool = False
) -> tuple[Vocabularies, bool]:
    """The vocabularies and whether they came from the cache (and so may be refreshed)."""
    if not refresh:
        cached = cache.load()
        vocab = vocab_from_json(cached) if cached else None
        if vocab is not None and vocab.server_version == _running_version(client):
            return vocab, True
    vocab = client.vocabularies()
    cache.save(vocab_to_json(vocab))
    return vocab, False


def _running_version(client: VocabularyClient) -> str:
    """``serverVersion`` as the server says it now (the client asks once per run)."""
    return str(client.server_config().get("serverVersion") or "")

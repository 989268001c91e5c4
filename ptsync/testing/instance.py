"""Instance-wide read-only endpoints: ``/config`` and the vocabularies.

``/config`` is the profile's release's whole public document (``public_config``); its two
feature flags (HTTP import, source replacement) follow the fake's constructor options so clients
can be tested against both kinds of instance. Licences and languages are the profile's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Response

from ptsync.testing import public_config, vocab
from ptsync.testing.problems import json_response
from ptsync.testing.routing import Ctx, Routes

routes = Routes()


@routes("/api/v1/config", "GET")
def get_config(ctx: Ctx) -> Response:
    return json_response(public_config.document(ctx.state))


def _vocabulary(entries: Mapping[Any, str]) -> Response:
    return json_response({str(key): value for key, value in entries.items()})


@routes("/api/v1/videos/categories", "GET", docs="getCategories")
def categories(ctx: Ctx) -> Response:
    return _vocabulary(vocab.CATEGORIES)


@routes("/api/v1/videos/licences", "GET", docs="getLicences")
def licences(ctx: Ctx) -> Response:
    return _vocabulary(ctx.state.profile.licences)


@routes("/api/v1/videos/languages", "GET", docs="getLanguages")
def languages(ctx: Ctx) -> Response:
    return _vocabulary(ctx.state.profile.languages)


@routes("/api/v1/videos/privacies", "GET", docs="getPrivacies")
def privacies(ctx: Ctx) -> Response:
    return _vocabulary(vocab.PRIVACIES)


@routes("/api/v1/video-playlists/privacies", "GET", docs="getPlaylistPrivacyPolicies")
def playlist_privacies(ctx: Ctx) -> Response:
    return _vocabulary(vocab.PLAYLIST_PRIVACIES)

"""The labels renderers show beside ids (a category's name, a privacy's word): taken from the
instance's vocabularies when the plan is made, carried by the ``Plan`` (and saved with it)."""

from __future__ import annotations

from ptsync.fields import COMMENTS_POLICIES
from ptsync.state import Vocabularies


def labels_for(vocab: Vocabularies | None) -> dict[str, dict[str, str]]:
    """id -> label maps for renderers, keyed by strings so they survive JSON."""
    if vocab is None:
        return {}
    return {
        "category": {str(k): v for k, v in vocab.categories.items()},
        "licence": {str(k): v for k, v in vocab.licences.items()},
        "language": {str(k): v for k, v in vocab.languages.items()},
        "privacy": {str(k): v for k, v in vocab.privacies.items()},
        "publishPrivacy": {str(k): v for k, v in vocab.privacies.items()},
        "commentsPolicy": {str(k): v for k, v in COMMENTS_POLICIES.items()},
        "playlistPrivacy": {str(k): v for k, v in vocab.playlist_privacies.items()},
    }

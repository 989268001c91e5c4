"""What a server version refuses, found while planning rather than half-way through an apply.

Pure: the caller says what the server's version refuses (``peertube.versions`` decides it from
``serverVersion``), this module finds the entries that would run into it and says why, at the
entry's line, so ``plan`` fails before any request that the server would answer with a 400.
"""

from __future__ import annotations

from ptsync.errors import Problem
from ptsync.plan.changes import Change, CreateVideo, UpdateVideo
from ptsync.state import CaptionFile, DesiredVideo, Vocabularies

SIGN_LANGUAGE = "Sign Language"  # in the label of each sign language PeerTube lists


def refused_captions(
    change: Change, entry: DesiredVideo, vocab: Vocabularies | None, written_only: bool
) -> list[Problem]:
    """Captions this change would send in a sign language to a server that takes captions in
    written languages only (PeerTube 8.2+; the language stays valid for the video itself)."""
    if not written_only or vocab is None:
        return []
    return [
        Problem(
            entry.ref,
            f"captions: {caption.language} ({vocab.languages[caption.language]}) is a sign "
            "language; PeerTube 8.2 and later accept captions in written languages only",
        )
        for caption in _sent(change)
        if SIGN_LANGUAGE in vocab.languages.get(caption.language, "")
    ]


def _sent(change: Change) -> tuple[CaptionFile, ...]:
    if isinstance(change, CreateVideo):
        return change.captions
    if isinstance(change, UpdateVideo):
        return change.captions_put
    return ()

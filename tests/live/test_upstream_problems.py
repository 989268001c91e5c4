"""yt-dlp's failures become typed one-line problems (shapes of what its extractors raise)."""

from __future__ import annotations

import pytest

from ptsync.live.upstream import UpstreamFailure
from ptsync.live.upstream.listing import convert
from ptsync.live.upstream.problems import EntryProblemKind
from ptsync.live.upstream.ytdlp import classify

yt_dlp = pytest.importorskip("yt_dlp")
URL = "https://www.youtube.com/@university/videos"


def download_error(inner: BaseException) -> BaseException:
    error = yt_dlp.utils.DownloadError(f"ERROR: {inner}", (type(inner), inner, None))
    return error


def test_the_bot_check_needs_sign_in_in_one_line():
    bot = yt_dlp.utils.ExtractorError(
        "Sign in to confirm you’re not a bot. Use --cookies-from-browser or --cookies for the "
        "authentication. See  https://github.com/yt-dlp/yt-dlp/wiki/FAQ#how-do-i-pass-cookies "
        "for how to manually pass cookies.",
        expected=True,
    )
    error = classify(URL, download_error(bot))
    assert error.kind is UpstreamFailure.NEEDS_SIGN_IN
    assert str(error) == (
        f"{URL}: needs sign-in: Sign in to confirm you’re not a bot "
        "(ptsync lists sources without cookies)"
    )


def test_login_required_and_unsupported_and_other_failures():
    login = yt_dlp.utils.ExtractorError(
        "This video is only available for registered users. Use --cookies, --username...",
        expected=True,
    )
    assert classify(URL, download_error(login)).kind is UpstreamFailure.NEEDS_SIGN_IN
    unsupported = yt_dlp.utils.UnsupportedError("https://example.org/")
    assert classify(URL, download_error(unsupported)).kind is UpstreamFailure.UNSUPPORTED
    other = yt_dlp.utils.ExtractorError("This channel does not exist.\nSecond line", expected=True)
    failed = classify(URL, download_error(other))
    assert failed.kind is UpstreamFailure.FAILED
    assert str(failed) == f"{URL}: failed: This channel does not exist. Second line"


def test_private_and_deleted_playlist_entries_as_youtube_lists_them():
    raw = [
        {
            "_type": "url",
            "ie_key": "Youtube",
            "id": "dQw4w9WgXcQ",
            "title": "Fine",
            "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
        },
        {
            "_type": "url",
            "ie_key": "Youtube",
            "id": "aaaaaaaaaaa",
            "title": "[Private video]",
            "url": "https://www.youtube.com/watch?v=aaaaaaaaaaa",
        },
        {
            "_type": "url",
            "ie_key": "Youtube",
            "id": "bbbbbbbbbbb",
            "title": "[Deleted video]",
            "url": "https://www.youtube.com/watch?v=bbbbbbbbbbb",
        },
        {
            "_type": "url",
            "ie_key": "Youtube",
            "id": "ccccccccccc",
            "title": "Members",
            "availability": "subscriber_only",
            "url": "https://www.youtube.com/watch?v=ccccccccccc",
        },
        {},  # an entry yt-dlp could not read at all
    ]
    listing = convert("https://www.youtube.com/playlist?list=PLx", raw, None)
    assert [e.external_id for e in listing.entries] == ["youtube:dQw4w9WgXcQ"]
    assert listing.entries[0].import_url == "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    assert [p.kind for p in listing.problems] == [
        EntryProblemKind.PRIVATE,
        EntryProblemKind.REMOVED,
        EntryProblemKind.PRIVATE,
        EntryProblemKind.REMOVED,
    ]
    assert str(listing.problems[3]) == (
        "https://www.youtube.com/playlist?list=PLx: entry #5: removed (listed without a URL)"
    )


def test_yt_dlp_runs_flat_quiet_bounded_and_without_cookies_or_cache():
    from ptsync.live.upstream.ytdlp import options

    found = options(limit=25, timeout=7.0)
    assert found["extract_flat"] is True and found["skip_download"] is True
    assert found["playlistend"] == 25 and found["socket_timeout"] == 7.0
    assert found["cachedir"] is False and found["cookiefile"] is None
    assert found["ignoreconfig"] is True and found["quiet"] is True

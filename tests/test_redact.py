"""Secrets out of shown URLs: userinfo and secret query values become REDACTED, the rest stays."""

import pytest

from ptsync import redact


@pytest.mark.parametrize(
    ("given", "shown"),
    [
        ("https://u:p@h.org/x.mp4", "https://REDACTED@h.org/x.mp4"),
        (
            "https://h/x?X-Amz-Signature=abc&X-Amz-Date=1",
            "https://h/x?X-Amz-Signature=REDACTED&X-Amz-Date=1",
        ),
        ("https://h/x?token=1&a=b", "https://h/x?token=REDACTED&a=b"),
        ("https://h/feed?videoChannelId=3", "https://h/feed?videoChannelId=3"),
        ("https://www.youtube.com/watch?v=abc", "https://www.youtube.com/watch?v=abc"),
        ("https://h/x?monkey=1&keyword=2", "https://h/x?monkey=1&keyword=2"),
        ("not a url", "not a url"),
    ],
)
def test_url_hides_credentials_and_keeps_the_rest(given: str, shown: str) -> None:
    assert redact.url(given) == shown
    assert redact.has_secret(given) == (given != shown)


def test_text_redacts_every_url_it_quotes() -> None:
    line = "webhook https://h.org/hook?token=abc failed; see https://u:pw@x.org/"
    assert redact.text(line) == (
        "webhook https://h.org/hook?token=REDACTED failed; see https://REDACTED@x.org/"
    )

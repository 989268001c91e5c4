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


@pytest.mark.parametrize(
    ("given", "same_as"),
    [
        ("https://u:p@h.org/x.mp4", "https://h.org/x.mp4"),
        (
            "https://h/x.mp4?X-Amz-Algorithm=A&X-Amz-Date=1&X-Amz-Signature=s1&v=2",
            "https://h/x.mp4?X-Amz-Date=9&X-Amz-Signature=s2&X-Amz-Algorithm=A&v=2",
        ),
        ("https://h/x?token=1&id=7", "https://h/x?token=2&id=7"),
        ("https://h/x?Expires=1&Signature=a&Key-Pair-Id=k", "https://h/x"),
    ],
)
def test_identity_sets_credentials_and_signatures_aside(given: str, same_as: str) -> None:
    assert redact.identity(given) == redact.identity(same_as)


@pytest.mark.parametrize(
    "plain",
    ["https://h.org/x.mp4", "https://h/feed?videoChannelId=3&v=a%20b", "not a url", "https://h/x?"],
)
def test_identity_of_a_url_without_secrets_is_the_very_string(plain: str) -> None:
    assert redact.identity(plain) is plain


def test_identity_keeps_what_names_another_resource() -> None:
    assert redact.identity("https://h/x?id=1") != redact.identity("https://h/x?id=2")
    assert redact.identity("https://h/a.mp4") != redact.identity("https://h/b.mp4")

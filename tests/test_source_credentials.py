"""Credentials of a private source: checked without showing them, put into the URL PeerTube
gets, and never part of what identifies the source (its marker hash, import rows)."""

import pytest

from ptsync import source_credentials as creds
from ptsync.marker import short_hash
from ptsync.state import CredentialsRef, UrlSource

URL = "https://archive.example.org/x.mp4"


@pytest.mark.parametrize(
    ("value", "requested"),
    [
        ("bob:pa ss@w/rd", "https://bob:pa%20ss%40w%2Frd@archive.example.org/x.mp4"),
        ("bob:", "https://bob:@archive.example.org/x.mp4"),
        ("?token=abc&exp=1", "https://archive.example.org/x.mp4?token=abc&exp=1"),
    ],
)
def test_the_value_goes_into_the_requested_url_only(value, requested):
    assert creds.problem({"V": value}, "V") is None
    assert creds.request_url(URL, creds.read({"V": value}, "V")) == requested


def test_a_query_string_is_added_to_the_urls_own():
    assert creds.request_url(f"{URL}?v=2", "?sig=s") == f"{URL}?v=2&sig=s"
    assert creds.request_url("https://old:x@h.org/a", "new:y") == "https://new:y@h.org/a"


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({}, "environment variable V is not set"),
        ({"V": ""}, "$V is empty"),
        ({"V": "bob:pw\n"}, "line breaks"),
        ({"V": "no-colon-secret"}, "$V must be user:password"),
        ({"V": ":no-user-secret"}, "$V must be user:password"),
        ({"V": "?"}, "an empty query string"),
    ],
)
def test_an_unusable_value_is_named_never_shown(env, says):
    found = creds.problem(env, "V")
    assert found is not None and says in found
    assert "secret" not in found
    with pytest.raises(creds.CredentialsProblem):
        creds.read(env, "V")


def test_the_marker_hash_ignores_credentials_and_rotating_signatures():
    plain = UrlSource(URL)
    assert plain.digest == short_hash(URL)  # unchanged for URLs without secrets
    signed = UrlSource(f"{URL}?X-Amz-Date=1&X-Amz-Signature=one")
    resigned = UrlSource(f"{URL}?X-Amz-Date=2&X-Amz-Signature=two")
    assert signed.digest == resigned.digest == plain.digest
    assert UrlSource("https://u:p@archive.example.org/x.mp4").digest == plain.digest
    assert UrlSource(URL, CredentialsRef("V")).digest == plain.digest
    assert short_hash(signed.url) in signed.digests  # a marker ptsync wrote before still fits
    assert signed.shown == f"{URL}?X-Amz-Date=1&X-Amz-Signature=REDACTED"


def test_reprs_never_hold_the_secret():
    """A traceback or a debug line that prints a source or an import row shows no secret."""
    from ptsync.state import LiveImport

    source = UrlSource("https://u:repr-secret@h.org/x.mp4?token=repr-token")
    row = LiveImport(1, source.url, 2, "Success", None, None, "t", "t")
    assert "repr-secret" not in repr(source) and "repr-token" not in repr(source)
    assert "repr-secret" not in repr(row)

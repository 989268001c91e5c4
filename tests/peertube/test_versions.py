"""One table of version features; behaviour is chosen from serverVersion, never by probing."""

import pytest

from ptsync.errors import ConfigError
from ptsync.peertube.versions import server_version


@pytest.mark.parametrize(
    ("text", "profile", "retry", "kept"),
    [("6.3.0", "6.x", False, False), ("7.3.0", "7.x", False, False), ("8.0.1", "8.x", True, True),
     ("8.1.5", "8.x", True, True), ("v7.0.0-rc.1", "7.x", False, False)],
)  # fmt: skip
def test_each_release_line_gets_its_profile(text, profile, retry, kept):
    found = server_version(text)
    assert found.features.profile == profile and found.notice is None
    assert found.features.import_retry is retry and found.features.failed_import_kept is kept


def test_a_newer_major_gets_the_newest_behaviour_and_a_notice():
    found = server_version("9.2.0")
    assert found.features.profile == "8.x"
    assert found.notice and "newer than the newest version ptsync knows" in found.notice


def test_an_unreadable_version_is_a_notice_not_a_guess_of_the_oldest():
    found = server_version("")
    assert found.features.profile == "8.x" and found.notice


@pytest.mark.parametrize("text", ["5.2.1", "4.0.0"])
def test_below_six_is_a_clear_error(text):
    with pytest.raises(ConfigError, match=f"PeerTube {text} is not supported"):
        server_version(text)

"""One table of version features; behaviour is chosen from serverVersion, never by probing."""

import dataclasses

import pytest

from ptsync.errors import ConfigError
from ptsync.peertube.versions import TABLE, Features, server_version

ROWS = {
    # text: (profile, import retry, retry limit, thumbnail is the preview, written captions,
    #        import max attempts, sync privacy)
    "6.3.0": ("6.x", False, None, False, False, 0, False),
    "v7.0.0-rc.1": ("7.x", False, None, False, False, 0, False),
    "7.3.0": ("7.x", False, None, False, False, 0, False),
    "8.0.1": ("8.0", True, None, False, False, 3, False),
    "8.1.8": ("8.1", True, None, True, False, 5, False),
    "8.2.1": ("8.2", True, None, True, True, 5, False),
    "8.2.3": ("8.2", True, None, True, True, 5, False),
    "8.3.0": ("8.3", True, 5, True, True, 5, True),
    "8.4.0": ("8.3", True, 5, True, True, 5, True),  # a newer minor: the newest row, no notice
}


@pytest.mark.parametrize(("text", "row"), ROWS.items())
def test_each_release_gets_its_row(text, row):
    found = server_version(text)
    assert dataclasses.astuple(found.features) == row and found.notice is None


def test_every_column_changes_somewhere_in_the_table():
    """A column that is the same on every row would drive no behaviour: delete it."""
    for column in dataclasses.fields(Features):
        assert len({getattr(features, column.name) for _, features in TABLE}) > 1, column.name


def test_a_newer_major_gets_the_newest_behaviour_and_a_one_line_notice():
    found = server_version("9.2.0")
    assert found.features == TABLE[-1][1] and found.features.profile == "8.3"
    assert found.notice == (
        "PeerTube 9.2.0 is newer than the newest version ptsync knows (8.3); using 8.3 behaviour"
    )


def test_an_unreadable_version_is_a_notice_not_a_guess_of_the_oldest():
    found = server_version("")
    assert found.features.profile == "8.3" and found.notice


@pytest.mark.parametrize("text", ["5.2.1", "4.0.0"])
def test_below_six_is_a_clear_error(text):
    with pytest.raises(ConfigError, match=f"PeerTube {text} is not supported"):
        server_version(text)

"""PeerTube's shortUUID (ptsync/shortuuid.py): the one spelling the fake and identify share."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from ptsync.shortuuid import from_short, to_short


@given(st.uuids())
def test_every_uuid_has_a_22_character_short_form_that_reads_back(value: uuid.UUID):
    short = to_short(str(value).upper())
    assert len(short) == 22
    assert from_short(short) == str(value)


def test_a_known_pair_and_what_spells_no_uuid():
    # recorded: the shortUUID PeerTube 8.0.1 gave this uuid
    assert to_short("ba8ef0d1-a74d-4c1e-9990-d66fe0ac3d0b") == "p39xq7yxyZDWuB5vNzRNdB"
    assert from_short("1" * 22) == "00000000-0000-0000-0000-000000000000"
    for bad in ("", "0" * 22, "l" * 22, "z" * 23, "zzzzzzzzzzzzzzzzzzzzzz"):  # 0, l: not base58
        assert from_short(bad) is None

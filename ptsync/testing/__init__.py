"""A fake PeerTube (6.3, 7.3 or 8.0) for ptsync's tests, ``ptsync demo`` and benchmarks.

``FakePeerTube`` runs a real HTTP server on 127.0.0.1 that answers the endpoints ptsync uses
with PeerTube's status codes, bodies, limits and quirks for the chosen release (``profiles``),
plus knobs for faults, slow server-side creates, wedged uploads and a request log.
``python -m ptsync.testing.server`` runs one by hand.
"""

from ptsync.testing.completion import DEFAULT_CREATE_DELAY
from ptsync.testing.fake import FakePeerTube
from ptsync.testing.profiles import PROFILES
from ptsync.testing.requestlog import RequestRecord

__all__ = ["DEFAULT_CREATE_DELAY", "PROFILES", "FakePeerTube", "RequestRecord"]

"""A fake PeerTube 6.3 server for ptsync's tests, ``ptsync demo`` and benchmarks.

``FakePeerTube`` runs a real HTTP server on 127.0.0.1 that answers the endpoints ptsync uses
with PeerTube's status codes, bodies, limits and quirks, plus knobs for faults and a request
log. ``python -m ptsync.testing.server`` runs one by hand.
"""

from ptsync.testing.fake import FakePeerTube
from ptsync.testing.requestlog import RequestRecord

__all__ = ["FakePeerTube", "RequestRecord"]

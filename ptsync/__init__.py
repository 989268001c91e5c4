"""ptsync: GitOps for PeerTube."""

__version__ = "0.1.0"

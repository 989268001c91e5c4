"""The PeerTube REST client: transport (security, rate limit, retries), auth, uploads."""

from ptsync.peertube.auth import Credentials, credentials_from_env
from ptsync.peertube.client import PeerTubeClient
from ptsync.peertube.http import ClientSettings
from ptsync.peertube.ratelimit import RateLimiter
from ptsync.peertube.sender import Answer, RequestsSender, Sender

__all__ = [
    "Answer",
    "ClientSettings",
    "Credentials",
    "PeerTubeClient",
    "RateLimiter",
    "RequestsSender",
    "Sender",
    "credentials_from_env",
]

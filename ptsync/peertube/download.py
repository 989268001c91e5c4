"""A local file for a source: the path itself, or a streamed download of a URL source.

Replacing a video's file goes through PeerTube's upload protocol, so a URL source has to be
fetched first; it streams to a temporary file (flat memory) that is removed afterwards.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import requests

from ptsync.errors import TransportError

CHUNK = 1 << 20


@contextmanager
def local_copy(source: str, *, timeout: float = 60.0) -> Iterator[Path]:
    if urlsplit(source).scheme not in ("http", "https"):
        yield Path(source)
        return
    suffix = Path(urlsplit(source).path).suffix
    with tempfile.NamedTemporaryFile(prefix="ptsync-", suffix=suffix) as handle:
        try:
            with requests.get(source, stream=True, timeout=timeout) as response:
                response.raise_for_status()
                for chunk in response.iter_content(CHUNK):
                    handle.write(chunk)
        except requests.RequestException as exc:
            raise TransportError("GET", source, f"cannot download the new source ({exc})") from None
        handle.flush()
        yield Path(handle.name)

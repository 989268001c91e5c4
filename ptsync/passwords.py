"""Video passwords: read from the environment only, compared by a keyed digest, never shown.

The manifest names an environment variable (``passwords: {env: LECTURE_PASSWORDS}``) that
holds one password per line, or several separated by commas on one line. Nothing else: a
password written into a reviewed YAML file is a password published in a repository.

How a plan knows whether they changed, without showing them. Not by a hash in the marker, as
for thumbnails: the marker is part of the description, which anyone who can see the video can
read, and a plain or salted hash of a typical video password is brute-forced offline in
seconds. Instead the planner compares with what PeerTube holds (``GET /videos/{id}/passwords``,
owner only; fetched only for entries that set ``passwords``), and both sides are reduced at
once to an HMAC-SHA256 under a key drawn at random for this process: the digest means nothing
outside the process that made it, so even one that ended up in a log could not be attacked.
Plans, plan files, reports and caches carry only the variable's name; apply reads the
variable again when it sends the passwords.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping

from ptsync.errors import PasswordProblem

MIN_LENGTH, MAX_LENGTH = 2, 99  # PeerTube: at least 2 characters and fewer than 100
ENV_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,127}$"
_KEY = secrets.token_bytes(32)  # this process's: digests are comparable within it only
_LINES = re.compile(r"\r\n|\r|\n")


def split(text: str) -> list[str]:
    """One password per line; without line breaks, comma-separated. Spaces around are cut."""
    parts = _LINES.split(text) if _LINES.search(text.strip()) else text.split(",")
    return [p.strip() for p in parts if p.strip()]


def problems(name: str, values: list[str]) -> list[str]:
    """What PeerTube would refuse (``isValidPasswordProtectedPrivacy``), worded without values."""
    if not values:
        return [f"${name} holds no password (one per line, or comma-separated)"]
    found = []
    for i, value in enumerate(values, 1):
        if not MIN_LENGTH <= len(value) <= MAX_LENGTH:
            found.append(
                f"${name}: password {i} has {len(value)} characters; PeerTube needs "
                f"{MIN_LENGTH}-{MAX_LENGTH}"
            )
    if len(set(values)) != len(values):
        found.append(f"${name} holds the same password twice (PeerTube refuses duplicates)")
    return found


def read(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    """The passwords in ``$name``; PasswordProblem when missing or invalid."""
    text = env.get(name)
    if text is None:
        raise PasswordProblem(
            f"environment variable {name} is not set (it holds the video passwords, one per "
            "line or comma-separated)"
        )
    values = split(text)
    found = problems(name, values)
    if found:
        raise PasswordProblem("; ".join(found))
    return tuple(values)


def digest(values: Iterable[str]) -> str:
    """An order-free digest of a set of passwords, meaningful only inside this process."""
    joined = "\x00".join(sorted(set(values))).encode()
    return hmac.new(_KEY, joined, hashlib.sha256).hexdigest()

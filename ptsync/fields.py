"""The video fields ptsync manages: where PeerTube shows them and how to compare them.

Values live in one space on both sides of a diff, the *API value space*: ids for vocabularies
(privacy 1, category 15, licence 2, language "en", commentsPolicy 1), the channel's name
(handle), tags as a sorted tuple, dates as canonical UTC instants, text trimmed and ``None``
when empty. Manifest labels are resolved into this space before planning, and live API
payloads are parsed into it, so comparing is plain equality after ``normalise``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any


def norm_text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).replace("\r\n", "\n").strip()
    return text or None


def norm_tags(value: Any) -> tuple[str, ...]:
    """PeerTube de-duplicates and re-orders tags (byte order): compare them as sets."""
    if not value:
        return ()
    items: Iterable[Any] = [value] if isinstance(value, str) else value
    return tuple(sorted({str(t).strip() for t in items if str(t).strip()}))


def norm_instant(value: Any) -> str | None:
    """Dates as instants: ``2020-01-02``, ``2020-01-02T00:00:00Z`` and ``...00.000+00:00`` agree."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        if len(text) == 10:
            text += "T00:00:00"
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        raise ValueError("out of the supported date range") from None
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def norm_int(value: Any) -> int | None:
    return None if value is None else int(value)


def norm_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def norm_str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


@dataclass(frozen=True)
class VideoField:
    """One managed field. ``name`` is both the manifest key and PeerTube's API key."""

    name: str
    in_list: bool  # complete in list payloads (/users/me/videos); else needs GET /videos/{id}
    normalise: Callable[[Any], Any]
    api_key: str  # key in PUT / POST bodies (channel is sent as channelId)
    help: str


VIDEO_FIELDS: dict[str, VideoField] = {
    f.name: f
    for f in (
        VideoField("name", True, norm_text, "name", "Title, 3-120 characters."),
        VideoField(
            "description",
            True,
            norm_text,
            "description",
            "Markdown text; ptsync keeps its ownership marker on the first line.",
        ),
        VideoField("channel", True, norm_str, "channelId", "Channel name (handle) or id."),
        VideoField("privacy", True, norm_int, "privacy", "Public, Unlisted, Private, Internal."),
        VideoField("category", True, norm_int, "category", "Category label or id; null clears."),
        VideoField("licence", True, norm_int, "licence", "Licence label or id; null clears."),
        VideoField("language", True, norm_str, "language", "Language code or label."),
        VideoField("nsfw", True, norm_bool, "nsfw", "Sensitive content flag."),
        VideoField(
            "waitTranscoding", True, norm_bool, "waitTranscoding", "Publish after transcoding."
        ),
        VideoField(
            "originallyPublishedAt",
            True,
            norm_instant,
            "originallyPublishedAt",
            "Original publication date (ISO 8601).",
        ),
        VideoField("tags", False, norm_tags, "tags", "Up to 5 tags of 2-30 characters."),
        VideoField("support", False, norm_text, "support", "Support text, 3-1000 characters."),
        VideoField(
            "commentsPolicy",
            False,
            norm_int,
            "commentsPolicy",
            "Enabled, Disabled, Requires approval.",
        ),
        VideoField("downloadEnabled", False, norm_bool, "downloadEnabled", "Allow downloads."),
    )
}

LIST_FIELDS = frozenset(n for n, f in VIDEO_FIELDS.items() if f.in_list)
DETAIL_FIELDS = frozenset(n for n, f in VIDEO_FIELDS.items() if not f.in_list)

# PeerTube's own limits (server/initializers/constants.ts CONSTRAINTS_FIELDS.VIDEOS).
NAME_MIN, NAME_MAX = 3, 120
DESCRIPTION_MAX = 10_000
SUPPORT_MIN, SUPPORT_MAX = 3, 1_000
TAGS_MAX, TAG_MIN, TAG_MAX = 5, 2, 30
CHAPTER_TITLE_MIN, CHAPTER_TITLE_MAX = 1, 100  # CONSTRAINTS_FIELDS.VIDEO_CHAPTERS.TITLE
LIST_DESCRIPTION_MAX = 250

COMMENTS_POLICIES = {1: "Enabled", 2: "Disabled", 3: "Requires approval"}
PRIVATE, PASSWORD_PROTECTED = 3, 5
# isScheduleVideoUpdatePrivacyValid: a schedule publishes as Public, Unlisted or Internal
SCHEDULE_PRIVACIES = frozenset({1, 2, 4})
# Pseudo-fields of a video change that are not ``PUT /videos/{id}`` keys: separate endpoints
# (chapters, passwords), the scheduleUpdate object, ptsync's own marker and files.
PSEUDO_FIELDS = frozenset(
    {"marker", "thumbnail", "source", "import", "chapters", "passwords", "publishAt",
     "publishPrivacy"}
)  # fmt: skip


def normalise(field: str, value: Any) -> Any:
    return VIDEO_FIELDS[field].normalise(value)


def first_line(text: str | None, limit: int = 300) -> str:
    """A server's error text as one line (ffprobe and job errors span many lines)."""
    lines = (text or "").strip().splitlines()
    return lines[0][:limit] if lines else "no reason given"

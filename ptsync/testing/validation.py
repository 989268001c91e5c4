"""PeerTube's express-validator chains for the fields ptsync sends, with their exact messages.

Each check mirrors one ``body(...)`` chain: the same sanitizer, validity rule and ``msg``
(rules live in ``limits``). Checks run in PeerTube's order and keep the first error per field,
so a request with several bad fields gets ``invalid-params`` and ``detail`` ("Incorrect request
parameters: a, b") in the order the real server produces.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ptsync.testing import scheduling, vocab
from ptsync.testing.bodies import StoredFile
from ptsync.testing.ids import is_int
from ptsync.testing.limits import (
    IMAGE_TYPES,
    NAN,
    UNDEFINED,
    are_tags,
    is_bool,
    is_comments_policy,
    is_date_or_null,
    is_image,
    is_language,
    is_privacy,
    text_between,
    to_bool_or_null,
    to_int_or_null,
    to_value_or_null,
    trim,
    vocabulary_key,
)
from ptsync.testing.problems import Problem

INVALID = "Invalid value"
NAME_MSG = "Should have a video name between 3 and 120 characters long"
TAGS_MSG = "Should have an array of up to 5 tags between 2 and 30 characters each"
_IMAGE_MSG = (
    "This {} file is not supported or too large. Please, make sure it is of the following type: "
)
THUMBNAIL_MSG = _IMAGE_MSG.format("thumbnail") + ", ".join(IMAGE_TYPES)
PREVIEW_MSG = _IMAGE_MSG.format("preview") + ", ".join(IMAGE_TYPES)


class Checker:
    """Runs chains over one source (body, query, params or headers) and collects errors."""

    def __init__(self, source: Mapping[str, Any], location: str = "body") -> None:
        self.source = source
        self.location = location
        self.errors: dict[str, dict[str, Any]] = {}
        self.values: dict[str, Any] = {}

    def check(
        self,
        name: str,
        valid: Callable[[Any], bool],
        *,
        msg: str = INVALID,
        sanitize: Callable[[Any], Any] | None = None,
        optional: bool = True,
    ) -> None:
        raw = self.source.get(name, UNDEFINED) if name in self.source else UNDEFINED
        if raw is UNDEFINED and optional:
            return
        value = sanitize(raw) if sanitize else raw
        if value is not UNDEFINED and value is not NAN and valid(value):
            self.values[name] = value
        else:
            self.fail(name, value, msg)

    def file(
        self,
        name: str,
        files: Mapping[str, list[StoredFile]] | None,
        valid: Callable[[StoredFile], bool],
        msg: str,
        *,
        optional: bool = True,
    ) -> None:
        uploads = (files or {}).get(name) or []
        if not uploads:
            if not optional:
                self.fail(name, UNDEFINED, msg)
            return
        if valid(uploads[0]) and uploads[0].filename:
            self.values[name] = uploads[0]
        else:
            self.fail(name, UNDEFINED, msg)

    def fail(self, name: str, value: Any, msg: str, location: str | None = None) -> None:
        if name in self.errors:
            return
        error: dict[str, Any] = {"type": "field"}
        if value is not UNDEFINED:
            error["value"] = None if value is NAN else value
        error.update(msg=msg, path=name, location=location or self.location)
        self.errors[name] = error

    def raise_errors(self, instance: str) -> None:
        if self.errors:
            message = "Incorrect request parameters: " + ", ".join(self.errors)
            raise Problem(400, message, instance=instance, data={"invalid-params": self.errors})


def path_id(raw: str, instance: str) -> int:
    """A numeric id in the path (``/:id``), or PeerTube's 400 naming it (``isIdValid``)."""
    if not is_int(raw):
        checker = Checker({})
        checker.fail("id", raw, INVALID, location="params")
        checker.raise_errors(instance)
    return int(raw)


def video_edit(
    c: Checker,
    files: Mapping[str, list[StoredFile]] | None,
    licences: Mapping[int, str] = vocab.LICENCES,
) -> None:
    """``getCommonVideoEditAttributes()``: shared by upload, update and import, in this order.

    ``licences`` is the instance's vocabulary (7.x added licences 8 and 9).
    """
    c.file("thumbnailfile", files, is_image, THUMBNAIL_MSG)
    c.file("previewfile", files, is_image, PREVIEW_MSG)
    c.check("category", vocabulary_key(vocab.CATEGORIES), sanitize=to_int_or_null)
    c.check("licence", vocabulary_key(licences), sanitize=to_int_or_null)
    c.check("language", is_language, sanitize=to_value_or_null)
    c.check("nsfw", is_bool, sanitize=to_bool_or_null, msg="Should have a valid nsfw boolean")
    c.check(
        "waitTranscoding",
        is_bool,
        sanitize=to_bool_or_null,
        msg="Should have a valid waitTranscoding boolean",
    )
    c.check("privacy", is_privacy, sanitize=to_int_or_null)
    c.check("description", text_between(3, 10000), sanitize=to_value_or_null)
    c.check("support", text_between(3, 1000), sanitize=to_value_or_null)
    c.check("tags", are_tags, sanitize=to_value_or_null, msg=TAGS_MSG)
    c.check(
        "commentsEnabled",
        is_bool,
        sanitize=to_bool_or_null,
        msg="Should have commentsEnabled boolean",
    )
    c.check("commentsPolicy", is_comments_policy)
    c.check(
        "downloadEnabled",
        is_bool,
        sanitize=to_bool_or_null,
        msg="Should have downloadEnabled boolean",
    )
    c.check("originallyPublishedAt", is_date_or_null, sanitize=to_value_or_null)
    scheduling.validate(c)


def video_name(c: Checker, *, required: bool, trimmed: bool = True) -> None:
    c.check(
        "name",
        text_between(3, 120, nullable=False),
        sanitize=trim if trimmed else None,
        optional=not required,
        msg=NAME_MSG,
    )


def channel_id(c: Checker, *, required: bool) -> None:
    c.check("channelId", is_int, sanitize=to_int_or_null, optional=not required)


def video_passwords(c: Checker) -> None:
    c.check(
        "videoPasswords", lambda v: isinstance(v, list), msg="Video passwords should be an array."
    )


def is_int_between(low: int, high: int | None = None) -> Callable[[Any], bool]:
    def valid(value: Any) -> bool:
        if not is_int(value) or isinstance(value, float):
            return False
        number = int(value)
        return number >= low and (high is None or number <= high)

    return valid


def pagination(query: Mapping[str, Any], instance: str) -> tuple[int, int]:
    """``paginationValidator`` + ``setDefaultPagination``: count ≤ 100, default 15."""
    c = Checker(query, "query")
    c.check("start", is_int_between(0), msg="Should have a number start")
    c.check("count", is_int_between(0, 100), msg="Should have a number count (max: 100)")
    c.raise_errors(instance)
    start = int(query.get("start") or 0)
    count = int(query["count"]) if query.get("count") not in (None, "") else 15
    return start, count


def sort(query: Mapping[str, Any], columns: tuple[str, ...], default: str, instance: str) -> str:
    allowed = {*columns, *(f"-{column}" for column in columns)}
    c = Checker(query, "query")
    c.check("sort", lambda v: isinstance(v, str) and v in allowed)
    c.raise_errors(instance)
    value = query.get("sort")
    return value if isinstance(value, str) and value else default

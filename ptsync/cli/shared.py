"""The options several commands share, each defined once, and how they become library Options.

Three groups: ``CONNECTION`` for every command that talks to a server (plan, apply, adopt,
status, export), ``MANIFESTS`` for every command that loads manifests, ``PLANNING`` for the two
that make a plan (plan, apply). ``@shared(GROUP, ...)`` adds a group's options to a command's
signature (typer reads it) and hands their values to the command as one ``Given``; an option
left out is None, so the library's ``Options`` keeps its own default (one source,
``ptsync.options``) and the typed ones are named in ``Options.explicit``: a typed threshold
wins over a manifest's ``safety:`` even when it equals the default, and a saved plan can tell
which options were typed.

Values are checked where they are typed, in ptsync's words (``--parallelism: 0 is not allowed:
give a whole number from 1 to 32``), and help shows a word (``N``, ``SECONDS``), never a Python
type. The defaults shown in help are read from the library's ``DEFAULTS``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ptsync.cli.options import check_rate, parse_rate
from ptsync.options import DEFAULTS

if TYPE_CHECKING:
    from ptsync.options import Options

# What help shows: the library's defaults (ptsync.options), named for the help texts.
DEFAULT_MAX_FRACTION = DEFAULTS.max_update_fraction  # and max_delete_fraction
DEFAULT_MIN_EXISTING = DEFAULTS.safety_min_existing
DEFAULT_PARALLELISM = DEFAULTS.parallelism
DEFAULT_TIMEOUT = DEFAULTS.timeout
DEFAULT_RATE = "off" if DEFAULTS.rate_limit is None else "{}/{:g}".format(*DEFAULTS.rate_limit)
MAX_PARALLELISM = 32


def number(
    option: str, kind: type, low: float | None = None, high: float | None = None
) -> Callable[[str], Any]:
    """A parser for ``option``: a whole number (``kind`` int) or a decimal, within bounds."""
    word = "a whole number" if kind is int else "a number"
    if low is not None and high is not None:
        want = f"{word} from {low:g} to {high:g}"
    elif low is not None:
        want = f"{word} of at least {low:g}"
    else:
        want = word

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except (TypeError, ValueError):
            raise typer.BadParameter(f"{text!r} is not {word}: give {want}") from None
        if (low is not None and value < low) or (high is not None and value > high):
            raise typer.BadParameter(f"{text} is not allowed: give {want}")
        return value

    return parse


def _option(*names: str, metavar: str | None, help: str, **extra: Any) -> Any:
    return typer.Option(*names, metavar=metavar, help=help, show_default=False, **extra)


# ---------------------------------------------------------------------------------- groups

Parallelism = Annotated[
    int | None,
    _option(
        "--parallelism",
        metavar="N",
        parser=number("--parallelism", int, 1, MAX_PARALLELISM),
        help=f"Requests at the same time, 1 to {MAX_PARALLELISM} (default: {DEFAULT_PARALLELISM}).",
    ),
]
NoCache = Annotated[
    bool, _option("--no-cache", metavar=None, help="Ask the server for everything (no cache).")
]
Timeout = Annotated[
    float | None,
    _option(
        "--timeout",
        metavar="SECONDS",
        parser=number("--timeout", float, 0.1),
        help=f"Wait this long for each answer before retrying (default: {DEFAULT_TIMEOUT:g}).",
    ),
]
ListingMaxAge = Annotated[
    float | None,
    _option(
        "--listing-max-age",
        metavar="SECONDS",
        parser=number("--listing-max-age", float, 0.0),
        help=(
            "Reuse a mirror's upstream listing this young from the cache (default "
            f"{DEFAULTS.listing_max_age:g}: list every run; new entries then show only once "
            "the cached listing is older)."
        ),
    ),
]
RateLimit = Annotated[
    str | None,
    _option(
        "--rate-limit",
        metavar="REQUESTS/SECONDS",
        callback=check_rate,
        help="Until the server announces its own window, or 'off' (default: "
        f"{DEFAULT_RATE}); given, it also caps administrators and moderators.",
    ),
]
Retries = Annotated[
    int | None,
    _option(
        "--retries",
        metavar="N",
        parser=number("--retries", int, 1),
        help="Attempts per request, the login on its way included (default: "
        f"{DEFAULTS.max_retries}).",
    ),
]
RetryBackoff = Annotated[
    float | None,
    _option(
        "--retry-backoff",
        metavar="SECONDS",
        parser=number("--retry-backoff", float, 0),
        help="Wait before the second attempt, doubling after each (default: "
        f"{DEFAULTS.retry_base:g}).",
    ),
]
Deadline = Annotated[
    float | None,
    _option(
        "--deadline",
        metavar="SECONDS",
        parser=number("--deadline", float, 0.1),
        help="Send nothing more after this long: all requests of the run together (default: none).",
    ),
]
InsecureHttp = Annotated[
    bool,
    _option("--insecure-http", metavar=None, help="Allow plain http:// to non-loopback hosts."),
]
MediaRoots = Annotated[
    list[Path] | None,
    _option(
        "--media-root",
        metavar="DIR",
        help="A folder local files (sources, thumbnails, captions) may also come from; repeatable.",
    ),
]
Prune = Annotated[
    bool | None,
    _option(
        "--prune/--no-prune", metavar=None, help="Delete managed videos missing from the manifest."
    ),
]
Force = Annotated[
    bool | None,
    _option(
        "--force",
        metavar=None,
        help="Allow more change than --max-update-fraction / --max-delete-fraction.",
    ),
]
MaxDelete = Annotated[
    float | None,
    _option(
        "--max-delete-fraction",
        metavar="FRACTION",
        parser=number("--max-delete-fraction", float, 0, 1),
        help="Refuse plans deleting more of the managed videos, 0 to 1 "
        f"(default: {DEFAULT_MAX_FRACTION:g}).",
    ),
]
MaxUpdate = Annotated[
    float | None,
    _option(
        "--max-update-fraction",
        metavar="FRACTION",
        parser=number("--max-update-fraction", float, 0, 1),
        help="Refuse plans updating more of the videos they can touch, 0 to 1 "
        f"(default: {DEFAULT_MAX_FRACTION:g}).",
    ),
]
SafetyMin = Annotated[
    int | None,
    _option(
        "--safety-min-existing",
        metavar="N",
        parser=number("--safety-min-existing", int, 0),
        help=f"Check the fractions only from this many videos (default: {DEFAULT_MIN_EXISTING}).",
    ),
]


@dataclass(frozen=True)
class Shared:
    name: str
    annotation: Any
    default: Any = None


CONNECTION = (
    Shared("rate_limit", RateLimit),
    Shared("parallelism", Parallelism),
    Shared("timeout", Timeout),
    Shared("retries", Retries),
    Shared("retry_backoff", RetryBackoff),
    Shared("deadline", Deadline),
    Shared("no_cache", NoCache, False),
    Shared("listing_max_age", ListingMaxAge),
    Shared("insecure_http", InsecureHttp, False),
)
MANIFESTS = (Shared("media_root", MediaRoots),)
PLANNING = (
    Shared("prune", Prune),
    Shared("force", Force),
    Shared("max_update_fraction", MaxUpdate),
    Shared("max_delete_fraction", MaxDelete),
    Shared("safety_min_existing", SafetyMin),
)
CHANGES_A_PLAN = {  # what a saved plan was made with: refused when applying one
    "prune": "--prune",
    "force": "--force",
    "max_update_fraction": "--max-update-fraction",
    "max_delete_fraction": "--max-delete-fraction",
    "safety_min_existing": "--safety-min-existing",
}


class Given(dict[str, Any]):
    """The shared options of one command as typed (None or False: not given)."""

    def typed(self, *names: str) -> list[str]:
        return [name for name in names if self.get(name) not in (None, False)]

    def options(self, **more: Any) -> Options:
        """The library's Options: what was given, the library's defaults for the rest."""
        from ptsync.options import Options

        values: dict[str, Any] = {}
        pairs = {
            "parallelism": "parallelism",
            "timeout": "timeout",
            "retries": "max_retries",
            "retry_backoff": "retry_base",
            "deadline": "deadline",
            "prune": "prune",
            "force": "force",
            "max_update_fraction": "max_update_fraction",
            "max_delete_fraction": "max_delete_fraction",
            "safety_min_existing": "safety_min_existing",
            "listing_max_age": "listing_max_age",
        }
        for name, field in pairs.items():
            if self.get(name) is not None:
                values[field] = self[name]
        if self.get("no_cache"):
            values["use_cache"] = False
        if self.get("insecure_http"):
            values["insecure_http"] = True
        if self.get("rate_limit") is not None:
            values["rate_limit"] = parse_rate(self["rate_limit"])
        if self.get("media_root"):
            values["media_roots"] = tuple(str(p) for p in self["media_root"])
        return Options(**{**values, **more}, explicit=frozenset(values))


def shared(*groups: tuple[Shared, ...]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add ``groups``' options to a command; it receives their values as ``given``."""
    extra = [s for group in groups for s in group]

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        signature = inspect.signature(command)
        own = [p for p in signature.parameters.values() if p.name != "given"]
        added = [
            inspect.Parameter(
                s.name, inspect.Parameter.KEYWORD_ONLY, default=s.default, annotation=s.annotation
            )
            for s in extra
        ]

        @functools.wraps(command)
        def run(**values: Any) -> Any:
            given = Given({s.name: values.pop(s.name) for s in extra})
            return command(given=given, **values)

        run.__signature__ = signature.replace(parameters=[*own, *added])  # type: ignore[attr-defined]
        run.__annotations__ = _annotations(command, [*own, *added])
        del run.__wrapped__  # typer must read this signature, not the command's
        return run

    return decorate


def _annotations(command: Callable[..., Any], params: list[inspect.Parameter]) -> dict[str, Any]:
    hints: dict[str, Any] = {p.name: p.annotation for p in params}
    hints["return"] = command.__annotations__.get("return", inspect.Signature.empty)
    return hints

"""Terminal conventions: stdout carries only the plan, results or JSON; logs, progress, prompts
and messages go to stderr; colour only on a terminal and never with NO_COLOR or TERM=dumb.

``--quiet`` keeps stderr for errors: ``info`` lines (✓ results, "Saved the plan…", "OK: …")
are dropped, ``err`` lines (✗ results, failures) stay.

``handle_errors`` is the one place exceptions become exit codes (pre-commit's error_handler):
known errors print one clear line (a manifest error one line per problem), anything else is a
bug — a short line on stderr and the traceback in a log file, never a traceback in a CI log.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ptsync.cli.interrupts import Interrupted
from ptsync.errors import EXIT_BUG, EXIT_INTERRUPTED, ManifestError, PtsyncError

if TYPE_CHECKING:
    from ptsync.report.results import ItemResult

_quiet = False


def color_enabled(stream: TextIO, *, no_color_flag: bool = False) -> bool:
    if no_color_flag or "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def quiet() -> bool:
    return _quiet


def err(message: str = "") -> None:
    """A line on stderr that is shown even with --quiet (errors, refusals)."""
    print(message, file=sys.stderr, flush=True)


def info(message: str = "") -> None:
    """A line on stderr for a person watching; dropped with --quiet."""
    if not _quiet:
        err(message)


def out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    sys.stdout.flush()


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 video``, ``3 videos``."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def one_line(text: str) -> str:
    return " ".join(text.split())


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        import json

        doc = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        return json.dumps(doc, ensure_ascii=False)


def setup_logging(verbosity: int, quiet: bool, log_format: str) -> None:
    global _quiet
    _quiet = quiet
    level = (
        logging.ERROR
        if quiet
        else [logging.WARNING, logging.INFO, logging.DEBUG][min(verbosity, 2)]
    )
    handler = logging.StreamHandler(sys.stderr)
    if log_format == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("ptsync")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


def github_annotation(exc: PtsyncError) -> list[str]:
    """``::error file=…,line=…::`` lines so GitHub shows manifest errors on the diff."""
    if os.environ.get("GITHUB_ACTIONS") != "true":
        return []
    if isinstance(exc, ManifestError):
        return [
            f"::error file={p.ref.file},line={p.ref.line},col={p.ref.col}::"
            f"{_escape(p.ref.path + ': ' if p.ref.path else '')}{_escape(p.message)}"
            for p in exc.problems
        ]
    return [f"::error::{_escape(str(exc))}"]


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def item_label(result: ItemResult) -> str:
    """What a result is about, spelt as the plan spells it: ``123abc``, ``playlist apollo``."""
    who = result.external_id or result.uuid or ""
    kind, sep, key = who.partition(":")
    if sep and kind in ("playlist", "channel"):
        return f"{kind} {key}"
    return who


def print_result(result: ItemResult) -> None:
    if result.success:
        note = f" ({result.note})" if result.note else ""
        info(f"  ✓ {result.action} {item_label(result)}{note}")
    else:
        err(f"  ✗ {result.action} {item_label(result)}: {one_line(result.error or 'failed')}")


def crash_log_path() -> Path:
    from ptsync.cachefiles import cache_dir

    return cache_dir() / "crash" / f"ptsync-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"


@contextmanager
def handle_errors(exit_with: Callable[[int], Any]) -> Iterator[None]:
    try:
        yield
    except (KeyboardInterrupt, Interrupted) as exc:  # apply winds down instead: cli.interrupts
        err(f"Interrupted ({exc or 'Ctrl-C'}). What was not applied shows up in the next plan.")
        exit_with(int(getattr(exc, "exit_code", EXIT_INTERRUPTED)))
    except PtsyncError as exc:
        for line in github_annotation(exc):
            print(line, flush=True)
        if isinstance(exc, ManifestError):
            err(str(exc))
        else:
            err(f"Error: {one_line(str(exc))}")
        exit_with(exc.exit_code)
    except Exception:
        import traceback

        path = crash_log_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(traceback.format_exc())
            where = f"the traceback is in {path}"
        except OSError:
            where = "the traceback could not be saved"
        err(f"ptsync hit a bug ({sys.exc_info()[1]!r}); {where}. Please report it.")
        exit_with(EXIT_BUG)

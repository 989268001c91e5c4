"""Terminal conventions: stdout carries only the plan or JSON; logs, progress and prompts go to
stderr; colour only on a terminal and never with NO_COLOR or TERM=dumb.

``handle_errors`` is the one place exceptions become exit codes (pre-commit's error_handler):
known errors print one clear message, anything else is a bug — a short line on stderr and the
traceback in a log file, never a traceback in a CI log.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from ptsync.errors import EXIT_BUG, EXIT_INTERRUPTED, ManifestError, PtsyncError
from ptsync.report.results import ItemResult


def color_enabled(stream: TextIO, *, no_color_flag: bool = False) -> bool:
    if no_color_flag or "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def err(message: str = "") -> None:
    print(message, file=sys.stderr, flush=True)


def out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") or not text else text + "\n")
    sys.stdout.flush()


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        return json.dumps(doc, ensure_ascii=False)


def setup_logging(verbosity: int, quiet: bool, log_format: str) -> None:
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


def print_result(result: ItemResult) -> None:
    mark = "✓" if result.success else "✗"
    who = result.external_id or result.uuid
    detail = f": {result.error}" if result.error else (f" ({result.note})" if result.note else "")
    err(f"  {mark} {result.action} {who}{detail}")


def crash_log_path() -> Path:
    from ptsync.cachefiles import cache_dir

    return cache_dir() / "crash" / f"ptsync-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"


@contextmanager
def handle_errors(exit_with: Callable[[int], Any]) -> Iterator[None]:
    try:
        yield
    except KeyboardInterrupt:
        err("Interrupted. What was not applied shows up in the next plan.")
        exit_with(EXIT_INTERRUPTED)
    except PtsyncError as exc:
        for line in github_annotation(exc):
            print(line, flush=True)
        prefix = "" if isinstance(exc, ManifestError) else "Error: "
        err(f"{prefix}{exc}")
        exit_with(exc.exit_code)
    except Exception:
        path = crash_log_path()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(traceback.format_exc())
            where = f"the traceback is in {path}"
        except OSError:
            where = "the traceback could not be saved"
        err(f"ptsync hit a bug ({sys.exc_info()[1]!r}); {where}. Please report it.")
        exit_with(EXIT_BUG)

"""Fetching ahead: a request a plan surely needs, sent before the step that reads it.

A run's start-up is a chain of waits on the server: the login, the vocabularies, the listing,
the playlists. Those that do not depend on each other need not wait for each other: ``ahead``
starts a fetch on a thread of its own and gives back what waits for its result (raising what
the fetch raised) when the step that reads it comes. The requests are the ones the plan sends
anyway, only earlier: counts do not change, only the time the run waits.

The thread is a daemon: a run that fails before it reads the result neither waits for the
fetch to end nor hears of its failure (the run's own error is the one reported).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar, cast

T = TypeVar("T")


class Ahead(Generic[T]):
    """A fetch under way; ``result()`` waits for it."""

    def __init__(self, fetch: Callable[[], T], name: str) -> None:
        self._done = threading.Event()
        self._value: T | None = None
        self._error: BaseException | None = None
        thread = threading.Thread(target=self._run, args=(fetch,), name=name, daemon=True)
        thread.start()

    def _run(self, fetch: Callable[[], T]) -> None:
        try:
            self._value = fetch()
        except BaseException as exc:  # handed to the reader, in its own thread
            self._error = exc
        finally:
            self._done.set()

    def result(self) -> T:
        self._done.wait()
        if self._error is not None:
            raise self._error
        return cast(T, self._value)


def ahead(fetch: Callable[[], T], name: str = "ahead") -> Callable[[], T]:
    """Start ``fetch`` now; call what is returned to get its result when it is needed."""
    return Ahead(fetch, name).result

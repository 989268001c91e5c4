"""``ptsync.plan(...)`` and ``ptsync.apply(...)``: calling the ``plan`` and ``apply`` packages.

Python binds a package's subpackages as its attributes, so ``ptsync.plan`` is the package of
the pure planning functions as soon as anything imports one of them, and a module
``__getattr__`` in ``ptsync`` could never hand out a function of that name. Instead the two
packages are callable: calling one imports the library (``ptsync.session``) and runs its
function of the same name. ``import ptsync.plan.changes`` and the rest work as ever.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

LIBRARY = "ptsync.session"


class EntryPackage(types.ModuleType):
    """A package that, called, runs the library function it names (see the module's text)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        function = getattr(importlib.import_module(LIBRARY), self.__name__.rpartition(".")[2])
        return function(*args, **kwargs)


def make_callable(package: str) -> None:
    """Make the (already imported) ``package`` callable; its last name is the function's."""
    sys.modules[package].__class__ = EntryPackage
